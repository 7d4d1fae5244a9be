/* sqlq.c: run SQL on a store and print each row as a JSON array, so that
 * tests can see what a store holds without the sqlite3 CLI. */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "kag.h"

/*
 * usage: sqlq DB SQL ...  Each SQL (one statement) is run in turn; each
 * row comes out on a line as a JSON array: text as a JSON string (NUL and
 * control bytes escaped), integers and reals as numbers, NULL as null, a
 * blob as the string "x'HEX'".  The database is opened read-write but
 * never created; a busy store is waited for up to a minute.  Exit 0, or 2
 * with a message.
 */
static void
cell(struct kag_buf *b, sqlite3_stmt *st, int c)
{
	const unsigned char *p;
	int i, n;

	switch (sqlite3_column_type(st, c)) {
	case SQLITE_NULL:
		kag_buf_adds(b, "null");
		break;
	case SQLITE_INTEGER:
		kag_buf_addf(b, "%lld", (long long)sqlite3_column_int64(st, c));
		break;
	case SQLITE_FLOAT:
		kag_buf_addf(b, "%.17g", sqlite3_column_double(st, c));
		break;
	case SQLITE_BLOB:
		p = sqlite3_column_blob(st, c);
		n = sqlite3_column_bytes(st, c);
		kag_buf_adds(b, "\"x'");
		for (i = 0; i < n; i++)
			kag_buf_addf(b, "%02x", p[i]);
		kag_buf_adds(b, "'\"");
		break;
	default:
		p = sqlite3_column_text(st, c);
		n = sqlite3_column_bytes(st, c);
		kag_buf_add_json_string(b, (const char *)p, (size_t)n);
		break;
	}
}

int
main(int argc, char *argv[])
{
	struct kag_buf b = KAG_BUF_INIT;
	sqlite3 *db;
	sqlite3_stmt *st;
	int i, c, rc, rv = 0;

	if (argc < 3) {
		fputs("usage: sqlq db sql ...\n", stderr);
		return 2;
	}
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "sqlq: %s: %s\n", argv[1], sqlite3_errmsg(db));
		sqlite3_close(db);
		return 2;
	}
	sqlite3_busy_timeout(db, 60000);
	for (i = 2; i < argc && rv == 0; i++) {
		if (sqlite3_prepare_v2(db, argv[i], -1, &st, NULL) !=
		    SQLITE_OK) {
			fprintf(stderr, "sqlq: %s\n", sqlite3_errmsg(db));
			rv = 2;
			break;
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			kag_buf_reset(&b);
			kag_buf_addc(&b, '[');
			for (c = 0; c < sqlite3_column_count(st); c++) {
				if (c > 0)
					kag_buf_addc(&b, ',');
				cell(&b, st, c);
			}
			kag_buf_addc(&b, ']');
			puts(b.buf);
		}
		if (rc != SQLITE_DONE) {
			fprintf(stderr, "sqlq: %s\n", sqlite3_errmsg(db));
			rv = 2;
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	kag_buf_release(&b);
	if (fflush(stdout) == EOF)
		rv = 2;
	return rv;
}
