/* graphjson.c: Kagura's graph.json (networkx node-link JSON) as records. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kag.h"

enum { NODES, LINKS };

struct kag_graphjson {
	char *name;
	kag_diag_fn *diag;
	void *ctx;
	struct kag_buf text;
	struct kag_json *json;
	int at[2];   /* the next element of "nodes" and of "links" */
	int left[2]; /* elements not yet taken */
	struct kag_buf line, tmp, msg;
	struct kag_buf what; /* the record in messages: node 'ID' */
};

/* The line of graph.json that byte off is on. */
static uintmax_t
lineof(const struct kag_graphjson *g, int off)
{
	const char *p = g->text.buf, *e;
	uintmax_t n = 1;

	/* The end of the input is on the last line, not after it. */
	if (off > 0 && (size_t)off >= g->text.len)
		off = (int)g->text.len - 1;
	e = p + off;

	while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		p++;
		n++;
	}
	return n;
}

/* Report the message in g->msg, about the byte at off (-1: the file). */
static void
report(struct kag_graphjson *g, int off)
{
	struct kag_diag d;

	if (g->diag == NULL)
		return;
	d.file = g->name;
	d.line = off >= 0 ? lineof(g, off) : 0;
	d.severity = KAG_ERROR;
	d.msg = g->msg.buf;
	g->diag(g->ctx, &d);
}

/* Read path whole; blank lines the reader skips are put back, so that
 * the line numbers of messages are the file's.  0, 1 when the file is
 * damaged (reported), -1 with errno set when it cannot be read. */
static int
slurp(struct kag_graphjson *g, const char *path)
{
	struct kag_reader *r;
	const char *line;
	size_t len;
	uintmax_t at = 0;
	int rc, e;

	if ((r = kag_reader_open(path)) == NULL)
		return -1;
	while ((rc = kag_reader_getline(r, &line, &len)) > 0) {
		while (++at < kag_reader_lineno(r))
			kag_buf_addc(&g->text, '\n');
		kag_buf_add(&g->text, line, len);
		kag_buf_addc(&g->text, '\n');
	}
	if (rc < 0) {
		e = errno;
		if (e == 0) {
			kag_buf_adds(&g->msg, kag_reader_errmsg(r));
			report(g, -1);
		}
		kag_reader_close(r);
		errno = e;
		return e == 0 ? 1 : -1;
	}
	kag_reader_close(r);
	return 0;
}

/* Find the arrays of nodes and links; 0, or -1 when it is not node-link
 * JSON (reported). */
static int
locate(struct kag_graphjson *g)
{
	const struct kag_json *j = g->json;
	int t;

	if (kag_json_parse(
		g->json, g->text.buf, g->text.len, KAG_JSON_NONFINITE) < 0) {
		kag_buf_addf(&g->msg, "invalid JSON: %s", kag_json_errmsg(j));
		report(g, kag_json_errcol(j) - 1);
		return -1;
	}
	t = kag_json_find_key(j, 0, "nodes", 5);
	if (t < 0 || j->tok[t].type != KAG_TOK_ARRAY) {
		kag_buf_adds(&g->msg, "not node-link JSON: no 'nodes' array");
		report(g, -1);
		return -1;
	}
	g->at[NODES] = t + 1;
	g->left[NODES] = j->tok[t].size;
	if ((t = kag_json_find_key(j, 0, "links", 5)) < 0)
		t = kag_json_find_key(j, 0, "edges", 5);
	if (t >= 0 && j->tok[t].type != KAG_TOK_ARRAY) {
		kag_buf_adds(&g->msg,
		    "not node-link JSON: 'links' is not "
		    "an array");
		report(g, j->tok[t].start);
		return -1;
	}
	if (t >= 0) {
		g->at[LINKS] = t + 1;
		g->left[LINKS] = j->tok[t].size;
	}
	return 0;
}

