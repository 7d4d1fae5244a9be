/* graph.c: a kag graph held compactly in memory, and the subgraph cut. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kag.h"

#define NONE UINT32_MAX
#ifdef __GNUC__
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif
#define KEPT 0x80 /* in rtype: the record is in the cut */

/* Adjacency in compressed rows: v's neighbours are to[start[v]..start[v+1]). */
struct adj {
	size_t *start;
	uint32_t *to;
};

/*
 * An id in the table, in 16 bytes: its number + 1 (0: empty) and its
 * bytes when they fit, so that a lookup reads one slot and not the arena
 * far away in memory; a longer id has LONG, 24 bits of its hash and its
 * offset in the arena, which holds each id as a 4-byte length and bytes.
 */
#define INLINE 11
#define LONG   255
struct slot {
	uint32_t id;
	unsigned char len;
	char s[INLINE];
};

/* An id waiting for its number: its bytes at pbuf + off, its hash, and
 * where the number goes (what: P_NODE, P_SRC, P_DST, P_MEMBER). */
#define BATCH 256
enum { P_NODE, P_SRC, P_DST, P_MEMBER };
struct pend {
	uint64_t h;
	size_t off, len, at;
	int what;
};

/* A memory node's pointer to its memories: a fingerprint of its key, and
 * of its key and owner when it names one. */
struct mnode {
	size_t rec;
	uint64_t fp;
	int owned;
};

struct kag_graph {
	int memories;

	/*
	 * Records: line i is lines[roff[i]..roff[i + 1]), LF included, so
	 * that a stream is written straight from the arena.  rarg is the
	 * node's id, the edge's or hyperedge's number, the memory's number.
	 */
	struct kag_buf lines;
	size_t *roff;
	unsigned char *rtype;
	uint32_t *rarg;
	size_t nrec, arec;

	/* Ids: id i is at ids.buf + ioff[i], its length and its bytes. */
	struct kag_buf ids;
	size_t *ioff;
	unsigned char *isnode;
	uint32_t nid, aid;
	struct slot *tab;
	size_t mask;

	uint32_t *esrc, *edst;
	unsigned char *eund; /* "directed": false */
	size_t ne, ae;

	size_t *hstart; /* members of hyperedge h: hmem[hstart[h]..[h + 1]) */
	uint32_t *hmem;
	size_t nh, ah, nmem, amem;

	uint64_t *mfp; /* memory m: 2m key and owner, 2m + 1 key alone */
	size_t nm, am;
	struct mnode *mnode;
	size_t nmn, amn;

	int built;
	struct adj out, in, hyp; /* hyp: a node's hyperedges */

	struct pend pend[BATCH]; /* ids waiting for their numbers */
	size_t npend;
	struct kag_buf pbuf; /* their bytes */

	struct kag_buf header, tmp, key;
	int headed;
};

/* Make room for need elements of size bytes in *p. */
static void
room(void *pp, size_t *alloc, size_t need, size_t size)
{
	void **p = pp;

	if (need <= *alloc)
		return;
	*alloc = *alloc * 2 > need ? *alloc * 2 : need;
	if (*alloc < 64)
		*alloc = 64;
	*p = kag_xrealloc(*p, *alloc * size);
}

struct kag_graph *
kag_graph_new(int memories)
{
	struct kag_graph *g = kag_xcalloc(1, sizeof(*g));

	g->memories = memories;
	g->roff = kag_xcalloc(1, sizeof(*g->roff));
	g->hstart = kag_xcalloc(1, sizeof(*g->hstart));
	g->mask = 1023;
	g->tab = kag_xcalloc(g->mask + 1, sizeof(*g->tab));
	return g;
}

static void
unbuild(struct kag_graph *g)
{
	free(g->out.start);
	free(g->out.to);
	free(g->in.start);
	free(g->in.to);
	free(g->hyp.start);
	free(g->hyp.to);
	memset(&g->out, 0, sizeof(g->out));
	memset(&g->in, 0, sizeof(g->in));
	memset(&g->hyp, 0, sizeof(g->hyp));
	g->built = 0;
}

void
kag_graph_free(struct kag_graph *g)
{
	if (g == NULL)
		return;
	unbuild(g);
	kag_buf_release(&g->lines);
	kag_buf_release(&g->ids);
	kag_buf_release(&g->pbuf);
	kag_buf_release(&g->header);
	kag_buf_release(&g->tmp);
	kag_buf_release(&g->key);
	free(g->roff);
	free(g->rtype);
	free(g->rarg);
	free(g->ioff);
	free(g->isnode);
	free(g->tab);
	free(g->esrc);
	free(g->edst);
	free(g->eund);
	free(g->hstart);
	free(g->hmem);
	free(g->mfp);
	free(g->mnode);
	free(g);
}

