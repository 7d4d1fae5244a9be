#!/bin/sh
# t_state.t: kag-verify --state against a full run, step by step: a file
# grows, is edited, truncated, replaced; every step's stdout, stderr and
# exit status must be a full run's, byte for byte, in every format, with
# only the summary's "from the state" count added; and that count says
# what the state spared.
top=$(cd "$(dirname "$0")/.." && pwd)
V=$top/bin/kag-verify
SQLQ=$top/tests/unit/sqlq
tmp=$top/tests/tmp/t_state.$$
mkdir -p "$tmp" || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp" || exit 2
LC_ALL=C
export LC_ALL
unset SOURCE_DATE_EPOCH

. "$top/tests/tap.sh"
# strip: the summary's count of records taken from the state, and the
# JSON key that holds it, are all a full run does not print.
strip() {
	sed -e 's/; [0-9]* records* verified, [0-9]* of them from the state$//' \
	    -e 's/,"from_state":[0-9]*//g' "$1"
}

# step NAME REUSED [OPTION...] FILE: run with the state (one state file
# per format and option set, so that each sees every step) and without,
# in the three formats; compare; and check that the text run took REUSED
# records from the state ('-' when not to check).
step() {
	name=$1 want=$2
	shift 2
	tag=$(printf '%s' "$*" | tr -c 'A-Za-z0-9' _)
	for fmt in text json github; do
		st=state.$fmt.$tag
		"$V" --format $fmt --state "$st" "$@" <"${IN:-/dev/null}" \
		    >o1 2>e1
		echo $? >s1
		"$V" --format $fmt "$@" <"${IN:-/dev/null}" >o2 2>e2
		echo $? >s2
		strip o1 >o1s
		strip e1 >e1s
		bad=0
		for f in o e s; do
			[ $f = s ] && a=s1 || a=${f}1s
			if ! cmp -s $a ${f}2; then
				bad=1
				diff -u ${f}2 $a | sed 's/^/# /' | head -20
			fi
		done
		ok $bad "$name ($fmt $*): as a full run"
		if [ $fmt = text ] && [ "$want" != - ]; then
			got=$(sed -n 's/.*, \([0-9]*\) of them from the state$/\1/p' e1 |
			    tail -n 1)
			[ "$got" = "$want" ]
			ok $? "$name: $want records from the state (got '$got')"
		fi
	done
}

# reused FILE: "M/N", M records of N from the state, by the summaries.
reused() {
	sed -n 's/.*; \([0-9]*\) records* verified, \([0-9]*\) of them from the state$/\2\/\1/p' "$1"
}

# all FILE: every summary in FILE took all its records from the state,
# and there were some.
all() {
	reused "$1" | awk -F/ '$1 != $2 || $1 == 0 { bad = 1 }
	    END { exit bad || NR == 0 }'
}

# every step is also run with these options, each with its own state
opts() {
	step "$@"
	name=$1
	shift 2
	step "$name" - --strict "$@"
	step "$name" - --max-errors 2 "$@"
	step "$name" - --format-version 1.0 "$@"
	step "$name" - -q "$@"
}

H='{"type":"metadata","format_version":"1.0"}'
m() { printf '{"type":"memory","scope":"working","key":"%s","value":%s}\n' "$1" "${2:-1}"; }
node() { printf '{"type":"node","id":"%s"}\n' "$1"; }
edge() { printf '{"type":"edge","src":"%s","dst":"%s"}\n' "$1" "$2"; }
T='{"type":"end","stats":{"memories":%d,"graph_nodes":%d,"graph_edges":%d,"hyperedges":0}}\n'

