/* reader.c: lines from a file or stdin, plain or gzip, read in large blocks. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define ZLIB_CONST
#include <zlib.h>

#include "kag.h"

/*
 * One read(2) asks for up to RDSIZE bytes: large enough that the cost of
 * the system call disappears behind memchr, small enough to stay in cache.
 */
#define RDSIZE (1024 * 1024)
/* The line buffer is never smaller, so that sniffing has room. */
#define MINBUF 16
/* Inflated blocks in flight between the inflating thread and the lines. */
#define NCHUNK 2

enum mode { SNIFF, PLAIN, GZIP, DONE };

/*
 * A block inflated by the worker thread.  The worker fills it while
 * ready is 0; the reader's thread copies it out while ready is 1.
 */
struct chunk {
	char *p;
	size_t n;
	int ready;
	int last;   /* the worker stopped after this block */
	int status; /* then: 0 at a clean end, -1 on error */
};

/*
 * Lines live in buf[start..end); scan is where the search for the next
 * LF resumes, so that bytes are looked at once however a line is split
 * across reads.  One byte of buf is kept spare for the NUL after a last
 * line that has no LF.  Gzip input is read into in and inflated into buf,
 * or, for a regular file, inflated by a worker thread into chunks that
 * are copied into buf, so that inflating overlaps the caller's work.
 * The worker alone touches in, zs, eof, between and werr/wmsg while it
 * runs; the fields it shares are guarded by mu.
 */
struct kag_reader {
	int fd;
	int ownfd;
	char *name;
	size_t rdsize;
	char *buf;
	size_t alloc;
	size_t start;
	size_t scan;
	size_t end;
	enum mode mode;
	int status; /* what getline returns once in DONE */
	int gzip;
	int partial; /* the last line had no LF */
	uintmax_t lineno;
	char msg[160];
	kag_tap_fn *tap; /* sees every byte read(2) gives, in order */
	void *tapctx;

	int eof;     /* read(2) said end of file */
	int between; /* a gzip member ended: next comes a header or EOF */
	int werr;    /* errno of an error, 0 for damaged input */
	char wmsg[160];
	unsigned char *in;
	size_t inalloc;
	z_stream zs;
	int zinit;

	int threaded;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int quit;
	struct chunk ch[NCHUNK];
	size_t chsize;
	int ci;	     /* the chunk being copied out */
	size_t coff; /* how much of it is */
};

/*
 * Note an error (errno err, 0 for damaged input); always -1.  It becomes
 * the reader's message when getline reports it, not before: the worker
 * thread may be the one that finds it.
 */
__attribute__((format(printf, 3, 4))) static int
fail(struct kag_reader *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->wmsg, sizeof(r->wmsg), fmt, ap);
	va_end(ap);
	r->werr = err;
	errno = err;
	return -1;
}

/* Read up to n bytes (never more than rdsize) into p; -1, 0 at EOF, or
 * the count. */
static ssize_t
readsome(struct kag_reader *r, void *p, size_t n)
{
	ssize_t k;

	if (r->eof)
		return 0;
	if (n > r->rdsize)
		n = r->rdsize;
	do
		k = read(r->fd, p, n);
	while (k == -1 && errno == EINTR);
	if (k == -1)
		return fail(r, errno, "read error: %s", strerror(errno));
	if (k == 0)
		r->eof = 1;
	else if (r->tap != NULL)
		r->tap(r->tapctx, p, (size_t)k);
	return k;
}

/* Move what is left of in[] to its front and read more after it. */
static int
zread(struct kag_reader *r)
{
	ssize_t k;

	if (r->zs.avail_in > 0 && r->zs.next_in != r->in)
		memmove(r->in, r->zs.next_in, r->zs.avail_in);
	r->zs.next_in = r->in;
	k = readsome(r, r->in + r->zs.avail_in, r->inalloc - r->zs.avail_in);
	if (k < 0)
		return -1;
	r->zs.avail_in += (uInt)k;
	return 0;
}

/*
 * Inflate into out[0..room): the count (> 0), 0 at a clean end, -1.
 * After a member only another member or the end of input may follow.
 */
