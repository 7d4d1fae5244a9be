/* dump.c: the store read back as the records of a kag stream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

const struct stagedef kag_dump_stages[S_END] = {
	[S_WORKING] = { KAG_REC_MEMORY, "kag_working",
	    "SELECT id, key, value, user_id, agent_name, created_at, "
	    "updated_at, metadata, extra FROM kag_working",
	    "id", 9, { { 2, "value", NF }, { 7, "metadata", NF } } },
	[S_PERSISTENT] = { KAG_REC_MEMORY, "memories",
	    "SELECT m.id, m.key, m.value, m.user_id, m.agent_name, "
	    "m.created_at, m.updated_at, m.metadata, %s FROM memories m%s",
	    "m.id", 9, { { 2, "value", NF }, { 7, "metadata", NF } } },
	[S_GJNODES] = { KAG_REC_NODE, NULL, NULL, NULL, 0, { { 0 } } },
	[S_NODES] = { KAG_REC_NODE, "kag_nodes",
	    "SELECT id, node_type, data, content, metadata, created_at, "
	    "updated_at, extra FROM kag_nodes",
	    "rowid", 8,
	    { { 2, "data", OBJECT }, { 3, "content", ANY },
		{ 4, "metadata", NF } } },
	[S_GJEDGES] = { KAG_REC_EDGE, NULL, NULL, NULL, 0, { { 0 } } },
	[S_EDGES] = { KAG_REC_EDGE, "kag_edges",
	    "SELECT seq, src, dst, rel_type, weight, data, id, directed, "
	    "metadata, created_at, extra FROM kag_edges",
	    "seq", 11,
	    { { 4, "weight", NUMBER }, { 5, "data", OBJECT },
		{ 7, "directed", BOOL }, { 8, "metadata", NF } } },
	[S_HYPEREDGES] = { KAG_REC_HYPEREDGE, "kag_hyperedges",
	    "SELECT id, edge_type, content, metadata, created_at, extra "
	    "FROM kag_hyperedges",
	    "rowid", 6, { { 2, "content", ANY }, { 3, "metadata", NF } } },
};

struct kag_dump *
kag_dump_new(struct kag_store *s, const char *name, unsigned flags,
    kag_diag_fn *diag, void *ctx)
{
	struct kag_dump *d = kag_xcalloc(1, sizeof(*d));

	d->store = s;
	d->db = kag_store_db(s);
	d->name = name;
	d->flags = flags;
	d->diag = diag;
	d->ctx = ctx;
	d->json = kag_json_new();
	d->work.json = kag_json_new();
	d->awork.json = kag_json_new();
	d->astage = S_END;
	d->rjson = kag_json_new();
	d->m = kag_match_new();
	return d;
}

int
kag_dump_select(struct kag_dump *d, enum kag_match_what what, const char *arg)
{
	char ***v = what == KAG_MATCH_USER_ID ? &d->users : &d->agents;
	int *n = what == KAG_MATCH_USER_ID ? &d->nusers : &d->nagents;

	if (what != KAG_MATCH_USER_ID && what != KAG_MATCH_AGENT_NAME)
		return -1;
	if (kag_match_add(d->m, what, arg) < 0)
		return -1;
	*v = kag_xrealloc(*v, (size_t)(*n + 1) * sizeof(**v));
	(*v)[(*n)++] = kag_xstrdup(arg);
	return 0;
}

int
kag_dump_graph_json(struct kag_dump *d, const char *path)
{
	kag_graphjson_free(d->gj);
	d->gj = kag_graphjson_open(path, d->diag, d->ctx);
	return d->gj == NULL ? -1 : 0;
}

void
kag_dump_exported_at(struct kag_dump *d, const char *when)
{
	struct kag_buf b = KAG_BUF_INIT;

	kag_buf_adds(&b, ",\"exported_at\":");
	kag_buf_add_json_string(&b, when, strlen(when));
	free(d->stamp);
	d->stamp = kag_buf_detach(&b, NULL);
}

/* The stage of table, or S_END. */
static enum stage
stageof(const char *table)
{
	int i;

	for (i = 0; i < S_END; i++)
		if (kag_dump_stages[i].table != NULL &&
		    strcmp(kag_dump_stages[i].table, table) == 0)
			break;
	return (enum stage)i;
}

