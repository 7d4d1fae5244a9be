/* loadgraph.c: nodes, edges and hyperedges into rows, with ids renamed for
 * --append and --id-prefix. */
#include <stdlib.h>
#include <string.h>

#include "load.h"

/*
 * --append gives each node a new id and --id-prefix puts a prefix before
 * every id; the edges and hyperedges of the operand follow their nodes.
 * The new ids of an operand's nodes are kept in a hash table of their
 * own (an id may hold any byte, NUL included), so that its edges find
 * them.
 */

/* The entry a slot holds (at: 1 + its offset): its ids' lengths, and
 * the old id followed by the new. */
static const char *
entry(const struct idmap *m, size_t at, size_t *on, size_t *nn)
{
	const char *e = m->arena.buf + at - 1;

	memcpy(on, e, sizeof(*on));
	memcpy(nn, e + sizeof(*on), sizeof(*nn));
	return e + sizeof(*on) + sizeof(*nn);
}

/* The slot of id p[0..n) in m, or the empty slot where it would go. */
static size_t
where(const struct idmap *m, const char *p, size_t n)
{
	size_t i = (size_t)kag_hash64(p, n) & (m->nslot - 1), on, nn;
	const char *e;

	for (; m->slot[i] != 0; i = (i + 1) & (m->nslot - 1)) {
		e = entry(m, m->slot[i], &on, &nn);
		if (on == n && memcmp(e, p, n) == 0)
			break;
	}
	return i;
}

/* The new id of old[0..n), or NULL (borrowed until the next mapput). */
static const char *
mapget(const struct idmap *m, const char *old, size_t n, size_t *len)
{
	size_t i, on;
	const char *e;

	if (m->n == 0)
		return NULL;
	if (m->slot[i = where(m, old, n)] == 0)
		return NULL;
	e = entry(m, m->slot[i], &on, len);
	return e + on;
}

static void
mapput(struct idmap *m, const struct val *old, const struct val *nw)
{
	size_t *was = m->slot, nwas = m->nslot, i, on, nn;
	const char *e;

	if (2 * (m->n + 1) > m->nslot) {
		m->nslot = m->nslot ? 2 * m->nslot : 64;
		m->slot = kag_xcalloc(m->nslot, sizeof(*m->slot));
		for (i = 0; i < nwas; i++) {
			if (was[i] == 0)
				continue;
			e = entry(m, was[i], &on, &nn);
			m->slot[where(m, e, on)] = was[i];
		}
		free(was);
	}
	i = where(m, old->p, old->n);
	if (m->slot[i] == 0)
		m->n++;
	m->slot[i] = m->arena.len + 1;
	kag_buf_add(&m->arena, &old->n, sizeof(old->n));
	kag_buf_add(&m->arena, &nw->n, sizeof(nw->n));
	kag_buf_add(&m->arena, old->p, old->n);
	kag_buf_add(&m->arena, nw->p, nw->n);
}

static int
renaming(const struct kag_load *l)
{
	return l->o.append || (l->o.id_prefix != NULL && *l->o.id_prefix);
}

/* Make v the prefix and v, in buf. */
static void
prefix(struct kag_load *l, struct val *v, struct kag_buf *buf)
{
	kag_buf_reset(buf);
	if (l->o.id_prefix != NULL)
		kag_buf_adds(buf, l->o.id_prefix);
	kag_buf_add(buf, v->p, v->n);
	v->p = buf->buf;
	v->n = buf->len;
}

/*
 * The id of a record's own (in buf): the prefix before it, and under
 * --append "-N" after it, the smallest N from 2 that makes it an id the
 * store (and the load so far) does not have, if it has it.  1 when it
 * took a suffix, 0 when not, -1 on trouble.
 */
static int
ownid(struct kag_load *l, int has, struct val *v, struct kag_buf *buf)
{
	uintmax_t k = 2;
	size_t base;
	int rc;

	if (!renaming(l) || v->kind != V_TEXT)
		return 0;
	prefix(l, v, buf);
	if (!l->o.append)
		return 0;
	for (base = buf->len; (rc = kag_load_query(l, has, v, 1)) > 0; k++) {
		sqlite3_reset(l->st[has]);
		buf->len = base;
		kag_buf_addf(buf, "-%ju", k);
		v->p = buf->buf;
		v->n = buf->len;
	}
	return rc < 0 ? -1 : k > 2;
}

