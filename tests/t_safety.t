#!/bin/sh
# t_safety.t: data is only ever data: strings shaped like SQL or like
# patterns go into the store and come back byte for byte, select nothing
# but themselves, and no selection by owner hands one user's record to
# another.
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$top/tests/tmp/safety.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$top/tests/progs.sh"
sqlq=$top/tests/unit/sqlq
unset KAG_DB
SOURCE_DATE_EPOCH=0
LC_ALL=C
export LC_ALL SOURCE_DATE_EPOCH
cd "$tmp" || exit 1

. "$top/tests/tap.sh"
# The keys of the memories in a stream, one a line, in order.
keys() {
	sed -n 's/^{"type":"memory",.*"key":"\(\([^"\\]\|\\.\)*\)".*/\1/p' "$@"
}

# Strings that would do harm if pasted into SQL, a LIKE or GLOB pattern,
# a shell or a line-oriented format; as JSON string contents.
cat >strings <<'EOF'
'); DROP TABLE memories; --
\" OR \"1\"=\"1
x'; DELETE FROM kag_nodes WHERE '1'='1
%
_
*
[a-z]?
a\u0000b
line\nbreak\r
back\\slash
$(touch pwned)
EOF

# Each string in every string field of every record type, written as
# kag-dump writes a store: loading it and dumping it again gives the
# same bytes.
{
	printf '{"type":"metadata","format_version":"1.0",'
	printf '"exported_at":"1970-01-01T00:00:00Z",'
	printf '"generator":"kag-dump %s"}\n' "$("$top/bin/kag-dump" -V |
	    sed 's/.* //')"
	for scope in working persistent; do
		while IFS= read -r s; do
			printf '{"type":"memory","scope":"%s","key":"%s",' \
			    "$scope" "$s"
			printf '"value":{"%s":"%s"},"user_id":"%s",' "$s" "$s" "$s"
			printf '"agent_name":"%s",' "$s"
			printf '"created_at":"2026-01-01 00:00:00",'
			printf '"updated_at":"2026-01-02 00:00:00",'
			printf '"metadata":{"user_id":"%s"}}\n' "$s"
		done <strings
	done
	while IFS= read -r s; do
		printf '{"type":"node","id":"%s","node_type":"%s",' "$s" "$s"
		printf '"data":{"%s":"%s"},"content":"%s"}\n' "$s" "$s" "$s"
		printf '{"type":"node","id":"%s/2","node_type":null,' "$s"
		printf '"data":{}}\n'
	done <strings
	while IFS= read -r s; do
		printf '{"type":"edge","src":"%s","dst":"%s/2",' "$s" "$s"
		printf '"rel_type":"%s","weight":0.5,"data":{},"id":"%s"}\n' \
		    "$s" "$s"
	done <strings
	while IFS= read -r s; do
		printf '{"type":"hyperedge","id":"%s","nodes":["%s","%s/2"],' \
		    "$s" "$s" "$s"
		printf '"edge_type":"%s"}\n' "$s"
	done <strings
	k=$(wc -l <strings)
	printf '{"type":"end","stats":{"memories":%d,"graph_nodes":%d,' \
	    $((2 * k)) $((2 * k))
	printf '"graph_edges":%d,"hyperedges":%d}}\n' "$k" "$k"
} >in.jsonl

kag-verify -q in.jsonl 2>err
ok $? "the input is a valid stream"
kag-load -q -d s.db in.jsonl 2>err && kag-dump -d s.db >out 2>err &&
    cmp in.jsonl out >err 2>&1
ok $? "SQL-shaped strings in every field: loaded, dumped, the same bytes"
"$sqlq" s.db "SELECT name FROM sqlite_master WHERE type = 'table'
    ORDER BY name" >tables 2>err &&
    grep -q '"memories"' tables && grep -q '"kag_nodes"' tables &&
    [ "$("$sqlq" s.db "SELECT count(*) FROM memories")" = \
      "[$(wc -l <strings)]" ]
ok $? "every table still there, every row too"

