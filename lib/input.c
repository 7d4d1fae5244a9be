/* input.c: the records of one operand, with its segments checked. */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kag.h"

/* Where a directory operand is in its files. */
enum { DIR_MEMORIES, DIR_GRAPH, DIR_DONE };
enum { READING, ENDED, FAILED };

/*
 * Lines are read in batches and parsed on two cores: a worker thread
 * parses the second half of a batch while the caller's thread parses the
 * first, then the records are handed out in order.  Parsing a line needs
 * nothing from the lines before it; segments, counts and everything else
 * that does are done in order by kag_input_next().
 */
#define BATCH_LINES 512
#define BATCH_BYTES (1 << 20)

enum { SLOT_RECORD, SLOT_BAD, SLOT_SKIPPED };

struct slot {
	size_t off;
	size_t len;
	uintmax_t lineno;
	int what; /* SLOT_* */
	struct kag_record rec;
	struct kag_json *json;
	struct kag_buf err;
};

struct worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_cond_t done;
	int running;
	int quit;
	unsigned long asked, finished; /* jobs handed over, jobs done */
	int from, to;
};

struct kag_input {
	struct kag_reader *r;
	kag_diag_fn *diag;
	void *ctx;
	kag_skip_fn *skip;
	void *skipctx;
	struct kag_json *json; /* metadata.json */
	struct kag_buf err;
	int status;
	int state; /* READING, ENDED or FAILED */
	int started;

	/* The segment being read. */
	int open;	   /* a segment is open (a header or a record seen) */
	int headed;	   /* it began with a header */
	int bare;	   /* the last record returned began a bare segment */
	uintmax_t hline;   /* the header's line */
	char *hfile;	   /* the header's file */
	struct kag_counts counts;

	/* A directory operand. */
	char *dir;
	int stage;
	char *version;
	struct kag_counts want, got;
	char *metaname;

	/* The batch being handed out. */
	struct kag_buf text;
	struct slot *slot;
	int nslot, slotalloc, cur;
	int readrc, readerr; /* how reading ended after this batch */
	struct worker w;
};

static void
report(struct kag_input *in, const char *file, uintmax_t line,
    enum kag_severity sev, const char *msg)
{
	struct kag_diag d;

	if (sev == KAG_ERROR && in->status < KAG_EXIT_DATA)
		in->status = KAG_EXIT_DATA;
	if (in->diag == NULL)
		return;
	d.file = file;
	d.line = line;
	d.severity = sev;
	d.msg = msg;
	in->diag(in->ctx, &d);
}

static void
error_here(struct kag_input *in, const char *msg)
{
	report(in, kag_reader_name(in->r), kag_input_lineno(in), KAG_ERROR,
	    msg);
}

static char *
join(const char *dir, const char *name)
{
	struct kag_buf b = KAG_BUF_INIT;
	size_t n = strlen(dir);

	kag_buf_add(&b, dir, n);
	if (n == 0 || dir[n - 1] != '/')
		kag_buf_addc(&b, '/');
	kag_buf_adds(&b, name);
	return kag_buf_detach(&b, NULL);
}

/* Read metadata.json: its format_version and stats.  Problems are kept in
 * in->err and reported by the first kag_input_next(). */
static int
read_dir_metadata(struct kag_input *in)
{
	struct kag_reader *r;
	struct kag_buf text = KAG_BUF_INIT;
	struct kag_json *j = in->json;
	const char *line;
	size_t len;
	int rc, t, i;
	uintmax_t *v[3];
	static const char *names[3] = { "memories", "graph_nodes",
		"graph_edges" };

	in->metaname = join(in->dir, "metadata.json");
	if ((r = kag_reader_open(in->metaname)) == NULL)
		return -1;
	while ((rc = kag_reader_getline(r, &line, &len)) > 0) {
		kag_buf_add(&text, line, len);
		kag_buf_addc(&text, '\n');
	}
	if (rc < 0) {
		kag_buf_addf(&in->err, "%s", kag_reader_errmsg(r));
		goto out;
	}
	if (kag_json_parse(j, text.buf, text.len, 0) < 0) {
		kag_buf_addf(&in->err, "invalid JSON: %s", kag_json_errmsg(j));
		goto out;
	}
	if (j->tok[0].type != KAG_TOK_OBJECT) {
		kag_buf_adds(&in->err, "not a JSON object");
		goto out;
	}
	t = kag_json_find_key(j, 0, "format_version", 14);
	if (t < 0 || j->tok[t].type != KAG_TOK_STRING) {
		kag_buf_adds(&in->err, "missing field 'format_version'");
		goto out;
	}
	in->version = kag_xmemdup(j->text + j->tok[t].start,
	    (size_t)(j->tok[t].end - j->tok[t].start));
	v[0] = &in->want.memories;
	v[1] = &in->want.nodes;
	v[2] = &in->want.edges;
	t = kag_json_find_key(j, 0, "stats", 5);
	for (i = 0; i < 3; i++) {
		int k = t < 0 ? -1 : kag_json_find_key(j, t, names[i],
		    strlen(names[i]));
		const char *s;
		char *end;

		if (k < 0 || j->tok[k].type != KAG_TOK_PRIMITIVE) {
			kag_buf_addf(&in->err, "missing count 'stats.%s'",
			    names[i]);
			goto out;
		}
		s = j->text + j->tok[k].start;
		errno = 0;
		*v[i] = strtoumax(s, &end, 10);
		if (errno != 0 || *s == '-' || end != j->text + j->tok[k].end) {
			kag_buf_addf(&in->err, "count 'stats.%s' is not a "
					       "whole number", names[i]);
			goto out;
		}
	}
out:
	kag_reader_close(r);
	kag_buf_release(&text);
	return 0;
}

