/* t_misc.c: unit tests for the sets, the hash, timestamps and globs. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kag.h"
#include "tap.h"

#define NBIG 1000000

static void
test_hash(void)
{
	/* XXH3 (64 bits, seed 0), as the reference implementation computes
	 * it (the empty string's and "abc"'s are the published ones). */
	static const struct {
		const char *s;
		size_t n;
		uint64_t h;
	} v[] = {
		{ "", 0, 0x2d06800538d394c2ULL },
		{ "a", 1, 0xe6c632b61e964e1fULL },
		{ "abc", 3, 0x78af5f94892f3950ULL },
		{ "a\0b", 3, 0xd5a06cd078125351ULL },
		{ "mem_0000001", 11, 0xd547f2b4194a9bd0ULL },
		{ "Nobody inspects the spammish repetition", 39,
		    0x6cb00603b5cc47e9ULL },
		{ "0123456789abcdef0123456789abcdef"
		  "0123456789abcdef0123456789abcdefX",
		    65, 0xad7e28a362ebe2b0ULL },
	};
	unsigned char key[16];
	double flips = 0;
	size_t i, bit, k, bucket[256] = { 0 }, lo = SIZE_MAX, hi = 0;
	uint64_t h;
	char id[32];
	int n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ok(kag_hash64(v[i].s, v[i].n) == v[i].h,
		    "hash64 of a %zu-byte string is XXH3's", v[i].n);
	ok(kag_hash64(NULL, 0) == 0x2d06800538d394c2ULL,
	    "hash64 of (NULL, 0) is the empty string's");

	/* Avalanche: flipping any one input bit flips about half of the
	 * output bits. */
	for (k = 0; k < 200; k++) {
		for (i = 0; i < sizeof(key); i++)
			key[i] = (unsigned char)(k * 31 + i * 7);
		h = kag_hash64(key, sizeof(key));
		for (bit = 0; bit < sizeof(key) * 8; bit++) {
			key[bit / 8] ^= (unsigned char)(1u << bit % 8);
			flips += __builtin_popcountll(
			    h ^ kag_hash64(key, sizeof(key)));
			key[bit / 8] ^= (unsigned char)(1u << bit % 8);
		}
	}
	flips /= 200.0 * sizeof(key) * 8;
	ok(flips > 31.5 && flips < 32.5,
	    "one flipped input bit flips %.2f of 64 output bits", flips);

	/* Sequential ids spread evenly over the low bits the table uses. */
	for (i = 0; i < 256 * 1000; i++) {
		n = snprintf(id, sizeof(id), "mem_%07zu", i);
		bucket[kag_hash64(id, (size_t)n) & 255]++;
	}
	for (i = 0; i < 256; i++) {
		lo = bucket[i] < lo ? bucket[i] : lo;
		hi = bucket[i] > hi ? bucket[i] : hi;
	}
	ok(lo > 850 && hi < 1150,
	    "256000 ids over 256 buckets: between %zu and %zu each", lo, hi);
}

