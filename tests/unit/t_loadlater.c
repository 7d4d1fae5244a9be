/* t_loadlater.c: memories and edges put off while their indexes are
 * dropped (loadrow.c) end up as a row-by-row lookup would leave them,
 * even when the Bloom filter says "maybe" of new identities: linked with
 * a load.c built with -DSEENBYTES=0 (a one-block filter, soon full) and
 * -DMAXSEEN=120, so that some are new after all, and the load switches to
 * plain lookups halfway with rows put off (the dry run ends with some). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "kag.h"
#include "tap.h"

#define NODES 23
#define EDGES 900
#define IDS   211
#define DRY   80 /* edges */

/* A row of kag_edges as the model has it. */
struct row {
	int key; /* identity: 0..IDS-1 by (src, dst, rel), IDS + n by id */
	char text[64];
};

/* A new store in memory. */
static struct kag_store *
newstore(void)
{
	struct kag_buf err = KAG_BUF_INIT;
	struct kag_store *s;

	if ((s = kag_store_open(":memory:", KAG_STORE_WRITE, 1000, &err)) ==
	    NULL) {
		printf("Bail out! %s\n", err.buf);
		exit(1);
	}
	return s;
}

/*
 * The model's row by row load of the record of key with content text
 * into rows m[0..*n): counted in want as created, updated, unchanged or
 * (with skip) skipped.
 */
static void
expect(struct row *m, int *n, int key, const char *text, int skip,
    uintmax_t want[4])
{
	int i;

	for (i = 0; i < *n && m[i].key != key; i++)
		;
	if (i == *n) {
		m[(*n)++].key = key;
		strcpy(m[i].text, text);
		want[0]++;
	} else if (strcmp(m[i].text, text) == 0) {
		want[2]++;
	} else if (skip) {
		want[3]++;
	} else {
		strcpy(m[i].text, text);
		want[1]++;
	}
}

/*
 * Finish load l (committed when commit is), bail out when it or a record
 * (bad, err) failed, and put its counts of edges (or memories) created,
 * updated, unchanged and skipped in got; l and err are freed.
 */
static void
end(struct kag_load *l, int commit, int bad, struct kag_buf *err, int edges,
    uintmax_t got[4])
{
	const struct kag_load_stats *c;

	if (bad || kag_load_finish(l, commit) != commit) {
		printf("Bail out! %s%s\n", err->len ? err->buf : "",
		    kag_load_errmsg(l));
		exit(1);
	}
	c = edges ? &kag_load_report(l)->edges : &kag_load_report(l)->memories;
	got[0] = c->created;
	got[1] = c->updated;
	got[2] = c->unchanged;
	got[3] = c->skipped;
	kag_load_free(l);
	kag_buf_release(err);
}

static struct row model[EDGES];
static int nmodel;

/* Edge k: its identity and its row (without seq), "id|src|dst|rel|w". */
static int
edge(int k, char *line, size_t nline, char *text, size_t ntext)
{
	int t = (k * k + 3 * k) % IDS, src, dst, id = k % 10 == 0;
	const char *w[] = { "0.1", "0.2", "0.3", "0.4" }, *rel;

	src = t % NODES;
	dst = t / NODES % NODES;
	rel = t % 3 == 0 ? NULL : t % 3 == 1 ? "r" : "s";
	if (id)
		snprintf(line, nline,
		    "{\"type\":\"edge\",\"id\":\"e%d\",\"src\":\"n%d\","
		    "\"dst\":\"n%d\",\"weight\":%s}",
		    k % 7, src, dst, w[k % 4]);
	else
		snprintf(line, nline,
		    "{\"type\":\"edge\",\"src\":\"n%d\",\"dst\":\"n%d\"%s%s%s,"
		    "\"weight\":%s}",
		    src, dst, rel ? ",\"rel_type\":\"" : "", rel ? rel : "",
		    rel ? "\"" : "", w[k % 4]);
	if (id)
		snprintf(text, ntext, "e%d|n%d|n%d|NULL|%s", k % 7, src, dst,
		    w[k % 4]);
	else
		snprintf(text, ntext, "NULL|n%d|n%d|%s|%s", src, dst,
		    rel ? rel : "NULL", w[k % 4]);
	return id ? IDS + k % 7 : t;
}

/*
 * Load the nodes and the first nedge edges into a new store: under skip
 * when skip is set, committed when commit is.  The model does the same
 * row by row.  got[] gets the load's counts of edges created, updated,
 * unchanged and skipped; want[] the model's.
 */
