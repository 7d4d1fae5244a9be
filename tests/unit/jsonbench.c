/* jsonbench.c: how fast kag_json_parse() takes the lines of a file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kag.h"

/*
 * Built by hand, not by make check:
 *   cc -O2 -Ilib tests/unit/jsonbench.c lib/json.c lib/util.c -o jsonbench
 *   ./jsonbench FILE [RUNS]
 * Reads FILE into memory, parses every line (NaN and Infinity allowed)
 * RUNS times (default 5) and prints the speed of each run, the medians
 * and the best, by the wall clock and by the CPU time of the thread
 * (steadier when other work shares the machine; the best run is the
 * steadiest of all when the machine is busy).
 */

static double
now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct kag_json *j;
	FILE *fp;
	char *buf, *p, *e, *nl;
	double t0, c0, speed[101], cpu[101];
	long size, ntok, bad;
	int runs, r;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: jsonbench file [runs]\n");
		return 2;
	}
	runs = argc == 3 ? atoi(argv[2]) : 5;
	if (runs < 1 || runs > 101)
		runs = 5;
	if ((fp = fopen(argv[1], "rb")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	rewind(fp);
	buf = kag_xmalloc((size_t)size + 1);
	if (fread(buf, 1, (size_t)size, fp) != (size_t)size) {
		perror(argv[1]);
		return 2;
	}
	fclose(fp);
	j = kag_json_new();
	for (r = 0; r < runs; r++) {
		ntok = bad = 0;
		t0 = now(CLOCK_MONOTONIC);
		c0 = now(CLOCK_THREAD_CPUTIME_ID);
		for (p = buf, e = buf + size; p < e; p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
				nl = e;
			if (kag_json_parse(
				j, p, (size_t)(nl - p), KAG_JSON_NONFINITE) < 0)
				bad++;
			else
				ntok += j->ntok;
		}
		cpu[r] =
		    (double)size / (now(CLOCK_THREAD_CPUTIME_ID) - c0) / 1e6;
		speed[r] = (double)size / (now(CLOCK_MONOTONIC) - t0) / 1e6;
		printf("run %d: %.0f MB/s wall, %.0f MB/s cpu (%ld tokens, "
		       "%ld bad lines)\n",
		    r + 1, speed[r], cpu[r], ntok, bad);
	}
	qsort(speed, (size_t)runs, sizeof(speed[0]), cmp);
	qsort(cpu, (size_t)runs, sizeof(cpu[0]), cmp);
	printf("median: %.0f MB/s wall, %.0f MB/s cpu\n", speed[runs / 2],
	    cpu[runs / 2]);
	printf("best: %.0f MB/s wall, %.0f MB/s cpu\n", speed[runs - 1],
	    cpu[runs - 1]);
	kag_json_free(j);
	free(buf);
	return 0;
}
