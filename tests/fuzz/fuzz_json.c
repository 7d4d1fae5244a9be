/* fuzz_json.c: strict JSON validation and the record check on one line,
 * with the invariants that the rest of the library relies on. */
#include <stdlib.h>
#include <string.h>

#include "kag.h"
#include "fuzz.h"

/* Tokens lie inside the text, in order, and next skips whole subtrees. */
static void
tokens(const struct kag_json *j)
{
	int i;

	if (j->ntok < 1 || j->tok[0].next != j->ntok)
		abort();
	for (i = 0; i < j->ntok; i++) {
		if (j->tok[i].start < 0 || j->tok[i].end < j->tok[i].start ||
		    (size_t)j->tok[i].end > j->len)
			abort();
		if (j->tok[i].next <= i || j->tok[i].next > j->ntok)
			abort();
	}
}

/* A valid text stays valid, with the same meaning, when written compact
 * and canonical, and the canonical form is a fixed point. */
static void
rewrite(const struct kag_json *j, unsigned flags)
{
	struct kag_json *k = kag_json_new();
	struct kag_buf c = KAG_BUF_INIT, d = KAG_BUF_INIT, e = KAG_BUF_INIT;

	kag_json_compact(j, 0, &c);
	kag_json_canonical(j, 0, &d);
	if (kag_json_parse(k, c.buf, c.len, flags) < 0)
		abort();
	kag_json_canonical(k, 0, &e);
	if (e.len != d.len || memcmp(e.buf, d.buf, d.len) != 0)
		abort();
	if (kag_json_parse(k, d.buf, d.len, flags) < 0)
		abort();
	kag_buf_reset(&e);
	kag_json_canonical(k, 0, &e);
	if (e.len != d.len || memcmp(e.buf, d.buf, d.len) != 0)
		abort();
	kag_buf_release(&c);
	kag_buf_release(&d);
	kag_buf_release(&e);
	kag_json_free(k);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct kag_json *j = kag_json_new();
	struct kag_buf err = KAG_BUF_INIT, tmp = KAG_BUF_INIT;
	struct kag_record r;
	const char *p;
	size_t n;
	int t;

	if (kag_json_parse(j, s, size, 0) == 0) {
		tokens(j);
		rewrite(j, 0);
		kag_json_dup_key(j, 0);
		for (t = 0; t < j->ntok; t++)
			if (j->tok[t].type == KAG_TOK_STRING) {
				kag_json_str(j, t, &tmp, &p, &n);
				kag_buf_reset(&tmp);
			}
	} else if (*kag_json_errmsg(j) == '\0' || kag_json_errcol(j) < 1) {
		abort(); /* a refusal always says what and where */
	}
	if (kag_json_parse(j, s, size, KAG_JSON_NONFINITE) == 0) {
		tokens(j);
		rewrite(j, KAG_JSON_NONFINITE);
	}
	if (kag_record_parse(&r, j, s, size, &err) == 0) {
		if (r.type < KAG_REC_METADATA || r.type > KAG_REC_END)
			abort();
		kag_record_owner(&r, &tmp, &p, &n);
	} else if (err.len == 0) {
		abort();
	}
	kag_buf_release(&err);
	kag_buf_release(&tmp);
	kag_json_free(j);
	return 0;
}
