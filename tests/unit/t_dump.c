/* t_dump.c: unit tests for compact and canonical JSON, graph.json, rows,
 * dumps and export directories. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "kag.h"
#include "tap.h"

static char tmpdir[256];
static struct kag_buf diags = KAG_BUF_INIT; /* "file:line: msg\n"... */
static int ndiags;

static void
diag(void *ctx, const struct kag_diag *d)
{
	(void)ctx;
	ndiags++;
	kag_buf_addf(&diags, "%s:%ju: %s\n", d->file, d->line, d->msg);
}

static void
cleardiags(void)
{
	kag_buf_reset(&diags);
	kag_buf_add(&diags, "", 0);
	ndiags = 0;
}

/* tmpdir/name, in a static buffer. */
static const char *
tmp(const char *name)
{
	static char path[2][512];
	static int k;

	k = !k;
	snprintf(path[k], sizeof(path[k]), "%s/%s", tmpdir, name);
	return path[k];
}

static void
writefile(const char *path, const char *s)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fputs(s, f) == EOF || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

static char *
slurp(const char *path)
{
	struct kag_buf b = KAG_BUF_INIT;
	char buf[4096];
	size_t k;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
		kag_buf_add(&b, buf, k);
	fclose(f);
	return kag_buf_detach(&b, NULL);
}

/* The names in dir, sorted, space-separated, in a static buffer. */
static const char *
listdir(const char *dir)
{
	static char out[1024];
	char names[32][256];
	struct dirent *e;
	DIR *dp;
	int n = 0, i, k;

	out[0] = '\0';
	if ((dp = opendir(dir)) == NULL)
		return "(none)";
	while ((e = readdir(dp)) != NULL && n < 32)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
	closedir(dp);
	qsort(names, (size_t)n, sizeof(names[0]),
	    (int (*)(const void *, const void *))strcmp);
	for (i = 0, k = 0; i < n; i++)
		k += snprintf(out + k, sizeof(out) - (size_t)k, "%s%s",
		    i ? " " : "", names[i]);
	return out;
}

/* --- kag_json_compact and kag_json_canonical ------------------------- */

static const char *
compact(const char *s, int t)
{
	static struct kag_buf out = KAG_BUF_INIT;
	struct kag_json *j = kag_json_new();

	kag_buf_reset(&out);
	if (kag_json_parse(j, s, strlen(s), KAG_JSON_NONFINITE) < 0)
		kag_buf_adds(&out, "(invalid)");
	else
		kag_json_compact(j, t, &out);
	kag_json_free(j);
	return out.buf != NULL ? out.buf : "";
}

static const char *
canonical(const char *s)
{
	static struct kag_buf out = KAG_BUF_INIT;
	struct kag_json *j = kag_json_new();

	kag_buf_reset(&out);
	if (kag_json_parse(j, s, strlen(s), KAG_JSON_NONFINITE) < 0)
		kag_buf_adds(&out, "(invalid)");
	else
		kag_json_canonical(j, 0, &out);
	kag_json_free(j);
	return out.buf != NULL ? out.buf : "";
}

static void
test_compact(void)
{
	struct kag_buf deep = KAG_BUF_INIT, want = KAG_BUF_INIT;
	int i;

	ok(strcmp(compact("{\n  \"a\" : [ 1 ,\t2 ],\r\n  \"b\": \"x y\\\" "
			  "z\"\n}",
		      0),
	       "{\"a\":[1,2],\"b\":\"x y\\\" z\"}") == 0,
	    "compact: pretty JSON on one line, strings untouched");
	ok(strcmp(compact("[\"a b\", {\"k\": \" v \\\\\"}]", 1), "\"a b\"") ==
		0,
	    "compact: a string token with its quotes");
	ok(strcmp(compact("[\"a b\", {\"k\": \" v \\\\\"}]", 2),
	       "{\"k\":\" v \\\\\"}") == 0,
	    "compact: an escaped backslash before a closing quote");
	ok(strcmp(compact("  -1.5e3 \n", 0), "-1.5e3") == 0,
	    "compact: a number as written, without the spaces around it");
	ok(strcmp(compact("[NaN, -Infinity, \"\\u00e9\"]", 0),
	       "[NaN,-Infinity,\"\\u00e9\"]") == 0,
	    "compact: NaN kept, escapes kept");
	for (i = 0; i < 200; i++)
		kag_buf_adds(&deep, "[ ");
	for (i = 0; i < 200; i++)
		kag_buf_adds(&deep, "]\n");
	for (i = 0; i < 200; i++)
		kag_buf_addc(&want, '[');
	for (i = 0; i < 200; i++)
		kag_buf_addc(&want, ']');
	ok(strcmp(compact(deep.buf, 0), want.buf) == 0,
	    "compact: deep nesting");

	ok(strcmp(canonical("{\"k\\u0041\": \"caf\\u00e9\", \"n\": 1.50, "
			    "\"x\": [NaN, true, null, {}, []], \"e\": "
			    "\"\\n\\/\"}"),
	       "{\"kA\":\"café\",\"n\":1.50,\"x\":[NaN,true,null,{},[]],"
	       "\"e\":\"\\n/\"}") == 0,
	    "canonical: strings decoded, numbers as written, no spaces");
	ok(strcmp(canonical("{\"b\": 1, \"a\": {\"d\": [1, [2]], \"c\": 2}}"),
	       "{\"b\":1,\"a\":{\"d\":[1,[2]],\"c\":2}}") == 0,
	    "canonical: keys in their order, containers closed in order");
	ok(strcmp(canonical("[\"\\ud83d\\ude80\", \"\\u0000\"]"),
	       "[\"🚀\",\"\\u0000\"]") == 0,
	    "canonical: a surrogate pair decoded, NUL escaped");
	ok(strcmp(canonical("\"x\""), canonical(" \"\\u0078\" ")) == 0,
	    "canonical: two spellings of one string compare equal");
	ok(strcmp(canonical(deep.buf), want.buf) == 0,
	    "canonical: deep nesting");
	kag_buf_release(&deep);
	kag_buf_release(&want);
}

