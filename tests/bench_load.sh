#!/bin/sh
# bench_load.sh: time kag-load against the sqlite3 CLI and a Python stdlib
# loader on the same synthetic export, each into a new store, and check
# the release targets (run by 'make bench').
#
# Environment: BENCH_RECORDS (default 1000000) memory records, generated
# once by tests/gen_bench_data.py and kept under tests/tmp/bench/ (shared
# with tests/bench.sh); BENCH_NODES (default 200000) and BENCH_EDGES
# (default 1000000), the graph, made once likewise (shared with
# tests/bench_subgraph.sh); BENCH_RUNS (default 3) runs of each command,
# of which the median time is kept.  Every contender starts from the same
# empty store (Kagura's memories table and kag's tables, as kag-load
# makes them) and keeps SQLite's default durability: rollback journal,
# synchronous FULL, so each pays for its fsync at commit.
# The graph is kag-load's alone: it must load, into a new store and then
# again over itself (every record looked up), at no more than three times
# the memories' time a record, in the memories' memory.
# Exit status: 0 if every target is met, 1 if one is not, 2 on trouble.
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/benchlib.sh"

[ -x "$bin/kag-load" ] || die "'$bin/kag-load' is missing: run 'make' first"
python3 -c 'import sqlite3' 2>/dev/null ||
    die "python3 has no sqlite3 module: apt-get install python3"
havecli=1
command -v sqlite3 >/dev/null 2>&1 || havecli=0

benchgraph

small=$dir/memories-$n-tenth.jsonl
if [ ! -s "$small" ]; then
	head -n $((n / 10)) "$data" >"$small.tmp" && mv "$small.tmp" "$small" ||
	    die "cannot make '$small'"
fi
cat "$data" "$graph" >/dev/null # into the page cache, for every contender

work=$dir/load
rm -rf "$work" && mkdir -p "$work" || exit 2
trap 'rm -rf "$work"' EXIT INT TERM
empty=$work/empty.db
"$bin/kag-load" -q -d "$empty" </dev/null || die "kag-load cannot make a store"
db=$work/store.db

# The peers.  The sqlite3 CLI reads each line into a one-column table and
# moves the fields with SQLite's JSON operators, in one transaction; the
# Python loader parses each line with json.loads and inserts with
# executemany, in one transaction.  Both file persistent memories in
# Kagura's table and working ones in kag_working, as kag-load does.
cat >"$work/peer.sql" <<EOF
.mode ascii
.separator "\037" "\n"
CREATE TEMP TABLE lines (line TEXT);
.import '$data' lines
BEGIN;
INSERT INTO memories (key, value, user_id, agent_name, created_at,
    updated_at, metadata)
SELECT line->>'\$.key', line->'\$.value',
    coalesce(line->>'\$.user_id', 'default_user'), line->>'\$.agent_name',
    line->>'\$.created_at', line->>'\$.updated_at', line->'\$.metadata'
FROM lines WHERE line->>'\$.scope' = 'persistent';
INSERT INTO kag_working (key, value, user_id, agent_name, created_at,
    updated_at, metadata)
SELECT line->>'\$.key', line->'\$.value',
    coalesce(line->>'\$.user_id', 'default_user'), line->>'\$.agent_name',
    line->>'\$.created_at', line->>'\$.updated_at', line->'\$.metadata'
FROM lines WHERE line->>'\$.scope' = 'working';
COMMIT;
EOF
cat >"$work/peer.py" <<'EOF'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
sql = ("INSERT INTO %s (key, value, user_id, agent_name, created_at, "
       "updated_at, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)")
rows = {"persistent": [], "working": []}
with open(sys.argv[2], encoding="utf-8") as f:
    for line in f:
        r = json.loads(line)
        md = r.get("metadata")
        rows[r["scope"]].append((r["key"], json.dumps(r["value"]),
            r.get("user_id", "default_user"), r.get("agent_name"),
            r.get("created_at"), r.get("updated_at"),
            None if md is None else json.dumps(md)))
db.executemany(sql % "memories", rows["persistent"])
db.executemany(sql % "kag_working", rows["working"])
db.commit()
EOF

# The timer: each round runs every contender once, in turn, so that what
# else the machine does weighs on all of them alike.  Before each run the
# store is made new (not timed), unless the empty store is given as "-";
# after it, the rows stored are counted (memories, or with $rowsof set
# the rows of that table).  Prints, per contender, the median wall time
# in seconds, the largest peak RSS in KiB (-1 without GNU time), the
# worst exit status and the fewest rows found.  The RSS comes from
# /usr/bin/time, as in bench.sh.
timer='
import os, shutil, sqlite3, statistics, sys, time
runs, rssfile, empty, db = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
cmds = sys.argv[5:]
tables = [os.environ["rowsof"]] if os.environ.get("rowsof") else \
    ["memories", "kag_working"]
