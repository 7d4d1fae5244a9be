/* t_loadlater.c: edges put off while their index is dropped (loadgraph.c)
 * end up as a row-by-row lookup would leave them, even when the Bloom
 * filter says "maybe" of new identities: linked with a load.c built with
 * -DSEENBYTES=0 (a one-block filter, soon full) and -DMAXSEEN=120, so
 * that some are new after all, and the load switches to plain lookups
 * halfway with edges put off (the dry run ends with some). */
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
	int k, i, key, bad = 0;

	memset(&o, 0, sizeof(o));
	o.conflict = skip ? KAG_CONFLICT_SKIP : KAG_CONFLICT_REPLACE;
	s = kag_store_open(":memory:", KAG_STORE_WRITE, 1000, &err);
	if (s == NULL) {
		printf("Bail out! %s\n", err.buf);
		exit(1);
	}
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
			for (i = 0; i < nmodel && model[i].key != key; i++)
				;
			if (i == nmodel) {
				model[nmodel].key = key;
				strcpy(model[nmodel++].text, text);
				want[0]++;
			} else if (strcmp(model[i].text, text) == 0) {
				want[2]++;
			} else if (skip) {
				want[3]++;
			} else {
				strcpy(model[i].text, text);
				want[1]++;
			}
		}
		if (kag_record_parse(&r, j, line, strlen(line), &err) < 0 ||
		    kag_load_record(l, &r, "t", (uintmax_t)k + 1) < 0)
			bad = 1;
	}
	if (bad || kag_load_finish(l, commit) != commit) {
		printf("Bail out! %s%s\n", err.len ? err.buf : "",
		    kag_load_errmsg(l));
		exit(1);
	}
	got[0] = kag_load_report(l)->edges.created;
	got[1] = kag_load_report(l)->edges.updated;
	got[2] = kag_load_report(l)->edges.unchanged;
	got[3] = kag_load_report(l)->edges.skipped;
	kag_load_free(l);
	kag_json_free(j);
	kag_buf_release(&err);
	return s;
}

/* The stored edges, "seq|id|src|dst|rel|weight\n" each, against the
 * model's rows numbered from 1. */
static int
same(struct kag_store *s)
{
	struct kag_buf a = KAG_BUF_INIT, b = KAG_BUF_INIT;
	sqlite3_stmt *st;
	int i, c, eq;

	if (sqlite3_prepare_v2(kag_store_db(s),
		"SELECT seq, id, src, dst, rel_type, weight FROM kag_edges "
		"ORDER BY seq",
		-1, &st, NULL) != SQLITE_OK)
		return 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (c = 0; c < 6; c++) {
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
	for (i = 0; i < nmodel; i++)
		kag_buf_addf(&b, "%d|%s\n", i + 1, model[i].text);
	kag_buf_addc(&a, '\0');
	kag_buf_addc(&b, '\0');
	eq = a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0;
	for (i = 0; !eq && a.buf[i] == b.buf[i]; i++)
		;
	if (!eq)
		printf("# from byte %d: got '%.*s', want '%.*s'\n", i,
		    (int)strcspn(a.buf + i, "\n"), a.buf + i,
		    (int)strcspn(b.buf + i, "\n"), b.buf + i);
	kag_buf_release(&a);
	kag_buf_release(&b);
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
	return tap_done();
}
