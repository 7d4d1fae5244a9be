/* cut.c: a subgraph cut straight from the store, hop by hop on indexes. */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "kag.h"

/*
 * The neighbours of ?1 that are nodes, by direction: edges through
 * kag_edges_src and kag_edges_dst, an undirected edge ("directed" false)
 * both ways.  Hyperedges go in two steps so that each is opened once.
 */
#define NBR(a, b, w)                                                           \
	"SELECT e." a " FROM main.kag_edges e JOIN main.kag_nodes n ON "       \
	"n.id = e." a " WHERE e." b " = ?1" w
static const char *const nbrsql[] = {
	[KAG_DIR_BOTH] =
	    NBR("dst", "src", "") " UNION ALL " NBR("src", "dst", ""),
	[KAG_DIR_OUT] = NBR("dst", "src", "") " UNION ALL " NBR(
	    "src", "dst", " AND e.directed = 'false'"),
	[KAG_DIR_IN] = NBR("src", "dst", "") " UNION ALL " NBR(
	    "dst", "src", " AND e.directed = 'false'"),
};
static const char hypsql[] =
    "SELECT hyperedge_id FROM main.kag_hyperedge_members WHERE node_id = ?1";
static const char memsql[] =
    "SELECT m.node_id FROM main.kag_hyperedge_members m JOIN main.kag_nodes "
    "n ON n.id = m.node_id WHERE m.hyperedge_id = ?1";

/*
 * The cut's tables, shadowing the store's: SQLite looks a name up in
 * temp before main, so kag_dump's queries read these.  Each keeps the
 * rows' order (a "rowid" column is the rowid wherever one is named).
 */
static const char *const shadow[] = {
	"kag_nodes",
	"CREATE TEMP TABLE kag_nodes AS SELECT rowid AS rowid, * FROM "
	"main.kag_nodes WHERE id IN (SELECT id FROM temp.kag_cut_ids)",
	"kag_edges",
	"CREATE TEMP TABLE kag_edges AS SELECT e.* FROM temp.kag_cut_ids c "
	"CROSS JOIN main.kag_edges e ON e.src = c.id WHERE +e.dst IN "
	"(SELECT id FROM temp.kag_cut_ids) AND ?1",
	"kag_hyperedges",
	"CREATE TEMP TABLE kag_hyperedges AS SELECT rowid AS rowid, * FROM "
	"main.kag_hyperedges WHERE ?1 AND id IN (SELECT hyperedge_id FROM "
	"main.kag_hyperedge_members WHERE node_id IN (SELECT id FROM "
	"temp.kag_cut_ids))",
	"memories",
	"CREATE TEMP TABLE memories AS SELECT * FROM main.memories WHERE id "
	"IN (SELECT m.id FROM temp.kag_cut_keys k JOIN main.memories m ON "
	"m.key = k.key WHERE k.user_id IS NULL OR m.user_id = k.user_id)",
	"kag_working",
	"CREATE TEMP TABLE kag_working AS SELECT * FROM main.kag_working "
	"WHERE id IN (SELECT m.id FROM temp.kag_cut_keys k JOIN "
	"main.kag_working m ON m.key = k.key WHERE k.user_id IS NULL OR "
	"m.user_id = k.user_id)",
};

/* What a memory node points at: data.key, and data.user_id if any. */
static const char keysql[] =
    "INSERT INTO temp.kag_cut_keys SELECT json_extract(data, '$.key'), "
    "CASE WHEN json_type(data, '$.user_id') = 'text' THEN "
    "json_extract(data, '$.user_id') END FROM temp.kag_nodes WHERE "
    "node_type = 'memory' AND CASE WHEN json_valid(data) THEN "
    "json_type(data, '$.key') = 'text' ELSE 0 END";

struct walk {
	sqlite3 *db;
	struct kag_buf *err;
	sqlite3_stmt *nbr, *hyp, *mem, *add;
	struct kag_set *seen, *hseen;
	struct kag_buf now, next; /* the frontiers: ids, each NUL-ended */
};

static int
fail(struct walk *w)
{
	kag_buf_addf(w->err, "sqlite: %s", sqlite3_errmsg(w->db));
	return -1;
}

