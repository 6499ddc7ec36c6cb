#!/bin/sh
# Install what modreg needs on a Debian machine, only when it is missing:
# the C libraries and tools (apt), and with --node or --all the pinned npm
# checkers of the test suite (npm ci in tests/node) and Debian's chromium;
# with --bench, Hugo (the reference of `make bench`).
set -eu
cd "$(dirname "$0")/.."

PKGS="build-essential pkg-config libyaml-dev libcmark-dev libinotifytools0-dev libgraphviz-dev graphviz libjansson-dev libcriterion-dev inotify-tools git"
TEST_PKGS="nodejs npm chromium default-jre-headless"

want_node=0
want_test=0
want_bench=0
for a in "$@"; do
	case "$a" in
	--node) want_node=1 ;;
	--all) want_node=1; want_test=1 ;;
	--bench) want_bench=1 ;;
	esac
done

missing=""
check="$PKGS"
[ "$want_test" = 1 ] && check="$check $TEST_PKGS"
[ "$want_bench" = 1 ] && check="$check hugo"
for p in $check; do
	# a tool already on PATH (node, npm, java) counts as installed
	case "$p" in
	nodejs) command -v node >/dev/null 2>&1 && continue ;;
	npm) command -v npm >/dev/null 2>&1 && continue ;;
	default-jre-headless) command -v java >/dev/null 2>&1 && continue ;;
	chromium) command -v chromium >/dev/null 2>&1 && continue ;;
	esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

if [ -n "$missing" ]; then
	echo "setup: installing$missing" >&2
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ "$want_node" = 1 ]; then
	if [ ! -d tests/node/node_modules ] || [ tests/node/package-lock.json -nt tests/node/node_modules/.package-lock.json ]; then
		echo "setup: installing the pinned npm test dependencies (tests/node)" >&2
		(cd tests/node && npm ci --no-audit --no-fund --ignore-scripts >/dev/null)
	fi
fi
