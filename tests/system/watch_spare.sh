#!/bin/sh
# watch_spare.sh — the watcher writes each context.json over the one it replaced the sync
# before (kept as context.json.tmp.<pid>, its "spare") and swaps the two names in one
# step.  Whoever opened context.json keeps a complete file all the same: a reader still
# holding the spare open, or a second name for it (a hard link), makes the watcher write
# a new file instead of that one.  Stopped, the watcher leaves no spare behind.
. "$(dirname "$0")/watch_lib.inc"

ino() { stat -c %i "$1"; }
n=0
bump() { # a new version of module a, and context.json showing it
	n=$((n + 1))
	sed -i "s/^version: .*/version: 1.0.$n/" "$REG/a/module.yaml"
	converge "version 1.0.$n"
}

for m in a b c; do mkmod $m 1.0.0; done
start_watch
converge "start-up"
spare=$OUT/context.json.tmp.$WPID
[ -f "$spare" ] && cmp -s "$spare" "$OUT/context.json" || fail "no spare (a copy of context.json) after start-up"
ok "the first sync makes the spare the first save writes over"

i0=$(ino "$OUT/context.json")
bump
[ -f "$spare" ] && [ "$(ino "$spare")" = "$i0" ] || fail "the file replaced is not kept as the spare"
bump
[ "$(ino "$OUT/context.json")" = "$i0" ] || fail "the next context.json was not written over the spare"
ok "context.json and its spare swap names from one sync to the next"

# someone writes into the spare: the next context.json written over it is whole all the
# same (converge compares it byte for byte with a fresh index)
printf 'XXXXXXXX' | dd of="$spare" bs=1 seek=100 conv=notrunc 2> /dev/null
bump
ok "a spare changed by someone else is written over in full"

# a reader that opened context.json and still holds it two syncs later
exec 3< "$OUT/context.json"
cp "$OUT/context.json" "$T/held.json"
held=$(ino "$OUT/context.json")
bump
bump
cat <&3 > "$T/read.json"
exec 3<&-
cmp -s "$T/held.json" "$T/read.json" || fail "a file a reader held open changed under it"
[ "$(ino "$OUT/context.json")" != "$held" ] || fail "the held file is context.json again"
ok "a file someone holds open is never written over"

# another name for context.json (a backup made with ln)
ln "$OUT/context.json" "$T/linked.json"
cp "$T/linked.json" "$T/linked-copy.json"
bump
bump
cmp -s "$T/linked.json" "$T/linked-copy.json" || fail "a file with another name was written over"
ok "a file with another name is never written over"

bump
stop_watch
[ ! -e "$spare" ] || fail "the spare is left behind after SIGTERM"
no_temp_files
ok "stopped, the watcher leaves no spare"
echo "watch_spare: $CHECKS checks passed"
