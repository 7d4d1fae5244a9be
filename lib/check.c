/* check.c: the checks across an operand's records (kag-verify, kag-load -n). */
#include <stdlib.h>
#include <string.h>

#include "check.h"

struct kag_check *
kag_check_new(kag_diag_fn *diag, void *ctx, unsigned flags)
{
	struct kag_check *c = kag_xcalloc(1, sizeof(*c));

	c->diag = diag;
	c->ctx = ctx;
	c->flags = flags;
	c->nodes = kag_fpset_new();
	c->mems = kag_fpset_new();
	return c;
}

void
kag_check_demand(struct kag_check *c, const char *version)
{
	c->want = version;
}

void
kag_check_free(struct kag_check *c)
{
	if (c == NULL)
		return;
	kag_fpset_free(c->nodes);
	kag_fpset_free(c->mems);
	kag_buf_release(&c->lazynodes);
	kag_buf_release(&c->lazymems);
	kag_buf_release(&c->pending);
	kag_buf_release(&c->pfile);
	kag_buf_release(&c->msg);
	kag_buf_release(&c->tmp);
	kag_buf_release(&c->id);
	free(c->version);
	free(c);
}

/*
 * A restored checker keeps its fingerprints as the saved bytes until a
 * record needs a set: an unchanged file's end needs neither, and a grown
 * one only what its new records touch.
 */
static void
fill(struct kag_fpset *set, struct kag_buf *b)
{
	struct kag_saved k;

	kag_saved_init(&k, b->buf, b->len);
	kag_fpset_reserve(set, b->len / 8);
	while (k.n >= 8)
		kag_fpset_add_fp(set, kag_saved_get64(&k));
	kag_buf_release(b);
}

static void
sets(struct kag_check *c)
{
	if (c->lazynodes.len > 0)
		fill(c->nodes, &c->lazynodes);
	if (c->lazymems.len > 0)
		fill(c->mems, &c->lazymems);
}

/* Every problem passes here, the input's too: count it, then pass it on. */
static void
relay(void *ctx, const struct kag_diag *d)
{
	struct kag_check *c = ctx;
	struct kag_diag up = *d;

	if (up.severity == KAG_WARNING && (c->flags & KAG_CHECK_STRICT))
		up.severity = KAG_ERROR;
	if (up.severity == KAG_ERROR)
		c->errors++;
	else
		c->warnings++;
	c->diag(c->ctx, &up);
}

static void
report(struct kag_check *c, const char *file, uintmax_t line,
    enum kag_severity sev, const char *msg)
{
	struct kag_diag d;

	d.file = file;
	d.line = line;
	d.severity = sev;
	d.msg = msg;
	relay(c, &d);
}

/* Start a message about the current record. */
static struct kag_buf *
msg(struct kag_check *c)
{
	kag_buf_reset(&c->msg);
	return &c->msg;
}

/* Report c->msg at the record kag_input_next() returned last. */
static void
say(struct kag_check *c, const struct kag_input *in, enum kag_severity sev)
{
	report(c, kag_input_name(in), kag_input_lineno(in), sev, c->msg.buf);
}

/* The raw text of token t (a number), quoted. */
static void
quote_tok(struct kag_buf *b, const struct kag_json *j, int t)
{
	kag_buf_add_quoted(b, j->text + j->tok[t].start,
	    (size_t)(j->tok[t].end - j->tok[t].start));
}

/* The decoded string token t, quoted. */
static void
quote_str(
    struct kag_check *c, struct kag_buf *b, const struct kag_json *j, int t)
{
	const char *s;
	size_t n;

	kag_json_str(j, t, &c->tmp, &s, &n);
	kag_buf_add_quoted(b, s, n);
}