static void
test_set_small(void)
{
	struct kag_set *s = kag_set_new();
	char buf[8];

	ok(kag_set_count(s) == 0, "a new set is empty");
	ok(!kag_set_has(s, "", 0), "a new set has no empty string");
	ok(!kag_set_has(s, "a", 1), "a new set has no 'a'");
	ok(kag_set_add(s, "", 0) == 1, "the empty string is added");
	ok(kag_set_add(s, "", 0) == 0, "the empty string is there already");
	ok(kag_set_has(s, "", 0), "the set has the empty string");
	ok(kag_set_has(s, NULL, 0), "(NULL, 0) is the empty string");
	ok(!kag_set_has(s, "a", 1), "the empty string is not 'a'");
	ok(kag_set_add(s, "a\0b", 3) == 1, "'a\\0b' is added");
	ok(kag_set_has(s, "a\0b", 3), "'a\\0b' is there");
	ok(!kag_set_has(s, "a\0c", 3), "'a\\0c' is not");
	ok(!kag_set_has(s, "a", 1), "'a' is not (NUL is not the end)");
	ok(!kag_set_has(s, "a\0b\0", 4), "'a\\0b\\0' is not");
	ok(kag_set_add(s, "a\0b", 3) == 0, "'a\\0b' again is a duplicate");
	ok(kag_set_add(s, "a", 1) == 1, "'a' is added after 'a\\0b'");
	ok(kag_set_add(s, "ab", 2) == 1 && kag_set_add(s, "abc", 3) == 1,
	    "prefixes are different strings");
	ok(kag_set_add(s, "\0", 1) == 1 && kag_set_add(s, "\0\0", 2) == 1,
	    "NUL-only strings of two lengths are two strings");
	ok(kag_set_has(s, "\0", 1) && !kag_set_has(s, "\0\0\0", 3),
	    "a NUL-only string is found by its length");
	ok(kag_set_count(s) == 7, "count is 7, got %zu", kag_set_count(s));

	/* The set keeps its own copy. */
	memcpy(buf, "node_x", 6);
	kag_set_add(s, buf, 6);
	memcpy(buf, "zzzzzz", 6);
	ok(kag_set_has(s, "node_x", 6), "a string outlives the caller's copy");
	ok(!kag_set_has(s, "zzzzzz", 6), "the overwritten bytes are not in");
	kag_set_free(s);
	kag_set_free(NULL);
	ok(1, "kag_set_free(NULL) is harmless");
}

static void
test_set_big(void)
{
	struct kag_set *s = kag_set_new();
	size_t i, bad = 0;
	char id[32], *big;
	int n;

	for (i = 0; i < NBIG; i++) {
		n = snprintf(id, sizeof(id), "mem_%07zu", i);
		if (kag_set_add(s, id, (size_t)n) != 1)
			bad++;
	}
	ok(bad == 0 && kag_set_count(s) == NBIG,
	    "1000000 distinct ids added: %zu refused, count %zu", bad,
	    kag_set_count(s));
	for (bad = 0, i = 0; i < NBIG; i++) {
		n = snprintf(id, sizeof(id), "mem_%07zu", i);
		if (!kag_set_has(s, id, (size_t)n))
			bad++;
	}
	ok(bad == 0, "every one of them is found (%zu missing)", bad);
	for (bad = 0, i = 0; i < NBIG; i += 7) {
		n = snprintf(id, sizeof(id), "mem_%07zu", i);
		if (kag_set_add(s, id, (size_t)n) != 0)
			bad++;
	}
	ok(bad == 0 && kag_set_count(s) == NBIG,
	    "adding them again adds nothing (%zu added, count %zu)", bad,
	    kag_set_count(s));
	for (bad = 0, i = NBIG; i < NBIG + 100000; i++) {
		n = snprintf(id, sizeof(id), "mem_%07zu", i);
		if (kag_set_has(s, id, (size_t)n))
			bad++;
		/* same bytes with a NUL after them */
		if (kag_set_has(s, id, (size_t)n + 1))
			bad++;
	}
	ok(bad == 0, "100000 ids that were never added are absent (%zu seen)",
	    bad);

	/* Long strings of every length up to 20000 bytes. */
	big = kag_xmalloc(20000);
	memset(big, 'x', 20000);
	for (bad = 0, i = 0; i <= 20000; i += 97)
		if (kag_set_add(s, big, i) != 1)
			bad++;
	for (i = 0; i <= 20000; i += 97)
		if (!kag_set_has(s, big, i) || kag_set_has(s, big, i + 1))
			bad++;
	ok(bad == 0, "207 runs of 'x' up to 20000 bytes: %zu wrong", bad);
	free(big);
	kag_set_free(s);
}

static void
copyfp(void *ctx, uint64_t fp)
{
	kag_fpset_add_fp(ctx, fp);
}

