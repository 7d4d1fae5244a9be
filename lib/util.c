/* util.c: allocators that never return NULL, and growable buffers. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kag.h"

static const char *progname = "kag";

void
kag_set_progname(const char *argv0)
{
	const char *p;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	p = strrchr(argv0, '/');
	progname = p != NULL ? p + 1 : argv0;
}

const char *
kag_progname(void)
{
	return progname;
}

static void
oom(void)
{
	/* The one place lib/ prints and exits: nothing sensible remains. */
	fprintf(stderr, "%s: out of memory\n", progname);
	exit(KAG_EXIT_TROUBLE);
}

void *
kag_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
kag_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
kag_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

void *
kag_zalloc(void *opaque, unsigned items, unsigned size)
{
	(void)opaque;
	return kag_xcalloc(items, size);
}

void
kag_zfree(void *opaque, void *p)
{
	(void)opaque;
	free(p);
}

char *
kag_xstrdup(const char *s)
{
	return kag_xmemdup(s, strlen(s));
}

char *
kag_xmemdup(const void *p, size_t n)
{
	char *s;

	if (n == SIZE_MAX)
		oom();
	s = kag_xmalloc(n + 1);
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

void
kag_buf_grow(struct kag_buf *b, size_t extra)
{
	size_t want;

	if (extra > SIZE_MAX - b->len - 1)
		oom();
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return;
	if (b->alloc > SIZE_MAX / 2)
		b->alloc = want;
	else
		b->alloc = b->alloc * 2 > want ? b->alloc * 2 : want;
	if (b->alloc < 64)
		b->alloc = 64;
	b->buf = kag_xrealloc(b->buf, b->alloc);
}

void
kag_buf_add(struct kag_buf *b, const void *p, size_t n)
{
	kag_buf_grow(b, n);
	if (n > 0)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void
kag_buf_addc(struct kag_buf *b, int c)
{
	kag_buf_grow(b, 1);
	b->buf[b->len++] = (char)c;
	b->buf[b->len] = '\0';
}

void
kag_buf_adds(struct kag_buf *b, const char *s)
{
	kag_buf_add(b, s, strlen(s));
}

void
kag_buf_addf(struct kag_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	kag_buf_grow(b, 64);
	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->alloc - b->len) {
		kag_buf_grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/* Whether any of the 8 bytes of w needs escaping: below 0x20, '"' or
 * '\\' (the exact "has a byte less than" and "has a zero byte" tests). */
static inline int
special(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101u, high = ones << 7;
	uint64_t q = w ^ ones * '"', b = w ^ ones * '\\';

	return ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) |
		    ((b - ones) & ~b)) &
		   high) != 0;
}

/* The bytes that need no escaping (most of them) go eight at a time. */
void
kag_buf_add_json_string(struct kag_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	uint64_t w;
	char *p;
	size_t i = 0, end;
	int c;

	if (b->alloc - b->len <= 6 * n + 2)
		kag_buf_grow(b, 6 * n + 2);
	p = b->buf + b->len;
	*p++ = '"';
	while (i < n) {
		if (i + 8 <= n) {
			memcpy(&w, u + i, 8);
			if (!special(w)) {
				memcpy(p, u + i, 8);
				p += 8;
				i += 8;
				continue;
			}
		}
		for (end = i + 8 < n ? i + 8 : n; i < end; i++) {
			c = u[i];
			if (c >= 0x20 && c != '"' && c != '\\') {
				*p++ = (char)c;
				continue;
			}
			*p++ = '\\';
			switch (c) {
			case '\b':
				*p++ = 'b';
				break;
			case '\t':
				*p++ = 't';
				break;
			case '\n':
				*p++ = 'n';
				break;
			case '\f':
				*p++ = 'f';
				break;
			case '\r':
				*p++ = 'r';
				break;
			case '"':
			case '\\':
				*p++ = (char)c;
				break;
			default:
				*p++ = 'u';
				*p++ = '0';
				*p++ = '0';
				*p++ = hex[c >> 4];
				*p++ = hex[c & 0xf];
			}
		}
	}
	*p++ = '"';
	*p = '\0';
	b->len = (size_t)(p - b->buf);
}

void
kag_buf_add_json_ints(struct kag_buf *b, const int64_t *v, size_t n)
{
	size_t i;

	kag_buf_addc(b, '[');
	for (i = 0; i < n; i++)
		kag_buf_addf(b, "%s%" PRId64, i > 0 ? "," : "", v[i]);
	kag_buf_addc(b, ']');
}

void
kag_buf_add_quoted(struct kag_buf *b, const char *s, size_t n)
{
	size_t cut = n, at;

	if (cut > 64)
		for (cut = 64; cut > 0 && (s[cut] & 0xc0) == 0x80; cut--)
			;
	kag_buf_addc(b, '\'');
	at = b->len;
	kag_buf_add_json_string(b, s, cut);
	/* Drop the double quotes the JSON string came with. */
	memmove(b->buf + at, b->buf + at + 1, b->len - at - 2);
	b->len -= 2;
	kag_buf_adds(b, cut < n ? "...'" : "'");
}

void
kag_buf_reset(struct kag_buf *b)
{
	b->len = 0;
	if (b->buf != NULL)
		b->buf[0] = '\0';
}

void
kag_buf_release(struct kag_buf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->alloc = 0;
}

char *
kag_buf_detach(struct kag_buf *b, size_t *len)
{
	char *p = b->buf;

	if (p == NULL)
		p = kag_xcalloc(1, 1);
	if (len != NULL)
		*len = b->len;
	b->buf = NULL;
	b->len = b->alloc = 0;
	return p;
}