/* A directory's metadata.json stands for its header. */
struct kag_input *
kag_check_open(struct kag_check *c, const char *operand)
{
	struct kag_input *in;
	struct kag_buf name = KAG_BUF_INIT;
	const char *v;
	size_t n;

	if ((in = kag_input_open(operand, relay, c)) == NULL)
		return NULL;
	if ((v = kag_input_dir_version(in)) == NULL)
		return in;
	c->version = kag_xstrdup(v);
	if (c->want == NULL || strcmp(v, c->want) == 0)
		return in;
	n = strlen(operand);
	kag_buf_add(&name, operand, n);
	kag_buf_adds(&name,
	    n > 0 && operand[n - 1] == '/' ? "metadata.json"
					   : "/metadata.json");
	kag_buf_adds(msg(c), "format_version ");
	kag_buf_add_quoted(&c->msg, v, strlen(v));
	kag_buf_addf(&c->msg, " is not the required '%s'", c->want);
	report(c, name.buf, 0, KAG_ERROR, c->msg.buf);
	kag_buf_release(&name);
	return in;
}

static void
addlen(struct kag_buf *b, size_t n)
{
	do {
		kag_buf_addc(b, (int)(n & 0x7f) | (n > 0x7f ? 0x80 : 0));
		n >>= 7;
	} while (n > 0);
}

static int
has_agent(const struct kag_record *r)
{
	int t = r->f[KAG_F_AGENT_NAME];

	return t >= 0 && r->json->tok[t].type == KAG_TOK_STRING;
}

/*
 * A memory's identity as one string to fingerprint: the scope's initial,
 * the owner and the agent_name each behind its length (the agent's plus
 * one, 0 for null or absent), then the key.  The length prefixes make it
 * one string for one identity, whatever bytes (NULs too) the parts hold.
 */
static void
identity(struct kag_check *c, const struct kag_record *r)
{
	struct kag_buf *b = &c->id;
	const char *s;
	size_t n;

	kag_buf_reset(b);
	kag_buf_addc(
	    b, kag_record_str_eq(r, KAG_F_SCOPE, "working", 7) ? 'w' : 'p');
	kag_record_user_id(r, &c->tmp, &s, &n);
	addlen(b, n);
	kag_buf_add(b, s, n);
	if (has_agent(r)) {
		kag_json_str(r->json, r->f[KAG_F_AGENT_NAME], &c->tmp, &s, &n);
		addlen(b, n + 1);
		kag_buf_add(b, s, n);
	} else {
		addlen(b, 0);
	}
	kag_json_str(r->json, r->f[KAG_F_KEY], &c->tmp, &s, &n);
	kag_buf_add(b, s, n);
}

static void
check_memory(
    struct kag_check *c, const struct kag_input *in, const struct kag_record *r)
{
	struct kag_buf *m;
	const char *s;
	size_t n;

	identity(c, r);
	sets(c);
	if (kag_fpset_add(c->mems, c->id.buf, c->id.len))
		return;
	m = msg(c);
	kag_buf_adds(m, "duplicate memory: key ");
	quote_str(c, m, r->json, r->f[KAG_F_KEY]);
	kag_record_user_id(r, &c->tmp, &s, &n);
	kag_buf_adds(m, ", user_id ");
	kag_buf_add_quoted(m, s, n);
	kag_buf_adds(m, ", agent_name ");
	if (has_agent(r))
		quote_str(c, m, r->json, r->f[KAG_F_AGENT_NAME]);
	else
		kag_buf_adds(m, "null");
	kag_buf_addf(m, ", scope '%s'",
	    kag_record_str_eq(r, KAG_F_SCOPE, "working", 7) ? "working"
							    : "persistent");
	say(c, in, KAG_WARNING);
}

/* An edge endpoint that is no node yet: kag_check_end() decides. */
static void
pend(struct kag_check *c, const struct kag_input *in, const char *id, size_t n,
    int what)
{
	struct pend p;
	const char *file = kag_input_name(in);

	if (c->pfile.len == 0 || strcmp(c->pfile.buf, file) != 0) {
		p.line = 0;
		p.len = strlen(file);
		p.what = PEND_FILE;
		kag_buf_add(&c->pending, &p, sizeof(p));
		kag_buf_add(&c->pending, file, p.len);
		kag_buf_reset(&c->pfile);
		kag_buf_adds(&c->pfile, file);
	}
	p.line = kag_input_lineno(in);
	p.len = n;
	p.what = what;
	kag_buf_add(&c->pending, &p, sizeof(p));
	kag_buf_add(&c->pending, id, n);
}

