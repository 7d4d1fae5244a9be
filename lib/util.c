/* util.c: allocators that never return NULL, and growable buffers. */
#include <stdarg.h>
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

void
kag_buf_add_json_string(struct kag_buf *b, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)p;
	size_t i, run;

	kag_buf_grow(b, n + 2);
	kag_buf_addc(b, '"');
	for (i = 0; i < n; i = run) {
		for (run = i; run < n && s[run] >= 0x20 && s[run] != '"' &&
		     s[run] != '\\';
		     run++)
			;
		kag_buf_add(b, s + i, run - i);
		if (run == n)
			break;
		kag_buf_addc(b, '\\');
		switch (s[run]) {
		case '"':
		case '\\':
			kag_buf_addc(b, s[run]);
			break;
		case '\n':
			kag_buf_addc(b, 'n');
			break;
		case '\t':
			kag_buf_addc(b, 't');
			break;
		case '\r':
			kag_buf_addc(b, 'r');
			break;
		case '\b':
			kag_buf_addc(b, 'b');
			break;
		case '\f':
			kag_buf_addc(b, 'f');
			break;
		default:
			kag_buf_adds(b, "u00");
			kag_buf_addc(b, hex[s[run] >> 4]);
			kag_buf_addc(b, hex[s[run] & 0xf]);
			break;
		}
		run++;
	}
	kag_buf_addc(b, '"');
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
