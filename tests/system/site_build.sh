#!/bin/sh
# site_build.sh — `modreg build` on a small fixed registry full of hostile text
# (tests/data/site-registry, tests/data/site-stats): every page and file of SPEC §6
# exists with its sections; no manifest, README or docs text survives as markup; every
# relative link and image resolves to a file (and every #fragment to an id); a rebuild
# rewrites nothing; a change rewrites only the pages that show it; a removed module's
# pages go; two builds give the same bytes; bad templates fail with exit status 2.
set -eu
. "$(dirname "$0")/test_lib.inc"
# check DESCRIPTION COMMAND...: ok when the command succeeds
check() {
	d=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$d"; else bad "$d"; fi
}
has() { grep -qF -- "$2" "$1"; }
hasnt() { ! grep -qF -- "$2" "$1"; }
hasre() { grep -qE -- "$2" "$1"; }
count() { grep -oF -- "$2" "$1" | wc -l | tr -d ' '; }

cp -R tests/data/site-registry "$tmp/reg"
cp -R tests/data/site-stats "$tmp/stats"
REPO=https://git.example.org/r/edit/main/registry
build() { # out [options]
	out=$1
	shift
	"$MODREG" build -q --registry "$tmp/reg" --stats "$tmp/stats" --out "$out" --repo-url "$REPO" "$@"
}

if build "$tmp/site"; then ok "modreg build exits 0 on a registry with an invalid module"
else bad "modreg build failed"; exit 1; fi
S=$tmp/site

# ---- every page and file of SPEC §6
missing=""
for f in index.html graph.html status.html llms.txt metrics.prom context.json status.json \
	api/ai/health.json api/ai/modules.json assets/site.css assets/site.js \
	graphs/registry/all.svg graphs/registry/type-dependency.svg graphs/registry/type-integration.svg \
	graphs/registry/type-data-flow.svg graphs/registry/type-hierarchical.svg \
	modules/alpha/guide.html "modules/alpha/notes and tips.html" modules/beta/evil.html \
	modules/alpha/files/img/logo.png; do
	[ -f "$S/$f" ] || missing="$missing $f"
done
for m in alpha beta gamma delta; do
	for f in "modules/$m.html" "modules/$m.md" "graphs/$m.svg"; do
		[ -f "$S/$f" ] || missing="$missing $f"
	done
done
if [ -z "$missing" ]; then ok "every page, graph, text file and copied image exists"
else bad "missing:$missing"; fi

# ---- the index
I=$S/index.html
check "index lists the four modules" test "$(count "$I" '<tr data-status=')" -eq 4
check "index rows carry status, type, AI model and search text" \
	hasre "$I" '<tr data-status="active" data-type="crud" data-model="claude-sonnet-4" data-search="alpha alpha orders orders and their lines[^"]*order purchase orders test"'
check "index has the search box and the status, type and AI model filters (hidden until the script runs)" \
	sh -c "grep -qF '<form id=\"filters\" class=\"filters\" role=\"search\" hidden>' '$I' &&
	       grep -qF 'id=\"f-status\"' '$I' && grep -qF 'id=\"f-type\"' '$I' && grep -qF 'id=\"f-model\"' '$I' &&
	       grep -qF 'id=\"q\" type=\"search\"' '$I'"
check "index filter options count modules" has "$I" '<option value="experimental">experimental (1)</option>'
check "index shows the registry README" has "$I" 'Test registry for the site generator'
check "index rewrites the README's links to module pages" has "$I" '<a href="modules/alpha.html">alpha</a>'
check "index links every module page relatively" has "$I" '<a class="mod-name" href="modules/delta.html">Delta Legacy</a>'

# ---- a module page with every section
A=$S/modules/alpha.html
for sec in overview provenance relationships statistics capabilities entities api events jobs ui \
	configuration config-form permissions requirements ai-context readme documentation diagnostics extensions; do
	grep -qF "id=\"$sec\"" "$A" || bad "alpha.html has no section #$sec"
