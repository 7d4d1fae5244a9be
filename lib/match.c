/* match.c: which records a selection keeps, by the rules of kag-filter(1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kag.h"

#define BIT(t) (1u << (t))
#define DATA                                                                   \
	(BIT(KAG_REC_MEMORY) | BIT(KAG_REC_NODE) | BIT(KAG_REC_EDGE) |         \
	    BIT(KAG_REC_HYPEREDGE))

/* The top-level fields of each type (kag(5)): a --where applies to the
 * types whose schema names its first segment. */
static const char *fields[] = {
	[KAG_REC_MEMORY] = " scope key value user_id agent_name created_at "
			   "updated_at metadata exported_at ",
	[KAG_REC_NODE] = " id node_type data content metadata created_at "
			 "updated_at exported_at ",
	[KAG_REC_EDGE] = " src dst rel_type weight data id directed metadata "
			 "created_at exported_at source target edge_type ",
	[KAG_REC_HYPEREDGE] = " id nodes edge_type content metadata "
			      "created_at exported_at ",
};

struct str {
	char *s; /* owned */
	size_t n;
};

struct list {
	struct str *v;
	size_t n;
};

struct where {
	char *path; /* owned: PATH=VALUE as given */
	size_t npath;
	size_t nfirst;	 /* of the first segment */
	const char *val; /* after the '=' */
	size_t nval;
	unsigned types; /* the record types it applies to */
	int edge; /* for edges, the field its first segment names, or -1 */
};

/* The value predicates, by their kag_match_what. */
enum { USER = KAG_MATCH_USER_ID, AGENT, SCOPE, KEY, NLISTS };

struct kag_match {
	int invert;
	struct list l[NLISTS]; /* either value of each */
	struct where *where;
	size_t nwhere;
	unsigned types; /* KAG_MATCH_TYPE, 0 for any */
	int timed;
	int64_t since, until;
	int nodepred; /* edges need their endpoints to have passed */

	/* The fast path (see kag_match_skip): a value of each group must be
	 * in the line. */
	int fast, skipall, ascii;
	const struct list *group[4];
	int ngroups;
	unsigned char used[128]; /* the ASCII bytes of the groups' values */

	struct kag_set *ids; /* the nodes that passed */
	struct kag_buf tmp;
	const char *err;
};

int
kag_record_owner_tok(const struct kag_record *r)
{
	const struct kag_json *j = r->json;
	int o[2] = { r->f[KAG_F_DATA], r->f[KAG_F_METADATA] }, i, t;

	if (r->type != KAG_REC_MEMORY && r->type != KAG_REC_NODE)
		return -1;
	t = r->f[KAG_F_USER_ID];
	if (t >= 0 && j->tok[t].type == KAG_TOK_STRING)
		return t;
	for (i = 0; i < 2 && r->type == KAG_REC_NODE; i++) {
		t = kag_json_find_key(j, o[i], "user_id", 7);
		if (t >= 0 && j->tok[t].type == KAG_TOK_STRING)
			return t;
	}
	return -1;
}

int
kag_record_owner(
    const struct kag_record *r, struct kag_buf *tmp, const char **s, size_t *n)
{
	int t;

	if (r->type == KAG_REC_MEMORY) {
		kag_record_user_id(r, tmp, s, n);
		return 0;
	}
	if ((t = kag_record_owner_tok(r)) < 0)
		return -1;
	kag_json_str(r->json, t, tmp, s, n);
	return 0;
}

/* Whether token t is absent (-1) or null. */
static int
unset(const struct kag_json *j, int t)
{
	return t < 0 ||
	    (j->tok[t].type == KAG_TOK_PRIMITIVE &&
		j->text[j->tok[t].start] == 'n');
}

