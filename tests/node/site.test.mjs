// site.test.mjs — the generated site in a real browser: Debian's chromium driven by
// playwright-core, pages opened straight from disk (file://).  It searches and filters
// the module list, opens a module, follows a neighbour in its graph, toggles a
// relationship type on the graph page, composes a configuration snippet, checks that
// nothing is fetched from another host and no script fails, and that the pages of the
// hostile test registry hold no script, handler or script URL in their DOM.
// Screenshots of the index and a module page go to tests/out/screenshots/ (light,
// dark and phone).  Usage: node tests/node/site.test.mjs   (binary: $MODREG)
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { chromium } from "playwright-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const MODREG = resolve(ROOT, process.env.MODREG || "build/modreg");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SHOTS = join(ROOT, "tests/out/screenshots");
const STEP_MS = 15000; // any single browser action
const TOTAL_MS = 240000; // the whole test, ASan build included

let passed = 0;
const failures = [];
const log = (s) => console.log(s);

async function check(name, fn) {
	try {
		await fn();
		passed++;
		log(`site: ok - ${name}`);
	} catch (e) {
		failures.push(name);
		log(`site: FAILED - ${name}\n  ${String(e && e.message ? e.message : e).split("\n").slice(0, 8).join("\n  ")}`);
	}
}

function assert(cond, msg) {
	if (!cond) throw new Error(msg);
}

const tmp = mkdtempSync(join(tmpdir(), "modreg-site-"));
let context = null;
function cleanup() {
	rmSync(tmp, { recursive: true, force: true });
}
process.on("exit", cleanup);

// the whole run is bounded: a hung browser must not hang the suite
const watchdog = setTimeout(() => {
	log(`site: FAILED - the test did not finish within ${TOTAL_MS / 1000} s`);
	try {
		if (context) context.close().catch(() => {});
	} catch {}
	cleanup();
	process.exit(1);
}, TOTAL_MS);

function build(registry, out, stats) {
	const r = spawnSync(MODREG, ["build", "-q", "--registry", registry, "--stats", stats, "--out", out], {
		cwd: ROOT,
		env: { ...process.env, SOURCE_DATE_EPOCH: "1795000000" },
		encoding: "utf8",
		timeout: 120000,
	});
	if (r.status !== 0) throw new Error(`modreg build ${registry} failed (${r.status}): ${r.stderr}`);
}

const example = join(tmp, "example");
const hostile = join(tmp, "hostile");
build(join(ROOT, "registry"), example, join(tmp, "no-stats"));
build(join(ROOT, "tests/data/site-registry"), hostile, join(ROOT, "tests/data/site-stats"));
const url = (dir, page) => pathToFileURL(join(dir, page)).href;

mkdirSync(SHOTS, { recursive: true });
context = await chromium.launchPersistentContext(join(tmp, "profile"), {
	executablePath: CHROMIUM,
	headless: true,
	args: [
		"--headless",
		"--no-sandbox",
		"--disable-gpu",
		"--disable-quic",
		"--no-first-run",
		"--disable-background-networking",
		"--disable-component-update",
		"--disable-sync",
	],
	viewport: { width: 1280, height: 900 },
	timeout: 60000,
});
context.setDefaultTimeout(STEP_MS);
context.setDefaultNavigationTimeout(STEP_MS);