/* --- graph.json ------------------------------------------------------ */

/* The records of graph.json text s, nodes then edges, one per line. */
static const char *
graph(const char *s)
{
	static struct kag_buf out = KAG_BUF_INIT;
	struct kag_graphjson *g;
	const char *line;
	size_t len;

	writefile(tmp("graph.json"), s);
	cleardiags();
	kag_buf_reset(&out);
	if ((g = kag_graphjson_open(tmp("graph.json"), diag, NULL)) == NULL)
		return "(null)";
	while (kag_graphjson_next(g, KAG_REC_NODE, &line, &len) > 0) {
		kag_buf_add(&out, line, len);
		kag_buf_addc(&out, '\n');
	}
	while (kag_graphjson_next(g, KAG_REC_EDGE, &line, &len) > 0) {
		kag_buf_add(&out, line, len);
		kag_buf_addc(&out, '\n');
	}
	kag_graphjson_free(g);
	return out.buf != NULL ? out.buf : "";
}

static void
test_graphjson(void)
{
	struct kag_graphjson *g;
	const char *line, *got;
	size_t len;

	got = graph("{\"directed\": true, \"multigraph\": false, "
		    "\"graph\": {},\n"
		    "\"nodes\": [{\"name\": \"n\\u00e9\", \"type\": "
		    "\"topic\",\n \"id\": \"t\\u00e9\"},\n"
		    "{\"id\": \"u\", \"tags\": [\n1,\n2]}],\n"
		    "\"links\": [{\"type\": \"about\", \"weight\": 0.5, "
		    "\"w\": null, \"source\": \"u\", \"target\": "
		    "\"t\\u00e9\"},\n{\"source\": \"t\\u00e9\", "
		    "\"target\": \"u\"}]}\n");
	ok(strcmp(got,
	       "{\"type\":\"node\",\"id\":\"té\",\"node_type\":\"topic\","
	       "\"data\":{\"name\":\"n\\u00e9\"}}\n"
	       "{\"type\":\"node\",\"id\":\"u\",\"node_type\":null,"
	       "\"data\":{\"tags\":[1,2]}}\n"
	       "{\"type\":\"edge\",\"src\":\"u\",\"dst\":\"té\","
	       "\"rel_type\":\"about\",\"weight\":0.5,\"data\":{\"w\":null}}\n"
	       "{\"type\":\"edge\",\"src\":\"té\",\"dst\":\"u\","
	       "\"rel_type\":null,\"weight\":1.0,\"data\":{}}\n") == 0 &&
		ndiags == 0,
	    "graph.json: Kagura's records, compact, ids decoded");
	got = graph("{\"nodes\": [{\"id\": 7, \"type\": 3}], \"edges\": "
		    "[{\"source\": 7, \"target\": [1], \"weight\": "
		    "\"x\"}]}");
	ok(strcmp(got,
	       "{\"type\":\"node\",\"id\":\"7\",\"node_type\":null,"
	       "\"data\":{\"type\":3}}\n"
	       "{\"type\":\"edge\",\"src\":\"7\",\"dst\":\"[1]\","
	       "\"rel_type\":null,\"weight\":1.0,\"data\":{\"weight\":\"x\"}}"
	       "\n") == 0,
	    "graph.json: ids that are not strings, \"edges\" for \"links\", "
	    "a type and a weight of other types kept in data");
	got = graph("{\"nodes\": [{\"id\": \"a\", \"s\": NaN}], "
		    "\"links\": []}");
	ok(strcmp(got,
	       "{\"type\":\"node\",\"id\":\"a\",\"node_type\":null,"
	       "\"data\":{\"s\":\"NaN\"}}\n") == 0 &&
		ndiags == 1 &&
		strstr(diags.buf,
		    ":1: node 'a': NaN or Infinity in 's' (written as a "
		    "string)") != NULL,
	    "graph.json: NaN reported and written as a string (%d)", ndiags);
	got = graph("{\"nodes\": [1, {\"x\": 1},\n{\"id\": \"ok\"}], "
		    "\"links\": [{\"source\": \"ok\"},\n{\"source\": "
		    "\"ok\", \"target\": \"ok\"}]}");
	ok(strcmp(got,
	       "{\"type\":\"node\",\"id\":\"ok\",\"node_type\":null,"
	       "\"data\":{}}\n"
	       "{\"type\":\"edge\",\"src\":\"ok\",\"dst\":\"ok\","
	       "\"rel_type\":null,\"weight\":1.0,\"data\":{}}\n") == 0 &&
		ndiags == 3 &&
		strstr(diags.buf, ":1: node is not an object\n") != NULL &&
		strstr(diags.buf, ":1: node without 'id'\n") != NULL &&
		strstr(diags.buf, ":2: link without 'source' or 'target'\n") !=
		    NULL,
	    "graph.json: bad elements reported with their line, skipped "
	    "(%d)",
	    ndiags);
	got = graph("{\n\n\"nodes\": [\n{\"id\": \"a\",]}");
	ok(strcmp(got, "") == 0 && ndiags == 1 &&
		strstr(diags.buf, ":4: invalid JSON") != NULL,
	    "graph.json: invalid JSON reported at its line (%d)", ndiags);
	got = graph("[]");
	ok(strcmp(got, "") == 0 && ndiags == 1 &&
		strstr(diags.buf, ":0: not node-link JSON: no 'nodes' array") !=
		    NULL,
	    "graph.json: not node-link JSON");
	got = graph("");
	ok(strcmp(got, "") == 0 && ndiags == 1,
	    "graph.json: an empty file is invalid JSON");
	graph("{\"nodes\": [{\"id\": \"a\"}], \"links\": [{\"source\": "
	      "\"a\", \"target\": \"a\"}]}");
	g = kag_graphjson_open(tmp("graph.json"), diag, NULL);
	ok(g != NULL && kag_graphjson_next(g, KAG_REC_EDGE, &line, &len) == 1 &&
		strncmp(line, "{\"type\":\"edge\"", 14) == 0 &&
		kag_graphjson_next(g, KAG_REC_EDGE, &line, &len) == 0 &&
		kag_graphjson_next(g, KAG_REC_NODE, &line, &len) == 1 &&
		kag_graphjson_next(g, KAG_REC_HYPEREDGE, &line, &len) == 0,
	    "graph.json: nodes and edges taken each in their own order");
	kag_graphjson_free(g);
	errno = 0;
	ok(kag_graphjson_open(tmp("missing.json"), diag, NULL) == NULL &&
		errno == ENOENT,
	    "graph.json: a missing file is NULL with ENOENT");
	unlink(tmp("graph.json"));
}