done
ok "alpha.html has every section of SPEC §6"
check "metadata: owner, license, version, type badge" \
	sh -c "grep -qF '<dd>team-a</dd>' '$A' && grep -qF '<dd>MIT</dd>' '$A' && grep -qF '<span class=\"version\">1.2.0</span>' '$A' && grep -qF '<span class=\"badge type\">crud</span>' '$A'"
check "provenance: AI model and patch" sh -c "grep -qF 'claude-sonnet-4' '$A' && grep -qF 'patch-alpha-1' '$A'"
check "edit link to the manifest under --repo-url" has "$A" "href=\"$REPO/alpha/module.yaml\""
check "entity fields from the JSON Schema: name, type, format, required, description" \
	has "$A" '<tr><td><code>id</code></td><td>string <span class="muted">(uuid)</span></td><td><strong>required</strong></td><td>Identifier.</td></tr>'
check "API routes with full path, permissions and handler" \
	has "$A" '<code>/alpha/orders/{id}</code></td><td>Order</td><td>read</td><td><code>alpha:read</code> </td><td><code>alpha.get</code>'
check "detected capabilities are marked" has "$A" 'detected</span>'
check "events: publishes and subscribes, with the publisher linked" \
	sh -c "grep -qF '<code>order.created</code>' '$A' && grep -qF '<code>beta.changed</code> <span class=\"muted\">from</span> <a href=\"beta.html\">beta</a>' '$A'"
check "relationships: outgoing with version, satisfied, and the missing target" \
	sh -c "grep -qF '<code>^2.0.0</code> <span class=\"good\">satisfied</span>' '$A' && grep -qF '<span class=\"missing-target\">ghost</span>' '$A'"
check "relationships: incoming from delta" has "$A" '<a href="delta.html">delta</a>'
check "configuration reference: required, default, range, allowed values" \
	sh -c "grep -qF '<code>6</code>' '$A' && grep -qF '1 to 24' '$A' && grep -qF '<code>eu</code> <code>us</code>' '$A'"
check "configuration reference: secrets are marked and have no default" \
	sh -c "grep -qF '<code>apiToken</code>' '$A' && grep -qF 'sensitive</span>' '$A'"
check "configuration form: typed inputs with the schema's limits" \
	sh -c "grep -qF 'id=\"cfg:apiUrl\" name=\"apiUrl\" type=\"url\"' '$A' &&
	       grep -qF 'id=\"cfg:apiToken\" name=\"apiToken\" type=\"password\"' '$A' &&
	       grep -qF 'name=\"syncHours\" type=\"number\" step=\"1\" min=\"1\" max=\"24\" placeholder=\"6\"' '$A' &&
	       grep -qF '<option value=\"&quot;eu&quot;\">eu</option>' '$A' &&
	       grep -qF 'data-key=\"apiUrl\" data-type=\"url\" data-required=\"true\"' '$A'"
check "permissions, requirements and AI context" \
	sh -c "grep -qF '<code class=\"perm\">alpha:write</code>' '$A' && grep -qF '<code>&gt;=20.0.0</code>' '$A' && grep -qF 'Keep track of orders.' '$A' && grep -qF '/alpha/ai/recent' '$A'"
check "extensions (x- keys) are shown" has "$A" '<code>x-team</code>'
check "diagnostics of the module are listed" has "$A" '[unknown-target]'
check "the neighbourhood graph is inlined; neighbours link to their pages" \
	sh -c "grep -qF '<svg' '$A' && grep -qF 'xlink:href=\"../modules/beta.html\"' '$A' && grep -qF 'xlink:href=\"../modules/delta.html\"' '$A'"
check "graph edges are classed per relationship type; the missing target is dashed" \
	sh -c "grep -qF 'class=\"edge rel rel-dependency\"' '$A' && grep -qF 'class=\"edge rel rel-integration missing\"' '$A' &&
	       grep -qF 'class=\"node missing\"' '$A' && grep -qF 'stroke-dasharray=\"5,2\"' '$S/graphs/alpha.svg'"
