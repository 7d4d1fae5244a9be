/* t_match.c: unit tests for owners, times, paths, kag_find and kag_match. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kag.h"
#include "tap.h"

static struct kag_json *json;
static struct kag_buf err = KAG_BUF_INIT;

/* Parse line as a record into r; it must be one. */
static void
rec(struct kag_record *r, const char *line)
{
	if (kag_record_parse(r, json, line, strlen(line), &err) < 0) {
		printf("# bad test record: %s: %s\n", err.buf, line);
		exit(1);
	}
}

/* The owner of line as "owner", or "-" when there is none. */
static const char *
owner(const char *line)
{
	static struct kag_buf out = KAG_BUF_INIT;
	struct kag_buf tmp = KAG_BUF_INIT;
	struct kag_record r;
	const char *s;
	size_t n;

	rec(&r, line);
	kag_buf_reset(&out);
	if (kag_record_owner(&r, &tmp, &s, &n) < 0)
		kag_buf_adds(&out, "-");
	else
		kag_buf_add(&out, s, n);
	kag_buf_release(&tmp);
	return out.buf;
}

/* The text of the owner's token in line, or "-". */
static const char *
ownertok(const char *line)
{
	static char out[64];
	struct kag_record r;
	int t;

	rec(&r, line);
	if ((t = kag_record_owner_tok(&r)) < 0)
		return "-";
	snprintf(out, sizeof(out), "%.*s",
	    json->tok[t].end - json->tok[t].start,
	    json->text + json->tok[t].start);
	return out;
}

static void
test_owner(void)
{
	static const char *mem = "{\"type\":\"memory\",\"scope\":\"working\","
				 "\"key\":\"k\",\"value\":1";
	static const char *node = "{\"type\":\"node\",\"id\":\"n\"";
	char line[256];

#define M(rest) (snprintf(line, sizeof(line), "%s%s}", mem, rest), line)
#define N(rest) (snprintf(line, sizeof(line), "%s%s}", node, rest), line)
	ok(strcmp(owner(M(",\"user_id\":\"bob\"")), "bob") == 0,
	    "a memory's owner is its user_id");
	ok(strcmp(owner(M("")), "default_user") == 0,
	    "a memory without user_id belongs to default_user");
	ok(strcmp(ownertok(M("")), "-") == 0, "... and has no owner token");
	ok(strcmp(owner(M(",\"user_id\":\"ali\\u0063e\"")), "alice") == 0,
	    "an escaped user_id is decoded");
	ok(strcmp(ownertok(M(",\"user_id\":\"ali\\u0063e\"")), "ali\\u0063e") ==
		0,
	    "the owner token is the raw user_id string");
	ok(strcmp(owner(M(",\"metadata\":{\"user_id\":\"x\"}")),
	       "default_user") == 0,
	    "a memory's metadata.user_id is not its owner");
	ok(strcmp(owner(N(",\"user_id\":\"top\",\"data\":{\"user_id\":\"d\"}")),
	       "top") == 0,
	    "a node's top-level user_id comes first");
	ok(strcmp(owner(N(",\"data\":{\"user_id\":\"d\"},"
			  "\"metadata\":{\"user_id\":\"m\"}")),
	       "d") == 0,
	    "then data.user_id");
	ok(strcmp(owner(N(",\"metadata\":{\"user_id\":\"m\"}")), "m") == 0,
	    "then metadata.user_id");
	ok(strcmp(owner(N(",\"data\":{\"user_id\":7},"
			  "\"metadata\":{\"user_id\":\"m\"}")),
	       "m") == 0,
	    "a user_id that is not a string is passed over");
	ok(strcmp(ownertok(N(",\"data\":{\"a\":1,\"user_id\":\"d\"}")), "d") ==
		0,
	    "the owner token of a node is where its owner is");
	ok(strcmp(owner(N(",\"data\":{\"x\":{\"user_id\":\"deep\"}}")), "-") ==
		0,
	    "a node without an owner has none (deeper ones do not count)");
	ok(strcmp(owner(N(",\"data\":null")), "-") == 0,
	    "a node with null data has none");
	ok(strcmp(owner("{\"type\":\"edge\",\"src\":\"a\",\"dst\":\"b\","
			"\"rel_type\":\"r\",\"data\":{\"user_id\":\"u\"}}"),
	       "-") == 0,
	    "an edge has no owner");
	ok(strcmp(owner("{\"type\":\"metadata\",\"format_version\":\"1.0\","
			"\"user_id\":\"u\"}"),
	       "-") == 0,
	    "a header has no owner");
#undef M
#undef N
}

