#!/bin/sh
# watch_dirs.sh — module directories moved in, moved out, renamed, deleted with
# rm -rf, created with nested subdirectories at once, and directories that are not
# modules; the registry root deleted and re-created.  Each step converges.
. "$(dirname "$0")/watch_lib.inc"

for m in one two three four; do mkmod $m 1.0.0; done
mkmod five 1.0.0 one two
mkdir -p "$T/outside"
start_watch
converge "start-up"

# moved in from outside the registry (a complete module appears at once)
mkdir -p "$T/outside/six/docs"
printf '# six\n' > "$T/outside/six/README.md"
printf '# Guide\n' > "$T/outside/six/docs/guide.md"
sed 's/one/six/g' "$REG/one/module.yaml" > "$T/outside/six/module.yaml"
mv "$T/outside/six" "$REG/six"
converge "module moved in"
grep -q '"six/docs/guide.md"' "$OUT/context.json" || fail "the moved-in module's docs are not listed"
# and its directories are watched: change a file deep inside it
printf '# Guide\n\nMore.\n' > "$REG/six/docs/guide.md"
printf '# Setup\n' > "$REG/six/docs/setup.md"
converge "a docs page added inside the moved-in module"

# moved out: the module goes; what is then written under its old path elsewhere is not ours
mv "$REG/two" "$T/outside/two"
converge "module moved out (five's dependency is now unknown)"
grep -q 'unknown-target' "$OUT/context.json" || fail "no unknown-target after two left"
echo "version: 9.9.9" >> "$T/outside/two/module.yaml"
mkdir "$T/outside/two/docs" && printf '# x\n' > "$T/outside/two/docs/x.md"
converge "writes in the moved-out directory change nothing"

# renamed within the registry, then changed under its new name
mv "$REG/three" "$REG/three-renamed"
converge "module renamed (the id follows the directory name)"
mkdir -p "$REG/three-renamed/docs"
printf '# Renamed\n' > "$REG/three-renamed/docs/renamed.md"
sed -i 's/^version: 1.0.0/version: 1.0.5/' "$REG/three-renamed/module.yaml"
converge "changes inside the renamed module"

# rm -rf, and a directory of the same name created again at once
rm -rf "$REG/four"
converge "module deleted with rm -rf"
mkmod four 3.0.0
mkdir -p "$REG/four/docs"
printf '# Again\n' > "$REG/four/docs/again.md"
converge "module re-created under the same name"
printf '# Again\n\nEdited.\n' > "$REG/four/docs/again.md"
printf '# New\n' > "$REG/four/docs/new.md"
converge "the re-created directory is watched (not the stale one)"

# nested directories created at once, files written right after
mkdir -p "$REG/seven/docs/deep/deeper"
printf '# seven\n' > "$REG/seven/README.md"
printf '# Deep\n' > "$REG/seven/docs/first.md"
mkmod seven 0.0.1 one
converge "mkdir -p then write"

# things that are not modules: a bad id, a plain file, a directory without a manifest
mkdir -p "$REG/Not_An_Id" "$REG/empty-dir"
printf 'apiVersion: modreg/v1\n' > "$REG/Not_An_Id/module.yaml"
printf 'hello\n' > "$REG/notes.txt"
converge "bad id, plain file, empty directory"
grep -q 'bad-id' "$OUT/context.json" || fail "no bad-id warning"
rm -rf "$REG/Not_An_Id" "$REG/empty-dir" "$REG/notes.txt"
converge "and gone again"

# a module renamed onto another's place: five depends on one
mv "$REG/one" "$T/outside/one-old"
mv "$REG/six" "$REG/one"
sed -i 's/Module six/Module one/' "$REG/one/module.yaml"
converge "a module replaced by another directory"

# the registry root deleted and re-created (restored from a copy)
cp -r "$REG" "$T/backup"
rm -rf "$REG"
sleep 0.5
kill -0 "$WPID" || fail "the daemon died when its registry was deleted"
grep -q 'waiting for it' "$LOG" || fail "the deleted registry root was not reported"
ok "the deleted root is reported, the daemon waits"
cp -r "$T/backup" "$REG"
sed -i 's/^version: 1.0.0/version: 1.0.7/' "$REG/five/module.yaml"
converge "registry root re-created"
mkmod eight 1.0.0
converge "the re-created root is watched"

stop_watch
no_temp_files
echo "watch_dirs: $CHECKS checks passed"