struct kag_graphjson *
kag_graphjson_open(const char *path, kag_diag_fn *diag, void *ctx)
{
	struct kag_graphjson *g = kag_xcalloc(1, sizeof(*g));
	int rc;

	g->name = kag_xstrdup(path);
	g->diag = diag;
	g->ctx = ctx;
	g->json = kag_json_new();
	if ((rc = slurp(g, path)) < 0) {
		kag_graphjson_free(g);
		return NULL;
	}
	kag_buf_add(&g->text, "", 0);
	if (rc == 0 && locate(g) < 0)
		g->left[NODES] = g->left[LINKS] = 0;
	return g;
}

/* Append token t as a JSON string: decoded if it is one, else its JSON
 * text (a networkx id may be a number). */
static void
addstr(struct kag_graphjson *g, int t)
{
	const char *s;
	size_t n;

	if (g->json->tok[t].type == KAG_TOK_STRING) {
		kag_json_str(g->json, t, &g->tmp, &s, &n);
		kag_buf_add_json_string(&g->line, s, n);
		return;
	}
	kag_buf_reset(&g->tmp);
	kag_json_compact(g->json, t, &g->tmp);
	kag_buf_add_json_string(&g->line, g->tmp.buf, g->tmp.len);
}

/* Append the attributes of object obj but those at the tokens in skip
 * as "data":{...}. */
static void
adddata(struct kag_graphjson *g, int obj, const int *skip, int nskip)
{
	const struct kag_json *j = g->json;
	int k, i, v, n = 0, s;
	const char *name;
	size_t len;

	kag_buf_adds(&g->line, ",\"data\":{");
	for (k = obj + 1, i = 0; i < j->tok[obj].size;
	     i++, k = j->tok[v].next) {
		v = k + 1;
		for (s = 0; s < nskip && skip[s] != v; s++)
			;
		if (s < nskip)
			continue;
		if (n++ > 0)
			kag_buf_addc(&g->line, ',');
		kag_buf_add(&g->line, j->text + j->tok[k].start - 1,
		    (size_t)(j->tok[k].end - j->tok[k].start + 2));
		kag_buf_addc(&g->line, ':');
		if (!(j->tok[v].flags &
			(KAG_TOKF_NONFINITE | KAG_TOKF_INSIDE))) {
			kag_json_compact(j, v, &g->line);
			continue;
		}
		kag_json_str(j, k, &g->tmp, &name, &len);
		kag_buf_reset(&g->msg);
		kag_buf_add(&g->msg, g->what.buf, g->what.len);
		kag_buf_adds(&g->msg, ": NaN or Infinity in ");
		kag_buf_add_quoted(&g->msg, name, len);
		kag_buf_adds(&g->msg, " (written as a string)");
		report(g, j->tok[v].start);
		kag_buf_reset(&g->tmp);
		kag_json_compact(j, v, &g->tmp);
		kag_buf_add_json_string(&g->line, g->tmp.buf, g->tmp.len);
	}
	kag_buf_addc(&g->line, '}');
}

/* The value of key in object obj if it is a string, else -1. */
static int
strkey(const struct kag_json *j, int obj, const char *key, size_t n)
{
	int t = kag_json_find_key(j, obj, key, n);

	return t >= 0 && j->tok[t].type == KAG_TOK_STRING ? t : -1;
}

/* A finite number: the weight networkx keeps. */
static int
finite(const struct kag_json *j, int t)
{
	char c;

	if (t < 0 || j->tok[t].type != KAG_TOK_PRIMITIVE ||
	    (j->tok[t].flags & KAG_TOKF_NONFINITE))
		return 0;
	c = j->text[j->tok[t].start];
	return c == '-' || (c >= '0' && c <= '9');
}

/* Append token t to g->what as user data in a message. */
static void
addwhat(struct kag_graphjson *g, int t)
{
	const char *s;
	size_t n;

	if (g->json->tok[t].type == KAG_TOK_STRING) {
		kag_json_str(g->json, t, &g->tmp, &s, &n);
	} else {
		kag_buf_reset(&g->tmp);
		kag_json_compact(g->json, t, &g->tmp);
		s = g->tmp.buf;
		n = g->tmp.len;
	}
	kag_buf_add_quoted(&g->what, s, n);
}