/* Open the next file of a directory operand; a missing one is empty. */
static int
open_dir_file(struct kag_input *in)
{
	static const char *files[] = { "memories.jsonl", "graph.jsonl" };
	char *path;

	kag_reader_close(in->r);
	in->r = NULL;
	for (; in->stage < DIR_DONE; in->stage++) {
		path = join(in->dir, files[in->stage]);
		in->r = kag_reader_open(path);
		free(path);
		if (in->r != NULL)
			return 0;
		if (errno != ENOENT)
			return -1;
	}
	return 0;
}

struct kag_input *
kag_input_open(const char *operand, kag_diag_fn *diag, void *ctx)
{
	struct kag_input *in;
	struct stat st;
	int saved;

	in = kag_xcalloc(1, sizeof(*in));
	in->diag = diag;
	in->ctx = ctx;
	in->json = kag_json_new();
	in->readrc = 1;
	if (operand != NULL && strcmp(operand, "-") != 0 &&
	    stat(operand, &st) == 0 && S_ISDIR(st.st_mode)) {
		in->dir = kag_xstrdup(operand);
		if (read_dir_metadata(in) < 0 || open_dir_file(in) < 0)
			goto fail;
		in->open = in->headed = 1;
		return in;
	}
	if ((in->r = kag_reader_open(operand)) == NULL)
		goto fail;
	return in;
fail:
	saved = errno;
	kag_input_close(in);
	errno = saved;
	return NULL;
}

void
kag_input_set_skip(struct kag_input *in, kag_skip_fn *skip, void *ctx)
{
	in->skip = skip;
	in->skipctx = ctx;
}

/* A header's segment must have ended with its trailer. */
static void
close_segment(struct kag_input *in)
{
	if (in->open && in->headed && in->dir == NULL)
		report(in, in->hfile, in->hline, KAG_ERROR,
		    "header has no trailer: the stream was cut short");
	in->open = in->headed = 0;
	memset(&in->counts, 0, sizeof(in->counts));
}

static void
check_dir_counts(struct kag_input *in)
{
	const char *names[3] = { "memories", "graph_nodes", "graph_edges" };
	uintmax_t want[3], got[3];
	int i;

	want[0] = in->want.memories;
	want[1] = in->want.nodes;
	want[2] = in->want.edges;
	got[0] = in->got.memories;
	got[1] = in->got.nodes;
	got[2] = in->got.edges;
	for (i = 0; i < 3; i++) {
		if (want[i] == got[i])
			continue;
		kag_buf_reset(&in->err);
		kag_buf_addf(&in->err,
		    "stats say %ju %s but the files hold %ju", want[i],
		    names[i], got[i]);
		report(in, in->metaname, 0, KAG_ERROR, in->err.buf);
	}
}

/* End of the operand: rc is what the reader said (with its errno): 0
 * for a clean end, -1 if reading failed. */
static int
finish(struct kag_input *in, int rc, int syserr)
{
	if (rc < 0) {
		report(in, kag_reader_name(in->r), kag_reader_lineno(in->r),
		    KAG_ERROR, kag_reader_errmsg(in->r));
		if (syserr != 0)
			in->status = KAG_EXIT_TROUBLE;
		in->state = FAILED;
		return -1;
	}
	if (in->dir != NULL)
		check_dir_counts(in);
	else
		close_segment(in);
	in->state = ENDED;
	return 0;
}

