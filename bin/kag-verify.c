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

#include "cli.h"
#include "kag.h"

#define SYNOPSIS                                                               \
	"usage: kag-verify [-hjqV] [--format text|json|github]\n"              \
	"                  [--format-version version] [--max-errors n]\n"      \
	"                  [--state file] [--strict] [file ...]\n"
#define usage(...) cli_usage(SYNOPSIS, __VA_ARGS__)

struct verify {
	const char *want; /* --format-version */
	unsigned long maxerr;
	int quiet, strict;
	enum kag_report_format format;
	struct kag_progress *progress;
	struct kag_report *report;
	struct kag_state *state;
	struct kag_writer *out; /* stdout, for JSON and GitHub */
	struct kag_buf obuf, ebuf;
	struct kag_buf last; /* the last problem, for trouble */
	int lastshown;
};

static void
help(void)
{
	fputs(SYNOPSIS "\n"
		       "  --format F          report as text (stderr), json or "
		       "github (stdout)\n"
		       "  --format-version V  demand this format_version\n"
		       "  -j, --json          --format json\n"
		       "  --max-errors N      show at most N problems an "
		       "operand (0: all; 100)\n"
		       "  -q, --quiet         print errors only\n"
		       "  --state FILE        remember what was verified in "
		       "FILE, and use it\n"
		       "  --strict            count warnings as errors\n"
		       "  -h, --help          print this help\n"
		       "  -V, --version       print the version\n",
	    stdout);
}

/* Show what the report made: stderr at once (the progress line cleared
 * first), stdout through the writer. */
static void
flush(struct verify *v)
{
	if (v->ebuf.len > 0) {
		kag_progress_clear(v->progress);
		fwrite(v->ebuf.buf, 1, v->ebuf.len, stderr);
		kag_buf_reset(&v->ebuf);
	}
	if (v->obuf.len > 0) {
		kag_writer_write(v->out, v->obuf.buf, v->obuf.len);
		kag_buf_reset(&v->obuf);
	}
}

/* Show a problem the checker has counted (and made an error if --strict). */
static void
diag(void *ctx, const struct kag_diag *d)
{
	struct verify *v = ctx;

	kag_buf_reset(&v->last);
	if (d->line > 0)
		kag_buf_addf(&v->last, "%s:%ju: %s", d->file, d->line, d->msg);
	else
		kag_buf_addf(&v->last, "%s: %s", d->file, d->msg);
	kag_report_diag(v->report, d, &v->obuf, &v->ebuf);
	v->lastshown = v->ebuf.len > 0;
	flush(v);
}

/* Check one operand: 0 valid, 1 invalid, 2 trouble (already said). */
static int
run(struct verify *v, const char *path)
{
	struct kag_state_opts o;
	struct kag_check *c;
	struct stat st;
	const char *name;
	uintmax_t reused;
	int rc, rv;

	name = path == NULL || strcmp(path, "-") == 0 ? "<stdin>" : path;
	kag_report_begin(v->report, name);
	memset(&o, 0, sizeof(o));
	o.diag = diag;
	o.ctx = v;
	o.flags = v->strict ? KAG_CHECK_STRICT : 0;
	o.want = v->want;
	o.progress = v->progress;
	v->lastshown = 0;
	rc = kag_state_check(v->state, path, &o, &c, &reused);
	if (rc < 0) {
		kag_progress_clear(v->progress);
		if (errno == ENOENT && path != NULL && stat(path, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			warnx("%s: no metadata.json: not a Kagura export "
			      "directory",
			    path);
		else
			warn("%s", name);
		return KAG_EXIT_TROUBLE;
	}
	if (rc > 0) {
		kag_progress_clear(v->progress);
		if (!v->lastshown)
			warnx("%s", v->last.buf);
		rv = KAG_EXIT_TROUBLE;
	} else {
		kag_report_file(v->report, c, reused, &v->ebuf);
		flush(v);
		rv = kag_check_errors(c) > 0 ? KAG_EXIT_DATA : KAG_EXIT_OK;
	}
	kag_check_free(c);
	return rv;
}

/* The end of stdout: a full disk is trouble, a closed pipe is quiet. */
static int
finish(struct verify *v, int rv)
{
	if (v->out == NULL)
		return rv;
	if (rv != KAG_EXIT_TROUBLE) {
		kag_report_end(v->report, &v->obuf);
		flush(v);
	}
	if (kag_writer_close(v->out) == 0)
		return rv;
	if (errno == EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	warn("write error");
	return KAG_EXIT_TROUBLE;
}

/* The options that change a verdict name the rows of a state file. */
static struct kag_state *
openstate(struct verify *v, const char *path)
{
	struct kag_state *s;
	struct kag_buf key = KAG_BUF_INIT, err = KAG_BUF_INIT;

	kag_buf_addf(&key, "kag-verify %s strict=%d format-version=%s",
	    KAG_VERSION, v->strict, v->want != NULL ? v->want : "-");
	s = kag_state_open(path, key.buf, &err);
	if (s == NULL)
		errx(KAG_EXIT_TROUBLE, "%s", err.buf);
	if (kag_state_note(s) != NULL && !v->quiet)
		warnx("%s", kag_state_note(s));
	kag_buf_release(&key);
	kag_buf_release(&err);
	return s;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "format-version", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "max-errors", required_argument, NULL, 'M' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "state", required_argument, NULL, 's' },
		{ "strict", no_argument, NULL, 'S' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct verify v;
	unsigned long major, minor;
	const char *statepath = NULL;
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
		case 'f':
			if (strcmp(optarg, "text") == 0)
				v.format = KAG_REPORT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				v.format = KAG_REPORT_JSON;
			else if (strcmp(optarg, "github") == 0)
				v.format = KAG_REPORT_GITHUB;
			else
				usage("format '%s' is not text, json or github",
				    optarg);
			break;
		case 'V':
			puts("kag-verify " KAG_VERSION);
			cli_done();
		case 'h':
			help();
			cli_done();
		case 'j':
			v.format = KAG_REPORT_JSON;
			break;
		case 'q':
			v.quiet = 1;
			break;
		case 's':
			statepath = optarg;
			break;
		default:
			usage(NULL);
		}
	}
	argc -= optind;
	argv += optind;

	if (statepath != NULL)
		v.state = openstate(&v, statepath);
	if (!v.quiet && v.format == KAG_REPORT_TEXT)
		v.progress = kag_progress_new(STDERR_FILENO, kag_progname());
	v.report = kag_report_new(v.format, v.maxerr, v.quiet, v.state != NULL);
	if (v.format != KAG_REPORT_TEXT)
		v.out = kag_writer_open(STDOUT_FILENO, 0);

	for (i = 0; i == 0 || i < argc; i++) {
		r = run(&v, argc > 0 ? argv[i] : NULL);
		if (r > rv)
			rv = r;
		if (rv == KAG_EXIT_TROUBLE)
			break;
	}
	kag_progress_free(v.progress);
	if (v.state != NULL && kag_state_commit(v.state) < 0) {
		warnx("%s", kag_state_errmsg(v.state));
		rv = KAG_EXIT_TROUBLE;
	}
	rv = finish(&v, rv);
	kag_state_close(v.state);
	kag_report_free(v.report);
	kag_buf_release(&v.obuf);
	kag_buf_release(&v.ebuf);
	kag_buf_release(&v.last);
	return rv;
}
