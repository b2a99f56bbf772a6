/* Builds the screen tests' fixture store: the same incidents, timelines and times on every
 * run (a fake clock that stands still during a call and moves 37 s between calls, from
 * 2025-03-14 09:00 UTC, however often the core reads it). Ids keep a random part, which the
 * harness masks; everything else on the screens is deterministic.
 * usage: screens_fixture DB */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include "clock.h"
#include "klaxon.h"
#include "minisign.h"
#include "store.h"

static int64_t fake_ms = 1741942800000LL; /* 2025-03-14T09:00:00Z */

static int64_t step_ms = 37000; /* the clock's move per call */

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
	fake_ms += step_ms;
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

/* ---- runbooks: published, verified and not, runs in every state, pending approvals ---- */

static struct kx_principal carol, dana, erin;

/* Like call(), as someone, with a step id. */
static cJSON *call_as(const struct kx_principal *who, const char *op, const char *id,
		      const char *sub_id, const char *body)
{
	struct kx_request req = {.op = op, .who = who, .id = id, .sub_id = sub_id, .body = body,
				 .body_len = body ? strlen(body) : 0};
	struct kx_response resp;
	fake_ms += step_ms;
	kx_call(core, &req, &resp);
	if (resp.status < 200 || resp.status > 299) {
		fprintf(stderr, "fixture: %s %s: %d %s\n", op, id ? id : "", resp.status, resp.body);
		exit(1);
	}
	cJSON *o = cJSON_Parse(resp.body);
	kx_response_free(&resp);
	return o;
}

static char *json_body(cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* A key pair from a fixed seed, so that key ids on the screens are the same on every run. */
static void fixed_key(uint8_t seed_byte, struct minisign_pubkey *pub, struct minisign_seckey *sec)
{
	uint8_t seed[crypto_sign_SEEDBYTES];
	memset(seed, seed_byte, sizeof seed);
	crypto_sign_seed_keypair(pub->pk, sec->sk, seed);
	for (int i = 0; i < MINISIGN_KEYID_LEN; i++)
		sec->key_id[i] = (uint8_t)(seed_byte * 16 + i);
	memcpy(pub->key_id, sec->key_id, sizeof pub->key_id);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t n = strlen(text);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n || close(fd)) {
		fprintf(stderr, "fixture: cannot write %s\n", path);
		exit(1);
	}
}

static void key_actor(const char *name, const char *role, const struct minisign_pubkey *pub,
		      struct kx_principal *who)
{
	char *line = minisign_pubkey_base64(pub);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddItemToObject(o, "roles", cJSON_CreateStringArray(&role, 1));
	cJSON_AddStringToObject(o, "public_key", line);
	free(line);
	char *body = json_body(o);
	cJSON_Delete(call_as(&admin, "actor.create", "default", NULL, body));
	free(body);
	struct kx_error err = {0};
	if (kx_auth_local(core, "default", name, who, &err)) {
		fprintf(stderr, "fixture: %s\n", err.message);
		exit(1);
	}
}

static void trust_key(const struct minisign_pubkey *pub, const char *name)
{
	char *line = minisign_pubkey_base64(pub);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "public_key", line);
	free(line);
	char *body = json_body(o);
	cJSON_Delete(call_as(&admin, "signing_key.add", "default", NULL, body));
	free(body);
}

static void publish(const struct minisign_seckey *sec, const char *doc)
{
	char *sig = minisign_sign(sec, doc, strlen(doc), "fixture");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "document", doc);
	cJSON_AddStringToObject(o, "signature", sig);
	free(sig);
	char *body = json_body(o);
	cJSON_Delete(call_as(&admin, "runbook.publish", NULL, NULL, body));
	free(body);
}

static void launch(char id[KX_ID_MAX], const char *runbook, const char *incident)
{
	char body[256];
	snprintf(body, sizeof body, incident ? "{\"incident_id\":\"%s\"}" : "{}", incident);
	id_of(call_as(&carol, "runbook.launch", runbook, NULL, body), id);
}

static void execute(const char *run, const char *step, const char *body)
{
	cJSON_Delete(call_as(&carol, "step.execute", run, step, body));
}

