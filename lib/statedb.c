/* statedb.c: kag-verify --state's SQLite file: a row per file verified. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>
#include <xxhash.h>
#define ZLIB_CONST
#include <zlib.h>

#include "kag.h"

/*
 * One table of rows, keyed by the operand as named and the options
 * string; diagnostics compressed (they repeat), the checker's saved forms
 * as they are (fingerprints do not compress).  A row's blobs carry a
 * checksum, so that a damaged row is not used; a damaged file is made
 * again; a file of another format is emptied at the next commit.
 */
#define FORMAT "kag-verify-state 2 xxh3-chunked"

static const char *const ddl[] = {
	"CREATE TABLE IF NOT EXISTS kag_verify_meta (key TEXT PRIMARY KEY, "
	"value TEXT NOT NULL)",
	"CREATE TABLE IF NOT EXISTS kag_verify_files (path TEXT NOT NULL, "
	"options TEXT NOT NULL, size INTEGER NOT NULL, hash INTEGER NOT NULL, "
	"gzip INTEGER NOT NULL, lines INTEGER NOT NULL, "
	"growable INTEGER NOT NULL, nstream INTEGER NOT NULL, "
	"diaglen INTEGER NOT NULL, diags BLOB NOT NULL, final BLOB NOT NULL, "
	"resume BLOB NOT NULL, sum INTEGER NOT NULL, "
	"PRIMARY KEY (path, options))",
	"INSERT OR REPLACE INTO kag_verify_meta VALUES ('format', '" FORMAT
	"')",
};

struct kag_state {
	sqlite3 *db;
	char *path;
	char *options;
	int fresh;   /* no usable rows: rebuilt, or of another format */
	int damaged; /* the file must be made again at commit */
	struct kag_buf err;
	struct kag_buf note;
	struct kag_state_row *rows; /* to write at commit */
};

static int
sqlfail(struct kag_state *s, const char *what)
{
	int rc = sqlite3_errcode(s->db);

	if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
		s->damaged = s->fresh = 1;
	kag_buf_reset(&s->err);
	kag_buf_addf(&s->err, "%s: %s", what, sqlite3_errmsg(s->db));
	return -1;
}

