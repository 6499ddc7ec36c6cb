#!/bin/sh
# bench/run.sh BUILD — the figures of SPEC §10 (`make bench`), each a median of several
# runs, with the ratio to its reference measured in the same run.
#   BENCH_DIR  keeps the generated registries between runs (default bench/out, git-ignored)
#   SIZES      registry sizes (default "1000 10000");  RUNS  repetitions (default 5)
# Timings on a shared machine are noisy: compare the ratios, not the milliseconds.
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build}
MODREG=$PWD/$BUILD/modreg
SIZES=${SIZES:-1000 10000}
RUNS=${RUNS:-5}
BENCH_DIR=${BENCH_DIR:-$PWD/bench/out}
export BENCH_DIR MODREG SOURCE_DATE_EPOCH=1795000000
mkdir -p "$BENCH_DIR"
T=$(mktemp -d "${TMPDIR:-/tmp}/modreg-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT

sh tests/setup.sh --bench
cc -O2 -o "$T/yamlparse" bench/yamlparse.c -lyaml

now() { date +%s.%N; }
# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# time_ms CMD... — wall milliseconds of one run
time_ms() {
	t0=$(now)
	"$@" > /dev/null 2>&1
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
}

echo "== cold modreg index vs libyaml alone (single thread), median of $RUNS"
printf '%-8s %14s %14s %8s\n' modules "modreg index" "libyaml parse" ratio
prev=
for n in $SIZES; do
	reg=$BENCH_DIR/reg-$n
	[ -f "$reg/.complete" ] || { rm -rf "$reg" && sh bench/gen-registry.sh "$n" "$reg" > /dev/null && : > "$reg/.complete"; }
	: > "$T/idx"
	: > "$T/ref"
	i=0
	while [ $i -lt "$RUNS" ]; do
		# a new, empty directory per run (a cold index), all deleted after the runs, so
		# that no run starts right after the deletion of the last run's 40,000 files
		time_ms "$MODREG" index --registry "$reg" --stats "$T/none" --out "$T/out-$n-$i" -q >> "$T/idx"
		time_ms "$T/yamlparse" "$reg" >> "$T/ref"
		i=$((i + 1))
	done
	rm -rf "$T"/out-*
	idx=$(median < "$T/idx")
	ref=$(median < "$T/ref")
	printf '%-8s %11s ms %11s ms %7.2fx\n' "$n" "$idx" "$ref" "$(awk -v a="$idx" -v b="$ref" 'BEGIN { print a / b }')"
	[ -n "$prev" ] && echo "         time at $n / time at $prev: $(awk -v a="$idx" -v b="$prevt" 'BEGIN { printf "%.1f", a / b }')"
	prev=$n
	prevt=$idx
done

if [ -f bench/latency.sh ]; then
	echo
	echo "== modreg watch: one change -> context.json replaced; peak memory"
	RUNS=${LATENCY_RUNS:-50} sh bench/latency.sh $SIZES
fi
if [ -f bench/build.sh ]; then
	echo
	echo "== modreg build vs Hugo; one change -> its pages rewritten"
	sh bench/build.sh "$SIZES"
fi
