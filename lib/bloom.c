/* bloom.c: a Bloom filter of fixed size: "surely new" or "maybe seen". */
#include <stdint.h>
#include <stdlib.h>

#include "kag.h"

/*
 * Blocked: each string sets K bits in one 64-byte block (one cache line,
 * one miss), chosen by its hash; the K bit positions are nine-bit slices
 * of a second 64 bits, the hash mixed (a bijection, so two strings share
 * them only when they share the hash).  The memory is calloc()ed, so pages
 * are only real once a string lands in them; past a few thousand strings
 * they all are, and the filter's size stays what it is whatever comes.
 */
#define WORDS 8 /* 64-bit words a block */
#define K     7 /* bits a string: 7 * 9 bits of the second hash */

struct kag_bloom {
	uint64_t *bits;
	size_t mask; /* blocks - 1 */
	size_t count;
};

struct kag_bloom *
kag_bloom_new(size_t bytes)
{
	struct kag_bloom *b = kag_xcalloc(1, sizeof(*b));
	size_t blocks = 1;

	while (blocks * 2 * WORDS * 8 <= bytes)
		blocks *= 2;
	b->mask = blocks - 1;
	b->bits = kag_xcalloc(blocks * WORDS, sizeof(uint64_t));
	return b;
}

void
kag_bloom_free(struct kag_bloom *b)
{
	if (b == NULL)
		return;
	free(b->bits);
	free(b);
}

int
kag_bloom_add(struct kag_bloom *b, const void *p, size_t n)
{
	uint64_t h = kag_hash64(p, n), *w, bit;
	unsigned pos;
	int i, fresh = 0;

	w = b->bits + (h & b->mask) * WORDS;
	/* splitmix64's finalizer */
	h = (h ^ h >> 30) * 0xbf58476d1ce4e5b9u;
	h = (h ^ h >> 27) * 0x94d049bb133111ebu;
	h ^= h >> 31;
	for (i = 0; i < K; i++, h >>= 9) {
		pos = (unsigned)(h & 511);
		bit = (uint64_t)1 << (pos & 63);
		if (!(w[pos >> 6] & bit)) {
			w[pos >> 6] |= bit;
			fresh = 1;
		}
	}
	b->count += (size_t)fresh;
	return fresh;
}

size_t
kag_bloom_count(const struct kag_bloom *b)
{
	return b->count;
}
