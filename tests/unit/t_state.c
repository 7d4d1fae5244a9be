/* t_state.c: unit tests for kag-verify --state: resuming readers, saved
 * checkers, the state file, and the report formats. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>
#include <time.h>
#include <xxhash.h>
#include <zlib.h>

#include "kag.h"
#include "tap.h"

static char dir[] = "/tmp/t_state.XXXXXX";

static char *
path(const char *name)
{
	struct kag_buf b = KAG_BUF_INIT;

	kag_buf_addf(&b, "%s/%s", dir, name);
	return kag_buf_detach(&b, NULL);
}

/* Write (or with append, add) n bytes to the file name. */
static void
put(const char *name, const void *p, size_t n, int append)
{
	char *f = path(name);
	FILE *fp = fopen(f, append ? "ab" : "wb");

	if (fp == NULL || fwrite(p, 1, n, fp) != n || fclose(fp) != 0) {
		perror(f);
		exit(1);
	}
	free(f);
}

/* A gzip member holding p[0..n), appended to out. */
static void
gz(struct kag_buf *out, const char *p, size_t n)
{
	z_stream zs;
	unsigned char buf[4096];

	memset(&zs, 0, sizeof(zs));
	deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	zs.next_in = (unsigned char *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = buf;
		zs.avail_out = sizeof(buf);
		deflate(&zs, Z_FINISH);
		kag_buf_add(out, buf, sizeof(buf) - zs.avail_out);
	} while (zs.avail_out == 0);
	deflateEnd(&zs);
}

struct tapped {
	XXH3_state_t *h;
	uint64_t n;
};

static void
tapfn(void *ctx, const void *p, size_t n)
{
	struct tapped *t = ctx;

	XXH3_64bits_update(t->h, p, n);
	t->n += n;
}

/* All lines of r, as "LINENO:TEXT\n", then "end" or "error: MSG". */
static void
lines(struct kag_reader *r, struct kag_buf *out)
{
	const char *s;
	size_t n;
	int rc;

	while ((rc = kag_reader_getline(r, &s, &n)) > 0) {
		kag_buf_addf(out, "%ju:", kag_reader_lineno(r));
		kag_buf_add(out, s, n);
		kag_buf_addc(out, '\n');
	}
	if (rc == 0)
		kag_buf_adds(out, "end");
	else
		kag_buf_addf(out, "error: %s", kag_reader_errmsg(r));
}

static void
test_reader(void)
{
	struct kag_buf b = KAG_BUF_INIT, z = KAG_BUF_INIT;
	struct kag_reader *r;
	struct tapped t;
	char *f = path("r.jsonl"), *g = path("r.gz");
	size_t bs, first;
	int bad, fd[2];

	put("r.jsonl", "a\nb\nc\n\nd", 8, 0);
	r = kag_reader_open(f);
	t.h = XXH3_createState();
	XXH3_64bits_reset(t.h);
	t.n = 0;
	kag_reader_tap(r, tapfn, &t);
	lines(r, &b);
	ok(strcmp(b.buf, "1:a\n2:b\n3:c\n5:d\nend") == 0 &&
		kag_reader_partial(r),
	    "a last line without LF is partial");
	ok(t.n == 8 &&
		XXH3_64bits_digest(t.h) == XXH3_64bits("a\nb\nc\n\nd", 8),
	    "the tap saw every byte read, in order");
	kag_reader_close(r);

	for (bad = 0, bs = 1; bs < 32; bs++) {
		r = kag_reader_open(f);
		kag_reader_set_bufsize(r, bs);
		XXH3_64bits_reset(t.h);
		t.n = 0;
		kag_reader_tap(r, tapfn, &t);
		kag_buf_reset(&b);
		if (kag_reader_resume(r, 4, 2, 0) < 0)
			bad++;
		lines(r, &b);
		if (strcmp(b.buf, "3:c\n5:d\nend") != 0 || t.n != 4 ||
		    kag_reader_partial(r) != 1)
			bad++;
		kag_reader_close(r);
	}
	ok(bad == 0, "plain: resumed at a LF, lines go on numbered (%d wrong)",
	    bad);

	/* gzip: two members, resumed at the second; then garbage. */
	gz(&z, "x\ny\n", 4);
	first = z.len;
	gz(&z, "\xef\xbb\xbfz\n", 5);
	put("r.gz", z.buf, z.len, 0);
	for (bad = 0, bs = 1; bs < 32; bs++) {
		r = kag_reader_open(g);
		kag_reader_set_bufsize(r, bs);
		kag_buf_reset(&b);
		if (kag_reader_resume(r, first, 2, 1) < 0)
			bad++;
		lines(r, &b);
		if (strcmp(b.buf, "3:\xef\xbb\xbfz\nend") != 0 ||
		    !kag_reader_is_gzip(r) || kag_reader_partial(r))
			bad++;
		kag_reader_close(r);
	}
	ok(bad == 0,
	    "gzip: resumed at a member, read to the end; a BOM past line 1 "
	    "stays (%d wrong)",
	    bad);
	put("r.gz", "zz", 2, 1);
	r = kag_reader_open(g);
	kag_buf_reset(&b);
	kag_reader_resume(r, first, 2, 1);
	lines(r, &b);
	ok(strcmp(b.buf,
	       "3:\xef\xbb\xbfz\nerror: trailing garbage after gzip "
	       "data") == 0,
	    "gzip: garbage after the new member is found");
	kag_reader_close(r);
	r = kag_reader_open(g);
	kag_buf_reset(&b);
	kag_reader_resume(r, z.len + 2, 3, 1);
	lines(r, &b);
	ok(strcmp(b.buf, "end") == 0, "gzip: resumed at the end: %s", b.buf);
	kag_reader_close(r);

	if (pipe(fd) == 0) {
		r = kag_reader_fdopen(fd[0], "pipe");
		ok(kag_reader_resume(r, 4, 2, 0) < 0,
		    "a pipe cannot be resumed");
		kag_reader_close(r);
		close(fd[1]);
	}
	XXH3_freeState(t.h);
	kag_buf_release(&b);
	kag_buf_release(&z);
	free(f);
	free(g);
}

