#!/bin/sh
# context_golden.sh — the context.json of the example registry, with the statistics of
# tests/golden-context/stats and a fixed clock, must equal tests/golden-context/expected.json
# byte for byte.  UPDATE=1 rewrites the expected file instead: review its diff before
# committing (it changes whenever registry/ or the format changes).
set -eu
cd "$(dirname "$0")/../.."
MODREG=${MODREG:-build/modreg}
expected=tests/golden-context/expected.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

SOURCE_DATE_EPOCH=1795000000 "$MODREG" index -q --registry registry --stats tests/golden-context/stats --out "$tmp"

if [ "${UPDATE:-0}" = 1 ]; then
	cp "$tmp/context.json" "$expected"
	echo "context_golden: rewrote $expected ($(wc -c <"$expected") bytes)"
	exit 0
fi
if [ ! -f "$expected" ]; then
	echo "context_golden: $expected is missing (run UPDATE=1 sh $0)"
	exit 1
fi
if cmp -s "$tmp/context.json" "$expected"; then
	echo "context_golden: ok - context.json of registry/ (SOURCE_DATE_EPOCH=1795000000, --stats tests/golden-context/stats) equals $expected"
	exit 0
fi
echo "context_golden: FAILED - context.json differs from $expected (UPDATE=1 sh $0 regenerates it):"
diff -u "$expected" "$tmp/context.json" | head -80
exit 1
