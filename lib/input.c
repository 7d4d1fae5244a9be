/* input.c: the records of one operand, with its segments checked. */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kag.h"

/* Where a directory operand is in its files. */
enum { DIR_MEMORIES, DIR_GRAPH, DIR_DONE };
enum { READING, ENDED, FAILED };

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
	int open;	 /* a segment is open (a header or a record seen) */
	int headed;	 /* it began with a header */
	int bare;	 /* the last record returned began a bare segment */
	uintmax_t hline; /* the header's line */
	char *hfile;	 /* the header's file */
	struct kag_counts counts;

	/* A directory operand. */
	char *dir;
	int stage;
	char *version;
	struct kag_counts want, got;
	char *metaname;

	struct kag_parser *parser;
	uintmax_t lineno; /* of the line last handed out */

	/* A file's first line tells a document from a stream. */
	int sniffed, peekrc, peekerr;
	const char *peek; /* the first line of a stream, not yet returned */
	size_t peeklen;
	struct kag_document *doc;
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
	report(
	    in, kag_reader_name(in->r), kag_input_lineno(in), KAG_ERROR, msg);
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
		int k = t < 0
		    ? -1
		    : kag_json_find_key(j, t, names[i], strlen(names[i]));
		const char *s;
		char *end;

		if (k < 0 || j->tok[k].type != KAG_TOK_PRIMITIVE) {
			kag_buf_addf(
			    &in->err, "missing count 'stats.%s'", names[i]);
			goto out;
		}
		s = j->text + j->tok[k].start;
		errno = 0;
		*v[i] = strtoumax(s, &end, 10);
		if (errno != 0 || *s == '-' || end != j->text + j->tok[k].end) {
			kag_buf_addf(&in->err,
			    "count 'stats.%s' is not a "
			    "whole number",
			    names[i]);
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

static void
docdiag(void *ctx, const struct kag_diag *d)
{
	report(ctx, d->file, d->line, d->severity, d->msg);
}

/* Read the first line of a file: a document is read by document.c, a
 * stream's first line is kept for kag_input_next(). */
static void
sniff(struct kag_input *in)
{
	const char *line;
	size_t len;
	int whole;

	if (in->sniffed || in->r == NULL || in->dir != NULL)
		return;
	in->sniffed = 1;
	if ((in->peekrc = kag_reader_getline(in->r, &line, &len)) <= 0) {
		in->peekerr = errno;
		return;
	}
	if ((whole = kag_document_sniff(line, len)) == 0) {
		in->peek = line;
		in->peeklen = len;
		return;
	}
	in->doc = kag_document_open(in->r, line, len, whole, docdiag, in);
	in->open = 1; /* neither headed nor bare */
}

/* The first line of a stream, read by sniff(): taken as the parser takes
 * a line (see parser.c).  1 for a record; 0 when skipped, or no record
 * (said). */
static int
first(struct kag_input *in, struct kag_record *rec)
{
	static const char compact[] = "{\"type\":\"memory\",";
	static const char python[] = "{\"type\": \"memory\", ";
	const char *p = in->peek;
	size_t n = in->peeklen;

	in->peek = NULL;
	in->lineno = kag_reader_lineno(in->r);
	if (in->skip != NULL &&
	    ((n > sizeof(compact) &&
		 memcmp(p, compact, sizeof(compact) - 1) == 0) ||
		(n > sizeof(python) &&
		    memcmp(p, python, sizeof(python) - 1) == 0)) &&
	    in->skip(in->skipctx, p, n)) {
		in->open = 1;
		kag_counts_add(&in->counts, KAG_REC_MEMORY);
		kag_counts_add(&in->got, KAG_REC_MEMORY);
		return 0;
	}
	if (kag_record_parse(rec, in->json, p, n, &in->err) == 0)
		return 1;
	error_here(in, in->err.buf);
	return 0;
}

int
kag_input_document(struct kag_input *in)
{
	sniff(in);
	return in->doc != NULL;
}

/* 1 for a record to hand out, 0 to read on, -1 to stop. */
static int
take(struct kag_input *in, struct kag_record *rec)
{
	const struct kag_tok *t;
	unsigned long major, minor;

	in->bare = 0;
	switch (rec->type) {
	case KAG_REC_METADATA:
		if (in->dir != NULL)
			break;
		close_segment(in);
		kag_record_version(rec, &major, &minor);
		if (major != KAG_FORMAT_MAJOR) {
			/* Quoted as written: a major too large for a number
			 * is only "not ours". */
			t = &rec->json->tok[rec->f[KAG_F_FORMAT_VERSION]];
			kag_buf_reset(&in->err);
			kag_buf_addf(&in->err,
			    "unsupported format_version '%.*s': this kag "
			    "reads %d.x",
			    t->end - t->start, rec->json->text + t->start,
			    KAG_FORMAT_MAJOR);
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

/* Before any record of a directory: metadata.json must be usable and its
 * major version ours. */
static int
check_dir_version(struct kag_input *in)
{
	unsigned long major, minor;

	if (in->err.len == 0 &&
	    kag_version_parse(
		in->version, strlen(in->version), &major, &minor) == 0 &&
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
	const struct kag_parsed *out;
	int rc, syserr;

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
	if (in->dir == NULL && in->parser == NULL) {
		sniff(in);
		if (in->doc != NULL) {
			if ((rc = kag_document_next(in->doc, rec)) <= 0)
				return finish(in, rc, errno);
			in->lineno = kag_document_lineno(in->doc);
			return take(in, rec);
		}
		if (in->peekrc <= 0)
			return finish(in, in->peekrc, in->peekerr);
		if (in->peek != NULL && first(in, rec))
			return take(in, rec);
	}
	if (in->parser == NULL) {
		in->parser = kag_parser_new(in->skip, in->skipctx);
		kag_parser_set_reader(in->parser, in->r);
	}
	for (;;) {
		rc = kag_parser_next(in->parser, &out, &syserr);
		if (rc < 0)
			return finish(in, -1, syserr);
		if (rc == 0 && in->dir != NULL && in->stage < DIR_GRAPH) {
			in->stage++;
			if (open_dir_file(in) < 0) {
				report(
				    in, in->dir, 0, KAG_ERROR, strerror(errno));
				in->status = KAG_EXIT_TROUBLE;
				in->state = FAILED;
				return -1;
			}
			if (in->r == NULL)
				return finish(in, 0, 0);
			kag_parser_set_reader(in->parser, in->r);
			continue;
		}
		if (rc == 0)
			return finish(in, 0, 0);
		in->lineno = out->lineno;
		switch (out->what) {
		case KAG_PARSED_SKIPPED:
			in->open = 1;
			kag_counts_add(&in->counts, KAG_REC_MEMORY);
			kag_counts_add(&in->got, KAG_REC_MEMORY);
			break;
		case KAG_PARSED_BAD:
			error_here(in, out->err);
			break;
		case KAG_PARSED_RECORD:
			*rec = out->rec;
			return take(in, rec);
		}
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
	return in->lineno;
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

struct kag_reader *
kag_input_reader(struct kag_input *in)
{
	return in->dir == NULL ? in->r : NULL;
}

void
kag_input_segment(const struct kag_input *in, struct kag_segment *seg)
{
	seg->open = in->open;
	seg->headed = in->headed;
	seg->hline = in->hline;
	seg->counts = in->counts;
}

/* A file's header is always in the file itself; a file carried on is a
 * stream whose first line was read before (no document to sniff). */
void
kag_input_set_segment(struct kag_input *in, const struct kag_segment *seg)
{
	in->sniffed = 1;
	in->peekrc = 1;
	in->open = seg->open;
	in->headed = seg->headed;
	in->hline = seg->hline;
	in->counts = seg->counts;
	free(in->hfile);
	in->hfile = kag_xstrdup(kag_input_name(in));
}

void
kag_input_close(struct kag_input *in)
{
	if (in == NULL)
		return;
	kag_parser_free(in->parser);
	kag_document_free(in->doc);
	kag_reader_close(in->r);
	kag_json_free(in->json);
	kag_buf_release(&in->err);
	free(in->hfile);
	free(in->dir);
	free(in->version);
	free(in->metaname);
	free(in);
}
