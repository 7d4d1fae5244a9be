/* load.c: records into the store as rows, upserted, in one transaction. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "kag.h"

/*
 * A value to bind or compare.  Statements number their parameters after
 * the slots of one array per record kind, so that every statement of a
 * kind is bound from the same array (SQLite allows gaps in ?NNN).
 */
enum { V_NULL, V_TEXT, V_INT };
struct val {
	int kind;
	const char *p;
	size_t n; /* V_INT: the number */
};

/* Memories: ?1 key, ?2 value, ?3 user_id, ?4 agent_name, ?5 created_at,
 * ?6 updated_at, ?7 metadata, ?8 extra, ?9 row id, ?10 created_at absent
 * (keep the stored one). */
enum { MV_KEY, MV_VALUE, MV_USER, MV_AGENT, MV_CREATED, MV_UPDATED };
enum { MV_META = MV_UPDATED + 1, MV_EXTRA, MV_ID, MV_KEEP, MV_N };
/* Nodes: ?1 id ... ?8 extra, in the column order of kag_nodes. */
enum { NV_ID, NV_TYPE, NV_DATA, NV_CONTENT, NV_META, NV_CREATED };
enum { NV_UPDATED = NV_CREATED + 1, NV_EXTRA, NV_N };
/* Edges: ?1 id ... ?10 extra in the column order of kag_edges, ?11 seq. */
enum { EV_ID, EV_SRC, EV_DST, EV_REL, EV_WEIGHT, EV_DATA, EV_DIRECTED };
enum { EV_META = EV_DIRECTED + 1, EV_CREATED, EV_EXTRA, EV_SEQ, EV_N };
/* Hyperedges: ?1 id ... ?6 extra; members ?1 id, ?2 pos, ?3 node. */
enum { HV_ID, HV_TYPE, HV_CONTENT, HV_META, HV_CREATED, HV_EXTRA, HV_N };

#define MEMCOLS "value, created_at, updated_at, metadata"
static const char *const sqltext[] = {
#define M_FIND 0
	"SELECT m.id, m." MEMCOLS ", x.extra FROM memories AS m LEFT JOIN "
	"kag_memory_extra AS x ON x.memory_id = m.id WHERE m.user_id = ?3 AND "
	"m.key = ?1 AND m.agent_name IS ?4 ORDER BY m.id LIMIT 1",
#define M_INSERT 1
	"INSERT INTO memories (key, value, user_id, agent_name, created_at, "
	"updated_at, metadata) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
#define M_UPDATE 2
	"UPDATE memories SET value = ?2, created_at = CASE WHEN ?10 THEN "
	"created_at ELSE ?5 END, updated_at = ?6, metadata = ?7 WHERE id = ?9",
#define X_SET 3
	"INSERT OR REPLACE INTO kag_memory_extra (memory_id, extra) VALUES "
	"(?9, ?8)",
#define X_DEL 4
	"DELETE FROM kag_memory_extra WHERE memory_id = ?9",
#define W_FIND 5
	"SELECT id, " MEMCOLS ", extra FROM kag_working WHERE user_id = ?3 AND "
	"key = ?1 AND agent_name IS ?4 ORDER BY id LIMIT 1",
#define W_INSERT 6
	"INSERT INTO kag_working (key, value, user_id, agent_name, created_at, "
	"updated_at, metadata, extra) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
#define W_UPDATE 7
	"UPDATE kag_working SET value = ?2, created_at = CASE WHEN ?10 THEN "
	"created_at ELSE ?5 END, updated_at = ?6, metadata = ?7, extra = ?8 "
	"WHERE id = ?9",
#define N_FIND 8
	"SELECT id, node_type, data, content, metadata, created_at, "
	"updated_at, extra FROM kag_nodes WHERE id = ?1",
#define N_INSERT 9
	"INSERT INTO kag_nodes (id, node_type, data, content, metadata, "
	"created_at, updated_at, extra) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
	"?8)",
#define N_UPDATE 10
	"UPDATE kag_nodes SET node_type = ?2, data = ?3, content = ?4, "
	"metadata = ?5, created_at = ?6, updated_at = ?7, extra = ?8 WHERE "
	"id = ?1",
#define N_HAS 11
	"SELECT 1 FROM kag_nodes WHERE id = ?1",
#define E_FIND_ID 12
	"SELECT id, src, dst, rel_type, weight, data, directed, metadata, "
	"created_at, extra, seq FROM kag_edges WHERE id = ?1",
#define E_FIND 13
	"SELECT id, src, dst, rel_type, weight, data, directed, metadata, "
	"created_at, extra, seq FROM kag_edges WHERE src = ?2 AND dst = ?3 AND "
	"rel_type IS ?4 AND id IS NULL ORDER BY seq LIMIT 1",
#define E_INSERT 14
	"INSERT INTO kag_edges (id, src, dst, rel_type, weight, data, "
	"directed, metadata, created_at, extra) VALUES (?1, ?2, ?3, ?4, ?5, "
	"?6, ?7, ?8, ?9, ?10)",
#define E_UPDATE 15
	"UPDATE kag_edges SET src = ?2, dst = ?3, rel_type = ?4, weight = ?5, "
	"data = ?6, directed = ?7, metadata = ?8, created_at = ?9, extra = ?10 "
	"WHERE seq = ?11",
#define H_FIND 16
	"SELECT id, edge_type, content, metadata, created_at, extra FROM "
	"kag_hyperedges WHERE id = ?1",
#define H_MEMBERS 17
	"SELECT node_id FROM kag_hyperedge_members WHERE hyperedge_id = ?1 "
	"ORDER BY pos",
#define H_INSERT 18
	"INSERT INTO kag_hyperedges (id, edge_type, content, metadata, "
	"created_at, extra) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
#define H_UPDATE 19
	"UPDATE kag_hyperedges SET edge_type = ?2, content = ?3, metadata = "
	"?4, created_at = ?5, extra = ?6 WHERE id = ?1",
#define H_DELMEM 20
	"DELETE FROM kag_hyperedge_members WHERE hyperedge_id = ?1",
#define H_ADDMEM 21
	"INSERT INTO kag_hyperedge_members (hyperedge_id, pos, node_id) "
	"VALUES (?1, ?2, ?3)",
#define NSTMT 22
};

