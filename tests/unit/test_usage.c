/* Metering through klaxon.h: usage reports whose totals are the operations made (reads
 * counted in memory included before any flush), hour and day buckets, the platform report's
 * attribution ratio, who may ask for what, and retention pruning raw events while the hourly
 * rollups (and so the reports) stay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "core_fixture.h"

static double total(const cJSON *report, const char *type)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(report, "totals"), type);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void test_totals_are_the_operations_made(void **state)
{
	struct fx *f = *state;
	struct kx_principal ops, look;
	fx_expect(fx_call(f, &f->admin, "tenant.create", NULL, "{\"id\":\"meter\",\"name\":\"M\"}", NULL),
		  201);
	fx_actor(f, "meter", "ops", "[\"tenant-admin\"]", &ops);
	fx_actor(f, "meter", "look", "[\"viewer\"]", &look);
	const char *id = NULL;
	for (int i = 0; i < 3; i++)
		id = fx_str(fx_incident(f, &ops, "metered", "sev3"), "id");
	fx_expect(fx_call(f, &ops, "incident.update", id, "{\"status\":\"triaged\"}", NULL), 200);
	for (int i = 0; i < 4; i++)
		fx_expect(fx_get(f, &ops, "incident.list", NULL, NULL), 200);
	fx_expect_error(fx_call(f, &look, "incident.create", NULL,
				"{\"title\":\"no\",\"severity\":\"sev4\"}", NULL),
			403, "policy_denied", NULL);
	fx_expect_error(fx_call(f, &ops, "incident.update", id, "{\"status\":\"declared\"}", NULL),
			409, "invalid_transition", NULL);
	/* 3 creates, 1 update, 4 lists, 1 denied create, 1 refused update: 10 requests, the
	 * lists still in memory (no second has passed for a flush). */
	cJSON *u = fx_expect(fx_get(f, &ops, "usage.report", "meter", NULL), 200);
	assert_int_equal(total(u, "api.request"), 10);
	assert_int_equal(total(u, "incident.create"), 3);
	assert_int_equal(total(u, "incident.update"), 1);
	assert_int_equal(total(u, "policy.deny"), 1);
	assert_int_equal(total(u, "incident.list"), 0); /* reads are requests, not actions */
	assert_string_equal(fx_str(u, "tenant_id"), "meter");
	assert_string_equal(fx_str(u, "bucket"), "hour");
	const cJSON *s = cJSON_GetArrayItem(fx_at(u, "series"), 0);
	assert_non_null(strstr(fx_str(s, "bucket_start"), ":00:00.000Z"));
	/* The same after a flush, by day; the report's own request counts now. */
	kx_core_flush_usage(f->core);
	u = fx_expect(fx_get(f, &ops, "usage.report", "meter", "bucket", "day", NULL), 200);
	assert_int_equal(total(u, "api.request"), 11);
	assert_non_null(strstr(fx_str(cJSON_GetArrayItem(fx_at(u, "series"), 0), "bucket_start"),
			       "T00:00:00.000Z"));
	/* A viewer may not; another tenant's actor finds no such tenant. */
	fx_expect_error(fx_get(f, &look, "usage.report", "meter", NULL), 403, "policy_denied", NULL);
	fx_expect_error(fx_get(f, &ops, "usage.report", "default", NULL), 404, "not_found", NULL);
	fx_expect_error(fx_get(f, &ops, "usage.report", "meter", "bucket", "week", NULL), 400,
			"invalid_query", "bucket");
	fx_expect_error(fx_get(f, &ops, "usage.report", "meter", "from", "2030-01-01T00:00:00Z", "to",
			       "2020-01-01T00:00:00Z", NULL),
			400, "invalid_query", "to");
	u = fx_expect(fx_get(f, &ops, "usage.report", "meter", "from", "2020-01-01T00:00:00Z", "to",
			     "2020-01-02T00:00:00Z", NULL),
		      200);
	assert_int_equal(cJSON_GetArraySize(fx_at(u, "totals")), 0);
}

