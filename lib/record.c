/* record.c: one line of the stream checked as a record of kag(5). */
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "kag.h"

/* HyperMemory spellings, resolved once the record's type is known. */
enum { F_SOURCE = KAG_F_COUNT, F_TARGET, F_NSLOTS };

#define F(name, field)                                                         \
	{                                                                      \
		name, sizeof(name) - 1, field                                  \
	}
static const struct {
	const char *name;
	size_t len;
	int field;
} fieldnames[] = {
	F("agent_name", KAG_F_AGENT_NAME),
	F("content", KAG_F_CONTENT),
	F("created_at", KAG_F_CREATED_AT),
	F("data", KAG_F_DATA),
	F("directed", KAG_F_DIRECTED),
	F("dst", KAG_F_DST),
	F("edge_type", KAG_F_EDGE_TYPE),
	F("exported_at", KAG_F_EXPORTED_AT),
	F("format_version", KAG_F_FORMAT_VERSION),
	F("id", KAG_F_ID),
	F("key", KAG_F_KEY),
	F("metadata", KAG_F_METADATA),
	F("node_type", KAG_F_NODE_TYPE),
	F("nodes", KAG_F_NODES),
	F("rel_type", KAG_F_REL_TYPE),
	F("scope", KAG_F_SCOPE),
	F("source", F_SOURCE),
	F("src", KAG_F_SRC),
	F("stats", KAG_F_STATS),
	F("target", F_TARGET),
	F("type", KAG_F_TYPE),
	F("updated_at", KAG_F_UPDATED_AT),
	F("user_id", KAG_F_USER_ID),
	F("value", KAG_F_VALUE),
	F("weight", KAG_F_WEIGHT),
};

static const char *typenames[] = {
	NULL,
	"metadata",
	"memory",
	"node",
	"edge",
	"hyperedge",
	"end",
};

static const char *countnames[] = {
	"memories",
	"graph_nodes",
	"graph_edges",
	"hyperedges",
};

const char *
kag_type_name(enum kag_type t)
{
	if (t < KAG_REC_METADATA || t > KAG_REC_END)
		return "unknown";
	return typenames[t];
}

/* The field a key names, or -1; keys with escapes are decoded first. */
static int
classify(const struct kag_json *j, int k, struct kag_buf *tmp)
{
	const char *s = j->text + j->tok[k].start;
	size_t n = (size_t)(j->tok[k].end - j->tok[k].start), i;

	if (j->tok[k].flags & KAG_TOKF_ESCAPED) {
		kag_buf_reset(tmp);
		kag_json_str_decode(j, k, tmp);
		s = tmp->buf;
		n = tmp->len;
	}
	if (n == 0)
		return -1;
	for (i = 0; i < sizeof(fieldnames) / sizeof(fieldnames[0]); i++)
		if (fieldnames[i].len == n && fieldnames[i].name[0] == s[0] &&
		    memcmp(fieldnames[i].name, s, n) == 0)
			return fieldnames[i].field;
	return -1;
}

static int
is_type(const struct kag_json *j, int t, int type)
{
	return t >= 0 && j->tok[t].type == type;
}

static int
is_literal(const struct kag_json *j, int t, const char *lit)
{
	size_t n = strlen(lit);

	return t >= 0 && j->tok[t].type == KAG_TOK_PRIMITIVE &&
	    (size_t)(j->tok[t].end - j->tok[t].start) == n &&
	    memcmp(j->text + j->tok[t].start, lit, n) == 0;
}

static int
is_number(const struct kag_json *j, int t)
{
	char c;

	if (!is_type(j, t, KAG_TOK_PRIMITIVE))
		return 0;
	c = j->text[j->tok[t].start];
	return c == '-' || (c >= '0' && c <= '9') || c == 'N' || c == 'I';
}