/* --- kag_rows -------------------------------------------------------- */

static void
test_rows(void)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	struct kag_rows *r;
	const char *s;
	char want[64];
	size_t n;
	int i, bad = 0, rc;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		exit(2);
	sqlite3_exec(db,
	    "CREATE TABLE t (i INTEGER PRIMARY KEY, s TEXT);"
	    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
	    "WHERE i < 5000) INSERT INTO t SELECT i, CASE WHEN i % 5 = 0 "
	    "THEN NULL WHEN i % 11 = 0 THEN '' WHEN i % 7 = 0 THEN "
	    "CAST('a' || char(0) || i AS TEXT) ELSE printf('row %d', i) END "
	    "FROM c",
	    NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "SELECT i, s FROM t ORDER BY i", -1, &st, NULL);
	r = kag_rows_new(st, 2, NULL, NULL);
	for (i = 1; (rc = kag_rows_next(r)) == 1; i++) {
		s = kag_rows_text(r, 0, &n);
		snprintf(want, sizeof(want), "%d", i);
		if (s == NULL || strcmp(s, want) != 0)
			bad++;
		s = kag_rows_text(r, 1, &n);
		if (i % 5 == 0)
			bad += s != NULL;
		else if (i % 11 == 0)
			bad += s == NULL || n != 0 || *s != '\0';
		else if (i % 7 == 0)
			bad += s == NULL ||
			    n !=
				2 +
				    (size_t)snprintf(
					want, sizeof(want), "%d", i) ||
			    s[0] != 'a' || s[1] != '\0' ||
			    memcmp(s + 2, want, n - 2) != 0 || s[n] != '\0';
		else
			bad += s == NULL ||
			    n !=
				(size_t)snprintf(
				    want, sizeof(want), "row %d", i) ||
			    memcmp(s, want, n) != 0;
	}
	ok(rc == 0 && i == 5001 && bad == 0,
	    "rows: 5000 rows over several batches, NULLs, empty texts and "
	    "NULs kept (rc %d, %d rows, %d bad)",
	    rc, i - 1, bad);
	ok(kag_rows_next(r) == 0, "rows: the end stays the end");
	kag_rows_free(r);
	sqlite3_finalize(st);

	sqlite3_prepare_v2(db,
	    "SELECT i, json(CASE WHEN i = 3000 THEN 'bad' ELSE '1' END) FROM t "
	    "ORDER BY i",
	    -1, &st, NULL);
	r = kag_rows_new(st, 2, NULL, NULL);
	for (i = 0; (rc = kag_rows_next(r)) == 1; i++)
		;
	ok(rc == -1 && i == 2999 && strstr(kag_rows_errmsg(r), "JSON") != NULL,
	    "rows: the rows before a failing step, then -1 and SQLite's "
	    "message (%d rows: %s)",
	    i, kag_rows_errmsg(r));
	ok(kag_rows_next(r) == -1, "rows: a failure stays a failure");
	kag_rows_free(r);
	sqlite3_finalize(st);

	sqlite3_prepare_v2(db, "SELECT i FROM t", -1, &st, NULL);
	r = kag_rows_new(st, 1, NULL, NULL);
	ok(kag_rows_next(r) == 1 && kag_rows_next(r) == 1,
	    "rows: freed after two rows of many");
	kag_rows_free(r);
	sqlite3_finalize(st);
	kag_rows_free(NULL);
	sqlite3_close(db);
}

/* --- kag_dump -------------------------------------------------------- */

/* A store at path made of sql run after kag_store_ensure(). */
static void
mkstore(const char *path, const char *sql)
{
	struct kag_buf err = KAG_BUF_INIT;
	struct kag_store *s;

	unlink(path);
	s = kag_store_open(path, KAG_STORE_WRITE, 1000, &err);
	if (s == NULL || kag_store_begin(s) < 0 || kag_store_ensure(s) < 0 ||
	    kag_store_exec(s, sql) < 0 || kag_store_commit(s) < 0) {
		printf("# cannot make %s: %s%s\n", path, err.buf,
		    s != NULL ? kag_store_errmsg(s) : "");
		exit(2);
	}
	kag_store_close(s);
	kag_buf_release(&err);
}

