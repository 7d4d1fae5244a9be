/* loadrow.c: the values of records as SQL parameters, compared with rows;
 * memory records into rows; rows put off until their indexes are back. */
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

/* The index of file in l->files, where an operand's name is kept for
 * the messages of the end. */
size_t
kag_load_filenum(struct kag_load *l, const char *file)
{
	if (l->nfiles == 0 || strcmp(l->files[l->nfiles - 1], file) != 0) {
		l->files =
		    kag_xrealloc(l->files, (l->nfiles + 1) * sizeof(char *));
		l->files[l->nfiles++] = kag_xstrdup(file);
	}
	return l->nfiles - 1;
}

/*
 * A memory is found by (user_id, key, agent_name) and an edge without an
 * id by (src, dst, rel_type), which only plain indexes serve.  While
 * those are dropped, such a record that the load may have written
 * already (the same one twice in one export is common) is put off, with
 * the place it would take if it were new (its row id, its seq), into a
 * temporary table on disk, and looked up when the indexes are back
 * (kag_load_settle()), in the order of the load: the rows, their ids and
 * the counts are those of a lookup there and then.  Not under
 * --on-conflict fail, whose messages come in the order of the input.
 * The columns c0.. hold the record's values in the order of its kind's
 * parameters.
 */
static const char *const latersql[NT] = {
	[T_MEMORIES] = "INSERT INTO temp.kag_load_later SELECT NULL, 0, "
		       "max(coalesce((SELECT max(id) FROM main.memories), 0), "
		       "coalesce((SELECT seq FROM main.sqlite_sequence WHERE "
		       "name = 'memories'), 0)) + 1 + ?14, ?11, ?12, ?13, ?1, "
		       "?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, NULL",
	[T_WORKING] =
	    "INSERT INTO temp.kag_load_later SELECT NULL, 1, "
	    "coalesce(max(id), 0) + 1 + ?14, ?11, ?12, ?13, ?1, ?2, "
	    "?3, ?4, ?5, ?6, ?7, ?8, NULL, NULL FROM main.kag_working",
	[T_EDGES] = "INSERT INTO temp.kag_load_later SELECT NULL, 3, "
		    "coalesce(max(seq), 0) + 1, ?12, ?13, 0, ?1, ?2, ?3, ?4, "
		    "?5, ?6, ?7, ?8, ?9, ?10 FROM main.kag_edges",
};

