#!/bin/sh
# t_faults.t: the world failing around the programs: a full disk, a closed
# pipe, an input that is a directory or unreadable, a store that is busy
# or fills up.  Each says so (exit 2) and leaves the store as it was, or
# stays quiet where a shell pipeline wants it (a closed pipe).
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$top/tests/tmp/faults.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$top/tests/progs.sh"
sqlq=$top/tests/unit/sqlq
data=$top/tests/data
unset KAG_DB SOURCE_DATE_EPOCH
LC_ALL=C
export LC_ALL
cd "$tmp" || exit 1

. "$top/tests/tap.sh"
# A stream of every record type, large enough to fill any pipe: 20000
# memories, a star of 3000 nodes around n0 and its edges, a hyperedge.
awk 'BEGIN {
	print "{\"type\":\"metadata\",\"format_version\":\"1.0\"}"
	for (i = 0; i < 20000; i++)
		printf "{\"type\":\"memory\",\"scope\":\"persistent\"," \
		    "\"key\":\"k%d\",\"value\":\"some text %d\"," \
		    "\"user_id\":\"u%d\"}\n", i, i, i % 7
	for (i = 0; i < 3000; i++)
		printf "{\"type\":\"node\",\"id\":\"n%d\"}\n", i
	for (i = 1; i < 3000; i++)
		printf "{\"type\":\"edge\",\"src\":\"n0\",\"dst\":\"n%d\"," \
		    "\"rel_type\":\"r\"}\n", i
	print "{\"type\":\"hyperedge\",\"id\":\"h\",\"nodes\":[\"n1\",\"n2\"]}"
	print "{\"type\":\"end\",\"stats\":{\"memories\":20000," \
	    "\"graph_nodes\":3000,\"graph_edges\":2999,\"hyperedges\":1}}"
}' >big.jsonl
kag-load -q -d big.db big.jsonl ||
    { echo "Bail out! cannot make a store"; exit 1; }

# Every program that writes to stdout, and how it is asked to; a new one
# is a few lines here.  Each reads big.jsonl or big.db.
writers() {
	cat <<-'EOF'
	kag-filter big.jsonl
	kag-filter -z big.jsonl
	kag-filter -c big.jsonl
	kag-filter --user-id u3 --set-user-id x big.jsonl
	kag-dump -d big.db
	kag-dump -z -d big.db
	kag-verify --json big.jsonl
	kag-subgraph --root n0 --depth 1 big.jsonl
	kag-subgraph --json --root n0 --depth 1 big.jsonl
	kag-subgraph -z --with-memories --node n5 big.jsonl
	kag-subgraph --root n0 -d big.db
	kag-verify -V
	kag-filter -V
	kag-dump -V
	kag-load -V
	kag-subgraph -V
	kag-verify -h
	kag-subgraph -h
	EOF
}

writers >cmds

# A full disk: exit 2 and a message, whatever the output.
while read -r cmd; do
	[ -x "$top/bin/${cmd%% *}" ] || { echo "# no ${cmd%% *}"; continue; }
	sh -c "$cmd" </dev/null >/dev/full 2>err
	st=$?
	[ $st -eq 2 ] && grep -q 'No space left on device' err
	r=$?
	ok $r "$cmd >/dev/full: exit 2 (got $st), 'No space left on device'"
done <cmds

# A closed pipe: no message, and exit 0 or death by SIGPIPE; with SIGPIPE
# ignored (as under some daemons), no message and exit 0 or 2, never a
# hang.
grep -v -- ' -[Vh]$' cmds >pipecmds
for ign in "" "trap '' PIPE;"; do
	while read -r cmd; do
		[ -x "$top/bin/${cmd%% *}" ] || continue
		sh -c "$ign $cmd 2>err; echo \$? >st" </dev/null |
		    head -c 1 >/dev/null
		st=$(cat st)
		case $st in
		0 | 141) r=0 ;;
		2) [ -n "$ign" ]; r=$? ;;
		*) r=1 ;;
		esac
		[ $r -eq 0 ] && [ ! -s err ]
		ok $? "${ign:+(SIGPIPE ignored) }$cmd | head -c 1: quiet (exit $st)"
	done <pipecmds
done

# An input that is a directory but not an export: trouble, named.
mkdir notexport
echo x >notexport/file
for cmd in "kag-verify notexport" "kag-filter notexport" \
    "kag-load -d s.db notexport" "kag-subgraph --node n0 notexport"; do
	[ -x "$top/bin/${cmd%% *}" ] || continue
	sh -c "$cmd" </dev/null >out 2>err
	st=$?
	[ $st -eq 2 ] && grep -q "notexport" err
	ok $? "$cmd: a directory that is no export: exit 2 (got $st), named"