/* A node id that an edge or hyperedge names: the new id of the operand's
 * node, else prefixed.  An edge's end not renamed yet is noted: its node
 * may not come later and take another id. */
static void
ref(struct kag_load *l, struct val *v, struct kag_buf *buf, int end)
{
	const char *p;
	size_t n;

	if (!renaming(l))
		return;
	if (l->o.append && (p = mapget(&l->map, v->p, v->n, &n)) != NULL) {
		v->p = p;
		v->n = n;
		return;
	}
	if (end && l->o.append) {
		if (l->early == NULL)
			l->early = kag_set_new();
		kag_set_add(l->early, v->p, v->n);
	}
	prefix(l, v, buf);
}

/* 1 when node id is a node of the store (or of the load so far), 0 when
 * not, -1 on trouble. */
static int
present(struct kag_load *l, const struct val *id)
{
	int rc;

	if ((rc = kag_load_query(l, N_HAS, id, 1)) > 0)
		sqlite3_reset(l->st[N_HAS]);
	return rc;
}

/*
 * Look a graph record up (query k, bound from v): 0 when it is not
 * stored, 1 when its row holds v[1..ncmp] (columns 1..ncmp), 2 when it
 * holds something else, -1 on trouble.
 */
static int
look(struct kag_load *l, int k, struct val *v, int nv, int ncmp)
{
	sqlite3_stmt *st = l->st[k];
	int rc, i;

	if ((rc = kag_load_query(l, k, v, nv)) <= 0)
		return rc;
	for (i = 1; i <= ncmp && kag_load_same(st, i, &v[i]); i++)
		;
	if (k == E_FIND_ID || k == E_FIND) {
		v[EV_SEQ].kind = V_INT;
		v[EV_SEQ].n = (size_t)sqlite3_column_int64(st, EV_SEQ);
	}
	sqlite3_reset(st);
	return i > ncmp ? 1 : 2;
}

/*
 * Whether a graph record is stored (query k, bound from v), as look()
 * says; 3 when it is put off.
 */
static int
find(struct kag_load *l, int t, int k, struct val *v, int nv, int ncmp)
{
	if (!kag_load_lookup(l, t))
		return 0;
	if (k == E_FIND && l->t[t].dropped) {
		/* See kag_load_later(). */
		if (l->t[t].fresh && l->o.conflict != KAG_CONFLICT_FAIL)
			return kag_load_later(l, t, v, EV_LATER) < 0 ? -1 : 3;
		if (kag_load_restore(l, t) < 0)
			return -1;
	}
	return look(l, k, v, nv, ncmp);
}

/* Is node id a node of the store (or of the load so far)?  If not, it is
 * looked at again at the end. */
static int
endpoint(
    struct kag_load *l, const struct val *id, const char *file, uintmax_t line)
{
	struct pending *p;
	int rc;

	if ((rc = present(l, id)) != 0)
		return rc < 0 ? -1 : 0;
	if (l->npend == l->apend) {
		l->apend = l->apend ? 2 * l->apend : 64;
		l->pend = kag_xrealloc(l->pend, l->apend * sizeof(*l->pend));
	}
	p = &l->pend[l->npend++];
	p->file = kag_load_filenum(l, file);
	p->line = line;
	p->id = kag_xmemdup(id->p, id->n);
	p->n = id->n;
	return 0;
}

/* Whether the stored members of hyperedge v[HV_ID] are the record's:
 * 1 or 0, -1 on trouble. */
static int
same_members(struct kag_load *l, const struct kag_record *r, struct val *v)
{
	const struct kag_json *j = r->json;
	sqlite3_stmt *st = l->st[H_MEMBERS];
	struct val m;
	int t = r->f[KAG_F_NODES], i, rc = SQLITE_DONE, eq = 1;

	if (kag_load_bind(l, st, v, HV_N) < 0)
		return -1;
	m.kind = V_TEXT;
	for (i = t + 1; eq && i < j->tok[t].next; i = j->tok[i].next) {
		kag_json_str(j, i, &l->tmp[5], &m.p, &m.n);
		ref(l, &m, &l->ids[1], 0);
		rc = sqlite3_step(st);
		eq = rc == SQLITE_ROW && kag_load_same(st, 0, &m);
	}
	if (eq)
		eq = (rc = sqlite3_step(st)) == SQLITE_DONE;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return kag_load_fail(l, "sqlite");
	return eq;
}

