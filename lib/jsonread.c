/* jsonread.c: reading parsed JSON back: strings, keys, duplicates, compact. */
#include <stdlib.h>
#include <string.h>

#include "kag.h"

/* The value of the n hex digits at p (checked by the parser). */
static long
hex(const unsigned char *p, int n)
{
	long v = 0;

	while (n-- > 0) {
		v <<= 4;
		if (*p >= '0' && *p <= '9')
			v |= *p - '0';
		else
			v |= (*p | 0x20) - 'a' + 10;
		p++;
	}
	return v;
}

/* Decode the (valid) escape at p into out; returns its length in the
 * text. */
static int
unescape(const char *p, char *out, int *outlen)
{
	static const char from[] = "bfnrt", to[] = "\b\f\n\r\t";
	const char *k;
	unsigned long cp;
	int len = 6;

	if (p[1] != 'u') {
		k = strchr(from, p[1]);
		*out = k != NULL ? to[k - from] : p[1];
		*outlen = 1;
		return 2;
	}
	cp = (unsigned long)hex((const unsigned char *)p + 2, 4);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		cp = 0x10000 + ((cp - 0xd800) << 10) +
		    ((unsigned long)hex((const unsigned char *)p + 8, 4) -
			0xdc00);
		len = 12;
	}
	if (cp < 0x80) {
		out[0] = (char)cp;
		*outlen = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		*outlen = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		*outlen = 3;
	} else {
		out[0] = (char)(0xf0 | cp >> 18);
		out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		*outlen = 4;
	}
	return len;
}

int
kag_json_str_eq(const struct kag_json *j, int t, const char *s, size_t n)
{
	const char *p = j->text + j->tok[t].start;
	const char *e = j->text + j->tok[t].end, *bs;
	char buf[4];
	size_t run;
	int len;

	if (!(j->tok[t].flags & KAG_TOKF_ESCAPED))
		return (size_t)(e - p) == n && memcmp(p, s, n) == 0;
	while (p < e) {
		bs = memchr(p, '\\', (size_t)(e - p));
		run = (size_t)((bs != NULL ? bs : e) - p);
		if (run > n || memcmp(p, s, run) != 0)
			return 0;
		s += run;
		n -= run;
		if (bs == NULL)
			break;
		p = bs + unescape(bs, buf, &len);
		if ((size_t)len > n || memcmp(buf, s, (size_t)len) != 0)
			return 0;
		s += len;
		n -= (size_t)len;
	}
	return n == 0;
}

void
kag_json_str_decode(const struct kag_json *j, int t, struct kag_buf *out)
{
	const char *p = j->text + j->tok[t].start;
	const char *e = j->text + j->tok[t].end, *bs;
	char buf[4];
	int len;

	if (!(j->tok[t].flags & KAG_TOKF_ESCAPED)) {
		kag_buf_add(out, p, (size_t)(e - p));
		return;
	}
	while (p < e) {
		bs = memchr(p, '\\', (size_t)(e - p));
		if (bs == NULL)
			bs = e;
		kag_buf_add(out, p, (size_t)(bs - p));
		if (bs == e)
			break;
		p = bs + unescape(bs, buf, &len);
		kag_buf_add(out, buf, (size_t)len);
	}
}

int
kag_json_find_key(
    const struct kag_json *j, int obj, const char *key, size_t keylen)
{
	int i, k;

	if (obj < 0 || obj >= j->ntok || j->tok[obj].type != KAG_TOK_OBJECT)
		return -1;
	for (i = obj + 1, k = 0; k < j->tok[obj].size; k++) {
		if (kag_json_str_eq(j, i, key, keylen))
			return i + 1;
		i = j->tok[i + 1].next;
	}
	return -1;
}

void
kag_json_str(const struct kag_json *j, int t, struct kag_buf *tmp,
    const char **s, size_t *n)
{
	if (j->tok[t].flags & KAG_TOKF_ESCAPED) {
		kag_buf_reset(tmp);
		kag_json_str_decode(j, t, tmp);
		*s = tmp->buf != NULL ? tmp->buf : "";
		*n = tmp->len;
	} else {
		*s = j->text + j->tok[t].start;
		*n = (size_t)(j->tok[t].end - j->tok[t].start);
	}
}

/* Above this many keys, a set instead of comparing every pair. */
#define PAIRWISE 16