/* kag_record_time() of line: its return, and *us. */
static int
when(const char *line, int64_t *us)
{
	struct kag_record r;

	rec(&r, line);
	*us = -1;
	return kag_record_time(&r, us);
}

static void
test_time(void)
{
	int64_t us, t1, t2;

	kag_time_parse("2025-01-01T00:00:00Z", 20, &t1);
	kag_time_parse("2025-06-01T12:00:00.5Z", 22, &t2);
	ok(when("{\"type\":\"node\",\"id\":\"n\","
		"\"created_at\":\"2025-01-01T00:00:00Z\","
		"\"updated_at\":\"2025-06-01T12:00:00.5Z\"}",
	       &us) == 0 &&
		us == t2,
	    "updated_at comes first");
	ok(when("{\"type\":\"node\",\"id\":\"n\","
		"\"created_at\":\"2025-01-01T00:00:00Z\"}",
	       &us) == 0 &&
		us == t1,
	    "created_at when updated_at is absent");
	ok(when("{\"type\":\"node\",\"id\":\"n\",\"updated_at\":null,"
		"\"created_at\":\"2025-01-01T00:00:00Z\"}",
	       &us) == 0 &&
		us == t1,
	    "created_at when updated_at is null");
	ok(when("{\"type\":\"node\",\"id\":\"n\"}", &us) == -1,
	    "-1 without either");
	ok(when("{\"type\":\"node\",\"id\":\"n\",\"updated_at\":null,"
		"\"created_at\":null}",
	       &us) == -1,
	    "-1 when both are null");
	ok(when("{\"type\":\"node\",\"id\":\"n\",\"updated_at\":\"soon\","
		"\"created_at\":\"2025-01-01T00:00:00Z\"}",
	       &us) == -2,
	    "-2 when updated_at does not parse, with no fallback");
	ok(when("{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"k\","
		"\"value\":1,\"updated_at\":\"2025-01-01T00:00:00\\u005a\"}",
	       &us) == 0 &&
		us == t1,
	    "an escaped timestamp is decoded");
}

/* The text of the token path leads to in text, or "-" for -1. */
static const char *
path(const char *text, const char *p)
{
	static char out[128];
	int t;

	if (kag_json_parse(json, text, strlen(text), 0) < 0)
		return "invalid";
	if ((t = kag_json_path(json, 0, p, strlen(p))) < 0)
		return "-";
	snprintf(out, sizeof(out), "%.*s",
	    json->tok[t].end - json->tok[t].start,
	    json->text + json->tok[t].start);
	return out;
}

