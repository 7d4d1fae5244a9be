# benchlib.sh: what tests/bench*.sh share: the settings, the synthetic
# data, the timer and the table.  Sourced with $top set to the tree.
#
# Environment: BENCH_RECORDS (default 1000000) memory records, generated
# once by tests/gen_bench_data.py into $data under tests/tmp/bench/;
# BENCH_RUNS (default 3) runs of each command, of which the median time is
# kept.
dir=$top/tests/tmp/bench
n=${BENCH_RECORDS:-1000000}
runs=${BENCH_RUNS:-3}
bin=$top/bin
fails=0

die() {
	echo "bench: $*" >&2
	exit 2
}

case $n in '' | *[!0-9]*) die "BENCH_RECORDS '$n' is not a number" ;; esac
case $runs in
'' | 0 | *[!0-9]*) die "BENCH_RUNS '$runs' is not a positive number" ;;
esac
command -v python3 >/dev/null 2>&1 ||
    die "python3 makes the data and times the runs: apt-get install python3"

mkdir -p "$dir" || exit 2
data=$dir/memories-$n.jsonl
if [ ! -s "$data" ]; then
	echo "bench: making $n records in $data" >&2
	python3 "$top/tests/gen_bench_data.py" memories "$n" >"$data.tmp" &&
	    mv "$data.tmp" "$data" || die "cannot make '$data'"
fi

# The timer: runs a shell command line $runs times and prints the median
# wall time in seconds, the largest peak RSS in KiB (-1 without GNU time)
# and the worst exit status.  The RSS comes from /usr/bin/time, not from
# wait4(): a child's high-water mark starts at its parent's size (the
# kernel carries it across exec), and Python is larger than what it runs.
timer='
import os, statistics, sys, time
runs, cmd, rssfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
argv = ["/bin/sh", "-c", cmd]
if rssfile:
    argv = ["/usr/bin/time", "-f", "%M", "-o", rssfile] + argv
secs, rss, worst = [], -1, 0
for _ in range(runs):
    t0 = time.monotonic()
    pid = os.posix_spawn(argv[0], argv, os.environ)
    _, status, _ = os.wait4(pid, 0)
    secs.append(time.monotonic() - t0)
    worst = max(worst, os.waitstatus_to_exitcode(status) & 255)
    if rssfile:
        with open(rssfile) as f:
            rss = max(rss, int(f.read().split()[-1]))
print("%.3f %d %d" % (statistics.median(secs), rss, worst))
'
rssfile=
if /usr/bin/time -f %M -o "$dir/rss" true 2>/dev/null; then
	rssfile=$dir/rss
else
	echo "bench: no GNU time, so no peak RSS: apt-get install time" >&2
fi

# measure CMD: sets t (seconds), rss (KiB, -1 unknown), st (exit status).
measure() {
	m=$(python3 -c "$timer" "$runs" "$1" "$rssfile") ||
	    die "the timer failed"
	set -- $m
	t=$1 rss=$2 st=$3
}

fmt='%-40s %8s %8s %8s  %-14s %s\n'

# header: the table's first two lines.
header() {
	printf "$fmt" task "kag s" "peer s" peer/kag target result
	printf "$fmt" ---- ----- ------ -------- ------ ------
}

# row TASK KAGSECS PEERSECS MIN [NOTE]: kag must be at least MIN times as
# fast as the peer (MIN 0.5: at most twice as slow; 1.01: faster).  NOTE,
# when given, is a reason for failing anyway.
row() {
	r=$(awk -v k="$2" -v p="$3" 'BEGIN {
		if (k <= 0) k = 0.001; printf "%.2f", p / k }')
	if [ -n "${5:-}" ]; then
		res="FAIL ($5)"
	elif awk -v r="$r" -v m="$4" 'BEGIN { exit !(r >= m) }'; then
		res=PASS
	else
		res=FAIL
	fi
	case $res in FAIL*) fails=$((fails + 1)) ;; esac
	target=">= $4"
	[ "$4" = 1.01 ] && target="> 1 (faster)"
	printf "$fmt" "$1" "$2" "$3" "$r" "$target" "$res"
}

# q S: S in single quotes, for a command line.
q() { printf "'%s'" "$1"; }

# graph: the synthetic graph of $BENCH_NODES nodes (default 200000) and
# $BENCH_EDGES edges (default 1000000), made once under $dir; sets nodes,
# edges and graph (its path).
benchgraph() {
	nodes=${BENCH_NODES:-200000}
	edges=${BENCH_EDGES:-1000000}
	graph=$dir/graph-$nodes-$edges.jsonl
	[ -s "$graph" ] && return
	echo "bench: making a graph of $nodes nodes, $edges edges" >&2
	python3 "$top/tests/gen_bench_data.py" graph "$nodes" "$edges" \
	    >"$graph.tmp" && mv "$graph.tmp" "$graph" ||
	    die "cannot make '$graph'"
}
