/* exportdir.c: Kagura's export directory, written whole or not at all. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kag.h"

/* The files of an export, metadata.json last. */
static const char *const files[] = { "memories.jsonl", "graph.jsonl",
	"metadata.json" };
#define NFILES 3

struct kag_exportdir {
	char *dir;	     /* where the export goes */
	struct kag_buf tmp;  /* the directory it is made in */
	struct kag_buf old;  /* where a replaced one is put aside */
	struct kag_buf path; /* scratch */
	struct kag_buf err;
	int fd[2];
	struct kag_writer *w[2];
	int replace;   /* dir holds an export to replace */
	int committed; /* tmp is dir now */
};

/* tmp/name, in x->path. */
static const char *
path(struct kag_exportdir *x, const char *dir, const char *name)
{
	kag_buf_reset(&x->path);
	kag_buf_addf(&x->path, "%s/%s", dir, name);
	return x->path.buf;
}

/* Say "what: strerror(errno)"; -1. */
static int
fail(struct kag_exportdir *x, const char *what)
{
	int e = errno;

	kag_buf_reset(&x->err);
	kag_buf_addf(&x->err, "%s: %s", what, strerror(e));
	errno = e;
	return -1;
}

/* Whether dir holds nothing (0), only an export's files (1), or
 * something else (2); -1 on error. */
static int
holds(const char *dir)
{
	struct dirent *e;
	DIR *dp;
	int rv = 0, i;

	if ((dp = opendir(dir)) == NULL)
		return -1;
	while (rv < 2 && (e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		for (i = 0; i < NFILES && strcmp(e->d_name, files[i]) != 0; i++)
			;
		rv = i < NFILES ? 1 : 2;
	}
	closedir(dp);
	return rv;
}

/* A new directory beside x->dir, named after it, in b. */
static int
beside(struct kag_exportdir *x, struct kag_buf *b, const char *what)
{
	char *d = kag_xstrdup(x->dir), *n = kag_xstrdup(x->dir);

	kag_buf_reset(b);
	kag_buf_addf(b, "%s/.%s.%s.XXXXXX", dirname(d), basename(n), what);
	free(d);
	free(n);
	return mkdtemp(b->buf) == NULL ? fail(x, b->buf) : 0;
}

/* Remove an export's files from dir, then dir. */
static int
removeall(struct kag_exportdir *x, const char *dir)
{
	int i;

	for (i = 0; i < NFILES; i++)
		unlink(path(x, dir, files[i]));
	return rmdir(dir);
}

struct kag_exportdir *
kag_exportdir_open(const char *dir, int force, struct kag_buf *err)
{
	struct kag_exportdir *x = kag_xcalloc(1, sizeof(*x));
	struct stat st;
	size_t n = strlen(dir);
	int i, h;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	x->dir = kag_xmemdup(dir, n);
	x->fd[0] = x->fd[1] = -1;
	if (stat(x->dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			goto fail;
		}
		if ((h = holds(x->dir)) < 0)
			goto fail;
		if (h == 2 || (h == 1 && !force)) {
			kag_buf_addf(err, "%s: directory not empty%s", x->dir,
			    h == 1 ? " (--force replaces it)"
				   : " and not an export");
			goto out;
		}
		x->replace = h == 1;
	} else if (errno != ENOENT) {
		goto fail;
	}
	if (beside(x, &x->tmp, "new") < 0) {
		kag_buf_adds(err, x->err.buf);
		goto out;
	}
	for (i = 0; i < 2; i++) {
		x->fd[i] = open(path(x, x->tmp.buf, files[i]),
		    O_WRONLY | O_CREAT | O_EXCL, 0666);
		if (x->fd[i] < 0) {
			fail(x, x->path.buf);
			kag_buf_adds(err, x->err.buf);
			goto out;
		}
		x->w[i] = kag_writer_open(x->fd[i], 0);
	}
	return x;
fail:
	fail(x, x->dir);
	kag_buf_adds(err, x->err.buf);
out:
	i = errno;
	kag_exportdir_close(x);
	errno = i;
	return NULL;
}

struct kag_writer *
kag_exportdir_writer(struct kag_exportdir *x, enum kag_type t)
{
	return x->w[t != KAG_REC_MEMORY];
}

const char *
kag_exportdir_errmsg(const struct kag_exportdir *x)
{
	return x->err.len > 0 ? x->err.buf : "";
}

/* Kagura's metadata.json: indented by 2, no final newline. */
static void
metadata(struct kag_buf *b, const char *when, const char *user,
    const char *agent, const struct kag_counts *c)
{
	kag_buf_adds(b, "{\n  \"exported_at\": ");
	kag_buf_add_json_string(b, when, strlen(when));
	kag_buf_adds(b, ",\n  \"user_id\": ");
	if (user != NULL)
		kag_buf_add_json_string(b, user, strlen(user));
	else
		kag_buf_adds(b, "null");
	kag_buf_adds(b, ",\n  \"agent_name\": ");
	if (agent != NULL)
		kag_buf_add_json_string(b, agent, strlen(agent));
	else
		kag_buf_adds(b, "null");
	kag_buf_addf(b,
	    ",\n  \"stats\": {\n    \"memories\": %ju,\n"
	    "    \"graph_nodes\": %ju,\n    \"graph_edges\": %ju\n  },\n"
	    "  \"format_version\": \"" KAG_FORMAT_VERSION "\"\n}",
	    c->memories, c->nodes, c->edges);
}

/* Write s[0..n) to a new file and make it durable. */
static int
writefile(struct kag_exportdir *x, const char *name, const char *s, size_t n)
{
	struct kag_writer *w;
	int fd, rc;

	if ((fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0666)) < 0)
		return fail(x, name);
	w = kag_writer_open(fd, 0);
	kag_writer_write(w, s, n);
	rc = kag_writer_close(w);
	if (rc < 0 || fsync(fd) < 0) {
		fail(x, name);
		close(fd);
		return -1;
	}
	return close(fd) < 0 ? fail(x, name) : 0;
}

