/* store.c: the SQLite store: Kagura's memories table and our kag_ tables. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "kag.h"

struct kag_store {
	sqlite3 *db;
	int write;
	char *path;
	struct kag_buf err;
};

/*
 * Kagura's own statements, byte for byte: SQLite keeps their text in
 * sqlite_master, and a store kag-load creates must look like one Kagura
 * created (PersistentMemory._init_db of v4.0 to v4.3).
 */
#define I16 "                "
#define I20 I16 "    "
static const char *const kagura_ddl[] = {
	"\n" I16 "CREATE TABLE IF NOT EXISTS memories (\n" I20
	"id INTEGER PRIMARY KEY AUTOINCREMENT,\n" I20 "key TEXT NOT NULL,\n" I20
	"value TEXT NOT NULL,\n" I20
	"user_id TEXT NOT NULL DEFAULT 'default_user',\n" I20
	"agent_name TEXT,\n" I20
	"created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,\n" I20
	"updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,\n" I20
	"metadata TEXT\n" I16 ")\n            ",
	"ALTER TABLE memories ADD COLUMN access_count INTEGER DEFAULT 0",
	"ALTER TABLE memories ADD COLUMN last_accessed_at TIMESTAMP",
	"CREATE INDEX IF NOT EXISTS idx_key ON memories(key)",
	"CREATE INDEX IF NOT EXISTS idx_agent ON memories(agent_name)",
	"CREATE INDEX IF NOT EXISTS idx_key_agent ON memories(key, agent_name)",
	"CREATE INDEX IF NOT EXISTS idx_user ON memories(user_id)",
	"CREATE INDEX IF NOT EXISTS idx_user_agent\n"
	"                   ON memories(user_id, agent_name)",
	"CREATE INDEX IF NOT EXISTS idx_user_key ON memories(user_id, key)",
};

/*
 * Ours.  String fields are kept decoded (so that SQL and Kagura can read
 * them); JSON-valued fields (value, data, content, metadata, weight,
 * directed) as the JSON text of the record; "extra" holds a record's
 * fields that kag does not know, as a JSON object, so that they come
 * back out of kag-dump.
 */
static const char *const kag_ddl[] = {
	"CREATE TABLE IF NOT EXISTS kag_meta (key TEXT PRIMARY KEY, "
	"value TEXT NOT NULL)",
	"INSERT OR IGNORE INTO kag_meta VALUES ('schema_version', "
	"'" KAG_STORE_SCHEMA "')",
	"CREATE TABLE IF NOT EXISTS kag_working (id INTEGER PRIMARY KEY, "
	"key TEXT NOT NULL, value TEXT NOT NULL, user_id TEXT NOT NULL "
	"DEFAULT 'default_user', agent_name TEXT, created_at TEXT, "
	"updated_at TEXT, metadata TEXT, extra TEXT)",
	"CREATE INDEX IF NOT EXISTS kag_working_identity ON "
	"kag_working(user_id, key)",
	"CREATE TABLE IF NOT EXISTS kag_memory_extra (memory_id INTEGER "
	"PRIMARY KEY, extra TEXT NOT NULL)",
	"CREATE TABLE IF NOT EXISTS kag_nodes (id TEXT PRIMARY KEY, "
	"node_type TEXT, data TEXT, content TEXT, metadata TEXT, "
	"created_at TEXT, updated_at TEXT, extra TEXT)",
	"CREATE TABLE IF NOT EXISTS kag_edges (seq INTEGER PRIMARY KEY, "
	"id TEXT UNIQUE, src TEXT NOT NULL, dst TEXT NOT NULL, rel_type TEXT, "
	"weight TEXT, data TEXT, directed TEXT, metadata TEXT, "
	"created_at TEXT, extra TEXT)",
	/* Covering: the edges out of a set of nodes are read from the index
	 * alone, and the edges into one are found without the table
	 * (kag-subgraph -d). */
	"CREATE INDEX IF NOT EXISTS kag_edges_src ON kag_edges(src, dst, "
	"rel_type, weight, data, id, directed, metadata, created_at, extra)",
	"CREATE INDEX IF NOT EXISTS kag_edges_dst ON kag_edges(dst, src)",
	"CREATE TABLE IF NOT EXISTS kag_hyperedges (id TEXT PRIMARY KEY, "
	"edge_type TEXT, content TEXT, metadata TEXT, created_at TEXT, "
	"extra TEXT)",
	"CREATE TABLE IF NOT EXISTS kag_hyperedge_members (hyperedge_id TEXT "
	"NOT NULL, pos INTEGER NOT NULL, node_id TEXT NOT NULL, PRIMARY KEY "
	"(hyperedge_id, pos)) WITHOUT ROWID",
	"CREATE INDEX IF NOT EXISTS kag_hyperedge_members_node ON "
	"kag_hyperedge_members(node_id)",
};

