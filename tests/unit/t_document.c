/* t_document.c: unit tests for HyperMemory documents read as records
 * (lib/document.c and its hook in lib/input.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kag.h"
#include "tap.h"

static char path[64];

/* Problems reported, one "line: msg" a line. */
static struct kag_buf said = KAG_BUF_INIT;

static void
collect(void *ctx, const struct kag_diag *d)
{
	(void)ctx;
	kag_buf_addf(&said, "%ju: %s\n", d->line, d->msg);
}

static void
put(const char *text, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(text, 1, n, f) != n || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

/*
 * Read text as an input, bufsize bytes a read (0: the default): its
 * records, "line type line-text\n" each, into out; whether it was taken
 * for a document into *doc; problems into said.  Returns what the last
 * kag_input_next() said.
 */
static int
input(const char *text, size_t bufsize, struct kag_buf *out, int *doc)
{
	struct kag_input *in;
	struct kag_record rec;
	int rc;

	put(text, strlen(text));
	kag_buf_reset(out);
	kag_buf_reset(&said);
	if ((in = kag_input_open(path, collect, NULL)) == NULL)
		return -2;
	if (bufsize > 0)
		kag_reader_set_bufsize(kag_input_reader(in), bufsize);
	*doc = kag_input_document(in);
	while ((rc = kag_input_next(in, &rec)) > 0)
		kag_buf_addf(out, "%ju %s %.*s\n", kag_input_lineno(in),
		    kag_type_name(rec.type), (int)rec.len, rec.line);
	kag_input_close(in);
	return rc;
}

/* The problems a text gives, "line: msg\n" each. */
static const char *
problems(const char *text)
{
	struct kag_buf out = KAG_BUF_INIT;
	int doc;

	input(text, 0, &out, &doc);
	kag_buf_release(&out);
	return said.len > 0 ? said.buf : "";
}

/* ok() on got being want, showing got when it is not. */
static void
same(const char *got, const char *want, const char *name)
{
	const char *p, *e;

	if (ok(strcmp(got, want) == 0, "%s", name))
		return;
	for (p = got; *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		printf("#   got: %.*s\n", (int)(e - p), p);
	}
}

static void
test_sniff(void)
{
	static const struct {
		const char *line;
		int want;
	} t[] = {
		{ "{", 1 },
		{ "  {  ", 1 },
		{ "[", 1 },
		{ "{\"jsonrpc\": \"2.0\",", 1 },
		{ "{\"export_id\":\"e\",\"exported_at\":\"t\",", 1 },
		{ "{\"nodes\": [", 1 },
		{ "{\"result\":", 1 },
		{ "{\"nodes\":[]}", 2 },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"nodes\":[]}}",
		    2 },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{}}", 2 },
		{ "{\"export_id\":\"x\"}", 2 },
		{ "{\"type\":\"node\",\"id\":\"n\",\"nodes\":[]}", 0 },
		{ "{\"type\":\"memory\",\"scope\":", 0 },
		{ "{\"type\":\"memory\",\"sco", 0 },
		{ "{\"bad\"", 0 },
		{ "{\"a\":1}", 0 },
		{ "[1,2]", 0 },
		{ "\"{\"", 0 },
		{ "", 0 },
		{ "{\"s\":\"a,", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(*t); i++)
		ok(kag_document_sniff(t[i].line, strlen(t[i].line)) ==
			t[i].want,
		    "sniff '%s' is %d", t[i].line, t[i].want);
}

static const char reply[] =
    "{\n"
    "  \"jsonrpc\": \"2.0\",\n"
    "  \"id\": 1,\n"
    "  \"result\": {\n"
    "    \"export_id\": \"exp_xyz789\",\n"
    "    \"stats\": {\"total_nodes\": 2, \"total_edges\": 1, "
    "\"total_hyperedges\": 1},\n"
    "    \"hyperedges\": [\n"
    "      {\"id\": \"h\", \"nodes\": [\"a\", \"b\", \"zz\"]}\n"
    "    ],\n"
    "    \"edges\": [\n"
    "      {\"id\": \"e\", \"source\": \"a\", \"target\": \"b\",\n"
    "       \"edge_type\": \"knows\", \"metadata\": {}}\n"
    "    ],\n"
    "    \"nodes\": [\n"
    "      {\n"
    "        \"id\": \"a\",\n"
    "        \"metadata\": {\"team\": \"backend\", \"n\": [1, 2]}\n"
    "      },\n"
    "\n"
    "      {\"id\": \"b\", \"content\": \"caf\\u00e9 \\\"x\\\"\"}\n"
    "    ]\n"
    "  }\n"
    "}\n";