/* A JSON integer >= 0 that fits in uintmax_t. */
static int
read_count(const struct kag_json *j, int t, uintmax_t *v)
{
	const char *s, *e;

	if (!is_type(j, t, KAG_TOK_PRIMITIVE))
		return -1;
	s = j->text + j->tok[t].start;
	e = j->text + j->tok[t].end;
	if (s == e || *s < '0' || *s > '9')
		return -1;
	for (*v = 0; s < e; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (*v > (UINTMAX_MAX - (uintmax_t)(*s - '0')) / 10)
			return -1;
		*v = *v * 10 + (uintmax_t)(*s - '0');
	}
	return 0;
}

/* "MAJOR.MINOR", each a run of digits (ULONG_MAX when it is larger). */
int
kag_version_parse(
    const char *s, size_t n, unsigned long *major, unsigned long *minor)
{
	unsigned long *v = major, d;
	size_t i, digits = 0;

	*major = *minor = 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.' && v == major && digits > 0) {
			v = minor;
			digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9') {
			/* Too large a number is still a version, only not
			 * ours: saturate, so that a header of major
			 * 18446744073709551617 is refused as unsupported
			 * rather than skipped as a bad line, after which its
			 * records would pass as a bare stream. */
			d = (unsigned long)(s[i] - '0');
			*v =
			    *v > (ULONG_MAX - d) / 10 ? ULONG_MAX : *v * 10 + d;
			digits++;
		} else {
			return -1;
		}
	}
	return v == minor && digits > 0 ? 0 : -1;
}

static const char *
field_name(int f)
{
	size_t i;

	for (i = 0; i < sizeof(fieldnames) / sizeof(fieldnames[0]); i++)
		if (fieldnames[i].field == f)
			return fieldnames[i].name;
	return "?";
}

/* Check optional field f: absent, or of JSON type want (or null when
 * nullable).  Returns -1 with a message when not. */
static int
want(const struct kag_record *r, int f, int type, int nullable,
    const char *what, struct kag_buf *err)
{
	int t = r->f[f];

	if (t < 0 || is_type(r->json, t, type) ||
	    (nullable && is_literal(r->json, t, "null")))
		return 0;
	kag_buf_addf(err, "field '%s' is not %s%s", field_name(f), what,
	    nullable ? " or null" : "");
	return -1;
}

static int
need(const struct kag_record *r, int f, int type, const char *what,
    struct kag_buf *err)
{
	if (r->f[f] < 0) {
		kag_buf_addf(err, "missing field '%s'", field_name(f));
		return -1;
	}
	return want(r, f, type, 0, what, err);
}

static int
check_times(const struct kag_record *r, struct kag_buf *err)
{
	if (want(r, KAG_F_CREATED_AT, KAG_TOK_STRING, 1, "a string", err) < 0 ||
	    want(r, KAG_F_UPDATED_AT, KAG_TOK_STRING, 1, "a string", err) < 0 ||
	    want(r, KAG_F_EXPORTED_AT, KAG_TOK_STRING, 1, "a string", err) < 0)
		return -1;
	return 0;
}

/* The owner fields and the timestamps, which headers and memories share. */
static int
check_owner(const struct kag_record *r, struct kag_buf *err)
{
	if (want(r, KAG_F_USER_ID, KAG_TOK_STRING, 0, "a string", err) < 0 ||
	    want(r, KAG_F_AGENT_NAME, KAG_TOK_STRING, 1, "a string", err) < 0)
		return -1;
	return check_times(r, err);
}

static int
check_metadata(struct kag_record *r, struct kag_buf *err)
{
	const struct kag_json *j = r->json;
	int t = r->f[KAG_F_FORMAT_VERSION];
	unsigned long major, minor;

	if (need(r, KAG_F_FORMAT_VERSION, KAG_TOK_STRING, "a string", err) < 0)
		return -1;
	if ((j->tok[t].flags & KAG_TOKF_ESCAPED) ||
	    kag_version_parse(j->text + j->tok[t].start,
		(size_t)(j->tok[t].end - j->tok[t].start), &major,
		&minor) < 0) {
		kag_buf_addf(err, "format_version '%.*s' is not MAJOR.MINOR",
		    j->tok[t].end - j->tok[t].start, j->text + j->tok[t].start);
		return -1;
	}
	return check_owner(r, err);
}

