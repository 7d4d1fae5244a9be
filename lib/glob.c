/* glob.c: shell-style pattern matching over UTF-8 byte strings. */
#include "kag.h"

/*
 * A byte that does not start a valid UTF-8 sequence is a character of its
 * own, given a value above U+10FFFF so that it only ever matches the same
 * byte, never the code point of the same number.
 */
#define RAWBYTE 0x110000UL

/* The character at s[0..n) (n >= 1): its value, and its length in *len. */
static unsigned long
dec(const unsigned char *s, size_t n, size_t *len)
{
	unsigned long c, min;
	size_t k, i;

	if (s[0] < 0x80) {
		*len = 1;
		return s[0];
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		k = 2;
		c = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		k = 3;
		c = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		k = 4;
		c = s[0] & 0x07;
		min = 0x10000;
	} else
		goto raw;
	if (k > n)
		goto raw;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto raw;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto raw;
	*len = k;
	return c;
raw:
	*len = 1;
	return RAWBYTE + s[0];
}

/*
 * The pattern's character at p, after a '\' if there is one.  dec()
 * stops at the first byte that is not a continuation byte, so it never
 * reads past the pattern's NUL: 4 stands in for the unknown length.
 */
static unsigned long
pchar(const unsigned char *p, size_t *len)
{
	unsigned long c;
	size_t k;

	if (p[0] == '\\' && p[1] != '\0') {
		c = dec(p + 1, 4, &k);
		*len = k + 1;
		return c;
	}
	return dec(p, 4, len);
}

/*
 * Match character c against the class whose '[' is at p.  Returns 1 or
 * 0 and sets *len to the length of the whole class, or returns -1 when
 * the class has no closing ']' (the '[' is then an ordinary character).
 */
static int
inclass(const unsigned char *p, unsigned long c, size_t *len)
{
	const unsigned char *q = p + 1;
	unsigned long lo, hi;
	int neg = 0, hit = 0;
	size_t k;

	if (*q == '!' || *q == '^') {
		neg = 1;
		q++;
	}
	/* A ']' first in the class is a member, not its end. */
	do {
		if (*q == '\0')
			return -1;
		lo = hi = pchar(q, &k);
		q += k;
		if (q[0] == '-' && q[1] != ']' && q[1] != '\0') {
			hi = pchar(q + 1, &k);
			q += 1 + k;
		}
		if (lo <= c && c <= hi)
			hit = 1;
	} while (*q != ']');
	*len = (size_t)(q + 1 - p);
	return hit != neg;
}

/* Whether the single-character element at p matches c; *plen is set to
 * the element's length in the pattern. */
static int
one(const unsigned char *p, unsigned long c, size_t *plen)
{
	int r;

	if (*p == '?') {
		*plen = 1;
		return 1;
	}
	if (*p == '[' && (r = inclass(p, c, plen)) >= 0)
		return r;
	return pchar(p, plen) == c;
}

/*
 * The classic iterative algorithm: on a mismatch go back to the last '*'
 * and let it swallow one more character.  Only the last '*' ever needs to
 * be revisited, so the work is at most pattern length times string
 * length, never exponential.
 */
int
kag_glob_match(const char *pattern, const char *str, size_t n)
{
	const unsigned char *p = (const unsigned char *)pattern, *star = NULL;
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, resume = 0, plen, slen;
	unsigned long c;

	while (i < n) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (*p == '\0')
				return 1;
			star = p;
			resume = i;
			continue;
		}
		c = dec(s + i, n - i, &slen);
		if (*p != '\0' && one(p, c, &plen)) {
			p += plen;
			i += slen;
			continue;
		}
		if (star == NULL)
			return 0;
		dec(s + resume, n - resume, &slen);
		resume += slen;
		i = resume;
		p = star;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}