/*
 * Tables that were empty when the load began (after --clear) need no
 * lookup for an identity the load has not written yet, and their
 * indexes need not be kept up to date row by row: they are dropped and
 * made again at the end, by sorting, with the very statements that made
 * them (sqlite_master keeps their text as it was).  An identity seen
 * before (or sharing its fingerprint with one) brings the indexes back
 * at once and is looked up.  UNIQUE indexes stay: making one again could
 * fail.  Past MAXSEEN identities, every table is looked up as usual.
 */
#ifndef MAXSEEN
#define MAXSEEN (1 << 21) /* identities remembered, about 40 MB at most */
#endif
enum { T_MEMORIES, T_WORKING, T_NODES, T_EDGES, T_HYPEREDGES, T_MEMBERS, NT };
static const char *const tables[NT] = { "memories", "kag_working", "kag_nodes",
	"kag_edges", "kag_hyperedges", "kag_hyperedge_members" };

struct table {
	int fresh;	    /* empty at the start */
	int dropped;	    /* its indexes are dropped */
	struct kag_buf ddl; /* their CREATE statements, each ended by NUL */
};

/*
 * New memories for an empty table are inserted BATCH at a time by one
 * statement: an AUTOINCREMENT table pays for its bookkeeping once a
 * statement.  Their texts are copied, since a record's text lasts only
 * until the next one.
 */
#define BATCH 32
struct batch {
	sqlite3_stmt *st; /* INSERT of BATCH rows of ncol columns */
	int ncol, n;
	struct val v[BATCH * (MV_EXTRA + 1)];
	size_t off[BATCH * (MV_EXTRA + 1)]; /* of the texts in text */
	struct kag_buf text;
};

/* An edge whose endpoint was not a node yet: looked at again at the end. */
struct pending {
	size_t file; /* index into files */
	uintmax_t line;
	char *id;
	size_t n;
};

struct kag_load {
	struct kag_store *store;
	sqlite3 *db;
	struct kag_load_opts o;
	kag_diag_fn *diag;
	void *ctx;
	sqlite3_stmt *st[NSTMT];
	struct table t[NT];
	struct kag_fpset *seen;
	int begun;
	char now[32]; /* the load's time, as Kagura's CURRENT_TIMESTAMP */
	struct kag_load_report rep;
	uintmax_t errors;
	struct pending *pend;
	size_t npend, apend;
	char **files;
	size_t nfiles;
	struct kag_buf tmp[6], extra, key, msg, err;
	struct batch b[2]; /* memories, kag_working */
};

struct kag_load *
kag_load_new(struct kag_store *s, const struct kag_load_opts *o,
    kag_diag_fn *diag, void *ctx)
{
	struct kag_load *l = kag_xcalloc(1, sizeof(*l));

	l->store = s;
	l->db = kag_store_db(s);
	if (o != NULL)
		l->o = *o;
	l->diag = diag;
	l->ctx = ctx;
	l->seen = kag_fpset_new();
	return l;
}

static int
fail(struct kag_load *l, const char *what)
{
	kag_buf_reset(&l->err);
	kag_buf_addf(&l->err, "%s: %s", what, sqlite3_errmsg(l->db));
	return -1;
}

static int
exec(struct kag_load *l, const char *sql)
{
	if (sqlite3_exec(l->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(l, "sqlite");
	return 0;
}

/* A data problem of the record at file:line: counted, then reported. */
static void
problem(struct kag_load *l, const char *file, uintmax_t line)
{
	struct kag_diag d;

	l->errors++;
	if (l->diag == NULL)
		return;
	d.file = file;
	d.line = line;
	d.severity = KAG_ERROR;
	d.msg = l->msg.buf;
	l->diag(l->ctx, &d);
}

static int
bind(struct kag_load *l, sqlite3_stmt *st, const struct val *v, int nv)
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
			return fail(l, "sqlite");
	}
	return 0;
}