static int
connect(struct kag_state *s)
{
	int rc;

	rc = sqlite3_open_v2(
	    s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		kag_buf_addf(&s->err, "%s: %s", s->path,
		    s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		return -1;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, KAG_STORE_TIMEOUT_MS);
	/* Rows hold megabytes of fingerprints: large pages write them in
	 * few calls (this takes effect only in a file still empty). */
	sqlite3_exec(s->db, "PRAGMA page_size = 65536", NULL, NULL, NULL);
	/* A cache need not survive a power cut: what a crash leaves
	 * damaged is found (each row's checksum covers all of it) and made
	 * again. */
	sqlite3_exec(s->db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
	return 0;
}

/* Whether the file holds a kag-verify state of this format: 1 yes, 0 no
 * (empty, or another format: start afresh), -1 not a state at all or
 * damaged (s->damaged says which), with the reason in s->err. */
static int
usable(struct kag_state *s)
{
	sqlite3_stmt *st;
	const char *v;
	int rc, ok = 0;

	rc = sqlite3_prepare_v2(s->db,
	    "SELECT value FROM kag_verify_meta WHERE key = 'format'", -1, &st,
	    NULL);
	if (rc != SQLITE_OK) {
		/* SQLITE_ERROR is "no such table": an empty database, or
		 * someone else's; anything else is trouble or damage. */
		if (sqlfail(s, s->path) < 0 && (rc & 0xff) != SQLITE_ERROR)
			return -1;
		rc = sqlite3_prepare_v2(
		    s->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
		if (rc != SQLITE_OK)
			return sqlfail(s, s->path);
		rc = sqlite3_step(st);
		ok = rc == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
		if (rc != SQLITE_ROW)
			sqlfail(s, s->path);
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW)
			return -1;
		if (!ok) {
			kag_buf_reset(&s->err);
			kag_buf_addf(&s->err,
			    "%s: a database, but not a kag-verify state file",
			    s->path);
			return -1;
		}
		return 0;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		v = (const char *)sqlite3_column_text(st, 0);
		ok = v != NULL && strcmp(v, FORMAT) == 0;
	} else if (rc != SQLITE_DONE) {
		sqlfail(s, s->path);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	return ok;
}

/* Make the file again from nothing. */
static int
rebuild(struct kag_state *s)
{
	struct kag_buf j = KAG_BUF_INIT;

	sqlite3_close_v2(s->db);
	s->db = NULL;
	kag_buf_addf(&j, "%s-journal", s->path);
	if ((unlink(s->path) == -1 && errno != ENOENT) ||
	    (unlink(j.buf) == -1 && errno != ENOENT)) {
		kag_buf_reset(&s->err);
		kag_buf_addf(&s->err, "%s: %s", s->path, strerror(errno));
		kag_buf_release(&j);
		return -1;
	}
	kag_buf_release(&j);
	s->damaged = 0;
	s->fresh = 1;
	kag_buf_reset(&s->err);
	return connect(s);
}

struct kag_state *
kag_state_open(const char *path, const char *options, struct kag_buf *err)
{
	struct kag_state *s = kag_xcalloc(1, sizeof(*s));
	int rc;

	s->path = kag_xstrdup(path);
	s->options = kag_xstrdup(options);
	if (connect(s) < 0)
		goto fail;
	if ((rc = usable(s)) < 0 && s->damaged) {
		kag_buf_addf(&s->note, "%s: damaged (%s): made again", path,
		    sqlite3_errmsg(s->db));
		if (rebuild(s) < 0)
			goto fail;
		rc = 0;
	}
	if (rc < 0)
		goto fail;
	s->fresh = rc == 0;
	return s;
fail:
	kag_buf_add(err, s->err.buf, s->err.len);
	kag_state_close(s);
	return NULL;
}

const char *
kag_state_note(const struct kag_state *s)
{
	return s->note.len > 0 ? s->note.buf : NULL;
}

const char *
kag_state_errmsg(const struct kag_state *s)
{
	return s->err.len > 0 ? s->err.buf : "";
}

void
kag_state_row_free(struct kag_state_row *w)
{
	if (w == NULL)
		return;
	free(w->path);
	kag_buf_release(&w->diags);
	kag_buf_release(&w->final);
	kag_buf_release(&w->resume);
	free(w);
}

void
kag_state_close(struct kag_state *s)
{
	struct kag_state_row *w;

	if (s == NULL)
		return;
	while ((w = s->rows) != NULL) {
		s->rows = w->next;
		kag_state_row_free(w);
	}
	if (s->db != NULL && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close_v2(s->db);
	free(s->path);
	free(s->options);
	kag_buf_release(&s->err);
	kag_buf_release(&s->note);
	free(s);
}

/* The checksum that proves a row's blobs whole. */
static uint64_t
rowsum(const struct kag_state *s, const char *path,
    const struct kag_state_row *w, const void *z, size_t zn, uint64_t zlen)
{
	XXH3_state_t *h = XXH3_createState();
	struct kag_buf b = KAG_BUF_INIT;
	uint64_t v;

	if (h == NULL)
		return 0;
	kag_saved_putstr(&b, path, strlen(path));
	kag_saved_putstr(&b, s->options, strlen(s->options));
	kag_saved_put64(&b, w->size);
	kag_saved_put64(&b, w->hash);
	kag_saved_put64(&b, w->lines);
	kag_saved_put64(&b, w->nstream);
	kag_saved_put64(&b, (uint64_t)w->gzip);
	kag_saved_put64(&b, (uint64_t)w->growable);
	kag_saved_put64(&b, zlen);
	XXH3_64bits_reset(h);
	XXH3_64bits_update(h, b.buf, b.len);
	XXH3_64bits_update(h, z, zn);
	XXH3_64bits_update(h, w->final.buf, w->final.len);
	XXH3_64bits_update(h, w->resume.buf, w->resume.len);
	v = XXH3_64bits_digest(h);
	XXH3_freeState(h);
	kag_buf_release(&b);
	return v;
}

static void
blob(sqlite3_stmt *st, int col, struct kag_buf *b)
{
	const void *p = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);

	if (p != NULL && n > 0)
		kag_buf_add(b, p, (size_t)n);
}

struct kag_state_row *
kag_state_lookup(struct kag_state *s, const char *path)
{
	sqlite3_stmt *st;
	struct kag_state_row *w;
	struct kag_buf z = KAG_BUF_INIT;
	uLongf n;
	sqlite3_int64 diaglen;
	int rc, good = 0;

	if (s->fresh)
		return NULL;
	rc = sqlite3_prepare_v2(s->db,
	    "SELECT size, hash, gzip, lines, growable, nstream, diaglen, "
	    "diags, final, resume, sum FROM kag_verify_files "
	    "WHERE path = ?1 AND options = ?2",
	    -1, &st, NULL);
	if (rc != SQLITE_OK) {
		sqlfail(s, s->path);
		return NULL;
	}
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->options, -1, SQLITE_STATIC);
	w = kag_xcalloc(1, sizeof(*w));
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		w->size = (uint64_t)sqlite3_column_int64(st, 0);
		w->hash = (uint64_t)sqlite3_column_int64(st, 1);
		w->gzip = sqlite3_column_int(st, 2) != 0;
		w->lines = (uint64_t)sqlite3_column_int64(st, 3);
		w->growable = sqlite3_column_int(st, 4) != 0;
		w->nstream = (uint64_t)sqlite3_column_int64(st, 5);
		diaglen = sqlite3_column_int64(st, 6);
		blob(st, 7, &z);
		blob(st, 8, &w->final);
		blob(st, 9, &w->resume);
		good = (uint64_t)sqlite3_column_int64(st, 10) ==
			rowsum(s, path, w, z.buf, z.len, (uint64_t)diaglen) &&
		    diaglen >= 0 && (uint64_t)diaglen < SIZE_MAX / 2;
		if (good && diaglen > 0) {
			kag_buf_grow(&w->diags, (size_t)diaglen);
			n = (uLongf)diaglen;
			good =
			    uncompress((Bytef *)w->diags.buf, &n,
				(const Bytef *)z.buf, (uLong)z.len) == Z_OK &&
			    n == (uLongf)diaglen;
			w->diags.len = (size_t)diaglen;
		}
	} else if (rc != SQLITE_DONE) {
		sqlfail(s, s->path);
	}
	sqlite3_finalize(st);
	kag_buf_release(&z);
	if (!good) {
		kag_state_row_free(w);
		return NULL;
	}
	return w;
}

static int
write1(struct kag_state *s, sqlite3_stmt *st, const struct kag_state_row *w)
{
	uLongf zn = compressBound((uLong)w->diags.len);
	Bytef *z = kag_xmalloc(zn);
	int rc;

	if (compress2(z, &zn, (const Bytef *)w->diags.buf, (uLong)w->diags.len,
		1) != Z_OK) {
		free(z);
		kag_buf_reset(&s->err);
		kag_buf_adds(&s->err, "out of memory");
		return -1;
	}
	sqlite3_bind_text(st, 1, w->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->options, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)w->size);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)w->hash);
	sqlite3_bind_int(st, 5, w->gzip);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)w->lines);
	sqlite3_bind_int(st, 7, w->growable);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)w->nstream);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)w->diags.len);
	sqlite3_bind_blob64(st, 10, z, zn, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 11, w->final.buf ? w->final.buf : "",
	    w->final.len, SQLITE_STATIC);
	sqlite3_bind_blob64(st, 12, w->resume.buf ? w->resume.buf : "",
	    w->resume.len, SQLITE_STATIC);
	sqlite3_bind_int64(
	    st, 13, (sqlite3_int64)rowsum(s, w->path, w, z, zn, w->diags.len));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	free(z);
	return rc == SQLITE_DONE ? 0 : sqlfail(s, s->path);
}

