#!/bin/sh
# t_compat.t: kag-dump -o writes what Kagura's own exporter writes.
#
# For each Kagura store in tests/data/kagura (4.0, the 4.4 branch with its
# extra column, a 3.x store migrated to 4.x with its columns in another
# order) and each user of 4.0's expected_export (Kagura's exporter run on
# the same rows; the three stores export the same), `kag-dump --user-id
# USER -o DIR` must write the same memory records field by field, compared
# by meaning with tests/unit/jsoneq (strings decoded, numbers as written,
# exported_at left out): the same records, in Kagura's order wherever
# Kagura's order is defined (by created_at; rows tied on it come in any
# order), and the same metadata.json.  Without --user-id, graph.jsonl must
# be Kagura's graph.jsonl line for line.
top=$(cd "$(dirname "$0")/.." && pwd)
data=$top/tests/data/kagura
dump=$top/bin/kag-dump
jsoneq=$top/tests/unit/jsoneq
tmp=$top/tests/tmp/compat.$$
. "$top/tests/tap.sh"

for p in "$dump" "$jsoneq"; do
	if [ ! -x "$p" ]; then
		echo "Bail out! '$p' is missing: run 'make check'"
		exit 1
	fi
done
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
unset KAG_DB
SOURCE_DATE_EPOCH=1764579600
export SOURCE_DATE_EPOCH

# same A B NAME: files A and B are equal; shows the difference if not.
same() {
	if cmp -s "$1" "$2"; then
		ok 0 "$3"
	else
		diff -u "$1" "$2" | head -n 20 | sed 's/^/# /'
		ok 1 "$3"
	fi
}

# canon FILE OUT [jsoneq options]: FILE's lines in canonical form.
canon() {
	f=$1 o=$2
	shift 2
	"$jsoneq" "$@" "$f" >"$o" || echo "# jsoneq failed on $f"
}

exp=$data/4.0/expected_export
for v in 4.0 4.4 3to4; do
	db=$data/$v/memory.db
	# 4.0 has its graph.json beside the store; the others name it.
	gj=
	[ -f "$data/$v/graph.json" ] || gj="--graph-json $data/4.0/graph.json"
	for e in "$exp"/*/; do
		e=${e%/}
		user=$(cat "$e/USER_ID")
		out=$tmp/$v.$user
		"$dump" -q -d "$db" $gj --user-id "$user" -o "$out"
		ok $? "$v $user: kag-dump -o exits 0"
		canon "$e/memories.jsonl" "$tmp/want"
		canon "$out/memories.jsonl" "$tmp/got"
		sort "$tmp/want" >"$tmp/want.sorted"
		sort "$tmp/got" >"$tmp/got.sorted"
		same "$tmp/want.sorted" "$tmp/got.sorted" \
		    "$v $user: the same memory records"
		canon "$e/memories.jsonl" "$tmp/want" -k created_at
		canon "$out/memories.jsonl" "$tmp/got" -k created_at
		same "$tmp/want" "$tmp/got" \
		    "$v $user: in Kagura's order (by created_at)"
		# Kagura puts the whole graph into every user's export; kag-dump
		# only that user's part, so only the memories count compares.
		canon "$e/metadata.json" "$tmp/want" -w -x stats
		canon "$out/metadata.json" "$tmp/got" -w -x stats
		"$jsoneq" -w -k stats "$e/metadata.json" |
		    sed 's/,"graph_nodes".*//' >>"$tmp/want"
		"$jsoneq" -w -k stats "$out/metadata.json" |
		    sed 's/,"graph_nodes".*//' >>"$tmp/got"
		same "$tmp/want" "$tmp/got" "$v $user: the same metadata.json"
	done
	out=$tmp/$v.all
	"$dump" -q -d "$db" $gj -o "$out"
	ok $? "$v: kag-dump -o of the whole store exits 0"
	canon "$exp/000_default_user/graph.jsonl" "$tmp/want"
	canon "$out/graph.jsonl" "$tmp/got"
	same "$tmp/want" "$tmp/got" "$v: the same graph.jsonl, line for line"
	"$jsoneq" -w -k stats "$exp/000_default_user/metadata.json" |
	    sed 's/"memories":[0-9]*,//' >"$tmp/want"
	"$jsoneq" -w -k stats "$out/metadata.json" |
	    sed 's/"memories":[0-9]*,//' >"$tmp/got"
	same "$tmp/want" "$tmp/got" "$v: the same graph counts"
done
done_testing
