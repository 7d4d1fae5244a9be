/* t_check.c: unit tests for the cross-record checker and the progress line. */
#define _XOPEN_SOURCE 700 /* posix_openpt and friends */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kag.h"
#include "tap.h"

static char dir[] = "/tmp/t_check.XXXXXX";

/* What the checker passed on, one "file:line: severity: msg" a line. */
static struct kag_buf seen = KAG_BUF_INIT;

static void
collect(void *ctx, const struct kag_diag *d)
{
	(void)ctx;
	kag_buf_addf(&seen, "%s:%ju: %s: %s\n", d->file, d->line,
	    d->severity == KAG_ERROR ? "error" : "warning", d->msg);
}

static char *
put(const char *name, const char *text)
{
	struct kag_buf path = KAG_BUF_INIT;
	FILE *f;

	kag_buf_addf(&path, "%s/%s", dir, name);
	if ((f = fopen(path.buf, "w")) == NULL) {
		perror(path.buf);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	return kag_buf_detach(&path, NULL);
}

/* Check path as kag-verify does; c is left for the caller to look at. */
static struct kag_check *
check(const char *path, unsigned flags, const char *want)
{
	struct kag_check *c = kag_check_new(collect, NULL, flags);
	struct kag_input *in;
	struct kag_record rec;
	int rc;

	kag_buf_reset(&seen);
	kag_buf_adds(&seen, "");
	if (want != NULL)
		kag_check_demand(c, want);
	if ((in = kag_check_open(c, path)) == NULL) {
		ok(0, "open %s: %s", path, strerror(errno));
		return c;
	}
	while ((rc = kag_input_next(in, &rec)) > 0)
		kag_check_record(c, in, &rec);
	if (rc == 0)
		kag_check_end(c, in);
	kag_input_close(in);
	return c;
}

/* Whether what was seen, without the directory's name, is want. */
static int
saw(const char *want)
{
	struct kag_buf b = KAG_BUF_INIT;
	size_t n = strlen(dir);
	const char *p = seen.buf, *q;
	int same;

	while ((q = strstr(p, dir)) != NULL) {
		kag_buf_add(&b, p, (size_t)(q - p));
		p = q + n + 1;
	}
	kag_buf_adds(&b, p);
	same = strcmp(b.buf != NULL ? b.buf : "", want) == 0;
	if (!same)
		printf("# saw:\n%s# wanted:\n%s", b.buf, want);
	kag_buf_release(&b);
	return same;
}

#define MEM(k)                                                                 \
	"{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"" k              \
	"\",\"value\":1}\n"
#define HEAD "{\"type\":\"metadata\",\"format_version\":\"1.0\"}\n"

static void
test_checker(void)
{
	struct kag_check *c;
	const struct kag_counts *k;
	char *good, *bare, *empty, *bad, *d;

	good = put("good.jsonl",
	    HEAD MEM("a") "{\"type\":\"node\",\"id\":\"n1\"}\n"
			  "{\"type\":\"edge\",\"src\":\"n1\",\"dst\":\"n1\"}\n"
			  "{\"type\":\"end\",\"stats\":{\"memories\":1,"
			  "\"graph_nodes\":1,\"graph_edges\":1,\"hyperedges\":"
			  "0}}\n");
	c = check(good, 0, NULL);
	k = kag_check_counts(c);
	ok(kag_check_errors(c) == 0 && kag_check_warnings(c) == 0 && saw(""),
	    "a good stream: no problems");
	ok(k->memories == 1 && k->nodes == 1 && k->edges == 1 &&
		k->hyperedges == 0,
	    "counts by type, header and trailer left out");
	ok(!kag_check_bare(c) && kag_check_version(c) != NULL &&
		strcmp(kag_check_version(c), "1.0") == 0,
	    "not bare; the header's version");
	kag_check_free(c);

	c = check(good, 0, "1.1");
	ok(kag_check_errors(c) == 1 &&
		saw("good.jsonl:1: error: format_version '1.0' is not the "
		    "required '1.1'\n"),
	    "a demanded version the header lacks is an error");
	kag_check_free(c);

	bare = put("bare.jsonl",
	    "{\"type\":\"edge\",\"src\":\"n\\u0031\",\"dst\":\"ghost\"}\n"
	    "{\"type\":\"node\",\"id\":\"n1\"}\n" MEM("a")
		MEM("a") "not json\n");
	c = check(bare, 0, NULL);
	ok(saw("bare.jsonl:1: warning: bare stream: no header, truncation "
	       "cannot be detected\n"
	       "bare.jsonl:2: warning: record out of order: node after "
	       "edge\n"
	       "bare.jsonl:4: warning: duplicate memory: key 'a', user_id "
	       "'default_user', agent_name null, scope 'working'\n"
	       "bare.jsonl:5: error: invalid JSON: invalid literal 'not' "
	       "(column 1)\n"
	       "bare.jsonl:1: warning: edge dst 'ghost' is not a node of the "
	       "stream\n"),
	    "a bare stream: the input's problems and the checker's, "
	    "missing endpoints at the end only, escapes decoded");
	ok(kag_check_errors(c) == 1 && kag_check_warnings(c) == 4,
	    "the input's errors are counted with the checker's warnings");
	ok(kag_check_bare(c) && kag_check_version(c) == NULL,
	    "bare, with no version");
	kag_check_free(c);

	c = check(bare, KAG_CHECK_STRICT, NULL);
	ok(kag_check_errors(c) == 5 && kag_check_warnings(c) == 0,
	    "KAG_CHECK_STRICT passes every warning on as an error");
	ok(strstr(seen.buf, "warning") == NULL, "and none says warning");
	kag_check_free(c);

	c = check(bare, 0, "1.0");
	ok(kag_check_errors(c) == 2 &&
		strstr(seen.buf,
		    "bare.jsonl:1: error: bare stream: no header, "
		    "so format_version '1.0' cannot be "
		    "checked\n") != NULL,
	    "a demanded version and a bare stream: an error");
	kag_check_free(c);

	empty = put("empty.jsonl", "\n\n");
	c = check(empty, 0, NULL);
	ok(kag_check_warnings(c) == 1 && kag_check_bare(c) &&
		saw("empty.jsonl:0: warning: empty input\n"),
	    "an empty input: a warning, bare");
	kag_check_free(c);
	c = check(empty, 0, "1.0");
	ok(kag_check_errors(c) == 1 &&
		saw("empty.jsonl:0: error: empty input: no format_version "
		    "'1.0' to check\n"),
	    "an empty input with a demanded version: an error");
	kag_check_free(c);

	bad = put("bad.jsonl", "{\n");
	c = check(bad, 0, NULL);
	ok(kag_check_errors(c) == 1 && kag_check_warnings(c) == 0,
	    "an input of bad lines only is not also empty");
	kag_check_free(c);

	d = put("export", "");
	unlink(d);
	if (mkdir(d, 0700) < 0)
		perror(d);
	free(put("export/metadata.json",
	    "{\"format_version\": \"1.0\", \"stats\": {\"memories\": 2, "
	    "\"graph_nodes\": 0, \"graph_edges\": 0}}"));
	free(put("export/memories.jsonl", MEM("a") MEM("a")));
	c = check(d, 0, "1.2");
	ok(saw("export/metadata.json:0: error: format_version '1.0' is not "
	       "the required '1.2'\n"
	       "export/memories.jsonl:2: warning: duplicate memory: key 'a', "
	       "user_id 'default_user', agent_name null, scope 'working'\n"),
	    "a directory: metadata.json held to the demand before any "
	    "record");
	ok(!kag_check_bare(c) && strcmp(kag_check_version(c), "1.0") == 0,
	    "a directory is not bare; its version is metadata.json's");
	kag_check_free(c);

	c = kag_check_new(collect, NULL, 0);
	free(d);
	d = put("nometa", "");
	unlink(d);
	mkdir(d, 0700);
	errno = 0;
	ok(kag_check_open(c, d) == NULL && errno == ENOENT,
	    "a directory without metadata.json: NULL, ENOENT");
	kag_check_free(c);
	kag_check_free(NULL);

	free(good);
	free(bare);
	free(empty);
	free(bad);
	free(d);
}

static void
cleanup(void)
{
	static const char *files[] = { "good.jsonl", "bare.jsonl",
		"empty.jsonl", "bad.jsonl", "export/metadata.json",
		"export/memories.jsonl", "export", "nometa" };
	struct kag_buf path = KAG_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		kag_buf_reset(&path);
		kag_buf_addf(&path, "%s/%s", dir, files[i]);
		if (unlink(path.buf) < 0)
			rmdir(path.buf);
	}
	rmdir(dir);
	kag_buf_release(&path);
}