/* What a run passed on, one "file:line: severity: msg" a line. */
static struct kag_buf seen = KAG_BUF_INIT;

static void
collect(void *ctx, const struct kag_diag *d)
{
	const char *f = strrchr(d->file, '/');

	(void)ctx;
	kag_buf_addf(&seen, "%s:%ju: %s: %s\n", f != NULL ? f + 1 : d->file,
	    d->line, d->severity == KAG_ERROR ? "error" : "warning", d->msg);
}

/* Check name (with the state file state, or none) as kag-verify does:
 * the diagnostics and verdict in out, the records reused in *reused. */
static int
run(const char *state, const char *name, unsigned flags, struct kag_buf *out,
    uintmax_t *reused)
{
	struct kag_state *s = NULL;
	struct kag_state_opts o;
	struct kag_check *c;
	struct kag_buf err = KAG_BUF_INIT;
	const struct kag_counts *k;
	char *f = path(name), *sf = state ? path(state) : NULL;
	int rc;

	if (sf != NULL && (s = kag_state_open(sf, "test", &err)) == NULL) {
		ok(0, "state %s: %s", sf, err.buf);
		exit(1);
	}
	memset(&o, 0, sizeof(o));
	o.diag = collect;
	o.flags = flags;
	kag_buf_reset(&seen);
	kag_buf_adds(&seen, "");
	rc = kag_state_check(s, f, &o, &c, reused);
	kag_buf_reset(out);
	kag_buf_add(out, seen.buf, seen.len);
	if (rc == 0) {
		k = kag_check_counts(c);
		kag_buf_addf(out,
		    "%ju errors, %ju warnings, %ju %ju %ju %ju%s\n",
		    kag_check_errors(c), kag_check_warnings(c), k->memories,
		    k->nodes, k->edges, k->hyperedges,
		    kag_check_bare(c) ? " bare" : "");
	}
	kag_check_free(c);
	if (s != NULL && kag_state_commit(s) < 0)
		ok(0, "commit: %s", kag_state_errmsg(s));
	kag_state_close(s);
	kag_buf_release(&err);
	free(f);
	free(sf);
	return rc;
}

/*
 * A stream with something at every turn: a header, records out of
 * order, edges before and after their nodes, duplicates, an invalid
 * line, a trailer, a bare segment, CRLF, a blank line.
 */