/* Report that element t of an array is not what it should be. */
static int
bad(struct kag_graphjson *g, int t, const char *why)
{
	kag_buf_reset(&g->msg);
	kag_buf_adds(&g->msg, why);
	report(g, g->json->tok[t].start);
	return -1;
}

/* The record of element t of "nodes", in g->line; -1 if it is none. */
static int
node(struct kag_graphjson *g, int t)
{
	const struct kag_json *j = g->json;
	int skip[2], id, type;

	if (j->tok[t].type != KAG_TOK_OBJECT)
		return bad(g, t, "node is not an object");
	if ((id = kag_json_find_key(j, t, "id", 2)) < 0)
		return bad(g, t, "node without 'id'");
	type = strkey(j, t, "type", 4);
	kag_buf_reset(&g->what);
	kag_buf_adds(&g->what, "node ");
	addwhat(g, id);
	kag_buf_reset(&g->line);
	kag_buf_adds(&g->line, "{\"type\":\"node\",\"id\":");
	addstr(g, id);
	kag_buf_adds(&g->line, ",\"node_type\":");
	if (type >= 0)
		addstr(g, type);
	else
		kag_buf_adds(&g->line, "null");
	skip[0] = id;
	skip[1] = type;
	adddata(g, t, skip, 2);
	kag_buf_addc(&g->line, '}');
	return 0;
}

/* The record of element t of "links", in g->line; -1 if it is none. */
static int
edge(struct kag_graphjson *g, int t)
{
	const struct kag_json *j = g->json;
	int skip[4], src, dst, type, weight;

	if (j->tok[t].type != KAG_TOK_OBJECT)
		return bad(g, t, "link is not an object");
	src = kag_json_find_key(j, t, "source", 6);
	dst = kag_json_find_key(j, t, "target", 6);
	if (src < 0 || dst < 0)
		return bad(g, t, "link without 'source' or 'target'");
	type = strkey(j, t, "type", 4);
	weight = kag_json_find_key(j, t, "weight", 6);
	if (!finite(j, weight))
		weight = -1;
	kag_buf_reset(&g->what);
	kag_buf_adds(&g->what, "link ");
	addwhat(g, src);
	kag_buf_adds(&g->what, " -> ");
	addwhat(g, dst);
	kag_buf_reset(&g->line);
	kag_buf_adds(&g->line, "{\"type\":\"edge\",\"src\":");
	addstr(g, src);
	kag_buf_adds(&g->line, ",\"dst\":");
	addstr(g, dst);
	kag_buf_adds(&g->line, ",\"rel_type\":");
	if (type >= 0)
		addstr(g, type);
	else
		kag_buf_adds(&g->line, "null");
	kag_buf_adds(&g->line, ",\"weight\":");
	if (weight >= 0)
		kag_buf_add(&g->line, j->text + j->tok[weight].start,
		    (size_t)(j->tok[weight].end - j->tok[weight].start));
	else
		kag_buf_adds(&g->line, "1.0");
	skip[0] = src;
	skip[1] = dst;
	skip[2] = type;
	skip[3] = weight;
	adddata(g, t, skip, 4);
	kag_buf_addc(&g->line, '}');
	return 0;
}

int
kag_graphjson_next(
    struct kag_graphjson *g, enum kag_type type, const char **line, size_t *len)
{
	int w = type == KAG_REC_NODE ? NODES : LINKS, t, rc;

	if (type != KAG_REC_NODE && type != KAG_REC_EDGE)
		return 0;
	do {
		if (g->left[w] <= 0)
			return 0;
		t = g->at[w];
		g->at[w] = g->json->tok[t].next;
		g->left[w]--;
		rc = w == NODES ? node(g, t) : edge(g, t);
	} while (rc < 0);
	*line = g->line.buf;
	*len = g->line.len;
	return 1;
}

void
kag_graphjson_free(struct kag_graphjson *g)
{
	if (g == NULL)
		return;
	free(g->name);
	kag_json_free(g->json);
	kag_buf_release(&g->text);
	kag_buf_release(&g->line);
	kag_buf_release(&g->tmp);
	kag_buf_release(&g->msg);
	kag_buf_release(&g->what);
	free(g);
}
