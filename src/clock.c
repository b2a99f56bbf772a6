/* The injectable clock and RFC 3339 time text. */
#include "clock.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static kx_clock_fn clock_fn;
static void *clock_ctx;

void kx_clock_set(kx_clock_fn fn, void *ctx)
{
	clock_fn = fn;
	clock_ctx = ctx;
}

int64_t kx_clock_now_ms(void)
{
	if (clock_fn)
		return clock_fn(clock_ctx);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's
 * days_from_civil), so parsing needs neither timegm nor TZ. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void kx_time_format(int64_t ms, char out[KX_TIME_LEN])
{
	time_t secs = (time_t)(ms / 1000);
	int milli = (int)(ms % 1000);
	if (milli < 0) {
		milli += 1000;
		secs -= 1;
	}
	struct tm tm;
	gmtime_r(&secs, &tm);
	/* %04d, not strftime's %Y, which writes the year 999 as "999". The wire's four digits
	 * hold years 0 to 9999; a time past either end (an offset can reach one) is clamped. */
	long year = tm.tm_year + 1900L;
	if (year < 0) {
		snprintf(out, KX_TIME_LEN, "%s", "0000-01-01T00:00:00.000Z");
		return;
	}
	if (year > 9999) {
		snprintf(out, KX_TIME_LEN, "%s", "9999-12-31T23:59:59.999Z");
		return;
	}
	char text[64]; /* room for any int, so that the compiler sees nothing cut */
	snprintf(text, sizeof text, "%04ld-%02d-%02dT%02d:%02d:%02d", year, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	memcpy(out, text, 19);
	out[19] = '.';
	out[20] = (char)('0' + milli / 100);
	out[21] = (char)('0' + milli / 10 % 10);
	out[22] = (char)('0' + milli % 10);
	out[23] = 'Z';
	out[24] = 0;
}

static int parse_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int parse_char(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

int kx_time_parse(const char *text, int64_t *ms)
{
	const char *p = text;
	int y, mo, d, h, mi, s, frac = 0;
	if (!p || parse_digits(&p, 4, &y) || parse_char(&p, '-') || parse_digits(&p, 2, &mo) ||
	    parse_char(&p, '-') || parse_digits(&p, 2, &d) || (*p != 'T' && *p != 't'))
		return -1;
	p++;
	if (parse_digits(&p, 2, &h) || parse_char(&p, ':') || parse_digits(&p, 2, &mi) ||
	    parse_char(&p, ':') || parse_digits(&p, 2, &s))
		return -1;
	static const int days_in[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in[mo - 1] || (mo == 2 && d == 29 && !leap) ||
	    h > 23 || mi > 59 || s > 60)
		return -1;
	if (*p == '.') {
		p++;
		int digits = 0;
		while (*p >= '0' && *p <= '9') {
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
			digits++, p++;
		}
		if (digits == 0 || digits > 9)
			return -1;
		for (; digits < 3; digits++)
			frac *= 10;
	}
	int offset_min = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, oh, om;
		p++;
		if (parse_digits(&p, 2, &oh) || parse_char(&p, ':') || parse_digits(&p, 2, &om) ||
		    oh > 23 || om > 59)
			return -1;
		offset_min = sign * (oh * 60 + om);
	} else {
		return -1;
	}
	if (*p)
		return -1;
	int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - (int64_t)offset_min * 60;
	*ms = secs * 1000 + frac;
	return 0;
}