static void
test_path(void)
{
	static const char *doc =
	    "{\"a\":{\"b\":[10,{\"c\":\"x\"},[7,8]],\"0\":\"zero\"},"
	    "\"k\\u0065y\":\"esc\",\"s\":\"str\",\"\":{\"\":\"empty\"}}";
	static const struct {
		const char *path, *want;
	} v[] = {
		{ "a.b.0", "10" },
		{ "a.b.1.c", "x" },
		{ "a.b.2.1", "8" },
		{ "a.b.01", "{\"c\":\"x\"}" },
		{ "a.b.3", "-" },
		{ "a.b.c", "-" },
		{ "a.b.-1", "-" },
		{ "a.b.1234567890", "-" },
		{ "a.0", "zero" },
		{ "key", "esc" },
		{ "k\\u0065y", "-" },
		{ "s.x", "-" },
		{ "s.0", "-" },
		{ "missing", "-" },
		{ "a.missing.x", "-" },
		{ "a.b.0.x", "-" },
		{ ".", "empty" },
		{ "a.", "-" },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ok(strcmp(path(doc, v[i].path), v[i].want) == 0,
		    "path '%s' leads to '%s' (got '%s')", v[i].path, v[i].want,
		    path(doc, v[i].path));
	ok(strcmp(path(doc, ""), doc) == 0, "the empty path leads to the root");
	ok(strcmp(path("[1,[2,3]]", "1.0"), "2") == 0,
	    "a path may start on an array");
	kag_json_parse(json, "{\"a\":1}", 7, 0);
	ok(kag_json_path(json, -1, "a", 1) == -1, "no token leads nowhere");
	ok(kag_json_path(json, 0, "a.b", 1) == 2, "only path[0..n) is read");
}

/* kag_json_scalar_eq() of the root of text with s. */
static int
eq(const char *text, const char *s)
{
	if (kag_json_parse(json, text, strlen(text), 0) < 0)
		return -1;
	return kag_json_scalar_eq(json, 0, s, strlen(s));
}

static void
test_scalar(void)
{
	ok(eq("\"rust\"", "rust") == 1, "a string equals its text");
	ok(eq("\"ru\\u0073t\"", "rust") == 1, "decoded");
	ok(eq("\"rust\"", "\"rust\"") == 0, "not its JSON text");
	ok(eq("\"rus\"", "rust") == 0 && eq("\"rustt\"", "rust") == 0,
	    "nor a prefix or longer string");
	ok(eq("\"\"", "") == 1, "the empty string equals ''");
	ok(eq("\"1\"", "1") == 1, "a string of digits equals them");
	ok(eq("0.9", "0.9") == 1, "a number equals its text");
	ok(eq("0.90", "0.9") == 0 && eq("0.9", "0.90") == 0,
	    "numbers compare as text: 0.9 is not 0.90");
	ok(eq("1e2", "100") == 0, "1e2 is not 100");
	ok(eq("true", "true") == 1 && eq("false", "false") == 1 &&
		eq("null", "null") == 1,
	    "true, false and null equal their names");
	ok(eq("null", "") == 0 && eq("true", "1") == 0,
	    "null is not '', true is not 1");
	ok(eq("{}", "{}") == 0 && eq("[\"a\"]", "[\"a\"]") == 0 &&
		eq("[]", "") == 0,
	    "objects and arrays never equal");
	kag_json_parse(json, "1", 1, 0);
	ok(kag_json_scalar_eq(json, -1, "", 0) == 0, "no token equals nothing");
}

static const char *
naive(const char *h, size_t n, const char *nd, size_t m)
{
	size_t i;

	for (i = 0; i + m <= n; i++)
		if (memcmp(h + i, nd, m) == 0)
			return h + i;
	return NULL;
}

static void
test_find(void)
{
	char buf[96], hay[80], needle[24];
	size_t n, m, at, off, i, bad = 0, tried = 0;
	const char *got, *want;
	unsigned seed = 1;

	/* A needle planted at every position of haystacks of every length,
	 * at every alignment, over a background that keeps matching its
	 * first and last bytes (false candidates everywhere). */
	for (m = 1; m <= 20; m++) {
		for (i = 0; i < m; i++)
			needle[i] = (char)('a' + i % 3);
		needle[m - 1] = 'z';
		for (n = m; n <= 48; n++) {
			for (at = 0; at + m <= n; at++) {
				for (off = 0; off < 8; off++) {
					for (i = 0; i < n; i++)
						hay[i] = i % 5 == 4 ? 'z' : 'a';
					memcpy(hay + at, needle, m);
					memcpy(buf + off, hay, n);
					got = kag_find(buf + off, n, needle, m);
					want = naive(buf + off, n, needle, m);
					tried++;
					if (got != want)
						bad++;
				}
			}
		}
	}
	ok(bad == 0,
	    "planted needles of 1 to 20 bytes found first, at every "
	    "position and alignment (%zu of %zu wrong)",
	    bad, tried);

	/* Random text over a small alphabet, compared with a naive search. */
	bad = tried = 0;
	for (i = 0; i < 200000; i++) {
		seed = seed * 1103515245 + 12345;
		n = (seed >> 8) % 64;
		m = (seed >> 16) % 12;
		off = (seed >> 20) % 8;
		for (at = 0; at < n; at++) {
			seed = seed * 1103515245 + 12345;
			buf[off + at] = (char)("ab\"\xc3"[(seed >> 16) % 4]);
		}
		for (at = 0; at < m; at++) {
			seed = seed * 1103515245 + 12345;
			needle[at] = (char)("ab\"\xc3"[(seed >> 16) % 4]);
		}
		tried++;
		if (kag_find(buf + off, n, needle, m) !=
		    naive(buf + off, n, needle, m))
			bad++;
	}
	ok(bad == 0, "random searches agree with a naive one (%zu of %zu)", bad,
	    tried);

	memset(hay, 'x', sizeof(hay));
	memcpy(hay + 70, "user_0123456789", 10);
	ok(kag_find(hay, 80, "user_01234", 10) == hay + 70,
	    "a 10-byte needle ending the haystack is found");
	ok(kag_find(hay, 79, "user_01234", 10) == NULL,
	    "not when the haystack stops one byte short");
	memcpy(hay + 60, "user_0X234", 10);
	ok(kag_find(hay, 80, "user_01234", 10) == hay + 70,
	    "a candidate whose ends match but middle does not is passed over");
	ok(kag_find(hay, 5, "xxxxxxxxxx", 10) == NULL,
	    "a needle longer than the haystack is not found");
	ok(kag_find(hay, 0, "", 0) == hay && kag_find(hay, 3, "", 0) == hay,
	    "the empty needle is found at the start");
	ok(kag_find("ab\0cd", 5, "\0c", 2) != NULL,
	    "NUL bytes are bytes like others");
}

/* Parse and judge lines, one per record, by m; "1010..." of verdicts. */
static const char *
judge(struct kag_match *m, const char **lines)
{
	static char out[64];
	struct kag_record r;
	size_t i;

	for (i = 0; lines[i] != NULL && i + 1 < sizeof(out); i++) {
		rec(&r, lines[i]);
		out[i] = kag_match_record(m, &r) ? '1' : '0';
	}
	out[i] = '\0';
	return out;
}

static void
test_match(void)
{
	static const char *in[] = {
		"{\"type\":\"metadata\",\"format_version\":\"1.0\"}",
		"{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"a.1\","
		"\"value\":1,\"user_id\":\"alice\",\"agent_name\":null,"
		"\"updated_at\":\"2025-01-02\"}",
		"{\"type\":\"memory\",\"scope\":\"persistent\",\"key\":\"b\","
		"\"value\":{\"lang\":\"rust\"},\"agent_name\":\"coder\"}",
		"{\"type\":\"node\",\"id\":\"n1\",\"data\":{\"user_id\":"
		"\"alice\"},\"created_at\":\"2025-01-01\"}",
		"{\"type\":\"node\",\"id\":\"n2\",\"user_id\":\"bob\"}",
		"{\"type\":\"node\",\"id\":\"n3\"}",
		"{\"type\":\"edge\",\"src\":\"n1\",\"dst\":\"n3\","
		"\"rel_type\":\"knows\",\"weight\":1.0}",
		"{\"type\":\"edge\",\"source\":\"n1\",\"target\":\"n2\","
		"\"edge_type\":\"knows\"}",
		"{\"type\":\"hyperedge\",\"id\":\"h\",\"nodes\":[\"n2\",\"n3\"]"
		","
		"\"edge_type\":\"g\"}",
		"{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"c\","
		"\"value\":\"x\",\"user_id\":\"ali\\u0063e\",\"agent_name\":"
		"\"\"}",
		"{\"type\":\"end\",\"stats\":{\"memories\":2,\"graph_nodes\":3,"
		"\"graph_edges\":2,\"hyperedges\":1}}",
		NULL,
	};
	static const struct {
		int invert;
		const char *pred; /* "W=arg" by the letters below */
		const char *want;
	} v[] = {
		{ 0, "", "11111111111" },
		{ 0, "U=alice", "11010110111" },
		{ 0, "U=default_user", "10100100101" },
		{ 0, "U=alice U=bob", "11011111111" },
		{ 0, "A=", "11011111101" },
		{ 0, "A=coder", "10111111101" },
		{ 0, "S=persistent", "10111111101" },
		{ 0, "K=a.*", "11011111101" },
		{ 0, "K=?", "10111111111" },
		{ 0, "T=edge", "10000011001" },
		{ 0, "T=memory T=node", "11111100011" },
		{ 0, "F=2025-01-02", "11001100101" },
		{ 0, "F=2025-01-01 L=2025-01-01", "10011111101" },
		{ 0, "W=value.lang=rust", "10111111101" },
		{ 0, "W=dst=n3", "11111110111" },
		{ 0, "W=target=n2", "11111101111" },
		{ 0, "W=source=n1 T=edge", "10000011001" },
		{ 0, "W=edge_type=knows", "11111111011" },
		{ 0, "W=weight=1.0", "11111110111" },
		{ 0, "W=id=n2", "11101000011" },
		{ 0, "W=type=node", "10011100001" },
		{ 1, "S=persistent", "11011111111" },
		{ 1, "U=alice", "10101100101" },
		{ 1, "T=memory", "10011111101" },
	};
	struct kag_match *m;
	char spec[128], *p, *sp;
	int what;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		m = kag_match_new();
		snprintf(spec, sizeof(spec), "%s", v[i].pred);
		for (p = strtok_r(spec, " ", &sp); p != NULL;
		     p = strtok_r(NULL, " ", &sp)) {
			what = strchr("UASKTFLW", p[0]) - "UASKTFLW";
			if (kag_match_add(m, what, p + 2) < 0)
				printf("# cannot add %s: %s\n", p,
				    kag_match_errmsg(m));
		}
		if (v[i].invert)
			kag_match_invert(m);
		ok(strcmp(judge(m, in), v[i].want) == 0,
		    "%s'%s' keeps %s (got %s)", v[i].invert ? "-v " : "",
		    v[i].pred, v[i].want, judge(m, in));
		kag_match_free(m);
	}
}

