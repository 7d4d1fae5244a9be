/* t_util.c: unit tests for the allocators and struct kag_buf. */
#include <sys/wait.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kag.h"
#include "tap.h"

/* Under AddressSanitizer a huge malloc must return NULL, as it does
 * without it, so that the out-of-memory path is the one tested.  The
 * sizes asked for are below 2^63 so that valgrind does not take them
 * for negative numbers. */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/* Whether b holds exactly the n bytes of want, NUL-terminated. */
static int
holds(const struct kag_buf *b, const char *want, size_t n)
{
	return b->len == n && b->buf != NULL && b->alloc > n &&
	    memcmp(b->buf, want, n) == 0 && b->buf[n] == '\0';
}

static int
json(const char *in, size_t n, const char *want)
{
	struct kag_buf b = KAG_BUF_INIT;
	int r;

	kag_buf_add_json_string(&b, in, n);
	r = holds(&b, want, strlen(want));
	if (!r)
		printf("# got %s\n", b.buf);
	kag_buf_release(&b);
	return r;
}

static void
test_buf(void)
{
	struct kag_buf b = KAG_BUF_INIT;
	char big[10001], *p;
	size_t i, n, alloc;
	int good;

	ok(b.buf == NULL && b.len == 0 && b.alloc == 0,
	    "KAG_BUF_INIT is empty and unallocated");
	kag_buf_add(&b, "", 0);
	ok(holds(&b, "", 0), "adding nothing still makes a C string");
	kag_buf_add(&b, "abc", 3);
	ok(holds(&b, "abc", 3), "add 'abc'");
	kag_buf_add(&b, "d\0e", 3);
	ok(holds(&b, "abcd\0e", 6), "add with a NUL byte counts it");
	kag_buf_addc(&b, 'f');
	ok(holds(&b, "abcd\0ef", 7), "addc 'f'");
	kag_buf_addc(&b, '\0');
	ok(holds(&b, "abcd\0ef\0", 8), "addc NUL");
	kag_buf_addc(&b, 0x1e9);
	ok(holds(&b, "abcd\0ef\0\xe9", 9), "addc keeps the low byte");
	kag_buf_reset(&b);
	kag_buf_adds(&b, "hello");
	ok(holds(&b, "hello", 5), "adds 'hello' after reset");
	kag_buf_adds(&b, "");
	ok(holds(&b, "hello", 5), "adds '' adds nothing");
	kag_buf_addf(&b, " %d-%s-%c %05.1f", 42, "x", 'y', 2.5);
	ok(holds(&b, "hello 42-x-y 002.5", 18), "addf formats: '%s'", b.buf);
	kag_buf_addf(&b, "%s", "");
	ok(holds(&b, "hello 42-x-y 002.5", 18), "addf of '' adds nothing");

	alloc = b.alloc;
	kag_buf_reset(&b);
	ok(b.len == 0 && b.alloc == alloc && b.buf != NULL && b.buf[0] == '\0',
	    "reset empties but keeps the memory");

	/* addf longer than any first guess */
	memset(big, 'q', 10000);
	big[10000] = '\0';
	kag_buf_addc(&b, '<');
	kag_buf_addf(&b, "%s|%05000d", big, 7);
	ok(b.len == 1 + 10000 + 1 + 5000 && b.buf[0] == '<' &&
		memcmp(b.buf + 1, big, 10000) == 0 && b.buf[10001] == '|' &&
		b.buf[10002] == '0' && b.buf[15001] == '7' &&
		b.buf[15002] == '\0',
	    "addf of 15001 bytes after 1 (len %zu)", b.len);
	kag_buf_release(&b);
	ok(b.buf == NULL && b.len == 0 && b.alloc == 0,
	    "release frees and re-initialises");
	kag_buf_release(&b);
	ok(b.buf == NULL, "release twice is harmless");

	/* a million single bytes */
	for (i = 0; i < 1000000; i++)
		kag_buf_addc(&b, 'a' + (int)(i % 26));
	for (good = b.len == 1000000 && b.buf[b.len] == '\0', i = 0;
	     good && i < b.len; i++)
		good = b.buf[i] == 'a' + (int)(i % 26);
	ok(good, "1000000 addc calls keep every byte in order");
	kag_buf_release(&b);

	kag_buf_grow(&b, 1000);
	ok(b.alloc >= 1001 && b.len == 0, "grow 1000 makes room for 1001");
	alloc = b.alloc;
	kag_buf_add(&b, big, 1000);
	ok(b.alloc == alloc && holds(&b, big, 1000),
	    "1000 bytes fit without another allocation");
	kag_buf_release(&b);

	kag_buf_adds(&b, "mine");
	p = kag_buf_detach(&b, &n);
	ok(n == 4 && strcmp(p, "mine") == 0, "detach hands over 'mine'");
	ok(b.buf == NULL && b.len == 0 && b.alloc == 0,
	    "detach re-initialises the buffer");
	free(p);
	p = kag_buf_detach(&b, &n);
	ok(p != NULL && n == 0 && p[0] == '\0',
	    "detach of an empty buffer is an empty string");
	free(p);
	kag_buf_add(&b, "x\0y", 3);
	p = kag_buf_detach(&b, NULL);
	ok(memcmp(p, "x\0y", 4) == 0, "detach with a NULL len");
	free(p);
	kag_buf_adds(&b, "again");
	ok(holds(&b, "again", 5), "a detached buffer can be used again");
	kag_buf_release(&b);
}

