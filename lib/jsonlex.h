/*
 * jsonlex.h: what json.c's parser and jsonlex.c (the insides of tokens,
 * and texts checked whole without tokens) share; not a contract of the
 * library.
 */
#ifndef KAG_JSONLEX_H
#define KAG_JSONLEX_H

#include <stddef.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "kag.h"

/* A text being read, and the handle its error goes to. */
struct lex {
	struct kag_json *j;
	const unsigned char *s;
	size_t n;
};

/* What kag_jsonlex_literal() found. */
enum { L_OK, L_NONFINITE, L_BADNUM, L_BADLIT };

/* Set j's message and 1-based column (off is 0-based); returns -1. */
int kag_jsonlex_fail(struct lex *c, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Whether ch can be part of a number or a literal. */
int kag_jsonlex_isword(unsigned ch);
/*
 * The byte at s[i] in the string whose opening quote is at s[q] is a
 * backslash, a control byte or not ASCII: returns the offset past the
 * escape or the run of non-ASCII text there, or -1 after
 * kag_jsonlex_fail().  Sets *esc for an escape.
 */
long kag_jsonlex_odd(struct lex *c, size_t q, size_t i, int *esc);
/* Whether s[a..e) is a number, a literal or NaN/Infinity: L_*. */
int kag_jsonlex_literal(const unsigned char *s, size_t a, size_t e);
/* Fail on the literal s[a..e) for the reason why (L_*). */
int kag_jsonlex_badliteral(struct lex *c, size_t a, size_t e, int why);

/*
 * Check the string whose opening quote is at s[q]: returns the offset of
 * the closing quote, or -1 after fail().  Sets *esc if it has escapes.
 */
static inline long
kag_jsonlex_string(struct lex *c, size_t q, int *esc)
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
			return kag_jsonlex_fail(c, q, "unterminated string");
#ifdef __SSE2__
	special:
#endif
		if (s[i] == '"')
			return (long)i;
		if ((k = kag_jsonlex_odd(c, q, i, esc)) < 0)
			return -1;
		i = (size_t)k;
	}
}

#endif
