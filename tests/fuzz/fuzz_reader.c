/* fuzz_reader.c: the line reader (plain and gzip) gives the same lines and
 * the same verdict whatever the size of its reads: damage may be found
 * after more or fewer lines, but is found, and in the same words. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kag.h"
#include "fuzz.h"

/* Every line into out, each preceded by its length and line number, and
 * the final return value and message into end. */
static void
readall(
    const char *path, size_t bufsize, struct kag_buf *out, struct kag_buf *end)
{
	struct kag_reader *r;
	const char *line;
	size_t len;
	uintmax_t lineno;
	int rc;

	if ((r = kag_reader_open(path)) == NULL)
		abort();
	if (bufsize > 0)
		kag_reader_set_bufsize(r, bufsize);
	while ((rc = kag_reader_getline(r, &line, &len)) == 1) {
		if (line[len] != '\0' || memchr(line, '\n', len) != NULL)
			abort();
		lineno = kag_reader_lineno(r);
		kag_buf_addf(out, "%zu %ju:", len, lineno);
		kag_buf_add(out, line, len);
	}
	kag_buf_addf(end, "%d %s", rc, kag_reader_errmsg(r));
	if (kag_reader_getline(r, &line, &len) != rc)
		abort(); /* the end is sticky */
	kag_reader_close(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kag_buf a = KAG_BUF_INIT, b = KAG_BUF_INIT;
	struct kag_buf ea = KAG_BUF_INIT, eb = KAG_BUF_INIT;
	size_t n;
	char path[32];
	size_t bufsize;
	int fd;

	if (size < 1)
		return 0;
	/* The first byte picks a read size of 1 to 64 bytes. */
	bufsize = 1 + data[0] % 64;
	fd = fuzz_file(data + 1, size - 1, path, sizeof(path));
	readall(path, 0, &a, &ea);
	readall(path, bufsize, &b, &eb);
	if (ea.len != eb.len || memcmp(ea.buf, eb.buf, ea.len) != 0)
		abort();
	/* After a clean end the same lines; after damage, the lines of one
	 * run begin the other's. */
	n = a.len < b.len ? a.len : b.len;
	if (ea.buf[0] != '-' && a.len != b.len)
		abort();
	if (n > 0 && memcmp(a.buf, b.buf, n) != 0)
		abort();
	kag_buf_release(&a);
	kag_buf_release(&b);
	kag_buf_release(&ea);
	kag_buf_release(&eb);
	close(fd);
	return 0;
}
