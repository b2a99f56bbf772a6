/* Tests of incidents through klaxon.h: API.md's status machine over every pair of statuses,
 * versions and If-Match, timeline events and their receipts, list filters and pagination
 * (also while incidents are being declared), tenant isolation and input validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_fixture.h"

static const char *const STATUSES[] = {"declared", "triaged", "mitigating", "resolved", "closed"};
#define N_STATUS 5

/* ---- helpers ---- */

static int n_receipts(struct fx *f)
{
	cJSON *all = fx_receipts(f, &f->admin);
	int n = cJSON_GetArraySize(all);
	cJSON_Delete(all);
	return n;
}

static cJSON *patch(struct fx *f, const char *id, const char *body, int status)
{
	return fx_expect(fx_call(f, &f->admin, "incident.update", id, body, NULL), status);
}

static cJSON *set_status(struct fx *f, const char *id, const char *status)
{
	char body[64];
	snprintf(body, sizeof body, "{\"status\":\"%s\"}", status);
	return patch(f, id, body, 200);
}

static cJSON *get(struct fx *f, const char *id)
{
	return fx_expect(fx_call(f, &f->admin, "incident.get", id, NULL, NULL), 200);
}

static int version(struct fx *f, const char *id)
{
	return (int)fx_num(get(f, id), "version");
}

/* Every event of an incident's timeline, oldest first, through pages of `limit`. */
static cJSON *timeline(struct fx *f, const char *id, const char *limit)
{
	cJSON *all = cJSON_CreateArray();
	char cursor[64] = "";
	for (int pages = 0; pages < 100; pages++) {
		struct fx_resp *r = cursor[0] ? fx_get(f, &f->admin, "timeline.list", NULL,
						       "incident_id", id, "limit", limit, "cursor",
						       cursor, NULL)
					      : fx_get(f, &f->admin, "timeline.list", NULL,
						       "incident_id", id, "limit", limit, NULL);
		cJSON *page = fx_expect(r, 200);
		assert_true(cJSON_GetArraySize(fx_at(page, "items")) <= atoi(limit));
		const cJSON *it;
		cJSON_ArrayForEach(it, fx_at(page, "items"))
			cJSON_AddItemToArray(all, cJSON_Duplicate(it, 1));
		const char *next = cJSON_GetStringValue(fx_at(page, "next_cursor"));
		if (!next) {
			assert_true(cJSON_IsNull(fx_at(page, "next_cursor")));
			return all;
		}
		snprintf(cursor, sizeof cursor, "%s", next);
	}
	cJSON_Delete(all);
	fail_msg("the timeline never ended");
	return NULL;
}

/* The path from declared to each status by allowed transitions. */
static const char *const *path_to(int status)
{
	static const char *const paths[N_STATUS][3] = {
		{NULL},
		{"triaged", NULL},
		{"triaged", "mitigating", NULL},
		{"resolved", NULL},
		{"resolved", "closed", NULL},
	};
	return paths[status];
}

/* API.md: declared → triaged | resolved; triaged → mitigating | resolved; mitigating →
 * resolved; resolved → closed | mitigating; closed is final; anything else is refused. */
static bool allowed(int from, int to)
{
	static const bool table[N_STATUS][N_STATUS] = {
		/*              decl   triag  mitig  resol  closed */
		/* declared */ {false, true, false, true, false},
		/* triaged */ {false, false, true, true, false},
		/* mitigating */ {false, false, false, true, false},
		/* resolved */ {false, false, true, false, true},
		/* closed */ {false, false, false, false, false},
	};
	return table[from][to];
}

/* ---- status machine ---- */

