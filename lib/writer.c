/* writer.c: buffered output to a descriptor, plain or gzip. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define ZLIB_CONST
#include <zlib.h>

#include "kag.h"

/* Big enough that write(2) and deflate() are called rarely. */
#define BUFSIZE (256 * 1024)

/*
 * buf collects what callers queue, for both kinds of output: deflate()
 * is cheapest when it is fed large blocks, so gzip output is compressed
 * a buffer at a time into zbuf and written from there.
 */
struct kag_writer {
	int fd;
	int gzip;
	int err; /* errno of the first failure, 0 if none */
	char *buf;
	size_t len;
	unsigned char *zbuf;
	z_stream zs;
};

static int
fail(struct kag_writer *w, int err)
{
	if (w->err == 0)
		w->err = err;
	errno = w->err;
	return -1;
}

/* Write all of p[0..n), through short writes and interruptions. */
static int
writeall(struct kag_writer *w, const void *p, size_t n)
{
	const char *s = p;
	ssize_t k;

	while (n > 0) {
		k = write(w->fd, s, n);
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1)
			return fail(w, errno);
		if (k == 0)
			return fail(w, EIO);
		s += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * Compress p[0..n) (with flush as deflate() takes it), writing out each
 * buffer deflate fills, and everything when finishing.  deflate() is
 * called again after it fills the buffer, until all it has produced is
 * in zbuf.
 */
static int
zwrite(struct kag_writer *w, const void *p, size_t n, int flush)
{
	uInt chunk;
	int rc, full, f;

	do {
		chunk = n > UINT_MAX ? UINT_MAX : (uInt)n;
		w->zs.next_in = p;
		w->zs.avail_in = chunk;
		p = (const char *)p + chunk;
		n -= chunk;
		f = n > 0 ? Z_NO_FLUSH : flush;
		for (;;) {
			rc = deflate(&w->zs, f);
			if (rc == Z_STREAM_ERROR)
				return fail(w, EINVAL);
			full = w->zs.avail_out == 0;
			if (full || rc == Z_STREAM_END) {
				if (writeall(w, w->zbuf,
					BUFSIZE - w->zs.avail_out) < 0)
					return -1;
				w->zs.next_out = w->zbuf;
				w->zs.avail_out = BUFSIZE;
			}
			if (f == Z_FINISH ? rc == Z_STREAM_END
					  : (w->zs.avail_in == 0 && !full))
				break;
		}
	} while (n > 0);
	return 0;
}

/* Hand p[0..n) on to the descriptor, compressed or not. */
static int
emit(struct kag_writer *w, const void *p, size_t n)
{
	if (w->gzip)
		return zwrite(w, p, n, Z_NO_FLUSH);
	return writeall(w, p, n);
}

struct kag_writer *
kag_writer_open(int fd, int gzip)
{
	struct kag_writer *w = kag_xcalloc(1, sizeof(*w));

	w->fd = fd;
	w->buf = kag_xmalloc(BUFSIZE);
	if (gzip) {
		w->gzip = 1;
		w->zbuf = kag_xmalloc(BUFSIZE);
		w->zs.zalloc = kag_zalloc;
		w->zs.zfree = kag_zfree;
		if (deflateInit2(&w->zs, 6, Z_DEFLATED, 15 + 16, 8,
			Z_DEFAULT_STRATEGY) != Z_OK) {
			free(w->zbuf);
			free(w->buf);
			free(w);
			errno = ENOMEM;
			return NULL;
		}
		w->zs.next_out = w->zbuf;
		w->zs.avail_out = BUFSIZE;
	}
	return w;
}

/*
 * The buffer is filled to the brim before it is written, so that a pipe
 * or a file sees writes of BUFSIZE bytes; what is larger than the buffer
 * goes out directly.
 */
int
kag_writer_write(struct kag_writer *w, const void *p, size_t n)
{
	size_t room;

	if (w->err)
		return fail(w, w->err);
	room = BUFSIZE - w->len;
	if (n > room) {
		memcpy(w->buf + w->len, p, room);
		w->len = BUFSIZE;
		p = (const char *)p + room;
		n -= room;
		if (kag_writer_flush(w) < 0)
			return -1;
		if (n >= BUFSIZE)
			return emit(w, p, n);
	}
	if (n > 0)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
	return 0;
}

int
kag_writer_line(struct kag_writer *w, const void *p, size_t n)
{
	if (w->err == 0 && n < BUFSIZE - w->len) {
		if (n > 0)
			memcpy(w->buf + w->len, p, n);
		w->len += n;
		w->buf[w->len++] = '\n';
		return 0;
	}
	if (kag_writer_write(w, p, n) < 0)
		return -1;
	return kag_writer_write(w, "\n", 1);
}

int
kag_writer_flush(struct kag_writer *w)
{
	size_t n = w->len;

	if (w->err)
		return fail(w, w->err);
	w->len = 0;
	if (n > 0 && emit(w, w->buf, n) < 0)
		return -1;
	if (w->gzip && w->zs.avail_out < BUFSIZE) {
		if (writeall(w, w->zbuf, BUFSIZE - w->zs.avail_out) < 0)
			return -1;
		w->zs.next_out = w->zbuf;
		w->zs.avail_out = BUFSIZE;
	}
	return 0;
}

int
kag_writer_close(struct kag_writer *w)
{
	int rv, e;

	if (w == NULL)
		return 0;
	rv = kag_writer_flush(w);
	if (rv == 0 && w->gzip)
		rv = zwrite(w, "", 0, Z_FINISH);
	e = w->err;
	if (w->gzip)
		deflateEnd(&w->zs);
	free(w->zbuf);
	free(w->buf);
	free(w);
	if (e != 0) {
		errno = e;
		return -1;
	}
	return rv;
}
