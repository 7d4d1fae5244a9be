#!/bin/sh
# bench.sh: time kag-filter and kag-verify against grep, zcat and jq on the
# same synthetic export, and check the release targets (run by 'make bench').
#
# Environment: BENCH_RECORDS (default 1000000) memory records, generated
# once by tests/gen_bench_data.py and kept under tests/tmp/bench/ with a
# gzip -6 copy; BENCH_RUNS (default 3) runs of each command, of which the
# median time is kept.  Every output goes to a regular file: GNU grep
# stops at the first match when its output is /dev/null.
# Exit status: 0 if every target is met, 1 if one is not, 2 on trouble.
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/benchlib.sh"

for p in kag-filter kag-verify; do
	[ -x "$bin/$p" ] || die "'$bin/$p' is missing: run 'make' first"
done
command -v gzip >/dev/null 2>&1 || die "gzip is missing: apt-get install gzip"
havejq=1
command -v jq >/dev/null 2>&1 || havejq=0

if [ ! -s "$data.gz" ]; then
	echo "bench: gzip -6 $data" >&2
	gzip -6 -c "$data" >"$data.gz.tmp" && mv "$data.gz.tmp" "$data.gz" ||
	    die "cannot make '$data.gz'"
fi
cat "$data" "$data.gz" >/dev/null # into the page cache, for every contender

printf 'bench: %s records, %s MB (%s MB gzip), median of %s runs\n\n' \
    "$n" $(($(wc -c <"$data") / 1048576)) \
    $(($(wc -c <"$data.gz") / 1048576)) "$runs"
header

skipjq() {
	printf "$fmt" "$1" - - - "$2" "SKIP (jq is missing: apt-get install jq)"
}

# check KIND WANT: whether kag's output (out.kag) kept exactly WANT memory
# records; prints a note for row() when not.
check() {
	got=$(grep -c '^{"type":"memory"' "$dir/out.kag")
	[ "$st" -eq 0 ] || { echo "kag exit $st"; return; }
	[ "$got" -eq "$2" ] || echo "kept $got $1, want $2"
}

kag=$dir/out.kag
peer=$dir/out.peer
D=$(q "$data")
F=$(q "$bin/kag-filter")
V=$(q "$bin/kag-verify")

# --user-id: grep is the floor; jq is what people use today.
want=$(grep -c -F '"user_id":"user_007"' "$data")
measure "$F --user-id user_007 $D >$(q "$kag")"
kt=$t frss=$rss
note=$(check records "$want")
measure "grep -F '\"user_007\"' $D >$(q "$peer")"
row "filter --user-id vs grep -F" "$kt" "$t" 0.5 "$note"
if [ $havejq -eq 1 ]; then
	measure "jq -c 'select(.user_id==\"user_007\")' $D >$(q "$peer")"
	row "filter --user-id vs jq select" "$kt" "$t" 15 "$note"
else
	skipjq "filter --user-id vs jq select" ">= 15"
fi

# --scope: matches about half the records, so output dominates.
want=$(grep -c -F '"scope":"persistent"' "$data")
measure "$F --scope persistent $D >$(q "$kag")"
kt=$t
[ "$rss" -gt "$frss" ] && frss=$rss
note=$(check records "$want")
measure "grep -F '\"persistent\"' $D >$(q "$peer")"
row "filter --scope vs grep -F" "$kt" "$t" 0.4 "$note"
if [ $havejq -eq 1 ]; then
	measure "jq -c 'select(.scope==\"persistent\")' $D >$(q "$peer")"
	row "filter --scope vs jq select" "$kt" "$t" 15 "$note"
else
	skipjq "filter --scope vs jq select" ">= 15"
fi

# kag-verify checks far more than jq empty does, and must still be faster.
measure "$V $D >$(q "$kag") 2>&1"
kt=$t vrss=$rss
note=
[ "$st" -eq 0 ] || note="kag exit $st"
if [ $havejq -eq 1 ]; then
	measure "jq empty $D >$(q "$peer") 2>&1"
	row "verify vs jq empty" "$kt" "$t" 8 "$note"
else
	skipjq "verify vs jq empty" ">= 8"
fi

# gzip input: kag inflates in-process, the peer pays for a pipe.
want=$(grep -c -F '"user_id":"user_007"' "$data")
measure "$F --user-id user_007 $(q "$data.gz") >$(q "$kag")"
kt=$t
[ "$rss" -gt "$frss" ] && frss=$rss
note=$(check records "$want")
measure "zcat $(q "$data.gz") | grep -F '\"user_007\"' >$(q "$peer")"
row "filter --user-id .gz vs zcat | grep" "$kt" "$t" 1.01 "$note"

# Peak RSS must not grow with the input.
for x in "kag-filter $frss" "kag-verify $vrss"; do
	set -- $x
	if [ "$2" -lt 0 ]; then
		printf "$fmt" "peak RSS $1" - - - "< 32M" \
		    "SKIP (GNU time is missing: apt-get install time)"
		continue
	fi
	res=PASS
	[ "$2" -lt 32768 ] || { res=FAIL; fails=$((fails + 1)); }
	printf "$fmt" "peak RSS $1" "$(awk -v k="$2" 'BEGIN {
	    printf "%.1fM", k / 1024 }')" - - "< 32M" "$res"
done

echo
if [ $fails -gt 0 ]; then
	echo "bench: $fails target(s) missed"
	exit 1
fi
echo "bench: every target met"