static void test_every_transition(void **state)
{
	struct fx *f = *state;
	int tried_ok = 0, tried_refused = 0;
	for (int from = 0; from < N_STATUS; from++) {
		for (int to = 0; to < N_STATUS; to++) {
			cJSON *inc = fx_incident(f, &f->admin, "transitions", "sev2");
			const char *id = fx_str(inc, "id");
			for (const char *const *s = path_to(from); *s; s++)
				set_status(f, id, *s);
			cJSON *before = cJSON_Duplicate(get(f, id), 1);
			assert_string_equal(fx_str(before, "status"), STATUSES[from]);
			int receipts = n_receipts(f);
			char body[64];
			snprintf(body, sizeof body, "{\"status\":\"%s\"}", STATUSES[to]);
			struct fx_resp *r = fx_call(f, &f->admin, "incident.update", id, body, NULL);
			if (allowed(from, to)) {
				if (r->status != 200)
					fail_msg("%s -> %s refused: %s", STATUSES[from], STATUSES[to],
						 r->raw);
				assert_string_equal(fx_str(r->json, "status"), STATUSES[to]);
				assert_int_equal(fx_num(r->json, "version"),
						 fx_num(before, "version") + 1);
				assert_true(cJSON_Compare(get(f, id), r->json, 1));
				assert_int_equal(n_receipts(f), receipts + 1);
				bool resolved = strcmp(STATUSES[to], "resolved") == 0;
				bool closed = strcmp(STATUSES[to], "closed") == 0;
				if (resolved)
					assert_true(cJSON_IsString(fx_at(r->json, "resolved_at")));
				else if (closed) /* closing keeps when it was resolved */
					assert_string_equal(fx_str(r->json, "resolved_at"),
							    fx_str(before, "resolved_at"));
				else
					assert_true(cJSON_IsNull(fx_at(r->json, "resolved_at")));
				tried_ok++;
			} else {
				if (r->status != 409)
					fail_msg("%s -> %s: expected 409, got %d %s", STATUSES[from],
						 STATUSES[to], r->status, r->raw);
				fx_expect_error(r, 409, "invalid_transition", NULL);
				assert_true(cJSON_Compare(get(f, id), before, 1));
				assert_int_equal(n_receipts(f), receipts);
				tried_refused++;
			}
			cJSON_Delete(before);
		}
	}
	assert_int_equal(tried_ok, 7);
	assert_int_equal(tried_refused, 18);
}

static void test_refused_transition_changes_no_other_field(void **state)
{
	struct fx *f = *state;
	cJSON *inc = fx_incident(f, &f->admin, "keep me", "sev2");
	const char *id = fx_str(inc, "id");
	fx_expect_error(fx_call(f, &f->admin, "incident.update", id,
				"{\"status\":\"closed\",\"title\":\"changed\",\"note\":\"n\"}", NULL),
			409, "invalid_transition", NULL);
	cJSON *now = get(f, id);
	assert_string_equal(fx_str(now, "title"), "keep me");
	assert_int_equal(fx_num(now, "version"), 1);
	cJSON *events = timeline(f, id, "50");
	assert_int_equal(cJSON_GetArraySize(events), 1); /* declared only */
	cJSON_Delete(events);
}

/* ---- versions and If-Match ---- */