int
kag_record_time(const struct kag_record *r, int64_t *usec)
{
	const struct kag_json *j = r->json;
	struct kag_buf tmp = KAG_BUF_INIT; /* escaped timestamps are rare */
	int t = r->f[KAG_F_UPDATED_AT], rc;
	const char *s;
	size_t n;

	if (unset(j, t))
		t = r->f[KAG_F_CREATED_AT];
	if (unset(j, t))
		return -1;
	if (j->tok[t].type != KAG_TOK_STRING)
		return -2;
	kag_json_str(j, t, &tmp, &s, &n);
	rc = kag_time_parse(s, n, usec);
	kag_buf_release(&tmp);
	return rc < 0 ? -2 : 0;
}

int
kag_json_path(const struct kag_json *j, int t, const char *path, size_t n)
{
	const char *p = path, *e = path + n, *dot;
	size_t len, k;
	unsigned long idx;

	for (; n > 0 && t >= 0; p = dot + 1) {
		if ((dot = memchr(p, '.', (size_t)(e - p))) == NULL)
			dot = e;
		len = (size_t)(dot - p);
		for (idx = 0, k = 0; k < len && p[k] >= '0' && p[k] <= '9'; k++)
			idx = idx * 10 + (unsigned long)(p[k] - '0');
		if (j->tok[t].type == KAG_TOK_OBJECT)
			t = kag_json_find_key(j, t, p, len);
		else if (j->tok[t].type != KAG_TOK_ARRAY || k != len ||
		    len == 0 || len > 9 || idx >= (unsigned long)j->tok[t].size)
			return -1;
		else
			for (t++; idx > 0; idx--)
				t = j->tok[t].next;
		if (dot == e)
			break;
	}
	return t;
}

int
kag_json_scalar_eq(const struct kag_json *j, int t, const char *s, size_t n)
{
	if (t < 0)
		return 0;
	if (j->tok[t].type == KAG_TOK_STRING)
		return kag_json_str_eq(j, t, s, n);
	return j->tok[t].type == KAG_TOK_PRIMITIVE &&
	    (size_t)(j->tok[t].end - j->tok[t].start) == n &&
	    memcmp(j->text + j->tok[t].start, s, n) == 0;
}

/*
 * memmem(3) took most of the fast path's time on needles this short.
 * This tests eight positions a word at a time for the needle's first and
 * last bytes together (a zero byte in x marks a position where both are
 * there; a zero may also show up falsely above a true one) and compares
 * only at those.
 */
const char *
kag_find(const char *hay, size_t n, const char *needle, size_t m)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones << 7;
	uint64_t c1, c2, x, y;
	size_t i = 0, k;

	if (m == 0)
		return hay;
	if (m > n)
		return NULL;
	if (m == 1)
		return memchr(hay, needle[0], n);
	c1 = ones * (unsigned char)needle[0];
	c2 = ones * (unsigned char)needle[m - 1];
	for (; i + m + 7 <= n; i += 8) {
		memcpy(&x, hay + i, 8);
		memcpy(&y, hay + i + m - 1, 8);
		x = (x ^ c1) | (y ^ c2);
		if (((x - ones) & ~x & high) == 0)
			continue;
		for (k = i; k < i + 8; k++)
			if (hay[k] == needle[0] &&
			    hay[k + m - 1] == needle[m - 1] &&
			    memcmp(hay + k + 1, needle + 1, m - 2) == 0)
				return hay + k;
	}
	for (k = i; k + m <= n; k++)
		if (hay[k] == needle[0] && memcmp(hay + k, needle, m) == 0)
			return hay + k;
	return NULL;
}

/* Whether "v" (quotes and all) is in s[0..n). */
static int
quoted(const char *s, size_t n, const struct str *v)
{
	const char *p, *e = s + n - (n > 0);

	for (p = s + 1; p <= e; p++)
		if ((p = kag_find(p, (size_t)(e - p), v->s, v->n)) == NULL)
			return 0;
		else if (p[-1] == '"' && p[v->n] == '"')
			return 1;
	return 0;
}

static int
hex(int c)
{
	static const char d[] = "0123456789abcdef0123456789ABCDEF";
	const char *p = c != 0 ? strchr(d, c) : NULL;

	return p != NULL ? (int)(p - d) % 16 : -256;
}