/* A statement signed as the approver's console would, dated by the fixture's clock. */
static void approve(const struct kx_principal *who, const struct minisign_seckey *key,
		    const char *run, const char *step)
{
	cJSON *e = call_as(&admin, "execution.get", run, NULL, NULL);
	char at[KX_TIME_LEN], nonce[64];
	kx_time_format(fake_ms, at);
	snprintf(nonce, sizeof nonce, "fixture-%s-%s", run, step);
	cJSON *st = cJSON_CreateObject();
	cJSON_AddStringToObject(st, "execution_id", run);
	cJSON_AddStringToObject(st, "step_id", step);
	cJSON_AddStringToObject(st, "runbook_digest",
				cJSON_GetStringValue(cJSON_GetObjectItem(e, "runbook_digest")));
	cJSON_AddStringToObject(st, "approver", who->actor_id);
	cJSON_AddStringToObject(st, "decision", "approve");
	cJSON_AddStringToObject(st, "nonce", nonce);
	cJSON_AddStringToObject(st, "at", at);
	cJSON_Delete(e);
	char *statement = json_body(st);
	char *sig = minisign_sign(key, statement, strlen(statement), "fixture");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "statement", statement);
	cJSON_AddStringToObject(o, "signature", sig);
	free(statement);
	free(sig);
	char *body = json_body(o);
	cJSON_Delete(call_as(who, "step.approve", run, step, body));
	free(body);
}

static const char rb_cache[] =
	"{\"id\":\"cache-flush\",\"name\":\"Flush the edge cache\",\"risk\":\"low\","
	"\"tags\":[\"cdn\",\"cache\"],\"steps\":["
	"{\"id\":\"announce\",\"title\":\"Tell #ops\",\"kind\":\"manual\","
	"\"rollback\":{\"kind\":\"manual\"}},"
	"{\"id\":\"flush\",\"title\":\"Flush the cache\",\"kind\":\"command\","
	"\"argv\":[\"sh\",\"-c\",\"echo flushing edge; echo 3 keys flushed\"],\"timeout_s\":30,"
	"\"rollback\":{\"kind\":\"command\",\"argv\":[\"sh\",\"-c\",\"echo cache warmed\"]}}]}";
static const char rb_restart[] =
	"{\"id\":\"restart-api\",\"name\":\"Restart the API pods\",\"risk\":\"medium\","
	"\"tags\":[\"api\"],\"steps\":["
	"{\"id\":\"drain\",\"title\":\"Drain the pods\",\"kind\":\"command\","
	"\"argv\":[\"sh\",\"-c\",\"echo draining api-1; echo api-2 refused >&2; exit 3\"],"
	"\"timeout_s\":60},"
	"{\"id\":\"restart\",\"title\":\"Restart\",\"kind\":\"command\",\"argv\":[\"true\"]}]}";
static const char rb_failover[] =
	"{\"id\":\"db-failover\",\"name\":\"Fail over orders-db\",\"risk\":\"critical\","
	"\"tags\":[\"database\",\"failover\"],\"steps\":["
	"{\"id\":\"gate\",\"title\":\"Two approvers\",\"kind\":\"approval\","
	"\"approvals\":{\"count\":2,\"roles\":[\"approver\"]}},"
	"{\"id\":\"promote\",\"title\":\"Promote the replica\",\"kind\":\"command\","
	"\"argv\":[\"sh\",\"-c\",\"echo promoted replica-2\"],\"timeout_s\":120,"
	"\"rollback\":{\"kind\":\"command\",\"argv\":[\"sh\",\"-c\",\"echo demoted\"]}},"
	"{\"id\":\"announce\",\"title\":\"Post the status page\",\"kind\":\"manual\"}]}";
static const char rb_legacy[] =
	"{\"id\":\"legacy-cleanup\",\"name\":\"Remove old snapshots\",\"risk\":\"low\","
	"\"tags\":[],\"steps\":[{\"id\":\"clean\",\"title\":\"Clean\",\"kind\":\"manual\"}]}";

/* Keys, actors, four runbooks (one signed by a key revoked since) and runs that succeeded,
 * failed, were aborted, rolled back, wait for approvals (none and one of two) and have just
 * started. dana's secret key and a config naming it are left beside the store. */