/* Run a statement that returns no rows. */
static int
run(struct kag_load *l, int k, const struct val *v, int nv)
{
	sqlite3_stmt *st = l->st[k];
	int rc;

	if (bind(l, st, v, nv) < 0)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail(l, "sqlite");
	return 0;
}

/* Step a query: 1 with a row (reset it when done), 0 without (reset). */
static int
query(struct kag_load *l, int k, const struct val *v, int nv)
{
	sqlite3_stmt *st = l->st[k];
	int rc;

	if (bind(l, st, v, nv) < 0)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		return 1;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail(l, "sqlite");
	return 0;
}

/* Whether column c of the row holds what v would store. */
static int
same(sqlite3_stmt *st, int c, const struct val *v)
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

static const struct val null = { V_NULL, NULL, 0 };

/* The JSON text of token t (a string with its quotes); absent is NULL. */
static struct val
raw(const struct kag_record *r, enum kag_field f)
{
	const struct kag_json *j = r->json;
	const struct kag_tok *t;
	struct val v = null;
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

/* A string field decoded (into tmp when it has escapes); absent or null
 * is NULL.  Returns whether the field is there at all. */
static int
str(struct kag_load *l, const struct kag_record *r, enum kag_field f, int tmp,
    struct val *v)
{
	*v = null;
	if (r->f[f] < 0)
		return 0;
	if (r->json->tok[r->f[f]].type == KAG_TOK_STRING) {
		v->kind = V_TEXT;
		kag_json_str(r->json, r->f[f], &l->tmp[tmp], &v->p, &v->n);
	}
	return 1;
}

static struct val
text(const char *s)
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
static struct val
extra(struct kag_load *l, const struct kag_record *r, const int *known, int nk)
{
	const struct kag_json *j = r->json;
	const struct kag_tok *k, *v;
	struct kag_buf *b = &l->extra;
	struct val out = null;
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
static void
idpart(struct kag_buf *b, const struct val *v)
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

static int
restore(struct kag_load *l, int t)
{
	const char *p;

	if (!l->t[t].dropped)
		return 0;
	l->t[t].dropped = 0;
	for (p = l->t[t].ddl.buf; p < l->t[t].ddl.buf + l->t[t].ddl.len;
	     p += strlen(p) + 1)
		if (exec(l, p) < 0)
			return -1;
	return 0;
}

/*
 * Whether the identity built in l->key needs a lookup in table t: not
 * when t was empty at the start and the load has not written it yet.
 * -1 on trouble.
 */
static int
lookup(struct kag_load *l, int t)
{
	int i;

	if (l->t[t].fresh && kag_fpset_count(l->seen) >= MAXSEEN) {
		/* Memory stays flat: from here on, lookups. */
		for (i = 0; i < NT; i++)
			l->t[i].fresh = 0;
		kag_fpset_free(l->seen);
		l->seen = NULL;
	}
	if (l->t[t].fresh && kag_fpset_add(l->seen, l->key.buf, l->key.len))
		return 0;
	return restore(l, t) < 0 ? -1 : 1;
}

/* What to do with a record whose identity is stored with other content
 * (l->msg names it): 1 to write it, 0 not to; a conflict under
 * KAG_CONFLICT_FAIL is reported. */
static int
conflict(struct kag_load *l, struct kag_load_stats *c, const char *file,
    uintmax_t line)
{
	switch (l->o.conflict) {
	case KAG_CONFLICT_SKIP:
		c->skipped++;
		return 0;
	case KAG_CONFLICT_FAIL:
		kag_buf_adds(&l->msg,
		    " is in the store with other content (--on-conflict fail)");
		problem(l, file, line);
		return 0;
	default:
		c->updated++;
		return 1;
	}
}

/* Start the message naming a record: kind 'name'. */
static void
name(struct kag_load *l, const char *kind, const struct val *v)
{
	kag_buf_reset(&l->msg);
	kag_buf_addf(&l->msg, "%s ", kind);
	kag_buf_add_quoted(&l->msg, v->p, v->n);
}

/* Insert a new memory row. */
static int
insert(struct kag_load *l, int working, struct val *v)
{
	if (run(l, working ? W_INSERT : M_INSERT, v, MV_N) < 0)
		return -1;
	if (working || v[MV_EXTRA].kind == V_NULL)
		return 0;
	v[MV_ID].kind = V_INT;
	v[MV_ID].n = (size_t)sqlite3_last_insert_rowid(l->db);
	return run(l, X_SET, v, MV_N);
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
		if ((rc = bind(l, b->st, b->v, n)) == 0 &&
		    sqlite3_step(b->st) != SQLITE_DONE)
			rc = fail(l, "sqlite");
		sqlite3_reset(b->st);
	}
	for (i = 0; b->n < BATCH && i < b->n && rc == 0; i++)
		rc = run(l, b->ncol == MV_EXTRA ? M_INSERT : W_INSERT,
		    &b->v[i * b->ncol], b->ncol);
	b->n = 0;
	kag_buf_reset(&b->text);
	return rc;
}

static int
flush_all(struct kag_load *l)
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

static int
memory(struct kag_load *l, const struct kag_record *r, const char *file,
    uintmax_t line)
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
	str(l, r, KAG_F_KEY, 0, &v[MV_KEY]);
	v[MV_VALUE] = raw(r, KAG_F_VALUE);
	if (l->o.user_id != NULL)
		v[MV_USER] = text(l->o.user_id);
	else if (!str(l, r, KAG_F_USER_ID, 1, &v[MV_USER]))
		v[MV_USER] = text("default_user");
	if (l->o.agent_name != NULL)
		v[MV_AGENT] = *l->o.agent_name ? text(l->o.agent_name) : null;
	else
		str(l, r, KAG_F_AGENT_NAME, 2, &v[MV_AGENT]);
	hasc = str(l, r, KAG_F_CREATED_AT, 3, &v[MV_CREATED]);
	hasu = str(l, r, KAG_F_UPDATED_AT, 4, &v[MV_UPDATED]);
	v[MV_META] = raw(r, KAG_F_METADATA);
	if (v[MV_META].n == 4 && memcmp(v[MV_META].p, "null", 4) == 0)
		v[MV_META] = null;
	v[MV_EXTRA] = extra(l, r, known, sizeof(known) / sizeof(*known));
	v[MV_ID] = null;
	v[MV_KEEP] = null;

	kag_buf_reset(&l->key);
	kag_buf_addc(&l->key, working ? 'w' : 'm');
	for (i = MV_KEY; i <= MV_AGENT; i++)
		if (i != MV_VALUE)
			idpart(&l->key, &v[i]);
	if (!hasc)
		v[MV_CREATED] = text(l->now);
	if (!hasu)
		v[MV_UPDATED] = v[MV_CREATED];
	if ((rc = lookup(l, t)) == 0) {
		c->created++;
		return add(l, working, v);
	}
	if (rc > 0)
		rc = flush_all(l) < 0
		    ? -1
		    : query(l, working ? W_FIND : M_FIND, v, MV_N);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		c->created++;
		return insert(l, working, v);
	}
	st = l->st[working ? W_FIND : M_FIND];
	v[MV_ID].kind = V_INT;
	v[MV_ID].n = (size_t)sqlite3_column_int64(st, 0);
	rc = same(st, 1, &v[MV_VALUE]) &&
	    (!hasc || same(st, 2, &v[MV_CREATED])) &&
	    (!hasu || same(st, 3, &v[MV_UPDATED])) &&
	    same(st, 4, &v[MV_META]) && same(st, 5, &v[MV_EXTRA]);
	sqlite3_reset(st);
	if (rc) {
		c->unchanged++;
		return 0;
	}
	name(l, "memory", &v[MV_KEY]);
	kag_buf_adds(&l->msg, " of ");
	kag_buf_add_quoted(&l->msg, v[MV_USER].p, v[MV_USER].n);
	if (!conflict(l, c, file, line))
		return 0;
	v[MV_KEEP].kind = V_INT;
	v[MV_KEEP].n = !hasc;
	if (!hasu)
		v[MV_UPDATED] = text(l->now);
	if (run(l, working ? W_UPDATE : M_UPDATE, v, MV_N) < 0)
		return -1;
	if (working)
		return 0;
	return run(l, v[MV_EXTRA].kind == V_NULL ? X_DEL : X_SET, v, MV_N);
}