static int
check_memory(struct kag_record *r, struct kag_buf *err)
{
	int t = r->f[KAG_F_SCOPE];

	if (need(r, KAG_F_SCOPE, KAG_TOK_STRING, "a string", err) < 0)
		return -1;
	if (!kag_json_str_eq(r->json, t, "working", 7) &&
	    !kag_json_str_eq(r->json, t, "persistent", 10)) {
		kag_buf_addf(err,
		    "scope '%.*s' is neither 'working' nor 'persistent'",
		    r->json->tok[t].end - r->json->tok[t].start,
		    r->json->text + r->json->tok[t].start);
		return -1;
	}
	if (need(r, KAG_F_KEY, KAG_TOK_STRING, "a string", err) < 0)
		return -1;
	if (r->f[KAG_F_VALUE] < 0) {
		kag_buf_adds(err, "missing field 'value'");
		return -1;
	}
	return check_owner(r, err);
}

static int
check_node(struct kag_record *r, struct kag_buf *err)
{
	if (need(r, KAG_F_ID, KAG_TOK_STRING, "a string", err) < 0 ||
	    want(r, KAG_F_NODE_TYPE, KAG_TOK_STRING, 1, "a string", err) < 0 ||
	    want(r, KAG_F_DATA, KAG_TOK_OBJECT, 1, "an object", err) < 0 ||
	    want(r, KAG_F_USER_ID, KAG_TOK_STRING, 0, "a string", err) < 0)
		return -1;
	return check_times(r, err);
}

/* Take HyperMemory's source/target/edge_type for src/dst/rel_type. */
static int
alias(struct kag_record *r, int *slot, int to, int from, struct kag_buf *err)
{
	if (slot[from] < 0)
		return 0;
	if (r->f[to] >= 0) {
		kag_buf_addf(err, "both '%s' and '%s' given", field_name(to),
		    field_name(from));
		return -1;
	}
	r->f[to] = slot[from];
	return 0;
}

static int
check_edge(struct kag_record *r, int *slot, struct kag_buf *err)
{
	if (alias(r, slot, KAG_F_SRC, F_SOURCE, err) < 0 ||
	    alias(r, slot, KAG_F_DST, F_TARGET, err) < 0 ||
	    alias(r, slot, KAG_F_REL_TYPE, KAG_F_EDGE_TYPE, err) < 0)
		return -1;
	r->f[KAG_F_EDGE_TYPE] = -1;
	if (need(r, KAG_F_SRC, KAG_TOK_STRING, "a string", err) < 0 ||
	    need(r, KAG_F_DST, KAG_TOK_STRING, "a string", err) < 0 ||
	    want(r, KAG_F_REL_TYPE, KAG_TOK_STRING, 1, "a string", err) < 0 ||
	    want(r, KAG_F_ID, KAG_TOK_STRING, 0, "a string", err) < 0 ||
	    want(r, KAG_F_DATA, KAG_TOK_OBJECT, 1, "an object", err) < 0)
		return -1;
	if (r->f[KAG_F_WEIGHT] >= 0 &&
	    !is_number(r->json, r->f[KAG_F_WEIGHT])) {
		kag_buf_adds(err, "field 'weight' is not a number");
		return -1;
	}
	if (r->f[KAG_F_DIRECTED] >= 0 &&
	    !is_literal(r->json, r->f[KAG_F_DIRECTED], "true") &&
	    !is_literal(r->json, r->f[KAG_F_DIRECTED], "false")) {
		kag_buf_adds(err, "field 'directed' is not true or false");
		return -1;
	}
	return check_times(r, err);
}

