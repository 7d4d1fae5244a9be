/* t_json.c: the strict JSON parser: what it takes, what it refuses and why. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kag.h"
#include "tap.h"

static struct kag_json *j;

static int
parse(const char *s, unsigned flags)
{
	return kag_json_parse(j, s, strlen(s), flags);
}

/* s is refused with message msg at column col. */
static void
bad(const char *s, size_t n, unsigned flags, const char *msg, int col)
{
	int r = kag_json_parse(j, s, n, flags);

	ok(r == -1 && strcmp(kag_json_errmsg(j), msg) == 0 &&
		kag_json_errcol(j) == col,
	    "refused: %s at %d (got %d: %s at %d)", msg, col, r,
	    kag_json_errmsg(j), kag_json_errcol(j));
}
#define BAD(s, msg, col) bad(s, sizeof(s) - 1, 0, msg, col)

/* Token t is as given. */
static int
tok(int t, int type, int flags, int start, int end, int size, int next)
{
	const struct kag_tok *k;

	if (t >= j->ntok)
		return 0;
	k = &j->tok[t];
	return k->type == type && k->flags == flags && k->start == start &&
	    k->end == end && k->size == size && k->next == next;
}

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	struct kag_buf b = KAG_BUF_INIT;
	char chunk[65536];
	size_t k;

	if (f == NULL)
		return NULL;
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
		kag_buf_add(&b, chunk, k);
	fclose(f);
	return kag_buf_detach(&b, n);
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The cases whose only fault is a non-finite number. */
static int
nonfinite_case(const char *name)
{
	return strcmp(name, "n_number_NaN.json") == 0 ||
	    strcmp(name, "n_number_infinity.json") == 0 ||
	    strcmp(name, "n_number_minus_infinity.json") == 0;
}

/* Whether the text is only JSON whitespace (an n_ case that an
 * enclosing array would make valid). */
static int
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return 0;
	return 1;
}

/*
 * The case again inside a long array, "[" + spaces + "[]," * k + case +
 * "]", for k up to 90: long texts are fed to jsmn in pieces that end
 * after so many brackets, so the pieces end all over the case.  The
 * verdict must not change, and a valid case must give the same tokens.
 */
static int
embedded(const char *name, const char *s, size_t n, int want)
{
	struct kag_json *alone = kag_json_new();
	struct kag_buf b = KAG_BUF_INIT;
	size_t pad = 1100, off;
	int k, i, r, good = 1, t0;

	if (want == 0 && kag_json_parse(alone, s, n, 0) != 0)
		good = 0;
	for (k = 0; k <= 90 && good; k++) {
		kag_buf_reset(&b);
		kag_buf_addc(&b, '[');
		for (i = 0; i < (int)pad; i++)
			kag_buf_addc(&b, ' ');
		for (i = 0; i < k; i++)
			kag_buf_adds(&b, "[],");
		off = b.len;
		kag_buf_add(&b, s, n);
		kag_buf_addc(&b, ']');
		r = kag_json_parse(j, b.buf, b.len, 0);
		if ((r == 0) != (want == 0)) {
			printf("# %s: k=%d: %s\n", name, k, kag_json_errmsg(j));
			good = 0;
			break;
		}
		if (r != 0)
			continue;
		t0 = 1 + k;
		if (j->ntok != t0 + alone->ntok)
			good = 0;
		for (i = 0; good && i < alone->ntok; i++) {
			const struct kag_tok *x = &alone->tok[i];
			const struct kag_tok *y = &j->tok[t0 + i];

			good = x->type == y->type && x->flags == y->flags &&
			    x->start + (int)off == y->start &&
			    x->end + (int)off == y->end && x->size == y->size &&
			    x->next + t0 == y->next;
		}
		if (!good)
			printf("# %s: k=%d: tokens differ\n", name, k);
	}
	kag_buf_release(&b);
	kag_json_free(alone);
	return good;
}

/*
 * kag_json_check() gives kag_json_parse()'s verdict, message and column
 * for s[0..n), both ways for NaN: 0 if so, 1 (and a note) if not.
 */
static int
agree(const char *s, size_t n)
{
	static struct kag_json *fast;
	char msg[128];
	unsigned f;
	int r, col;

	if (fast == NULL)
		fast = kag_json_new();
	for (f = 0; f <= KAG_JSON_NONFINITE; f += KAG_JSON_NONFINITE) {
		r = kag_json_parse(j, s, n, f);
		snprintf(msg, sizeof(msg), "%s", kag_json_errmsg(j));
		col = kag_json_errcol(j);
		if (kag_json_check(fast, s, n, f) != r ||
		    strcmp(kag_json_errmsg(fast), msg) != 0 ||
		    kag_json_errcol(fast) != col || fast->ntok != 0) {
			printf("# check and parse disagree on '%.*s'\n",
			    n > 60 ? 60 : (int)n, s);
			return 1;
		}
	}
	return 0;
}

/*
 * agree() on s and on every text one edit away from it: each byte
 * replaced by a byte that matters to the grammar, deleted or doubled.
 */
static int
mutants(const char *s, size_t n)
{
	static const char bytes[] = "\"\\{}[],: 0-e.tN\x80\xc3\n\x01u";
	char *m = kag_xmalloc(n + 1);
	size_t i, b;
	int bad = agree(s, n);

	for (i = 0; i < n && i < 400; i++) {
		memcpy(m, s, n);
		for (b = 0; b < sizeof(bytes); b++) {
			m[i] = bytes[b]; /* the last is NUL */
			bad += agree(m, n);
		}
		memcpy(m, s, i);
		memcpy(m + i, s + i + 1, n - i - 1);
		bad += agree(m, n - 1);
		memcpy(m, s, i + 1);
		memcpy(m + i + 1, s + i, n - i);
		bad += agree(m, n + 1);
	}
	free(m);
	return bad;
}

/* agree() on [[...]] and {"a":{"a":...}} d levels deep, and cut short. */
static int
deep(int d)
{
	struct kag_buf b = { 0 };
	int i, bad;

	for (i = 0; i < d; i++)
		kag_buf_adds(&b, i % 2 ? "{\"a\":" : "[");
	for (i = d - 1; i >= 0; i--)
		kag_buf_adds(&b, i % 2 ? "}" : "]");
	bad = agree(b.buf, b.len) + agree(b.buf, b.len - 1);
	free(b.buf);
	return bad;
}