static const char *const stream[] = {
	"{\"type\":\"metadata\",\"format_version\":\"1.0\"}\n",
	"{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"a\",\"value\":1}"
	"\n",
	"{\"type\":\"node\",\"id\":\"n1\"}\n",
	"{\"type\":\"edge\",\"src\":\"n1\",\"dst\":\"n2\"}\r\n",
	"{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"a\",\"value\":2}"
	"\n",
	"\n",
	"{\"type\":\"node\",\"id\":\"n2\"}\n",
	"{\"type\":\"edge\",\"src\":\"n1\",\"dst\":\"ghost\"}\n",
	"not json\n",
	"{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"b\",\"value\":"
	"NaN}\n",
	"{\"type\":\"end\",\"stats\":{\"memories\":3,\"graph_nodes\":2,"
	"\"graph_edges\":2,\"hyperedges\":0}}\n",
	"{\"type\":\"node\",\"id\":\"n1\"}\n",
	"{\"type\":\"edge\",\"src\":\"n3\",\"dst\":\"n1\"}\n",
	"{\"type\":\"metadata\",\"format_version\":\"1.0\"}\n",
	"{\"type\":\"memory\",\"scope\":\"persistent\",\"key\":\"a\","
	"\"value\":3}\n",
};
#define NLINES (sizeof(stream) / sizeof(stream[0]))

/* The stream's lines [from, to), plain or each line a gzip member. */
static void
part(struct kag_buf *b, size_t from, size_t to, int gzip)
{
	for (; from < to; from++)
		if (gzip)
			gz(b, stream[from], strlen(stream[from]));
		else
			kag_buf_adds(b, stream[from]);
}

/*
 * At every line of the stream: check the first k lines with a state,
 * then the whole stream with that state; the second run must say what a
 * full run says, and take the first k lines' records from the state.
 */
static void
test_every_split(int gzip, unsigned flags)
{
	struct kag_buf b = KAG_BUF_INIT, full = KAG_BUF_INIT,
		       got = KAG_BUF_INIT, pre = KAG_BUF_INIT;
	const char *name = gzip ? "s.gz" : "s.jsonl";
	char *sf = path("split.db");
	uintmax_t reused, want;
	size_t k;
	int bad = 0, stale = 0;

	part(&b, 0, NLINES, gzip);
	put(name, b.buf, b.len, 0);
	run(NULL, name, flags, &full, &reused);
	for (k = 0; k <= NLINES; k++) {
		unlink(sf);
		kag_buf_reset(&b);
		part(&b, 0, k, gzip);
		put(name, b.buf, b.len, 0);
		run(NULL, name, flags, &pre, &reused);
		run("split.db", name, flags, &got, &reused);
		if (strcmp(got.buf, pre.buf) != 0 || reused != 0)
			bad++;
		run("split.db", name, flags, &got, &want);
		if (strcmp(got.buf, pre.buf) != 0)
			bad++;
		kag_buf_reset(&b);
		part(&b, k, NLINES, gzip);
		put(name, b.buf, b.len, 1);
		run("split.db", name, flags, &got, &reused);
		if (strcmp(got.buf, full.buf) != 0) {
			bad++;
			printf("# split at %zu:\n# want:\n%s# got:\n%s", k,
			    full.buf, got.buf);
		}
		if (reused != want)
			stale++;
	}
	ok(bad == 0,
	    "%s%s: checked in two runs, split at each of %zu lines, as in "
	    "one (%d wrong)",
	    gzip ? "gzip members" : "plain", flags ? ", strict" : "",
	    (size_t)NLINES + 1, bad);
	ok(stale == 0,
	    "%s%s: the second run took the first run's records from the state "
	    "(%d wrong)",
	    gzip ? "gzip members" : "plain", flags ? ", strict" : "", stale);
	kag_buf_release(&b);
	kag_buf_release(&full);
	kag_buf_release(&got);
	kag_buf_release(&pre);
	free(sf);
}

static void
nodiag(void *ctx, const struct kag_diag *d)
{
	(void)ctx;
	(void)d;
}

/* A damaged save is refused, never trusted, never a crash. */
static void
test_restore(void)
{
	struct kag_check *c = kag_check_new(nodiag, NULL, 0), *r;
	struct kag_input *in;
	struct kag_record rec;
	struct kag_buf b = KAG_BUF_INIT, save = KAG_BUF_INIT,
		       again = KAG_BUF_INIT;
	char *f;
	size_t i;
	int bad = 0, flips = 0;

	part(&b, 0, NLINES - 1, 0);
	put("r.jsonl", b.buf, b.len, 0);
	f = path("r.jsonl");
	in = kag_check_open(c, f);
	while (kag_input_next(in, &rec) > 0)
		kag_check_record(c, in, &rec);
	kag_check_save(c, &save, 1, 0, 0);
	kag_input_close(in);
	kag_check_free(c);

	r = kag_check_new(nodiag, NULL, 0);
	ok(kag_check_restore(r, save.buf, save.len) == 0,
	    "a saved checker is restored");
	kag_check_save(r, &again, 1, 0, 0);
	ok(again.len == save.len, "and saves to as many bytes (%zu, %zu)",
	    again.len, save.len);
	kag_check_free(r);
	for (i = 0; i < save.len; i++) {
		r = kag_check_new(nodiag, NULL, 0);
		if (kag_check_restore(r, save.buf, i) == 0)
			bad++;
		kag_check_free(r);
	}
	ok(bad == 0, "every shorter save is refused (%d taken)", bad);
	for (i = 0; i < save.len; i++) {
		save.buf[i] ^= 0x5a;
		r = kag_check_new(nodiag, NULL, 0);
		if (kag_check_restore(r, save.buf, save.len) < 0)
			flips++;
		kag_check_free(r);
		save.buf[i] ^= 0x5a;
	}
	ok(flips > 0,
	    "%d of %zu flipped bytes are noticed by the checker "
	    "alone (the state's row checksum catches the rest)",
	    flips, save.len);
	kag_buf_release(&b);
	kag_buf_release(&save);
	kag_buf_release(&again);
	free(f);
}

