/* kag-dump.c: write the store as a kag stream or as Kagura's export. */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kag.h"

struct dump {
	const char *db; /* the store's path */
	struct kag_dump *d;
	struct kag_progress *progress;
	struct kag_counts counts;
	const char *user, *agent; /* the one --user-id, --agent-name */
	int nuser, nagent;
	int rv;
};

/* A --user-id or --agent-name, in the order given. */
struct sel {
	enum kag_match_what what;
	const char *arg;
};

enum {
	OPT_AGENT = 256,
	OPT_FORCE,
	OPT_GRAPHJSON,
	OPT_NOGRAPH,
	OPT_NOPERSISTENT,
	OPT_NOWORKING,
	OPT_USER
};

static const struct option longopts[] = {
	{ "agent-name", required_argument, NULL, OPT_AGENT },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "graph-json", required_argument, NULL, OPT_GRAPHJSON },
	{ "gzip", no_argument, NULL, 'z' },
	{ "help", no_argument, NULL, 'h' },
	{ "no-graph", no_argument, NULL, OPT_NOGRAPH },
	{ "no-persistent", no_argument, NULL, OPT_NOPERSISTENT },
	{ "no-working", no_argument, NULL, OPT_NOWORKING },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "user-id", required_argument, NULL, OPT_USER },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char synopsis[] =
    "usage: kag-dump [-hqVz] [-d path] [-o dir [--force]] "
    "[--agent-name name]\n"
    "\t[--graph-json path] [--no-graph] [--no-persistent] "
    "[--no-working]\n"
    "\t[--user-id id]\n";

#define usage(why)     cli_usage(synopsis, "%s", why)
#define badopt(c, arg) cli_badopt(synopsis, c, arg, "unexpected operand")

static const char optlist[] =
    "  -d path                 the store (default $KAG_DB, else Kagura's)\n"
    "  -h, --help              print this help and exit\n"
    "  -o, --output dir        write Kagura's export directory\n"
    "  -q, --quiet             show no progress\n"
    "  -V, --version           print the version and exit\n"
    "  -z, --gzip              write gzip\n"
    "      --agent-name name   memories of this agent ('' for none)\n"
    "      --force             replace a directory that is not empty\n"
    "      --graph-json path   Kagura's graph (default: graph.json beside "
    "the store)\n"
    "      --no-graph          leave out nodes, edges and hyperedges\n"
    "      --no-persistent     leave out persistent memories\n"
    "      --no-working        leave out working memories\n"
    "      --user-id id        memories and nodes of this user\n";

static void
diag(void *ctx, const struct kag_diag *d)
{
	struct dump *p = ctx;

	kag_progress_clear(p->progress);
	if (d->line > 0)
		fprintf(stderr, "%s: %s:%ju: %s\n", kag_progname(), d->file,
		    d->line, d->msg);
	else
		fprintf(
		    stderr, "%s: %s: %s\n", kag_progname(), d->file, d->msg);
	if (d->severity == KAG_ERROR && p->rv < KAG_EXIT_DATA)
		p->rv = KAG_EXIT_DATA;
}

/*
 * Write header (if not NULL) and every record to w[0] (memories) or w[1]
 * (the graph); 0, or -1 when the store or a writer failed (the store's
 * failure reported).  A store that cannot be read at all gets nothing
 * written, not even the header.
 */
static int
records(struct dump *p, struct kag_writer **w, const struct kag_buf *header)
{
	enum kag_type t;
	const char *line;
	size_t len;
	uintmax_t n = 0;
	int rc;

	rc = kag_dump_next(p->d, &t, &line, &len);
	if (rc >= 0 && header != NULL)
		kag_writer_line(w[0], header->buf, header->len);
	for (; rc > 0; rc = kag_dump_next(p->d, &t, &line, &len)) {
		if (kag_writer_line(w[t != KAG_REC_MEMORY], line, len) < 0)
			return -1;
		kag_counts_add(&p->counts, t);
		kag_progress_update(p->progress, p->db, ++n);
	}
	if (rc < 0) {
		kag_progress_clear(p->progress);
		warnx("%s: %s", p->db, kag_dump_errmsg(p->d));
		p->rv = KAG_EXIT_TROUBLE;
		return -1;
	}
	return 0;
}

/* The stream on stdout: header, records, trailer. */
static void
stream(struct dump *p, int gzip)
{
	struct kag_writer *w[2];
	struct kag_buf b = KAG_BUF_INIT;

	w[0] = w[1] = kag_writer_open(1, gzip);
	kag_format_header(&b, "kag-dump " KAG_VERSION, 1);
	/* A store that fails on the way leaves the stream without its
	 * trailer: cut, as every reader will say. */
	if (records(p, w, &b) == 0) {
		kag_buf_reset(&b);
		kag_counts_format_trailer(&p->counts, &b);
		kag_writer_line(w[0], b.buf, b.len);
	}
	if (kag_writer_close(w[0]) < 0) {
		if (errno == EPIPE) {
			signal(SIGPIPE, SIG_DFL);
			raise(SIGPIPE);
		}
		kag_progress_clear(p->progress);
		warn("write error");
		p->rv = KAG_EXIT_TROUBLE;
	}
	kag_buf_release(&b);
}

