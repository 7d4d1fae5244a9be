/* saved.c: numbers and strings in the saved forms of kag-verify --state. */
#include <string.h>

#include "kag.h"

/*
 * Little-endian, byte by byte, whatever the host: a state file may be
 * restored by a machine other than the one that wrote it.  A reader never
 * trusts a length: it turns bad rather than read past the end.
 */
void
kag_saved_put64(struct kag_buf *b, uint64_t v)
{
	unsigned char p[8];
	int k;

	for (k = 0; k < 8; k++)
		p[k] = (unsigned char)(v >> 8 * k);
	kag_buf_add(b, p, 8);
}

void
kag_saved_putstr(struct kag_buf *b, const char *s, size_t n)
{
	kag_saved_put64(b, s == NULL ? 0 : (uint64_t)n + 1);
	if (s != NULL)
		kag_buf_add(b, s, n);
}

void
kag_saved_init(struct kag_saved *k, const void *p, size_t n)
{
	k->p = p;
	k->n = n;
	k->bad = 0;
}

const void *
kag_saved_bytes(struct kag_saved *k, size_t n)
{
	const void *p = k->p;

	if (k->bad || n > k->n) {
		k->bad = 1;
		return NULL;
	}
	k->p += n;
	k->n -= n;
	return p;
}

uint64_t
kag_saved_get64(struct kag_saved *k)
{
	const unsigned char *p = kag_saved_bytes(k, 8);
	uint64_t v = 0;
	int i;

	for (i = 0; p != NULL && i < 8; i++)
		v |= (uint64_t)p[i] << 8 * i;
	return v;
}

const char *
kag_saved_getstr(struct kag_saved *k, size_t *n)
{
	uint64_t len = kag_saved_get64(k);

	*n = 0;
	if (k->bad || len == 0)
		return NULL;
	if (len - 1 > k->n) {
		k->bad = 1;
		return NULL;
	}
	*n = (size_t)(len - 1);
	return kag_saved_bytes(k, *n);
}