/* What dump() does to the dump before it reads it, when not NULL. */
static void (*restrict_dump)(struct kag_dump *d, struct kag_store *s);

/*
 * Dump the store at path with flags, the selection sel ("u:alice" or
 * "a:global", NULL-terminated) and stamp; the lines, each with its type's
 * first letter and a space before it, in a static buffer.  *rcp gets
 * what the last kag_dump_next() returned.
 */
static const char *
dump(const char *path, unsigned flags, const char *const *sel,
    const char *stamp, int *rcp)
{
	static struct kag_buf out = KAG_BUF_INIT;
	struct kag_buf err = KAG_BUF_INIT;
	struct kag_store *s;
	struct kag_dump *d;
	enum kag_type t;
	const char *line;
	size_t len;
	int rc;

	cleardiags();
	kag_buf_reset(&out);
	s = kag_store_open(path, 0, 1000, &err);
	if (s == NULL || kag_store_begin(s) < 0) {
		printf("# cannot open %s: %s\n", path, err.buf);
		exit(2);
	}
	d = kag_dump_new(s, "S", flags, diag, NULL);
	if (restrict_dump != NULL)
		restrict_dump(d, s);
	for (; sel != NULL && *sel != NULL; sel++)
		kag_dump_select(d,
		    **sel == 'u' ? KAG_MATCH_USER_ID : KAG_MATCH_AGENT_NAME,
		    *sel + 2);
	if (stamp != NULL)
		kag_dump_exported_at(d, stamp);
	while ((rc = kag_dump_next(d, &t, &line, &len)) > 0) {
		kag_buf_addc(&out, kag_type_name(t)[0]);
		kag_buf_addc(&out, ' ');
		kag_buf_add(&out, line, len);
		kag_buf_addc(&out, '\n');
	}
	if (rc < 0)
		kag_buf_addf(&out, "error: %s\n", kag_dump_errmsg(d));
	if (rcp != NULL)
		*rcp = rc;
	kag_dump_free(d);
	kag_store_close(s);
	kag_buf_release(&err);
	return out.buf != NULL ? out.buf : "";
}

static const char rows[] =
    "INSERT INTO memories (id, key, value, user_id, agent_name, "
    "created_at, updated_at, metadata) VALUES "
    "(1, 'k1', '{\"a\": 1}', 'alice', 'global', '2026-01-01 00:00:00', "
    "'2026-01-01 00:00:00', NULL),"
    "(2, 'k' || char(0) || '2', '\"v\"', 'bob', NULL, NULL, NULL, "
    "'{\"m\": [1,\n2]}'),"
    "(3, 'k3', 'oops', 'alice', NULL, NULL, NULL, NULL);"
    "INSERT INTO kag_memory_extra VALUES (1, '{\"x\":1}');"
    "INSERT INTO kag_working (id, key, value, user_id, agent_name, extra) "
    "VALUES (1, 'w', '2', 'bob', 'global', NULL);"
    "INSERT INTO kag_nodes (id, node_type, data) VALUES "
    "('na', 'person', '{\"user_id\":\"alice\"}'), ('nb', NULL, "
    "'{\"user_id\":\"bob\"}'), ('nt', 'topic', NULL);"
    "INSERT INTO kag_edges (seq, src, dst, rel_type, weight) VALUES "
    "(1, 'na', 'nt', 'r', '0.5'), (2, 'nb', 'nt', NULL, NULL), "
    "(3, 'na', 'nb', 'r', NULL);"
    "INSERT INTO kag_hyperedges (id) VALUES ('h');"
    "INSERT INTO kag_hyperedge_members VALUES ('h', 1, 'nt'), "
    "('h', 0, 'nb');";

