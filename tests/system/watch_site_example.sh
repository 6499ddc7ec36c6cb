#!/bin/sh
# watch_site_example.sh — the daemon's incremental site is the site a cold build makes:
# on a copy of the example registry (every field, docs pages, schemas, statistics), after
# each kind of change — a README, a link to another module's docs page, a docs page
# edited and added, a version that breaks its dependants' ranges, a manifest broken and
# mended, statistics written, a second publisher of an event others subscribe to, a
# module with dependants removed — every page the daemon leaves equals `modreg build`'s
# (but while a manifest is broken: the daemon shows its last valid entry, a cold build
# cannot).
. "$(dirname "$0")/watch_lib.inc"

mkdir -p "$REG" "$STATS"
cp -R registry/. "$REG/"
SITE=1 start_watch
converge "start-up with the example registry"
site_matches "start-up"

printf '\nA paragraph added while the daemon runs, with a [link](docs/api.md).\n' >> "$REG/crm/README.md"
site_matches "a README edited in place"

printf '\nSee also [the CRM API](../crm/docs/api.md), a page of another module.\n' >> "$REG/billing/README.md"
site_matches "a README linking another module's docs page"
grep -q 'href="crm/api.html"' "$OUT/modules/billing.html" || fail "the link to crm's docs page is not rewritten to its page"
ok "a link to another module's docs page leads to that page"

sed -i 's/^# /# Edited: /' "$REG/crm/docs/api.md"
site_matches "a docs page edited (sed -i)"

printf '# Notes\n\nA new page, linking [the README](../README.md).\n' > "$REG/drive/docs/notes.md.tmp"
mv "$REG/drive/docs/notes.md.tmp" "$REG/drive/docs/notes.md"
site_matches "a docs page added"

sed -i 's/^version: 1.4.0$/version: 3.0.0/' "$REG/core-auth/module.yaml"
converge "a version that breaks the dependants' ranges"
site_matches "a version that breaks the dependants' ranges"

cp "$REG/crm/module.yaml" "$T/crm.yaml"
printf 'entities: [unclosed\n' >> "$REG/crm/module.yaml"
# (a cold build has no last valid entry to show: the pages are compared once it is mended)
quiet 1
grep -q 'yaml-syntax' "$OUT/modules/crm.html" || fail "the broken manifest's page does not show its error"
ok "the broken manifest's page shows its error"
cp "$T/crm.yaml" "$REG/crm/module.yaml"
site_matches "the manifest mended"

cat > "$STATS/crm.json.tmp" << 'JSON'
{ "collectedAt": "2026-11-21T09:00:00Z", "requests": 1200, "errors": 90, "averageResponseMs": 120,
  "entities": { "Customer": { "recordCount": 2, "lastUpdate": "2026-11-21T08:59:00Z", "errors": 0, "averageResponseMs": 95 },
                "Order": { "recordCount": 0, "lastUpdate": null } } }
JSON
mv "$STATS/crm.json.tmp" "$STATS/crm.json"
converge "statistics written"
grep -q 'recordCount\|Customer' "$OUT/api/ai/modules/crm/statistics.json" || fail "crm's statistics are not in its api file"
site_matches "statistics written"

# a second publisher of an event that others subscribe to: their pages list it too (their
# own entries do not change)
sed -i 's/^  publishes:$/  publishes:\n    - { name: order.created, entity: Appointment, description: Orders from bookings. }/' \
	"$REG/calendar/module.yaml"
converge "a second publisher of an event"
site_matches "a second publisher of an event"
grep -q 'href="calendar.html"' "$OUT/modules/billing.html" || fail "billing's page does not list calendar among the publishers"

rm -rf "$REG/notifications"
converge "a module with dependants removed"
site_matches "a module with dependants removed"

stop_watch
no_temp_files
echo "watch_site_example: $CHECKS checks passed"