static void
test_fpset(void)
{
	struct kag_fpset *s = kag_fpset_new(), *t;
	size_t i, bad = 0;
	char id[32];
	int n;

	ok(kag_fpset_count(s) == 0 && !kag_fpset_has(s, "", 0),
	    "a new fingerprint set is empty");
	ok(kag_fpset_add(s, "", 0) == 1 && kag_fpset_add(s, "", 0) == 0,
	    "fpset: the empty string, then a duplicate");
	ok(kag_fpset_has(s, "", 0), "fpset has the empty string");
	ok(kag_fpset_add(s, "a\0b", 3) == 1 && !kag_fpset_has(s, "a", 1) &&
		!kag_fpset_has(s, "a\0c", 3) && kag_fpset_has(s, "a\0b", 3),
	    "fpset: NUL bytes are part of the string");
	ok(kag_fpset_add(s, "a\0b", 3) == 0, "fpset: 'a\\0b' again");
	ok(kag_fpset_count(s) == 2, "fpset count is 2");
	kag_fpset_free(s);
	kag_fpset_free(NULL);

	s = kag_fpset_new();
	for (i = 0; i < NBIG; i++) {
		n = snprintf(
		    id, sizeof(id), "user_%zu\037key_%zu", i % 1000, i);
		if (kag_fpset_add(s, id, (size_t)n) != 1)
			bad++;
	}
	ok(bad == 0 && kag_fpset_count(s) == NBIG,
	    "fpset: 1000000 identities added (%zu refused, count %zu)", bad,
	    kag_fpset_count(s));
	for (bad = 0, i = 0; i < NBIG; i++) {
		n = snprintf(
		    id, sizeof(id), "user_%zu\037key_%zu", i % 1000, i);
		if (!kag_fpset_has(s, id, (size_t)n) ||
		    kag_fpset_add(s, id, (size_t)n) != 0)
			bad++;
	}
	ok(bad == 0 && kag_fpset_count(s) == NBIG,
	    "fpset: each is found and is a duplicate (%zu wrong)", bad);
	for (bad = 0, i = 0; i < NBIG; i++) {
		n = snprintf(
		    id, sizeof(id), "user_%zu\037key_%zu", (i + 1) % 1000, i);
		if (kag_fpset_has(s, id, (size_t)n))
			bad++;
	}
	ok(bad == 0, "fpset: 1000000 others are absent (%zu seen)", bad);

	/* Saved by kag_fpset_each, restored by kag_fpset_add_fp: the same
	 * set (what kag-verify --state keeps between runs). */
	t = kag_fpset_new();
	kag_fpset_each(s, copyfp, t);
	ok(kag_fpset_count(t) == NBIG, "fpset: each gave %zu fingerprints",
	    kag_fpset_count(t));
	for (bad = 0, i = 0; i < NBIG; i++) {
		n = snprintf(
		    id, sizeof(id), "user_%zu\037key_%zu", i % 1000, i);
		if (!kag_fpset_has(t, id, (size_t)n) ||
		    kag_fpset_add(t, id, (size_t)n) != 0)
			bad++;
		n = snprintf(
		    id, sizeof(id), "user_%zu\037key_%zu", (i + 1) % 1000, i);
		if (kag_fpset_has(t, id, (size_t)n))
			bad++;
	}
	ok(bad == 0 && kag_fpset_count(t) == NBIG,
	    "fpset: the copy holds each identity and no other (%zu wrong)",
	    bad);
	ok(kag_fpset_add_fp(t, 0) == 1 && kag_fpset_add_fp(t, 1) == 0 &&
		kag_fpset_add_fp(t, 0) == 0,
	    "fpset: fingerprint 0 is taken as 1");
	kag_fpset_free(s);
	kag_fpset_free(t);
}