/* Kagura's columns, which every memories table must have (by name: 3.x
 * databases have them in another order). */
static const char *const kagura_columns[] = {
	"id",
	"key",
	"value",
	"user_id",
	"agent_name",
	"created_at",
	"updated_at",
	"metadata",
};

int
kag_store_path(const char *path, struct kag_buf *out)
{
	const char *e;

	if (path != NULL && *path != '\0') {
		kag_buf_adds(out, path);
	} else if ((e = getenv("KAG_DB")) != NULL && *e != '\0') {
		kag_buf_adds(out, e);
	} else if ((e = getenv("KAGURA_DATA_DIR")) != NULL && *e != '\0') {
		kag_buf_addf(out, "%s/memory.db", e);
	} else if ((e = getenv("XDG_DATA_HOME")) != NULL && *e != '\0') {
		kag_buf_addf(out, "%s/kagura/memory.db", e);
	} else if ((e = getenv("HOME")) != NULL && *e != '\0') {
		kag_buf_addf(out, "%s/.local/share/kagura/memory.db", e);
	} else {
		return -1;
	}
	return 0;
}

static int
fail(struct kag_store *s, const char *what)
{
	kag_buf_reset(&s->err);
	kag_buf_addf(&s->err, "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

struct kag_store *
kag_store_open(
    const char *path, unsigned flags, int timeout_ms, struct kag_buf *err)
{
	struct kag_store *s = kag_xcalloc(1, sizeof(*s));
	int oflags, rc;

	s->write = (flags & KAG_STORE_WRITE) != 0;
	s->path = kag_xstrdup(path);
	/* A connection is used by one thread at a time (dump.c hands a
	 * reader's to its worker and back), so SQLite's own mutex is only
	 * cost. */
	oflags = SQLITE_OPEN_NOMUTEX |
	    (s->write ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
		      : SQLITE_OPEN_READONLY);
	rc = sqlite3_open_v2(path, &s->db, oflags, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_extended_result_codes(s->db, 1);
		sqlite3_busy_timeout(s->db, timeout_ms);
		/* A file that is not a database says so here, not later. */
		rc = sqlite3_exec(s->db, "SELECT count(*) FROM sqlite_master",
		    NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		kag_buf_addf(err, "sqlite: %s",
		    s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		kag_store_close(s);
		return NULL;
	}
	return s;
}

struct sqlite3 *
kag_store_db(struct kag_store *s)
{
	return s->db;
}

const char *
kag_store_errmsg(const struct kag_store *s)
{
	return s->err.len > 0 ? s->err.buf : "";
}

int
kag_store_exec(struct kag_store *s, const char *sql)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, "sqlite");
	return 0;
}

int
kag_store_begin(struct kag_store *s)
{
	if (s->write)
		return kag_store_exec(s, "BEGIN IMMEDIATE");
	/* A read transaction starts at its first read: make one now, so
	 * that every later query sees this snapshot. */
	if (kag_store_exec(s, "BEGIN") < 0 ||
	    kag_store_exec(s, "SELECT count(*) FROM sqlite_master") < 0)
		return -1;
	return 0;
}

struct kag_store *
kag_store_twin(struct kag_store *s)
{
	struct kag_buf err = KAG_BUF_INIT;
	struct kag_store *t = NULL;
	sqlite3_stmt *st;
	const unsigned char *mode;
	int wal = 1;

	/* A reader's snapshot holds a shared lock on a rollback-journal
	 * file, so that nobody commits until it ends: a connection opened
	 * meanwhile reads the same bytes.  In WAL mode nothing holds the
	 * writers back. */
	if (s->write || sqlite3_get_autocommit(s->db))
		return NULL;
	if (sqlite3_prepare_v2(s->db, "PRAGMA main.journal_mode", -1, &st,
		NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW &&
		    (mode = sqlite3_column_text(st, 0)) != NULL)
			wal = sqlite3_stricmp((const char *)mode, "wal") == 0;
		sqlite3_finalize(st);
	}
	if (!wal && (t = kag_store_open(s->path, 0, 0, &err)) != NULL &&
	    kag_store_begin(t) < 0) {
		kag_store_close(t);
		t = NULL;
	}
	kag_buf_release(&err);
	return t;
}

int
kag_store_commit(struct kag_store *s)
{
	return kag_store_exec(s, "COMMIT");
}

void
kag_store_rollback(struct kag_store *s)
{
	if (s->db != NULL && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int
kag_store_has_row(struct kag_store *s, const char *sql)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(s, "sqlite");
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(s, "sqlite");
	return rc == SQLITE_ROW;
}

int
kag_store_has_table(struct kag_store *s, const char *table)
{
	sqlite3_stmt *st;
	int found;

	if (sqlite3_prepare_v2(s->db,
		"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = "
		"?1",
		-1, &st, NULL) != SQLITE_OK)
		return fail(s, "sqlite");
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int
kag_store_has_column(struct kag_store *s, const char *table, const char *column)
{
	sqlite3_stmt *st;
	int rc, found = 0;

	if (sqlite3_prepare_v2(s->db,
		"SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1, &st,
		NULL) != SQLITE_OK)
		return fail(s, "sqlite");
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		found = 1;
	else if (rc != SQLITE_DONE)
		found = fail(s, "sqlite");
	sqlite3_finalize(st);
	return found;
}

int
kag_store_check(struct kag_store *s)
{
	size_t i;
	int rc;

	if ((rc = kag_store_has_table(s, "memories")) <= 0) {
		if (rc == 0) {
			kag_buf_reset(&s->err);
			kag_buf_adds(&s->err,
			    "no 'memories' table: not a "
			    "Kagura store");
		}
		return -1;
	}
	for (i = 0; i < sizeof(kagura_columns) / sizeof(*kagura_columns); i++) {
		if ((rc = kag_store_has_column(
			 s, "memories", kagura_columns[i])) > 0)
			continue;
		if (rc == 0) {
			kag_buf_reset(&s->err);
			kag_buf_addf(&s->err,
			    "table 'memories' has no column '%s'",
			    kagura_columns[i]);
		}
		return -1;
	}
	return 0;
}

/*
 * Schema 1 (kag 0.1) had narrower edge indexes: drop them, for kag_ddl
 * to make them again as they are now.
 */
static int
upgrade(struct kag_store *s)
{
	int rc;

	if ((rc = kag_store_has_table(s, "kag_meta")) <= 0 ||
	    (rc = kag_store_has_row(s,
		 "SELECT 1 FROM kag_meta WHERE key = 'schema_version' AND "
		 "value = '1'")) <= 0)
		return rc;
	return kag_store_exec(s,
	    "DROP INDEX IF EXISTS kag_edges_src; "
	    "DROP INDEX IF EXISTS kag_edges_dst");
}

int
kag_store_ensure(struct kag_store *s)
{
	size_t i;
	int rc;

	if ((rc = kag_store_has_table(s, "memories")) < 0)
		return -1;
	for (i = 0; rc == 0 && i < sizeof(kagura_ddl) / sizeof(*kagura_ddl);
	     i++)
		if (kag_store_exec(s, kagura_ddl[i]) < 0)
			return -1;
	if (kag_store_check(s) < 0 || upgrade(s) < 0)
		return -1;
	for (i = 0; i < sizeof(kag_ddl) / sizeof(*kag_ddl); i++)
		if (kag_store_exec(s, kag_ddl[i]) < 0)
			return -1;
	return kag_store_exec(s,
	    "UPDATE kag_meta SET value = '" KAG_STORE_SCHEMA "' WHERE key = "
	    "'schema_version' AND value = '1'");
}

void
kag_store_close(struct kag_store *s)
{
	if (s == NULL)
		return;
	kag_store_rollback(s);
	sqlite3_close_v2(s->db);
	free(s->path);
	kag_buf_release(&s->err);
	free(s);
}
