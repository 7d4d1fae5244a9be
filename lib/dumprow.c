/* dumprow.c: one row of the store written as a record of a kag stream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

/* The fields each type writes, which an "extra" object must not repeat. */
static const char *const written[] = {
	[KAG_REC_MEMORY] = " type scope key value user_id agent_name "
			   "created_at updated_at metadata exported_at ",
	[KAG_REC_NODE] = " type id node_type data content metadata "
			 "created_at updated_at exported_at ",
	[KAG_REC_EDGE] = " type src dst rel_type weight data id directed "
			 "metadata created_at exported_at source target "
			 "edge_type ",
	[KAG_REC_HYPEREDGE] = " type id nodes edge_type content metadata "
			      "created_at exported_at ",
};

/*
 * Whether the valid JSON text s[0..n) is of the type flags asks for (a
 * data is an object, a weight a number, directed true or false), or
 * anything.
 */
static int
typed(const char *s, size_t n, unsigned flags)
{
	while (n > 0 && (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t'))
		s++, n--;
	while (n > 0 &&
	    (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' ||
		s[n - 1] == '\t'))
		n--;
	if (flags & OBJECT)
		return *s == '{';
	if (flags & NUMBER)
		return *s == '-' || (*s >= '0' && *s <= '9');
	if (flags & BOOL)
		return (n == 4 && memcmp(s, "true", 4) == 0) ||
		    (n == 5 && memcmp(s, "false", 5) == 0);
	return 1;
}

/*
 * The hook of kag_rows: check the JSON cells of a row on the worker's
 * thread, ahead of the caller.  Mark bit 2k: check k's cell is not valid
 * (or not of its type); bit 2k+1: it is valid but spans lines.  Only a
 * marked cell is parsed again, to say what is wrong or to compact it.
 */
int
kag_dumprow_ahead(void *ctx, const char *const *cell, const size_t *len)
{
	struct worker *w = ctx;
	const struct check *c = kag_dump_stages[w->stage].check;
	const char *s;
	size_t n;
	int k, mark = 0;

	for (k = 0; k < NCHECK && c[k].name != NULL; k++) {
		if ((s = cell[c[k].col]) == NULL)
			continue;
		n = len[c[k].col];
		if (kag_json_check(
			w->json, s, n, c[k].flags & KAG_JSON_NONFINITE) < 0 ||
		    !typed(s, n, c[k].flags))
			mark |= 1 << 2 * k;
		else if (memchr(s, '\n', n) != NULL ||
		    memchr(s, '\r', n) != NULL)
			mark |= 2 << 2 * k;
	}
	return mark;
}

/* Cell i of the current row: its bytes, or NULL for SQL NULL. */
static const char *
cell(struct kag_dump *d, int i, size_t *n)
{
	const char *s;

	if (d->rows != NULL)
		return kag_rows_text(d->rows, i, n);
	s = (const char *)sqlite3_column_text(d->st, i);
	*n = s != NULL ? (size_t)sqlite3_column_bytes(d->st, i) : 0;
	return s;
}

/*
 * The line is built a few bytes at a time, a million times over: this
 * is kag_buf_add() without a call where there is room.  They leave
 * b->buf[b->len] unset; the line's closing brace (kag_buf_addc) sets it.
 */
static inline void
add(struct kag_buf *b, const void *p, size_t n)
{
	if (b->alloc - b->len <= n)
		kag_buf_grow(b, n);
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}
#define ADD(b, lit) add((b), (lit), sizeof(lit) - 1)

/* Append ,"name": to the line. */
static void
field(struct kag_dump *d, const char *name)
{
	ADD(&d->line, ",\"");
	add(&d->line, name, strlen(name));
	ADD(&d->line, "\":");
}

/* Append text cell i as a JSON string, or dflt when it is NULL. */
static void
text(struct kag_dump *d, int i, const char *dflt)
{
	const char *s;
	size_t n;

	if ((s = cell(d, i, &n)) == NULL)
		add(&d->line, dflt, strlen(dflt));
	else
		kag_buf_add_json_string(&d->line, s, n);
}

/* Append cell i as user data in d->msg. */
static void
quote(struct kag_dump *d, int i)
{
	const char *s;
	size_t n;

	s = cell(d, i, &n);
	kag_buf_add_quoted(&d->msg, s != NULL ? s : "", n);
}

/* Start d->msg with the row: "row 12 (key 'k')", "node 'n1'". */
static void
describe(struct kag_dump *d)
{
	size_t n;

	kag_buf_reset(&d->msg);
	switch (d->stage) {
	case S_WORKING:
	case S_PERSISTENT:
		kag_buf_addf(&d->msg, "%srow %s (key ",
		    d->stage == S_WORKING ? "working memory " : "",
		    cell(d, 0, &n));
		quote(d, 1);
		kag_buf_addc(&d->msg, ')');
		break;
	case S_EDGES:
		kag_buf_addf(&d->msg, "edge %s (", cell(d, 0, &n));
		quote(d, 1);
		kag_buf_adds(&d->msg, " -> ");
		quote(d, 2);
		kag_buf_addc(&d->msg, ')');
		break;
	default:
		kag_buf_adds(
		    &d->msg, d->stage == S_NODES ? "node " : "hyperedge ");
		quote(d, 0);
		break;
	}
}

/*
 * Append the JSON cell of check k as its field: as it stands when it is
 * valid and on one line, compact when it spans lines; dflt when it is
 * NULL, and nothing when dflt is NULL too.  A cell that is not valid
 * JSON, or not of its type, is reported and written as a string of its
 * text: as the field when it may be anything, else as "invalid_NAME", so
 * that the record stays valid and nothing is lost.
 */
static void
json(struct kag_dump *d, int k, const char *dflt)
{
	const struct check *c = &kag_dump_stages[d->stage].check[k];
	const char *s;
	size_t n;
	int mark = d->rows != NULL ? kag_rows_mark(d->rows) : -1, bad;

	if ((s = cell(d, c->col, &n)) == NULL) {
		if (dflt != NULL) {
			field(d, c->name);
			kag_buf_adds(&d->line, dflt);
		}
		return;
	}
	/* What the worker found, or -1 when it left this row to us. */
	mark = mark < 0 ? -1 : mark >> 2 * k & 3;
	if (mark == 0) {
		field(d, c->name);
		add(&d->line, s, n);
		return;
	}
	bad = kag_json_check(d->json, s, n, c->flags & KAG_JSON_NONFINITE) < 0;
	if (!bad && typed(s, n, c->flags)) {
		field(d, c->name);
		if (memchr(s, '\n', n) == NULL && memchr(s, '\r', n) == NULL)
			kag_buf_add(&d->line, s, n);
		else if (kag_json_parse(
			     d->json, s, n, c->flags & KAG_JSON_NONFINITE) == 0)
			kag_json_compact(d->json, 0, &d->line);
		return;
	}
	describe(d);
	if (bad)
		kag_buf_addf(&d->msg, ": invalid JSON in '%s': %s (column %d)",
		    c->name, kag_json_errmsg(d->json),
		    kag_json_errcol(d->json));
	else
		kag_buf_addf(&d->msg, ": '%s' is not %s", c->name,
		    c->flags & OBJECT
			? "an object"
			: (c->flags & NUMBER ? "a number" : "true or false"));
	if (c->flags & (OBJECT | NUMBER | BOOL)) {
		kag_buf_addf(&d->msg, "; written as 'invalid_%s'", c->name);
		kag_buf_add(&d->line, ",\"invalid_", 10);
		kag_buf_adds(&d->line, c->name);
		kag_buf_add(&d->line, "\":", 2);
	} else {
		field(d, c->name);
	}
	kag_dump_error(d);
	kag_buf_add_json_string(&d->line, s, n);
}

/* Append text cell i as field name, or nothing when it is NULL. */
static void
opttext(struct kag_dump *d, int i, const char *name)
{
	size_t n;

	if (cell(d, i, &n) != NULL) {
		field(d, name);
		text(d, i, "");
	}
}

/*
 * Append the fields of the "extra" object in cell i (the fields kag-load
 * found in a record and has no column for), in their order.  One that
 * the record has already is left out, reported; an extra that is not an
 * object is written as a field "extra" holding its text, reported.
 */
static void
extra(struct kag_dump *d, int i)
{
	const struct kag_json *j = d->json;
	const char *s, *k;
	size_t n, kn;
	int key, c;

	if ((s = cell(d, i, &n)) == NULL)
		return;
	if (kag_json_parse(d->json, s, n, 0) < 0 ||
	    j->tok[0].type != KAG_TOK_OBJECT) {
		describe(d);
		kag_buf_adds(&d->msg, ": 'extra' is not a JSON object");
		kag_dump_error(d);
		field(d, "extra");
		kag_buf_add_json_string(&d->line, s, n);
		return;
	}
	for (key = 1, c = 0; c < j->tok[0].size;
	     c++, key = j->tok[key + 1].next) {
		kag_json_str(j, key, &d->tmp, &k, &kn);
		kag_buf_reset(&d->word);
		kag_buf_addc(&d->word, ' ');
		kag_buf_add(&d->word, k, kn);
		kag_buf_addc(&d->word, ' ');
		if (memchr(k, '\0', kn) == NULL &&
		    strstr(written[kag_dump_stages[d->stage].type],
			d->word.buf) != NULL) {
			describe(d);
			kag_buf_adds(&d->msg, ": extra field ");
			kag_buf_add_quoted(&d->msg, k, kn);
			kag_buf_adds(&d->msg, " is a column too (left out)");
			kag_dump_error(d);
			continue;
		}
		kag_buf_addc(&d->line, ',');
		kag_json_compact(j, key, &d->line);
		kag_buf_addc(&d->line, ':');
		kag_json_compact(j, key + 1, &d->line);
	}
}

static void
memory(struct kag_dump *d)
{
	if (d->stage == S_WORKING)
		ADD(&d->line,
		    "{\"type\":\"memory\",\"scope\":\"working\","
		    "\"key\":");
	else
		ADD(&d->line,
		    "{\"type\":\"memory\",\"scope\":\"persistent\","
		    "\"key\":");
	text(d, 1, "\"\"");
	json(d, 0, "null");
	ADD(&d->line, ",\"user_id\":");
	text(d, 3, "\"default_user\"");
	ADD(&d->line, ",\"agent_name\":");
	text(d, 4, "null");
	ADD(&d->line, ",\"created_at\":");
	text(d, 5, "null");
	ADD(&d->line, ",\"updated_at\":");
	text(d, 6, "null");
	json(d, 1, "null");
	extra(d, 8);
}

static void
node(struct kag_dump *d)
{
	kag_buf_adds(&d->line, "{\"type\":\"node\",\"id\":");
	text(d, 0, "\"\"");
	field(d, "node_type");
	text(d, 1, "null");
	json(d, 0, "{}");
	json(d, 1, NULL);
	json(d, 2, NULL);
	opttext(d, 5, "created_at");
	opttext(d, 6, "updated_at");
	extra(d, 7);
}

static void
edge(struct kag_dump *d)
{
	kag_buf_adds(&d->line, "{\"type\":\"edge\",\"src\":");
	text(d, 1, "\"\"");
	field(d, "dst");
	text(d, 2, "\"\"");
	field(d, "rel_type");
	text(d, 3, "null");
	json(d, 0, "1.0");
	json(d, 1, "{}");
	opttext(d, 6, "id");
	json(d, 2, NULL);
	json(d, 3, NULL);
	opttext(d, 9, "created_at");
	extra(d, 10);
}

static int
hyperedge(struct kag_dump *d)
{
	const char *s;
	size_t n;
	int rc, k = 0;

	kag_buf_adds(&d->line, "{\"type\":\"hyperedge\",\"id\":");
	text(d, 0, "\"\"");
	kag_buf_adds(&d->line, ",\"nodes\":[");
	s = cell(d, 0, &n);
	sqlite3_reset(d->members);
	sqlite3_bind_text(d->members, 1, s != NULL ? s : "", (int)n, NULL);
	while ((rc = sqlite3_step(d->members)) == SQLITE_ROW) {
		if (k++ > 0)
			kag_buf_addc(&d->line, ',');
		s = (const char *)sqlite3_column_text(d->members, 0);
		n = (size_t)sqlite3_column_bytes(d->members, 0);
		kag_buf_add_json_string(&d->line, s != NULL ? s : "", n);
	}
	if (rc != SQLITE_DONE)
		return kag_dump_fail(d, NULL);
	kag_buf_addc(&d->line, ']');
	opttext(d, 1, "edge_type");
	json(d, 0, NULL);
	json(d, 1, NULL);
	opttext(d, 4, "created_at");
	extra(d, 5);
	return 0;
}

/* Write the current row of the stage into d->line, without its closing
 * brace: 0, or -1 on trouble. */
int
kag_dumprow_write(struct kag_dump *d)
{
	switch (d->stage) {
	case S_NODES:
		node(d);
		return 0;
	case S_EDGES:
		edge(d);
		return 0;
	case S_HYPEREDGES:
		return hyperedge(d);
	default:
		memory(d);
		return 0;
	}
}