static void
check_trailer(struct kag_input *in, const struct kag_record *rec)
{
	struct kag_counts c;
	struct kag_buf *e = &in->err;

	if (kag_counts_read(rec, &c) < 0)
		return;
	if (c.memories == in->counts.memories && c.nodes == in->counts.nodes &&
	    c.edges == in->counts.edges &&
	    c.hyperedges == in->counts.hyperedges)
		return;
	kag_buf_reset(e);
	kag_buf_addf(e,
	    "trailer counts disagree with the segment: it holds %ju memories, "
	    "%ju nodes, %ju edges, %ju hyperedges; the trailer says %ju, %ju, "
	    "%ju, %ju",
	    in->counts.memories, in->counts.nodes, in->counts.edges,
	    in->counts.hyperedges, c.memories, c.nodes, c.edges, c.hyperedges);
	error_here(in, e->buf);
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

/* 1 for a record to hand out, 0 to read on, -1 to stop. */
static int
take(struct kag_input *in, struct kag_record *rec)
{
	unsigned long major, minor;

	in->bare = 0;
	switch (rec->type) {
	case KAG_REC_METADATA:
		if (in->dir != NULL)
			break;
		close_segment(in);
		kag_record_version(rec, &major, &minor);
		if (major != KAG_FORMAT_MAJOR) {
			kag_buf_reset(&in->err);
			kag_buf_addf(&in->err,
			    "unsupported format_version '%lu.%lu': this kag "
			    "reads %d.x",
			    major, minor, KAG_FORMAT_MAJOR);
			error_here(in, in->err.buf);
			in->state = FAILED;
			return -1;
		}
		in->open = in->headed = 1;
		in->hline = kag_input_lineno(in);
		free(in->hfile);
		in->hfile = kag_xstrdup(kag_reader_name(in->r));
		break;
	case KAG_REC_END:
		if (in->dir != NULL)
			break;
		check_trailer(in, rec);
		in->open = in->headed = 0;
		memset(&in->counts, 0, sizeof(in->counts));
		break;
	default:
		if (!in->open) {
			in->open = 1;
			in->bare = 1;
		}
		kag_counts_add(&in->counts, rec->type);
		kag_counts_add(&in->got, rec->type);
		break;
	}
	return 1;
}

/* Read the next batch of lines; in->readrc tells how reading stopped. */
static void
fill(struct kag_input *in)
{
	const char *line;
	size_t len;
	struct slot *sl;

	kag_buf_reset(&in->text);
	in->nslot = in->cur = 0;
	while (in->nslot < BATCH_LINES && in->text.len < BATCH_BYTES) {
		in->readrc = kag_reader_getline(in->r, &line, &len);
		if (in->readrc <= 0) {
			in->readerr = errno;
			return;
		}
		if (in->nslot == in->slotalloc) {
			in->slotalloc = in->slotalloc ? 2 * in->slotalloc : 64;
			in->slot = kag_xrealloc(in->slot,
			    (size_t)in->slotalloc * sizeof(*in->slot));
			memset(in->slot + in->nslot, 0,
			    (size_t)(in->slotalloc - in->nslot) *
				sizeof(*in->slot));
		}
		sl = &in->slot[in->nslot++];
		sl->off = in->text.len;
		sl->len = len;
		sl->lineno = kag_reader_lineno(in->r);
		kag_buf_add(&in->text, line, len);
	}
	in->readrc = 1;
}

static void
parse_range(struct kag_input *in, int from, int to)
{
	struct slot *sl;
	const char *line;

	for (; from < to; from++) {
		sl = &in->slot[from];
		line = in->text.buf + sl->off;
		if (sl->json == NULL)
			sl->json = kag_json_new();
		if (in->skip != NULL && memory_prefix(line, sl->len) &&
		    in->skip(in->skipctx, line, sl->len))
			sl->what = SLOT_SKIPPED;
		else if (kag_record_parse(&sl->rec, sl->json, line, sl->len,
			     &sl->err) < 0)
			sl->what = SLOT_BAD;
		else
			sl->what = SLOT_RECORD;
	}
}

static void *
work(void *arg)
{
	struct kag_input *in = arg;
	struct worker *w = &in->w;
	int from, to;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->quit && w->finished == w->asked)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->quit)
			break;
		from = w->from;
		to = w->to;
		pthread_mutex_unlock(&w->lock);
		parse_range(in, from, to);
		pthread_mutex_lock(&w->lock);
		w->finished++;
		pthread_cond_signal(&w->done);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Parse the batch, on two threads when it is worth one. */