/* Every case of JSONTestSuite's test_parsing. */
static void
suite(const char *argv0)
{
	char dir[4096], path[4200], *names[1024], *s;
	const char *env = getenv("KAG_JSONSUITE"), *slash;
	struct dirent *e;
	DIR *d;
	size_t n;
	int nn = 0, i, r, rnf, y = 0, no = 0, ind = 0, wrong = 0, nfwrong = 0;
	int emb = 0, differ = 0;

	if (env != NULL) {
		snprintf(dir, sizeof(dir), "%s", env);
	} else {
		slash = strrchr(argv0, '/');
		snprintf(dir, sizeof(dir),
		    "%.*s../data/JSONTestSuite/test_parsing",
		    slash ? (int)(slash - argv0 + 1) : 0, argv0);
	}
	d = opendir(dir);
	ok(d != NULL, "JSONTestSuite at %s", dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && nn < 1024)
		if (strstr(e->d_name, ".json") != NULL)
			names[nn++] = kag_xstrdup(e->d_name);
	closedir(d);
	qsort(names, (size_t)nn, sizeof(names[0]), cmpstr);
	for (i = 0; i < nn; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((s = slurp(path, &n)) == NULL) {
			wrong++;
			printf("# cannot read %s\n", path);
			continue;
		}
		r = kag_json_parse(j, s, n, 0);
		rnf = kag_json_parse(j, s, n, KAG_JSON_NONFINITE);
		switch (names[i][0]) {
		case 'y':
			y++;
			if (r != 0 || rnf != 0) {
				wrong++;
				printf("# %s refused: %s\n", names[i],
				    kag_json_errmsg(j));
			}
			break;
		case 'n':
			no++;
			if (r == 0) {
				wrong++;
				printf("# %s accepted\n", names[i]);
			}
			if ((rnf == 0) != nonfinite_case(names[i])) {
				nfwrong++;
				printf("# %s with NaN allowed: %d\n", names[i],
				    rnf);
			}
			break;
		default:
			ind++; /* either way: it returned */
			break;
		}
		if (names[i][0] != 'i' && !blank(s, n)) {
			if (!embedded(names[i], s, n, r))
				emb++;
		}
		differ += names[i][0] == 'y' ? mutants(s, n) : agree(s, n);
		free(s);
		free(names[i]);
	}
	ok(nn == 318 && y == 95 && no == 188 && ind == 35,
	    "suite has 318 cases: %d y, %d n, %d i", y, no, ind);
	ok(wrong == 0,
	    "every y_ case accepted, every n_ case refused "
	    "(%d wrong)",
	    wrong);
	ok(nfwrong == 0,
	    "with NaN allowed, only the NaN/Infinity n_ cases "
	    "pass (%d wrong)",
	    nfwrong);
	ok(emb == 0, "same verdicts and tokens inside a long text (%d wrong)",
	    emb);
	differ += deep(1023) + deep(1024) + deep(1025) + deep(5000);
	ok(differ == 0,
	    "kag_json_check gives kag_json_parse's verdict, message and "
	    "column on every case and every y_ case one edit away (%d differ)",
	    differ);
}

/* What jsmn lets through and we must not, one by one. */
static void
gaps(void)
{
	BAD("tru", "invalid literal 'tru'", 1);
	BAD("[true, fals]", "invalid literal 'fals'", 8);
	BAD("[nulll]", "invalid literal 'nulll'", 2);
	BAD("01", "invalid number '01'", 1);
	BAD("[-01]", "invalid number '-01'", 2);
	BAD("[1.]", "invalid number '1.'", 2);
	BAD("[1e]", "invalid number '1e'", 2);
	BAD("[.5]", "invalid number '.5'", 2);
	BAD("[1 2]", "missing comma", 4);
	BAD("{\"a\":1 \"b\":2}", "missing comma", 8);
	BAD("[1,]", "trailing comma", 3);
	BAD("{\"a\":1,}", "trailing comma", 7);
	BAD("[,1]", "unexpected ','", 2);
	BAD("[1,,2]", "unexpected ','", 4);
	BAD("[1:2]", "unexpected ':'", 3);
	BAD("{\"a\" 1}", "expected ':' after key", 6);
	BAD("{\"a\"}", "expected ':' after key", 5);
	BAD("{\"a\":}", "unexpected '}'", 6);
	BAD("{1:2}", "object key must be a string", 2);
	BAD("{[]:2}", "object key must be a string", 2);
	BAD("{\"a\":1,2:3}", "object key must be a string", 8);
	BAD("[1}", "unexpected '}'", 3);
	BAD("{\"a\":1]", "unexpected ']'", 7);
	BAD("]", "unexpected ']'", 1);
	BAD("[\"a\tb\"]", "control character in string", 4);
	BAD("[\"a\x1f\"]", "control character in string", 4);
	bad("[\"a\0b\"]", 7, 0, "control character in string", 4);
	bad("[1]\0", 4, 0, "unexpected NUL byte", 4);
	bad("[1,\0]", 5, 0, "unexpected NUL byte", 4);
	bad("\0", 1, 0, "unexpected NUL byte", 1);
	BAD("\"\\q\"", "invalid escape '\\q'", 2);
	BAD("\"ab\\x41\"", "invalid escape '\\x41'", 4);
	BAD("\"\\u12g4\"", "invalid escape '\\u12g4'", 2);
	BAD("\"\\u12\"", "invalid escape '\\u12'", 2);
	BAD("\"\\U0041\"", "invalid escape '\\U0041'", 2);
	BAD("\"\\ud800\"", "unpaired surrogate '\\ud800'", 2);
	BAD("\"\\ud800x\\udc00\"", "unpaired surrogate '\\ud800'", 2);
	BAD("\"\\ud800\\u0041\"", "unpaired surrogate '\\ud800'", 2);
	BAD("\"\\udc00\\ud800\"", "unpaired surrogate '\\udc00'", 2);
	BAD("\"\\udc00\\udc00\"", "unpaired surrogate '\\udc00'", 2);
	BAD("\"\\uDFFF\"", "unpaired surrogate '\\uDFFF'", 2);
	BAD("[\"\xc0\xaf\"]", "invalid UTF-8", 3);	   /* overlong / */
	BAD("[\"\xe0\x80\xaf\"]", "invalid UTF-8", 3);	   /* overlong */
	BAD("[\"\xf0\x80\x80\xaf\"]", "invalid UTF-8", 3); /* overlong */
	BAD("[\"\xed\xa0\x80\"]", "invalid UTF-8", 3);	   /* U+D800 */
	BAD("[\"\xed\xbf\xbf\"]", "invalid UTF-8", 3);	   /* U+DFFF */
	BAD("[\"\xf4\x90\x80\x80\"]", "invalid UTF-8", 3); /* > U+10FFFF */
	BAD("[\"\xf5\x80\x80\x80\"]", "invalid UTF-8", 3);
	BAD("[\"ab\x80\"]", "invalid UTF-8", 5);       /* stray */
	BAD("[\"\xc3\xa9\xa9\"]", "invalid UTF-8", 5); /* stray */
	BAD("[\"\xe2\x82\"]", "invalid UTF-8", 3);     /* truncated */
	BAD("[\"\xf0\x9f\x98\"]", "invalid UTF-8", 3); /* truncated */
	BAD("\"\xe2\x82", "invalid UTF-8", 2); /* truncated at the end */
	BAD("[\"\xff\"]", "invalid UTF-8", 3);
	BAD("[1\xc3\xa9]", "unexpected byte '\\xc3'", 3);
	BAD("1 2", "unexpected text after the value", 3);
	BAD("[1][2]", "unexpected text after the value", 4);
	BAD("{}{}", "unexpected text after the value", 3);
	BAD("\"a\" \"b\"", "unexpected text after the value", 5);
	BAD("[1]]", "unexpected text after the value", 4);
	BAD("[1] x", "unexpected text after the value", 5);
	BAD("\"abc", "unterminated string", 1);
	BAD("[\"abc\\\"]", "unterminated string", 2);
	BAD("", "empty input", 1);
	BAD(" \t\r\n", "empty input", 1);
	BAD("[", "unexpected end of input", 2);
	BAD("{\"a\":[1,2", "unexpected end of input", 10);
	BAD("\xef\xbb\xbf{}", "unexpected byte '\\xef'", 1);
	BAD("[1,\f2]", "unexpected byte '\\x0c'", 4);
	BAD("[#]", "unexpected '#'", 2);
	BAD("NaN", "invalid literal 'NaN'", 1);
	BAD("[Infinity]", "invalid literal 'Infinity'", 2);
	BAD("[-Infinity]", "invalid literal '-Infinity'", 2);
	BAD("[nan]", "invalid literal 'nan'", 2);
	bad("[-infinity]", 11, KAG_JSON_NONFINITE, "invalid number '-infinity'",
	    2);
	bad("[+Infinity]", 11, KAG_JSON_NONFINITE, "invalid number '+Infinity'",
	    2);
	bad("{NaN:1}", 7, KAG_JSON_NONFINITE, "object key must be a string", 2);
}

