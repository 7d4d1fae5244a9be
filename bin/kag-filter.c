/* kag-filter.c: copy the records of kag streams that match. */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kag.h"

/* A replacement of text[start..end) in a record being rewritten. */
struct edit {
	int start, end;
	const char *s;
	size_t n;
};

struct filter {
	struct kag_match *m;
	struct kag_match *redact; /* memories whose key matches a --redact */
	struct kag_buf setuser, setagent; /* ,"user_id":"ID" and so on */
	uintmax_t limit;
	int count, quiet, redacting;

	struct kag_writer *w;
	struct kag_counts out;
	uintmax_t nout;
	int started, stop, rv;
	struct kag_buf tmp, line, err;
	struct kag_json *json;
};

enum { OPT_LIMIT = 256, OPT_REDACT, OPT_SETAGENT, OPT_SETUSER, PRED };

/* A predicate's option is PRED + its enum kag_match_what; what its
 * argument is called in a message when refused. */
static const char *argname[] = {
	[KAG_MATCH_SCOPE] = "scope",
	[KAG_MATCH_TYPE] = "type",
	[KAG_MATCH_SINCE] = "time",
	[KAG_MATCH_UNTIL] = "time",
	[KAG_MATCH_WHERE] = "--where",
};

static const struct option longopts[] = {
	{ "agent-name", required_argument, NULL, PRED + KAG_MATCH_AGENT_NAME },
	{ "count", no_argument, NULL, 'c' },
	{ "gzip", no_argument, NULL, 'z' },
	{ "help", no_argument, NULL, 'h' },
	{ "invert", no_argument, NULL, 'v' },
	{ "key", required_argument, NULL, PRED + KAG_MATCH_KEY },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "redact", required_argument, NULL, OPT_REDACT },
	{ "scope", required_argument, NULL, PRED + KAG_MATCH_SCOPE },
	{ "set-agent-name", required_argument, NULL, OPT_SETAGENT },
	{ "set-user-id", required_argument, NULL, OPT_SETUSER },
	{ "since", required_argument, NULL, PRED + KAG_MATCH_SINCE },
	{ "type", required_argument, NULL, PRED + KAG_MATCH_TYPE },
	{ "until", required_argument, NULL, PRED + KAG_MATCH_UNTIL },
	{ "user-id", required_argument, NULL, PRED + KAG_MATCH_USER_ID },
	{ "version", no_argument, NULL, 'V' },
	{ "where", required_argument, NULL, PRED + KAG_MATCH_WHERE },
	{ NULL, 0, NULL, 0 },
};

static const char synopsis[] =
    "usage: kag-filter [-chqVvz] [--agent-name name] [--key glob] "
    "[--limit n]\n"
    "\t[--redact glob] [--scope scope] [--set-agent-name name]\n"
    "\t[--set-user-id id] [--since time] [--type type] [--until time]\n"
    "\t[--user-id id] [--where path=value] [file ...]\n";

#define usage(why)	  cli_usage(synopsis, "%s", why)
#define badarg(what, arg) cli_badarg(synopsis, what, arg)
#define badopt(c, arg)	  cli_badopt(synopsis, c, arg, NULL)

static const char optlist[] =
    "  -c, --count             print only the number of records kept\n"
    "  -h, --help              print this help and exit\n"
    "  -q, --quiet             print no warnings\n"
    "  -V, --version           print the version and exit\n"
    "  -v, --invert            keep the records that do not match\n"
    "  -z, --gzip              write gzip\n"
    "      --agent-name name   memories of this agent ('' for none)\n"
    "      --key glob          memories whose key matches\n"
    "      --limit n           write at most n records\n"
    "      --redact glob       make the value of matching keys \"***\"\n"
    "      --scope scope       memories of scope working or persistent\n"
    "      --set-agent-name name  move memories to this agent\n"
    "      --set-user-id id    move memories and nodes to this user\n"
    "      --since time        memories and nodes of time or later\n"
    "      --type type         memory, node, edge or hyperedge\n"
    "      --until time        memories and nodes of time or earlier\n"
    "      --user-id id        memories and nodes of this user\n"
    "      --where path=value  records whose field at path is value\n";

static void
predicate(struct filter *f, enum kag_match_what what, const char *arg)
{
	struct kag_buf why = KAG_BUF_INIT;

	if (kag_match_add(f->m, what, arg) == 0)
		return;
	kag_buf_addf(&why, "invalid %s", argname[what]);
	if (what == KAG_MATCH_WHERE)
		kag_buf_addf(&why, " (%s)", kag_match_errmsg(f->m));
	badarg(why.buf, arg);
}