/*
 * A memory line that lacks every value of a group cannot match, unless a
 * \u escape spells one; escapes of characters that no value holds cannot
 * (the benchmark's text mixes \u0041, \u0001 and \u4e2d into a line in
 * five, so this is worth telling).
 */
int
kag_match_skip(void *ctx, const char *line, size_t len)
{
	const struct kag_match *m = ctx;
	const char *p, *e = line + len;
	size_t i;
	int g, c;

	if (!m->fast || m->skipall)
		return m->fast;
	for (g = 0; g < m->ngroups; g++) {
		for (i = 0; i < m->group[g]->n; i++)
			if (quoted(line, len, &m->group[g]->v[i]))
				break;
		if (i == m->group[g]->n)
			break;
	}
	if (g == m->ngroups)
		return 0;
	for (p = line; (p = memchr(p, '\\', (size_t)(e - p))) != NULL; p += 2) {
		if (e - p < 2)
			return 0;
		if (p[1] != 'u')
			continue;
		if (!m->ascii || e - p < 6)
			return 0;
		if (p[2] != '0' || p[3] != '0')
			continue;
		c = hex(p[4]) * 16 + hex(p[5]);
		if (c < 0 || (c < 0x80 && m->used[c]))
			return 0;
	}
	return 1;
}

/* Whether s[0..n) is a value of l, or matches one as a glob. */
static int
inlist(const struct list *l, const char *s, size_t n, int glob)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (glob ? kag_glob_match(l->v[i].s, s, n)
			 : l->v[i].n == n && memcmp(l->v[i].s, s, n) == 0)
			return 1;
	return 0;
}

/*
 * A list can serve the fast path when each of its values is in every
 * line that holds it as a JSON string, quoted: nothing in it but a \u
 * escape can spell (no '"', '\\', '/' or control character), keys have
 * no wildcard, and no memory without the field can match.
 */
static void
group(struct kag_match *m, int what)
{
	const struct list *l = &m->l[what];
	const unsigned char *s;
	int usable = l->n > 0 &&
	    !(what == USER && inlist(l, "default_user", 12, 0)) &&
	    !(what == AGENT && inlist(l, "", 0, 0));
	size_t i, k;

	for (i = 0; i < l->n && usable; i++)
		for (s = (const unsigned char *)l->v[i].s, k = 0;
		     k < l->v[i].n && usable; k++)
			usable = s[k] >= 0x20 &&
			    strchr("\"\\/", s[k]) == NULL &&
			    !(what == KEY && strchr("*?[", s[k]) != NULL);
	if (!usable)
		return;
	m->group[m->ngroups++] = l;
	for (i = 0; i < l->n; i++)
		for (s = (const unsigned char *)l->v[i].s, k = 0; k < l->v[i].n;
		     k++)
			if (s[k] >= 0x80)
				m->ascii = 0;
			else
				m->used[s[k]] = 1;
}

/* Work out what follows from the predicates so far. */
static void
plan(struct kag_match *m)
{
	size_t i;

	m->nodepred = m->l[USER].n > 0 || m->timed;
	for (i = 0; i < m->nwhere; i++)
		m->nodepred |= (m->where[i].types & BIT(KAG_REC_NODE)) != 0;
	if (m->nodepred && m->ids == NULL)
		m->ids = kag_set_new();
	m->ngroups = 0;
	m->ascii = 1;
	memset(m->used, 0, sizeof(m->used));
	m->skipall = m->types != 0 && !(m->types & BIT(KAG_REC_MEMORY));
	for (i = 0; i < NLISTS; i++)
		group(m, (int)i);
	m->fast = !m->invert && (m->skipall || m->ngroups > 0);
}

struct kag_match *
kag_match_new(void)
{
	struct kag_match *m = kag_xcalloc(1, sizeof(*m));

	m->since = INT64_MIN;
	m->until = INT64_MAX;
	return m;
}

static void
add(struct list *l, const char *s, size_t n)
{
	l->v = kag_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n].s = kag_xmemdup(s, n);
	l->v[l->n++].n = n;
}