int
kag_dump_only(
    struct kag_dump *d, const char *table, const int64_t *ids, size_t n)
{
	enum stage i = stageof(table);

	if (i == S_END)
		return -1;
	kag_buf_reset(&d->where[i]);
	kag_buf_addf(&d->where[i], "%s IN (SELECT value FROM json_each(?1))",
	    kag_dump_stages[i].key);
	kag_buf_reset(&d->arg[i]);
	kag_buf_add_json_ints(&d->arg[i], ids, n);
	return 0;
}

void
kag_dump_edges_within(
    struct kag_dump *d, const struct kag_set *set, const char *ids, size_t n)
{
	d->within = set;
	kag_buf_reset(&d->where[S_EDGES]);
	kag_buf_adds(&d->where[S_EDGES],
	    "src IN (SELECT value FROM json_each(?1)) AND kag_within(dst)");
	kag_buf_reset(&d->arg[S_EDGES]);
	kag_buf_add(&d->arg[S_EDGES], ids, n);
}

int
kag_dump_ahead(struct kag_dump *d, struct kag_store *twin, const char *table)
{
	enum stage i = stageof(table);

	if (i == S_END || i == S_HYPEREDGES)
		return -1;
	d->adb = kag_store_db(twin);
	d->astage = i;
	return 0;
}

const char *
kag_dump_errmsg(const struct kag_dump *d)
{
	return d->err.len > 0 ? d->err.buf : "";
}

/* Fail with msg, or with SQLite's message when msg is NULL. */
int
kag_dump_fail(struct kag_dump *d, const char *msg)
{
	kag_buf_reset(&d->err);
	if (msg == NULL)
		kag_buf_addf(&d->err, "sqlite: %s", sqlite3_errmsg(d->db));
	else
		kag_buf_adds(&d->err, msg);
	d->failed = 1;
	return -1;
}

/* Report the message in d->msg as an error about the store. */
void
kag_dump_error(struct kag_dump *d)
{
	struct kag_diag g;

	if (d->diag == NULL)
		return;
	g.file = d->name;
	g.line = 0;
	g.severity = KAG_ERROR;
	g.msg = d->msg.buf;
	d->diag(d->ctx, &g);
}

/* Whether the query sql has a row: 1, 0, or -1 (failed). */
static int
any(struct kag_dump *d, const char *sql)
{
	int rc = kag_store_has_row(d->store, sql);

	return rc < 0 ? kag_dump_fail(d, kag_store_errmsg(d->store)) : rc;
}

/* Which tables there are.  A database without any is an empty store;
 * one with tables but not Kagura's memories is somebody else's. */
static int
tables(struct kag_dump *d)
{
	int i, rc;

	for (i = 0; i < S_END; i++) {
		if (kag_dump_stages[i].table == NULL)
			continue;
		if ((rc = kag_store_has_table(
			 d->store, kag_dump_stages[i].table)) < 0)
			return kag_dump_fail(d, kag_store_errmsg(d->store));
		d->has[i] = rc;
	}
	/* Joined only when it holds something: it is mostly empty. */
	if ((rc = kag_store_has_table(d->store, "kag_memory_extra")) < 0)
		return kag_dump_fail(d, kag_store_errmsg(d->store));
	if (rc > 0 && (rc = any(d, "SELECT 1 FROM kag_memory_extra")) < 0)
		return -1;
	d->has_extra = rc;
	if (d->has[S_PERSISTENT])
		return kag_store_check(d->store) < 0
		    ? kag_dump_fail(d, kag_store_errmsg(d->store))
		    : 0;
	if ((rc = any(d, "SELECT 1 FROM sqlite_master WHERE type = 'table'")) <
	    0)
		return -1;
	return rc ? kag_dump_fail(d, "no 'memories' table: not a Kagura store")
		  : 0;
}

/* Append the condition of the stage's restriction (its rowids, ?1, as
 * a JSON array), or one always true. */
static void
only(struct kag_dump *d, enum stage stage, struct kag_buf *sql)
{
	const struct kag_buf *w = &d->where[stage];

	kag_buf_adds(sql, w->len > 0 ? w->buf : "1");
}

/* Append " AND col IN (?, ...)" for n values. */
static void
in(struct kag_buf *sql, const char *col, int n)
{
	int i;

	kag_buf_addf(sql, " AND (%s IN (?", col);
	for (i = 1; i < n; i++)
		kag_buf_adds(sql, ", ?");
	kag_buf_adds(sql, ")");
}

