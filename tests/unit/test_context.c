/* test_context.c — the index section as the watcher keeps it (tables sorted between
 * syncs, cut in chunks kept as pieces, only the chunks a change touched written again) is,
 * byte for byte, the section written whole: for registries whose tables are all empty,
 * some empty, small (a table short enough to be a one-line record) and large, and after
 * random changes. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "context.h"
#include "registry.h"
#include "util.h"

static size_t nrendered; /* chunks written since the cache was made */

/* The index section from c brought up to date (redo, remap as mr_index_cache_update takes them):
 * the dirty chunks rendered into pieces of ps, the section assembled from the refs. */
static void cached_text(const mr_registry *reg, mr_index_cache *c, mr_pieces *ps, const unsigned char *redo,
                        const long *remap, mr_buf *out)
{
	mr_context_in in = {reg, NULL, NULL, 0};
	mr_buf b = MR_BUF_INIT;
	mr_buf_reset(out);
	mr_index_cache_update(&in, c, redo, remap);
	mr_index_chunk *ch;
	size_t n;
	for (size_t t = 0; (n = mr_index_cache_chunks(c, t, &ch)) > 0; t++)
		for (size_t k = 0; k < n; k++) {
			if (!ch[k].dirty) continue;
			mr_buf_reset(&b);
			mr_index_cache_chunk_text(&in, c, t, k, &b);
			ch[k].dirty = false;
			cr_assert_gt(b.len, 0, "an empty chunk");
			cr_assert_eq(mr_pieces_put(ps, &ch[k].piece, b.data, b.len), 0);
			nrendered++;
		}
	mr_text_ref *r;
	size_t nr = mr_index_cache_refs(c, &r);
	for (size_t k = 0; k < nr; k++) {
		if (r[k].p) mr_buf_add(out, r[k].p, r[k].n);
		else cr_assert_eq(mr_pieces_read(ps, r[k].tag, out), 0);
	}
	free(r);
	mr_buf_release(&b);
}

static void write_module(const char *root, const char *id, const char *yaml)
{
	char *dir = mr_path_join(root, id);
	cr_assert_eq(mr_mkdirs(dir, 0755), 0);
	char *p = mr_path_join(dir, "module.yaml");
	char *text = mr_xasprintf("apiVersion: modreg/v1\nname: %s\ndescription: The %s module.\ntype: service\n"
	                          "version: 1.0.0\n%s",
	                          id, id, yaml);
	cr_assert_eq(mr_write_file_atomic(p, text, strlen(text), NULL), 0);
	free(text);
	free(p);
	free(dir);
}

/* the section from chunks of the registry at root equals the section written whole;
 * how many chunks */
static size_t check_registry(const char *root)
{
	mr_registry reg;
	cr_assert_eq(mr_registry_load(&reg, root, NULL), 0);
	mr_analysis an;
	mr_analyse(&reg, &an);
	mr_context_in in = {&reg, &an, NULL, 0};
	mr_buf whole = MR_BUF_INIT, parts = MR_BUF_INIT;
	mr_context_index_text(&in, &whole);
	mr_index_cache *c = mr_index_cache_new();
	mr_pieces *ps = mr_pieces_new("/tmp");
	nrendered = 0;
	cached_text(&reg, c, ps, NULL, NULL, &parts);
	cr_assert_str_eq(mr_buf_str(&parts), mr_buf_str(&whole), "registry %s", root);
	mr_pieces_free(ps);
	mr_index_cache_free(c);
	mr_buf_release(&whole);
	mr_buf_release(&parts);
	mr_analysis_release(&an);
	mr_registry_release(&reg);
	return nrendered;
}

static char *temp_registry(void)
{
	char tmpl[] = "/tmp/modreg-context-XXXXXX";
	cr_assert_not_null(mkdtemp(tmpl));
	return mr_xstrdup(tmpl);
}

