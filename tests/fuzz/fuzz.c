/* fuzz.c: the helpers of fuzz.h, linked into every target. */
#define _GNU_SOURCE
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"

int
fuzz_file(const void *p, size_t n, char *path, size_t pathlen)
{
	const char *s = p;
	ssize_t w;
	int fd;

	if ((fd = memfd_create("fuzz", 0)) < 0)
		abort();
	while (n > 0) {
		if ((w = write(fd, s, n)) <= 0)
			abort();
		s += w;
		n -= (size_t)w;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}