/* The query of a memory stage, with the selection in its WHERE (after
 * the rowids, ?1, when the stage is restricted). */
static void
memquery(struct kag_dump *d, enum stage stage, struct kag_buf *sql)
{
	int i;

	if (stage == S_WORKING)
		kag_buf_adds(sql, kag_dump_stages[S_WORKING].query);
	else if (d->has_extra)
		kag_buf_addf(sql, kag_dump_stages[S_PERSISTENT].query,
		    "x.extra",
		    " LEFT JOIN kag_memory_extra x ON x.memory_id = m.id");
	else
		kag_buf_addf(
		    sql, kag_dump_stages[S_PERSISTENT].query, "NULL", "");
	kag_buf_adds(sql, " WHERE ");
	only(d, stage, sql);
	if (d->nusers > 0) {
		in(sql, "user_id", d->nusers);
		kag_buf_addc(sql, ')');
	}
	if (d->nagents > 0) {
		in(sql, "agent_name", d->nagents);
		/* "" is Kagura's NULL agent as well as an empty name. */
		for (i = 0; i < d->nagents; i++)
			if (d->agents[i][0] == '\0')
				break;
		if (i < d->nagents)
			kag_buf_adds(sql, " OR agent_name IS NULL");
		kag_buf_addc(sql, ')');
	}
}

/* Fail with what connection db said. */
static int
dbfail(struct kag_dump *d, sqlite3 *db)
{
	kag_buf_reset(&d->msg);
	kag_buf_addf(&d->msg, "sqlite: %s", sqlite3_errmsg(db));
	return kag_dump_fail(d, d->msg.buf);
}

/* kag_within(id): whether id is in the set the edges are cut by. */
static void
within(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const struct kag_set *set = sqlite3_user_data(cx);
	const void *id = sqlite3_value_text(argv[0]);

	(void)argc;
	sqlite3_result_int(cx,
	    id != NULL &&
		kag_set_has(set, id, (size_t)sqlite3_value_bytes(argv[0])));
}

/* The statement of the table of stage, on connection db, with its
 * parameters bound, in *st: 0, or -1. */
static int
statement(struct kag_dump *d, sqlite3 *db, enum stage stage, sqlite3_stmt **st)
{
	const struct stagedef *def = &kag_dump_stages[stage];
	struct kag_buf sql = KAG_BUF_INIT;
	int i, k = 1, rc;

	if (stage == S_EDGES && d->within != NULL &&
	    sqlite3_create_function(db, "kag_within", 1,
		SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY,
		(void *)d->within, within, NULL, NULL) != SQLITE_OK)
		return dbfail(d, db);
	if (stage == S_WORKING || stage == S_PERSISTENT) {
		memquery(d, stage, &sql);
	} else {
		kag_buf_addf(&sql, "%s WHERE ", def->query);
		only(d, stage, &sql);
	}
	kag_buf_addf(&sql, " ORDER BY %s", def->key);
	rc = sqlite3_prepare_v2(db, sql.buf, -1, st, NULL);
	kag_buf_release(&sql);
	if (rc == SQLITE_OK && d->where[stage].len > 0)
		rc = sqlite3_bind_text64(*st, k++, d->arg[stage].buf,
		    d->arg[stage].len, SQLITE_STATIC, SQLITE_UTF8);
	if (rc != SQLITE_OK)
		return dbfail(d, db);
	if (stage == S_WORKING || stage == S_PERSISTENT) {
		for (i = 0; i < d->nusers; i++)
			sqlite3_bind_text(*st, k++, d->users[i], -1, NULL);
		for (i = 0; i < d->nagents; i++)
			sqlite3_bind_text(*st, k++, d->agents[i], -1, NULL);
	}
	return 0;
}

/* Whether the flags leave stage out. */
static int
skipped(const struct kag_dump *d, enum stage stage)
{
	return (stage == S_WORKING && (d->flags & KAG_DUMP_NO_WORKING)) ||
	    (stage == S_PERSISTENT && (d->flags & KAG_DUMP_NO_PERSISTENT)) ||
	    (stage >= S_GJNODES && stage < S_END &&
		(d->flags & KAG_DUMP_NO_GRAPH));
}