/* The slot of id s[0..n), of hash h, in the table: holding it, or empty. */
static struct slot *
find(const struct kag_graph *g, const char *s, size_t n, uint64_t h)
{
	size_t i = h & g->mask, off;
	struct slot *e;
	uint32_t len;

	for (e = &g->tab[i]; e->id != 0; e = &g->tab[i]) {
		if (n <= INLINE) {
			if (e->len == n && memcmp(e->s, s, n) == 0)
				return e;
		} else if (e->len == LONG && memcmp(e->s, &h, 3) == 0) {
			memcpy(&off, e->s + 3, sizeof(off));
			memcpy(&len, g->ids.buf + off, sizeof(len));
			if (len == n &&
			    memcmp(g->ids.buf + off + sizeof(len), s, n) == 0)
				return e;
		}
		i = (i + 1) & g->mask;
	}
	return e;
}

static uint32_t
lookup(const struct kag_graph *g, const char *s, size_t n)
{
	struct slot *e = find(g, s, n, kag_hash64(s, n));

	return e->id != 0 ? e->id - 1 : NONE;
}

/* Put id in its slot of a table of hash h. */
static void
place(struct kag_graph *g, struct slot *e, uint32_t id, uint64_t h)
{
	size_t off = g->ioff[id];
	uint32_t n;

	memcpy(&n, g->ids.buf + off, sizeof(n));
	e->id = id + 1;
	if (n <= INLINE) {
		e->len = (unsigned char)n;
		memcpy(e->s, g->ids.buf + off + sizeof(n), n);
	} else {
		e->len = LONG;
		memcpy(e->s, &h, 3);
		memcpy(e->s + 3, &off, sizeof(off));
	}
}

/* The number of id s[0..n), of hash h, given it if it is new. */
static uint32_t
intern(struct kag_graph *g, const char *s, size_t n, uint64_t h)
{
	struct slot *e = find(g, s, n, h), *old;
	uint32_t id, len = (uint32_t)n;
	size_t i, j, size, off;

	if (e->id != 0)
		return e->id - 1;
	if (g->nid >= NONE - 1 || n > UINT32_MAX)
		kag_xmalloc(SIZE_MAX); /* out of numbers: as out of memory */
	id = g->nid++;
	if (id >= g->aid) {
		size = g->aid;
		room(&g->ioff, &size, (size_t)id + 1, sizeof(*g->ioff));
		g->isnode = kag_xrealloc(g->isnode, size);
		g->aid = (uint32_t)(size < NONE ? size : NONE);
	}
	g->ioff[id] = g->ids.len;
	kag_buf_add(&g->ids, &len, sizeof(len));
	kag_buf_add(&g->ids, s, n);
	g->isnode[id] = 0;
	place(g, e, id, h);
	if ((size_t)g->nid * 2 <= g->mask)
		return id;
	old = g->tab;
	size = g->mask + 1;
	g->mask = size * 2 - 1;
	g->tab = kag_xcalloc(size * 2, sizeof(*g->tab));
	for (i = 0; i < size; i++) {
		if (old[i].id == 0)
			continue;
		off = g->ioff[old[i].id - 1];
		memcpy(&len, g->ids.buf + off, sizeof(len));
		h = kag_hash64(g->ids.buf + off + sizeof(len), len);
		for (j = h & g->mask; g->tab[j].id != 0; j = (j + 1) & g->mask)
			;
		g->tab[j] = old[i];
	}
	free(old);
	return id;
}

/* Look up the queued ids and put their numbers in place. */
static void
flush(struct kag_graph *g)
{
	const struct pend *p;
	uint32_t id;
	size_t i;

	for (i = 0; i < g->npend; i++) {
		p = &g->pend[i];
		id = intern(g, g->pbuf.buf + p->off, p->len, p->h);
		switch (p->what) {
		case P_NODE:
			g->rarg[p->at] = id;
			g->isnode[id] = 1;
			break;
		case P_SRC:
			g->esrc[p->at] = id;
			break;
		case P_DST:
			g->edst[p->at] = id;
			break;
		default:
			g->hmem[p->at] = id;
		}
	}
	g->npend = 0;
	kag_buf_reset(&g->pbuf);
}

