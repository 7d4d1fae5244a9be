/* kag.h: the kag library: read, check and write kag streams (see kag(5)). */
#ifndef KAG_H
#define KAG_H

#include <stddef.h>
#include <stdint.h>

#define KAG_VERSION	   "0.1.0"
#define KAG_FORMAT_VERSION "1.0"
#define KAG_FORMAT_MAJOR   1

/*
 * Exit statuses shared by every program: 0 success, 1 data problems
 * (records rejected, input invalid, a node not found), 2 trouble (usage,
 * I/O, SQLite, out of memory).
 */
#define KAG_EXIT_OK	 0
#define KAG_EXIT_DATA	 1
#define KAG_EXIT_TROUBLE 2

/* ---------------------------------------------------------------------
 * util.c: allocation and growable buffers
 *
 * The kag_x* allocators never return NULL: out of memory they print
 * "<prog>: out of memory" to stderr and exit 2 (the one place lib/ prints).
 */
void *kag_xmalloc(size_t n);
void *kag_xcalloc(size_t nmemb, size_t size);
void *kag_xrealloc(void *p, size_t n);
char *kag_xstrdup(const char *s);
/* A NUL-terminated copy of p[0..n). */
char *kag_xmemdup(const void *p, size_t n);
/* zlib's zalloc and zfree (z_stream), over the allocators above. */
void *kag_zalloc(void *opaque, unsigned items, unsigned size);
void kag_zfree(void *opaque, void *p);

/*
 * struct kag_buf: a growable byte buffer, git's strbuf in small.
 * buf[len] is always '\0' once anything has been added, so buf may be
 * used as a C string when the contents hold no NUL.  Initialise with
 * KAG_BUF_INIT; kag_buf_release() frees and re-initialises;
 * kag_buf_detach() hands the memory to the caller (who frees it) and
 * re-initialises.
 */
struct kag_buf {
	char *buf;
	size_t len;
	size_t alloc;
};
#define KAG_BUF_INIT                                                           \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

