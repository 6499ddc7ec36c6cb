#!/bin/sh
# build.sh — SPEC §10's site figure: a cold `modreg build` of synthetic registries of
# 1,000 and 10,000 modules (bench/gen-registry.sh: manifests and 2-6 KB READMEs),
# against Hugo rendering the same READMEs as pages, in the same run.  Each figure is
# the median of RUNS runs (default 3); the table gives the ratio (target ≤ 0.5 at
# 10,000) and how the build splits into the index and the site.
#
# Usage: bench/build.sh [SIZES]      e.g. bench/build.sh "1000 10000" (the default)
# Environment: MODREG (default build/modreg), RUNS, BENCH_DIR (keep generated
# registries there between runs; default: a temporary directory removed at the end).
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
MODREG=${MODREG:-build/modreg}
case "$MODREG" in /*) ;; *) MODREG=$ROOT/$MODREG ;; esac
SIZES=${1:-"1000 10000"}
RUNS=${RUNS:-3}
export SOURCE_DATE_EPOCH=1795000000
if [ -n "${BENCH_DIR:-}" ]; then
	work=$BENCH_DIR
	mkdir -p "$work"
	keep=1
else
	work=$(mktemp -d)
	keep=0
fi
trap '[ "$keep" = 1 ] || rm -rf "$work"; rm -rf "$work"/out-* "$work"/hugo-*/public* "$work"/hugo-*/resources' EXIT
trap 'exit 1' INT TERM

now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
have_hugo=1
command -v hugo >/dev/null 2>&1 || have_hugo=0

# Hugo's site: each README as a page (the module id as its title), minimal layouts
hugo_site() { # registry dir
	reg=$1 dir=$2
	[ -f "$dir/.done" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir/content/modules" "$dir/layouts/_default"
	cat >"$dir/config.toml" <<-'EOF'
	baseURL = "/"
	title = "modreg bench"
	disableKinds = ["taxonomy", "term", "RSS", "sitemap"]
	EOF
	printf '<!DOCTYPE html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><main>{{ .Content }}</main></body></html>\n' >"$dir/layouts/_default/single.html"
	printf '<!DOCTYPE html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></body></html>\n' >"$dir/layouts/_default/list.html"
	for d in "$reg"/*/; do
		id=$(basename "$d")
		[ -f "$d/README.md" ] || continue
		{ printf -- '---\ntitle: "%s"\n---\n' "$id"; cat "$d/README.md"; } >"$dir/content/modules/$id.md"
	done
	touch "$dir/.done"
}

results=""
for n in $SIZES; do
	reg=$work/registry-$n
	if [ ! -f "$reg/.done" ]; then
		echo "generating $n modules..." >&2
		rm -rf "$reg"
		sh bench/gen-registry.sh "$n" "$reg" >/dev/null
		touch "$reg/.done"
	fi
	: >"$work/t-build" && : >"$work/t-index" && : >"$work/t-site" && : >"$work/t-warm" && : >"$work/t-hugo"
	for r in $(seq "$RUNS"); do
		out=$work/out-$n-$r # a new directory per run, deleted after the runs (see bench/run.sh)
		sync
		t0=$(now)
		"$MODREG" build --registry "$reg" --stats "$work/no-stats" --out "$out" >"$work/log"
		t1=$(now)
		awk -v a="$t1" -v b="$t0" 'BEGIN { print a - b }' >>"$work/t-build"
		sed -n 's/^indexed .*(\([0-9]*\) ms)$/\1/p' "$work/log" | awk '{ print $1 / 1000 }' >>"$work/t-index"
		sed -n 's/^built the site .*(\([0-9]*\) ms)$/\1/p' "$work/log" | awk '{ print $1 / 1000 }' >>"$work/t-site"
		# the same build again: nothing changed, nothing is laid out or written again
		t0=$(now)
		"$MODREG" build -q --registry "$reg" --stats "$work/no-stats" --out "$out"
		t1=$(now)
		awk -v a="$t1" -v b="$t0" 'BEGIN { print a - b }' >>"$work/t-warm"
		if [ "$have_hugo" = 1 ]; then
			hs=$work/hugo-$n
			hugo_site "$reg" "$hs"
			rm -rf "$hs/resources"
			sync
			t0=$(now)
			(cd "$hs" && hugo --quiet --destination "public-$r" >/dev/null) # a new directory, as for modreg
			t1=$(now)
			awk -v a="$t1" -v b="$t0" 'BEGIN { print a - b }' >>"$work/t-hugo"
		fi
		echo "  $n modules, run $r of $RUNS done" >&2
	done
	rm -rf "$work"/out-"$n"-* "$work/hugo-$n"/public*
	b=$(median <"$work/t-build") i=$(median <"$work/t-index") s=$(median <"$work/t-site") w=$(median <"$work/t-warm")
	if [ "$have_hugo" = 1 ]; then
		h=$(median <"$work/t-hugo")
		ratio=$(awk -v a="$b" -v b="$h" 'BEGIN { print a / b }')
	else
		h="" ratio=""
	fi
	results="$results$n $b $i $s $w $h $ratio
"
done

echo
echo "cold modreg build vs Hugo on the same READMEs (median of $RUNS runs, $(nproc) CPUs)"
printf '%-8s %10s %10s %10s %12s %10s %8s\n' modules build index site "rebuild" hugo ratio
printf '%s' "$results" | while read -r n b i s w h ratio; do
	[ -n "$n" ] || continue
	if [ -n "$h" ]; then
		printf '%-8s %9.2fs %9.2fs %9.2fs %11.2fs %9.2fs %8.2f\n' "$n" "$b" "$i" "$s" "$w" "$h" "$ratio"
	else
		printf '%-8s %9.2fs %9.2fs %9.2fs %11.2fs %10s %8s\n' "$n" "$b" "$i" "$s" "$w" "-" "-"
	fi
done
[ "$have_hugo" = 1 ] || echo "(hugo is not installed: apt-get install hugo for the reference)"
echo "target: build/hugo <= 0.5 at 10,000 modules; index = the sync inside the build, site = the pages"