/* Queue the id in string token t, whose number goes to what[at]. */
static void
defer(struct kag_graph *g, const struct kag_json *j, int t, int what, size_t at)
{
	struct pend *p;
	const char *s;
	size_t n;

	if (g->npend == BATCH)
		flush(g);
	p = &g->pend[g->npend++];
	kag_json_str(j, t, &g->tmp, &s, &n);
	p->off = g->pbuf.len;
	p->len = n;
	p->h = kag_hash64(s, n);
	p->what = what;
	p->at = at;
	kag_buf_add(&g->pbuf, s, n);
	PREFETCH(&g->tab[p->h & g->mask]);
}

/* The decoded string at key name of object token obj, appended to b:
 * 0, or -1 when there is no such string. */
static int
member(const struct kag_json *j, int obj, const char *name, struct kag_buf *b)
{
	int t;

	if (obj < 0 || j->tok[obj].type != KAG_TOK_OBJECT ||
	    (t = kag_json_find_key(j, obj, name, strlen(name))) < 0 ||
	    j->tok[t].type != KAG_TOK_STRING)
		return -1;
	kag_json_str_decode(j, t, b);
	return 0;
}

static void
memory(struct kag_graph *g, const struct kag_record *r, uint32_t *arg)
{
	const char *s;
	size_t n;

	room(&g->mfp, &g->am, 2 * g->nm + 2, sizeof(*g->mfp));
	kag_buf_reset(&g->key);
	kag_json_str_decode(r->json, r->f[KAG_F_KEY], &g->key);
	g->mfp[2 * g->nm + 1] = kag_hash64(g->key.buf, g->key.len);
	kag_record_user_id(r, &g->tmp, &s, &n);
	kag_buf_addc(&g->key, '\0');
	kag_buf_add(&g->key, s, n);
	g->mfp[2 * g->nm] = kag_hash64(g->key.buf, g->key.len);
	*arg = (uint32_t)g->nm++;
}

static void
node(struct kag_graph *g, const struct kag_record *r)
{
	const struct kag_json *j = r->json;
	struct mnode *m;
	int data = r->f[KAG_F_DATA];

	defer(g, j, r->f[KAG_F_ID], P_NODE, g->nrec);
	kag_buf_reset(&g->key);
	if (!g->memories ||
	    !kag_record_str_eq(r, KAG_F_NODE_TYPE, "memory", 6) ||
	    member(j, data, "key", &g->key) < 0)
		return;
	room(&g->mnode, &g->amn, g->nmn + 1, sizeof(*g->mnode));
	m = &g->mnode[g->nmn++];
	m->rec = g->nrec;
	m->owned = 0;
	kag_buf_addc(&g->key, '\0');
	if (member(j, data, "user_id", &g->key) == 0)
		m->owned = 1;
	else
		g->key.len--;
	m->fp = kag_hash64(g->key.buf, g->key.len);
}

static void
edge(struct kag_graph *g, const struct kag_record *r, uint32_t *arg)
{
	const struct kag_json *j = r->json;
	size_t cap = g->ae;
	int t = r->f[KAG_F_DIRECTED];

	if (g->ne + 1 > g->ae) {
		room(&g->esrc, &cap, g->ne + 1, sizeof(*g->esrc));
		g->edst = kag_xrealloc(g->edst, cap * sizeof(*g->edst));
		g->eund = kag_xrealloc(g->eund, cap);
		g->ae = cap;
	}
	defer(g, j, r->f[KAG_F_SRC], P_SRC, g->ne);
	defer(g, j, r->f[KAG_F_DST], P_DST, g->ne);
	g->eund[g->ne] = t >= 0 && j->tok[t].type == KAG_TOK_PRIMITIVE &&
	    j->text[j->tok[t].start] == 'f';
	*arg = (uint32_t)g->ne++;
}

static void
hyperedge(struct kag_graph *g, const struct kag_record *r, uint32_t *arg)
{
	const struct kag_json *j = r->json;
	int t = r->f[KAG_F_NODES], k, n = j->tok[t].size;

	room(&g->hmem, &g->amem, g->nmem + (size_t)n, sizeof(*g->hmem));
	for (k = 0, t++; k < n; k++, t = j->tok[t].next)
		if (j->tok[t].type == KAG_TOK_STRING)
			defer(g, j, t, P_MEMBER, g->nmem++);
	room(&g->hstart, &g->ah, g->nh + 2, sizeof(*g->hstart));
	g->hstart[++g->nh] = g->nmem;
	*arg = (uint32_t)(g->nh - 1);
}

/* Room for one more record. */
static void
grow(struct kag_graph *g)
{
	size_t cap;

	if (g->nrec + 2 > g->arec) {
		cap = g->arec;
		room(&g->roff, &cap, g->nrec + 2, sizeof(*g->roff));
		g->rtype = kag_xrealloc(g->rtype, cap);
		g->rarg = kag_xrealloc(g->rarg, cap * sizeof(*g->rarg));
		g->arec = cap;
	}
}