static void
accepted(void)
{
	ok(parse("0", 0) == 0 && tok(0, KAG_TOK_PRIMITIVE, 0, 0, 1, 0, 1),
	    "a number alone, ending the text");
	ok(parse(" -12.5e+3 ", 0) == 0 &&
		tok(0, KAG_TOK_PRIMITIVE, 0, 1, 9, 0, 1),
	    "a number with spaces around");
	ok(parse("[0, -0, 1E5, 1e-5, 0.125, -1.5E+10, 12345678901234567890]",
	       0) == 0 &&
		j->ntok == 8,
	    "numbers of every shape");
	ok(parse("[true,false,null]", 0) == 0 && j->ntok == 4,
	    "true, false, null");
	ok(parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"", 0) ==
		    0 &&
		tok(0, KAG_TOK_STRING, KAG_TOKF_ESCAPED, 1, 35, 0, 1),
	    "every escape");
	ok(kag_json_str_eq(j, 0, "\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80", 14),
	    "and each decodes");
	ok(parse("[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbf"
		 "\xf4\x8f\xbf\xbf\xed\x9f\xbf\xee\x80\x80\"]",
	       0) == 0,
	    "UTF-8 of 2, 3 and 4 bytes, up to U+10FFFF");
	ok(parse("{\"a\":{},\"b\":[]}", 0) == 0 && j->ntok == 5,
	    "empty containers");
	ok(parse("\t\r\n {\"a\" : [ 1 , 2 ] } \n", 0) == 0 && j->ntok == 5,
	    "whitespace everywhere it may be");
	ok(parse("{\"type\": \"memory\", \"value\": NaN}",
	       KAG_JSON_NONFINITE) == 0,
	    "Python json.dumps with NaN");
}

/* Token fields on a small document. */
static void
tokens(void)
{
	const char *s = "{\"a\":[1,{\"b\":null}],\"c\\n\":\"x\",\"d\":{}}";

	ok(parse(s, 0) == 0 && j->ntok == 11, "document parses to 11 tokens");
	ok(tok(0, KAG_TOK_OBJECT, 0, 0, 37, 3, 11), "root object");
	ok(tok(1, KAG_TOK_STRING, 0, 2, 3, 1, 2), "key a");
	ok(tok(2, KAG_TOK_ARRAY, 0, 5, 19, 2, 7), "array");
	ok(tok(3, KAG_TOK_PRIMITIVE, 0, 6, 7, 0, 4), "number 1");
	ok(tok(4, KAG_TOK_OBJECT, 0, 8, 18, 1, 7), "inner object");
	ok(tok(5, KAG_TOK_STRING, 0, 10, 11, 1, 6), "key b");
	ok(tok(6, KAG_TOK_PRIMITIVE, 0, 13, 17, 0, 7), "null");
	ok(tok(7, KAG_TOK_STRING, KAG_TOKF_ESCAPED, 21, 24, 1, 8),
	    "escaped key c\\n");
	ok(tok(8, KAG_TOK_STRING, 0, 27, 28, 0, 9), "string x");
	ok(tok(9, KAG_TOK_STRING, 0, 31, 32, 1, 10), "key d");
	ok(tok(10, KAG_TOK_OBJECT, 0, 34, 36, 0, 11), "empty object");
	ok(tok(11, 0, 0, 0, 0, 0, 0) == 0 &&
		j->tok[j->tok[0].next - 1].end == 36,
	    "nothing past the last token");
}