/* Start reading the stage asked for by kag_dump_ahead(), if it is read. */
static int
ahead(struct kag_dump *d)
{
	enum stage a = d->astage;

	if (d->adb == NULL || !d->has[a] || skipped(d, a))
		return 0;
	if (statement(d, d->adb, a, &d->ast) < 0)
		return -1;
	d->awork.stage = a;
	d->arows = kag_rows_new(
	    d->ast, kag_dump_stages[a].ncol, kag_dumprow_ahead, &d->awork);
	return 0;
}

/* Start a stage: its statements, and its rows coming on a second core. */
static int
begin(struct kag_dump *d)
{
	if (d->stage == S_GJNODES && d->has[S_NODES] && d->gj != NULL &&
	    sqlite3_prepare_v2(d->db, "SELECT 1 FROM kag_nodes WHERE id = ?1",
		-1, &d->hasnode, NULL) != SQLITE_OK)
		return kag_dump_fail(d, NULL);
	if (d->stage == S_GJEDGES && d->has[S_EDGES] && d->gj != NULL &&
	    sqlite3_prepare_v2(d->db,
		"SELECT 1 FROM kag_edges WHERE src = ?1 AND dst = ?2 AND "
		"rel_type IS ?3 AND id IS NULL",
		-1, &d->hasedge, NULL) != SQLITE_OK)
		return kag_dump_fail(d, NULL);
	if (d->stage == S_HYPEREDGES && d->has[S_HYPEREDGES] &&
	    sqlite3_prepare_v2(d->db,
		"SELECT node_id FROM kag_hyperedge_members "
		"WHERE hyperedge_id = ?1 ORDER BY pos",
		-1, &d->members, NULL) != SQLITE_OK)
		return kag_dump_fail(d, NULL);
	if (d->stage >= S_END || kag_dump_stages[d->stage].table == NULL ||
	    !d->has[d->stage])
		return 0;
	if (d->stage == d->astage && d->arows != NULL) {
		d->st = d->ast;
		d->rows = d->arows;
		d->ast = NULL;
		d->arows = NULL;
		return 0;
	}
	if (statement(d, d->db, d->stage, &d->st) < 0)
		return -1;
	/* Hyperedges are stepped here: their members' query needs the
	 * connection, which the worker must have to itself. */
	d->work.stage = d->stage;
	if (d->stage != S_HYPEREDGES)
		d->rows = kag_rows_new(d->st, kag_dump_stages[d->stage].ncol,
		    kag_dumprow_ahead, &d->work);
	return 0;
}

/* End the stage and begin the next one that the flags let through. */
static int
advance(struct kag_dump *d)
{
	kag_rows_free(d->rows);
	sqlite3_finalize(d->st);
	sqlite3_finalize(d->members);
	sqlite3_finalize(d->hasnode);
	sqlite3_finalize(d->hasedge);
	d->rows = NULL;
	d->st = d->members = d->hasnode = d->hasedge = NULL;
	do
		d->stage++;
	while (skipped(d, d->stage));
	return begin(d);
}

/* Bind the string field f of d->rec (null when it is not one). */
static void
bindfield(struct kag_dump *d, sqlite3_stmt *st, int param, enum kag_field f)
{
	const struct kag_json *j = d->rjson;
	const char *s;
	size_t n;
	int t = d->rec.f[f];

	if (t < 0 || j->tok[t].type != KAG_TOK_STRING) {
		sqlite3_bind_null(st, param);
		return;
	}
	kag_json_str(j, t, &d->tmp, &s, &n);
	sqlite3_bind_text(st, param, s, (int)n, SQLITE_TRANSIENT);
}

/*
 * Whether the graph record in d->line (closed) is written: not when it
 * is a graph.json node or edge that the kag_ tables replace, nor when
 * the selection leaves it out.  -1 on trouble.
 */
static int
keep(struct kag_dump *d)
{
	sqlite3_stmt *st = d->stage == S_GJNODES ? d->hasnode : d->hasedge;
	int sel = d->nusers > 0 || d->nagents > 0, rc;

	if (d->stage != S_GJNODES && d->stage != S_GJEDGES)
		st = NULL;
	if ((st == NULL && !sel) ||
	    kag_record_parse(
		&d->rec, d->rjson, d->line.buf, d->line.len, &d->word) < 0)
		return 1;
	if (st != NULL) {
		if (d->stage == S_GJNODES) {
			bindfield(d, st, 1, KAG_F_ID);
		} else {
			bindfield(d, st, 1, KAG_F_SRC);
			bindfield(d, st, 2, KAG_F_DST);
			bindfield(d, st, 3, KAG_F_REL_TYPE);
		}
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_ROW)
			return 0;
		if (rc != SQLITE_DONE)
			return kag_dump_fail(d, NULL);
	}
	return sel ? kag_match_record(d->m, &d->rec) : 1;
}

