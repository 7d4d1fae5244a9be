/* load.h: what load.c, loadrow.c and loadgraph.c share (not for programs). */
#ifndef KAG_LOAD_H
#define KAG_LOAD_H

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
/* A memory put off (see loadrow.c) also ?11 file, ?12 line, ?13 which of
 * created_at (1) and updated_at (2) it has, ?14 rows batched before it. */
enum { MV_FILE = MV_N, MV_LINE, MV_FLAGS, MV_PEND, MV_LATER };
/* Nodes: ?1 id ... ?8 extra, in the column order of kag_nodes. */
enum { NV_ID, NV_TYPE, NV_DATA, NV_CONTENT, NV_META, NV_CREATED };
enum { NV_UPDATED = NV_CREATED + 1, NV_EXTRA, NV_N };
/* Edges: ?1 id ... ?10 extra in the column order of kag_edges, ?11 seq;
 * an edge put off (see loadrow.c) also ?12 file, ?13 line. */
enum { EV_ID, EV_SRC, EV_DST, EV_REL, EV_WEIGHT, EV_DATA, EV_DIRECTED };
enum { EV_META = EV_DIRECTED + 1, EV_CREATED, EV_EXTRA, EV_SEQ, EV_N };
enum { EV_FILE = EV_N, EV_LINE, EV_LATER };
/* Hyperedges: ?1 id ... ?6 extra; members ?1 id, ?2 pos, ?3 node. */
enum { HV_ID, HV_TYPE, HV_CONTENT, HV_META, HV_CREATED, HV_EXTRA, HV_N };

/* The statements of load.c's sqltext[], by index. */
enum {
	M_FIND,
	M_INSERT,
	M_UPDATE,
	X_SET,
	X_DEL,
	W_FIND,
	W_INSERT,
	W_UPDATE,
	N_FIND,
	N_INSERT,
	N_UPDATE,
	N_HAS,
	E_FIND_ID,
	E_FIND,
	E_INSERT,
	E_UPDATE,
	E_HAS,
	H_FIND,
	H_MEMBERS,
	H_INSERT,
	H_UPDATE,
	H_DELMEM,
	H_ADDMEM,
	H_HAS,
	NSTMT
};

enum { T_MEMORIES, T_WORKING, T_NODES, T_EDGES, T_HYPEREDGES, T_MEMBERS, NT };

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

/* --append: the new id of each node id of the operand. */
struct idmap {
	struct kag_buf arena; /* entries: two lengths, the old id, the new */
	size_t *slot;	      /* 1 + an entry's offset, or 0 */
	size_t nslot, n;
};

struct kag_load {
	struct kag_store *store;
	sqlite3 *db;
	struct kag_load_opts o;
	kag_diag_fn *diag;
	void *ctx;
	sqlite3_stmt *st[NSTMT];
	struct table t[NT];
	struct kag_bloom *seen; /* see load.c */
	int begun;
	char now[32]; /* the load's time, as Kagura's CURRENT_TIMESTAMP */
	struct kag_load_report rep;
	uintmax_t errors;
	struct pending *pend;
	size_t npend, apend;
	char **files;
	size_t nfiles;
	sqlite3_stmt *later[NT]; /* a row put off, into temp.kag_load_later */
	uintmax_t nlater[NT];
	struct kag_buf tmp[6], extra, key, msg, err;
	struct batch b[2]; /* memories, kag_working */
	/* The operand: a document, and the ids --append gave. */
	int doc;
	struct idmap map;
	struct kag_set *early; /* --append: endpoints named before a node */
	struct kag_buf ids[4]; /* new ids of the record being loaded */
};

/* loadrow.c: values and rows */
extern const struct val kag_load_null;
int kag_load_fail(struct kag_load *l, const char *what);
int kag_load_exec(struct kag_load *l, const char *sql);
int kag_load_bind(
    struct kag_load *l, sqlite3_stmt *st, const struct val *v, int nv);
int kag_load_run(struct kag_load *l, int k, const struct val *v, int nv);
int kag_load_query(struct kag_load *l, int k, const struct val *v, int nv);
int kag_load_same(sqlite3_stmt *st, int c, const struct val *v);
struct val kag_load_raw(const struct kag_record *r, enum kag_field f);
int kag_load_str(struct kag_load *l, const struct kag_record *r,
    enum kag_field f, int tmp, struct val *v);
struct val kag_load_text(const char *s);
struct val kag_load_extra(
    struct kag_load *l, const struct kag_record *r, const int *known, int nk);
void kag_load_idpart(struct kag_buf *b, const struct val *v);
void kag_load_name(struct kag_load *l, const char *kind, const struct val *v);
int kag_load_memory(struct kag_load *l, const struct kag_record *r,
    const char *file, uintmax_t line);
int kag_load_flush_all(struct kag_load *l);
size_t kag_load_filenum(struct kag_load *l, const char *file);
int kag_load_later(struct kag_load *l, int t, const struct val *v, int nv);
int kag_load_settle(struct kag_load *l, int t);

/* load.c: the transaction */
int kag_load_lookup(struct kag_load *l, int t);
int kag_load_restore(struct kag_load *l, int t);
int kag_load_conflict(struct kag_load *l, struct kag_load_stats *c,
    const char *file, uintmax_t line);
void kag_load_problem(struct kag_load *l, const char *file, uintmax_t line,
    enum kag_severity sev);

/* loadgraph.c: nodes, edges and hyperedges */
int kag_load_node(struct kag_load *l, const struct kag_record *r,
    const char *file, uintmax_t line);
int kag_load_edge(struct kag_load *l, const struct kag_record *r,
    const char *file, uintmax_t line);
int kag_load_hyperedge(struct kag_load *l, const struct kag_record *r,
    const char *file, uintmax_t line);
int kag_load_settle_edge(struct kag_load *l, struct val *v, sqlite3_int64 at,
    const char *file, uintmax_t line);
void kag_load_graph_free(struct kag_load *l);

#endif
