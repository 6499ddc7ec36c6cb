#!/bin/sh
# query.sh — `modreg query` and `modreg new` from the command line, on a copy of the
# example registry: the answers and exit statuses of SPEC §7 (0 found, 1 nothing found,
# 2 failure), JSON for machines, where the answers come from (context.json when it
# exists, else the registry indexed in memory), and the scaffold of `modreg new`
# (valid as written, every section shown, similar modules shown first, ids refused).
set -eu
. "$(dirname "$0")/test_lib.inc"

cp -R registry "$tmp/registry"
REG=$tmp/registry
OUT=$tmp/site # no context.json: answers come from the registry
nmod=$(find "$REG" -mindepth 1 -maxdepth 1 -type d | wc -l | tr -d ' ')

# run modreg with the test registry; sets rc, leaves stdout in $tmp/out and stderr in $tmp/err
run() {
	rc=0
	(cd "$tmp" && "$MODREG" "$@" --registry "$REG" --out "$OUT") >"$tmp/out" 2>"$tmp/err" || rc=$?
}

expect_rc() { # want description
	if [ "$rc" = "$1" ]; then ok "$2 (exit $rc)"
	else bad "$2: exit $rc, want $1"; sed 's/^/    /' "$tmp/out" "$tmp/err" | head -20; fi
}

has() { # pattern description
	if grep -q -e "$1" "$tmp/out"; then ok "$2"
	else bad "$2: no '$1' in"; sed 's/^/    /' "$tmp/out" | head -20; fi
}

# a JavaScript expression over the JSON on stdout (as `j`) must be true
json() { # expression description
	if node -e "const j = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')); if (!($1)) process.exit(1)" "$tmp/out" 2>"$tmp/jserr"; then
		ok "$2"
	else
		bad "$2: ($1) is false for"; head -c 600 "$tmp/out" | sed 's/^/    /'; cat "$tmp/jserr"
	fi
}

# ---- list
run query list
expect_rc 0 "query list"
has "^crm  " "query list shows crm"
has "^$nmod modules$" "query list counts $nmod modules"
run query list --json
expect_rc 0 "query list --json"
json "j.count === $nmod && j.modules.length === $nmod && j.modules[0].id < j.modules[1].id" "query list --json: every module, in id order"
run query list status=deprecated --format json
json "j.count >= 1 && j.modules.every(m => m.status === 'deprecated')" "query list status=deprecated"
run query list type=crud customer --json
json "j.modules.some(m => m.id === 'crm') && j.modules.every(m => m.type === 'crud')" "query list type=crud customer"
run query list type=no-such-type
expect_rc 1 "query list with nothing matching"
has "no module matches" "says so"

# ---- show
run query show crm
expect_rc 0 "query show crm"
has "^crm — " "show: heading"
has "^entities: .*Customer" "show: entities"
has "^endpoints (" "show: endpoints"
run query show crm --json
json "j.id === 'crm' && Array.isArray(j.api.routes) && j.relationships.incoming !== undefined" "query show --json is the module of context.json"
run query show no-such-module
expect_rc 1 "query show of an unknown module"
run query show no-such-module --json
json "j.error && j.id === 'no-such-module'" "query show --json of an unknown module"
run query show
expect_rc 2 "query show without an id"

