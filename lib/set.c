/* set.c: hash sets of byte strings and of their 64-bit fingerprints. */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "kag.h"

/*
 * kag_hash64 is XXH3 (64 bits, seed 0) from the xxHash library: one hash
 * for the whole project (sets, fingerprints, kag-verify --state's
 * checksums), fast on short ids and on long buffers alike, with an
 * avalanche good enough for fingerprints to be near-uniform.
 */
uint64_t
kag_hash64(const void *p, size_t n)
{
	return XXH3_64bits(p, n);
}

/* Grow before the table is more than 7/10 full: linear probing degrades
 * quickly past that. */
static int
overfull(size_t count, size_t cap)
{
	return (count + 1) * 10 > cap * 7;
}

/*
 * A slot names a string in the arena by offset and length, and keeps 32
 * bits of its hash so that most probes are settled without touching the
 * arena.  Offset 0 is never a string's (the arena starts with a spare
 * byte), so it marks an empty slot.  A string of 4 GiB or more has len
 * LONGLEN and its real length in the 8 bytes before it.
 */
#define LONGLEN UINT32_MAX

struct slot {
	uint64_t off;
	uint32_t len;
	uint32_t tag;
};

struct kag_set {
	struct slot *tab;
	size_t mask; /* capacity - 1; the capacity is a power of two */
	size_t count;
	unsigned char *arena;
	size_t used, alloc;
};

struct kag_set *
kag_set_new(void)
{
	struct kag_set *s = kag_xcalloc(1, sizeof(*s));

	s->mask = 15;
	s->tab = kag_xcalloc(s->mask + 1, sizeof(*s->tab));
	s->alloc = 4096;
	s->arena = kag_xmalloc(s->alloc);
	s->used = 1;
	return s;
}

void
kag_set_free(struct kag_set *s)
{
	if (s == NULL)
		return;
	free(s->tab);
	free(s->arena);
	free(s);
}

size_t
kag_set_count(const struct kag_set *s)
{
	return s->count;
}

static size_t
slotlen(const struct kag_set *s, const struct slot *e)
{
	uint64_t n;

	if (e->len != LONGLEN)
		return e->len;
	memcpy(&n, s->arena + e->off - sizeof(n), sizeof(n));
	return (size_t)n;
}

/* The slot holding p[0..n), or the empty slot where it would go. */
static struct slot *
find(const struct kag_set *s, const void *p, size_t n, uint64_t h)
{
	struct slot *e;
	size_t i;

	for (i = h & s->mask;; i = (i + 1) & s->mask) {
		e = &s->tab[i];
		if (e->off == 0)
			return e;
		if (e->tag == (uint32_t)(h >> 32) && slotlen(s, e) == n &&
		    (n == 0 || memcmp(s->arena + e->off, p, n) == 0))
			return e;
	}
}

/* Double the table.  The hashes are recomputed from the arena: a pass
 * over it costs less than 8 more bytes in every slot would. */
static void
rehash(struct kag_set *s)
{
	struct slot *old = s->tab, *e;
	size_t oldcap = s->mask + 1, i, j;

	s->mask = oldcap * 2 - 1;
	s->tab = kag_xcalloc(s->mask + 1, sizeof(*s->tab));
	for (i = 0; i < oldcap; i++) {
		if (old[i].off == 0)
			continue;
		j = kag_hash64(s->arena + old[i].off, slotlen(s, &old[i])) &
		    s->mask;
		for (e = &s->tab[j]; e->off != 0; e = &s->tab[j])
			j = (j + 1) & s->mask;
		*e = old[i];
	}
	free(old);
}

/* Room for need more bytes in the arena; offsets survive the realloc.
 * The sum cannot overflow: the arena and the string are both in memory. */
static void
reserve(struct kag_set *s, size_t need)
{
	size_t want;

	want = s->used + need;
	if (want <= s->alloc)
		return;
	s->alloc = s->alloc > SIZE_MAX / 2 || s->alloc * 2 < want
	    ? want
	    : s->alloc * 2;
	s->arena = kag_xrealloc(s->arena, s->alloc);
}

int
kag_set_add(struct kag_set *s, const void *p, size_t n)
{
	uint64_t h = kag_hash64(p, n), n64 = n;
	struct slot *e;

	e = find(s, p, n, h);
	if (e->off != 0)
		return 0;
	if (overfull(s->count, s->mask + 1)) {
		rehash(s);
		e = find(s, p, n, h);
	}
	if (n >= LONGLEN) {
		reserve(s, sizeof(n64) + n);
		memcpy(s->arena + s->used, &n64, sizeof(n64));
		s->used += sizeof(n64);
		e->len = LONGLEN;
	} else {
		reserve(s, n);
		e->len = (uint32_t)n;
	}
	if (n > 0)
		memcpy(s->arena + s->used, p, n);
	e->off = s->used;
	e->tag = (uint32_t)(h >> 32);
	s->used += n;
	s->count++;
	return 1;
}

