/* loadrow.c: the values of records as SQL parameters, compared with rows;
 * memory records into rows. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

int
kag_load_fail(struct kag_load *l, const char *what)
{
	kag_buf_reset(&l->err);
	kag_buf_addf(&l->err, "%s: %s", what, sqlite3_errmsg(l->db));
	return -1;
}

int
kag_load_exec(struct kag_load *l, const char *sql)
{
	if (sqlite3_exec(l->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return kag_load_fail(l, "sqlite");
	return 0;
}

int
kag_load_bind(struct kag_load *l, sqlite3_stmt *st, const struct val *v, int nv)
{
	int i, n = sqlite3_bind_parameter_count(st), rc;

	assert(n <= nv);
	(void)nv;
	for (i = 0; i < n; i++) {
		if (v[i].kind == V_TEXT)
			rc = sqlite3_bind_text(
			    st, i + 1, v[i].p, (int)v[i].n, SQLITE_STATIC);
		else if (v[i].kind == V_INT)
			rc = sqlite3_bind_int64(
			    st, i + 1, (sqlite3_int64)v[i].n);
		else
			rc = sqlite3_bind_null(st, i + 1);
		if (rc != SQLITE_OK)
			return kag_load_fail(l, "sqlite");
	}
	return 0;
}

/* Run a statement that returns no rows. */
int
kag_load_run(struct kag_load *l, int k, const struct val *v, int nv)
{
	sqlite3_stmt *st = l->st[k];
	int rc;

	if (kag_load_bind(l, st, v, nv) < 0)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return kag_load_fail(l, "sqlite");
	return 0;
}

/* Step a query: 1 with a row (reset it when done), 0 without (reset). */
int
kag_load_query(struct kag_load *l, int k, const struct val *v, int nv)
{
	sqlite3_stmt *st = l->st[k];
	int rc;

	if (kag_load_bind(l, st, v, nv) < 0)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		return 1;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return kag_load_fail(l, "sqlite");
	return 0;
}

/* Whether column c of the row holds what v would store. */
int
kag_load_same(sqlite3_stmt *st, int c, const struct val *v)
{
	const unsigned char *p;

	if (sqlite3_column_type(st, c) == SQLITE_NULL)
		return v->kind == V_NULL;
	if (v->kind != V_TEXT)
		return 0;
	p = sqlite3_column_text(st, c);
	return p != NULL && (size_t)sqlite3_column_bytes(st, c) == v->n &&
	    memcmp(p, v->p, v->n) == 0;
}

const struct val kag_load_null = { V_NULL, NULL, 0 };

/* The JSON text of token t (a string with its quotes); absent is NULL. */
struct val
kag_load_raw(const struct kag_record *r, enum kag_field f)
{
	const struct kag_json *j = r->json;
	const struct kag_tok *t;
	struct val v = kag_load_null;
	int q;

	if (r->f[f] < 0)
		return v;
	t = &j->tok[r->f[f]];
	q = t->type == KAG_TOK_STRING;
	v.kind = V_TEXT;
	v.p = j->text + t->start - q;
	v.n = (size_t)(t->end - t->start + 2 * q);
	return v;
}

/* A string field decoded (into tmp when it has escapes); absent or
 * kag_load_null is NULL.  Returns whether the field is there at all. */
int
kag_load_str(struct kag_load *l, const struct kag_record *r, enum kag_field f,
    int tmp, struct val *v)
{
	*v = kag_load_null;
	if (r->f[f] < 0)
		return 0;
	if (r->json->tok[r->f[f]].type == KAG_TOK_STRING) {
		v->kind = V_TEXT;
		kag_json_str(r->json, r->f[f], &l->tmp[tmp], &v->p, &v->n);
	}
	return 1;
}

struct val
kag_load_text(const char *s)
{
	struct val v = { V_TEXT, s, strlen(s) };

	return v;
}

/*
 * The record's top-level fields that have no column, as one JSON object
 * of their own texts in record order; NULL when there are none.  A field
 * is known when its value token is one the record parser filed under one
 * of the kind's fields.
 */
struct val
kag_load_extra(
    struct kag_load *l, const struct kag_record *r, const int *known, int nk)
{
	const struct kag_json *j = r->json;
	const struct kag_tok *k, *v;
	struct kag_buf *b = &l->extra;
	struct val out = kag_load_null;
	int i, f, q;

