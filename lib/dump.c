/* dump.c: the store read back as the records of a kag stream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "kag.h"

enum stage {
	S_START,
	S_WORKING,
	S_PERSISTENT,
	S_GJNODES, /* graph.json's nodes */
	S_NODES,
	S_GJEDGES,
	S_EDGES,
	S_HYPEREDGES,
	S_END
};

/* What a JSON cell must be, beside valid JSON (with KAG_JSON_NONFINITE
 * in the flags: valid with NaN and Infinity, as Kagura writes them). */
#define ANY    0
#define OBJECT 0x100 /* data */
#define NUMBER 0x200 /* weight */
#define BOOL   0x400 /* directed */
#define NF     KAG_JSON_NONFINITE

/*
 * What each stage writes and, for a table, the table, the query (columns
 * by name: Kagura 3.x stores have them in another order), the number of
 * columns and the JSON cells, checked on the worker's thread.
 */
#define NCHECK 4
struct check {
	int col;
	const char *name;
	unsigned flags;
};
static const struct stagedef {
	enum kag_type type;
	const char *table, *query;
	int ncol;
	struct check check[NCHECK];
} stages[S_END] = {
	[S_WORKING] = { KAG_REC_MEMORY, "kag_working",
	    "SELECT id, key, value, user_id, agent_name, created_at, "
	    "updated_at, metadata, extra FROM kag_working",
	    9, { { 2, "value", NF }, { 7, "metadata", NF } } },
	[S_PERSISTENT] = { KAG_REC_MEMORY, "memories",
	    "SELECT m.id, m.key, m.value, m.user_id, m.agent_name, "
	    "m.created_at, m.updated_at, m.metadata, %s FROM memories m%s",
	    9, { { 2, "value", NF }, { 7, "metadata", NF } } },
	[S_GJNODES] = { KAG_REC_NODE, NULL, NULL, 0, { { 0 } } },
	[S_NODES] = { KAG_REC_NODE, "kag_nodes",
	    "SELECT id, node_type, data, content, metadata, created_at, "
	    "updated_at, extra FROM kag_nodes ORDER BY rowid",
	    8,
	    { { 2, "data", OBJECT }, { 3, "content", ANY },
		{ 4, "metadata", NF } } },
	[S_GJEDGES] = { KAG_REC_EDGE, NULL, NULL, 0, { { 0 } } },
	[S_EDGES] = { KAG_REC_EDGE, "kag_edges",
	    "SELECT seq, src, dst, rel_type, weight, data, id, directed, "
	    "metadata, created_at, extra FROM kag_edges ORDER BY seq",
	    11,
	    { { 4, "weight", NUMBER }, { 5, "data", OBJECT },
		{ 7, "directed", BOOL }, { 8, "metadata", NF } } },
	[S_HYPEREDGES] = { KAG_REC_HYPEREDGE, "kag_hyperedges",
	    "SELECT id, edge_type, content, metadata, created_at, extra "
	    "FROM kag_hyperedges ORDER BY rowid",
	    6, { { 2, "content", ANY }, { 3, "metadata", NF } } },
};

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

struct kag_dump {
	struct kag_store *store;
	sqlite3 *db;
	const char *name;
	unsigned flags;
	kag_diag_fn *diag;
	void *ctx;

	/* The selection: memories in SQL, the graph by kag_match. */
	char **users, **agents;
	int nusers, nagents;
	struct kag_match *m;
	struct kag_graphjson *gj;
	char *stamp; /* ,"exported_at":"..." or NULL */

	enum stage stage;
	int failed;
	int has[S_END]; /* whether the stage's table exists */
	int has_extra;	/* kag_memory_extra */
	sqlite3_stmt *st;
	struct kag_rows *rows;
	sqlite3_stmt *members; /* a hyperedge's nodes */
	sqlite3_stmt *hasnode; /* a graph.json node in kag_nodes? */
	sqlite3_stmt *hasedge;

	struct kag_json *json;	/* a cell */
	struct kag_json *wjson; /* a cell, on the worker's thread */
	struct kag_json *rjson; /* a record, for the selection */
	struct kag_record rec;
	struct kag_buf line, tmp, msg, err, word;
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
	d->wjson = kag_json_new();
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

const char *
kag_dump_errmsg(const struct kag_dump *d)
{
	return d->err.len > 0 ? d->err.buf : "";
}

/* Fail with msg, or with SQLite's message when msg is NULL. */
static int
fail(struct kag_dump *d, const char *msg)
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
static void
report(struct kag_dump *d)
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
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(d, NULL);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc == SQLITE_ROW;
	return fail(d, NULL);
}

