/* state.c: kag-verify --state: check a file only as far as it changed. */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kag.h"

/*
 * A file's row holds what a full run would have: the bytes verified
 * (their number and kag_sum), every diagnostic in order, the checker's
 * verdict after the end ("final"), and, when the file ended with a LF
 * (and for gzip at a member's end), what the reading knew just before the
 * end ("resume": the checker with its sets, the open segment, the lines).
 * A row is used only when the file's bytes prove it: the same bytes (an
 * unchanged file: the diagnostics and the verdict are replayed, nothing
 * is parsed), or the same bytes and then more (a grown file: the checker
 * carries on where it stopped, and the end is judged again).  Anything
 * else is read from the start.  Rows carry a checksum of their blobs, and
 * rows of other options or another format are not used.
 */

/* One operand under way. */
struct run {
	struct kag_state *s;
	kag_diag_fn *diag;
	void *ctx;
	struct kag_check *c;
	struct kag_input *in;
	struct kag_reader *r;
	struct kag_progress *progress;
	struct kag_sum *h;
	uint64_t nbytes;
	struct kag_buf diags; /* this run's, replayed ones first */
	uint64_t ndiag;
	size_t mark;	/* diags.len after the latest record */
	uint64_t nmark; /* ndiag then */
	uintmax_t last; /* the line of the latest record */
	uintmax_t nrec; /* records read */
	struct kag_segment seg;
};

/* A diagnostic: severity, line, file and message (each with its NUL). */
static void
putdiag(struct kag_buf *b, const struct kag_diag *d)
{
	kag_saved_put64(b, (uint64_t)d->severity);
	kag_saved_put64(b, d->line);
	kag_saved_putstr(b, d->file, strlen(d->file) + 1);
	kag_saved_putstr(b, d->msg, strlen(d->msg) + 1);
}

/* A C string saved with its NUL, or NULL. */
static const char *
getcstr(struct kag_saved *k)
{
	const char *s;
	size_t n;

	s = kag_saved_getstr(k, &n);
	if (s == NULL || n == 0 || memchr(s, '\0', n) != s + n - 1) {
		k->bad = 1;
		return NULL;
	}
	return s;
}

/* The next diagnostic of k: 0, or -1 when the bytes are not one. */
static int
getdiag(struct kag_saved *k, struct kag_diag *d)
{
	uint64_t sev = kag_saved_get64(k);

	d->line = kag_saved_get64(k);
	d->file = getcstr(k);
	d->msg = getcstr(k);
	if (k->bad || (sev != KAG_WARNING && sev != KAG_ERROR))
		return -1;
	d->severity = (enum kag_severity)sev;
	return 0;
}

/* Every diagnostic of a run with a state passes here to be kept. */
static void
record(void *ctx, const struct kag_diag *d)
{
	struct run *u = ctx;

	putdiag(&u->diags, d);
	u->ndiag++;
	u->diag(u->ctx, d);
}

static void
tap(void *ctx, const void *p, size_t n)
{
	struct run *u = ctx;

	kag_sum_update(u->h, p, n);
	u->nbytes += n;
}

/* Read the operand's records to the end: what kag_check's loop does, and
 * what a state must know of the point before the end. */
static int
readall(struct run *u)
{
	struct kag_record rec;
	int rc;

	while ((rc = kag_input_next(u->in, &rec)) > 0) {
		kag_check_record(u->c, u->in, &rec);
		u->last = kag_input_lineno(u->in);
		kag_input_segment(u->in, &u->seg);
		u->mark = u->diags.len;
		u->nmark = u->ndiag;
		kag_progress_update(
		    u->progress, kag_input_name(u->in), ++u->nrec);
	}
	return rc;
}

/*
 * The end of a file reports, after its last record, only about records
 * already read (a header without its trailer, at the header's line),
 * while the lines read after the last record come later in the file:
 * so the end's own diagnostics are the ones from the first at or before
 * the last record's line.  They, and kag_check_end()'s, are judged again
 * by a run that carries on.
 */