static void
addwhere(struct kag_match *m, const char *arg)
{
	static const char *alias[] = { " src source ", " dst target ",
		" rel_type edge_type " };
	static const int afield[] = { KAG_F_SRC, KAG_F_DST, KAG_F_REL_TYPE };
	const char *eq = strchr(arg, '=');
	struct where *w;
	char name[64];
	int i;

	if (eq == NULL || eq == arg || *arg == '.' || eq[-1] == '.' ||
	    kag_find(arg, (size_t)(eq - arg), "..", 2) != NULL) {
		m->err = eq == NULL ? "not PATH=VALUE" : "empty path part";
		return;
	}
	m->where = kag_xrealloc(m->where, (m->nwhere + 1) * sizeof(*w));
	w = memset(&m->where[m->nwhere++], 0, sizeof(*w));
	w->path = kag_xstrdup(arg);
	w->npath = (size_t)(eq - arg);
	w->nfirst = strcspn(arg, ".=");
	w->val = w->path + w->npath + 1;
	w->nval = strlen(w->val);
	w->edge = -1;
	if (w->nfirst + 3 <= sizeof(name)) {
		snprintf(name, sizeof(name), " %.*s ", (int)w->nfirst, arg);
		for (i = KAG_REC_MEMORY; i <= KAG_REC_HYPEREDGE; i++)
			if (strstr(fields[i], name) != NULL)
				w->types |= BIT(i);
		for (i = 0; i < 3; i++)
			if (strstr(alias[i], name) != NULL)
				w->edge = afield[i];
	}
	if (w->types == 0)
		w->types = DATA;
}

int
kag_match_add(struct kag_match *m, enum kag_match_what what, const char *arg)
{
	size_t n = strlen(arg);
	int64_t t;
	int i;

	m->err = NULL;
	switch (what) {
	case KAG_MATCH_USER_ID:
	case KAG_MATCH_AGENT_NAME:
	case KAG_MATCH_SCOPE:
	case KAG_MATCH_KEY:
		if (what == KAG_MATCH_SCOPE && strcmp(arg, "working") != 0 &&
		    strcmp(arg, "persistent") != 0)
			m->err = "not working or persistent";
		else
			add(&m->l[what], arg, n);
		break;
	case KAG_MATCH_TYPE:
		for (i = KAG_REC_MEMORY; i <= KAG_REC_HYPEREDGE; i++)
			if (strcmp(arg, kag_type_name(i)) == 0)
				break;
		if (i > KAG_REC_HYPEREDGE)
			m->err = "not memory, node, edge or hyperedge";
		else
			m->types |= BIT(i);
		break;
	case KAG_MATCH_SINCE:
	case KAG_MATCH_UNTIL:
		if (kag_time_parse(arg, n, &t) < 0)
			m->err = "not a timestamp";
		else
			*(what == KAG_MATCH_SINCE ? &m->since : &m->until) = t;
		m->timed |= m->err == NULL;
		break;
	case KAG_MATCH_WHERE:
		addwhere(m, arg);
		break;
	default:
		m->err = "unknown predicate";
	}
	plan(m);
	return m->err != NULL ? -1 : 0;
}

void
kag_match_invert(struct kag_match *m)
{
	m->invert = 1;
	plan(m);
}

const char *
kag_match_errmsg(const struct kag_match *m)
{
	return m->err != NULL ? m->err : "";
}

int
kag_match_fast(const struct kag_match *m)
{
	return m->fast;
}

/* Fold a predicate's verdict r into the record's v, which stays -1 as
 * long as no predicate applies; r < 0 does not apply. */
static void
fold(int *v, int r)
{
	if (r >= 0)
		*v = *v != 0 && r;
}

static int
result(const struct kag_match *m, int v)
{
	return v < 0 ? 1 : v ^ m->invert;
}

/* --since and --until; none when the record has no time. */
static int
when(const struct kag_match *m, const struct kag_record *r, int none)
{
	int64_t us;
	int rc = kag_record_time(r, &us);

	if (rc == -1)
		return none;
	return rc == 0 && m->since <= us && us <= m->until;
}

