/* document.c: a HyperMemory subgraph export, one JSON document, as records. */
#include <stdlib.h>
#include <string.h>

#include "kag.h"

/*
 * A document may be tens of megabytes, often on one line, and its tokens
 * would take more room than its text.  So only its frame is parsed whole:
 * a copy of the text in which the insides of the arrays of records are
 * left out (each array stands there as "[]").  Their members are then
 * found one at a time by a scan that knows strings and brackets, and each
 * is parsed on its own when its record is asked for.  Between them, the
 * frame and the members cover every byte of the text, so the document is
 * checked as strictly as by one kag_json_parse().  Memory: the text, plus
 * the frame's tokens and one member's.
 */

/* The arrays of records, in the order their records come out. */
enum { A_MEMORIES, A_NODES, A_EDGES, A_HYPER, NA };
static const char *const arrays[NA] = { "memories", "nodes", "edges",
	"hyperedges" };
static const char *const kinds[NA] = { "memory", "node", "edge", "hyperedge" };
static const char *const totals[NA] = { "total_memories", "total_nodes",
	"total_edges", "total_hyperedges" };

#define OUT ((size_t)-1) /* the text ends inside the value */

/* An array of the text left out of the frame. */
struct cut {
	size_t at;  /* the offset of its '[' in the text */
	size_t len; /* its bytes, brackets included */
	size_t fat; /* the offset of its "[]" in the frame */
};

enum { SETUP, MEMBERS, DONE };

struct kag_document {
	struct kag_reader *r;
	kag_diag_fn *diag;
	void *ctx;
	int whole; /* the reader's first line is the whole document */
	const char *s;
	size_t n;
	struct kag_buf text; /* the document, when it spans lines */
	struct kag_buf frame;
	struct cut cut[NA];
	int ncut;
	struct kag_json *fj, *mj, *rj; /* the frame, a member, its record */
	struct kag_buf line, msg;
	int state;
	int broken;	     /* not JSON: the members cannot be counted */
	int at[NA];	     /* the frame's token of each array, or -1 */
	int stats;	     /* the frame's token of "stats", or -1 */
	int arr;	     /* the array being read */
	size_t pos, end;     /* where its next member is looked for; its ']' */
	int first;	     /* no member of it read yet */
	uintmax_t count[NA]; /* members seen */
	size_t cpos, cscan;  /* a cursor: line cline starts at cpos */
	uintmax_t cline;
	uintmax_t base;	  /* the line the text starts on */
	uintmax_t nline;  /* the text's lines so far */
	uintmax_t lineno; /* of the record last returned */
};