static ssize_t
inflatesome(struct kag_reader *r, char *out, size_t room)
{
	const unsigned char *p;
	size_t got;
	int rc;

	if (room > UINT_MAX)
		room = UINT_MAX;
	for (;;) {
		if (r->zs.avail_in == 0 && zread(r) < 0)
			return -1;
		if (r->between) {
			p = r->zs.next_in;
			if (r->zs.avail_in == 0)
				return 0;
			if (p[0] != 0x1f ||
			    (r->zs.avail_in > 1 && p[1] != 0x8b))
				return fail(
				    r, 0, "trailing garbage after gzip data");
			if (r->zs.avail_in == 1) {
				if (r->eof)
					return fail(
					    r, 0, "truncated gzip input");
				if (zread(r) < 0)
					return -1;
				continue;
			}
			if (inflateReset(&r->zs) != Z_OK)
				return fail(r, 0, "corrupt gzip input");
			r->between = 0;
		}
		r->zs.next_out = (unsigned char *)out;
		r->zs.avail_out = (uInt)room;
		rc = inflate(&r->zs, Z_NO_FLUSH);
		got = room - r->zs.avail_out;
		switch (rc) {
		case Z_STREAM_END:
			r->between = 1;
			break;
		case Z_OK:
		case Z_BUF_ERROR:
			break;
		case Z_MEM_ERROR:
			return fail(r, ENOMEM, "out of memory");
		default:
			if (r->zs.msg != NULL)
				return fail(
				    r, 0, "corrupt gzip input: %s", r->zs.msg);
			return fail(r, 0, "corrupt gzip input");
		}
		if (got > 0)
			return (ssize_t)got;
		if (r->zs.avail_in == 0 && r->eof && !r->between)
			return fail(r, 0, "truncated gzip input");
	}
}

/* The worker: fill each chunk in turn, until the end or an error. */
static void *
work(void *arg)
{
	struct kag_reader *r = arg;
	struct chunk *c;
	ssize_t k;
	int i = 0, quit;

	for (;;) {
		c = &r->ch[i];
		pthread_mutex_lock(&r->mu);
		while (c->ready && !r->quit)
			pthread_cond_wait(&r->cv, &r->mu);
		quit = r->quit;
		pthread_mutex_unlock(&r->mu);
		if (quit)
			return NULL;
		c->n = 0;
		do {
			k = inflatesome(r, c->p + c->n, r->chsize - c->n);
			if (k > 0)
				c->n += (size_t)k;
		} while (k > 0 && c->n < r->chsize);
		pthread_mutex_lock(&r->mu);
		c->ready = 1;
		if (k <= 0) {
			c->last = 1;
			c->status = (int)k;
		}
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		if (k <= 0)
			return NULL;
		i = (i + 1) % NCHUNK;
	}
}

/*
 * Inflating on a second core pays only where read(2) cannot block for
 * ever: a regular file.  (A worker waiting on a quiet pipe could not be
 * stopped by kag_reader_close.)  Without a thread, inflate in line.
 */
static void
startworker(struct kag_reader *r)
{
	struct stat st;
	sigset_t all, old;
	int i, rc;

	if (fstat(r->fd, &st) == -1 || !S_ISREG(st.st_mode))
		return;
	r->chsize = r->alloc - 1;
	for (i = 0; i < NCHUNK; i++)
		r->ch[i].p = kag_xmalloc(r->chsize);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	/* signals stay with the caller's threads: the worker blocks them */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&r->thread, NULL, work, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0) {
		r->threaded = 1;
		return;
	}
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	for (i = 0; i < NCHUNK; i++) {
		free(r->ch[i].p);
		r->ch[i].p = NULL;
	}
}

/* Copy inflated bytes from the worker's chunks into buf[end..]. */
static ssize_t
take(struct kag_reader *r)
{
	struct chunk *c = &r->ch[r->ci];
	size_t n;

	pthread_mutex_lock(&r->mu);
	while (!c->ready)
		pthread_cond_wait(&r->cv, &r->mu);
	pthread_mutex_unlock(&r->mu);
	n = c->n - r->coff;
	if (n > r->alloc - 1 - r->end)
		n = r->alloc - 1 - r->end;
	memcpy(r->buf + r->end, c->p + r->coff, n);
	r->end += n;
	r->coff += n;
	if (r->coff < c->n || (n > 0 && c->last))
		return (ssize_t)n;
	if (c->last)
		return c->status;
	pthread_mutex_lock(&r->mu);
	c->ready = 0;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	r->ci = (r->ci + 1) % NCHUNK;
	r->coff = 0;
	return (ssize_t)n;
}

