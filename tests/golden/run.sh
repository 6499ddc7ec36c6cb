#!/bin/sh
# Golden tests of `modreg validate`: every directory under tests/golden/cases/ is a
# small registry (registry/) with the exact expected output of
#     cd CASE && modreg validate --registry registry [--format json]
# in expected.txt (stdout only), expected.json and expected.rc.
#
# Usage: tests/golden/run.sh [MODREG]      (default $MODREG, else build/modreg)
#        UPDATE=1 tests/golden/run.sh ...  rewrites the expected files, for review
#
# Each case runs in a fresh copy under a temporary directory, so nothing in the tree
# changes.  A case may hold:
#   setup.sh      run first, inside the copy, to create what git cannot hold or should
#                 not (FIFOs, links out of the registry, names with newlines, big files,
#                 credentials); exit status 77 skips the case, with its message.
#   run-as-nobody the case needs a file its reader cannot read: as root, modreg runs as
#                 uid 65534 through setpriv(1); skipped when that is impossible.
#   secrets.txt   (or written by setup.sh into the copy) strings, one a line, that must
#                 appear in no output at all: stdout, stderr, text or JSON.
# Every code of the diagnostic table (core/diag.c) must appear in some expected.txt
# and expected.json, except version-not-bumped (a sync event, tests/system/).
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
MODREG=${1:-${MODREG:-$top/build/modreg}}
case $MODREG in
/*) ;;
*) MODREG=$(pwd)/$MODREG ;;
esac
if [ ! -x "$MODREG" ]; then
	echo "golden: no modreg binary at $MODREG" >&2
	exit 2
fi
UPDATE=${UPDATE:-0}
# messages hold strerror() texts: keep them in English whatever the caller's locale
LC_ALL=C
export LC_ALL
# a hang is a failure, not a stuck CI job (ASan builds are slower: be generous)
LIMIT=${GOLDEN_TIMEOUT:-30}
if command -v timeout >/dev/null 2>&1; then
	TIMEOUT="timeout $LIMIT"
else
	TIMEOUT=
fi

# cases run as nobody must be able to read their copies
umask 022
tmp=$(mktemp -d "${TMPDIR:-/tmp}/modreg-golden.XXXXXX") || exit 2
cleanup() {
	chmod -R u+rwX "$tmp" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# a case run as nobody must be able to reach its copy
chmod 755 "$tmp"

# How to run modreg as an unprivileged user, when we are root: "" if not needed,
# "none" if impossible.
nobody_runner() {
	if [ "$(id -u)" != 0 ]; then
		echo ""
	elif command -v setpriv >/dev/null 2>&1 &&
		setpriv --reuid=65534 --regid=65534 --clear-groups "$MODREG" --version >/dev/null 2>&1; then
		echo "setpriv --reuid=65534 --regid=65534 --clear-groups"
	else
		echo none
	fi
}

passed=0
failed=0
skipped=0
failures=

fail() {
	failed=$((failed + 1))
	failures="$failures $1"
	echo "FAIL $1: $2"
}

for dir in "$here"/cases/*/; do
	[ -d "$dir" ] || continue
	name=$(basename "$dir")
	work=$tmp/$name
	cp -R "$dir" "$work"
	rm -f "$work/expected.txt" "$work/expected.json" "$work/expected.rc"
	if [ -f "$work/setup.sh" ]; then
		(cd "$work" && sh ./setup.sh) >"$tmp/setup.out" 2>&1
		rc=$?
		if [ "$rc" -eq 77 ]; then
			skipped=$((skipped + 1))
			echo "skip $name: $(tail -n 1 "$tmp/setup.out")"
			continue
		elif [ "$rc" -ne 0 ]; then
			fail "$name" "setup.sh failed ($rc): $(tail -n 3 "$tmp/setup.out")"
			continue
		fi
	fi
	runner=
	if [ -f "$work/run-as-nobody" ]; then
		runner=$(nobody_runner)
		if [ "$runner" = none ]; then
			skipped=$((skipped + 1))
			echo "skip $name: running as root and cannot switch to an unprivileged user (setpriv)"
			continue
		fi
	fi
	# setup.sh may have made files its reader must not read; the outputs stay ours.
	# $TIMEOUT and $runner are command prefixes: split on purpose
	# shellcheck disable=SC2086
	(cd "$work" && $TIMEOUT $runner "$MODREG" validate --registry registry \
		>"$tmp/out.txt" 2>"$tmp/err.txt")
	rc_text=$?
	# shellcheck disable=SC2086
	(cd "$work" && $TIMEOUT $runner "$MODREG" validate --registry registry --format json \
		>"$tmp/out.json" 2>"$tmp/err.json")
	rc_json=$?

	if [ "$UPDATE" = 1 ]; then
		cp "$tmp/out.txt" "$dir/expected.txt"
		cp "$tmp/out.json" "$dir/expected.json"
		echo "$rc_text" >"$dir/expected.rc"
	fi

	problem=
	if [ "$rc_text" -ge 124 ] || [ "$rc_json" -ge 124 ]; then
		problem="modreg crashed or hung (exit $rc_text/$rc_json): $(head -c 300 "$tmp/err.txt")"
	elif grep -E -q 'Sanitizer|runtime error:' "$tmp/err.txt" "$tmp/err.json"; then
		# ASan exits 1 by default, the same as "errors found": its report is the tell
		problem="sanitizer report: $(grep -E 'Sanitizer|runtime error:' "$tmp/err.txt" "$tmp/err.json" | head -n 3)"
	elif [ "$rc_text" != "$rc_json" ]; then
		problem="exit status $rc_text with text, $rc_json with --format json"
	elif [ ! -f "$dir/expected.rc" ] || [ ! -f "$dir/expected.txt" ] || [ ! -f "$dir/expected.json" ]; then
		problem="expected.txt, expected.json or expected.rc is missing (run with UPDATE=1 and review them)"
	elif [ "$rc_text" != "$(cat "$dir/expected.rc")" ]; then
		problem="exit status $rc_text, expected $(cat "$dir/expected.rc"): $(head -c 300 "$tmp/err.txt")"
	elif ! cmp -s "$tmp/out.txt" "$dir/expected.txt"; then
		problem="text output differs:
$(diff "$dir/expected.txt" "$tmp/out.txt" | head -n 20)"
	elif ! cmp -s "$tmp/out.json" "$dir/expected.json"; then
		problem="JSON output differs:
$(diff "$dir/expected.json" "$tmp/out.json" | head -n 20)"
	fi
	# SPEC §3: a credential appears in no output
	if [ -z "$problem" ]; then
		for sf in "$dir/secrets.txt" "$work/secrets.txt"; do
			[ -f "$sf" ] || continue
			if grep -F -f "$sf" "$tmp/out.txt" "$tmp/err.txt" "$tmp/out.json" "$tmp/err.json" >/dev/null; then
				problem="a planted credential appears in the output"
			fi
		done
	fi
	if [ -n "$problem" ]; then
		fail "$name" "$problem"
	else
		passed=$((passed + 1))
		echo "ok   $name"
	fi
done

# Every code must stay reported somewhere: a check that silently stops reporting fails here.
codes=$(grep -o '{"[a-z0-9-]*", MR_' "$top/core/diag.c" | sed 's/^{"//; s/", MR_$//')
if [ -z "$codes" ]; then
	fail code-coverage "cannot read the code table from core/diag.c"
else
	missing=
	for code in $codes; do
		[ "$code" = version-not-bumped ] && continue # a sync event: tests/system/version_not_bumped.sh
		if ! cat "$here"/cases/*/expected.txt 2>/dev/null | grep -q -F "[$code]" ||
			! cat "$here"/cases/*/expected.json 2>/dev/null | grep -q -F "\"code\": \"$code\""; then
			missing="$missing $code"
		fi
	done
	if [ -n "$missing" ]; then
		fail code-coverage "no case reports:$missing"
	else
		passed=$((passed + 1))
		echo "ok   code-coverage (every diagnostic code appears in the expected outputs)"
	fi
fi

[ "$skipped" -gt 0 ] && echo "$skipped skipped"
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