static struct kag_store *
run(int nedge, int skip, int commit, uintmax_t got[4], uintmax_t want[4])
{
	struct kag_buf err = KAG_BUF_INIT;
	struct kag_load_opts o;
	struct kag_json *j = kag_json_new();
	struct kag_store *s;
	struct kag_record r;
	struct kag_load *l;
	char line[256], text[64];
	int k, key, bad = 0;

	memset(&o, 0, sizeof(o));
	o.conflict = skip ? KAG_CONFLICT_SKIP : KAG_CONFLICT_REPLACE;
	s = newstore();
	l = kag_load_new(s, &o, NULL, NULL);
	if (kag_load_begin(l) < 0)
		bad = 1;
	kag_load_operand(l, 0);
	memset(want, 0, 4 * sizeof(*want));
	nmodel = 0;
	for (k = 0; !bad && k < NODES + nedge; k++) {
		if (k < NODES) {
			snprintf(line, sizeof(line),
			    "{\"type\":\"node\",\"id\":\"n%d\"}", k);
		} else {
			key = edge(
			    k - NODES, line, sizeof(line), text, sizeof(text));
			expect(model, &nmodel, key, text, skip, want);
		}
		if (kag_record_parse(&r, j, line, strlen(line), &err) < 0 ||
		    kag_load_record(l, &r, "t", (uintmax_t)k + 1) < 0)
			bad = 1;
	}
	end(l, commit, bad, &err, 1, got);
	kag_json_free(j);
	return s;
}

static int rows(struct kag_store *s, const char *sql, const char *want);

/* The stored edges, "seq|id|src|dst|rel|weight\n" each, against the
 * model's rows numbered from 1. */
static int
same(struct kag_store *s)
{
	struct kag_buf b = KAG_BUF_INIT;
	int i, eq;

	kag_buf_add(&b, "", 0);
	for (i = 0; i < nmodel; i++)
		kag_buf_addf(&b, "%d|%s\n", i + 1, model[i].text);
	eq = rows(s,
	    "SELECT seq, id, src, dst, rel_type, weight FROM kag_edges ORDER "
	    "BY seq",
	    b.buf);
	kag_buf_release(&b);
	return eq;
}

#define MEMS   900
#define MIDS   173
#define FILL   80  /* nodes before them */
#define RNODES 115 /* nodes before repeat()'s memories */

/* Memory k: its identity, whether it is working memory, and its row
 * "key|value|user|agent|extra" ("-" for NULL). */
static int
memory(int k, int *working, char *line, size_t nline, char *text, size_t ntext)
{
	int t = (k * k + 5 * k) % MIDS;
	const char *w[] = { "1", "2", "3", "\"4\"" };
	char agent[16] = "-", extra[16] = "-", fa[48] = "", fx[48] = "";

	*working = t % 4 == 0;
	if (t % 5 != 0) {
		snprintf(agent, sizeof(agent), "a%d", t % 2);
		snprintf(fa, sizeof(fa), ",\"agent_name\":\"%s\"", agent);
	}
	if (t % 3 == 1) {
		snprintf(extra, sizeof(extra), "{\"x\":%d}", k % 2);
		snprintf(fx, sizeof(fx), ",\"x\":%d", k % 2);
	}
	snprintf(line, nline,
	    "{\"type\":\"memory\",\"scope\":\"%s\",\"key\":\"k%d\","
	    "\"value\":%s,\"user_id\":\"u%d\"%s%s}",
	    *working ? "working" : "persistent", t, w[k % 4], t % 3, fa, fx);
	snprintf(
	    text, ntext, "k%d|%s|u%d|%s|%s", t, w[k % 4], t % 3, agent, extra);
	return t;
}

static struct row mmodel[2][MEMS]; /* memories, kag_working */
static int nmm[2], nx;

/*
 * Load fill nodes and the first n memories into a store with no memories
 * left, whose memories have had ids up to base: under skip when skip is set,
 * committed when commit is; the model does the same row by row.  got[]
 * and want[] as run()'s.
 */