static const struct {
	const char *s;
	int64_t usec;
} goodtimes[] = {
	{ "1970-01-01", 0 },
	{ "1970-01-01T00:00:00Z", 0 },
	{ "1970-01-01 00:00", 0 },
	/* Kagura's shapes: SQL CURRENT_TIMESTAMP, Python isoformat */
	{ "2026-11-21 23:28:33", 1795303713000000 },
	{ "2026-11-21 23:28:33.123456", 1795303713123456 },
	{ "2026-11-21T23:28:34.567082", 1795303714567082 },
	{ "2025-10-27T10:30:00Z", 1761561000000000 },
	{ "2025-10-27T10:30:00z", 1761561000000000 },
	{ "2025-10-27 10:30:00Z", 1761561000000000 },
	{ "2025-10-27T10:30", 1761561000000000 },
	{ "2025-10-27T10:30Z", 1761561000000000 },
	/* offsets name the same instant */
	{ "2025-10-27T19:30:00+09:00", 1761561000000000 },
	{ "2025-10-27T19:30:00+0900", 1761561000000000 },
	{ "2025-10-27T19:30:00+09", 1761561000000000 },
	{ "2025-10-27T05:00:00-05:30", 1761561000000000 },
	{ "2025-10-27T10:30:00+00:00", 1761561000000000 },
	{ "2025-10-27T10:30:00-00:00", 1761561000000000 },
	{ "2025-10-28T00:29:00+13:59", 1761561000000000 },
	{ "2025-10-27T19:30+09:00", 1761561000000000 },
	{ "2025-10-27T19:30:00.25+09:00", 1761561000250000 },
	/* fractions: 1 to 9 digits, truncated to microseconds */
	{ "2025-10-27T10:30:00.5Z", 1761561000500000 },
	{ "2025-10-27T10:30:00.05", 1761561000050000 },
	{ "2025-10-27T10:30:00.123456789", 1761561000123456 },
	{ "2025-10-27T10:30:00.999999999Z", 1761561000999999 },
	{ "2025-10-27T10:30:00.000000", 1761561000000000 },
	/* leap days and the leap second */
	{ "2000-02-29", 951782400000000 },
	{ "2024-02-29T12:00:00Z", 1709208000000000 },
	{ "2016-12-31T23:59:60Z", 1483228800000000 },
	{ "2016-12-31T23:59:59Z", 1483228799000000 },
	/* the ends of the range, and before the epoch */
	{ "0000-01-01", -62167219200000000 },
	{ "0000-02-29", -62167219200000000 + 59 * 86400 * INT64_C(1000000) },
	{ "9999-12-31T23:59:59.999999Z", 253402300799999999 },
	{ "1969-12-31T23:59:59Z", -1000000 },
	{ "1969-12-31T23:59:59.5Z", -500000 },
	{ "1970-01-01T00:00:00+00:01", -60000000 },
};

static const char *badtimes[] = {
	"",
	"garbage",
	"2026",
	"2026-11",
	"2026-11-2",
	"2026-1-21",
	"26-11-21",
	"+2026-11-21",
	"-2026-11-21",
	"12026-11-21",
	"2026/11/21",
	"2026-02-30",
	"2023-02-29",
	"1900-02-29",
	"2026-04-31",
	"2026-13-01",
	"2026-00-10",
	"2026-01-00",
	"2026-01-32",
	"2026-11-21 24:00:00",
	"2026-11-21 23:60:00",
	"2026-11-21 23:59:61",
	"2026-11-21 23",
	"2026-11-21 23:5",
	"2026-11-21 23:59:5",
	"2026-11-21 9:59:59",
	"2026-11-21t23:59:59",
	"2026-11-21_23:59:59",
	"2026-11-21  23:59:59",
	"2026-11-21 ",
	"2026-11-21T",
	"2026-11-21Z",
	"2026-11-21+09:00",
	"2026-11-21 23:28:33.",
	"2026-11-21 23:28:33.1234567890",
	"2026-11-21 23:28:33.12a",
	"2026-11-21 23:28.5",
	"2026-11-21 23:28:33 ",
	"2026-11-21 23:28:33ZZ",
	"2026-11-21 23:28:33Z ",
	"2026-11-21 23:28:33 UTC",
	"2026-11-21 23:28:33+",
	"2026-11-21 23:28:33+9",
	"2026-11-21 23:28:33+09:",
	"2026-11-21 23:28:33+09:0",
	"2026-11-21 23:28:33+090",
	"2026-11-21 23:28:33+09:000",
	"2026-11-21 23:28:33+24:00",
	"2026-11-21 23:28:33+09:60",
	"2026-11-21 23:28:33+09:00junk",
	"2026-11-21 23:28:33junk",
	"２０２６-11-21",
};