/* The text ,"name":"arg" (or null for an empty agent name) to insert,
 * whose value part replaces an existing one. */
static void
setarg(struct filter *f, struct kag_buf *b, const char *name, const char *arg)
{
	kag_buf_reset(b);
	kag_buf_addf(b, ",\"%s\":", name);
	if (*arg == '\0' && strcmp(name, "agent_name") == 0)
		kag_buf_adds(b, "null");
	else
		kag_buf_add_json_string(b, arg, strlen(arg));
	if (kag_json_parse(f->json, b->buf + strlen(name) + 4,
		b->len - strlen(name) - 4, 0) < 0)
		badarg("invalid name (not UTF-8)", arg);
}

/*
 * Replace token t (a string with its quotes) by s[n0..n), or when t < 0
 * insert all of s[0..n) before the final brace; the edits stay sorted by
 * position.  Nothing to do when the text is already there.
 */
static void
edit(struct edit *e, int *ne, const struct kag_json *j, int t, const char *s,
    size_t n, size_t n0)
{
	struct edit x = { j->tok[0].end - 1, j->tok[0].end - 1, s, n };
	int i;

	if (t >= 0) {
		x.start = j->tok[t].start - (j->tok[t].type == KAG_TOK_STRING);
		x.end = j->tok[t].end + (j->tok[t].type == KAG_TOK_STRING);
		x.s += n0;
		x.n -= n0;
		if ((size_t)(x.end - x.start) == x.n &&
		    memcmp(j->text + x.start, x.s, x.n) == 0)
			return;
	}
	for (i = (*ne)++; i > 0 && e[i - 1].start > x.start; i--)
		e[i] = e[i - 1];
	e[i] = x;
}

/* The line to write for r, rewritten as the options ask: 0, or -1 when
 * the rewritten record is not valid (reported). */
static int
rewrite(struct filter *f, struct kag_input *in, const struct kag_record *r,
    const char **line, size_t *len)
{
	static const char stars[] = ",\"value\":\"***\"";
	const struct kag_buf *u = &f->setuser, *a = &f->setagent;
	const struct kag_json *j = r->json;
	struct kag_record nr;
	struct edit e[3];
	int ne = 0, i, at = 0, t;

	*line = r->line;
	*len = r->len;
	/* A memory without an owner gets one, a node without one does not. */
	if (u->len > 0 &&
	    ((t = kag_record_owner_tok(r)) >= 0 || r->type == KAG_REC_MEMORY))
		edit(e, &ne, j, t, u->buf, u->len, 11);
	if (r->type == KAG_REC_MEMORY && a->len > 0)
		edit(e, &ne, j, r->f[KAG_F_AGENT_NAME], a->buf, a->len, 14);
	if (r->type == KAG_REC_MEMORY && f->redacting &&
	    kag_match_record(f->redact, r))
		edit(e, &ne, j, r->f[KAG_F_VALUE], stars, sizeof(stars) - 1, 9);
	if (ne == 0)
		return 0;
	kag_buf_reset(&f->line);
	for (i = 0; i < ne; i++) {
		kag_buf_add(&f->line, r->line + at, (size_t)(e[i].start - at));
		kag_buf_add(&f->line, e[i].s, e[i].n);
		at = e[i].end;
	}
	kag_buf_add(&f->line, r->line + at, r->len - (size_t)at);
	*line = f->line.buf;
	*len = f->line.len;
	if (kag_record_parse(&nr, f->json, *line, *len, &f->err) == 0)
		return 0;
	warnx("%s:%ju: cannot rewrite the record: %s", kag_input_name(in),
	    kag_input_lineno(in), f->err.buf);
	f->rv = KAG_EXIT_DATA;
	return -1;
}

/* Begin the output with the input's first header, or one of our own. */
static void
start(struct filter *f, const struct kag_record *r)
{
	f->started = 1;
	if (f->count)
		return;
	if (r != NULL && r->type == KAG_REC_METADATA) {
		kag_writer_line(f->w, r->line, r->len);
		return;
	}
	kag_buf_reset(&f->tmp);
	kag_format_header(&f->tmp, "kag-filter " KAG_VERSION, 0);
	kag_writer_line(f->w, f->tmp.buf, f->tmp.len);
}

/* 0 to read on, -1 to stop. */
static int
record(struct filter *f, struct kag_input *in, const struct kag_record *r)
{
	const char *line;
	size_t len;