static void
test_file(void)
{
	struct kag_buf err = KAG_BUF_INIT, out = KAG_BUF_INIT,
		       first = KAG_BUF_INIT;
	struct kag_state *s;
	char *sf = path("junk.db"), *of = path("other.db");
	char junk[8192];
	uintmax_t reused;
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7919 >> 3);
	put("junk.db", junk, sizeof(junk), 0);
	s = kag_state_open(sf, "test", &err);
	ok(s != NULL && kag_state_note(s) != NULL &&
		strstr(kag_state_note(s), "made again") != NULL,
	    "junk: made again (%s)",
	    s && kag_state_note(s) ? kag_state_note(s) : err.buf);
	kag_state_close(s);
	put("f.jsonl", stream[1], strlen(stream[1]), 0);
	run("junk.db", "f.jsonl", 0, &first, &reused);
	run("junk.db", "f.jsonl", 0, &out, &reused);
	ok(reused == 1 && strcmp(out.buf, first.buf) == 0,
	    "junk: then a state like any other");

	put("other.db", "", 0, 0);
	s = kag_state_open(of, "test", &err);
	ok(s != NULL && kag_state_note(s) == NULL, "an empty file is a state");
	kag_state_close(s);
	kag_buf_reset(&err);
	{
		struct kag_state *t;
		struct kag_store *st =
		    kag_store_open(of, KAG_STORE_WRITE, 1000, &err);

		kag_store_exec(st, "CREATE TABLE memories (id INTEGER)");
		kag_store_close(st);
		t = kag_state_open(of, "test", &err);
		ok(t == NULL &&
			strstr(err.buf, "not a kag-verify state file") != NULL,
		    "someone else's database is refused: %s", err.buf);
		kag_state_close(t);
	}
	kag_buf_release(&err);
	kag_buf_release(&out);
	kag_buf_release(&first);
	free(sf);
	free(of);
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Another run holds the state's write lock for a second: a run that
 * needs it waits, then writes. */
