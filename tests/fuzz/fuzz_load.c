/* fuzz_load.c: an operand loaded into an in-memory store, all or
 * nothing, and what was loaded dumped back as valid records. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kag.h"
#include "fuzz.h"

static void
diag(void *ctx, const struct kag_diag *d)
{
	uintmax_t *n = ctx;

	if (d->msg == NULL || *d->msg == '\0')
		abort();
	if (d->severity == KAG_ERROR)
		(*n)++;
}

/* Every line the dump writes is a record (dump.c's contract). */
static void
dump(struct kag_store *s)
{
	struct kag_dump *d;
	struct kag_json *j = kag_json_new();
	struct kag_buf err = KAG_BUF_INIT;
	struct kag_record r;
	enum kag_type type;
	const char *line;
	size_t len;
	uintmax_t nerr = 0;

	if (kag_store_begin(s) < 0)
		abort();
	d = kag_dump_new(s, ":memory:", 0, diag, &nerr);
	while (kag_dump_next(d, &type, &line, &len) > 0)
		if (kag_record_parse(&r, j, line, len, &err) < 0 ||
		    r.type != type)
			abort();
	if (nerr > 0)
		abort(); /* what was loaded was valid */
	kag_dump_free(d);
	kag_store_rollback(s);
	kag_buf_release(&err);
	kag_json_free(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kag_load_opts o = { .conflict = KAG_CONFLICT_REPLACE };
	struct kag_buf err = KAG_BUF_INIT;
	struct kag_store *s;
	struct kag_input *in;
	struct kag_load *l;
	struct kag_record rec;
	uintmax_t nerr = 0;
	char path[32];
	int fd, rc, ok = 1;

	if (size > 0 && data[0] == 'F') /* a first byte 'F' asks for fail */
		o.conflict = KAG_CONFLICT_FAIL;
	fd = fuzz_file(data, size, path, sizeof(path));
	if ((s = kag_store_open(":memory:", KAG_STORE_WRITE, 0, &err)) == NULL)
		abort();
	l = kag_load_new(s, &o, diag, &nerr);
	if (kag_load_begin(l) < 0)
		abort();
	if ((in = kag_input_open(path, diag, &nerr)) == NULL)
		abort();
	while ((rc = kag_input_next(in, &rec)) > 0)
		if (kag_load_record(l, &rec, kag_input_name(in),
			kag_input_lineno(in)) < 0) {
			ok = 0;
			break;
		}
	if (rc < 0 || kag_input_status(in) != 0)
		ok = 0;
	kag_input_close(in);
	rc = kag_load_finish(l, ok);
	/* Committed exactly when nothing was wrong. */
	if (rc == 1 && (!ok || nerr > 0 || kag_load_errors(l) > 0))
		abort();
	kag_load_free(l);
	if (rc == 1)
		dump(s);
	kag_store_close(s);
	kag_buf_release(&err);
	close(fd);
	return 0;
}