/* Kagura's export directory: made beside dir and moved into place. */
static void
directory(struct dump *p, const char *dir, int force, const char *when)
{
	struct kag_exportdir *x;
	struct kag_writer *w[2];
	struct kag_buf e = KAG_BUF_INIT;

	if ((x = kag_exportdir_open(dir, force, &e)) == NULL) {
		warnx("%s", e.buf);
		p->rv = KAG_EXIT_TROUBLE;
		kag_buf_release(&e);
		return;
	}
	w[0] = kag_exportdir_writer(x, KAG_REC_MEMORY);
	w[1] = kag_exportdir_writer(x, KAG_REC_NODE);
	/* A writer's failure is reported by the commit. */
	if (records(p, w, NULL) == 0 || p->rv != KAG_EXIT_TROUBLE) {
		if (kag_exportdir_commit(x, when,
			p->nuser == 1 ? p->user : NULL,
			p->nagent == 1 && *p->agent != '\0' ? p->agent : NULL,
			&p->counts) < 0) {
			kag_progress_clear(p->progress);
			warnx("%s", kag_exportdir_errmsg(x));
			p->rv = KAG_EXIT_TROUBLE;
		}
	}
	kag_exportdir_close(x);
}

/* Open the store and start the dump; exits on trouble. */
static struct kag_store *
start(struct dump *p, const char *dpath, struct kag_buf *db)
{
	struct kag_buf e = KAG_BUF_INIT;
	struct kag_store *s;
	struct stat st;

	if (kag_store_path(dpath, db) < 0)
		errx(KAG_EXIT_TROUBLE, "no store: give -d path or set KAG_DB");
	p->db = db->buf;
	if (stat(p->db, &st) < 0)
		err(KAG_EXIT_TROUBLE, "%s", p->db);
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		err(KAG_EXIT_TROUBLE, "%s", p->db);
	}
	if ((s = kag_store_open(p->db, 0, KAG_STORE_TIMEOUT_MS, &e)) == NULL)
		errx(KAG_EXIT_TROUBLE, "%s: %s", p->db, e.buf);
	if (kag_store_begin(s) < 0)
		errx(KAG_EXIT_TROUBLE, "%s: %s", p->db, kag_store_errmsg(s));
	kag_buf_release(&e);
	return s;
}

/* Kagura's graph: gjpath, else a graph.json beside the store. */
static void
graph(struct dump *p, const char *gjpath)
{
	struct kag_buf b = KAG_BUF_INIT;
	const char *slash = strrchr(p->db, '/');

	if (gjpath == NULL) {
		if (slash != NULL)
			kag_buf_add(&b, p->db, (size_t)(slash - p->db + 1));
		kag_buf_adds(&b, "graph.json");
		gjpath = b.buf;
	}
	if (kag_dump_graph_json(p->d, gjpath) < 0 &&
	    (b.len == 0 || errno != ENOENT))
		err(KAG_EXIT_TROUBLE, "%s", gjpath);
	kag_buf_release(&b);
}

int
main(int argc, char *argv[])
{
	struct dump p = { 0 };
	static struct kag_buf db = KAG_BUF_INIT;
	struct kag_store *s;
	/* Static: still reachable when a trouble exit leaves main early. */
	static struct sel *sel;
	const char *dpath = NULL, *out = NULL, *gjpath = NULL;
	char when[32];
	unsigned flags = 0;
	int c, i, nsel = 0, gzip = 0, force = 0, quiet = 0;

	kag_set_progname(argv[0]);
	sel = kag_xcalloc((size_t)argc, sizeof(*sel));
	opterr = 0;
	while (
	    (c = getopt_long(argc, argv, ":d:ho:qVz", longopts, NULL)) != -1) {
		switch (c) {
		case 'V':
			puts("kag-dump " KAG_VERSION);
			cli_done();
			break;
		case 'd':
			dpath = optarg;
			break;
		case 'h':
			fputs(synopsis, stdout);
			fputs(optlist, stdout);
			cli_done();
			break;
		case 'o':
			out = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'z':
			gzip = 1;
			break;
		case OPT_AGENT:
			p.agent = optarg;
			p.nagent++;
			sel[nsel].what = KAG_MATCH_AGENT_NAME;
			sel[nsel++].arg = optarg;
			break;
		case OPT_FORCE:
			force = 1;
			break;
		case OPT_GRAPHJSON:
			gjpath = optarg;
			break;
		case OPT_NOGRAPH:
			flags |= KAG_DUMP_NO_GRAPH;
			break;
		case OPT_NOPERSISTENT:
			flags |= KAG_DUMP_NO_PERSISTENT;
			break;
		case OPT_NOWORKING:
			flags |= KAG_DUMP_NO_WORKING;
			break;
		case OPT_USER:
			p.user = optarg;
			p.nuser++;
			sel[nsel].what = KAG_MATCH_USER_ID;
			sel[nsel++].arg = optarg;
			break;
		default:
			badopt(c, argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0)
		badopt(0, argv[0]);
	if (out != NULL && gzip)
		usage("-z cannot be used with -o: Kagura reads plain files");
	if (force && out == NULL)
		usage("--force needs -o");

	s = start(&p, dpath, &db);
	p.d = kag_dump_new(s, p.db, flags, diag, &p);
	for (i = 0; i < nsel; i++)
		kag_dump_select(p.d, sel[i].what, sel[i].arg);
	if (!(flags & KAG_DUMP_NO_GRAPH))
		graph(&p, gjpath);
	if (!quiet)
		p.progress = kag_progress_new(2, kag_progname());
	kag_time_format(kag_time_now(), when, sizeof(when));
	if (out != NULL) {
		kag_dump_exported_at(p.d, when);
		directory(&p, out, force, when);
	} else {
		stream(&p, gzip);
	}
	kag_progress_free(p.progress);
	kag_dump_free(p.d);
	kag_store_close(s);
	kag_buf_release(&db);
	free(sel);
	return p.rv;
}