static void
test_locked(void)
{
	struct kag_buf out = KAG_BUF_INIT, first = KAG_BUF_INIT;
	sqlite3 *db = NULL;
	uintmax_t reused = 0;
	char *sf = path("lock.db");
	double t0 = 0, took = 0;
	int st, go[2], done[2];
	pid_t pid;
	char c = 0;

	put("l.jsonl", stream[1], strlen(stream[1]), 0);
	run("lock.db", "l.jsonl", 0, &first, &reused);
	put("l.jsonl", stream[2], strlen(stream[2]), 1);
	if (pipe(go) < 0 || pipe(done) < 0) {
		ok(0, "pipe: %s", strerror(errno));
		return;
	}
	/* No SQLite connection may cross a fork: the child starts its run
	 * once the parent has taken the lock. */
	if ((pid = fork()) == 0) {
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		run("lock.db", "l.jsonl", 0, &out, &reused);
		c = (char)(reused == 1 && strstr(out.buf, "0 errors") != NULL);
		_exit(write(done[1], &c, 1) == 1 ? 0 : 2);
	}
	close(go[0]);
	close(done[1]);
	if (sqlite3_open(sf, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) !=
		SQLITE_OK) {
		ok(0, "lock %s: %s", sf, sqlite3_errmsg(db));
	} else {
		t0 = now();
		if (write(go[1], "x", 1) != 1)
			ok(0, "pipe: %s", strerror(errno));
		sleep(1);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	sqlite3_close(db);
	close(go[1]);
	c = 0;
	if (read(done[0], &c, 1) == 1)
		took = now() - t0;
	close(done[0]);
	waitpid(pid, &st, 0);
	ok(c == 1 && took >= 0.9 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "a locked state is waited for (%.2f s), then used and written",
	    took);
	run("lock.db", "l.jsonl", 0, &out, &reused);
	ok(reused == 2, "... and what it learnt is there (%ju records)",
	    reused);
	kag_buf_release(&out);
	kag_buf_release(&first);
	free(sf);
}

static void
test_report(void)
{
	struct kag_report *r = kag_report_new(KAG_REPORT_GITHUB, 2, 0, 1);
	struct kag_buf out = KAG_BUF_INIT, err = KAG_BUF_INIT;
	struct kag_diag d;

	kag_report_begin(r, "a,b:c%.jsonl");
	d.file = "a,b:c%.jsonl";
	d.line = 3;
	d.severity = KAG_ERROR;
	d.msg = "x%y\r\nz: 'a,b'";
	kag_report_diag(r, &d, &out, &err);
	ok(strcmp(out.buf,
	       "::error file=a%2Cb%3Ac%25.jsonl,line=3::"
	       "x%25y%0D%0Az: 'a,b'\n") == 0 &&
		err.len == 0,
	    "github: %%, CR, LF escaped; ':' and ',' too in properties");
	kag_buf_reset(&out);
	d.line = 0;
	d.severity = KAG_WARNING;
	kag_report_diag(r, &d, &out, &err);
	ok(strcmp(out.buf,
	       "::warning file=a%2Cb%3Ac%25.jsonl::x%25y%0D%0Az: "
	       "'a,b'\n") == 0,
	    "github: a whole file's warning has no line");
	kag_buf_reset(&out);
	kag_report_diag(r, &d, &out, &err);
	ok(out.len == 0, "github: past --max-errors nothing is shown");
	kag_report_free(r);
	kag_buf_release(&out);
	kag_buf_release(&err);
}

/*
 * kag_sum: the same sum for the same bytes, given in pieces of any size
 * or summed from a file on two cores, at and around the 1 MiB chunks;
 * another sum for other bytes; a file shorter than asked for is refused.
 */
static void
test_sum(void)
{
	static const size_t sizes[] = { 0, 1, 1048575, 1048576, 1048577,
		2097152, 3145733 };
	struct kag_sum *a = kag_sum_new(), *b = kag_sum_new();
	char path[4200];
	unsigned char *buf = kag_xmalloc(3145733);
	size_t i, at, step;
	uint64_t whole, file, other;
	int fd, bad = 0;

	for (i = 0; i < 3145733; i++)
		buf[i] = (unsigned char)(i * 2654435761u >> 13);
	snprintf(path, sizeof(path), "%s/sum", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, 3145733) != 3145733) {
		ok(0, "write %s", path);
		return;
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		kag_sum_reset(a);
		kag_sum_update(a, buf, sizes[i]);
		whole = kag_sum_digest(a);
		kag_sum_reset(a);
		step = 1 + i * 4099;
		for (at = 0; at < sizes[i]; at += step)
			kag_sum_update(a, buf + at,
			    sizes[i] - at < step ? sizes[i] - at : step);
		if (kag_sum_file(b, fd, sizes[i]) < 0)
			bad++;
		file = kag_sum_digest(b);
		if (kag_sum_digest(a) != whole || file != whole) {
			printf("# size %zu: sums differ\n", sizes[i]);
			bad++;
		}
		/* And b goes on as a does. */
		kag_sum_update(a, "x", 1);
		kag_sum_update(b, "x", 1);
		if (kag_sum_digest(a) != kag_sum_digest(b))
			bad++;
	}
	ok(bad == 0, "kag_sum: pieces, whole, from a file: one sum");
	buf[1048576] ^= 1;
	kag_sum_reset(a);
	kag_sum_update(a, buf, 3145733);
	other = kag_sum_digest(a);
	kag_sum_file(b, fd, 3145733);
	ok(other != kag_sum_digest(b), "kag_sum: one bit changed, another sum");
	errno = 0;
	ok(kag_sum_file(b, fd, 3145734) == -1 && errno == EIO,
	    "kag_sum: a file shorter than asked for is an error");
	close(fd);
	free(buf);
	kag_sum_free(a);
	kag_sum_free(b);
	kag_sum_free(NULL);
}

int
main(void)
{
	char cmd[64];

	kag_set_progname("t_state");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_reader();
	test_every_split(0, 0);
	test_every_split(1, 0);
	test_every_split(0, KAG_CHECK_STRICT);
	test_restore();
	test_file();
	test_locked();
	test_report();
	test_sum();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		ok(0, "remove %s", dir);
	kag_buf_release(&seen);
	return tap_done();
}