/*
 * Look a graph record up (query k, bound from v): 0 when it is not
 * stored, 1 when its row holds v[1..ncmp] (columns 1..ncmp), 2 when it
 * holds something else, -1 on trouble.
 */
static int
find(struct kag_load *l, int t, int k, struct val *v, int nv, int ncmp)
{
	sqlite3_stmt *st = l->st[k];
	int rc, i;

	if ((rc = lookup(l, t)) > 0)
		rc = query(l, k, v, nv);
	if (rc <= 0)
		return rc;
	for (i = 1; i <= ncmp && same(st, i, &v[i]); i++)
		;
	if (k == E_FIND_ID || k == E_FIND) {
		v[EV_SEQ].kind = V_INT;
		v[EV_SEQ].n = (size_t)sqlite3_column_int64(st, EV_SEQ);
	}
	sqlite3_reset(st);
	return i > ncmp ? 1 : 2;
}

/* Is node id a node of the store (or of the load so far)?  If not, it is
 * looked at again at the end. */
static int
endpoint(
    struct kag_load *l, const struct val *id, const char *file, uintmax_t line)
{
	struct pending *p;
	int rc;

	if ((rc = query(l, N_HAS, id, 1)) != 0) {
		sqlite3_reset(l->st[N_HAS]);
		return rc < 0 ? -1 : 0;
	}
	if (l->nfiles == 0 || strcmp(l->files[l->nfiles - 1], file) != 0) {
		l->files =
		    kag_xrealloc(l->files, (l->nfiles + 1) * sizeof(char *));
		l->files[l->nfiles++] = kag_xstrdup(file);
	}
	if (l->npend == l->apend) {
		l->apend = l->apend ? 2 * l->apend : 64;
		l->pend = kag_xrealloc(l->pend, l->apend * sizeof(*l->pend));
	}
	p = &l->pend[l->npend++];
	p->file = l->nfiles - 1;
	p->line = line;
	p->id = kag_xmemdup(id->p, id->n);
	p->n = id->n;
	return 0;
}

