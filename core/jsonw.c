/* jsonw.c — the JSON writer. */
#include "jsonw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mr_jw_init(mr_jw *w, mr_buf *out, int base_indent, bool pretty)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->base = base_indent;
	w->pretty = pretty;
}

static void newline(mr_jw *w, int depth)
{
	if (!w->pretty) return;
	size_t n = (size_t)(w->base + depth) * 2;
	mr_buf_grow(w->out, n + 1);
	w->out->data[w->out->len++] = '\n';
	memset(w->out->data + w->out->len, ' ', n);
	w->out->len += n;
	w->out->data[w->out->len] = '\0';
}

/* Offset just past the JSON value or member ("key": value) that starts at i. */
static size_t member_end(const char *p, size_t i, size_t n)
{
	int nest = 0;
	bool in_str = false;
	for (; i < n; i++) {
		char c = p[i];
		if (in_str) {
			if (c == '\\') i++;
			else if (c == '"') in_str = false;
		} else if (c == '"') in_str = true;
		else if (c == '{' || c == '[') nest++;
		else if (c == '}' || c == ']') nest--;
		else if (c == ',' && nest == 0) return i;
	}
	return n;
}

/* The container open at depth d no longer fits on one line: lay out the members written
 * so far one per line, and so its enclosing containers (a container that holds one laid
 * out over lines is laid out over lines itself). */
static void expand(mr_jw *w, int d)
{
	for (; d >= 1 && w->flat[d]; d--) {
		w->flat[d] = false;
		mr_buf *b = w->out;
		size_t from = w->start[d] + 1, oldlen = b->len;
		char *tail = mr_xstrndup(b->data + from, oldlen - from);
		size_t n = oldlen - from;
		b->len = from;
		for (size_t i = 0; i < n;) {
			size_t e = member_end(tail, i, n);
			if (i) mr_buf_putc(b, ',');
			newline(w, d);
			mr_buf_add(b, tail + i, e - i);
			i = e < n ? e + 2 : n; /* past ", " */
		}
		free(tail);
		/* the containers open inside d are the tail of the buffer: they moved */
		size_t delta = b->len - oldlen;
		for (int k = d + 1; k <= w->depth; k++) w->start[k] += delta;
	}
}

/* before a member of the container open at w->depth (a value in an array, a key in an object) */
static void member_sep(mr_jw *w)
{
	int d = w->depth;
	bool first = w->first[d];
	w->first[d] = false;
	if (w->pretty) {
		/* a non-empty object inside anything, a non-empty list inside a list: the
		 * enclosing container is no record */
		if (first && d > 1 && (w->close[d] == '}' || w->close[d - 1] == ']')) expand(w, d - 1);
		if (w->flat[d] && ++w->members[d] > MR_JW_FLAT_MAX) expand(w, d);
	}
	if (!first) mr_buf_putc(w->out, ',');
	if (w->flat[d]) {
		if (!first) mr_buf_putc(w->out, ' ');
	} else newline(w, d);
}

/* before any value: separator and indentation inside arrays */
static void pre_value(mr_jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0) return;
	member_sep(w);
}

static void open_container(mr_jw *w, char open, char close)
{
	/* a container inside a list: the list is no list of scalars */
	if (w->pretty && !w->after_key && w->depth > 0 && w->close[w->depth] == ']') expand(w, w->depth);
	pre_value(w);
	if (w->depth + 1 >= MR_JW_MAX_DEPTH) abort(); /* callers bound their depth (YAML: 64) */
	w->depth++;
	w->first[w->depth] = true;
	w->close[w->depth] = close;
	w->flat[w->depth] = w->pretty;
	w->members[w->depth] = 0;
	w->start[w->depth] = w->out->len;
	mr_buf_putc(w->out, open);
}

void mr_jw_obj(mr_jw *w)
{
	open_container(w, '{', '}');
}

void mr_jw_arr(mr_jw *w)
{
	open_container(w, '[', ']');
}

void mr_jw_end(mr_jw *w)
{
	bool empty = w->first[w->depth], flat = w->flat[w->depth];
	char close = w->close[w->depth];
	w->depth--;
	if (!empty && !flat) newline(w, w->depth);
	mr_buf_putc(w->out, close);
}

void mr_jw_resume(mr_jw *w, bool after_members)
{
	w->flat[w->depth] = false;
	w->first[w->depth] = !after_members;
}

void mr_jw_key(mr_jw *w, const char *key)
{
	member_sep(w);
	mr_buf_json_string(w->out, key, strlen(key));
	mr_buf_puts(w->out, w->pretty ? ": " : ":");
	w->after_key = true;
}

void mr_jw_strn(mr_jw *w, const char *s, size_t n)
{
	pre_value(w);
	mr_buf_json_string(w->out, s, n);
}