static void test_versions_and_if_match(void **state)
{
	struct fx *f = *state;
	cJSON *inc = fx_incident(f, &f->admin, "versions", "sev3");
	const char *id = fx_str(inc, "id");
	assert_int_equal(fx_num(inc, "version"), 1);
	assert_string_equal(fx_str(inc, "status"), "declared");

	cJSON *v2 = patch(f, id, "{\"severity\":\"sev2\"}", 200);
	assert_int_equal(fx_num(v2, "version"), 2);
	assert_string_equal(fx_str(v2, "severity"), "sev2");
	/* A field set to what it is changes nothing. */
	assert_int_equal(fx_num(patch(f, id, "{\"severity\":\"sev2\"}", 200), "version"), 2);
	/* Notes change no field. */
	assert_int_equal(fx_num(patch(f, id, "{\"note\":\"looking\"}", 200), "version"), 2);
	fx_expect(fx_call(f, &f->admin, "incident.note", id, "{\"text\":\"still looking\"}", NULL),
		  201);
	assert_int_equal(version(f, id), 2);
	/* Several fields in one PATCH: one version. */
	cJSON *v3 = patch(f, id,
			  "{\"title\":\"versions!\",\"description\":\"d\",\"labels\":[\"db\"],"
			  "\"commander\":null,\"note\":\"n\"}",
			  200);
	assert_int_equal(fx_num(v3, "version"), 3);
	assert_string_equal(fx_str(v3, "title"), "versions!");
	assert_string_equal(fx_str(v3, "description"), "d");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(fx_at(v3, "labels"), 0)), "db");
	/* The commander is an actor of the tenant. */
	char body[160];
	snprintf(body, sizeof body, "{\"commander\":\"%s\"}", f->admin.actor_id);
	cJSON *v4 = patch(f, id, body, 200);
	assert_int_equal(fx_num(v4, "version"), 4);
	assert_string_equal(fx_str(v4, "commander"), f->admin.actor_id);

	/* If-Match: a stale version is refused, changing nothing and leaving no receipt. */
	int receipts = n_receipts(f);
	struct kx_request req = {.op = "incident.update",
				 .who = &f->admin,
				 .id = id,
				 .body = "{\"severity\":\"sev1\"}",
				 .body_len = strlen("{\"severity\":\"sev1\"}"),
				 .if_match = "\"2\""};
	fx_expect_error(fx_request(f, &req), 412, "version_mismatch", NULL);
	req.if_match = "\"five\"";
	fx_expect_error(fx_request(f, &req), 412, "version_mismatch", NULL);
	req.if_match = "\"\"";
	fx_expect_error(fx_request(f, &req), 412, "version_mismatch", NULL);
	assert_int_equal(n_receipts(f), receipts);
	cJSON *still = get(f, id);
	assert_string_equal(fx_str(still, "severity"), "sev2");
	assert_int_equal(fx_num(still, "version"), 4);
	/* The current version passes. */
	req.if_match = "\"4\"";
	cJSON *v5 = fx_expect(fx_request(f, &req), 200);
	assert_int_equal(fx_num(v5, "version"), 5);
	assert_string_equal(fx_str(v5, "severity"), "sev1");
	/* ...once: the same If-Match is now stale. */
	req.body = "{\"severity\":\"sev4\"}";
	fx_expect_error(fx_request(f, &req), 412, "version_mismatch", NULL);
	assert_int_equal(n_receipts(f), receipts + 1);
	/* receipt_id names the last change; updated_at moves with it. */
	assert_string_not_equal(fx_str(v5, "receipt_id"), fx_str(inc, "receipt_id"));
	assert_string_equal(fx_str(v5, "created_at"), fx_str(inc, "created_at"));
}

/* ---- timeline ---- */

