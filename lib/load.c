/* load.c: records into the store as rows, upserted, in one transaction. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "load.h"

/* In the order of the statement names of load.h. */
#define MEMCOLS "value, created_at, updated_at, metadata"
static const char *const sqltext[NSTMT] = {
	"SELECT m.id, m." MEMCOLS ", x.extra FROM memories AS m LEFT JOIN "
	"kag_memory_extra AS x ON x.memory_id = m.id WHERE m.user_id = ?3 AND "
	"m.key = ?1 AND m.agent_name IS ?4 ORDER BY m.id LIMIT 1",
	"INSERT INTO memories (key, value, user_id, agent_name, created_at, "
	"updated_at, metadata) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	"UPDATE memories SET value = ?2, created_at = CASE WHEN ?10 THEN "
	"created_at ELSE ?5 END, updated_at = ?6, metadata = ?7 WHERE id = ?9",
	"INSERT OR REPLACE INTO kag_memory_extra (memory_id, extra) VALUES "
	"(?9, ?8)",
	"DELETE FROM kag_memory_extra WHERE memory_id = ?9",
	"SELECT id, " MEMCOLS ", extra FROM kag_working WHERE user_id = ?3 AND "
	"key = ?1 AND agent_name IS ?4 ORDER BY id LIMIT 1",
	"INSERT INTO kag_working (key, value, user_id, agent_name, created_at, "
	"updated_at, metadata, extra) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	"UPDATE kag_working SET value = ?2, created_at = CASE WHEN ?10 THEN "
	"created_at ELSE ?5 END, updated_at = ?6, metadata = ?7, extra = ?8 "
	"WHERE id = ?9",
	"SELECT id, node_type, data, content, metadata, created_at, "
	"updated_at, extra FROM kag_nodes WHERE id = ?1",
	"INSERT INTO kag_nodes (id, node_type, data, content, metadata, "
	"created_at, updated_at, extra) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
	"?8)",
	"UPDATE kag_nodes SET node_type = ?2, data = ?3, content = ?4, "
	"metadata = ?5, created_at = ?6, updated_at = ?7, extra = ?8 WHERE "
	"id = ?1",
	"SELECT 1 FROM kag_nodes WHERE id = ?1", /* N_HAS */
	"SELECT id, src, dst, rel_type, weight, data, directed, metadata, "
	"created_at, extra, seq FROM kag_edges WHERE id = ?1",
	/* Not "id IS NULL": the planner takes that for one row of the
	 * UNIQUE index on id, and walks every edge without an id. */
	"SELECT id, src, dst, rel_type, weight, data, directed, metadata, "
	"created_at, extra, seq FROM kag_edges WHERE src = ?2 AND dst = ?3 AND "
	"rel_type IS ?4 AND +id IS NULL ORDER BY seq LIMIT 1",
	"INSERT INTO kag_edges (id, src, dst, rel_type, weight, data, "
	"directed, metadata, created_at, extra, seq) VALUES (?1, ?2, ?3, ?4, "
	"?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	"UPDATE kag_edges SET src = ?2, dst = ?3, rel_type = ?4, weight = ?5, "
	"data = ?6, directed = ?7, metadata = ?8, created_at = ?9, extra = ?10 "
	"WHERE seq = ?11",
	"SELECT 1 FROM kag_edges WHERE id = ?1", /* E_HAS */
	"SELECT id, edge_type, content, metadata, created_at, extra FROM "
	"kag_hyperedges WHERE id = ?1",
	"SELECT node_id FROM kag_hyperedge_members WHERE hyperedge_id = ?1 "
	"ORDER BY pos",
	"INSERT INTO kag_hyperedges (id, edge_type, content, metadata, "
	"created_at, extra) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	"UPDATE kag_hyperedges SET edge_type = ?2, content = ?3, metadata = "
	"?4, created_at = ?5, extra = ?6 WHERE id = ?1",
	"DELETE FROM kag_hyperedge_members WHERE hyperedge_id = ?1",
	"INSERT INTO kag_hyperedge_members (hyperedge_id, pos, node_id) "
	"VALUES (?1, ?2, ?3)",
	"SELECT 1 FROM kag_hyperedges WHERE id = ?1", /* H_HAS */
};

