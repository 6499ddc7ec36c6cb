#!/bin/sh
# watch_edits.sh — `modreg watch` follows every way editors and tools save a file:
# in-place writes, write-to-temp then rename (sed -i, IDEs), vim's rename-away-then-
# write, delete and re-create, mkdir then write, README/docs/schema changes.  After
# each step, context.json converges to what `modreg index` writes.
. "$(dirname "$0")/watch_lib.inc"

for m in alpha beta gamma delta; do mkmod $m 1.0.0; done
mkmod epsilon 1.0.0 alpha beta
start_watch
converge "start-up"

# in place (truncate and write, as shells and many editors do)
sed 's/^version: 1.0.0/version: 1.1.0/' "$REG/alpha/module.yaml" > "$T/a.yaml"
cat "$T/a.yaml" > "$REG/alpha/module.yaml"
converge "in-place write"
grep -q '"version": "1.1.0"' "$OUT/context.json" || fail "alpha 1.1.0 is not in context.json"
ok "the new version is in context.json"

# write to a temporary file, then rename over the manifest (sed -i does this)
sed -i 's/^version: 1.0.0/version: 1.0.1/' "$REG/beta/module.yaml"
converge "sed -i (temp file + rename)"

# an IDE: write .module.yaml.tmp, rename it
sed 's/^description: .*/description: Rewritten by an IDE./' "$REG/gamma/module.yaml" > "$REG/gamma/.module.yaml.tmp"
mv "$REG/gamma/.module.yaml.tmp" "$REG/gamma/module.yaml"
converge "IDE save (hidden temp + rename)"

# vim with backupcopy=no: the original renamed away, the new one written, a probe file
mv "$REG/delta/module.yaml" "$REG/delta/module.yaml~"
: > "$REG/delta/4913" && rm -f "$REG/delta/4913"
sed 's/^version: 1.0.0/version: 2.0.0/' "$REG/delta/module.yaml~" > "$REG/delta/module.yaml"
rm -f "$REG/delta/module.yaml~"
converge "vim-style save (rename away, write new)"
grep -q '"removed": 0' "$OUT/status.json" || true

# delete and re-create later (git does unlink + create)
rm "$REG/gamma/module.yaml"
converge "manifest deleted (directory kept: not-a-module)"
grep -q 'not-a-module' "$OUT/context.json" || fail "no not-a-module warning for gamma"
ok "gamma without a manifest is a not-a-module warning"
mkmod gamma 1.2.0
converge "manifest re-created"

# mkdir, then write the manifest a moment later
mkdir "$REG/zeta"
converge "empty module directory"
sleep 0.3
mkmod zeta 0.1.0 alpha
converge "mkdir then write"

# README removed and added, a docs page, an entity schema
rm "$REG/beta/README.md"
converge "README removed"
grep -q 'missing-readme' "$OUT/context.json" || fail "no missing-readme warning"
printf '# beta\n' > "$REG/beta/README.md"
mkdir -p "$REG/beta/docs"
printf '# Usage\n\nText.\n' > "$REG/beta/docs/usage.md"
converge "README and a docs page added"
grep -q 'beta/docs/usage.md' "$OUT/context.json" || fail "the docs page is not listed"
mkdir -p "$REG/alpha/schemas"
printf '{"type":"object","properties":{"id":{"type":"string"}}}\n' > "$REG/alpha/schemas/thing.json"
cat >> "$REG/alpha/module.yaml" << 'EOF'
entities:
  - { name: Thing, schema: schemas/thing.json }
EOF
converge "entity with a schema"
printf '{"type":"object","required":["id"],"properties":{"id":{"type":"string"},"n":{"type":"integer"}}}\n' > "$REG/alpha/schemas/thing.json.new"
mv "$REG/alpha/schemas/thing.json.new" "$REG/alpha/schemas/thing.json"
converge "schema file replaced"

# files that do not matter change nothing (but must not confuse the watcher)
: > "$REG/alpha/.module.yaml.swp"
: > "$REG/alpha/notes.txt~"
mkdir -p "$REG/.git/objects" && : > "$REG/.git/objects/x"
converge "ignored names"

# many saves in a row of one file
i=0
while [ $i -lt 20 ]; do
	sed -i "s/^description: .*/description: Save number $i./" "$REG/epsilon/module.yaml"
	i=$((i + 1))
done
converge "20 saves in a row"

stop_watch
no_temp_files
ok "clean stop, no temporary files"
echo "watch_edits: $CHECKS checks passed"
