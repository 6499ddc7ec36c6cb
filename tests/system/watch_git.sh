#!/bin/sh
# watch_git.sh — `git checkout` between two branches that differ in 240 modules (120
# changed, 60 deleted, 60 added), back again, and `git stash` / `git stash pop`: each
# switch is coalesced into a few syncs (never one per file) and converges.  The
# registry is the work tree itself, so .git/ is inside it and must be ignored.
. "$(dirname "$0")/watch_lib.inc"

command -v git > /dev/null || { echo "watch_git: git is not installed; skipped"; exit 0; }
G="git -C $REG -c user.name=t -c user.email=t@t -c commit.gpgsign=false"
$G init -q -b main 2> /dev/null || { $G init -q && $G checkout -q -b main; }

i=1
while [ $i -le 180 ]; do
	id=$(printf 'm%03d' $i)
	if [ $i -gt 1 ]; then mkmod $id 1.0.0 "$(printf 'm%03d' $((i / 2)))"; else mkmod $id 1.0.0; fi
	i=$((i + 1))
done
$G add -A && $G commit -q -m main
$G checkout -q -b feature
i=1
while [ $i -le 120 ]; do
	id=$(printf 'm%03d' $i)
	sed -i 's/^version: 1.0.0/version: 1.1.0/' "$REG/$id/module.yaml"
	i=$((i + 1))
done
i=121
while [ $i -le 180 ]; do
	[ $((i % 2)) = 0 ] && rm -rf "$REG/$(printf 'm%03d' $i)"
	i=$((i + 1))
done
i=181
while [ $i -le 270 ]; do
	mkmod "$(printf 'n%03d' $i)" 1.0.0 m001
	i=$((i + 1))
done
$G add -A && $G commit -q -m feature
changed=$($G diff --name-only main feature | cut -d/ -f1 | sort -u | wc -l)
echo "the branches differ in $changed modules"
[ "$changed" -ge 200 ] || fail "the test branches differ in only $changed modules"
$G checkout -q main

start_watch
converge "start-up on main"

syncs() { grep -c 'modreg: sync' "$LOG"; }
before=$(syncs)
$G checkout -q feature
converge "checkout main -> feature"
n=$(($(syncs) - before))
echo "checkout main -> feature took $n sync(s)"
[ "$n" -lt $((changed / 4)) ] || fail "$n syncs for $changed changed modules: not coalesced"
ok "coalesced into $n syncs"

before=$(syncs)
$G checkout -q main
converge "checkout feature -> main"
n=$(($(syncs) - before))
echo "checkout feature -> main took $n sync(s)"
[ "$n" -lt $((changed / 4)) ] || fail "$n syncs for $changed changed modules: not coalesced"
ok "coalesced into $n syncs"

# uncommitted changes to 40 modules, stashed away and popped back
i=1
while [ $i -le 40 ]; do
	sed -i 's/^version: 1.0.0/version: 1.0.9/' "$REG/$(printf 'm%03d' $i)/module.yaml"
	i=$((i + 1))
done
converge "40 modules edited"
$G stash -q
converge "git stash"
$G stash pop -q
converge "git stash pop"

stop_watch
no_temp_files
echo "watch_git: $CHECKS checks passed"
