#!/bin/sh
# t_atomic.t: kag-load is all or nothing: a bad input, with or without
# --clear, a kill -9 at any moment, and two loads at once.
top=$(cd "$(dirname "$0")/.." && pwd)
load=$top/bin/kag-load
sqlq=$top/tests/unit/sqlq
data=$top/tests/data/load
tmp=$top/tests/tmp/atomic.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
unset KAG_DB SOURCE_DATE_EPOCH
cd "$tmp" || exit 1

. "$top/tests/tap.sh"
# Every row of every table, and the schema: what "as it was" means.
snapshot() {
	"$sqlq" "$1" "PRAGMA integrity_check" \
	    "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name" \
	    "SELECT * FROM sqlite_sequence ORDER BY name" \
	    "SELECT * FROM memories ORDER BY id" \
	    "SELECT * FROM kag_memory_extra ORDER BY memory_id" \
	    "SELECT * FROM kag_working ORDER BY id" \
	    "SELECT * FROM kag_nodes ORDER BY id" \
	    "SELECT * FROM kag_edges ORDER BY seq" \
	    "SELECT * FROM kag_hyperedges ORDER BY id" \
	    "SELECT * FROM kag_hyperedge_members ORDER BY hyperedge_id, pos" \
	    "SELECT * FROM kag_meta ORDER BY key"
}

# N memory records of user U in one segment, with header and trailer.
gen() {
	awk -v n="$1" -v u="$2" 'BEGIN {
		print "{\"type\":\"metadata\",\"format_version\":\"1.0\"}"
		for (i = 0; i < n; i++)
			printf "{\"type\":\"memory\",\"scope\":\"%s\"," \
			    "\"key\":\"%s:%07d\",\"value\":{\"n\":%d," \
			    "\"text\":\"some words to make a row of a " \
			    "realistic size, more or less\"},\"user_id\":" \
			    "\"%s\",\"agent_name\":\"global\"," \
			    "\"created_at\":\"2026-11-01 10:00:00\"," \
			    "\"updated_at\":\"2026-11-02 10:00:00\"}\n",
			    i % 3 ? "persistent" : "working", u, i, i, u
		printf "{\"type\":\"end\",\"stats\":{\"memories\":%d," \
		    "\"graph_nodes\":0,\"graph_edges\":0,\"hyperedges\":0}}\n",
		    n
	}'
}

# A store with something in every table.
"$load" -q -d base.db "$top/tests/data/sample.jsonl" "$data/extra.jsonl" ||
    { echo "Bail out! cannot make a store"; exit 1; }
snapshot base.db >base.snap

# A bad input, with and without --clear: exit 1, the store as it was,
# byte for byte.
for bad in bad-last.jsonl cut.jsonl long-cut.jsonl.gz; do
	for clear in "" --clear; do
		cp base.db s.db
		"$load" -q $clear -d s.db "$data/$bad" 2>err
		st=$?
		snapshot s.db >s.snap
		cmp -s base.snap s.snap && cmp -s base.db s.db &&
		    [ "$st" -eq 1 ] && grep -q 'nothing loaded' err
		ok $? "$bad ${clear:-(no --clear)}: exit 1, store unchanged"
	done
done

# kill -9 at several moments of a large load: the store is as it was and
# passes PRAGMA integrity_check, whether the load was reading records,
# making indexes or committing.  Into a store that has memories (each
# record looked up) and into an empty one (indexes dropped and made again
# at the end).
gen 200000 big >big.jsonl
"$load" -q -d empty.db </dev/null || { echo "Bail out! no store"; exit 1; }
snapshot empty.db >empty.snap
for base in base empty; do
	cp $base.db full.db
	start=$(date +%s%N)
	"$load" -q -d full.db big.jsonl || echo "# a full load failed"
	snapshot full.db >full-$base.snap
	eval "full_$base=$((($(date +%s%N) - start) / 1000000))"
	eval "echo \"# a full load into $base.db took \$full_$base ms\""
done
full=$full_base

# While the input is still coming, in the middle of the transaction: the
# input is a FIFO held open after the records.
mkfifo fifo || { echo "Bail out! no mkfifo"; exit 1; }
for secs in 0.2 1; do
	cp base.db s.db
	"$load" -q -d s.db fifo &
	pid=$!
	exec 3>fifo
	cat big.jsonl >&3 &
	cat=$!
	sleep "$secs"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	[ $? -eq 137 ] && killed=0 || killed=1
	exec 3>&-
	kill "$cat" 2>/dev/null
	wait "$cat" 2>/dev/null
	snapshot s.db >s.snap
	cmp -s base.snap s.snap && cmp -s base.db s.db && [ $killed -eq 0 ]
	ok $? "kill -9 after ${secs}s of a load still reading: store unchanged"
done

# From a file, at fractions of a full load's time, up to its commit: a
# load that ended before the kill is tried again, sooner.  A kill that
# lands after the commit, while the process is still ending (freeing,
# or a sanitizer's leak check), finds the whole load there: all, not
# nothing, is then the right answer, and never anything in between.
for base in base empty; do
	for pct in 20 50 80 95; do
		eval "delay=\$((full_$base * pct / 100))"
		for try in 1 2 3 4 5 6 7 8 9 10; do
			cp $base.db s.db
			"$load" -q -d s.db big.jsonl &
			pid=$!
			sleep "$(awk -v m="$delay" 'BEGIN { printf "%.3f", m / 1000 }')"
			kill -9 "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			# 137: it died of the signal, not of its own end (a
			# load that had just finished is a zombie kill finds).
			[ $? -eq 137 ] && killed=0 || killed=1
			[ $killed -eq 0 ] && break
			delay=$((delay / 2))
		done
		snapshot s.db >s.snap
		{ cmp -s $base.snap s.snap || cmp -s full-$base.snap s.snap; } &&
		    [ $killed -eq 0 ]
		ok $? "kill -9 at $delay ms of a load into $base.db: all or nothing, integrity ok"
	done
done

# Two loads into one store at once: the second waits for the first, and
# both sets of records are there.  A reader meanwhile sees the store as it
# was before a load committed or after, never in between.
cp base.db s.db
gen 5000 small >small.jsonl
base=$("$sqlq" s.db "SELECT count(*) FROM memories" | tr -d '[]')
"$load" -q -d s.db big.jsonl &
a=$!
"$load" -q -d s.db small.jsonl &
b=$!
sleep 0.3
seen=$("$sqlq" s.db "SELECT count(*) FROM memories" | tr -d '[]')
wait $a
sa=$?
wait $b
sb=$?
[ $sa -eq 0 ] && [ $sb -eq 0 ]
ok $? "two loads at once both succeed"
# 200000 and 5000 records, one in three working.
got=$("$sqlq" s.db \
    "SELECT count(*) FROM memories WHERE user_id IN ('big', 'small')" \
    "SELECT count(*) FROM kag_working WHERE user_id IN ('big', 'small')" \
    "PRAGMA integrity_check" | tr '\n' ' ')
[ "$got" = '[136666] [68334] ["ok"] ' ]
ok $? "both loads' records are in the store: $got"
case $seen in
$base | $((base + 133333)) | $((base + 3333)) | $((base + 136666)))
	ok 0 "a reader saw a whole store: $seen memories" ;;
*)	ok 1 "a reader saw a whole store: $seen memories" ;;
esac

done_testing