# A segment left open at the end: its header has no trailer yet.
{ echo "$H"; m a; m b; node n1; } >f.jsonl
opts "open segment" 0 f.jsonl
opts "unchanged" 3 f.jsonl
touch -d '2001-01-01' f.jsonl
opts "unchanged, other times" 3 f.jsonl
# Records out of order across the boundary; an edge to a node verified
# before, one to a node never seen, one to a node that comes later;
# identities and ids seen before.
{ m c; edge n1 n2; edge n1 ghost; node n2; m a; node n1; } >>f.jsonl
opts "grown: order, endpoints, duplicates" 3 f.jsonl
{ m 'bad' NaN; echo '{"type":"memory"'; printf 'nope\r\n'; } >>f.jsonl
opts "grown: invalid lines" 9 f.jsonl
printf "$T" 5 4 2 >>f.jsonl
opts "grown: the trailer closes the segment" 10 f.jsonl
{ m after; echo; m after2 '{"a":1,"a":2}'; } >>f.jsonl
opts "grown: a bare segment, a blank line" 10 f.jsonl

# Lines that would start a HyperMemory document, were they first.
{ echo '{"export_id":"e","nodes":[]}'; echo '{'; m late; } >>f.jsonl
opts "grown: document-like lines" 12 f.jsonl

# Edited in the middle, the same size and times.
cp -p f.jsonl keep.jsonl
sed 's/"key":"b"/"key":"B"/' f.jsonl >x && cat x >f.jsonl &&
    touch -r keep.jsonl f.jsonl
[ "$(wc -c <f.jsonl)" -eq "$(wc -c <keep.jsonl)" ] && ! cmp -s f.jsonl keep.jsonl
ok $? "the edit keeps the size"
opts "edited, same size and times" 0 f.jsonl
opts "edited: unchanged since" 13 f.jsonl

# Truncated inside a line: the last line has no LF; then it is finished.
head -c $(($(wc -c <f.jsonl) - 7)) keep.jsonl >f.jsonl
opts "truncated mid-line" 0 f.jsonl
opts "truncated: unchanged since" 12 f.jsonl
tail -c 7 keep.jsonl >>f.jsonl
opts "the cut line finished (no LF before: read again)" 0 f.jsonl
cmp -s f.jsonl keep.jsonl
ok $? "the file is whole again"

# Replaced by another file of the same name.
{ echo "$H"; node r1; edge r1 n1; printf "$T" 0 1 1; } >new.jsonl
mv new.jsonl f.jsonl
opts "replaced" 0 f.jsonl
# Truncated to nothing, then grown from nothing.
: >f.jsonl
opts "empty" 0 f.jsonl
m x >>f.jsonl
opts "grown from empty" 0 f.jsonl

# CRLF lines and a BOM at the start.
printf '\357\273\277%s\r\n' "$H" >c.jsonl
m c1 | sed 's/$/\r/' >>c.jsonl
opts "BOM and CRLF" 0 c.jsonl
{ m c2; m c1; printf "$T" 3 0 0; } | sed 's/$/\r/' >>c.jsonl
opts "CRLF grown" 1 c.jsonl

# gzip: new members are read from where the old ones ended.
{ echo "$H"; m g1; node gn; } | gzip -c >g.gz
opts "gzip" 0 g.gz
{ m g2; edge gn gn; edge gn gx; m g1; } | gzip -c >>g.gz
opts "gzip: a new member" 2 g.gz
printf "$T" 3 1 2 | gzip -c >>g.gz
opts "gzip: the trailer's member" 6 g.gz
opts "gzip: unchanged" 6 g.gz
printf 'not gzip\n' >>g.gz
opts "gzip: trailing garbage" 6 g.gz
{ echo "$H"; m g1; } | gzip -c >g.gz
{ m g2; } | gzip -c | head -c 15 >>g.gz
opts "gzip: a member cut short" - g.gz
# A member whose text does not end with a LF: the next member carries
# its line on, so it is read again.
{ echo "$H"; printf '{"type":"memory","scope":"working",'; } | gzip -c >p.gz
opts "gzip: a member ends inside a line" 0 p.gz
printf '"key":"k","value":1}\n' | gzip -c >>p.gz
opts "gzip: the line finished in the next member" 0 p.gz