static void
test_errors(void)
{
	static const struct {
		int what;
		const char *arg, *msg;
	} v[] = {
		{ KAG_MATCH_SCOPE, "weekly", "not working or persistent" },
		{ KAG_MATCH_TYPE, "metadata",
		    "not memory, node, edge or "
		    "hyperedge" },
		{ KAG_MATCH_SINCE, "yesterday", "not a timestamp" },
		{ KAG_MATCH_UNTIL, "2025-13-01", "not a timestamp" },
		{ KAG_MATCH_WHERE, "key", "not PATH=VALUE" },
		{ KAG_MATCH_WHERE, "=x", "empty path part" },
		{ KAG_MATCH_WHERE, ".a=x", "empty path part" },
		{ KAG_MATCH_WHERE, "a.=x", "empty path part" },
		{ KAG_MATCH_WHERE, "a..b=x", "empty path part" },
	};
	struct kag_match *m = kag_match_new();
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ok(kag_match_add(m, v[i].what, v[i].arg) == -1 &&
			strcmp(kag_match_errmsg(m), v[i].msg) == 0,
		    "'%s' is refused: %s", v[i].arg, kag_match_errmsg(m));
	ok(kag_match_add(m, KAG_MATCH_WHERE, "a.b=c=d") == 0 &&
		strcmp(kag_match_errmsg(m), "") == 0,
	    "a value may hold '='; the message is cleared");
	kag_match_free(m);
	kag_match_free(NULL);
}

