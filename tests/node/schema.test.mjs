// schema.test.mjs — every JSON file `modreg index` writes is checked with a real
// JSON Schema 2020-12 validator (ajv, strict mode) against schema/*.schema.json:
// the example registry, fixture registries with invalid, stale and never-valid
// modules, the example manifests against module.schema.json, and mutated copies
// that the schemas must reject (so that they can fail at all).
// Usage: node tests/node/schema.test.mjs   (binary: $MODREG, default build/modreg)
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";

import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import YAML from "yaml";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const MODREG = resolve(ROOT, process.env.MODREG || "build/modreg");
const EPOCH = "1795000000";
const SCHEMA_BASE = "https://modreg.dev/schema/context/v1/";

// ---------------------------------------------------------------- bookkeeping

let passed = 0;
const failures = [];

function check(name, fn) {
	try {
		fn();
		passed++;
		console.log(`ok - ${name}`);
	} catch (e) {
		failures.push(name);
		console.log(`not ok - ${name}\n  ${String(e.message || e).split("\n").join("\n  ")}`);
	}
}

function fail(msg) {
	throw new Error(msg);
}

function assert(cond, msg) {
	if (!cond) fail(msg);
}

const tmp = mkdtempSync(join(tmpdir(), "modreg-schema-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------- schemas

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const schemaFiles = ["context", "api-module-list", "health", "status"];
for (const f of schemaFiles) ajv.addSchema(readJson(join(ROOT, "schema", `${f}.schema.json`)));

function validator(ref) {
	const v = ajv.getSchema(ref);
	if (!v) fail(`no schema ${ref}`);
	return v;
}

let V;
check("schemas compile in ajv strict mode (context, api-module-list, health, status)", () => {
	V = {
		context: validator(`${SCHEMA_BASE}context.schema.json`),
		module: validator(`${SCHEMA_BASE}context.schema.json#/$defs/module`),
		list: validator(`${SCHEMA_BASE}api-module-list.schema.json`),
		health: validator(`${SCHEMA_BASE}health.schema.json`),
		status: validator(`${SCHEMA_BASE}status.schema.json`),
	};
	// the per-module parts of the AI context API: {id, <part>} (statistics adds health)
	const part = (key, def) => ({
		type: "object",
		required: ["id", key],
		additionalProperties: false,
		properties: {
			id: { $ref: `${SCHEMA_BASE}context.schema.json#/$defs/id` },
			[key]: def,
			...(key === "statistics" ? { health: { $ref: `${SCHEMA_BASE}context.schema.json#/$defs/health` } } : {}),
		},
		...(key === "statistics" ? { required: ["id", key, "health"] } : {}),
	});
	const ctx = `${SCHEMA_BASE}context.schema.json#/$defs/moduleBody/properties/`;
	V.parts = {
		capabilities: ajv.compile(part("capabilities", { $ref: `${ctx}capabilities` })),
		relationships: ajv.compile(part("relationships", { $ref: `${ctx}relationships` })),
		statistics: ajv.compile(part("statistics", { $ref: `${ctx}statistics` })),
	};
	// never-valid modules have no parts: the files hold null
	V.nullParts = ajv.compile({
		type: "object",
		required: ["id"],
		properties: {
			id: { $ref: `${SCHEMA_BASE}context.schema.json#/$defs/id` },
			capabilities: { type: "null" },
			relationships: { type: "null" },
			statistics: { type: "null" },
			health: { type: "null" },
		},
		additionalProperties: false,
	});
	V.syncLog = ajv.compile({
		type: "object",
		required: ["time", "id", "action", "oldVersion", "newVersion", "sha256"],
		additionalProperties: false,
		properties: {
			time: { type: "string", format: "date-time" },
			id: { $ref: `${SCHEMA_BASE}context.schema.json#/$defs/id` },
			action: { enum: ["added", "updated", "removed", "invalid"] },
			oldVersion: { type: ["string", "null"] },
			newVersion: { type: ["string", "null"] },
			sha256: { type: ["string", "null"], pattern: "^[0-9a-f]{64}$" },
		},
	});
});
if (!V) finish();

check("the diagnostic code enum is the code table of core/diag.c, with its severities", () => {
	const src = readFileSync(join(ROOT, "core/diag.c"), "utf8");
	const table = [...src.matchAll(/\{"([a-z0-9-]+)", MR_(ERROR|WARNING),/g)];
	assert(table.length > 30, `found only ${table.length} codes in core/diag.c`);
	const schema = readJson(join(ROOT, "schema/context.schema.json"));
	const codes = schema.$defs.code.enum;
	const warnings = schema.$defs.warningCode.enum;
	const want = table.map((m) => m[1]);
	const wantWarn = table.filter((m) => m[2] === "WARNING").map((m) => m[1]);
	assert(isDeepStrictEqual([...codes].sort(), [...want].sort()), `schema codes ${diffSets(codes, want)}`);
	assert(isDeepStrictEqual([...warnings].sort(), [...wantWarn].sort()), `schema warning codes ${diffSets(warnings, wantWarn)}`);
});

// ---------------------------------------------------------------- helpers

function readJson(path) {
	return JSON.parse(readFileSync(path, "utf8"));
}

function diffSets(have, want) {
	const h = new Set(have), w = new Set(want);
	return `missing [${want.filter((x) => !h.has(x))}] extra [${have.filter((x) => !w.has(x))}]`;
}

function errorsOf(v) {
	return ajv.errorsText(v.errors, { separator: "\n", dataVar: "" }).split("\n").slice(0, 12).join("\n");
}

function mustValidate(v, data, what) {
	if (!v(data)) fail(`${what} is invalid:\n${errorsOf(v)}`);
}

function index(registry, out, stats) {
	const args = ["index", "--registry", registry, "--out", out, "-q"];
	if (stats) args.push("--stats", stats);
	const r = spawnSync(MODREG, args, { cwd: ROOT, env: { ...process.env, SOURCE_DATE_EPOCH: EPOCH }, encoding: "utf8" });
	if (r.error) fail(`cannot run ${MODREG}: ${r.error.message}`);
	if (r.status !== 0) fail(`modreg ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
	return readJson(join(out, "context.json"));
}

const SPEC_TOP = ["schemaVersion", "generator", "registry", "modules", "relationships", "graph", "index", "diagnostics"];
const SPEC_MODULE = [
	"id", "name", "description", "type", "version", "status", "valid", "stale", "health", "owner", "license",
	"tags", "created", "links", "requires", "entities", "api", "capabilities", "actions", "jobs", "events", "ui",
	"relationships", "config", "permissions", "ai", "statistics", "docs", "source", "diagnostics", "extensions",
];

// Every output of one index run, validated; returns the number of files checked.
function validateOutputs(out, label) {
	let files = 0;
	const ctx = readJson(join(out, "context.json"));
	mustValidate(V.context, ctx, `${label}: context.json`);
	files++;
	assert(isDeepStrictEqual(Object.keys(ctx), SPEC_TOP), `${label}: top-level keys ${Object.keys(ctx)} are not in SPEC §4 order`);
	const ids = ctx.modules.map((m) => m.id);
	assert(isDeepStrictEqual(ids, [...ids].sort(bytewise)), `${label}: modules are not sorted by id`);
	for (const m of ctx.modules)
		if (m.name !== undefined)
			assert(isDeepStrictEqual(Object.keys(m), SPEC_MODULE), `${label}: module ${m.id} keys are not in SPEC §4 order: ${Object.keys(m)}`);
	const rc = ctx.registry;
	const valid = ctx.modules.filter((m) => m.valid).length;
	assert(rc.modules === ctx.modules.length && rc.valid === valid && rc.invalid === rc.modules - valid,
		`${label}: registry counts ${JSON.stringify(rc)} do not match the modules`);
	const sev = (s) => ctx.diagnostics.filter((d) => d.severity === s).length;
	assert(rc.errors === sev("error") && rc.warnings === sev("warning"), `${label}: error/warning counts do not match the diagnostics`);
	const hc = { healthy: 0, warning: 0, error: 0, unknown: 0 };
	for (const m of ctx.modules) hc[m.health ? m.health.status : "error"]++;
	assert(isDeepStrictEqual(rc.health, hc), `${label}: health counts ${JSON.stringify(rc.health)} != ${JSON.stringify(hc)}`);
	const rels = ctx.relationships.map((r) => [r.source, r.type, r.target].join("\u0000"));
	assert(isDeepStrictEqual(rels, [...rels].sort(bytewise)), `${label}: relationships are not sorted by source, type, target`);

	const list = readJson(join(out, "api/ai/modules.json"));
	mustValidate(V.list, list, `${label}: api/ai/modules.json`);
	assert(isDeepStrictEqual(list.modules.map((m) => m.id), ids), `${label}: modules.json ids differ from context.json`);
	const health = readJson(join(out, "api/ai/health.json"));
	mustValidate(V.health, health, `${label}: api/ai/health.json`);
	assert(isDeepStrictEqual(health.modules.map((m) => m.id), ids), `${label}: health.json ids differ from context.json`);
	for (const h of health.modules) {
		const m = ctx.modules.find((x) => x.id === h.id);
		if (m.health) assert(h.status === m.health.status, `${label}: health.json says ${h.id} is ${h.status}, context.json ${m.health.status}`);
		else assert(h.status === "error", `${label}: health.json: never-valid ${h.id} is ${h.status}, not error`);
	}
	files += 2;
	const dir = join(out, "api/ai/modules");
	const onDisk = readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort(bytewise);
	assert(isDeepStrictEqual(onDisk, ids), `${label}: api/ai/modules/*.json are [${onDisk}], modules are [${ids}]`);
	for (const id of ids) {
		const m = readJson(join(dir, `${id}.json`));
		mustValidate(V.module, m, `${label}: api/ai/modules/${id}.json`);
		assert(isDeepStrictEqual(m, ctx.modules[ids.indexOf(id)]), `${label}: api/ai/modules/${id}.json differs from its context.json entry`);
		files++;
		for (const part of ["capabilities", "relationships", "statistics"]) {
			const p = readJson(join(dir, id, `${part}.json`));
			mustValidate(m.name === undefined ? V.nullParts : V.parts[part], p, `${label}: api/ai/modules/${id}/${part}.json`);
			files++;
		}
	}
	if (existsSync(join(out, "status.json"))) {
		mustValidate(V.status, readJson(join(out, "status.json")), `${label}: status.json`);
		files++;
	}
	if (existsSync(join(out, "sync.log"))) {
		const lines = readFileSync(join(out, "sync.log"), "utf8").split("\n");
		assert(lines.pop() === "", `${label}: sync.log does not end with a newline`);
		lines.forEach((l, i) => mustValidate(V.syncLog, JSON.parse(l), `${label}: sync.log line ${i + 1}`));
		files++;
	}
	return { files, ctx };
}

function bytewise(a, b) {
	const x = Buffer.from(a), y = Buffer.from(b);
	return Buffer.compare(x, y);
}

// ---------------------------------------------------------------- (a) the example registry

const statsDir = join(ROOT, "tests/golden-context/stats");
let example = null;
check("(a) example registry: context.json, api/ai/modules.json, health.json, every api/ai/modules/*.json (and parts), status.json, sync.log", () => {
	const out = join(tmp, "example");
	index(join(ROOT, "registry"), out, existsSync(statsDir) ? statsDir : null);
	const r = validateOutputs(out, "example");
	example = r.ctx;
	assert(example.modules.length > 0, "the example registry has no modules");
	assert(example.modules.every((m) => m.valid), `invalid example modules: ${example.modules.filter((m) => !m.valid).map((m) => m.id)}`);
	console.log(`  ${r.files} files, ${example.modules.length} modules`);
});

// ---------------------------------------------------------------- (b) fixture registries

const README = "# A module\n\nUsed by the schema tests.\n";
const ALPHA = `apiVersion: modreg/v1
name: Alpha
description: The alpha fixture, with a bit of everything.
type: crud
version: 1.0.0
owner: team-a
tags: [alpha]
entities:
  - { name: Widget, plural: Widgets, description: A widget. }
api:
  basePath: /alpha
  routes:
    - { method: GET, path: /widgets, entity: Widget }
    - { method: POST, path: /widgets, entity: Widget, permissions: ["alpha:write"] }
    - { method: GET, path: "/widgets/{id}", entity: Widget }
events:
  publishes:
    - { name: widget.created, entity: Widget }
relationships:
  - { target: beta, type: dependency, version: "^1.0.0", config: { mode: sync, depth: 2 } }
config:
  apiToken: { type: password, required: true, description: Token for the API. }
  region: { type: enum, values: [eu, us], default: eu }
  retries: { type: integer, default: 3, min: 0, max: 10 }
  signingSecret: { type: string, sensitive: true }
permissions: ["alpha:read", "alpha:write"]
ai:
  purpose: Keep widgets.
  keywords: [widget]
x-note: { list: [1, 2.5, true, null], text: "kept verbatim" }
`;
const BETA = `apiVersion: modreg/v1
name: Beta
description: Beta depends on a module that does not exist.
type: library
version: 1.2.0
relationships:
  - { target: nowhere, type: integration }
  - { target: alpha, type: data-flow, entities: [Widget] }
events:
  subscribes: [thing.happened]
`;
const GAMMA = `apiVersion: modreg/v1
name: Gamma
descripton: a typo, and no description
type: gizmo
version: "1.0"
`;
const DELTA = "apiVersion: modreg/v1\nname: [unclosed\n";
const ZETA = `apiVersion: modreg/v1
name: Zeta
description: A secret with a default.
type: service
version: 0.1.0
config:
  dbPassword: { type: password, default: not-a-real-one }
`;

function writeModule(reg, id, yaml, readme = true) {
	mkdirSync(join(reg, id), { recursive: true });
	writeFileSync(join(reg, id, "module.yaml"), yaml);
	if (readme) writeFileSync(join(reg, id, "README.md"), README);
}

const fx = join(tmp, "fixture");
const fxReg = join(fx, "registry"), fxStats = join(fx, "stats"), fxOut = join(fx, "out");
writeModule(fxReg, "alpha", ALPHA);
writeModule(fxReg, "beta", BETA, false);
writeModule(fxReg, "gamma", GAMMA);
writeModule(fxReg, "delta", DELTA);
writeModule(fxReg, "zeta", ZETA);
mkdirSync(join(fxReg, "not-a-module"), { recursive: true });
mkdirSync(fxStats, { recursive: true });
writeFileSync(join(fxStats, "alpha.json"), JSON.stringify({ collectedAt: "2026-11-18T11:00:00Z", requests: 10, errors: 5, averageResponseMs: 2000.5, entities: { Widget: { recordCount: 3, lastUpdate: null } } }));
writeFileSync(join(fxStats, "beta.json"), "{ not json");
writeFileSync(join(fxStats, "ghost.json"), "{}");

let first = null;

function byId(ctx, id) {
	const m = ctx.modules.find((x) => x.id === id);
	if (!m) fail(`module ${id} is not in context.json`);
	return m;
}

check("(b) fixture registry: valid, never-valid (unknown key, YAML syntax, secret default) modules and registry diagnostics validate", () => {
	index(fxReg, fxOut, fxStats);
	const r = validateOutputs(fxOut, "fixture");
	first = r.ctx;
	for (const id of ["gamma", "delta", "zeta"]) {
		const m = byId(first, id);
		assert(isDeepStrictEqual(Object.keys(m), ["id", "valid", "diagnostics"]), `${id}: a never-valid entry has keys ${Object.keys(m)}`);
	}
	const codes = new Set(first.diagnostics.map((d) => d.code));
	for (const c of ["unknown-key", "yaml-syntax", "sensitive-default", "unknown-target", "not-a-module", "orphaned-stats", "bad-stats", "missing-readme"])
		assert(codes.has(c), `expected a ${c} diagnostic; have ${[...codes]}`);
	const alpha = byId(first, "alpha");
	assert(alpha.valid && !alpha.stale && alpha.health.status === "error", `alpha: ${JSON.stringify(alpha.health)}`);
	assert(alpha.statistics && alpha.statistics.errorRate === 0.5, "alpha: statistics not carried");
	assert(isDeepStrictEqual(alpha.extensions["x-note"], { list: [1, 2.5, true, null], text: "kept verbatim" }), "alpha: x-note not kept verbatim");
	const token = alpha.config.find((c) => c.key === "apiToken");
	assert(token && token.sensitive && token.default === null, "alpha: apiToken is not sensitive without default");
	assert(alpha.capabilities.some((c) => c.source === "detected" && c.entity === "Widget"), "alpha: no detected crud capability");
	console.log(`  ${r.files} files; diagnostic codes: ${[...codes].sort().join(" ")}`);
});

check("(b) last known good: alpha broken after a valid index is stale with its last valid content", () => {
	assert(first, "no first index");
	writeFileSync(join(fxReg, "alpha", "module.yaml"), ALPHA.replace("name: Alpha\n", "name: Alpha Renamed\ncolour: blue\n"));
	index(fxReg, fxOut, fxStats);
	const { ctx } = validateOutputs(fxOut, "fixture (alpha broken)");
	const before = byId(first, "alpha"), now = byId(ctx, "alpha");
	assert(now.valid === false && now.stale === true, `alpha: valid ${now.valid}, stale ${now.stale}`);
	assert(now.name === "Alpha", `alpha: stale entry has name ${now.name}, not the last valid "Alpha"`);
	assert(isDeepStrictEqual(Object.keys(now), Object.keys(before)), "alpha: stale entry keys differ from the valid entry");
	for (const k of Object.keys(before))
		if (!["valid", "stale", "health", "diagnostics"].includes(k))
			assert(isDeepStrictEqual(now[k], before[k]), `alpha: stale entry's ${k} is not the last valid content`);
	assert(now.health.status === "error", `alpha: stale health ${now.health.status}`);
	assert(now.diagnostics.some((d) => d.code === "unknown-key"), "alpha: stale entry lacks the unknown-key diagnostic");
	const status = readJson(join(fxOut, "status.json"));
	assert(status.changes.some((c) => c.id === "alpha" && c.action === "invalid"), "status.json does not report alpha as invalid");
	const list = readJson(join(fxOut, "api/ai/modules.json"));
	const entry = list.modules.find((m) => m.id === "alpha");
	assert(entry.valid === false && entry.stale === true && entry.name === "Alpha", "modules.json: alpha is not listed as stale");
});

check("(b) last known good survives a second index (stale from stale), then a fix makes alpha current again", () => {
	const before = readFileSync(join(fxOut, "context.json"));
	index(fxReg, fxOut, fxStats);
	validateOutputs(fxOut, "fixture (alpha still broken)");
	assert(Buffer.compare(before, readFileSync(join(fxOut, "context.json"))) === 0, "re-indexing a stale registry changed context.json");
	writeFileSync(join(fxReg, "alpha", "module.yaml"), ALPHA.replace("version: 1.0.0", "version: 1.0.1"));
	index(fxReg, fxOut, fxStats);
	const { ctx } = validateOutputs(fxOut, "fixture (alpha fixed)");
	const a = byId(ctx, "alpha");
	assert(a.valid === true && a.stale === false && a.version === "1.0.1", `alpha after the fix: valid ${a.valid} stale ${a.stale} ${a.version}`);
	assert(byId(ctx, "gamma").name === undefined, "gamma gained content although it was never valid");
});

check("(b) a change without a version bump: version-not-bumped is an event of status.json, not a diagnostic of context.json", () => {
	writeFileSync(join(fxReg, "alpha", "module.yaml"), ALPHA.replace("version: 1.0.0", "version: 1.0.1").replace("Keep widgets.", "Keep widgets safe."));
	index(fxReg, fxOut, fxStats);
	const { ctx } = validateOutputs(fxOut, "fixture (alpha changed, same version)");
	const status = readJson(join(fxOut, "status.json"));
	assert(status.events.some((e) => e.code === "version-not-bumped" && e.module === "alpha"), "status.json has no version-not-bumped event for alpha");
	assert(!JSON.stringify(ctx).includes("version-not-bumped"), "context.json mentions version-not-bumped");
	writeFileSync(join(fxReg, "alpha", "module.yaml"), ALPHA);
});

check("(b) a module that is invalid from the start, with no previous context.json, is a never-valid entry", () => {
	const out = join(tmp, "fresh-out");
	writeFileSync(join(fxReg, "alpha", "module.yaml"), ALPHA.replace("type: crud", "type: crud\ntype: crud"));
	index(fxReg, out, fxStats);
	const { ctx } = validateOutputs(out, "fixture (fresh, alpha broken)");
	const a = byId(ctx, "alpha");
	assert(isDeepStrictEqual(Object.keys(a), ["id", "valid", "diagnostics"]), `alpha keys ${Object.keys(a)}`);
	assert(a.diagnostics.some((d) => d.code === "duplicate-key"), "alpha: no duplicate-key diagnostic");
	writeFileSync(join(fxReg, "alpha", "module.yaml"), ALPHA);
});

// ---------------------------------------------------------------- (c) manifests against module.schema.json

const moduleSchemaPath = join(ROOT, "schema/module.schema.json");
if (!existsSync(moduleSchemaPath)) {
	console.log("skip - (c) schema/module.schema.json does not exist yet");
} else {
	let vm = null;
	check("(c) schema/module.schema.json compiles in ajv strict mode", () => {
		const a = new Ajv2020({ strict: true, allErrors: true });
		addFormats(a);
		vm = a.compile(readJson(moduleSchemaPath));
		vm.ajv = a;
	});
	if (vm) {
		const dirs = readdirSync(join(ROOT, "registry"), { withFileTypes: true })
			.filter((d) => d.isDirectory() && !d.name.startsWith(".") && existsSync(join(ROOT, "registry", d.name, "module.yaml")))
			.map((d) => d.name).sort(bytewise);
		check(`(c) every registry/*/module.yaml (${dirs.length}) validates against schema/module.schema.json`, () => {
			const bad = [];
			for (const id of dirs) {
				const doc = YAML.parse(readFileSync(join(ROOT, "registry", id, "module.yaml"), "utf8"));
				if (!vm(doc)) bad.push(`${id}: ${vm.ajv.errorsText(vm.errors, { separator: "; " })}`);
			}
			assert(dirs.length > 0, "no manifests found");
			assert(!bad.length, bad.join("\n"));
		});
		check("(c) module.schema.json rejects what modreg rejects (unknown key, bad type, secret default) and accepts the fixtures modreg accepts", () => {
			for (const [name, text, want] of [["alpha", ALPHA, true], ["beta", BETA, true], ["gamma", GAMMA, false], ["zeta", ZETA, false]]) {
				const ok = vm(YAML.parse(text));
				assert(ok === want, `${name}: module.schema.json says ${ok ? "valid" : "invalid"}${ok ? "" : `: ${vm.ajv.errorsText(vm.errors)}`}`);
			}
		});
	}
}

// ---------------------------------------------------------------- (d) the schemas can fail

const mutations = [
	["a default on a sensitive config item", (c) => sensitiveItem(c).default = "hunter2", "/config/"],
	["a default on a password config item marked not sensitive", (c) => Object.assign(sensitiveItem(c, "password"), { sensitive: false }), "/config/"],
	["a wrong health status", (c) => c.modules[0].health.status = "sick", "/health/status"],
	["a missing module key (capabilities)", (c) => delete c.modules[0].capabilities, "capabilities"],
	["a missing module key (extensions)", (c) => delete c.modules.at(-1).extensions, "extensions"],
	["an unknown module key", (c) => c.modules[0].secretValue = "x", "secretValue"],
	["a reason on a healthy module", (c) => Object.assign(c.modules[0].health, { status: "healthy", reasons: ["fine"] }), "/health/reasons"],
	["a stale flag on a valid module", (c) => c.modules[0].stale = true, "/stale"],
	["a never-valid entry with content", (c) => { const m = c.modules[0]; c.modules[0] = { id: m.id, valid: false, diagnostics: [diag("unknown-key", "error")], name: m.name }; }, "name"],
	["a never-valid entry without an error", (c) => c.modules[0] = { id: c.modules[0].id, valid: false, diagnostics: [] }, "/diagnostics"],
	["an unknown diagnostic code", (c) => c.diagnostics.push(diag("no-such-code", "error")), "/diagnostics/"],
	["a warning code with severity error", (c) => c.diagnostics.push(diag("missing-readme", "error")), "/severity"],
	["a detected capability that is not crud", (c) => Object.assign(capability(c), { type: "query", source: "detected" }), "/capabilities/"],
	["a capability source other than declared or detected", (c) => capability(c).source = "guessed", "/source"],
	["a relationship type outside the enum", (c) => c.relationships[0].type = "friendship", "/relationships/0/type"],
	["a non-dependency relationship with a version", (c) => Object.assign(c.relationships.find((r) => r.type !== "dependency"), { version: "^1.0.0" }), "/version"],
	["an index entry pointing at a non-id", (c) => c.index.keywords.zzz = ["Not An Id"], "/index/keywords/zzz"],
	["an index entry that is not a list", (c) => c.index.entities.zzz = "crm", "/index/entities/zzz"],
	["a module id that is not an id", (c) => c.modules[0].id = "Bad_Id", "/modules/0/id"],
	["schemaVersion 2", (c) => c.schemaVersion = "2.0.0", "/schemaVersion"],
	["a registry count that is negative", (c) => c.registry.errors = -1, "/registry/errors"],
	["a config type outside the enum", (c) => c.modules[0].config.push({ key: "x", type: "secret", label: null, description: null, required: false, sensitive: false, default: null, min: null, max: null, values: [] }), "/config/"],
];

function sensitiveItem(c, type) {
	for (const m of c.modules)
		for (const it of m.config || []) if (it.sensitive && (!type || it.type === type)) return it;
	fail("no sensitive config item in the produced context.json to mutate");
}

function capability(c) {
	for (const m of c.modules) if (m.capabilities && m.capabilities.length) return m.capabilities[0];
	fail("no capability to mutate");
}

function diag(code, severity) {
	return { file: "x/module.yaml", line: 1, column: 1, severity, code, message: "m", module: "x", notes: [] };
}

check(`(d) ${mutations.length} mutated copies of a produced context.json are each rejected, at the mutated place`, () => {
	assert(first && example, "no produced context.json");
	// the fixture's first context.json has a sensitive config item and never-valid entries; the example all the rest
	const base = { ...example, modules: [...example.modules, byId(first, "alpha")].sort((a, b) => bytewise(a.id, b.id)) };
	mustValidate(V.context, base, "the unmutated copy");
	const missed = [];
	for (const [what, mutate, where] of mutations) {
		const copy = structuredClone(base);
		mutate(copy);
		if (V.context(copy)) missed.push(`${what}: accepted`);
		else if (!V.context.errors.some((e) => (e.instancePath + " " + JSON.stringify(e.params)).includes(where)))
			missed.push(`${what}: rejected, but not at ${where}: ${errorsOf(V.context)}`);
		else console.log(`  rejected: ${what}`);
	}
	assert(!missed.length, missed.join("\n"));
});

check("(d) the small schemas reject mutated copies (modules.json health, health.json status, status.json counts)", () => {
	const out = join(tmp, "example");
	const list = readJson(join(out, "api/ai/modules.json"));
	list.modules[0].health = "sick";
	assert(!V.list(list), "modules.json with health 'sick' accepted");
	const health = readJson(join(out, "api/ai/health.json"));
	health.modules[0].status = "ok";
	assert(!V.health(health), "health.json with status 'ok' accepted");
	const status = readJson(join(out, "status.json"));
	delete status.unchanged;
	assert(!V.status(status), "status.json without 'unchanged' accepted");
	const module = readJson(join(out, "api/ai/modules", `${example.modules[0].id}.json`));
	module.valid = false;
	assert(!V.module(module), "a module file that says valid false without stale accepted");
});

finish();

function finish() {
	console.log(`\n${passed} passed, ${failures.length} failed${failures.length ? `: ${failures.join("; ")}` : ""}`);
	process.exit(failures.length ? 1 : 0);
}