static void runbooks_fixture(const char *db, const char *incident_c, const char *incident_d)
{
	struct minisign_pubkey ci_pub, old_pub, dana_pub, erin_pub, carol_pub;
	struct minisign_seckey ci, old, dana_sec, erin_sec, carol_sec;
	char path[1100], run[KX_ID_MAX];
	step_ms = 5000; /* these calls are many: they must stay before the harness's "now" */
	fixed_key(1, &ci_pub, &ci);
	fixed_key(2, &old_pub, &old);
	fixed_key(3, &dana_pub, &dana_sec);
	fixed_key(4, &erin_pub, &erin_sec);
	fixed_key(5, &carol_pub, &carol_sec);
	key_actor("carol", "responder", &carol_pub, &carol);
	key_actor("dana", "approver", &dana_pub, &dana);
	key_actor("erin", "approver", &erin_pub, &erin);
	char *sk = minisign_seckey_format(&dana_sec);
	snprintf(path, sizeof path, "%s.dana.key", db);
	write_file(path, sk, 0600);
	free(sk);
	snprintf(path, sizeof path, "%s.config", db);
	write_file(path, "# the screen tests' approver: dana\napproval_key = fixture.db.dana.key\n",
		   0644);
	sk = minisign_seckey_format(&carol_sec);
	snprintf(path, sizeof path, "%s.carol.key", db);
	write_file(path, sk, 0600);
	free(sk);
	snprintf(path, sizeof path, "%s.carol.config", db);
	write_file(path, "approval_key = fixture.db.carol.key\n", 0644);
	trust_key(&ci_pub, "ci");
	trust_key(&old_pub, "old laptop");
	publish(&ci, rb_cache);
	publish(&ci, rb_restart);
	publish(&ci, rb_failover);
	publish(&old, rb_legacy);
	char hex[17];
	minisign_key_id_hex(old_pub.key_id, hex);
	cJSON_Delete(call_as(&admin, "signing_key.revoke", "default", hex, NULL));
	launch(run, "cache-flush", incident_c); /* succeeded */
	execute(run, "announce", "{\"note\":\"posted in #ops\"}");
	execute(run, "flush", "{\"wait_s\":30}");
	launch(run, "restart-api", NULL); /* failed */
	execute(run, "drain", "{\"wait_s\":30}");
	launch(run, "cache-flush", NULL); /* aborted */
	execute(run, "announce", "{}");
	cJSON_Delete(call_as(&carol, "execution.abort", run, NULL, "{\"reason\":\"wrong region\"}"));
	launch(run, "cache-flush", NULL); /* rolled back */
	execute(run, "announce", "{}");
	execute(run, "flush", "{\"wait_s\":30}");
	cJSON_Delete(call_as(&admin, "execution.rollback", run, NULL,
			     "{\"reason\":\"hit ratio fell\",\"wait_s\":30}"));
	launch(run, "db-failover", incident_d); /* one of two approvals */
	approve(&erin, &erin_sec, run, "gate");
	launch(run, "db-failover", NULL); /* none yet */
	launch(run, "cache-flush", incident_d); /* just started */
	minisign_seckey_wipe(&ci);
	minisign_seckey_wipe(&old);
	minisign_seckey_wipe(&dana_sec);
	minisign_seckey_wipe(&erin_sec);
	minisign_seckey_wipe(&carol_sec);
}

/* ---- tenancy, policy and evidence (issues 6 and 7) ---- */

/* Like call(), as someone, answering whatever status was expected (a denial, too). */
static cJSON *call_expect(const struct kx_principal *who, const char *op, const char *id,
			  const char *sub_id, const char *body, const char *override, int status)
{
	struct kx_request req = {.op = op, .who = who, .id = id, .sub_id = sub_id, .body = body,
				 .body_len = body ? strlen(body) : 0, .override = override};
	struct kx_response resp;
	fake_ms += step_ms;
	kx_call(core, &req, &resp);
	if (resp.status != status) {
		fprintf(stderr, "fixture: %s %s: %d (not %d) %s\n", op, id ? id : "", resp.status,
			status, resp.body);
		exit(1);
	}
	cJSON *o = cJSON_Parse(resp.body);
	kx_response_free(&resp);
	return o;
}