/* The record's type (with KEPT, perhaps) and line, after the others. */
static void
append(struct kag_graph *g, unsigned t, const char *line, size_t len)
{
	g->rtype[g->nrec] = (unsigned char)t;
	kag_buf_add(&g->lines, line, len);
	kag_buf_addc(&g->lines, '\n');
	g->roff[++g->nrec] = g->lines.len;
}

void
kag_graph_add(struct kag_graph *g, const struct kag_record *r)
{
	uint32_t arg = 0;

	if (r->type == KAG_REC_METADATA && !g->headed)
		kag_buf_add(&g->header, r->line, r->len);
	g->headed |= r->type == KAG_REC_METADATA;
	if (r->type == KAG_REC_METADATA || r->type == KAG_REC_END ||
	    (r->type == KAG_REC_MEMORY && !g->memories))
		return;
	grow(g);
	/* A node's number comes later, from defer(). */
	switch (r->type) {
	case KAG_REC_MEMORY:
		memory(g, r, &arg);
		break;
	case KAG_REC_NODE:
		node(g, r);
		break;
	case KAG_REC_EDGE:
		edge(g, r, &arg);
		break;
	default:
		hyperedge(g, r, &arg);
		break;
	}
	if (r->type != KAG_REC_NODE)
		g->rarg[g->nrec] = arg;
	append(g, r->type, r->line, r->len);
	if (g->built)
		unbuild(g);
}

void
kag_graph_add_kept(
    struct kag_graph *g, enum kag_type t, const char *line, size_t len)
{
	grow(g);
	g->rarg[g->nrec] = 0;
	append(g, t | KEPT, line, len);
}

int
kag_graph_has(struct kag_graph *g, const char *s, size_t n)
{
	uint32_t id;

	flush(g);
	id = lookup(g, s, n);
	return id != NONE && g->isnode[id];
}

/* Rows of a from pairs (from[i], to[i]), and (to[i], from[i]) too when
 * back is set and back[i]. */
static void
rows(struct adj *a, size_t nid, const uint32_t *from, const uint32_t *to,
    const unsigned char *back, size_t m)
{
	size_t i, v, *at;

	a->start = kag_xcalloc(nid + 1, sizeof(*a->start));
	for (i = 0; i < m; i++) {
		a->start[from[i] + 1]++;
		if (back != NULL && back[i])
			a->start[to[i] + 1]++;
	}
	for (v = 0; v < nid; v++)
		a->start[v + 1] += a->start[v];
	a->to = kag_xmalloc((a->start[nid] + 1) * sizeof(*a->to));
	at = kag_xmalloc((nid + 1) * sizeof(*at));
	memcpy(at, a->start, (nid + 1) * sizeof(*at));
	for (i = 0; i < m; i++) {
		a->to[at[from[i]]++] = to[i];
		if (back != NULL && back[i])
			a->to[at[to[i]]++] = from[i];
	}
	free(at);
}

static void
build(struct kag_graph *g)
{
	uint32_t *hof;
	size_t h, k;

	flush(g);
	rows(&g->out, g->nid, g->esrc, g->edst, g->eund, g->ne);
	rows(&g->in, g->nid, g->edst, g->esrc, g->eund, g->ne);
	hof = kag_xmalloc((g->nmem + 1) * sizeof(*hof));
	for (h = 0; h < g->nh; h++)
		for (k = g->hstart[h]; k < g->hstart[h + 1]; k++)
			hof[k] = (uint32_t)h;
	rows(&g->hyp, g->nid, g->hmem, hof, NULL, g->nmem);
	free(hof);
	g->built = 1;
}

/* Visit v at distance d from the start, when it is a node not seen yet. */
static void
visit(const struct kag_graph *g, uint32_t *dist, uint32_t *queue, size_t *tail,
    uint32_t v, uint32_t d)
{
	if (!g->isnode[v] || dist[v] != NONE)
		return;
	dist[v] = d;
	queue[(*tail)++] = v;
}