check "the SVG file on its own links back to module pages" has "$S/graphs/alpha.svg" 'xlink:href="../modules/beta.html"'

# ---- Markdown: anchors, link rewriting, images, tables
check "README headings get anchors; duplicates and the page's own ids are avoided" \
	sh -c "grep -qF 'id=\"setting-up\"' '$A' && grep -qF 'id=\"setting-up-1\"' '$A' && grep -qF 'id=\"entities-1\"' '$A'"
check "README links to docs pages become generated pages (with their fragment)" has "$A" 'href="alpha/guide.html#setting-up"'
check "file names with spaces are linked percent-encoded" has "$A" 'href="alpha/notes%20and%20tips.html"'
check "links to other modules' READMEs and the registry README are rewritten" \
	sh -c "grep -qF 'href=\"beta.html\">beta' '$A' && grep -qF 'href=\"../index.html\">the registry' '$A'"
check "README images are copied next to the page" has "$A" '<img src="alpha/files/img/logo.png" alt="Logo"'
check "a link to a missing file keeps only its text" sh -c "grep -qF 'A missing file, an' '$A'"
check "an image from another host becomes a link" has "$A" '<a href="https://example.org/x.png">external image</a>'
check "GitHub tables are rendered, with alignment" \
	sh -c "grep -qF '<th class=\"align-left\">Setting</th>' '$A' && grep -qF '<td class=\"align-right\">where <strong>the API</strong> lives</td>' '$A'"
G=$S/modules/alpha/guide.html
check "docs page: title, rewritten links back to the module and to its sibling" \
	sh -c "grep -qF '<title>Alpha guide — Alpha Orders' '$G' && grep -qF 'href=\"../alpha.html\">the module' '$G' && grep -qF 'href=\"notes%20and%20tips.html\">notes' '$G'"

# ---- stale, never valid, statistics
check "a never-valid module's page says so and lists its diagnostics" \
	sh -c "grep -qF 'has never been valid' '$S/modules/gamma.html' && grep -qF '[bad-version]' '$S/modules/gamma.html' && grep -qF '[unknown-key]' '$S/modules/gamma.html'"
D=$S/modules/delta.html
check "statistics dashboard: requests, error rate, response time, record counts, last update" \
	sh -c "grep -qF '<dd>1,200</dd>' '$D' && grep -qF '7.50 %' '$D' && grep -qF '1,500 ms' '$D' &&
	       grep -qF '123,456 <meter min=\"0\" max=\"123456\" value=\"123456\">' '$D' && grep -qF '2026-11-21T08:59:00Z' '$D'"
check "health with its reasons" sh -c "grep -qF 'health-box health-error' '$D' && grep -qF 'exceeds the limit' '$D'"

# ---- graph and status pages
check "graph page: inline SVG, a toggle per relationship type, per-type SVGs" \
	sh -c "grep -qF '<svg' '$S/graph.html' && [ \$(grep -c 'name=\"type\" value=' '$S/graph.html') -eq 4 ] &&
	       grep -qF 'href=\"graphs/registry/type-data-flow.svg\"' '$S/graph.html' && grep -qF 'xlink:href=\"modules/alpha.html\"' '$S/graph.html'"
check "status page: the last sync and every diagnostic grouped by module" \
	sh -c "grep -qF 'Last sync' '$S/status.html' && grep -qF '<a href=\"modules/gamma.html\">gamma</a>' '$S/status.html' &&
	       grep -qF '[unknown-target]' '$S/status.html' && grep -qF '[bad-stats]' '$S/status.html'"