res = [([], -1, 0, None) for _ in cmds]
for _ in range(runs):
    for i, cmd in enumerate(cmds):
        for f in (db, db + "-journal"):
            if empty != "-" and os.path.exists(f):
                os.remove(f)
        if empty != "-":
            shutil.copyfile(empty, db)
        os.sync()
        argv = ["/bin/sh", "-c", cmd]
        if rssfile:
            argv = ["/usr/bin/time", "-f", "%M", "-o", rssfile] + argv
        t0 = time.monotonic()
        pid = os.posix_spawn(argv[0], argv, os.environ)
        _, status, _ = os.wait4(pid, 0)
        secs, rss, worst, rows = res[i]
        secs.append(time.monotonic() - t0)
        worst = max(worst, os.waitstatus_to_exitcode(status) & 255)
        if rssfile:
            with open(rssfile) as f:
                rss = max(rss, int(f.read().split()[-1]))
        c = sqlite3.connect(db)
        n = sum(c.execute("SELECT count(*) FROM %s" % t).fetchone()[0]
                for t in tables)
        c.close()
        res[i] = (secs, rss, worst, n if rows is None else min(rows, n))
for secs, rss, worst, rows in res:
    print("%.3f %d %d %d" % (statistics.median(secs), rss, worst, rows))
'

# measure CMD...: runs the contenders; sets t1, rss1, st1 and rows1 for the
# first, t2... for the second, and so on.  $start, when set, is the store
# each run starts from ("-": the one there is), instead of an empty one.
measure() {
	python3 -c "$timer" "$runs" "$rssfile" "${start:-$empty}" "$db" "$@" \
	    >"$work/m" || die "the timer failed"
	i=0
	while read -r a b c d; do
		i=$((i + 1))
		eval "t$i=\$a rss$i=\$b st$i=\$c rows$i=\$d"
	done <"$work/m"
}

# note I WANT: why contender I's result does not count, or nothing.
note() {
	eval "st=\$st$1 rows=\$rows$1"
	if [ "$st" -ne 0 ]; then
		echo "exit $st"
	elif [ "$rows" -ne "$2" ]; then
		echo "stored $rows, want $2"
	fi
}

D=$(q "$data")
B=$(q "$db")
L=$(q "$bin/kag-load")

printf 'bench: %s records, %s MB, median of %s runs, each into a new store\n\n' \
    "$n" $(($(wc -c <"$data") / 1048576)) "$runs"
header

py="python3 $(q "$work/peer.py") $B $D"
if [ $havecli -eq 1 ]; then
	measure "$L -q -d $B $D" "$py" "sqlite3 $B <$(q "$work/peer.sql")"
else
	measure "$L -q -d $B $D" "$py"
fi
krss=$rss1
kt=$t1
kn=$(note 1 "$n")
if [ $havecli -eq 1 ]; then
	pn=$(note 3 "$n")
	row "load vs sqlite3 .import + INSERT" "$t1" "$t3" 2 \
	    "$kn${pn:+ peer: $pn}"
else
	printf "$fmt" "load vs sqlite3 .import + INSERT" - - - ">= 2" \
	    "SKIP (sqlite3 is missing: apt-get install sqlite3)"
fi
pn=$(note 2 "$n")
row "load vs python3 json + executemany" "$t1" "$t2" 4 "$kn${pn:+ peer: $pn}"

# flat NAME A B: the row saying that peak RSS B (KiB) is at most 4 MB more
# than A, for SQLite's cache: nothing else may grow with the records (the
# identities written are in a Bloom filter of fixed size).
flat() {
	if [ "$2" -lt 0 ] || [ "$3" -lt 0 ]; then
		printf "$fmt" "$1" - - - "flat" \
		    "SKIP (GNU time is missing: apt-get install time)"
		return
	fi
	allow=$(($2 + 4096))
	res=PASS
	[ "$3" -le "$allow" ] || { res=FAIL; fails=$((fails + 1)); }
	printf "$fmt" "$1" "$(awk -v a="$2" -v b="$3" 'BEGIN {
	    printf "%.0fM->%.0fM", a / 1024, b / 1024 }')" - - \
	    "<= $((allow / 1024))M" "$res"
}

# Peak RSS must not grow with the input: a tenth of the records, then all.
measure "$L -q -d $B $(q "$small")"
flat "peak RSS kag-load, n/10 -> n" "$rss1" "$krss"

# The graph: a node record a node, an edge record an edge (some twice).
# Its time a record, next to the memories' ($kt for $n records): at most
# three times as long, into a new store and over itself again (from the
# store the first left), and a peak RSS as flat as the memories'.
G=$(q "$graph")
gpeer=$(awk -v t="$kt" -v g=$((nodes + edges)) -v m="$n" 'BEGIN {
    printf "%.3f", t * g / m }')
rowsof=kag_nodes
export rowsof
measure "$L -q -d $B $G"
gn=$(note 1 "$nodes")
row "graph load, a record vs a memory" "$t1" "$gpeer" 0.33 "$gn"
grss=$rss1
start=-
measure "$L -q -d $B $G"
gn=$(note 1 "$nodes")
row "graph load again, a record vs a memory" "$t1" "$gpeer" 0.33 "$gn"
unset rowsof start
flat "peak RSS kag-load, graph vs memories" "$krss" "$grss"

echo
if [ $fails -gt 0 ]; then
	echo "bench: $fails target(s) missed"
	exit 1
fi
echo "bench: every target met"
