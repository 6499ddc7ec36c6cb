#!/bin/sh
# Build the libFuzzer target for the manifest loader and validator and run it.
# Usage: tests/fuzz/run.sh [SECONDS]   (default 60; FUZZ_JOBS=N fuzzes in N processes)
# Needs clang with libFuzzer (clang 14 or later) and the yaml and jansson libraries.
# Seeds: every manifest of the golden corpus and of the example registry.  Crashes,
# leaks, hangs (> 10 s for one input) and broken invariants fail: the input is left
# in build/fuzz/artifacts/ and the exit status is non-zero.
set -u
cd "$(dirname "$0")/../.." || exit 2
top=$(pwd)
SECONDS_TO_RUN=${1:-60}
CC=${FUZZ_CC:-clang}
OUT=$top/build/fuzz
mkdir -p "$OUT/obj" "$OUT/corpus" "$OUT/artifacts"

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz: $CC not found (set FUZZ_CC)" >&2
	exit 2
fi
CFLAGS="-std=c11 -D_GNU_SOURCE -Icore -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
PKG_CFLAGS=$(pkg-config --cflags yaml-0.1 jansson 2>/dev/null)
PKG_LIBS=$(pkg-config --libs yaml-0.1 jansson 2>/dev/null || echo "-lyaml -ljansson")
# the loader, the validator, the cross-module checks and what they call
SRC="core/yamldoc.c core/manifest.c core/diag.c core/util.c core/secret.c core/spdx.c core/suggest.c core/cron.c
	core/semver.c core/registry.c core/check.c core/graph.c core/similar.c core/sha256.c"
objs=
for f in $SRC tests/fuzz/fuzz_manifest.c; do
	o=$OUT/obj/$(basename "$f" .c).o
	if [ ! -f "$o" ] || [ -n "$({ find "$f" -newer "$o"; find core -name '*.h' -newer "$o"; } 2>/dev/null | head -n 1)" ]; then
		# shellcheck disable=SC2086
		$CC $CFLAGS $PKG_CFLAGS -c "$f" -o "$o" || exit 2
	fi
	objs="$objs $o"
done
# shellcheck disable=SC2086
$CC $CFLAGS -o "$OUT/fuzz_manifest" $objs $PKG_LIBS -lm || exit 2

# seeds: the golden manifests (those setup.sh makes are skipped) and the example registry
for f in tests/golden/cases/*/registry/*/module.yaml registry/*/module.yaml; do
	[ -f "$f" ] || continue
	cp "$f" "$OUT/corpus/seed-$(echo "$f" | cksum | cut -d' ' -f1)"
done
# and each golden registry as one input, its manifests joined by form feeds (the harness
# splits them again into modules alpha, beta, gamma, delta for the cross-module checks)
for c in tests/golden/cases/*/; do
	seed=$OUT/corpus/seed-registry-$(basename "$c")
	: >"$seed"
	n=0
	for f in "$c"registry/*/module.yaml; do
		[ -f "$f" ] || continue
		[ "$n" -gt 0 ] && printf '\f' >>"$seed"
		cat "$f" >>"$seed"
		n=$((n + 1))
	done
	[ "$n" -gt 1 ] || rm -f "$seed"
done

echo "fuzz: running for $SECONDS_TO_RUN s"
# from inside $OUT, so that nothing libFuzzer writes lands in the tree
stamp=$OUT/.started
: >"$stamp"
# shellcheck disable=SC2086
(cd "$OUT" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
	./fuzz_manifest -max_total_time="$SECONDS_TO_RUN" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	-dict="$top/tests/fuzz/manifest.dict" -artifact_prefix=artifacts/ -print_final_stats=1 \
	${FUZZ_JOBS:+-fork=$FUZZ_JOBS} corpus) 2>"$OUT/fuzz.log"
rc=$?
tail -n 15 "$OUT/fuzz.log"
# a crash in a forked worker must fail the run too
found=$(find "$OUT/artifacts" -type f -newer "$stamp" 2>/dev/null | head -n 5)
if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
	[ -n "$found" ] && echo "fuzz: new artifacts: $found" >&2
	echo "fuzz: FAILED (exit $rc); see $OUT/fuzz.log and $OUT/artifacts/" >&2
	exit 1
fi
echo "fuzz: no crash in $SECONDS_TO_RUN s"