// every request the pages make, and every script error
const foreign = [];
const errors = [];
function watch(page) {
	page.on("request", (req) => {
		if (!req.url().startsWith("file:")) foreign.push(req.url());
	});
	page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
	page.on("console", (m) => {
		if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`);
	});
	return page;
}
const page = watch(await context.newPage());

const visibleRows = () => page.locator("#modules tbody tr:visible");

await check("index.html opens from file:// with the script running (filters shown)", async () => {
	await page.goto(url(example, "index.html"));
	await page.locator("#filters").waitFor({ state: "visible" });
	const rows = await page.locator("#modules tbody tr").count();
	assert(rows === 13, `13 rows expected, got ${rows}`);
	assert((await visibleRows().count()) === 13, "all rows visible before filtering");
	await page.screenshot({ path: join(SHOTS, "index.png"), fullPage: true });
});

await check("typing in the search box filters the table", async () => {
	await page.locator("#q").fill("invoice");
	await page.waitForFunction(() => document.querySelectorAll("#modules tbody tr:not([hidden])").length < 13);
	const names = await visibleRows().locator(".mod-name").allTextContents();
	assert(names.includes("Billing"), `Billing not among ${names.join(", ")}`);
	assert(!names.includes("Team Chat"), "Team Chat should be filtered out");
	assert((await page.locator("#result-count").textContent()).includes(`${names.length} of 13`), "count shows what is visible");
	// search covers keywords too (not only names)
	await page.locator("#q").fill("pick list");
	await page.waitForFunction(() => document.querySelectorAll("#modules tbody tr:not([hidden])").length >= 1);
	const byText = await visibleRows().locator(".mod-name").allTextContents();
	assert(byText.includes("Order Fulfillment"), `description search found ${byText.join(", ")}`);
	await page.locator("#q").fill("no such module at all");
	await page.locator("#no-results").waitFor({ state: "visible" });
	await page.locator("#q").fill("");
});

await check("filtering by status shows only modules with that status", async () => {
	await page.locator("#f-status").selectOption("deprecated");
	await page.waitForFunction(() => document.querySelectorAll("#modules tbody tr:not([hidden])").length === 1);
	const names = await visibleRows().locator(".mod-name").allTextContents();
	assert(names.length === 1 && names[0] === "Legacy Mailer", `deprecated: ${names.join(", ")}`);
	assert(page.url().includes("#status=deprecated"), "the filter is kept in the address");
	await page.locator("#f-status").selectOption("");
	await page.locator("#f-type").selectOption("crud");
	await page.waitForFunction(() => document.querySelectorAll("#modules tbody tr:not([hidden])").length < 13);
	for (const t of await visibleRows().locator("td[data-label=Type]").allTextContents()) assert(t === "crud", `type ${t}`);
	await page.locator("#f-type").selectOption("");
	await page.locator("#f-model").selectOption("gpt-5");
	await page.waitForFunction(() => document.querySelectorAll("#modules tbody tr:not([hidden])").length === 1);
	await page.locator("#f-model").selectOption("");
	await page.waitForFunction(() => document.querySelectorAll("#modules tbody tr:not([hidden])").length === 13);
});

await check("without JavaScript the full table still shows", async () => {
	const noJs = await context.browser()?.newContext?.({ javaScriptEnabled: false });
	// a persistent context has no browser object: open a page and disable scripts through CDP instead
	const p = noJs ? await noJs.newPage() : watch(await context.newPage());
	if (!noJs) {
		const cdp = await context.newCDPSession(p);
		await cdp.send("Emulation.setScriptExecutionDisabled", { value: true });
	}
	await p.goto(url(example, "index.html"));
	assert((await p.locator("#modules tbody tr:visible").count()) === 13, "all 13 rows visible");
	assert(!(await p.locator("#filters").isVisible()), "the filters need the script and stay hidden");
	await p.close();
	if (noJs) await noJs.close();
});

await check("clicking a module opens its page", async () => {
	await page.locator("#q").fill("crm");
	await page.locator("a.mod-name", { hasText: "CRM" }).click();
	await page.waitForURL(/modules\/crm\.html$/);
	assert((await page.locator(".page-head h1").textContent()).includes("CRM"), "module page heading");
	await page.locator("#relationships svg").waitFor();
	await page.screenshot({ path: join(SHOTS, "module-crm.png"), fullPage: true });
});

await check("clicking a neighbour in the module's graph lands on that module's page", async () => {
	const node = page.locator('#relationships svg a[*|href$="modules/billing.html"]');
	assert((await node.count()) === 1, "billing is a neighbour node with a link");
	await node.click();
	await page.waitForURL(/modules\/billing\.html$/);
	assert((await page.locator(".page-head h1").textContent()).includes("Billing"), "landed on billing");
	// and back through an incoming neighbour
	await page.locator('#relationships svg a[*|href$="modules/crm.html"]').click();
	await page.waitForURL(/modules\/crm\.html$/);
});

await check("the configuration form composes a snippet checked against the schema", async () => {
	const form = page.locator("form.config-form");
	await form.locator(".snippet").waitFor({ state: "visible" });
	const state = form.locator(".snippet-state");
	assert((await state.textContent()).includes("problem"), "a required field is missing at first");
	await form.locator('[name="searchIndexUrl"]').fill("ftp://nope");
	await form.locator('[name="searchIndexUrl"]').blur();
	await page.waitForFunction(() => document.querySelector('[data-key="searchIndexUrl"] .field-error:not([hidden])'));
	await form.locator('[name="searchIndexUrl"]').fill("https://search.example.org/");
	await form.locator('[name="orderRetentionDays"]').fill("99");
	await page.waitForFunction(() => /at least 365/.test(document.querySelector('[data-key="orderRetentionDays"] .field-error').textContent));
	await form.locator('[name="orderRetentionDays"]').fill("400");
	await form.locator('[name="defaultCurrency"]').selectOption({ label: "GBP" });
	await form.locator('[name="autoMerge"]').selectOption("true");
	await page.waitForFunction(() => /Valid/.test(document.querySelector(".snippet-state").textContent));
	const yaml = await form.locator(".snippet code").textContent();
	for (const line of ['searchIndexUrl: "https://search.example.org/"', "orderRetentionDays: 400", 'defaultCurrency: "GBP"', "autoMerge: true"])
		assert(yaml.includes(line), `YAML snippet lacks ${line}:\n${yaml}`);
	await form.locator(".snippet-format").selectOption("json");
	const json = JSON.parse(await form.locator(".snippet code").textContent());
	assert(json.orderRetentionDays === 400 && json.autoMerge === true && json.defaultCurrency === "GBP", JSON.stringify(json));
});

await check("screenshots in dark mode and on a phone", async () => {
	const p = watch(await context.newPage());
	await p.emulateMedia({ colorScheme: "dark" });
	await p.goto(url(example, "modules/crm.html"));
	const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
	assert(bg !== "rgb(255, 255, 255)" && bg !== "rgb(247, 248, 250)", `dark background expected, got ${bg}`);
	await p.screenshot({ path: join(SHOTS, "module-crm-dark.png") });
	await p.setViewportSize({ width: 390, height: 844 });
	await p.emulateMedia({ colorScheme: "light" });
	await p.goto(url(example, "index.html"));
	const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert(overflow <= 1, `the index is ${overflow}px wider than a phone`);
	await p.screenshot({ path: join(SHOTS, "index-phone.png") });
	await p.close();
});

await check("toggling a relationship type on the graph page hides its edges", async () => {
	await page.goto(url(example, "graph.html"));
	await page.locator("#type-filter").waitFor({ state: "visible" });
	const dataflow = page.locator("#graph g.edge.rel-data-flow");
	const n = await dataflow.count();
	assert(n > 0, "the graph has data-flow edges");
	assert((await dataflow.first().isVisible()), "data-flow edges visible at first");
	await page.locator('#type-filter input[value="data-flow"]').uncheck();
	await page.waitForFunction(() => [...document.querySelectorAll("#graph g.edge.rel-data-flow")].every((e) => getComputedStyle(e).display === "none"));
	assert(await page.locator("#graph g.edge.rel-dependency").first().isVisible(), "dependency edges stay");
	await page.locator('#type-filter input[value="data-flow"]').check();
	await page.waitForFunction(() => [...document.querySelectorAll("#graph g.edge.rel-data-flow")].every((e) => getComputedStyle(e).display !== "none"));
	// nodes on the whole graph link to module pages too
	await page.locator('#graph svg a[*|href$="modules/core-auth.html"]').click();
	await page.waitForURL(/modules\/core-auth\.html$/);
});

await check("docs pages and the status page open; links between them work", async () => {
	await page.goto(url(example, "modules/crm.html"));
	await page.locator('#documentation a', { hasText: "API" }).first().click();
	await page.waitForURL(/modules\/crm\/api\.html$/);
	await page.locator(".crumbs a", { hasText: "CRM" }).click();
	await page.waitForURL(/modules\/crm\.html$/);
	await page.goto(url(example, "status.html"));
	assert((await page.locator("main h1").first().textContent()) === "Status", "status page");
});

function htmlFiles(dir) {
	const out = [];
	for (const e of readdirSync(dir)) {
		const p = join(dir, e);
		if (statSync(p).isDirectory()) out.push(...htmlFiles(p));
		else if (p.endsWith(".html")) out.push(p);
	}
	return out;
}

await check("hostile registry: no page's DOM holds a foreign script, an event handler or a script URL", async () => {
	const files = htmlFiles(hostile);
	assert(files.length >= 8, `only ${files.length} pages`);
	const p = watch(await context.newPage());
	const bad = [];
	for (const f of files) {
		await p.goto(pathToFileURL(f).href);
		const found = await p.evaluate(() => {
			const out = [];
			for (const s of document.querySelectorAll("script"))
				if (!/assets\/site\.js$/.test(s.getAttribute("src") || "")) out.push("script element");
			for (const el of document.querySelectorAll("*")) {
				for (const a of el.getAttributeNames()) {
					if (/^on/i.test(a)) out.push(`${el.tagName} ${a}`);
					const v = (el.getAttribute(a) || "").trim();
					if (/^(href|src|xlink:href|action|formaction)$/i.test(a) && /^(javascript|vbscript|data):/i.test(v))
						out.push(`${el.tagName} ${a}=${v}`);
				}
				if (/^(IFRAME|OBJECT|EMBED|FOREIGNOBJECT)$/i.test(el.tagName)) out.push(el.tagName);
			}
			// manifest text shows up as text
			return out;
		});
		if (found.length) bad.push(`${f.slice(hostile.length + 1)}: ${found.join(", ")}`);
	}
	await p.goto(url(hostile, "modules/beta.html"));
	const h1 = await p.locator(".page-head h1").textContent();
	assert(h1.includes("<script>alert('name')</script>"), `the hostile name is shown as text: ${h1}`);
	await p.close();
	assert(bad.length === 0, bad.join("\n"));
});

await check("nothing was fetched from another host and no script failed", async () => {
	assert(foreign.length === 0, `requests: ${foreign.slice(0, 5).join(", ")}`);
	assert(errors.length === 0, `errors: ${errors.slice(0, 5).join("\n")}`);
});

await context.close();
context = null;
clearTimeout(watchdog);
log(`site: ${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
