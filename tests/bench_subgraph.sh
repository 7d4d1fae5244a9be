#!/bin/sh
# bench_subgraph.sh: time kag-subgraph against a plain Python BFS and
# networkx's ego_graph on a synthetic graph, from a stream and from a
# store, and check the release targets (run by 'make bench').
#
# Environment: BENCH_NODES (default 200000) and BENCH_EDGES (default
# 1000000), the graph made once by tests/gen_bench_data.py under
# tests/tmp/bench/ (about 145 MB); BENCH_ROOT (default mem_000001) the
# root; BENCH_RUNS (default 3) runs of each command, of which the median
# time is kept.  Every contender writes the cut's lines; the page cache
# holds the file (and the store) for all of them.
# Targets: from the stream, depth 2 and depth 5, at least 8 times as fast
# as the Python BFS and 50 times as fast as networkx, with a peak RSS of
# at most 1.5 times the file; depth 2 from a store at least 10 times as
# fast as from the stream.
# Exit status: 0 if every target is met, 1 if one is not, 2 on trouble.
top=$(cd "$(dirname "$0")/.." && pwd)
BENCH_RECORDS=${BENCH_RECORDS:-1000}
export BENCH_RECORDS
. "$top/tests/benchlib.sh"

root=${BENCH_ROOT:-mem_000001}
[ -x "$bin/kag-subgraph" ] || die "'$bin/kag-subgraph' is missing: run 'make'"
benchgraph
db=$dir/graph-$nodes-$edges.db
if [ ! -s "$db" ] || [ "$db" -ot "$graph" ]; then
	echo "bench: loading it into $db" >&2
	rm -f "$db" && "$bin/kag-load" -q -d "$db.tmp" "$graph" &&
	    mv "$db.tmp" "$db" || die "kag-load cannot make '$db'"
fi
# A load of nothing brings a store of an older schema up to date.
"$bin/kag-load" -q -d "$db" </dev/null || die "kag-load cannot update '$db'"
# Into the page cache, for every contender: the file and the store.
cat "$graph" "$db" >/dev/null

work=$dir/subgraph
rm -rf "$work" && mkdir -p "$work" || exit 2
trap 'rm -rf "$work"' EXIT INT TERM

# The peers: a dict of lists and a deque over json.loads of each line,
# keeping the lines to write the cut's; networkx's ego_graph (undirected,
# as kag-subgraph's default) over a MultiDiGraph built the same way.
cat >"$work/bfs.py" <<'EOF'
import json, sys
from collections import deque
path, root, depth = sys.argv[1], sys.argv[2], int(sys.argv[3])
adj, nodes, recs = {}, set(), []
with open(path, encoding="utf-8") as f:
    for line in f:
        r = json.loads(line)
        t = r["type"]
        if t == "node":
            nodes.add(r["id"])
            recs.append((t, r["id"], None, line))
        elif t == "edge":
            adj.setdefault(r["src"], []).append(r["dst"])
            adj.setdefault(r["dst"], []).append(r["src"])
            recs.append((t, r["src"], r["dst"], line))
dist = {root: 0}
q = deque([root])
while q:
    u = q.popleft()
    if dist[u] < depth:
        for v in adj.get(u, ()):
            if v in nodes and v not in dist:
                dist[v] = dist[u] + 1
                q.append(v)
out = sys.stdout
for t, a, b, line in recs:
    if a in dist and (t == "node" or b in dist):
        out.write(line)
EOF
cat >"$work/nx.py" <<'EOF'
import json, sys
import networkx as nx
path, root, depth = sys.argv[1], sys.argv[2], int(sys.argv[3])
g = nx.MultiDiGraph()
with open(path, encoding="utf-8") as f:
    for line in f:
        r = json.loads(line)
        if r["type"] == "node":
            g.add_node(r["id"], line=line)
        elif r["type"] == "edge":
            g.add_edge(r["src"], r["dst"], line=line)
sub = nx.ego_graph(g, root, radius=depth, undirected=True)
out = sys.stdout
for _, d in sub.nodes(data=True):
    out.write(d["line"])
for _, _, d in sub.edges(data=True):
    out.write(d["line"])
EOF
havenx=1
python3 -c 'import networkx' 2>/dev/null || havenx=0

G=$(q "$graph")
K=$(q "$bin/kag-subgraph")
mb=$(($(wc -c <"$graph") / 1048576))
printf 'bench: %s nodes, %s edges, %s MB, root %s, median of %s runs\n\n' \
    "$nodes" "$edges" "$mb" "$root" "$runs"
header

# ok WHAT: why a result does not count, or nothing.
ok() { [ "$st" -eq 0 ] || echo "$1 exit $st"; }
limit=$(($(wc -c <"$graph") * 3 / 2 / 1024))
for depth in 2 5; do
	measure "$K -q --root $root --depth $depth $G >/dev/null"
	tk=$t krss=$rss kn=$(ok kag)
	measure "python3 $(q "$work/bfs.py") $G $root $depth >/dev/null"
	row "depth $depth: python BFS" "$tk" "$t" 8 "$kn$(ok peer)"
	if [ $havenx -eq 1 ]; then
		measure "python3 $(q "$work/nx.py") $G $root $depth >/dev/null"
		row "depth $depth: networkx ego_graph" "$tk" "$t" 50 \
		    "$kn$(ok peer)"
	else
		printf "$fmt" "depth $depth: networkx ego_graph" - - - ">= 50" \
		    "SKIP (no networkx: apt-get install python3-networkx)"
	fi
	if [ "$krss" -lt 0 ]; then
		printf "$fmt" "depth $depth: peak RSS" - - - "<= 1.5 x file" \
		    "SKIP (GNU time is missing: apt-get install time)"
	else
		res=PASS
		[ "$krss" -le "$limit" ] || { res=FAIL; fails=$((fails + 1)); }
		printf "$fmt" "depth $depth: peak RSS" "$((krss / 1024))M" - \
		    "$(awk -v a="$krss" -v b="$limit" 'BEGIN {
		    printf "%.2f", a / b * 1.5 }')x" "<= 1.5 x file" "$res"
	fi
done

# The same cut from the store, against the cut from the stream: both
# with the page cache holding what they read (the peers above read a lot),
# without GNU time around them (its few milliseconds would count against
# the short run), and in turn, a run of each a round, so that what else
# the machine does weighs on both alike.
cat "$graph" "$db" >/dev/null
pair='
import os, statistics, sys, time
runs, cmds = int(sys.argv[1]), sys.argv[2:]
secs, worst = [[] for _ in cmds], 0
for _ in range(runs):
    for i, cmd in enumerate(cmds):
        t0 = time.monotonic()
        pid = os.posix_spawn("/bin/sh", ["/bin/sh", "-c", cmd], os.environ)
        _, status, _ = os.wait4(pid, 0)
        secs[i].append(time.monotonic() - t0)
        worst = max(worst, os.waitstatus_to_exitcode(status) & 255)
print(" ".join("%.3f" % statistics.median(s) for s in secs), worst)
'
m=$(python3 -c "$pair" "$runs" \
    "exec $K -q --root $root --depth 2 $G >/dev/null" \
    "exec $K -q -d $(q "$db") --root $root --depth 2 >/dev/null") ||
    die "the timer failed"
set -- $m
st=$3
row "depth 2: store vs stream" "$2" "$1" 10 "$(ok kag)"

echo
if [ $fails -gt 0 ]; then
	echo "bench: $fails target(s) missed"
	exit 1
fi
echo "bench: every target met"