static void
keep(struct run *u, const char *path)
{
	struct kag_state_row *w;
	struct kag_saved k;
	struct kag_diag d;
	size_t split = u->diags.len, prev;
	uint64_t n = u->nmark, nstream = u->ndiag;
	uintmax_t lesserr = 0, lesswarn = 0;
	int growable;

	kag_saved_init(&k, u->diags.buf + u->mark, u->diags.len - u->mark);
	while (k.n > 0) {
		prev = u->diags.len - k.n;
		if (getdiag(&k, &d) < 0)
			break;
		if (split == u->diags.len && d.line <= u->last) {
			split = prev;
			nstream = n;
		}
		if (split != u->diags.len) {
			if (d.severity == KAG_ERROR)
				lesserr++;
			else
				lesswarn++;
		}
		n++;
	}
	growable = !kag_reader_partial(u->r) && !kag_input_document(u->in);
	w = kag_xcalloc(1, sizeof(*w));
	if (growable) {
		kag_saved_put64(
		    &w->resume, (uint64_t)(u->seg.open | u->seg.headed << 1));
		kag_saved_put64(&w->resume, u->seg.hline);
		kag_saved_put64(&w->resume, u->seg.counts.memories);
		kag_saved_put64(&w->resume, u->seg.counts.nodes);
		kag_saved_put64(&w->resume, u->seg.counts.edges);
		kag_saved_put64(&w->resume, u->seg.counts.hyperedges);
		kag_check_save(u->c, &w->resume, 1, lesserr, lesswarn);
	}
	kag_check_end(u->c, u->in);
	kag_check_save(u->c, &w->final, 0, 0, 0);
	w->path = kag_xstrdup(path);
	w->size = u->nbytes;
	w->hash = kag_sum_digest(u->h);
	w->gzip = kag_reader_is_gzip(u->r);
	w->lines = kag_reader_lineno(u->r);
	w->growable = growable;
	w->nstream = nstream;
	w->diags = u->diags; /* taken, not copied: it may be large */
	memset(&u->diags, 0, sizeof(u->diags));
	kag_state_add(u->s, w);
}

/* Sum the file's first bytes, as many as the row's: 1 when they are the
 * row's bytes and the whole file, 0 when not, with *grown set when they
 * are only its beginning (then u->h is the sum so far, to go on with). */
static int
prove(struct run *u, const struct kag_state_row *w, int *grown)
{
	int fd = kag_reader_fd(u->r);
	struct stat st;

	*grown = 0;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size < w->size ||
	    kag_sum_file(u->h, fd, w->size) < 0 ||
	    kag_sum_digest(u->h) != w->hash)
		return 0;
	if ((uint64_t)st.st_size == w->size)
		return 1;
	*grown = w->growable && w->size > 0;
	return 0;
}

/* An unchanged file: its diagnostics and verdict as they were. */
static int
replay(struct run *u, const struct kag_state_row *w)
{
	struct kag_saved k;
	struct kag_diag d;

	if (kag_check_restore(u->c, w->final.buf, w->final.len) < 0)
		return -1;
	kag_saved_init(&k, w->diags.buf, w->diags.len);
	while (k.n > 0)
		if (getdiag(&k, &d) < 0)
			return -1;
	kag_saved_init(&k, w->diags.buf, w->diags.len);
	while (k.n > 0 && getdiag(&k, &d) == 0)
		u->diag(u->ctx, &d);
	return 0;
}

/* A grown file: the checker and the segment as they were before the
 * end, the diagnostics of the lines read, then the new lines. */
