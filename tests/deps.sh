#!/bin/sh
# deps.sh check|install: find, or install with apt-get, what kag builds with.
pkgs="libjsmn-dev libsqlite3-dev zlib1g-dev libxxhash-dev pkg-config"

missing() {
	m=
	command -v pkg-config >/dev/null 2>&1 || m="$m pkg-config"
	[ -f /usr/include/jsmn.h ] || m="$m libjsmn-dev"
	if command -v pkg-config >/dev/null 2>&1; then
		pkg-config --exists zlib || m="$m zlib1g-dev"
		pkg-config --exists sqlite3 || m="$m libsqlite3-dev"
		pkg-config --exists libxxhash || m="$m libxxhash-dev"
	else
		m="$m zlib1g-dev libsqlite3-dev libxxhash-dev"
	fi
	echo $m
}

install() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "kag: build dependencies missing: run 'sudo make deps'" >&2
		exit 2
	fi
	echo "kag: installing $pkgs" >&2
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq $pkgs >/dev/null || exit 2
}

case $1 in
check)
	m=$(missing)
	[ -z "$m" ] && exit 0
	echo "kag: missing build dependencies:$m" >&2
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		install
	else
		echo "kag: run 'sudo make deps' (apt-get install $pkgs)" >&2
		exit 2
	fi
	;;
install)
	install
	;;
*)
	echo "usage: deps.sh check|install" >&2
	exit 2
	;;
esac