/* Whether the stored members of hyperedge v[HV_ID] are the record's:
 * 1 or 0, -1 on trouble. */
static int
same_members(struct kag_load *l, const struct kag_record *r, struct val *v)
{
	const struct kag_json *j = r->json;
	sqlite3_stmt *st = l->st[H_MEMBERS];
	struct val m;
	int t = r->f[KAG_F_NODES], i, rc = SQLITE_DONE, eq = 1;

	if (bind(l, st, v, HV_N) < 0)
		return -1;
	m.kind = V_TEXT;
	for (i = t + 1; eq && i < j->tok[t].next; i = j->tok[i].next) {
		kag_json_str(j, i, &l->tmp[5], &m.p, &m.n);
		rc = sqlite3_step(st);
		eq = rc == SQLITE_ROW && same(st, 0, &m);
	}
	if (eq)
		eq = (rc = sqlite3_step(st)) == SQLITE_DONE;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(l, "sqlite");
	return eq;
}

static int
members(struct kag_load *l, const struct kag_record *r, const struct val *id)
{
	const struct kag_json *j = r->json;
	struct val m[3];
	int t = r->f[KAG_F_NODES], i;

	m[0] = *id;
	m[1].kind = V_INT;
	m[1].n = 0;
	m[2].kind = V_TEXT;
	for (i = t + 1; i < j->tok[t].next; i = j->tok[i].next, m[1].n++) {
		kag_json_str(j, i, &l->tmp[5], &m[2].p, &m[2].n);
		if (run(l, H_ADDMEM, m, 3) < 0)
			return -1;
	}
	return 0;
}

/*
 * Write a graph record whose row is v[0..nv), found by statement find
 * (columns 1..ncmp compared with v[1..]): created, unchanged or, when
 * conflict() says so, updated.  A hyperedge's members go along.
 */
static int
upsert(struct kag_load *l, const struct kag_record *r, int t, int find_,
    struct val *v, int nv, int ncmp, const char *file, uintmax_t line)
{
	static const char *const kinds[] = { [T_NODES] = "node",
		[T_EDGES] = "edge",
		[T_HYPEREDGES] = "hyperedge" };
	static const int writes[][2] = { [T_NODES] = { N_INSERT, N_UPDATE },
		[T_EDGES] = { E_INSERT, E_UPDATE },
		[T_HYPEREDGES] = { H_INSERT, H_UPDATE } };
	struct kag_load_stats *c = t == T_NODES ? &l->rep.nodes
	    : t == T_EDGES			? &l->rep.edges
						: &l->rep.hyperedges;
	int hyper = t == T_HYPEREDGES, rc;

	rc = find(l, t, find_, v, nv, ncmp);
	if (rc == 1 && hyper && (rc = same_members(l, r, v)) >= 0)
		rc = rc ? 1 : 2;
	if (rc < 0)
		return -1;
	if (rc == 0)
		c->created++;
	if (rc == 1) {
		c->unchanged++;
		return 0;
	}
	if (rc == 2) {
		name(l, kinds[t], v[0].kind == V_TEXT ? &v[0] : &v[1]);
		if (v[0].kind != V_TEXT) {
			kag_buf_adds(&l->msg, " -> ");
			kag_buf_add_quoted(&l->msg, v[2].p, v[2].n);
		}
		if (!conflict(l, c, file, line))
			return 0;
	}
	if (run(l, writes[t][rc == 2], v, nv) < 0)
		return -1;
	if (!hyper)
		return 0;
	if (rc == 2 && run(l, H_DELMEM, v, nv) < 0)
		return -1;
	return members(l, r, &v[HV_ID]);
}