static int
resume(struct run *u, const struct kag_state_row *w)
{
	struct kag_saved k;
	struct kag_diag d;
	uint64_t i, v[6];
	int j;

	kag_saved_init(&k, w->resume.buf, w->resume.len);
	for (j = 0; j < 6; j++)
		v[j] = kag_saved_get64(&k);
	if (k.bad || v[0] > 3 || v[1] > w->lines ||
	    kag_check_restore(u->c, k.p, k.n) < 0)
		return -1;
	kag_saved_init(&k, w->diags.buf, w->diags.len);
	for (i = 0; i < w->nstream; i++)
		if (getdiag(&k, &d) < 0)
			return -1;
	/* The tap first: gzip is inflated ahead by a thread that starts
	 * reading at once. */
	u->nbytes = w->size;
	kag_reader_tap(u->r, tap, u);
	if (kag_reader_resume(u->r, w->size, w->lines, w->gzip) < 0)
		return -1;
	u->seg.open = (int)(v[0] & 1);
	u->seg.headed = (int)(v[0] >> 1);
	u->seg.hline = v[1];
	u->seg.counts.memories = v[2];
	u->seg.counts.nodes = v[3];
	u->seg.counts.edges = v[4];
	u->seg.counts.hyperedges = v[5];
	kag_input_set_segment(u->in, &u->seg);
	kag_saved_init(&k, w->diags.buf, w->diags.len);
	for (i = 0; i < w->nstream && getdiag(&k, &d) == 0; i++)
		record(u, &d);
	u->last = w->lines;
	u->mark = u->diags.len;
	u->nmark = u->ndiag;
	return 0;
}

static uintmax_t
records(const struct kag_check *c)
{
	const struct kag_counts *k = kag_check_counts(c);

	return k->memories + k->nodes + k->edges + k->hyperedges;
}

/* One operand; with uselookup 0 the state's row is not even looked at
 * (it did not hold together). */
static int
check1(struct kag_state *s, const char *operand, const struct kag_state_opts *o,
    struct kag_check **cp, uintmax_t *reused, int uselookup)
{
	struct run u;
	struct kag_state_row *w = NULL;
	struct stat st;
	int rc, grown = 0, rv, stated, bad = 0;

	memset(&u, 0, sizeof(u));
	u.s = s;
	u.diag = o->diag;
	u.ctx = o->ctx;
	u.progress = o->progress;
	*reused = 0;
	stated = s != NULL && operand != NULL && strcmp(operand, "-") != 0 &&
	    stat(operand, &st) == 0 && S_ISREG(st.st_mode);
	u.c = kag_check_new(
	    stated ? record : o->diag, stated ? &u : o->ctx, o->flags);
	if (o->want != NULL)
		kag_check_demand(u.c, o->want);
	*cp = u.c;
	if ((u.in = kag_check_open(u.c, operand)) == NULL) {
		*cp = NULL;
		kag_check_free(u.c);
		return -1;
	}
	if (stated && (u.r = kag_input_reader(u.in)) == NULL)
		stated = 0;
	if (stated && (u.h = kag_sum_new()) == NULL)
		stated = 0;
	if (stated) {
		kag_sum_reset(u.h);
		if (uselookup)
			w = kag_state_lookup(s, operand);
	}
	if (w != NULL && prove(&u, w, &grown)) {
		if (replay(&u, w) == 0) {
			*reused = records(u.c);
			rv = 0;
			goto out;
		}
		bad = 1;
	} else if (grown) {
		if (resume(&u, w) == 0)
			*reused = records(u.c);
		else
			bad = 1;
	} else if (stated) {
		kag_sum_reset(u.h);
	}
	if (bad) {
		/* A row that does not hold together: read it all. */
		kag_input_close(u.in);
		kag_check_free(u.c);
		kag_sum_free(u.h);
		kag_state_row_free(w);
		return check1(s, operand, o, cp, reused, 0);
	}
	if (stated && !grown)
		kag_reader_tap(u.r, tap, &u);
	rc = readall(&u);
	rv = kag_input_status(u.in) == KAG_EXIT_TROUBLE ? 1 : 0;
	if (rv == 0 && stated && rc == 0)
		keep(&u, operand);
	else if (rv == 0 && rc == 0)
		kag_check_end(u.c, u.in);
out:
	kag_input_close(u.in);
	kag_sum_free(u.h);
	kag_buf_release(&u.diags);
	kag_state_row_free(w);
	return rv;
}

int
kag_state_check(struct kag_state *s, const char *operand,
    const struct kag_state_opts *o, struct kag_check **cp, uintmax_t *reused)
{
	return check1(s, operand, o, cp, reused, 1);
}