int
kag_state_commit(struct kag_state *s)
{
	sqlite3_stmt *st = NULL;
	const struct kag_state_row *w;
	size_t i;

	if (s->rows == NULL && !s->damaged)
		return 0;
	if (s->damaged && rebuild(s) < 0)
		return -1;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return sqlfail(s, s->path);
	if (s->fresh &&
	    sqlite3_exec(s->db, "DROP TABLE IF EXISTS kag_verify_files", NULL,
		NULL, NULL) != SQLITE_OK)
		goto fail;
	for (i = 0; i < sizeof(ddl) / sizeof(*ddl); i++)
		if (sqlite3_exec(s->db, ddl[i], NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
	if (sqlite3_prepare_v2(s->db,
		"INSERT OR REPLACE INTO kag_verify_files VALUES (?1, ?2, ?3, "
		"?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
		-1, &st, NULL) != SQLITE_OK)
		goto fail;
	for (w = s->rows; w != NULL; w = w->next)
		if (write1(s, st, w) < 0)
			goto fail;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	s->fresh = 0;
	return 0;
fail:
	if (st == NULL)
		sqlfail(s, s->path);
	sqlite3_finalize(st);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

void
kag_state_add(struct kag_state *s, struct kag_state_row *w)
{
	w->next = s->rows;
	s->rows = w;
}