static void
test_dump(void)
{
	const char *alice[] = { "u:alice", NULL };
	const char *noagent[] = { "a:", NULL };
	const char *two[] = { "u:alice", "u:bob", "a:global", NULL };
	const char *db = tmp("store.db");
	const char *stamp = ",\"exported_at\":\"2026-01-01T00:00:00Z\"}";
	const char *got;
	struct kag_store *s;
	struct kag_dump *d;
	enum kag_type t;
	const char *line;
	size_t len;
	int rc, i;

	mkstore(db, rows);
	got = dump(db, 0, NULL, NULL, &rc);
	ok(strcmp(got,
	       "m {\"type\":\"memory\",\"scope\":\"working\",\"key\":\"w\","
	       "\"value\":2,\"user_id\":\"bob\",\"agent_name\":\"global\","
	       "\"created_at\":null,\"updated_at\":null,\"metadata\":null}\n"
	       "m {\"type\":\"memory\",\"scope\":\"persistent\",\"key\":"
	       "\"k1\",\"value\":{\"a\": 1},\"user_id\":\"alice\","
	       "\"agent_name\":\"global\",\"created_at\":\"2026-01-01 "
	       "00:00:00\",\"updated_at\":\"2026-01-01 00:00:00\","
	       "\"metadata\":null,\"x\":1}\n"
	       "m {\"type\":\"memory\",\"scope\":\"persistent\",\"key\":"
	       "\"k\\u00002\",\"value\":\"v\",\"user_id\":\"bob\","
	       "\"agent_name\":null,\"created_at\":null,\"updated_at\":null,"
	       "\"metadata\":{\"m\":[1,2]}}\n"
	       "m {\"type\":\"memory\",\"scope\":\"persistent\",\"key\":"
	       "\"k3\",\"value\":\"oops\",\"user_id\":\"alice\","
	       "\"agent_name\":null,\"created_at\":null,\"updated_at\":null,"
	       "\"metadata\":null}\n"
	       "n {\"type\":\"node\",\"id\":\"na\",\"node_type\":\"person\","
	       "\"data\":{\"user_id\":\"alice\"}}\n"
	       "n {\"type\":\"node\",\"id\":\"nb\",\"node_type\":null,"
	       "\"data\":{\"user_id\":\"bob\"}}\n"
	       "n {\"type\":\"node\",\"id\":\"nt\",\"node_type\":\"topic\","
	       "\"data\":{}}\n"
	       "e {\"type\":\"edge\",\"src\":\"na\",\"dst\":\"nt\","
	       "\"rel_type\":\"r\",\"weight\":0.5,\"data\":{}}\n"
	       "e {\"type\":\"edge\",\"src\":\"nb\",\"dst\":\"nt\","
	       "\"rel_type\":null,\"weight\":1.0,\"data\":{}}\n"
	       "e {\"type\":\"edge\",\"src\":\"na\",\"dst\":\"nb\","
	       "\"rel_type\":\"r\",\"weight\":1.0,\"data\":{}}\n"
	       "h {\"type\":\"hyperedge\",\"id\":\"h\",\"nodes\":[\"nb\","
	       "\"nt\"]}\n") == 0 &&
		rc == 0,
	    "dump: every table in order, NUL in a key, extra fields, "
	    "metadata made compact, defaults for NULL");
	ok(ndiags == 1 &&
		strcmp(diags.buf,
		    "S:0: row 3 (key 'k3'): invalid JSON in 'value': invalid "
		    "literal 'oops' (column 1)\n") == 0,
	    "dump: an invalid cell reported with its row and key (%d)", ndiags);

	got = dump(db, 0, alice, NULL, &rc);
	ok(strstr(got, "\"key\":\"k1\"") != NULL &&
		strstr(got, "\"key\":\"k3\"") != NULL &&
		strstr(got, "\"bob\"") == NULL &&
		strstr(got, "\"id\":\"nt\"") != NULL &&
		strstr(got, "\"src\":\"na\",\"dst\":\"nt\"") != NULL &&
		strstr(got, "\"dst\":\"nb\"") == NULL &&
		strstr(got, "\"id\":\"h\"") != NULL && rc == 0,
	    "dump --user-id alice: her memories, her nodes and those of no "
	    "one, edges between them, hyperedges with one of them");
	got = dump(
	    db, KAG_DUMP_NO_GRAPH | KAG_DUMP_NO_WORKING, noagent, NULL, &rc);
	ok(strncmp(got, "m ", 2) == 0 &&
		strstr(got, "\"key\":\"k1\"") == NULL &&
		strstr(got, "k\\u00002") != NULL &&
		strstr(got, "\"key\":\"k3\"") != NULL &&
		strstr(got, "\"node\"") == NULL &&
		strstr(got, "\"working\"") == NULL,
	    "dump --agent-name '': memories without an agent; no graph, no "
	    "working");
	got = dump(db, KAG_DUMP_NO_PERSISTENT, two, NULL, &rc);
	ok(strstr(got, "\"scope\":\"working\"") != NULL &&
		strstr(got, "\"persistent\"") == NULL &&
		strstr(got, "\"id\":\"nb\"") != NULL,
	    "dump: two users and an agent, no persistent memories");
	got = dump(db, 0, NULL, "2026-01-01T00:00:00Z", &rc);
	len = strlen(stamp);
	for (i = 0, line = got; (line = strchr(line, '\n')) != NULL; line++)
		i += strncmp(line - len, stamp, len) == 0;
	ok(i == 11, "dump: every record ends with exported_at (%d of 11)", i);

	/* A dump let go of in the middle of many rows. */
	mkstore(db,
	    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
	    "WHERE i < 20000) INSERT INTO memories (key, value) SELECT 'k' || "
	    "i, i FROM c");
	got = dump(db, 0, NULL, NULL, &rc);
	ok(rc == 0 && strlen(got) > 20000 * 100 &&
		strstr(got,
		    "\"key\":\"k20000\",\"value\":20000,\"user_id\":"
		    "\"default_user\"") != NULL,
	    "dump: 20000 rows");
	s = kag_store_open(db, 0, 1000, NULL);
	kag_store_begin(s);
	d = kag_dump_new(s, "S", 0, NULL, NULL);
	ok(kag_dump_next(d, &t, &line, &len) == 1 && t == KAG_REC_MEMORY,
	    "dump: the first of many rows");
	kag_dump_free(d);
	kag_store_close(s);

	unlink(db);
	if ((s = kag_store_open(db, KAG_STORE_WRITE, 1000, NULL)) == NULL)
		exit(2);
	kag_store_exec(s, "CREATE TABLE notes (x)");
	kag_store_close(s);
	got = dump(db, 0, NULL, NULL, &rc);
	ok(rc == -1 &&
		strcmp(got,
		    "error: no 'memories' table: not a Kagura store\n") == 0,
	    "dump: a database with tables but not Kagura's");
	unlink(db);
	if ((s = kag_store_open(db, KAG_STORE_WRITE, 1000, NULL)) == NULL)
		exit(2);
	kag_store_close(s);
	got = dump(db, 0, NULL, NULL, &rc);
	ok(rc == 0 && strcmp(got, "") == 0,
	    "dump: a database without tables is an empty store");
	unlink(db);
}

static struct kag_set *within_set;
static struct kag_buf within_ids = KAG_BUF_INIT;
static struct kag_store *twin;
static int ahead_rc;

