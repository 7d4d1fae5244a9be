/* time.c: parse and format UTC timestamps without the C library's zones. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kag.h"

/*
 * Dates are converted with Howard Hinnant's days_from_civil and
 * civil_from_days (proleptic Gregorian, 400-year eras): timegm() is not
 * in C11 or POSIX, and mktime() would drag $TZ in.
 */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
mdays(int y, int m)
{
	static const unsigned char len[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return len[m - 1];
}

/* Read exactly w decimal digits at s[*i]; -1 if they are not there. */
static int
digits(const char *s, size_t n, size_t *i, int w)
{
	int v = 0;

	if (n - *i < (size_t)w)
		return -1;
	for (; w > 0; w--, (*i)++) {
		if (s[*i] < '0' || s[*i] > '9')
			return -1;
		v = v * 10 + (s[*i] - '0');
	}
	return v;
}

/* The zone at s[*i..n) in seconds east of UTC; 1 if none, 0 on success,
 * -1 if malformed. */
static int
zone(const char *s, size_t n, size_t *i, int *off)
{
	int sign, hh, mm = 0;

	*off = 0;
	if (*i == n)
		return 1;
	if (s[*i] == 'Z' || s[*i] == 'z') {
		(*i)++;
		return 0;
	}
	if (s[*i] != '+' && s[*i] != '-')
		return -1;
	sign = s[*i] == '-' ? -1 : 1;
	(*i)++;
	if ((hh = digits(s, n, i, 2)) < 0 || hh > 23)
		return -1;
	if (*i < n && s[*i] == ':')
		(*i)++;
	else if (*i == n)
		goto done;
	if ((mm = digits(s, n, i, 2)) < 0 || mm > 59)
		return -1;
done:
	*off = sign * (hh * 3600 + mm * 60);
	return 0;
}

int
kag_time_parse(const char *s, size_t n, int64_t *usec)
{
	int y, mo, d, hh = 0, mi = 0, ss = 0, frac = 0, scale, off = 0;
	size_t i = 0;
	int64_t secs;

	if ((y = digits(s, n, &i, 4)) < 0 || i == n || s[i++] != '-' ||
	    (mo = digits(s, n, &i, 2)) < 1 || mo > 12 || i == n ||
	    s[i++] != '-' || (d = digits(s, n, &i, 2)) < 1 || d > mdays(y, mo))
		return -1;
	if (i < n) {
		if (s[i] != 'T' && s[i] != ' ')
			return -1;
		i++;
		if ((hh = digits(s, n, &i, 2)) < 0 || hh > 23 || i == n ||
		    s[i++] != ':' || (mi = digits(s, n, &i, 2)) < 0 || mi > 59)
			return -1;
		if (i < n && s[i] == ':') {
			i++;
			if ((ss = digits(s, n, &i, 2)) < 0 || ss > 60)
				return -1;
			if (i < n && s[i] == '.') {
				/* Digits past the sixth are dropped: the
				 * value is truncated, never rounded up. */
				for (i++, scale = 0; i < n && s[i] >= '0' &&
				     s[i] <= '9' && scale < 9;
				     i++, scale++)
					if (scale < 6)
						frac = frac * 10 + (s[i] - '0');
				if (scale == 0)
					return -1;
				for (; scale < 6; scale++)
					frac *= 10;
			}
		}
		if (zone(s, n, &i, &off) < 0 || i != n)
			return -1;
	}
	/* A leap second :60 counts as the first second of the next minute,
	 * as POSIX time does. */
	secs =
	    days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - off;
	*usec = secs * 1000000 + frac;
	return 0;
}

int64_t
kag_time_now(void)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	int64_t v = 0;

	if (e != NULL && *e != '\0') {
		for (; *e >= '0' && *e <= '9'; e++) {
			if (v > (INT64_MAX - (*e - '0')) / 10)
				break;
			v = v * 10 + (*e - '0');
		}
		if (*e == '\0')
			return v;
	}
	return (int64_t)time(NULL);
}

void
kag_time_format(int64_t secs, char *out, size_t outlen)
{
	int64_t days = secs / 86400, rem = secs % 86400, y;
	int m, d;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	snprintf(out, outlen, "%s%04lld-%02d-%02dT%02d:%02d:%02dZ",
	    y < 0 ? "-" : "", (long long)(y < 0 ? -y : y), m, d,
	    (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}