/* Inflate from now on, starting with the r->end bytes read into buf. */
static ssize_t
startgzip(struct kag_reader *r)
{
	r->gzip = 1;
	r->mode = GZIP;
	r->inalloc = r->rdsize + 1;
	r->in = kag_xmalloc(r->inalloc);
	memcpy(r->in, r->buf, r->end);
	r->zs.zalloc = kag_zalloc;
	r->zs.zfree = kag_zfree;
	r->zs.next_in = r->in;
	r->zs.avail_in = (uInt)r->end;
	r->end = 0;
	if (inflateInit2(&r->zs, 15 + 16) != Z_OK)
		return fail(r, ENOMEM, "out of memory");
	r->zinit = 1;
	startworker(r);
	return 0;
}

/*
 * Decide between plain and gzip from the first two bytes, which may come
 * one read at a time.  The bytes read go to buf for plain input and are
 * moved to in for gzip.
 */
static ssize_t
sniff(struct kag_reader *r)
{
	ssize_t k;
	unsigned char *b = (unsigned char *)r->buf;

	while (r->end < 2) {
		k = readsome(r, r->buf + r->end, r->alloc - 1 - r->end);
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		r->end += (size_t)k;
	}
	if (r->end == 1 && b[0] == 0x1f) {
		/* a lone first byte of the magic: gzip cut short */
		r->gzip = 1;
		return fail(r, 0, "truncated gzip input");
	}
	if (r->end < 2 || b[0] != 0x1f || b[1] != 0x8b) {
		r->mode = PLAIN;
		return (ssize_t)r->end;
	}
	return startgzip(r);
}

/*
 * Make room after the unfinished line and add bytes: the count (> 0),
 * 0 at a clean end of input, -1 on error.  The buffer grows only when
 * the unfinished line fills it.
 */
static ssize_t
more(struct kag_reader *r)
{
	ssize_t k;

	if (r->start > 0) {
		if (r->end > r->start)
			memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->scan -= r->start;
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->alloc - 1) {
		r->alloc = r->alloc > SIZE_MAX / 2 ? SIZE_MAX : r->alloc * 2;
		r->buf = kag_xrealloc(r->buf, r->alloc);
	}
	switch (r->mode) {
	case PLAIN:
		k = readsome(r, r->buf + r->end, r->alloc - 1 - r->end);
		break;
	case GZIP:
		if (r->threaded)
			return take(r);
		k = inflatesome(r, r->buf + r->end, r->alloc - 1 - r->end);
		break;
	default:
		return 0;
	}
	if (k > 0)
		r->end += (size_t)k;
	return k;
}

static int
blank(const char *s, size_t n)
{
	while (n-- > 0)
		if (*s != ' ' && *s != '\t' && *s != '\r')
			return 0;
		else
			s++;
	return 1;
}

static int
finish(struct kag_reader *r, int status)
{
	if (r->mode != DONE && status < 0)
		memcpy(r->msg, r->wmsg, sizeof(r->msg));
	r->mode = DONE;
	r->status = status;
	if (status < 0)
		errno = r->werr;
	return status;
}

static void
allocbuf(struct kag_reader *r)
{
	r->alloc = r->rdsize + 1 > MINBUF ? r->rdsize + 1 : MINBUF;
	r->buf = kag_xmalloc(r->alloc);
}