/* The distance of every id from the start ids, NONE beyond depth. */
static uint32_t *
walk(const struct kag_graph *g, const struct kag_cut *c)
{
	uint32_t *dist, *queue, u, d;
	unsigned char *hseen;
	size_t i, k, head = 0, tail = 0, h;

	dist = kag_xmalloc(((size_t)g->nid + 1) * sizeof(*dist));
	queue = kag_xmalloc(((size_t)g->nid + 1) * sizeof(*queue));
	hseen = kag_xcalloc(g->nh + 1, 1);
	memset(dist, 0xff, ((size_t)g->nid + 1) * sizeof(*dist));
	for (i = 0; i < c->nids; i++)
		if ((u = lookup(g, c->ids[i], strlen(c->ids[i]))) != NONE)
			visit(g, dist, queue, &tail, u, 0);
	while (head < tail) {
		u = queue[head++];
		if (dist[u] >= c->depth)
			continue;
		d = dist[u] + 1;
		if (c->dir != KAG_DIR_IN)
			for (k = g->out.start[u]; k < g->out.start[u + 1]; k++)
				visit(g, dist, queue, &tail, g->out.to[k], d);
		if (c->dir != KAG_DIR_OUT)
			for (k = g->in.start[u]; k < g->in.start[u + 1]; k++)
				visit(g, dist, queue, &tail, g->in.to[k], d);
		/* In BFS order the first member to reach a hyperedge gives
		 * every other member its least distance. */
		for (i = g->hyp.start[u]; i < g->hyp.start[u + 1]; i++) {
			if (hseen[h = g->hyp.to[i]])
				continue;
			hseen[h] = 1;
			for (k = g->hstart[h]; k < g->hstart[h + 1]; k++)
				visit(g, dist, queue, &tail, g->hmem[k], d);
		}
	}
	free(queue);
	free(hseen);
	return dist;
}

/* The memories the kept memory nodes point at. */
static void
memories(struct kag_graph *g)
{
	struct kag_fpset *owned = kag_fpset_new(), *any = kag_fpset_new();
	size_t i, m;

	for (i = 0; i < g->nmn; i++)
		if (g->rtype[g->mnode[i].rec] & KEPT)
			kag_fpset_add(g->mnode[i].owned ? owned : any,
			    &g->mnode[i].fp, sizeof(g->mnode[i].fp));
	for (i = 0; i < g->nrec; i++) {
		if (g->rtype[i] != KAG_REC_MEMORY)
			continue;
		m = g->rarg[i];
		if (kag_fpset_has(owned, &g->mfp[2 * m], sizeof(*g->mfp)) ||
		    kag_fpset_has(any, &g->mfp[2 * m + 1], sizeof(*g->mfp)))
			g->rtype[i] |= KEPT;
	}
	kag_fpset_free(owned);
	kag_fpset_free(any);
}

void
kag_graph_cut(struct kag_graph *g, const struct kag_cut *c)
{
	uint32_t *dist;
	size_t i, k, a;
	int keep;

	if (!g->built)
		build(g);
	dist = walk(g, c);
	for (i = 0; i < g->nrec; i++) {
		g->rtype[i] &= (unsigned char)~KEPT;
		a = g->rarg[i];
		switch (g->rtype[i]) {
		case KAG_REC_NODE:
			keep = dist[a] != NONE;
			break;
		case KAG_REC_EDGE:
			keep = !c->no_edges && dist[g->esrc[a]] != NONE &&
			    dist[g->edst[a]] != NONE;
			break;
		case KAG_REC_HYPEREDGE:
			keep = 0;
			for (k = g->hstart[a];
			     !c->no_edges && !keep && k < g->hstart[a + 1]; k++)
				keep = dist[g->hmem[k]] != NONE;
			break;
		default:
			keep = 0;
		}
		if (keep)
			g->rtype[i] |= KEPT;
	}
	if (c->memories && g->memories)
		memories(g);
	free(dist);
}

void
kag_graph_keep_all(struct kag_graph *g)
{
	size_t i;

	for (i = 0; i < g->nrec; i++)
		g->rtype[i] |= KEPT;
}

const char *
kag_graph_header(const struct kag_graph *g, size_t *n)
{
	*n = g->header.len;
	return g->headed ? g->header.buf : NULL;
}

void
kag_graph_counts(const struct kag_graph *g, struct kag_counts *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < g->nrec; i++)
		if (g->rtype[i] & KEPT)
			kag_counts_add(c, g->rtype[i] & ~KEPT);
}

int
kag_graph_next(const struct kag_graph *g, size_t *pos, enum kag_type *t,
    const char **line, size_t *len)
{
	size_t i;

	for (i = *pos; i < g->nrec && !(g->rtype[i] & KEPT); i++)
		;
	if (i >= g->nrec)
		return 0;
	*t = (enum kag_type)(g->rtype[i] & ~KEPT);
	*line = g->lines.buf + g->roff[i];
	*len = g->roff[i + 1] - g->roff[i] - 1;
	*pos = i + 1;
	return 1;
}