static long long
ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Everything the terminal's other side can read now. */
static void
drain(int fd, struct kag_buf *out)
{
	struct pollfd pfd;
	char buf[4096];
	ssize_t n;

	pfd.fd = fd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 100) > 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		kag_buf_add(out, buf, (size_t)n);
}

/* Call update for msec milliseconds, as a busy loop over records would. */
static uintmax_t
spin(struct kag_progress *a, struct kag_progress *b, const char *file,
    uintmax_t n, long long msec)
{
	long long end = ms() + msec;
	struct timespec nap = { 0, 100000 };

	while (ms() < end) {
		kag_progress_update(a, file, ++n);
		kag_progress_update(b, file, n);
		if (n % 4096 == 0)
			nanosleep(&nap, NULL);
	}
	return n;
}

static size_t
count(const char *s, size_t len, const char *what)
{
	size_t n = 0, w = strlen(what), i;

	for (i = 0; i + w <= len; i++)
		if (memcmp(s + i, what, w) == 0)
			n++;
	return n;
}

/* Whether s is a blank: '\r', at least n spaces, '\r'. */
static int
blank(const struct kag_buf *b, size_t n)
{
	return b->len >= n + 2 && b->buf[0] == '\r' &&
	    b->buf[b->len - 1] == '\r' && strspn(b->buf + 1, " ") == b->len - 2;
}

