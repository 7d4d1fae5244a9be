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
 * against the grammar as its tokens come out.  Four things about jsmn
 * shape the code:
 *
 * - Strings are most of the bytes, and jsmn would walk them one byte at a
 *   time before we check them again.  So jsmn is only given the text
 *   between strings (each call stops at the next '"'), and each string is
 *   read once, by us: checked, and its token handed to jsmn as if it had
 *   made it (the parser's state is plain data).  Between two strings
 *   there is mostly just a ':' or a ',', which only moves jsmn's parent;
 *   we do that too, the way jsmn does, rather than call it for one byte.
 * - Closing a bracket walks from the last token up to the innermost open
 *   container, and a call ends with a scan back from the last token to
 *   any open one.  Both grow with the tokens already made, so a long or
 *   deep text is fed in pieces (at most CHUNK bytes and BRACKETS brackets
 *   each), and jsmn's array is cut down to what it may still look at:
 *   the chain of open containers (and keys) above the current position,
 *   and the last token.  Tokens that have been checked live on in our own
 *   array, so nothing is lost.
 * - Strict jsmn knows neither NaN nor Infinity, nor a number that ends
 *   the text or a piece: we then read that one element ourselves and
 *   hand jsmn its token too.
 * - When jsmn gives up on bad input, we read on from where it stopped to
 *   say precisely what is wrong, and where.
 */

#define SMALL	 1024  /* texts up to this size are one piece */
#define CHUNK	 65536 /* the most bytes of a longer text per piece */
#define BRACKETS 128   /* the most brackets per piece */
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

/*
 * The byte at s[i] in the string whose opening quote is at s[q] is a
 * backslash, a control byte or not ASCII: returns the offset past the
 * escape or the run of non-ASCII text there, or -1 after fail().
 */
static long
odd(struct ctx *c, size_t q, size_t i, int *esc)
{
	const unsigned char *s = c->s;
	size_t n = c->n;
	int k;

	if (s[i] == '\\') {
		if (i + 1 >= n)
			return fail(c, q, "unterminated string");
		if ((k = escape(c, i)) < 0)
			return -1;
		*esc = 1;
		return (long)i + k;
	}
	if (s[i] < 0x20)
		return fail(c, i, "control character in string");
	do {
		if ((k = utf8len(s, i, n)) == 0)
			return fail(c, i, "invalid UTF-8");
		i += (size_t)k;
	} while (i < n && s[i] >= 0x80);
	return (long)i;
}

/*
 * Check the string whose opening quote is at s[q]: returns the offset of
 * the closing quote, or -1 after fail().  Sets *esc if it has escapes.
 */
static inline long
string(struct ctx *c, size_t q, int *esc)
{
	const unsigned char *s = c->s;
	size_t n = c->n, i = q + 1;
	long k;

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
		if (s[i] == '"')
			return (long)i;
		if ((k = odd(c, q, i, esc)) < 0)
			return -1;
		i = (size_t)k;
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

/* Check jsmn's new tokens jt[from..to): containers, numbers and literals
 * (it never sees a string). */
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
 * from its current parent (parser.toksuper) up to the root, and, if keep,
 * the last token (a key waiting for its ':' becomes the parent through
 * it).  jt[0..chain) held the chain after the previous cut, each token's
 * parent the one before it.
 */
static void
compact(struct priv *pv, int keep)
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
	if (keep && last >= 0 && last != top) {
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
	compact(pv, 1);
	if ((int)pv->p.toknext > pv->jtalloc / 2)
		pv->jt = grow(
		    pv->jt, &pv->jtalloc, pv->jtalloc + 1, sizeof(*pv->jt));
}

/*
 * Give jsmn a token it did not make itself, as it would have.  The token
 * before it is not needed any more, so jsmn's array is cut down to the
 * open chain first: that keeps jsmn's scan back for open tokens at the
 * end of each call short.  Mostly the chain is already in place up to
 * the parent, which then only needs the new token after it.
 */
static inline void
inject(struct priv *pv, int type, size_t start, size_t end, size_t pos)
{
	jsmntok_t *jt = pv->jt;
	int top = pv->p.toksuper, m = pv->chain, i;

	for (i = top; i >= m && jt[i].parent == i - 1; i--)
		;
	if (i < m) {
		m = top + 1;
	} else {
		compact(pv, 0);
		top = pv->p.toksuper;
		m = pv->chain;
	}
	if (m >= pv->jtalloc)
		jt = pv->jt = grow(jt, &pv->jtalloc, m + 1, sizeof(*jt));
	pv->chain = m;
	pv->p.toknext = (unsigned)m + 1;
	pv->p.pos = (unsigned)pos;
	jt[m].type = (jsmntype_t)type;
	jt[m].start = (int)start;
	jt[m].end = (int)end;
	jt[m].size = 0;
	jt[m].parent = top;
	if (top >= 0)
		jt[top].size++;
}

/*
 * The string whose opening quote is at s[q]: checked, and given to jsmn.
 * Mostly one ':' or ',' lies between it and the token before, and the
 * grammar's bookkeeping for that is done here.
 */
static int
str(struct ctx *c, size_t q)
{
	size_t cur = c->cur;
	long e;
	int key, esc = 0, k;

	if (q == cur + 1 && c->s[cur] == ':' && c->state == S_COLON) {
		key = 0;
	} else if (q == cur + 1 && c->s[cur] == ',' && c->state == S_NEXT) {
		struct frame *f = &c->pv->stk[c->depth - 1];

		f->count++;
		key = f->obj;
	} else if (gap(c, cur, q) < 0 || (key = expect(c, q, 1)) < 0) {
		return -1;
	}
	if ((e = string(c, q, &esc)) < 0)
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
	inject(c->pv, JSMN_STRING, q + 1, (size_t)e, (size_t)e + 1);
	return 0;
}

/*
 * jsmn stopped at s[at] without taking what starts there: read that one
 * element ourselves, and either fail or hand it to jsmn.
 */
static int
stuck(struct ctx *c, size_t at)
{
	unsigned ch = c->s[at];
	size_t w;

	if (gap(c, c->cur, at) < 0)
		return -1;
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

/*
 * Between two strings there is mostly only a ':' or a ',' (perhaps with
 * whitespace), for which jsmn makes no token: it only moves its parent
 * (parser.toksuper).  That is done here, the way jsmn does it, to save a
 * call; s[i..q) holding anything else is left to jsmn (returns 0).
 */
static inline int
punct(struct priv *pv, const unsigned char *s, size_t i, size_t q)
{
	jsmn_parser *p = &pv->p;
	size_t k;

	if (q - i == 1) {
		if (s[i] != ':' && s[i] != ',')
			return 0;
	} else {
		for (k = i; k < q; k++)
			if (s[k] != ':' && s[k] != ',' && s[k] != ' ' &&
			    s[k] != '\n' && s[k] != '\t' && s[k] != '\r')
				return 0;
	}
	for (k = i; k < q; k++) {
		if (s[k] == ':')
			p->toksuper = (int)p->toknext - 1;
		else if (s[k] == ',' && p->toksuper != -1 &&
		    pv->jt[p->toksuper].type != JSMN_ARRAY &&
		    pv->jt[p->toksuper].type != JSMN_OBJECT)
			p->toksuper = pv->jt[p->toksuper].parent;
	}
	p->pos = (unsigned)q;
	return 1;
}

/* The first '"' in s[i..e), or e. */
static inline size_t
nextquote(const unsigned char *s, size_t i, size_t e)
{
	const void *p;

	if (i >= e)
		return e;
	if (s[i] == '"')
		return i;
	if (i + 1 < e && s[i + 1] == '"')
		return i + 1;
#ifdef __SSE2__
	if (i + 16 <= e) {
		__m128i v = _mm_loadu_si128((const __m128i *)(s + i));
		unsigned bits = (unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));

		if (bits != 0)
			return i + (size_t)__builtin_ctz(bits);
	}
#endif
	p = memchr(s + i, '"', e - i);
	return p != NULL ? (size_t)((const unsigned char *)p - s) : e;
}

/* Where the next piece ends. */
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
	size_t lim, q, pos;
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
	lim = n <= SMALL ? n : limit(c.s, 0, n);
	for (;;) {
		pos = pv->p.pos;
		q = nextquote(c.s, pos, lim);
		if (q <= pos) {
			/* A string right here, or the end of the piece. */
		} else if (punct(pv, c.s, pos, q)) {
			pos = q;
		} else {
			done = (int)pv->p.toknext;
			r = jsmn_parse(
			    &pv->p, s, q, pv->jt, (unsigned)pv->jtalloc);
			if ((int)pv->p.toknext > done &&
			    take(&c, done, (int)pv->p.toknext) < 0)
				goto bad;
			pos = pv->p.pos;
			if (r == JSMN_ERROR_NOMEM) {
				room(pv);
				continue;
			}
			if (pos < q || r == JSMN_ERROR_INVAL) {
				if (stuck(&c, pos) < 0)
					goto bad;
				continue;
			}
		}
		if (pos < lim) {
			if (str(&c, pos) < 0)
				goto bad;
		} else if (pos >= n) {
			break;
		} else {
			/* Past lim when we took an element that ran over. */
			compact(pv, 1);
			lim = limit(c.s, pos, n);
		}
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
	struct ctx c;
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
		if ((k = string(&c, i, &esc)) < 0)
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
		for (e = i; e < n && isword(s[e]); e++)
			;
		lit = e > i ? literal(s, i, e) : L_BADLIT;
		if (lit != L_OK &&
		    (lit != L_NONFINITE || !(flags & KAG_JSON_NONFINITE)))
			goto slow;
		i = e;
		goto next;
	}
key:
	if ((i = skipws(s, i, n)) >= n || s[i] != '"' ||
	    (k = string(&c, i, &esc)) < 0)
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
	lit = kag_json_parse(j, text, n, flags);
	j->ntok = 0;
	return lit;
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