	if (!f->started)
		start(f, r);
	if (r->type == KAG_REC_METADATA || r->type == KAG_REC_END)
		return 0;
	if (f->nout >= f->limit)
		return -1;
	if (!kag_match_record(f->m, r) || rewrite(f, in, r, &line, &len) < 0)
		return 0;
	if (!f->count && kag_writer_line(f->w, line, len) < 0)
		return -1;
	kag_counts_add(&f->out, r->type);
	return ++f->nout >= f->limit ? -1 : 0;
}

static void
diag(void *ctx, const struct kag_diag *d)
{
	struct filter *f = ctx;
	const char *sev = d->severity == KAG_WARNING ? "warning: " : "";

	if (d->severity == KAG_WARNING && f->quiet)
		return;
	fprintf(stderr, "%s: %s", kag_progname(), d->file);
	if (d->line > 0)
		fprintf(stderr, ":%ju", d->line);
	fprintf(stderr, ": %s%s\n", sev, d->msg);
}

static void
filter(struct filter *f, const char *operand)
{
	struct kag_input *in;
	struct kag_record r;
	struct stat st;

	if ((in = kag_input_open(operand, diag, f)) == NULL) {
		if (errno == ENOENT && stat(operand, &st) == 0)
			warnx("%s: no metadata.json in the directory", operand);
		else
			warn("%s", strcmp(operand, "-") ? operand : "<stdin>");
		f->rv = KAG_EXIT_TROUBLE;
		f->stop = 1;
		return;
	}
	if (kag_match_fast(f->m))
		kag_input_set_skip(in, kag_match_skip, f->m);
	while (!f->stop && kag_input_next(in, &r) == 1)
		f->stop = record(f, in, &r) < 0;
	if (kag_input_status(in) > f->rv)
		f->rv = kag_input_status(in);
	if (f->rv == KAG_EXIT_TROUBLE)
		f->stop = 1;
	kag_input_close(in);
}

/* Write the end of the output and close it; the exit status. */
static int
finish(struct filter *f)
{
	if (!f->started)
		start(f, NULL);
	kag_buf_reset(&f->tmp);
	if (f->count)
		kag_buf_addf(&f->tmp, "%ju", f->nout);
	else if (f->rv == 0)
		kag_counts_format_trailer(&f->out, &f->tmp);
	if (f->tmp.len > 0)
		kag_writer_line(f->w, f->tmp.buf, f->tmp.len);
	if (kag_writer_close(f->w) < 0) {
		if (errno == EPIPE) {
			signal(SIGPIPE, SIG_DFL);
			raise(SIGPIPE);
		}
		warn("write error");
		return KAG_EXIT_TROUBLE;
	}
	return f->rv;
}

/* Free what main() made (the fuzz target uses it too). */
static void
release(struct filter *f)
{
	kag_match_free(f->m);
	kag_match_free(f->redact);
	kag_buf_release(&f->setuser);
	kag_buf_release(&f->setagent);
	kag_buf_release(&f->tmp);
	kag_buf_release(&f->line);
	kag_buf_release(&f->err);
	kag_json_free(f->json);
}

int
main(int argc, char *argv[])
{
	struct filter f = { 0 };
	char *end;
	int c, gzip = 0, i;

	kag_set_progname(argv[0]);
	f.m = kag_match_new();
	f.redact = kag_match_new();
	f.json = kag_json_new();
	f.limit = UINTMAX_MAX;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":chqVvz", longopts, NULL)) != -1) {
		switch (c) {
		case 'V':
			puts("kag-filter " KAG_VERSION);
			cli_done();
			break;
		case 'c':
			f.count = 1;
			break;
		case 'h':
			fputs(synopsis, stdout);
			fputs(optlist, stdout);
			cli_done();
			break;
		case 'q':
			f.quiet = 1;
			break;
		case 'v':
			kag_match_invert(f.m);
			break;
		case 'z':
			gzip = 1;
			break;
		case OPT_LIMIT:
			errno = 0;
			f.limit = strtoumax(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || *optarg < '0' ||
			    *optarg > '9')
				badarg("invalid limit", optarg);
			break;
		case OPT_REDACT:
			kag_match_add(f.redact, KAG_MATCH_KEY, optarg);
			f.redacting = 1;
			break;
		case OPT_SETAGENT:
			setarg(&f, &f.setagent, "agent_name", optarg);
			break;
		case OPT_SETUSER:
			setarg(&f, &f.setuser, "user_id", optarg);
			break;
		default:
			if (c >= PRED)
				predicate(&f, c - PRED, optarg);
			else
				badopt(c, argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;

	f.w = kag_writer_open(1, gzip);
	if (argc == 0)
		filter(&f, "-");
	for (i = 0; i < argc && !f.stop; i++)
		filter(&f, argv[i]);
	c = finish(&f);
	release(&f);
	return c;
}
