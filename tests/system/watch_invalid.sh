#!/bin/sh
# watch_invalid.sh — an invalid manifest affects only its own module, which keeps its
# last valid entry (valid: false, stale: true) until it is fixed; a manifest that was
# never valid shows only its diagnostics.  Then statistics files: written, rewritten,
# garbage, deleted, orphaned, and a statistics directory that appears after start-up.
. "$(dirname "$0")/watch_lib.inc"

mkmod base 1.0.0
mkmod user 1.0.0 base
mkmod other 2.0.0
start_watch
converge "start-up"

# -- invalid manifests --
cp "$REG/base/module.yaml" "$T/base.good"
printf 'apiVersion: modreg/v1\nname: [broken\n' > "$REG/base/module.yaml"
eventually "base did not become a stale entry" grep -q '"stale": true' "$OUT/context.json"
ok "an invalid manifest makes a stale entry"
grep -q '"version": "1.0.0"' "$OUT/context.json" || fail "the stale entry lost its last valid content"
grep -q 'yaml-syntax' "$OUT/context.json" || fail "the stale entry does not carry the syntax error"
grep -q '"valid": false' "$OUT/context.json" || fail "the stale entry is not marked invalid"
ok "it keeps its last valid version and shows the error"
[ "$(count "$OUT/status.json" invalid)" = 1 ] || fail "status.json does not count one invalid module"
grep -q '"action":"invalid"' "$OUT/sync.log" || fail "sync.log has no 'invalid' line"
ok "status.json and sync.log say so"
# the module that depends on it is not disturbed
grep -q '"user/module.yaml"' "$OUT/context.json" || fail "user's entry is gone"
# the daemon's output is a fixed point: index with it as the previous context.json agrees
rm -rf "$FRESH" && mkdir -p "$FRESH" && cp "$OUT/context.json" "$FRESH/"
"$MODREG" index --registry "$REG" --out "$FRESH" --stats "$STATS" -q > /dev/null 2>&1
cmp -s "$FRESH/context.json" "$OUT/context.json" || fail "index with the daemon's last output as previous disagrees"
ok "index from the daemon's output reproduces it (last known good is deterministic)"

# another bad edit on top: still the same last valid content
printf 'apiVersion: modreg/v1\nname: Base\ndescripton: typo\ntype: service\nversion: 1.0.1\n' > "$REG/base/module.yaml"
sleep 0.5
grep -q 'unknown-key' "$OUT/context.json" || { sleep 2; grep -q 'unknown-key' "$OUT/context.json"; } || fail "the new error is not shown"
grep -q '"stale": true' "$OUT/context.json" || fail "not stale any more"
ok "a second invalid version keeps the first valid content"

cp "$T/base.good" "$REG/base/module.yaml"
sed -i 's/^version: 1.0.0/version: 1.0.2/' "$REG/base/module.yaml"
converge "fixed"
grep -q '"stale": true' "$OUT/context.json" && fail "still stale after the fix"
ok "fixed: no stale entry"

# a module that was never valid
mkdir -p "$REG/never"
printf 'name: no api version\n' > "$REG/never/module.yaml"
sleep 0.5
eventually "the never-valid module does not appear" grep -q '"never/module.yaml"' "$OUT/context.json"
converge "a never-valid module (no previous entry: same as a fresh index)"
mkmod never 0.1.0
converge "the never-valid module fixed"

# -- statistics --
mkdir -p "$STATS"
cat > "$STATS/base.json" << 'EOF'
{ "collectedAt": "2026-11-21T09:00:00Z", "requests": 1000, "errors": 2, "averageResponseMs": 80,
  "entities": { "Thing": { "recordCount": 5, "lastUpdate": "2026-11-21T08:00:00Z" } } }
EOF
converge "statistics directory created, a statistics file written"
grep -q '"requests": 1000' "$OUT/context.json" || fail "the statistics are not in context.json"
printf '{ "collectedAt": "2026-11-21T09:00:00Z", "requests": 1000, "errors": 900 }\n' > "$STATS/base.json.tmp"
mv "$STATS/base.json.tmp" "$STATS/base.json"
converge "statistics replaced atomically (error rate too high)"
grep -q 'exceeds the limit' "$OUT/context.json" || fail "health does not reflect the error rate"
ok "health follows the statistics"
printf 'not json {{{' > "$STATS/base.json"
converge "garbage statistics"
grep -q 'bad-stats' "$OUT/context.json" || fail "no bad-stats warning"
printf '{ "collectedAt": "2020-01-01T00:00:00Z", "requests": 10, "errors": 0 }\n' > "$STATS/other.json"
converge "stale statistics for another module"
printf '{}\n' > "$STATS/ghost.json"
converge "statistics of a module that does not exist (orphaned)"
grep -q 'orphaned-stats' "$OUT/context.json" || fail "no orphaned-stats warning"
rm "$STATS/base.json" "$STATS/ghost.json"
converge "statistics deleted"
rm -rf "$STATS"
converge "statistics directory deleted"
mkdir -p "$STATS"
printf '{ "collectedAt": "2026-11-20T09:00:00Z", "requests": 5, "errors": 0 }\n' > "$STATS/user.json"
converge "statistics directory created again"

stop_watch
no_temp_files
echo "watch_invalid: $CHECKS checks passed"