static struct kag_store *
runmem(int n, int fill, int base, int skip, int commit, uintmax_t got[4],
    uintmax_t want[4])
{
	struct kag_buf err = KAG_BUF_INIT;
	struct kag_load_opts o;
	struct kag_json *j = kag_json_new();
	struct kag_store *s;
	struct kag_record r;
	struct kag_load *l;
	char line[256], text[64];
	int k, i, key, w, bad = 0;

	memset(&o, 0, sizeof(o));
	s = newstore();
	/* Ids base and below were taken by memories now gone. */
	l = kag_load_new(s, &o, NULL, NULL);
	bad = kag_load_begin(l) < 0;
	for (k = 0; !bad && k < base; k++) {
		snprintf(line, sizeof(line),
		    "{\"type\":\"memory\",\"scope\":\"persistent\",\"key\":"
		    "\"old%d\",\"value\":1}",
		    k);
		if (kag_record_parse(&r, j, line, strlen(line), &err) < 0 ||
		    kag_load_record(l, &r, "t", (uintmax_t)k + 1) < 0)
			bad = 1;
	}
	if (bad || kag_load_finish(l, 1) != 1)
		bad = 1;
	kag_load_free(l);
	o.conflict = skip ? KAG_CONFLICT_SKIP : KAG_CONFLICT_REPLACE;
	o.clear = 1;
	l = kag_load_new(s, &o, NULL, NULL);
	if (!bad && kag_load_begin(l) < 0)
		bad = 1;
	kag_load_operand(l, 0);
	memset(want, 0, 4 * sizeof(*want));
	nmm[0] = nmm[1] = nx = 0;
	/* Nodes fill the filter, so that it says "maybe" from the first
	 * memory on, while the first batch is not written yet. */
	for (k = 0; !bad && k < fill; k++) {
		snprintf(line, sizeof(line),
		    "{\"type\":\"node\",\"id\":\"f%d\"}", k);
		if (kag_record_parse(&r, j, line, strlen(line), &err) < 0 ||
		    kag_load_record(l, &r, "t", (uintmax_t)k + 1) < 0)
			bad = 1;
	}
	for (k = 0; !bad && k < n; k++) {
		key = memory(k, &w, line, sizeof(line), text, sizeof(text));
		expect(mmodel[w], &nmm[w], key, text, skip, want);
		if (kag_record_parse(&r, j, line, strlen(line), &err) < 0 ||
		    kag_load_record(l, &r, "t", (uintmax_t)k + 1) < 0)
			bad = 1;
	}
	for (i = 0; i < nmm[0]; i++)
		nx += strstr(mmodel[0][i].text, "{") != NULL;
	end(l, commit, bad, &err, 0, got);
	kag_json_free(j);
	return s;
}

/* The rows of sql, "c0|c1|...\n" each, against want. */
static int
rows(struct kag_store *s, const char *sql, const char *want)
{
	struct kag_buf a = KAG_BUF_INIT;
	sqlite3_stmt *st;
	int i, c, eq;

	if (sqlite3_prepare_v2(kag_store_db(s), sql, -1, &st, NULL) !=
	    SQLITE_OK)
		return 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (c = 0; c < sqlite3_column_count(st); c++) {
			if (c > 0)
				kag_buf_addc(&a, '|');
			if (sqlite3_column_type(st, c) == SQLITE_NULL)
				kag_buf_adds(&a, "NULL");
			else
				kag_buf_adds(&a,
				    (const char *)sqlite3_column_text(st, c));
		}
		kag_buf_addc(&a, '\n');
	}
	sqlite3_finalize(st);
	kag_buf_addc(&a, '\0');
	eq = strcmp(a.buf, want) == 0;
	for (i = 0; !eq && a.buf[i] == want[i]; i++)
		;
	if (!eq)
		printf("# from byte %d: got '%.*s', want '%.*s'\n", i,
		    (int)strcspn(a.buf + i, "\n"), a.buf + i,
		    (int)strcspn(want + i, "\n"), want + i);
	kag_buf_release(&a);
	return eq;
}

/* The stored memories (ids from base + 1) and working memories (from 1),
 * their extras and the last id AUTOINCREMENT gave, against the model's. */
static int
samemem(struct kag_store *s, int base)
{
	struct kag_buf b = KAG_BUF_INIT;
	int i, eq;

	for (i = 0; i < nmm[0]; i++)
		kag_buf_addf(&b, "%d|%s\n", base + i + 1, mmodel[0][i].text);
	eq = rows(s,
	    "SELECT m.id, m.key, m.value, m.user_id, coalesce(m.agent_name, "
	    "'-'), coalesce(x.extra, '-') FROM memories AS m LEFT JOIN "
	    "kag_memory_extra AS x ON x.memory_id = m.id ORDER BY m.id",
	    b.buf);
	kag_buf_reset(&b);
	kag_buf_addf(&b, "%d|%d\n", nx, base + nmm[0]);
	eq = rows(s,
		 "SELECT (SELECT count(*) FROM kag_memory_extra), (SELECT seq "
		 "FROM sqlite_sequence WHERE name = 'memories')",
		 b.buf) &&
	    eq;
	kag_buf_reset(&b);
	for (i = 0; i < nmm[1]; i++)
		kag_buf_addf(&b, "%d|%s\n", i + 1, mmodel[1][i].text);
	eq = rows(s,
		 "SELECT id, key, value, user_id, coalesce(agent_name, '-'), "
		 "coalesce(extra, '-') FROM kag_working ORDER BY id",
		 b.buf) &&
	    eq;
	kag_buf_release(&b);
	return eq;
}

/*
 * The first memory again at once: the second is put off, and looked up
 * when the filter fills up (past MAXSEEN) while the first is still in the
 * batch not written yet.  One row, updated.
 */