static void test_platform_report_and_attribution(void **state)
{
	struct fx *f = *state;
	struct kx_principal ops;
	fx_expect(fx_call(f, &f->admin, "tenant.create", NULL, "{\"id\":\"a\",\"name\":\"A\"}", NULL),
		  201);
	fx_actor(f, "a", "ops", "[\"tenant-admin\"]", &ops);
	for (int i = 0; i < 97; i++)
		fx_expect(fx_get(f, &ops, "incident.list", NULL, NULL), 200);
	for (int i = 0; i < 3; i++)
		kx_core_count_unattributed(f->core);
	cJSON *u = fx_expect(fx_get(f, &f->admin, "usage.platform", NULL, NULL), 200);
	assert_true(cJSON_IsNull(fx_at(u, "tenant_id")));
	double attributed = fx_num(u, "attribution.attributed"), all = fx_num(u, "attribution.total");
	assert_int_equal(all - attributed, 3);
	assert_true(fx_num(u, "attribution.ratio") >= 0.95);
	assert_true(fx_num(u, "attribution.ratio") < 1);
	assert_int_equal(fx_num(u, "tenants.a.api.request"), -1); /* dotted type: read it whole */
	const cJSON *a = cJSON_GetObjectItem(fx_at(u, "tenants"), "a");
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(a, "api.request")), 97);
	/* Only platform admins see everyone's usage. */
	fx_expect_error(fx_get(f, &ops, "usage.platform", NULL, NULL), 403, "policy_denied", NULL);
}

static int64_t fake_ms;
static int64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_ms;
}

static void test_retention_prunes_events_not_rollups(void **state)
{
	struct fx *f = *state;
	fake_ms = kx_clock_now_ms();
	kx_clock_set(fake_clock, NULL);
	for (int i = 0; i < 3; i++)
		fx_incident(f, &f->admin, "old news", "sev4");
	kx_core_flush_usage(f->core);
	char from[KX_TIME_LEN], to[KX_TIME_LEN];
	kx_time_format(fake_ms - 3600 * 1000, from);
	kx_time_format(fake_ms + 3600 * 1000, to);
	cJSON *before = cJSON_Duplicate(
		fx_expect(fx_get(f, &f->admin, "usage.report", "default", "from", from, "to", to, NULL),
			  200),
		1);
	/* Reopen with a retention of one day, and let two days pass. */
	fx_close(f);
	sqlite3 *db = fx_sqlite(f);
	int64_t events = fx_sql_int(db, "SELECT COUNT(*) FROM usage_events");
	int64_t rollups = fx_sql_int(db, "SELECT COUNT(*) FROM usage_rollups");
	sqlite3_close(db);
	assert_true(events >= 7);
	struct kx_core_options o = {.db_path = f->db, .embedded = true, .usage_retention_days = 1};
	struct kx_error err = {0};
	fake_ms += 2 * 24 * 3600 * 1000LL;
	f->core = kx_core_open(&o, &err);
	assert_non_null(f->core);
	kx_core_flush_usage(f->core);
	fx_close(f);
	db = fx_sqlite(f);
	assert_int_equal(fx_sql_int(db, "SELECT COUNT(*) FROM usage_events"), 0);
	assert_true(fx_sql_int(db, "SELECT COUNT(*) FROM usage_rollups") >= rollups);
	sqlite3_close(db);
	fx_open(f);
	cJSON *after =
		fx_expect(fx_get(f, &f->admin, "usage.report", "default", "from", from, "to", to, NULL),
			  200);
	/* The same, but for the first report's own request, counted after it answered. */
	cJSON *want = cJSON_GetObjectItem(before, "totals");
	cJSON_SetNumberValue(cJSON_GetObjectItem(want, "api.request"), total(before, "api.request") + 1);
	assert_true(total(before, "incident.create") == 3);
	assert_true(cJSON_Compare(want, cJSON_GetObjectItem(after, "totals"), 1));
	cJSON_Delete(before);
	kx_clock_set(NULL, NULL);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_totals_are_the_operations_made),
		T(test_platform_report_and_attribution),
		T(test_retention_prunes_events_not_rollups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
