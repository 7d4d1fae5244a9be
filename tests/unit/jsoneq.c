/* jsoneq.c: JSON lines in a canonical form, for comparing them by meaning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kag.h"

/*
 * Built by make check for tests/t_compat.t:
 *   jsoneq [-w] [-k key] [-x key]... [file]
 * Prints each line of file (default stdin; gzip too) as one line of
 * canonical JSON (kag_json_canonical: strings decoded and written again,
 * no whitespace, keys in their order, numbers as written, NaN allowed),
 * without the top-level key "exported_at" nor those given with -x.  With
 * -k only the value of that top-level key ("" when absent).  With -w
 * the whole input is one JSON text (an indented metadata.json).  Exit 1
 * on a line that is not JSON, 2 on trouble.
 */

static char **drop;
static int ndrop;
static const char *only;

static int
dropped(const struct kag_json *j, int k)
{
	int i;

	if (kag_json_str_eq(j, k, "exported_at", 11))
		return 1;
	for (i = 0; i < ndrop; i++)
		if (kag_json_str_eq(j, k, drop[i], strlen(drop[i])))
			return 1;
	return 0;
}

/* One JSON text, canonical, on out. */
static int
canon(struct kag_json *j, const char *s, size_t n, struct kag_buf *out)
{
	int k, i, first = 1;

	kag_buf_reset(out);
	if (kag_json_parse(j, s, n, KAG_JSON_NONFINITE) < 0)
		return -1;
	if (only != NULL) {
		k = kag_json_find_key(j, 0, only, strlen(only));
		if (k >= 0)
			kag_json_canonical(j, k, out);
		return 0;
	}
	if (j->tok[0].type != KAG_TOK_OBJECT) {
		kag_json_canonical(j, 0, out);
		return 0;
	}
	kag_buf_addc(out, '{');
	for (k = 1, i = 0; i < j->tok[0].size; i++, k = j->tok[k + 1].next) {
		if (dropped(j, k))
			continue;
		if (!first)
			kag_buf_addc(out, ',');
		first = 0;
		kag_json_canonical(j, k, out);
		kag_buf_addc(out, ':');
		kag_json_canonical(j, k + 1, out);
	}
	kag_buf_addc(out, '}');
	return 0;
}

static void
emit(const struct kag_buf *b)
{
	fwrite(b->buf != NULL ? b->buf : "", 1, b->len, stdout);
	putchar('\n');
}

int
main(int argc, char *argv[])
{
	struct kag_buf out = KAG_BUF_INIT, all = KAG_BUF_INIT;
	struct kag_reader *r;
	struct kag_json *j = kag_json_new();
	const char *line;
	size_t len;
	int c, whole = 0, rc, rv = 0;

	drop = calloc((size_t)argc, sizeof(*drop));
	while ((c = getopt(argc, argv, "k:wx:")) != -1) {
		switch (c) {
		case 'k':
			only = optarg;
			break;
		case 'w':
			whole = 1;
			break;
		case 'x':
			drop[ndrop++] = optarg;
			break;
		default:
			fputs(
			    "usage: jsoneq [-w] [-k key] [-x key]... [file]\n",
			    stderr);
			return 2;
		}
	}
	if ((r = kag_reader_open(optind < argc ? argv[optind] : NULL)) ==
	    NULL) {
		perror(argv[optind]);
		return 2;
	}
	while ((rc = kag_reader_getline(r, &line, &len)) > 0) {
		if (whole) {
			kag_buf_add(&all, line, len);
			kag_buf_addc(&all, '\n');
			continue;
		}
		if (canon(j, line, len, &out) < 0) {
			fprintf(stderr, "jsoneq: %s:%ju: %s\n",
			    kag_reader_name(r), kag_reader_lineno(r),
			    kag_json_errmsg(j));
			rv = 1;
			continue;
		}
		emit(&out);
	}
	if (rc < 0) {
		fprintf(stderr, "jsoneq: %s\n", kag_reader_errmsg(r));
		rv = 2;
	}
	if (whole && rc == 0) {
		if (canon(j, all.buf != NULL ? all.buf : "", all.len, &out) <
		    0) {
			fprintf(stderr, "jsoneq: %s: %s\n", kag_reader_name(r),
			    kag_json_errmsg(j));
			rv = 1;
		} else {
			emit(&out);
		}
	}
	kag_reader_close(r);
	kag_json_free(j);
	kag_buf_release(&out);
	kag_buf_release(&all);
	free(drop);
	if (fflush(stdout) == EOF)
		rv = 2;
	return rv;
}