/* A byte-at-a-time escaper, to hold the word-at-a-time one to. */
static void
slow_json(struct kag_buf *b, const unsigned char *s, size_t n)
{
	size_t i;

	kag_buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '"':
			kag_buf_adds(b, "\\\"");
			break;
		case '\\':
			kag_buf_adds(b, "\\\\");
			break;
		case '\n':
			kag_buf_adds(b, "\\n");
			break;
		case '\t':
			kag_buf_adds(b, "\\t");
			break;
		case '\r':
			kag_buf_adds(b, "\\r");
			break;
		case '\b':
			kag_buf_adds(b, "\\b");
			break;
		case '\f':
			kag_buf_adds(b, "\\f");
			break;
		default:
			if (s[i] < 0x20)
				kag_buf_addf(b, "\\u%04x", s[i]);
			else
				kag_buf_addc(b, s[i]);
		}
	}
	kag_buf_addc(b, '"');
}

static int
every_byte(void)
{
	struct kag_buf got = KAG_BUF_INIT, want = KAG_BUF_INIT;
	unsigned char s[19];
	int c, i, bad = 0;

	for (c = 0; c < 256; c++)
		for (i = 0; i < (int)sizeof(s); i++) {
			memset(s, 'a', sizeof(s));
			s[i] = (unsigned char)c;
			kag_buf_reset(&got);
			kag_buf_reset(&want);
			kag_buf_add_json_string(&got, (char *)s, sizeof(s));
			slow_json(&want, s, sizeof(s));
			if (!holds(&got, want.buf, want.len)) {
				printf("# byte %#x at %d: %s\n", c, i, got.buf);
				bad++;
			}
		}
	kag_buf_release(&got);
	kag_buf_release(&want);
	return bad == 0;
}

static void
test_json_string(void)
{
	struct kag_buf b = KAG_BUF_INIT;

	ok(json("", 0, "\"\""), "json: empty string");
	ok(json("plain", 5, "\"plain\""), "json: plain text");
	ok(json("say \"hi\"", 8, "\"say \\\"hi\\\"\""), "json: quotes");
	ok(json("a\\b", 3, "\"a\\\\b\""), "json: backslash");
	ok(json("\n\t\r\b\f", 5, "\"\\n\\t\\r\\b\\f\""), "json: short escapes");
	ok(json("\x01\x02\x1f", 3, "\"\\u0001\\u0002\\u001f\""),
	    "json: other controls as \\u00XX, lowercase hex");
	ok(json("\x0b\x1b", 2, "\"\\u000b\\u001b\""),
	    "json: VT and ESC as \\u00XX");
	ok(json("a\0b", 3, "\"a\\u0000b\""), "json: a NUL byte");
	ok(json("\x7f", 1, "\"\x7f\""), "json: DEL is not a control");
	ok(json("/ ~", 3, "\"/ ~\""), "json: '/' is not escaped");
	ok(json("\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80", 9,
	       "\"\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\""),
	    "json: UTF-8 passes through");
	ok(json("\xff\xfe", 2, "\"\xff\xfe\""),
	    "json: other high bytes are copied as is");
	ok(json("\"\\\n\x01\"", 5, "\"\\\"\\\\\\n\\u0001\\\"\""),
	    "json: escapes back to back");

	ok(every_byte(),
	    "json: each of the 256 bytes at each place of a "
	    "19-byte text, as a byte-at-a-time escaper writes it");

	kag_buf_adds(&b, "{\"k\":");
	kag_buf_add_json_string(&b, "v\n", 2);
	kag_buf_addc(&b, '}');
	ok(holds(&b, "{\"k\":\"v\\n\"}", 11), "json: appends to what is there");
	kag_buf_release(&b);
}