# A HyperMemory document: taken whole from the state when unchanged,
# read again when it changes.
cp "$top/tests/data/document/doc.json" d.json
opts "a document" 0 d.json
opts "a document, unchanged" 4 d.json
echo '{"type":"memory","scope":"working","key":"k","value":1}' >>d.json
opts "a document with a line more" 0 d.json

# Several operands, one of them twice; stdin and directories are never
# taken from the state.
m s1 >s.jsonl
IN=s.jsonl step "stdin" 0 -
IN=s.jsonl step "stdin again" 0 -
step "a directory" 0 "$top/tests/data/verify/badstats"
step "a directory again" 0 "$top/tests/data/verify/badstats"
step "operands" - f.jsonl s.jsonl f.jsonl g.gz
"$V" --state many.db f.jsonl s.jsonl c.jsonl 2>/dev/null
"$V" --state many.db f.jsonl s.jsonl c.jsonl 2>e1
all e1 && [ "$(reused e1 | wc -l)" -eq 3 ]
ok $? "three operands, each from the state"

# The state file itself: another format, damaged, locked, not ours.
"$V" --state d.db f.jsonl 2>/dev/null
"$V" f.jsonl 2>full
"$SQLQ" d.db "UPDATE kag_verify_meta SET value = 'kag-verify-state 0'"
"$V" --state d.db f.jsonl 2>e1
strip e1 | cmp -s - full && grep -q ', 0 of them from the state$' e1
ok $? "a state of another format is not used"
"$V" --state d.db f.jsonl 2>e1
all e1
ok $? "... and is made again"
"$SQLQ" d.db "UPDATE kag_verify_files SET resume = zeroblob(60), final = zeroblob(60)"
"$V" --state d.db f.jsonl 2>e1
strip e1 | cmp -s - full && grep -q ', 0 of them from the state$' e1
ok $? "a row whose blobs were changed is not trusted"
"$V" --state d.db f.jsonl 2>e1
all e1
ok $? "... and is written again"
head -c 4096 /dev/urandom >d.db
"$V" --state d.db f.jsonl >o1 2>e1
echo $? >s1
"$V" f.jsonl >o2 2>e2
echo $? >s2
grep -q "^kag-verify: d.db: damaged (.*): made again$" e1 &&
    sed 1d e1 | strip /dev/stdin | cmp -s - e2 && cmp -s s1 s2
ok $? "random bytes: a note, then a full run's verdict"
"$V" --state d.db f.jsonl 2>e1
all e1
ok $? "... and the state is made again"
"$V" --state t.db f.jsonl c.jsonl p.gz 2>/dev/null
head -c $(($(wc -c <t.db) / 2)) t.db >t2.db
"$V" --state t2.db f.jsonl c.jsonl p.gz >o1 2>e1
echo $? >s1
"$V" f.jsonl c.jsonl p.gz >o2 2>e2
echo $? >s2
grep -v '^kag-verify: t2.db: damaged' e1 | strip /dev/stdin | cmp -s - e2 &&
    cmp -s s1 s2
ok $? "a truncated state: a full run's verdict"
"$V" --state t2.db f.jsonl c.jsonl p.gz 2>e1
all e1
ok $? "... and the state is whole again"
: >other.db
"$SQLQ" other.db 'CREATE TABLE memories (id INTEGER)'
"$V" --state other.db f.jsonl >o1 2>e1
echo $? >s1
[ "$(cat s1)" -eq 2 ] && [ ! -s o1 ] &&
    grep -q "other.db: a database, but not a kag-verify state file" e1 &&
    [ "$("$SQLQ" other.db 'SELECT count(*) FROM sqlite_master')" = "[1]" ]
ok $? "someone else's database is refused and left alone"
# (A state locked by another run is waited for: tests/unit/t_state.c.)
"$V" --state /nonexistent/dir/s.db f.jsonl 2>e1
[ $? -eq 2 ] && grep -q '^kag-verify: /nonexistent/dir/s.db: ' e1
ok $? "a state that cannot be made: trouble"

done_testing