int
kag_set_has(const struct kag_set *s, const void *p, size_t n)
{
	return find(s, p, n, kag_hash64(p, n))->off != 0;
}

/*
 * The fingerprint set is the same table with only the hash kept: 0 marks
 * an empty slot, so a string whose hash is 0 gets fingerprint 1 (which
 * merely doubles the tiny chance that it collides with one other hash).
 */
/*
 * The fingerprints are spread over PARTS tables by their top bits, each
 * growing on its own: when one doubles, only that small table is held
 * twice for a moment, so the peak stays near the final size (kag-verify
 * promises a flat 32 MB on a million memories).  Within a table the low
 * bits pick the slot.
 */
#define PARTS 256

struct part {
	uint64_t *tab;
	size_t mask;
	size_t count;
};

struct kag_fpset {
	struct part part[PARTS];
	size_t count;
};

struct kag_fpset *
kag_fpset_new(void)
{
	struct kag_fpset *s = kag_xcalloc(1, sizeof(*s));
	int i;

	for (i = 0; i < PARTS; i++) {
		s->part[i].mask = 7;
		s->part[i].tab = kag_xcalloc(8, sizeof(uint64_t));
	}
	return s;
}

void
kag_fpset_free(struct kag_fpset *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < PARTS; i++)
		free(s->part[i].tab);
	free(s);
}

size_t
kag_fpset_count(const struct kag_fpset *s)
{
	return s->count;
}

static uint64_t
fingerprint(const void *p, size_t n)
{
	uint64_t h = kag_hash64(p, n);

	return h != 0 ? h : 1;
}

static uint64_t *
fpfind(const struct part *t, uint64_t fp)
{
	size_t i;

	for (i = fp & t->mask; t->tab[i] != 0 && t->tab[i] != fp;
	     i = (i + 1) & t->mask)
		;
	return &t->tab[i];
}

static void
fprehash(struct part *t)
{
	uint64_t *old = t->tab;
	size_t oldcap = t->mask + 1, i;

	t->mask = oldcap * 2 - 1;
	t->tab = kag_xcalloc(t->mask + 1, sizeof(*t->tab));
	for (i = 0; i < oldcap; i++)
		if (old[i] != 0)
			*fpfind(t, old[i]) = old[i];
	free(old);
}

/* Room for n more at once: a set read back whole grows each table once
 * (most of the cost of a restore was growing them step by step). */
void
kag_fpset_reserve(struct kag_fpset *s, size_t n)
{
	struct part *t;
	size_t want;
	int i;

	for (i = 0; i < PARTS; i++) {
		t = &s->part[i];
		want = t->count + n / PARTS + n / PARTS / 8 + 16;
		while (overfull(want, t->mask + 1))
			fprehash(t);
	}
}

int
kag_fpset_add(struct kag_fpset *s, const void *p, size_t n)
{
	return kag_fpset_add_fp(s, fingerprint(p, n));
}

/* Fingerprints are kept as they are, so that a saved set comes back
 * whole through kag_fpset_add_fp(), whatever the table sizes. */
int
kag_fpset_add_fp(struct kag_fpset *s, uint64_t fp)
{
	struct part *t;
	uint64_t *e;

	if (fp == 0)
		fp = 1;
	t = &s->part[fp >> 56];
	e = fpfind(t, fp);
	if (*e != 0)
		return 0;
	if (overfull(t->count, t->mask + 1)) {
		fprehash(t);
		e = fpfind(t, fp);
	}
	*e = fp;
	t->count++;
	s->count++;
	return 1;
}

void
kag_fpset_each(const struct kag_fpset *s, kag_fp_fn *fn, void *ctx)
{
	const struct part *t;
	size_t i;
	int k;

	for (k = 0; k < PARTS; k++)
		for (t = &s->part[k], i = 0; i <= t->mask; i++)
			if (t->tab[i] != 0)
				fn(ctx, t->tab[i]);
}

int
kag_fpset_has(const struct kag_fpset *s, const void *p, size_t n)
{
	uint64_t fp = fingerprint(p, n);

	return *fpfind(&s->part[fp >> 56], fp) != 0;
}