static void remove_tree(char *root)
{
	char *cmd = mr_xasprintf("rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	free(root);
}

Test(context, index_chunks_of_the_example_registry)
{
	check_registry("registry");
	check_registry("tests/data/site-registry");
}

Test(context, index_chunks_with_empty_and_small_tables)
{
	char *root = temp_registry();
	/* no module: every table empty */
	check_registry(root);
	/* a module that adds nothing to the index */
	write_module(root, "plain", "");
	check_registry(root);
	/* a module whose only keys are empty: they are left out, so every table is empty */
	write_module(root, "blank", "ai: {keywords: [\"\"]}\ntags: []\n");
	check_registry(root);
	/* one key in one table */
	write_module(root, "tagged", "tags: [alpha]\n");
	check_registry(root);
	/* one small table (a record on one line), the others empty */
	write_module(root, "tagged", "tags: [alpha, beta]\n");
	check_registry(root);
	/* every table, some small, one past 16 keys */
	mr_buf routes = MR_BUF_INIT;
	mr_buf_puts(&routes, "entities: [{name: Order}]\npermissions: [\"shop:read\"]\n"
	                     "events: {publishes: [{name: order.created}]}\napi:\n  basePath: /shop\n  routes:\n");
	for (int i = 0; i < 20; i++) mr_buf_printf(&routes, "    - {method: GET, path: /r%d}\n", i);
	write_module(root, "shop", mr_buf_str(&routes));
	mr_buf_release(&routes);
	check_registry(root);
	remove_tree(root);
}

/* a table laid out one key per line is cut in chunks of about the chunk size (whole
 * keys), and they still add up to the section, wherever the cuts fall */
Test(context, index_chunks_cut_inside_tables)
{
	size_t saved = mr_context_index_chunk_pairs;
	size_t tables = check_registry("registry");
	for (size_t size = 1; size <= 64; size *= 4) {
		mr_context_index_chunk_pairs = size;
		size_t n = check_registry("registry");
		cr_assert_gt(n, tables, "chunk size %zu: %zu chunks, no more than one per table", size, n);
		check_registry("tests/data/site-registry");
	}
	mr_context_index_chunk_pairs = saved;
}

/* a random number below n */
static int rnd(unsigned long long *rng, int n)
{
	*rng = *rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (int)((*rng >> 33) % (unsigned)n);
}

/* The tables' keys in bytewise order and each key's ids, once each and sorted: keywords
 * that share long beginnings, of lengths 12 to 20, each given to random modules. */
Test(context, index_keys_sorted_bytewise_whatever_they_share)
{
	char *root = temp_registry();
	unsigned long long rng = (unsigned long long)getpid();
	json_t *want = json_object(); /* key -> {id: true} */
	for (int m = 0; m < 12; m++) {
		char id[16];
		snprintf(id, sizeof id, "mod%02d", m);
		mr_buf y = MR_BUF_INIT;
		mr_buf_puts(&y, "ai:\n  keywords:\n");
		for (int k = 0; k < 20; k++) {
			size_t len = 12 + (size_t)rnd(&rng, 9); /* 12..20 */
			char key[32];
			/* mostly 'a': long shared beginnings */
			for (size_t c = 0; c < len; c++) key[c] = rnd(&rng, 6) ? 'a' : 'b';
			key[len] = '\0';
			mr_buf_printf(&y, "    - %s\n", key);
			json_t *ids = json_object_get(want, key);
			if (!ids) json_object_set_new(want, key, ids = json_object());
			json_object_set_new(ids, id, json_true());
		}
		write_module(root, id, mr_buf_str(&y));
		mr_buf_release(&y);
	}
	mr_registry reg;
	cr_assert_eq(mr_registry_load(&reg, root, NULL), 0);
	mr_analysis an;
	mr_analyse(&reg, &an);
	mr_context_in in = {&reg, &an, NULL, 0};
	mr_buf text = MR_BUF_INIT;
	mr_context_index_text(&in, &text);
	json_error_t je;
	json_t *idx = json_loadb(text.data, text.len, JSON_PRESERVE_ORDER, &je);
	cr_assert_not_null(idx, "%s", je.text);
	json_t *kw = json_object_get(idx, "keywords");
	cr_assert_eq(json_object_size(kw), json_object_size(want));
	const char *key, *prev = NULL;
	json_t *ids;
	json_object_foreach(kw, key, ids)
	{
		if (prev) cr_assert_lt(strcmp(prev, key), 0, "'%s' before '%s'", prev, key);
		prev = key;
		json_t *w = json_object_get(want, key);
		cr_assert_not_null(w, "unexpected key %s", key);
		cr_assert_eq(json_array_size(ids), json_object_size(w), "ids of %s", key);
		for (size_t k = 0; k < json_array_size(ids); k++) {
			const char *mid = json_string_value(json_array_get(ids, k));
			cr_assert_not_null(json_object_get(w, mid), "%s under %s", mid, key);
			if (k) cr_assert_lt(strcmp(json_string_value(json_array_get(ids, k - 1)), mid), 0, "ids of %s", key);
		}
	}
	json_decref(idx);
	json_decref(want);
	mr_buf_release(&text);
	mr_analysis_release(&an);
	mr_registry_release(&reg);
	remove_tree(root);
}

static void random_index_module(const char *root, int m, unsigned long long *rng)
{
	/* keywords in any case (the index lowers them); tags and entity names as they must be */
	static const char *const words[] = {"crm", "Billing", "orders", "ORDERS", "Order", "customer", "Customers", "x"};
	static const char *const tags[] = {"crm", "billing", "orders", "order", "customer", "customers", "x", "y"};
	static const char *const entities[] = {"Crm", "Billing", "Orders", "Order", "OrderItem", "Customer", "Customers", "X"};
	char id[16];
	snprintf(id, sizeof id, "mod%02d", m);
	mr_buf y = MR_BUF_INIT;
	int a = rnd(rng, 8), b = rnd(rng, 8), c = rnd(rng, 8);
	mr_buf_printf(&y, "tags: [%s, %s]\nai:\n  keywords: [%s]\n", tags[a], tags[b], words[c]);
	a = rnd(rng, 4);
	b = rnd(rng, 4);
	mr_buf_printf(&y, "permissions: [\"p:%d\", \"p:%d\"]\n", a, b);
	a = rnd(rng, 8);
	b = rnd(rng, 8);
	mr_buf_printf(&y, "entities:\n  - name: %s\n  - name: %s\n", entities[a], entities[b]);
	mr_buf_printf(&y, "api:\n  basePath: /b%d\n  routes:\n", rnd(rng, 3));
	for (int r = 0, nr = rnd(rng, 5); r < nr; r++) mr_buf_printf(&y, "    - {method: GET, path: /r%d}\n", rnd(rng, 9));
	mr_buf_printf(&y, "events:\n  publishes: [{name: ev.%d}]\n", rnd(rng, 4));
	if (rnd(rng, 10) == 0) mr_buf_puts(&y, "broken: [\n"); /* invalid: no part in the index */
	write_module(root, id, mr_buf_str(&y));
	mr_buf_release(&y);
}

/* A registry and its index kept as the watcher keeps it (chunks of chunk_pairs), with
 * the texts to compare. */
typedef struct kept {
	char *root;
	mr_registry reg;
	mr_index_cache *c;
	mr_pieces *ps;
	mr_buf got, want;
	size_t saved; /* mr_context_index_chunk_pairs before */
} kept;

static void kept_start(kept *k, char *root, size_t chunk_pairs)
{
	k->root = root;
	cr_assert_eq(mr_registry_load(&k->reg, root, NULL), 0);
	k->saved = mr_context_index_chunk_pairs;
	mr_context_index_chunk_pairs = chunk_pairs;
	k->c = mr_index_cache_new();
	k->ps = mr_pieces_new("/tmp");
	k->got = (mr_buf)MR_BUF_INIT;
	k->want = (mr_buf)MR_BUF_INIT;
}

static void kept_end(kept *k)
{
	mr_context_index_chunk_pairs = k->saved;
	mr_buf_release(&k->got);
	mr_buf_release(&k->want);
	mr_pieces_free(k->ps);
	mr_index_cache_free(k->c);
	mr_registry_release(&k->reg);
	remove_tree(k->root);
}

/* The index kept from sync to sync (mr_index_cache), brought up to date with only the
 * modules read again (each said to have the same or a new part, as their index hashes
 * say), writes what a whole new index writes: random modules whose keywords, tags,
 * entities, routes, permissions and events overlap, changed (or just read again) a few at
 * a time, now and then one added or removed; chunks of a few pairs, so that tables are
 * cut in many, which come and go. */
Test(context, index_kept_between_syncs_equals_a_new_one)
{
	char *root = temp_registry();
	unsigned long long rng = (unsigned long long)getpid() * 2654435761ULL, seed = rng;
	enum { N = 24 };
	bool alive[N];
	for (int m = 0; m < N; m++) {
		alive[m] = m % 5 != 4;
		if (alive[m]) random_index_module(root, m, &rng);
	}
	kept kp;
	kept_start(&kp, root, 3);
	mr_context_in in = {&kp.reg, NULL, NULL, 0};
	cached_text(&kp.reg, kp.c, kp.ps, NULL, NULL, &kp.got);
	mr_context_index_text(&in, &kp.want);
	cr_assert_str_eq(mr_buf_str(&kp.got), mr_buf_str(&kp.want), "seed %llu, first", seed);
	/* per module number: its part's hash; per index of the last update: its number */
	uint64_t hash[N];
	int was[N];
	size_t nwas = 0;
	for (size_t i = 0; i < kp.reg.n; i++) {
		int m = atoi(kp.reg.mods[i]->id + 3);
		hash[m] = mr_context_index_hash(&in, i);
		was[nwas++] = m;
	}
	size_t same = 0, sets = 0, rendered = 0, chunks = 0;
	for (int step = 0; step < 200; step++) {
		bool touched[N] = {false}, added[N] = {false};
		for (int k = 0, nk = 1 + rnd(&rng, 3); k < nk; k++) {
			int m = rnd(&rng, N);
			char id[16];
			snprintf(id, sizeof id, "mod%02d", m);
			if (!alive[m] || rnd(&rng, 12) == 0) {
				/* added or removed: the others' indices move */
				char *dir = mr_path_join(root, id), *cmd = mr_xasprintf("rm -rf '%s'", dir);
				if (alive[m]) {
					cr_assert_eq(system(cmd), 0);
					mr_registry_remove(&kp.reg, id);
				} else {
					random_index_module(root, m, &rng);
					mr_registry_put(&kp.reg, mr_module_load(root, id));
				}
				alive[m] = !alive[m];
				added[m] = alive[m];
				touched[m] = false;
				free(cmd);
				free(dir);
				continue;
			}
			if (rnd(&rng, 4)) random_index_module(root, m, &rng); /* else: read again as it was */
			mr_registry_put(&kp.reg, mr_module_load(root, id));
			touched[m] = !added[m];
		}
		/* what the sync knows: which modules were read again or added, with the same part
		 * or a new one, and where the last update's modules are now */
		unsigned char *redo = mr_xcalloc(N + 1, sizeof *redo);
		long remap[N];
		int now[N];
		for (size_t i = 0; i < kp.reg.n; i++) {
			int m = now[i] = atoi(kp.reg.mods[i]->id + 3);
			uint64_t h = mr_context_index_hash(&in, i);
			if (added[m]) redo[i] = MR_INDEX_NEW;
			else if (touched[m]) redo[i] = h == hash[m] ? MR_INDEX_SAME : MR_INDEX_NEW;
			same += redo[i] == MR_INDEX_SAME;
			hash[m] = h;
		}
		bool set = nwas != kp.reg.n;
		for (size_t k = 0; k < nwas; k++) {
			remap[k] = -1;
			for (size_t i = 0; i < kp.reg.n; i++)
				if (now[i] == was[k]) remap[k] = (long)i;
			set |= remap[k] != (long)k;
		}
		sets += set;
		nrendered = 0;
		cached_text(&kp.reg, kp.c, kp.ps, redo, set ? remap : NULL, &kp.got);
		rendered += nrendered;
		mr_index_chunk *ch;
		for (size_t t = 0, n; (n = mr_index_cache_chunks(kp.c, t, &ch)) > 0; t++) chunks += n;
		mr_buf_reset(&kp.want);
		mr_context_index_text(&in, &kp.want);
		cr_assert_str_eq(mr_buf_str(&kp.got), mr_buf_str(&kp.want), "seed %llu, step %d", seed, step);
		memcpy(was, now, kp.reg.n * sizeof *now);
		nwas = kp.reg.n;
		free(redo);
	}
	/* the test is about something: modules came and went, some were read again with the
	 * same part, and the steps wrote few of the chunks */
	cr_expect_gt(sets, 30, "steps that added or removed modules: %zu", sets);
	cr_expect_eq(mr_index_cache_remade, 0, "tables made anew instead of brought up to date: %zu", mr_index_cache_remade);
	cr_expect_gt(same, 20, "modules read again with the same part: %zu", same);
	cr_expect_lt(rendered * 10, chunks * 9, "chunks written again %zu of %zu", rendered, chunks);
	kept_end(&kp);
}

/* The first chunk of a table empties (its modules lose their routes) while the next one
 * is untouched: that one is first now, and written again without a comma before it. */
Test(context, index_first_chunk_gone)
{
	char *root = temp_registry();
	char id[16];
	for (int m = 0; m < 20; m++) {
		snprintf(id, sizeof id, "mod%02d", m);
		char *y = mr_xasprintf("api:\n  basePath: /b%02d\n  routes:\n    - {method: GET, path: /r}\n", m);
		write_module(root, id, y);
		free(y);
	}
	kept kp;
	kept_start(&kp, root, 2);
	mr_context_in in = {&kp.reg, NULL, NULL, 0};
	cached_text(&kp.reg, kp.c, kp.ps, NULL, NULL, &kp.got);
	unsigned char redo[21] = {0};
	for (int m = 0; m < 2; m++) {
		snprintf(id, sizeof id, "mod%02d", m);
		write_module(root, id, "");
		mr_registry_put(&kp.reg, mr_module_load(root, id));
		redo[m] = MR_INDEX_NEW;
	}
	nrendered = 0;
	cached_text(&kp.reg, kp.c, kp.ps, redo, NULL, &kp.got);
	mr_context_index_text(&in, &kp.want);
	cr_assert_str_eq(mr_buf_str(&kp.got), mr_buf_str(&kp.want));
	cr_expect_leq(nrendered, 2, "%zu chunks written again", nrendered);
	kept_end(&kp);
}
