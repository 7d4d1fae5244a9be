/* kag-subgraph.c: cut a subgraph out of kag streams or out of the store. */
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

struct subgraph {
	struct kag_cut cut;
	struct kag_graph *g;
	struct kag_progress *progress;
	uintmax_t nrec;
	unsigned missing; /* start ids that are not nodes */
	int quiet, rv;
	int broken; /* an input could not be read to its end */
};

enum {
	OPT_DEPTH = 256,
	OPT_DIRECTION,
	OPT_JSON,
	OPT_MAXBYTES,
	OPT_NODE,
	OPT_NOEDGES,
	OPT_ROOT,
	OPT_WITHMEM
};

static const struct option longopts[] = {
	{ "depth", required_argument, NULL, OPT_DEPTH },
	{ "direction", required_argument, NULL, OPT_DIRECTION },
	{ "gzip", no_argument, NULL, 'z' },
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "max-bytes", required_argument, NULL, OPT_MAXBYTES },
	{ "no-edges", no_argument, NULL, OPT_NOEDGES },
	{ "node", required_argument, NULL, OPT_NODE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "version", no_argument, NULL, 'V' },
	{ "with-memories", no_argument, NULL, OPT_WITHMEM },
	{ NULL, 0, NULL, 0 },
};

static const char synopsis[] =
    "usage: kag-subgraph [-hqVz] [-d path] [--depth n] [--direction dir] "
    "[--json]\n"
    "\t[--max-bytes n] [--no-edges] [--with-memories]\n"
    "\t--node id ... | --root id [file ...]\n";

#define usage(why)	  cli_usage(synopsis, "%s", why)
#define badarg(what, arg) cli_badarg(synopsis, what, arg)
#define badopt(c, arg)                                                         \
	cli_badopt(synopsis, c, arg, "unexpected operand with -d")

static const char optlist[] =
    "  -d path                 cut from the store, not from files\n"
    "  -h, --help              print this help and exit\n"
    "  -q, --quiet             show no progress or warnings\n"
    "  -V, --version           print the version and exit\n"
    "  -z, --gzip              write gzip\n"
    "      --depth n           hops from the root (default 2)\n"
    "      --direction dir     follow edges out, in or both (default)\n"
    "      --json              write one HyperMemory document\n"
    "      --max-bytes n       refuse an export larger than n bytes\n"
    "      --no-edges          leave out edges and hyperedges\n"
    "      --node id           export this node (repeatable)\n"
    "      --root id           export the nodes around this one\n"
    "      --with-memories     add the memories of the memory nodes\n";

/* A count given on the command line: digits only. */
static uintmax_t
number(const char *what, const char *arg)
{
	uintmax_t n;
	char *end;

	errno = 0;
	n = strtoumax(arg, &end, 10);
	if (errno != 0 || *end != '\0' || *arg < '0' || *arg > '9')
		badarg(what, arg);
	return n;
}

static void
diag(void *ctx, const struct kag_diag *d)
{
	struct subgraph *p = ctx;
	const char *sev = d->severity == KAG_WARNING ? "warning: " : "";

	if (d->severity == KAG_ERROR && p->rv < KAG_EXIT_DATA)
		p->rv = KAG_EXIT_DATA;
	if (d->severity == KAG_WARNING && p->quiet)
		return;
	kag_progress_clear(p->progress);
	fprintf(stderr, "%s: %s", kag_progname(), d->file);
	if (d->line > 0)
		fprintf(stderr, ":%ju", d->line);
	fprintf(stderr, ": %s%s\n", sev, d->msg);
}

/* A start id that is not a node: HyperMemory's NODE_NOT_FOUND. */
static void
notfound(struct subgraph *p, const char *id)
{
	struct kag_buf msg = KAG_BUF_INIT;

	kag_buf_add_quoted(&msg, id, strlen(id));
	warnx("node %s not found", msg.buf);
	kag_buf_release(&msg);
	p->missing++;
}

/* Memory records are read only when they may be exported. */
static int
skipmem(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	(void)line;
	(void)len;
	return 1;
}

/*
 * Every record of one operand into the graph; 0, or -1 when it could
 * not be read to its end (the graph is not whole: nothing is cut).
 */
