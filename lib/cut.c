/*
 * cut.c: a subgraph cut straight from the store: a walk hop by hop on
 * indexes, then a dump of the rows it found, and of no other.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "kag.h"

/*
 * Each query runs once for a set of nodes, ?1: their ids (or rowids) as
 * a JSON array, which json_each() walks inside SQLite.
 *
 * The neighbours of the nodes that are nodes, with their rowids, by
 * direction: edges through kag_edges_src and kag_edges_dst, an
 * undirected edge ("directed" false) both ways.
 */
#define NBR(a, b, w)                                                           \
	"SELECT e." a ", n.rowid FROM json_each(?1) j CROSS JOIN "             \
	"main.kag_edges e ON e." b " = j.value CROSS JOIN main.kag_nodes n "   \
	"ON n.id = e." a w
static const char *const nbrsql[] = {
	[KAG_DIR_BOTH] =
	    NBR("dst", "src", "") " UNION ALL " NBR("src", "dst", ""),
	[KAG_DIR_OUT] = NBR("dst", "src", "") " UNION ALL " NBR(
	    "src", "dst", " WHERE e.directed = 'false'"),
	[KAG_DIR_IN] = NBR("src", "dst", "") " UNION ALL " NBR(
	    "dst", "src", " WHERE e.directed = 'false'"),
};
static const char nodesql[] = "SELECT rowid FROM main.kag_nodes WHERE id = ?1";
/* The hyperedges of the nodes; the members of the hyperedges. */
static const char hypsql[] =
    "SELECT m.hyperedge_id FROM json_each(?1) j CROSS JOIN "
    "main.kag_hyperedge_members m ON m.node_id = j.value";
static const char memsql[] =
    "SELECT m.node_id, n.rowid FROM json_each(?1) j CROSS JOIN "
    "main.kag_hyperedge_members m ON m.hyperedge_id = j.value CROSS JOIN "
    "main.kag_nodes n ON n.id = m.node_id";

/* The rows of the cut, once the walk is over (kag_dump finds the edges
 * between its nodes). */
static const char hyperedgesql[] =
    "SELECT h.rowid FROM json_each(?1) j CROSS JOIN "
    "main.kag_hyperedge_members m ON m.node_id = j.value CROSS JOIN "
    "main.kag_hyperedges h ON h.id = m.hyperedge_id";
/* What the memory nodes (by rowid) point at: data.key, and data.user_id
 * if any. */
static const char keysql[] =
    "SELECT json_extract(n.data, '$.key'), CASE WHEN json_type(n.data, "
    "'$.user_id') = 'text' THEN json_extract(n.data, '$.user_id') END "
    "FROM json_each(?1) j CROSS JOIN main.kag_nodes n ON n.rowid = "
    "j.value WHERE n.node_type = 'memory' AND CASE WHEN json_valid(n.data) "
    "THEN json_type(n.data, '$.key') = 'text' ELSE 0 END";
/* The memories of a key (?1), and of a key and an owner (?2). */
enum { PERSISTENT, WORKING, NMEM };
static const char *const memtable[NMEM] = { "memories", "kag_working" };
static const char *const keyedsql[NMEM][2] = {
	{ "SELECT id FROM main.memories WHERE key = ?1",
	    "SELECT id FROM main.memories WHERE user_id = ?2 AND key = ?1" },
	{ "SELECT id FROM main.kag_working WHERE key = ?1",
	    "SELECT id FROM main.kag_working WHERE user_id = ?2 AND key = ?1" },
};

/* Rowids, as kag_dump_only() takes them once sorted. */
struct rowids {
	int64_t *v;
	size_t n, alloc;
};

struct walk {
	struct kag_store *store;
	sqlite3 *db;
	struct kag_buf *err;
	sqlite3_stmt *nbr, *hyp, *mem;
	struct kag_set *seen, *hseen;
	struct kag_buf ids; /* the cut's node ids, each NUL-ended, by hop */
	struct kag_buf set; /* a set of ids or rowids, as a JSON array */
	struct rowids nodes, hyperedges, memories[NMEM];
};