/* Memories 1 and 3, working memory none, nodes na and nt, no edge, no
 * hyperedge. */
static void
only_some(struct kag_dump *d, struct kag_store *s)
{
	static const int64_t some[] = { 1, 3 };

	(void)s;
	kag_dump_only(d, "memories", some, 2);
	kag_dump_only(d, "kag_working", NULL, 0);
	kag_dump_only(d, "kag_nodes", some, 2);
	kag_dump_only(d, "kag_edges", NULL, 0);
	kag_dump_only(d, "kag_hyperedges", NULL, 0);
}

/* The edges within within_set. */
static void
edges_within(struct kag_dump *d, struct kag_store *s)
{
	(void)s;
	kag_dump_edges_within(d, within_set, within_ids.buf, within_ids.len);
}

/* The same, with the edges read ahead on a twin of the store. */
static void
edges_ahead(struct kag_dump *d, struct kag_store *s)
{
	edges_within(d, s);
	twin = kag_store_twin(s);
	ahead_rc = twin == NULL ? -2 : kag_dump_ahead(d, twin, "kag_edges");
}

/* within_set and within_ids: the node ids ids (NULL-terminated). */
static void
within(const char *const *ids)
{
	kag_set_free(within_set);
	within_set = kag_set_new();
	kag_buf_reset(&within_ids);
	kag_buf_addc(&within_ids, '[');
	for (; *ids != NULL; ids++) {
		kag_set_add(within_set, *ids, strlen(*ids));
		kag_buf_add_json_string(&within_ids, *ids, strlen(*ids));
		kag_buf_addc(&within_ids, ids[1] != NULL ? ',' : ']');
	}
}

/* The lines of type c (its first letter) of a dump() output, each
 * followed by "|". */
static const char *
lines_of(const char *got, int c)
{
	static struct kag_buf b = KAG_BUF_INIT;
	const char *nl;

	kag_buf_reset(&b);
	kag_buf_add(&b, "", 0);
	for (; (nl = strchr(got, '\n')) != NULL; got = nl + 1)
		if (*got == c) {
			kag_buf_add(&b, got + 2, (size_t)(nl - got - 2));
			kag_buf_addc(&b, '|');
		}
	return b.buf;
}

static void
test_restrict(void)
{
	static const char *const ends[] = { "na", "nt", NULL };
	static const char *const all[] = { "nt", "na", "nb", NULL };
	const char *db = tmp("store.db"), *got;
	char *full, *edges;
	struct kag_buf err = KAG_BUF_INIT;
	struct kag_store *s, *w;
	struct kag_dump *d;
	int rc;

	mkstore(db, rows);
	full = kag_xstrdup(dump(db, 0, NULL, NULL, &rc));
	restrict_dump = only_some;
	got = dump(db, 0, NULL, NULL, &rc);
	ok(rc == 0 &&
		strcmp(lines_of(got, 'm'),
		    "{\"type\":\"memory\",\"scope\":\"persistent\",\"key\":"
		    "\"k1\",\"value\":{\"a\": 1},\"user_id\":\"alice\","
		    "\"agent_name\":\"global\",\"created_at\":\"2026-01-01 "
		    "00:00:00\",\"updated_at\":\"2026-01-01 00:00:00\","
		    "\"metadata\":null,\"x\":1}|"
		    "{\"type\":\"memory\",\"scope\":\"persistent\",\"key\":"
		    "\"k3\",\"value\":\"oops\",\"user_id\":\"alice\","
		    "\"agent_name\":null,\"created_at\":null,\"updated_at\":"
		    "null,\"metadata\":null}|") == 0 &&
		strcmp(lines_of(got, 'n'),
		    "{\"type\":\"node\",\"id\":\"na\",\"node_type\":"
		    "\"person\",\"data\":{\"user_id\":\"alice\"}}|"
		    "{\"type\":\"node\",\"id\":\"nt\",\"node_type\":"
		    "\"topic\",\"data\":{}}|") == 0 &&
		strcmp(lines_of(got, 'e'), "") == 0 &&
		strcmp(lines_of(got, 'h'), "") == 0,
	    "dump only: the rows of the rowids given, in order, nothing of "
	    "a table given none");

	within(ends);
	restrict_dump = edges_within;
	got = dump(db, 0, NULL, NULL, &rc);
	ok(rc == 0 &&
		strcmp(lines_of(got, 'e'),
		    "{\"type\":\"edge\",\"src\":\"na\",\"dst\":\"nt\","
		    "\"rel_type\":\"r\",\"weight\":0.5,\"data\":{}}|") == 0 &&
		strcmp(lines_of(got, 'n'), lines_of(full, 'n')) == 0,
	    "dump edges within {na, nt}: the edge between them alone; the "
	    "other tables whole");
	within(all);
	got = dump(db, 0, NULL, NULL, &rc);
	edges = kag_xstrdup(lines_of(full, 'e'));
	ok(rc == 0 && strcmp(lines_of(got, 'e'), edges) == 0,
	    "dump edges within every node: every edge, in the table's order");
	restrict_dump = edges_ahead;
	got = dump(db, 0, NULL, NULL, &rc);
	ok(rc == 0 && ahead_rc == 0 && strcmp(got, full) == 0,
	    "dump edges within every node, read ahead on a twin: the same "
	    "dump (%d)",
	    ahead_rc);
	kag_store_close(twin);
	within(ends);
	got = dump(db, KAG_DUMP_NO_PERSISTENT, NULL, NULL, &rc);
	ok(rc == 0 && ahead_rc == 0 && strstr(got, "\"persistent\"") == NULL &&
		strcmp(lines_of(got, 'e'),
		    "{\"type\":\"edge\",\"src\":\"na\",\"dst\":\"nt\","
		    "\"rel_type\":\"r\",\"weight\":0.5,\"data\":{}}|") == 0,
	    "dump edges within {na, nt}, read ahead: the edge between them");
	kag_store_close(twin);
	restrict_dump = NULL;

	s = kag_store_open(db, 0, 1000, &err);
	d = kag_dump_new(s, "S", 0, NULL, NULL);
	ok(kag_dump_only(d, "nosuch", NULL, 0) == -1 &&
		kag_dump_ahead(d, s, "kag_hyperedges") == -1 &&
		kag_dump_ahead(d, s, "nosuch") == -1,
	    "dump only, ahead: refused for a table that is not read so");
	kag_dump_free(d);
	ok(kag_store_twin(s) == NULL,
	    "twin: none for a reader outside a transaction");
	kag_store_begin(s);
	w = kag_store_twin(s);
	ok(w != NULL, "twin: one for a reader in a read transaction");
	kag_store_close(w);
	kag_store_close(s);

	/* A writer waiting to commit holds the file against new readers. */
	s = kag_store_open(db, 0, 1000, &err);
	kag_store_begin(s);
	w = kag_store_open(db, KAG_STORE_WRITE, 0, &err);
	rc = kag_store_begin(w) == 0 &&
	    kag_store_exec(w, "DELETE FROM kag_nodes") == 0 &&
	    kag_store_commit(w) < 0;
	ok(rc && kag_store_twin(s) == NULL,
	    "twin: none while a writer waits to commit");
	kag_store_close(w);
	kag_store_close(s);

	s = kag_store_open(db, KAG_STORE_WRITE, 1000, &err);
	kag_store_exec(s, "PRAGMA journal_mode = WAL");
	kag_store_close(s);
	s = kag_store_open(db, 0, 1000, &err);
	kag_store_begin(s);
	ok(kag_store_twin(s) == NULL, "twin: none for a WAL store");
	kag_store_close(s);

	kag_set_free(within_set);
	kag_buf_release(&within_ids);
	kag_buf_release(&err);
	free(full);
	free(edges);
	unlink(db);
}