static int
exec(struct walk *w, const char *sql)
{
	if (sqlite3_exec(w->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(w);
	return 0;
}

/* Run st to its end, or through its rows when each is not NULL: 0, or
 * -1 with the reason in w->err. */
static int
step(struct walk *w, sqlite3_stmt *st,
    int (*each)(struct walk *, sqlite3_stmt *))
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (each != NULL && each(w, st) < 0) {
			sqlite3_reset(st);
			return -1;
		}
	}
	if (rc != SQLITE_DONE)
		fail(w);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* A node reached: in the cut, and in the next frontier. */
static int
reach(struct walk *w, const char *id, size_t n)
{
	if (!kag_set_add(w->seen, id, n))
		return 0;
	kag_buf_add(&w->next, id, n);
	kag_buf_addc(&w->next, '\0');
	sqlite3_bind_text(w->add, 1, id, (int)n, SQLITE_STATIC);
	return step(w, w->add, NULL);
}

static int
reachrow(struct walk *w, sqlite3_stmt *st)
{
	return reach(w, (const char *)sqlite3_column_text(st, 0),
	    (size_t)sqlite3_column_bytes(st, 0));
}

/* A hyperedge of the node: its members, the first time it is met. */
static int
hyperedge(struct walk *w, sqlite3_stmt *st)
{
	const char *h = (const char *)sqlite3_column_text(st, 0);
	size_t n = (size_t)sqlite3_column_bytes(st, 0);

	if (!kag_set_add(w->hseen, h, n))
		return 0;
	sqlite3_bind_text(w->mem, 1, h, (int)n, SQLITE_TRANSIENT);
	return step(w, w->mem, reachrow);
}

/* One hop from every node of the frontier. */
static int
hop(struct walk *w)
{
	const char *id, *end;
	size_t n;

	kag_buf_reset(&w->next);
	for (id = w->now.buf, end = id + w->now.len; id < end; id += n + 1) {
		n = strlen(id);
		if (w->nbr != NULL) {
			sqlite3_bind_text(w->nbr, 1, id, (int)n, SQLITE_STATIC);
			if (step(w, w->nbr, reachrow) < 0)
				return -1;
		}
		if (w->hyp != NULL) {
			sqlite3_bind_text(w->hyp, 1, id, (int)n, SQLITE_STATIC);
			if (step(w, w->hyp, hyperedge) < 0)
				return -1;
		}
	}
	return 0;
}

static int
prepare(struct walk *w, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(w->db, sql, -1, st, NULL) != SQLITE_OK)
		return fail(w);
	return 0;
}

static int
has(sqlite3 *db, const char *table)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db,
		"SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND "
		"name = ?1",
		-1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