static const char reply_records[] =
    "15 node {\"type\":\"node\",\"id\":\"a\",\"metadata\":{\"team\":"
    "\"backend\",\"n\":[1,2]}}\n"
    "20 node {\"type\":\"node\",\"id\": \"b\", \"content\": \"caf\\u00e9 "
    "\\\"x\\\"\"}\n"
    "11 edge {\"type\":\"edge\",\"id\":\"e\",\"source\":\"a\",\"target\":"
    "\"b\",\"edge_type\":\"knows\",\"metadata\":{}}\n"
    "8 hyperedge {\"type\":\"hyperedge\",\"id\": \"h\", \"nodes\": "
    "[\"a\", \"b\", \"zz\"]}\n";

static void
test_read(void)
{
	struct kag_buf out = KAG_BUF_INIT, text = KAG_BUF_INIT;
	const char *last;
	size_t n;
	int rc, doc, all = 1;

	rc = input(reply, 0, &out, &doc);
	ok(rc == 0 && doc, "a pretty JSON-RPC reply is a document");
	same(out.buf, reply_records,
	    "its members come out typed, in kag(5) order, with the lines they "
	    "start on: byte for byte, or compact when they span lines");
	same(said.len ? said.buf : "", "", "and no problem");

	/* Every chunk boundary, as yajl's tests do. */
	for (n = 1; n <= 31; n++) {
		rc = input(reply, n, &out, &doc);
		if (rc != 0 || !doc || strcmp(out.buf, reply_records) != 0)
			all = 0;
	}
	ok(all, "the same records at every read size from 1 to 31");

	rc = input("\n\n{\"nodes\":[{\"id\":\"a\"},{\"id\":\"b\"}],"
		   "\"memories\":[{\"type\":\"memory\",\"scope\":\"working\","
		   "\"key\":\"k\",\"value\":1}],\"stats\":{\"total_nodes\":2,"
		   "\"total_memories\":1}}\n\n",
	    0, &out, &doc);
	ok(rc == 0 && doc && said.len == 0,
	    "a compact document after blank lines");
	same(out.buf,
	    "3 memory {\"type\":\"memory\",\"scope\":\"working\",\"key\":\"k\","
	    "\"value\":1}\n"
	    "3 node {\"type\":\"node\",\"id\":\"a\"}\n"
	    "3 node {\"type\":\"node\",\"id\":\"b\"}\n",
	    "memories first, each record on the document's line");

	rc = input("{\"node\\u0073\": [{\"id\": \"a\"}, {}, 7],\n"
		   "\"edges\": []}\n",
	    0, &out, &doc);
	same(out.buf, "1 node {\"type\":\"node\",\"id\": \"a\"}\n",
	    "a key spelled with escapes is read too");
	same(said.buf, "1: missing field 'id'\n1: node is not a JSON object\n",
	    "and members that are no records are said");

	rc = input("{\"type\":\"node\",\"id\":\"a\"}\n{\"type\":\"node\","
		   "\"id\":\"b\"}\n",
	    0, &out, &doc);
	ok(rc == 0 && !doc, "a stream is not a document");
	same(out.buf,
	    "1 node {\"type\":\"node\",\"id\":\"a\"}\n"
	    "2 node {\"type\":\"node\",\"id\":\"b\"}\n",
	    "and its first line is a record as before");

	/* Many members on one line, without a LF at the end. */
	kag_buf_adds(&text, "{\"nodes\":[");
	for (n = 0; n < 200000; n++)
		kag_buf_addf(&text,
		    "%s{\"id\":\"n%zu\",\"metadata\":{\"i\":%zu}}",
		    n ? "," : "", n, n);
	kag_buf_addf(&text, "],\"stats\":{\"total_nodes\":%zu}}", n);
	rc = input(text.buf, 0, &out, &doc);
	out.buf[--out.len] = '\0';
	last = strrchr(out.buf, '\n');
	ok(rc == 0 && doc && said.len == 0 && last != NULL,
	    "200000 nodes on one line");
	same(last != NULL ? last + 1 : "",
	    "1 node {\"type\":\"node\",\"id\":\"n199999\",\"metadata\":{\"i\":"
	    "199999}}",
	    "the last of them");
	kag_buf_release(&text);
	kag_buf_release(&out);
}