void mr_jw_str(mr_jw *w, const char *s)
{
	if (!s) {
		mr_jw_null(w);
		return;
	}
	mr_jw_strn(w, s, strlen(s));
}

void mr_jw_int(mr_jw *w, long long v)
{
	pre_value(w);
	mr_buf_printf(w->out, "%lld", v);
}

void mr_jw_num(mr_jw *w, double v)
{
	if (!isfinite(v)) {
		mr_jw_null(w);
		return;
	}
	pre_value(w);
	if (v == floor(v) && fabs(v) < 1e15) {
		mr_buf_printf(w->out, "%.0f", v);
		return;
	}
	char tmp[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, v);
		if (strtod(tmp, NULL) == v) break;
	}
	mr_buf_puts(w->out, tmp);
}

void mr_jw_bool(mr_jw *w, bool v)
{
	pre_value(w);
	mr_buf_puts(w->out, v ? "true" : "false");
}

void mr_jw_null(mr_jw *w)
{
	pre_value(w);
	mr_buf_puts(w->out, "null");
}

void mr_jw_raw(mr_jw *w, const char *text)
{
	pre_value(w);
	mr_buf_puts(w->out, text);
}

void mr_jw_kstr(mr_jw *w, const char *key, const char *s)
{
	mr_jw_key(w, key);
	mr_jw_str(w, s);
}

void mr_jw_kint(mr_jw *w, const char *key, long long v)
{
	mr_jw_key(w, key);
	mr_jw_int(w, v);
}

void mr_jw_kbool(mr_jw *w, const char *key, bool v)
{
	mr_jw_key(w, key);
	mr_jw_bool(w, v);
}

void mr_jw_json(mr_jw *w, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		mr_jw_obj(w);
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x)
		{
			mr_jw_key(w, k);
			mr_jw_json(w, x);
		}
		mr_jw_end(w);
		break;
	}
	case JSON_ARRAY: {
		mr_jw_arr(w);
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) mr_jw_json(w, x);
		mr_jw_end(w);
		break;
	}
	case JSON_STRING: mr_jw_strn(w, json_string_value(v), json_string_length(v)); break;
	case JSON_INTEGER: mr_jw_int(w, (long long)json_integer_value(v)); break;
	case JSON_REAL: mr_jw_num(w, json_real_value(v)); break;
	case JSON_TRUE: mr_jw_bool(w, true); break;
	case JSON_FALSE: mr_jw_bool(w, false); break;
	case JSON_NULL: mr_jw_null(w); break;
	}
}

/* JSON number grammar */
static bool json_number_text(const char *s)
{
	const char *p = s;
	if (*p == '-') p++;
	if (*p == '0') p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9') p++;
	else return false;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9')) return false;
		while (*p >= '0' && *p <= '9') p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-') p++;
		if (!(*p >= '0' && *p <= '9')) return false;
		while (*p >= '0' && *p <= '9') p++;
	}
	return *p == '\0';
}

static void yaml_value(mr_jw *w, const mr_ynode *n, int depth)
{
	switch (n->kind) {
	case MR_Y_NULL: mr_jw_null(w); break;
	case MR_Y_BOOL: mr_jw_bool(w, n->v.b); break;
	case MR_Y_INT:
		if (json_number_text(n->str)) mr_jw_raw(w, n->str);
		else mr_jw_int(w, n->v.i);
		break;
	case MR_Y_FLOAT:
		if (json_number_text(n->str)) mr_jw_raw(w, n->str);
		else if (isfinite(n->v.f)) mr_jw_num(w, n->v.f);
		else mr_jw_strn(w, n->str, n->len);
		break;
	case MR_Y_STR: mr_jw_strn(w, n->str, n->len); break;
	case MR_Y_SEQ:
		mr_jw_arr(w);
		for (size_t i = 0; i < n->n; i++) {
			if (depth < MR_JW_MAX_DEPTH - 8) yaml_value(w, n->items[i], depth + 1);
			else mr_jw_null(w);
		}
		mr_jw_end(w);
		break;
	case MR_Y_MAP:
		mr_jw_obj(w);
		for (size_t i = 0; i < n->n; i++) {
			const mr_ynode *k = n->items[2 * i];
			if (k->kind == MR_Y_SEQ || k->kind == MR_Y_MAP) continue;
			mr_jw_key(w, k->str);
			if (depth < MR_JW_MAX_DEPTH - 8) yaml_value(w, n->items[2 * i + 1], depth + 1);
			else mr_jw_null(w);
		}
		mr_jw_end(w);
		break;
	}
}

void mr_jw_yaml(mr_jw *w, const mr_ynode *n)
{
	yaml_value(w, n, w->depth);
}