/*
 * Tables that were empty when the load began (after --clear) need no
 * lookup for an identity the load has not written yet, and their
 * indexes need not be kept up to date row by row: they are dropped and
 * made again at the end, by sorting, with the very statements that made
 * them (sqlite_master keeps their text as it was).  The identities
 * written are remembered in a Bloom filter of SEENBYTES, so that memory
 * stays the same whatever the size of the load: an identity it may have
 * seen (one seen indeed, or fewer than one in 10^7 others at a million)
 * is looked up.  A lookup by a UNIQUE index (a node's id, an edge's)
 * needs nothing more: UNIQUE indexes stay, as making one again could
 * fail.  One by a dropped index brings the table's indexes back at once,
 * and from then on every row pays for them, at random places in indexes
 * larger than SQLite's cache: so a memory, or an edge without an id, is
 * put off to the end instead (kag_load_later()).  Past MAXSEEN
 * identities, when the filter would say "maybe" too often, every table
 * is looked up as usual.
 */
#ifndef MAXSEEN
#define MAXSEEN (1 << 22)
#endif
#ifndef SEENBYTES
#define SEENBYTES (16 << 20)
#endif
static const char *const tables[NT] = { "memories", "kag_working", "kag_nodes",
	"kag_edges", "kag_hyperedges", "kag_hyperedge_members" };

struct kag_load *
kag_load_new(struct kag_store *s, const struct kag_load_opts *o,
    kag_diag_fn *diag, void *ctx)
{
	struct kag_load *l = kag_xcalloc(1, sizeof(*l));

	l->store = s;
	l->db = kag_store_db(s);
	if (o != NULL)
		l->o = *o;
	l->diag = diag;
	l->ctx = ctx;
	l->seen = kag_bloom_new(SEENBYTES);
	return l;
}

/* A problem of the record at file:line (an error is counted), in l->msg. */
void
kag_load_problem(
    struct kag_load *l, const char *file, uintmax_t line, enum kag_severity sev)
{
	struct kag_diag d;

	if (sev == KAG_ERROR)
		l->errors++;
	if (l->diag == NULL)
		return;
	d.file = file;
	d.line = line;
	d.severity = sev;
	d.msg = l->msg.buf;
	l->diag(l->ctx, &d);
}

int
kag_load_restore(struct kag_load *l, int t)
{
	const char *p;

	if (!l->t[t].dropped)
		return 0;
	l->t[t].dropped = 0;
	for (p = l->t[t].ddl.buf; p < l->t[t].ddl.buf + l->t[t].ddl.len;
	     p += strlen(p) + 1)
		if (kag_load_exec(l, p) < 0)
			return -1;
	return kag_load_settle(l, t);
}

/*
 * Whether the identity built in l->key needs a lookup in table t: not
 * when t was empty at the start and the load has not written it yet.
 * A lookup by an index of t that is dropped needs kag_load_restore().
 */
int
kag_load_lookup(struct kag_load *l, int t)
{
	int i;

	if (l->t[t].fresh && kag_bloom_count(l->seen) >= MAXSEEN) {
		/* Memory stays flat: from here on, lookups. */
		for (i = 0; i < NT; i++)
			l->t[i].fresh = 0;
		kag_bloom_free(l->seen);
		l->seen = NULL;
	}
	return !l->t[t].fresh ||
	    !kag_bloom_add(l->seen, l->key.buf, l->key.len);
}

/* What to do with a record whose identity is stored with other content
 * (l->msg names it): 1 to write it, 0 not to; a conflict under
 * KAG_CONFLICT_FAIL is reported. */