static int
members(struct kag_load *l, const struct kag_record *r, const struct val *id)
{
	const struct kag_json *j = r->json;
	struct val m[3];
	int t = r->f[KAG_F_NODES], i;

	m[0] = *id;
	m[1].kind = V_INT;
	m[1].n = 0;
	m[2].kind = V_TEXT;
	for (i = t + 1; i < j->tok[t].next; i = j->tok[i].next, m[1].n++) {
		kag_json_str(j, i, &l->tmp[5], &m[2].p, &m[2].n);
		ref(l, &m[2], &l->ids[1], 0);
		if (kag_load_run(l, H_ADDMEM, m, 3) < 0)
			return -1;
	}
	return 0;
}

/*
 * Write a graph record whose row is v[0..nv), as find() or look() found
 * it (rc): created, unchanged or, when kag_load_conflict() says so,
 * updated.  A hyperedge's members go along.
 */
static int
apply(struct kag_load *l, const struct kag_record *r, int t, int rc,
    struct val *v, int nv, const char *file, uintmax_t line)
{
	static const char *const kinds[] = { [T_NODES] = "node",
		[T_EDGES] = "edge",
		[T_HYPEREDGES] = "hyperedge" };
	static const int writes[][2] = { [T_NODES] = { N_INSERT, N_UPDATE },
		[T_EDGES] = { E_INSERT, E_UPDATE },
		[T_HYPEREDGES] = { H_INSERT, H_UPDATE } };
	struct kag_load_stats *c = t == T_NODES ? &l->rep.nodes
	    : t == T_EDGES			? &l->rep.edges
						: &l->rep.hyperedges;
	int hyper = t == T_HYPEREDGES;

	if (rc == 1 && hyper && (rc = same_members(l, r, v)) >= 0)
		rc = rc ? 1 : 2;
	if (rc < 0)
		return -1;
	if (rc == 0)
		c->created++;
	if (rc == 1) {
		c->unchanged++;
		return 0;
	}
	if (rc == 2) {
		kag_load_name(l, kinds[t], v[0].kind == V_TEXT ? &v[0] : &v[1]);
		if (v[0].kind != V_TEXT) {
			kag_buf_adds(&l->msg, " -> ");
			kag_buf_add_quoted(&l->msg, v[2].p, v[2].n);
		}
		if (!kag_load_conflict(l, c, file, line))
			return 0;
	}
	if (kag_load_run(l, writes[t][rc == 2], v, nv) < 0)
		return -1;
	if (!hyper)
		return 0;
	if (rc == 2 && kag_load_run(l, H_DELMEM, v, nv) < 0)
		return -1;
	return members(l, r, &v[HV_ID]);
}

/* Look a graph record up with statement find_ (columns 1..ncmp compared
 * with v[1..]) and write it. */
static int
upsert(struct kag_load *l, const struct kag_record *r, int t, int find_,
    struct val *v, int nv, int ncmp, const char *file, uintmax_t line)
{
	int rc = find(l, t, find_, v, nv, ncmp);

	return rc == 3 ? 0 : apply(l, r, t, rc, v, nv, file, line);
}