#define SEV1_RULE                                                                            \
	"{\"id\":\"no-sev1-from-console\",\"effect\":\"forbid\",\"actions\":[\"incident.create\"]," \
	"\"when\":{\"resource.severity\":{\"eq\":\"sev1\"}}}"
#define REVIEW_RULE                                                                          \
	"{\"id\":\"catalog-review\",\"effect\":\"forbid\",\"actions\":[\"roles.set\"]}"
#define FROZEN_RULE                                                                          \
	"{\"id\":\"redaction-frozen\",\"effect\":\"forbid\",\"actions\":[\"redaction.set\"]," \
	"\"overridable\":false}"
#define CATALOG                                                                              \
	"{\"roles\":{\"viewer\":[\"*.get\",\"*.list\"],\"responder\":[\"*.get\",\"*.list\"," \
	"\"incident.*\",\"runbook.launch\",\"step.execute\",\"execution.abort\"],"          \
	"\"commander\":[\"*.get\",\"*.list\",\"incident.*\",\"runbook.launch\",\"step.execute\"," \
	"\"execution.abort\",\"execution.rollback\"],\"approver\":[\"*.get\",\"*.list\","   \
	"\"step.approve\"],\"runbook-author\":[\"*.get\",\"*.list\",\"runbook.publish\"],"    \
	"\"auditor\":[\"*.get\",\"*.list\",\"evidence.*\",\"receipt.*\",\"usage.report\","  \
	"\"policy.simulate\"],\"tenant-admin\":[\"*\"],\"on-call-lead\":[\"*.get\","          \
	"\"*.list\",\"incident.*\",\"policy.override\"]}}"

/* Tenants of every kind and status, a profile in two versions with forbid rules, a denial,
 * and governed exceptions: an open one in the child tenant (the default tenant's is
 * acknowledged, so no banner stands over the other screens' goldens, and it passed a rule on
 * the role catalog, so no incident appears on the board). Its own clock from 09:36:40,
 * whatever ran before. */