static void
push(struct rowids *r, int64_t id)
{
	if (r->n == r->alloc) {
		r->alloc = r->alloc ? 2 * r->alloc : 1024;
		r->v = kag_xrealloc(r->v, r->alloc * sizeof(*r->v));
	}
	r->v[r->n++] = id;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Ascending and distinct, as kag_dump_only() wants them. */
static void
sortuniq(struct rowids *r)
{
	size_t i, k = 0;

	if (r->n == 0)
		return;
	qsort(r->v, r->n, sizeof(*r->v), cmp64);
	for (i = 0; i < r->n; i++)
		if (k == 0 || r->v[i] != r->v[k - 1])
			r->v[k++] = r->v[i];
	r->n = k;
}

static int
fail(struct walk *w)
{
	kag_buf_addf(w->err, "sqlite: %s", sqlite3_errmsg(w->db));
	return -1;
}

static int
prepare(struct walk *w, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(w->db, sql, -1, st, NULL) != SQLITE_OK)
		return fail(w);
	return 0;
}

/* The ids w->ids holds from from to to, into w->set. */
static void
idset(struct walk *w, size_t from, size_t to)
{
	const char *id;
	size_t n;

	kag_buf_reset(&w->set);
	kag_buf_addc(&w->set, '[');
	for (; from < to; from += n + 1) {
		id = w->ids.buf + from;
		n = strlen(id);
		kag_buf_add_json_string(&w->set, id, n);
		kag_buf_addc(&w->set, ',');
	}
	if (w->set.len > 1)
		w->set.len--;
	kag_buf_addc(&w->set, ']');
}

/* Run st on the set in w->set (copied: the set is built again while the
 * statement runs), calling each on every row: 0, or -1 with the reason
 * in w->err. */