static int
node(struct kag_load *l, const struct kag_record *r, const char *file,
    uintmax_t line)
{
	static const int known[] = { KAG_F_ID, KAG_F_NODE_TYPE, KAG_F_DATA,
		KAG_F_CONTENT, KAG_F_METADATA, KAG_F_CREATED_AT,
		KAG_F_UPDATED_AT };
	struct val v[NV_N];

	str(l, r, KAG_F_ID, 0, &v[NV_ID]);
	str(l, r, KAG_F_NODE_TYPE, 1, &v[NV_TYPE]);
	v[NV_DATA] = raw(r, KAG_F_DATA);
	v[NV_CONTENT] = raw(r, KAG_F_CONTENT);
	v[NV_META] = raw(r, KAG_F_METADATA);
	str(l, r, KAG_F_CREATED_AT, 2, &v[NV_CREATED]);
	str(l, r, KAG_F_UPDATED_AT, 3, &v[NV_UPDATED]);
	v[NV_EXTRA] = extra(l, r, known, sizeof(known) / sizeof(*known));
	kag_buf_reset(&l->key);
	kag_buf_addc(&l->key, 'n');
	idpart(&l->key, &v[NV_ID]);
	return upsert(l, r, T_NODES, N_FIND, v, NV_N, NV_N - 1, file, line);
}

static int
edge(struct kag_load *l, const struct kag_record *r, const char *file,
    uintmax_t line)
{
	static const int known[] = { KAG_F_ID, KAG_F_SRC, KAG_F_DST,
		KAG_F_REL_TYPE, KAG_F_WEIGHT, KAG_F_DATA, KAG_F_DIRECTED,
		KAG_F_METADATA, KAG_F_CREATED_AT };
	struct val v[EV_N];
	int byid, i;

	byid = str(l, r, KAG_F_ID, 0, &v[EV_ID]);
	str(l, r, KAG_F_SRC, 1, &v[EV_SRC]);
	str(l, r, KAG_F_DST, 2, &v[EV_DST]);
	str(l, r, KAG_F_REL_TYPE, 3, &v[EV_REL]);
	v[EV_WEIGHT] = raw(r, KAG_F_WEIGHT);
	v[EV_DATA] = raw(r, KAG_F_DATA);
	v[EV_DIRECTED] = raw(r, KAG_F_DIRECTED);
	v[EV_META] = raw(r, KAG_F_METADATA);
	str(l, r, KAG_F_CREATED_AT, 4, &v[EV_CREATED]);
	v[EV_EXTRA] = extra(l, r, known, sizeof(known) / sizeof(*known));
	v[EV_SEQ] = null;
	if (endpoint(l, &v[EV_SRC], file, line) < 0 ||
	    ((v[EV_SRC].n != v[EV_DST].n ||
		 memcmp(v[EV_SRC].p, v[EV_DST].p, v[EV_SRC].n) != 0) &&
		endpoint(l, &v[EV_DST], file, line) < 0))
		return -1;
	/* By id, or by (src, dst, rel_type) among the edges without one. */
	kag_buf_reset(&l->key);
	kag_buf_addc(&l->key, byid ? 'e' : 't');
	for (i = byid ? EV_ID : EV_SRC; i <= (byid ? EV_ID : EV_REL); i++)
		idpart(&l->key, &v[i]);
	return upsert(l, r, T_EDGES, byid ? E_FIND_ID : E_FIND, v, EV_N,
	    EV_EXTRA, file, line);
}

static int
hyperedge(struct kag_load *l, const struct kag_record *r, const char *file,
    uintmax_t line)
{
	static const int known[] = { KAG_F_ID, KAG_F_NODES, KAG_F_EDGE_TYPE,
		KAG_F_CONTENT, KAG_F_METADATA, KAG_F_CREATED_AT };
	struct val v[HV_N];

	str(l, r, KAG_F_ID, 0, &v[HV_ID]);
	str(l, r, KAG_F_EDGE_TYPE, 1, &v[HV_TYPE]);
	v[HV_CONTENT] = raw(r, KAG_F_CONTENT);
	v[HV_META] = raw(r, KAG_F_METADATA);
	str(l, r, KAG_F_CREATED_AT, 2, &v[HV_CREATED]);
	v[HV_EXTRA] = extra(l, r, known, sizeof(known) / sizeof(*known));
	kag_buf_reset(&l->key);
	kag_buf_addc(&l->key, 'h');
	idpart(&l->key, &v[HV_ID]);
	return upsert(
	    l, r, T_HYPEREDGES, H_FIND, v, HV_N, HV_N - 1, file, line);
}

int
kag_load_record(struct kag_load *l, const struct kag_record *r,
    const char *file, uintmax_t line)
{
	assert(l->begun);
	switch (r->type) {
	case KAG_REC_MEMORY:
		return memory(l, r, file, line);
	case KAG_REC_NODE:
		return node(l, r, file, line);
	case KAG_REC_EDGE:
		return edge(l, r, file, line);
	case KAG_REC_HYPEREDGE:
		return hyperedge(l, r, file, line);
	default:
		return 0;
	}
}

/* Run sql and add the rows it changed to *n. */
static int
purge(struct kag_load *l, const char *sql, const struct val *v, int nv,
    uintmax_t *n)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(l, "sqlite");
	if ((rc = bind(l, st, v, nv)) == 0 && sqlite3_step(st) != SQLITE_DONE)
		rc = fail(l, "sqlite");
	sqlite3_finalize(st);
	if (rc == 0 && n != NULL)
		*n += (uintmax_t)sqlite3_changes(l->db);
	return rc;
}