static int
readop(struct subgraph *p, const char *operand)
{
	struct kag_input *in;
	struct kag_record r;
	struct stat st;
	int rc;

	if ((in = kag_input_open(operand, diag, p)) == NULL) {
		kag_progress_clear(p->progress);
		if (errno == ENOENT && stat(operand, &st) == 0)
			warnx("%s: no metadata.json in the directory", operand);
		else
			warn("%s", strcmp(operand, "-") ? operand : "<stdin>");
		p->rv = KAG_EXIT_TROUBLE;
		return -1;
	}
	if (!p->cut.memories)
		kag_input_set_skip(in, skipmem, NULL);
	while ((rc = kag_input_next(in, &r)) == 1) {
		kag_graph_add(p->g, &r);
		kag_progress_update(p->progress, kag_input_name(in), ++p->nrec);
	}
	if (kag_input_status(in) > p->rv)
		p->rv = kag_input_status(in);
	if (rc < 0 && p->rv < KAG_EXIT_DATA)
		p->rv = KAG_EXIT_DATA;
	kag_input_close(in);
	return rc < 0 || p->rv == KAG_EXIT_TROUBLE ? -1 : 0;
}

/* The cut from a store: its rows for the cut alone, into the graph. */
static void
fromstore(struct subgraph *p, const char *dpath)
{
	struct kag_buf db = KAG_BUF_INIT, e = KAG_BUF_INIT;
	struct kag_store *s = NULL;
	struct stat st;
	size_t i;
	int rc;

	if (kag_store_path(dpath, &db) < 0) {
		warnx("no store: give -d path or set KAG_DB");
		goto out;
	}
	if ((rc = stat(db.buf, &st)) < 0 || S_ISDIR(st.st_mode)) {
		if (rc == 0)
			errno = EISDIR;
		warn("%s", db.buf);
		goto out;
	}
	if ((s = kag_store_open(db.buf, 0, KAG_STORE_TIMEOUT_MS, &e)) == NULL ||
	    kag_store_begin(s) < 0) {
		warnx(
		    "%s: %s", db.buf, s != NULL ? kag_store_errmsg(s) : e.buf);
		goto out;
	}
	for (i = 0; i < p->cut.nids && rc >= 0; i++)
		if ((rc = kag_cut_has(s, p->cut.ids[i], &e)) == 0)
			notfound(p, p->cut.ids[i]);
	if (rc < 0 ||
	    (p->missing == 0 &&
		kag_cut_read(s, db.buf, &p->cut, p->g, diag, p, &e) < 0)) {
		warnx("%s: %s", db.buf, e.buf);
		goto out;
	}
	kag_store_close(s);
	kag_buf_release(&db);
	kag_buf_release(&e);
	return;
out:
	p->rv = KAG_EXIT_TROUBLE;
	kag_store_close(s);
	kag_buf_release(&db);
	kag_buf_release(&e);
}

/* Write the cut (or refuse it when it is too large): the exit status. */
static int
output(struct subgraph *p, int gzip, int json, uintmax_t max, int store)
{
	struct kag_buf h = KAG_BUF_INIT;
	struct kag_writer *w;
	const char *header;
	char when[32];
	unsigned flags = json ? KAG_EXPORT_JSON : 0;
	uintmax_t size;
	size_t hlen;

	if (p->cut.memories)
		flags |= KAG_EXPORT_MEMORIES;
	/* A stream read with errors ends without its trailer: cut, as
	 * every reader will say. */
	if (p->rv != 0)
		flags |= KAG_EXPORT_NO_TRAILER;
	if ((header = kag_graph_header(p->g, &hlen)) == NULL || store) {
		kag_format_header(&h, "kag-subgraph " KAG_VERSION, store);
		header = h.buf;
		hlen = h.len;
	}
	kag_time_format(kag_time_now(), when, sizeof(when));
	if (max != UINTMAX_MAX) {
		kag_export_write(p->g, NULL, flags, header, hlen, when, &size);
		if (size > max) {
			warnx("export too large: %ju bytes, more than "
			      "--max-bytes %ju",
			    size, max);
			kag_buf_release(&h);
			return KAG_EXIT_DATA;
		}
	}
	w = kag_writer_open(1, gzip);
	kag_export_write(p->g, w, flags, header, hlen, when, &size);
	kag_buf_release(&h);
	if (kag_writer_close(w) < 0) {
		if (errno == EPIPE) {
			signal(SIGPIPE, SIG_DFL);
			raise(SIGPIPE);
		}
		warn("write error");
		return KAG_EXIT_TROUBLE;
	}
	return p->rv;
}

