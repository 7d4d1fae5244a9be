/* t_bloom.c: the Bloom filter says "surely new" only of new strings, and
 * rarely "maybe seen" of a new one. */
#include <stdio.h>
#include <string.h>

#include "kag.h"
#include "tap.h"

int
main(void)
{
	struct kag_bloom *b = kag_bloom_new(16 << 20), *tiny;
	char s[32];
	int i, n, wrong = 0, maybe = 0, again = 0;

	for (i = 0; i < 1000000; i++) {
		n = snprintf(s, sizeof(s), "u%d\x1fkey:%07d", i % 97, i);
		if (!kag_bloom_add(b, s, (size_t)n))
			maybe++;
	}
	ok(maybe <= 2, "a million new strings: %d taken for seen", maybe);
	ok(kag_bloom_count(b) == (size_t)(1000000 - maybe),
	    "count: the strings that were surely new");
	for (i = 0; i < 1000000; i += 7) {
		n = snprintf(s, sizeof(s), "u%d\x1fkey:%07d", i % 97, i);
		if (kag_bloom_add(b, s, (size_t)n))
			wrong++;
	}
	ok(wrong == 0, "a string seen before is never surely new");
	ok(kag_bloom_add(b, "", 0) == 1 && kag_bloom_add(b, "", 0) == 0,
	    "the empty string, twice");

	tiny = kag_bloom_new(0);
	for (i = 0; i < 100000; i++) {
		n = snprintf(s, sizeof(s), "%d", i);
		if (!kag_bloom_add(tiny, s, (size_t)n))
			again++;
	}
	ok(again > 99000, "a one-block filter fills up and says 'maybe' (%d)",
	    again);
	kag_bloom_free(tiny);
	kag_bloom_free(b);
	kag_bloom_free(NULL);
	return tap_done();
}
