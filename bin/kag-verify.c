/* kag-verify.c: check kag streams and Kagura export directories. */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kag.h"

#define SYNOPSIS                                                               \
	"usage: kag-verify [-hjqV] [--format-version version] "                \
	"[--max-errors n]\n"                                                   \
	"                  [--strict] [file ...]\n"

struct verify {
	const char *want; /* --format-version */
	unsigned long maxerr;
	int json, quiet, strict;
	struct kag_progress *progress;
	/* The operand being checked: what is shown of it. */
	const char *name;
	uintmax_t shown, hidden;
	struct kag_buf diags; /* --json: its diagnostics, comma-separated */
	struct kag_buf last;  /* the last problem, for trouble */
	int lastshown;
	/* All operands. */
	struct kag_buf report; /* --json: the files, comma-separated */
	uintmax_t errors, warnings;
};

static void
usage(const char *, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Say why (a format, or NULL), then how to call kag-verify; exit 2. */
static void
usage(const char *why, ...)
{
	va_list ap;

	if (why != NULL) {
		fputs("kag-verify: ", stderr);
		va_start(ap, why);
		vfprintf(stderr, why, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fputs(SYNOPSIS, stderr);
	exit(KAG_EXIT_TROUBLE);
}

static void
help(void)
{
	fputs(SYNOPSIS "\n"
		       "  --format-version V  demand this format_version\n"
		       "  -j, --json          print the report as JSON on "
		       "stdout\n"
		       "  --max-errors N      show at most N problems an "
		       "operand (0: all; 100)\n"
		       "  -q, --quiet         print errors only\n"
		       "  --strict            count warnings as errors\n"
		       "  -h, --help          print this help\n"
		       "  -V, --version       print the version\n",
	    stdout);
}

/* Nothing may share the terminal's line with the progress line. */
static void
clear(struct verify *v)
{
	kag_progress_clear(v->progress);
}

/* Show a problem the checker has counted (and made an error if --strict). */
static void
diag(void *ctx, const struct kag_diag *d)
{
	struct verify *v = ctx;
	struct kag_buf *b = &v->diags;
	const char *what = d->severity == KAG_ERROR ? "error" : "warning";

	kag_buf_reset(&v->last);
	if (d->line > 0)
		kag_buf_addf(&v->last, "%s:%ju: %s", d->file, d->line, d->msg);
	else
		kag_buf_addf(&v->last, "%s: %s", d->file, d->msg);
	v->lastshown = 0;
	if (d->severity == KAG_WARNING && v->quiet && !v->json)
		return;
	if (v->maxerr > 0 && v->shown >= v->maxerr) {
		v->hidden++;
		return;
	}
	v->shown++;
	if (!v->json) {
		clear(v);
		if (d->line > 0)
			fprintf(stderr, "%s:%ju: %s: %s\n", d->file, d->line,
			    what, d->msg);
		else
			fprintf(stderr, "%s: %s: %s\n", d->file, what, d->msg);
		v->lastshown = 1;
		return;
	}
	if (b->len > 0)
		kag_buf_addc(b, ',');
	kag_buf_adds(b, "{\"file\":");
	kag_buf_add_json_string(b, d->file, strlen(d->file));
	if (d->line > 0)
		kag_buf_addf(b, ",\"line\":%ju", d->line);
	else
		kag_buf_adds(b, ",\"line\":null");
	kag_buf_addf(b, ",\"severity\":\"%s\",\"message\":", what);
	kag_buf_add_json_string(b, d->msg, strlen(d->msg));
	kag_buf_addc(b, '}');
}

#define PL(n) ((n) == 1 ? "" : "s")

static void
summary(struct verify *v, const struct kag_check *c)
{
	const struct kag_counts *k = kag_check_counts(c);
	const char *version = kag_check_version(c);
	struct kag_buf *b = &v->report;
	uintmax_t n = k->memories + k->nodes + k->edges + k->hyperedges;
	uintmax_t nerr = kag_check_errors(c), nwarn = kag_check_warnings(c);

	v->errors += nerr;
	v->warnings += nwarn;
	if (!v->json) {
		clear(v);
		if (v->hidden > 0)
			fprintf(stderr,
			    "%s: %ju more problem%s not shown (--max-errors "
			    "%lu)\n",
			    v->name, v->hidden, PL(v->hidden), v->maxerr);
		if (v->quiet)
			return;
		if (nerr > 0)
			fprintf(stderr,
			    "%s: invalid: %ju error%s, %ju warning%s\n",
			    v->name, nerr, PL(nerr), nwarn, PL(nwarn));
		else
			fprintf(stderr,
			    "%s: ok: %ju record%s (%ju memor%s, %ju node%s, "
			    "%ju edge%s, %ju hyperedge%s), %ju warning%s\n",
			    v->name, n, PL(n), k->memories,
			    k->memories == 1 ? "y" : "ies", k->nodes,
			    PL(k->nodes), k->edges, PL(k->edges), k->hyperedges,
			    PL(k->hyperedges), nwarn, PL(nwarn));
		return;
	}
	if (b->len > 0)
		kag_buf_addc(b, ',');
	kag_buf_adds(b, "{\"file\":");
	kag_buf_add_json_string(b, v->name, strlen(v->name));
	kag_buf_addf(b, ",\"valid\":%s,\"bare\":%s,\"format_version\":",
	    nerr > 0 ? "false" : "true", kag_check_bare(c) ? "true" : "false");
	if (version != NULL)
		kag_buf_add_json_string(b, version, strlen(version));
	else
		kag_buf_adds(b, "null");
	kag_buf_addf(b,
	    ",\"records\":%ju,\"counts\":{\"memories\":%ju,\"graph_nodes\":%ju,"
	    "\"graph_edges\":%ju,\"hyperedges\":%ju},\"errors\":%ju,"
	    "\"warnings\":%ju,\"diagnostics\":[",
	    n, k->memories, k->nodes, k->edges, k->hyperedges, nerr, nwarn);
	kag_buf_add(b, v->diags.buf, v->diags.len);
	kag_buf_adds(b, "]}");
}

/* Check one operand: 0 valid, 1 invalid, 2 trouble (already said). */
static int
run(struct verify *v, const char *path)
{
	struct kag_check *c;
	struct kag_input *in;
	struct kag_record rec;
	struct stat st;
	uintmax_t nrec = 0;
	int rc, rv;

	v->name = path == NULL || strcmp(path, "-") == 0 ? "<stdin>" : path;
	v->shown = v->hidden = 0;
	kag_buf_reset(&v->diags);
	c = kag_check_new(diag, v, v->strict ? KAG_CHECK_STRICT : 0);
	if (v->want != NULL)
		kag_check_demand(c, v->want);
	if ((in = kag_check_open(c, path)) == NULL) {
		clear(v);
		if (errno == ENOENT && path != NULL && stat(path, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			warnx("%s: no metadata.json: not a Kagura export "
			      "directory",
			    path);
		else
			warn("%s", v->name);
		kag_check_free(c);
		return KAG_EXIT_TROUBLE;
	}
	while ((rc = kag_input_next(in, &rec)) > 0) {
		kag_check_record(c, in, &rec);
		kag_progress_update(v->progress, kag_input_name(in), ++nrec);
	}
	if (kag_input_status(in) == KAG_EXIT_TROUBLE) {
		clear(v);
		if (!v->lastshown)
			warnx("%s", v->last.buf);
		rv = KAG_EXIT_TROUBLE;
	} else {
		if (rc == 0)
			kag_check_end(c, in);
		summary(v, c);
		rv = kag_check_errors(c) > 0 ? KAG_EXIT_DATA : KAG_EXIT_OK;
	}
	kag_input_close(in);
	kag_check_free(c);
	return rv;
}

/* --json: the report, on stdout at the end. */
static int
output(struct verify *v)
{
	struct kag_writer *w = kag_writer_open(STDOUT_FILENO, 0);
	struct kag_buf b = KAG_BUF_INIT;
	int rc;

	kag_buf_addf(&b,
	    "{\"valid\":%s,\"errors\":%ju,\"warnings\":%ju,"
	    "\"files\":[",
	    v->errors > 0 ? "false" : "true", v->errors, v->warnings);
	kag_buf_add(&b, v->report.buf, v->report.len);
	kag_buf_adds(&b, "]}");
	kag_writer_line(w, b.buf, b.len);
	kag_buf_release(&b);
	if ((rc = kag_writer_close(w)) == 0)
		return 0;
	if (errno == EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	} else {
		warn("write error");
	}
	return -1;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "format-version", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "max-errors", required_argument, NULL, 'M' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "strict", no_argument, NULL, 'S' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct verify v;
	unsigned long major, minor;
	char *end;
	int ch, i, rv = KAG_EXIT_OK, r;

	kag_set_progname(argv[0]);
	memset(&v, 0, sizeof(v));
	v.maxerr = 100;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hjqV", opts, NULL)) != -1) {
		switch (ch) {
		case ':':
			usage(
			    "option '%s' needs an argument", argv[optind - 1]);
		case '?':
			if (optopt != 0 && strncmp(argv[optind - 1], "--", 2))
				usage("unknown option '-%c'", optopt);
			usage("unknown option '%s'", argv[optind - 1]);
		case 'F':
			if (kag_version_parse(
				optarg, strlen(optarg), &major, &minor) < 0)
				usage("format version '%s' is not MAJOR.MINOR",
				    optarg);
			v.want = optarg;
			break;
		case 'M':
			errno = 0;
			v.maxerr = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    errno != 0)
				usage(
				    "max-errors '%s' is not a number", optarg);
			break;
		case 'S':
			v.strict = 1;
			break;
		case 'V':
			puts("kag-verify " KAG_VERSION);
			return KAG_EXIT_OK;
		case 'h':
			help();
			return KAG_EXIT_OK;
		case 'j':
			v.json = 1;
			break;
		case 'q':
			v.quiet = 1;
			break;
		default:
			usage(NULL);
		}
	}
	argc -= optind;
	argv += optind;

	if (!v.quiet && !v.json)
		v.progress = kag_progress_new(STDERR_FILENO, kag_progname());

	for (i = 0; i == 0 || i < argc; i++) {
		r = run(&v, argc > 0 ? argv[i] : NULL);
		if (r > rv)
			rv = r;
		if (rv == KAG_EXIT_TROUBLE)
			break;
	}
	kag_progress_free(v.progress);
	if (rv != KAG_EXIT_TROUBLE && v.json && output(&v) < 0)
		rv = KAG_EXIT_TROUBLE;
	kag_buf_release(&v.diags);
	kag_buf_release(&v.last);
	kag_buf_release(&v.report);
	return rv;
}