static void test_timeline_events_point_at_receipts(void **state)
{
	struct fx *f = *state;
	cJSON *inc = fx_incident(f, &f->admin, "timeline", "sev3");
	const char *id = fx_str(inc, "id");
	fx_incident(f, &f->admin, "another incident", "sev3"); /* its events stay its own */
	set_status(f, id, "triaged");
	patch(f, id, "{\"severity\":\"sev1\",\"title\":\"timeline!\"}", 200);
	cJSON *note = fx_expect(fx_call(f, &f->admin, "incident.note", id,
					"{\"text\":\"a note\"}", NULL),
				201);
	assert_string_equal(fx_str(note, "kind"), "note");
	assert_string_equal(fx_str(note, "incident_id"), id);
	patch(f, id, "{\"note\":\"a patch note\"}", 200);
	set_status(f, id, "resolved");

	static const char *const kinds[] = {"declared", "status_changed", "severity_changed",
					    "updated",  "note",		  "note",
					    "status_changed"};
	static const char *const actions[] = {"incident.create", "incident.update",
					      "incident.update", "incident.update",
					      "incident.note",	 "incident.update",
					      "incident.update"};
	const size_t n = sizeof kinds / sizeof kinds[0];
	cJSON *all = timeline(f, id, "500");
	assert_int_equal(cJSON_GetArraySize(all), n);
	const char *prev_id = "", *prev_at = "";
	for (size_t i = 0; i < n; i++) {
		const cJSON *ev = cJSON_GetArrayItem(all, (int)i);
		assert_string_equal(fx_str(ev, "kind"), kinds[i]);
		assert_string_equal(fx_str(ev, "incident_id"), id);
		assert_string_equal(fx_str(ev, "actor"), f->admin.actor_id);
		assert_true(cJSON_IsObject(fx_at(ev, "data")));
		assert_true(strcmp(fx_str(ev, "id"), prev_id) > 0);
		assert_true(strcmp(fx_str(ev, "at"), prev_at) >= 0);
		prev_id = fx_str(ev, "id");
		prev_at = fx_str(ev, "at");
		/* Each event's receipt exists and records the change. */
		cJSON *rc = fx_expect(fx_call(f, &f->admin, "receipt.get", fx_str(ev, "receipt_id"),
					      NULL, NULL),
				      200);
		assert_string_equal(fx_str(rc, "action"), actions[i]);
		assert_string_equal(fx_str(rc, "resource"), id);
		assert_string_equal(fx_str(rc, "decision.effect"), "allow");
	}
	const cJSON *first = cJSON_GetArrayItem(all, 0);
	assert_string_equal(fx_str(first, "receipt_id"), fx_str(inc, "receipt_id"));
	assert_string_equal(fx_str(first, "data.title"), "timeline");
	const cJSON *changed = cJSON_GetArrayItem(all, 1);
	assert_string_equal(fx_str(changed, "data.from"), "declared");
	assert_string_equal(fx_str(changed, "data.to"), "triaged");
	assert_string_equal(fx_str(cJSON_GetArrayItem(all, 2), "data.to"), "sev1");
	assert_string_equal(fx_str(cJSON_GetArrayItem(all, 4), "data.text"), "a note");
	assert_string_equal(fx_str(cJSON_GetArrayItem(all, 5), "data.text"), "a patch note");
	/* The severity change and the title change were one PATCH: one receipt. */
	assert_string_equal(fx_str(cJSON_GetArrayItem(all, 2), "receipt_id"),
			    fx_str(cJSON_GetArrayItem(all, 3), "receipt_id"));
	assert_string_equal(fx_str(cJSON_GetArrayItem(all, 4), "id"), fx_str(note, "id"));

	/* Any page size gives the same events in the same order. */
	for (int limit = 1; limit <= 8; limit++) {
		char l[16];
		snprintf(l, sizeof l, "%d", limit);
		cJSON *paged = timeline(f, id, l);
		assert_true(cJSON_Compare(paged, all, 1));
		cJSON_Delete(paged);
	}
	cJSON_Delete(all);
	fx_expect_error(fx_get(f, &f->admin, "timeline.list", NULL, NULL), 400, "invalid_query",
			"incident_id");
	fx_expect_error(fx_get(f, &f->admin, "timeline.list", NULL, "incident_id", "inc_nope", NULL),
			404, "not_found", NULL);
	fx_expect_error(fx_get(f, &f->admin, "timeline.list", NULL, "incident_id", id, "cursor",
			       "junk", NULL),
			400, "invalid_query", "cursor");
}

/* ---- list filters and pagination ---- */

static int list_count(struct fx *f, ...)
{
	struct kx_param p[9];
	int n = 0;
	va_list ap;
	va_start(ap, f);
	const char *name;
	while ((name = va_arg(ap, const char *)) && n < 8) {
		p[n].name = name;
		p[n].value = va_arg(ap, const char *);
		n++;
	}
	va_end(ap);
	p[n].name = p[n].value = NULL;
	struct kx_request req = {.op = "incident.list", .who = &f->admin, .query = p};
	cJSON *page = fx_expect(fx_request(f, &req), 200);
	return cJSON_GetArraySize(fx_at(page, "items"));
}