static void
test_problems(void)
{
	static const struct {
		const char *text, *want, *name;
	} t[] = {
		{ "{\n\"nodes\": [\n{\"id\": \"a\",},\n{\"id\": \"b\"}\n]}\n",
		    "3: invalid JSON: trailing comma (column 11)\n",
		    "invalid JSON inside a member" },
		{ "{\n\"nodes\": [\n{\"id\": \"a\"}\n{\"id\": \"b\"}\n]}\n",
		    "4: invalid JSON: missing comma (column 1)\n",
		    "a missing comma between members" },
		{ "{\n\"nodes\": [\n{\"id\": \"a\"},\n]}\n",
		    "3: invalid JSON: trailing comma (column 12)\n",
		    "a trailing comma after the last member" },
		{ "{\n\"nodes\": [{\"id\": \"a\"}],\n\"stats\": {\n"
		  "\"total_nodes\": 3, \"total_edges\": 0}}\n",
		    "4: stats say 3 nodes but the document holds 1\n",
		    "stats that disagree" },
		{ "{\n\"nodes\": [],\n\"stats\": {\"total_edges\": -1}}\n",
		    "3: 'stats.total_edges' is not a count\n",
		    "a count that is not one" },
		{ "{\"jsonrpc\": \"2.0\", \"id\": 1,\n \"error\": {\"code\": "
		  "-32001, \"message\": \"NODE_NOT_FOUND: node_x\"}}\n",
		    "2: JSON-RPC error -32001: 'NODE_NOT_FOUND: node_x'\n",
		    "a JSON-RPC error reply" },
		{ "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[1]}",
		    "1: JSON-RPC result is not an object\n",
		    "a result that is not an object" },
		{ "[\n{\"nodes\": []}\n]\n",
		    "1: document is not a JSON object\n",
		    "a document that is not an object" },
		{ "{\n\"export_id\": \"x\"}\n",
		    "1: no 'nodes' array: not a HyperMemory document\n",
		    "no nodes" },
		{ "{\n\"nodes\": [],\n\"edges\": {}}\n",
		    "3: 'edges' is not an array\n", "edges that are no array" },
		{ "{\n\"nodes\": [],\n\"nodes\": []}\n",
		    "3: duplicate key 'nodes'\n", "a key twice" },
		{ "{\n\"nodes\": [{\"type\": \"edge\", \"id\": \"a\"}]}\n",
		    "2: 'nodes' holds a record whose type is not 'node'\n",
		    "a member of another type" },
		{ "{\"nodes\":[]}\n\n  x\n",
		    "3: invalid JSON: unexpected text after the value (column "
		    "3)\n",
		    "text after a document on one line" },
		{ "{\n\"nodes\": []\n}\nx\n",
		    "4: invalid JSON: unexpected text after the value (column "
		    "1)\n",
		    "text after a document on lines" },
	};
	char cut[sizeof(reply)];
	size_t i;

	memcpy(cut, reply, sizeof(reply));
	cut[strstr(reply, "\"metadata\": {\"team\"") - reply] = '\0';
	same(problems(cut),
	    "16: invalid JSON: unexpected end of input (column 19)\n",
	    "a document cut short: the end of its last line");
	for (i = 0; i < sizeof(t) / sizeof(*t); i++)
		same(problems(t[i].text), t[i].want, t[i].name);
}

int
main(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/t_document.XXXXXX");
	if ((fd = mkstemp(path)) < 0) {
		printf("Bail out! mkstemp\n");
		return 1;
	}
	close(fd);
	test_sniff();
	test_read();
	test_problems();
	unlink(path);
	kag_buf_release(&said);
	return tap_done();
}
