/*
 * cli.h: what the programs share on their command lines: usage errors
 * and the end of -h and -V.  Not the library's, since these print and
 * exit.
 */
#ifndef KAG_CLI_H
#define KAG_CLI_H

/* Say why (a printf format, or NULL) after the program's name, then the
 * synopsis, on stderr; exit 2. */
void cli_usage(const char *synopsis, const char *why, ...)
    __attribute__((noreturn, format(printf, 2, 3)));
/* A usage error: what, then arg quoted as user data. */
void cli_badarg(const char *synopsis, const char *what, const char *arg)
    __attribute__((noreturn));
/* A usage error from getopt_long()'s c: an unknown option ('?'), one
 * without its value (':'), or, with c 0, the operand arg, which the
 * words operand name ("unexpected operand"). */
void cli_badopt(const char *synopsis, int c, const char *arg,
    const char *operand) __attribute__((noreturn));
/* After -h or -V: exit 0, or 2 when stdout could not be written (a full
 * disk must not pass for success). */
void cli_done(void) __attribute__((noreturn));

#endif