# ---- deps / rdeps
run query deps crm
expect_rc 0 "query deps crm"
has "core-auth" "crm relies on core-auth"
run query rdeps core-auth --transitive --json
expect_rc 0 "query rdeps core-auth --transitive"
json "j.direction === 'incoming' && j.transitive && j.modules.some(m => m.id === 'crm') && j.modules.every(m => m.depth >= 1)" "rdeps --transitive: crm is affected by core-auth"
run query rdeps core-auth --json
direct=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$tmp/out','utf8')).count)")
run query rdeps core-auth --transitive --json
json "j.count >= $direct" "the transitive closure holds the direct dependents"
run query deps core-auth --direction incoming --json
json "j.direction === 'incoming' && j.count === $direct" "deps --direction incoming is rdeps"
# a module nothing depends on
run query list --json
root=$(node -e "
const ctx = JSON.parse(require('fs').readFileSync('$tmp/out','utf8'));
console.log(ctx.modules.map(m => m.id).find(id => id === 'admin-console') || '')")
if [ -n "$root" ]; then
	run query rdeps "$root"
	expect_rc 1 "query rdeps of a module nothing depends on ($root)"
fi
run query deps no-such-module
expect_rc 1 "query deps of an unknown module"
run query deps crm --direction sideways
expect_rc 2 "query deps --direction sideways"

# ---- search
run query search customer orders
expect_rc 0 "query search customer orders"
if head -1 "$tmp/out" | grep -q "^crm "; then ok "search: crm ranks first for 'customer orders'"
else bad "search: first line is $(head -1 "$tmp/out")"; fi
run query search virtual machines --json
json "j.modules[0].id === 'vmware-vcenter' && j.modules[0].matched.includes('entities')" "search --json: vmware-vcenter for 'virtual machines'"
run query search zzzqqq
expect_rc 1 "query search with no match"
run query search
expect_rc 2 "query search without text"

# ---- similar
run query similar --manifest "$ROOT/tests/data/similarity/dup-crm-customer-hub.yaml"
expect_rc 0 "query similar --manifest (a near-duplicate of crm)"
if head -1 "$tmp/out" | grep -q "^crm .*possible duplicate.*both manage Customer"; then ok "similar: crm first, a possible duplicate, with reasons"
else bad "similar: first line is $(head -1 "$tmp/out")"; fi
run query similar --manifest "$ROOT/tests/data/similarity/dup-billing-payments.json" --json
json "j.modules[0].id === 'billing' && j.modules[0].possibleDuplicate && j.threshold > 0" "similar --manifest with a JSON proposal"
run query similar --manifest "$ROOT/tests/data/similarity/new-fleet.json"
expect_rc 1 "query similar for a genuinely new module"
run query similar --manifest "$REG/crm/module.yaml" --json
json "!j.modules.some(m => m.id === 'crm')" "similar of a registry manifest leaves the module itself out"
run query similar crm
if [ "$rc" = 0 ] || [ "$rc" = 1 ]; then ok "query similar ID (exit $rc)"; else bad "query similar crm: exit $rc"; fi
run query similar no-such-module
expect_rc 1 "query similar of an unknown module"
run query similar --manifest "$tmp/missing.yaml"
expect_rc 2 "query similar --manifest of a missing file"
printf 'a: [\n' >"$tmp/broken.yaml"
run query similar --manifest "$tmp/broken.yaml"
expect_rc 2 "query similar --manifest of broken YAML"
run query similar
expect_rc 2 "query similar without id or manifest"

# ---- usage
run query
expect_rc 2 "query without a subcommand"
run query frobnicate
expect_rc 2 "query with an unknown subcommand"

# ---- where the answers come from
"$MODREG" index -q --registry "$REG" --out "$tmp/indexed"
OUT=$tmp/indexed
run query list --json
json "j.count === $nmod" "answers from an existing context.json"
node -e "
const fs = require('fs'), p = '$tmp/indexed/context.json';
const c = JSON.parse(fs.readFileSync(p, 'utf8'));
c.modules = c.modules.filter(m => m.id !== 'crm');
fs.writeFileSync(p, JSON.stringify(c));"
run query show crm
expect_rc 1 "context.json is what is read when it exists (crm removed from it)"
printf '{broken' >"$tmp/indexed/context.json"
run query list
expect_rc 2 "a broken context.json is a failure"
OUT=$tmp/site
rc2=0
(cd "$tmp" && "$MODREG" query list --registry "$tmp/no-such-registry" --out "$tmp/site") >/dev/null 2>&1 || rc2=$?
if [ "$rc2" = 2 ]; then ok "no context.json and no registry is a failure (exit 2)"; else bad "no registry: exit $rc2"; fi

# ---- new
run new customer-hub
expect_rc 0 "new customer-hub"
crm_line=$(grep -n "^crm " "$tmp/out" | head -1 | cut -d: -f1)
created_line=$(grep -n "^created " "$tmp/out" | head -1 | cut -d: -f1)
if [ -n "$crm_line" ] && [ -n "$created_line" ] && [ "$crm_line" -lt "$created_line" ]; then
	ok "new: similar modules (crm) are shown before the scaffold is written"
else bad "new: output was:"; sed 's/^/    /' "$tmp/out"; fi
y=$REG/customer-hub/module.yaml
if [ -f "$y" ] && [ -f "$REG/customer-hub/README.md" ]; then ok "new writes module.yaml and README.md"; else bad "new: files missing"; fi
if head -1 "$y" | grep -q '^# yaml-language-server: \$schema=../../schema/module.schema.json$'; then ok "the schema modeline comes first"
else bad "modeline: $(head -1 "$y")"; fi
missing=""
for k in apiVersion id name description type version status owner tags created entities api capabilities actions \
	jobs events ui relationships config permissions requires ai health; do
	grep -q "^$k:" "$y" || missing="$missing $k"
done
for k in license links x-; do grep -q "^# $k" "$y" || missing="$missing #$k"; done
if [ -z "$missing" ]; then ok "every section of the manifest is shown"; else bad "sections missing:$missing"; fi
rc=0
"$MODREG" validate --registry "$REG" "$REG/customer-hub" >"$tmp/out" 2>"$tmp/err" || rc=$?
if [ "$rc" = 0 ] && ! grep -q "error" "$tmp/out"; then ok "the scaffold passes modreg validate"
else bad "modreg validate of the scaffold: exit $rc"; cat "$tmp/out" "$tmp/err"; fi
rc=0
"$MODREG" validate --registry "$REG" >"$tmp/out" 2>"$tmp/err" || rc=$?
expect_rc 0 "the whole registry stays valid with the new module"
run new customer-hub
expect_rc 1 "new of an existing id"
run new crm
expect_rc 1 "new of an id of the example registry"
refused=1
for id in Bad_Id 1abc a--b a- "$(printf 'a%.0s' $(seq 1 64))"; do
	run new "$id"
	if [ "$rc" != 1 ] || [ -e "$REG/$id" ]; then bad "new '$id': exit $rc, want 1 and nothing created"; refused=0; fi
done
[ "$refused" = 1 ] && ok "new refuses invalid ids (upper case, leading digit, empty word, trailing dash, 64 bytes)"
run new
expect_rc 2 "new without an id"
run new video-meetings "Video calls in virtual meeting rooms, with screen sharing and recordings"
expect_rc 0 "new with a description"
if grep -q 'description: "Video calls in virtual meeting rooms' "$REG/video-meetings/module.yaml"; then ok "the description goes into the manifest"
else bad "description not in the scaffold"; fi
rc=0
(cd "$tmp" && "$MODREG" new fresh-reg --registry "$tmp/new-registry") >/dev/null 2>&1 || rc=$?
if [ "$rc" = 0 ] && [ -f "$tmp/new-registry/fresh-reg/module.yaml" ]; then ok "new creates the registry directory when there is none"
else bad "new in an empty place: exit $rc"; fi

exit $failed
