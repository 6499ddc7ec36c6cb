#!/bin/sh
# latency.sh [N...] — the watcher's figures of SPEC §10 on synthetic registries of N
# modules (default: 1000 10000): a cold `modreg index` (the reference), then with
# `modreg watch` running: save one manifest (a version bump) RUNS times, one save at a
# time (each once the watcher has logged the previous one's sync) — a bump that keeps the
# module's entry as long as it was, then RUNS that change its length — and replace one
# statistics file RUNS times (no manifest changes: no cross-module analysis), each time
# measuring until context.json is replaced; median and p99; and
# the watcher's peak memory (VmHWM) against the manifests' total size; then (SITE=1, the
# default) with the site: save one manifest RUNS times, each time until the module's page
# is replaced, against a cold `modreg build`.
#   MODREG=build/modreg RUNS=50 BENCH_DIR=/tmp/modreg-bench sh bench/latency.sh 1000 10000
# BENCH_DIR keeps the generated registries between runs (generating 10,000 takes a while).
set -eu
cd "$(dirname "$0")/.."
MODREG=${MODREG:-build/modreg}
case $MODREG in /*) ;; *) MODREG=$PWD/$MODREG ;; esac
RUNS=${RUNS:-50}
SIZES=${*:-1000 10000}
BENCH_DIR=${BENCH_DIR:-}
T=$(mktemp -d "${TMPDIR:-/tmp}/modreg-latency.XXXXXX")
WPID=
cleanup() {
	[ -n "$WPID" ] && kill -TERM "$WPID" 2> /dev/null && wait "$WPID" 2> /dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 2' INT TERM
export SOURCE_DATE_EPOCH=1795000000

cc -O2 -o "$T/latency" bench/latency.c

# start_watch LOG ARGS... — modreg watch in the background (WPID), once it watches
start_watch() {
	log=$1
	shift
	"$MODREG" watch "$@" --resync 0 2> "$log" &
	WPID=$!
	until grep -q 'modreg: watching' "$log"; do
		kill -0 "$WPID" || { cat "$log"; exit 1; }
		sleep 0.2
	done
}
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }
# stats FILE — "median p99" of one number per line
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		p = int(NR * 0.99 + 0.999999); if (p > NR) p = NR
		printf "%.1f %.1f", m, v[p] }'
}

printf '%-8s %12s %14s %14s %14s %14s %10s %10s %8s\n' modules "cold index" "save p50" "save p99" "stats p50" "stats p99" "peak RSS" manifests ratio
for n in $SIZES; do
	if [ -n "$BENCH_DIR" ]; then
		reg=$BENCH_DIR/reg-$n
		[ -f "$reg/.complete" ] || { rm -rf "$reg" && sh bench/gen-registry.sh "$n" "$reg" && : > "$reg/.complete"; }
	else
		reg=$T/reg-$n
		sh bench/gen-registry.sh "$n" "$reg"
	fi
	out=$T/out-$n
	rm -rf "$out"
	# the reference: one cold index (its file cache warm: the watcher's start-up reads the same),
	# into a directory of its own (see bench/run.sh on deleting outputs)
	"$MODREG" index --registry "$reg" --out "$T/warm-$n" --stats "$T/no-stats" -q > /dev/null
	t0=$(date +%s.%N)
	"$MODREG" index --registry "$reg" --out "$T/cold-$n" --stats "$T/no-stats" -q > /dev/null
	cold=$(ms "$t0" "$(date +%s.%N)")

	mkdir -p "$T/no-site"
	mkdir -p "$T/stats-$n"
	start_watch "$T/watch-$n.log" --registry "$reg" --out "$out" --stats "$T/stats-$n" --templates "$T/no-site"
	mod=$(printf 'mod-%05d' $((n / 2)))
	"$T/latency" "$out" "$reg/$mod/module.yaml" "$RUNS" version context.json "$T/watch-$n.log" > "$T/save-$n"
	"$T/latency" "$out" "$reg/$mod/module.yaml" "$RUNS" resize context.json "$T/watch-$n.log" > "$T/resize-$n"
	"$T/latency" "$out" "$T/stats-$n/$mod.json" "$RUNS" stats context.json "$T/watch-$n.log" > "$T/stats-$n.ms"
	hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$WPID/status")
	kill -TERM "$WPID"
	wait "$WPID" || true
	WPID=
	# the saves restored the original files: context.json must equal a fresh index again
	"$MODREG" index --registry "$reg" --out "$T/check-$n" --stats "$T/stats-$n" -q > /dev/null
	cmp -s "$T/check-$n/context.json" "$out/context.json" || echo "WARNING: the watcher's context.json differs from a fresh index"
	rm -rf "$T/check-$n" "$out" "$T/warm-$n" "$T/cold-$n"
	bytes=$(cat "$reg"/*/module.yaml | wc -c)
	set -- $(stats "$T/save-$n") $(stats "$T/stats-$n.ms")
	printf '%-8s %9s ms %11s ms %11s ms %11s ms %11s ms %7s MB %7s MB %7.1fx\n' "$n" "$cold" "$1" "$2" "$3" "$4" \
		$((hwm / 1024)) $((bytes / 1048576)) "$(awk -v h="$hwm" -v b="$bytes" 'BEGIN { print h * 1024 / b }')"
	echo "         ratio to the cold index: save p99 = 1/$(awk -v c="$cold" -v p="$2" 'BEGIN { printf "%.0f", c / p }')"
	set -- $(stats "$T/resize-$n")
	echo "         a save that changes the entry's length (what follows it moves): p50 $1 ms, p99 $2 ms"
done

# The site: one change -> the module's page rewritten by the watcher, against a cold build.
[ "${SITE:-1}" = 1 ] || exit 0
echo
printf '%-8s %12s %14s %14s %10s %10s\n' modules "cold build" "page p50" "page p99" ratio "peak RSS"
for n in $SIZES; do
	if [ -n "$BENCH_DIR" ]; then reg=$BENCH_DIR/reg-$n; else reg=$T/reg-$n; fi
	t0=$(date +%s.%N)
	"$MODREG" build --registry "$reg" --out "$T/build-$n" --stats "$T/no-stats" -q > /dev/null
	coldb=$(ms "$t0" "$(date +%s.%N)")
	out=$T/site-$n
	start_watch "$T/watch-site-$n.log" --registry "$reg" --out "$out" --stats "$T/stats-$n"
	mod=$(printf 'mod-%05d' $((n / 2)))
	"$T/latency" "$out/modules" "$reg/$mod/module.yaml" "$RUNS" version "$mod.html" "$T/watch-site-$n.log" > "$T/page-$n"
	hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$WPID/status")
	kill -TERM "$WPID"
	wait "$WPID" || true
	WPID=
	rm -rf "$out" "$T/build-$n"
	set -- $(stats "$T/page-$n")
	printf '%-8s %9s ms %11s ms %11s ms %10s %7s MB\n' "$n" "$coldb" "$1" "$2" \
		"1/$(awk -v c="$coldb" -v p="$2" 'BEGIN { printf "%.0f", c / p }')" $((hwm / 1024))
done