static void
check_pending(struct kag_check *c)
{
	struct kag_buf *e = &c->pending, file = KAG_BUF_INIT;
	struct pend p;
	const char *s;
	size_t at;

	sets(c);
	for (at = 0; at < e->len; at += sizeof(p) + p.len) {
		memcpy(&p, e->buf + at, sizeof(p));
		s = e->buf + at + sizeof(p);
		if (p.what == PEND_FILE) {
			kag_buf_reset(&file);
			kag_buf_add(&file, s, p.len);
			continue;
		}
		if (kag_fpset_has(c->nodes, s, p.len))
			continue;
		kag_buf_addf(
		    msg(c), "edge %s ", p.what == PEND_DST ? "dst" : "src");
		kag_buf_add_quoted(&c->msg, s, p.len);
		kag_buf_adds(&c->msg, " is not a node of the stream");
		report(c, file.buf, p.line, KAG_WARNING, c->msg.buf);
	}
	kag_buf_release(&file);
}

static void
check_edge(
    struct kag_check *c, const struct kag_input *in, const struct kag_record *r)
{
	const struct kag_json *j = r->json;
	const char *s;
	size_t n;
	int t;
	double w;

	sets(c);
	kag_json_str(j, r->f[KAG_F_SRC], &c->tmp, &s, &n);
	if (!kag_fpset_has(c->nodes, s, n))
		pend(c, in, s, n, PEND_SRC);
	kag_json_str(j, r->f[KAG_F_DST], &c->tmp, &s, &n);
	if (!kag_fpset_has(c->nodes, s, n))
		pend(c, in, s, n, PEND_DST);
	if ((t = r->f[KAG_F_WEIGHT]) < 0)
		return;
	/* A copy: strtod needs the number NUL-terminated. */
	kag_buf_reset(&c->tmp);
	kag_buf_add(&c->tmp, j->text + j->tok[t].start,
	    (size_t)(j->tok[t].end - j->tok[t].start));
	w = strtod(c->tmp.buf, NULL);
	if (w >= 0.0 && w <= 1.0)
		return;
	kag_buf_adds(msg(c), "weight ");
	quote_tok(&c->msg, j, t);
	kag_buf_adds(&c->msg, " is not between 0.0 and 1.0");
	say(c, in, KAG_WARNING);
}

/* What any record may hold: timestamps, NaN, keys given twice. */
static void
check_fields(
    struct kag_check *c, const struct kag_input *in, const struct kag_record *r)
{
	static const int times[] = { KAG_F_CREATED_AT, KAG_F_UPDATED_AT,
		KAG_F_EXPORTED_AT };
	static const char *tnames[] = { "created_at", "updated_at",
		"exported_at" };
	static const int vals[] = { KAG_F_VALUE, KAG_F_METADATA, KAG_F_DATA };
	static const char *vnames[] = { "value", "metadata", "data" };
	const struct kag_json *j = r->json;
	const char *s;
	size_t n, i;
	int64_t usec;
	int t, d;

	for (i = 0; i < 3; i++) {
		if ((t = r->f[times[i]]) < 0 ||
		    j->tok[t].type != KAG_TOK_STRING)
			continue;
		kag_json_str(j, t, &c->tmp, &s, &n);
		if (kag_time_parse(s, n, &usec) == 0)
			continue;
		kag_buf_addf(
		    msg(c), "field '%s' is not a timestamp: ", tnames[i]);
		kag_buf_add_quoted(&c->msg, s, n);
		say(c, in, KAG_WARNING);
	}
	for (i = 0; i < 3; i++) {
		if ((t = r->f[vals[i]]) < 0)
			continue;
		/* kag_record_parse() refuses them outside value and
		 * metadata, so data never has them here. */
		if (j->tok[t].flags & (KAG_TOKF_NONFINITE | KAG_TOKF_INSIDE)) {
			kag_buf_addf(msg(c),
			    "non-standard number NaN/Infinity in '%s'",
			    vnames[i]);
			say(c, in, KAG_WARNING);
		}
		if (j->tok[t].type != KAG_TOK_OBJECT &&
		    j->tok[t].type != KAG_TOK_ARRAY)
			continue;
		if ((d = kag_json_dup_key(j, t)) < 0)
			continue;
		kag_buf_adds(msg(c), "duplicate key ");
		quote_str(c, &c->msg, j, d);
		kag_buf_addf(&c->msg, " in '%s'", vnames[i]);
		say(c, in, KAG_WARNING);
	}
}

