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
# (with tests/valgrind.supp when it starts with "valgrind").
top=$(cd "$(dirname "$0")/.." && pwd)
DATA=$top/tests/data
KAG_BIN=$top/bin # the real programs, for cases that must copy one
export DATA KAG_BIN
tmp=$top/tests/tmp/golden.$$
mkdir -p "$tmp/bin"
trap 'rm -rf "$tmp"' EXIT INT TERM
vg=${VALGRIND:-}
case $vg in
valgrind*) vg="$vg --suppressions=\"$top/tests/valgrind.supp\"" ;;
esac
for p in "$top"/bin/kag-*; do
	case $p in *.c | *.o) continue ;; esac
	[ -x "$p" ] || continue
	printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$vg" "$p" \
	    >"$tmp/bin/${p##*/}"
	chmod +x "$tmp/bin/${p##*/}"
done
PATH=$tmp/bin:$PATH
export PATH
LC_ALL=C
export LC_ALL
unset SOURCE_DATE_EPOCH KAG_DB

n=0
fail=0
for case in "$top"/tests/golden/*/*/; do
	case=${case%/}
	[ -f "$case/cmd" ] || continue
	n=$((n + 1))
	name=${case#"$top"/tests/golden/}
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