int
kag_load_node(struct kag_load *l, const struct kag_record *r, const char *file,
    uintmax_t line)
{
	static const int known[] = { KAG_F_ID, KAG_F_NODE_TYPE, KAG_F_DATA,
		KAG_F_CONTENT, KAG_F_METADATA, KAG_F_CREATED_AT,
		KAG_F_UPDATED_AT };
	struct val v[NV_N], old;
	int rc;

	kag_load_str(l, r, KAG_F_ID, 0, &v[NV_ID]);
	old = v[NV_ID];
	if ((rc = ownid(l, N_HAS, &v[NV_ID], &l->ids[0])) < 0)
		return -1;
	l->rep.nodes.renamed += (uintmax_t)rc;
	if (rc > 0 && l->early != NULL && kag_set_has(l->early, old.p, old.n)) {
		kag_load_name(l, "node", &old);
		kag_buf_adds(&l->msg,
		    " comes after an edge that names it, and "
		    "--append gave it the id ");
		kag_buf_add_quoted(&l->msg, v[NV_ID].p, v[NV_ID].n);
		kag_load_problem(l, file, line, KAG_ERROR);
	}
	if (l->o.append)
		mapput(&l->map, &old, &v[NV_ID]);
	kag_load_str(l, r, KAG_F_NODE_TYPE, 1, &v[NV_TYPE]);
	v[NV_DATA] = kag_load_raw(r, KAG_F_DATA);
	v[NV_CONTENT] = kag_load_raw(r, KAG_F_CONTENT);
	v[NV_META] = kag_load_raw(r, KAG_F_METADATA);
	kag_load_str(l, r, KAG_F_CREATED_AT, 2, &v[NV_CREATED]);
	kag_load_str(l, r, KAG_F_UPDATED_AT, 3, &v[NV_UPDATED]);
	v[NV_EXTRA] =
	    kag_load_extra(l, r, known, sizeof(known) / sizeof(*known));
	kag_buf_reset(&l->key);
	kag_buf_addc(&l->key, 'n');
	kag_load_idpart(&l->key, &v[NV_ID]);
	return upsert(l, r, T_NODES, N_FIND, v, NV_N, NV_N - 1, file, line);
}

int
kag_load_edge(struct kag_load *l, const struct kag_record *r, const char *file,
    uintmax_t line)
{
	static const int known[] = { KAG_F_ID, KAG_F_SRC, KAG_F_DST,
		KAG_F_REL_TYPE, KAG_F_WEIGHT, KAG_F_DATA, KAG_F_DIRECTED,
		KAG_F_METADATA, KAG_F_CREATED_AT };
	struct val v[EV_LATER];
	int byid, i, rc;

	byid = kag_load_str(l, r, KAG_F_ID, 0, &v[EV_ID]);
	if ((rc = ownid(l, E_HAS, &v[EV_ID], &l->ids[0])) < 0)
		return -1;
	l->rep.edges.renamed += (uintmax_t)rc;
	kag_load_str(l, r, KAG_F_SRC, 1, &v[EV_SRC]);
	kag_load_str(l, r, KAG_F_DST, 2, &v[EV_DST]);
	ref(l, &v[EV_SRC], &l->ids[1], 1);
	ref(l, &v[EV_DST], &l->ids[2], 1);
	kag_load_str(l, r, KAG_F_REL_TYPE, 3, &v[EV_REL]);
	v[EV_WEIGHT] = kag_load_raw(r, KAG_F_WEIGHT);
	v[EV_DATA] = kag_load_raw(r, KAG_F_DATA);
	v[EV_DIRECTED] = kag_load_raw(r, KAG_F_DIRECTED);
	v[EV_META] = kag_load_raw(r, KAG_F_METADATA);
	kag_load_str(l, r, KAG_F_CREATED_AT, 4, &v[EV_CREATED]);
	v[EV_EXTRA] =
	    kag_load_extra(l, r, known, sizeof(known) / sizeof(*known));
	v[EV_SEQ] = kag_load_null;
	for (i = EV_SRC; l->doc && i <= EV_DST; i++) {
		/* memory_load_link's way: skipped, with a warning. */
		if ((rc = present(l, &v[i])) != 0) {
			if (rc < 0)
				return -1;
			continue;
		}
		kag_buf_reset(&l->msg);
		kag_buf_adds(&l->msg, "edge names node ");
		kag_buf_add_quoted(&l->msg, v[i].p, v[i].n);
		kag_buf_adds(&l->msg,
		    ", which is neither in the store nor in "
		    "the load: skipped");
		kag_load_problem(l, file, line, KAG_WARNING);
		l->rep.edges.skipped++;
		return 0;
	}
	if (!l->doc &&
	    (endpoint(l, &v[EV_SRC], file, line) < 0 ||
		((v[EV_SRC].n != v[EV_DST].n ||
		     memcmp(v[EV_SRC].p, v[EV_DST].p, v[EV_SRC].n) != 0) &&
		    endpoint(l, &v[EV_DST], file, line) < 0)))
		return -1;
	/* By id, or by (src, dst, rel_type) among the edges without one. */
	v[EV_FILE].kind = v[EV_LINE].kind = V_INT;
	v[EV_FILE].n = 0;
	v[EV_LINE].n = (size_t)line;
	if (!byid && l->t[T_EDGES].dropped)
		v[EV_FILE].n = kag_load_filenum(l, file);
	kag_buf_reset(&l->key);
	kag_buf_addc(&l->key, byid ? 'e' : 't');
	for (i = byid ? EV_ID : EV_SRC; i <= (byid ? EV_ID : EV_REL); i++)
		kag_load_idpart(&l->key, &v[i]);
	return upsert(l, r, T_EDGES, byid ? E_FIND_ID : E_FIND, v, EV_LATER,
	    EV_EXTRA, file, line);
}

