/*
 * check.h: what check.c (the checks) and checksave.c (their state saved
 * and restored, for kag-verify --state) share; not a contract of the
 * library.
 */
#ifndef KAG_CHECK_H
#define KAG_CHECK_H

#include "kag.h"

/*
 * An edge endpoint that was no node when the edge came waits in
 * kag_check.pending until the operand ends: a record header, then the id.
 * A record with what == PEND_FILE holds instead the name of the file the
 * following edges are in, so that a name is kept once, not per edge.
 */
enum { PEND_SRC, PEND_DST, PEND_FILE };

struct pend {
	uintmax_t line;
	size_t len;
	int what;
};

struct kag_check {
	kag_diag_fn *diag;
	void *ctx;
	unsigned flags;
	const char *want; /* the demanded format_version, or NULL */

	/* The operand so far: what a saved state must hold. */
	struct kag_fpset *nodes; /* node ids, decoded */
	struct kag_fpset *mems;	 /* memory identities, see identity() */
	/* Restored fingerprints not yet put in their set (see sets()). */
	struct kag_buf lazynodes, lazymems;
	struct kag_buf pending; /* struct pend records */
	struct kag_buf pfile;	/* the file of the last pend */
	struct kag_counts counts;
	uintmax_t nrec; /* records, headers and trailers too */
	uintmax_t errors, warnings;
	char *version; /* the first format_version met */
	int bare;      /* some segment has no header */
	int nseg;      /* segments begun */
	int rank;      /* the latest record type of this segment */
	int misorder;  /* this segment's order was warned about */
	int document;  /* a HyperMemory document (known at the end) */

	/* Scratch, kept to spare an allocation per record. */
	struct kag_buf msg, tmp, id;
};

#endif
