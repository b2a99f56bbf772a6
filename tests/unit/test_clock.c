/* Wire times: every time kx_time_parse takes comes back from kx_time_format as the same text,
 * years below 1000 included (strftime's %Y once turned them into the 9999 sentinel, so that a
 * window from 0100 ended before it began). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "clock.h"

static void round_trip(const char *text)
{
	int64_t ms;
	char out[KX_TIME_LEN];
	assert_int_equal(kx_time_parse(text, &ms), 0);
	kx_time_format(ms, out);
	assert_string_equal(out, text);
}

static void test_every_year_round_trips(void **state)
{
	(void)state;
	round_trip("0000-01-01T00:00:00.000Z");
	round_trip("0001-01-01T00:00:00.000Z");
	round_trip("0100-03-01T12:30:45.678Z");
	round_trip("0999-12-31T23:59:59.999Z");
	round_trip("1000-01-01T00:00:00.000Z");
	round_trip("1970-01-01T00:00:00.000Z");
	round_trip("2026-11-29T05:00:00.123Z");
	round_trip("9999-12-31T23:59:59.999Z");
}

static void test_times_past_either_end_are_clamped(void **state)
{
	(void)state;
	int64_t ms;
	char out[KX_TIME_LEN];
	assert_int_equal(kx_time_parse("0000-01-01T00:00:00+01:00", &ms), 0);
	kx_time_format(ms, out);
	assert_string_equal(out, "0000-01-01T00:00:00.000Z");
	assert_int_equal(kx_time_parse("9999-12-31T23:59:59-01:00", &ms), 0);
	kx_time_format(ms, out);
	assert_string_equal(out, "9999-12-31T23:59:59.999Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_year_round_trips),
		cmocka_unit_test(test_times_past_either_end_are_clamped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