static void
nonfinite(void)
{
	const char *s = "{\"v\":[1,{\"w\":[NaN]}],\"x\":[2],\"y\":-Infinity,"
			"\"z\":Infinity}";

	ok(parse(s, 0) == -1, "NaN refused without the flag");
	ok(parse(s, KAG_JSON_NONFINITE) == 0, "NaN taken with the flag");
	ok(j->tok[0].flags == KAG_TOKF_INSIDE, "root has one inside");
	ok(j->tok[2].flags == KAG_TOKF_INSIDE &&
		j->tok[4].flags == KAG_TOKF_INSIDE &&
		j->tok[6].flags == KAG_TOKF_INSIDE,
	    "every container above NaN has INSIDE");
	ok(j->tok[7].flags == KAG_TOKF_NONFINITE && j->tok[7].end == 17,
	    "NaN itself is NONFINITE");
	ok(j->tok[3].flags == 0 && j->tok[9].flags == 0 &&
		j->tok[10].flags == 0,
	    "others have no flag");
	ok(j->tok[12].flags == KAG_TOKF_NONFINITE &&
		j->tok[12].end - j->tok[12].start == 9,
	    "-Infinity is NONFINITE");
	ok(j->tok[14].flags == KAG_TOKF_NONFINITE, "Infinity is NONFINITE");
	ok(parse("[1,2,{\"a\":3}]", KAG_JSON_NONFINITE) == 0 &&
		j->tok[0].flags == 0,
	    "no INSIDE without one");
	ok(parse("Infinity", KAG_JSON_NONFINITE) == 0 &&
		tok(0, KAG_TOK_PRIMITIVE, KAG_TOKF_NONFINITE, 0, 8, 0, 1),
	    "Infinity alone");
	ok(parse("[NaNa]", KAG_JSON_NONFINITE) == -1 &&
		strcmp(kag_json_errmsg(j), "invalid literal 'NaNa'") == 0,
	    "NaNa is not NaN");
}

static void
strings(void)
{
	struct kag_buf b = KAG_BUF_INIT;
	const char *s = "{\"ali\\u0063e\":1,\"bob\":2,\"\\ud83d\\ude00\":3,"
			"\"t\\t\\\"q\\\\\\/\":4,\"e\\u00e9\\u20ac\":5,\"\":6}";

	ok(parse(s, 0) == 0, "object of keys parses");
	ok(kag_json_str_eq(j, 1, "alice", 5), "ali\\u0063e equals alice");
	ok(!kag_json_str_eq(j, 1, "alic", 4) &&
		!kag_json_str_eq(j, 1, "alicee", 6) &&
		!kag_json_str_eq(j, 1, "alicf", 5),
	    "and nothing else");
	ok(kag_json_str_eq(j, 5, "\xf0\x9f\x98\x80", 4),
	    "\\ud83d\\ude00 equals U+1F600 in UTF-8");
	ok(kag_json_str_eq(j, 7, "t\t\"q\\/", 6), "short escapes decode");
	ok(kag_json_str_eq(j, 3, "bob", 3) && !kag_json_str_eq(j, 3, "bo", 2),
	    "plain string compares");
	ok(kag_json_find_key(j, 0, "alice", 5) == 2, "find_key alice");
	ok(kag_json_find_key(j, 0, "bob", 3) == 4, "find_key bob");
	ok(kag_json_find_key(j, 0, "\xf0\x9f\x98\x80", 4) == 6,
	    "find_key U+1F600");
	ok(kag_json_find_key(j, 0, "e\xc3\xa9\xe2\x82\xac", 6) == 10,
	    "find_key e\\u00e9\\u20ac");
	ok(kag_json_find_key(j, 0, "", 0) == 12, "find_key empty key");
	ok(kag_json_find_key(j, 0, "carol", 5) == -1, "find_key absent");
	ok(kag_json_find_key(j, 1, "alice", 5) == -1,
	    "find_key on a string token");
	kag_json_str_decode(j, 9, &b);
	ok(b.len == 6 && memcmp(b.buf, "e\xc3\xa9\xe2\x82\xac", 6) == 0,
	    "str_decode \\u00e9\\u20ac");
	kag_buf_reset(&b);
	kag_json_str_decode(j, 5, &b);
	kag_json_str_decode(j, 3, &b);
	ok(b.len == 7 &&
		memcmp(b.buf,
		    "\xf0\x9f\x98\x80"
		    "bob",
		    7) == 0,
	    "str_decode appends");
	ok(parse("\"a\\u0000b\"", 0) == 0, "\\u0000 is allowed");
	kag_buf_reset(&b);
	kag_json_str_decode(j, 0, &b);
	ok(b.len == 3 && memcmp(b.buf, "a\0b", 3) == 0 &&
		kag_json_str_eq(j, 0, "a\0b", 3),
	    "and decodes to a NUL byte");
	ok(parse("{\"k\":1,\"k\":2}", 0) == 0 &&
		kag_json_find_key(j, 0, "k", 1) == 2,
	    "find_key gives the first of a duplicated key");
	kag_buf_release(&b);
}

static void
dupkeys(void)
{
	struct kag_buf b = KAG_BUF_INIT;
	int i;

	ok(parse("{\"a\":1,\"b\":2}", 0) == 0 &&
		kag_json_dup_key_shallow(j, 0) == -1 &&
		kag_json_dup_key(j, 0) == -1,
	    "no duplicate");
	ok(parse("{\"a\":1,\"b\":2,\"\\u0061\":3}", 0) == 0 &&
		kag_json_dup_key_shallow(j, 0) == 5,
	    "\"a\" and \"\\u0061\" are the same key");
	ok(parse("{\"x\":{\"a\":1,\"a\":2}}", 0) == 0 &&
		kag_json_dup_key_shallow(j, 0) == -1 &&
		kag_json_dup_key(j, 0) == 5,
	    "a nested duplicate: deep finds it, shallow does not");
	ok(parse("{\"x\":[{\"b\":{}},{\"c\":1,\"d\":[{\"e\":1,\"e\":2}]}]}",
	       0) == 0 &&
		kag_json_dup_key(j, 0) == 14,
	    "deep inside arrays");
	ok(parse("{\"a\":{\"x\":1,\"x\":2},\"a\":3}", 0) == 0 &&
		kag_json_dup_key(j, 0) == 5 &&
		kag_json_dup_key_shallow(j, 0) == 7,
	    "deep gives the first in the text, shallow its own");
	ok(parse("[1,{\"a\":1,\"a\":1}]", 0) == 0 &&
		kag_json_dup_key(j, 0) == 5 &&
		kag_json_dup_key_shallow(j, 0) == -1,
	    "from an array root; shallow on a non-object is -1");
	ok(parse("{\"\\u00e9\":1,\"\xc3\xa9\":2}", 0) == 0 &&
		kag_json_dup_key_shallow(j, 0) == 3,
	    "escaped and raw UTF-8 are the same key");
	ok(parse("{\"ab\":1,\"a\":2,\"a\\u0062c\":3}", 0) == 0 &&
		kag_json_dup_key_shallow(j, 0) == -1,
	    "prefixes are not duplicates");

	/* 1000 keys, then the same with a duplicate of key 17 at the end,
	 * written with an escape. */
	kag_buf_addc(&b, '{');
	for (i = 0; i < 1000; i++)
		kag_buf_addf(&b, "%s\"key%d\":%d", i ? "," : "", i, i);
	kag_buf_addc(&b, '}');
	ok(kag_json_parse(j, b.buf, b.len, 0) == 0 && j->tok[0].size == 1000 &&
		kag_json_dup_key_shallow(j, 0) == -1,
	    "1000 distinct keys");
	b.len--;
	kag_buf_adds(&b, ",\"k\\u0065y17\":0}");
	ok(kag_json_parse(j, b.buf, b.len, 0) == 0 &&
		kag_json_dup_key_shallow(j, 0) == 2001 &&
		kag_json_dup_key(j, 0) == 2001,
	    "1001st key duplicates the 18th");
	kag_buf_reset(&b);
	kag_buf_adds(&b, "[{");
	for (i = 0; i < 1000; i++)
		kag_buf_addf(&b, "%s\"%d\":{\"a\":1,\"b\":2}", i ? "," : "", i);
	kag_buf_adds(&b, ",\"999\":0}]");
	ok(kag_json_parse(j, b.buf, b.len, 0) == 0 &&
		kag_json_dup_key(j, 0) == 1 + 1 + 6 * 1000,
	    "deep search through 1000 nested objects");
	kag_buf_release(&b);
}

