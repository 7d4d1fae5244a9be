#!/bin/sh
# golden.t: run every golden end-to-end case and print TAP.
#
# A case is a directory tests/golden/PROGRAM/NAME holding:
#   cmd     a shell command line, run in a scratch directory with kag's
#           programs first on PATH, $DATA naming tests/data and $KAG_BIN
#           the directory of the built programs
#   stdin   (optional) fed to the command, else /dev/null
#   stdout  the expected standard output, byte for byte
#   stderr  the expected standard error
#   status  the expected exit status
# KAG_REGEN=1 rewrites stdout, stderr and status from what the command did,
# for review with git diff.  $VALGRIND, when set, prefixes every program
# (tests/progs.sh: VALGRIND=valgrind runs memcheck, whose complaints make
# a case fail).
top=$(cd "$(dirname "$0")/.." && pwd)
DATA=$top/tests/data
KAG_BIN=$top/bin # the real programs, for cases that must copy one
export DATA KAG_BIN
tmp=$top/tests/tmp/golden.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$top/tests/progs.sh"
LC_ALL=C
export LC_ALL
unset SOURCE_DATE_EPOCH KAG_DB

# KAG_GOLDEN=PATTERN runs only the cases whose PROGRAM/NAME matches that
# shell pattern; KAG_SHARD=I/N only every Nth of them from the Ith, so
# that N runs at once share them out (valgrind is slow).
shard=${KAG_SHARD%/*}
shards=${KAG_SHARD#*/}
[ -n "$shard" ] || shard=1 shards=1
i=0
n=0
fail=0
for case in "$top"/tests/golden/*/*/; do
	case=${case%/}
	[ -f "$case/cmd" ] || continue
	name=${case#"$top"/tests/golden/}
	case $name in ${KAG_GOLDEN:-*}) ;; *) continue ;; esac
	i=$((i + 1))
	[ $(((i - 1) % shards)) -eq $((shard - 1)) ] || continue
	n=$((n + 1))
	work=$tmp/work
	rm -rf "$work" && mkdir -p "$work"
	input=/dev/null
	[ -f "$case/stdin" ] && input=$case/stdin
	(cd "$work" && sh -c "$(cat "$case/cmd")") <"$input" \
	    >"$tmp/out" 2>"$tmp/err"
	status=$?
	echo "$status" >"$tmp/status"
	if [ -n "${KAG_REGEN:-}" ]; then
		cp "$tmp/out" "$case/stdout"
		cp "$tmp/err" "$case/stderr"
		cp "$tmp/status" "$case/status"
	fi
	bad=
	for f in stdout stderr status; do
		got=$tmp/out
		[ $f = stderr ] && got=$tmp/err
		[ $f = status ] && got=$tmp/status
		if ! cmp -s "$case/$f" "$got"; then
			bad="$bad $f"
			diff -u "$case/$f" "$got" | sed 's/^/# /' | head -n 40
		fi
	done
	if [ -z "$bad" ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name ($bad differ)"
		fail=$((fail + 1))
	fi
done
echo "1..$n"
[ $fail -eq 0 ]
