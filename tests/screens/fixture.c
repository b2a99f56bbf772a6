/* Builds the screen tests' fixture store: the same incidents, timelines and times on every
 * run (a fake clock that stands still during a call and moves 37 s between calls, from
 * 2025-03-14 09:00 UTC, however often the core reads it). Ids keep a random part, which the
 * harness masks; everything else on the screens is deterministic.
 * usage: screens_fixture DB */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "klaxon.h"

static int64_t fake_ms = 1741942800000LL; /* 2025-03-14T09:00:00Z */

static int64_t fake_clock(void *ctx)
{
	(void)ctx;
	return fake_ms;
}

static struct kx_core *core;
static struct kx_principal admin;

/* One call; exits on a failure (a fixture that half-built would mislead every test). */
static cJSON *call(const char *op, const char *id, const char *body)
{
	struct kx_request req = {.op = op, .who = &admin, .id = id, .body = body,
				 .body_len = body ? strlen(body) : 0};
	struct kx_response resp;
	fake_ms += 37000;
	kx_call(core, &req, &resp);
	if (resp.status < 200 || resp.status > 299) {
		fprintf(stderr, "fixture: %s %s: %d %s\n", op, id ? id : "", resp.status, resp.body);
		exit(1);
	}
	cJSON *o = cJSON_Parse(resp.body);
	kx_response_free(&resp);
	return o;
}

static void id_of(cJSON *o, char out[KX_ID_MAX])
{
	snprintf(out, KX_ID_MAX, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(o, "id")));
	cJSON_Delete(o);
}

static void declare(char id[KX_ID_MAX], const char *title, const char *sev, const char *extra)
{
	char body[1024];
	snprintf(body, sizeof body, "{\"title\":\"%s\",\"severity\":\"%s\"%s}", title, sev,
		 extra ? extra : "");
	id_of(call("incident.create", NULL, body), id);
}

static void update(const char *id, const char *body)
{
	cJSON_Delete(call("incident.update", id, body));
}

static void note(const char *id, const char *text)
{
	char body[512];
	snprintf(body, sizeof body, "{\"text\":\"%s\"}", text);
	cJSON_Delete(call("incident.note", id, body));
}

static void actor(const char *name, const char *role, char id[KX_ID_MAX])
{
	char body[256];
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"roles\":[\"%s\"]}", name, role);
	cJSON *o = call("actor.create", "default", body);
	snprintf(id, KX_ID_MAX, "%s",
		 cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "actor"), "id")));
	cJSON_Delete(o);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: screens_fixture DB\n");
		return 2;
	}
	kx_clock_set(fake_clock, NULL);
	struct kx_core_options opt = {.db_path = argv[1], .embedded = true, .synchronous_normal = true};
	struct kx_init_result init;
	struct kx_error err = {0};
	if (kx_core_init(&opt, &init, &err)) {
		fprintf(stderr, "fixture: %s\n", err.message);
		return 1;
	}
	kx_init_result_wipe(&init);
	core = kx_core_open(&opt, &err);
	if (!core || kx_auth_local(core, "default", "admin", &admin, &err)) {
		fprintf(stderr, "fixture: %s\n", err.message);
		return 1;
	}
	char alice[KX_ID_MAX], bob[KX_ID_MAX], a[KX_ID_MAX], b[KX_ID_MAX], c[KX_ID_MAX];
	char d[KX_ID_MAX], e[KX_ID_MAX], f[KX_ID_MAX], g[KX_ID_MAX], h[KX_ID_MAX], body[256];
	actor("alice", "responder", alice);
	actor("bob", "commander", bob);
	declare(a, "Checkout API 5xx above 2%", "sev1",
		",\"region\":\"eu-west-1\",\"labels\":[\"payments\",\"api\"],"
		"\"description\":\"Error rate on POST /checkout rose at 08:58\"");
	update(a, "{\"status\":\"triaged\",\"note\":\"error rate tracks the 08:55 deploy\"}");
	snprintf(body, sizeof body, "{\"commander\":\"%s\"}", alice);
	update(a, body);
	update(a, "{\"status\":\"mitigating\",\"note\":\"rolled back to v412\"}");
	for (int i = 1; i <= 24; i++) {
		char text[128];
		snprintf(text, sizeof text, "5xx rate %d.%d%% and falling (check %d of 24)", 24 - i,
			 i % 10, i);
		note(a, text);
	}
	declare(b, "Replica lag on orders-db", "sev2", ",\"labels\":[\"database\"]");
	update(b, "{\"status\":\"triaged\"}");
	snprintf(body, sizeof body, "{\"commander\":\"%s\"}", bob);
	update(b, body);
	declare(c, "Nightly export late", "sev4", NULL);
	declare(d, "Login latency p99 over 800 ms", "sev3", ",\"region\":\"us-east-1\"");
	declare(e, "Certificate expiry warnings on edge", "sev3", NULL);
	update(e, "{\"status\":\"triaged\"}");
	update(e, "{\"status\":\"resolved\",\"note\":\"renewed; alert was early\"}");
	declare(f, "Payment webhook retries", "sev2", NULL);
	update(f, "{\"status\":\"resolved\"}");
	update(f, "{\"status\":\"closed\"}");
	declare(g, "CDN cache hit ratio dropped", "sev3", ",\"region\":\"ap-northeast-1\"");
	update(g, "{\"status\":\"triaged\"}");
	update(g, "{\"severity\":\"sev2\"}");
	update(g, "{\"status\":\"mitigating\"}");
	declare(h, "Lagerbestand-Sync fällt aus — 東京 warehouse", "sev4", NULL);
	kx_core_close(core);
	return 0;
}