/*
 * The parser reads every string itself (jsmn only sees the text between
 * strings) with a scan of 16 bytes at a time that stops 16 bytes short of
 * the end of the text.  So: every shape of string, at every alignment,
 * ending the text or not, good and bad.
 */
static const struct {
	const char *s;	 /* put inside a string of 'a's */
	int flags;	 /* of the string token */
	const char *msg; /* NULL if good, else the error, at the item */
} items[] = {
	{ "", 0, NULL },
	{ "\\n", KAG_TOKF_ESCAPED, NULL },
	{ "\\\"", KAG_TOKF_ESCAPED, NULL },
	{ "\\\\", KAG_TOKF_ESCAPED, NULL },
	{ "\\u00e9", KAG_TOKF_ESCAPED, NULL },
	{ "\\ud83d\\ude00", KAG_TOKF_ESCAPED, NULL },
	{ "\xc3\xa9", 0, NULL },
	{ "\xe2\x82\xac", 0, NULL },
	{ "\xf0\x9f\x98\x80", 0, NULL },
	{ "\xe4\xb8\xad\xe6\x96\x87\xc3\xa9", 0, NULL },
	{ "[]{}:,", 0, NULL },
	{ "\x01", 0, "control character in string" },
	{ "\x1f", 0, "control character in string" },
	{ "\x80", 0, "invalid UTF-8" },
	{ "\xe2\x82", 0, "invalid UTF-8" },
	{ "\xed\xa0\x80", 0, "invalid UTF-8" },
	{ "\xff\xc3\xa9", 0, "invalid UTF-8" },
	{ "\\q", 0, "invalid escape '\\q" },
	{ "\\u12g", 0, "invalid escape '\\u12g" },
	{ "\\ud800", 0, "unpaired surrogate '\\ud800'" },
};
#define NITEMS (sizeof(items) / sizeof(items[0]))

/*
 * Whether buf[0..n) parses as expected with item it in a string whose
 * contents start at offset start: a bad item fails at column col; a good
 * one gives the string token tok[t], which ends at end, or if end is -1
 * (no closing quote) fails as unterminated.
 */
static int
shape(const char *buf, size_t n, int it, int t, int start, int end, int col)
{
	int r = kag_json_parse(j, buf, n, 0);

	if (items[it].msg != NULL) /* escapes are quoted with what follows */
		return r == -1 &&
		    strncmp(kag_json_errmsg(j), items[it].msg,
			strlen(items[it].msg)) == 0 &&
		    kag_json_errcol(j) == col;
	if (end < 0)
		return r == -1 &&
		    strcmp(kag_json_errmsg(j), "unterminated string") == 0 &&
		    kag_json_errcol(j) == start;
	return r == 0 &&
	    tok(t, KAG_TOK_STRING, items[it].flags, start, end, 0, t + 1);
}

static void
shapes(void)
{
	char buf[256];
	size_t n, il;
	int it, pad, len, p, start, wrong, cases;

	for (it = 0; it < (int)NITEMS; it++) {
		il = strlen(items[it].s);
		wrong = cases = 0;
		for (pad = 0; pad < 34; pad++) {
			for (len = 0; len <= 40; len++) {
				for (p = 0; p <= len; p++) {
					memset(buf, ' ', (size_t)pad);
					n = (size_t)pad;
					buf[n++] = '"';
					start = (int)n;
					memset(buf + n, 'a', (size_t)len);
					memcpy(buf + n + p, items[it].s, il);
					memset(buf + n + p + il, 'a',
					    (size_t)(len - p));
					n += (size_t)len + il;
					buf[n++] = '"';
					cases += 2;
					if (!shape(buf, n, it, 0, start,
						(int)n - 1, start + p + 1))
						wrong++;
					if (!shape(buf, n - 1, it, 0, start, -1,
						start + p + 1))
						wrong++;
				}
			}
		}
		ok(wrong == 0,
		    "string with '%s' at every place and alignment "
		    "(%d of %d wrong)",
		    items[it].msg ? items[it].msg : items[it].s, wrong, cases);
	}
}

/*
 * A long text is fed to jsmn in pieces that end after CHUNK (65536) bytes
 * or after 128 brackets, wherever that is: in strings too.
 */
