/* json.c: strict JSON (RFC 8259, valid UTF-8) on top of the jsmn tokenizer. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "kag.h"

/*
 * jsmn tokenizes, and we check every token and every byte between tokens
 * against the grammar as its tokens come out.  Three things about jsmn
 * shape the code:
 *
 * - Closing a bracket walks from the last token up to the innermost open
 *   container, and a call ends with a scan back from the last token to
 *   any open one.  Both grow with the tokens already made, so a long or
 *   deep text is fed in pieces (at most CHUNK bytes and BRACKETS brackets
 *   a call), and between calls jsmn's array is cut down to what it may
 *   still look at: the chain of open containers (and keys) above the
 *   current position, and the last token.  Tokens that have been checked
 *   live on in our own array, so nothing is lost.
 * - Strict jsmn knows neither NaN nor Infinity, nor a number that ends
 *   the text; a string or number cut by the end of a piece makes it give
 *   up too.  We then read that one element ourselves and hand jsmn the
 *   token as if it had made it (the parser's state is plain data).
 * - When jsmn gives up on bad input, we read on from where it stopped to
 *   say precisely what is wrong, and where.
 */

#define SMALL	 1024  /* texts up to this size go to jsmn in one call */
#define CHUNK	 65536 /* the most bytes of a longer text per call */
#define BRACKETS 128   /* the most brackets per call */
#define WORDMAX	 40    /* the most bytes of a bad literal quoted back */

/* What the grammar wants next. */
enum {
	S_VALUE, /* a value: at the top, after ':' or after ',' in an array */
	S_FIRST, /* after '[': a value or ']' */
	S_KEY,	 /* after ',' in an object: a key */
	S_FIRSTKEY, /* after '{': a key or '}' */
	S_COLON,    /* after a key */
	S_NEXT,	    /* after a value in a container: ',' or the closer */
	S_DONE	    /* after the top value: only whitespace */
};

struct frame {
	int tok;	      /* our index of the container */
	int count;	      /* keys or elements so far */
	unsigned char obj;    /* an object, else an array */
	unsigned char inside; /* a non-finite number somewhere inside */
};

struct priv {
	jsmn_parser p;
	jsmntok_t *jt; /* jsmn's working array */
	int jtalloc;
	int chain; /* jt[0..chain) hold the open chain (see compact()) */
	int *tmp;  /* scratch for compact() */
	int tmpalloc;
	struct frame *stk;
	int stkalloc;
	/* scratch for the duplicate key search */
};

/* One parse in progress. */
struct ctx {
	struct kag_json *j;
	struct priv *pv;
	const unsigned char *s;
	size_t n;
	unsigned flags;
	size_t cur; /* bytes before cur are checked */
	long comma; /* offset of the ',' just read, or -1 */
	int state;
	int depth;
};

static int fail(struct ctx *c, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct ctx *c, size_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->j->errmsg, sizeof(c->j->errmsg), fmt, ap);
	va_end(ap);
	c->j->errcol = off < INT_MAX ? (int)off + 1 : INT_MAX;
	return -1;
}

/* "unexpected ..." for a byte that cannot be where it is. */
static int
unexpected(struct ctx *c, size_t off)
{
	unsigned ch = c->s[off];

	if (ch == 0)
		return fail(c, off, "unexpected NUL byte");
	if (c->state == S_DONE)
		return fail(c, off, "unexpected text after the value");
	if (ch < 0x20 || ch >= 0x7f)
		return fail(c, off, "unexpected byte '\\x%02x'", ch);
	return fail(c, off, "unexpected '%c'", ch);
}

static int
isword(unsigned ch)
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
badescape(struct ctx *c, size_t off)
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
		return fail(c, off, "invalid escape");
	return fail(c, off, "invalid escape '%s'", shown);
}

/* The length of the escape at s[i] (a backslash), or -1 after fail(). */
static int
escape(struct ctx *c, size_t i)
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
	return fail(c, i, "unpaired surrogate '\\u%c%c%c%c'", s[i + 2],
	    s[i + 3], s[i + 4], s[i + 5]);
}