static void
test_time_parse(void)
{
	int64_t us;
	size_t i;
	int r;

	for (i = 0; i < sizeof(goodtimes) / sizeof(goodtimes[0]); i++) {
		us = INT64_MIN;
		r = kag_time_parse(goodtimes[i].s, strlen(goodtimes[i].s), &us);
		ok(r == 0 && us == goodtimes[i].usec,
		    "'%s' is %" PRId64 " us (got %d, %" PRId64 ")",
		    goodtimes[i].s, goodtimes[i].usec, r, us);
	}
	for (i = 0; i < sizeof(badtimes) / sizeof(badtimes[0]); i++)
		ok(kag_time_parse(badtimes[i], strlen(badtimes[i]), &us) == -1,
		    "'%s' is refused", badtimes[i]);

	ok(kag_time_parse("2025-10-27T10:30:00Zjunk", 20, &us) == 0 &&
		us == 1761561000000000,
	    "only n bytes are read");
	ok(kag_time_parse("2025-10-27\0", 11, &us) == -1,
	    "a NUL byte inside n is trailing junk");
	ok(kag_time_parse("2025-10-27T10:30:00\0Z", 21, &us) == -1,
	    "a NUL byte before the zone is refused");
	ok(kag_time_parse("2025-10-27T10:30:00", 16, &us) == 0 &&
		us == 1761561000000000,
	    "n cutting after the minutes gives HH:MM");
	ok(kag_time_parse("2025-10-27T10:30:00", 17, &us) == -1,
	    "n cutting after the seconds' colon is refused");
	ok(kag_time_parse("2025-10-27", 9, &us) == -1,
	    "n cutting inside the day is refused");
	ok(kag_time_parse(NULL, 0, &us) == -1, "(NULL, 0) is refused");
}

static void
test_time_format(void)
{
	static const struct {
		int64_t secs;
		const char *s;
	} v[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ -1, "1969-12-31T23:59:59Z" },
		{ -86400, "1969-12-31T00:00:00Z" },
		{ -86401, "1969-12-30T23:59:59Z" },
		{ 1761561000, "2025-10-27T10:30:00Z" },
		{ 1795303713, "2026-11-21T23:28:33Z" },
		{ 951782400, "2000-02-29T00:00:00Z" },
		{ 951868800, "2000-03-01T00:00:00Z" },
		{ 4107456000, "2100-02-28T00:00:00Z" },
		{ 4107542400, "2100-03-01T00:00:00Z" },
		{ 253402300799, "9999-12-31T23:59:59Z" },
		{ 253402300800, "10000-01-01T00:00:00Z" },
		{ -62167219200, "0000-01-01T00:00:00Z" },
		{ -62167219201, "-0001-12-31T23:59:59Z" },
	};
	char out[32];
	size_t i, bad = 0;
	int64_t t, us;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		kag_time_format(v[i].secs, out, sizeof(out));
		ok(strcmp(out, v[i].s) == 0, "%" PRId64 " is '%s' (got '%s')",
		    v[i].secs, v[i].s, out);
	}
	/* Every format that fits 0000-9999 parses back to itself. */
	for (t = -62167219200; t <= 253402300799; t += 7777777 + t % 13) {
		kag_time_format(t, out, sizeof(out));
		if (kag_time_parse(out, strlen(out), &us) != 0 ||
		    us != t * 1000000)
			bad++;
	}
	ok(bad == 0, "format then parse is the identity (%zu wrong)", bad);

	kag_time_format(INT64_MAX, out, sizeof(out));
	ok(strlen(out) < sizeof(out) && out[strlen(out) - 1] == 'Z',
	    "INT64_MAX fits 32 bytes: '%s'", out);
	kag_time_format(INT64_MIN, out, sizeof(out));
	ok(strlen(out) < sizeof(out) && out[0] == '-' &&
		out[strlen(out) - 1] == 'Z',
	    "INT64_MIN fits 32 bytes: '%s'", out);
	memset(out, '#', sizeof(out));
	kag_time_format(0, out, 11);
	ok(strcmp(out, "1970-01-01") == 0 && out[11] == '#',
	    "a short out is cut and terminated: '%s'", out);
}