static int
check_hyperedge(struct kag_record *r, struct kag_buf *err)
{
	const struct kag_json *j = r->json;
	int t = r->f[KAG_F_NODES], i;

	if (need(r, KAG_F_ID, KAG_TOK_STRING, "a string", err) < 0 ||
	    need(r, KAG_F_NODES, KAG_TOK_ARRAY, "an array", err) < 0 ||
	    want(r, KAG_F_EDGE_TYPE, KAG_TOK_STRING, 1, "a string", err) < 0)
		return -1;
	if (j->tok[t].size < 2) {
		kag_buf_adds(err, "field 'nodes' names fewer than 2 nodes");
		return -1;
	}
	for (i = t + 1; i < j->tok[t].next; i = j->tok[i].next) {
		if (j->tok[i].type != KAG_TOK_STRING) {
			kag_buf_adds(err, "field 'nodes' holds a non-string");
			return -1;
		}
	}
	return check_times(r, err);
}

static int
check_end(struct kag_record *r, struct kag_buf *err)
{
	struct kag_counts c;

	if (need(r, KAG_F_STATS, KAG_TOK_OBJECT, "an object", err) < 0)
		return -1;
	if (kag_counts_read(r, &c) < 0) {
		kag_buf_adds(err,
		    "trailer stats need 'memories', "
		    "'graph_nodes', 'graph_edges' and "
		    "'hyperedges' as counts");
		return -1;
	}
	return 0;
}

int
kag_record_parse(struct kag_record *r, struct kag_json *j, const char *line,
    size_t len, struct kag_buf *err)
{
	struct kag_buf tmp = KAG_BUF_INIT;
	int slot[F_NSLOTS], unknown = 0, i, f, t, rv = -1;

	kag_buf_reset(err);
	memset(r, 0, sizeof(*r));
	r->line = line;
	r->len = len;
	r->json = j;
	if (kag_json_parse(j, line, len, KAG_JSON_NONFINITE) < 0) {
		kag_buf_addf(err, "invalid JSON: %s (column %d)",
		    kag_json_errmsg(j), kag_json_errcol(j));
		return -1;
	}
	if (j->tok[0].type != KAG_TOK_OBJECT) {
		kag_buf_adds(err, "record is not a JSON object");
		return -1;
	}
	for (f = 0; f < F_NSLOTS; f++)
		slot[f] = -1;
	for (i = 1; i < j->ntok; i = j->tok[i + 1].next) {
		f = classify(j, i, &tmp);
		if (f < 0) {
			unknown++;
		} else if (slot[f] >= 0) {
			kag_buf_addf(err, "duplicate key '%s'", field_name(f));
			goto out;
		} else {
			slot[f] = i + 1;
		}
		if ((j->tok[i + 1].flags &
			(KAG_TOKF_NONFINITE | KAG_TOKF_INSIDE)) &&
		    f != KAG_F_VALUE && f != KAG_F_METADATA) {
			kag_buf_addf(err,
			    "NaN or Infinity outside 'value' "
			    "and 'metadata'");
			goto out;
		}
	}
	if (unknown > 1 && (i = kag_json_dup_key_shallow(j, 0)) >= 0) {
		const char *k;
		size_t n;

		kag_json_str(j, i, &tmp, &k, &n);
		kag_buf_adds(err, "duplicate key ");
		kag_buf_add_quoted(err, k, n);
		goto out;
	}
	memcpy(r->f, slot, sizeof(r->f));
	t = r->f[KAG_F_TYPE];
	if (t < 0) {
		kag_buf_adds(err, "missing field 'type'");
		goto out;
	}
	if (j->tok[t].type != KAG_TOK_STRING) {
		kag_buf_adds(err, "field 'type' is not a string");
		goto out;
	}
	for (f = KAG_REC_METADATA; f <= KAG_REC_END; f++)
		if (kag_json_str_eq(j, t, typenames[f], strlen(typenames[f])))
			r->type = (enum kag_type)f;
	switch (r->type) {
	case KAG_REC_METADATA:
		rv = check_metadata(r, err);
		break;
	case KAG_REC_MEMORY:
		rv = check_memory(r, err);
		break;
	case KAG_REC_NODE:
		rv = check_node(r, err);
		break;
	case KAG_REC_EDGE:
		rv = check_edge(r, slot, err);
		break;
	case KAG_REC_HYPEREDGE:
		rv = check_hyperedge(r, err);
		break;
	case KAG_REC_END:
		rv = check_end(r, err);
		break;
	default: {
		const char *name;
		size_t n;

		kag_json_str(j, t, &tmp, &name, &n);
		kag_buf_adds(err, "unknown record type ");
		kag_buf_add_quoted(err, name, n);
		break;
	}
	}
out:
	kag_buf_release(&tmp);
	return rv;
}

