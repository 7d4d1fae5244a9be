/* cli.c: usage errors and the end of -h and -V, for every program. */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kag.h"

void
cli_usage(const char *synopsis, const char *why, ...)
{
	va_list ap;

	if (why != NULL) {
		fprintf(stderr, "%s: ", kag_progname());
		va_start(ap, why);
		vfprintf(stderr, why, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fputs(synopsis, stderr);
	exit(KAG_EXIT_TROUBLE);
}

void
cli_badarg(const char *synopsis, const char *what, const char *arg)
{
	struct kag_buf msg = KAG_BUF_INIT;

	kag_buf_addf(&msg, "%s ", what);
	kag_buf_add_quoted(&msg, arg, strlen(arg));
	cli_usage(synopsis, "%s", msg.buf);
}

void
cli_badopt(const char *synopsis, int c, const char *arg, const char *operand)
{
	struct kag_buf msg = KAG_BUF_INIT;
	char opt[3] = { '-', (char)optopt, '\0' };

	if (c == 0)
		kag_buf_addf(&msg, "%s ", operand);
	else
		kag_buf_adds(&msg, c == ':' ? "option " : "unknown option ");
	if (c != 0 && c != ':' && optopt != 0)
		arg = opt;
	kag_buf_add_quoted(&msg, arg, strlen(arg));
	if (c == ':')
		kag_buf_adds(&msg, " needs a value");
	cli_usage(synopsis, "%s", msg.buf);
}

void
cli_done(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		err(KAG_EXIT_TROUBLE, "write error");
	exit(KAG_EXIT_OK);
}