static void
parse_batch(struct kag_input *in)
{
	struct worker *w = &in->w;
	int half = in->nslot / 2;

	if (in->nslot < 64 && in->text.len < BATCH_BYTES / 4) {
		parse_range(in, 0, in->nslot);
		return;
	}
	if (!w->running) {
		pthread_mutex_init(&w->lock, NULL);
		pthread_cond_init(&w->wake, NULL);
		pthread_cond_init(&w->done, NULL);
		if (pthread_create(&w->thread, NULL, work, in) != 0) {
			pthread_mutex_destroy(&w->lock);
			pthread_cond_destroy(&w->wake);
			pthread_cond_destroy(&w->done);
			parse_range(in, 0, in->nslot);
			return;
		}
		w->running = 1;
	}
	pthread_mutex_lock(&w->lock);
	w->from = half;
	w->to = in->nslot;
	w->asked++;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	parse_range(in, 0, half);
	pthread_mutex_lock(&w->lock);
	while (w->finished != w->asked)
		pthread_cond_wait(&w->done, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

/* Before any record of a directory: metadata.json must be usable and its
 * major version ours. */
static int
check_dir_version(struct kag_input *in)
{
	unsigned long major, minor;

	if (in->err.len == 0 &&
	    kag_version_parse(in->version, strlen(in->version), &major,
		&minor) == 0 &&
	    major == KAG_FORMAT_MAJOR)
		return 0;
	if (in->err.len == 0)
		kag_buf_addf(&in->err,
		    "unsupported format_version '%s': this kag reads %d.x",
		    in->version, KAG_FORMAT_MAJOR);
	report(in, in->metaname, 0, KAG_ERROR, in->err.buf);
	return -1;
}

int
kag_input_next(struct kag_input *in, struct kag_record *rec)
{
	if (in->state != READING)
		return in->state == ENDED ? 0 : -1;
	if (!in->started) {
		in->started = 1;
		if (in->dir != NULL && check_dir_version(in) < 0) {
			in->state = FAILED;
			return -1;
		}
	}
	if (in->r == NULL)
		return finish(in, 0, 0);
	for (;;) {
		if (in->cur < in->nslot) {
			struct slot *sl = &in->slot[in->cur++];

			if (sl->what == SLOT_SKIPPED) {
				in->open = 1;
				kag_counts_add(&in->counts, KAG_REC_MEMORY);
				kag_counts_add(&in->got, KAG_REC_MEMORY);
				continue;
			}
			if (sl->what == SLOT_BAD) {
				report(in, kag_reader_name(in->r), sl->lineno,
				    KAG_ERROR, sl->err.buf);
				continue;
			}
			*rec = sl->rec;
			return take(in, rec);
		}
		if (in->readrc < 0)
			return finish(in, -1, in->readerr);
		if (in->readrc == 0 && in->dir != NULL &&
		    in->stage < DIR_GRAPH) {
			in->stage++;
			if (open_dir_file(in) < 0) {
				report(in, in->dir, 0, KAG_ERROR,
				    strerror(errno));
				in->status = KAG_EXIT_TROUBLE;
				in->state = FAILED;
				return -1;
			}
			if (in->r == NULL)
				return finish(in, 0, 0);
			in->readrc = 1;
		}
		if (in->readrc == 0)
			return finish(in, 0, 0);
		fill(in);
		parse_batch(in);
	}
}

const char *
kag_input_name(const struct kag_input *in)
{
	if (in->r == NULL)
		return in->metaname != NULL ? in->metaname : "?";
	return kag_reader_name(in->r);
}

uintmax_t
kag_input_lineno(const struct kag_input *in)
{
	return in->cur > 0 ? in->slot[in->cur - 1].lineno : 0;
}

int
kag_input_status(const struct kag_input *in)
{
	return in->status;
}

int
kag_input_bare(const struct kag_input *in)
{
	return in->bare;
}

const char *
kag_input_dir_version(const struct kag_input *in)
{
	return in->version;
}

void
kag_input_close(struct kag_input *in)
{
	int i;

	if (in == NULL)
		return;
	if (in->w.running) {
		pthread_mutex_lock(&in->w.lock);
		in->w.quit = 1;
		pthread_cond_signal(&in->w.wake);
		pthread_mutex_unlock(&in->w.lock);
		pthread_join(in->w.thread, NULL);
		pthread_mutex_destroy(&in->w.lock);
		pthread_cond_destroy(&in->w.wake);
		pthread_cond_destroy(&in->w.done);
	}
	for (i = 0; i < in->slotalloc; i++) {
		kag_json_free(in->slot[i].json);
		kag_buf_release(&in->slot[i].err);
	}
	free(in->slot);
	kag_buf_release(&in->text);
	kag_reader_close(in->r);
	kag_json_free(in->json);
	kag_buf_release(&in->err);
	free(in->hfile);
	free(in->dir);
	free(in->version);
	free(in->metaname);
	free(in);
}
