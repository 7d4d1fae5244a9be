/* kag-load.c: load kag streams, Kagura exports and HyperMemory documents
 * into the store, all or nothing. */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kag.h"

#define SYNOPSIS                                                               \
	"usage: kag-load [-hnqV] [-d path] [--agent-name name] [--append] "    \
	"[--clear]\n"                                                          \
	"                [--id-prefix prefix] [--on-conflict "                 \
	"replace|skip|fail]\n"                                                 \
	"                [--user-id id] [file ...]\n"
#define usage(...) cli_usage(SYNOPSIS, __VA_ARGS__)

struct load {
	struct kag_load_opts o;
	int dryrun, quiet;
	const char *path; /* the store */
	struct kag_progress *progress;
	uintmax_t nrec;
	int rv;
};

static void __attribute__((noreturn)) help(void)
{
	fputs(SYNOPSIS "\n"
		       "  -d PATH                the store (default $KAG_DB, "
		       "else Kagura's memory.db)\n"
		       "      --agent-name NAME  load every memory as this "
		       "agent's ('' for none)\n"
		       "      --append           give every node, edge and "
		       "hyperedge a new id\n"
		       "      --clear            empty the store first (with "
		       "--user-id or\n"
		       "                         --agent-name: that owner's "
		       "memories)\n"
		       "      --id-prefix PREFIX put PREFIX before every id of "
		       "the graph\n"
		       "      --on-conflict MODE replace (default), skip or "
		       "fail on a stored record\n"
		       "      --user-id ID       load every memory as this "
		       "user's\n"
		       "  -n, --dry-run          do it all, then roll back and "
		       "say what would change\n"
		       "  -q, --quiet            print errors only\n"
		       "  -h, --help             print this help\n"
		       "  -V, --version          print the version\n",
	    stdout);
	cli_done();
}

/* An owner given on the command line must be text that JSON can carry. */
static const char *
owner(const char *what, const char *arg)
{
	struct kag_buf b = KAG_BUF_INIT;
	struct kag_json *j = kag_json_new();
	int rc;

	kag_buf_add_json_string(&b, arg, strlen(arg));
	rc = kag_json_parse(j, b.buf, b.len, 0);
	kag_json_free(j);
	if (rc < 0) {
		kag_buf_reset(&b);
		kag_buf_addf(&b, "invalid %s ", what);
		kag_buf_add_quoted(&b, arg, strlen(arg));
		usage("%s (not UTF-8)", b.buf);
	}
	kag_buf_release(&b);
	return arg;
}

static void
diag(void *ctx, const struct kag_diag *d)
{
	struct load *ld = ctx;

	if (d->severity == KAG_WARNING && ld->quiet)
		return;
	kag_progress_clear(ld->progress);
	fprintf(stderr, "kag-load: %s", d->file);
	if (d->line > 0)
		fprintf(stderr, ":%ju", d->line);
	fprintf(stderr, ": %s%s\n",
	    d->severity == KAG_WARNING ? "warning: " : "", d->msg);
}

/* Load one operand's records: 0, or -1 to stop. */
static int
operand(struct load *ld, struct kag_load *l, const char *path)
{
	struct kag_input *in;
	struct kag_record rec;
	struct stat st;
	int rc = 0;

	if ((in = kag_input_open(path, diag, ld)) == NULL) {
		kag_progress_clear(ld->progress);
		if (errno == ENOENT && stat(path, &st) == 0)
			warnx("%s: no metadata.json: not a Kagura export "
			      "directory",
			    path);
		else
			warn("%s", strcmp(path, "-") ? path : "<stdin>");
		ld->rv = KAG_EXIT_TROUBLE;
		return -1;
	}
	kag_load_operand(l, kag_input_document(in));
	while (kag_input_next(in, &rec) > 0) {
		if (kag_load_record(l, &rec, kag_input_name(in),
			kag_input_lineno(in)) < 0) {
			kag_progress_clear(ld->progress);
			warnx("%s: %s", ld->path, kag_load_errmsg(l));
			ld->rv = KAG_EXIT_TROUBLE;
			rc = -1;
			break;
		}
		kag_progress_update(
		    ld->progress, kag_input_name(in), ++ld->nrec);
	}
	if (kag_input_status(in) > ld->rv)
		ld->rv = kag_input_status(in);
	if (ld->rv == KAG_EXIT_TROUBLE)
		rc = -1;
	kag_input_close(in);
	return rc;
}

/* ", N kinds (a created, b updated, c unchanged[, d skipped])" */
static void
stats(struct kag_buf *b, const char *kind, const char *kinds,
    const struct kag_load_stats *s)
{
	uintmax_t n = s->created + s->updated + s->unchanged + s->skipped;

	if (n == 0)
		return;
	kag_buf_addf(b, "%s%ju %s (%ju created, %ju updated, %ju unchanged",
	    b->len ? ", " : "", n, n == 1 ? kind : kinds, s->created,
	    s->updated, s->unchanged);
	if (s->skipped > 0)
		kag_buf_addf(b, ", %ju skipped", s->skipped);
	if (s->renamed > 0)
		kag_buf_addf(b, ", %ju renamed", s->renamed);
	kag_buf_addc(b, ')');
}

