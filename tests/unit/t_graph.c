/* t_graph.c: unit tests of the in-memory graph and its cut (graph.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kag.h"
#include "tap.h"

static struct kag_json *json;
static struct kag_buf err = KAG_BUF_INIT;

/* Add one line as a record; 0, or -1 when it is not one. */
static int
add(struct kag_graph *g, const char *line)
{
	struct kag_record r;

	if (kag_record_parse(&r, json, line, strlen(line), &err) < 0)
		return -1;
	kag_graph_add(g, &r);
	return 0;
}

/* The marked lines, each followed by '|'. */
static const char *
kept(const struct kag_graph *g)
{
	static struct kag_buf b = KAG_BUF_INIT;
	enum kag_type t;
	const char *line;
	size_t pos = 0, len;

	kag_buf_reset(&b);
	kag_buf_adds(&b, "");
	while (kag_graph_next(g, &pos, &t, &line, &len)) {
		kag_buf_add(&b, line, len);
		kag_buf_addc(&b, line[len] == '\n' ? '|' : '?');
	}
	return b.buf;
}

static void
cut(struct kag_graph *g, const char *id, unsigned long depth,
    enum kag_direction dir)
{
	struct kag_cut c = { 0 };
	const char *ids[1];

	ids[0] = id;
	c.ids = ids;
	c.nids = 1;
	c.depth = depth;
	c.dir = dir;
	kag_graph_cut(g, &c);
}

/* A chain n0 -> n1 -> ... -> n(k-1): ids through several table growths. */
static void
chain(void)
{
	struct kag_graph *g = kag_graph_new(0);
	struct kag_counts c;
	char line[128];
	int i, k = 5000, bad = 0;

	for (i = 0; i < k; i++) {
		snprintf(line, sizeof(line),
		    "{\"type\":\"node\",\"id\":\"n%d\"}", i);
		bad += add(g, line) < 0;
	}
	for (i = 0; i + 1 < k; i++) {
		snprintf(line, sizeof(line),
		    "{\"type\":\"edge\",\"src\":\"n%d\",\"dst\":\"n%d\"}", i,
		    i + 1);
		bad += add(g, line) < 0;
	}
	ok(bad == 0, "chain: every line is a record");
	for (i = 0, bad = 0; i < k; i++) {
		snprintf(line, sizeof(line), "n%d", i);
		bad += !kag_graph_has(g, line, strlen(line));
	}
	ok(bad == 0, "chain: every id found after the table grew");
	ok(!kag_graph_has(g, "n5000", 5), "chain: an id never added is not");
	ok(!kag_graph_has(g, "n1", 1), "chain: a prefix is not an id");
	cut(g, "n100", 10, KAG_DIR_OUT);
	kag_graph_counts(g, &c);
	ok(c.nodes == 11 && c.edges == 10, "chain: 10 hops out, 11 nodes");
	cut(g, "n100", 10, KAG_DIR_IN);
	kag_graph_counts(g, &c);
	ok(c.nodes == 11 && c.edges == 10, "chain: 10 hops in, 11 nodes");
	cut(g, "n100", 10, KAG_DIR_BOTH);
	kag_graph_counts(g, &c);
	ok(c.nodes == 21 && c.edges == 20, "chain: 10 hops both ways, 21");
	cut(g, "n0", 0, KAG_DIR_BOTH);
	ok(strcmp(kept(g), "{\"type\":\"node\",\"id\":\"n0\"}|") == 0,
	    "chain: depth 0 is the root alone: %s", kept(g));
	/* A record added after a cut: the adjacency is built again. */
	add(g, "{\"type\":\"edge\",\"src\":\"n0\",\"dst\":\"n4999\"}");
	cut(g, "n0", 1, KAG_DIR_OUT);
	kag_graph_counts(g, &c);
	ok(c.nodes == 3 && c.edges == 2, "chain: an edge added after a cut");
	kag_graph_free(g);
}