int
kag_load_conflict(struct kag_load *l, struct kag_load_stats *c,
    const char *file, uintmax_t line)
{
	switch (l->o.conflict) {
	case KAG_CONFLICT_SKIP:
		c->skipped++;
		return 0;
	case KAG_CONFLICT_FAIL:
		kag_buf_adds(&l->msg,
		    " is in the store with other content (--on-conflict fail)");
		kag_load_problem(l, file, line, KAG_ERROR);
		return 0;
	default:
		c->updated++;
		return 1;
	}
}

void
kag_load_operand(struct kag_load *l, int document)
{
	l->doc = document;
	kag_buf_reset(&l->map.arena);
	l->map.n = 0;
	if (l->map.slot != NULL)
		memset(l->map.slot, 0, l->map.nslot * sizeof(*l->map.slot));
	kag_set_free(l->early);
	l->early = NULL;
}

int
kag_load_record(struct kag_load *l, const struct kag_record *r,
    const char *file, uintmax_t line)
{
	assert(l->begun);
	switch (r->type) {
	case KAG_REC_MEMORY:
		return kag_load_memory(l, r, file, line);
	case KAG_REC_NODE:
		return kag_load_node(l, r, file, line);
	case KAG_REC_EDGE:
		return kag_load_edge(l, r, file, line);
	case KAG_REC_HYPEREDGE:
		return kag_load_hyperedge(l, r, file, line);
	default:
		return 0;
	}
}

/* Run sql and add the rows it changed to *n. */
static int
purge(struct kag_load *l, const char *sql, const struct val *v, int nv,
    uintmax_t *n)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
		return kag_load_fail(l, "sqlite");
	if ((rc = kag_load_bind(l, st, v, nv)) == 0 &&
	    sqlite3_step(st) != SQLITE_DONE)
		rc = kag_load_fail(l, "sqlite");
	sqlite3_finalize(st);
	if (rc == 0 && n != NULL)
		*n += (uintmax_t)sqlite3_changes(l->db);
	return rc;
}

/* --clear: every memory and the graph, or only the memories of the owner
 * given (?1 user_id, ?2 agent_name, ?3 which of them are given). */
static int
clear(struct kag_load *l)
{
	static const char who[] = "(?3 & 1 = 0 OR user_id = ?1) AND "
				  "(?3 & 2 = 0 OR agent_name IS ?2)";
	struct kag_counts *c = &l->rep.cleared;
	const struct {
		const char *table;
		uintmax_t *n;
	} t[] = { { "kag_memory_extra", NULL }, { "memories", &c->memories },
		{ "kag_working", &c->memories }, { "kag_nodes", &c->nodes },
		{ "kag_edges", &c->edges },
		{ "kag_hyperedges", &c->hyperedges },
		{ "kag_hyperedge_members", NULL } };
	struct kag_buf sql = KAG_BUF_INIT;
	struct val v[3] = { { V_NULL, NULL, 0 }, { V_NULL, NULL, 0 },
		{ V_INT, NULL, 0 } };
	int i, rc = 0, owner = l->o.user_id != NULL || l->o.agent_name != NULL;

	if (l->o.user_id != NULL) {
		v[0] = kag_load_text(l->o.user_id);
		v[2].n |= 1;
	}
	if (l->o.agent_name != NULL) {
		v[1] = *l->o.agent_name ? kag_load_text(l->o.agent_name)
					: kag_load_null;
		v[2].n |= 2;
	}
	for (i = 0; rc == 0 && i < (owner ? 3 : 7); i++) {
		kag_buf_reset(&sql);
		if (!owner)
			kag_buf_addf(&sql, "DELETE FROM %s", t[i].table);
		else if (i == 0)
			kag_buf_addf(&sql,
			    "DELETE FROM kag_memory_extra WHERE memory_id IN "
			    "(SELECT id FROM memories WHERE %s)",
			    who);
		else
			kag_buf_addf(
			    &sql, "DELETE FROM %s WHERE %s", t[i].table, who);
		rc = purge(l, sql.buf, v, 3, t[i].n);
	}
	kag_buf_release(&sql);
	return rc;
}