static void test_list_filters(void **state)
{
	struct fx *f = *state;
	const char *a = fx_str(fx_incident(f, &f->admin, "Database outage", "sev1"), "id");
	const char *b = fx_str(fx_incident(f, &f->admin, "API latency", "sev2"), "id");
	const char *c = fx_str(fx_incident(f, &f->admin, "database replica lag", "sev2"), "id");
	const char *d = fx_str(fx_incident(f, &f->admin, "Disk 100% full_", "sev4"), "id");
	fx_incident(f, &f->admin, "Login errors", "sev3");
	set_status(f, b, "triaged");
	set_status(f, c, "resolved");
	set_status(f, d, "triaged");
	set_status(f, d, "mitigating");
	(void)a;

	assert_int_equal(list_count(f, NULL), 5);
	assert_int_equal(list_count(f, "status", "declared", NULL), 2);
	assert_int_equal(list_count(f, "status", "triaged", NULL), 1);
	assert_int_equal(list_count(f, "status", "declared,triaged", NULL), 3);
	assert_int_equal(list_count(f, "status", "triaged,mitigating,resolved", NULL), 3);
	assert_int_equal(list_count(f, "status", "closed", NULL), 0);
	assert_int_equal(list_count(f, "severity", "sev2", NULL), 2);
	assert_int_equal(list_count(f, "severity", "sev1", NULL), 1);
	assert_int_equal(list_count(f, "severity", "sev2", "status", "resolved", NULL), 1);
	assert_int_equal(list_count(f, "q", "database", NULL), 2);
	assert_int_equal(list_count(f, "q", "DATABASE", NULL), 2);
	assert_int_equal(list_count(f, "q", "dAtAbAsE OUT", NULL), 1);
	assert_int_equal(list_count(f, "q", "latency", "severity", "sev1", NULL), 0);
	/* q is a plain substring: LIKE's wildcards mean themselves. */
	assert_int_equal(list_count(f, "q", "100%", NULL), 1);
	assert_int_equal(list_count(f, "q", "%", NULL), 1);
	assert_int_equal(list_count(f, "q", "_", NULL), 1);
	assert_int_equal(list_count(f, "q", "nothing like it", NULL), 0);
	/* No title is longer than 200 characters: a longer q is refused, not ignored. */
	char long_q[210];
	memset(long_q, 'a', 201);
	long_q[201] = 0;
	fx_expect_error(fx_get(f, &f->admin, "incident.list", NULL, "q", long_q, NULL), 400,
			"invalid_query", "q");

	/* What each filter returns is what it says. */
	cJSON *page = fx_expect(fx_get(f, &f->admin, "incident.list", NULL, "status",
				       "declared,mitigating", NULL),
				200);
	const cJSON *it;
	cJSON_ArrayForEach(it, fx_at(page, "items"))
	{
		const char *s = fx_str(it, "status");
		assert_true(strcmp(s, "declared") == 0 || strcmp(s, "mitigating") == 0);
		assert_string_equal(fx_str(it, "tenant_id"), "default");
	}

	fx_expect_error(fx_get(f, &f->admin, "incident.list", NULL, "status", "open", NULL), 400,
			"invalid_query", "status");
	fx_expect_error(fx_get(f, &f->admin, "incident.list", NULL, "severity", "sev9", NULL), 400,
			"invalid_query", "severity");
	fx_expect_error(fx_get(f, &f->admin, "incident.list", NULL, "limit", "0", NULL), 400,
			"invalid_query", "limit");
	fx_expect_error(fx_get(f, &f->admin, "incident.list", NULL, "limit", "501", NULL), 400,
			"invalid_query", "limit");
	fx_expect_error(fx_get(f, &f->admin, "incident.list", NULL, "limit", "ten", NULL), 400,
			"invalid_query", "limit");
	fx_expect_error(fx_get(f, &f->admin, "incident.list", NULL, "cursor", "nope", NULL), 400,
			"invalid_query", "cursor");
	assert_int_equal(list_count(f, "limit", "500", NULL), 5);
}

/* Pages of `limit` until next_cursor is null; after each page `between` new incidents are
 * declared. Returns the ids seen, in order (caller frees). */
static cJSON *page_through(struct fx *f, const char *limit, int between)
{
	cJSON *seen = cJSON_CreateArray();
	char cursor[64] = "";
	for (int pages = 0; pages < 200; pages++) {
		struct fx_resp *r = cursor[0] ? fx_get(f, &f->admin, "incident.list", NULL, "limit",
						       limit, "cursor", cursor, NULL)
					      : fx_get(f, &f->admin, "incident.list", NULL, "limit",
						       limit, NULL);
		cJSON *page = fx_expect(r, 200);
		assert_true(cJSON_GetArraySize(fx_at(page, "items")) <= atoi(limit));
		const cJSON *it;
		cJSON_ArrayForEach(it, fx_at(page, "items"))
			cJSON_AddItemToArray(seen, cJSON_CreateString(fx_str(it, "id")));
		for (int i = 0; i < between; i++)
			fx_incident(f, &f->admin, "arrived meanwhile", "sev4");
		const char *next = cJSON_GetStringValue(fx_at(page, "next_cursor"));
		if (!next)
			return seen;
		snprintf(cursor, sizeof cursor, "%s", next);
	}
	cJSON_Delete(seen);
	fail_msg("the list never ended");
	return NULL;
}