static void
boundaries(void)
{
	const size_t chunk = 65536;
	char *buf = kag_xmalloc(chunk + 4096);
	size_t n, il, at, k;
	int it, wrong = 0, cases = 0, start, col;

	for (it = 0; it < (int)NITEMS; it++) {
		il = strlen(items[it].s);
		for (at = chunk - 40; at <= chunk + 8; at++) {
			/* '[' and spaces, then the string from at on, with
			 * the item 20 bytes in. */
			buf[0] = '[';
			memset(buf + 1, ' ', at - 1);
			n = at;
			buf[n++] = '"';
			start = (int)n;
			memset(buf + n, 'a', 20);
			memcpy(buf + n + 20, items[it].s, il);
			memset(buf + n + 20 + il, 'a', 20);
			n += 40 + il;
			col = start + 21;
			buf[n++] = '"';
			buf[n++] = ']';
			cases++;
			if (!shape(buf, n, it, 1, start, (int)n - 2, col))
				wrong++;
		}
	}
	ok(wrong == 0, "strings across the %zu-byte piece end (%d of %d wrong)",
	    chunk, wrong, cases);

	/* Brackets in strings count toward the piece end too. */
	wrong = cases = 0;
	for (k = 0; k < 50; k++) {
		n = 0;
		buf[n++] = '[';
		memset(buf + n, ' ', 1100);
		n += 1100;
		for (at = 0; at < k; at++) {
			memcpy(buf + n, "[],", 3);
			n += 3;
		}
		buf[n++] = '"';
		start = (int)n;
		memset(buf + n, '[', 300);
		memcpy(buf + n + 150, "\\u00e9\xc3\xa9", 8);
		n += 300;
		buf[n++] = '"';
		memcpy(buf + n, ",\"]]]\",[[{}]]]", 14);
		n += 14;
		cases++;
		if (kag_json_parse(j, buf, n, 0) != 0 ||
		    !tok(1 + (int)k, KAG_TOK_STRING, KAG_TOKF_ESCAPED, start,
			start + 300, 0, 2 + (int)k) ||
		    j->ntok != 6 + (int)k || j->tok[0].size != 3 + (int)k)
			wrong++;
	}
	ok(wrong == 0,
	    "strings full of brackets across the piece end "
	    "(%d of %d wrong)",
	    wrong, cases);
	free(buf);
}

/*
 * Between two strings the parser moves jsmn on by itself when there is
 * only a ':' or a ',' and whitespace; anything else goes to jsmn.  The
 * tokens must not depend on the spacing, and the errors not either.
 */
static void
punctuation(void)
{
	static const char *docs[] = {
		"{\"a\":\"b\",\"c\":[\"d\",\"e\",{\"f\":\"g\"},[\"h\"],1,"
		"\"i\",true],\"j\":{\"k\":\"l\",\"m\":null},\"n\":\"o\"}",
		"[\"a\",[\"b\",\"c\"],{\"d\":[]},\"e\",{},\"f\",0,\"g\"]",
		"{\"a\":{\"b\":{\"c\":\"d\"},\"e\":\"f\"},\"g\":[[[\"h\"]]],"
		"\"i\":-1.5e3,\"j\":\"k\"}",
	};
	static const char *seps[] = { "", " ", "\n", " \t\r\n " };
	struct kag_json *ref = kag_json_new();
	struct kag_buf b = KAG_BUF_INIT;
	size_t d, i;
	int sp, k, good = 1;

	for (d = 0; d < sizeof(docs) / sizeof(docs[0]); d++) {
		if (kag_json_parse(ref, docs[d], strlen(docs[d]), 0) != 0)
			good = 0;
		for (sp = 1; sp < 16 && good; sp++) {
			/* Spacing before and after every ':' and ','. */
			kag_buf_reset(&b);
			for (i = 0; docs[d][i] != '\0'; i++) {
				if (docs[d][i] == ':' || docs[d][i] == ',')
					kag_buf_adds(&b, seps[sp & 3]);
				kag_buf_addc(&b, docs[d][i]);
				if (docs[d][i] == ':' || docs[d][i] == ',')
					kag_buf_adds(&b, seps[sp >> 2]);
			}
			if (kag_json_parse(j, b.buf, b.len, 0) != 0 ||
			    j->ntok != ref->ntok) {
				good = 0;
				break;
			}
			for (k = 0; k < ref->ntok; k++)
				if (j->tok[k].type != ref->tok[k].type ||
				    j->tok[k].flags != ref->tok[k].flags ||
				    j->tok[k].size != ref->tok[k].size ||
				    j->tok[k].next != ref->tok[k].next ||
				    (j->tok[k].type >= KAG_TOK_STRING &&
					j->tok[k].end - j->tok[k].start !=
					    ref->tok[k].end -
						ref->tok[k].start))
					good = 0;
		}
	}
	ok(good, "same tokens however ':' and ',' are spaced");

	/* Whitespace between two strings longer than a piece. */
	kag_buf_reset(&b);
	kag_buf_adds(&b, "{\"a\"");
	for (i = 0; i < 70000; i++)
		kag_buf_addc(&b, ' ');
	kag_buf_addc(&b, ':');
	for (i = 0; i < 70000; i++)
		kag_buf_addc(&b, '\n');
	kag_buf_adds(&b, "\"b\"}");
	ok(kag_json_parse(j, b.buf, b.len, 0) == 0 && j->ntok == 3 &&
		tok(2, KAG_TOK_STRING, 0, 140006, 140007, 0, 3),
	    "a key and its value 140,000 blanks apart");
	b.buf[70004] = ' ';
	bad(b.buf, b.len, 0, "expected ':' after key", 140006);
	b.buf[70004] = ',';
	bad(b.buf, b.len, 0, "unexpected ','", 70005);
	kag_buf_release(&b);
	kag_json_free(ref);

	BAD("{\"a\"::\"b\"}", "unexpected ':'", 6);
	BAD("{\"a\" : : \"b\"}", "unexpected ':'", 8);
	BAD("{\"a\":\"b\",,\"c\":1}", "unexpected ','", 10);
	BAD("[\"a\" , , \"b\"]", "unexpected ','", 8);
	BAD("{\"a\":\"b\":\"c\"}", "unexpected ':'", 9);
	BAD("{\"a\",\"b\"}", "unexpected ','", 5);
	BAD("[\"a\":\"b\"]", "unexpected ':'", 5);
	BAD("[\"a\" \"b\"]", "missing comma", 6);
	BAD("{\"a\":\"b\" \"c\":1}", "missing comma", 10);
	BAD("[\"a\",\"b\" ,]", "trailing comma", 10);
	BAD("{\"a\" , \"b\"}", "unexpected ','", 6);
	BAD(",\"a\"", "unexpected ','", 1);
	BAD(":\"a\"", "unexpected ':'", 1);
	BAD("\"a\",\"b\"", "unexpected text after the value", 4);
	BAD("\"a\" : \"b\"", "unexpected text after the value", 5);
	BAD("[\"a\"]\"b\"", "unexpected text after the value", 6);
	BAD("{\"a\":\"b\"}:", "unexpected text after the value", 10);
	BAD("[\"a\",\f\"b\"]", "unexpected byte '\\x0c'", 6);
	bad("[\"a\",\0\"b\"]", 10, 0, "unexpected NUL byte", 6);
}

