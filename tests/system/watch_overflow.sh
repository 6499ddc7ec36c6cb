#!/bin/sh
# watch_overflow.sh — never silently stale.  Events lost to an inotify queue overflow
# (a real one when run as root: the queue is shrunk to 8 events and the daemon frozen
# with SIGSTOP while 300 changes happen; and one simulated through the watch
# interface's test hook, for everyone), and watches refused by the kernel's limit
# (simulated): each is logged with its cause, then a full rescan converges.
. "$(dirname "$0")/watch_lib.inc"

i=1
while [ $i -le 30 ]; do
	mkmod "q$i" 1.0.0
	i=$((i + 1))
done

burst() { # burst TAG — change every module and add a docs page to each
	k=1
	while [ $k -le 30 ]; do
		sed -i "s/^description: .*/description: Burst $1 on q$k./" "$REG/q$k/module.yaml"
		mkdir -p "$REG/q$k/docs"
		printf '# %s\n' "$1" > "$REG/q$k/docs/$1.md"
		k=$((k + 1))
	done
}

# -- a real overflow (root: the kernel's queue is made tiny for this daemon only) --
Q=/proc/sys/fs/inotify/max_queued_events
if [ "$(id -u)" = 0 ] && [ -w "$Q" ]; then
	saved=$(cat "$Q")
	trap 'echo "$saved" > "$Q"; cleanup' EXIT
	echo 8 > "$Q"
	start_watch # the queue size is read when inotify is initialised
	echo "$saved" > "$Q"
	converge "start-up with an 8-event queue"
	kill -STOP "$WPID"
	burst real
	kill -CONT "$WPID"
	converge "after a real queue overflow"
	grep -q 'overflowed' "$LOG" || fail "the overflow was not logged"
	ok "the overflow was logged with its cause"
	stop_watch
else
	echo "not root: the real overflow is skipped, the simulated one still runs"
fi

# -- a simulated overflow: events after the 3rd are thrown away for 0.2 s --
: > "$LOG"
MODREG_WATCH_TEST_DROP=3
export MODREG_WATCH_TEST_DROP
start_watch
unset MODREG_WATCH_TEST_DROP
burst simulated
converge "after a simulated queue overflow"
grep -q 'overflowed' "$LOG" || fail "the simulated overflow was not logged"
ok "the simulated overflow was logged"
stop_watch

# -- the watch limit: only 4 directories can be watched --
: > "$LOG"
MODREG_WATCH_TEST_LIMIT=4
export MODREG_WATCH_TEST_LIMIT
start_watch
unset MODREG_WATCH_TEST_LIMIT
grep -q 'max_user_watches' "$LOG" || fail "the watch limit was not reported"
grep -q "sysctl fs.inotify.max_user_watches=" "$LOG" || fail "the message does not say what to raise"
ok "the watch limit is reported with what to raise"
burst limited
kill -HUP "$WPID"
converge "a full resync (SIGHUP) catches what the missing watches missed"
stop_watch
no_temp_files
echo "watch_overflow: $CHECKS checks passed"
