#!/bin/sh
# t_hostile.t: every program that reads a stream, given input made to hurt
# it: each run ends with status 0, 1 or 2 and a message for 1 and 2, never
# by a signal, and each input gets the verdict the format demands.
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$top/tests/tmp/hostile.$$
mkdir -p "$tmp/in" || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$top/tests/progs.sh"
maxrss=$top/tests/unit/maxrss
sqlq=$top/tests/unit/sqlq
unset KAG_DB SOURCE_DATE_EPOCH
LC_ALL=C
export LC_ALL
cd "$tmp" || exit 1

# The programs that read streams; a new one is a word here and a line in
# run() below.
progs="kag-verify kag-filter kag-load kag-subgraph"

# run PROG FILE: PROG reading FILE, its output in out, messages in err,
# its status in $st (a store of its own for kag-load, in s.db); under
# $wrap when that is set.
wrap=
run() {
	rm -f s.db s.db-journal
	case $1 in
	kag-verify) $wrap kag-verify "$2" ;;
	kag-filter) $wrap kag-filter "$2" ;;
	kag-load) $wrap kag-load -d s.db "$2" ;;
	kag-subgraph) $wrap kag-subgraph --with-memories --node n "$2" ;;
	*) echo "t_hostile.t: no command line for '$1'" >&2; return 125 ;;
	esac >out 2>err
	st=$?
}

. "$top/tests/tap.sh"

# sane: the status is 0, 1 or 2, and 1 or 2 come with a message.
sane() {
	case $st in
	0) return 0 ;;
	1 | 2) [ -s err ] ;;
	*) return 1 ;;
	esac
}

# readok: the input was read without a problem (kag-subgraph, which is
# asked for node 'n', may only not find it).
readok() {
	sane && { [ "$st" -eq 0 ] ||
	    { [ "$1" = kag-subgraph ] && [ "$st" -eq 1 ] &&
	    [ "$(cat err)" = "kag-subgraph: node 'n' not found" ]; }; }
}

# refused PROG FILE WORDS: a data problem (1) or trouble (2), with a
# message holding WORDS; kag-load says it loaded nothing.
refused() {
	run "$1" "$2"
	sane && [ "$st" -ne 0 ] && grep -q -- "$3" err &&
	    { [ "$1" != kag-load ] || grep -q 'nothing loaded' err; }
}

mem() {
	printf '{"type":"memory","scope":"working","key":"k","value":%s}\n' "$1"
}

# Bytes no JSON text may hold, each as a memory's value.
printf '{"type":"memory","scope":"working","key":"k","value":"a\0b"}\n' \
    >in/nul.jsonl
printf '{"type":"memory","scope":"working","key":"k","value":"\300\257"}\n' \
    >in/overlong.jsonl
printf '{"type":"memory","scope":"working","key":"k","value":"\355\240\200"}\n' \
    >in/surrogate.jsonl
printf '{"type":"memory","scope":"working","key":"k","value":"\364\220\200\200"}\n' \
    >in/past-10ffff.jsonl
printf '{"type":"memory","scope":"working","key":"k","value":"\\udc00"}\n' \
    >in/lone-escape.jsonl
for f in nul overlong surrogate past-10ffff; do
	for p in $progs; do
		refused $p in/$f.jsonl "$f.jsonl:1: .*invalid JSON: .*(column 5[56])"
		ok $? "$p: $f: refused at its line and column"
	done
done
for p in $progs; do
	refused $p in/lone-escape.jsonl 'lone-escape.jsonl:1: .*invalid JSON'
	ok $? "$p: a lone surrogate escape: refused"
done

# Records that are arrays, or whose type is not a string.
printf '%s\n' '[1,2]' '{"type":1,"id":"x"}' '{"type":["node"],"id":"x"}' \
    '{"type":null}' >in/not-records.jsonl
for p in $progs; do
	refused $p in/not-records.jsonl 'jsonl:1: .*record is not a JSON object' &&
	    [ "$(grep -c "field 'type' is not a string" err)" -eq 3 ]
	ok $? "$p: arrays and non-string types: each line refused"
done

# An unknown major format_version, also one too large for any integer:
# refused before any record is used.
for v in 2.0 0.9 18446744073709551617.0; do
	{
		printf '{"type":"metadata","format_version":"%s"}\n' "$v"
		mem 1
		printf '{"type":"end","stats":{"memories":1,"graph_nodes":0,'
		printf '"graph_edges":0,"hyperedges":0}}\n'
	} >in/v.jsonl
	for p in $progs; do
		refused $p in/v.jsonl "unsupported format_version '" &&
		    { [ $p != kag-filter ] || ! grep -q '"key"' out; }
		ok $? "$p: format_version $v: refused, no record used"
	done
done

# A lone CR is a blank line: an empty input, read as one.
printf '\r' >in/cr.jsonl
printf '\r\r\r\n' >in/crs.jsonl
for p in $progs; do
	for f in cr crs; do
		run $p in/$f.jsonl
		readok $p
		ok $? "$p: $f: an empty input"
	done
done
# A CR inside a line is JSON whitespace: two values on one line.
{ mem 1 | tr -d '\n'; printf '\r'; mem 2; } >in/mid-cr.jsonl
for p in $progs; do
	refused $p in/mid-cr.jsonl 'mid-cr.jsonl:1: .*invalid JSON'
	ok $? "$p: a CR between two records: refused"
done