static int index_of(const cJSON *ids, const char *id)
{
	int i = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, ids)
	{
		if (strcmp(it->valuestring, id) == 0)
			return i;
		i++;
	}
	return -1;
}

/* Each id of `expected` appears exactly once in `seen`, nothing appears twice, and `seen` is
 * newest first. */
static void expect_each_once(const cJSON *seen, const cJSON *expected)
{
	int n = cJSON_GetArraySize(seen);
	for (int i = 0; i < n; i++) {
		const char *id = cJSON_GetArrayItem(seen, i)->valuestring;
		assert_int_equal(index_of(seen, id), i);
		if (i > 0)
			assert_true(strcmp(cJSON_GetArrayItem(seen, i - 1)->valuestring, id) > 0);
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, expected)
		if (index_of(seen, it->valuestring) < 0)
			fail_msg("%s was never listed", it->valuestring);
}

static void test_list_pagination(void **state)
{
	struct fx *f = *state;
	cJSON *made = cJSON_CreateArray();
	for (int i = 0; i < 23; i++)
		cJSON_AddItemToArray(made, cJSON_CreateString(fx_str(
						   fx_incident(f, &f->admin, "paged", "sev3"), "id")));
	/* The default page is 50: one page, newest first. */
	cJSON *first = fx_expect(fx_call(f, &f->admin, "incident.list", NULL, NULL, NULL), 200);
	assert_int_equal(cJSON_GetArraySize(fx_at(first, "items")), 23);
	assert_true(cJSON_IsNull(fx_at(first, "next_cursor")));
	assert_string_equal(fx_str(cJSON_GetArrayItem(fx_at(first, "items"), 0), "id"),
			    cJSON_GetArrayItem(made, 22)->valuestring);

	static const char *const limits[] = {"1", "2", "5", "7", "22", "23", "24"};
	for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
		cJSON *seen = page_through(f, limits[l], 0);
		assert_int_equal(cJSON_GetArraySize(seen), 23);
		expect_each_once(seen, made);
		cJSON_Delete(seen);
	}
	cJSON_Delete(made);
}

static void test_list_pagination_while_incidents_arrive(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 23; i++)
		fx_incident(f, &f->admin, "before", "sev3");
	cJSON *existing = fx_incidents(f, &f->admin);
	cJSON *made = cJSON_CreateArray();
	const cJSON *it;
	cJSON_ArrayForEach(it, existing)
		cJSON_AddItemToArray(made, cJSON_CreateString(fx_str(it, "id")));
	cJSON_Delete(existing);
	assert_int_equal(cJSON_GetArraySize(made), 23);

	static const char *const limits[] = {"1", "4", "5", "10"};
	for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
		cJSON *seen = page_through(f, limits[l], 2);
		/* Newcomers sort before the cursor, so none of them appear. */
		cJSON *all_before = cJSON_Duplicate(made, 1);
		expect_each_once(seen, all_before);
		assert_int_equal(cJSON_GetArraySize(seen), cJSON_GetArraySize(made));
		cJSON_Delete(all_before);
		cJSON_Delete(seen);
		/* The next round starts from everything that exists now. */
		cJSON *now = fx_incidents(f, &f->admin);
		cJSON_Delete(made);
		made = cJSON_CreateArray();
		cJSON_ArrayForEach(it, now)
			cJSON_AddItemToArray(made, cJSON_CreateString(fx_str(it, "id")));
		cJSON_Delete(now);
	}
	cJSON_Delete(made);
}

/* ---- tenant isolation ---- */

