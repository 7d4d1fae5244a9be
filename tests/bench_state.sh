#!/bin/sh
# bench_state.sh: time kag-verify --state against a full run on the core
# bench's file, and check the release targets (run by 'make bench'): with
# the state of the previous run, an unchanged file costs at most 1/10 of
# a full verification, and a file grown by 1% at most 1/5.
#
# Environment: BENCH_RECORDS (default 1000000) memory records, generated
# once by tests/gen_bench_data.py and kept under tests/tmp/bench/ (shared
# with tests/bench.sh); BENCH_RUNS (default 3) runs of each command, of
# which the medians of the CPU time (user + system) and of the wall time
# are kept.  The target holds on both: CPU time is what this noisy machine
# measures best, the wall time is what a user waits.  Each run with a
# state starts from a copy of the same state, made before the clock runs.
# Exit status: 0 if every target is met, 1 if one is not, 2 on trouble.
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/benchlib.sh"

[ -x "$bin/kag-verify" ] || die "'$bin/kag-verify' is missing: run 'make' first"

# A copy of the file, for a state is kept per file name: checked once
# for state.base, then checked again as it is, then grown by 1% (the
# first 1% of its records again, as new memories under other keys).
work=$dir/work-$n.jsonl
more=$((n / 100))
cp "$data" "$work" || die "cannot copy '$data'"
V=$bin/kag-verify
rm -f "$dir/state.base"
"$V" -q --state "$dir/state.base" "$work" ||
    die "kag-verify --state failed on '$work'"
cat "$data" "$work" >/dev/null # into the page cache

# ctime SETUP CMD: runs SETUP (untimed) then CMD, $runs times; prints the
# median CPU seconds (user + system of CMD), the median wall seconds, and
# the worst exit status.
ctimer='
import os, resource, statistics, subprocess, sys, time
runs, setup, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3]
cpu, wall, worst = [], [], 0
for _ in range(runs):
    if setup:
        subprocess.run(["/bin/sh", "-c", setup], check=True)
    t0 = time.monotonic()
    pid = os.posix_spawn("/bin/sh", ["/bin/sh", "-c", cmd], os.environ)
    _, status, ru = os.wait4(pid, 0)
    wall.append(time.monotonic() - t0)
    cpu.append(ru.ru_utime + ru.ru_stime)
    worst = max(worst, os.waitstatus_to_exitcode(status) & 255)
print("%.3f %.3f %d" % (statistics.median(cpu), statistics.median(wall), worst))
'
ctime() {
	m=$(python3 -c "$ctimer" "$runs" "$1" "$2") || die "the timer failed"
	set -- $m
	cpu=$1 wall=$2 st=$3
}

sfmt='%-34s %8s %8s %8s %8s  %-8s %s\n'
printf 'bench: %s records, %s MB, grown by %s records; medians of %s runs\n\n' \
    "$n" $(($(wc -c <"$data") / 1048576)) "$more" "$runs"
printf "$sfmt" task "cpu s" "wall s" "cpu/full" "wall/full" target result
printf "$sfmt" ---- ----- ------ -------- --------- ------ ------

D=$(q "$data")
W=$(q "$work")
S=$(q "$dir/state.run")
B=$(q "$dir/state.base")
ctime "" "$(q "$V") $D 2>/dev/null"
fcpu=$cpu fwall=$wall
note=
[ "$st" -eq 0 ] || note="exit $st"
printf "$sfmt" "full verification" "$fcpu" "$fwall" 1 1 - "${note:-}"
[ -z "$note" ] || fails=$((fails + 1))

# srow TASK CPU WALL MAX NOTE: both ratios must be at most 1/MAX.
srow() {
	rc=$(awk -v a="$2" -v f="$fcpu" 'BEGIN { printf "%.3f", a / (f > 0 ? f : 0.001) }')
	rw=$(awk -v a="$3" -v f="$fwall" 'BEGIN { printf "%.3f", a / (f > 0 ? f : 0.001) }')
	if [ -n "$5" ]; then
		res="FAIL ($5)"
	elif awk -v c="$rc" -v w="$rw" -v m="$4" \
	    'BEGIN { exit !(c <= 1 / m && w <= 1 / m) }'; then
		res=PASS
	else
		res=FAIL
	fi
	case $res in FAIL*) fails=$((fails + 1)) ;; esac
	printf "$sfmt" "$1" "$2" "$3" "$rc" "$rw" "<= 1/$4" "$res"
}

# Each run must take its records from the state, and give the full run's
# verdict: the summary line says both.
expect() {
	got=$(sed -n 's/.*; \([0-9]*\) records verified, \([0-9]*\) of them from the state$/\1 \2/p' "$dir/state.err")
	[ "$st" -eq 0 ] || { echo "exit $st"; return; }
	[ "$got" = "$1" ] || echo "summary says '$got', want '$1'"
}

ctime "cp $B $S" "$(q "$V") --state $S $W 2>$(q "$dir/state.err")"
note=$(expect "$n $n")
srow "unchanged, from the state" "$cpu" "$wall" 10 "$note"

head -n "$more" "$data" | sed 's/"key":"/"key":"grown:/' >>"$work" ||
    die "cannot grow '$work'"
ctime "cp $B $S" "$(q "$V") --state $S $W 2>$(q "$dir/state.err")"
note=$(expect "$((n + more)) $n")
srow "grown by 1%, from the state" "$cpu" "$wall" 5 "$note"

rm -f "$dir/state.run" "$dir/state.base" "$dir/state.err" "$work"
echo
if [ $fails -gt 0 ]; then
	echo "bench: $fails target(s) missed"
	exit 1
fi
echo "bench: every target met"