# Pattern characters select only themselves, in kag-dump, kag-filter and
# a kag-load --clear for one owner.
for u in % _ '*' '[a-z]?'; do
	kag-dump -d s.db --user-id "$u" 2>err | keys >got &&
	    printf '%s\n' "$u" "$u" >want && cmp -s got want
	ok $? "kag-dump --user-id '$u': that user's two memories only"
	kag-filter --user-id "$u" in.jsonl 2>err | keys >got &&
	    cmp -s got want
	ok $? "kag-filter --user-id '$u': that user's two memories only"
done
kag-dump -d s.db --agent-name % 2>err | keys >got &&
    printf '%s\n' % % >want && cmp -s got want
ok $? "kag-dump --agent-name %: that agent's two memories only"
kag-dump -d s.db --user-id "'); DROP TABLE memories; --" 2>err | keys >got &&
    printf '%s\n' "'); DROP TABLE memories; --" \
    "'); DROP TABLE memories; --" >want && cmp -s got want
ok $? "kag-dump --user-id with SQL in it: that user only"
cp s.db c.db
kag-load -q -d c.db --clear --user-id % </dev/null 2>err &&
    [ "$("$sqlq" c.db "SELECT count(*) FROM memories")" = \
      "[$(($(wc -l <strings) - 1))]" ] &&
    [ "$("$sqlq" c.db "SELECT count(*) FROM kag_working")" = \
      "[$(($(wc -l <strings) - 1))]" ] &&
    [ "$("$sqlq" c.db "SELECT count(*) FROM memories WHERE user_id = '%'")" = \
      "[0]" ]
ok $? "kag-load --clear --user-id %: only user '%' is cleared"
if [ -x "$top/bin/kag-subgraph" ]; then
	kag-subgraph -d s.db --node "'); DROP TABLE memories; --" \
	    >out 2>err && grep -c '"type":"node"' out >got &&
	    echo 1 >want && cmp -s got want
	ok $? "kag-subgraph -d --node with SQL in it: that node only"
fi

# kag-filter --user-id: the owner is the top-level "user_id", compared
# decoded, and nothing else.
cat >owners.jsonl <<'EOF'
{"type":"memory","scope":"working","key":"plain","value":1,"user_id":"alice"}
{"type":"memory","scope":"working","key":"escaped","value":1,"user_id":"\u0061lice"}
{"type":"memory","scope":"working","key":"all-escaped","value":1,"user_id":"\u0061\u006c\u0069\u0063\u0065"}
{"type":"memory","scope":"working","key":"in-value","value":{"user_id":"alice"},"user_id":"carol"}
{"type":"memory","scope":"working","key":"in-value-text","value":"\"user_id\":\"alice\"","user_id":"carol"}
{"type":"memory","scope":"working","key":"in-metadata","value":1,"user_id":"carol","metadata":{"user_id":"alice"}}
{"type":"memory","scope":"working","key":"in-key \"user_id\":\"alice\"","value":1,"user_id":"carol"}
{"type":"memory","scope":"working","key":"no-owner","value":1,"metadata":{"user_id":"alice"}}
{"type":"memory","scope":"working","key":"upper","value":1,"user_id":"Alice"}
{"type":"memory","scope":"working","key":"space","value":1,"user_id":"alice "}
{"type":"memory","scope":"working","key":"nul","value":1,"user_id":"alice\u0000"}
{"type":"memory","scope":"working","key":"escaped-slash","value":1,"user_id":"alice\/x"}
{"type":"memory","scope":"working","key":"python","value":1, "user_id": "alice"}
EOF
# Each twice: as given (kag-filter's fast path, which looks for the quoted
# id in the line before parsing it), and with a second id that turns the
# fast path off.
for slow in "" "--user-id no/body"; do
	kag-filter $slow --user-id alice owners.jsonl 2>err | keys >got &&
	    printf '%s\n' plain escaped all-escaped python >want &&
	    cmp -s got want
	ok $? "kag-filter $slow --user-id alice: escaped spellings are alice, a user_id in value, metadata or key is not"
	kag-filter -v $slow --user-id alice owners.jsonl 2>err | keys >got &&
	    ! grep -q -x -e plain -e escaped -e all-escaped -e python got &&
	    [ "$(wc -l <got)" -eq 9 ]
	ok $? "kag-filter -v $slow --user-id alice: none of alice's"
	kag-filter $slow --user-id carol owners.jsonl 2>err | keys >got &&
	    printf '%s\n' in-value in-value-text in-metadata >want &&
	    echo 'in-key \"user_id\":\"alice\"' >>want && cmp -s got want
	ok $? "kag-filter $slow --user-id carol: carol's, whatever they mention"
	kag-filter $slow --user-id default_user owners.jsonl 2>err | keys >got &&
	    echo no-owner >want && cmp -s got want
	ok $? "kag-filter $slow --user-id default_user: the memory without user_id"