/* --clear: every memory and the graph, or only the memories of the owner
 * given (?1 user_id, ?2 agent_name, ?3 which of them are given). */
static int
clear(struct kag_load *l)
{
	static const char who[] = "(?3 & 1 = 0 OR user_id = ?1) AND "
				  "(?3 & 2 = 0 OR agent_name IS ?2)";
	struct kag_counts *c = &l->rep.cleared;
	const struct {
		const char *table;
		uintmax_t *n;
	} t[] = { { "kag_memory_extra", NULL }, { "memories", &c->memories },
		{ "kag_working", &c->memories }, { "kag_nodes", &c->nodes },
		{ "kag_edges", &c->edges },
		{ "kag_hyperedges", &c->hyperedges },
		{ "kag_hyperedge_members", NULL } };
	struct kag_buf sql = KAG_BUF_INIT;
	struct val v[3] = { { V_NULL, NULL, 0 }, { V_NULL, NULL, 0 },
		{ V_INT, NULL, 0 } };
	int i, rc = 0, owner = l->o.user_id != NULL || l->o.agent_name != NULL;

	if (l->o.user_id != NULL) {
		v[0] = text(l->o.user_id);
		v[2].n |= 1;
	}
	if (l->o.agent_name != NULL) {
		v[1] = *l->o.agent_name ? text(l->o.agent_name) : null;
		v[2].n |= 2;
	}
	for (i = 0; rc == 0 && i < (owner ? 3 : 7); i++) {
		kag_buf_reset(&sql);
		if (!owner)
			kag_buf_addf(&sql, "DELETE FROM %s", t[i].table);
		else if (i == 0)
			kag_buf_addf(&sql,
			    "DELETE FROM kag_memory_extra WHERE memory_id IN "
			    "(SELECT id FROM memories WHERE %s)",
			    who);
		else
			kag_buf_addf(
			    &sql, "DELETE FROM %s WHERE %s", t[i].table, who);
		rc = purge(l, sql.buf, v, 3, t[i].n);
	}
	kag_buf_release(&sql);
	return rc;
}

/* Note which tables are empty, and drop the plain indexes of those. */
static int
prepare_tables(struct kag_load *l)
{
	struct kag_buf sql = KAG_BUF_INIT, drop = KAG_BUF_INIT;
	sqlite3_stmt *st = NULL;
	const unsigned char *name, *ddl;
	int t, rc = 0;

	for (t = 0; t < NT && rc == 0; t++) {
		kag_buf_reset(&sql);
		kag_buf_addf(&sql, "SELECT 1 FROM \"%s\" LIMIT 1", tables[t]);
		if (sqlite3_prepare_v2(l->db, sql.buf, -1, &st, NULL) !=
		    SQLITE_OK) {
			rc = fail(l, "sqlite");
			break;
		}
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			rc = fail(l, "sqlite");
			break;
		}
		l->t[t].fresh = rc == SQLITE_DONE;
		rc = 0;
		if (!l->t[t].fresh)
			continue;
		if (sqlite3_prepare_v2(l->db,
			"SELECT m.name, m.sql FROM sqlite_master AS m JOIN "
			"pragma_index_list(?1) AS p ON p.name = m.name WHERE "
			"m.type = 'index' AND m.sql IS NOT NULL AND "
			"p.\"unique\" = 0 ORDER BY m.rowid",
			-1, &st, NULL) != SQLITE_OK) {
			rc = fail(l, "sqlite");
			break;
		}
		sqlite3_bind_text(st, 1, tables[t], -1, SQLITE_STATIC);
		kag_buf_reset(&drop);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			name = sqlite3_column_text(st, 0);
			ddl = sqlite3_column_text(st, 1);
			kag_buf_add(&l->t[t].ddl, ddl,
			    (size_t)sqlite3_column_bytes(st, 1));
			kag_buf_addc(&l->t[t].ddl, '\0');
			kag_buf_adds(&drop, "DROP INDEX \"");
			for (; *name != '\0'; name++) {
				if (*name == '"')
					kag_buf_addc(&drop, '"');
				kag_buf_addc(&drop, *name);
			}
			kag_buf_adds(&drop, "\";");
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			rc = fail(l, "sqlite");
			break;
		}
		rc = 0;
		if (drop.len > 0) {
			l->t[t].dropped = 1;
			rc = exec(l, drop.buf);
		}
	}
	kag_buf_release(&sql);
	kag_buf_release(&drop);
	return rc;
}

