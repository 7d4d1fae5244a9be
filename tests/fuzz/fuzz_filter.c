/* fuzz_filter.c: kag-filter's matching and rewriting, with its options
 * drawn from the first bytes of the input. */
#include <unistd.h>

#include "fuzz.h"

/* The program itself, its main() renamed: the target calls its pieces
 * (filter(), finish()) with options that would not make it exit. */
#define main kag_filter_main
int kag_filter_main(int, char *[]);
#include "../../bin/kag-filter.c"
#undef main

/* Options a first byte may ask for, a bit each, and the predicate each
 * one adds; its value is the next line of the input. */
static const enum kag_match_what preds[] = {
	KAG_MATCH_USER_ID,
	KAG_MATCH_AGENT_NAME,
	KAG_MATCH_SCOPE,
	KAG_MATCH_KEY,
	KAG_MATCH_TYPE,
	KAG_MATCH_SINCE,
	KAG_MATCH_UNTIL,
	KAG_MATCH_WHERE,
};

/* The next line of *p (at most n bytes) as a C string in b, or NULL. */
static const char *
arg(const char **p, size_t *n, struct kag_buf *b)
{
	const char *nl;

	if ((nl = memchr(*p, '\n', *n)) == NULL)
		return NULL;
	kag_buf_reset(b);
	kag_buf_add(b, *p, (size_t)(nl - *p));
	*n -= (size_t)(nl - *p) + 1;
	*p = nl + 1;
	if (memchr(b->buf, '\0', b->len) != NULL)
		return NULL;
	return b->buf;
}

/* Whether setarg() would take a (it exits on a name that is not UTF-8). */
static int
name_ok(struct filter *f, const char *a)
{
	struct kag_buf b = KAG_BUF_INIT;
	int rc;

	kag_buf_add_json_string(&b, a, strlen(a));
	rc = kag_json_parse(f->json, b.buf, b.len, 0);
	kag_buf_release(&b);
	return rc == 0;
}

/*
 * What kag-filter wrote is records, each line; and with --user-id U
 * alone (no -v, no --set-user-id), no memory or node of another owner.
 */
static void
output(int fd, const char *user)
{
	struct kag_reader *r;
	struct kag_json *j = kag_json_new();
	struct kag_buf err = KAG_BUF_INIT, tmp = KAG_BUF_INIT;
	struct kag_record rec;
	const char *line, *s;
	size_t len, n;
	int rc;

	if (lseek(fd, 0, SEEK_SET) != 0 ||
	    (r = kag_reader_fdopen(dup(fd), "out")) == NULL)
		abort();
	while ((rc = kag_reader_getline(r, &line, &len)) == 1) {
		if (len > 0 && line[0] >= '0' && line[0] <= '9')
			continue; /* -c */
		if (kag_record_parse(&rec, j, line, len, &err) < 0)
			abort();
		if (user != NULL && kag_record_owner(&rec, &tmp, &s, &n) == 0 &&
		    (n != strlen(user) || memcmp(s, user, n) != 0))
			abort();
	}
	if (rc < 0)
		abort();
	kag_reader_close(r);
	kag_buf_release(&err);
	kag_buf_release(&tmp);
	kag_json_free(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filter f = { 0 };
	struct kag_buf b = KAG_BUF_INIT;
	const char *p = (const char *)data, *a;
	size_t n = size;
	unsigned bits, more;
	char path[32], opath[32], *user = NULL;
	int fd, out;
	size_t i;

	if (size < 2)
		return 0;
	bits = data[0];
	more = data[1];
	p += 2;
	n -= 2;
	f.m = kag_match_new();
	f.redact = kag_match_new();
	f.json = kag_json_new();
	f.limit = UINTMAX_MAX;
	f.quiet = 1;
	for (i = 0; i < sizeof(preds) / sizeof(preds[0]); i++)
		if ((bits & 1u << i) && (a = arg(&p, &n, &b)) != NULL &&
		    kag_match_add(f.m, preds[i], a) == 0 && i == 0)
			user = kag_xstrdup(a);
	if (more & 0x01)
		kag_match_invert(f.m);
	if ((more & 0x02) && (a = arg(&p, &n, &b)) != NULL && name_ok(&f, a))
		setarg(&f, &f.setuser, "user_id", a);
	if ((more & 0x04) && (a = arg(&p, &n, &b)) != NULL && name_ok(&f, a))
		setarg(&f, &f.setagent, "agent_name", a);
	if ((more & 0x08) && (a = arg(&p, &n, &b)) != NULL) {
		kag_match_add(f.redact, KAG_MATCH_KEY, a);
		f.redacting = 1;
	}
	if (more & 0x10)
		f.limit = more >> 5;
	f.count = (more & 0x20) != 0 && (more & 0x10) == 0;
	if ((more & 0x07) != 0) {
		free(user); /* -v or a new owner: no promise about owners */
		user = NULL;
	}
	fd = fuzz_file(p, n, path, sizeof(path));
	out = fuzz_file("", 0, opath, sizeof(opath));
	f.w = kag_writer_open(out, 0);
	filter(&f, path);
	finish(&f);
	output(out, user);
	free(user);
	close(out);
	release(&f);
	kag_buf_release(&b);
	close(fd);
	return 0;
}
