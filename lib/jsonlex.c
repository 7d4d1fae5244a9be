/* jsonlex.c: JSON strings, numbers and literals, and texts checked whole
 * without tokens. */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "jsonlex.h"

#define WORDMAX 40 /* the most bytes of a bad literal quoted back */

int
kag_jsonlex_fail(struct lex *c, size_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->j->errmsg, sizeof(c->j->errmsg), fmt, ap);
	va_end(ap);
	c->j->errcol = off < INT_MAX ? (int)off + 1 : INT_MAX;
	return -1;
}

int
kag_jsonlex_isword(unsigned ch)
{
	return (ch >= '0' && ch <= '9') ||
	    ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') || ch == '-' ||
	    ch == '+' || ch == '.';
}

/* ------------------------------------------------------------------ */
/* Strings */

static int
hexval(unsigned ch)
{
	if (ch >= '0' && ch <= '9')
		return (int)ch - '0';
	ch |= 0x20;
	if (ch >= 'a' && ch <= 'f')
		return (int)ch - 'a' + 10;
	return -1;
}

/* The 4 hex digits at p (n bytes left), or -1. */
static long
hex4(const unsigned char *p, size_t n)
{
	long v = 0;
	int i, d;

	if (n < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((d = hexval(p[i])) < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

static int
badescape(struct lex *c, size_t off)
{
	char shown[8];
	size_t i, k = 0;

	for (i = off; i < c->n && k < 6; i++) {
		if (c->s[i] < 0x20 || c->s[i] >= 0x7f ||
		    (c->s[i] == '"' && i > off + 1))
			break;
		shown[k++] = (char)c->s[i];
	}
	shown[k] = '\0';
	if (k < 2)
		return kag_jsonlex_fail(c, off, "invalid escape");
	return kag_jsonlex_fail(c, off, "invalid escape '%s'", shown);
}

/* The length of the escape at s[i] (a backslash), or -1 after fail(). */
static int
escape(struct lex *c, size_t i)
{
	const unsigned char *s = c->s;
	long u, lo;

	switch (s[i + 1]) {
	case '"':
	case '\\':
	case '/':
	case 'b':
	case 'f':
	case 'n':
	case 'r':
	case 't':
		return 2;
	case 'u':
		break;
	default:
		return badescape(c, i);
	}
	if ((u = hex4(s + i + 2, c->n - i - 2)) < 0)
		return badescape(c, i);
	if (u < 0xd800 || u > 0xdfff)
		return 6;
	if (u <= 0xdbff && i + 7 < c->n && s[i + 6] == '\\' &&
	    s[i + 7] == 'u' && (lo = hex4(s + i + 8, c->n - i - 8)) >= 0xdc00 &&
	    lo <= 0xdfff)
		return 12;
	return kag_jsonlex_fail(c, i, "unpaired surrogate '\\u%c%c%c%c'",
	    s[i + 2], s[i + 3], s[i + 4], s[i + 5]);
}

/*
 * The length of the UTF-8 sequence at s[i] (a byte >= 0x80), or 0 if it
 * is not valid: a stray continuation byte, an overlong form (C0, C1, E0
 * 80..9F, F0 80..8F), a surrogate (ED A0..BF), past U+10FFFF (F4 90..,
 * F5..FF) or cut short.  The common two- and three-byte forms come first.
 */
static inline int
utf8len(const unsigned char *s, size_t i, size_t n)
{
	unsigned b = s[i], c1;

	if (b < 0xc2 || n - i < 2 || (s[i + 1] & 0xc0) != 0x80)
		return 0;
	if (b < 0xe0)
		return 2;
	c1 = s[i + 1];
	if (n - i < 3 || (s[i + 2] & 0xc0) != 0x80)
		return 0;
	if (b < 0xf0) {
		if ((b == 0xe0 && c1 < 0xa0) || (b == 0xed && c1 > 0x9f))
			return 0;
		return 3;
	}
	if (b > 0xf4 || n - i < 4 || (s[i + 3] & 0xc0) != 0x80 ||
	    (b == 0xf0 && c1 < 0x90) || (b == 0xf4 && c1 > 0x8f))
		return 0;
	return 4;
}

/* The slow part of kag_jsonlex_string(), out of line. */
long
kag_jsonlex_odd(struct lex *c, size_t q, size_t i, int *esc)
{
	const unsigned char *s = c->s;
	size_t n = c->n;
	int k;

	if (s[i] == '\\') {
		if (i + 1 >= n)
			return kag_jsonlex_fail(c, q, "unterminated string");
		if ((k = escape(c, i)) < 0)
			return -1;
		*esc = 1;
		return (long)i + k;
	}
	if (s[i] < 0x20)
		return kag_jsonlex_fail(c, i, "control character in string");
	do {
		if ((k = utf8len(s, i, n)) == 0)
			return kag_jsonlex_fail(c, i, "invalid UTF-8");
		i += (size_t)k;
	} while (i < n && s[i] >= 0x80);
	return (long)i;
}

/* ------------------------------------------------------------------ */
/* Numbers and literals */

int
kag_jsonlex_literal(const unsigned char *s, size_t a, size_t e)
{
	size_t i = a;

	switch (s[a]) {
	case 't':
		return e - a == 4 && memcmp(s + a, "true", 4) == 0 ? L_OK
								   : L_BADLIT;
	case 'f':
		return e - a == 5 && memcmp(s + a, "false", 5) == 0 ? L_OK
								    : L_BADLIT;
	case 'n':
		return e - a == 4 && memcmp(s + a, "null", 4) == 0 ? L_OK
								   : L_BADLIT;
	case 'N':
		return e - a == 3 && memcmp(s + a, "NaN", 3) == 0 ? L_NONFINITE
								  : L_BADLIT;
	case 'I':
		return e - a == 8 && memcmp(s + a, "Infinity", 8) == 0
		    ? L_NONFINITE
		    : L_BADLIT;
	case '-':
		if (e - a == 9 && memcmp(s + a, "-Infinity", 9) == 0)
			return L_NONFINITE;
		i++;
		break;
	default:
		if (s[a] < '0' || s[a] > '9')
			return (s[a] | 0x20) >= 'a' && (s[a] | 0x20) <= 'z'
			    ? L_BADLIT
			    : L_BADNUM;
	}
	if (i == e)
		return L_BADNUM;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		while (++i < e && s[i] >= '0' && s[i] <= '9')
			;
	else
		return L_BADNUM;
	if (i < e && s[i] == '.') {
		if (++i == e || s[i] < '0' || s[i] > '9')
			return L_BADNUM;
		while (++i < e && s[i] >= '0' && s[i] <= '9')
			;
	}
	if (i < e && (s[i] | 0x20) == 'e') {
		if (++i < e && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == e || s[i] < '0' || s[i] > '9')
			return L_BADNUM;
		while (++i < e && s[i] >= '0' && s[i] <= '9')
			;
	}
	return i == e ? L_OK : L_BADNUM;
}

/* Fail on the literal s[a..e). */
int
kag_jsonlex_badliteral(struct lex *c, size_t a, size_t e, int why)
{
	const char *what = why == L_BADNUM ? "number" : "literal";
	int len = e - a > WORDMAX ? WORDMAX : (int)(e - a);

	if (why == L_NONFINITE)
		what = "literal";
	return kag_jsonlex_fail(c, a, "invalid %s '%.*s%s'", what, len,
	    (const char *)c->s + a, e - a > WORDMAX ? "..." : "");
}

/* ------------------------------------------------------------------ */
/* Checking without tokens */

#define CHECKDEPTH 1024 /* deeper texts go to kag_json_parse() */

static size_t
skipws(const unsigned char *s, size_t i, size_t n)
{
	while (i < n &&
	    (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
		i++;
	return i;
}

/*
 * The same grammar as kag_json_parse(), walked once with a stack of bits
 * instead of tokens, with the same string and literal checks.  Whatever
 * it does not take, kag_json_parse() reads again and has the last word,
 * so the two can only disagree if this one took a text that the parser
 * refuses, which the tests look for.
 */
int
kag_json_check(struct kag_json *j, const char *text, size_t n, unsigned flags)
{
	const unsigned char *s = (const unsigned char *)text;
	uint64_t obj[CHECKDEPTH / 64]; /* bit d: level d is an object */
	struct lex c;
	size_t i = 0, e;
	long k;
	int depth = 0, esc, lit, inobj = 0;

	if (n > INT_MAX)
		goto slow;
	memset(&c, 0, sizeof(c));
	c.j = j;
	c.s = s;
	c.n = n;
value:
	if ((i = skipws(s, i, n)) >= n)
		goto slow;
	switch (s[i]) {
	case '"':
		if ((k = kag_jsonlex_string(&c, i, &esc)) < 0)
			goto slow;
		i = (size_t)k + 1;
		goto next;
	case '{':
	case '[':
		if (depth == CHECKDEPTH)
			goto slow;
		inobj = s[i] == '{';
		if (inobj)
			obj[depth / 64] |= (uint64_t)1 << depth % 64;
		else
			obj[depth / 64] &= ~((uint64_t)1 << depth % 64);
		depth++;
		if ((i = skipws(s, i + 1, n)) < n &&
		    s[i] == (inobj ? '}' : ']'))
			goto close;
		if (inobj)
			goto key;
		goto value;
	default:
		for (e = i; e < n && kag_jsonlex_isword(s[e]); e++)
			;
		lit = e > i ? kag_jsonlex_literal(s, i, e) : L_BADLIT;
		if (lit != L_OK &&
		    (lit != L_NONFINITE || !(flags & KAG_JSON_NONFINITE)))
			goto slow;
		i = e;
		goto next;
	}
key:
	if ((i = skipws(s, i, n)) >= n || s[i] != '"' ||
	    (k = kag_jsonlex_string(&c, i, &esc)) < 0)
		goto slow;
	if ((i = skipws(s, (size_t)k + 1, n)) >= n || s[i] != ':')
		goto slow;
	i++;
	goto value;
next:
	i = skipws(s, i, n);
	if (depth == 0) {
		if (i < n)
			goto slow;
		j->text = text;
		j->len = n;
		j->ntok = 0;
		j->errmsg[0] = '\0';
		j->errcol = 0;
		return 0;
	}
	if (i >= n)
		goto slow;
	inobj = obj[(depth - 1) / 64] >> (depth - 1) % 64 & 1;
	if (s[i] == ',') {
		i++;
		if (inobj)
			goto key;
		goto value;
	}
	if (s[i] != (inobj ? '}' : ']'))
		goto slow;
close:
	depth--;
	i++;
	goto next;
slow:
	/* The parser's verdict and message, without its tokens. */
	if (kag_json_parse(j, text, n, flags) < 0)
		return -1;
	j->ntok = 0;
	return 0;
}