/* Strings are escaped eight bytes at a time where they can be: every
 * byte that needs escaping, at every offset of strings of every length
 * up to 24, must come out as kag_buf_add_json_string() writes it. */
static void
test_escape(void)
{
	static const char special[] = "\0\1\b\t\n\f\r\x1f\"\\\x7f\xc3";
	struct kag_buf sql = KAG_BUF_INIT, want = KAG_BUF_INIT;
	struct kag_buf key = KAG_BUF_INIT;
	const char *db = tmp("escape.db"), *got, *at;
	size_t len, off, c, bad = 0, n = 0;
	int rc;

	kag_buf_adds(&sql, "INSERT INTO memories (key, value) VALUES ");
	for (len = 1; len <= 24; len++)
		for (off = 0; off < len; off++)
			for (c = 0; c < sizeof(special) - 1; c++) {
				kag_buf_addf(&sql,
				    "%s(substr('abcdefghijklmnopqrstuvwx', "
				    "1, %zu) || char(%d) || substr("
				    "'ABCDEFGHIJKLMNOPQRSTUVWX', 1, %zu), 1)",
				    n++ ? ", " : "", off,
				    (unsigned char)special[c], len - off - 1);
			}
	mkstore(db, sql.buf);
	got = dump(db, KAG_DUMP_NO_GRAPH, NULL, NULL, &rc);
	at = got;
	for (len = 1; len <= 24; len++)
		for (off = 0; off < len; off++)
			for (c = 0; c < sizeof(special) - 1; c++) {
				kag_buf_reset(&key);
				kag_buf_add(
				    &key, "abcdefghijklmnopqrstuvwx", off);
				if (special[c] == '\xc3')
					kag_buf_add(&key, "\xc3\x83", 2);
				else
					kag_buf_addc(&key, special[c]);
				kag_buf_add(&key, "ABCDEFGHIJKLMNOPQRSTUVWX",
				    len - off - 1);
				kag_buf_reset(&want);
				kag_buf_adds(&want, "\"key\":");
				kag_buf_add_json_string(
				    &want, key.buf, key.len);
				kag_buf_adds(&want, ",\"value\":1,");
				if (at == NULL ||
				    (at = strstr(at, want.buf)) == NULL)
					bad++;
				else
					at += want.len;
			}
	ok(rc == 0 && bad == 0 && n == 3600,
	    "escape: %zu keys as kag_buf_add_json_string writes them (%zu "
	    "not)",
	    n, bad);
	kag_buf_release(&sql);
	kag_buf_release(&want);
	kag_buf_release(&key);
	unlink(db);
}

/* The hook's marks: -1 where the worker left the row, else its value. */
static int
square(void *ctx, const char *const *cell, const size_t *len)
{
	(void)ctx;
	(void)len;
	return atoi(cell[0]) % 1000;
}

static void
test_hook(void)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	struct kag_rows *r;
	const char *s;
	size_t n;
	int i, mark, bad = 0, ran = 0;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		exit(2);
	sqlite3_exec(db,
	    "CREATE TABLE t (i INTEGER PRIMARY KEY);"
	    "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
	    "WHERE i < 20000) INSERT INTO t SELECT i FROM c",
	    NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "SELECT i FROM t ORDER BY i", -1, &st, NULL);
	r = kag_rows_new(st, 1, square, NULL);
	for (i = 1; kag_rows_next(r) == 1; i++) {
		s = kag_rows_text(r, 0, &n);
		mark = kag_rows_mark(r);
		if (mark >= 0)
			ran++;
		if (s == NULL || atoi(s) != i ||
		    (mark >= 0 && mark != i % 1000))
			bad++;
	}
	ok(i == 20001 && bad == 0,
	    "rows: the hook's marks kept with their rows (%d of 20000 marked "
	    "ahead)",
	    ran);
	kag_rows_free(r);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* --- kag_exportdir --------------------------------------------------- */

