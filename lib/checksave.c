/* checksave.c: a check's state saved and restored (kag-verify --state). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/*
 * The saved form: "KAGC2", then little-endian 64-bit numbers, strings as
 * their length plus one (0 for NULL) and their bytes, the pending
 * endpoints one by one (their kind, line, length, bytes), and each set as
 * a count and its fingerprints.  Nothing of the host's layout is kept.
 */
#define MAGIC "KAGC2"

static void
putfp(void *ctx, uint64_t fp)
{
	kag_saved_put64(ctx, fp);
}

static void
putset(
    struct kag_buf *b, const struct kag_fpset *set, const struct kag_buf *lazy)
{
	kag_saved_put64(b, (uint64_t)(kag_fpset_count(set) + lazy->len / 8));
	kag_buf_add(b, lazy->buf, lazy->len);
	kag_fpset_each(set, putfp, b);
}

void
kag_check_save(const struct kag_check *c, struct kag_buf *out, int withsets,
    uintmax_t lesserr, uintmax_t lesswarn)
{
	const struct kag_buf *e = &c->pending;
	struct pend p;
	uint64_t v[12];
	size_t at;
	int i;

	kag_buf_add(out, MAGIC, 5);
	v[0] = c->counts.memories;
	v[1] = c->counts.nodes;
	v[2] = c->counts.edges;
	v[3] = c->counts.hyperedges;
	v[4] = c->nrec;
	v[5] = c->errors - lesserr;
	v[6] = c->warnings - lesswarn;
	v[7] = (uint64_t)c->bare;
	v[8] = (uint64_t)c->nseg;
	v[9] = (uint64_t)c->rank;
	v[10] = (uint64_t)c->misorder;
	v[11] = (uint64_t)c->document;
	for (i = 0; i < 12; i++)
		kag_saved_put64(out, v[i]);
	kag_saved_putstr(
	    out, c->version, c->version != NULL ? strlen(c->version) : 0);
	kag_saved_putstr(
	    out, c->pfile.len > 0 ? c->pfile.buf : "", c->pfile.len);
	for (at = 0; at < e->len; at += sizeof(p) + p.len) {
		memcpy(&p, e->buf + at, sizeof(p));
		kag_saved_put64(out, (uint64_t)p.what + 1);
		kag_saved_put64(out, p.line);
		kag_saved_putstr(out, e->buf + at + sizeof(p), p.len);
	}
	kag_saved_put64(out, 0);
	if (!withsets) {
		kag_saved_put64(out, 0);
		kag_saved_put64(out, 0);
		return;
	}
	putset(out, c->nodes, &c->lazynodes);
	putset(out, c->mems, &c->lazymems);
}

static void
getset(struct kag_saved *k, struct kag_buf *lazy)
{
	uint64_t n = kag_saved_get64(k);
	const void *p;

	if (k->bad || n > k->n / 8) {
		k->bad = 1;
		return;
	}
	if ((p = kag_saved_bytes(k, (size_t)n * 8)) != NULL)
		kag_buf_add(lazy, p, (size_t)n * 8);
}

int
kag_check_restore(struct kag_check *c, const void *p, size_t n)
{
	struct kag_saved k;
	struct pend e;
	const char *s;
	uint64_t what, v[12];
	size_t len;
	int i;

	if (n < 5 || memcmp(p, MAGIC, 5) != 0)
		return -1;
	kag_saved_init(&k, (const char *)p + 5, n - 5);
	for (i = 0; i < 12; i++)
		v[i] = kag_saved_get64(&k);
	if (k.bad || v[7] > 1 || v[8] > INT32_MAX || v[9] > KAG_REC_END ||
	    v[10] > 1 || v[11] > 1)
		return -1;
	c->counts.memories = v[0];
	c->counts.nodes = v[1];
	c->counts.edges = v[2];
	c->counts.hyperedges = v[3];
	c->nrec = v[4];
	c->errors = v[5];
	c->warnings = v[6];
	c->bare = (int)v[7];
	c->nseg = (int)v[8];
	c->rank = (int)v[9];
	c->misorder = (int)v[10];
	c->document = (int)v[11];
	free(c->version);
	c->version = NULL;
	if ((s = kag_saved_getstr(&k, &len)) != NULL)
		c->version = kag_xmemdup(s, len);
	kag_buf_reset(&c->pfile);
	if ((s = kag_saved_getstr(&k, &len)) != NULL)
		kag_buf_add(&c->pfile, s, len);
	kag_buf_reset(&c->pending);
	while (!k.bad && (what = kag_saved_get64(&k)) != 0) {
		e.what = (int)(what - 1);
		e.line = kag_saved_get64(&k);
		s = kag_saved_getstr(&k, &len);
		if (s == NULL || what - 1 > PEND_FILE) {
			k.bad = 1;
			break;
		}
		e.len = len;
		kag_buf_add(&c->pending, &e, sizeof(e));
		kag_buf_add(&c->pending, s, len);
	}
	getset(&k, &c->lazynodes);
	getset(&k, &c->lazymems);
	return k.bad || k.n != 0 ? -1 : 0;
}