int
kag_load_later(struct kag_load *l, int t, const struct val *v, int nv)
{
	sqlite3_stmt **st = &l->later[t];

	if (*st == NULL &&
	    (kag_load_exec(l,
		 "CREATE TEMP TABLE IF NOT EXISTS kag_load_later (n INTEGER "
		 "PRIMARY KEY, t INTEGER, pos INTEGER, file INTEGER, line "
		 "INTEGER, flags INTEGER, c0, c1, c2, c3, c4, c5, c6, c7, c8, "
		 "c9)") < 0 ||
		sqlite3_prepare_v3(l->db, latersql[t], -1,
		    SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK))
		return kag_load_fail(l, "sqlite");
	if (kag_load_bind(l, *st, v, nv) < 0)
		return -1;
	if (sqlite3_step(*st) != SQLITE_DONE) {
		sqlite3_reset(*st);
		return kag_load_fail(l, "sqlite");
	}
	sqlite3_reset(*st);
	l->nlater[t]++;
	return 0;
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

/*
 * Write a memory as M_FIND or W_FIND found it (rc, the row still in the
 * statement): created, unchanged or, when kag_load_conflict() says so,
 * updated.
 */
static int
found(struct kag_load *l, int working, int rc, struct val *v, int hasc,
    int hasu, const char *file, uintmax_t line)
{
	struct kag_load_stats *c = &l->rep.memories;
	sqlite3_stmt *st = l->st[working ? W_FIND : M_FIND];

	if (rc < 0)
		return -1;
	if (rc == 0) {
		c->created++;
		return insert(l, working, v);
	}
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

int
kag_load_memory(struct kag_load *l, const struct kag_record *r,
    const char *file, uintmax_t line)
{
	static const int known[] = { KAG_F_SCOPE, KAG_F_KEY, KAG_F_VALUE,
		KAG_F_USER_ID, KAG_F_AGENT_NAME, KAG_F_CREATED_AT,
		KAG_F_UPDATED_AT, KAG_F_METADATA };
	struct kag_load_stats *c = &l->rep.memories;
	struct val v[MV_LATER];
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
	if (l->t[t].fresh && l->t[t].dropped &&
	    l->o.conflict != KAG_CONFLICT_FAIL) {
		v[MV_FILE].kind = v[MV_LINE].kind = V_INT;
		v[MV_FLAGS].kind = v[MV_PEND].kind = V_INT;
		v[MV_FILE].n = kag_load_filenum(l, file);
		v[MV_LINE].n = (size_t)line;
		v[MV_FLAGS].n = (size_t)(hasc | hasu << 1);
		v[MV_PEND].n = (size_t)l->b[working].n;
		return kag_load_later(l, t, v, MV_LATER);
	}
	rc = kag_load_restore(l, t) < 0 || kag_load_flush_all(l) < 0
	    ? -1
	    : kag_load_query(l, working ? W_FIND : M_FIND, v, MV_N);
	return found(l, working, rc, v, hasc, hasu, file, line);
}

/*
 * Rows id (of column col of table) from at to top were the load's
 * (nothing above them): the last, new after all, takes id at and the
 * others move up one, through negative numbers, as no two rows may share
 * an id.
 */
static int
rotate(struct kag_load *l, const char *table, const char *col, sqlite3_int64 at,
    sqlite3_int64 top)
{
	struct kag_buf sql = KAG_BUF_INIT;
	int rc;

	kag_buf_addf(&sql,
	    "UPDATE %s SET %s = -%s WHERE %s BETWEEN %lld AND %lld; "
	    "UPDATE %s SET %s = CASE %s WHEN %lld THEN %lld ELSE 1 - %s END "
	    "WHERE %s < 0",
	    table, col, col, col, (long long)at, (long long)top, table, col,
	    col, -(long long)top, (long long)at, col, col);
	rc = kag_load_exec(l, sql.buf);
	kag_buf_release(&sql);
	return rc;
}

/* A memory put off, looked up now that the indexes of table t are back:
 * 1 when it is new after all, and takes row id at. */
static int
settle(struct kag_load *l, int t, struct val *v, int flags, sqlite3_int64 at,
    const char *file, uintmax_t line)
{
	sqlite3_int64 top;
	int working = t == T_WORKING, rc;

	v[MV_ID] = v[MV_KEEP] = kag_load_null;
	rc = kag_load_query(l, working ? W_FIND : M_FIND, v, MV_N);
	if (rc != 0)
		return found(l, working, rc, v, flags & 1, flags >> 1 & 1, file,
			   line) < 0
		    ? -1
		    : 0;
	if (found(l, working, rc, v, 0, 0, file, line) < 0)
		return -1;
	top = sqlite3_last_insert_rowid(l->db);
	if (rotate(l, working ? "kag_working" : "memories", "id", at, top) < 0)
		return -1;
	if (!working && rotate(l, "kag_memory_extra", "memory_id", at, top) < 0)
		return -1;
	return 1;
}

/*
 * The rows put off for table t (see kag_load_later()), looked up in
 * order; each new after all moves the places of the later ones up
 * one.
 */
int
kag_load_settle(struct kag_load *l, int t)
{
	struct kag_buf sql = KAG_BUF_INIT;
	sqlite3_stmt *st;
	struct val v[EV_N]; /* an edge's values or a memory's */
	sqlite3_int64 moved = 0, at;
	const char *file;
	uintmax_t line;
	int i, rc, got = 0, flags;

	_Static_assert((int)MV_N <= (int)EV_N, "a memory's values fit");
	if (l->nlater[t] == 0)
		return 0;
	if (t != T_EDGES && kag_load_flush_all(l) < 0)
		return -1;
	if (sqlite3_prepare_v2(l->db,
		"SELECT pos, file, line, flags, c0, c1, c2, c3, c4, c5, c6, "
		"c7, c8, c9 FROM temp.kag_load_later WHERE t = ?1 ORDER BY n",
		-1, &st, NULL) != SQLITE_OK)
		return kag_load_fail(l, "sqlite");
	sqlite3_bind_int(st, 1, t);
	while (got >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < 10; i++) {
			v[i] = kag_load_null;
			if (sqlite3_column_type(st, 4 + i) == SQLITE_NULL)
				continue;
			v[i].kind = V_TEXT;
			v[i].p = (const char *)sqlite3_column_text(st, 4 + i);
			v[i].n = (size_t)sqlite3_column_bytes(st, 4 + i);
		}
		at = sqlite3_column_int64(st, 0) + moved;
		file = l->files[sqlite3_column_int64(st, 1)];
		line = (uintmax_t)sqlite3_column_int64(st, 2);
		flags = sqlite3_column_int(st, 3);
		got = t == T_EDGES ? kag_load_settle_edge(l, v, at, file, line)
				   : settle(l, t, v, flags, at, file, line);
		moved += got > 0;
	}
	if (got >= 0 && rc != SQLITE_DONE)
		got = kag_load_fail(l, "sqlite");
	sqlite3_finalize(st);
	if (got < 0)
		return -1;
	sqlite3_finalize(l->later[t]);
	l->later[t] = NULL;
	l->nlater[t] = 0;
	for (i = 0; i < NT && l->nlater[i] == 0; i++)
		;
	if (i < NT)
		kag_buf_addf(
		    &sql, "DELETE FROM temp.kag_load_later WHERE t = %d", t);
	else
		kag_buf_adds(&sql, "DROP TABLE temp.kag_load_later");
	rc = kag_load_exec(l, sql.buf);
	kag_buf_release(&sql);
	return rc;
}