static int
prepare_batch(struct kag_load *l, struct batch *b, int working)
{
	struct kag_buf sql = KAG_BUF_INIT;
	int i, rc;

	b->ncol = working ? MV_EXTRA + 1 : MV_EXTRA;
	kag_buf_addf(&sql,
	    "INSERT INTO %s (key, value, user_id, agent_name, created_at, "
	    "updated_at, metadata%s) VALUES ",
	    working ? "kag_working" : "memories", working ? ", extra" : "");
	for (i = 0; i < BATCH; i++)
		kag_buf_adds(&sql,
		    working ? "(?, ?, ?, ?, ?, ?, ?, ?),"
			    : "(?, ?, ?, ?, ?, ?, ?),");
	sql.buf[--sql.len] = '\0';
	rc = sqlite3_prepare_v3(
	    l->db, sql.buf, -1, SQLITE_PREPARE_PERSISTENT, &b->st, NULL);
	kag_buf_release(&sql);
	return rc == SQLITE_OK ? 0 : fail(l, "sqlite");
}

int
kag_load_begin(struct kag_load *l)
{
	int i;

	assert(!l->begun);
	if (kag_store_begin(l->store) < 0)
		goto fail;
	l->begun = 1;
	if (kag_store_ensure(l->store) < 0)
		goto fail;
	kag_time_format(kag_time_now(), l->now, sizeof(l->now));
	for (i = 0; l->now[i] != '\0'; i++)
		if (l->now[i] == 'T')
			l->now[i] = ' ';
		else if (l->now[i] == 'Z')
			l->now[i] = '\0';
	if (l->o.clear && clear(l) < 0)
		return -1;
	if (prepare_tables(l) < 0)
		return -1;
	for (i = 0; i < 2 && prepare_batch(l, &l->b[i], i) == 0; i++)
		;
	if (i < 2)
		return -1;
	for (i = 0; i < NSTMT; i++)
		if (sqlite3_prepare_v3(l->db, sqltext[i], -1,
			SQLITE_PREPARE_PERSISTENT, &l->st[i],
			NULL) != SQLITE_OK)
			return fail(l, "sqlite");
	return 0;
fail:
	kag_buf_reset(&l->err);
	kag_buf_adds(&l->err, kag_store_errmsg(l->store));
	return -1;
}

/* The edges whose endpoints never came. */
static int
check_pending(struct kag_load *l)
{
	struct pending *p;
	struct val id;
	int rc;
	size_t i;

	id.kind = V_TEXT;
	for (i = 0; i < l->npend; i++) {
		p = &l->pend[i];
		id.p = p->id;
		id.n = p->n;
		if ((rc = query(l, N_HAS, &id, 1)) < 0)
			return -1;
		sqlite3_reset(l->st[N_HAS]);
		if (rc > 0)
			continue;
		kag_buf_reset(&l->msg);
		kag_buf_adds(&l->msg, "edge names node ");
		kag_buf_add_quoted(&l->msg, p->id, p->n);
		kag_buf_adds(&l->msg,
		    ", which is neither in the store nor in "
		    "the load");
		problem(l, l->files[p->file], p->line);
	}
	return 0;
}

int
kag_load_finish(struct kag_load *l, int commit)
{
	int t;

	if (!l->begun)
		return -1;
	if (flush_all(l) < 0 || check_pending(l) < 0)
		goto fail;
	if (!commit || l->errors > 0) {
		kag_store_rollback(l->store);
		l->begun = 0;
		return 0;
	}
	for (t = 0; t < NT; t++)
		if (restore(l, t) < 0)
			goto fail;
	if (kag_store_commit(l->store) < 0) {
		kag_buf_reset(&l->err);
		kag_buf_adds(&l->err, kag_store_errmsg(l->store));
		goto fail;
	}
	l->begun = 0;
	return 1;
fail:
	kag_store_rollback(l->store);
	l->begun = 0;
	return -1;
}

const struct kag_load_report *
kag_load_report(const struct kag_load *l)
{
	return &l->rep;
}

uintmax_t
kag_load_errors(const struct kag_load *l)
{
	return l->errors;
}

const char *
kag_load_errmsg(const struct kag_load *l)
{
	return l->err.len > 0 ? l->err.buf : "";
}

void
kag_load_free(struct kag_load *l)
{
	size_t i;
	int t;

	if (l == NULL)
		return;
	for (i = 0; i < NSTMT; i++)
		sqlite3_finalize(l->st[i]);
	for (i = 0; i < 2; i++) {
		sqlite3_finalize(l->b[i].st);
		kag_buf_release(&l->b[i].text);
	}
	if (l->begun)
		kag_store_rollback(l->store);
	for (t = 0; t < NT; t++)
		kag_buf_release(&l->t[t].ddl);
	for (i = 0; i < l->npend; i++)
		free(l->pend[i].id);
	free(l->pend);
	for (i = 0; i < l->nfiles; i++)
		free(l->files[i]);
	free(l->files);
	for (i = 0; i < sizeof(l->tmp) / sizeof(*l->tmp); i++)
		kag_buf_release(&l->tmp[i]);
	kag_buf_release(&l->extra);
	kag_buf_release(&l->key);
	kag_buf_release(&l->msg);
	kag_buf_release(&l->err);
	kag_fpset_free(l->seen);
	free(l);
}
