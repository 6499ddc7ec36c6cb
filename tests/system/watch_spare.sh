#!/bin/sh
# watch_spare.sh — the watcher writes each context.json over the one it replaced the sync
# before (kept as context.json.tmp.<pid>, its "spare") and swaps the two names in one
# step.  Whoever opened context.json keeps a complete file all the same: a reader still
# holding the spare open, or a second name for it (a hard link), makes the watcher write
# a new file instead of that one.  Stopped, the watcher leaves no spare behind.  The two
# list files of api/ai/ have spares too (modules.json.tmp.<pid>, health.json.tmp.<pid>).
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
for f in context.json api/ai/modules.json api/ai/health.json; do
	[ -f "$OUT/$f.tmp.$WPID" ] && cmp -s "$OUT/$f.tmp.$WPID" "$OUT/$f" || fail "no spare (a copy of $f) after start-up"
done
ok "the first sync makes the spares the first save writes over"

i0=$(ino "$OUT/context.json")
l0=$(ino "$OUT/api/ai/modules.json")
bump
[ -f "$spare" ] && [ "$(ino "$spare")" = "$i0" ] || fail "the file replaced is not kept as the spare"
[ "$(ino "$OUT/api/ai/modules.json.tmp.$WPID")" = "$l0" ] || fail "the modules.json replaced is not kept as its spare"
bump
[ "$(ino "$OUT/context.json")" = "$i0" ] || fail "the next context.json was not written over the spare"
[ "$(ino "$OUT/api/ai/modules.json")" = "$l0" ] || fail "the next modules.json was not written over its spare"
ok "context.json, modules.json and their spares swap names from one sync to the next"

# someone writes into the spare: the next context.json written over it is whole all the
# same (converge compares it byte for byte with a fresh index)
printf 'XXXXXXXX' | dd of="$spare" bs=1 seek=100 conv=notrunc 2> /dev/null
bump
ok "a spare changed by someone else is written over in full"

# a reader that opened context.json and still holds it two syncs later
exec 3< "$OUT/context.json" 4< "$OUT/api/ai/modules.json"
cp "$OUT/context.json" "$T/held.json"
cp "$OUT/api/ai/modules.json" "$T/held-list.json"
held=$(ino "$OUT/context.json")
bump
bump
cat <&3 > "$T/read.json"
cat <&4 > "$T/read-list.json"
exec 3<&- 4<&-
cmp -s "$T/held.json" "$T/read.json" || fail "a file a reader held open changed under it"
cmp -s "$T/held-list.json" "$T/read-list.json" || fail "a modules.json a reader held open changed under it"
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
for f in context.json api/ai/modules.json api/ai/health.json; do
	[ ! -e "$OUT/$f.tmp.$WPID" ] || fail "the spare of $f is left behind after SIGTERM"
done
no_temp_files
ok "stopped, the watcher leaves no spare"
echo "watch_spare: $CHECKS checks passed"