/* The next line of the stage in d->line, without its closing brace:
 * 1, 0 at the stage's end, -1 on trouble. */
static int
row(struct kag_dump *d)
{
	const char *s;
	size_t n;
	int rc;

	kag_buf_reset(&d->line);
	if (d->stage == S_GJNODES || d->stage == S_GJEDGES) {
		if (d->gj == NULL ||
		    !kag_graphjson_next(
			d->gj, kag_dump_stages[d->stage].type, &s, &n))
			return 0;
		kag_buf_add(&d->line, s, n);
		return 1;
	}
	if (d->st == NULL)
		return 0;
	if (d->rows == NULL) {
		if ((rc = sqlite3_step(d->st)) == SQLITE_DONE)
			return 0;
		if (rc != SQLITE_ROW)
			return kag_dump_fail(d, NULL);
	} else if ((rc = kag_rows_next(d->rows)) <= 0) {
		if (rc == 0)
			return 0;
		kag_buf_reset(&d->msg);
		kag_buf_addf(&d->msg, "sqlite: %s", kag_rows_errmsg(d->rows));
		return kag_dump_fail(d, d->msg.buf);
	}
	if (kag_dumprow_write(d) < 0)
		return -1;
	kag_buf_addc(&d->line, '}');
	return 1;
}

int
kag_dump_next(
    struct kag_dump *d, enum kag_type *type, const char **line, size_t *len)
{
	int rc;

	if (d->failed ||
	    (d->stage == S_START &&
		(tables(d) < 0 || ahead(d) < 0 || advance(d) < 0)))
		return -1;
	while (!d->failed && d->stage < S_END) {
		if ((rc = row(d)) == 0) {
			if (advance(d) < 0)
				return -1;
			continue;
		}
		if (rc < 0 || (d->stage >= S_GJNODES && (rc = keep(d)) < 0))
			return -1;
		if (rc == 0)
			continue;
		if (d->stamp != NULL) {
			d->line.len--;
			kag_buf_adds(&d->line, d->stamp);
			kag_buf_addc(&d->line, '}');
		}
		*type = kag_dump_stages[d->stage].type;
		*line = d->line.buf;
		*len = d->line.len;
		return 1;
	}
	return d->failed ? -1 : 0;
}

void
kag_dump_free(struct kag_dump *d)
{
	int i;

	if (d == NULL)
		return;
	kag_rows_free(d->rows);
	sqlite3_finalize(d->st);
	kag_rows_free(d->arows);
	sqlite3_finalize(d->ast);
	sqlite3_finalize(d->members);
	sqlite3_finalize(d->hasnode);
	sqlite3_finalize(d->hasedge);
	for (i = 0; i < d->nusers; i++)
		free(d->users[i]);
	for (i = 0; i < d->nagents; i++)
		free(d->agents[i]);
	free(d->users);
	free(d->agents);
	free(d->stamp);
	for (i = 0; i < S_END; i++) {
		kag_buf_release(&d->where[i]);
		kag_buf_release(&d->arg[i]);
	}
	if (d->within != NULL) {
		sqlite3_create_function(d->db, "kag_within", 1, SQLITE_UTF8,
		    NULL, NULL, NULL, NULL);
		if (d->adb != NULL)
			sqlite3_create_function(d->adb, "kag_within", 1,
			    SQLITE_UTF8, NULL, NULL, NULL, NULL);
	}
	kag_match_free(d->m);
	kag_graphjson_free(d->gj);
	kag_json_free(d->json);
	kag_json_free(d->work.json);
	kag_json_free(d->awork.json);
	kag_json_free(d->rjson);
	kag_buf_release(&d->line);
	kag_buf_release(&d->tmp);
	kag_buf_release(&d->msg);
	kag_buf_release(&d->err);
	kag_buf_release(&d->word);
	free(d);
}
