# tap.sh: TAP for the shell tests, sourced after $top is set.
#   ok STATUS NAME   one line: "ok N - NAME" when STATUS is 0, else
#                    "not ok N - NAME" and the first lines of ./err, if any
#   done_testing     the plan; exits 1 if any test failed
n=0
fails=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -s err ] && sed 's/^/# /' err | head -n 5
		fails=$((fails + 1))
	fi
}

done_testing() {
	echo "1..$n"
	[ $fails -eq 0 ] || exit 1
	exit 0
}