static void tenancy_fixture(void)
{
	struct kx_principal bb;
	struct kx_error err = {0};
	int64_t saved_step = step_ms;
	if (fake_ms < 1741945000000LL)
		fake_ms = 1741945000000LL; /* 2025-03-14T09:36:40Z */
	step_ms = 12000;
	cJSON_Delete(call_expect(&admin, "tenant.create", NULL,
				 NULL, "{\"id\":\"northwind\",\"name\":\"Northwind Partners\","
				 "\"region\":\"eu-west-1\",\"kind\":\"partner\"}", NULL, 201));
	cJSON_Delete(call_expect(&admin, "tenant.create", NULL, NULL,
				 "{\"id\":\"bluebird\",\"name\":\"Bluebird Retail\",\"region\":"
				 "\"eu-west-1\",\"partner_id\":\"northwind\"}", NULL, 201));
	cJSON_Delete(call_expect(&admin, "tenant.create", NULL, NULL,
				 "{\"id\":\"harbor\",\"name\":\"Harbor Freight Co\",\"region\":"
				 "\"us-east-1\"}", NULL, 201));
	cJSON_Delete(call_expect(&admin, "tenant.update", "harbor", NULL,
				 "{\"status\":\"suspended\"}", NULL, 200));
	cJSON_Delete(call_expect(&admin, "policy_profile.set", "default", NULL,
				 "{\"name\":\"baseline\",\"rules\":[" SEV1_RULE "]}", NULL, 201));
	cJSON_Delete(call_expect(&admin, "policy_profile.set", "default", NULL,
				 "{\"name\":\"baseline\",\"rules\":[" SEV1_RULE "," REVIEW_RULE ","
				 FROZEN_RULE "]}", NULL, 201));
	const char *sev1 = "{\"title\":\"Payments down in every region\",\"severity\":\"sev1\"}";
	cJSON_Delete(call_expect(&admin, "incident.create", NULL, NULL, sev1, NULL, 403));
	cJSON_Delete(call_expect(&admin, "roles.set", "default", NULL, CATALOG, NULL, 403));
	cJSON *o = call_expect(&admin, "roles.set", "default", NULL, CATALOG,
			       "on-call leads need to pass the sev1 rule", 200);
	cJSON_Delete(o);
	o = call_expect(&admin, "exception.list", "default", NULL, NULL, NULL, 200);
	char rcpt[KX_ID_MAX];
	snprintf(rcpt, sizeof rcpt, "%s",
		 cJSON_GetStringValue(cJSON_GetObjectItem(
			 cJSON_GetArrayItem(cJSON_GetObjectItem(o, "items"), 0), "receipt_id")));
	cJSON_Delete(o);
	cJSON_Delete(call_expect(&admin, "exception.acknowledge", "default", rcpt, NULL, NULL, 200));
	/* The child tenant: its own admin, profile and two exceptions, one acknowledged. */
	cJSON_Delete(call_expect(&admin, "actor.create", "bluebird", NULL,
				 "{\"name\":\"bb-admin\",\"roles\":[\"tenant-admin\"]}", NULL, 201));
	cJSON_Delete(call_expect(&admin, "actor.create", "bluebird", NULL,
				 "{\"name\":\"bb-oncall\",\"roles\":[\"responder\"]}", NULL, 201));
	if (kx_auth_local(core, "bluebird", "bb-admin", &bb, &err)) {
		fprintf(stderr, "fixture: %s\n", err.message);
		exit(1);
	}
	cJSON_Delete(call_expect(&bb, "policy_profile.set", "bluebird", NULL,
				 "{\"name\":\"bluebird\",\"rules\":[" SEV1_RULE "]}", NULL, 201));
	const char *outage = "{\"title\":\"Checkout offline\",\"severity\":\"sev1\"}";
	o = call_expect(&bb, "incident.create", NULL, NULL, outage, "store closed, customers waiting",
			201);
	snprintf(rcpt, sizeof rcpt, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(o, "receipt_id")));
	cJSON_Delete(o);
	cJSON_Delete(call_expect(&bb, "exception.acknowledge", "bluebird", rcpt, NULL, NULL, 200));
	cJSON_Delete(call_expect(&bb, "incident.create", NULL, NULL,
				 "{\"title\":\"Card terminals rejecting\",\"severity\":\"sev1\"}",
				 "terminals in 40 stores", 201));
	step_ms = saved_step;
}

/* Usage over the last day, hour by hour, as a real tenant's would look (and three requests
 * nobody could be charged for, for the platform's attribution ratio). */
static void usage_fixture(const char *db)
{
	struct store_options so = {.busy_timeout_ms = 1000};
	struct kx_error err = {0};
	struct store *s = store_open(db, &so, &err);
	if (!s || store_begin(s, &err)) {
		fprintf(stderr, "fixture: usage: %s\n", err.message);
		exit(1);
	}
	static const int shape[24] = {4,  3,  2,  2,  1,  2,  5,  9,  14, 18, 20, 17,
				      16, 19, 22, 18, 12, 9,  8,  6,  5,  4,  3,  2};
	for (int h = 0; h < 24; h++) {
		char at[64];
		int hour = (10 + h) % 24, day = 13 + (10 + h) / 24; /* 03-13 10:00 .. 03-14 09:00 */
		snprintf(at, sizeof at, "2025-03-%02dT%02d:15:00.000Z", day, hour);
		store_usage_add(s, "default", "api.request", shape[h] * 10, at, NULL, &err);
		if (shape[h] > 10)
			store_usage_add(s, "default", "incident.note", shape[h] / 4, at, NULL, &err);
		if (h % 6 == 0)
			store_usage_add(s, "default", "policy.deny", 1, at, NULL, &err);
	}
	store_usage_add(s, "", "api.request", 3, "2025-03-14T08:20:00.000Z", NULL, &err);
	if (store_commit(s, &err)) {
		fprintf(stderr, "fixture: usage: %s\n", err.message);
		exit(1);
	}
	store_close(s);
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
	runbooks_fixture(argv[1], c, d);
	tenancy_fixture();
	kx_core_close(core);
	usage_fixture(argv[1]);
	return 0;
}