static int
run(struct walk *w, sqlite3_stmt *st,
    int (*each)(struct walk *, sqlite3_stmt *, void *), void *arg)
{
	int rc;

	if (sqlite3_bind_text64(st, 1, w->set.buf, w->set.len, SQLITE_TRANSIENT,
		SQLITE_UTF8) != SQLITE_OK)
		return fail(w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (each(w, st, arg) < 0) {
			sqlite3_reset(st);
			return -1;
		}
	}
	if (rc != SQLITE_DONE)
		fail(w);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* A node of the cut, if it is new: id[0..n) of rowid. */
static void
reach(struct walk *w, const char *id, size_t n, int64_t rowid)
{
	if (kag_set_add(w->seen, id, n)) {
		kag_buf_add(&w->ids, id, n);
		kag_buf_addc(&w->ids, '\0');
		push(&w->nodes, rowid);
	}
}

/* A node reached: its id in column 0, its rowid in column 1. */
static int
reachrow(struct walk *w, sqlite3_stmt *st, void *arg)
{
	const char *id = (const char *)sqlite3_column_text(st, 0);

	(void)arg;
	reach(w, id, (size_t)sqlite3_column_bytes(st, 0),
	    sqlite3_column_int64(st, 1));
	return 0;
}

/* A hyperedge met (column 0): into the set arg, the first time. */
static int
hyperedge(struct walk *w, sqlite3_stmt *st, void *arg)
{
	const char *h = (const char *)sqlite3_column_text(st, 0);
	size_t n = (size_t)sqlite3_column_bytes(st, 0);
	struct kag_buf *set = arg;

	if (kag_set_add(w->hseen, h, n)) {
		kag_buf_addc(set, set->len > 0 ? ',' : '[');
		kag_buf_add_json_string(set, h, n);
	}
	return 0;
}

/* One hop from the nodes w->ids holds from *from to its end: their
 * neighbours, then the members of the hyperedges met for the first time. */
static int
hop(struct walk *w, size_t *from)
{
	struct kag_buf hyper = KAG_BUF_INIT;
	int rc = 0;

	idset(w, *from, w->ids.len);
	*from = w->ids.len;
	if (w->hyp != NULL)
		rc = run(w, w->hyp, hyperedge, &hyper);
	if (rc == 0 && w->nbr != NULL)
		rc = run(w, w->nbr, reachrow, NULL);
	if (rc == 0 && hyper.len > 0) {
		kag_buf_addc(&hyper, ']');
		kag_buf_reset(&w->set);
		kag_buf_add(&w->set, hyper.buf, hyper.len);
		rc = run(w, w->mem, reachrow, NULL);
	}
	kag_buf_release(&hyper);
	return rc;
}

/* The rowid of node id: 1 with *rowid set, 0 when there is none, or -1
 * with the reason appended to err. */
static int
node(struct kag_store *s, const char *id, int64_t *rowid, struct kag_buf *err)
{
	sqlite3 *db = kag_store_db(s);
	sqlite3_stmt *st;
	int rc;

	if ((rc = kag_store_has_table(s, "kag_nodes")) <= 0) {
		if (rc < 0)
			kag_buf_adds(err, kag_store_errmsg(s));
		return rc;
	}
	if (sqlite3_prepare_v2(db, nodesql, -1, &st, NULL) != SQLITE_OK) {
		kag_buf_addf(err, "sqlite: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*rowid = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		kag_buf_addf(err, "sqlite: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
kag_cut_has(struct kag_store *s, const char *id, struct kag_buf *err)
{
	int64_t rowid;

	return node(s, id, &rowid, err);
}

/* Walk from the start ids: the cut's nodes, in w->ids and w->nodes. */
static int
walk(struct walk *w, const struct kag_cut *c, int edges, int hyper)
{
	unsigned long d;
	size_t i, from = 0;
	int64_t rowid;
	int rc;

	if ((edges && prepare(w, nbrsql[c->dir], &w->nbr) < 0) ||
	    (hyper &&
		(prepare(w, hypsql, &w->hyp) < 0 ||
		    prepare(w, memsql, &w->mem) < 0)))
		return -1;
	/* The caller checked that they are nodes. */
	for (i = 0; i < c->nids; i++) {
		if ((rc = node(w->store, c->ids[i], &rowid, w->err)) < 0)
			return -1;
		if (rc > 0)
			reach(w, c->ids[i], strlen(c->ids[i]), rowid);
	}
	for (d = 0; d < c->depth && from < w->ids.len; d++)
		if (hop(w, &from) < 0)
			return -1;
	return 0;
}

/* Column 0 of st into the rowids arg. */
static int
collect(struct walk *w, sqlite3_stmt *st, void *arg)
{
	(void)w;
	push(arg, sqlite3_column_int64(st, 0));
	return 0;
}

/* The memories a memory node points at (its key in column 0, its
 * owner, or NULL, in column 1), by the statements arg. */
static int
pointed(struct walk *w, sqlite3_stmt *st, void *arg)
{
	sqlite3_stmt *const *keyed = arg;
	sqlite3_stmt *q;
	int i, rc, user = sqlite3_column_type(st, 1) != SQLITE_NULL;

	for (i = 0; i < NMEM; i++) {
		if ((q = keyed[2 * i + user]) == NULL)
			continue;
		sqlite3_bind_value(q, 1, sqlite3_column_value(st, 0));
		if (user)
			sqlite3_bind_value(q, 2, sqlite3_column_value(st, 1));
		while ((rc = sqlite3_step(q)) == SQLITE_ROW)
			push(&w->memories[i], sqlite3_column_int64(q, 0));
		sqlite3_reset(q);
		if (rc != SQLITE_DONE)
			return fail(w);
	}
	return 0;
}

/* Run sql once on the set in w->set, calling each on every row. */
static int
query(struct walk *w, const char *sql,
    int (*each)(struct walk *, sqlite3_stmt *, void *), void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (prepare(w, sql, &st) < 0)
		return -1;
	rc = run(w, st, each, arg);
	sqlite3_finalize(st);
	return rc;
}

/* Whether the store has table: 1, 0, or -1 with the reason in w->err. */
static int
has(struct walk *w, const char *table)
{
	int rc = kag_store_has_table(w->store, table);

	if (rc < 0)
		kag_buf_adds(w->err, kag_store_errmsg(w->store));
	return rc;
}

/* The memories the cut's memory nodes point at. */
static int
memories(struct walk *w)
{
	sqlite3_stmt *keyed[2 * NMEM] = { NULL };
	int i, rc = 0;

	for (i = 0; i < 2 * NMEM && rc == 0; i++)
		if ((rc = has(w, memtable[i / 2])) > 0)
			rc = prepare(w, keyedsql[i / 2][i % 2], &keyed[i]);
	if (rc == 0) {
		kag_buf_reset(&w->set);
		kag_buf_add_json_ints(&w->set, w->nodes.v, w->nodes.n);
		rc = query(w, keysql, pointed, keyed);
	}
	for (i = 0; i < 2 * NMEM; i++)
		sqlite3_finalize(keyed[i]);
	return rc;
}

/* The rows of the cut: its nodes, the memories they point at, and (with
 * the nodes' ids as a JSON array in w->set, which the dump reads too)
 * the hyperedges with a member among them. */
static int
cut(struct walk *w, const struct kag_cut *c)
{
	int edges, hyper, rc;

	if ((rc = has(w, "kag_nodes")) <= 0)
		return rc; /* no graph: nothing to cut */
	if ((edges = has(w, "kag_edges")) < 0 ||
	    (hyper = has(w, "kag_hyperedge_members")) < 0)
		return -1;
	/* Mostly empty: then no hop looks at it. */
	if (hyper &&
	    (hyper = kag_store_has_row(
		 w->store, "SELECT 1 FROM kag_hyperedge_members")) < 0) {
		kag_buf_adds(w->err, kag_store_errmsg(w->store));
		return -1;
	}
	if (walk(w, c, edges, hyper) < 0 || (c->memories && memories(w) < 0))
		return -1;
	idset(w, 0, w->ids.len);
	if (!hyper || c->no_edges)
		return 0;
	if ((rc = has(w, "kag_hyperedges")) <= 0)
		return rc;
	return query(w, hyperedgesql, collect, &w->hyperedges);
}

int
kag_cut_read(struct kag_store *s, const char *name, const struct kag_cut *c,
    struct kag_graph *g, kag_diag_fn *diag, void *ctx, struct kag_buf *err)
{
	struct walk w = { 0 };
	struct kag_dump *d = NULL;
	struct kag_store *twin = NULL;
	enum kag_type t;
	const char *line;
	size_t len;
	int i, rc;

	w.store = s;
	w.db = kag_store_db(s);
	w.err = err;
	w.seen = kag_set_new();
	w.hseen = kag_set_new();
	if ((rc = cut(&w, c)) == 0) {
		sortuniq(&w.nodes);
		sortuniq(&w.hyperedges);
		d = kag_dump_new(s, name,
		    c->memories ? 0
				: KAG_DUMP_NO_WORKING | KAG_DUMP_NO_PERSISTENT,
		    diag, ctx);
		kag_dump_only(d, "kag_nodes", w.nodes.v, w.nodes.n);
		if (c->no_edges) {
			kag_dump_only(d, "kag_edges", NULL, 0);
		} else {
			kag_dump_edges_within(d, w.seen, w.set.buf, w.set.len);
			/* The edges take longest: on a core of their own
			 * while the nodes are read, when they can be. */
			if ((twin = kag_store_twin(s)) != NULL)
				kag_dump_ahead(d, twin, "kag_edges");
		}
		kag_dump_only(
		    d, "kag_hyperedges", w.hyperedges.v, w.hyperedges.n);
		for (i = 0; i < NMEM; i++) {
			sortuniq(&w.memories[i]);
			kag_dump_only(
			    d, memtable[i], w.memories[i].v, w.memories[i].n);
		}
		while ((rc = kag_dump_next(d, &t, &line, &len)) > 0)
			kag_graph_add_kept(g, t, line, len);
		if (rc < 0)
			kag_buf_adds(err, kag_dump_errmsg(d));
	}
	kag_dump_free(d);
	kag_store_close(twin);
	sqlite3_finalize(w.nbr);
	sqlite3_finalize(w.hyp);
	sqlite3_finalize(w.mem);
	kag_set_free(w.seen);
	kag_set_free(w.hseen);
	kag_buf_release(&w.ids);
	kag_buf_release(&w.set);
	free(w.nodes.v);
	free(w.hyperedges.v);
	for (i = 0; i < NMEM; i++)
		free(w.memories[i].v);
	return rc < 0 ? -1 : 0;
}
