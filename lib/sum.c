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

/* Append the sum of one whole chunk. */
static void
chunkdone(struct kag_sum *s, uint64_t d)
{
	unsigned char le[8];
	int i;

	for (i = 0; i < 8; i++)
		le[i] = (unsigned char)(d >> 8 * i);
	XXH3_64bits_update(s->outer, le, sizeof(le));
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
			chunkdone(s, XXH3_64bits_digest(s->inner));
			XXH3_64bits_reset(s->inner);
			s->infill = 0;
		}
	}
}

uint64_t
kag_sum_digest(struct kag_sum *s)
{
	XXH3_state_t *t = s->tmp;
	unsigned char le[8];
	uint64_t d;
	int i;

	XXH3_copyState(t, s->outer);
	d = XXH3_64bits_digest(s->inner);
	for (i = 0; i < 8; i++)
		le[i] = (unsigned char)(d >> 8 * i);
	if (s->infill > 0)
		XXH3_64bits_update(t, le, sizeof(le));
	for (i = 0; i < 8; i++)
		le[i] = (unsigned char)(s->total >> 8 * i);
	XXH3_64bits_update(t, le, sizeof(le));
	return XXH3_64bits_digest(t);
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
	size_t i, got;
	ssize_t k;

	if (buf == NULL) {
		h->err = ENOMEM;
		return NULL;
	}
	for (i = h->from; i < h->nchunks && h->err == 0; i += 2) {
		for (got = 0; got < CHUNK; got += (size_t)k) {
			k = pread(h->fd, buf + got, CHUNK - got,
			    (off_t)(i * CHUNK + got));
			if (k < 0 && errno == EINTR) {
				k = 0;
				continue;
			}
			if (k <= 0) {
				h->err = k < 0 ? errno : -1;
				break;
			}
		}
		if (h->err == 0)
			h->sums[i] = XXH3_64bits(buf, CHUNK);
	}
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
	ssize_t k;
	size_t got;

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
	for (i = 0; i < nchunks && h[0].err == 0 && h[1].err == 0; i++)
		chunkdone(s, h[0].sums[i]);
	free(h[0].sums);
	if (h[0].err != 0 || h[1].err != 0)
		goto bad;
	s->total = (uint64_t)nchunks * CHUNK;
	buf = kag_xmalloc(CHUNK);
	for (got = 0; got < rest; got += (size_t)k) {
		k = pread(
		    fd, buf + got, rest - got, (off_t)(nchunks * CHUNK + got));
		if (k < 0 && errno == EINTR) {
			k = 0;
			continue;
		}
		if (k <= 0) {
			free(buf);
			h[0].err = k < 0 ? errno : -1;
			goto bad;
		}
	}
	kag_sum_update(s, buf, rest);
	free(buf);
	return 0;
bad:
	kag_sum_reset(s);
	errno = h[0].err > 0 ? h[0].err : h[1].err > 0 ? h[1].err : EIO;
	return -1;
}