/* Ids too long for a slot, and ids that share a long prefix. */
static void
longids(void)
{
	struct kag_graph *g = kag_graph_new(0);
	char line[128], id[64];
	int i, bad = 0;

	for (i = 0; i < 3000; i++) {
		snprintf(line, sizeof(line),
		    "{\"type\":\"node\",\"id\":\"a long identifier %d\"}", i);
		bad += add(g, line) < 0;
	}
	for (i = 0; i < 3000; i++) {
		snprintf(id, sizeof(id), "a long identifier %d", i);
		bad += !kag_graph_has(g, id, strlen(id));
	}
	ok(bad == 0, "long ids: every one found after the table grew");
	ok(!kag_graph_has(g, "a long identifier 30000", 23) &&
		!kag_graph_has(g, "a long identifier", 17) &&
		kag_graph_has(g, "a long identifier 29", 20),
	    "long ids: a longer one or a prefix is not one");
	ok(!kag_graph_has(g, "a long identifier 3000", 22),
	    "long ids: one never added is not");
	kag_graph_free(g);
}

static void
cases(void)
{
	struct kag_graph *g = kag_graph_new(1);
	struct kag_counts c;
	size_t n;

	add(g, "{\"type\":\"metadata\",\"format_version\":\"1.0\"}");
	add(g, "{\"type\":\"metadata\",\"format_version\":\"1.1\"}");
	add(g,
	    "{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"k\","
	    "\"value\":1}");
	add(g,
	    "{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"k\","
	    "\"value\":2,\"user_id\":\"bob\"}");
	add(g, "{\"type\":\"node\",\"id\":\"a\\u00e9\"}");
	add(g,
	    "{\"type\":\"node\",\"id\":\"m\",\"node_type\":\"memory\","
	    "\"data\":{\"key\":\"\\u006b\",\"user_id\":\"bob\"}}");
	add(g, "{\"type\":\"node\",\"id\":\"x\"}");
	add(g,
	    "{\"type\":\"edge\",\"source\":\"x\",\"target\":\"a\xc3\xa9\","
	    "\"directed\":false}");
	add(g,
	    "{\"type\":\"hyperedge\",\"id\":\"h\",\"nodes\":[\"m\","
	    "\"ghost\",\"x\"]}");
	add(g,
	    "{\"type\":\"end\",\"stats\":{\"memories\":2,\"graph_nodes\":3,"
	    "\"graph_edges\":1,\"hyperedges\":1}}");
	ok(strcmp(kag_graph_header(g, &n),
	       "{\"type\":\"metadata\",\"format_version\":\"1.0\"}") == 0,
	    "the first header is kept");
	ok(kag_graph_has(g, "a\xc3\xa9", 3), "an escaped id is found decoded");
	ok(!kag_graph_has(g, "ghost", 5), "a member alone is no node");
	cut(g, "a\xc3\xa9", 1, KAG_DIR_OUT);
	kag_graph_counts(g, &c);
	ok(c.nodes == 2 && c.edges == 1 && c.hyperedges == 1,
	    "an undirected edge is followed against its direction");
	cut(g, "a\xc3\xa9", 2, KAG_DIR_OUT);
	kag_graph_counts(g, &c);
	ok(c.nodes == 3, "a hyperedge's members are one hop apart");
	{
		struct kag_cut k = { 0 };
		const char *ids[1] = { "m" };

		k.ids = ids;
		k.nids = 1;
		k.memories = 1;
		k.no_edges = 1;
		kag_graph_cut(g, &k);
	}
	ok(strcmp(kept(g),
	       "{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"k\","
	       "\"value\":2,\"user_id\":\"bob\"}|{\"type\":\"node\",\"id\":"
	       "\"m\",\"node_type\":\"memory\",\"data\":{\"key\":\"\\u006b\","
	       "\"user_id\":\"bob\"}}|") == 0,
	    "a memory node brings its owner's memory, no edges: %s", kept(g));
	kag_graph_keep_all(g);
	kag_graph_counts(g, &c);
	ok(c.memories == 2 && c.nodes == 3 && c.edges == 1 && c.hyperedges == 1,
	    "keep_all marks every record but headers and trailers");
	kag_graph_free(g);

	g = kag_graph_new(0);
	add(g,
	    "{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"k\","
	    "\"value\":1}");
	add(g,
	    "{\"type\":\"node\",\"id\":\"m\",\"node_type\":\"memory\","
	    "\"data\":{\"key\":\"k\"}}");
	kag_graph_keep_all(g);
	kag_graph_counts(g, &c);
	ok(c.memories == 0 && c.nodes == 1,
	    "without memories, memory records are not kept");
	ok(kag_graph_header(g, &n) == NULL, "no header: NULL");
	kag_graph_free(g);
	kag_graph_free(NULL);
}

int
main(void)
{
	json = kag_json_new();
	chain();
	longids();
	cases();
	kag_json_free(json);
	kag_buf_release(&err);
	return tap_done();
}
