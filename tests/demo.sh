#!/bin/sh
# demo.sh: show what kag does, with the programs just built, on the sample
# stream tests/data/sample.jsonl (run by 'make demo').
#
# Each step prints its command, as 'sh -x' would, then what it printed.
# A step whose exit status is not the one expected stops the demo with
# status 1.
top=$(cd "$(dirname "$0")/.." && pwd)
work=$top/tests/tmp/demo

for p in kag-verify kag-filter kag-load kag-dump kag-subgraph; do
	if [ ! -x "$top/bin/$p" ]; then
		echo "demo: '$top/bin/$p' is missing: run 'make' first" >&2
		exit 2
	fi
done
PATH=$top/bin:$PATH
export PATH
unset SOURCE_DATE_EPOCH
rm -rf "$work" && mkdir -p "$work" || exit 2
cp "$top/tests/data/sample.jsonl" "$work/" || exit 2
cd "$work" || exit 2

# step STATUS TEXT COMMAND: say TEXT, show COMMAND, run it (stderr merged
# into stdout so that the two keep their order) and check its status.
step() {
	want=$1
	printf '\n# %s\n+ %s\n' "$2" "$3"
	sh -c "$3" 2>&1
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "demo: '$3' exited with status $got, not $want" >&2
		exit 1
	fi
	[ "$want" -eq 0 ] || echo "(exit status $got, as expected)"
}

echo "kag demo: in $work, with $top/bin first on PATH"
step 0 "the sample: 20 memories of alice, bob and default_user, and a graph" \
    "wc -l sample.jsonl"
step 0 "verify it (its one NaN is Kagura's, so it is only a warning)" \
    "kag-verify sample.jsonl"
step 0 "keep alice's records: her memories, her nodes and the shared ones" \
    "kag-filter --user-id alice sample.jsonl >alice.jsonl"
step 0 "what was kept: a header, her records byte for byte, a trailer" \
    "cat alice.jsonl"
step 0 "compress it, as for a backup over ssh" \
    "gzip -n <alice.jsonl >alice.jsonl.gz && ls -l alice.jsonl alice.jsonl.gz"
step 0 "verify the gzip: kag reads it as it is" \
    "kag-verify alice.jsonl.gz"
step 1 "a stream cut short (as by a dropped link) is caught" \
    "head -n 5 alice.jsonl | kag-verify -"
step 0 "load the sample into a new store, in one transaction" \
    "rm -f store.db && kag-load -d store.db sample.jsonl"
step 1 "a cut stream loads nothing: the store stays as it was" \
    "head -n 30 sample.jsonl | kag-load -d store.db --clear"
step 0 "dump the store, keep bob's persistent memories, load them elsewhere" \
    "rm -f bob.db && kag-dump -d store.db | kag-filter --user-id bob --scope persistent --type memory | kag-load -d bob.db"
step 0 "Kagura's own directory form, which its importer reads" \
    "rm -rf export && kag-dump -d bob.db -o export && ls export && cat export/metadata.json && echo"
step 0 "cut the graph around Sarah, one hop, from the stream" \
    "kag-subgraph --root node_sarah --depth 1 sample.jsonl"
step 0 "the same cut straight from the store, as HyperMemory's document" \
    "SOURCE_DATE_EPOCH=1773585000 kag-subgraph -d store.db --root node_sarah --depth 1 --json"
step 0 "alice's memory nodes with the memories they point at, to share" \
    "kag-subgraph --node mem_001 --node mem_002 --with-memories sample.jsonl | gzip -n >share.jsonl.gz && kag-verify share.jsonl.gz"
step 1 "an id that is not in the graph is named, and nothing is written" \
    "kag-subgraph -d store.db --root node_nobody"
step 1 "an export larger than HyperMemory would allow is refused" \
    "kag-subgraph -d store.db --root node_sarah --json --max-bytes 512"
printf '\ndemo: every step did what was expected\n'