static void
cleared(struct kag_buf *b, const char *kind, const char *kinds, uintmax_t n)
{
	if (n > 0)
		kag_buf_addf(b, "%s%ju %s", b->len ? ", " : "cleared ", n,
		    n == 1 ? kind : kinds);
}

static void
summary(struct load *ld, const struct kag_load_report *r)
{
	struct kag_buf b = KAG_BUF_INIT, c = KAG_BUF_INIT;

	cleared(&c, "memory", "memories", r->cleared.memories);
	cleared(&c, "node", "nodes", r->cleared.nodes);
	cleared(&c, "edge", "edges", r->cleared.edges);
	cleared(&c, "hyperedge", "hyperedges", r->cleared.hyperedges);
	stats(&b, "memory", "memories", &r->memories);
	stats(&b, "node", "nodes", &r->nodes);
	stats(&b, "edge", "edges", &r->edges);
	stats(&b, "hyperedge", "hyperedges", &r->hyperedges);
	fprintf(stderr, "kag-load: %s: %s%s%s%s\n", ld->path,
	    ld->dryrun ? "dry run, nothing written: " : "", c.len ? c.buf : "",
	    c.len ? "; " : "", b.len ? b.buf : "no records");
	kag_buf_release(&b);
	kag_buf_release(&c);
}

/* Open the store and load every operand into it. */
static void
load(struct load *ld, int argc, char *argv[])
{
	struct kag_buf err = KAG_BUF_INIT;
	struct kag_store *s;
	struct kag_load *l;
	int i, rc;

	s = kag_store_open(
	    ld->path, KAG_STORE_WRITE, KAG_STORE_TIMEOUT_MS, &err);
	if (s == NULL) {
		warnx("%s: %s", ld->path, err.buf);
		ld->rv = KAG_EXIT_TROUBLE;
		kag_buf_release(&err);
		return;
	}
	l = kag_load_new(s, &ld->o, diag, ld);
	if (kag_load_begin(l) < 0) {
		warnx("%s: %s", ld->path, kag_load_errmsg(l));
		ld->rv = KAG_EXIT_TROUBLE;
		goto out;
	}
	if (!ld->quiet)
		ld->progress = kag_progress_new(STDERR_FILENO, "kag-load");
	for (i = 0; i == 0 || i < argc; i++)
		if (operand(ld, l, argc > 0 ? argv[i] : "-") < 0)
			goto out;
	rc = kag_load_finish(l, ld->rv == 0 && !ld->dryrun);
	kag_progress_free(ld->progress);
	ld->progress = NULL;
	if (rc < 0) {
		warnx("%s: %s", ld->path, kag_load_errmsg(l));
		ld->rv = KAG_EXIT_TROUBLE;
	} else if (ld->rv != 0 || kag_load_errors(l) > 0) {
		ld->rv = KAG_EXIT_DATA;
		warnx("%s: nothing loaded", ld->path);
	} else if (!ld->quiet) {
		summary(ld, kag_load_report(l));
	}
out:
	kag_progress_free(ld->progress);
	kag_load_free(l);
	kag_store_close(s);
	kag_buf_release(&err);
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "agent-name", required_argument, NULL, 'A' },
		{ "append", no_argument, NULL, 'a' },
		{ "clear", no_argument, NULL, 'C' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "id-prefix", required_argument, NULL, 'I' },
		{ "on-conflict", required_argument, NULL, 'O' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "user-id", required_argument, NULL, 'U' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct load ld;
	struct kag_buf path = KAG_BUF_INIT;
	const char *db = NULL;
	int ch;

	kag_set_progname(argv[0]);
	memset(&ld, 0, sizeof(ld));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:hnqV", opts, NULL)) != -1) {
		switch (ch) {
		case ':':
			usage(
			    "option '%s' needs an argument", argv[optind - 1]);
		case '?':
			if (optopt != 0 && strncmp(argv[optind - 1], "--", 2))
				usage("unknown option '-%c'", optopt);
			usage("unknown option '%s'", argv[optind - 1]);
		case 'A':
			ld.o.agent_name = owner("agent name", optarg);
			break;
		case 'C':
			ld.o.clear = 1;
			break;
		case 'I':
			ld.o.id_prefix = owner("id prefix", optarg);
			break;
		case 'O':
			if (strcmp(optarg, "replace") == 0)
				ld.o.conflict = KAG_CONFLICT_REPLACE;
			else if (strcmp(optarg, "skip") == 0)
				ld.o.conflict = KAG_CONFLICT_SKIP;
			else if (strcmp(optarg, "fail") == 0)
				ld.o.conflict = KAG_CONFLICT_FAIL;
			else
				usage("on-conflict '%s' is not replace, skip "
				      "or fail",
				    optarg);
			break;
		case 'U':
			ld.o.user_id = owner("user id", optarg);
			break;
		case 'V':
			puts("kag-load " KAG_VERSION);
			cli_done();
		case 'a':
			ld.o.append = 1;
			break;
		case 'd':
			db = optarg;
			break;
		case 'h':
			help();
		case 'n':
			ld.dryrun = 1;
			break;
		case 'q':
			ld.quiet = 1;
			break;
		default:
			usage(NULL);
		}
	}
	argc -= optind;
	argv += optind;

	if (kag_store_path(db, &path) < 0)
		usage("no store: give -d or set KAG_DB");
	ld.path = path.buf;
	load(&ld, argc, argv);
	kag_buf_release(&path);
	return ld.rv;
}