/* Make room for extra more bytes (plus the terminating NUL). */
void kag_buf_grow(struct kag_buf *b, size_t extra);
void kag_buf_add(struct kag_buf *b, const void *p, size_t n);
void kag_buf_addc(struct kag_buf *b, int c);
void kag_buf_adds(struct kag_buf *b, const char *s);
void kag_buf_addf(struct kag_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append p[0..n) as a JSON string, quotes included: '"', '\\' and the
 * control bytes are escaped (\n \t \r \b \f short forms, others \u00XX);
 * every other byte, UTF-8 included, is copied as is. */
void kag_buf_add_json_string(struct kag_buf *b, const char *p, size_t n);
/* Append v[0..n) as a JSON array of integers. */
void kag_buf_add_json_ints(struct kag_buf *b, const int64_t *v, size_t n);
/* Append s[0..n) as user data in a message: in single quotes, escaped as
 * in a JSON string, cut after 64 bytes (at a UTF-8 boundary) with "...". */
void kag_buf_add_quoted(struct kag_buf *b, const char *s, size_t n);
/* Set len to 0, keeping the memory. */
void kag_buf_reset(struct kag_buf *b);
void kag_buf_release(struct kag_buf *b);
char *kag_buf_detach(struct kag_buf *b, size_t *len);

/* The program name for messages, set once by main() (default "kag"). */
void kag_set_progname(const char *argv0);
const char *kag_progname(void);

/* ---------------------------------------------------------------------
 * reader.c: one reader for every input
 *
 * Reads a file or stdin, plain or gzip (sniffed by its magic bytes;
 * several concatenated members are inflated one after another), and
 * hands out lines.  A line is returned without its LF, and without a CR
 * before that LF; a UTF-8 BOM at the very start of the input is skipped;
 * lines holding only spaces, tabs and CRs are skipped (but counted); the
 * last line may lack its LF.  Lines have no length limit.  A gzip input
 * that ends inside a member, fails its CRC or length check, or holds
 * damaged data is an error, never a short read; bytes after the last
 * member that are not a gzip header are an error too.  gzip from a
 * regular file is inflated ahead in a second thread, which blocks all
 * signals.
 */
struct kag_reader;

/* Open path for reading; NULL or "-" is stdin, named "<stdin>".
 * Returns NULL with errno set if the file cannot be opened (EISDIR for a
 * directory). */
struct kag_reader *kag_reader_open(const char *path);
/* Read from an open descriptor (not closed by kag_reader_close when it
 * is 0); name is copied and used in messages. */
struct kag_reader *kag_reader_fdopen(int fd, const char *name);
/* For tests: read the input n bytes at a time (n >= 1).  Call before the
 * first kag_reader_getline(). */
void kag_reader_set_bufsize(struct kag_reader *r, size_t n);
/*
 * The next line: returns 1 and sets *line and *len (line[*len] is '\0';
 * the line may itself hold NUL bytes); the memory is the reader's,
 * valid until the next call.  Returns 0 at a clean end of input, -1 on
 * error: errno is set for system errors (EIO...), 0 for damaged input
 * (a truncated gzip), and kag_reader_errmsg() says what went wrong.
 * After -1 or 0 every further call returns the same.
 */
int kag_reader_getline(struct kag_reader *r, const char **line, size_t *len);
/* The name given at open ("<stdin>" for stdin). */
const char *kag_reader_name(const struct kag_reader *r);
/* The number of the line last returned (1-based, counting skipped blank
 * lines); after an error, the line being read. */
uintmax_t kag_reader_lineno(const struct kag_reader *r);
/* Whether the input turned out to be gzip (known after the first read). */
int kag_reader_is_gzip(const struct kag_reader *r);
/* What the last error was, lowercase, no final period; "" if none. */
const char *kag_reader_errmsg(const struct kag_reader *r);
/* A tap sees every byte read(2) gives the reader, in order, before it is
 * inflated or split (kag-verify --state hashes what it verified); for
 * gzip from a regular file it is called on the inflating thread.  Set it
 * before the first read. */
typedef void kag_tap_fn(void *ctx, const void *p, size_t n);
void kag_reader_tap(struct kag_reader *r, kag_tap_fn *fn, void *ctx);
/* The descriptor read from. */
int kag_reader_fd(const struct kag_reader *r);
/*
 * Carry on an input read before up to byte off, where it ended with a
 * LF (kag_reader_partial() was 0) and, for gzip, with a member: read from
 * off on (lseek), number the lines from lineno + 1, and take gzip (a new
 * member or the end must come next; anything else is trailing garbage)
 * or plain bytes, as that first read found.  Call before the first read.
 * 0, or -1 when the descriptor cannot seek there.
 */
int kag_reader_resume(
    struct kag_reader *r, uint64_t off, uintmax_t lineno, int gzip);
/* Whether the last line returned had no LF (the input ended inside it). */
int kag_reader_partial(const struct kag_reader *r);
/* Free the reader and close its descriptor (not stdin).  Accepts NULL. */
void kag_reader_close(struct kag_reader *r);

/* ---------------------------------------------------------------------
 * writer.c: one writer for every output
 *
 * Buffers large writes to a descriptor, plain or gzip (level 6).  The
 * first failing write(2) makes the writer sticky-failed: every later call
 * returns -1 at once, and errno holds the first failure's errno (EPIPE
 * for a closed pipe, ENOSPC for a full disk).
 */
struct kag_writer;

struct kag_writer *kag_writer_open(int fd, int gzip);
/* Queue p[0..n); 0 on success, -1 if the writer has failed. */
int kag_writer_write(struct kag_writer *w, const void *p, size_t n);
/* p[0..n) and a LF. */
int kag_writer_line(struct kag_writer *w, const void *p, size_t n);
/* Write out what is buffered (gzip: a sync flush is not done, only what
 * deflate has produced). */
int kag_writer_flush(struct kag_writer *w);
/* Flush, end the gzip member, free the writer (the descriptor stays
 * open).  Returns 0 if every write since open succeeded, else -1 with
 * errno of the first failure.  Accepts NULL (returns 0). */
int kag_writer_close(struct kag_writer *w);

/* ---------------------------------------------------------------------
 * json.c: strict JSON on top of the jsmn tokenizer
 *
 * kag_json_parse() checks that a text is exactly one JSON value under RFC
 * 8259 (grammar of numbers, literals, strings, escapes with paired \u
 * surrogates, no raw control bytes, commas and colons where they belong,
 * nothing but whitespace around the value) made of valid UTF-8 (no
 * overlong forms, no encoded surrogates, nothing past U+10FFFF), and
 * tokenizes it.
 */
enum kag_tok_type {
	KAG_TOK_OBJECT = 1,
	KAG_TOK_ARRAY = 2,
	KAG_TOK_STRING = 3,
	KAG_TOK_PRIMITIVE = 4 /* number, true, false, null, NaN... */
};

/* kag_tok.flags */
#define KAG_TOKF_ESCAPED   0x01 /* a string with backslash escapes */
#define KAG_TOKF_NONFINITE 0x02 /* NaN, Infinity or -Infinity */
#define KAG_TOKF_INSIDE	   0x04 /* a container with a NONFINITE token inside */

struct kag_tok {
	unsigned char type;  /* enum kag_tok_type */
	unsigned char flags; /* KAG_TOKF_* */
	int start; /* byte offset of the first byte; strings: after '"' */
	int end;   /* byte offset past the last; strings: at the '"' */
	int size;  /* object: keys; array: elements; key string: 1 */
	int next;  /* index of the first token after this subtree */
};

/* kag_json_parse() flags */
#define KAG_JSON_NONFINITE 0x01 /* take bare NaN, Infinity, -Infinity */

/*
 * struct kag_json: a parsed text.  The fields are read-only for callers.
 * Tokens come in document order: tok[0] is the root; an object's tokens
 * are key, value, key, value...; tok[i].next skips a whole subtree.
 */
struct kag_json {
	const char *text; /* borrowed: the caller keeps it alive */
	size_t len;
	struct kag_tok *tok;
	int ntok;
	/* private */
	int alloc;
	int errcol;
	char errmsg[128];
	void *priv;
};

struct kag_json *kag_json_new(void);
void kag_json_free(struct kag_json *j); /* accepts NULL */
/*
 * Parse s[0..n) (it need not be NUL-terminated; it may hold NUL bytes,
 * which are errors).  0 if it is valid, -1 if not: kag_json_errmsg() says
 * what is wrong ("invalid escape '\x'", "trailing comma", "invalid UTF-8",
 * "unexpected 'x' after value"...) and kag_json_errcol() where (1-based
 * byte column).  Texts longer than INT_MAX bytes are refused.  Nesting
 * depth is limited only by memory (no recursion).
 */
int kag_json_parse(struct kag_json *j, const char *s, size_t n, unsigned flags);
/*
 * The verdict and message of kag_json_parse(), without the tokens (ntok
 * is 0 after a valid text): several times faster for a caller that only
 * needs to know that a text is valid.
 */
int kag_json_check(struct kag_json *j, const char *s, size_t n, unsigned flags);
const char *kag_json_errmsg(const struct kag_json *j);
int kag_json_errcol(const struct kag_json *j);

/* The value token of key in object token obj, or -1 if absent (the first
 * one if the key is duplicated).  Keys compare decoded. */
int kag_json_find_key(
    const struct kag_json *j, int obj, const char *key, size_t keylen);
/* Whether string token t decodes to exactly s[0..n). */
int kag_json_str_eq(const struct kag_json *j, int t, const char *s, size_t n);
/* The decoded bytes of string token t: *s and *n point into the text when it
 * has no escapes, else into tmp, where it is decoded. */
void kag_json_str(const struct kag_json *j, int t, struct kag_buf *tmp,
    const char **s, size_t *n);
/* Append the decoded UTF-8 of string token t to out. */
void kag_json_str_decode(const struct kag_json *j, int t, struct kag_buf *out);
/*
 * Look in every object of the subtree rooted at t (t itself included)
 * for a key that appears twice (compared decoded).  Returns the token
 * index of the second occurrence, or -1 if there is none.
 */
int kag_json_dup_key(const struct kag_json *j, int t);
/* Same, only among the keys of object t itself (not nested ones). */
int kag_json_dup_key_shallow(const struct kag_json *j, int t);

/* ---------------------------------------------------------------------
 * record.c: records of the kag stream
 */
enum kag_type {
	KAG_REC_METADATA = 1,
	KAG_REC_MEMORY,
	KAG_REC_NODE,
	KAG_REC_EDGE,
	KAG_REC_HYPEREDGE,
	KAG_REC_END
};

/* Top-level fields a program may ask for (index into kag_record.f). */
enum kag_field {
	KAG_F_TYPE,
	KAG_F_FORMAT_VERSION,
	KAG_F_SCOPE,
	KAG_F_KEY,
	KAG_F_VALUE,
	KAG_F_USER_ID,
	KAG_F_AGENT_NAME,
	KAG_F_CREATED_AT,
	KAG_F_UPDATED_AT,
	KAG_F_EXPORTED_AT,
	KAG_F_METADATA,
	KAG_F_ID,
	KAG_F_NODE_TYPE,
	KAG_F_DATA,
	KAG_F_CONTENT,
	KAG_F_SRC,	/* also HyperMemory's "source" (edges) */
	KAG_F_DST,	/* also "target" (edges) */
	KAG_F_REL_TYPE, /* also "edge_type" (edges) */
	KAG_F_WEIGHT,
	KAG_F_DIRECTED,
	KAG_F_NODES,
	KAG_F_EDGE_TYPE, /* hyperedges */
	KAG_F_STATS,
	KAG_F_COUNT
};

/*
 * struct kag_record: one checked line.  line/json are borrowed from the
 * caller of kag_record_parse (for records from kag_input_next: valid
 * until the next call).  f[field] is the token index of that field's
 * value in json, or -1 when the record does not have it.
 */
struct kag_record {
	enum kag_type type;
	const char *line;
	size_t len;
	const struct kag_json *json;
	int f[KAG_F_COUNT];
};

/*
 * Parse and check one line as a record: valid JSON (NaN, Infinity and
 * -Infinity allowed only inside "value" and "metadata"), an object, no
 * top-level key twice, a known "type", the required fields of that type
 * with the right JSON types (kag(5)), a "scope" of "working" or
 * "persistent", a "format_version" shaped "MAJOR.MINOR".  Returns 0 if
 * the line is a record, -1 if not with the reason in err (reset first),
 * e.g. "missing field 'key'".
 */
int kag_record_parse(struct kag_record *r, struct kag_json *j, const char *line,
    size_t len, struct kag_buf *err);
/* "memory", "node"... */
const char *kag_type_name(enum kag_type t);
/* Whether a record's field is a JSON string equal to s[0..n). */
int kag_record_str_eq(
    const struct kag_record *r, enum kag_field f, const char *s, size_t n);
/*
 * The owner of a memory record: its "user_id", or "default_user" (the
 * value Kagura's store gives a row without one) when it has none.  Sets
 * *s and *n to the raw text when the string has no escapes, else decodes into
 * tmp and points there.
 */
void kag_record_user_id(
    const struct kag_record *r, struct kag_buf *tmp, const char **s, size_t *n);
/* Parse a format_version "MAJOR.MINOR" (digits only): 0, or -1 if s[0..n)
 * is not one. */
int kag_version_parse(
    const char *s, size_t n, unsigned long *major, unsigned long *minor);
/* The major and minor of a header's format_version (checked by
 * kag_record_parse). */
void kag_record_version(
    const struct kag_record *r, unsigned long *major, unsigned long *minor);

/* Counts of a segment's records, as a trailer's "stats" holds them. */
struct kag_counts {
	uintmax_t memories;
	uintmax_t nodes;
	uintmax_t edges;
	uintmax_t hyperedges;
};
/* Count one record of type t (headers and trailers are not counted). */
void kag_counts_add(struct kag_counts *c, enum kag_type t);
/* Read a trailer's stats into c; 0, or -1 if a count is missing or not
 * a non-negative integer (kag_record_parse already checked that). */
int kag_counts_read(const struct kag_record *end, struct kag_counts *c);
/* Append the trailer line (no LF): {"type":"end","stats":{...}}. */
void kag_counts_format_trailer(const struct kag_counts *c, struct kag_buf *out);
/* Append a header line (no LF) naming generator ("kag-filter 0.1.0"), with
 * "exported_at" from $SOURCE_DATE_EPOCH or the clock when exported_at is
 * nonzero. */
void
kag_format_header(struct kag_buf *out, const char *generator, int exported_at);

/* ---------------------------------------------------------------------
 * parser.c: lines of a reader parsed into records ahead of the caller
 *
 * Lines are read in batches by the caller's thread and parsed with
 * kag_record_parse() on a second core while the caller works through the
 * batch before; results come out one at a time, in input order.
 */

/*
 * A skip hook (kag-filter's fast path): called with each raw line before
 * it is parsed.  Return nonzero when the line cannot possibly be wanted
 * if it is a memory record; the line is then not parsed and comes out as
 * KAG_PARSED_SKIPPED, provided it starts with {"type":"memory", (or
 * Python's {"type": "memory", ); otherwise it is parsed as usual.  It is
 * called from the worker thread too, so it must only read shared state.
 */
typedef int kag_skip_fn(void *ctx, const char *line, size_t len);

enum kag_parsed_what {
	KAG_PARSED_RECORD, /* rec holds the record */
	KAG_PARSED_BAD,	   /* err says why the line is not a record */
	KAG_PARSED_SKIPPED /* a memory line the skip hook turned away */
};

struct kag_parsed {
	enum kag_parsed_what what;
	size_t len;	  /* of the line */
	uintmax_t lineno; /* as kag_reader_lineno() gave it */
	struct kag_record rec;
	const char *err;
};

struct kag_parser;

/* skip may be NULL. */
struct kag_parser *kag_parser_new(kag_skip_fn *skip, void *ctx);
/* Read from r from now on (r stays the caller's); only at the start or
 * after kag_parser_next() returned 0 for the previous reader. */
void kag_parser_set_reader(struct kag_parser *p, struct kag_reader *r);
/*
 * The next line: 1 with *out set (borrowed until the next call), 0 at the
 * end of the reader, -1 when reading failed: *syserr is then the errno of
 * a system error or 0 for damaged input, and kag_reader_errmsg() says
 * what happened.
 */
int kag_parser_next(
    struct kag_parser *p, const struct kag_parsed **out, int *syserr);
/* Stop the worker and free everything.  Accepts NULL. */
void kag_parser_free(struct kag_parser *p);

/* ---------------------------------------------------------------------
 * input.c: records from an operand, with segments checked
 */
enum kag_severity { KAG_WARNING = 1, KAG_ERROR = 2 };

struct kag_diag {
	const char *file; /* "<stdin>", a path, "DIR/memories.jsonl" */
	uintmax_t line;	  /* 1-based; 0 when about the file as a whole */
	enum kag_severity severity;
	const char *msg; /* lowercase, no final period, values in '' */
};
typedef void kag_diag_fn(void *ctx, const struct kag_diag *d);

struct kag_input;

/*
 * Lines are parsed ahead on a second core (parser.c); the diag callback
 * is only called from the caller's thread.
 *
 * Open an operand: a file or stdin (NULL or "-") holding a stream, or a
 * directory in Kagura's export form (memories.jsonl, graph.jsonl,
 * metadata.json).  Problems found while reading are sent to diag (which
 * may be NULL).  Returns NULL with errno set when it cannot be opened (a
 * directory without metadata.json: ENOENT).
 */
struct kag_input *
kag_input_open(const char *operand, kag_diag_fn *diag, void *ctx);
/* Install a skip hook (see parser.c): the memory lines it turns away are
 * counted for their segment's trailer, not parsed, not returned.  Call
 * before the first kag_input_next(). */
void kag_input_set_skip(struct kag_input *in, kag_skip_fn *skip, void *ctx);
/*
 * The next record: 1 with *rec filled (borrowed until the next call;
 * headers and trailers are records too), 0 at the end of the operand, -1
 * when reading cannot go on (an I/O error, damaged gzip, a format_version
 * whose major is not 1: the rest of the operand is not used).
 *
 * Lines that are not records are reported as errors through diag and not
 * returned; so are a trailer whose counts disagree with its segment, a
 * segment with a header and no trailer (at the next header or the end),
 * a metadata.json whose format_version is refused or whose stats
 * disagree with the files.
 */
int kag_input_next(struct kag_input *in, struct kag_record *rec);
/* The file and line of the record last returned. */
const char *kag_input_name(const struct kag_input *in);
uintmax_t kag_input_lineno(const struct kag_input *in);
/* The worst problem so far: 0 none, KAG_EXIT_DATA, KAG_EXIT_TROUBLE. */
int kag_input_status(const struct kag_input *in);
/* Whether the record last returned is the first of a segment without a
 * header (a bare stream or a bare part). */
int kag_input_bare(const struct kag_input *in);
/* A directory operand's metadata.json format_version; NULL otherwise. */
const char *kag_input_dir_version(const struct kag_input *in);
/* Free it.  Accepts NULL. */
void kag_input_close(struct kag_input *in);

/* ---------------------------------------------------------------------
 * store.c: the SQLite store
 *
 * One SQLite file: Kagura's "memories" table (persistent memory), left in
 * Kagura's shape and addressed by column name, and tables of kag's own,
 * prefixed kag_: kag_meta (the schema version), kag_working (working
 * memory), kag_memory_extra (fields of persistent memories that Kagura
 * has no column for), kag_nodes, kag_edges, kag_hyperedges and
 * kag_hyperedge_members.  String fields are stored decoded; JSON-valued
 * ones (value, data, content, metadata, weight, directed, extra) as JSON
 * text.  See store.c for the DDL.
 */
#define KAG_STORE_SCHEMA     "2"
#define KAG_STORE_TIMEOUT_MS 60000 /* how long a busy store is waited for */

struct kag_store;
struct sqlite3;

/*
 * The store's path, appended to out: path when it is not NULL or empty,
 * else $KAG_DB, else $KAGURA_DATA_DIR/memory.db, else
 * $XDG_DATA_HOME/kagura/memory.db, else $HOME/.local/share/kagura/
 * memory.db.  -1 when none of them is set.
 */
int kag_store_path(const char *path, struct kag_buf *out);

#define KAG_STORE_WRITE 0x01 /* read-write; the file is created if missing */
/*
 * Open the store at path, read-only unless KAG_STORE_WRITE.  A busy
 * store (another writer) is waited for up to timeout_ms at each
 * statement.  NULL with the reason appended to err when the file cannot
 * be opened or is not a database.
 */
struct kag_store *kag_store_open(
    const char *path, unsigned flags, int timeout_ms, struct kag_buf *err);
/* The connection, for the modules that run queries of their own. */
struct sqlite3 *kag_store_db(struct kag_store *s);
/* What the last failing call said, "" if nothing failed. */
const char *kag_store_errmsg(const struct kag_store *s);
/* Run SQL without results; 0 or -1 (kag_store_errmsg). */
int kag_store_exec(struct kag_store *s, const char *sql);
/*
 * Begin the one transaction: for a writer BEGIN IMMEDIATE (waiting for
 * other writers); for a reader a read transaction that has already read,
 * so that every later query sees the same snapshot.
 */
int kag_store_begin(struct kag_store *s);
int kag_store_commit(struct kag_store *s);
/* Roll back an open transaction, if any. */
void kag_store_rollback(struct kag_store *s);
/* 1 if the query sql has a row, 0 if not, -1 on error. */
int kag_store_has_row(struct kag_store *s, const char *sql);
/* 1 if the table (or the table's column) exists, 0 if not, -1 on error. */
int kag_store_has_table(struct kag_store *s, const char *table);
int kag_store_has_column(
    struct kag_store *s, const char *table, const char *column);
/* Check that the store has Kagura's memories table with the columns kag
 * uses (id, key, value, user_id, agent_name, created_at, updated_at,
 * metadata): 0, or -1 with the reason. */
int kag_store_check(struct kag_store *s);
/* For a writer, inside its transaction: create Kagura's memories table
 * with Kagura's own DDL if it is missing, check it, and create the kag_
 * tables that are missing.  0 or -1. */
int kag_store_ensure(struct kag_store *s);
/*
 * A second read-only connection to reader s's file, inside a read
 * transaction that sees what s's sees (s must be in one): a query on it
 * may run on another thread while s is busy.  NULL when that cannot be
 * promised: a WAL store (a writer may commit between the two), a busy
 * file (it is not waited for), or trouble opening it.
 */
struct kag_store *kag_store_twin(struct kag_store *s);
/* Roll back what is open and close.  Accepts NULL. */
void kag_store_close(struct kag_store *s);

/* ---------------------------------------------------------------------
 * set.c: a set of byte strings (ids, identities)
 *
 * Strings are copied into the set's own arena; memory grows with the
 * total size of the strings, not with their number of allocations.
 */
struct kag_set;
struct kag_set *kag_set_new(void);
void kag_set_free(struct kag_set *s); /* accepts NULL */
/* 1 if p[0..n) was added, 0 if it was there already. */
int kag_set_add(struct kag_set *s, const void *p, size_t n);
int kag_set_has(const struct kag_set *s, const void *p, size_t n);
size_t kag_set_count(const struct kag_set *s);

/*
 * struct kag_fpset: a set of 64-bit fingerprints of byte strings, for sets
 * too large to keep the strings (kag-verify's memory identities over a
 * million records): 8 bytes an entry.  Two different strings share a
 * fingerprint with a chance of 2^-64 a pair.
 */
struct kag_fpset;
struct kag_fpset *kag_fpset_new(void);
void kag_fpset_free(struct kag_fpset *s); /* accepts NULL */
/* 1 if the fingerprint of p[0..n) was added, 0 if it was there already. */
int kag_fpset_add(struct kag_fpset *s, const void *p, size_t n);
int kag_fpset_has(const struct kag_fpset *s, const void *p, size_t n);
size_t kag_fpset_count(const struct kag_fpset *s);
/* Add a fingerprint as kag_fpset_each() gave it (0 is taken as 1): 1 if
 * it was added, 0 if it was there already. */
int kag_fpset_add_fp(struct kag_fpset *s, uint64_t fp);
/* Make room for about n more fingerprints at once. */
void kag_fpset_reserve(struct kag_fpset *s, size_t n);
/* Call fn(ctx, fp) for every fingerprint, in no particular order. */
typedef void kag_fp_fn(void *ctx, uint64_t fp);
void kag_fpset_each(const struct kag_fpset *s, kag_fp_fn *fn, void *ctx);
/* The 64-bit hash both sets use: XXH3 (64 bits, seed 0) of libxxhash. */
uint64_t kag_hash64(const void *p, size_t n);

/* ---------------------------------------------------------------------
 * bloom.c: a Bloom filter of fixed size
 *
 * For "has this string surely not been seen?" over any number of
 * strings in constant memory (kag-load's identities): an answer of 1 is
 * certain, 0 may be wrong, the more often the fuller the filter (with
 * 16 MB, less than once in 10^7 strings at a million).
 */
struct kag_bloom;
/* A filter of about bytes bytes (a power of two, 64 at least). */
struct kag_bloom *kag_bloom_new(size_t bytes);
void kag_bloom_free(struct kag_bloom *b); /* accepts NULL */
/* Add p[0..n): 1 if it was surely not there before, 0 if it may have. */
int kag_bloom_add(struct kag_bloom *b, const void *p, size_t n);
/* The strings added that were surely new. */
size_t kag_bloom_count(const struct kag_bloom *b);

/* ---------------------------------------------------------------------
 * sum.c: the checksum of a file's bytes (kag-verify --state)
 *
 * XXH3 over the XXH3 of each 1 MiB chunk and the length: the same sum
 * whether the bytes are given as they are read or a file is summed on
 * two cores.
 */
struct kag_sum;
struct kag_sum *kag_sum_new(void);    /* NULL when out of memory */
void kag_sum_free(struct kag_sum *s); /* accepts NULL */
void kag_sum_reset(struct kag_sum *s);
void kag_sum_update(struct kag_sum *s, const void *p, size_t n);
/* The sum of the bytes so far; more may follow. */
uint64_t kag_sum_digest(struct kag_sum *s);
/* Sum the first n bytes of the file fd (read with pread): 0, with s as
 * if they had been given to kag_sum_update(); -1 with errno set on a
 * read error or a file shorter than n (EIO). */
int kag_sum_file(struct kag_sum *s, int fd, uint64_t n);

/* ---------------------------------------------------------------------
 * time.c: timestamps
 *
 * Accepted: YYYY-MM-DD, optionally followed by 'T' or ' ' and HH:MM,
 * HH:MM:SS or HH:MM:SS.fraction (1 to 9 digits), optionally followed by
 * 'Z' or an offset +HH:MM, +HHMM, +HH (or '-').  No zone means UTC.
 * Fields are range-checked (month 1-12, day within the month, hour 0-23,
 * minute 0-59, second 0-60).
 */
/* Parse s[0..n) into microseconds since 1970-01-01T00:00:00Z; 0 on
 * success, -1 if it is not such a timestamp. */
int kag_time_parse(const char *s, size_t n, int64_t *usec);
/* Seconds since the epoch: $SOURCE_DATE_EPOCH if set and valid, else
 * the clock. */
int64_t kag_time_now(void);
/* Format secs as "YYYY-MM-DDTHH:MM:SSZ" into out (at least 32 bytes). */
void kag_time_format(int64_t secs, char *out, size_t outlen);

/* ---------------------------------------------------------------------
 * glob.c: shell patterns over byte strings
 *
 * '*' any run of characters, '?' one character, '[...]' one of a set
 * (ranges a-z, negation [!...] or [^...]), '\' quotes the next character.
 * A character is a whole UTF-8 sequence; '/' and '.' are not special.
 * The string may hold NUL bytes.  Returns 1 on a match, else 0.
 */
int kag_glob_match(const char *pattern, const char *s, size_t n);

/* ---------------------------------------------------------------------
 * check.c: the checks that look across the records of an operand
 *
 * kag_input_next() checks each line on its own and the segments; a
 * checker adds what needs more than one record or is worth a warning
 * only, in the order the records come:
 *   warnings: a bare stream or bare segment (once per segment); NaN or
 *     Infinity in "value" or "metadata"; a key twice inside "value",
 *     "metadata" or "data"; a memory identity (scope, owner, agent_name,
 *     key) or a node id seen before; an edge endpoint that is no node of
 *     the operand (reported by kag_check_end(), so that a node after its
 *     edge is only out of order); records out of order within a segment
 *     (once per segment); a "weight" outside 0.0..1.0; a timestamp string
 *     that kag_time_parse() refuses; an empty operand;
 *   errors: with a demanded version (kag_check_demand()), a header or
 *     metadata.json of another format_version, a bare segment, an empty
 *     operand.
 * Duplicates are found by 64-bit fingerprint (struct kag_fpset): two
 * different identities are taken for one with a chance of about n^2/2^65
 * among n of them.
 *
 * A checker serves one operand: everything known about it (sets, edges
 * waiting for their nodes, counts, segment state, verdict) lives in the
 * struct, so that a later --state can save it and carry on.  It never
 * prints: problems go to the diag callback, the input's and its own
 * alike, counted first.  Use:
 *
 *	c = kag_check_new(diag, ctx, flags);
 *	if ((in = kag_check_open(c, path)) == NULL)
 *		... errno ...
 *	while ((rc = kag_input_next(in, &rec)) > 0)
 *		kag_check_record(c, in, &rec);
 *	if (rc == 0)
 *		kag_check_end(c, in);
 *	... kag_check_errors(c), kag_check_counts(c) ...
 *	kag_input_close(in);
 *	kag_check_free(c);
 */
#define KAG_CHECK_STRICT 0x01 /* pass every warning on as an error */

struct kag_check;

/* A checker for one operand, reporting to diag(ctx, ...) (not NULL). */
struct kag_check *kag_check_new(kag_diag_fn *diag, void *ctx, unsigned flags);
/* Demand this format_version "MAJOR.MINOR" (borrowed: the caller keeps
 * it alive).  Call before kag_check_open(). */
void kag_check_demand(struct kag_check *c, const char *version);
/*
 * kag_input_open(operand, ...) with the input's problems going through
 * the checker (counted, then passed to diag).  For a directory, its
 * metadata.json is held to the demanded version here, before any record.
 * NULL with errno set when the operand cannot be opened (see
 * kag_input_open).  The caller closes the input; one input per checker.
 */
struct kag_input *kag_check_open(struct kag_check *c, const char *operand);
/* Check rec, just returned by kag_input_next(in, rec). */
void kag_check_record(struct kag_check *c, const struct kag_input *in,
    const struct kag_record *rec);
/* After kag_input_next() returned 0 (a clean end): the edges whose
 * endpoints never came, and an empty operand.  Not called after -1: the
 * operand was not read to its end. */
void kag_check_end(struct kag_check *c, struct kag_input *in);
/* Problems passed on so far, input's included, after KAG_CHECK_STRICT. */
uintmax_t kag_check_errors(const struct kag_check *c);
uintmax_t kag_check_warnings(const struct kag_check *c);
/* The records checked, by type (headers and trailers not counted). */
const struct kag_counts *kag_check_counts(const struct kag_check *c);
/* Whether the operand has a segment without a header, or is empty. */
int kag_check_bare(const struct kag_check *c);
/* Whether the operand was a HyperMemory document (kag_input_document). */
int kag_check_document(const struct kag_check *c);
/* The first header's format_version, or the directory's; NULL if none. */
const char *kag_check_version(const struct kag_check *c);
/*
 * Save what the checker knows (kag-verify --state), appended to out:
 * counts, segment state, pending edge endpoints, and with withsets the
 * node and memory fingerprints too; lesserr and lesswarn problems fewer
 * than it counted (those the end of the input reported, which a later
 * run that carries on from here must not count).
 */
void kag_check_save(const struct kag_check *c, struct kag_buf *out,
    int withsets, uintmax_t lesserr, uintmax_t lesswarn);
/* Take up what kag_check_save() saved, into a checker fresh from
 * kag_check_new() (with the same flags and demand): 0, or -1 when p[0..n)
 * is not such a save (the checker is then of no use: free it).  The sets
 * are filled only when a record or kag_check_end() needs them. */
int kag_check_restore(struct kag_check *c, const void *p, size_t n);
void kag_check_free(struct kag_check *c); /* accepts NULL */

/* ---------------------------------------------------------------------
 * progress.c: a progress line for long work
 *
 * Writes "\r<prog>: <file>: <N> records" to a descriptor that is a
 * terminal (the caller decides which: stderr, never stdout), at most
 * twice a second and only once the work has taken a second; on any other
 * descriptor it does nothing.  Write errors are ignored: progress is
 * only a courtesy.
 */
struct kag_progress;

/* Start the clock; prog is borrowed.  Never NULL. */
struct kag_progress *kag_progress_new(int fd, const char *prog);
/* Records done so far in file (borrowed).  Cheap enough to call for
 * every record: the clock is read once every 4096 calls.  Accepts NULL. */
void kag_progress_update(
    struct kag_progress *p, const char *file, uintmax_t records);
/* Blank the line, if one is showing, before something else is written
 * to the terminal; later updates show it again.  Accepts NULL. */
void kag_progress_clear(struct kag_progress *p);
/* Clear and free.  Accepts NULL. */
void kag_progress_free(struct kag_progress *p);

/* ---------------------------------------------------------------------
 * match.c: which records a selection keeps
 *
 * The rules kag-filter(1) documents, for every program that selects
 * records by owner, agent, scope, key, time or field (kag-filter, and
 * kag-dump's and kag-subgraph's selections).
 */

/*
 * The owner of a record.  A memory's is kag_record_user_id()'s (its
 * "user_id", or "default_user" when it has none); a node's is its
 * top-level "user_id", else the "user_id" string in "data", else the one
 * in "metadata".  Sets *s and *n as kag_record_user_id() does and returns
 * 0; -1 when the record is a node without any, or neither memory nor node.
 */
int kag_record_owner(
    const struct kag_record *r, struct kag_buf *tmp, const char **s, size_t *n);
/* The token of the "user_id" string kag_record_owner() took (where a new
 * owner goes), or -1 when there is none: a memory without "user_id" (of
 * "default_user"), a node without an owner, any other type. */
int kag_record_owner_tok(const struct kag_record *r);
/*
 * The time of a record: its "updated_at", or its "created_at" when that
 * is absent or null, parsed with kag_time_parse() into *usec.  0 on
 * success; -1 when the record has neither; -2 when the one it has does
 * not parse (there is no falling back to "created_at" then).
 */
int kag_record_time(const struct kag_record *r, int64_t *usec);
/*
 * The token that path[0..n) leads to from token t, or -1.  Segments are
 * separated by '.'; each names a key of an object (compared decoded, so
 * "ab" finds "a\u0062"), or, on an array, is an index of 1 to 9 digits
 * (on an object, digits are a key like any other).  -1 when a key is
 * missing, an index is out of range or not digits, or a segment meets a
 * string, number, true, false or null.  An empty path leads to t; an
 * empty segment names the key "".
 */
int kag_json_path(const struct kag_json *j, int t, const char *path, size_t n);
/*
 * Whether token t (-1 for none) equals the value s[0..n) given on a
 * command line: a string when it decodes to exactly s[0..n); a number,
 * true, false or null when its JSON text is exactly s[0..n) (0.9 is not
 * 0.90, 1e2 is not 100).  Objects and arrays never equal one.
 */
int
kag_json_scalar_eq(const struct kag_json *j, int t, const char *s, size_t n);
/*
 * The first occurrence of needle[0..m) in hay[0..n), or NULL: memmem(3),
 * faster on the short needles of a selection (a user id in a line).  An
 * empty needle is found at hay.
 */
const char *kag_find(const char *hay, size_t n, const char *needle, size_t m);

/*
 * struct kag_match: a set of predicates and the verdict on each record.
 * The same predicate twice means either value; different predicates must
 * all hold.  Each applies only to the record types that have its field,
 * and leaves the others alone:
 *   KAG_MATCH_USER_ID     memories and nodes of this owner
 *                         (kag_record_owner(); a node without one passes)
 *   KAG_MATCH_AGENT_NAME  memories of this "agent_name" ("" for null or none)
 *   KAG_MATCH_SCOPE       memories of this scope ("working", "persistent")
 *   KAG_MATCH_KEY         memories whose decoded key matches this glob
 *   KAG_MATCH_TYPE        records of this type ("memory", "node", "edge",
 *                         "hyperedge"); applies to every type
 *   KAG_MATCH_SINCE       memories and nodes of this time or later
 *   KAG_MATCH_UNTIL       memories and nodes of this time or earlier
 *                         (both inclusive, kag_time_parse() syntax, on
 *                         kag_record_time(); a memory without a time that
 *                         parses does not match, a node without a time
 *                         passes; given twice, the later one counts)
 *   KAG_MATCH_WHERE       PATH=VALUE: records whose field at PATH
 *                         (kag_json_path() from the record) equals VALUE
 *                         (kag_json_scalar_eq()); it applies to the types
 *                         whose schema (kag(5)) has PATH's first segment,
 *                         or to all when none has; an edge's
 *                         "src"/"source", "dst"/"target" and
 *                         "rel_type"/"edge_type" are one field each
 * kag_match_invert() turns the verdict of those predicates round.
 * Edges and hyperedges need more when a node predicate is set
 * (KAG_MATCH_USER_ID, _SINCE, _UNTIL, or a _WHERE that applies to nodes):
 * an edge is kept only when both its endpoints are nodes that passed
 * before it, a hyperedge when any of its members is, whatever
 * KAG_MATCH_TYPE says of the nodes themselves.  So records must come in
 * input order, nodes before their edges.  Use:
 *
 *	m = kag_match_new();
 *	if (kag_match_add(m, KAG_MATCH_SCOPE, arg) < 0)
 *		... kag_match_errmsg(m) ...
 *	if (kag_match_fast(m))
 *		kag_input_set_skip(in, kag_match_skip, m);
 *	while (kag_input_next(in, &rec) > 0)
 *		if (kag_match_record(m, &rec))
 *			... keep it ...
 *	kag_match_free(m);
 */
enum kag_match_what {
	KAG_MATCH_USER_ID,
	KAG_MATCH_AGENT_NAME,
	KAG_MATCH_SCOPE,
	KAG_MATCH_KEY,
	KAG_MATCH_TYPE,
	KAG_MATCH_SINCE,
	KAG_MATCH_UNTIL,
	KAG_MATCH_WHERE
};

struct kag_match;

/* No predicate yet: every record matches.  Never NULL. */
struct kag_match *kag_match_new(void);
/*
 * Add a predicate (arg is copied).  0, or -1 when arg is not valid for
 * it, with kag_match_errmsg() saying why: "not PATH=VALUE", "empty path
 * part", "not a timestamp", "not working or persistent", "not memory,
 * node, edge or hyperedge".  Add them all before the first record.
 */
int
kag_match_add(struct kag_match *m, enum kag_match_what what, const char *arg);
/* Turn the verdict of the predicates round (kag-filter -v).  Call it
 * before the first record. */
void kag_match_invert(struct kag_match *m);
/* Why the last kag_match_add() failed; "" if it did not. */
const char *kag_match_errmsg(const struct kag_match *m);
/*
 * Whether record r, the next of the input, is kept: 1 or 0.  Headers and
 * trailers are always kept.  Remembers the nodes that pass the node
 * predicates (after kag_match_invert(), whatever KAG_MATCH_TYPE says),
 * for the edges and hyperedges after them.
 */
int kag_match_record(struct kag_match *m, const struct kag_record *r);
/*
 * Whether kag_match_skip() can turn lines away for m.  Only when not
 * inverted: when types are asked for and memory is not one of them, or
 * when the values of a USER_ID, AGENT_NAME, SCOPE or KEY predicate are
 * found as quoted text in every line that holds them (no '"', '\\', '/'
 * or control character; keys without '*', '?', '['; no "default_user"
 * among the owners, no "" among the agents).
 */
int kag_match_fast(const struct kag_match *m);
/*
 * A kag_skip_fn with m as its ctx: nonzero when a memory line cannot
 * match because it holds none of one predicate's values as a quoted
 * string (with quotes, by kag_find) and no \u escape that could spell
 * one; 0 when it may, or when kag_match_fast(m) is 0.  It only reads m,
 * so it may run on the input's worker thread.
 */
int kag_match_skip(void *m, const char *line, size_t len);
void kag_match_free(struct kag_match *m); /* accepts NULL */

/* ---------------------------------------------------------------------
 * jsonread.c: parsed JSON written back
 */
/* Append the JSON text of token t (a string with its quotes) to out
 * without the whitespace between tokens: pretty-printed JSON on one line,
 * every string and number byte for byte as it stands. */
void kag_json_compact(const struct kag_json *j, int t, struct kag_buf *out);
/* Append token t in a canonical form, for comparing two texts by meaning:
 * strings (keys too) decoded and written again by kag_buf_add_json_string,
 * no whitespace, keys in their order, numbers and literals as written. */
void kag_json_canonical(const struct kag_json *j, int t, struct kag_buf *out);

/* ---------------------------------------------------------------------
 * graphjson.c: Kagura's graph.json read as node and edge records
 *
 * graph.json is networkx node-link JSON, {"directed":..,"multigraph":..,
 * "graph":{},"nodes":[{..attrs,"id":ID}],"links":[{..attrs,"source":A,
 * "target":B}]} ("edges" is taken for "links").  Each node becomes
 *   {"type":"node","id":ID,"node_type":T|null,"data":{..}}
 * with the string attribute "type" as node_type and the other attributes
 * but "id" as data, in their order; each link becomes
 *   {"type":"edge","src":A,"dst":B,"rel_type":T|null,"weight":W,"data":{..}}
 * with the string attribute "type" as rel_type, the number "weight" as
 * weight (1.0 when there is none) and the other attributes but "source"
 * and "target" as data: what Kagura's exporter writes, compact.  Ids,
 * types and ends are written decoded (kag_buf_add_json_string); an id or
 * end that is not a string is written as a string of its JSON text.
 * Attribute values are copied as their JSON text, compact; a NaN or
 * Infinity among them is reported (an error) and written as a string of
 * its text, so that every line is a valid record.
 */
struct kag_graphjson;

/*
 * Read the file at path (plain or gzip) whole.  NULL with errno set when
 * it cannot be read.  A file that is not node-link JSON is reported to
 * diag (an error, with the file's name and line 0) and yields no record.
 */
struct kag_graphjson *
kag_graphjson_open(const char *path, kag_diag_fn *diag, void *ctx);
/* The next record of type t (KAG_REC_NODE or KAG_REC_EDGE), in the
 * file's order: 1 with *line and *len set (borrowed until the next call),
 * 0 when there are no more of that type. */
int kag_graphjson_next(
    struct kag_graphjson *g, enum kag_type t, const char **line, size_t *len);
void kag_graphjson_free(struct kag_graphjson *g); /* accepts NULL */

/* ---------------------------------------------------------------------
 * rows.c: the rows of an SQL statement, stepped on a second core
 *
 * A worker thread steps the statement and copies the text of each row's
 * first ncol columns into batches while the caller works through the
 * batch before: memory stays at three batches of about 256 KiB, whatever
 * the number of rows.  The statement and its connection are the worker's
 * until kag_rows_free(): the caller runs nothing else on the connection
 * meanwhile (the worker holds its mutex a batch at a time, and a
 * connection opened without one may not be shared at all).
 */
struct kag_rows;
struct sqlite3_stmt;

/*
 * A hook the worker may run on each row as it copies it, with the row's
 * cells as kag_rows_text() gives them, so that work on the rows is done
 * on its core: what it returns is kept with the row (kag_rows_mark()).
 * It runs only while the worker is ahead of the caller, so that neither
 * waits long for the other; the caller does the work of the rows it
 * left.  It runs on the worker's thread: it must use only what it owns.
 */
typedef int kag_rows_fn(void *ctx, const char *const *cell, const size_t *len);
/* Step st (prepared and bound; the caller finalizes it after
 * kag_rows_free()), running fn(ctx, ...) on each row when fn is not
 * NULL.  Never NULL: without a thread, kag_rows_next() steps it itself. */
struct kag_rows *
kag_rows_new(struct sqlite3_stmt *st, int ncol, kag_rows_fn *fn, void *ctx);
/* Move to the next row: 1, 0 after the last, -1 when a step failed
 * (kag_rows_errmsg() says why); every later call returns the same. */
int kag_rows_next(struct kag_rows *r);
/* Column i (0 <= i < ncol) of the current row: NULL for SQL NULL, else
 * the bytes sqlite3_column_text() gave, followed by a NUL, with *n their
 * number; valid until the next kag_rows_next(). */
const char *kag_rows_text(const struct kag_rows *r, int i, size_t *n);
/* What the hook returned for the current row (>= 0 by contract), or -1
 * when it did not run on it. */
int kag_rows_mark(const struct kag_rows *r);
const char *kag_rows_errmsg(const struct kag_rows *r);
/* Stop the worker and free.  Accepts NULL. */
void kag_rows_free(struct kag_rows *r);

/* ---------------------------------------------------------------------
 * exportdir.c: Kagura's export directory, written whole or not at all
 *
 * memories.jsonl, graph.jsonl and metadata.json are written into a new
 * directory beside dir (".NAME.new.XXXXXX"), made durable, and renamed
 * into place, so that dir is never half an export, whatever happens
 * meanwhile.  An existing empty dir is replaced; one that holds an
 * export's files and nothing else only when force is set (it is renamed
 * aside, then removed); anything else is refused.
 */
struct kag_exportdir;

/* NULL with errno set and the reason ("DIR: ...") appended to err. */
struct kag_exportdir *
kag_exportdir_open(const char *dir, int force, struct kag_buf *err);
/* The writer of memories.jsonl for memory records (t KAG_REC_MEMORY),
 * else of graph.jsonl; the export's until commit or close. */
struct kag_writer *
kag_exportdir_writer(struct kag_exportdir *x, enum kag_type t);
/*
 * Finish the files, write metadata.json as Kagura does ({"exported_at":
 * when,"user_id":U|null,"agent_name":A|null,"stats":{"memories","graph_nodes",
 * "graph_edges"},"format_version":"1.0"}, indented by 2, no final
 * newline) and move the directory into place.  0, or -1 with
 * kag_exportdir_errmsg() saying what failed (a write error of the
 * writers included) and nothing in place.
 */
int kag_exportdir_commit(struct kag_exportdir *x, const char *when,
    const char *user_id, const char *agent_name, const struct kag_counts *c);
const char *kag_exportdir_errmsg(const struct kag_exportdir *x);
/* Remove what was not committed, and free.  Accepts NULL. */
void kag_exportdir_close(struct kag_exportdir *x);

/* ---------------------------------------------------------------------
 * dump.c: the store read back as records
 *
 * Reads the store in kag-dump(1)'s order: working memories (kag_working
 * by id), persistent memories (Kagura's memories by id), nodes, edges,
 * hyperedges (the kag_ tables in the order they were written).  The
 * graph is a graph.json's first, if one is given, then the kag_ tables';
 * a kag_ node of the same id, or a kag_ edge without an id of the same
 * (src, dst, rel_type), replaces graph.json's.  Missing kag_ tables hold
 * nothing; a store without a "memories" table but with other tables is
 * refused (not a Kagura store), one without any table is empty.
 *
 * Lines are compact records of kag(5) with every field of kag-dump(1),
 * strings raw UTF-8.  JSON cells (value, metadata, data, content,
 * weight, directed, extra) are copied as stored; a cell that spans lines
 * is written compact (kag_json_compact); a cell that is not valid JSON
 * (NaN and Infinity pass in value and metadata) is reported to diag as
 * an error, "row 12 (key 'k'): invalid JSON in 'value': ..." with the
 * store's name as the file, and written as a JSON string of its text; a
 * data, weight or directed that is invalid or of another type likewise,
 * as "invalid_data" (and so on), so that every line is a valid record.
 * Rows are read ahead on a second core (rows.c), their JSON checked
 * there while it keeps ahead.  Memory use does not grow with the number
 * of rows.  Use, inside the caller's read transaction:
 *
 *	d = kag_dump_new(store, name, flags, diag, ctx);
 *	kag_dump_select(d, KAG_MATCH_USER_ID, "alice");
 *	while ((rc = kag_dump_next(d, &type, &line, &len)) > 0)
 *		... write line ...
 *	if (rc < 0)
 *		... kag_dump_errmsg(d) ...
 *	kag_dump_free(d);
 */
#define KAG_DUMP_NO_WORKING    0x01
#define KAG_DUMP_NO_PERSISTENT 0x02
#define KAG_DUMP_NO_GRAPH      0x04

struct kag_dump;

/* A dump of store s (borrowed), named name (borrowed) in messages;
 * problems with the data go to diag(ctx, ...), which may be NULL. */
struct kag_dump *kag_dump_new(struct kag_store *s, const char *name,
    unsigned flags, kag_diag_fn *diag, void *ctx);
/*
 * Select by owner (KAG_MATCH_USER_ID) or agent (KAG_MATCH_AGENT_NAME, ""
 * for none): memories in SQL; the graph by kag_match's rules (nodes of
 * that owner or of none, edges between kept nodes, hyperedges with a kept
 * member).  Repeatable: either value.  0, or -1 for another kind.  Call
 * before the first kag_dump_next().
 */
int
kag_dump_select(struct kag_dump *d, enum kag_match_what what, const char *arg);
/* Take Kagura's graph from this graph.json (see kag_graphjson_open):
 * 0, or -1 with errno set when it cannot be read.  Call before the first
 * kag_dump_next(). */
int kag_dump_graph_json(struct kag_dump *d, const char *path);
/* End every record with ,"exported_at":when (Kagura's export directory
 * form); when is copied. */
void kag_dump_exported_at(struct kag_dump *d, const char *when);
/*
 * Read only the rows of table (kag_working, memories, kag_nodes,
 * kag_edges or kag_hyperedges) whose rowids are ids[0..n), ascending
 * and distinct (borrowed until kag_dump_free), one lookup each: a cut's
 * rows.  A table not named is read whole.  0, or -1 for another table.
 * Call before the first kag_dump_next().
 */
int kag_dump_only(
    struct kag_dump *d, const char *table, const int64_t *ids, size_t n);
/*
 * Read only the edges whose two ends are in set (borrowed until
 * kag_dump_free, and read on another thread), looked up from their
 * sources: ids[0..n), a JSON array of the strings of set (copied).
 * Call before the first kag_dump_next().
 */
void kag_dump_edges_within(
    struct kag_dump *d, const struct kag_set *set, const char *ids, size_t n);
/*
 * Read table (not kag_hyperedges) on twin's connection (kag_store_twin,
 * borrowed until kag_dump_free) from the first kag_dump_next() on, on a
 * core of its own, while the tables before it are read: its records come
 * in their turn.  0, or -1 for a table it cannot be done for.
 */
int
kag_dump_ahead(struct kag_dump *d, struct kag_store *twin, const char *table);
/*
 * The next record: 1 with *type, *line and *len set (the line has no LF,
 * borrowed until the next call), 0 after the last one, -1 when the store
 * cannot be read (SQLite trouble, not a Kagura store): kag_dump_errmsg()
 * says why, and every later call returns -1.
 */
int kag_dump_next(
    struct kag_dump *d, enum kag_type *type, const char **line, size_t *len);
const char *kag_dump_errmsg(const struct kag_dump *d);
void kag_dump_free(struct kag_dump *d); /* accepts NULL */

/* ---------------------------------------------------------------------
 * load.c (the transaction), loadrow.c (values, memories), loadgraph.c
 * (nodes, edges, hyperedges): records into the store, in one transaction
 *
 * How a record becomes a row (string fields are stored decoded, JSON
 * values as their text in the line; fields with no column go to "extra"
 * as one JSON object of their texts in record order, "exported_at"
 * aside):
 *   memory, scope persistent -> Kagura's memories (extra in
 *     kag_memory_extra); scope working -> kag_working.  No user_id is
 *     "default_user"; a null agent_name or metadata is NULL; a missing
 *     created_at is the load's time as Kagura writes CURRENT_TIMESTAMP
 *     ("YYYY-MM-DD HH:MM:SS" UTC, from kag_time_now()), a missing
 *     updated_at is created_at;
 *   node -> kag_nodes; edge -> kag_edges; hyperedge -> kag_hyperedges and
 *     kag_hyperedge_members (its "nodes", in order).
 * Identity, what a record replaces: a memory by (scope, user_id,
 * agent_name, key), NULL agent equal to NULL; a node by id; an edge by
 * id when it has one, else by (src, dst, rel_type) among edges without
 * id; a hyperedge by id.  A record whose stored row holds the same texts
 * (of the fields it has: a memory without timestamps matches any) is
 * unchanged and not written.  When it differs, o.conflict says what
 * happens; a replaced memory without created_at keeps the stored one,
 * and without updated_at gets the load's time.
 *
 * An edge's endpoints must be nodes of the store or of the load (in any
 * order): the ones that are not are reported by kag_load_finish() (a
 * document's are skipped instead: see kag_load_operand()).
 * Data problems (those, and conflicts under KAG_CONFLICT_FAIL) go to the
 * diag callback, each with the file and line given with its record, and
 * are counted; the caller then does not commit.  Use:
 *
 *	l = kag_load_new(store, &opts, diag, ctx);
 *	if (kag_load_begin(l) < 0)
 *		... kag_load_errmsg(l) ...
 *	kag_load_operand(l, kag_input_document(in));   (each operand)
 *	while (kag_input_next(in, &rec) > 0)
 *		if (kag_load_record(l, &rec, kag_input_name(in),
 *		    kag_input_lineno(in)) < 0)
 *			... kag_load_errmsg(l), stop ...
 *	rc = kag_load_finish(l, ok && !dry_run);
 *	... kag_load_report(l), kag_load_errors(l) ...
 *	kag_load_free(l);
 */
enum kag_conflict {
	KAG_CONFLICT_REPLACE, /* write the record over the stored one */
	KAG_CONFLICT_SKIP,    /* keep the stored one */
	KAG_CONFLICT_FAIL     /* a data problem */
};

struct kag_load_opts {
	enum kag_conflict conflict;
	int clear; /* first delete every memory and the kag_ graph, or with
		      user_id or agent_name set only that owner's memories */
	const char *user_id;	/* not NULL: the owner of every memory */
	const char *agent_name; /* not NULL: the agent of every memory, ""
				   for none (NULL) */
	/*
	 * HyperMemory's memory_load_link.  id_prefix (not NULL) goes before
	 * every id of a node, edge or hyperedge, and before the node ids
	 * that edges and hyperedges name.  append gives each node, edge and
	 * hyperedge a new id: its own (after the prefix) when no stored row
	 * of its kind has it, else that followed by "-N", the smallest N
	 * from 2 that none has; within an operand (kag_load_operand), edges
	 * and hyperedges name the nodes by their new ids, and an edge that
	 * names a node before the node comes, which then takes a suffix, is
	 * a data problem.  Memories have no ids: neither touches them.
	 */
	int append;
	const char *id_prefix;
};

/* What the records of one type did to the store. */
struct kag_load_stats {
	uintmax_t created, updated, unchanged, skipped;
	uintmax_t renamed; /* given a suffix by opts.append */
};
struct kag_load_report {
	struct kag_load_stats memories, nodes, edges, hyperedges;
	struct kag_counts cleared; /* rows deleted by opts.clear */
};

struct kag_load;

/* A load into s (borrowed, open for writing; nothing else may use it in
 * the meantime); opts is copied, its strings borrowed, and NULL means
 * replace, no clear, owners kept; diag may be NULL. */
struct kag_load *kag_load_new(struct kag_store *s,
    const struct kag_load_opts *opts, kag_diag_fn *diag, void *ctx);
/* Begin the transaction (waiting for other writers), create the tables
 * that are missing, clear if asked: 0, or -1 (kag_load_errmsg). */
int kag_load_begin(struct kag_load *l);
/*
 * The records that follow come from a new operand: a HyperMemory
 * document when document is nonzero (kag_input_document), else a stream
 * or directory.  An edge of a document whose endpoint is neither in the
 * store nor in the load so far is skipped, with a warning, and counted
 * as skipped (memory_load_link's rule); in a stream it is a data problem
 * found at the end.  The new ids opts.append gave are forgotten.  Before
 * the first operand's records the load is of a stream.
 */
void kag_load_operand(struct kag_load *l, int document);
/* Write one record (headers and trailers are ignored; file is copied
 * when kept): 0, also when it was a data problem (reported); -1 on
 * trouble (SQLite, I/O): stop, and call kag_load_free().  New rows may be
 * written in batches, so trouble may show at a later call. */
int kag_load_record(struct kag_load *l, const struct kag_record *rec,
    const char *file, uintmax_t line);
/* Check what needs the whole load, then commit when commit is nonzero
 * and there was no data problem, else roll back.  1 committed, 0 rolled
 * back, -1 on trouble (rolled back). */
int kag_load_finish(struct kag_load *l, int commit);
const struct kag_load_report *kag_load_report(const struct kag_load *l);
/* Data problems reported so far. */
uintmax_t kag_load_errors(const struct kag_load *l);
/* What the last trouble was, "" if none. */
const char *kag_load_errmsg(const struct kag_load *l);
/* Roll back what is not committed and free.  Accepts NULL. */
void kag_load_free(struct kag_load *l);

/* ---------------------------------------------------------------------
 * graph.c, cut.c, export.c: a subgraph cut from a stream or a store
 *
 * What kag-subgraph(1) exports: the nodes within depth hops of the
 * start ids (an edge is a hop in the direction asked for, both ways
 * when its "directed" is false; the members of a hyperedge are one hop
 * apart whatever the direction), only through nodes (an id that no
 * node record has leads nowhere); the edges whose two endpoints are
 * exported; the hyperedges with any member exported, whole.  With
 * memories, the memory records that the exported nodes of node_type
 * "memory" point at: those whose key is the node's data.key and, when
 * the node's data has a "user_id" string, whose owner
 * (kag_record_user_id) is that user.
 */
enum kag_direction { KAG_DIR_BOTH, KAG_DIR_OUT, KAG_DIR_IN };

struct kag_cut {
	const char *const *ids; /* where the walk starts (NUL-terminated) */
	size_t nids;
	unsigned long depth; /* 0: the start nodes alone (node_ids) */
	enum kag_direction dir;
	int no_edges; /* leave out every edge and hyperedge */
	int memories; /* add the memory records the nodes point at */
};

/*
 * struct kag_graph: records held in memory, compactly: each kept line
 * once, in one arena, with its offset; ids interned once; edges as
 * pairs of 32-bit id numbers; adjacency in flat arrays built once.
 * About 30 bytes a record and 50 a distinct id beside the lines.
 */
struct kag_graph;

/* A graph that keeps memory records when memories is nonzero (and
 * ignores them otherwise).  Never NULL. */
struct kag_graph *kag_graph_new(int memories);
void kag_graph_free(struct kag_graph *g); /* accepts NULL */
/* Take record r: its line is copied.  The first header's line is kept
 * apart (kag_graph_header); trailers are dropped. */
void kag_graph_add(struct kag_graph *g, const struct kag_record *r);
/* Take a record of type t, marked, from its line[0..len) (copied),
 * without looking into it: for a graph that is already the cut, only
 * written out (kag_graph_counts, kag_graph_next), never cut. */
void kag_graph_add_kept(
    struct kag_graph *g, enum kag_type t, const char *line, size_t len);
/* Whether a node record has id s[0..n) (decoded).  Not const: ids are
 * looked up in batches, and the batch waiting is looked up first. */
int kag_graph_has(struct kag_graph *g, const char *s, size_t n);
/* Mark the records of cut c (start ids that are not nodes are left
 * out: check them with kag_graph_has first).  May be called again. */
void kag_graph_cut(struct kag_graph *g, const struct kag_cut *c);
/* Mark every record (a graph that is already the cut). */
void kag_graph_keep_all(struct kag_graph *g);
/* The first header's line, or NULL (*n its length). */
const char *kag_graph_header(const struct kag_graph *g, size_t *n);
/* The marked records, by type. */
void kag_graph_counts(const struct kag_graph *g, struct kag_counts *c);

/* The marked records after *pos (0 to start), in input order: 1 with
 * *t, *line and *len set (the line is the graph's, followed by its LF in
 * memory) and *pos moved on, 0 after the last. */
int kag_graph_next(const struct kag_graph *g, size_t *pos, enum kag_type *t,
    const char **line, size_t *len);

/* Whether the store has a node of id id: 1, 0, or -1 on trouble with
 * the reason appended to err. */
int kag_cut_has(struct kag_store *s, const char *id, struct kag_buf *err);
/*
 * The records of cut c, read from store s (named name in messages)
 * inside its read transaction, as kag-dump(1) writes them, into g, all
 * marked: the walk goes hop by hop on the indexes, and only the rows it
 * finds are read (kag_dump_only).  The start ids must be nodes
 * (kag_cut_has).  Problems with the data go to diag; 0, or -1 on trouble
 * with the reason appended to err.  Kagura's graph.json is not read.
 */
int kag_cut_read(struct kag_store *s, const char *name, const struct kag_cut *c,
    struct kag_graph *g, kag_diag_fn *diag, void *ctx, struct kag_buf *err);

/* ---------------------------------------------------------------------
 * export.c: a cut written out
 *
 * A stream: header[0..hlen) as a line, the marked lines of the graph in
 * input order, byte for byte, and a trailer counting them.  A document
 * (KAG_EXPORT_JSON), HyperMemory's:
 *   {"export_id":"exp_<16 hex digits>","exported_at":when,
 *    "source_graph":"default",
 *    "nodes":[...],"edges":[...],"hyperedges":[...],
 *    "stats":{"total_nodes":N,"total_edges":E,"total_hyperedges":H}}
 * one element a line; each element is its record without "type", its
 * other fields in their order, each key and value byte for byte as it
 * stands in the line; an edge's src, dst and rel_type are named source,
 * target and edge_type.  With KAG_EXPORT_MEMORIES, "memories":[...]
 * (the memory records whole) comes before "stats", and stats has
 * "total_memories".
 * The export_id is a hash (FNV-1a) of the marked lines: the same cut
 * gives the same id, whenever it is made.
 */
#define KAG_EXPORT_JSON	      0x01
#define KAG_EXPORT_NO_TRAILER 0x02 /* a stream without its trailer */
#define KAG_EXPORT_MEMORIES   0x04 /* a document with "memories" */
/* Write the marked records of g to w, or only count the bytes when w is
 * NULL; *size is set to the bytes written (before any gzip).  0, or -1
 * when w failed (errno set). */
int kag_export_write(const struct kag_graph *g, struct kag_writer *w,
    unsigned flags, const char *header, size_t hlen, const char *when,
    uintmax_t *size);

/* ---------------------------------------------------------------------
 * document.c: a HyperMemory subgraph export read as records
 *
 * A document is one JSON object {"export_id":..,"nodes":[..],"edges":
 * [..],"hyperedges":[..],"stats":{...},...}, bare or as the "result" of
 * a JSON-RPC reply, pretty-printed over lines or on one.  Each member of
 * "nodes", "edges", "hyperedges", and "memories" (kag-subgraph(1)'s
 * --with-memories) becomes a record of that type: memories first, then
 * nodes, edges, hyperedges, whatever the order of the keys.  A record is
 * the member's text, made compact (kag_json_compact) when it spans
 * lines, with "type" put first unless it has one, checked by
 * kag_record_parse (so an edge's source, target and edge_type are its
 * src, dst and rel_type).  Only "nodes" must be there;
 * other keys are not read.  Problems go to diag as errors with the
 * reader's name and the line where the bad value starts (or the JSON
 * error is): invalid JSON ("invalid JSON: ... (column N)", as for a
 * stream line), a root or result that is not an object, a JSON-RPC error
 * reply (its code and message), a duplicate key in the document, a
 * member that is not a record of its array's type, and stats
 * ("total_nodes", "total_edges", "total_hyperedges", "total_memories")
 * that disagree with the number of members (checked like a trailer, once
 * every member was read).
 * Memory: the text, plus one member's tokens (a document on one line
 * is not copied: it stays in the reader's buffer).
 */
struct kag_document;

/*
 * Tell a document from a stream by the input's first line (the reader
 * skips a BOM and blank lines): 0 a stream; 1 a document that goes on
 * past this line (the line starts a JSON object or array that it does
 * not end, and it ends outside any string, after a '{', '[', ',' or ':',
 * where pretty-printed JSON breaks its lines); 2 a document whole on
 * this line (an object without "type" that has "nodes", "result",
 * "error", "export_id" or "jsonrpc").
 */
int kag_document_sniff(const char *line, size_t len);
/*
 * The document whose first line line[0..len) kag_reader_getline(r)
 * just returned, and kag_document_sniff() called whole (1 or 2): the
 * rest is read from r (borrowed) by the first kag_document_next().  For
 * 2, the line stays in use: r must not be read meanwhile.
 */
struct kag_document *kag_document_open(struct kag_reader *r, const char *line,
    size_t len, int whole, kag_diag_fn *diag, void *ctx);
/*
 * The next record: 1 with *rec filled (borrowed until the next call), 0
 * at the end (after the problems were reported), -1 when reading r
 * failed (errno as kag_reader_getline() left it, and kag_reader_errmsg()
 * says what happened).
 */
int kag_document_next(struct kag_document *d, struct kag_record *rec);
/* The line where the member of the record last returned starts. */
uintmax_t kag_document_lineno(const struct kag_document *d);
void kag_document_free(struct kag_document *d); /* accepts NULL */

/*
 * input.c reads a document when kag_document_sniff() says so: its
 * records come out of kag_input_next() as a stream's would, in one
 * segment that is neither headed nor bare (the stats are its trailer).
 * Whether the operand is a document: the first line is read to tell, if
 * kag_input_next() has not read it yet; 0 for a directory.
 */
int kag_input_document(struct kag_input *in);

/* ---------------------------------------------------------------------
 * state.c: kag-verify --state, a SQLite file that remembers what was
 * verified, so that an unchanged file is not read again and a grown one
 * is read from where it ended, with the verdict of a full run
 *
 * A regular file's row holds the number and XXH3 of the bytes verified,
 * every diagnostic, the verdict, and (when the file ended with a LF, and
 * for gzip with a member) the checker and the open segment just before
 * the end.  A row counts only when the file's bytes prove it: the same
 * bytes (nothing is parsed: the diagnostics are replayed), or the same
 * bytes then more (read from there on, the end judged again); anything
 * else is read whole.  Standard input and directories are always read
 * whole and not kept.  Rows are per operand as named and per options
 * string (kag's version and every option that changes the verdict).
 */
struct kag_state;

/*
 * Open, creating, the state file at path.  A file of another format is
 * taken as empty; a damaged one (not a database, corrupt) is made again,
 * with kag_state_note() saying so.  A busy file (another run writing) is
 * waited for, KAG_STORE_TIMEOUT_MS at each statement.  NULL with the
 * reason appended to err when it cannot be opened, or is a database of
 * something else.
 */
struct kag_state *
kag_state_open(const char *path, const char *options, struct kag_buf *err);
/* What kag_state_open() had to do ("FILE: damaged (...): made again"),
 * or NULL. */
const char *kag_state_note(const struct kag_state *s);

struct kag_state_opts {
	kag_diag_fn *diag; /* where problems go, as for kag_check_new() */
	void *ctx;
	unsigned flags;		       /* KAG_CHECK_* */
	const char *want;	       /* kag_check_demand(), or NULL */
	struct kag_progress *progress; /* may be NULL */
};

/*
 * Check one operand as the loop of check.c does, from the state s where
 * the file allows (s may be NULL: a plain run), keeping what a later run
 * needs for kag_state_commit().  *cp is the checker (the caller frees it)
 * for the verdict, *reused the records taken from the state.  0 when
 * checked; 1 when reading failed with trouble (an I/O error: told to
 * diag, no verdict); -1 when the operand cannot be opened (errno, *cp
 * NULL).
 */
int kag_state_check(struct kag_state *s, const char *operand,
    const struct kag_state_opts *o, struct kag_check **cp, uintmax_t *reused);
/* Write what the runs learnt, in one transaction: 0, or -1
 * (kag_state_errmsg). */
int kag_state_commit(struct kag_state *s);
const char *kag_state_errmsg(const struct kag_state *s);
void kag_state_close(struct kag_state *s); /* accepts NULL */

/* ---------------------------------------------------------------------
 * report.c: kag-verify's report
 *
 * KAG_REPORT_TEXT: each problem as "FILE:LINE: error: MESSAGE" and a
 * summary line per operand, for stderr.  KAG_REPORT_JSON: one JSON
 * object for stdout at the end (kag-verify(1) shows it).
 * KAG_REPORT_GITHUB: each problem as a GitHub Actions workflow command,
 * "::error file=F,line=L::MESSAGE" (or ::warning), for stdout, with the
 * summary lines of text for stderr.  Problems past maxerr (0: no limit)
 * are counted, not shown; with quiet, warnings are not shown (but for
 * JSON) and there is no summary.  With stated, the summaries also say
 * how many records came from the state.
 */
enum kag_report_format { KAG_REPORT_TEXT, KAG_REPORT_JSON, KAG_REPORT_GITHUB };

struct kag_report;

struct kag_report *kag_report_new(
    enum kag_report_format format, unsigned long maxerr, int quiet, int stated);
void kag_report_free(struct kag_report *r); /* accepts NULL */
/* Start the next operand, named name (borrowed until its summary). */
void kag_report_begin(struct kag_report *r, const char *name);
/* A problem: what is to be shown now is appended to out (for stdout) or
 * err (for stderr). */
void kag_report_diag(struct kag_report *r, const struct kag_diag *d,
    struct kag_buf *out, struct kag_buf *err);
/* The operand's verdict, c's, of which reused records came from the
 * state: the summary is appended to err (JSON keeps it for the end). */
void kag_report_file(struct kag_report *r, const struct kag_check *c,
    uintmax_t reused, struct kag_buf *err);
/* After the last operand: JSON's report line, appended to out. */
void kag_report_end(struct kag_report *r, struct kag_buf *out);

/*
 * saved.c: the saved forms of state.c and check.c: numbers as 8 bytes,
 * little-endian; strings as their length plus one (0 for NULL) and their
 * bytes.  Reading goes through a cursor that turns bad instead of
 * reading past its end (and then yields 0, NULL).
 */
void kag_saved_put64(struct kag_buf *b, uint64_t v);
/* s may be NULL (then n is not used). */
void kag_saved_putstr(struct kag_buf *b, const char *s, size_t n);
struct kag_saved {
	const unsigned char *p;
	size_t n; /* bytes left */
	int bad;
};
void kag_saved_init(struct kag_saved *k, const void *p, size_t n);
uint64_t kag_saved_get64(struct kag_saved *k);
/* The next n bytes, or NULL when fewer are left. */
const void *kag_saved_bytes(struct kag_saved *k, size_t n);
/* A string's bytes (*n of them, not NUL-terminated), or NULL for a NULL
 * string or when the cursor is bad. */
const char *kag_saved_getstr(struct kag_saved *k, size_t *n);

/* For state.c: a file's row (statedb.c keeps the file). */
struct kag_state_row {
	char *path;
	uint64_t size, hash; /* the bytes verified, their XXH3 */
	uint64_t lines;	     /* the reader's line count at their end */
	uint64_t nstream;    /* diagnostics before the end's own */
	int gzip, growable;
	struct kag_buf diags;  /* every diagnostic, state.c's form */
	struct kag_buf final;  /* kag_check_save() after the end */
	struct kag_buf resume; /* the segment, then the checker before it */
	struct kag_state_row *next;
};
/* The row of path under the state's options, or NULL when there is none
 * to trust (none, another format, damaged, or its checksum fails). */
struct kag_state_row *kag_state_lookup(struct kag_state *s, const char *path);
/* Take w, to be written by kag_state_commit(). */
void kag_state_add(struct kag_state *s, struct kag_state_row *w);
void kag_state_row_free(struct kag_state_row *w); /* accepts NULL */

/* What state.c needs of an input: its reader (NULL for a directory), and
 * the segment under way, read and set again. */
struct kag_segment {
	int open, headed;
	uintmax_t hline;
	struct kag_counts counts;
};
struct kag_reader *kag_input_reader(struct kag_input *in);
void kag_input_segment(const struct kag_input *in, struct kag_segment *seg);
void kag_input_set_segment(struct kag_input *in, const struct kag_segment *seg);

/* ---------------------------------------------------------------------
 * (hardening work: anything it needs goes here)
 */

#endif