static void
test_alloc(void)
{
	char *p;
	size_t i;
	int zero;

	p = kag_xmalloc(0);
	ok(p != NULL, "xmalloc(0) is not NULL");
	free(p);
	p = kag_xcalloc(1000, 3);
	for (zero = 1, i = 0; i < 3000; i++)
		zero &= p[i] == 0;
	ok(zero, "xcalloc zeroes");
	free(p);
	p = kag_xcalloc(0, 0);
	ok(p != NULL, "xcalloc(0, 0) is not NULL");
	free(p);
	p = kag_xrealloc(NULL, 10);
	memcpy(p, "0123456789", 10);
	p = kag_xrealloc(p, 100000);
	ok(memcmp(p, "0123456789", 10) == 0, "xrealloc keeps the contents");
	free(p);
	p = kag_xmemdup("a\0b", 3);
	ok(memcmp(p, "a\0b\0", 4) == 0, "xmemdup copies NULs and terminates");
	free(p);
	p = kag_xmemdup("abc", 0);
	ok(p != NULL && p[0] == '\0', "xmemdup of 0 bytes is ''");
	free(p);
	p = kag_xstrdup("dup");
	ok(strcmp(p, "dup") == 0, "xstrdup");
	free(p);
}

/* Run f in a child; its exit status and what it wrote to stderr. */
static int
child(void (*f)(void), char *err, size_t errlen)
{
	int fd[2], st;
	ssize_t r;
	size_t n = 0;
	pid_t pid;

	/* The child must not flush the parent's pending TAP lines again. */
	fflush(stdout);
	if (pipe(fd) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		dup2(fd[1], 2);
		close(fd[0]);
		close(fd[1]);
		f();
		_exit(0);
	}
	close(fd[1]);
	while (n < errlen - 1 && (r = read(fd[0], err + n, errlen - 1 - n)) > 0)
		n += (size_t)r;
	err[n] = '\0';
	close(fd[0]);
	if (waitpid(pid, &st, 0) == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void
bigmalloc(void)
{
	kag_set_progname("/usr/bin/kag-test");
	free(kag_xmalloc(SIZE_MAX / 2 - 4096));
}

static void
bigrealloc(void)
{
	kag_set_progname("kag-test");
	free(kag_xrealloc(NULL, SIZE_MAX / 2 - 4096));
}

static void
bigmemdup(void)
{
	kag_set_progname("kag-dup");
	kag_xmemdup("", SIZE_MAX);
}

static void
bigbuf(void)
{
	struct kag_buf b = KAG_BUF_INIT;

	kag_buf_adds(&b, "x");
	kag_buf_grow(&b, SIZE_MAX - 1);
}

static void
test_oom(void)
{
	char err[4096];
	int st;

	st = child(bigmalloc, err, sizeof(err));
	ok(st == 2 && strstr(err, "kag-test: out of memory\n") != NULL,
	    "xmalloc out of memory: status %d, message 'kag-test: out of "
	    "memory'",
	    st);
	st = child(bigrealloc, err, sizeof(err));
	ok(st == 2 && strstr(err, "kag-test: out of memory\n") != NULL,
	    "xrealloc out of memory: status %d", st);
	st = child(bigmemdup, err, sizeof(err));
	ok(st == 2 && strstr(err, "kag-dup: out of memory\n") != NULL,
	    "xmemdup of SIZE_MAX bytes: status %d", st);
	st = child(bigbuf, err, sizeof(err));
	ok(st == 2 && strstr(err, "out of memory\n") != NULL,
	    "kag_buf_grow past SIZE_MAX: status %d", st);
}

static void
test_progname(void)
{
	ok(strcmp(kag_progname(), "kag") == 0, "the default name is 'kag'");
	kag_set_progname("/usr/local/bin/kag-filter");
	ok(strcmp(kag_progname(), "kag-filter") == 0,
	    "the name is argv[0]'s last component");
	kag_set_progname(NULL);
	ok(strcmp(kag_progname(), "kag-filter") == 0, "NULL is ignored");
	kag_set_progname("");
	ok(strcmp(kag_progname(), "kag-filter") == 0, "'' is ignored");
	kag_set_progname("kag-load");
	ok(strcmp(kag_progname(), "kag-load") == 0, "a bare name is kept");
}

int
main(void)
{
	test_progname();
	test_buf();
	test_json_string();
	test_alloc();
	test_oom();
	return tap_done();
}