int
kag_reader_getline(struct kag_reader *r, const char **line, size_t *len)
{
	char *s, *lf;
	size_t n;
	ssize_t k;

	if (r->mode == DONE)
		return finish(r, r->status);
	if (r->buf == NULL)
		allocbuf(r);
	for (;;) {
		lf = memchr(r->buf + r->scan, '\n', r->end - r->scan);
		if (lf != NULL) {
			s = r->buf + r->start;
			n = (size_t)(lf - s);
			r->start = r->scan = r->start + n + 1;
		} else {
			r->scan = r->end;
			if (r->mode == SNIFF) {
				if (sniff(r) < 0) {
					r->lineno++;
					return finish(r, -1);
				}
				continue;
			}
			if ((k = more(r)) > 0)
				continue;
			if (k < 0) {
				r->lineno++;
				return finish(r, -1);
			}
			if (r->start == r->end)
				return finish(r, 0);
			s = r->buf + r->start;
			n = r->end - r->start;
			r->start = r->scan = r->end;
			r->partial = 1;
		}
		r->lineno++;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		s[n] = '\0';
		if (r->lineno == 1 && n >= 3 &&
		    memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;
			n -= 3;
		}
		if ((n == 0 || *s == ' ' || *s == '\t' || *s == '\r') &&
		    blank(s, n))
			continue;
		*line = s;
		*len = n;
		return 1;
	}
}

struct kag_reader *
kag_reader_fdopen(int fd, const char *name)
{
	struct kag_reader *r = kag_xcalloc(1, sizeof(*r));

	r->fd = fd;
	r->ownfd = fd != 0;
	r->name = kag_xstrdup(name != NULL ? name : "<stdin>");
	r->rdsize = RDSIZE;
	r->mode = SNIFF;
	return r;
}

struct kag_reader *
kag_reader_open(const char *path)
{
	struct stat st;
	int fd, e;

	if (path == NULL || strcmp(path, "-") == 0)
		return kag_reader_fdopen(0, "<stdin>");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1)
		e = errno;
	else if (S_ISDIR(st.st_mode))
		e = EISDIR; /* open(2) lets a directory through */
	else
		return kag_reader_fdopen(fd, path);
	close(fd);
	errno = e;
	return NULL;
}

void
kag_reader_set_bufsize(struct kag_reader *r, size_t n)
{
	r->rdsize = n > 0 ? n : 1;
}

void
kag_reader_tap(struct kag_reader *r, kag_tap_fn *fn, void *ctx)
{
	r->tap = fn;
	r->tapctx = ctx;
}

int
kag_reader_fd(const struct kag_reader *r)
{
	return r->fd;
}

/*
 * What was read before ended at a line's LF and, for gzip, at the end of
 * a member: so the input goes on exactly as it would have, had it been
 * read from the start, with the gzip state of "between members" (where
 * only another member or the end may come).
 */
int
kag_reader_resume(
    struct kag_reader *r, uint64_t off, uintmax_t lineno, int gzip)
{
	if (r->mode != SNIFF || r->buf != NULL || off > INT64_MAX ||
	    lseek(r->fd, (off_t)off, SEEK_SET) == -1)
		return -1;
	r->lineno = lineno;
	if (off == 0)
		return 0;
	allocbuf(r);
	if (!gzip) {
		r->mode = PLAIN;
		return 0;
	}
	r->between = 1; /* before the worker starts */
	return startgzip(r) < 0 ? -1 : 0;
}

int
kag_reader_partial(const struct kag_reader *r)
{
	return r->partial;
}

const char *
kag_reader_name(const struct kag_reader *r)
{
	return r->name;
}

uintmax_t
kag_reader_lineno(const struct kag_reader *r)
{
	return r->lineno;
}

int
kag_reader_is_gzip(const struct kag_reader *r)
{
	return r->gzip;
}

const char *
kag_reader_errmsg(const struct kag_reader *r)
{
	return r->msg;
}

void
kag_reader_close(struct kag_reader *r)
{
	int i;

	if (r == NULL)
		return;
	if (r->threaded) {
		pthread_mutex_lock(&r->mu);
		r->quit = 1;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);
		pthread_mutex_destroy(&r->mu);
		pthread_cond_destroy(&r->cv);
	}
	for (i = 0; i < NCHUNK; i++)
		free(r->ch[i].p);
	if (r->zinit)
		inflateEnd(&r->zs);
	if (r->ownfd)
		close(r->fd);
	free(r->in);
	free(r->buf);
	free(r->name);
	free(r);
}
