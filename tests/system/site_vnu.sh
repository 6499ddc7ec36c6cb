#!/bin/sh
# site_vnu.sh — every page `modreg build` writes is valid HTML5 for the Nu Html
# Checker (vnu-jar from tests/node, on the machine's Java): the example registry
# and the test registry full of hostile text (tests/data/site-registry).
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
MODREG=${MODREG:-build/modreg}
case "$MODREG" in /*) ;; *) MODREG=$ROOT/$MODREG ;; esac
VNU=$ROOT/tests/node/node_modules/vnu-jar/build/dist/vnu.jar
export SOURCE_DATE_EPOCH=1795000000
if [ ! -f "$VNU" ] || ! command -v java >/dev/null 2>&1; then
	echo "site_vnu: FAILED - needs java and $VNU (run: sh tests/setup.sh --all)"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
failed=0

"$MODREG" build -q --registry registry --out "$tmp/example" --stats "$tmp/no-stats" --repo-url https://git.example.org/r/edit/main/registry
"$MODREG" build -q --registry tests/data/site-registry --stats tests/data/site-stats --out "$tmp/hostile"
# past the grouping threshold: the grouped overview and the group pages (and a few modules)
sh bench/gen-registry.sh 320 "$tmp/bigreg" >/dev/null
"$MODREG" build -q --registry "$tmp/bigreg" --stats "$tmp/no-stats" --out "$tmp/bigsite"
mkdir -p "$tmp/grouped/graphs/registry" "$tmp/grouped/modules"
cp "$tmp/bigsite"/*.html "$tmp/grouped/"
cp "$tmp/bigsite"/graphs/registry/*.html "$tmp/grouped/graphs/registry/"
cp "$tmp/bigsite"/modules/mod-0000?.html "$tmp/grouped/modules/"
for site in example hostile grouped; do
	pages=$(find "$tmp/$site" -name '*.html' | wc -l | tr -d ' ')
	# --errors-only: warnings (such as the trailing slash cmark writes on <img />) are not failures
	if java -Xss8m -jar "$VNU" --errors-only --skip-non-html "$tmp/$site" >"$tmp/out" 2>&1; then
		echo "site_vnu: ok - the $pages pages of the $site site are valid HTML"
	else
		echo "site_vnu: FAILED - the $site site has invalid pages:"
		sed "s|$tmp/||g" "$tmp/out" | head -30
		failed=1
	fi
done
exit $failed