int
kag_load_hyperedge(struct kag_load *l, const struct kag_record *r,
    const char *file, uintmax_t line)
{
	static const int known[] = { KAG_F_ID, KAG_F_NODES, KAG_F_EDGE_TYPE,
		KAG_F_CONTENT, KAG_F_METADATA, KAG_F_CREATED_AT };
	struct val v[HV_N];
	int rc;

	kag_load_str(l, r, KAG_F_ID, 0, &v[HV_ID]);
	if ((rc = ownid(l, H_HAS, &v[HV_ID], &l->ids[0])) < 0)
		return -1;
	l->rep.hyperedges.renamed += (uintmax_t)rc;
	kag_load_str(l, r, KAG_F_EDGE_TYPE, 1, &v[HV_TYPE]);
	v[HV_CONTENT] = kag_load_raw(r, KAG_F_CONTENT);
	v[HV_META] = kag_load_raw(r, KAG_F_METADATA);
	kag_load_str(l, r, KAG_F_CREATED_AT, 2, &v[HV_CREATED]);
	v[HV_EXTRA] =
	    kag_load_extra(l, r, known, sizeof(known) / sizeof(*known));
	kag_buf_reset(&l->key);
	kag_buf_addc(&l->key, 'h');
	kag_load_idpart(&l->key, &v[HV_ID]);
	return upsert(
	    l, r, T_HYPEREDGES, H_FIND, v, HV_N, HV_N - 1, file, line);
}

/*
 * An edge put off, looked up now that kag_edges_src is back: 1 when it is
 * new after all (the Bloom filter's rare "maybe" of a new identity), and
 * takes seq at, the place it would have taken: the rows after it move up
 * a seq, through negative numbers, as no two rows may share one.
 */
int
kag_load_settle_edge(struct kag_load *l, struct val *v, sqlite3_int64 at,
    const char *file, uintmax_t line)
{
	struct kag_buf sql = KAG_BUF_INIT;
	int found;

	v[EV_SEQ] = kag_load_null;
	if ((found = look(l, E_FIND, v, EV_N, EV_EXTRA)) == 0) {
		kag_buf_addf(&sql,
		    "UPDATE kag_edges SET seq = -seq WHERE seq >= %lld; "
		    "UPDATE kag_edges SET seq = 1 - seq WHERE seq < 0",
		    (long long)at);
		found = kag_load_exec(l, sql.buf);
		kag_buf_release(&sql);
		v[EV_SEQ].kind = V_INT;
		v[EV_SEQ].n = (size_t)at;
	}
	if (found < 0 ||
	    apply(l, NULL, T_EDGES, found, v, EV_N, file, line) < 0)
		return -1;
	return found == 0;
}

void
kag_load_graph_free(struct kag_load *l)
{
	size_t i;

	for (i = 0; i < l->npend; i++)
		free(l->pend[i].id);
	free(l->pend);
	for (i = 0; i < l->nfiles; i++)
		free(l->files[i]);
	free(l->files);
	kag_buf_release(&l->map.arena);
	free(l->map.slot);
	kag_set_free(l->early);
	for (i = 0; i < sizeof(l->ids) / sizeof(*l->ids); i++)
		kag_buf_release(&l->ids[i]);
}