int
kag_record_str_eq(
    const struct kag_record *r, enum kag_field f, const char *s, size_t n)
{
	return r->f[f] >= 0 && r->json->tok[r->f[f]].type == KAG_TOK_STRING &&
	    kag_json_str_eq(r->json, r->f[f], s, n);
}

void
kag_record_user_id(
    const struct kag_record *r, struct kag_buf *tmp, const char **s, size_t *n)
{
	int t = r->f[KAG_F_USER_ID];

	if (t < 0 || r->json->tok[t].type != KAG_TOK_STRING) {
		*s = "default_user";
		*n = 12;
	} else {
		kag_json_str(r->json, t, tmp, s, n);
	}
}

void
kag_record_version(
    const struct kag_record *r, unsigned long *major, unsigned long *minor)
{
	const struct kag_json *j = r->json;
	int t = r->f[KAG_F_FORMAT_VERSION];

	*major = *minor = 0;
	if (t >= 0)
		kag_version_parse(j->text + j->tok[t].start,
		    (size_t)(j->tok[t].end - j->tok[t].start), major, minor);
}

void
kag_counts_add(struct kag_counts *c, enum kag_type t)
{
	switch (t) {
	case KAG_REC_MEMORY:
		c->memories++;
		break;
	case KAG_REC_NODE:
		c->nodes++;
		break;
	case KAG_REC_EDGE:
		c->edges++;
		break;
	case KAG_REC_HYPEREDGE:
		c->hyperedges++;
		break;
	default:
		break;
	}
}

int
kag_counts_read(const struct kag_record *end, struct kag_counts *c)
{
	const struct kag_json *j = end->json;
	uintmax_t *v[4];
	int t = end->f[KAG_F_STATS], i, k;

	v[0] = &c->memories;
	v[1] = &c->nodes;
	v[2] = &c->edges;
	v[3] = &c->hyperedges;
	if (t < 0 || j->tok[t].type != KAG_TOK_OBJECT)
		return -1;
	for (i = 0; i < 4; i++) {
		k = kag_json_find_key(
		    j, t, countnames[i], strlen(countnames[i]));
		if (read_count(j, k, v[i]) < 0)
			return -1;
	}
	return 0;
}

void
kag_counts_format_trailer(const struct kag_counts *c, struct kag_buf *out)
{
	kag_buf_addf(out,
	    "{\"type\":\"end\",\"stats\":{\"memories\":%ju,"
	    "\"graph_nodes\":%ju,\"graph_edges\":%ju,\"hyperedges\":%ju}}",
	    c->memories, c->nodes, c->edges, c->hyperedges);
}

void
kag_format_header(struct kag_buf *out, const char *generator, int exported_at)
{
	char when[32];

	kag_buf_adds(out,
	    "{\"type\":\"metadata\",\"format_version\":\"" KAG_FORMAT_VERSION
	    "\"");
	if (exported_at) {
		kag_time_format(kag_time_now(), when, sizeof(when));
		kag_buf_addf(out, ",\"exported_at\":\"%s\"", when);
	}
	kag_buf_adds(out, ",\"generator\":");
	kag_buf_add_json_string(out, generator, strlen(generator));
	kag_buf_addc(out, '}');
}