kag_cut_has(struct kag_store *s, const char *id, struct kag_buf *err)
{
	sqlite3 *db = kag_store_db(s);
	sqlite3_stmt *st;
	int rc;

	if ((rc = has(db, "kag_nodes")) <= 0) {
		if (rc < 0)
			kag_buf_addf(err, "sqlite: %s", sqlite3_errmsg(db));
		return rc;
	}
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM main.kag_nodes WHERE id = ?1",
		-1, &st, NULL) != SQLITE_OK) {
		kag_buf_addf(err, "sqlite: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		kag_buf_addf(err, "sqlite: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Walk from the start ids into temp.kag_cut_ids. */
static int
walk(struct walk *w, const struct kag_cut *c)
{
	unsigned long d;
	size_t i;
	int edges, hyper;

	if (exec(w,
		"DROP TABLE IF EXISTS temp.kag_cut_ids;"
		"CREATE TEMP TABLE kag_cut_ids (id TEXT PRIMARY KEY)") < 0 ||
	    prepare(w, "INSERT INTO temp.kag_cut_ids VALUES (?1)", &w->add) < 0)
		return -1;
	if ((edges = has(w->db, "kag_edges")) < 0 ||
	    (hyper = has(w->db, "kag_hyperedge_members")) < 0)
		return fail(w);
	if ((edges && prepare(w, nbrsql[c->dir], &w->nbr) < 0) ||
	    (hyper &&
		(prepare(w, hypsql, &w->hyp) < 0 ||
		    prepare(w, memsql, &w->mem) < 0)))
		return -1;
	/* The caller checked that they are nodes. */
	for (i = 0; i < c->nids; i++)
		if (reach(w, c->ids[i], strlen(c->ids[i])) < 0)
			return -1;
	for (d = 0; d < c->depth && w->next.len > 0; d++) {
		kag_buf_reset(&w->now);
		kag_buf_add(&w->now, w->next.buf, w->next.len);
		if (hop(w) < 0)
			return -1;
	}
	return 0;
}

/* Make the temporary tables the dump reads. */
static int
tables(struct walk *w, const struct kag_cut *c)
{
	sqlite3_stmt *st;
	size_t i;
	int rc;

	if (c->memories &&
	    exec(w,
		"DROP TABLE IF EXISTS temp.kag_cut_keys;"
		"CREATE TEMP TABLE kag_cut_keys (key TEXT, user_id TEXT)") < 0)
		return -1;
	for (i = 0; i < sizeof(shadow) / sizeof(*shadow); i += 2) {
		kag_buf_reset(&w->now);
		kag_buf_addf(
		    &w->now, "DROP TABLE IF EXISTS temp.%s", shadow[i]);
		if (exec(w, w->now.buf) < 0)
			return -1;
		if (i >= 6 && !c->memories)
			continue;
		if ((rc = has(w->db, shadow[i])) < 0)
			return fail(w);
		if (rc == 0)
			continue;
		if (prepare(w, shadow[i + 1], &st) < 0)
			return -1;
		if (sqlite3_bind_parameter_count(st) > 0)
			sqlite3_bind_int(st, 1, !c->no_edges);
		rc = step(w, st, NULL);
		sqlite3_finalize(st);
		if (rc < 0)
			return -1;
		/* The memory nodes are known once the nodes are. */
		if (i == 0 && c->memories && exec(w, keysql) < 0)
			return -1;
	}
	return 0;
}

int
kag_cut_store(struct kag_store *s, const struct kag_cut *c, struct kag_buf *err)
{
	struct walk w = { 0 };
	int rc;

	w.db = kag_store_db(s);
	w.err = err;
	/* The cut's tables are small and short-lived: no temporary file. */
	if (exec(&w, "PRAGMA temp_store = MEMORY") < 0)
		return -1;
	w.seen = kag_set_new();
	w.hseen = kag_set_new();
	if ((rc = has(w.db, "kag_nodes")) < 0)
		rc = fail(&w);
	else if (rc == 0)
		rc = 0; /* no graph: nothing to cut, nothing to shadow */
	else
		rc = walk(&w, c) < 0 || tables(&w, c) < 0 ? -1 : 0;
	sqlite3_finalize(w.nbr);
	sqlite3_finalize(w.hyp);
	sqlite3_finalize(w.mem);
	sqlite3_finalize(w.add);
	kag_set_free(w.seen);
	kag_set_free(w.hseen);
	kag_buf_release(&w.now);
	kag_buf_release(&w.next);
	return rc;
}

int
kag_cut_read(struct kag_store *s, const char *name, const struct kag_cut *c,
    struct kag_graph *g, kag_diag_fn *diag, void *ctx, struct kag_buf *err)
{
	struct kag_json *j;
	struct kag_dump *d;
	struct kag_record r;
	struct kag_buf why = KAG_BUF_INIT;
	enum kag_type t;
	const char *line;
	size_t len;
	int rc;

	if (kag_cut_store(s, c, err) < 0)
		return -1;
	j = kag_json_new();
	d = kag_dump_new(s, name,
	    c->memories ? 0 : KAG_DUMP_NO_WORKING | KAG_DUMP_NO_PERSISTENT,
	    diag, ctx);
	/* kag_dump writes valid records only, so each parses. */
	while ((rc = kag_dump_next(d, &t, &line, &len)) > 0)
		if (kag_record_parse(&r, j, line, len, &why) == 0)
			kag_graph_add(g, &r);
	if (rc < 0)
		kag_buf_adds(err, kag_dump_errmsg(d));
	kag_graph_keep_all(g);
	kag_dump_free(d);
	kag_json_free(j);
	kag_buf_release(&why);
	return rc < 0 ? -1 : 0;
}
