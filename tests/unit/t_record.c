/* t_record.c: records, segments, trailers and directory operands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kag.h"
#include "tap.h"

static char tmpdir[] = "/tmp/t_record.XXXXXX";

/* Parse one line; return the error text or "" (static storage). */
static const char *
parse(const char *line, struct kag_record *r)
{
	static struct kag_buf err = KAG_BUF_INIT;
	static struct kag_json *j;

	if (j == NULL)
		j = kag_json_new();
	if (kag_record_parse(r, j, line, strlen(line), &err) == 0)
		return "";
	return err.buf;
}

static void
diag(void *ctx, const struct kag_diag *d)
{
	struct kag_buf *b = ctx;
	const char *f = strrchr(d->file, '/');

	kag_buf_addf(b, "%s:%ju: %s: %s\n", f ? f + 1 : d->file, d->line,
	    d->severity == KAG_ERROR ? "error" : "warning", d->msg);
}

static char *
put(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* Read an operand to its end; the types seen ("MmneHE") and the messages. */
static int
readall(const char *path, struct kag_buf *types, struct kag_buf *msgs)
{
	struct kag_input *in;
	struct kag_record r;
	int rc;

	kag_buf_reset(types);
	kag_buf_reset(msgs);
	kag_buf_adds(msgs, "");
	kag_buf_adds(types, "");
	if ((in = kag_input_open(path, diag, msgs)) == NULL)
		return -2;
	while ((rc = kag_input_next(in, &r)) > 0) {
		kag_buf_addc(types, "?HMNEYT"[r.type]);
		if (kag_input_bare(in))
			kag_buf_addc(types, '*');
	}
	rc = rc < 0 ? -1 : kag_input_status(in);
	kag_input_close(in);
	return rc;
}

static int
skip_all(void *ctx, const char *line, size_t len)
{
	(void)line;
	(void)len;
	++*(int *)ctx;
	return 1;
}

int
main(void)
{
	struct kag_record r;
	struct kag_buf t = KAG_BUF_INIT, m = KAG_BUF_INIT, b = KAG_BUF_INIT;
	struct kag_counts c = { 1, 2, 3, 4 };
	const char *s;
	size_t n;
	int rc, skipped = 0;
	unsigned long major, minor;
	struct kag_input *in;

	if (mkdtemp(tmpdir) == NULL)
		return 2;

	/* One record of each type, and their fields. */
	ok(*parse("{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"k\","
		  "\"value\":NaN,\"user_id\":\"ali\\u0063e\"}",
	       &r) == '\0' &&
		r.type == KAG_REC_MEMORY,
	    "memory with NaN value and escaped user_id");
	kag_record_user_id(&r, &b, &s, &n);
	ok(n == 5 && memcmp(s, "alice", 5) == 0, "escaped user_id decodes");
	ok(kag_record_str_eq(&r, KAG_F_SCOPE, "working", 7), "str_eq scope");
	ok(*parse("{\"type\": \"memory\", \"scope\": \"persistent\", \"key\": "
		  "\"k\", \"value\": 1}",
	       &r) == '\0',
	    "Python spacing");
	kag_record_user_id(&r, &b, &s, &n);
	ok(n == 12 && memcmp(s, "default_user", 12) == 0,
	    "no user_id is default_user");
	ok(*parse("{\"type\":\"edge\",\"source\":\"a\",\"target\":\"b\","
		  "\"edge_type\":\"manages\"}",
	       &r) == '\0' &&
		r.f[KAG_F_SRC] >= 0 && r.f[KAG_F_DST] >= 0 &&
		r.f[KAG_F_REL_TYPE] >= 0 && r.f[KAG_F_EDGE_TYPE] < 0,
	    "HyperMemory edge spelling");
	ok(*parse(
	       "{\"type\":\"hyperedge\",\"id\":\"h\",\"nodes\":[\"a\",\"b\"]}",
	       &r) == '\0',
	    "hyperedge");
	ok(*parse("{\"type\":\"metadata\",\"format_version\":\"1.12\"}", &r) ==
		'\0',
	    "header");
	kag_record_version(&r, &major, &minor);
	ok(major == 1 && minor == 12, "version 1.12");
	ok(*parse("{\"type\":\"end\",\"stats\":{\"memories\":1,\"graph_nodes\":"
		  "2,\"graph_edges\":3,\"hyperedges\":4}}",
	       &r) == '\0',
	    "trailer");

	/* Rejections, with their messages. */
	ok(strcmp(parse("[1]", &r), "record is not a JSON object") == 0,
	    "array refused");
	ok(strcmp(parse("{\"type\":1}", &r), "field 'type' is not a string") ==
		0,
	    "type not a string");
	ok(strcmp(parse("{\"type\":\"thing\"}", &r),
	       "unknown record type 'thing'") == 0,
	    "unknown type");
	ok(strcmp(parse("{\"type\":\"memory\",\"scope\":\"working\","
			"\"value\":1}",
		      &r),
	       "missing field 'key'") == 0,
	    "missing key");
	ok(strcmp(parse("{\"type\":\"memory\",\"scope\":\"temp\",\"key\":\"k\","
			"\"value\":1}",
		      &r),
	       "scope 'temp' is neither 'working' nor 'persistent'") == 0,
	    "bad scope");
	ok(strcmp(
	       parse("{\"type\":\"memory\",\"scope\":\"working\",\"key\":"
		     "\"k\",\"value\":1,\"user_id\":\"a\",\"user_id\":\"b\"}",
		   &r),
	       "duplicate key 'user_id'") == 0,
	    "duplicate user_id refused");
	ok(strcmp(parse("{\"type\":\"memory\",\"scope\":\"working\",\"key\":"
			"\"k\",\"value\":1,\"user\\u005fid\":\"a\","
			"\"user_id\":\"b\"}",
		      &r),
	       "duplicate key 'user_id'") == 0,
	    "escaped duplicate user_id refused");
	ok(strcmp(parse("{\"type\":\"node\",\"id\":\"n\",\"x\":1,\"x\":2}", &r),
	       "duplicate key 'x'") == 0,
	    "duplicate unknown key");
	ok(strcmp(parse("{\"type\":\"node\",\"id\":\"n\",\"data\":{\"w\":NaN}}",
		      &r),
	       "NaN or Infinity outside 'value' and 'metadata'") == 0,
	    "NaN outside value");
	ok(strncmp(parse("{\"type\":\"node\",\"id\":\"n\",}", &r),
	       "invalid JSON: ", 14) == 0,
	    "invalid JSON names itself");
	ok(strcmp(
	       parse("{\"type\":\"hyperedge\",\"id\":\"h\",\"nodes\":[\"a\"]}",
		   &r),
	       "field 'nodes' names fewer than 2 nodes") == 0,
	    "hyperedge of one");
	ok(strcmp(parse("{\"type\":\"edge\",\"src\":\"a\",\"dst\":\"b\","
			"\"weight\":\"x\"}",
		      &r),
	       "field 'weight' is not a number") == 0,
	    "weight not a number");
	ok(strcmp(parse("{\"type\":\"edge\",\"src\":\"a\",\"source\":\"a\","
			"\"dst\":\"b\"}",
		      &r),
	       "both 'src' and 'source' given") == 0,
	    "src and source");
	ok(strcmp(parse("{\"type\":\"metadata\",\"format_version\":\"1\"}", &r),
	       "format_version '1' is not MAJOR.MINOR") == 0,
	    "version shape");
	ok(*parse("{\"type\":\"end\",\"stats\":{\"memories\":1}}", &r) != '\0',
	    "trailer with missing counts");
	ok(*parse(
	       "{\"type\":\"end\",\"stats\":{\"memories\":-1,\"graph_nodes\":"
	       "2,\"graph_edges\":3,\"hyperedges\":4}}",
	       &r) != '\0',
	    "trailer with a negative count");

	kag_buf_reset(&b);
	kag_counts_format_trailer(&c, &b);
	ok(strcmp(b.buf,
	       "{\"type\":\"end\",\"stats\":{\"memories\":1,"
	       "\"graph_nodes\":2,\"graph_edges\":3,\"hyperedges\":4}}") == 0,
	    "trailer format");
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	kag_buf_reset(&b);
	kag_format_header(&b, "kag-test 1", 1);
	ok(strcmp(b.buf,
	       "{\"type\":\"metadata\",\"format_version\":\"1.0\","
	       "\"exported_at\":\"2023-11-14T22:13:20Z\","
	       "\"generator\":\"kag-test 1\"}") == 0,
	    "header with SOURCE_DATE_EPOCH");

#define HDR "{\"type\":\"metadata\",\"format_version\":\"1.0\"}\n"
#define MEM                                                                    \
	"{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"k\",\"value\":"  \
	"1}\n"
#define NODE "{\"type\":\"node\",\"id\":\"n\"}\n"
#define END(m, n)                                                              \
	"{\"type\":\"end\",\"stats\":{\"memories\":" #m ",\"graph_nodes\":" #n \
	",\"graph_edges\":0,\"hyperedges\":0}}\n"

	/* Segments. */
	rc = readall(put("a", HDR MEM MEM NODE END(2, 1)), &t, &m);
	ok(rc == 0 && strcmp(t.buf, "HMMNT") == 0 && m.len == 0,
	    "one whole segment");
	rc = readall(put("a", HDR MEM MEM NODE), &t, &m);
	ok(rc == 1 &&
		strcmp(m.buf,
		    "a:1: error: header has no trailer: the "
		    "stream was cut short\n") == 0,
	    "cut segment reported at its header");
	rc = readall(put("a", HDR MEM END(2, 0)), &t, &m);
	ok(rc == 1 &&
		strstr(m.buf, "a:3: error: trailer counts disagree") == m.buf,
	    "trailer counts disagree");
	rc = readall(put("a", MEM NODE), &t, &m);
	ok(rc == 0 && strcmp(t.buf, "M*N") == 0 && m.len == 0,
	    "bare stream: first record marked");
	rc = readall(put("a", MEM END(1, 0) HDR NODE END(0, 1) MEM), &t, &m);
	ok(rc == 0 && strcmp(t.buf, "M*THNTM*") == 0 && m.len == 0,
	    "bare part, segment, bare part");
	rc = readall(put("a", HDR MEM HDR NODE END(0, 1)), &t, &m);
	ok(rc == 1 &&
		strcmp(m.buf,
		    "a:1: error: header has no trailer: the "
		    "stream was cut short\n") == 0,
	    "a header without trailer before the next header");
	rc = readall(put("a",
			 MEM "{\"type\":\"metadata\",\"format_version\":"
			     "\"2.0\"}\n" MEM),
	    &t, &m);
	ok(rc == -1 && strcmp(t.buf, "M*") == 0 &&
		strcmp(m.buf,
		    "a:2: error: unsupported format_version '2.0': "
		    "this kag reads 1.x\n") == 0,
	    "major 2 refused, nothing after it used");
	rc = readall(put("a",
			 "{\"type\":\"metadata\",\"format_version\":"
			 "\"1.9\",\"new\":1}\n" MEM END(1, 0)),
	    &t, &m);
	ok(rc == 0 && strcmp(t.buf, "HMT") == 0, "minor 1.9 read");
	rc = readall(put("a", HDR MEM "{oops\n" MEM END(2, 0)), &t, &m);
	ok(rc == 1 && strcmp(t.buf, "HMMT") == 0 &&
		strncmp(m.buf, "a:3: error: invalid JSON: ", 26) == 0,
	    "bad line reported, the rest read");

	/* The skip hook counts lines it skips. */
	put("a",
	    HDR MEM "{\"type\": \"memory\", \"scope\": \"working\", "
		    "\"key\": \"k\", \"value\": 1}\n" NODE END(2, 1));
	in = kag_input_open(put("a",
				HDR MEM "{\"type\": \"memory\", \"scope\": "
					"\"working\", \"key\": \"k\", "
					"\"value\": 1}\n" NODE END(2, 1)),
	    diag, &m);
	kag_buf_reset(&m);
	kag_input_set_skip(in, skip_all, &skipped);
	kag_buf_reset(&t);
	while (kag_input_next(in, &r) > 0)
		kag_buf_addc(&t, "?HMNEYT"[r.type]);
	ok(skipped == 2 && strcmp(t.buf, "HNT") == 0 && m.len == 0 &&
		kag_input_status(in) == 0,
	    "skipped memories still count for the trailer");
	kag_input_close(in);

	/* A Kagura export directory. */
	kag_buf_reset(&b);
	kag_buf_addf(&b, "%s/exp", tmpdir);
	mkdir(b.buf, 0777);
	put("exp/memories.jsonl", MEM MEM);
	put("exp/graph.jsonl", NODE);
	put("exp/metadata.json",
	    "{\n  \"stats\": {\n    \"memories\": 2,\n"
	    "    \"graph_nodes\": 1,\n    \"graph_edges\": "
	    "0\n  },\n  \"format_version\": \"1.0\"\n}");
	rc = readall(b.buf, &t, &m);
	ok(rc == 0 && strcmp(t.buf, "MMN") == 0 && m.len == 0,
	    "export directory");
	put("exp/metadata.json",
	    "{\"stats\": {\"memories\": 3, \"graph_nodes\""
	    ": 1, \"graph_edges\": 0}, \"format_version\": "
	    "\"1.0\"}");
	rc = readall(b.buf, &t, &m);
	ok(rc == 1 &&
		strcmp(m.buf,
		    "metadata.json:0: error: stats say 3 "
		    "memories but the files hold 2\n") == 0,
	    "directory stats disagree");
	put("exp/metadata.json",
	    "{\"stats\": {\"memories\": 2, \"graph_nodes\""
	    ": 1, \"graph_edges\": 0}, \"format_version\": "
	    "\"2.1\"}");
	rc = readall(b.buf, &t, &m);
	ok(rc == -1 && t.len == 0 &&
		strcmp(m.buf,
		    "metadata.json:0: error: unsupported "
		    "format_version '2.1': this kag reads 1.x\n") == 0,
	    "directory of major 2 refused before any record");
	rc = readall(
	    put("exp/metadata.json", "{\"format_version\": \"1.0\"}"), &t, &m);
	ok(rc == 1, "metadata.json as a file is a bad stream");
	unlink(put("exp/metadata.json", ""));
	ok(readall(b.buf, &t, &m) == -2, "directory without metadata.json");

	kag_buf_release(&t);
	kag_buf_release(&m);
	kag_buf_release(&b);
	return tap_done();
}