static void test_other_tenant_sees_nothing(void **state)
{
	struct fx *f = *state;
	cJSON *inc = fx_incident(f, &f->admin, "ours", "sev1");
	const char *id = fx_str(inc, "id");
	fx_expect(fx_call(f, &f->admin, "tenant.create", NULL, "{\"id\":\"other\",\"name\":\"Other\"}",
			  NULL),
		  201);
	struct kx_principal them;
	fx_actor(f, "other", "o", "[\"tenant-admin\"]", &them);
	assert_string_equal(them.tenant_id, "other");

	int receipts_default = n_receipts(f);
	fx_expect_error(fx_call(f, &them, "incident.get", id, NULL, NULL), 404, "not_found", NULL);
	struct fx_resp *missing = fx_call(f, &them, "incident.get", "inc_00000000000000000000000000",
					  NULL, NULL);
	fx_expect_error(missing, 404, "not_found", NULL);
	fx_expect_error(fx_call(f, &them, "incident.update", id, "{\"severity\":\"sev4\"}", NULL), 404,
			"not_found", NULL);
	fx_expect_error(fx_call(f, &them, "incident.update", id, "{\"status\":\"triaged\"}", NULL),
			404, "not_found", NULL);
	fx_expect_error(fx_call(f, &them, "incident.note", id, "{\"text\":\"x\"}", NULL), 404,
			"not_found", NULL);
	fx_expect_error(fx_get(f, &them, "timeline.list", NULL, "incident_id", id, NULL), 404,
			"not_found", NULL);
	fx_expect_error(fx_call(f, &them, "receipt.get", fx_str(inc, "receipt_id"), NULL, NULL), 404,
			"not_found", NULL);
	cJSON *theirs = fx_incidents(f, &them);
	assert_int_equal(cJSON_GetArraySize(theirs), 0);
	cJSON_Delete(theirs);
	/* Their own incident is theirs alone, and ours is untouched. */
	cJSON *own = fx_incident(f, &them, "theirs", "sev2");
	assert_string_equal(fx_str(own, "tenant_id"), "other");
	fx_expect_error(fx_call(f, &f->admin, "incident.get", fx_str(own, "id"), NULL, NULL), 404,
			"not_found", NULL);
	cJSON *ours = fx_incidents(f, &f->admin);
	assert_int_equal(cJSON_GetArraySize(ours), 1);
	assert_true(cJSON_Compare(cJSON_GetArrayItem(ours, 0), get(f, id), 1));
	cJSON_Delete(ours);
	assert_int_equal(fx_num(get(f, id), "version"), 1);
	assert_int_equal(n_receipts(f), receipts_default);
	/* The body cannot move an incident into another tenant. */
	fx_expect_error(fx_call(f, &them, "incident.create", NULL,
				"{\"title\":\"x\",\"severity\":\"sev1\",\"tenant_id\":\"default\"}",
				NULL),
			400, "invalid_field", "tenant_id");
}

/* ---- validation ---- */

