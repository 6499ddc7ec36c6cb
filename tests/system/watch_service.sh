#!/bin/sh
# watch_service.sh — the daemon as a service: SIGTERM and SIGINT end it with status 0
# within a second (also in the middle of a long sync), SIGHUP forces a full resync,
# --resync does it periodically, and --on-sync runs the operator's command after each
# sync that changed something, with the sync's summary as JSON on its stdin, in the
# background: its failure is logged, and one that takes too long is killed.
. "$(dirname "$0")/watch_lib.inc"

mkmod svc 1.0.0
mkmod app 1.0.0 svc

# seconds.nanoseconds now
now() { date +%s.%N; }
elapsed_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

# -- SIGTERM and SIGINT, idle --
for sig in TERM INT; do
	start_watch
	t0=$(now)
	kill -$sig "$WPID"
	wait "$WPID"
	st=$?
	ms=$(elapsed_ms "$t0" "$(now)")
	WPID=
	[ "$st" = 0 ] || fail "exit status $st after SIG$sig"
	echo "SIG$sig: exit status 0 after $ms ms"
	[ "$ms" -lt 3000 ] || fail "SIG$sig took $ms ms"
	ok "SIG$sig ends the daemon with status 0"
done

# -- SIGTERM in the middle of a long sync (a big burst keeps it busy) --
i=1
while [ $i -le 150 ]; do
	mkmod "bulk$i" 1.0.0 svc
	i=$((i + 1))
done
start_watch
i=1
while [ $i -le 150 ]; do
	sed -i 's/^version: 1.0.0/version: 1.0.1/' "$REG/bulk$i/module.yaml"
	i=$((i + 1))
done
t0=$(now)
kill -TERM "$WPID"
wait "$WPID"
st=$?
ms=$(elapsed_ms "$t0" "$(now)")
WPID=
[ "$st" = 0 ] || fail "exit status $st after SIGTERM during a sync"
echo "SIGTERM during a sync: exit status 0 after $ms ms"
[ "$ms" -lt 3000 ] || fail "SIGTERM during a sync took $ms ms"
complete "$OUT/context.json" || fail "context.json is not complete after SIGTERM during a sync"
ok "SIGTERM in the middle of a sync: status 0, complete files"
rm -rf "$REG"/bulk*

# -- SIGHUP: a full resync --
: > "$LOG"
start_watch
kill -HUP "$WPID"
eventually "no resync after SIGHUP" grep -q 'sync .* resync' "$LOG"
grep -q 'SIGHUP' "$LOG" || fail "SIGHUP was not logged"
ok "SIGHUP: a full resync"
converge "after the resync"
stop_watch

# -- --resync: a change inotify cannot report (only the root can be watched here) is
# caught by the periodic resync --
: > "$LOG"
MODREG_WATCH_TEST_LIMIT=1
export MODREG_WATCH_TEST_LIMIT
start_watch --resync 1
unset MODREG_WATCH_TEST_LIMIT
sed -i 's/^version: 1.0.0/version: 1.0.9/' "$REG/app/module.yaml"
converge "a change seen only by the periodic resync"
grep -q 'sync .* resync' "$LOG" || fail "no periodic resync in the log"
ok "--resync 1 runs full resyncs"
stop_watch

# -- --on-sync: the summary on stdin, in the background --
: > "$LOG"
HOOK_OUT=$T/hook
mkdir -p "$HOOK_OUT"
start_watch --on-sync "cat > $HOOK_OUT/\$\$.json; echo \$\$ >> $HOOK_OUT/runs"
sed -i 's/^version: 1.0.0/version: 1.5.0/' "$REG/svc/module.yaml"
eventually "the --on-sync command did not run" [ -s "$HOOK_OUT/runs" ]
sleep 0.3
f=$(ls "$HOOK_OUT"/*.json | head -n 1)
complete "$f" || fail "the hook's input is not a JSON document"
grep -q '"id": "svc"' "$f" && grep -q '"newVersion": "1.5.0"' "$f" || { cat "$f"; fail "the hook's input does not describe the change"; }
ok "--on-sync gets the sync's summary on stdin"
stop_watch

# a failing command is logged and changes nothing for the index
: > "$LOG"
start_watch --on-sync "exit 3"
sed -i 's/^version: 1.5.0/version: 1.6.0/' "$REG/svc/module.yaml"
converge "with a failing --on-sync command"
eventually "the failing --on-sync command was not logged" grep -q 'on-sync command failed (exit status 3)' "$LOG"
ok "a failing --on-sync command is logged"
stop_watch

# a command that never ends does not delay the watcher, and is killed after its time limit
: > "$LOG"
MODREG_WATCH_HOOK_TIMEOUT=1
export MODREG_WATCH_HOOK_TIMEOUT
start_watch --on-sync "echo \$\$ > $T/hung.pid; exec sleep 600"
unset MODREG_WATCH_HOOK_TIMEOUT
sed -i 's/^version: 1.6.0/version: 1.7.0/' "$REG/svc/module.yaml"
converge "while the --on-sync command hangs"
sed -i 's/^version: 1.0.9/version: 1.0.3/' "$REG/app/module.yaml"
converge "a second change while it still hangs"
eventually "the hanging --on-sync command was not killed" grep -q 'on-sync command killed after' "$LOG"
ok "a hanging --on-sync command is killed after its time limit and logged"
stop_watch
# the daemon ends what is still running when it stops (a zombie waiting for its reaper is gone)
alive() { [ -r "/proc/$1/stat" ] && ! awk '{ exit ($3 == "Z") ? 0 : 1 }' "/proc/$1/stat"; }
i=0
while alive "$(cat "$T/hung.pid")"; do
	i=$((i + 1))
	[ $i -gt 50 ] && fail "the hanging --on-sync command still runs after the daemon stopped"
	sleep 0.1
done
ok "nothing of it is left running"

no_temp_files
echo "watch_service: $CHECKS checks passed"
