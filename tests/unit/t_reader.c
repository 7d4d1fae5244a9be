/* t_reader.c: the reader's lines, numbers and errors at every read size. */
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "kag.h"
#include "tap.h"

/* One line the reader must return: its number and its bytes. */
struct line {
	uintmax_t no;
	const char *s;
	size_t n;
};
/* The initializer of a struct line: { L(3, "abc") }. */
#define L(no, s) no, s, sizeof(s) - 1

static char tmpdir[256];
static char scratch[300];
static char why[512];
static volatile sig_atomic_t ticks;

static void
writefile(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* A gzip member of p[0..n), optionally with a file name in its header. */
static void
gz(struct kag_buf *out, const void *p, size_t n, int level, const char *fname)
{
	z_stream zs;
	gz_header h;
	size_t bound;

	memset(&zs, 0, sizeof(zs));
	memset(&h, 0, sizeof(h));
	if (deflateInit2(
		&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		exit(2);
	if (fname != NULL) {
		h.name = (Bytef *)(uintptr_t)fname;
		deflateSetHeader(&zs, &h);
	}
	bound = deflateBound(&zs, n) + 64 + (fname ? strlen(fname) : 0);
	kag_buf_grow(out, bound);
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)out->buf + out->len;
	zs.avail_out = (uInt)bound;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		exit(2);
	out->len += zs.total_out;
	deflateEnd(&zs);
}

static char *
slurp(const char *path, size_t *n)
{
	struct kag_buf b = KAG_BUF_INIT;
	char tmp[4096];
	size_t k;
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		perror(path);
		exit(2);
	}
	while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
		kag_buf_add(&b, tmp, k);
	fclose(f);
	return kag_buf_detach(&b, n);
}

/*
 * Read r to its end and compare with want[0..nwant).  With wantrc 0 the
 * lines must be exactly want; with -1 they must be a prefix of it, and
 * the error message must start with wantmsg and errno be wanterr.
 * Returns 1 if all holds, else 0 with the first difference in why.
 * *got (if not NULL) receives the number of lines read.
 */
static int
readcheck(struct kag_reader *r, const struct line *want, size_t nwant,
    int wantrc, const char *wantmsg, int wanterr, size_t *got)
{
	const char *s;
	size_t n, i = 0;
	int rc;

	why[0] = '\0';
	while ((rc = kag_reader_getline(r, &s, &n)) == 1) {
		if (i >= nwant) {
			snprintf(why, sizeof(why), "extra line %ju '%.*s'",
			    kag_reader_lineno(r), (int)n, s);
			return 0;
		}
		if (n != want[i].n || memcmp(s, want[i].s, n) != 0 ||
		    s[n] != '\0') {
			snprintf(why, sizeof(why), "line %zu: got '%.*s' (%zu)",
			    i, (int)n, s, n);
			return 0;
		}
		if (kag_reader_lineno(r) != want[i].no) {
			snprintf(why, sizeof(why),
			    "line %zu: lineno %ju not %ju", i,
			    kag_reader_lineno(r), want[i].no);
			return 0;
		}
		i++;
	}
	if (got != NULL)
		*got = i;
	if (rc != wantrc) {
		snprintf(why, sizeof(why), "returned %d after %zu lines: '%s'",
		    rc, i, kag_reader_errmsg(r));
		return 0;
	}
	if (rc == 0 && i != nwant) {
		snprintf(why, sizeof(why), "only %zu of %zu lines", i, nwant);
		return 0;
	}
	if (rc == -1 &&
	    (errno != wanterr ||
		strncmp(kag_reader_errmsg(r), wantmsg, strlen(wantmsg)) != 0)) {
		snprintf(why, sizeof(why), "errno %d, message '%s'", errno,
		    kag_reader_errmsg(r));
		return 0;
	}
	if (rc == 0 && kag_reader_errmsg(r)[0] != '\0') {
		snprintf(why, sizeof(why), "message '%s' at a clean end",
		    kag_reader_errmsg(r));
		return 0;
	}
	if (kag_reader_getline(r, &s, &n) != rc ||
	    (rc == -1 && errno != wanterr)) {
		snprintf(why, sizeof(why), "not sticky");
		return 0;
	}
	return 1;
}

/* Write p[0..n) to the scratch file and read it with read size bs (0:
 * the default); the arguments after isgz are readcheck's. */
static int
filecheck(const void *p, size_t n, size_t bs, int isgz, const struct line *want,
    size_t nwant, int wantrc, const char *wantmsg)
{
	struct kag_reader *r;
	int okay;

	writefile(scratch, p, n);
	if ((r = kag_reader_open(scratch)) == NULL) {
		snprintf(why, sizeof(why), "open: %s", strerror(errno));
		return 0;
	}
	if (bs > 0)
		kag_reader_set_bufsize(r, bs);
	okay = readcheck(r, want, nwant, wantrc, wantmsg, 0, NULL);
	if (okay && kag_reader_is_gzip(r) != isgz) {
		snprintf(why, sizeof(why), "is_gzip %d", kag_reader_is_gzip(r));
		okay = 0;
	}
	kag_reader_close(r);
	return okay;
}

/* Read a file to its end: what the last getline returned, with errno
 * kept and the message in why. */
static int
drain(const char *path)
{
	struct kag_reader *r = kag_reader_open(path);
	const char *s;
	size_t n;
	int rc, e;

	while ((rc = kag_reader_getline(r, &s, &n)) == 1)
		;
	e = errno;
	snprintf(why, sizeof(why), "%s", kag_reader_errmsg(r));
	kag_reader_close(r);
	errno = e;
	return rc;
}

/* filecheck at every read size from 1 to 31 and the default. */
static int
allsizes(const void *p, size_t n, int isgz, const struct line *want,
    size_t nwant, int wantrc, const char *wantmsg)
{
	size_t bs;
	char tmp[sizeof(why)];

	for (bs = 0; bs <= 31; bs++)
		if (!filecheck(p, n, bs, isgz, want, nwant, wantrc, wantmsg)) {
			snprintf(tmp, sizeof(tmp), "%s", why);
			snprintf(
			    why, sizeof(why), "read size %zu: %.400s", bs, tmp);
			return 0;
		}
	return 1;
}

static const struct line golden[] = {
	{ L(1, "{\"type\":\"metadata\",\"format_version\":\"1.0\"}") },
	{ L(3,
	    "{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"k1\","
	    "\"value\":1}") },
	{ L(6, "  indented line") },
	{ L(7, "\tx") },
	{ L(8, "a\0b") },
	{ L(9, "cr\r") },
	{ L(10, "in\rside") },
	{ L(11,
	    "{\"type\":\"node\",\"id\":\"n_0123456789abcdefghijklmnopqrstuvwx"
	    "yz_0123456789abcdefghijklmnopqrstuvwxyz\"}") },
	{ L(12, "{\"value\":\"h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80\"}") },
	{ L(16, "\xef\xbb\xbf not at start") },
	{ L(17, "last line") },
};
#define NGOLDEN (sizeof(golden) / sizeof(golden[0]))

/* Small inputs and the lines they make. */
static const struct {
	const char *name;
	const char *in;
	size_t n;
	struct line want[3];
	size_t nwant;
} cases[] = {
	{ "empty", "", 0, { { 0, NULL, 0 } }, 0 },
	{ "one LF", "\n", 1, { { 0, NULL, 0 } }, 0 },
	{ "no LF", "abc", 3, { { L(1, "abc") } }, 1 },
	{ "CR at EOF", "abc\r", 4, { { L(1, "abc") } }, 1 },
	{ "CRLF", "a\r\nb\r\n", 6, { { L(1, "a") }, { L(2, "b") } }, 2 },
	{ "two CRs", "x\r\r\n", 4, { { L(1, "x\r") } }, 1 },
	{ "blank lines counted", "\r\n\r\n \t\nx", 8, { { L(4, "x") } }, 1 },
	{ "trailing blanks", "x\n\n \n", 5, { { L(1, "x") } }, 1 },
	{ "CRs only", "\r\r\n\r", 4, { { 0, NULL, 0 } }, 0 },
	{ "leading space kept", " x \n", 4, { { L(1, " x ") } }, 1 },
	{ "BOM only", "\xef\xbb\xbf", 3, { { 0, NULL, 0 } }, 0 },
	{ "BOM then CRLF", "\xef\xbb\xbf\r\nx\n", 6, { { L(2, "x") } }, 1 },
	{ "BOM line", "\xef\xbb\xbf{}\n", 6, { { L(1, "{}") } }, 1 },
	{ "half a BOM", "\xef\xbb\n", 3, { { L(1, "\xef\xbb") } }, 1 },
	{ "BOM on line 2", "a\n\xef\xbb\xbf\n", 6,
	    { { L(1, "a") }, { L(2, "\xef\xbb\xbf") } }, 2 },
	{ "NUL line", "\0\n\0", 3, { { L(1, "\0") }, { L(2, "\0") } }, 2 },
	{ "first magic byte", "\x1f\n", 2, { { L(1, "\x1f") } }, 1 },
	{ "magic reversed", "\x8b\x1f", 2, { { L(1, "\x8b\x1f") } }, 1 },
	{ "almost the magic", "\x1f\x8a", 2, { { L(1, "\x1f\x8a") } }, 1 },
	{ "the magic on line 2", "x\n\x1f\x8b\x08\n", 6,
	    { { L(1, "x") }, { L(2, "\x1f\x8b\x08") } }, 2 },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void
test_cases(void)
{
	struct kag_buf z = KAG_BUF_INIT;
	size_t i;

	for (i = 0; i < NCASES; i++) {
		ok(allsizes(cases[i].in, cases[i].n, 0, cases[i].want,
		       cases[i].nwant, 0, ""),
		    "plain '%s' %s", cases[i].name, why);
		kag_buf_reset(&z);
		gz(&z, cases[i].in, cases[i].n, 6, NULL);
		ok(allsizes(
		       z.buf, z.len, 1, cases[i].want, cases[i].nwant, 0, ""),
		    "gzip '%s' %s", cases[i].name, why);
	}
	kag_buf_release(&z);
}

static void
test_golden(const char *g, size_t gn)
{
	struct kag_buf z = KAG_BUF_INIT, a = KAG_BUF_INIT;
	size_t cut, cut2, bs, bad;
	static const size_t sizes[] = { 0, 1, 2, 3, 7, 31 };

	ok(allsizes(g, gn, 0, golden, NGOLDEN, 0, ""), "golden plain %s", why);
	gz(&z, g, gn, 6, NULL);
	ok(allsizes(z.buf, z.len, 1, golden, NGOLDEN, 0, ""), "golden gzip %s",
	    why);
	kag_buf_reset(&z);
	gz(&z, g, gn, 9, "golden.txt");
	ok(allsizes(z.buf, z.len, 1, golden, NGOLDEN, 0, ""),
	    "golden gzip with a file name in the header %s", why);

	/* cat a.gz b.gz, cut anywhere, even inside a line or a CRLF */
	bad = 0;
	for (cut = 0; cut <= gn && !bad; cut++)
		for (bs = 0; bs < sizeof(sizes) / sizeof(sizes[0]); bs++) {
			kag_buf_reset(&z);
			gz(&z, g, cut, 6, NULL);
			gz(&z, g + cut, gn - cut, 6, NULL);
			if (!filecheck(z.buf, z.len, sizes[bs], 1, golden,
				NGOLDEN, 0, "")) {
				bad = 1;
				ok(0,
				    "two members cut at %zu, read size %zu: %s",
				    cut, sizes[bs], why);
				break;
			}
		}
	ok(!bad, "two members, cut at every offset, read sizes 1-31");

	bad = 0;
	for (cut = 0; cut <= gn && !bad; cut += 7)
		for (cut2 = cut; cut2 <= gn && !bad; cut2 += 13) {
			kag_buf_reset(&z);
			gz(&z, g, cut, 6, NULL);
			gz(&z, g + cut, cut2 - cut, 1, NULL);
			gz(&z, g + cut2, gn - cut2, 9, NULL);
			if (!filecheck(
				z.buf, z.len, 3, 1, golden, NGOLDEN, 0, "") ||
			    !filecheck(
				z.buf, z.len, 0, 1, golden, NGOLDEN, 0, "")) {
				bad = 1;
				ok(0, "three members cut at %zu and %zu: %s",
				    cut, cut2, why);
			}
		}
	ok(!bad, "three members");

	kag_buf_reset(&z);
	gz(&z, g, 100, 6, NULL);
	gz(&z, "", 0, 6, NULL);
	gz(&z, "", 0, 6, NULL);
	gz(&z, g + 100, gn - 100, 6, NULL);
	gz(&z, "", 0, 6, NULL);
	ok(allsizes(z.buf, z.len, 1, golden, NGOLDEN, 0, ""),
	    "empty members between and after %s", why);

	kag_buf_release(&z);
	kag_buf_release(&a);
}

static void
test_damage(const char *g, size_t gn)
{
	struct kag_buf z = KAG_BUF_INIT, d = KAG_BUF_INIT;
	size_t cut, i, bs, nmemb;
	int bad, sawcorrupt;
	static const size_t sizes[] = { 0, 1, 5 };

	gz(&z, g, gn, 6, NULL);

	bad = 0;
	for (cut = 1; cut < z.len && !bad; cut++)
		for (bs = 0; bs < 3; bs++)
			if (!filecheck(z.buf, cut, sizes[bs], 1, golden,
				NGOLDEN, -1, "truncated gzip input")) {
				ok(0, "cut at %zu of %zu, read size %zu: %s",
				    cut, z.len, sizes[bs], why);
				bad = 1;
				break;
			}
	ok(!bad, "a member cut at every offset 1-%zu is 'truncated'",
	    z.len - 1);

	/* the second of two members cut: never a clean end */
	nmemb = z.len;
	kag_buf_add(&d, z.buf, z.len);
	gz(&d, g, gn, 6, NULL);
	bad = 0;
	for (cut = nmemb + 1; cut < d.len && !bad; cut++) {
		writefile(scratch, d.buf, cut);
		if (drain(scratch) != -1 || errno != 0 ||
		    strcmp(why, "truncated gzip input") != 0) {
			ok(0, "second member cut at %zu: '%s'", cut, why);
			bad = 1;
		}
	}
	ok(!bad, "a second member cut at every offset is 'truncated'");

	bad = 0;
	sawcorrupt = 0;
	for (i = 10; i < z.len && !bad; i++) {
		kag_buf_reset(&d);
		kag_buf_add(&d, z.buf, z.len);
		d.buf[i] ^= 0x55;
		writefile(scratch, d.buf, d.len);
		if (drain(scratch) != -1 || errno != 0) {
			ok(0, "byte %zu flipped: not an error", i);
			bad = 1;
		} else if (strncmp(why, "corrupt gzip input: ", 20) == 0)
			sawcorrupt++;
		else if (strcmp(why, "truncated gzip input") != 0) {
			ok(0, "byte %zu flipped: '%s'", i, why);
			bad = 1;
		}
	}
	ok(!bad && sawcorrupt > 0,
	    "a flipped byte anywhere after the header is an error "
	    "(%d of %zu said corrupt, the others truncated)",
	    sawcorrupt, z.len - 10);

	/* BTYPE 11 in the first block header */
	kag_buf_reset(&d);
	kag_buf_add(&d, z.buf, z.len);
	d.buf[10] |= 0x06;
	ok(filecheck(d.buf, d.len, 0, 1, NULL, 0, -1,
	       "corrupt gzip input: invalid block type"),
	    "a bad block type in the deflate data %s", why);
	kag_buf_reset(&d);
	kag_buf_add(&d, z.buf, z.len);
	d.buf[z.len - 8] ^= 0x01;
	ok(filecheck(d.buf, d.len, 0, 1, golden, NGOLDEN, -1,
	       "corrupt gzip input: incorrect data check"),
	    "a flipped bit in the CRC %s", why);
	kag_buf_reset(&d);
	kag_buf_add(&d, z.buf, z.len);
	d.buf[z.len - 1] ^= 0x01;
	ok(filecheck(d.buf, d.len, 0, 1, golden, NGOLDEN, -1,
	       "corrupt gzip input: incorrect length check"),
	    "a flipped bit in the length %s", why);

	ok(allsizes("\x1f", 1, 1, NULL, 0, -1, "truncated gzip input"),
	    "a lone 0x1f byte is a cut gzip %s", why);
	ok(allsizes("\x1f\x8b", 2, 1, NULL, 0, -1, "truncated gzip input"),
	    "the magic alone is a cut gzip %s", why);

	{
		static const struct {
			const char *s;
			size_t n;
			const char *msg;
		} tails[] = {
			{ "x", 1, "trailing garbage after gzip data" },
			{ "\n", 1, "trailing garbage after gzip data" },
			{ "\0\0\0\0", 4, "trailing garbage after gzip data" },
			{ "\x1f\x8c", 2, "trailing garbage after gzip data" },
			{ "\x1f", 1, "truncated gzip input" },
			{ "\x1f\x8b", 2, "truncated gzip input" },
			{ "\x1f\x8b\x08", 3, "truncated gzip input" },
		};
		size_t got;

		for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
			kag_buf_reset(&d);
			kag_buf_add(&d, z.buf, z.len);
			kag_buf_add(&d, tails[i].s, tails[i].n);
			bad = 0;
			for (bs = 0; bs < 3 && !bad; bs++) {
				struct kag_reader *r;

				writefile(scratch, d.buf, d.len);
				r = kag_reader_open(scratch);
				kag_reader_set_bufsize(
				    r, sizes[bs] ? sizes[bs] : 1 << 20);
				if (!readcheck(r, golden, NGOLDEN, -1,
					tails[i].msg, 0, &got))
					bad = 1;
				else if (got != NGOLDEN - 1 ||
				    kag_reader_lineno(r) != 17 ||
				    strcmp(
					kag_reader_errmsg(r), tails[i].msg)) {
					snprintf(why, sizeof(why),
					    "%zu lines, at line %ju: '%s'", got,
					    kag_reader_lineno(r),
					    kag_reader_errmsg(r));
					bad = 1;
				}
				kag_reader_close(r);
			}
			ok(!bad, "%zu bytes after a member: '%s' at line 17 %s",
			    tails[i].n, tails[i].msg, why);
		}
	}
	kag_buf_release(&z);
	kag_buf_release(&d);
}

static void
test_longline(void)
{
	const size_t big = 40u * 1024 * 1024;
	struct kag_buf a = KAG_BUF_INIT, z = KAG_BUF_INIT;
	struct line want[2];
	size_t i;

	kag_buf_grow(&a, big + 16);
	for (i = 0; i < big; i++)
		a.buf[i] = (char)('a' + (i * 7 + i / 4099) % 26);
	a.len = big;
	kag_buf_add(&a, "\r\nnext\n", 7);
	want[0].no = 1;
	want[0].s = a.buf;
	want[0].n = big;
	want[1].no = 2;
	want[1].s = "next";
	want[1].n = 4;
	ok(filecheck(a.buf, a.len, 0, 0, want, 2, 0, ""),
	    "a 40 MB line, plain %s", why);
	ok(filecheck(a.buf, a.len, 4096, 0, want, 2, 0, ""),
	    "a 40 MB line, plain, 4 KiB reads %s", why);
	gz(&z, a.buf, a.len, 1, NULL);
	ok(filecheck(z.buf, z.len, 0, 1, want, 2, 0, ""),
	    "a 40 MB line, gzip %s", why);
	ok(filecheck(z.buf, z.len, 65536, 1, want, 2, 0, ""),
	    "a 40 MB line, gzip, 64 KiB reads %s", why);
	kag_buf_release(&a);
	kag_buf_release(&z);
}

/* Close a reader in the middle of a large gzip file, where a worker
 * thread may be inflating ahead. */
static void
test_early_close(const char *g, size_t gn)
{
	struct kag_buf a = KAG_BUF_INIT, z = KAG_BUF_INIT;
	struct kag_reader *r;
	const char *s;
	size_t n, bs;
	int i, good = 1;

	for (i = 0; i < 20000; i++) {
		kag_buf_add(&a, g, gn);
		kag_buf_add(&a, "\n", 1);
	}
	gz(&z, a.buf, a.len, 6, NULL);
	writefile(scratch, z.buf, z.len);
	for (bs = 0; bs <= 7; bs += 7) {
		r = kag_reader_open(scratch);
		if (bs > 0)
			kag_reader_set_bufsize(r, bs);
		for (i = 0; i < 5; i++)
			if (kag_reader_getline(r, &s, &n) != 1 ||
			    n != golden[i].n || memcmp(s, golden[i].s, n) != 0)
				good = 0;
		kag_reader_close(r);
	}
	ok(good, "closed after 5 lines of a %zu byte gzip file", a.len);
	kag_buf_release(&a);
	kag_buf_release(&z);
}

/* A child writes p[0..n) into a pipe, one byte per write(2), pausing
 * between them when slow. */
static pid_t
feeder(const char *p, size_t n, int *rfd, int slow)
{
	int fd[2];
	pid_t pid;
	size_t i;

	fflush(stdout); /* the child must not print the TAP output again */
	if (pipe(fd) == -1 || (pid = fork()) == -1)
		exit(2);
	if (pid == 0) {
		close(fd[0]);
		for (i = 0; i < n; i++) {
			if (slow)
				usleep(1500);
			if (write(fd[1], p + i, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(fd[1]);
	*rfd = fd[0];
	return pid;
}

static void
tick(int sig)
{
	(void)sig;
	ticks++;
}

static void
test_stdin(const char *g, size_t gn)
{
	struct kag_buf z = KAG_BUF_INIT;
	struct kag_reader *r;
	struct sigaction sa;
	struct itimerval it;
	int fd, saved, st, i;
	pid_t pid;

	gz(&z, g, gn, 6, NULL);
	pid = feeder(z.buf, z.len, &fd, 0);
	r = kag_reader_fdopen(fd, "<stdin>");
	ok(readcheck(r, golden, NGOLDEN, 0, "", 0, NULL) &&
		kag_reader_is_gzip(r),
	    "gzip through a pipe, a byte per write %s", why);
	ok(strcmp(kag_reader_name(r), "<stdin>") == 0, "fdopen name '%s'",
	    kag_reader_name(r));
	kag_reader_close(r);
	ok(fcntl(fd, F_GETFD) == -1 && errno == EBADF,
	    "close closes a descriptor other than 0");
	waitpid(pid, &st, 0);

	for (i = 0; i < 2; i++) {
		saved = dup(0);
		pid = feeder(g, gn, &fd, 0);
		dup2(fd, 0);
		close(fd);
		r = kag_reader_open(i == 0 ? "-" : NULL);
		ok(r != NULL && strcmp(kag_reader_name(r), "<stdin>") == 0,
		    "open(%s) is '<stdin>'", i == 0 ? "\"-\"" : "NULL");
		kag_reader_set_bufsize(r, 2);
		ok(readcheck(r, golden, NGOLDEN, 0, "", 0, NULL) &&
			!kag_reader_is_gzip(r),
		    "plain stdin %s", why);
		kag_reader_close(r);
		ok(fcntl(0, F_GETFD) != -1, "close leaves fd 0 open");
		dup2(saved, 0);
		close(saved);
		waitpid(pid, &st, 0);
	}
	/* a timer interrupts the reads: EINTR is not an error */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tick;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	it.it_interval.tv_sec = 0;
	it.it_interval.tv_usec = 1000;
	it.it_value = it.it_interval;
	pid = feeder(z.buf, z.len, &fd, 1);
	ticks = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	r = kag_reader_fdopen(fd, "<stdin>");
	i = readcheck(r, golden, NGOLDEN, 0, "", 0, NULL);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	ok(i && ticks > 0, "a slow pipe and %d timer signals %s", (int)ticks,
	    why);
	kag_reader_close(r);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	kag_buf_release(&z);
}

static void
test_open(void)
{
	struct kag_reader *r;
	char path[400];
	const char *s;
	size_t n;
	int fd;

	errno = 0;
	ok(kag_reader_open(tmpdir) == NULL && errno == EISDIR,
	    "a directory: EISDIR");
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	errno = 0;
	ok(kag_reader_open(path) == NULL && errno == ENOENT,
	    "a missing file: ENOENT");

	if ((fd = open(tmpdir, O_RDONLY)) == -1)
		exit(2);
	r = kag_reader_fdopen(fd, "dir");
	errno = 0;
	ok(kag_reader_getline(r, &s, &n) == -1 && errno == EISDIR &&
		strcmp(kag_reader_errmsg(r), "read error: Is a directory") ==
		    0 &&
		kag_reader_lineno(r) == 1,
	    "a failing read(2): -1, errno, '%s'", kag_reader_errmsg(r));
	errno = 0;
	ok(kag_reader_getline(r, &s, &n) == -1 && errno == EISDIR,
	    "the read error is sticky, errno too");
	ok(strcmp(kag_reader_name(r), "dir") == 0, "name kept");
	kag_reader_close(r);
	kag_reader_close(NULL);
	ok(1, "close(NULL)");
}

int
main(int argc, char **argv)
{
	char path[4096];
	const char *t, *slash;
	char *g;
	size_t gn;

	(void)argc;
	t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/t_reader.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror(tmpdir);
		return 2;
	}
	snprintf(scratch, sizeof(scratch), "%s/in", tmpdir);
	/* the data lies in ../data beside the directory of this binary */
	slash = strrchr(argv[0], '/');
	snprintf(path, sizeof(path), "%.*s../data/reader/golden.txt",
	    slash != NULL ? (int)(slash - argv[0] + 1) : 0, argv[0]);
	g = slurp(path, &gn);

	test_cases();
	test_golden(g, gn);
	test_damage(g, gn);
	test_longline();
	test_early_close(g, gn);
	test_stdin(g, gn);
	test_open();

	free(g);
	unlink(scratch);
	rmdir(tmpdir);
	return tap_done();
}
