/* report.c: kag-verify's report as text, as JSON, or as GitHub annotations. */
#include <stdlib.h>
#include <string.h>

#include "kag.h"

struct kag_report {
	enum kag_report_format format;
	unsigned long maxerr;
	int quiet;
	int stated;
	/* The operand being reported. */
	const char *name;
	uintmax_t shown, hidden;
	struct kag_buf diags; /* JSON: its diagnostics, comma-separated */
	/* Every operand. */
	struct kag_buf files; /* JSON: the files, comma-separated */
	uintmax_t errors, warnings;
};

struct kag_report *
kag_report_new(
    enum kag_report_format format, unsigned long maxerr, int quiet, int stated)
{
	struct kag_report *r = kag_xcalloc(1, sizeof(*r));

	r->format = format;
	r->maxerr = maxerr;
	r->quiet = quiet;
	r->stated = stated;
	return r;
}

void
kag_report_free(struct kag_report *r)
{
	if (r == NULL)
		return;
	kag_buf_release(&r->diags);
	kag_buf_release(&r->files);
	free(r);
}

void
kag_report_begin(struct kag_report *r, const char *name)
{
	r->name = name;
	r->shown = r->hidden = 0;
	kag_buf_reset(&r->diags);
}

/*
 * GitHub's workflow commands end at a LF and take '%' as their escape:
 * data escapes %, CR and LF; a property value also ':' and ',', which
 * separate properties.
 */
static void
ghescape(struct kag_buf *b, const char *s, int property)
{
	for (; *s != '\0'; s++) {
		if (*s == '%')
			kag_buf_adds(b, "%25");
		else if (*s == '\r')
			kag_buf_adds(b, "%0D");
		else if (*s == '\n')
			kag_buf_adds(b, "%0A");
		else if (property && *s == ':')
			kag_buf_adds(b, "%3A");
		else if (property && *s == ',')
			kag_buf_adds(b, "%2C");
		else
			kag_buf_addc(b, *s);
	}
}

void
kag_report_diag(struct kag_report *r, const struct kag_diag *d,
    struct kag_buf *out, struct kag_buf *err)
{
	const char *what = d->severity == KAG_ERROR ? "error" : "warning";
	struct kag_buf *b = &r->diags;

	if (d->severity == KAG_WARNING && r->quiet &&
	    r->format != KAG_REPORT_JSON)
		return;
	if (r->maxerr > 0 && r->shown >= r->maxerr) {
		r->hidden++;
		return;
	}
	r->shown++;
	switch (r->format) {
	case KAG_REPORT_TEXT:
		if (d->line > 0)
			kag_buf_addf(err, "%s:%ju: %s: %s\n", d->file, d->line,
			    what, d->msg);
		else
			kag_buf_addf(
			    err, "%s: %s: %s\n", d->file, what, d->msg);
		return;
	case KAG_REPORT_GITHUB:
		kag_buf_addf(out, "::%s file=", what);
		ghescape(out, d->file, 1);
		if (d->line > 0)
			kag_buf_addf(out, ",line=%ju", d->line);
		kag_buf_adds(out, "::");
		ghescape(out, d->msg, 0);
		kag_buf_addc(out, '\n');
		return;
	case KAG_REPORT_JSON:
		break;
	}
	if (b->len > 0)
		kag_buf_addc(b, ',');
	kag_buf_adds(b, "{\"file\":");
	kag_buf_add_json_string(b, d->file, strlen(d->file));
	if (d->line > 0)
		kag_buf_addf(b, ",\"line\":%ju", d->line);
	else
		kag_buf_adds(b, ",\"line\":null");
	kag_buf_addf(b, ",\"severity\":\"%s\",\"message\":", what);
	kag_buf_add_json_string(b, d->msg, strlen(d->msg));
	kag_buf_addc(b, '}');
}

#define PL(n) ((n) == 1 ? "" : "s")