static void
test_time_now(void)
{
	static const char *bad[] = { "", "abc", "12x", "-5", "+5", " 123",
		"123 ", "1.5", "99999999999999999999" };
	int64_t clock0 = (int64_t)time(NULL), t;
	size_t i;

	setenv("SOURCE_DATE_EPOCH", "1761561000", 1);
	ok(kag_time_now() == 1761561000, "SOURCE_DATE_EPOCH is used");
	setenv("SOURCE_DATE_EPOCH", "0", 1);
	ok(kag_time_now() == 0, "SOURCE_DATE_EPOCH=0 is the epoch");
	setenv("SOURCE_DATE_EPOCH", "9223372036854775807", 1);
	ok(kag_time_now() == INT64_MAX, "SOURCE_DATE_EPOCH=INT64_MAX");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("SOURCE_DATE_EPOCH", bad[i], 1);
		t = kag_time_now();
		ok(t >= clock0 && t <= clock0 + 60,
		    "SOURCE_DATE_EPOCH='%s' falls back to the clock", bad[i]);
	}
	unsetenv("SOURCE_DATE_EPOCH");
	t = kag_time_now();
	ok(t >= clock0 && t <= clock0 + 60, "no SOURCE_DATE_EPOCH: the clock");
}

static const struct {
	const char *pat;
	const char *s;
	int want;
} globs[] = {
	{ "", "", 1 },
	{ "", "a", 0 },
	{ "a", "", 0 },
	{ "abc", "abc", 1 },
	{ "abc", "abd", 0 },
	{ "abc", "ab", 0 },
	{ "ab", "abc", 0 },
	{ "A", "a", 0 },
	{ "*", "", 1 },
	{ "*", "anything", 1 },
	{ "**", "", 1 },
	{ "***a", "bbba", 1 },
	{ "user_*", "user_preference", 1 },
	{ "user_*", "user_", 1 },
	{ "user_*", "use", 0 },
	{ "*_key", "api_key", 1 },
	{ "*_key", "api_keys", 0 },
	{ "*pref*", "user_preference", 1 },
	{ "a*b*c", "aXbYc", 1 },
	{ "a*b*c", "abc", 1 },
	{ "a*b*c", "aXbY", 0 },
	{ "a*b*c", "acb", 0 },
	{ "*a*b", "xaxbxb", 1 },
	{ "*ab", "aab", 1 },
	{ "*aab", "aaab", 1 },
	{ "?", "", 0 },
	{ "?", "a", 1 },
	{ "?", "ab", 0 },
	{ "a?c", "abc", 1 },
	{ "a?c", "ac", 0 },
	{ "???", "abc", 1 },
	/* '?' is one UTF-8 character, whatever its length */
	{ "?", "\xc3\xa9", 1 },
	{ "??", "\xc3\xa9", 0 },
	{ "?", "\xe6\x97\xa5", 1 },
	{ "?", "\xf0\x9f\x98\x80", 1 },
	{ "a?b",
	    "a\xf0\x9f\x98\x80"
	    "b",
	    1 },
	{ "??", "\xe6\x97\xa5\xe6\x9c\xac", 1 },
	{ "*\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac", 1 },
	{ "\xe6\x97\xa5?", "\xe6\x97\xa5\xe6\x9c\xac", 1 },
	/* bytes that are not UTF-8 are characters of their own */
	{ "?", "\xe9", 1 },
	{ "??", "\xe9\x80", 1 },
	{ "??", "\xc0\x80", 1 },    /* overlong */
	{ "?", "\xe0\x80\xaf", 0 }, /* overlong 3-byte slash */
	{ "???", "\xe0\x80\xaf", 1 },
	{ "???", "\xed\xa0\x80", 1 },	/* encoded surrogate */
	{ "?", "\xf4\x90\x80\x80", 0 }, /* past U+10FFFF */
	{ "????", "\xf4\x90\x80\x80", 1 },
	{ "\xe9", "\xe9", 1 },
	{ "\xe9", "\xc3\xa9", 0 },
	{ "[\xc3\xa9]", "\xe9", 0 },
	/* classes */
	{ "[abc]", "b", 1 },
	{ "[abc]", "d", 0 },
	{ "[abc]", "", 0 },
	{ "[abc]", "ab", 0 },
	{ "[a-c]x", "bx", 1 },
	{ "[a-c]x", "dx", 0 },
	{ "[a-cx-z]", "y", 1 },
	{ "[a-cx-z]", "m", 0 },
	{ "[0-9][0-9]", "42", 1 },
	{ "[z-a]", "m", 0 },
	{ "[!a-c]", "d", 1 },
	{ "[!a-c]", "b", 0 },
	{ "[^a-c]", "d", 1 },
	{ "[^a-c]", "a", 0 },
	{ "[!a]", "", 0 },
	{ "[]]", "]", 1 },
	{ "[]]", "a", 0 },
	{ "[]a]", "a", 1 },
	{ "[!]]", "a", 1 },
	{ "[!]]", "]", 0 },
	{ "[a-]", "-", 1 },
	{ "[a-]", "a", 1 },
	{ "[a-]", "b", 0 },
	{ "[-a]", "-", 1 },
	{ "[!-]", "-", 0 },
	{ "[*?]", "*", 1 },
	{ "[*?]", "?", 1 },
	{ "[*?]", "a", 0 },
	{ "[[]", "[", 1 },
	{ "[a-c]*", "cat", 1 },
	/* UTF-8 in classes: characters and ranges of code points */
	{ "[\xc3\xa9]", "\xc3\xa9", 1 },
	{ "[\xc3\xa9]", "e", 0 },
	{ "[\xc3\xa0-\xc3\xbf]", "\xc3\xa9", 1 },
	{ "[\xc3\xa0-\xc3\xbf]", "e", 0 },
	{ "[a-\xe6\x97\xa5]", "\xc3\xa9", 1 },
	{ "[!\xc3\xa9]", "\xc3\xa9", 0 },
	{ "[!\xc3\xa9]", "e", 1 },
	{ "[!a]", "\xc3\xa9", 1 },
	{ "[!a]", "\xc3\xa9\xc3\xa9", 0 },
	{ "[!a]x", "\xf0\x9f\x98\x80x", 1 },
	{ "[\xf0\x9f\x98\x80-\xf0\x9f\x99\x8f]", "\xf0\x9f\x98\x8d", 1 },
	{ "[\xf0\x9f\x98\x80-\xf0\x9f\x99\x8f]", "\xf0\x9f\x98", 0 },
	/* escapes */
	{ "\\*", "*", 1 },
	{ "\\*", "a", 0 },
	{ "\\?", "?", 1 },
	{ "\\?", "a", 0 },
	{ "\\[a]", "[a]", 1 },
	{ "\\[a]", "a", 0 },
	{ "\\a", "a", 1 },
	{ "\\\\", "\\", 1 },
	{ "a\\", "a\\", 1 },
	{ "a\\", "a", 0 },
	{ "[\\]]", "]", 1 },
	{ "[\\]a]", "a", 1 },
	{ "[\\!a]", "!", 1 },
	{ "[a\\-c]", "b", 0 },
	{ "[a\\-c]", "-", 1 },
	{ "\\\xc3\xa9", "\xc3\xa9", 1 },
	{ "*\\*", "abc*", 1 },
	{ "*\\*", "abc", 0 },
	/* an unterminated '[' is an ordinary character */
	{ "[", "[", 1 },
	{ "[abc", "[abc", 1 },
	{ "[abc", "a", 0 },
	{ "a[", "a[", 1 },
	{ "[]", "[]", 1 },
	{ "[!]", "[!]", 1 },
	{ "[a-", "[a-", 1 },
	{ "*[", "x[", 1 },
	/* '/' and '.' are not special */
	{ "*", "a/b", 1 },
	{ "a?b", "a/b", 1 },
	{ "*", ".hidden", 1 },
	{ "?hidden", ".hidden", 1 },
	{ "[./]", "/", 1 },
};