done

# A top-level user_id twice: which one would count?  Refused, so that
# neither owner gets it, whatever the selection.
cat >dup.jsonl <<'EOF'
{"type":"memory","scope":"working","key":"dup","value":1,"user_id":"mallory","user_id":"alice"}
{"type":"memory","scope":"working","key":"dup-escaped","value":1,"user_id":"alice","user_\u0069d":"mallory"}
{"type":"memory","scope":"working","key":"ok","value":1,"user_id":"alice"}
EOF
for sel in "--user-id alice" "--user-id mallory" "-v --user-id bob" \
    "--set-user-id bob"; do
	kag-filter $sel dup.jsonl >out 2>err
	st=$?
	keys out >got
	[ $st -eq 1 ] && ! grep -q dup got &&
	    [ "$(grep -c "duplicate key 'user_id'" err)" -eq 2 ]
	ok $? "kag-filter $sel: a record with user_id twice is refused (exit $st)"
done
for p in "kag-verify" "kag-load -d d.db"; do
	$p dup.jsonl >out 2>err
	st=$?
	[ $st -eq 1 ] && [ "$(grep -c "duplicate key 'user_id'" err)" -eq 2 ]
	ok $? "${p%% *}: a record with user_id twice is an error (exit $st)"
done

# A user_id that is not a string is no owner at all: refused (the one
# that does not spell alice is not even parsed on the fast path, and not
# kept either).
printf '%s\n' \
    '{"type":"memory","scope":"working","key":"a","value":1,"user_id":["alice"]}' \
    '{"type":"memory","scope":"working","key":"n","value":1,"user_id":null}' \
    '{"type":"memory","scope":"working","key":"o","value":1,"user_id":{"id":"alice"}}' \
    >typed.jsonl
kag-filter --user-id alice typed.jsonl >out 2>err
st=$?
[ $st -eq 1 ] && [ -z "$(keys out)" ] &&
    [ "$(grep -c "field 'user_id' is not a string" err)" -ge 2 ]
ok $? "kag-filter --user-id alice: a user_id that is no string is refused (exit $st)"

# Nodes: the top-level user_id wins over one in data or metadata; an edge
# needs both ends kept.
cat >graph.jsonl <<'EOF'
{"type":"node","id":"a","user_id":"alice"}
{"type":"node","id":"b","user_id":"bob","data":{"user_id":"alice"}}
{"type":"node","id":"c","data":{"user_id":"alice"},"metadata":{"user_id":"bob"}}
{"type":"node","id":"d","metadata":{"user_id":"\u0061lice"}}
{"type":"edge","src":"a","dst":"b"}
{"type":"edge","src":"a","dst":"c"}
{"type":"edge","src":"c","dst":"d"}
EOF
kag-filter --user-id alice graph.jsonl 2>err |
    sed -n 's/^{"type":"\(node\|edge\)",\("id":"\([a-z]\)"\|"src":"\([a-z]\)","dst":"\([a-z]\)"\).*/\3\4\5/p' \
    >got && printf '%s\n' a c d ac cd >want && cmp -s got want
ok $? "kag-filter --user-id alice: bob's node and the edge to it are left out"

done_testing