/* The length of the UTF-8 sequence at s[i] (a byte >= 0x80), or 0. */
static int
utf8len(const unsigned char *s, size_t i, size_t n)
{
	unsigned b = s[i], lo = 0x80, hi = 0xbf;
	int len, k;

	if (b >= 0xc2 && b <= 0xdf)
		len = 2;
	else if (b >= 0xe0 && b <= 0xef)
		len = 3;
	else if (b >= 0xf0 && b <= 0xf4)
		len = 4;
	else
		return 0;
	if (b == 0xe0)
		lo = 0xa0; /* overlong */
	else if (b == 0xed)
		hi = 0x9f; /* surrogates */
	else if (b == 0xf0)
		lo = 0x90; /* overlong */
	else if (b == 0xf4)
		hi = 0x8f; /* past U+10FFFF */
	if ((size_t)len > n - i)
		return 0;
	if (s[i + 1] < lo || s[i + 1] > hi)
		return 0;
	for (k = 2; k < len; k++)
		if (s[i + k] < 0x80 || s[i + k] > 0xbf)
			return 0;
	return len;
}

/*
 * Check the string whose opening quote is at s[q], from s[i] on: returns
 * the offset of the closing quote, or -1 after fail().  Sets *esc if it
 * has escapes.
 */
static long
string(struct ctx *c, size_t q, size_t i, int *esc)
{
	const unsigned char *s = c->s;
	size_t n = c->n;
	unsigned ch;
	int k;

	*esc = 0;
	for (;;) {
#ifdef __SSE2__
		const __m128i quote = _mm_set1_epi8('"');
		const __m128i bslash = _mm_set1_epi8('\\');
		const __m128i space = _mm_set1_epi8(' ');

		/* Bytes >= 0x80 are negative, so one compare finds them
		 * and the control bytes. */
		for (; i + 16 <= n; i += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(s + i));
			__m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, quote),
			    _mm_or_si128(_mm_cmpeq_epi8(v, bslash),
				_mm_cmplt_epi8(v, space)));
			int bits = _mm_movemask_epi8(m);

			if (bits != 0) {
				i += (size_t)__builtin_ctz((unsigned)bits);
				goto special;
			}
		}
#endif
		while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' &&
		    s[i] != '\\')
			i++;
		if (i >= n)
			return fail(c, q, "unterminated string");
#ifdef __SSE2__
	special:
#endif
		ch = s[i];
		if (ch == '"')
			return (long)i;
		if (ch == '\\') {
			if (i + 1 >= n)
				return fail(c, q, "unterminated string");
			if ((k = escape(c, i)) < 0)
				return -1;
			*esc = 1;
			i += (size_t)k;
		} else if (ch < 0x20) {
			return fail(c, i, "control character in string");
		} else {
			/* A run of non-ASCII text, byte by byte. */
			do {
				if ((k = utf8len(s, i, n)) == 0)
					return fail(c, i, "invalid UTF-8");
				i += (size_t)k;
			} while (i < n && s[i] >= 0x80);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Numbers and literals */

enum { L_OK, L_NONFINITE, L_BADNUM, L_BADLIT };

static int
literal(const unsigned char *s, size_t a, size_t e)
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
static int
badliteral(struct ctx *c, size_t a, size_t e, int why)
{
	const char *what = why == L_BADNUM ? "number" : "literal";
	int len = e - a > WORDMAX ? WORDMAX : (int)(e - a);

	if (why == L_NONFINITE)
		what = "literal";
	return fail(c, a, "invalid %s '%.*s%s'", what, len,
	    (const char *)c->s + a, e - a > WORDMAX ? "..." : "");
}

/* ------------------------------------------------------------------ */
/* Structure */

/* Grow array p of *alloc elements to hold need; returns it. */
static void *
grow(void *p, int *alloc, int need, size_t size)
{
	int n = *alloc;

	if (need <= n)
		return p;
	while (n < need)
		n = n < 64 ? 64 : n > INT_MAX / 2 ? INT_MAX : n * 2;
	*alloc = n;
	return kag_xrealloc(p, (size_t)n * size);
}

/* Append a token to our array; returns its index. */
static inline int
emit(struct ctx *c, int type, int flags, size_t start, size_t end)
{
	struct kag_json *j = c->j;
	struct kag_tok *t;
	int k = j->ntok;

	if (k == j->alloc)
		j->tok = grow(j->tok, &j->alloc, k + 1, sizeof(*j->tok));
	t = &j->tok[k];
	t->type = (unsigned char)type;
	t->flags = (unsigned char)flags;
	t->start = (int)start;
	t->end = (int)end;
	t->size = 0;
	t->next = k + 1;
	j->ntok = k + 1;
	return k;
}

/* The state after a complete value. */
static void
valuedone(struct ctx *c)
{
	c->state = c->depth > 0 ? S_NEXT : S_DONE;
}

static int gapslow(struct ctx *c, size_t from, size_t to);

/* Check the bytes s[from..to), all outside tokens.  Mostly there are
 * none, or one ':' or ','. */
static inline int
gap(struct ctx *c, size_t from, size_t to)
{
	if (from == to)
		return 0;
	if (to - from == 1) {
		if (c->s[from] == ':' && c->state == S_COLON) {
			c->state = S_VALUE;
			return 0;
		}
		if (c->s[from] == ',' && c->state == S_NEXT) {
			c->state =
			    c->pv->stk[c->depth - 1].obj ? S_KEY : S_VALUE;
			c->comma = (long)from;
			return 0;
		}
	}
	return gapslow(c, from, to);
}

static int
gapslow(struct ctx *c, size_t from, size_t to)
{
	const unsigned char *s = c->s;
	struct frame *f;
	struct kag_tok *t;
	size_t i;
	unsigned ch;

	for (i = from; i < to; i++) {
		ch = s[i];
		switch (ch) {
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			continue;
		case ',':
			if (c->state != S_NEXT)
				return unexpected(c, i);
			c->state =
			    c->pv->stk[c->depth - 1].obj ? S_KEY : S_VALUE;
			c->comma = (long)i;
			continue;
		case ':':
			if (c->state != S_COLON)
				return unexpected(c, i);
			c->state = S_VALUE;
			continue;
		case ']':
		case '}':
			break;
		default:
			return unexpected(c, i);
		}
		if (c->depth == 0)
			return unexpected(c, i);
		f = &c->pv->stk[c->depth - 1];
		if (f->obj != (ch == '}'))
			return unexpected(c, i);
		if (c->state == S_KEY || (c->state == S_VALUE && c->comma >= 0))
			return fail(c, (size_t)c->comma, "trailing comma");
		if (c->state == S_COLON)
			return fail(c, i, "expected ':' after key");
		if (c->state != S_NEXT && c->state != S_FIRST &&
		    c->state != S_FIRSTKEY)
			return unexpected(c, i);
		t = &c->j->tok[f->tok];
		t->end = (int)i + 1;
		t->size = f->count;
		t->next = c->j->ntok;
		if (f->inside) {
			t->flags |= KAG_TOKF_INSIDE;
			if (c->depth > 1)
				f[-1].inside = 1;
		}
		c->depth--;
		valuedone(c);
	}
	return 0;
}

/*
 * A value (or key, if str) begins at s[at]: is one wanted here?  Returns
 * 1 for a key, 0 for a value, -1 after fail().
 */
static inline int
expect(struct ctx *c, size_t at, int str)
{
	switch (c->state) {
	case S_VALUE:
	case S_FIRST:
		if (c->depth > 0 && !c->pv->stk[c->depth - 1].obj)
			c->pv->stk[c->depth - 1].count++;
		c->comma = -1;
		return 0;
	case S_KEY:
	case S_FIRSTKEY:
		if (!str)
			return fail(c, at, "object key must be a string");
		c->pv->stk[c->depth - 1].count++;
		c->comma = -1;
		return 1;
	case S_COLON:
		return fail(c, at, "expected ':' after key");
	case S_NEXT:
		return fail(c, at, "missing comma");
	default:
		return fail(c, at, "unexpected text after the value");
	}
}

static int
container(struct ctx *c, size_t at, int obj)
{
	struct priv *pv = c->pv;
	struct frame *f;

	if (expect(c, at, 0) < 0)
		return -1;
	if (c->depth == pv->stkalloc)
		pv->stk = grow(
		    pv->stk, &pv->stkalloc, c->depth + 1, sizeof(*pv->stk));
	f = &pv->stk[c->depth++];
	f->tok = emit(c, obj ? KAG_TOK_OBJECT : KAG_TOK_ARRAY, 0, at, at);
	f->count = 0;
	f->obj = (unsigned char)obj;
	f->inside = 0;
	c->state = obj ? S_FIRSTKEY : S_FIRST;
	c->cur = at + 1;
	return 0;
}

/*
 * The first byte of s[i..end) that is a backslash, a control byte or not
 * ASCII, or end: most strings are only checked here, since jsmn found
 * their end.
 */
static size_t
plain(const unsigned char *s, size_t n, size_t i, size_t end)
{
#ifdef __SSE2__
	const __m128i bslash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(' ');

	for (; i < end && i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(s + i));
		unsigned bits = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_cmpeq_epi8(v, bslash), _mm_cmplt_epi8(v, space)));

		if (end - i < 16)
			bits &= (1U << (end - i)) - 1;
		if (bits != 0)
			return i + (size_t)__builtin_ctz(bits);
	}
