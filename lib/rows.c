/* rows.c: the rows of an SQL statement, stepped on a second core. */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "kag.h"

/*
 * Stepping SQLite and copying the cells out costs about as much as
 * what a dump does with them (checking JSON, escaping strings, writing),
 * so a worker thread steps the statement and copies rows into batches
 * while the caller works through the batch before.  Memory stays at
 * NBATCH batches, whatever the number of rows.
 */
#define NBATCH	    3
#define BATCH_ROWS  1024
#define BATCH_BYTES (256 * 1024)

struct batch {
	struct kag_buf text; /* the cells, one after another */
	size_t *cell;	     /* per row and column: offset, length */
	int *mark;	     /* per row: what the hook said */
	int nrows;
	int alloc;
	int rc; /* after this batch: 1 more, 0 the end, -1 a step failed */
	char *err;
};

struct kag_rows {
	sqlite3_stmt *st;
	int ncol;
	struct batch b[NBATCH];
	unsigned long head; /* the batch being handed out */
	unsigned long tail; /* the next batch to fill */
	int current;	    /* b[head % NBATCH] is being handed out */
	int row;	    /* its current row */
	int rc;		    /* what kag_rows_next() returned last */
	char *err;
	kag_rows_fn *hook;
	void *ctx;
	const char **hcell; /* the row for the hook */
	size_t *hlen;

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t filled; /* a batch was filled */
	pthread_cond_t freed;  /* a batch was handed back, or quit */
	int running;
	int quit;
	int waited; /* the caller waited for a batch since the last fill */
};

/* An offset into text marking a NULL cell. */
#define NULLCELL SIZE_MAX

/* Run the hook on row k of b, just copied. */
static int
hook(struct kag_rows *r, struct batch *b, int k)
{
	const size_t *c = b->cell + (size_t)k * (size_t)r->ncol * 2;
	int i;

	for (i = 0; i < r->ncol; i++) {
		r->hcell[i] =
		    c[2 * i] == NULLCELL ? NULL : b->text.buf + c[2 * i];
		r->hlen[i] = c[2 * i + 1];
	}
	return r->hook(r->ctx, r->hcell, r->hlen);
}

/*
 * Step the statement into b until it is full or the rows end, running
 * the hook on each row when ahead is set.  The connection's mutex is
 * taken once for the batch rather than by every call: uncontended, it
 * still cost as much as the rest of the stepping.
 */
static void
fill(struct kag_rows *r, struct batch *b, int ahead)
{
	sqlite3_mutex *mx = sqlite3_db_mutex(sqlite3_db_handle(r->st));
	const unsigned char *s;
	sqlite3_value *v;
	size_t *c, n;
	int i, rc;

	kag_buf_reset(&b->text);
	b->nrows = 0;
	b->rc = 1;
	sqlite3_mutex_enter(mx);
	while (b->nrows < BATCH_ROWS && b->text.len < BATCH_BYTES) {
		if ((rc = sqlite3_step(r->st)) != SQLITE_ROW) {
			b->rc = rc == SQLITE_DONE ? 0 : -1;
			if (b->rc < 0) {
				free(b->err);
				b->err = kag_xstrdup(
				    sqlite3_errmsg(sqlite3_db_handle(r->st)));
			}
			break;
		}
		if (b->nrows == b->alloc) {
			b->alloc = b->alloc ? 2 * b->alloc : 64;
			b->cell = kag_xrealloc(b->cell,
			    (size_t)b->alloc * (size_t)r->ncol * 2 *
				sizeof(*b->cell));
			b->mark = kag_xrealloc(
			    b->mark, (size_t)b->alloc * sizeof(*b->mark));
		}
		c = b->cell + (size_t)b->nrows * (size_t)r->ncol * 2;
		for (i = 0; i < r->ncol; i++) {
			/* The value's own calls skip the mutex we hold. */
			v = sqlite3_column_value(r->st, i);
			s = sqlite3_value_text(v);
			n = s != NULL ? (size_t)sqlite3_value_bytes(v) : 0;
			c[2 * i] = s != NULL ? b->text.len : NULLCELL;
			c[2 * i + 1] = n;
			if (b->text.alloc - b->text.len <= n)
				kag_buf_grow(&b->text, n + 1);
			if (n > 0)
				memcpy(b->text.buf + b->text.len, s, n);
			b->text.buf[b->text.len + n] = '\0';
			b->text.len += n + 1;
		}
		b->mark[b->nrows] = ahead ? hook(r, b, b->nrows) : -1;
		b->nrows++;
	}
	sqlite3_mutex_leave(mx);
}