/* The cut from the operands. */
static void
fromfiles(struct subgraph *p, int argc, char **argv)
{
	size_t i;
	int k;

	if (argc == 0 && readop(p, "-") < 0)
		p->broken = 1;
	for (k = 0; k < argc && !p->broken; k++)
		if (readop(p, argv[k]) < 0)
			p->broken = 1;
	kag_progress_clear(p->progress);
	if (p->broken)
		return;
	for (i = 0; i < p->cut.nids; i++)
		if (!kag_graph_has(p->g, p->cut.ids[i], strlen(p->cut.ids[i])))
			notfound(p, p->cut.ids[i]);
	if (p->missing == 0)
		kag_graph_cut(p->g, &p->cut);
}

int
main(int argc, char *argv[])
{
	struct subgraph p = { 0 };
	static const char **ids;
	const char *dpath = NULL, *root = NULL;
	uintmax_t max = UINTMAX_MAX;
	int c, gzip = 0, json = 0, store = 0, depthset = 0, rv;

	kag_set_progname(argv[0]);
	ids = kag_xcalloc((size_t)argc + 1, sizeof(*ids));
	p.cut.depth = 2;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:hqVz", longopts, NULL)) != -1) {
		switch (c) {
		case 'V':
			puts("kag-subgraph " KAG_VERSION);
			cli_done();
			break;
		case 'd':
			dpath = optarg;
			store = 1;
			break;
		case 'h':
			fputs(synopsis, stdout);
			fputs(optlist, stdout);
			cli_done();
			break;
		case 'q':
			p.quiet = 1;
			break;
		case 'z':
			gzip = 1;
			break;
		case OPT_DEPTH:
			p.cut.depth = number("invalid depth", optarg);
			depthset = 1;
			break;
		case OPT_DIRECTION:
			if (strcmp(optarg, "both") == 0)
				p.cut.dir = KAG_DIR_BOTH;
			else if (strcmp(optarg, "out") == 0)
				p.cut.dir = KAG_DIR_OUT;
			else if (strcmp(optarg, "in") == 0)
				p.cut.dir = KAG_DIR_IN;
			else
				badarg("invalid direction", optarg);
			break;
		case OPT_JSON:
			json = 1;
			break;
		case OPT_MAXBYTES:
			max = number("invalid byte count", optarg);
			break;
		case OPT_NODE:
			ids[p.cut.nids++] = optarg;
			break;
		case OPT_NOEDGES:
			p.cut.no_edges = 1;
			break;
		case OPT_ROOT:
			if (root != NULL)
				usage("--root given twice: one root only");
			root = optarg;
			break;
		case OPT_WITHMEM:
			p.cut.memories = 1;
			break;
		default:
			badopt(c, argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (root != NULL && p.cut.nids > 0)
		usage("--node and --root cannot be used together");
	if (root == NULL && p.cut.nids == 0)
		usage("give --node or --root");
	if (depthset && root == NULL)
		usage("--depth needs --root");
	if (store && argc > 0)
		badopt(0, argv[0]);
	if (root != NULL)
		ids[p.cut.nids++] = root;
	else
		p.cut.depth = 0;
	p.cut.ids = ids;

	p.g = kag_graph_new(p.cut.memories);
	if (!p.quiet)
		p.progress = kag_progress_new(2, kag_progname());
	if (store)
		fromstore(&p, dpath);
	else
		fromfiles(&p, argc, argv);
	kag_progress_free(p.progress);
	p.progress = NULL;
	if (p.rv == KAG_EXIT_TROUBLE || p.broken)
		rv = p.rv;
	else if (p.missing > 0)
		rv = KAG_EXIT_DATA;
	else
		rv = output(&p, gzip, json, max, store);
	kag_graph_free(p.g);
	free(ids);
	return rv;
}
