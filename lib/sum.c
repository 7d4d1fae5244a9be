/* sum.c: the checksum of a file's bytes, computed as they are read or on
 * two cores at once. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <xxhash.h>

#include "kag.h"

/*
 * XXH3 over the XXH3 of each CHUNK bytes (the last chunk may be short)
 * and the length: chunks are independent, so a file that is only to be
 * checked is hashed by two threads, each taking every other chunk, at
 * twice the speed of one stream; and a file read once is hashed as it
 * is read, to the same sum.
 */
#define CHUNK ((size_t)1 << 20)

struct kag_sum {
	XXH3_state_t *outer; /* the sums of the whole chunks */
	XXH3_state_t *inner; /* the chunk under way */
	XXH3_state_t *tmp;   /* for kag_sum_digest() */
	size_t infill;	     /* its bytes */
	uint64_t total;
};

struct kag_sum *
kag_sum_new(void)
{
	struct kag_sum *s = kag_xcalloc(1, sizeof(*s));

	if ((s->outer = XXH3_createState()) == NULL ||
	    (s->inner = XXH3_createState()) == NULL ||
	    (s->tmp = XXH3_createState()) == NULL) {
		kag_sum_free(s);
		return NULL;
	}
	kag_sum_reset(s);
	return s;
}

void
kag_sum_free(struct kag_sum *s)
{
	if (s == NULL)
		return;
	XXH3_freeState(s->outer);
	XXH3_freeState(s->inner);
	XXH3_freeState(s->tmp);
	free(s);
}

void
kag_sum_reset(struct kag_sum *s)
{
	XXH3_64bits_reset(s->outer);
	XXH3_64bits_reset(s->inner);
	s->infill = 0;
	s->total = 0;
}

/* Feed v to h as 8 bytes, little-endian whatever the host. */
static void
put64(XXH3_state_t *h, uint64_t v)
{
	unsigned char le[8];
	int i;

	for (i = 0; i < 8; i++)
		le[i] = (unsigned char)(v >> 8 * i);
	XXH3_64bits_update(h, le, sizeof(le));
}

/* n bytes at off into buf: 0, or an errno (-1 for a file too short). */
static int
readat(int fd, unsigned char *buf, size_t n, uint64_t off)
{
	size_t got;
	ssize_t k;

	for (got = 0; got < n; got += (size_t)k) {
		k = pread(fd, buf + got, n - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			k = 0;
		else if (k <= 0)
			return k < 0 ? errno : -1;
	}
	return 0;
}

void
kag_sum_update(struct kag_sum *s, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t take;

	s->total += n;
	while (n > 0) {
		take = CHUNK - s->infill < n ? CHUNK - s->infill : n;
		XXH3_64bits_update(s->inner, b, take);
		s->infill += take;
		b += take;
		n -= take;
		if (s->infill == CHUNK) {
			put64(s->outer, XXH3_64bits_digest(s->inner));
			XXH3_64bits_reset(s->inner);
			s->infill = 0;
		}
	}
}

uint64_t
kag_sum_digest(struct kag_sum *s)
{
	XXH3_copyState(s->tmp, s->outer);
	if (s->infill > 0)
		put64(s->tmp, XXH3_64bits_digest(s->inner));
	put64(s->tmp, s->total);
	return XXH3_64bits_digest(s->tmp);
}

/* Every other whole chunk of a file, from the first one given. */
struct half {
	int fd;
	size_t from, nchunks;
	uint64_t *sums;
	int err; /* errno, or -1 for a file shorter than said */
};

static void *
hashhalf(void *arg)
{
	struct half *h = arg;
	unsigned char *buf = malloc(CHUNK);
	size_t i;

	if (buf == NULL) {
		h->err = ENOMEM;
		return NULL;
	}
	for (i = h->from; i < h->nchunks && h->err == 0; i += 2)
		if ((h->err = readat(h->fd, buf, CHUNK, (uint64_t)i * CHUNK)) ==
		    0)
			h->sums[i] = XXH3_64bits(buf, CHUNK);
	free(buf);
	return NULL;
}

int
kag_sum_file(struct kag_sum *s, int fd, uint64_t n)
{
	struct half h[2];
	pthread_t t;
	size_t nchunks = (size_t)(n / CHUNK), i, rest = (size_t)(n % CHUNK);
	unsigned char *buf;
	int err;

	kag_sum_reset(s);
	for (i = 0; i < 2; i++) {
		h[i].fd = fd;
		h[i].from = i;
		h[i].nchunks = nchunks;
		h[i].err = 0;
	}
	h[0].sums = h[1].sums = kag_xcalloc(nchunks + 1, sizeof(uint64_t));
	if (nchunks > 1 && pthread_create(&t, NULL, hashhalf, &h[1]) == 0) {
		hashhalf(&h[0]);
		pthread_join(t, NULL);
	} else {
		hashhalf(&h[0]);
		hashhalf(&h[1]);
	}
	if ((err = h[0].err) == 0 && (err = h[1].err) == 0) {
		for (i = 0; i < nchunks; i++)
			put64(s->outer, h[0].sums[i]);
		s->total = (uint64_t)nchunks * CHUNK;
		buf = kag_xmalloc(rest + 1);
		if ((err = readat(fd, buf, rest, (uint64_t)nchunks * CHUNK)) ==
		    0)
			kag_sum_update(s, buf, rest);
		free(buf);
	}
	free(h[0].sums);
	if (err == 0)
		return 0;
	kag_sum_reset(s);
	errno = err > 0 ? err : EIO;
	return -1;
}