static size_t
ws(const char *s, size_t i, size_t n)
{
	while (i < n &&
	    (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/*
 * Past the value that starts at s[i]: strings are skipped with their
 * escapes, brackets of both kinds are counted alike, a scalar ends at a
 * delimiter (kag_json_parse() checks the value later).  OUT when the text
 * ends inside it, with *instr set when that is inside a string.
 */
static size_t
skip(const char *s, size_t i, size_t n, int *instr)
{
	size_t depth = 0;

	*instr = 0;
	if (i < n && s[i] != '"' && s[i] != '{' && s[i] != '[') {
		while (i < n && strchr(" \t\r\n,:]}", s[i]) == NULL)
			i++;
		return i;
	}
	for (; i < n; i++) {
		switch (s[i]) {
		case '"':
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			if (i >= n) {
				*instr = 1;
				return OUT;
			}
			if (depth == 0)
				return i + 1;
			break;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth == 0)
				return i + 1;
			break;
		}
	}
	return OUT;
}

/* Walking the members of an object of the text. */
struct walk {
	const char *s;
	size_t i, n;
	int first;
	int out; /* the text ended, outside a string, inside the object */
};

/*
 * The next member of the object whose '{' is at w->i - 1: 1 with the
 * offsets of its key (quotes included) and of its value, 0 after the
 * last, -1 when the text ends or is not JSON there.
 */
static int
member(struct walk *w, size_t *k, size_t *ke, size_t *v, size_t *ve)
{
	const char *s = w->s;
	size_t n = w->n, i = ws(s, w->i, n);
	int instr = 0;

	w->out = 0;
	if (i < n && s[i] == '}') {
		w->i = i + 1;
		return 0;
	}
	if (!w->first) {
		if (i < n && s[i] != ',')
			return -1;
		i = ws(s, i + 1, n);
	}
	w->first = 0;
	if (i < n && s[i] != '"')
		return -1;
	*k = i;
	if (i < n && (*ke = skip(s, i, n, &instr)) != OUT &&
	    (i = ws(s, *ke, n)) < n) {
		if (s[i] != ':')
			return -1;
		*v = i = ws(s, i + 1, n);
		if (i < n && (*ve = skip(s, i, n, &instr)) != OUT) {
			w->i = *ve;
			return 1;
		}
	}
	w->out = !instr;
	return -1;
}

static int
iskey(const char *s, size_t k, size_t ke, const char *name)
{
	size_t n = strlen(name);

	return ke - k == n + 2 && memcmp(s + k + 1, name, n) == 0;
}

/* Whether a line ends where pretty-printed JSON breaks its lines: after
 * '{', '[', ',' or ':' (a stream line cut short seldom does). */
static int
cont(const char *line, size_t len)
{
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	return len > 0 && line[len - 1] != '\0' &&
	    strchr("{[,:", line[len - 1]) != NULL;
}

int
kag_document_sniff(const char *line, size_t len)
{
	static const char *const keys[] = { "nodes", "result", "error",
		"export_id", "jsonrpc" };
	struct walk w = { line, 0, len, 1, 0 };
	size_t i, k, ke, v, ve;
	int rc, doc = 0, instr;

	i = ws(line, 0, len);
	if (i < len && line[i] == '[')
		return skip(line, i, len, &instr) == OUT && !instr &&
		    cont(line, len);
	if (i >= len || line[i] != '{')
		return 0;
	w.i = i + 1;
	while ((rc = member(&w, &k, &ke, &v, &ve)) > 0) {
		if (iskey(line, k, ke, "type"))
			return 0;
		for (i = 0; i < sizeof(keys) / sizeof(*keys); i++)
			doc |= iskey(line, k, ke, keys[i]);
	}
	if (rc < 0)
		return w.out && cont(line, len);
	return doc ? 2 : 0;
}

/* Add a line of the reader's to the text; blank lines it skipped are put
 * back, so that offsets in the text give the file's line numbers. */
static void
addline(struct kag_document *d, const char *line, size_t len)
{
	while (++d->nline < kag_reader_lineno(d->r))
		kag_buf_addc(&d->text, '\n');
	kag_buf_add(&d->text, line, len);
	kag_buf_addc(&d->text, '\n');
}

struct kag_document *
kag_document_open(struct kag_reader *r, const char *line, size_t len, int whole,
    kag_diag_fn *diag, void *ctx)
{
	struct kag_document *d = kag_xcalloc(1, sizeof(*d));

	d->r = r;
	d->diag = diag;
	d->ctx = ctx;
	d->fj = kag_json_new();
	d->mj = kag_json_new();
	d->rj = kag_json_new();
	d->cline = d->base = 1;
	if ((d->whole = whole == 2)) {
		d->s = line;
		d->n = len;
		d->cline = d->base = kag_reader_lineno(r);
	} else {
		addline(d, line, len);
	}
	return d;
}

/* Read the rest of a document that spans lines: 0, or -1 (errno). */
static int
slurp(struct kag_document *d)
{
	const char *line;
	size_t len;
	int rc;

	while ((rc = kag_reader_getline(d->r, &line, &len)) > 0)
		addline(d, line, len);
	d->s = d->text.buf;
	d->n = d->text.len;
	return rc;
}

/* The line that offset off of the text is on; d->cpos is then where it
 * starts.  The newlines before d->cscan are counted: reading the members
 * in order counts each once. */
static uintmax_t
lineof(struct kag_document *d, size_t off)
{
	const char *p;

	if (off < d->cpos) {
		d->cpos = d->cscan = 0;
		d->cline = d->base;
	}
	if (off <= d->cscan)
		return d->cline;
	while ((p = memchr(d->s + d->cscan, '\n', off - d->cscan)) != NULL) {
		d->cscan = d->cpos = (size_t)(p - d->s) + 1;
		d->cline++;
	}
	d->cscan = off;
	return d->cline;
}

static struct kag_buf *
msg(struct kag_document *d)
{
	kag_buf_reset(&d->msg);
	return &d->msg;
}

/* Report d->msg as an error on line; -1. */
static int
report(struct kag_document *d, uintmax_t line)
{
	struct kag_diag k;

	if (d->diag != NULL) {
		k.file = kag_reader_name(d->r);
		k.line = line;
		k.severity = KAG_ERROR;
		k.msg = d->msg.buf;
		d->diag(d->ctx, &k);
	}
	return -1;
}

/* Report d->msg about the text at offset off; -1. */
static int
say(struct kag_document *d, size_t off)
{
	return report(d, lineof(d, off));
}

/* Report a JSON error at offset off (the end of the text is on its last
 * line); -1. */
static int
badjson(struct kag_document *d, const char *what, size_t off)
{
	uintmax_t line;

	if (off >= d->n && d->n > 0 && d->s[d->n - 1] == '\n')
		off = d->n - 1;
	line = lineof(d, off);
	kag_buf_addf(
	    msg(d), "invalid JSON: %s (column %zu)", what, off - d->cpos + 1);
	return report(d, line);
}

/* The offset in the text of offset off of the frame. */
static size_t
unframe(const struct kag_document *d, size_t off)
{
	size_t add = 0;
	int i;

	for (i = 0; i < d->ncut; i++) {
		if (off < d->cut[i].fat)
			break;
		if (off < d->cut[i].fat + 2)
			return d->cut[i].at +
			    (off == d->cut[i].fat ? 0 : d->cut[i].len - 1);
		add += d->cut[i].len - 2;
	}
	return off + add;
}

/* Where frame token t starts in the text. */
static size_t
tokat(const struct kag_document *d, int t)
{
	return unframe(d, (size_t)d->fj->tok[t].start);
}

/*
 * Walk the object whose '{' is at offset i, noting its arrays of members
 * as cuts; 1 when it is a JSON-RPC reply (no "nodes" but a "result"
 * object, whose offset goes to *res), else 0.
 */
static int
walk(struct kag_document *d, size_t i, size_t *res)
{
	struct walk w = { d->s, i + 1, d->n, 1, 0 };
	size_t k, ke, v, ve;
	int a, nodes = 0, reply = 0;

	while (member(&w, &k, &ke, &v, &ve) > 0) {
		if (iskey(d->s, k, ke, "result") && d->s[v] == '{' && !reply) {
			reply = 1;
			*res = v;
		}
		for (a = 0; a < NA && !iskey(d->s, k, ke, arrays[a]); a++)
			;
		nodes |= a == A_NODES;
		if (a == NA || d->s[v] != '[' || d->ncut == NA)
			continue;
		d->cut[d->ncut].at = v;
		d->cut[d->ncut].len = ve - v;
		d->ncut++;
	}
	return reply && !nodes;
}

/* The frame: the text with the cuts left out. */
static void
frame(struct kag_document *d)
{
	size_t at = 0, i, res;
	int c;

	i = ws(d->s, 0, d->n);
	if (i < d->n && d->s[i] == '{' && walk(d, i, &res)) {
		d->ncut = 0;
		walk(d, res, &res);
	}
	/* Without cuts, the text itself is parsed. */
	for (c = 0; c < d->ncut; c++) {
		kag_buf_add(&d->frame, d->s + at, d->cut[c].at - at);
		d->cut[c].fat = d->frame.len;
		kag_buf_adds(&d->frame, "[]");
		at = d->cut[c].at + d->cut[c].len;
	}
	if (d->ncut > 0)
		kag_buf_add(&d->frame, d->s + at, d->n - at);
}

/* A JSON integer >= 0 that fits in uintmax_t: 0, or -1. */
static int
getcount(const struct kag_json *j, int t, uintmax_t *v)
{
	const char *s = j->text + j->tok[t].start, *e = j->text + j->tok[t].end;

	for (*v = 0; s < e && *s >= '0' && *s <= '9'; s++) {
		if (*v > (UINTMAX_MAX - (uintmax_t)(*s - '0')) / 10)
			return -1;
		*v = *v * 10 + (uintmax_t)(*s - '0');
	}
	return j->tok[t].type == KAG_TOK_PRIMITIVE && s == e &&
		j->tok[t].end > j->tok[t].start
	    ? 0
	    : -1;
}

/* A JSON-RPC error reply: its code and message; -1. */
static int
rpcerror(struct kag_document *d, int e)
{
	const struct kag_json *j = d->fj;
	const char *s;
	size_t n;
	int c = -1, m = -1;

	if (j->tok[e].type == KAG_TOK_OBJECT) {
		c = kag_json_find_key(j, e, "code", 4);
		m = kag_json_find_key(j, e, "message", 7);
	}
	kag_buf_adds(msg(d), "JSON-RPC error");
	if (c >= 0 && j->tok[c].type == KAG_TOK_PRIMITIVE)
		kag_buf_addf(&d->msg, " %.*s", j->tok[c].end - j->tok[c].start,
		    j->text + j->tok[c].start);
	kag_buf_adds(&d->msg, ": ");
	kag_buf_reset(&d->line);
	if (m >= 0 && j->tok[m].type == KAG_TOK_STRING) {
		kag_json_str(j, m, &d->line, &s, &n);
	} else {
		kag_json_compact(j, e, &d->line);
		s = d->line.buf;
		n = d->line.len;
	}
	kag_buf_add_quoted(&d->msg, s, n);
	return say(d, tokat(d, e));
}

/* Check the frame; 0, or -1 when the document cannot be read (said). */
static int
setup(struct kag_document *d)
{
	const struct kag_json *j = d->fj;
	const char *s;
	size_t n;
	int doc = 0, t, a;

	frame(d);
	if (kag_json_parse(d->fj, d->ncut > 0 ? d->frame.buf : d->s,
		d->ncut > 0 ? d->frame.len : d->n, 0) < 0)
		return badjson(d, kag_json_errmsg(j),
		    unframe(d, (size_t)kag_json_errcol(j) - 1));
	if (j->tok[0].type != KAG_TOK_OBJECT) {
		kag_buf_adds(msg(d), "document is not a JSON object");
		return say(d, tokat(d, 0));
	}
	/* A reply: its error, or its result. */
	if (kag_json_find_key(j, 0, "nodes", 5) < 0 &&
	    ((t = kag_json_find_key(j, 0, "error", 5)) >= 0 ||
		kag_json_find_key(j, 0, "result", 6) >= 0)) {
		if (t >= 0 &&
		    (j->tok[t].type != KAG_TOK_PRIMITIVE ||
			j->text[j->tok[t].start] != 'n'))
			return rpcerror(d, t);
		doc = kag_json_find_key(j, 0, "result", 6);
		if (doc < 0 || j->tok[doc].type != KAG_TOK_OBJECT) {
			kag_buf_adds(
			    msg(d), "JSON-RPC result is not an object");
			return say(d, tokat(d, doc < 0 ? 0 : doc));
		}
	}
	if ((t = kag_json_dup_key_shallow(j, doc)) >= 0) {
		kag_json_str(j, t, &d->line, &s, &n);
		kag_buf_adds(msg(d), "duplicate key ");
		kag_buf_add_quoted(&d->msg, s, n);
		return say(d, tokat(d, t));
	}
	for (a = 0; a < NA; a++) {
		t = d->at[a] =
		    kag_json_find_key(j, doc, arrays[a], strlen(arrays[a]));
		if (t < 0 ? a != A_NODES : j->tok[t].type == KAG_TOK_ARRAY)
			continue;
		kag_buf_addf(msg(d),
		    t < 0 ? "no '%s' array: not a HyperMemory document"
			  : "'%s' is not an array",
		    arrays[a]);
		return say(d, tokat(d, t < 0 ? doc : t));
	}
	t = d->stats = kag_json_find_key(j, doc, "stats", 5);
	if (t >= 0 && j->tok[t].type != KAG_TOK_OBJECT) {
		kag_buf_adds(msg(d), "'stats' is not an object");
		return say(d, tokat(d, t));
	}
	return 0;
}

/* Begin array d->arr, or end when it is absent. */
static void
start(struct kag_document *d)
{
	int t = d->at[d->arr];

	d->first = 1;
	d->pos = d->end = 0;
	if (t < 0)
		return;
	d->pos = tokat(d, t) + 1;
	d->end = unframe(d, (size_t)d->fj->tok[t].end - 1);
}

/* The text is not JSON between the members: they cannot be counted. */
static int
broken(struct kag_document *d, const char *what, size_t off)
{
	d->broken = 1;
	return badjson(d, what, off);
}

/* The next member of the array being read: 1 with its offsets, 0 after
 * the last, -1 when the text is not JSON there (said). */
static int
next(struct kag_document *d, size_t *b, size_t *e)
{
	const char *s = d->s;
	size_t i = ws(s, d->pos, d->end), comma = i;
	int instr;

	if (i == d->end)
		return 0;
	if (!d->first && s[i] != ',')
		return broken(d, "missing comma", i);
	if (!d->first && (i = ws(s, i + 1, d->end)) == d->end)
		return broken(d, "trailing comma", comma);
	if (s[i] == ',')
		return broken(d, "unexpected ','", i);
	d->first = 0;
	*b = i;
	if ((*e = skip(s, i, d->end, &instr)) == OUT)
		*e = d->end;
	d->pos = *e;
	return 1;
}

/* The record of member s[b..e) of array d->arr: 0, or -1 when it is
 * none (said). */
static int
take(struct kag_document *d, size_t b, size_t e, struct kag_record *rec)
{
	const struct kag_json *j = d->mj;
	const char *kind = kinds[d->arr];
	size_t at;
	int t;

	if (kag_json_parse(d->mj, d->s + b, e - b, KAG_JSON_NONFINITE) < 0)
		return badjson(
		    d, kag_json_errmsg(j), b + (size_t)kag_json_errcol(j) - 1);
	if (j->tok[0].type != KAG_TOK_OBJECT) {
		kag_buf_addf(msg(d), "%s is not a JSON object", kind);
		return say(d, b);
	}
	/* The member, with its type first unless it has one. */
	kag_buf_reset(&d->line);
	if ((t = kag_json_find_key(j, 0, "type", 4)) < 0) {
		kag_buf_addf(&d->line, "{\"type\":\"%s\"", kind);
	} else if (j->tok[t].type != KAG_TOK_STRING ||
	    !kag_json_str_eq(j, t, kind, strlen(kind))) {
		kag_buf_addf(msg(d),
		    "'%s' holds a record whose type is not '%s'",
		    arrays[d->arr], kind);
		return say(d, b);
	}
	/* Byte for byte, as kag(5) passes records on, unless it spans
	 * lines: a record is one line. */
	at = d->line.len;
	if (memchr(d->s + b, '\n', e - b) != NULL ||
	    memchr(d->s + b, '\r', e - b) != NULL)
		kag_json_compact(j, 0, &d->line);
	else
		kag_buf_add(&d->line, d->s + b, e - b);
	if (at > 0 && j->tok[0].size > 0) {
		d->line.buf[at] = ',';
	} else if (at > 0) {
		d->line.len = at;
		kag_buf_addc(&d->line, '}');
	}
	if (kag_record_parse(rec, d->rj, d->line.buf, d->line.len, &d->msg) < 0)
		return say(d, b);
	return 0;
}

/* After the last member: the stats, and for a document read from one
 * line, what follows it.  0, or -1 when reading failed (errno). */
static int
end(struct kag_document *d)
{
	const struct kag_json *j = d->fj;
	const char *line;
	size_t len;
	uintmax_t want;
	int a, k, rc;

	for (a = 0; a < NA && d->stats >= 0 && !d->broken; a++) {
		k = kag_json_find_key(
		    j, d->stats, totals[a], strlen(totals[a]));
		if (k < 0)
			continue;
		if (getcount(j, k, &want) < 0)
			kag_buf_addf(
			    msg(d), "'stats.%s' is not a count", totals[a]);
		else if (want != d->count[a])
			kag_buf_addf(msg(d),
			    "stats say %ju %s but the document holds %ju", want,
			    arrays[a], d->count[a]);
		else
			continue;
		say(d, tokat(d, k));
	}
	d->state = DONE;
	if (!d->whole || (rc = kag_reader_getline(d->r, &line, &len)) == 0)
		return 0;
	if (rc < 0 || d->broken)
		return rc < 0 ? -1 : 0;
	kag_buf_addf(msg(d),
	    "invalid JSON: unexpected text after the value (column %zu)",
	    ws(line, 0, len) + 1);
	report(d, kag_reader_lineno(d->r));
	return 0;
}

int
kag_document_next(struct kag_document *d, struct kag_record *rec)
{
	size_t b = 0, e = 0;
	int rc;

	if (d->state == SETUP) {
		if (!d->whole && slurp(d) < 0) {
			d->state = DONE;
			return -1;
		}
		d->state = MEMBERS;
		if (setup(d) < 0) {
			d->broken = 1;
			return end(d);
		}
		start(d);
	}
	while (d->state == MEMBERS) {
		if ((rc = next(d, &b, &e)) <= 0) {
			if (++d->arr == NA)
				return end(d);
			start(d);
			continue;
		}
		d->count[d->arr]++;
		if (take(d, b, e, rec) == 0) {
			d->lineno = lineof(d, b);
			return 1;
		}
	}
	return 0;
}

uintmax_t
kag_document_lineno(const struct kag_document *d)
{
	return d->lineno;
}

void
kag_document_free(struct kag_document *d)
{
	if (d == NULL)
		return;
	kag_buf_release(&d->text);
	kag_buf_release(&d->frame);
	kag_buf_release(&d->line);
	kag_buf_release(&d->msg);
	kag_json_free(d->fj);
	kag_json_free(d->mj);
	kag_json_free(d->rj);
	free(d);
}