static void test_validation(void **state)
{
	struct fx *f = *state;
	char long_title[260], body[400];
	memset(long_title, 'x', 201);
	long_title[201] = 0;
	static const struct {
		const char *body, *field;
	} bad[] = {
		{"{\"severity\":\"sev1\"}", "title"},
		{"{\"title\":\"\",\"severity\":\"sev1\"}", "title"},
		{"{\"title\":null,\"severity\":\"sev1\"}", "title"},
		{"{\"title\":42,\"severity\":\"sev1\"}", "title"},
		{"{\"title\":\"t\"}", "severity"},
		{"{\"title\":\"t\",\"severity\":\"sev5\"}", "severity"},
		{"{\"title\":\"t\",\"severity\":\"SEV1\"}", "severity"},
		{"{\"title\":\"t\",\"severity\":1}", "severity"},
		{"{\"title\":\"t\",\"severity\":\"sev1\",\"labels\":\"db\"}", "labels"},
		{"{\"title\":\"t\",\"severity\":\"sev1\",\"labels\":[\"\"]}", "labels[0]"},
		{"{\"title\":\"t\",\"severity\":\"sev1\",\"labels\":[\"a\",3]}", "labels[1]"},
		{"{\"title\":\"t\",\"severity\":\"sev1\",\"commander\":\"act_nobody\"}", "commander"},
		{"{\"title\":\"t\",\"severity\":\"sev1\",\"description\":[]}", "description"},
		{"{\"title\":\"t\",\"severity\":\"sev1\",\"status\":\"closed\"}", "status"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct fx_resp *r = fx_call(f, &f->admin, "incident.create", NULL, bad[i].body, NULL);
		if (r->status != 400)
			fail_msg("%s: %d %s", bad[i].body, r->status, r->raw);
		fx_expect_error(r, 400, "invalid_field", bad[i].field);
	}
	snprintf(body, sizeof body, "{\"title\":\"%s\",\"severity\":\"sev1\"}", long_title);
	fx_expect_error(fx_call(f, &f->admin, "incident.create", NULL, body, NULL), 400,
			"invalid_field", "title");
	cJSON *none = fx_incidents(f, &f->admin);
	assert_int_equal(cJSON_GetArraySize(none), 0);
	cJSON_Delete(none);

	/* 200 characters is the limit, not past it. */
	long_title[200] = 0;
	snprintf(body, sizeof body, "{\"title\":\"%s\",\"severity\":\"sev1\"}", long_title);
	cJSON *inc = fx_expect(fx_call(f, &f->admin, "incident.create", NULL, body, NULL), 201);
	assert_string_equal(fx_str(inc, "title"), long_title);
	const char *id = fx_str(inc, "id");
	/* The full shape of API.md. */
	assert_string_equal(fx_str(inc, "tenant_id"), "default");
	assert_string_equal(fx_str(inc, "description"), "");
	assert_true(cJSON_IsNull(fx_at(inc, "commander")));
	assert_true(cJSON_IsNull(fx_at(inc, "region")));
	assert_true(cJSON_IsArray(fx_at(inc, "labels")));
	assert_true(cJSON_IsString(fx_at(inc, "created_at")));
	assert_string_equal(fx_str(inc, "updated_at"), fx_str(inc, "created_at"));
	assert_true(cJSON_IsNull(fx_at(inc, "resolved_at")));
	assert_true(cJSON_IsString(fx_at(inc, "receipt_id")));
	assert_true(cJSON_Compare(inc, get(f, id), 1));

	/* Updates validate too, and change nothing when they refuse. */
	static const struct {
		const char *body, *field;
	} bad_patch[] = {
		{"{\"status\":\"open\"}", "status"},
		{"{\"severity\":\"sev0\"}", "severity"},
		{"{\"title\":\"\"}", "title"},
		{"{\"note\":\"\"}", "note"},
		{"{\"labels\":[\"\"]}", "labels[0]"},
		{"{\"commander\":\"act_nobody\"}", "commander"},
		{"{\"region\":\"eu\"}", "region"},
		{"{\"version\":7}", "version"},
	};
	for (size_t i = 0; i < sizeof bad_patch / sizeof bad_patch[0]; i++) {
		struct fx_resp *r = fx_call(f, &f->admin, "incident.update", id, bad_patch[i].body,
					    NULL);
		if (r->status != 400)
			fail_msg("%s: %d %s", bad_patch[i].body, r->status, r->raw);
		fx_expect_error(r, 400, "invalid_field", bad_patch[i].field);
	}
	snprintf(body, sizeof body, "{\"title\":\"%sy\"}", long_title);
	fx_expect_error(fx_call(f, &f->admin, "incident.update", id, body, NULL), 400,
			"invalid_field", "title");
	fx_expect_error(fx_call(f, &f->admin, "incident.update", id, "{}", NULL), 400,
			"invalid_field", NULL);
	fx_expect_error(fx_call(f, &f->admin, "incident.note", id, "{}", NULL), 400, "invalid_field",
			"text");
	fx_expect_error(fx_call(f, &f->admin, "incident.update", "inc_nope", "{\"title\":\"t\"}",
				NULL),
			404, "not_found", NULL);
	fx_expect_error(fx_call(f, &f->admin, "incident.get", "inc_nope", NULL, NULL), 404,
			"not_found", NULL);
	assert_true(cJSON_Compare(inc, get(f, id), 1));
	/* Optional members are kept as given. */
	cJSON *full = fx_expect(
		fx_call(f, &f->admin, "incident.create", NULL,
			"{\"title\":\"t\",\"severity\":\"sev4\",\"description\":\"d\","
			"\"region\":\"eu-west\",\"labels\":[\"a\",\"b\"]}",
			NULL),
		201);
	assert_string_equal(fx_str(full, "region"), "eu-west");
	assert_int_equal(cJSON_GetArraySize(fx_at(full, "labels")), 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_every_transition),
		T(test_refused_transition_changes_no_other_field),
		T(test_versions_and_if_match),
		T(test_timeline_events_point_at_receipts),
		T(test_list_filters),
		T(test_list_pagination),
		T(test_list_pagination_while_incidents_arrive),
		T(test_other_tenant_sees_nothing),
		T(test_validation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