int
kag_json_dup_key_shallow(const struct kag_json *j, int t)
{
	struct kag_buf tmp = KAG_BUF_INIT;
	struct kag_set *seen = NULL;
	const char *s;
	size_t n;
	int keys[PAIRWISE], i, k, a, nk, dup = -1;

	if (t < 0 || t >= j->ntok || j->tok[t].type != KAG_TOK_OBJECT)
		return -1;
	nk = j->tok[t].size;
	if (nk > PAIRWISE)
		seen = kag_set_new();
	for (a = t + 1, i = 0; i < nk && dup < 0; i++, a = j->tok[a + 1].next) {
		kag_json_str(j, a, &tmp, &s, &n);
		if (seen != NULL) {
			if (!kag_set_add(seen, s, n))
				dup = a;
			continue;
		}
		keys[i] = a;
		for (k = 0; k < i; k++)
			if (kag_json_str_eq(j, keys[k], s, n))
				dup = a;
	}
	kag_set_free(seen);
	kag_buf_release(&tmp);
	return dup;
}

int
kag_json_dup_key(const struct kag_json *j, int t)
{
	int i, end, d, best = -1;

	if (t < 0 || t >= j->ntok)
		return -1;
	end = j->tok[t].next;
	/* The earliest second occurrence in the text, wherever it is; an
	 * object after the best so far cannot beat it. */
	for (i = t; i < end && (best < 0 || i < best); i++) {
		if (j->tok[i].type != KAG_TOK_OBJECT)
			continue;
		d = kag_json_dup_key_shallow(j, i);
		if (d >= 0 && (best < 0 || d < best))
			best = d;
	}
	return best;
}

void
kag_json_compact(const struct kag_json *j, int t, struct kag_buf *out)
{
	const char *p = j->text + j->tok[t].start;
	const char *e = j->text + j->tok[t].end, *run;
	int instr = 0;

	if (j->tok[t].type == KAG_TOK_STRING) {
		p--;
		e++;
	}
	kag_buf_grow(out, (size_t)(e - p));
	/* The text is valid JSON: outside strings, whitespace is all that
	 * may go; inside, a backslash takes the next byte along. */
	while (p < e) {
		for (run = p; p < e; p++) {
			if (instr) {
				if (*p == '\\')
					p++;
				else if (*p == '"')
					instr = 0;
			} else if (*p == '"') {
				instr = 1;
			} else if (*p == ' ' || *p == '\t' || *p == '\n' ||
			    *p == '\r') {
				break;
			}
		}
		kag_buf_add(out, run, (size_t)(p - run));
		while (p < e &&
		    (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
			p++;
	}
}

/* A container kag_json_canonical() has opened and not yet closed. */
struct open {
	int next;  /* the token after it */
	int count; /* keys and values, or elements, written so far */
	int obj;
};

void
kag_json_canonical(const struct kag_json *j, int t, struct kag_buf *out)
{
	struct kag_buf tmp = KAG_BUF_INIT;
	struct open *stack = NULL, *top;
	int depth = 0, alloc = 0, i;
	const char *s;
	size_t n;

	for (i = t; i < j->tok[t].next; i++) {
		while (depth > 0 && stack[depth - 1].next <= i)
			kag_buf_addc(out, stack[--depth].obj ? '}' : ']');
		if (depth > 0) {
			top = &stack[depth - 1];
			if (top->obj && top->count % 2 == 1)
				kag_buf_addc(out, ':');
			else if (top->count > 0)
				kag_buf_addc(out, ',');
			top->count++;
		}
		switch (j->tok[i].type) {
		case KAG_TOK_OBJECT:
		case KAG_TOK_ARRAY:
			if (depth == alloc) {
				alloc = alloc ? 2 * alloc : 16;
				stack = kag_xrealloc(
				    stack, (size_t)alloc * sizeof(*stack));
			}
			top = &stack[depth++];
			top->next = j->tok[i].next;
			top->count = 0;
			top->obj = j->tok[i].type == KAG_TOK_OBJECT;
			kag_buf_addc(out, top->obj ? '{' : '[');
			break;
		case KAG_TOK_STRING:
			kag_json_str(j, i, &tmp, &s, &n);
			kag_buf_add_json_string(out, s, n);
			break;
		default:
			kag_buf_add(out, j->text + j->tok[i].start,
			    (size_t)(j->tok[i].end - j->tok[i].start));
			break;
		}
	}
	while (depth > 0)
		kag_buf_addc(out, stack[--depth].obj ? '}' : ']');
	free(stack);
	kag_buf_release(&tmp);
}
