/* parser.c: the lines of a reader parsed into records ahead of the caller. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "kag.h"

/*
 * Parsing a line needs nothing from the lines before it, so lines are
 * read in batches and parsed on two cores while the caller works through
 * the batch before: the caller's thread reads (and inflates) the input
 * and hands out records; a worker thread parses the batches queued
 * behind the current one; when the caller reaches a batch that is not
 * parsed yet it helps, taking small runs of lines from the same counter.
 */
#define NBATCH	    3
#define BATCH_LINES 256
#define BATCH_BYTES (256 * 1024)
#define RUN	    16 /* lines a thread takes at a time */

struct slot {
	size_t off;
	struct kag_parsed out;
	struct kag_json *json;
	struct kag_buf err;
};

struct batch {
	struct kag_buf text;
	struct slot *slot;
	int nslot;
	int alloc;
	int readrc; /* how reading went after this batch: 1 on, 0 end, -1 */
	int readerr;
	atomic_int claimed; /* lines taken by a thread for parsing */
	atomic_int parsed;  /* lines parsed */
};

struct kag_parser {
	struct batch b[NBATCH];
	struct kag_reader *r;
	kag_skip_fn *skip;
	void *skipctx;
	int readrc;	    /* as in struct batch, for the reader */
	unsigned long head; /* the batch being handed out */
	unsigned long tail; /* the next batch to fill */
	int current;	    /* b[head % NBATCH] is being handed out */
	int next;	    /* its next slot */

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* a batch was queued, or quit */
	pthread_cond_t done; /* a batch was parsed */
	int running;
	int quit;
};

struct kag_parser *
kag_parser_new(kag_skip_fn *skip, void *ctx)
{
	struct kag_parser *p = kag_xcalloc(1, sizeof(*p));

	p->skip = skip;
	p->skipctx = ctx;
	p->readrc = 1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->done, NULL);
	return p;
}

void
kag_parser_set_reader(struct kag_parser *p, struct kag_reader *r)
{
	p->r = r;
	p->readrc = 1;
}

/* Whether a line surely holds a memory record, by its first bytes. */
static int
memory_prefix(const char *line, size_t len)
{
	static const char compact[] = "{\"type\":\"memory\",";
	static const char python[] = "{\"type\": \"memory\", ";

	return (len > sizeof(compact) &&
		   memcmp(line, compact, sizeof(compact) - 1) == 0) ||
	    (len > sizeof(python) &&
		memcmp(line, python, sizeof(python) - 1) == 0);
}

static void
parse_run(struct kag_parser *p, struct batch *b, int from, int to)
{
	struct slot *s;
	const char *line;
	size_t len;

	for (; from < to; from++) {
		s = &b->slot[from];
		line = b->text.buf + s->off;
		len = s->out.len;
		if (s->json == NULL)
			s->json = kag_json_new();
		if (p->skip != NULL && memory_prefix(line, len) &&
		    p->skip(p->skipctx, line, len)) {
			s->out.what = KAG_PARSED_SKIPPED;
		} else if (kag_record_parse(
			       &s->out.rec, s->json, line, len, &s->err) < 0) {
			s->out.what = KAG_PARSED_BAD;
			s->out.err = s->err.buf;
		} else {
			s->out.what = KAG_PARSED_RECORD;
		}
	}
}

/* Parse runs of b's lines until none is left to take. */
static void
help(struct kag_parser *p, struct batch *b)
{
	int from, to;

	while ((from = atomic_fetch_add(&b->claimed, RUN)) < b->nslot) {
		to = from + RUN < b->nslot ? from + RUN : b->nslot;
		parse_run(p, b, from, to);
		if (atomic_fetch_add(&b->parsed, to - from) + (to - from) ==
		    b->nslot) {
			pthread_mutex_lock(&p->lock);
			pthread_cond_broadcast(&p->done);
			pthread_mutex_unlock(&p->lock);
		}
	}
}

