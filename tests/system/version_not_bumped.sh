#!/bin/sh
# version-not-bumped is an event of a sync, not a diagnostic of the registry: a manifest
# that changed since the last sync while its version did not.  It must reach the sync's
# output (-v), status.json "events" — and nothing that describes the registry itself
# (context.json, `modreg validate`).
# Usage: MODREG=build/modreg sh tests/system/version_not_bumped.sh
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
MODREG=${MODREG:-$top/build/modreg}
case $MODREG in
/*) ;;
*) MODREG=$top/$MODREG ;;
esac
export SOURCE_DATE_EPOCH=1780000000

tmp=$(mktemp -d "${TMPDIR:-/tmp}/modreg-vnb.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
failed=0
check() { # check DESCRIPTION COMMAND...
	if "$@"; then
		echo "ok   $desc"
	else
		echo "FAIL $desc"
		failed=$((failed + 1))
	fi
}

manifest() { # manifest ID VERSION DESCRIPTION
	mkdir -p "$tmp/registry/$1"
	printf 'apiVersion: modreg/v1\nname: %s module\ndescription: %s\ntype: service\nversion: %s\nai:\n  purpose: Testing.\n' \
		"$1" "$3" "$2" >"$tmp/registry/$1/module.yaml"
	[ -f "$tmp/registry/$1/README.md" ] || echo "# $1" >"$tmp/registry/$1/README.md"
}

index() { # index OUTFILE: one sync with -v, stdout to OUTFILE
	(cd "$tmp" && "$MODREG" index -v --registry registry --out out --stats stats) >"$1" 2>"$tmp/index.err"
}

events_of() { # the "events" array of status.json, one line per event code
	grep -o '"code": "[a-z-]*"' "$tmp/out/status.json" | sed 's/"code": //; s/"//g'
}

manifest alpha 1.0.0 "The first module."
manifest beta 2.0.0 "The second module."

index "$tmp/sync1.out"
desc="first sync succeeds"
check test $? -eq 0
desc="first sync: status.json written"
check test -f "$tmp/out/status.json"
desc="first sync: no events (nothing existed before)"
check test -z "$(events_of)"

# change alpha without bumping its version, beta only in its README
manifest alpha 1.0.0 "The first module, described better."
echo "More documentation." >>"$tmp/registry/beta/README.md"
index "$tmp/sync2.out"
desc="second sync succeeds"
check test $? -eq 0
desc="second sync: -v prints version-not-bumped for alpha at its version line"
check grep -q '^registry/alpha/module.yaml:5:10: warning: alpha changed but its version is still 1.0.0 \[version-not-bumped\]$' "$tmp/sync2.out"
desc="second sync: status.json events hold exactly one version-not-bumped"
check test "$(events_of)" = version-not-bumped
desc="second sync: the event names alpha"
check grep -q '"module": "alpha"' "$tmp/out/status.json"
desc="second sync: beta (only its README changed) has no event"
check sh -c "! grep -q 'beta changed' '$tmp/out/status.json' '$tmp/sync2.out'"
desc="context.json does not carry the event"
check sh -c "! grep -q version-not-bumped '$tmp/out/context.json'"
desc="modreg validate does not report it"
check sh -c "cd '$tmp' && '$MODREG' validate --registry registry --stats stats 2>/dev/null | grep -q version-not-bumped; test \$? -ne 0"

# nothing changed: no event again
index "$tmp/sync3.out"
desc="unchanged sync: no events"
check test -z "$(events_of)"

# a change with a bumped version is fine
manifest alpha 1.0.1 "The first module, described even better."
index "$tmp/sync4.out"
desc="bumped version: no event"
check test -z "$(events_of)"
desc="bumped version: nothing printed about it"
check sh -c "! grep -q version-not-bumped '$tmp/sync4.out'"

# the other module, changed without a bump
manifest beta 2.0.0 "The second module, changed without a bump."
index "$tmp/sync5.out"
desc="beta changed without a bump: event for beta"
check grep -q '"module": "beta"' "$tmp/out/status.json"

echo
if [ "$failed" -ne 0 ]; then
	echo "version_not_bumped: $failed check(s) failed"
	echo "--- last index output:"
	cat "$tmp/sync5.out" "$tmp/index.err"
	exit 1
fi
echo "version_not_bumped: all checks passed"
