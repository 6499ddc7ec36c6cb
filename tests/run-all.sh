#!/bin/sh
# Run every test of modreg.  Usage: tests/run-all.sh BUILD_DIR
# Each stage prints what it ran; the last line is "N passed, N failed" over the stages.
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build}
MODREG=$PWD/$BUILD/modreg
export MODREG BUILD
passed=0
failed=0
failures=""

stage() {
	name=$1
	shift
	echo "==> $name"
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures="$failures $name"
		echo "FAILED: $name"
	fi
}

stage unit "./$BUILD/unit-tests" -j2
stage semver-oracle "$MODREG" __semver-oracle tests/data/semver/node-semver-oracle.tsv
stage golden sh tests/golden/run.sh "$MODREG"
for t in tests/system/*.sh; do
	[ -f "$t" ] || continue
	stage "system/$(basename "$t" .sh)" sh "$t"
done
for t in tests/node/*.test.mjs; do
	[ -f "$t" ] || continue
	stage "node/$(basename "$t" .test.mjs)" node "$t"
done

echo
[ -n "$failures" ] && echo "failed stages:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