/* An export of one memory and one node into dir: 0 or -1. */
static int
exportone(const char *dir, int force, struct kag_buf *err)
{
	struct kag_counts c = { 1, 1, 0, 0 };
	struct kag_exportdir *x;
	int rc;

	kag_buf_reset(err);
	if ((x = kag_exportdir_open(dir, force, err)) == NULL)
		return -1;
	kag_writer_line(kag_exportdir_writer(x, KAG_REC_MEMORY), "m", 1);
	kag_writer_line(kag_exportdir_writer(x, KAG_REC_NODE), "n", 1);
	rc = kag_exportdir_commit(
	    x, "2026-01-01T00:00:00Z", "al\"ice", NULL, &c);
	if (rc < 0)
		kag_buf_adds(err, kag_exportdir_errmsg(x));
	kag_exportdir_close(x);
	return rc;
}

static void
test_exportdir(void)
{
	struct kag_buf err = KAG_BUF_INIT;
	struct kag_exportdir *x;
	char dir[600], *s, *m;
	struct stat st;
	int rc;

	mkdir(tmp("exp"), 0777);
	snprintf(dir, sizeof(dir), "%s/out/", tmp("exp"));
	rc = exportone(dir, 0, &err);
	ok(rc == 0, "export: into a new directory");
	dir[strlen(dir) - 1] = '\0';
	s = slurp(tmp("exp/out/memories.jsonl"));
	m = slurp(tmp("exp/out/metadata.json"));
	ok(s != NULL && strcmp(s, "m\n") == 0 &&
		strcmp(listdir(tmp("exp")), "out") == 0 &&
		strcmp(listdir(dir),
		    "graph.jsonl memories.jsonl metadata.json") == 0,
	    "export: the three files in place, nothing else left");
	ok(m != NULL &&
		strcmp(m,
		    "{\n  \"exported_at\": \"2026-01-01T00:00:00Z\",\n"
		    "  \"user_id\": \"al\\\"ice\",\n  \"agent_name\": null,\n"
		    "  \"stats\": {\n    \"memories\": 1,\n"
		    "    \"graph_nodes\": 1,\n    \"graph_edges\": 0\n  },\n"
		    "  \"format_version\": \"1.0\"\n}") == 0,
	    "export: metadata.json as Kagura writes it");
	rc = stat(dir, &st);
	ok(rc == 0 && (st.st_mode & 0777) != 0700,
	    "export: the directory is not left 0700 by mkdtemp (%o)",
	    (unsigned)(st.st_mode & 0777));
	free(s);
	free(m);

	rc = exportone(dir, 0, &err);
	ok(rc < 0 &&
		strstr(err.buf, "directory not empty (--force replaces it)") !=
		    NULL,
	    "export: a directory with an export is refused (%s)", err.buf);
	writefile(tmp("exp/out/memories.jsonl"), "old\n");
	rc = exportone(dir, 1, &err);
	s = slurp(tmp("exp/out/memories.jsonl"));
	ok(rc == 0 && s != NULL && strcmp(s, "m\n") == 0 &&
		strcmp(listdir(tmp("exp")), "out") == 0,
	    "export: --force replaces it, leaving nothing beside");
	free(s);
	writefile(tmp("exp/out/notes.txt"), "mine\n");
	rc = exportone(dir, 1, &err);
	ok(rc < 0 && strstr(err.buf, "not empty and not an export") != NULL &&
		strcmp(listdir(dir),
		    "graph.jsonl memories.jsonl metadata.json notes.txt") == 0,
	    "export: a directory with other files is refused even with "
	    "--force (%s)",
	    err.buf);
	unlink(tmp("exp/out/notes.txt"));
	writefile(tmp("exp/file"), "x");
	rc = exportone(tmp("exp/file"), 1, &err);
	ok(rc < 0 && errno == ENOTDIR, "export: a file is not a directory (%s)",
	    err.buf);
	unlink(tmp("exp/file"));

	x = kag_exportdir_open(tmp("exp/never"), 0, &err);
	ok(x != NULL && strcmp(listdir(tmp("exp")), "out") != 0,
	    "export: the work goes on beside the directory");
	kag_writer_line(kag_exportdir_writer(x, KAG_REC_MEMORY), "m", 1);
	kag_exportdir_close(x);
	ok(strcmp(listdir(tmp("exp")), "out") == 0,
	    "export: closed without commit, nothing is left");
	rc = exportone("/dev/full/x", 0, &err);
	ok(rc < 0, "export: a directory that cannot be made (%s)", err.buf);

	unlink(tmp("exp/out/memories.jsonl"));
	unlink(tmp("exp/out/graph.jsonl"));
	unlink(tmp("exp/out/metadata.json"));
	rmdir(tmp("exp/out"));
	rmdir(tmp("exp"));
	kag_buf_release(&err);
}

int
main(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/t_dump.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror(tmpdir);
		return 2;
	}
	test_compact();
	test_graphjson();
	test_rows();
	test_dump();
	test_restrict();
	test_escape();
	test_hook();
	test_exportdir();
	kag_buf_release(&diags);
	rmdir(tmpdir);
	return tap_done();
}
