// mcp.test.mjs — `modreg mcp` driven by the official MCP TypeScript SDK client
// (@modelcontextprotocol/sdk, pinned in package.json) over stdio, on a copy of the
// example registry: initialize, tools/list, every tool with good and bad arguments,
// resources/list, reading modreg://context and modreg://modules/{id}, the resource
// template, an unknown method and resource, fresh data after a change on disk; then raw
// stdin for what the SDK cannot send: broken JSON, request id 0, a notification, CRLF
// and blank lines, and end of input (a clean exit).
// Usage: node tests/node/mcp.test.mjs   (binary: $MODREG, default build/modreg)
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { EmptyResultSchema } from "@modelcontextprotocol/sdk/types.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const MODREG = resolve(ROOT, process.env.MODREG || "build/modreg");

// ---------------------------------------------------------------- bookkeeping

let passed = 0;
const failures = [];

async function check(name, fn) {
	try {
		await fn();
		passed++;
		console.log(`ok - ${name}`);
	} catch (e) {
		failures.push(name);
		console.log(`not ok - ${name}\n  ${String(e.stack || e.message || e).split("\n").join("\n  ")}`);
	}
}

function assert(cond, msg) {
	if (!cond) throw new Error(msg);
}

function eq(got, want, what) {
	assert(got === want, `${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

async function rejectsWith(promise, codes, what) {
	try {
		await promise;
	} catch (e) {
		assert(codes.includes(e.code), `${what}: error code ${e.code} (${e.message}), want one of ${codes}`);
		return e;
	}
	throw new Error(`${what}: no error`);
}

const tmp = mkdtempSync(join(tmpdir(), "modreg-mcp-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
const registry = join(tmp, "registry");
const out = join(tmp, "site");
cpSync(join(ROOT, "registry"), registry, { recursive: true });
mkdirSync(out);
const moduleIds = readdirSync(registry).filter((n) => statSync(join(registry, n)).isDirectory()).sort();

// ---------------------------------------------------------------- the SDK client

const transport = new StdioClientTransport({
	command: MODREG,
	args: ["mcp", "--registry", registry, "--out", out, "--stats", join(tmp, "stats")],
	env: { PATH: process.env.PATH ?? "", ASAN_OPTIONS: process.env.ASAN_OPTIONS ?? "", UBSAN_OPTIONS: process.env.UBSAN_OPTIONS ?? "" },
	stderr: "pipe",
});
let serverStderr = "";
transport.stderr?.on("data", (d) => (serverStderr += d));
const client = new Client({ name: "modreg-test", version: "0.0.1" });

const text = (res) => res.content.map((c) => c.text).join("\n");
const call = (name, args) => client.callTool({ name, arguments: args });

await check("initialize: protocol version, server info, capabilities, instructions", async () => {
	await client.connect(transport);
	const info = client.getServerVersion();
	eq(info.name, "modreg", "serverInfo.name");
	assert(typeof info.version === "string" && info.version.length, "serverInfo.version");
	const caps = client.getServerCapabilities();
	assert(caps.tools && caps.resources, `capabilities: ${JSON.stringify(caps)}`);
	assert(/find_similar/.test(client.getInstructions() ?? ""), "instructions tell a model to call find_similar");
	await client.ping();
});

let tools = [];
await check("tools/list: five tools, each with an object input schema and a useful description", async () => {
	({ tools } = await client.listTools());
	eq(tools.map((t) => t.name).sort().join(","), "find_similar,get_dependencies,get_module,list_modules,validate_manifest", "tools");
	for (const t of tools) {
		eq(t.inputSchema.type, "object", `${t.name} inputSchema.type`);
		eq(t.inputSchema.additionalProperties, false, `${t.name} additionalProperties`);
		assert(t.description.length > 100, `${t.name}: description too short`);
		assert(t.outputSchema?.type === "object", `${t.name}: outputSchema`);
	}
	assert(/before proposing or creating a new module/.test(tools.find((t) => t.name === "find_similar").description),
		"find_similar says when to call it");
});

await check("list_modules: every module, and the filters", async () => {
	let r = await call("list_modules", {});
	assert(!r.isError, text(r));
	eq(r.structuredContent.count, moduleIds.length, "count");
	eq(r.structuredContent.modules.map((m) => m.id).join(","), moduleIds.join(","), "ids");
	assert(/^ID\s+TYPE/.test(text(r)), "a table for the model to read");
	r = await call("list_modules", { status: "deprecated" });
	assert(r.structuredContent.modules.every((m) => m.status === "deprecated"), "status filter");
	r = await call("list_modules", { type: "crud", text: "customer" });
	assert(r.structuredContent.modules.some((m) => m.id === "crm"), "crm is a crud module about customers");
	assert(r.structuredContent.modules.every((m) => m.type === "crud"), "type filter");
	r = await call("list_modules", { text: "no-such-word-anywhere" });
	eq(r.structuredContent.count, 0, "no match is an empty answer, not an error");
	assert(!r.isError, "not an error");
});

await check("list_modules: bad arguments are tool errors the model can read", async () => {
	for (const [args, why] of [
		[{ status: "gone" }, /status must be one of/],
		[{ type: 3 }, /type must be a string/],
		[{ colour: "red" }, /unknown argument 'colour'/],
	]) {
		const r = await call("list_modules", args);
		eq(r.isError, true, `isError for ${JSON.stringify(args)}`);
		assert(why.test(text(r)), `message for ${JSON.stringify(args)}: ${text(r)}`);
	}
});

await check("get_module: the whole module, and an unknown id", async () => {
	const r = await call("get_module", { id: "crm" });
	assert(!r.isError, text(r));
	eq(r.structuredContent.id, "crm", "id");
	assert(r.structuredContent.entities.some((e) => e.name === "Customer"), "entities");
	assert(Array.isArray(r.structuredContent.relationships.incoming), "relationships in both directions");
	assert(/^crm — /.test(text(r)), "text for the model");
	const u = await call("get_module", { id: "crmm" });
	eq(u.isError, true, "unknown id is a tool error");
	assert(/did you mean 'crm'/.test(text(u)), text(u));
	for (const args of [{}, { id: 5 }, { id: "Not Valid" }, { id: "crm", extra: true }]) {
		const b = await call("get_module", args);
		eq(b.isError, true, `isError for ${JSON.stringify(args)}`);
	}
});

await check("get_dependencies: outgoing, incoming, transitive impact, bad arguments", async () => {
	let r = await call("get_dependencies", { id: "crm" });
	assert(!r.isError, text(r));
	eq(r.structuredContent.direction, "outgoing", "default direction");
	assert(r.structuredContent.modules.some((m) => m.id === "core-auth"), "crm relies on core-auth");
	r = await call("get_dependencies", { id: "core-auth", direction: "incoming", transitive: true });
	const ids = r.structuredContent.modules.map((m) => m.id);
	assert(ids.includes("crm"), `crm depends on core-auth: ${ids}`);
	assert(r.structuredContent.modules.every((m) => m.depth >= 1 && m.via), "depth and via");
	const direct = await call("get_dependencies", { id: "core-auth", direction: "incoming" });
	assert(direct.structuredContent.count <= r.structuredContent.count, "the closure holds the direct ones");
	r = await call("get_dependencies", { id: "core-auth", direction: "incoming", types: ["hierarchical"] });
	eq(r.structuredContent.count, 0, "no module is a child of core-auth");
	for (const args of [{ direction: "incoming" }, { id: "crm", direction: "up" }, { id: "crm", transitive: "yes" },
		{ id: "crm", types: ["friendship"] }]) {
		const b = await call("get_dependencies", args);
		eq(b.isError, true, `isError for ${JSON.stringify(args)}`);
	}
	const u = await call("get_dependencies", { id: "nope" });
	eq(u.isError, true, "unknown id");
});

await check("find_similar: a near-duplicate of crm, a new module, bad arguments", async () => {
	let r = await call("find_similar", {
		name: "Client Management",
		description: "Keeps track of clients and what they bought.",
		entities: ["customers", "ORDER"],
		endpoints: ["GET /customers/{customerId}", "POST /orders"],
		keywords: ["clients"],
	});
	assert(!r.isError, text(r));
	const top = r.structuredContent.modules[0];
	eq(top.id, "crm", "the most similar module");
	eq(top.possibleDuplicate, true, "possible duplicate");
	assert(top.score >= r.structuredContent.threshold, "score at or above the threshold");
	assert(/both manage Customer and Order/.test(top.reasons), top.reasons);
	assert(/possible duplicate/.test(text(r)), text(r));
	r = await call("find_similar", { name: "Fleet management", entities: ["Vehicle", "Trip"], keywords: ["gps"], limit: 3 });
	assert(r.structuredContent.modules.every((m) => !m.possibleDuplicate), "nothing like a fleet module exists");
	for (const args of [{}, { entities: "Customer" }, { endpoints: [1] }, { name: "x", limit: 1000 }, { nam: "typo" }]) {
		const b = await call("find_similar", args);
		eq(b.isError, true, `isError for ${JSON.stringify(args)}`);
	}
});

const validManifest = `apiVersion: modreg/v1
name: Brand New
description: A module that does not exist yet.
type: service
version: 0.1.0
relationships:
  - { target: core-auth, type: dependency, version: "^1.0.0" }
`;

await check("validate_manifest: the same rules as modreg validate, across modules too", async () => {
	let r = await call("validate_manifest", { manifest: validManifest, id: "brand-new" });
	assert(!r.isError, text(r));
	eq(r.structuredContent.valid, true, "valid");
	eq(r.structuredContent.errors, 0, "errors");
	r = await call("validate_manifest", { manifest: validManifest.replace("description", "descripton"), id: "brand-new" });
	eq(r.structuredContent.valid, false, "invalid");
	const d = r.structuredContent.diagnostics.find((x) => x.code === "unknown-key");
	assert(d && d.line === 3 && /did you mean 'description'/.test(d.message), JSON.stringify(r.structuredContent.diagnostics));
	assert(/brand-new\/module.yaml:3:1: error: unknown key/.test(text(r)), text(r));
	r = await call("validate_manifest", { manifest: validManifest.replace("core-auth", "core-authx"), id: "brand-new" });
	assert(r.structuredContent.diagnostics.some((x) => x.code === "unknown-target"), "cross-module check");
	r = await call("validate_manifest", { manifest: validManifest.replace("name: Brand New", "name: CRM"), id: "brand-new" });
	assert(r.structuredContent.diagnostics.some((x) => x.code === "duplicate-name"), "a name already taken");
	r = await call("validate_manifest", { manifest: "a: [" });
	eq(r.structuredContent.valid, false, "broken YAML");
	eq(r.structuredContent.diagnostics[0].code, "yaml-syntax", "yaml-syntax");
	for (const args of [{}, { manifest: 42 }, { manifest: validManifest, id: "Bad Id" }]) {
		const b = await call("validate_manifest", args);
		eq(b.isError, true, `isError for ${JSON.stringify(args).slice(0, 60)}`);
	}
});

await check("tools/call of an unknown tool is a protocol error (-32602)", async () => {
	await rejectsWith(client.callTool({ name: "drop_registry", arguments: {} }), [-32602], "unknown tool");
});

await check("resources/list and resources/templates/list", async () => {
	const { resources } = await client.listResources();
	const ctx = resources.find((r) => r.uri === "modreg://context");
	assert(ctx && ctx.mimeType === "application/json", "modreg://context listed");
	assert(resources.some((r) => r.uri === "modreg://modules/crm"), "modules listed");
	const { resourceTemplates } = await client.listResourceTemplates();
	eq(resourceTemplates.map((t) => t.uriTemplate).join(","), "modreg://modules/{id}", "templates");
});

await check("resources/read: modreg://context and modreg://modules/{id}", async () => {
	let r = await client.readResource({ uri: "modreg://context" });
	eq(r.contents[0].mimeType, "application/json", "mimeType");
	const doc = JSON.parse(r.contents[0].text);
	eq(doc.schemaVersion, "1.0.0", "schemaVersion");
	eq(doc.modules.length, moduleIds.length, "modules");
	r = await client.readResource({ uri: "modreg://modules/billing" });
	eq(JSON.parse(r.contents[0].text).id, "billing", "one module");
	eq(r.contents[0].uri, "modreg://modules/billing", "uri");
});

await check("resources/read of an unknown resource: -32002 (SDK v2 maps it to -32602)", async () => {
	for (const uri of ["modreg://modules/nope", "modreg://nothing", "file:///etc/passwd"]) {
		const e = await rejectsWith(client.readResource({ uri }), [-32002, -32602], uri);
		if (e.code === -32002) eq(e.data?.uri, uri, "data.uri");
	}
});

await check("an unknown method is -32601", async () => {
	await rejectsWith(client.request({ method: "prompts/list", params: {} }, EmptyResultSchema), [-32601], "prompts/list");
	await rejectsWith(client.request({ method: "no/such/method" }, EmptyResultSchema), [-32601], "no/such/method");
});

await check("fresh data: a module added on disk is seen by the next call", async () => {
	const dir = join(registry, "zz-fresh");
	mkdirSync(dir);
	writeFileSync(join(dir, "module.yaml"),
		"apiVersion: modreg/v1\nname: Fresh Module\ndescription: Added while the server runs.\ntype: library\nversion: 0.1.0\n");
	writeFileSync(join(dir, "README.md"), "# Fresh\n");
	const r = await call("list_modules", {});
	eq(r.structuredContent.count, moduleIds.length + 1, "count after adding");
	const g = await call("get_module", { id: "zz-fresh" });
	eq(g.structuredContent.name, "Fresh Module", "the new module");
	const res = await client.readResource({ uri: "modreg://modules/zz-fresh" });
	eq(JSON.parse(res.contents[0].text).id, "zz-fresh", "as a resource too");
	rmSync(dir, { recursive: true });
	const again = await call("list_modules", {});
	eq(again.structuredContent.count, moduleIds.length, "count after removing");
});

await check("close: the server exits at the end of its input", async () => {
	const exited = new Promise((res) => transport._process?.once("exit", (code) => res(code)));
	await client.close();
	const code = await Promise.race([exited, new Promise((res) => setTimeout(() => res("timeout"), 5000))]);
	assert(code === 0 || code === null, `exit code ${code}`);
});

// ---------------------------------------------------------------- raw stdin

// Run the server on the given input lines (joined with sep), close stdin, and
// return { code, lines (stdout, split), stderr }.
function raw(lines, sep = "\n", args = []) {
	return new Promise((res, rej) => {
		const child = spawn(MODREG, ["mcp", "--registry", registry, "--out", out, ...args], { stdio: ["pipe", "pipe", "pipe"] });
		let stdout = "", stderr = "";
		child.stdout.on("data", (d) => (stdout += d));
		child.stderr.on("data", (d) => (stderr += d));
		const timer = setTimeout(() => {
			child.kill("SIGKILL");
			rej(new Error("the server did not exit at end of input"));
		}, 10000);
		child.on("exit", (code) => {
			clearTimeout(timer);
			res({ code, stdout, lines: stdout.split("\n").filter((l) => l !== ""), stderr });
		});
		child.stdin.end(lines.join(sep) + (lines.length ? sep : ""));
	});
}

const init = (id) =>
	JSON.stringify({ jsonrpc: "2.0", id, method: "initialize",
		params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } });

await check("raw: id 0, a notification, broken JSON, an unknown method, end of input", async () => {
	const r = await raw([
		init(0),
		JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
		'{"jsonrpc":"2.0","id":1,"method":"ping"',
		JSON.stringify({ jsonrpc: "2.0", id: "s-1", method: "ping" }),
		JSON.stringify({ jsonrpc: "2.0", id: 2, method: "sampling/createMessage" }),
		JSON.stringify({ jsonrpc: "2.0", method: "tools/call", params: { name: "list_modules", arguments: {} } }),
	]);
	eq(r.code, 0, "exit status at end of input");
	eq(r.lines.length, 4, `replies (none for the two notifications): ${r.stdout}`);
	const msgs = r.lines.map((l) => JSON.parse(l)); // only protocol on stdout
	eq(msgs[0].id, 0, "id 0 echoed as the number 0");
	eq(msgs[0].result.protocolVersion, "2025-11-25", "protocol version");
	eq(msgs[1].id, null, "parse error has id null");
	eq(msgs[1].error.code, -32700, "parse error");
	eq(msgs[2].id, "s-1", "string id echoed");
	assert(msgs[2].result && Object.keys(msgs[2].result).length === 0, "ping result {}");
	eq(msgs[3].error.code, -32601, "unknown method");
	eq(msgs[3].id, 2, "id");
	for (const m of msgs) eq(m.jsonrpc, "2.0", "jsonrpc");
});

await check("raw: CRLF line ends, blank lines, a batch, a bad id", async () => {
	const r = await raw([
		"",
		JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/list" }),
		"   ",
		JSON.stringify([{ jsonrpc: "2.0", id: 8, method: "ping" }]),
		JSON.stringify({ jsonrpc: "2.0", id: { x: 1 }, method: "ping" }),
	], "\r\n");
	eq(r.code, 0, "exit status");
	eq(r.lines.length, 3, `replies: ${r.stdout}`);
	const msgs = r.lines.map((l) => JSON.parse(l.replace(/\r$/, "")));
	eq(msgs[0].id, 7, "tools/list answered");
	eq(msgs[0].result.tools.length, 5, "tools");
	eq(msgs[1].error.code, -32600, "a batch is an invalid request");
	eq(msgs[2].error.code, -32600, "an object id is an invalid request");
	eq(msgs[2].id, null, "with id null");
});

await check("raw: no input at all is a clean exit with no output", async () => {
	const r = await raw([]);
	eq(r.code, 0, "exit status");
	eq(r.stdout, "", "stdout");
});

await check("raw: logs go to stderr only (-v)", async () => {
	const r = await raw([init(1), JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/call",
		params: { name: "find_similar", arguments: { name: "Billing" } } })], "\n", ["-v"]);
	eq(r.code, 0, "exit status");
	eq(r.lines.length, 2, "two replies");
	for (const l of r.lines) JSON.parse(l);
	assert(/tools\/call find_similar/.test(r.stderr), `stderr log: ${r.stderr}`);
});

if (serverStderr && /ERROR: (Address|Leak)Sanitizer|runtime error/.test(serverStderr)) {
	failures.push("sanitizer report from the SDK-driven server");
	console.log(`not ok - sanitizers\n${serverStderr}`);
}
console.log(`mcp: ${passed} passed, ${failures.length} failed${failures.length ? ": " + failures.join("; ") : ""}`);
process.exit(failures.length ? 1 : 0);