/* kag_match_fast() and kag_match_skip() of line for one predicate. */
static int
skips(int invert, int what, const char *arg, const char *line)
{
	struct kag_match *m = kag_match_new();
	int rc;

	kag_match_add(m, what, arg);
	if (invert)
		kag_match_invert(m);
	rc = !kag_match_fast(m) ? -1 : kag_match_skip(m, line, strlen(line));
	kag_match_free(m);
	return rc;
}

static void
test_skip(void)
{
	static const char *a =
	    "{\"type\":\"memory\",\"scope\":\"working\","
	    "\"key\":\"k\",\"value\":\"x\",\"user_id\":\"bob\"}";
	static const char *esc =
	    "{\"type\":\"memory\",\"scope\":\"working\",\"key\":\"k\","
	    "\"value\":\"\\u4e2d \\u0041\",\"user_id\":\"b\\u006fb\"}";

	ok(skips(0, KAG_MATCH_USER_ID, "bob", a) == 0,
	    "a line with \"bob\" is not skipped for bob");
	ok(skips(0, KAG_MATCH_USER_ID, "bo", a) != 0,
	    "but is for bo: only the quoted value counts");
	ok(skips(0, KAG_MATCH_USER_ID, "ob", a) != 0, "and for ob");
	ok(skips(0, KAG_MATCH_USER_ID, "bob", esc) == 0,
	    "a \\u escape of a byte the value holds may spell it");
	ok(skips(0, KAG_MATCH_USER_ID, "xyz", esc) != 0,
	    "one of other bytes (\\u0041, \\u4e2d) cannot");
	ok(skips(0, KAG_MATCH_USER_ID, "ab\xc3\xa9", esc) == 0,
	    "any \\u escape may spell a value that is not ASCII");
	ok(skips(0, KAG_MATCH_USER_ID, "x", "{\"a\":\"\\") == 0,
	    "a backslash at the end is not trusted");
	ok(skips(0, KAG_MATCH_USER_ID, "x", "{\"a\":\"\\u00") == 0,
	    "nor a cut \\u escape");
	ok(skips(0, KAG_MATCH_SCOPE, "persistent", a) != 0,
	    "scope persistent skips a working line");
	ok(skips(0, KAG_MATCH_KEY, "k", a) == 0 &&
		skips(0, KAG_MATCH_KEY, "j", a) != 0,
	    "a key without wildcards serves");
	ok(skips(0, KAG_MATCH_KEY, "k*", a) == -1,
	    "a key with a wildcard does not");
	ok(skips(0, KAG_MATCH_USER_ID, "default_user", a) == -1,
	    "--user-id default_user does not (memories without user_id)");
	ok(skips(0, KAG_MATCH_AGENT_NAME, "", a) == -1,
	    "--agent-name '' does not");
	ok(skips(0, KAG_MATCH_USER_ID, "a/b", a) == -1 &&
		skips(0, KAG_MATCH_USER_ID, "a\"b", a) == -1 &&
		skips(0, KAG_MATCH_USER_ID, "a\\b", a) == -1 &&
		skips(0, KAG_MATCH_USER_ID, "a\tb", a) == -1,
	    "values with '/', '\"', '\\' or a control character do not");
	ok(skips(1, KAG_MATCH_USER_ID, "bob", a) == -1,
	    "nothing is skipped when inverted");
	ok(skips(0, KAG_MATCH_TYPE, "node", a) == 1,
	    "--type node skips every memory line");
	ok(skips(0, KAG_MATCH_TYPE, "memory", a) == -1,
	    "--type memory skips none");
	ok(skips(0, KAG_MATCH_WHERE, "key=k", a) == -1 &&
		skips(0, KAG_MATCH_SINCE, "2025-01-01", a) == -1,
	    "--where and --since do not serve");
	ok(skips(0, KAG_MATCH_USER_ID, "", "{\"a\":\"\",\"b\":1}") == 0 &&
		skips(0, KAG_MATCH_USER_ID, "", "{\"a\":\"x\"}") != 0,
	    "the empty value is found as \"\"");
}

int
main(void)
{
	json = kag_json_new();
	test_owner();
	test_time();
	test_path();
	test_scalar();
	test_find();
	test_match();
	test_errors();
	test_skip();
	kag_json_free(json);
	kag_buf_release(&err);
	return tap_done();
}