#else
	(void)n;
#endif
	for (; i < end; i++)
		if (s[i] < 0x20 || s[i] >= 0x80 || s[i] == '\\')
			return i;
	return end;
}

/* The string whose opening quote is at s[q] and whose closing one jsmn
 * found at s[end] (0 if it has not): its closing quote is returned. */
static long
str(struct ctx *c, size_t q, size_t end)
{
	long e = (long)end;
	size_t i = q + 1;
	int key, esc = 0, k;

	if ((key = expect(c, q, 1)) < 0)
		return -1;
	if (end > q)
		i = plain(c->s, c->n, i, end);
	if (i != end && (e = string(c, q, i, &esc)) < 0)
		return -1;
	k = emit(
	    c, KAG_TOK_STRING, esc ? KAG_TOKF_ESCAPED : 0, q + 1, (size_t)e);
	if (key) {
		c->j->tok[k].size = 1;
		c->state = S_COLON;
	} else {
		valuedone(c);
	}
	c->cur = (size_t)e + 1;
	return e;
}

/* The number or literal at s[a..e) (e is where jsmn ended it, or the end
 * of the word when we read it ourselves). */
static int
prim(struct ctx *c, size_t a, size_t e)
{
	size_t w;
	int why, flags = 0;

	if (expect(c, a, 0) < 0)
		return -1;
	why = literal(c->s, a, e);
	if (why == L_NONFINITE && (c->flags & KAG_JSON_NONFINITE))
		why = L_OK;
	if (why != L_OK) {
		/* jsmn ends a primitive only at a delimiter: cut the word
		 * and blame what follows it if the word itself is good. */
		for (w = a; w < e && isword(c->s[w]); w++)
			;
		if (w < e)
			why = literal(c->s, a, w);
		if (why == L_NONFINITE && (c->flags & KAG_JSON_NONFINITE))
			why = L_OK;
		if (w == e || why != L_OK)
			return badliteral(c, a, w, why);
		valuedone(c);
		if (c->s[w] != '"' && c->s[w] != '[' && c->s[w] != '{')
			return unexpected(c, w);
		expect(c, w, 0); /* fails: nothing may follow here */
		return -1;
	}
	if (c->s[a] == 'N' || c->s[a] == 'I' ||
	    (e - a > 1 && c->s[a + 1] == 'I')) {
		flags = KAG_TOKF_NONFINITE;
		if (c->depth > 0)
			c->pv->stk[c->depth - 1].inside = 1;
	}
	emit(c, KAG_TOK_PRIMITIVE, flags, a, e);
	valuedone(c);
	c->cur = e;
	return 0;
}

