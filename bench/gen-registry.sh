#!/bin/sh
# gen-registry.sh N DIR [SEED] — write a synthetic registry of N valid modules into DIR
# (SPEC §10): each module has three entities, CRUD routes, relationships to earlier
# modules, a config schema, AI context, a job, events, UI pages and a 2–6 KB README.
# The output is a pure function of N and SEED.
set -eu
n=${1:?usage: gen-registry.sh N DIR [SEED]}
dir=${2:?usage: gen-registry.sh N DIR [SEED]}
seed=${3:-1}
mkdir -p "$dir"
awk -v n="$n" -v dir="$dir" -v seed="$seed" '
function pick(a, k) { return a[int(rand() * k) + 1] }
function para(words,   s, w) {
	s = ""
	for (w = 0; w < words; w++) s = s (w ? " " : "") pick(lorem, nlorem)
	return toupper(substr(s, 1, 1)) substr(s, 2) "."
}
BEGIN {
	srand(seed)
	nlorem = split("module record service request customer order ledger stream report queue batch " \
		"invoice account payment schedule export import sync cache index search audit policy " \
		"event message channel token session profile asset device region tenant quota limit " \
		"retry backoff window latency budget health metric trace span log archive", lorem, " ")
	nnoun = split("Asset Ledger Ticket Shipment Invoice Contract Device Reading Booking Survey " \
		"Campaign Budget Vendor Parcel License Report Tenant Quota Policy Alert", noun, " ")
	nkw = split("billing crm inventory shipping analytics auth chat calendar storage search " \
		"reporting payments hr payroll marketing support iot telemetry scheduling compliance " \
		"audit pricing catalog orders customers documents workflow notifications", kw, " ")
	ntype = split("crud workflow integration service ui library", types, " ")
	ncat = split("SALES FINANCE OPERATIONS PLATFORM COMMUNICATION ANALYTICS", cats, " ")
	for (i = 1; i <= n; i++) {
		id = sprintf("mod-%05d", i)
		d = dir "/" id
		system("mkdir -p \"" d "\"")
		f = d "/module.yaml"
		e1 = pick(noun, nnoun) i "a"; e2 = pick(noun, nnoun) i "b"; e3 = pick(noun, nnoun) i "c"
		k1 = pick(kw, nkw); k2 = pick(kw, nkw); k3 = pick(kw, nkw)
		print "# yaml-language-server: $schema=../../schema/module.schema.json" > f
		print "apiVersion: modreg/v1" > f
		print "id: " id > f
		print "name: Synthetic module " i > f
		print "description: " para(18 + int(rand() * 20)) > f
		print "type: " pick(types, ntype) > f
		print "version: 1." (i % 10) "." (i % 7) > f
		print "status: active" > f
		print "owner: team-" (i % 40) > f
		print "license: Apache-2.0" > f
		print "tags: [" k1 ", bench]" > f
		print "created:" > f
		print "  at: 2026-01-" sprintf("%02d", 1 + i % 28) "T10:00:00Z" > f
		print "  by: bench" > f
		print "  ai: { model: claude-sonnet-4, patch: patch-" id " }" > f
		print "links:" > f
		print "  homepage: https://example.org/" id > f
		print "  repository: https://git.example.org/" id > f
		print "entities:" > f
		print "  - { name: " e1 ", plural: " e1 "s, description: " para(8) " }" > f
		print "  - { name: " e2 ", plural: " e2 "s, description: " para(8) " }" > f
		print "  - { name: " e3 ", description: " para(6) " }" > f
		print "api:" > f
		print "  basePath: /" id > f
		print "  routes:" > f
		split(e1 " " e2, crud, " ")
		for (c = 1; c <= 2; c++) {
			p = "/" tolower(crud[c]) "s"
			print "    - { method: GET, path: " p ", entity: " crud[c] ", operation: list, permissions: [\"" id ":read\"] }" > f
			print "    - { method: POST, path: " p ", entity: " crud[c] ", operation: create, permissions: [\"" id ":write\"] }" > f
			print "    - { method: GET, path: \"" p "/{id}\", entity: " crud[c] ", operation: read }" > f
			print "    - { method: PUT, path: \"" p "/{id}\", entity: " crud[c] ", operation: update, permissions: [\"" id ":write\"] }" > f
			print "    - { method: DELETE, path: \"" p "/{id}\", entity: " crud[c] ", operation: delete, permissions: [\"" id ":write\"] }" > f
		}
		print "    - { method: POST, path: /" tolower(e3) "/recompute, entity: " e3 ", operation: recompute }" > f
		print "capabilities:" > f
		print "  - { type: action, entity: " e3 ", operations: [recompute], endpoints: [/" id "/" tolower(e3) "/recompute], description: Recompute derived data. }" > f
		print "actions:" > f
		print "  - { name: recompute, description: " para(7) ", permissions: [\"" id ":write\"] }" > f
		print "jobs:" > f
		print "  - { name: nightly-" i ", schedule: \"" (i % 60) " 3 * * *\", timeout: 300000, retries: 2 }" > f
		print "events:" > f
		print "  publishes:" > f
		print "    - { name: " id ".changed, entity: " e1 ", description: " para(6) " }" > f
		if (i > 1) print "  subscribes: [mod-" sprintf("%05d", 1 + int(rand() * (i - 1))) ".changed]" > f
		print "ui:" > f
		print "  pages: [{ path: /" id ", title: " e1 "s, icon: box }]" > f
		print "  navigation: [{ label: " e1 "s, path: /" id ", order: " (i % 100) " }]" > f
		if (i > 1) {
			print "relationships:" > f
			t1 = 1 + int(rand() * (i - 1))
			print "  - { target: " sprintf("mod-%05d", t1) ", type: dependency, version: \"^1.0.0\", description: " para(6) " }" > f
			if (i > 2) {
				t2 = 1 + int(rand() * (i - 1))
				if (t2 != t1) print "  - { target: " sprintf("mod-%05d", t2) ", type: data-flow, entities: [" e1 "], description: " para(5) " }" > f
			}
		}
		print "config:" > f
		print "  apiUrl: { type: url, label: API URL, required: true }" > f
		print "  apiToken: { type: password, required: true, description: Token for the upstream API. }" > f
		print "  batchSize: { type: integer, default: 100, min: 1, max: 10000 }" > f
		print "  region: { type: enum, values: [eu, us], default: eu }" > f
		print "permissions: [\"" id ":read\", \"" id ":write\"]" > f
		print "requires:" > f
		print "  packages: { libpq: \">=15\" }" > f
		print "ai:" > f
		print "  purpose: " para(10) > f
		print "  category: " pick(cats, ncat) > f
		print "  keywords: [" k1 ", " k2 ", " k3 ", " tolower(e1) "]" > f
		print "  patterns: [\"show me the " tolower(e1) "s\", \"recompute " tolower(e3) "\"]" > f
		print "  concepts: [" pick(lorem, nlorem) " " pick(lorem, nlorem) "]" > f
		print "  contextProviders:" > f
		print "    - { name: recent, endpoint: /" id "/ai/context/recent, cacheSeconds: 300, description: The latest records. }" > f
		print "health:" > f
		print "  maxErrorRate: 0.05" > f
		print "  maxResponseMs: 800" > f
		print "  staleAfter: 24h" > f
		close(f)
		r = d "/README.md"
		print "# Synthetic module " i "\n" > r
		size = 2048 + int(rand() * 4096)
		written = 0
		sec = 0
		while (written < size) {
			if (written == 0 || rand() < 0.2) { s = "## Section " (++sec) "\n"; printf "%s\n", s > r; written += length(s) + 1 }
			s = para(20 + int(rand() * 40))
			printf "%s\n\n", s > r
			written += length(s) + 2
		}
		close(r)
	}
}'