/* Note which tables are empty, and drop the plain indexes of those. */
static int
prepare_tables(struct kag_load *l)
{
	struct kag_buf sql = KAG_BUF_INIT, drop = KAG_BUF_INIT;
	sqlite3_stmt *st = NULL;
	const unsigned char *name, *ddl;
	int t, rc = 0;

	for (t = 0; t < NT && rc == 0; t++) {
		kag_buf_reset(&sql);
		kag_buf_addf(&sql, "SELECT 1 FROM \"%s\" LIMIT 1", tables[t]);
		if (sqlite3_prepare_v2(l->db, sql.buf, -1, &st, NULL) !=
		    SQLITE_OK) {
			rc = kag_load_fail(l, "sqlite");
			break;
		}
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			rc = kag_load_fail(l, "sqlite");
			break;
		}
		l->t[t].fresh = rc == SQLITE_DONE;
		rc = 0;
		if (!l->t[t].fresh)
			continue;
		if (sqlite3_prepare_v2(l->db,
			"SELECT m.name, m.sql FROM sqlite_master AS m JOIN "
			"pragma_index_list(?1) AS p ON p.name = m.name WHERE "
			"m.type = 'index' AND m.sql IS NOT NULL AND "
			"p.\"unique\" = 0 ORDER BY m.rowid",
			-1, &st, NULL) != SQLITE_OK) {
			rc = kag_load_fail(l, "sqlite");
			break;
		}
		sqlite3_bind_text(st, 1, tables[t], -1, SQLITE_STATIC);
		kag_buf_reset(&drop);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			name = sqlite3_column_text(st, 0);
			ddl = sqlite3_column_text(st, 1);
			kag_buf_add(&l->t[t].ddl, ddl,
			    (size_t)sqlite3_column_bytes(st, 1));
			kag_buf_addc(&l->t[t].ddl, '\0');
			kag_buf_adds(&drop, "DROP INDEX \"");
			for (; *name != '\0'; name++) {
				if (*name == '"')
					kag_buf_addc(&drop, '"');
				kag_buf_addc(&drop, *name);
			}
			kag_buf_adds(&drop, "\";");
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			rc = kag_load_fail(l, "sqlite");
			break;
		}
		rc = 0;
		if (drop.len > 0) {
			l->t[t].dropped = 1;
			rc = kag_load_exec(l, drop.buf);
		}
	}
	kag_buf_release(&sql);
	kag_buf_release(&drop);
	return rc;
}

static int
prepare_batch(struct kag_load *l, struct batch *b, int working)
{
	struct kag_buf sql = KAG_BUF_INIT;
	int i, rc;

	b->ncol = working ? MV_EXTRA + 1 : MV_EXTRA;
	kag_buf_addf(&sql,
	    "INSERT INTO %s (key, value, user_id, agent_name, created_at, "
	    "updated_at, metadata%s) VALUES ",
	    working ? "kag_working" : "memories", working ? ", extra" : "");
	for (i = 0; i < BATCH; i++)
		kag_buf_adds(&sql,
		    working ? "(?, ?, ?, ?, ?, ?, ?, ?),"
			    : "(?, ?, ?, ?, ?, ?, ?),");
	sql.buf[--sql.len] = '\0';
	rc = sqlite3_prepare_v3(
	    l->db, sql.buf, -1, SQLITE_PREPARE_PERSISTENT, &b->st, NULL);
	kag_buf_release(&sql);
	return rc == SQLITE_OK ? 0 : kag_load_fail(l, "sqlite");
}

