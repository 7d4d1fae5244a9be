# progs.sh: sourced by the shell tests (golden.t, t_*.t) to put kag's
# programs first on PATH, each run through $VALGRIND when that is set.
#
# Needs $top (the top of the tree) and $tmp (the test's scratch
# directory); makes $tmp/bin.  VALGRIND=valgrind runs memcheck quietly
# with tests/valgrind.supp: a leak (definite or indirect) or a memory
# error is reported on stderr and makes the program exit 125, which no
# test expects.  Any other $VALGRIND is used as given.
kag_vg=${VALGRIND:-}
case $kag_vg in
valgrind*--tool=*) ;;
valgrind*)
	kag_vg="$kag_vg -q --error-exitcode=125 --leak-check=full"
	kag_vg="$kag_vg --show-leak-kinds=definite,indirect"
	kag_vg="$kag_vg --errors-for-leak-kinds=definite,indirect"
	kag_vg="$kag_vg --suppressions=\"$top/tests/valgrind.supp\""
	;;
esac
mkdir -p "$tmp/bin" || exit 1
for kag_p in "$top"/bin/kag-*; do
	case $kag_p in *.c | *.o) continue ;; esac
	[ -x "$kag_p" ] || continue
	printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$kag_vg" "$kag_p" \
	    >"$tmp/bin/${kag_p##*/}"
	chmod +x "$tmp/bin/${kag_p##*/}"
done
PATH=$tmp/bin:$PATH
export PATH
unset kag_p