/* Check jsmn's new tokens jt[from..to). */
static int
take(struct ctx *c, int from, int to)
{
	const jsmntok_t *t = c->pv->jt;
	int i;

	for (i = from; i < to; i++) {
		size_t a = (size_t)t[i].start;

		if (t[i].start < 0)
			break; /* jsmn's half-made token before an error */
		switch (t[i].type) {
		case JSMN_STRING:
			if (gap(c, c->cur, a - 1) < 0 ||
			    str(c, a - 1, (size_t)t[i].end) < 0)
				return -1;
			break;
		case JSMN_PRIMITIVE:
			if (gap(c, c->cur, a) < 0 ||
			    prim(c, a, (size_t)t[i].end) < 0)
				return -1;
			break;
		default:
			if (gap(c, c->cur, a) < 0 ||
			    container(c, a, t[i].type == JSMN_OBJECT) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

/*
 * Cut jsmn's array down to the tokens it may look at again: the chain
 * from its current parent (parser.toksuper) up to the root, and the last
 * token (a key waiting for its ':' becomes the parent through it).
 * jt[0..chain) held the chain after the previous cut, each token's parent
 * the one before it.
 */
static void
compact(struct priv *pv)
{
	jsmntok_t *t = pv->jt;
	int last = (int)pv->p.toknext - 1, top = pv->p.toksuper;
	int m, k, i, a;

	if (top < 0) {
		m = 0;
	} else if (top < pv->chain) {
		m = top + 1;
	} else {
		k = 0;
		for (i = top; i >= pv->chain; i = t[i].parent) {
			if (k == pv->tmpalloc)
				pv->tmp = grow(pv->tmp, &pv->tmpalloc, k + 1,
				    sizeof(*pv->tmp));
			pv->tmp[k++] = i;
		}
		/* i is where the new part hangs from, or -1; each token
		 * moves down, never past one not yet moved. */
		a = i + 1;
		for (m = a; k > 0; m++) {
			t[m] = t[pv->tmp[--k]];
			t[m].parent = m - 1;
		}
	}
	if (last >= 0 && last != top) {
		t[m] = t[last];
		t[m].parent = m - 1;
		pv->p.toknext = (unsigned)m + 1;
	} else {
		pv->p.toknext = (unsigned)m;
	}
	pv->p.toksuper = m - 1;
	pv->chain = m;
}

/* Make room for one more token in jsmn's array. */
static void
room(struct priv *pv)
{
	if ((int)pv->p.toknext < pv->jtalloc)
		return;
	compact(pv);
	if ((int)pv->p.toknext > pv->jtalloc / 2)
		pv->jt = grow(
		    pv->jt, &pv->jtalloc, pv->jtalloc + 1, sizeof(*pv->jt));
}

/* Give jsmn a token it could not make itself, as it would have. */
static void
inject(struct priv *pv, int type, size_t start, size_t end, size_t pos)
{
	jsmntok_t *t;

	room(pv);
	t = &pv->jt[pv->p.toknext++];
	t->type = (jsmntype_t)type;
	t->start = (int)start;
	t->end = (int)end;
	t->size = 0;
	t->parent = pv->p.toksuper;
	if (pv->p.toksuper >= 0)
		pv->jt[pv->p.toksuper].size++;
	pv->p.pos = (unsigned)pos;
}

/*
 * jsmn stopped at s[at] without taking what starts there: read that one
 * element ourselves, and either fail or hand it to jsmn.
 */
static int
stuck(struct ctx *c, size_t at)
{
	unsigned ch = c->s[at];
	long e;
	size_t w;

	if (gap(c, c->cur, at) < 0)
		return -1;
	if (ch == '"') {
		if ((e = str(c, at, 0)) < 0)
			return -1;
		inject(c->pv, JSMN_STRING, at + 1, (size_t)e, (size_t)e + 1);
		return 0;
	}
	if (ch == '[' || ch == '{')
		return expect(c, at, 0) < 0 ? -1 : fail(c, at, "invalid JSON");
	if (!isword(ch)) {
		if (gap(c, at, at + 1) < 0)
			return -1;
		return fail(c, at, "invalid JSON");
	}
	for (w = at; w < c->n && isword(c->s[w]); w++)
		;
	if (prim(c, at, w) < 0)
		return -1;
	inject(c->pv, JSMN_PRIMITIVE, at, w, w);
	return 0;
}

/* Where the next call to jsmn should stop. */
static size_t
limit(const unsigned char *s, size_t pos, size_t n)
{
	size_t e = n - pos > CHUNK ? pos + CHUNK : n, i = pos;
	int k = 0;

#ifdef __SSE2__
	const __m128i bit = _mm_set1_epi8(0x20);
	const __m128i lb = _mm_set1_epi8('{');
	const __m128i rb = _mm_set1_epi8('}');

	/* '[' and ']' are '{' and '}' less 0x20. */
	for (; i + 16 <= e; i += 16) {
		__m128i v = _mm_or_si128(
		    _mm_loadu_si128((const __m128i *)(s + i)), bit);
		unsigned bits = (unsigned)_mm_movemask_epi8(
		    _mm_or_si128(_mm_cmpeq_epi8(v, lb), _mm_cmpeq_epi8(v, rb)));

		for (; bits != 0; bits &= bits - 1)
			k++;
		if (k > BRACKETS)
			return i > pos ? i : i + 16;
	}
#endif
	for (; i < e; i++)
		if ((s[i] | 0x20) == '{' || (s[i] | 0x20) == '}')
			if (++k > BRACKETS)
				return i + 1;
	return e;
}

struct kag_json *
kag_json_new(void)
{
	struct kag_json *j = kag_xcalloc(1, sizeof(*j));
	struct priv *pv = kag_xcalloc(1, sizeof(*pv));

	pv->jt = grow(pv->jt, &pv->jtalloc, 64, sizeof(*pv->jt));
	j->priv = pv;
	return j;
}

void
kag_json_free(struct kag_json *j)
{
	struct priv *pv;

	if (j == NULL)
		return;
	pv = j->priv;
	free(pv->jt);
	free(pv->tmp);
	free(pv->stk);
	free(pv);
	free(j->tok);
	free(j);
}

int
kag_json_parse(struct kag_json *j, const char *s, size_t n, unsigned flags)
{
	struct priv *pv = j->priv;
	struct ctx c;
	size_t lim, pos;
	int r, done;

	j->text = s;
	j->len = n;
	j->ntok = 0;
	j->errmsg[0] = '\0';
	j->errcol = 0;
	memset(&c, 0, sizeof(c));
	c.j = j;
	c.pv = pv;
	c.s = (const unsigned char *)s;
	c.n = n;
	c.flags = flags;
	c.comma = -1;
	c.state = S_VALUE;
	if (n > INT_MAX) {
		fail(&c, 0, "text longer than %d bytes", INT_MAX);
		return -1;
	}
	jsmn_init(&pv->p);
	pv->chain = 0;
	done = 0;
	lim = n <= SMALL ? n : limit(c.s, 0, n);
	for (;;) {
		r = jsmn_parse(&pv->p, s, lim, pv->jt, (unsigned)pv->jtalloc);
		if (take(&c, done, (int)pv->p.toknext) < 0)
			goto bad;
		pos = pv->p.pos;
		if (r == JSMN_ERROR_NOMEM) {
			room(pv);
		} else if (pos >= lim && r != JSMN_ERROR_INVAL) {
			/* Past lim when we took an element that ran over. */
			if (pos == n)
				break;
			compact(pv);
			lim = limit(c.s, pos, n);
		} else if (stuck(&c, pos) < 0) {
			goto bad;
		}
		done = (int)pv->p.toknext;
	}
	if (gap(&c, c.cur, n) < 0)
		goto bad;
	if (c.state != S_DONE) {
		if (j->ntok == 0)
			fail(&c, 0, "empty input");
		else
			fail(&c, n, "unexpected end of input");
		goto bad;
	}
	return 0;
bad:
	j->ntok = 0;
	return -1;
}

const char *
kag_json_errmsg(const struct kag_json *j)
{
	return j->errmsg;
}

int
kag_json_errcol(const struct kag_json *j)
{
	return j->errcol;
}
