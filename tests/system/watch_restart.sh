#!/bin/sh
# watch_restart.sh — reconciliation and crash safety.  The daemon is stopped, the
# registry changed (a module added, one removed, one changed, one made invalid), the
# daemon started again: its start-up sync reports exactly that and converges.  Then
# kill -9 while changes stream in, again and again: every output file is always a
# complete file, and a restarted daemon cleans up and converges.  And context.json
# written in place by someone else is not copied from.
. "$(dirname "$0")/watch_lib.inc"

i=1
while [ $i -le 60 ]; do
	if [ $i = 1 ]; then mkmod r1 1.0.0; else mkmod "r$i" 1.0.0 r1; fi
	i=$((i + 1))
done
start_watch
converge "start-up"
stop_watch

# changed while no one was watching
rm -rf "$REG/r60"
mkmod r61 1.0.0
sed -i 's/^version: 1.0.0/version: 1.2.0/' "$REG/r2/module.yaml"
printf 'apiVersion: modreg/v1\nname: [oops\n' > "$REG/r3/module.yaml"
: > "$LOG"
start_watch
grep 'modreg: sync' "$LOG" | head -n 1 | grep -q 'start-up' || fail "the first sync is not the start-up sync"
[ "$(count "$OUT/status.json" added)" = 1 ] || fail "start-up: added is not 1"
[ "$(count "$OUT/status.json" removed)" = 1 ] || fail "start-up: removed is not 1"
[ "$(count "$OUT/status.json" updated)" = 2 ] || fail "start-up: updated is not 2 (one changed, one invalid)"
[ "$(count "$OUT/status.json" invalid)" = 1 ] || fail "start-up: invalid is not 1"
grep -q 'r2 1.0.0 -> 1.2.0' "$LOG" || fail "the log line does not say r2 changed"
grep -q '"id":"r60","action":"removed"' "$OUT/sync.log" || fail "sync.log does not record r60's removal"
ok "the start-up sync reports what changed while the daemon was down"
grep -q '"stale": true' "$OUT/context.json" || fail "r3 lost its last valid entry across the restart"
ok "the invalid module keeps its last valid entry across a restart"
"$MODREG" status --out "$OUT" > "$T/status.txt" || fail "modreg status failed"
grep -q 'start-up' "$T/status.txt" && grep -q 'removed  r60' "$T/status.txt" || { cat "$T/status.txt"; fail "modreg status does not print the last sync"; }
ok "modreg status prints the last sync"
mkmod r3 1.0.0 r1
converge "after the restart"

# Someone writes into context.json itself rather than replacing it.  The daemon copies
# unchanged entries from the file it wrote: it must notice, and not copy the damage.
# (Statistics files: a change that renders one entry again and copies the others.)
mkdir -p "$STATS"
printf '{ "requests": 5, "errors": 0 }\n' > "$STATS/r4.json"
converge "a statistics file written"
at=$(grep -b -o '"description": "The r40 module[^"]*"' "$OUT/context.json" | head -n 1 | cut -d: -f1)
[ -n "$at" ] || fail "no entry of r40 in context.json"
printf 'XXXXXXXX' | dd of="$OUT/context.json" bs=1 seek=$((at + 17)) conv=notrunc 2> /dev/null
printf '{ "requests": 10, "errors": 0 }\n' > "$STATS/r5.json"
converge "context.json damaged in place, then a statistics file written"
: > "$OUT/context.json"
printf '{ "requests": 20, "errors": 0 }\n' > "$STATS/r6.json"
converge "context.json emptied in place, then a statistics file written"
stop_watch

# kill -9 in the middle of syncs
(
	n=0
	while [ ! -f "$T/stop-writer" ]; do
		k=$((n % 59 + 1))
		sed -i "s/^description: .*/description: Edit $n of r$k./" "$REG/r$k/module.yaml"
		[ $((n % 7)) = 0 ] && printf '{ "requests": %d, "errors": 1 }\n' $((n + 10)) > "$STATS/r$k.json.new" && mv "$STATS/r$k.json.new" "$STATS/r$k.json"
		n=$((n + 1))
	done
) &
writer=$!
mkdir -p "$STATS"
round=1
while [ $round -le 6 ]; do
	start_watch
	sleep "0.$((round * 13 % 9 + 1))"
	kill -KILL "$WPID"
	wait "$WPID" 2> /dev/null
	WPID=
	for f in "$OUT/context.json" "$OUT/status.json" "$OUT/api/ai/modules.json" "$OUT/api/ai/health.json" "$OUT"/api/ai/modules/*.json; do
		complete "$f" || fail "after kill -9 (round $round) $f is not a complete file"
	done
	round=$((round + 1))
done
ok "after six kill -9 in the middle of syncs, every output file is complete"
touch "$T/stop-writer"
wait $writer
start_watch
converge "restart after kill -9"
stop_watch
no_temp_files
ok "the temporary files of the killed daemons are gone"
echo "watch_restart: $CHECKS checks passed"
