/* fuzz.h: what the libFuzzer targets of tests/fuzz share. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The bytes p[0..n) as a file the library can open by name: a memfd,
 * named "/proc/self/fd/N" in *path (at least 32 bytes), so that no disk
 * is touched and regular-file paths (the inflating thread) are taken.
 * Returns the descriptor, which the caller closes; aborts on failure.
 */
int fuzz_file(const void *p, size_t n, char *path, size_t pathlen);

#endif
