/* export.c: a cut written as a kag stream or as a HyperMemory document. */
#include <stdint.h>
#include <string.h>

#include "kag.h"

/* Where the output goes: counted, and written when w is not NULL. */
struct sink {
	struct kag_writer *w;
	uintmax_t n;
	int failed;
};

static void
put(struct sink *s, const void *p, size_t n)
{
	s->n += n;
	if (s->w != NULL && !s->failed && kag_writer_write(s->w, p, n) < 0)
		s->failed = 1;
}

static void
puts_(struct sink *s, const char *str)
{
	put(s, str, strlen(str));
}

/* Append token t's text as it stands in the line, a string's quotes
 * included. */
static void
raw(const struct kag_json *j, int t, struct kag_buf *b)
{
	int q = j->tok[t].type == KAG_TOK_STRING;

	kag_buf_add(b, j->text + j->tok[t].start - q,
	    (size_t)(j->tok[t].end - j->tok[t].start + 2 * q));
}

/*
 * One record as an element of a document: its fields but "type", in
 * their order, each key and value byte for byte as it stands (spaces
 * inside a value included); an edge's src, dst and rel_type under
 * HyperMemory's names source, target and edge_type.  A memory record is
 * written whole, as it stands.
 */
static void
element(struct sink *s, const char *line, size_t len, enum kag_type t,
    struct kag_json *j, struct kag_buf *b)
{
	static const char *const from[] = { "src", "dst", "rel_type" };
	static const char *const to[] = { "source", "target", "edge_type" };
	int key, c, k, first = 1;

	if (t == KAG_REC_MEMORY ||
	    kag_json_parse(j, line, len, KAG_JSON_NONFINITE) < 0) {
		put(s, line, len);
		return;
	}
	kag_buf_reset(b);
	kag_buf_addc(b, '{');
	for (key = 1, c = 0; c < j->tok[0].size;
	     c++, key = j->tok[key + 1].next) {
		if (kag_json_str_eq(j, key, "type", 4))
			continue;
		if (!first)
			kag_buf_addc(b, ',');
		first = 0;
		for (k = 0; t == KAG_REC_EDGE && k < 3; k++)
			if (kag_json_str_eq(j, key, from[k], strlen(from[k])))
				break;
		if (t == KAG_REC_EDGE && k < 3)
			kag_buf_add_json_string(b, to[k], strlen(to[k]));
		else
			raw(j, key, b);
		kag_buf_addc(b, ':');
		raw(j, key + 1, b);
	}
	kag_buf_addc(b, '}');
	put(s, b->buf, b->len);
}

/* FNV-1a, 64 bits, over p[0..n) from h: the export id's hash, fixed
 * here so that an id does not change with the library's other hashes. */
static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *u = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ u[i]) * 0x100000001b3u;
	return h;
}

/* The marked records of type t as the elements of array name. */
static void
array(const struct kag_graph *g, struct sink *s, const char *name,
    enum kag_type t, struct kag_json *j, struct kag_buf *b)
{
	enum kag_type rt;
	const char *line;
	size_t pos = 0, len, n = 0;

	put(s, "\"", 1);
	puts_(s, name);
	put(s, "\":[", 3);
	while (kag_graph_next(g, &pos, &rt, &line, &len)) {
		if (rt != t)
			continue;
		if (n++ > 0)
			put(s, ",", 1);
		put(s, "\n", 1);
		element(s, line, len, t, j, b);
	}
	put(s, "],\n", 3);
}

static void
document(
    const struct kag_graph *g, struct sink *s, const char *when, int memories)
{
	struct kag_json *j = kag_json_new();
	struct kag_buf b = KAG_BUF_INIT;
	struct kag_counts c;
	uint64_t h = 0xcbf29ce484222325u;
	enum kag_type t;
	const char *line;
	size_t pos = 0, len;

	/* The id is the content's: the same cut gives the same document. */
	while (kag_graph_next(g, &pos, &t, &line, &len))
		h = fnv(h, line, len + 1); /* the LF too: lines stay apart */
	kag_graph_counts(g, &c);
	kag_buf_addf(
	    &b, "{\"export_id\":\"exp_%016jx\",\"exported_at\":", (uintmax_t)h);
	kag_buf_add_json_string(&b, when, strlen(when));
	kag_buf_adds(&b, ",\"source_graph\":\"default\",\n");
	put(s, b.buf, b.len);
	array(g, s, "nodes", KAG_REC_NODE, j, &b);
	array(g, s, "edges", KAG_REC_EDGE, j, &b);
	array(g, s, "hyperedges", KAG_REC_HYPEREDGE, j, &b);
	if (memories)
		array(g, s, "memories", KAG_REC_MEMORY, j, &b);
	kag_buf_reset(&b);
	kag_buf_addf(&b,
	    "\"stats\":{\"total_nodes\":%ju,\"total_edges\":%ju,"
	    "\"total_hyperedges\":%ju",
	    c.nodes, c.edges, c.hyperedges);
	if (memories)
		kag_buf_addf(&b, ",\"total_memories\":%ju", c.memories);
	kag_buf_adds(&b, "}}\n");
	put(s, b.buf, b.len);
	kag_buf_release(&b);
	kag_json_free(j);
}

int
kag_export_write(const struct kag_graph *g, struct kag_writer *w,
    unsigned flags, const char *header, size_t hlen, const char *when,
    uintmax_t *size)
{
	struct sink s = { w, 0, 0 };
	struct kag_buf b = KAG_BUF_INIT;
	struct kag_counts c;
	enum kag_type t;
	const char *line;
	size_t pos = 0, len;

	if (flags & KAG_EXPORT_JSON) {
		document(g, &s, when, (flags & KAG_EXPORT_MEMORIES) != 0);
	} else {
		put(&s, header, hlen);
		put(&s, "\n", 1);
		/* The arena holds each line with its LF. */
		while (kag_graph_next(g, &pos, &t, &line, &len))
			put(&s, line, len + 1);
		if (!(flags & KAG_EXPORT_NO_TRAILER)) {
			kag_graph_counts(g, &c);
			kag_counts_format_trailer(&c, &b);
			kag_buf_addc(&b, '\n');
			put(&s, b.buf, b.len);
			kag_buf_release(&b);
		}
	}
	*size = s.n;
	return s.failed ? -1 : 0;
}
