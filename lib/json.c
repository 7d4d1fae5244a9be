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

#include "jsonlex.h"

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
	struct lex x; /* the text, and where errors go */
	struct priv *pv;
	unsigned flags;
	size_t cur; /* bytes before cur are checked */
	long comma; /* offset of the ',' just read, or -1 */
	int state;
	int depth;
};

/* "unexpected ..." for a byte that cannot be where it is. */
static int
unexpected(struct ctx *c, size_t off)
{
	unsigned ch = c->x.s[off];

	if (ch == 0)
		return kag_jsonlex_fail(&c->x, off, "unexpected NUL byte");
	if (c->state == S_DONE)
		return kag_jsonlex_fail(
		    &c->x, off, "unexpected text after the value");
	if (ch < 0x20 || ch >= 0x7f)
		return kag_jsonlex_fail(
		    &c->x, off, "unexpected byte '\\x%02x'", ch);
	return kag_jsonlex_fail(&c->x, off, "unexpected '%c'", ch);
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
	struct kag_json *j = c->x.j;
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
		if (c->x.s[from] == ':' && c->state == S_COLON) {
			c->state = S_VALUE;
			return 0;
		}
		if (c->x.s[from] == ',' && c->state == S_NEXT) {
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
	const unsigned char *s = c->x.s;
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
			return kag_jsonlex_fail(
			    &c->x, (size_t)c->comma, "trailing comma");
		if (c->state == S_COLON)
			return kag_jsonlex_fail(
			    &c->x, i, "expected ':' after key");
		if (c->state != S_NEXT && c->state != S_FIRST &&
		    c->state != S_FIRSTKEY)
			return unexpected(c, i);
		t = &c->x.j->tok[f->tok];
		t->end = (int)i + 1;
		t->size = f->count;
		t->next = c->x.j->ntok;
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
			return kag_jsonlex_fail(
			    &c->x, at, "object key must be a string");
		c->pv->stk[c->depth - 1].count++;
		c->comma = -1;
		return 1;
	case S_COLON:
		return kag_jsonlex_fail(&c->x, at, "expected ':' after key");
	case S_NEXT:
		return kag_jsonlex_fail(&c->x, at, "missing comma");
	default:
		return kag_jsonlex_fail(
		    &c->x, at, "unexpected text after the value");
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
	why = kag_jsonlex_literal(c->x.s, a, e);
	if (why == L_NONFINITE && (c->flags & KAG_JSON_NONFINITE))
		why = L_OK;
	if (why != L_OK) {
		/* jsmn ends a primitive only at a delimiter: cut the word
		 * and blame what follows it if the word itself is good. */
		for (w = a; w < e && kag_jsonlex_isword(c->x.s[w]); w++)
			;
		if (w < e)
			why = kag_jsonlex_literal(c->x.s, a, w);
		if (why == L_NONFINITE && (c->flags & KAG_JSON_NONFINITE))
			why = L_OK;
		if (w == e || why != L_OK)
			return kag_jsonlex_badliteral(&c->x, a, w, why);
		valuedone(c);
		if (c->x.s[w] != '"' && c->x.s[w] != '[' && c->x.s[w] != '{')
			return unexpected(c, w);
		expect(c, w, 0); /* fails: nothing may follow here */
		return -1;
	}
	if (c->x.s[a] == 'N' || c->x.s[a] == 'I' ||
	    (e - a > 1 && c->x.s[a + 1] == 'I')) {
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

	if (q == cur + 1 && c->x.s[cur] == ':' && c->state == S_COLON) {
		key = 0;
	} else if (q == cur + 1 && c->x.s[cur] == ',' && c->state == S_NEXT) {
		struct frame *f = &c->pv->stk[c->depth - 1];

		f->count++;
		key = f->obj;
	} else if (gap(c, cur, q) < 0 || (key = expect(c, q, 1)) < 0) {
		return -1;
	}
	if ((e = kag_jsonlex_string(&c->x, q, &esc)) < 0)
		return -1;
	k = emit(
	    c, KAG_TOK_STRING, esc ? KAG_TOKF_ESCAPED : 0, q + 1, (size_t)e);
	if (key) {
		c->x.j->tok[k].size = 1;
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
	unsigned ch = c->x.s[at];
	size_t w;

	if (gap(c, c->cur, at) < 0)
		return -1;
	if (ch == '[' || ch == '{')
		return expect(c, at, 0) < 0
		    ? -1
		    : kag_jsonlex_fail(&c->x, at, "invalid JSON");
	if (!kag_jsonlex_isword(ch)) {
		if (gap(c, at, at + 1) < 0)
			return -1;
		return kag_jsonlex_fail(&c->x, at, "invalid JSON");
	}
	for (w = at; w < c->x.n && kag_jsonlex_isword(c->x.s[w]); w++)
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
	c.x.j = j;
	c.pv = pv;
	c.x.s = (const unsigned char *)s;
	c.x.n = n;
	c.flags = flags;
	c.comma = -1;
	c.state = S_VALUE;
	if (n > INT_MAX) {
		kag_jsonlex_fail(&c.x, 0, "text longer than %d bytes", INT_MAX);
		return -1;
	}
	jsmn_init(&pv->p);
	pv->chain = 0;
	lim = n <= SMALL ? n : limit(c.x.s, 0, n);
	for (;;) {
		pos = pv->p.pos;
		q = nextquote(c.x.s, pos, lim);
		if (q <= pos) {
			/* A string right here, or the end of the piece. */
		} else if (punct(pv, c.x.s, pos, q)) {
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
			lim = limit(c.x.s, pos, n);
		}
	}
	if (gap(&c, c.cur, n) < 0)
		goto bad;
	if (c.state != S_DONE) {
		if (j->ntok == 0)
			kag_jsonlex_fail(&c.x, 0, "empty input");
		else
			kag_jsonlex_fail(&c.x, n, "unexpected end of input");
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