static void *
work(void *arg)
{
	struct kag_rows *r = arg;
	struct batch *b;
	int ahead;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->quit && r->tail - r->head == NBATCH)
			pthread_cond_wait(&r->freed, &r->lock);
		if (r->quit)
			break;
		b = &r->b[r->tail % NBATCH];
		/* Work ahead only while the caller did not have to wait for
		 * the last batch: when it does, it had better get the next
		 * one soon and do that work itself. */
		ahead = r->hook != NULL && !r->waited;
		r->waited = 0;
		pthread_mutex_unlock(&r->lock);
		fill(r, b, ahead);
		pthread_mutex_lock(&r->lock);
		r->tail++;
		pthread_cond_signal(&r->filled);
		if (b->rc <= 0)
			break;
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

struct kag_rows *
kag_rows_new(struct sqlite3_stmt *st, int ncol, kag_rows_fn *fn, void *ctx)
{
	struct kag_rows *r = kag_xcalloc(1, sizeof(*r));
	sigset_t all, old;
	int i;

	r->st = st;
	r->ncol = ncol;
	r->rc = 1;
	r->hook = fn;
	r->ctx = ctx;
	r->hcell = kag_xcalloc((size_t)ncol, sizeof(*r->hcell));
	r->hlen = kag_xcalloc((size_t)ncol, sizeof(*r->hlen));
	for (i = 0; i < NBATCH; i++)
		kag_buf_grow(&r->b[i].text, BATCH_BYTES);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->filled, NULL);
	pthread_cond_init(&r->freed, NULL);
	/* Signals stay with the caller's threads: the worker blocks them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&r->thread, NULL, work, r) == 0)
		r->running = 1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

int
kag_rows_next(struct kag_rows *r)
{
	struct batch *b;

	while (r->rc > 0) {
		b = &r->b[r->head % NBATCH];
		if (r->current) {
			if (++r->row < b->nrows)
				return 1;
			if (b->rc <= 0) {
				r->rc = b->rc;
				r->err = b->err;
				break;
			}
			pthread_mutex_lock(&r->lock);
			r->head++;
			r->current = 0;
			pthread_cond_signal(&r->freed);
			pthread_mutex_unlock(&r->lock);
			continue;
		}
		/* Without a worker, the caller fills the batches itself. */
		if (!r->running) {
			fill(r, b, 0);
			r->tail++;
		}
		pthread_mutex_lock(&r->lock);
		while (r->head == r->tail) {
			r->waited = 1;
			pthread_cond_wait(&r->filled, &r->lock);
		}
		r->current = 1;
		pthread_mutex_unlock(&r->lock);
		r->row = -1;
	}
	return r->rc;
}

const char *
kag_rows_text(const struct kag_rows *r, int i, size_t *n)
{
	const struct batch *b = &r->b[r->head % NBATCH];
	const size_t *c =
	    b->cell + ((size_t)r->row * (size_t)r->ncol + (size_t)i) * 2;

	*n = c[1];
	return c[0] == NULLCELL ? NULL : b->text.buf + c[0];
}

int
kag_rows_mark(const struct kag_rows *r)
{
	return r->b[r->head % NBATCH].mark[r->row];
}

const char *
kag_rows_errmsg(const struct kag_rows *r)
{
	return r->err != NULL ? r->err : "";
}

void
kag_rows_free(struct kag_rows *r)
{
	int i;

	if (r == NULL)
		return;
	if (r->running) {
		pthread_mutex_lock(&r->lock);
		r->quit = 1;
		pthread_cond_broadcast(&r->freed);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
	}
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->filled);
	pthread_cond_destroy(&r->freed);
	for (i = 0; i < NBATCH; i++) {
		kag_buf_release(&r->b[i].text);
		free(r->b[i].cell);
		free(r->b[i].mark);
		free(r->b[i].err);
	}
	free(r->hcell);
	free(r->hlen);
	free(r);
}