# Random bytes (deflated data, without a gzip header: noise, with NULs
# and newlines), in a stream and alone.
tail -c +11 "$top/tests/data/sample.jsonl.gz" >in/noise.bin
{ mem 1; cat in/noise.bin; } >in/noise.jsonl
for p in $progs; do
	for f in noise.bin noise.jsonl; do
		refused $p in/$f "$f:[0-9]"
		ok $? "$p: random bytes ($f): refused at a line"
	done
done

# A million levels of nesting, arrays and objects: read (json.c has no
# depth limit) and passed through byte for byte.
awk 'BEGIN {
	printf "{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"deep\","
	printf "\"value\":"
	for (i = 0; i < 1000000; i++) printf "["
	for (i = 0; i < 1000000; i++) printf "]"
	print "}"
}' >in/deep.jsonl
awk 'BEGIN {
	printf "{\"type\":\"node\",\"id\":\"deep\",\"data\":"
	for (i = 0; i < 1000000; i++) printf "{\"a\":"
	printf "0"
	for (i = 0; i < 1000000; i++) printf "}"
	print "}"
}' >in/deep-obj.jsonl
for f in deep deep-obj; do
	for p in $progs; do
		run $p in/$f.jsonl
		r=1
		if readok $p; then
			case $p in
			kag-filter) sed -n 2p out | cmp -s - in/$f.jsonl ;;
			kag-load) grep -q '1 created' err ;;
			*) true ;;
			esac
			r=$?
		fi
		ok $r "$p: $f: a million levels read"
	done
done
sed 's/^.*"deep",//; s/}$//' in/deep.jsonl >want
kag-load -q -d deep.db in/deep.jsonl && kag-dump -d deep.db >out 2>err &&
    sed -n 2p out | grep -o '"value":[][]*' | cmp -s - want
ok $? "kag-load then kag-dump: the deep value comes back whole"

# A number of 100,000 digits: never converted, passed through unchanged.
awk 'BEGIN {
	for (i = 0; i < 100000; i++) printf "%d", (i * 7 + 3) % 10
	print ""
}' >digits
mem "-$(cat digits).5e-99999" >in/bignum.jsonl
for p in $progs; do
	run $p in/bignum.jsonl
	r=1
	if readok $p; then
		case $p in
		kag-filter) sed -n 2p out | cmp -s - in/bignum.jsonl ;;
		*) true ;;
		esac
		r=$?
	fi
	ok $r "$p: a number of 100,000 digits read"
done
kag-load -q -d big.db in/bignum.jsonl && kag-dump -d big.db >out &&
    grep -q "\"value\":-$(cat digits).5e-99999," out
ok $? "kag-load then kag-dump: the 100,000 digits come back unchanged"

# Every proper prefix of a gzip stream (a header, a memory, a trailer) is
# refused, never taken for a whole (shorter) input: the reader checks
# gzip's trailer, and what a program writes then has no trailer either,
# so that the next program in the pipeline cannot take it for whole.
# Under valgrind, every 37th prefix.
gz=in/whole.gz
{
	echo '{"type":"metadata","format_version":"1.0"}'
	cat "$top/tests/data/load/one.jsonl"
	printf '{"type":"end","stats":{"memories":1,"graph_nodes":0,'
	printf '"graph_edges":0,"hyperedges":0}}\n'
} | gzip -9n >$gz
size=$(wc -c <"$gz")
step=1
[ -n "${VALGRIND:-}" ] && step=37
for p in $progs; do
	bad=
	i=1
	while [ $i -lt "$size" ]; do
		head -c $i "$gz" >in/cut.gz
		run $p in/cut.gz
		if ! sane || [ "$st" -eq 0 ] ||
		    ! grep -v -q "node 'n' not found" err; then
			bad="$bad $i(status $st)"
		elif grep -q '^{"type":"end"' out; then
			bad="$bad $i(trailer written)"
		elif [ $p = kag-load ] && [ -f s.db ] &&
		    [ "$("$sqlq" s.db "SELECT count(*) FROM sqlite_master")" != "[0]" ]; then
			bad="$bad $i(store)"
		fi
		i=$((i + step))
	done
	[ -z "$bad" ]
	ok $? "$p: each proper prefix of a ${size}-byte gzip: refused${bad:+ (taken:$bad)}"
done

# A decompression bomb: 250 MB of blank lines (lines of spaces, then
# lines of nothing, in two gzip members) in under 1 MB, read in memory
# that does not grow with it: within 16 MiB of what one record takes.
# Under valgrind, 25 MB.
mb=250
[ -n "${VALGRIND:-}" ] && mb=25
{
	yes "$(printf '%99s' '')" | head -c $((mb * 800000)) | gzip -9
	head -c $((mb * 200000)) /dev/zero | tr '\0' '\n' | gzip -9
} >in/bomb.gz
mem 1 >in/one.jsonl
echo "# bomb: $(wc -c <in/bomb.gz) bytes of gzip for $mb MB"
for p in $progs; do
	wrap="$maxrss rss1"
	run $p in/one.jsonl
	wrap="$maxrss rss"
	run $p in/bomb.gz
	wrap=
	echo "# $p: max RSS $(cat rss1) KiB for one record," \
	    "$(cat rss) KiB for the bomb"
	readok $p && [ "$(cat rss)" -lt $(($(cat rss1) + 16384)) ]
	ok $? "$p: a ${mb} MB gzip bomb of blank lines in bounded memory"
done

done_testing
