/* maxrss.c: run a command and say how much memory it took at most, so
 * that tests can hold programs to bounded memory without time(1). */
#include <sys/resource.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * usage: maxrss FILE COMMAND [ARG ...]  Runs COMMAND, writes its maximum
 * resident set size in KiB and a newline to FILE, and exits as it did:
 * its status, or 128 plus the number of the signal that ended it.  Exit
 * 127 with a message when COMMAND cannot be run.
 */
int
main(int argc, char *argv[])
{
	struct rusage ru;
	FILE *f;
	pid_t pid;
	int st;

	if (argc < 3) {
		fputs("usage: maxrss file command [arg ...]\n", stderr);
		return 127;
	}
	if ((pid = fork()) < 0) {
		perror("maxrss: fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) < 0) {
		perror("maxrss: wait4");
		return 127;
	}
	if ((f = fopen(argv[1], "w")) == NULL ||
	    fprintf(f, "%ld\n", ru.ru_maxrss) < 0 || fclose(f) != 0) {
		perror(argv[1]);
		return 127;
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
