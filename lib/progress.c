/* progress.c: a progress line on a terminal while long work goes on. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "kag.h"

#define EVERY  4096	    /* updates between two looks at the clock */
#define DELAY  1000000000LL /* ns of work before the line first shows */
#define PERIOD 500000000LL  /* ns between two lines */

struct kag_progress {
	int fd;
	int active; /* fd is a terminal */
	const char *prog;
	unsigned calls;
	long long start, last; /* ns; last: when the line was written */
	size_t width;	       /* columns the line on screen takes, or 0 */
	struct kag_buf line;
};

static long long
now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Write it all; a terminal that fails is left alone. */
static void
put(struct kag_progress *p, const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(p->fd, s, n)) <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

struct kag_progress *
kag_progress_new(int fd, const char *prog)
{
	struct kag_progress *p = kag_xcalloc(1, sizeof(*p));

	p->fd = fd;
	p->active = isatty(fd);
	p->prog = prog;
	p->start = now();
	return p;
}

void
kag_progress_update(struct kag_progress *p, const char *file, uintmax_t records)
{
	long long t;
	size_t n;

	if (p == NULL || !p->active || ++p->calls < EVERY)
		return;
	p->calls = 0;
	t = now();
	if (t - p->start < DELAY || (p->last != 0 && t - p->last < PERIOD))
		return;
	p->last = t;
	kag_buf_reset(&p->line);
	kag_buf_addf(&p->line, "\r%s: %s: %ju record%s", p->prog, file, records,
	    records == 1 ? "" : "s");
	/* Blank what a longer line before left on screen. */
	n = p->line.len - 1;
	while (p->line.len - 1 < p->width)
		kag_buf_addc(&p->line, ' ');
	p->width = n;
	put(p, p->line.buf, p->line.len);
}

void
kag_progress_clear(struct kag_progress *p)
{
	if (p == NULL || p->width == 0)
		return;
	kag_buf_reset(&p->line);
	kag_buf_addc(&p->line, '\r');
	while (p->line.len - 1 < p->width)
		kag_buf_addc(&p->line, ' ');
	kag_buf_addc(&p->line, '\r');
	put(p, p->line.buf, p->line.len);
	p->width = 0;
}

void
kag_progress_free(struct kag_progress *p)
{
	if (p == NULL)
		return;
	kag_progress_clear(p);
	kag_buf_release(&p->line);
	free(p);
}