/*
 * Random documents, with what their tokens must be worked out while they
 * are written: every kind of value after every kind, at every depth.
 */
struct gen {
	struct kag_buf b;
	struct kag_tok want[4096];
	int nt;
	unsigned long rng;
};

static unsigned
rnd(struct gen *g, unsigned n)
{
	g->rng = g->rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(g->rng >> 33) % n;
}

static void
space(struct gen *g)
{
	static const char *ws[] = { "", "", "", "", " ", "\n", " \t\r\n " };

	kag_buf_adds(&g->b, ws[rnd(g, 7)]);
}

/* A string token (a key if key) at want[k]. */
static void
genstr(struct gen *g, int key)
{
	static const char *bits[] = { "a", "hello ", "\\n", "\\\"", "\\u00e9",
		"\\ud83d\\ude00", "\xc3\xa9", "\xe4\xb8\xad",
		"\xf0\x9f\x8e\x89", "{[:,]}", "0123456789abcdef" };
	struct kag_tok *t = &g->want[g->nt];
	unsigned m = rnd(g, 8) == 0 ? 40 : rnd(g, 5), i, b;

	t->type = KAG_TOK_STRING;
	t->flags = 0;
	kag_buf_addc(&g->b, '"');
	t->start = (int)g->b.len;
	for (i = 0; i < m; i++) {
		b = rnd(g, sizeof(bits) / sizeof(bits[0]));
		if (bits[b][0] == '\\')
			t->flags = KAG_TOKF_ESCAPED;
		kag_buf_adds(&g->b, bits[b]);
	}
	t->end = (int)g->b.len;
	kag_buf_addc(&g->b, '"');
	t->size = key;
	g->nt++;
	t->next = g->nt;
}

static void
genvalue(struct gen *g, int depth)
{
	static const char *prims[] = { "0", "-1", "12.5e-3", "true", "false",
		"null", "123456789012345678901234567890" };
	struct kag_tok *t;
	unsigned kind = rnd(g, depth < 7 && g->nt < 3900 ? 6 : 3), m, i;
	int k = g->nt;

	if (kind == 0 || kind == 1) {
		genstr(g, 0);
		return;
	}
	t = &g->want[g->nt++];
	t->flags = 0;
	t->start = (int)g->b.len;
	if (kind == 2) {
		kag_buf_adds(&g->b, prims[rnd(g, 7)]);
		t->type = KAG_TOK_PRIMITIVE;
		t->end = (int)g->b.len;
		t->size = 0;
		t->next = g->nt;
		return;
	}
	t->type = kind == 3 ? KAG_TOK_ARRAY : KAG_TOK_OBJECT;
	kag_buf_addc(&g->b, kind == 3 ? '[' : '{');
	m = rnd(g, 6);
	for (i = 0; i < m; i++) {
		if (i > 0)
			kag_buf_addc(&g->b, ',');
		space(g);
		if (kind != 3) {
			genstr(g, 1);
			space(g);
			kag_buf_addc(&g->b, ':');
			space(g);
		}
		genvalue(g, depth + 1);
		space(g);
	}
	kag_buf_addc(&g->b, kind == 3 ? ']' : '}');
	t = &g->want[k]; /* want[] does not move, but be plain */
	t->end = (int)g->b.len;
	t->size = (int)m;
	t->next = g->nt;
}

static void
generated(void)
{
	struct gen *g = kag_xcalloc(1, sizeof(*g));
	int d, k, wrong = 0, big = 0;

	g->rng = 42;
	for (d = 0; d < 3000; d++) {
		kag_buf_reset(&g->b);
		g->nt = 0;
		space(g);
		genvalue(g, 0);
		space(g);
		if (g->b.len > 1024)
			big++;
		if (kag_json_parse(j, g->b.buf, g->b.len, 0) != 0 ||
		    j->ntok != g->nt) {
			wrong++;
			continue;
		}
		for (k = 0; k < g->nt; k++)
			if (!tok(k, g->want[k].type, g->want[k].flags,
				g->want[k].start, g->want[k].end,
				g->want[k].size, g->want[k].next)) {
				wrong++;
				break;
			}
	}
	ok(wrong == 0 && big > 100,
	    "3000 random documents give the tokens they were written with "
	    "(%d wrong, %d over 1024 bytes)",
	    wrong, big);
	kag_buf_release(&g->b);
	free(g);
}

/* Offset of the first bad UTF-8 sequence in s[0..n), or -1: the slow way,
 * by decoding. */
static long
u8bad(const unsigned char *s, size_t n)
{
	size_t i = 0, len, k;
	unsigned long cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		len = s[i] >= 0xc0 && s[i] < 0xe0 ? 2
		    : s[i] >= 0xe0 && s[i] < 0xf0 ? 3
		    : s[i] >= 0xf0 && s[i] < 0xf8 ? 4
						  : 0;
		if (len == 0 || i + len > n)
			return (long)i;
		cp = s[i] & (0x7f >> len);
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (long)i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < (len == 2	    ? 0x80UL
				 : len == 3 ? 0x800UL
					    : 0x10000UL) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (long)i;
		i += len;
	}
	return -1;
}

/* Every lead byte with every second byte, and the third and fourth from
 * the edges of the ranges, against the slow decoder. */
static void
utf8(void)
{
	static const unsigned char tail[] = { 0x41, 0x7f, 0x80, 0x8f, 0x90,
		0x9f, 0xa0, 0xbf, 0xc0, 0xe0, 0xff };
	unsigned char buf[8];
	unsigned b0, b1, k2, k3;
	size_t n, nt = sizeof(tail);
	long want;
	int r, wrong = 0, cases = 0;

	for (b0 = 0x80; b0 < 0x100; b0++)
		for (b1 = 0x20; b1 < 0x100; b1++)
			for (k2 = 0; k2 <= nt; k2++)
				for (k3 = 0; k3 <= nt; k3++) {
					if (b1 == '"' || b1 == '\\' ||
					    (k2 == nt && k3 > 0))
						continue;
					n = 0;
					buf[n++] = '"';
					buf[n++] = (unsigned char)b0;
					buf[n++] = (unsigned char)b1;
					if (k2 < nt)
						buf[n++] = tail[k2];
					if (k3 < nt)
						buf[n++] = tail[k3];
					buf[n++] = '"';
					want = u8bad(buf + 1, n - 2);
					r = kag_json_parse(
					    j, (char *)buf, n, 0);
					cases++;
					if (want < 0 ? r != 0
						     : r != -1 ||
						    strcmp(kag_json_errmsg(j),
							"invalid UTF-8") != 0 ||
						    kag_json_errcol(j) !=
							(int)want + 2)
						wrong++;
				}
	ok(wrong == 0, "UTF-8 checked like a decoder would (%d of %d wrong)",
	    wrong, cases);
}