# ---- llms.txt, modules/<id>.md, metrics.prom
L=$S/llms.txt
check "llms.txt: H1, summary, context.json, a linked line per module" \
	sh -c "head -1 '$L' | grep -qE '^# ' && grep -qE '^> ' '$L' && grep -qF '[context.json](context.json)' '$L' &&
	       grep -qF '## Modules' '$L' && grep -qF -- '- [Alpha Orders](modules/alpha.md): Orders and their lines' '$L' &&
	       [ \$(grep -c '^- \[.*\](modules/[a-z0-9-]*\.md)' '$L') -eq 4 ]"
check "modules/<id>.md: the module as Markdown" \
	sh -c "head -1 '$S/modules/alpha.md' | grep -qF '# Alpha Orders (alpha)' && grep -qF '## Configuration' '$S/modules/alpha.md' && grep -qF '[beta](beta.md)' '$S/modules/alpha.md'"
M=$S/metrics.prom
check "metrics.prom: HELP and TYPE for every metric" \
	sh -c "for n in modreg_modules modreg_modules_health modreg_diagnostics modreg_last_sync_timestamp_seconds modreg_last_sync_duration_seconds; do
	         grep -q \"^# HELP \$n \" '$M' && grep -q \"^# TYPE \$n gauge\$\" '$M' || exit 1; done"
check "metrics.prom: modules by status and health, diagnostics by severity" \
	sh -c "grep -qx 'modreg_modules{status=\"active\"} 1' '$M' && grep -qx 'modreg_modules{status=\"experimental\"} 1' '$M' &&
	       grep -qx 'modreg_modules{status=\"deprecated\"} 1' '$M' && grep -qx 'modreg_modules{status=\"unknown\"} 1' '$M' &&
	       grep -qx 'modreg_modules_health{health=\"error\"} 2' '$M' && grep -qx 'modreg_diagnostics{severity=\"error\"} 4' '$M' &&
	       grep -qE '^modreg_last_sync_timestamp_seconds [0-9]+\$' '$M' && grep -qE '^modreg_last_sync_duration_seconds [0-9.]+\$' '$M'"
check "every metrics line is a comment or 'name{labels} value'" \
	sh -c "! grep -vE '^(# (HELP|TYPE) .*|[a-z_]+(\{[a-z]+=\"[a-z-]+\"\})? [0-9.]+)\$' '$M'"

# ---- hostile text: nothing from a manifest, README or docs page is markup anywhere
find "$S" -type f \( -name '*.html' -o -name '*.svg' \) >"$tmp/markup"
hostile=0
while IFS= read -r f; do
	if grep -oE '<script[^>]*>' "$f" | grep -vqE '^<script src="(\.\./)*assets/site\.js" defer>$'; then
		bad "a script element in ${f#$S/}"; hostile=1
	fi
	# attribute values blanked first: escaped text inside them is no attribute
	if sed -E 's/"[^"]*"/""/g' "$f" | grep -qiE '<[a-z][^<>]*[[:space:]/]on[a-z]+[[:space:]]*='; then
		bad "an event handler attribute in ${f#$S/}"; hostile=1
	fi
	if grep -qiE '<(iframe|object|embed|foreignobject|base)[[:space:]>]' "$f"; then bad "a forbidden element in ${f#$S/}"; hostile=1; fi
	if grep -qiE '(href|src|action)="[[:space:]]*(javascript|vbscript|data):' "$f"; then bad "a script URL in ${f#$S/}"; hostile=1; fi
	if grep -qE '<(b|i|img|svg onload)[ >]' "$f" && grep -qE '<(b>bold|i>team|img src=x|svg onload)' "$f"; then
		bad "manifest markup in ${f#$S/}"; hostile=1
	fi
