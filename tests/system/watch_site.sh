#!/bin/sh
# watch_site.sh — the daemon builds the site at start-up and, after a change, rewrites
# the affected pages (one call to the generator per sync): the changed module's page,
# the index and the status page show the new state, an unrelated module's page is
# left alone, a new relationship reaches the registry graph and its target's page, a
# removed module's page goes.  context.json converges as everywhere.
. "$(dirname "$0")/watch_lib.inc"

mkmod lib 1.0.0
mkmod web 1.0.0 lib
mkmod cold 1.0.0
SITE=1 start_watch
converge "start-up with the site"
for f in index.html status.html modules/lib.html modules/web.html modules/cold.html; do
	[ -f "$OUT/$f" ] || fail "the site has no $f"
done
ok "the site is built at start-up"

cold_before=$(stat -c %Y.%i "$OUT/modules/cold.html")
sleep 1.1 # a rewrite would show in the modification time
sed -i 's/^version: 1.0.0/version: 4.2.0/' "$REG/lib/module.yaml"
converge "a version bump"
eventually "the module's page does not show the new version" grep -qs '4\.2\.0' "$OUT/modules/lib.html"
ok "the changed module's page is rewritten"
grep -q '4\.2\.0' "$OUT/index.html" || fail "the index page does not show the new version"
ok "the index page follows"
[ "$(stat -c %Y.%i "$OUT/modules/cold.html")" = "$cold_before" ] || fail "an unrelated module's page was rewritten"
ok "an unrelated module's page is left alone"
site_matches "a version bump"

# the registry graph follows a new relationship (it is built again only when a module's
# part in it changes: a version bump leaves it alone, this must not)
grep -q '<title>cold dependency lib' "$OUT/graphs/registry/all.svg" && fail "the graph has the edge before it exists"
mkmod cold 1.0.0 lib
converge "a relationship added"
eventually "the registry graph does not show the new relationship" grep -qs '<title>cold dependency lib' "$OUT/graphs/registry/all.svg"
ok "the registry graph shows a new relationship"
grep -q 'modules/cold.html' "$OUT/modules/lib.html" || fail "the target's page does not link the new dependant"
ok "the target's page lists the new dependant"
site_matches "a relationship added"

rm -rf "$REG/web"
converge "a module removed"
eventually "the removed module's page is still there" [ ! -f "$OUT/modules/web.html" ]
ok "the removed module's page is gone"
site_matches "a module removed"

stop_watch
no_temp_files
echo "watch_site: $CHECKS checks passed"