static void
test_progress(void)
{
	static const char longline[] = "\rt_check: a-long-file-name.jsonl: ";
	static const char shortline[] = "\rt_check: short.jsonl: ";
	struct kag_progress *tty, *pp;
	struct kag_buf out = KAG_BUF_INIT;
	int master, slave, pfd[2];
	char *name, *cr;
	uintmax_t n;
	size_t lines, width;

	kag_progress_update(NULL, "x", 1);
	kag_progress_clear(NULL);
	kag_progress_free(NULL);
	ok(1, "update, clear and free accept NULL");

	if ((master = posix_openpt(O_RDWR | O_NOCTTY)) < 0 ||
	    grantpt(master) < 0 || unlockpt(master) < 0 ||
	    (name = ptsname(master)) == NULL ||
	    (slave = open(name, O_RDWR | O_NOCTTY)) < 0 || pipe(pfd) < 0) {
		ok(0, "a pseudo-terminal and a pipe: %s", strerror(errno));
		return;
	}
	tty = kag_progress_new(slave, "t_check");
	pp = kag_progress_new(pfd[1], "t_check");

	n = spin(tty, pp, "a-long-file-name.jsonl", 0, 800);
	drain(master, &out);
	ok(out.len == 0, "nothing in the first second (%zu bytes)", out.len);

	n = spin(tty, pp, "a-long-file-name.jsonl", n, 500);
	drain(master, &out);
	ok(out.len > sizeof(longline) &&
		memcmp(out.buf, longline, sizeof(longline) - 1) == 0 &&
		strstr(out.buf, " records") != NULL,
	    "then '\\rPROG: FILE: N records' on the terminal");
	cr = memchr(out.buf + 1, '\r', out.len - 1);
	width = (cr != NULL ? (size_t)(cr - out.buf) : out.len) - 1;

	kag_buf_reset(&out);
	n = spin(tty, pp, "short.jsonl", n, 600);
	drain(master, &out);
	lines = count(out.buf, out.len, "\rt_check: ");
	ok(lines >= 1 && lines <= 2,
	    "at most one line a half second (%zu in 0.6 s)", lines);
	cr = out.buf == NULL ? NULL : memchr(out.buf + 1, '\r', out.len - 1);
	ok(out.len > sizeof(shortline) &&
		memcmp(out.buf, shortline, sizeof(shortline) - 1) == 0 &&
		(cr != NULL ? (size_t)(cr - out.buf) : out.len) - 1 >= width,
	    "a shorter line is padded over the longer one");

	kag_buf_reset(&out);
	kag_progress_clear(tty);
	drain(master, &out);
	ok(blank(&out, sizeof(shortline) - 1),
	    "clear blanks the line, back at its start");
	kag_buf_reset(&out);
	kag_progress_clear(tty);
	drain(master, &out);
	ok(out.len == 0, "a second clear writes nothing");

	n = spin(tty, pp, "short.jsonl", n, 600);
	drain(master, &out);
	ok(count(out.buf, out.len, shortline) >= 1,
	    "after a clear, updates show the line again");
	kag_buf_reset(&out);
	kag_progress_free(tty);
	drain(master, &out);
	ok(blank(&out, sizeof(shortline) - 1), "free erases the line");

	kag_progress_free(pp);
	close(pfd[1]);
	kag_buf_reset(&out);
	drain(pfd[0], &out);
	ok(out.len == 0,
	    "nothing at all on a pipe, after 2.5 s and %ju updates", n);
	close(pfd[0]);
	close(slave);
	close(master);
	kag_buf_release(&out);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_checker();
	test_progress();
	kag_buf_release(&seen);
	cleanup();
	return tap_done();
}