/* Flush and close the data files, durable; 0 or -1. */
static int
closefiles(struct kag_exportdir *x)
{
	int i, rv = 0;

	for (i = 0; i < 2; i++) {
		path(x, x->tmp.buf, files[i]);
		if (kag_writer_close(x->w[i]) < 0 || fsync(x->fd[i]) < 0) {
			if (rv == 0)
				fail(x, x->path.buf);
			rv = -1;
		}
		x->w[i] = NULL;
		close(x->fd[i]);
		x->fd[i] = -1;
	}
	return rv;
}

int
kag_exportdir_commit(struct kag_exportdir *x, const char *when,
    const char *user_id, const char *agent_name, const struct kag_counts *c)
{
	struct kag_buf meta = KAG_BUF_INIT;
	mode_t mask;
	char *parent;
	int rc, fd;

	if (closefiles(x) < 0)
		return -1;
	metadata(&meta, when, user_id, agent_name, c);
	rc = writefile(x, path(x, x->tmp.buf, files[2]), meta.buf, meta.len);
	kag_buf_release(&meta);
	if (rc < 0)
		return -1;
	/* mkdtemp made it 0700; an export is as open as a new directory. */
	mask = umask(0);
	umask(mask);
	chmod(x->tmp.buf, 0777 & ~mask);
	if (x->replace) {
		if (beside(x, &x->old, "old") < 0)
			return -1;
		if (rename(x->dir, x->old.buf) < 0) {
			fail(x, x->dir);
			rmdir(x->old.buf);
			return -1;
		}
	}
	if (rename(x->tmp.buf, x->dir) < 0) {
		fail(x, x->dir);
		if (x->replace)
			rename(x->old.buf, x->dir);
		return -1;
	}
	x->committed = 1;
	if (x->replace)
		removeall(x, x->old.buf);
	/* The renames are durable once the parent directory is. */
	parent = kag_xstrdup(x->dir);
	if ((fd = open(dirname(parent), O_RDONLY)) >= 0) {
		fsync(fd);
		close(fd);
	}
	free(parent);
	return 0;
}

void
kag_exportdir_close(struct kag_exportdir *x)
{
	int i;

	if (x == NULL)
		return;
	for (i = 0; i < 2; i++) {
		kag_writer_close(x->w[i]);
		if (x->fd[i] >= 0)
			close(x->fd[i]);
	}
	if (!x->committed && x->tmp.len > 0)
		removeall(x, x->tmp.buf);
	free(x->dir);
	kag_buf_release(&x->tmp);
	kag_buf_release(&x->old);
	kag_buf_release(&x->path);
	kag_buf_release(&x->err);
	free(x);
}
