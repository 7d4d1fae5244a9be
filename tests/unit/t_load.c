/* t_load.c: unit tests for loading records into a store (lib/load.c), on
 * in-memory stores. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "kag.h"
#include "tap.h"

/* What the load reported, one "file:line: msg" a line. */
static struct kag_buf seen = KAG_BUF_INIT;

/* Whether load() reads its text as a HyperMemory document's records. */
static int document;

static void
collect(void *ctx, const struct kag_diag *d)
{
	(void)ctx;
	kag_buf_addf(&seen, "%s:%ju: %s\n", d->file, d->line, d->msg);
}

static struct kag_store *
store(void)
{
	struct kag_buf err = KAG_BUF_INIT;
	struct kag_store *s;

	s = kag_store_open(":memory:", KAG_STORE_WRITE, 1000, &err);
	if (s == NULL) {
		printf("Bail out! %s\n", err.buf);
		exit(1);
	}
	return s;
}

/* The rows of a query, "a|b|c\n" each, NULL as "NULL"; static. */
static const char *
rows(struct kag_store *s, const char *sql)
{
	static struct kag_buf b = KAG_BUF_INIT;
	sqlite3_stmt *st;
	int c;

	kag_buf_reset(&b);
	if (sqlite3_prepare_v2(kag_store_db(s), sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		kag_buf_addf(&b, "error: %s", sqlite3_errmsg(kag_store_db(s)));
		return b.buf;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (c = 0; c < sqlite3_column_count(st); c++) {
			if (c > 0)
				kag_buf_addc(&b, '|');
			if (sqlite3_column_type(st, c) == SQLITE_NULL)
				kag_buf_adds(&b, "NULL");
			else
				kag_buf_add(&b, sqlite3_column_text(st, c),
				    (size_t)sqlite3_column_bytes(st, c));
		}
		kag_buf_addc(&b, '\n');
	}
	sqlite3_finalize(st);
	return b.len > 0 ? b.buf : "";
}

/* s on one line (newlines as '/'), for a test's description; static. */
static const char *
flat(const char *s)
{
	static struct kag_buf b = KAG_BUF_INIT;
	size_t i;

	kag_buf_reset(&b);
	kag_buf_adds(&b, s);
	for (i = 0; i < b.len; i++)
		if (b.buf[i] == '\n')
			b.buf[i] = '/';
	return b.len > 0 ? b.buf : "";
}

/*
 * Load the lines of text (one record each; a line "operand" starts a new
 * operand, a document when document is set) in one transaction, committed
 * when commit is set: what kag_load_finish() said, or -2 when a record
 * met trouble (the message then goes to seen).  The report is copied to
 * *rep when rep is not NULL.
 */
static int
load(struct kag_store *s, const struct kag_load_opts *o, const char *text,
    int commit, struct kag_load_report *rep)
{
	struct kag_json *j = kag_json_new();
	struct kag_buf err = KAG_BUF_INIT;
	struct kag_record r;
	struct kag_load *l;
	const char *p, *e;
	uintmax_t line = 0;
	int rc = 0;

	kag_buf_reset(&seen);
	l = kag_load_new(s, o, collect, NULL);
	if (kag_load_begin(l) < 0) {
		kag_buf_addf(&seen, "begin: %s\n", kag_load_errmsg(l));
		rc = -2;
	}
	for (p = text; rc == 0 && *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		line++;
		if (line == 1 || (e - p == 7 && memcmp(p, "operand", 7) == 0))
			kag_load_operand(l, document);
		if (e - p == 7 && memcmp(p, "operand", 7) == 0)
			continue;
		if (kag_record_parse(&r, j, p, (size_t)(e - p), &err) < 0) {
			kag_buf_addf(&seen, "t:%ju: %s\n", line, err.buf);
			continue;
		}
		if (kag_load_record(l, &r, "t", line) < 0) {
			kag_buf_addf(
			    &seen, "trouble: %s\n", kag_load_errmsg(l));
			rc = -2;
		}
	}
	if (rc == 0 && (rc = kag_load_finish(l, commit)) < 0)
		kag_buf_addf(&seen, "finish: %s\n", kag_load_errmsg(l));
	if (rep != NULL)
		*rep = *kag_load_report(l);
	kag_load_free(l);
	kag_json_free(j);
	kag_buf_release(&err);
	return rc;
}

static int
stats(const struct kag_load_stats *st, uintmax_t c, uintmax_t u, uintmax_t n,
    uintmax_t k)
{
	return st->created == c && st->updated == u && st->unchanged == n &&
	    st->skipped == k;
}

static void
test_rows(void)
{
	struct kag_store *s = store();
	struct kag_load_report rep;

	setenv("SOURCE_DATE_EPOCH", "1763767713", 1);
	ok(load(s, NULL,
	       "{\"type\":\"memory\",\"scope\":\"persistent\",\"key\":"
	       "\"caf\\u00e9\",\"value\":{\"a\": [1, 2.50]},\"user_id\":"
	       "\"alice\",\"x\\u0041\":1,\"agent_name\":null,\"metadata\":"
	       "null,\"exported_at\":\"2026-01-01\",\"y\":\"s\"}\n"
	       "{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"w\","
	       "\"value\":\"v\",\"created_at\":\"2026-01-01 00:00:00\","
	       "\"metadata\":{\"tags\":[]},\"ttl\":5}\n",
	       1, &rep) == 1,
	    "two memories loaded");
	ok(stats(&rep.memories, 2, 0, 0, 0), "counted as created");
	ok(strcmp(rows(s,
		      "SELECT key, value, user_id, agent_name, created_at, "
		      "updated_at, metadata FROM memories"),
	       "caf\xc3\xa9|{\"a\": [1, 2.50]}|alice|NULL|2025-11-21 "
	       "23:28:33|2025-11-21 23:28:33|NULL\n") == 0,
	    "persistent: key decoded, value as written, load time: %s",
	    flat(rows(s, "SELECT * FROM memories")));
	ok(strcmp(rows(s, "SELECT extra FROM kag_memory_extra"),
	       "{\"x\\u0041\":1,\"y\":\"s\"}\n") == 0,
	    "unknown fields kept in record order, exported_at dropped: %s",
	    flat(rows(s, "SELECT extra FROM kag_memory_extra")));
	ok(strcmp(rows(s,
		      "SELECT key, value, user_id, created_at, updated_at, "
		      "metadata, extra FROM kag_working"),
	       "w|\"v\"|default_user|2026-01-01 00:00:00|2026-01-01 "
	       "00:00:00|{\"tags\":[]}|{\"ttl\":5}\n") == 0,
	    "working: default owner, updated_at from created_at: %s",
	    flat(rows(s, "SELECT * FROM kag_working")));
	unsetenv("SOURCE_DATE_EPOCH");
	kag_store_close(s);
}

static const char graph[] =
    "{\"type\":\"edge\",\"source\":\"a\",\"target\":\"b\",\"edge_type\":"
    "\"knows\",\"weight\":0.5,\"directed\":true}\n"
    "{\"type\":\"node\",\"id\":\"a\",\"node_type\":\"person\",\"data\":"
    "{\"n\":1},\"user_id\":\"alice\"}\n"
    "{\"type\":\"node\",\"id\":\"b\",\"content\":\"Bee\"}\n"
    "{\"type\":\"edge\",\"id\":\"e1\",\"src\":\"a\",\"dst\":\"b\"}\n"
    "{\"type\":\"hyperedge\",\"id\":\"h\",\"nodes\":[\"a\",\"b\",\"c\"]}\n";

static void
test_graph(void)
{
	struct kag_store *s = store();
	struct kag_load_report rep;

	ok(load(s, NULL, graph, 1, &rep) == 1 && seen.len == 0,
	    "a graph, edge before its nodes: loaded");
	ok(stats(&rep.nodes, 2, 0, 0, 0) && stats(&rep.edges, 2, 0, 0, 0) &&
		stats(&rep.hyperedges, 1, 0, 0, 0),
	    "nodes, edges and hyperedges counted");
	ok(strcmp(rows(s, "SELECT * FROM kag_nodes ORDER BY id"),
	       "a|person|{\"n\":1}|NULL|NULL|NULL|NULL|{\"user_id\":\"alice\"}"
	       "\n"
	       "b|NULL|NULL|\"Bee\"|NULL|NULL|NULL|NULL\n") == 0,
	    "nodes: a node's user_id is extra: %s",
	    flat(rows(s, "SELECT * FROM kag_nodes")));
	ok(strcmp(rows(s,
		      "SELECT id, src, dst, rel_type, weight, directed FROM "
		      "kag_edges ORDER BY seq"),
	       "NULL|a|b|knows|0.5|true\ne1|a|b|NULL|NULL|NULL\n") == 0,
	    "edges: HyperMemory's spelling read as src, dst, rel_type");
	ok(strcmp(rows(s,
		      "SELECT pos, node_id FROM kag_hyperedge_members ORDER "
		      "BY pos"),
	       "0|a\n1|b\n2|c\n") == 0,
	    "hyperedge members in order, a member need not be a node");

	ok(load(s, NULL, graph, 1, &rep) == 1 &&
		stats(&rep.nodes, 0, 0, 2, 0) &&
		stats(&rep.edges, 0, 0, 2, 0) &&
		stats(&rep.hyperedges, 0, 0, 1, 0),
	    "the same graph again: unchanged");
	ok(load(s, NULL,
	       "{\"type\":\"edge\",\"src\":\"a\",\"dst\":\"b\",\"rel_type\":"
	       "\"knows\",\"weight\":0.9}\n"
	       "{\"type\":\"edge\",\"src\":\"a\",\"dst\":\"b\"}\n"
	       "{\"type\":\"hyperedge\",\"id\":\"h\",\"nodes\":[\"a\","
	       "\"b\"]}\n",
	       1, &rep) == 1 &&
		stats(&rep.edges, 1, 1, 0, 0) &&
		stats(&rep.hyperedges, 0, 1, 0, 0),
	    "an edge by (src, dst, rel_type) updated, one with a NULL "
	    "rel_type new; other members: updated");
	ok(strcmp(rows(s,
		      "SELECT group_concat(node_id) FROM "
		      "kag_hyperedge_members"),
	       "a,b\n") == 0,
	    "the members replaced");

	ok(load(s, NULL,
	       "{\"type\":\"node\",\"id\":\"c\"}\n"
	       "{\"type\":\"edge\",\"src\":\"c\",\"dst\":\"nowhere\"}\n"
	       "{\"type\":\"edge\",\"src\":\"ghost\",\"dst\":\"ghost\"}\n",
	       1, &rep) == 0,
	    "edges whose nodes are missing: rolled back");
	ok(strcmp(seen.buf,
	       "t:2: edge names node 'nowhere', which is neither in the "
	       "store nor in the load\n"
	       "t:3: edge names node 'ghost', which is neither in the store "
	       "nor in the load\n") == 0,
	    "each reported once with its line: %s", flat(seen.buf));
	ok(strcmp(rows(s, "SELECT count(*) FROM kag_nodes"), "2\n") == 0,
	    "node c not loaded");
	kag_store_close(s);
}

static const char mem1[] =
    "{\"type\":\"memory\",\"scope\":\"persistent\",\"key\":\"k\","
    "\"value\":1,\"user_id\":\"u\",\"agent_name\":null}\n";
static const char mem2[] =
    "{\"type\":\"memory\",\"scope\":\"persistent\",\"key\":\"k\","
    "\"value\":2,\"user_id\":\"u\"}\n";

static void
test_conflicts(void)
{
	struct kag_store *s = store();
	struct kag_load_opts o = { KAG_CONFLICT_REPLACE, 0, NULL, NULL, 0,
		NULL };
	struct kag_load_report rep;

	ok(load(s, NULL, mem1, 1, &rep) == 1, "one memory");
	ok(load(s, NULL, mem1, 1, &rep) == 1 &&
		stats(&rep.memories, 0, 0, 1, 0),
	    "the same again: unchanged");
	o.conflict = KAG_CONFLICT_SKIP;
	ok(load(s, &o, mem2, 1, &rep) == 1 && stats(&rep.memories, 0, 0, 0, 1),
	    "skip: a null agent and none are one identity, skipped");
	ok(strcmp(rows(s, "SELECT value FROM memories"), "1\n") == 0,
	    "skip kept the stored value");
	o.conflict = KAG_CONFLICT_FAIL;
	ok(load(s, &o, mem2, 1, &rep) == 0 &&
		strcmp(seen.buf,
		    "t:1: memory 'k' of 'u' is in the store with other "
		    "content (--on-conflict fail)\n") == 0,
	    "fail: reported, rolled back: %s", flat(seen.buf));
	ok(load(s, &o, mem1, 1, &rep) == 1,
	    "fail: an identical record is fine");
	o.conflict = KAG_CONFLICT_REPLACE;
	ok(load(s, &o, mem2, 0, &rep) == 0 && stats(&rep.memories, 0, 1, 0, 0),
	    "not committed: counted all the same");
	ok(strcmp(rows(s, "SELECT value FROM memories"), "1\n") == 0,
	    "not committed: the store as it was");
	ok(load(s, &o, mem2, 1, &rep) == 1 &&
		strcmp(rows(s, "SELECT id, value FROM memories"), "1|2\n") == 0,
	    "replace: the same row updated");
	o.user_id = "v";
	o.agent_name = "";
	ok(load(s, &o, mem2, 1, &rep) == 1 && stats(&rep.memories, 1, 0, 0, 0),
	    "owner override: another identity");
	ok(strcmp(rows(s,
		      "SELECT user_id, agent_name FROM memories ORDER BY "
		      "id"),
	       "u|NULL\nv|NULL\n") == 0,
	    "owner override: user v, no agent");
	o.clear = 1;
	o.agent_name = NULL;
	ok(load(s, &o, "", 1, &rep) == 1 && rep.cleared.memories == 1 &&
		strcmp(rows(s, "SELECT user_id FROM memories"), "u\n") == 0,
	    "clear with a user: only that user's memories");
	o.user_id = NULL;
	ok(load(s, &o, graph, 1, &rep) == 1 && rep.cleared.memories == 1 &&
		strcmp(rows(s, "SELECT count(*) FROM memories"), "0\n") == 0,
	    "clear: every memory");
	ok(load(s, &o, mem1, 1, &rep) == 1 && rep.cleared.nodes == 2 &&
		rep.cleared.edges == 2 && rep.cleared.hyperedges == 1 &&
		strcmp(rows(s, "SELECT count(*) FROM kag_nodes"), "0\n") == 0,
	    "clear: the whole graph");
	kag_store_close(s);
}

/* Many new memories go through the writer thread; a duplicate late in
 * the load brings the dropped indexes back in the middle of it. */
static void
test_bulk(void)
{
	struct kag_store *s = store();
	struct kag_buf text = KAG_BUF_INIT, before = KAG_BUF_INIT;
	struct kag_load_report rep;
	const char *q = "SELECT name, sql FROM sqlite_master WHERE type = "
			"'index' ORDER BY name";
	int i;

	ok(load(s, NULL, "", 1, NULL) == 1, "an empty load makes the tables");
	kag_buf_adds(&before, rows(s, q));
	for (i = 0; i < 3000; i++)
		kag_buf_addf(&text,
		    "{\"type\":\"memory\",\"scope\":\"%s\",\"key\":\"k%d\","
		    "\"value\":%d,\"user_id\":\"u%d\",\"x\":%d}\n",
		    i % 2 ? "working" : "persistent", i, i, i % 7, i);
	kag_buf_adds(&text,
	    "{\"type\":\"memory\",\"scope\":\"persistent\",\"key\":\"k0\","
	    "\"value\":\"last\",\"user_id\":\"u0\"}\n");
	ok(load(s, NULL, text.buf, 1, &rep) == 1 &&
		stats(&rep.memories, 3000, 1, 0, 0),
	    "3001 memories: 3000 created, 1 updated");
	ok(strcmp(rows(s,
		      "SELECT (SELECT count(*) FROM memories), (SELECT "
		      "count(*) FROM kag_working), (SELECT count(*) FROM "
		      "kag_memory_extra), (SELECT value FROM memories WHERE "
		      "key = 'k0'), (SELECT extra FROM kag_memory_extra WHERE "
		      "memory_id = 1500)"),
	       "1500|1500|1499|\"last\"|{\"x\":2998}\n") == 0,
	    "rows, extras and the update in place");
	ok(strcmp(rows(s, q), before.buf) == 0,
	    "the indexes made again, statement for statement");
	ok(strcmp(rows(s, "PRAGMA integrity_check"), "ok\n") == 0,
	    "integrity_check");

	ok(load(s, NULL, text.buf, 0, &rep) == 0 &&
		stats(&rep.memories, 0, 2, 2999, 0),
	    "again, not committed: k0 updated twice, the rest unchanged");
	kag_buf_release(&text);
	kag_buf_release(&before);
	kag_store_close(s);
}

/* Trouble on the writer thread reaches the caller; nothing is written. */
static void
test_trouble(void)
{
	struct kag_store *s = store();
	struct kag_buf text = KAG_BUF_INIT;
	int i;

	kag_store_exec(s,
	    "CREATE TABLE memories (id INTEGER PRIMARY KEY AUTOINCREMENT, "
	    "key TEXT NOT NULL CHECK (length(key) < 8), value TEXT NOT NULL, "
	    "user_id TEXT NOT NULL DEFAULT 'default_user', agent_name TEXT, "
	    "created_at TIMESTAMP, updated_at TIMESTAMP, metadata TEXT)");
	for (i = 0; i < 1000; i++)
		kag_buf_addf(&text,
		    "{\"type\":\"memory\",\"scope\":\"persistent\",\"key\":"
		    "\"%s%d\",\"value\":1}\n",
		    i == 600 ? "too long a key " : "k", i);
	ok(load(s, NULL, text.buf, 1, NULL) < 0 &&
		strstr(seen.buf, "CHECK constraint failed") != NULL,
	    "a failing insert is trouble: %s", flat(seen.buf));
	ok(strcmp(rows(s, "SELECT count(*) FROM memories"), "0\n") == 0,
	    "nothing written");
	kag_buf_release(&text);
	kag_store_close(s);
}

static const char doc[] =
    "{\"type\":\"node\",\"id\":\"a\"}\n"
    "{\"type\":\"node\",\"id\":\"b\"}\n"
    "{\"type\":\"edge\",\"id\":\"e\",\"source\":\"a\",\"target\":"
    "\"b\"}\n"
    "{\"type\":\"edge\",\"source\":\"b\",\"target\":\"a\"}\n"
    "{\"type\":\"hyperedge\",\"id\":\"h\",\"nodes\":[\"a\",\"b\","
    "\"zz\"]}\n";

#define GRAPH                                                                  \
	"SELECT id FROM kag_nodes ORDER BY id",                                \
	    "SELECT id, src, dst FROM kag_edges ORDER BY seq",                 \
	    "SELECT hyperedge_id, group_concat(node_id) FROM "                 \
	    "kag_hyperedge_members GROUP BY hyperedge_id ORDER BY 1"

/* The nodes, edges and hyperedges of s, on one line. */
static const char *
graph_of(struct kag_store *s)
{
	static struct kag_buf b = KAG_BUF_INIT;
	static const char *const sql[] = { GRAPH };
	size_t i;

	kag_buf_reset(&b);
	for (i = 0; i < sizeof(sql) / sizeof(*sql); i++)
		kag_buf_addf(&b, "%s%s", i ? "; " : "", flat(rows(s, sql[i])));
	return b.buf;
}

static void
test_document(void)
{
	struct kag_store *s = store();
	struct kag_load_report rep;
	struct kag_load_opts o;
	const char *g;

	memset(&o, 0, sizeof(o));
	document = 1;
	ok(load(s, NULL,
	       "{\"type\":\"node\",\"id\":\"a\"}\n"
	       "{\"type\":\"edge\",\"source\":\"a\",\"target\":\"zz\"}\n"
	       "{\"type\":\"edge\",\"source\":\"yy\",\"target\":\"a\"}\n"
	       "{\"type\":\"edge\",\"source\":\"a\",\"target\":\"a\"}\n",
	       1, &rep) == 1,
	    "a document whose edges name missing nodes: loaded");
	ok(strcmp(seen.buf,
	       "t:2: edge names node 'zz', which is neither in the store nor "
	       "in the load: skipped\n"
	       "t:3: edge names node 'yy', which is neither in the store nor "
	       "in the load: skipped\n") == 0,
	    "those edges skipped with a warning: %s", flat(seen.buf));
	ok(stats(&rep.edges, 1, 0, 0, 2), "counted as skipped");
	document = 0;
	ok(load(s, NULL,
	       "{\"type\":\"edge\",\"source\":\"a\",\"target\":\"zz\"}\n", 1,
	       NULL) == 0 &&
		strstr(seen.buf, "t:1: edge names node 'zz'") != NULL,
	    "in a stream, still a problem: %s", flat(seen.buf));
	kag_store_close(s);

	/* --id-prefix: every id, and every id named. */
	s = store();
	o.id_prefix = "x_";
	ok(load(s, &o, doc, 1, &rep) == 1 && seen.len == 0,
	    "--id-prefix x_: loaded");
	g = graph_of(s);
	ok(strcmp(g,
	       "x_a/x_b/; x_e|x_a|x_b/NULL|x_b|x_a/; x_h|x_a,x_b,x_zz/") == 0,
	    "ids and the ids named prefixed: %s", g);
	ok(load(s, &o, doc, 1, &rep) == 1 && stats(&rep.nodes, 0, 0, 2, 0),
	    "loaded again: the same rows, unchanged");
	kag_store_close(s);

	/* --append: new ids where the old ones are taken. */
	s = store();
	o.id_prefix = NULL;
	o.append = 1;
	ok(load(s, &o, doc, 1, &rep) == 1 && rep.nodes.renamed == 0 &&
		stats(&rep.nodes, 2, 0, 0, 0),
	    "--append into an empty store: the ids kept");
	ok(load(s, &o, doc, 1, &rep) == 1 && rep.nodes.renamed == 2 &&
		rep.edges.renamed == 1 && rep.hyperedges.renamed == 1 &&
		stats(&rep.nodes, 2, 0, 0, 0) && stats(&rep.edges, 2, 0, 0, 0),
	    "again: every node, edge and hyperedge created, renamed");
	ok(load(s, &o, doc, 1, &rep) == 1, "and a third time");
	g = graph_of(s);
	ok(strcmp(g,
	       "a/a-2/a-3/b/b-2/b-3/; e|a|b/NULL|b|a/e-2|a-2|b-2/NULL|b-2|a-2/"
	       "e-3|a-3|b-3/NULL|b-3|a-3/; h|a,b,zz/h-2|a-2,b-2,zz/h-3|a-3,"
	       "b-3,zz/") == 0,
	    "edges and members follow their nodes; others stay: %s", g);
	kag_store_close(s);

	s = store();
	o.id_prefix = "p:";
	ok(load(s, &o, doc, 1, NULL) == 1 && load(s, &o, doc, 1, NULL) == 1,
	    "--append --id-prefix p: twice");
	g = graph_of(s);
	ok(strstr(g,
	       "p:a/p:a-2/p:b/p:b-2/; p:e|p:a|p:b/NULL|p:b|p:a/"
	       "p:e-2|p:a-2|p:b-2/") == g,
	    "the prefix, then a suffix: %s", g);
	kag_store_close(s);

	/* Within an operand only, and in order. */
	s = store();
	o.id_prefix = NULL;
	ok(load(s, &o, "{\"type\":\"node\",\"id\":\"a\"}\n", 1, NULL) == 1,
	    "a stored");
	ok(load(s, &o,
	       "{\"type\":\"node\",\"id\":\"a\"}\n"
	       "operand\n"
	       "{\"type\":\"node\",\"id\":\"b\"}\n"
	       "{\"type\":\"edge\",\"src\":\"a\",\"dst\":\"b\"}\n",
	       1, NULL) == 1,
	    "a renamed in one operand, named in the next");
	g = graph_of(s);
	ok(strcmp(g, "a/a-2/b/; NULL|a|b/; ") == 0,
	    "the next operand's edge names the stored a: %s", g);
	ok(load(s, &o,
	       "{\"type\":\"edge\",\"src\":\"b\",\"dst\":\"b\"}\n"
	       "{\"type\":\"node\",\"id\":\"b\"}\n",
	       1, NULL) == 0,
	    "an edge before a node that --append renames: not loaded");
	ok(strcmp(seen.buf,
	       "t:2: node 'b' comes after an edge that names it, and --append "
	       "gave it the id 'b-2'\n") == 0,
	    "said: %s", flat(seen.buf));
	kag_store_close(s);
}

int
main(void)
{
	test_rows();
	test_graph();
	test_conflicts();
	test_bulk();
	test_trouble();
	test_document();
	kag_buf_release(&seen);
	return tap_done();
}