/* Texts that are large or deep. */
static void
big(void)
{
	size_t d = 1000000, n, i;
	char *s = kag_xmalloc(50 * 1000 * 1000 + 16);
	struct kag_buf b = KAG_BUF_INIT;

	memset(s, '[', d);
	memset(s + d, ']', d);
	ok(kag_json_parse(j, s, 2 * d, 0) == 0 && j->ntok == (int)d &&
		tok(0, KAG_TOK_ARRAY, 0, 0, 2000000, 1, 1000000) &&
		tok(999999, KAG_TOK_ARRAY, 0, 999999, 1000001, 0, 1000000),
	    "1,000,000 nested arrays");
	ok(kag_json_parse(j, s, d, 0) == -1 &&
		strcmp(kag_json_errmsg(j), "unexpected end of input") == 0 &&
		kag_json_errcol(j) == 1000001,
	    "1,000,000 unclosed '[' refused");
	s[d] = '}';
	ok(kag_json_parse(j, s, 2 * d, 0) == -1 &&
		strcmp(kag_json_errmsg(j), "unexpected '}'") == 0 &&
		kag_json_errcol(j) == 1000001,
	    "a wrong bracket 1,000,000 deep");

	for (i = 0; i < d / 2; i++)
		kag_buf_adds(&b, "{\"a\":[");
	kag_buf_adds(&b, "NaN");
	for (i = 0; i < d / 2; i++)
		kag_buf_adds(&b, "]}");
	ok(kag_json_parse(j, b.buf, b.len, KAG_JSON_NONFINITE) == 0 &&
		j->ntok == 1500001 && j->tok[0].flags == KAG_TOKF_INSIDE &&
		j->tok[0].next == 1500001 &&
		j->tok[1500000].flags == KAG_TOKF_NONFINITE,
	    "NaN under 1,000,000 objects and arrays");

	n = 0;
	s[n++] = '[';
	s[n++] = '-';
	s[n++] = '1';
	for (i = 0; i < 100000; i++)
		s[n++] = (char)('0' + i % 10);
	memcpy(s + n, ".5e-7]", 6);
	n += 6;
	ok(kag_json_parse(j, s, n, 0) == 0 && j->ntok == 2 &&
		j->tok[1].end - j->tok[1].start == 100007,
	    "a 100,000-digit number");
	ok(kag_json_parse(j, s + 1, n - 2, 0) == 0 && j->ntok == 1,
	    "the same alone");
	s[50] = 'x';
	ok(kag_json_parse(j, s, n, 0) == -1 &&
		strncmp(kag_json_errmsg(j), "invalid number '-1012345678",
		    26) == 0 &&
		strlen(kag_json_errmsg(j)) < 100,
	    "a bad long number is quoted short: %s", kag_json_errmsg(j));

	n = 50 * 1000 * 1000;
	s[0] = '"';
	for (i = 1; i < n - 1; i++)
		s[i] = (char)('a' + i % 26);
	memcpy(s + 1000, "\\u00e9\xc3\xa9\\n", 10);
	s[n - 1] = '"';
	ok(kag_json_parse(j, s, n, 0) == 0 &&
		tok(0, KAG_TOK_STRING, KAG_TOKF_ESCAPED, 1, (int)n - 1, 0, 1),
	    "a 50 MB string");
	kag_buf_reset(&b);
	kag_json_str_decode(j, 0, &b);
	ok(b.len == n - 7 &&
		memcmp(b.buf + 999, "\xc3\xa9\xc3\xa9\nw", 6) == 0 &&
		b.buf[b.len - 1] == s[n - 2],
	    "which decodes");
	ok(kag_json_str_eq(j, 0, b.buf, b.len) &&
		!kag_json_str_eq(j, 0, b.buf, b.len - 1),
	    "and compares equal to its decoding");
	kag_buf_reset(&b);
	s[40000000] = '\x01';
	ok(kag_json_parse(j, s, n, 0) == -1 &&
		strcmp(kag_json_errmsg(j), "control character in string") ==
		    0 &&
		kag_json_errcol(j) == 40000001,
	    "a control byte 40 MB into it");

	ok(kag_json_parse(j, s, (size_t)INT_MAX + 1, 0) == -1 &&
		strstr(kag_json_errmsg(j), "longer than") != NULL,
	    "a text over INT_MAX bytes is refused");
	free(s);

	/* A long array of records, as big documents are. */
	kag_buf_reset(&b);
	kag_buf_addc(&b, '[');
	for (i = 0; i < 20000; i++)
		kag_buf_addf(&b,
		    "%s{\"id\":\"n%zu\",\"w\":[%zu,\"\\u00e9\"],"
		    "\"m\":{}}",
		    i ? ", " : "", i, i);
	kag_buf_addc(&b, ']');
	ok(kag_json_parse(j, b.buf, b.len, 0) == 0 && j->tok[0].size == 20000 &&
		j->ntok == 1 + 20000 * 9 &&
		tok(1, KAG_TOK_OBJECT, 0, 1, 36, 3, 10),
	    "an array of 20,000 objects");
	/* Same, one comma missing near the end. */
	for (i = b.len - 1; b.buf[i] != ','; i--)
		;
	while (b.buf[i] != '{')
		i--;
	b.buf[i - 2] = ' ';
	bad(b.buf, b.len, 0, "missing comma", (int)i + 1);
	kag_buf_release(&b);
}

/* A handle keeps working after errors and for texts of every size. */
static void
reuse(void)
{
	ok(parse("[1,", 0) == -1 && parse("[1]", 0) == 0 && j->ntok == 2 &&
		kag_json_errmsg(j)[0] == '\0' && kag_json_errcol(j) == 0,
	    "a good parse after a bad one clears the error");
	ok(parse("[1,", 0) == -1 && j->ntok == 0, "no tokens after an error");
}

int
main(int argc, char **argv)
{
	(void)argc;
	j = kag_json_new();
	gaps();
	accepted();
	tokens();
	nonfinite();
	strings();
	dupkeys();
	shapes();
	boundaries();
	punctuation();
	generated();
	utf8();
	reuse();
	big();
	suite(argv[0]);
	kag_json_free(j);
	kag_json_free(NULL);
	return tap_done();
}