static void
json_file(struct kag_report *r, const struct kag_check *c, uintmax_t n,
    uintmax_t reused)
{
	const struct kag_counts *k = kag_check_counts(c);
	const char *version = kag_check_version(c);
	struct kag_buf *b = &r->files;
	uintmax_t nerr = kag_check_errors(c), nwarn = kag_check_warnings(c);

	if (b->len > 0)
		kag_buf_addc(b, ',');
	kag_buf_adds(b, "{\"file\":");
	kag_buf_add_json_string(b, r->name, strlen(r->name));
	kag_buf_addf(b,
	    ",\"valid\":%s,\"bare\":%s,\"document\":%s,\"format_version\":",
	    nerr > 0 ? "false" : "true", kag_check_bare(c) ? "true" : "false",
	    kag_check_document(c) ? "true" : "false");
	if (version != NULL)
		kag_buf_add_json_string(b, version, strlen(version));
	else
		kag_buf_adds(b, "null");
	kag_buf_addf(b, ",\"records\":%ju", n);
	if (r->stated)
		kag_buf_addf(b, ",\"from_state\":%ju", reused);
	kag_buf_addf(b,
	    ",\"counts\":{\"memories\":%ju,\"graph_nodes\":%ju,"
	    "\"graph_edges\":%ju,\"hyperedges\":%ju},\"errors\":%ju,"
	    "\"warnings\":%ju,\"diagnostics\":[",
	    k->memories, k->nodes, k->edges, k->hyperedges, nerr, nwarn);
	kag_buf_add(b, r->diags.buf, r->diags.len);
	kag_buf_adds(b, "]}");
}

void
kag_report_file(struct kag_report *r, const struct kag_check *c,
    uintmax_t reused, struct kag_buf *err)
{
	const struct kag_counts *k = kag_check_counts(c);
	uintmax_t n = k->memories + k->nodes + k->edges + k->hyperedges;
	uintmax_t nerr = kag_check_errors(c), nwarn = kag_check_warnings(c);
	const char *doc =
	    kag_check_document(c) ? " (HyperMemory document)" : "";

	r->errors += nerr;
	r->warnings += nwarn;
	if (r->format == KAG_REPORT_JSON) {
		json_file(r, c, n, reused);
		return;
	}
	if (r->hidden > 0)
		kag_buf_addf(err,
		    "%s: %ju more problem%s not shown (--max-errors %lu)\n",
		    r->name, r->hidden, PL(r->hidden), r->maxerr);
	if (r->quiet)
		return;
	if (nerr > 0)
		kag_buf_addf(err, "%s: invalid%s: %ju error%s, %ju warning%s",
		    r->name, doc, nerr, PL(nerr), nwarn, PL(nwarn));
	else
		kag_buf_addf(err,
		    "%s: ok%s: %ju record%s (%ju memor%s, %ju node%s, "
		    "%ju edge%s, %ju hyperedge%s), %ju warning%s",
		    r->name, doc, n, PL(n), k->memories,
		    k->memories == 1 ? "y" : "ies", k->nodes, PL(k->nodes),
		    k->edges, PL(k->edges), k->hyperedges, PL(k->hyperedges),
		    nwarn, PL(nwarn));
	if (r->stated)
		kag_buf_addf(err,
		    "; %ju record%s verified, %ju of them from "
		    "the state",
		    n, PL(n), reused);
	kag_buf_addc(err, '\n');
}

void
kag_report_end(struct kag_report *r, struct kag_buf *out)
{
	if (r->format != KAG_REPORT_JSON)
		return;
	kag_buf_addf(out,
	    "{\"valid\":%s,\"errors\":%ju,\"warnings\":%ju,\"files\":[",
	    r->errors > 0 ? "false" : "true", r->errors, r->warnings);
	kag_buf_add(out, r->files.buf, r->files.len);
	kag_buf_adds(out, "]}\n");
}
