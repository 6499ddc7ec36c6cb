/* modreg site — progressive enhancement only: every page works without this
   file.  It filters and sorts the module list, toggles relationship types on
   graphs, and composes configuration snippets.  Nothing is stored or sent. */
(function () {
	"use strict";

	function $(sel, root) { return (root || document).querySelector(sel); }
	function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

	/* ---- index: search, filters, sorting ---- */
	function initIndex() {
		var form = $("#filters"), table = $("#modules");
		if (!form || !table) return;
		form.hidden = false;
		var rows = $all("tbody tr", table);
		var q = $("#q", form), selects = $all("select", form);
		var count = $("#result-count", form), none = $("#no-results");

		function apply() {
			var words = q.value.toLowerCase().split(/\s+/).filter(Boolean);
			var want = {};
			selects.forEach(function (s) { want[s.getAttribute("data-key")] = s.value; });
			var shown = 0;
			rows.forEach(function (tr) {
				var ok = true;
				for (var k in want)
					if (want[k] && tr.getAttribute("data-" + k) !== want[k]) ok = false;
				if (ok && words.length) {
					var text = tr.getAttribute("data-search") || "";
					ok = words.every(function (w) { return text.indexOf(w) >= 0; });
				}
				tr.hidden = !ok;
				if (ok) shown++;
			});
			count.textContent = shown === rows.length ? rows.length + " modules" : shown + " of " + rows.length + " modules";
			if (none) none.hidden = shown > 0;
			/* keep the state in the address, so that a filtered list can be shared */
			var parts = [];
			if (q.value) parts.push("q=" + encodeURIComponent(q.value));
			selects.forEach(function (s) { if (s.value) parts.push(s.getAttribute("data-key") + "=" + encodeURIComponent(s.value)); });
			var hash = parts.length ? "#" + parts.join("&") : "";
			if (location.hash !== hash && history.replaceState)
				history.replaceState(null, "", hash || location.pathname + location.search);
		}

		/* restore the state from the address */
		location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
			var i = kv.indexOf("=");
			if (i < 0) return;
			var k = kv.slice(0, i), v = decodeURIComponent(kv.slice(i + 1));
			if (k === "q") q.value = v;
			selects.forEach(function (s) { if (s.getAttribute("data-key") === k) s.value = v; });
		});

		q.addEventListener("input", apply);
		selects.forEach(function (s) { s.addEventListener("change", apply); });
		form.addEventListener("reset", function () { setTimeout(apply, 0); });
		form.addEventListener("submit", function (e) { e.preventDefault(); });
		apply();

		/* sortable columns */
		var tbody = $("tbody", table);
		$all("thead th", table).forEach(function (th, col) {
			th.classList.add("sortable");
			th.tabIndex = 0;
			function sort() {
				var asc = th.getAttribute("aria-sort") !== "ascending";
				$all("thead th", table).forEach(function (o) { o.removeAttribute("aria-sort"); });
				th.setAttribute("aria-sort", asc ? "ascending" : "descending");
				var sorted = rows.slice().sort(function (a, b) {
					var x = a.cells[col].textContent.trim().toLowerCase(), y = b.cells[col].textContent.trim().toLowerCase();
					var c = x.localeCompare(y, undefined, { numeric: true });
					return asc ? c : -c;
				});
				sorted.forEach(function (tr) { tbody.appendChild(tr); });
			}
			th.addEventListener("click", sort);
			th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
		});
	}

	/* ---- graphs: show or hide relationship types ---- */
	function initGraphFilter() {
		var box = $("#type-filter"), fig = $("#graph");
		if (!box || !fig) return;
		box.hidden = false;
		var boxes = $all("input[type=checkbox]", box);
		function apply() {
			var on = {};
			boxes.forEach(function (b) { on[b.value] = b.checked; });
			$all("g.edge", fig).forEach(function (e) {
				/* an edge stands for one or more types: it shows while any of them is on */
				var types = (e.getAttribute("class") || "").split(/\s+/)
					.filter(function (c) { return c.indexOf("rel-") === 0; })
					.map(function (c) { return c.slice(4); });
				var visible = types.length === 0 || types.some(function (t) { return on[t] !== false; });
				e.classList.toggle("off", !visible);
			});
		}
		boxes.forEach(function (b) { b.addEventListener("change", apply); });
		apply();
	}

	/* ---- configuration form: compose a snippet, checked against the schema ---- */
	function yamlScalar(v) {
		return typeof v === "string" ? JSON.stringify(v) : String(v);
	}

	function initConfigForm() {
		$all("form.config-form").forEach(function (form) {
			var fields = $all(".field", form);
			var bar = $(".snippet-bar", form), pre = $(".snippet", form), code = $("code", pre);
			var fmt = $(".snippet-format", form), state = $(".snippet-state", form), copy = $(".copy", form);
			bar.hidden = false;
			pre.hidden = false;

			function check(field) {
				var type = field.getAttribute("data-type");
				var input = $("input, select", field);
				var raw = input.value.trim();
				var required = field.hasAttribute("data-required");
				var err = "", value;
				if (raw === "") {
					if (required) err = "Required.";
				} else if (type === "integer" || type === "number") {
					var n = Number(raw);
					if (!isFinite(n)) err = "Must be a number.";
					else if (type === "integer" && !Number.isInteger(n)) err = "Must be a whole number.";
					else {
						var min = field.getAttribute("data-min"), max = field.getAttribute("data-max");
						if (min !== null && n < Number(min)) err = "Must be at least " + min + ".";
						else if (max !== null && n > Number(max)) err = "Must be at most " + max + ".";
						else value = n;
					}
				} else if (type === "url") {
					try {
						var u = new URL(raw);
						if (u.protocol !== "http:" && u.protocol !== "https:") err = "Must be an http or https URL.";
						else value = raw;
					} catch (e) { err = "Must be a URL such as https://example.org."; }
				} else if (type === "enum") {
					value = JSON.parse(raw);
				} else if (type === "boolean") {
					value = raw === "true";
				} else value = input.value;
				/* problems show once the field has been touched; the count shows at once */
				var shown = err && field.hasAttribute("data-touched");
				var msg = $(".field-error", field);
				msg.textContent = shown ? err : "";
				msg.hidden = !shown;
				field.classList.toggle("invalid", !!shown);
				input.setAttribute("aria-invalid", shown ? "true" : "false");
				return { key: field.getAttribute("data-key"), value: value, error: err };
			}

			function render() {
				var results = fields.map(check);
				var set = results.filter(function (r) { return r.value !== undefined && !r.error; });
				var errors = results.filter(function (r) { return r.error; }).length;
				var text;
				if (fmt.value === "json") {
					var obj = {};
					set.forEach(function (r) { obj[r.key] = r.value; });
					text = JSON.stringify(obj, null, 2);
				} else {
					text = "# " + form.getAttribute("data-module") + "\n" + (set.length
						? set.map(function (r) { return r.key + ": " + yamlScalar(r.value); }).join("\n")
						: "# nothing set: the defaults apply");
				}
				code.textContent = text;
				state.textContent = errors ? errors + (errors === 1 ? " problem" : " problems") + " to fix before this snippet is valid"
					: "Valid for this schema.";
				state.classList.toggle("bad", errors > 0);
			}

			function touch(e) {
				var f = e.target.closest && e.target.closest(".field");
				if (f) f.setAttribute("data-touched", "");
				render();
			}
			form.addEventListener("input", touch);
			form.addEventListener("change", touch);
			form.addEventListener("submit", function (e) { e.preventDefault(); });
			copy.addEventListener("click", function () {
				var text = code.textContent;
				function done() { copy.textContent = "Copied"; setTimeout(function () { copy.textContent = "Copy"; }, 1500); }
				if (navigator.clipboard && navigator.clipboard.writeText)
					navigator.clipboard.writeText(text).then(done, fallback);
				else fallback();
				function fallback() {
					var range = document.createRange();
					range.selectNodeContents(code);
					var sel = window.getSelection();
					sel.removeAllRanges();
					sel.addRange(range);
					try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
				}
			});
			render();
		});
	}

	function init() {
		document.documentElement.classList.add("js");
		initIndex();
		initGraphFilter();
		initConfigForm();
	}
	if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
	else init();
})();