/* Headers, trailers, bare segments and the order of records. */
static void
check_segment(
    struct kag_check *c, const struct kag_input *in, const struct kag_record *r)
{
	const char *s;
	size_t n;

	if (r->type == KAG_REC_METADATA || kag_input_bare(in)) {
		c->nseg++;
		c->rank = 0;
		c->misorder = 0;
	}
	if (r->type == KAG_REC_METADATA) {
		kag_json_str(
		    r->json, r->f[KAG_F_FORMAT_VERSION], &c->tmp, &s, &n);
		if (c->version == NULL)
			c->version = kag_xmemdup(s, n);
		if (c->want != NULL &&
		    (n != strlen(c->want) || memcmp(s, c->want, n) != 0)) {
			kag_buf_adds(msg(c), "format_version ");
			kag_buf_add_quoted(&c->msg, s, n);
			kag_buf_addf(
			    &c->msg, " is not the required '%s'", c->want);
			say(c, in, KAG_ERROR);
		}
		return;
	}
	if (r->type == KAG_REC_END) {
		c->rank = 0;
		c->misorder = 0;
		return;
	}
	if (kag_input_bare(in)) {
		c->bare = 1;
		kag_buf_adds(
		    msg(c), c->nseg > 1 ? "bare segment" : "bare stream");
		if (c->want != NULL) {
			kag_buf_addf(&c->msg,
			    ": no header, so format_version '%s' cannot be "
			    "checked",
			    c->want);
			say(c, in, KAG_ERROR);
		} else {
			kag_buf_adds(&c->msg,
			    ": no header, truncation cannot be detected");
			say(c, in, KAG_WARNING);
		}
	}
	if ((int)r->type < c->rank && !c->misorder) {
		kag_buf_addf(msg(c), "record out of order: %s after %s",
		    kag_type_name(r->type), kag_type_name(c->rank));
		say(c, in, KAG_WARNING);
		c->misorder = 1;
	} else if ((int)r->type > c->rank) {
		c->rank = (int)r->type;
	}
}

void
kag_check_record(
    struct kag_check *c, const struct kag_input *in, const struct kag_record *r)
{
	const char *s;
	size_t n;

	c->nrec++;
	kag_counts_add(&c->counts, r->type);
	check_segment(c, in, r);
	check_fields(c, in, r);
	switch (r->type) {
	case KAG_REC_MEMORY:
		check_memory(c, in, r);
		break;
	case KAG_REC_NODE:
		sets(c);
		kag_json_str(r->json, r->f[KAG_F_ID], &c->tmp, &s, &n);
		if (kag_fpset_add(c->nodes, s, n))
			break;
		kag_buf_adds(msg(c), "duplicate node id ");
		kag_buf_add_quoted(&c->msg, s, n);
		say(c, in, KAG_WARNING);
		break;
	case KAG_REC_EDGE:
		check_edge(c, in, r);
		break;
	default:
		break;
	}
}

void
kag_check_end(struct kag_check *c, struct kag_input *in)
{
	c->document = kag_input_document(in);
	check_pending(c);
	if (c->nrec > 0 || c->errors > 0 || c->version != NULL)
		return;
	c->bare = 1;
	kag_buf_adds(msg(c), "empty input");
	if (c->want != NULL)
		kag_buf_addf(
		    &c->msg, ": no format_version '%s' to check", c->want);
	report(c, kag_input_name(in), 0,
	    c->want != NULL ? KAG_ERROR : KAG_WARNING, c->msg.buf);
}

uintmax_t
kag_check_errors(const struct kag_check *c)
{
	return c->errors;
}

uintmax_t
kag_check_warnings(const struct kag_check *c)
{
	return c->warnings;
}

const struct kag_counts *
kag_check_counts(const struct kag_check *c)
{
	return &c->counts;
}

int
kag_check_bare(const struct kag_check *c)
{
	return c->bare;
}

int
kag_check_document(const struct kag_check *c)
{
	return c->document;
}

const char *
kag_check_version(const struct kag_check *c)
{
	return c->version;
}