static void
test_glob(void)
{
	size_t i, n = 100000;
	clock_t t0;
	double secs;
	char *s;

	for (i = 0; i < sizeof(globs) / sizeof(globs[0]); i++)
		ok(kag_glob_match(globs[i].pat, globs[i].s,
		       strlen(globs[i].s)) == globs[i].want,
		    "glob '%s' %s '%s'", globs[i].pat,
		    globs[i].want ? "matches" : "does not match", globs[i].s);

	/* NUL bytes in the subject are characters like any other. */
	ok(kag_glob_match("a*b", "a\0\0b", 4), "'a*b' matches 'a\\0\\0b'");
	ok(kag_glob_match("a?b", "a\0b", 3), "'a?b' matches 'a\\0b'");
	ok(!kag_glob_match("ab", "ab\0", 3), "'ab' does not match 'ab\\0'");
	ok(kag_glob_match("ab*", "ab\0", 3), "'ab*' matches 'ab\\0'");
	ok(kag_glob_match("[!x]", "\0", 1), "'[!x]' matches '\\0'");
	ok(!kag_glob_match("?", "\0\0", 2), "'?' does not match '\\0\\0'");
	ok(kag_glob_match("abc", "abcdef", 3), "only n bytes are the subject");
	ok(kag_glob_match("*", NULL, 0), "'*' matches (NULL, 0)");
	ok(kag_glob_match("?", "\xc3\xa9", 1),
	    "a 2-byte sequence cut to 1 is one raw byte: one char");
	ok(kag_glob_match("??", "\xe6\x97\xa5", 2),
	    "a 3-byte sequence cut to 2 is two raw bytes");

	/* Patterns that take exponential time with naive backtracking. */
	s = kag_xmalloc(n + 1);
	memset(s, 'a', n);
	s[n] = '\0';
	t0 = clock();
	ok(!kag_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*b", s, n),
	    "'*a*a*...*b' does not match 100000 a's");
	ok(kag_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a", s, n),
	    "'*a*a*...*a' matches 100000 a's");
	ok(!kag_glob_match("*aaaaaaaaaaaaaaaaaaab", s, n),
	    "'*aaa...ab' does not match 100000 a's");
	ok(!kag_glob_match("*?*?*?*?*?*?*?*?*?*?*?*?b", s, n),
	    "'*?*?...*b' does not match 100000 a's");
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	/* Exponential backtracking would not finish these in a lifetime; the
	 * bound leaves room for valgrind. */
	ok(secs < 10.0, "pathological patterns took %.3f s of CPU", secs);
	free(s);
}

int
main(void)
{
	test_hash();
	test_set_small();
	test_set_big();
	test_fpset();
	test_time_parse();
	test_time_format();
	test_time_now();
	test_glob();
	return tap_done();
}
