/* t_writer.c: the writer's bytes, plain and gzip, and its failures. */
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

static char tmpdir[256];
static char scratch[300];
static volatile sig_atomic_t ticks;

static char *
slurp(const char *path, size_t *n)
{
	struct kag_buf b = KAG_BUF_INIT;
	char tmp[65536];
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

/* Inflate one whole gzip member p[0..n) into out; 0 if it is exactly one
 * well-formed member, else -1. */
static int
gunzip(const char *p, size_t n, struct kag_buf *out)
{
	z_stream zs;
	char tmp[65536];
	int rc;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		exit(2);
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = (Bytef *)tmp;
		zs.avail_out = sizeof(tmp);
		rc = inflate(&zs, Z_NO_FLUSH);
		kag_buf_add(out, tmp, sizeof(tmp) - zs.avail_out);
	} while (rc == Z_OK);
	inflateEnd(&zs);
	return rc == Z_STREAM_END && zs.avail_in == 0 ? 0 : -1;
}

/* Line i of the test text: lengths from 0 up, some past twice the
 * writer's buffer. */
static size_t
mkline(struct kag_buf *b, unsigned i)
{
	size_t n, k;
	uint32_t x = 2463534242u ^ i;

	kag_buf_reset(b);
	kag_buf_addf(b, "{\"i\":%u,\"pad\":\"", i);
	n = i % 97 == 0 ? 600000 + i : (i * 37) % 1000;
	kag_buf_grow(b, n + 2);
	for (k = 0; k < n; k++) {
		/* xorshift: letters that do not compress to nothing */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b->buf[b->len + k] = (char)('a' + x % 26);
	}
	b->len += n;
	kag_buf_add(b, "\"}", 2);
	return b->len;
}

/*
 * Write nlines lines to fd through a writer, mixing whole lines with
 * lines queued in pieces; the bytes meant go to want (if not NULL).
 */
static int
writelines(int fd, int gzip, unsigned nlines, struct kag_buf *want)
{
	struct kag_writer *w = kag_writer_open(fd, gzip);
	struct kag_buf b = KAG_BUF_INIT;
	unsigned i;
	size_t half;
	int rc = 0;

	for (i = 0; i < nlines && rc == 0; i++) {
		mkline(&b, i);
		if (want != NULL) {
			kag_buf_add(want, b.buf, b.len);
			kag_buf_add(want, "\n", 1);
		}
		if (i % 3 == 0) {
			rc = kag_writer_line(w, b.buf, b.len);
			continue;
		}
		half = b.len / 2;
		if (kag_writer_write(w, b.buf, half) < 0 ||
		    kag_writer_write(w, b.buf + half, b.len - half) < 0 ||
		    kag_writer_write(w, "", 0) < 0 ||
		    kag_writer_write(w, "\n", 1) < 0)
			rc = -1;
		if (i % 50 == 0 && rc == 0)
			rc = kag_writer_flush(w);
	}
	kag_buf_release(&b);
	if (kag_writer_close(w) < 0)
		rc = -1;
	return rc;
}

/* Read with the reader: 1 if it holds exactly lines 0..nlines-1.  When
 * slow, the first lines are read with pauses between them. */
static int
readlines(struct kag_reader *r, unsigned nlines, int isgz, int slow)
{
	struct kag_buf b = KAG_BUF_INIT;
	const char *s;
	size_t n;
	unsigned i = 0;
	int rc, good = 1;

	while (good && (rc = kag_reader_getline(r, &s, &n)) == 1) {
		if (slow && i < 50)
			usleep(2000);
		mkline(&b, i);
		if (i >= nlines || n != b.len || memcmp(s, b.buf, n) != 0 ||
		    kag_reader_lineno(r) != i + 1)
			good = 0;
		i++;
	}
	kag_buf_release(&b);
	return good && rc == 0 && i == nlines && kag_reader_is_gzip(r) == isgz;
}

