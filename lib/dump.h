/*
 * dump.h: what dump.c (the stages and their queries) and dumprow.c (a
 * row written as a record) share; not a contract of the library.
 */
#ifndef KAG_DUMP_H
#define KAG_DUMP_H

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
 * by name: Kagura 3.x stores have them in another order), the key the
 * rows are written in the order of (the rowid), the number of columns
 * and the JSON cells, checked on the worker's thread.
 */
#define NCHECK 4
struct check {
	int col;
	const char *name;
	unsigned flags;
};
struct stagedef {
	enum kag_type type;
	const char *table, *query, *key;
	int ncol;
	struct check check[NCHECK];
};
extern const struct stagedef kag_dump_stages[S_END];

/* What the worker of a stage's rows checks them with (on its thread). */
struct worker {
	enum stage stage;
	struct kag_json *json;
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
	/* A stage restricted (kag_dump_only, kag_dump_edges_within): the
	 * condition its rows meet, and the JSON array it takes as ?1. */
	struct kag_buf where[S_END], arg[S_END];
	const struct kag_set *within;
	sqlite3_stmt *st;
	struct kag_rows *rows;
	struct worker work; /* the rows' worker */
	/* kag_dump_ahead(): a stage read on a second connection from the
	 * start, its rows waiting until the stages before it are done. */
	sqlite3 *adb;
	enum stage astage;
	sqlite3_stmt *ast;
	struct kag_rows *arows;
	struct worker awork;
	sqlite3_stmt *members; /* a hyperedge's nodes */
	sqlite3_stmt *hasnode; /* a graph.json node in kag_nodes? */
	sqlite3_stmt *hasedge;

	struct kag_json *json;	/* a cell */
	struct kag_json *rjson; /* a record, for the selection */
	struct kag_record rec;
	struct kag_buf line, tmp, msg, err, word;
};

/* dump.c */
int kag_dump_fail(struct kag_dump *d, const char *msg);
void kag_dump_error(struct kag_dump *d);

/* dumprow.c */
int kag_dumprow_ahead(void *ctx, const char *const *cell, const size_t *len);
int kag_dumprow_write(struct kag_dump *d);

#endif