done <"$tmp/markup"
for f in "$S/llms.txt" "$S"/modules/*.md; do
	if grep -qE '<script|<img|<svg|<i>|\]\(javascript:' "$f"; then bad "raw markup in ${f#$S/}"; hostile=1; fi
done
[ "$hostile" -eq 0 ] && ok "no hostile text survives unescaped in $(wc -l <"$tmp/markup" | tr -d ' ') HTML/SVG files, llms.txt and the module .md files"
check "hostile names are shown as text" has "$S/modules/beta.html" '&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; &amp; &quot;Beta&quot;'

# ---- links: every relative href/src/xlink:href resolves, and every #fragment names an id
# linkcheck SITE: prints the broken links into $tmp/broken, the count checked into $tmp/nlinks
linkcheck() {
	site=$1
	: >"$tmp/broken"
	find "$site" -type f \( -name '*.html' -o -name '*.svg' \) >"$tmp/files"
	n=0
	while IFS= read -r f; do
		dir=$(dirname "$f")
		grep -oE '(href|src|xlink:href)="[^"]*"' "$f" | sed -E 's/^[^"]*"//; s/"$//; s/&amp;/\&/g' >"$tmp/links" || true
		while IFS= read -r u; do
			case "$u" in
			http://* | https://* | mailto:*) continue ;;
			/*) echo "${f#$site/}: absolute link $u" >>"$tmp/broken"; continue ;;
			esac
			n=$((n + 1))
			path=${u%%#*}
			frag=""
			case "$u" in *'#'*) frag=${u#*#} ;; esac
			path=${path%%\?*}
			case "$path" in
			'') target=$f ;;
			*%*)
				dec=$(printf '%s' "$path" | LC_ALL=C awk '{
					out = ""; s = $0
					while ((i = index(s, "%")) > 0) {
						out = out substr(s, 1, i - 1)
						h = toupper(substr(s, i + 1, 2))
						out = out sprintf("%c", (index("0123456789ABCDEF", substr(h, 1, 1)) - 1) * 16 + index("0123456789ABCDEF", substr(h, 2, 1)) - 1)
						s = substr(s, i + 3)
					}
					printf "%s", out s }')
				target="$dir/$dec" ;;
			*) target="$dir/$path" ;;
			esac
			if [ ! -f "$target" ]; then echo "${f#$site/}: $u" >>"$tmp/broken"
			elif [ -n "$frag" ] && case "$target" in *.html) true ;; *) false ;; esac && ! grep -qF "id=\"$frag\"" "$target"; then
				echo "${f#$site/}: $u (no such id)" >>"$tmp/broken"
			fi
		done <"$tmp/links"
	done <"$tmp/files"
	echo "$n" >"$tmp/nlinks"
}
linkcheck "$S"
if [ ! -s "$tmp/broken" ]; then ok "every relative link and image resolves, every fragment names an id ($(cat "$tmp/nlinks") checked)"
else bad "broken links:"; head -20 "$tmp/broken"; fi

# ---- a rebuild rewrites nothing; a change rewrites what shows it
inodes() { (cd "$S" && find . -type f ! -name status.json ! -name sync.log ! -name status.html ! -name metrics.prom -exec ls -i {} + | sort -k2) >"$1"; }
inodes "$tmp/i1"
build "$S"
inodes "$tmp/i2"
if cmp -s "$tmp/i1" "$tmp/i2"; then ok "a rebuild with nothing changed rewrites no page"
else bad "a rebuild rewrote:"; diff "$tmp/i1" "$tmp/i2" | head -10; fi

ino() { ls -i "$S/$1" | awk '{print $1}'; }
a0=$(ino modules/alpha.html) b0=$(ino modules/beta.html) d0=$(ino modules/delta.html) i0=$(ino index.html) g0=$(ino modules/gamma.html)
sed -i 's/^description: An old module, deprecated; it has statistics.$/description: An old module, deprecated, changed./' "$tmp/reg/delta/module.yaml"
build "$S"
check "changing delta's description rewrites delta.html and the index" \
	sh -c "[ $(ino modules/delta.html) != $d0 ] && [ $(ino index.html) != $i0 ] && grep -qF 'deprecated, changed' '$S/modules/delta.html'"
check "... but not the pages that do not show it (alpha, beta, gamma)" \
	sh -c "[ $(ino modules/alpha.html) = $a0 ] && [ $(ino modules/beta.html) = $b0 ] && [ $(ino modules/gamma.html) = $g0 ]"
sed -i 's/^name: Delta Legacy$/name: Delta Renamed/' "$tmp/reg/delta/module.yaml"
build "$S"
check "renaming delta rewrites its neighbours' pages, which show its name" \
	sh -c "[ $(ino modules/alpha.html) != $a0 ] && [ $(ino modules/beta.html) != $b0 ] && grep -qF 'Delta Renamed' '$S/modules/beta.html'"
rm -r "$tmp/reg/gamma"
build "$S"
check "a removed module's pages, Markdown and graph are gone" \
	sh -c "[ ! -e '$S/modules/gamma.html' ] && [ ! -e '$S/modules/gamma.md' ] && [ ! -e '$S/graphs/gamma.svg' ] && ! grep -qF 'modules/gamma.html' '$S/index.html'"

# ---- determinism: two builds from scratch give the same bytes (but the sync's own time)
build "$tmp/d1"
build "$tmp/d2"
if diff -r -x status.json -x sync.log -x status.html -x metrics.prom "$tmp/d1" "$tmp/d2" >"$tmp/diff" 2>&1; then
	ok "two builds from scratch write identical files"
else bad "two builds differ:"; head -20 "$tmp/diff"; fi

# ---- a registry past the grouping threshold: the overview groups modules by owner
sh bench/gen-registry.sh 320 "$tmp/big" >/dev/null
"$MODREG" build -q --registry "$tmp/big" --stats "$tmp/stats" --out "$tmp/bigsite"
B=$tmp/bigsite
ngroups=$(ls "$B/graphs/registry" | grep -c '^group-.*\.html$' || true)
check "past 300 modules the overview has one node per owner, each linking to its group's page ($ngroups groups)" \
	sh -c "[ $ngroups -eq 40 ] && grep -qF 'grouped by owner' '$B/graph.html' &&
	       grep -qF 'xlink:href=\"graphs/registry/group-team-7.html\"' '$B/graph.html' &&
	       grep -qF '<a href=\"graphs/registry/group-team-7.html\">team-7</a>' '$B/graph.html'"
check "a group page shows its modules, linked, and the other groups they relate to" \
	sh -c "grep -qF 'href=\"../../modules/mod-00007.html\"' '$B/graphs/registry/group-team-7.html' &&
	       grep -qF 'xlink:href=\"../../modules/mod-00007.html\"' '$B/graphs/registry/group-team-7.html' &&
	       grep -qF 'class=\"node group\"' '$B/graphs/registry/group-team-7.html' &&
	       grep -qF '<h2>Related groups</h2>' '$B/graphs/registry/group-team-7.html'"
linkcheck "$B"
if [ ! -s "$tmp/broken" ]; then ok "the grouped site's links resolve too ($(cat "$tmp/nlinks") checked)"
else bad "broken links in the grouped site:"; head -20 "$tmp/broken"; fi

# ---- templates: found next to the program, and bad ones fail with status 2
mkdir "$tmp/elsewhere"
if (cd "$tmp/elsewhere" && "$MODREG" build -q --registry "$tmp/reg" --stats "$tmp/stats" --out "$tmp/e1"); then
	check "without ./templates the templates installed next to the program are used" test -f "$tmp/e1/modules/alpha.html"
else bad "a build outside the source tree failed"; fi
cp -R templates "$tmp/tpl"
printf '{{#unclosed}}\n' >>"$tmp/tpl/index.mustache"
set +e
build "$tmp/e2" --templates "$tmp/tpl" 2>"$tmp/err"
rc=$?
set -e
check "a template with a syntax error fails with status 2, naming the file" \
	sh -c "[ $rc -eq 2 ] && grep -q 'index.mustache' '$tmp/err'"
set +e
build "$tmp/e3" --templates "$tmp/none" 2>/dev/null
rc=$?
set -e
check "a missing templates directory fails with status 2" test "$rc" -eq 2

exit $failed