static void
test_roundtrip(void)
{
	struct kag_buf want = KAG_BUF_INIT, got = KAG_BUF_INIT;
	struct kag_reader *r;
	char *p;
	size_t n;
	int fd, gzip, rc;

	for (gzip = 0; gzip <= 1; gzip++) {
		kag_buf_reset(&want);
		fd = open(scratch, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		rc = writelines(fd, gzip, 1000, &want);
		ok(rc == 0, "%s: 1000 lines written, %zu bytes",
		    gzip ? "gzip" : "plain", want.len);
		close(fd);
		p = slurp(scratch, &n);
		if (gzip) {
			ok(n > 3 && memcmp(p, "\x1f\x8b\x08", 3) == 0 &&
				n < want.len * 3 / 4,
			    "gzip: a gzip file, %zu bytes", n);
			kag_buf_reset(&got);
			ok(gunzip(p, n, &got) == 0 && got.len == want.len &&
				memcmp(got.buf, want.buf, want.len) == 0,
			    "gzip: one member that zlib inflates to the bytes "
			    "written");
		} else
			ok(n == want.len && memcmp(p, want.buf, n) == 0,
			    "plain: the file holds the bytes written");
		free(p);
		r = kag_reader_open(scratch);
		kag_reader_set_bufsize(r, 4093);
		ok(readlines(r, 1000, gzip, 0),
		    "%s: the reader reads them back", gzip ? "gzip" : "plain");
		kag_reader_close(r);
	}
	kag_buf_release(&want);
	kag_buf_release(&got);
}

static void
test_small(void)
{
	struct kag_writer *w;
	struct kag_buf got = KAG_BUF_INIT;
	struct stat st;
	char *p;
	size_t n;
	int fd;

	fd = open(scratch, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok(kag_writer_close(kag_writer_open(fd, 0)) == 0, "plain, nothing");
	close(fd);
	p = slurp(scratch, &n);
	ok(n == 0, "plain, nothing: an empty file");
	free(p);

	fd = open(scratch, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ok(kag_writer_close(kag_writer_open(fd, 1)) == 0, "gzip, nothing");
	close(fd);
	p = slurp(scratch, &n);
	ok(gunzip(p, n, &got) == 0 && got.len == 0,
	    "gzip, nothing: an empty member (%zu bytes)", n);
	free(p);

	fd = open(scratch, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	w = kag_writer_open(fd, 0);
	kag_writer_line(w, "abc", 3);
	kag_writer_line(w, NULL, 0);
	fstat(fd, &st);
	ok(st.st_size == 0, "plain: nothing written before a flush");
	ok(kag_writer_flush(w) == 0, "flush");
	fstat(fd, &st);
	ok(st.st_size == 5, "plain: flush writes what is queued");
	ok(kag_writer_close(w) == 0, "close");
	close(fd);
	p = slurp(scratch, &n);
	ok(n == 5 && memcmp(p, "abc\n\n", 5) == 0, "plain: 'abc' LF LF");
	free(p);

	ok(kag_writer_close(NULL) == 0, "close(NULL) is 0");
	kag_buf_release(&got);
}

/* Inflate what there is of a gzip stream that may be unfinished. */
static void
gunzip_part(const char *p, size_t n, struct kag_buf *out)
{
	z_stream zs;
	char tmp[65536];
	int rc;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		exit(2);
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = (Bytef *)tmp;
		zs.avail_out = sizeof(tmp);
		rc = inflate(&zs, Z_NO_FLUSH);
		kag_buf_add(out, tmp, sizeof(tmp) - zs.avail_out);
	} while (rc == Z_OK && zs.avail_out == 0);
	inflateEnd(&zs);
}

/*
 * After a flush, what deflate has produced is on disk: all the input but
 * deflate's current block (some KiB of these letters) can be inflated
 * from it, even after a write that went past the buffer.
 */
static void
test_gzflush(void)
{
	struct kag_buf want = KAG_BUF_INIT, got = KAG_BUF_INIT,
		       b = KAG_BUF_INIT;
	struct kag_writer *w;
	char *p;
	size_t n;
	unsigned i;
	int fd;

	for (i = 1; want.len < 3000000; i++)
		if (i % 97 != 0) {
			mkline(&b, i);
			kag_buf_add(&want, b.buf, b.len);
			kag_buf_add(&want, "\n", 1);
		}
	fd = open(scratch, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	w = kag_writer_open(fd, 1);
	ok(kag_writer_write(w, want.buf, want.len) == 0 &&
		kag_writer_flush(w) == 0,
	    "gzip: %zu bytes in one write, flushed", want.len);
	p = slurp(scratch, &n);
	gunzip_part(p, n, &got);
	free(p);
	ok(got.len <= want.len && got.len + 65536 >= want.len &&
		memcmp(got.buf, want.buf, got.len) == 0,
	    "gzip: after the flush, %zu of %zu bytes can be inflated", got.len,
	    want.len);
	ok(kag_writer_close(w) == 0, "gzip: closed");
	close(fd);
	p = slurp(scratch, &n);
	kag_buf_reset(&got);
	ok(gunzip(p, n, &got) == 0 && got.len == want.len &&
		memcmp(got.buf, want.buf, got.len) == 0,
	    "gzip: after close, all of it");
	free(p);
	kag_buf_release(&want);
	kag_buf_release(&got);
	kag_buf_release(&b);
}

static void
test_full(void)
{
	struct kag_writer *w;
	static char big[1 << 20];
	int fd, gzip;
	const char *kind;

	if ((fd = open("/dev/full", O_WRONLY)) == -1) {
		ok(0, "/dev/full: %s", strerror(errno));
		return;
	}
	for (gzip = 0; gzip <= 1; gzip++) {
		kind = gzip ? "gzip" : "plain";
		w = kag_writer_open(fd, gzip);
		ok(kag_writer_line(w, "x", 1) == 0, "%s /dev/full: queued",
		    kind);
		errno = 0;
		ok(kag_writer_close(w) == -1 && errno == ENOSPC,
		    "%s /dev/full: close fails with ENOSPC", kind);

		memset(big, 'x', sizeof(big));
		w = kag_writer_open(fd, gzip);
		errno = 0;
		ok(kag_writer_write(w, big, sizeof(big)) == -1 &&
			errno == ENOSPC,
		    "%s /dev/full: a large write fails at once", kind);
		errno = 0;
		ok(kag_writer_line(w, "x", 1) == -1 && errno == ENOSPC,
		    "%s /dev/full: then every write fails, errno kept", kind);
		errno = 0;
		ok(kag_writer_flush(w) == -1 && errno == ENOSPC,
		    "%s /dev/full: and every flush", kind);
		errno = 0;
		ok(kag_writer_close(w) == -1 && errno == ENOSPC,
		    "%s /dev/full: and close", kind);
	}
	close(fd);
}

static void
test_pipe(void)
{
	struct kag_writer *w;
	int fd[2], gzip;

	signal(SIGPIPE, SIG_IGN);
	for (gzip = 0; gzip <= 1; gzip++) {
		if (pipe(fd) == -1)
			exit(2);
		close(fd[0]);
		w = kag_writer_open(fd[1], gzip);
		ok(kag_writer_line(w, "x", 1) == 0, "closed pipe: queued");
		errno = 0;
		ok(kag_writer_close(w) == -1 && errno == EPIPE,
		    "%s closed pipe: close fails with EPIPE",
		    gzip ? "gzip" : "plain");
		close(fd[1]);
	}
	signal(SIGPIPE, SIG_DFL);
}

static void
tick(int sig)
{
	(void)sig;
	ticks++;
}

/*
 * A slow reader behind a pipe and a timer that keeps interrupting
 * write(2): the writer must carry on through EINTR and short writes.
 */
static void
test_interrupted(void)
{
	struct sigaction sa;
	struct itimerval it;
	struct kag_reader *r;
	int fd[2], gzip, st, rc, good;
	pid_t pid;

	for (gzip = 0; gzip <= 1; gzip++) {
		fflush(stdout); /* the child must not print it again */
		if (pipe(fd) == -1 || (pid = fork()) == -1)
			exit(2);
		if (pid == 0) {
			close(fd[1]);
			r = kag_reader_fdopen(fd[0], "pipe");
			kag_reader_set_bufsize(r, 1000);
			good = readlines(r, 500, gzip, 1);
			kag_reader_close(r);
			_exit(good ? 0 : 1);
		}
		close(fd[0]);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = tick;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = 0; /* no SA_RESTART: let write(2) see EINTR */
		sigaction(SIGALRM, &sa, NULL);
		it.it_interval.tv_sec = 0;
		it.it_interval.tv_usec = 1000;
		it.it_value = it.it_interval;
		ticks = 0;
		setitimer(ITIMER_REAL, &it, NULL);
		signal(SIGPIPE, SIG_IGN);
		rc = writelines(fd[1], gzip, 500, NULL);
		memset(&it, 0, sizeof(it));
		setitimer(ITIMER_REAL, &it, NULL);
		signal(SIGPIPE, SIG_DFL);
		close(fd[1]);
		while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
			;
		ok(rc == 0 && ticks > 10 && WIFEXITED(st) &&
			WEXITSTATUS(st) == 0,
		    "%s: 500 lines through a slow pipe and %d timer signals",
		    gzip ? "gzip" : "plain", (int)ticks);
	}
}

int
main(void)
{
	const char *t;

	t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/t_writer.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror(tmpdir);
		return 2;
	}
	snprintf(scratch, sizeof(scratch), "%s/out", tmpdir);

	test_roundtrip();
	test_small();
	test_gzflush();
	test_full();
	test_pipe();
	test_interrupted();

	unlink(scratch);
	rmdir(tmpdir);
	return tap_done();
}