/* Which tables there are.  A database without any is an empty store;
 * one with tables but not Kagura's memories is somebody else's. */
static int
tables(struct kag_dump *d)
{
	int i, rc;

	for (i = 0; i < S_END; i++) {
		if (stages[i].table == NULL)
			continue;
		if ((rc = kag_store_has_table(d->store, stages[i].table)) < 0)
			return fail(d, kag_store_errmsg(d->store));
		d->has[i] = rc;
	}
	/* Joined only when it holds something: it is mostly empty. */
	if ((rc = kag_store_has_table(d->store, "kag_memory_extra")) < 0)
		return fail(d, kag_store_errmsg(d->store));
	if (rc > 0 && (rc = any(d, "SELECT 1 FROM kag_memory_extra")) < 0)
		return -1;
	d->has_extra = rc;
	if (d->has[S_PERSISTENT])
		return kag_store_check(d->store) < 0
		    ? fail(d, kag_store_errmsg(d->store))
		    : 0;
	if ((rc = any(d, "SELECT 1 FROM sqlite_master WHERE type = 'table'")) <
	    0)
		return -1;
	return rc ? fail(d, "no 'memories' table: not a Kagura store") : 0;
}

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
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n' ||
			    s[n - 1] == '\r' || s[n - 1] == '\t'))
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
static int
ahead(void *ctx, const char *const *cell, const size_t *len)
{
	struct kag_dump *d = ctx;
	const struct check *c = stages[d->stage].check;
	const char *s;
	size_t n;
	int k, mark = 0;

	for (k = 0; k < NCHECK && c[k].name != NULL; k++) {
		if ((s = cell[c[k].col]) == NULL)
			continue;
		n = len[c[k].col];
		if (kag_json_check(
			d->wjson, s, n, c[k].flags & KAG_JSON_NONFINITE) < 0 ||
		    !typed(s, n, c[k].flags))
			mark |= 1 << 2 * k;
		else if (memchr(s, '\n', n) != NULL ||
		    memchr(s, '\r', n) != NULL)
			mark |= 2 << 2 * k;
	}
	return mark;
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

/* The query of a memory stage, with the selection in its WHERE. */
static void
memquery(struct kag_dump *d, struct kag_buf *sql)
{
	int i;

	if (d->stage == S_WORKING)
		kag_buf_adds(sql, stages[S_WORKING].query);
	else if (d->has_extra)
		kag_buf_addf(sql, stages[S_PERSISTENT].query, "x.extra",
		    " LEFT JOIN kag_memory_extra x ON x.memory_id = m.id");
	else
		kag_buf_addf(sql, stages[S_PERSISTENT].query, "NULL", "");
	kag_buf_adds(sql, " WHERE 1");
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
	kag_buf_adds(
	    sql, d->stage == S_WORKING ? " ORDER BY id" : " ORDER BY m.id");
}

/* Start a stage: its statements, and its rows coming on a second core. */
static int
begin(struct kag_dump *d)
{
	struct kag_buf sql = KAG_BUF_INIT;
	int i, k = 1, rc;

	if (d->stage == S_GJNODES && d->has[S_NODES] && d->gj != NULL &&
	    sqlite3_prepare_v2(d->db, "SELECT 1 FROM kag_nodes WHERE id = ?1",
		-1, &d->hasnode, NULL) != SQLITE_OK)
		return fail(d, NULL);
	if (d->stage == S_GJEDGES && d->has[S_EDGES] && d->gj != NULL &&
	    sqlite3_prepare_v2(d->db,
		"SELECT 1 FROM kag_edges WHERE src = ?1 AND dst = ?2 AND "
		"rel_type IS ?3 AND id IS NULL",
		-1, &d->hasedge, NULL) != SQLITE_OK)
		return fail(d, NULL);
	if (d->stage == S_HYPEREDGES && d->has[S_HYPEREDGES] &&
	    sqlite3_prepare_v2(d->db,
		"SELECT node_id FROM kag_hyperedge_members "
		"WHERE hyperedge_id = ?1 ORDER BY pos",
		-1, &d->members, NULL) != SQLITE_OK)
		return fail(d, NULL);
	if (d->stage >= S_END || stages[d->stage].table == NULL ||
	    !d->has[d->stage])
		return 0;
	if (d->stage == S_WORKING || d->stage == S_PERSISTENT)
		memquery(d, &sql);
	else
		kag_buf_adds(&sql, stages[d->stage].query);
	rc = sqlite3_prepare_v2(d->db, sql.buf, -1, &d->st, NULL);
	kag_buf_release(&sql);
	if (rc != SQLITE_OK)
		return fail(d, NULL);
	if (d->stage == S_WORKING || d->stage == S_PERSISTENT) {
		for (i = 0; i < d->nusers; i++)
			sqlite3_bind_text(d->st, k++, d->users[i], -1, NULL);
		for (i = 0; i < d->nagents; i++)
			sqlite3_bind_text(d->st, k++, d->agents[i], -1, NULL);
	}
	/* Hyperedges are stepped here: their members' query needs the
	 * connection, which the worker must have to itself. */
	if (d->stage != S_HYPEREDGES)
		d->rows = kag_rows_new(d->st, stages[d->stage].ncol, ahead, d);
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
	while ((d->stage == S_WORKING && (d->flags & KAG_DUMP_NO_WORKING)) ||
	    (d->stage == S_PERSISTENT && (d->flags & KAG_DUMP_NO_PERSISTENT)) ||
	    (d->stage >= S_GJNODES && d->stage < S_END &&
		(d->flags & KAG_DUMP_NO_GRAPH)));
	return begin(d);
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
 * The line is built a few bytes at a time, a million times over: these
 * are kag_buf_add() and kag_buf_add_json_string() without a call where
 * there is room.  They leave b->buf[b->len] unset; the line's closing
 * brace (kag_buf_addc) sets it.
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
	const struct check *c = &stages[d->stage].check[k];
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
		else if (kag_json_parse(d->json, s, n,
			     c->flags & KAG_JSON_NONFINITE) == 0)
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
	report(d);
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
		report(d);
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
		    strstr(written[stages[d->stage].type], d->word.buf) !=
			NULL) {
			describe(d);
			kag_buf_adds(&d->msg, ": extra field ");
			kag_buf_add_quoted(&d->msg, k, kn);
			kag_buf_adds(&d->msg, " is a column too (left out)");
			report(d);
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
		return fail(d, NULL);
	kag_buf_addc(&d->line, ']');
	opttext(d, 1, "edge_type");
	json(d, 0, NULL);
	json(d, 1, NULL);
	opttext(d, 4, "created_at");
	extra(d, 5);
	return 0;
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
			return fail(d, NULL);
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
		    !kag_graphjson_next(d->gj, stages[d->stage].type, &s, &n))
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
			return fail(d, NULL);
	} else if ((rc = kag_rows_next(d->rows)) <= 0) {
		if (rc == 0)
			return 0;
		kag_buf_reset(&d->msg);
		kag_buf_addf(&d->msg, "sqlite: %s", kag_rows_errmsg(d->rows));
		return fail(d, d->msg.buf);
	}
	switch (d->stage) {
	case S_NODES:
		node(d);
		break;
	case S_EDGES:
		edge(d);
		break;
	case S_HYPEREDGES:
		if (hyperedge(d) < 0)
			return -1;
		break;
	default:
		memory(d);
		break;
	}
	kag_buf_addc(&d->line, '}');
	return 1;
}

int
kag_dump_next(
    struct kag_dump *d, enum kag_type *type, const char **line, size_t *len)
{
	int rc;

	if (d->failed ||
	    (d->stage == S_START && (tables(d) < 0 || advance(d) < 0)))
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
		*type = stages[d->stage].type;
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
	kag_match_free(d->m);
	kag_graphjson_free(d->gj);
	kag_json_free(d->json);
	kag_json_free(d->wjson);
	kag_json_free(d->rjson);
	kag_buf_release(&d->line);
	kag_buf_release(&d->tmp);
	kag_buf_release(&d->msg);
	kag_buf_release(&d->err);
	kag_buf_release(&d->word);
	free(d);
}
