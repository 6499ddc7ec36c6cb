#!/bin/sh
# determinism.sh — context.json and the api/ files are a pure function of the registry's
# files, the statistics and SOURCE_DATE_EPOCH (SPEC §4): the same bytes from a second run,
# from a copy of the registry made in another order with other mtimes, from another
# working directory, time zone and locale; and a run that changes nothing rewrites nothing.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
MODREG=${MODREG:-build/modreg}
case "$MODREG" in /*) ;; *) MODREG=$ROOT/$MODREG ;; esac
STATS=$ROOT/tests/golden-context/stats
export SOURCE_DATE_EPOCH=1795000000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
failed=0
ok() { echo "determinism: ok - $*"; }
bad() { echo "determinism: FAILED - $*"; failed=1; }

index() { # registry out [extra env...]
	reg=$1 out=$2
	shift 2
	env "$@" "$MODREG" index -q --registry "$reg" --stats "$STATS" --out "$out"
}

# the outputs that must not depend on the run: everything but status.json and sync.log (wall-clock times)
same_outputs() { # dir1 dir2
	diff -r -x status.json -x sync.log "$1" "$2" >"$tmp/diff" 2>&1
}

index registry "$tmp/a"
index registry "$tmp/b"
if same_outputs "$tmp/a" "$tmp/b"; then ok "two runs write identical context.json and api/ files"
else bad "two runs differ:"; head -40 "$tmp/diff"; fi

# a copy made module by module in reverse order, with scattered mtimes: another readdir order
mkdir "$tmp/copy"
[ -f registry/README.md ] && cp registry/README.md "$tmp/copy/"
n=0
for d in $(ls -r registry); do
	[ -d "registry/$d" ] || continue
	cp -R "registry/$d" "$tmp/copy/$d"
	n=$((n + 1))
	find "$tmp/copy/$d" -exec touch -d "@$((1600000000 + n * 86400 * 7))" {} +
done
index "$tmp/copy" "$tmp/c"
if same_outputs "$tmp/a" "$tmp/c"; then ok "a copy of the registry created in reverse order ($n modules, other mtimes) gives the same bytes"
else bad "the reverse-order copy differs:"; head -40 "$tmp/diff"; fi

# another working directory (absolute paths), time zone and locale
loc=C.UTF-8
locale -a 2>/dev/null | grep -qx 'de_DE.utf8' && loc=de_DE.UTF-8
(cd "$tmp" && index "$ROOT/registry" "$tmp/d" TZ=Pacific/Chatham LC_ALL=$loc)
if same_outputs "$tmp/a" "$tmp/d"; then ok "another working directory, TZ=Pacific/Chatham and LC_ALL=$loc give the same bytes"
else bad "another cwd/TZ/locale differs:"; head -40 "$tmp/diff"; fi

# a run without changes does not rewrite context.json or the api/ files
snapshot() { # dir -> inode, mtime (ns) and name of every output but status.json/sync.log
	(cd "$1" && find . -type f ! -name status.json ! -name sync.log -exec stat -c '%i %y %n' {} + | sort -k4)
}
snapshot "$tmp/a" >"$tmp/before"
sleep 1
index registry "$tmp/a"
snapshot "$tmp/a" >"$tmp/after"
if cmp -s "$tmp/before" "$tmp/after"; then ok "a second index without changes leaves context.json and $(wc -l <"$tmp/after") files untouched (same inode and mtime)"
else bad "a second index rewrote files:"; diff "$tmp/before" "$tmp/after" | head -20; fi
grep -q '"unchanged": '"$n" "$tmp/a/status.json" && ok "status.json of the second run counts $n modules unchanged" ||
	{ bad "status.json of the second run does not say $n unchanged:"; head -12 "$tmp/a/status.json"; }

# and the check can fail: a changed manifest does rewrite context.json
printf '\nx-determinism-probe: 1\n' >>"$tmp/copy/$(ls "$tmp/copy" | grep -v README | head -1)/module.yaml"
snapshot "$tmp/c" >"$tmp/before"
index "$tmp/copy" "$tmp/c"
snapshot "$tmp/c" >"$tmp/after"
if [ "$(grep ' ./context.json$' "$tmp/before")" != "$(grep ' ./context.json$' "$tmp/after")" ]; then
	ok "a changed manifest does rewrite context.json (the unchanged check can fail)"
else bad "context.json was not rewritten after a manifest changed"; fi

[ "$failed" = 0 ] && echo "determinism: all checks passed" || echo "determinism: some checks FAILED"
exit "$failed"
