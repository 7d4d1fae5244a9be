/* fuzz_verify.c: kag-verify's path over one operand: records, segments,
 * documents (once input.c reads them) and the cross-record checks. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kag.h"
#include "fuzz.h"

/* Every problem names a file and says something. */
static void
diag(void *ctx, const struct kag_diag *d)
{
	uintmax_t *n = ctx;

	if (d->file == NULL || d->msg == NULL || *d->msg == '\0')
		abort();
	if (d->severity != KAG_WARNING && d->severity != KAG_ERROR)
		abort();
	(*n)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kag_check *c;
	struct kag_input *in;
	struct kag_record rec;
	uintmax_t ndiag = 0;
	char path[32];
	int fd, rc;

	fd = fuzz_file(data, size, path, sizeof(path));
	/* Strict or not by the length, so both ways are taken. */
	c = kag_check_new(diag, &ndiag, size % 2 ? KAG_CHECK_STRICT : 0);
	if ((in = kag_check_open(c, path)) == NULL)
		abort();
	while ((rc = kag_input_next(in, &rec)) > 0) {
		if (rec.line == NULL || rec.json == NULL)
			abort();
		kag_check_record(c, in, &rec);
	}
	if (rc == 0)
		kag_check_end(c, in);
	/* Errors are counted as they were reported; a status of trouble or
	 * a data problem comes with a message. */
	if (kag_check_errors(c) + kag_check_warnings(c) > ndiag)
		abort();
	if ((rc < 0 || kag_input_status(in) != 0) && ndiag == 0)
		abort();
	kag_input_close(in);
	kag_check_free(c);
	close(fd);
	return 0;
}