static int
repeat(void)
{
	struct kag_buf err = KAG_BUF_INIT;
	struct kag_json *j = kag_json_new();
	struct kag_store *s;
	struct kag_record r;
	struct kag_load *l;
	char line[128];
	int k, eq, bad = 0;

	if ((s = kag_store_open(":memory:", KAG_STORE_WRITE, 1000, &err)) ==
	    NULL) {
		printf("Bail out! %s\n", err.buf);
		exit(1);
	}
	l = kag_load_new(s, NULL, NULL, NULL);
	bad = kag_load_begin(l) < 0;
	kag_load_operand(l, 0);
	for (k = 0; !bad && k < RNODES + 2 + 25; k++) {
		if (k < RNODES)
			snprintf(line, sizeof(line),
			    "{\"type\":\"node\",\"id\":\"f%d\"}", k);
		else
			snprintf(line, sizeof(line),
			    "{\"type\":\"memory\",\"scope\":\"persistent\","
			    "\"key\":\"k%d\",\"value\":%d}",
			    k < RNODES + 2 ? 0 : k - RNODES - 1,
			    k == RNODES + 1 ? 2 : 1);
		if (kag_record_parse(&r, j, line, strlen(line), &err) < 0 ||
		    kag_load_record(l, &r, "t", (uintmax_t)k + 1) < 0)
			bad = 1;
	}
	if (bad || kag_load_finish(l, 1) != 1) {
		printf("Bail out! %s%s\n", err.len ? err.buf : "",
		    kag_load_errmsg(l));
		exit(1);
	}
	eq = kag_load_report(l)->memories.created == 26 &&
	    kag_load_report(l)->memories.updated == 1;
	kag_buf_reset(&err);
	for (k = 0; k < 26; k++)
		kag_buf_addf(&err, "%d|k%d|%d\n", k + 1, k, k ? 1 : 2);
	eq = rows(s, "SELECT id, key, value FROM memories ORDER BY id",
		 err.buf) &&
	    eq;
	kag_load_free(l);
	kag_store_close(s);
	kag_json_free(j);
	kag_buf_release(&err);
	return eq;
}

int
main(void)
{
	struct kag_store *s;
	uintmax_t got[4], want[4];

	s = run(EDGES, 0, 1, got, want);
	ok(memcmp(got, want, sizeof(got)) == 0,
	    "replace: %ju created, %ju updated, %ju unchanged (want %ju, "
	    "%ju, %ju)",
	    got[0], got[1], got[2], want[0], want[1], want[2]);
	ok(want[1] > 0 && want[2] > 0, "the edges come again, changed or not");
	ok(same(s), "replace: every row, seq and weight as row by row");
	kag_store_close(s);

	s = run(EDGES, 1, 1, got, want);
	ok(memcmp(got, want, sizeof(got)) == 0,
	    "skip: %ju created, %ju skipped (want %ju, %ju)", got[0], got[3],
	    want[0], want[3]);
	ok(same(s), "skip: the first of each edge stays");
	kag_store_close(s);

	/* Few enough for the filter, so that edges are still put off when
	 * the load ends. */
	s = run(DRY, 0, 0, got, want);
	ok(memcmp(got, want, sizeof(got)) == 0,
	    "dry run: %ju created, %ju updated, %ju unchanged (want %ju, "
	    "%ju, %ju)",
	    got[0], got[1], got[2], want[0], want[1], want[2]);
	kag_store_close(s);

	s = runmem(MEMS, FILL, 0, 0, 1, got, want);
	ok(memcmp(got, want, sizeof(got)) == 0,
	    "memories, replace: %ju created, %ju updated, %ju unchanged (want "
	    "%ju, %ju, %ju)",
	    got[0], got[1], got[2], want[0], want[1], want[2]);
	ok(want[1] > 0 && want[2] > 0 && nmm[0] > 0 && nmm[1] > 0 && nx > 0,
	    "memories and working memories come again, changed or not");
	ok(samemem(s, 0), "memories, replace: every row and id as row by row");
	kag_store_close(s);

	s = runmem(MEMS, FILL, 5, 1, 1, got, want);
	ok(memcmp(got, want, sizeof(got)) == 0,
	    "memories, skip: %ju created, %ju skipped (want %ju, %ju)", got[0],
	    got[3], want[0], want[3]);
	ok(samemem(s, 5),
	    "memories, skip, ids taken before: the first of each stays");
	kag_store_close(s);

	/* Few enough for the filter, so that memories are still put off
	 * when the load ends. */
	s = runmem(DRY, 0, 0, 0, 0, got, want);
	ok(memcmp(got, want, sizeof(got)) == 0,
	    "memories, dry run: %ju created, %ju updated, %ju unchanged (want "
	    "%ju, %ju, %ju)",
	    got[0], got[1], got[2], want[0], want[1], want[2]);
	kag_store_close(s);
	ok(repeat(), "a memory again at once: one row, updated");
	return tap_done();
}