static int
wherematch(const struct where *w, const struct kag_record *r)
{
	const char *path = w->path;
	size_t n = w->npath;
	int t = 0;

	/* An edge's src, dst and rel_type go by two names each. */
	if (r->type == KAG_REC_EDGE && w->edge >= 0) {
		t = r->f[w->edge];
		path += w->nfirst + (w->nfirst < n);
		n -= w->nfirst + (w->nfirst < n);
	}
	return kag_json_scalar_eq(
	    r->json, kag_json_path(r->json, t, path, n), w->val, w->nval);
}

/* The verdict of the record's own predicates but the type, before -v. */
static int
own(struct kag_match *m, const struct kag_record *r)
{
	static const int field[NLISTS] = { [AGENT] = KAG_F_AGENT_NAME,
		[SCOPE] = KAG_F_SCOPE,
		[KEY] = KAG_F_KEY };
	const struct kag_json *j = r->json;
	const char *s;
	size_t n, i;
	int v = -1, t, k;

	if (m->l[USER].n > 0 && kag_record_owner(r, &m->tmp, &s, &n) == 0)
		fold(&v, inlist(&m->l[USER], s, n, 0));
	for (k = AGENT; k < NLISTS && r->type == KAG_REC_MEMORY; k++) {
		if (m->l[k].n == 0)
			continue;
		s = "";
		n = 0;
		if (!unset(j, t = r->f[field[k]]))
			kag_json_str(j, t, &m->tmp, &s, &n);
		/* --agent-name '' is for a null or absent one only. */
		fold(&v,
		    inlist(&m->l[k], s, n, k == KEY) &&
			(k != AGENT || n > 0 || unset(j, t)));
	}
	if (m->timed && r->type == KAG_REC_MEMORY)
		fold(&v, when(m, r, 0));
	if (m->timed && r->type == KAG_REC_NODE)
		fold(&v, when(m, r, -1));
	for (i = 0; i < m->nwhere; i++)
		if (m->where[i].types & BIT(r->type))
			fold(&v, wherematch(&m->where[i], r));
	return v;
}

/* Whether the node named by token t passed. */
static int
passed(struct kag_match *m, const struct kag_json *j, int t)
{
	const char *s;
	size_t n;

	kag_json_str(j, t, &m->tmp, &s, &n);
	return kag_set_has(m->ids, s, n);
}

int
kag_match_record(struct kag_match *m, const struct kag_record *r)
{
	const struct kag_json *j = r->json;
	int v, t;
	const char *s;
	size_t n;

	if (r->type == KAG_REC_METADATA || r->type == KAG_REC_END)
		return 1;
	v = own(m, r);
	if (r->type == KAG_REC_NODE && m->nodepred && result(m, v)) {
		kag_json_str(j, r->f[KAG_F_ID], &m->tmp, &s, &n);
		kag_set_add(m->ids, s, n);
	}
	if (m->types != 0)
		fold(&v, (m->types & BIT(r->type)) != 0);
	if (!result(m, v))
		return 0;
	if (!m->nodepred || r->type == KAG_REC_MEMORY ||
	    r->type == KAG_REC_NODE)
		return 1;
	if (r->type == KAG_REC_EDGE)
		return passed(m, j, r->f[KAG_F_SRC]) &&
		    passed(m, j, r->f[KAG_F_DST]);
	t = r->f[KAG_F_NODES];
	for (t++; t < j->tok[r->f[KAG_F_NODES]].next; t = j->tok[t].next)
		if (passed(m, j, t))
			return 1;
	return 0;
}

void
kag_match_free(struct kag_match *m)
{
	size_t i, k;

	if (m == NULL)
		return;
	for (i = 0; i < NLISTS; i++) {
		for (k = 0; k < m->l[i].n; k++)
			free(m->l[i].v[k].s);
		free(m->l[i].v);
	}
	for (i = 0; i < m->nwhere; i++)
		free(m->where[i].path);
	free(m->where);
	kag_set_free(m->ids);
	kag_buf_release(&m->tmp);
	free(m);
}