int
kag_load_begin(struct kag_load *l)
{
	int i;

	assert(!l->begun);
	if (kag_store_begin(l->store) < 0)
		goto fail;
	l->begun = 1;
	if (kag_store_ensure(l->store) < 0)
		goto fail;
	kag_time_format(kag_time_now(), l->now, sizeof(l->now));
	for (i = 0; l->now[i] != '\0'; i++)
		if (l->now[i] == 'T')
			l->now[i] = ' ';
		else if (l->now[i] == 'Z')
			l->now[i] = '\0';
	if (l->o.clear && clear(l) < 0)
		return -1;
	if (prepare_tables(l) < 0)
		return -1;
	for (i = 0; i < 2 && prepare_batch(l, &l->b[i], i) == 0; i++)
		;
	if (i < 2)
		return -1;
	for (i = 0; i < NSTMT; i++)
		if (sqlite3_prepare_v3(l->db, sqltext[i], -1,
			SQLITE_PREPARE_PERSISTENT, &l->st[i],
			NULL) != SQLITE_OK)
			return kag_load_fail(l, "sqlite");
	return 0;
fail:
	kag_buf_reset(&l->err);
	kag_buf_adds(&l->err, kag_store_errmsg(l->store));
	return -1;
}

/* The edges whose endpoints never came. */
static int
unmet(struct kag_load *l)
{
	struct pending *p;
	struct val id;
	int rc;
	size_t i;

	id.kind = V_TEXT;
	for (i = 0; i < l->npend; i++) {
		p = &l->pend[i];
		id.p = p->id;
		id.n = p->n;
		if ((rc = kag_load_query(l, N_HAS, &id, 1)) < 0)
			return -1;
		sqlite3_reset(l->st[N_HAS]);
		if (rc > 0)
			continue;
		kag_buf_reset(&l->msg);
		kag_buf_adds(&l->msg, "edge names node ");
		kag_buf_add_quoted(&l->msg, p->id, p->n);
		kag_buf_adds(&l->msg,
		    ", which is neither in the store nor in "
		    "the load");
		kag_load_problem(l, l->files[p->file], p->line, KAG_ERROR);
	}
	return 0;
}

int
kag_load_finish(struct kag_load *l, int commit)
{
	int t;

	if (!l->begun)
		return -1;
	if (kag_load_flush_all(l) < 0 || unmet(l) < 0)
		goto fail;
	/* The rows put off count in a dry run's summary too. */
	for (t = 0; t < NT; t++)
		if (l->errors == 0 && l->nlater[t] > 0 &&
		    kag_load_restore(l, t) < 0)
			goto fail;
	if (!commit || l->errors > 0) {
		kag_store_rollback(l->store);
		l->begun = 0;
		return 0;
	}
	for (t = 0; t < NT; t++)
		if (kag_load_restore(l, t) < 0)
			goto fail;
	if (kag_store_commit(l->store) < 0) {
		kag_buf_reset(&l->err);
		kag_buf_adds(&l->err, kag_store_errmsg(l->store));
		goto fail;
	}
	l->begun = 0;
	return 1;
fail:
	kag_store_rollback(l->store);
	l->begun = 0;
	return -1;
}

const struct kag_load_report *
kag_load_report(const struct kag_load *l)
{
	return &l->rep;
}

uintmax_t
kag_load_errors(const struct kag_load *l)
{
	return l->errors;
}

const char *
kag_load_errmsg(const struct kag_load *l)
{
	return l->err.len > 0 ? l->err.buf : "";
}

void
kag_load_free(struct kag_load *l)
{
	size_t i;
	int t;

	if (l == NULL)
		return;
	for (i = 0; i < NSTMT; i++)
		sqlite3_finalize(l->st[i]);
	for (t = 0; t < NT; t++)
		sqlite3_finalize(l->later[t]);
	for (i = 0; i < 2; i++) {
		sqlite3_finalize(l->b[i].st);
		kag_buf_release(&l->b[i].text);
	}
	if (l->begun)
		kag_store_rollback(l->store);
	for (t = 0; t < NT; t++)
		kag_buf_release(&l->t[t].ddl);
	kag_load_graph_free(l);
	for (i = 0; i < sizeof(l->tmp) / sizeof(*l->tmp); i++)
		kag_buf_release(&l->tmp[i]);
	kag_buf_release(&l->extra);
	kag_buf_release(&l->key);
	kag_buf_release(&l->msg);
	kag_buf_release(&l->err);
	kag_bloom_free(l->seen);
	free(l);
}
