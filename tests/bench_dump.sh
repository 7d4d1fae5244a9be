#!/bin/sh
# bench_dump.sh: time kag-dump against the sqlite3 CLI and a Python stdlib
# dumper on the same store, and check the release targets (for 'make
# bench').
#
# Environment: BENCH_RECORDS (default 1000000) memory records, generated
# once by tests/gen_bench_data.py and kept under tests/tmp/bench/ (shared
# with tests/bench.sh), then stored once with Python's sqlite3 module in
# a Kagura store (Kagura's DDL; values and metadata as Kagura stores them,
# json.dumps text); BENCH_RUNS (default 3) runs of each command, of which
# the median time is kept.  Every contender writes the same records, all
# fields, in id order, to a regular file.
# Exit status: 0 if every target is met, 1 if one is not, 2 on trouble.
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/benchlib.sh"

[ -x "$bin/kag-dump" ] || die "'$bin/kag-dump' is missing: run 'make' first"
python3 -c 'import sqlite3' 2>/dev/null ||
    die "python3 has no sqlite3 module: apt-get install python3"
havecli=1
command -v sqlite3 >/dev/null 2>&1 || havecli=0

# The store: every record in Kagura's memories table, as Kagura writes
# rows (json.dumps of the value and the metadata, its default spacing and
# \u escapes), whatever its scope.
store=$dir/kagura-$n.db
if [ ! -s "$store" ]; then
	echo "bench: storing $n records in $store" >&2
	rm -f "$store.tmp"
	python3 - "$data" "$store.tmp" <<'EOF' && mv "$store.tmp" "$store" ||
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[2])
db.execute("""
                CREATE TABLE IF NOT EXISTS memories (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    user_id TEXT NOT NULL DEFAULT 'default_user',
                    agent_name TEXT,
                    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
                    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
                    metadata TEXT
                )
            """)
db.execute("ALTER TABLE memories ADD COLUMN access_count INTEGER DEFAULT 0")
db.execute("ALTER TABLE memories ADD COLUMN last_accessed_at TIMESTAMP")

def rows(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") != "memory":
                continue
            m = r.get("metadata")
            yield (r["key"], json.dumps(r["value"]),
                   r.get("user_id", "default_user"), r.get("agent_name"),
                   r.get("created_at"), r.get("updated_at"),
                   None if m is None else json.dumps(m))

db.executemany("INSERT INTO memories (key, value, user_id, agent_name, "
               "created_at, updated_at, metadata) VALUES (?,?,?,?,?,?,?)",
               rows(sys.argv[1]))
for name, cols in [("key", "key"), ("agent", "agent_name"),
                   ("key_agent", "key, agent_name"), ("user", "user_id"),
                   ("user_agent", "user_id, agent_name"),
                   ("user_key", "user_id, key")]:
    db.execute("CREATE INDEX idx_%s ON memories(%s)" % (name, cols))
db.commit()
db.close()
EOF
	    die "cannot make '$store'"
fi
cat "$store" >/dev/null # into the page cache, for every contender

printf 'bench: %s records, a %s MB store, median of %s runs\n\n' \
    "$n" $(($(wc -c <"$store") / 1048576)) "$runs"
header

kag=$dir/out.kag
peer=$dir/out.peer
S=$(q "$store")

# Every contender writes every record: kag's stream must hold n memory
# records and a trailer that says so, the peers n lines.
measure "$(q "$bin/kag-dump") -q -d $S >$(q "$kag")"
kt=$t krss=$rss
note=
got=$(grep -c '^{"type":"memory"' "$kag")
[ "$st" -eq 0 ] || note="kag exit $st"
[ -z "$note" ] && [ "$got" -ne "$n" ] && note="wrote $got memories, want $n"
tail -n 1 "$kag" | grep -q "^{\"type\":\"end\",\"stats\":{\"memories\":$n," ||
    [ -n "$note" ] || note="no trailer counting $n"

# The same records from the peers, compared with kag's by meaning (strings
# decoded, numbers as written) on a sample when tests/unit/jsoneq is built.
same() {
	eq=$top/tests/unit/jsoneq
	[ -x "$eq" ] || return 0
	sed -n '2,1001p' "$kag" | "$eq" >"$dir/sample.kag"
	head -n 1000 "$peer" | "$eq" >"$dir/sample.peer"
	cmp -s "$dir/sample.kag" "$dir/sample.peer" ||
	    echo "its records differ from kag's"
}

if [ $havecli -eq 1 ]; then
	measure "sqlite3 -readonly $S \"SELECT json_object('type', 'memory',
	    'scope', 'persistent', 'key', key, 'value', json(value),
	    'user_id', user_id, 'agent_name', agent_name,
	    'created_at', created_at, 'updated_at', updated_at,
	    'metadata', json(metadata)) FROM memories ORDER BY id\" \
	    >$(q "$peer")"
	pnote=$note
	[ -z "$pnote" ] && [ "$st" -ne 0 ] && pnote="sqlite3 exit $st"
	[ -z "$pnote" ] && pnote=$(same)
	row "dump vs sqlite3 json_object" "$kt" "$t" 2 "$pnote"
else
	printf "$fmt" "dump vs sqlite3 json_object" - - - ">= 2" \
	    "SKIP (sqlite3 is missing: apt-get install sqlite3)"
fi

measure "python3 -c $(q '
import json, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
w = sys.stdout.write
for k, v, u, a, c, up, m in db.execute(
        "SELECT key, value, user_id, agent_name, created_at, updated_at, "
        "metadata FROM memories ORDER BY id"):
    w(json.dumps({"type": "memory", "scope": "persistent", "key": k,
                  "value": json.loads(v), "user_id": u, "agent_name": a,
                  "created_at": c, "updated_at": up,
                  "metadata": None if m is None else json.loads(m)},
                 ensure_ascii=False, separators=(",", ":")))
    w("\n")
') $S >$(q "$peer")"
pnote=$note
[ -z "$pnote" ] && [ "$st" -ne 0 ] && pnote="python3 exit $st"
[ -z "$pnote" ] && pnote=$(same)
row "dump vs python3 json.dumps" "$kt" "$t" 10 "$pnote"

# Peak RSS must not grow with the store: SQLite's page cache and three
# batches of rows, whatever the number of rows.
if [ "$krss" -lt 0 ]; then
	printf "$fmt" "peak RSS kag-dump" - - - "< 32M" \
	    "SKIP (GNU time is missing: apt-get install time)"
else
	res=PASS
	[ "$krss" -lt 32768 ] || { res=FAIL; fails=$((fails + 1)); }
	printf "$fmt" "peak RSS kag-dump" "$(awk -v k="$krss" 'BEGIN {
	    printf "%.1fM", k / 1024 }')" - - "< 32M" "$res"
fi
rm -f "$kag" "$peer" "$dir/sample.kag" "$dir/sample.peer"

echo
if [ $fails -gt 0 ]; then
	echo "bench: $fails target(s) missed"
	exit 1
fi
echo "bench: every target met"