done
[ ! -f s.db ] || [ "$("$sqlq" s.db 'SELECT count(*) FROM sqlite_master')" = "[0]" ]
ok $? "kag-load: nothing written for a directory that is no export"

# An input the user may not read: trouble, named.  As root, the programs
# run as nobody from a directory of their own, as the read-only store
# cases of tests/golden do.
t=$(mktemp -d /tmp/kag-faults.XXXXXX) && chmod 755 "$t" || exit 1
cp big.jsonl "$t/secret.jsonl" && chmod 000 "$t/secret.jsonl"
mkdir "$t/w" && chmod 777 "$t/w"
as=
[ "$(id -u)" -eq 0 ] && as="setpriv --reuid=65534 --regid=65534 --clear-groups"
for p in kag-verify kag-filter kag-subgraph kag-load; do
	[ -x "$top/bin/$p" ] || continue
	cp "$top/bin/$p" "$t/"
	case $p in
	kag-load) a="-d $t/w/s.db" ;;
	kag-subgraph) a="--node n0" ;;
	*) a= ;;
	esac
	(cd "$t" && $as ./$p $a secret.jsonl) >out 2>err
	st=$?
	[ $st -eq 2 ] && grep -q "secret.jsonl: Permission denied" err &&
	    { [ $p != kag-load ] || [ ! -s "$t/w/s.db" ] ||
	    [ "$("$sqlq" "$t/w/s.db" 'SELECT count(*) FROM sqlite_master')" = "[0]" ]; }
	ok $? "$p: an unreadable input: exit 2 (got $st), 'Permission denied'"
done
rm -rf "$t"

# A busy store: another kag-load holds the write transaction, reading a
# FIFO that is kept open; a second kag-load waits for it (still running a
# second later), then loads after it.  How long it waits is fixed at
# KAG_STORE_TIMEOUT_MS (a minute), too long to test its end here.
kag-load -q -d busy.db "$data/load/one.jsonl" || exit 1
mkfifo fifo
kag-load -q -d busy.db fifo 2>err1 &
first=$!
exec 3>fifo
echo '{"type":"memory","scope":"working","key":"first","value":1}' >&3
sleep 0.5
kag-load -q -d busy.db "$data/load/stream.jsonl" 3>&- 2>err &
second=$!
sleep 1
kill -0 $second 2>/dev/null
waited=$?
exec 3>&-
wait $first
st1=$?
wait $second
st=$?
[ $waited -eq 0 ] && [ $st1 -eq 0 ] && [ $st -eq 0 ] &&
    [ "$("$sqlq" busy.db "SELECT key FROM kag_working ORDER BY id LIMIT 1")" = '["first"]' ] &&
    [ "$("$sqlq" busy.db "SELECT count(*) FROM kag_nodes")" = '[2]' ]
ok $? "kag-load waits for another writer, then loads (exit $st1 and $st)"

# A store that fills up: a file size limit (SIGXFSZ ignored, so that
# write(2) fails with EFBIG as on a full disk) stops the load midway:
# exit 2, a message, and the store as it was once SQLite has rolled its
# journal back.
snap() {
	"$sqlq" "$1" "PRAGMA integrity_check" \
	    "SELECT count(*), max(id) FROM memories" \
	    "SELECT count(*) FROM kag_nodes" "SELECT count(*) FROM kag_edges"
}
kag-load -q -d full.db "$data/sample.jsonl" || exit 1
snap full.db >before
size=$(($(wc -c <full.db) / 512 + 40))
(trap '' XFSZ; ulimit -f $size; exec kag-load -d full.db big.jsonl) \
    >out 2>err
st=$?
snap full.db >after
[ $st -eq 2 ] && grep -q 'sqlite: .*\(full\|I/O error\)' err && ! grep -q ' created' err &&
    cmp -s before after
ok $? "kag-load into a store that fills up: exit 2 (got $st), store unchanged"
sed 's/^/# /' err
(trap '' XFSZ; ulimit -f 64; exec kag-dump -d big.db -o outdir) >out 2>err
st=$?
[ $st -eq 2 ] && grep -q 'too large' err && [ ! -e outdir ] &&
    [ -z "$(ls -A . | grep '^\.outdir')" ]
ok $? "kag-dump -o into a filesystem that fills up: exit 2 (got $st), nothing left"
sed 's/^/# /' err

done_testing