/* A queued batch with lines left to take, or NULL.  Under p->lock. */
static struct batch *
queued(struct kag_parser *p)
{
	unsigned long seq;
	struct batch *b;

	for (seq = p->head + (unsigned long)p->current; seq < p->tail; seq++) {
		b = &p->b[seq % NBATCH];
		if (atomic_load(&b->claimed) < b->nslot)
			return b;
	}
	return NULL;
}

static void *
work(void *arg)
{
	struct kag_parser *p = arg;
	struct batch *b = NULL;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->quit && (b = queued(p)) == NULL)
			pthread_cond_wait(&p->wake, &p->lock);
		if (p->quit || b == NULL)
			break;
		pthread_mutex_unlock(&p->lock);
		help(p, b);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Read a batch of lines into b; p->readrc tells how reading stopped. */
static void
fill(struct kag_parser *p, struct batch *b)
{
	const char *line;
	size_t len;
	struct slot *s;

	kag_buf_reset(&b->text);
	b->nslot = 0;
	while (p->readrc > 0 && b->nslot < BATCH_LINES &&
	    b->text.len < BATCH_BYTES) {
		p->readrc = kag_reader_getline(p->r, &line, &len);
		if (p->readrc <= 0) {
			b->readerr = errno;
			break;
		}
		if (b->nslot == b->alloc) {
			b->alloc = b->alloc ? 2 * b->alloc : 32;
			b->slot = kag_xrealloc(
			    b->slot, (size_t)b->alloc * sizeof(*b->slot));
			memset(b->slot + b->nslot, 0,
			    (size_t)(b->alloc - b->nslot) * sizeof(*b->slot));
		}
		s = &b->slot[b->nslot++];
		s->off = b->text.len;
		s->out.len = len;
		s->out.lineno = kag_reader_lineno(p->r);
		kag_buf_add(&b->text, line, len);
	}
	b->readrc = p->readrc;
	atomic_store(&b->claimed, 0);
	atomic_store(&b->parsed, 0);
}

/* Queue batches up to NBATCH, starting the worker once there is more
 * than one batch of input. */
static void
refill(struct kag_parser *p)
{
	struct batch *b;

	while (p->readrc > 0 && p->tail - p->head < NBATCH) {
		b = &p->b[p->tail % NBATCH];
		fill(p, b);
		if (!p->running && p->readrc > 0 &&
		    pthread_create(&p->thread, NULL, work, p) == 0)
			p->running = 1;
		pthread_mutex_lock(&p->lock);
		p->tail++;
		pthread_cond_signal(&p->wake);
		pthread_mutex_unlock(&p->lock);
	}
}

int
kag_parser_next(
    struct kag_parser *p, const struct kag_parsed **out, int *syserr)
{
	struct batch *b;

	for (;;) {
		b = &p->b[p->head % NBATCH];
		if (p->current) {
			if (p->next < b->nslot) {
				*out = &b->slot[p->next++].out;
				return 1;
			}
			pthread_mutex_lock(&p->lock);
			p->head++;
			p->current = 0;
			pthread_mutex_unlock(&p->lock);
			if (b->readrc <= 0) {
				*syserr = b->readrc < 0 ? b->readerr : 0;
				return b->readrc;
			}
			continue;
		}
		refill(p);
		if (p->head == p->tail) {
			*syserr = 0;
			return p->readrc < 0 ? -1 : 0;
		}
		help(p, b);
		pthread_mutex_lock(&p->lock);
		while (atomic_load(&b->parsed) < b->nslot)
			pthread_cond_wait(&p->done, &p->lock);
		p->current = 1;
		pthread_mutex_unlock(&p->lock);
		p->next = 0;
	}
}

void
kag_parser_free(struct kag_parser *p)
{
	int i, k;

	if (p == NULL)
		return;
	if (p->running) {
		pthread_mutex_lock(&p->lock);
		p->quit = 1;
		pthread_cond_broadcast(&p->wake);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->done);
	for (i = 0; i < NBATCH; i++) {
		for (k = 0; k < p->b[i].alloc; k++) {
			kag_json_free(p->b[i].slot[k].json);
			kag_buf_release(&p->b[i].slot[k].err);
		}
		free(p->b[i].slot);
		kag_buf_release(&p->b[i].text);
	}
	free(p);
}