	kag_buf_reset(b);
	for (i = 1; i < j->ntok; i = j->tok[i + 1].next) {
		if (i + 1 == r->f[KAG_F_TYPE] ||
		    i + 1 == r->f[KAG_F_EXPORTED_AT])
			continue;
		for (f = 0; f < nk && r->f[known[f]] != i + 1; f++)
			;
		if (f < nk)
			continue;
		k = &j->tok[i];
		v = &j->tok[i + 1];
		q = v->type == KAG_TOK_STRING;
		kag_buf_addc(b, b->len == 0 ? '{' : ',');
		kag_buf_add(
		    b, j->text + k->start - 1, (size_t)(k->end - k->start + 2));
		kag_buf_addc(b, ':');
		kag_buf_add(b, j->text + v->start - q,
		    (size_t)(v->end - v->start + 2 * q));
	}
	if (b->len == 0)
		return out;
	kag_buf_addc(b, '}');
	out.kind = V_TEXT;
	out.p = b->buf;
	out.n = b->len;
	return out;
}

/* Add one part of an identity, unambiguously. */
void
kag_load_idpart(struct kag_buf *b, const struct val *v)
{
	unsigned char len[5];
	size_t n = v->kind == V_TEXT ? v->n : 0;

	len[0] = (unsigned char)v->kind;
	len[1] = (unsigned char)(n >> 24);
	len[2] = (unsigned char)(n >> 16);
	len[3] = (unsigned char)(n >> 8);
	len[4] = (unsigned char)n;
	kag_buf_add(b, len, sizeof(len));
	kag_buf_add(b, v->p, n);
}

/* Start the message naming a record: kind 'name'. */
void
kag_load_name(struct kag_load *l, const char *kind, const struct val *v)
{
	kag_buf_reset(&l->msg);
	kag_buf_addf(&l->msg, "%s ", kind);
	kag_buf_add_quoted(&l->msg, v->p, v->n);
}

/* Insert a new memory row. */
static int
insert(struct kag_load *l, int working, struct val *v)
{
	if (kag_load_run(l, working ? W_INSERT : M_INSERT, v, MV_N) < 0)
		return -1;
	if (working || v[MV_EXTRA].kind == V_NULL)
		return 0;
	v[MV_ID].kind = V_INT;
	v[MV_ID].n = (size_t)sqlite3_last_insert_rowid(l->db);
	return kag_load_run(l, X_SET, v, MV_N);
}

/* Insert the rows batched for table b. */
static int
flush(struct kag_load *l, struct batch *b)
{
	int i, n = b->n * b->ncol, rc = 0;

	for (i = 0; i < n; i++)
		if (b->v[i].kind == V_TEXT)
			b->v[i].p = b->text.buf + b->off[i];
	if (b->n == BATCH) {
		if ((rc = kag_load_bind(l, b->st, b->v, n)) == 0 &&
		    sqlite3_step(b->st) != SQLITE_DONE)
			rc = kag_load_fail(l, "sqlite");
		sqlite3_reset(b->st);
	}
	for (i = 0; b->n < BATCH && i < b->n && rc == 0; i++)
		rc = kag_load_run(l, b->ncol == MV_EXTRA ? M_INSERT : W_INSERT,
		    &b->v[i * b->ncol], b->ncol);
	b->n = 0;
	kag_buf_reset(&b->text);
	return rc;
}

int
kag_load_flush_all(struct kag_load *l)
{
	return flush(l, &l->b[0]) < 0 || flush(l, &l->b[1]) < 0 ? -1 : 0;
}

/* Insert a new memory row, in a batch when it can be. */
static int
add(struct kag_load *l, int working, struct val *v)
{
	struct batch *b = &l->b[working];
	int i;

	if (!working && v[MV_EXTRA].kind != V_NULL)
		return flush(l, b) < 0 ? -1 : insert(l, working, v);
	for (i = 0; i < b->ncol; i++) {
		b->v[b->n * b->ncol + i] = v[i];
		if (v[i].kind != V_TEXT)
			continue;
		b->off[b->n * b->ncol + i] = b->text.len;
		kag_buf_add(&b->text, v[i].p, v[i].n);
	}
	return ++b->n == BATCH ? flush(l, b) : 0;
}

int
kag_load_memory(struct kag_load *l, const struct kag_record *r,
    const char *file, uintmax_t line)
{
	static const int known[] = { KAG_F_SCOPE, KAG_F_KEY, KAG_F_VALUE,
		KAG_F_USER_ID, KAG_F_AGENT_NAME, KAG_F_CREATED_AT,
		KAG_F_UPDATED_AT, KAG_F_METADATA };
	struct kag_load_stats *c = &l->rep.memories;
	struct val v[MV_N];
	sqlite3_stmt *st;
	int working, hasc, hasu, rc, i, t;

	working = kag_record_str_eq(r, KAG_F_SCOPE, "working", 7);
	t = working ? T_WORKING : T_MEMORIES;
	kag_load_str(l, r, KAG_F_KEY, 0, &v[MV_KEY]);
	v[MV_VALUE] = kag_load_raw(r, KAG_F_VALUE);
	if (l->o.user_id != NULL)
		v[MV_USER] = kag_load_text(l->o.user_id);
	else if (!kag_load_str(l, r, KAG_F_USER_ID, 1, &v[MV_USER]))
		v[MV_USER] = kag_load_text("default_user");
	if (l->o.agent_name != NULL)
		v[MV_AGENT] = *l->o.agent_name ? kag_load_text(l->o.agent_name)
					       : kag_load_null;
	else
		kag_load_str(l, r, KAG_F_AGENT_NAME, 2, &v[MV_AGENT]);
	hasc = kag_load_str(l, r, KAG_F_CREATED_AT, 3, &v[MV_CREATED]);
	hasu = kag_load_str(l, r, KAG_F_UPDATED_AT, 4, &v[MV_UPDATED]);
	v[MV_META] = kag_load_raw(r, KAG_F_METADATA);
	if (v[MV_META].n == 4 && memcmp(v[MV_META].p, "null", 4) == 0)
		v[MV_META] = kag_load_null;
	v[MV_EXTRA] =
	    kag_load_extra(l, r, known, sizeof(known) / sizeof(*known));
	v[MV_ID] = kag_load_null;
	v[MV_KEEP] = kag_load_null;

	kag_buf_reset(&l->key);
	kag_buf_addc(&l->key, working ? 'w' : 'm');
	for (i = MV_KEY; i <= MV_AGENT; i++)
		if (i != MV_VALUE)
			kag_load_idpart(&l->key, &v[i]);
	if (!hasc)
		v[MV_CREATED] = kag_load_text(l->now);
	if (!hasu)
		v[MV_UPDATED] = v[MV_CREATED];
	if ((rc = kag_load_lookup(l, t)) == 0) {
		c->created++;
		return add(l, working, v);
	}
	if (rc > 0)
		rc = kag_load_restore(l, t) < 0 || kag_load_flush_all(l) < 0
		    ? -1
		    : kag_load_query(l, working ? W_FIND : M_FIND, v, MV_N);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		c->created++;
		return insert(l, working, v);
	}
	st = l->st[working ? W_FIND : M_FIND];
	v[MV_ID].kind = V_INT;
	v[MV_ID].n = (size_t)sqlite3_column_int64(st, 0);
	rc = kag_load_same(st, 1, &v[MV_VALUE]) &&
	    (!hasc || kag_load_same(st, 2, &v[MV_CREATED])) &&
	    (!hasu || kag_load_same(st, 3, &v[MV_UPDATED])) &&
	    kag_load_same(st, 4, &v[MV_META]) &&
	    kag_load_same(st, 5, &v[MV_EXTRA]);
	sqlite3_reset(st);
	if (rc) {
		c->unchanged++;
		return 0;
	}
	kag_load_name(l, "memory", &v[MV_KEY]);
	kag_buf_adds(&l->msg, " of ");
	kag_buf_add_quoted(&l->msg, v[MV_USER].p, v[MV_USER].n);
	if (!kag_load_conflict(l, c, file, line))
		return 0;
	v[MV_KEEP].kind = V_INT;
	v[MV_KEEP].n = !hasc;
	if (!hasu)
		v[MV_UPDATED] = kag_load_text(l->now);
	if (kag_load_run(l, working ? W_UPDATE : M_UPDATE, v, MV_N) < 0)
		return -1;
	if (working)
		return 0;
	return kag_load_run(
	    l, v[MV_EXTRA].kind == V_NULL ? X_DEL : X_SET, v, MV_N);
}
