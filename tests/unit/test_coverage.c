/* Policy coverage (issue 8): every mutation the core knows passes the policy gate and leaves
 * a receipt with its decision — a denial for an actor with no roles, an allow for one who may.
 * The list of operations comes from the core itself, so a new mutation without a case here
 * fails this test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "core_fixture.h"
#include "minisign.h"

struct world {
	struct fx *f;
	struct kx_principal nobody, approver;
	struct minisign_seckey signer, nobody_key, approver_key;
	char incident[KX_ID_MAX];
	sqlite3 *db; /* a read-only look at the ledgers */
	int n;       /* unique names */
};

/* One request: ids and body for `who`, from a case's setup. */
struct call {
	char id[128], sub[128];
	char *body;
	const char *override;
};

static char *printf_alloc(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static const char *newest(struct world *w, const char *tenant, const char *column)
{
	static char out[2][128];
	static int turn;
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT %s FROM receipts WHERE tenant_id = ? ORDER BY seq DESC LIMIT 1", column);
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(w->db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
	turn ^= 1;
	out[turn][0] = 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out[turn], sizeof out[turn], "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out[turn];
}

static int64_t receipts_of(struct world *w, const char *tenant)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM receipts WHERE tenant_id = '%s'", tenant);
	return fx_sql_int(w->db, sql);
}

/* ---- fixtures the cases share ---- */

static char *signed_runbook(struct world *w, char *id_out)
{
	snprintf(id_out, 64, "rb%d", ++w->n);
	char *doc = printf_alloc("{\"id\":\"%s\",\"name\":\"r\",\"risk\":\"low\",\"steps\":["
				 "{\"id\":\"m\",\"title\":\"m\",\"kind\":\"manual\",\"rollback\":{\"kind\":\"manual\"}},"
				 "{\"id\":\"g\",\"title\":\"g\",\"kind\":\"approval\","
				 "\"approvals\":{\"count\":1,\"roles\":[\"approver\"]}}]}", id_out);
	char *body = fx_signed_body(&w->signer, "document", doc);
	free(doc);
	return body;
}

static void publish(struct world *w, char *id_out)
{
	char *body = signed_runbook(w, id_out);
	fx_expect(fx_call(w->f, &w->f->admin, "runbook.publish", NULL, body, NULL), 201);
	free(body);
}

/* An execution of a fresh runbook; with `through_manual` its manual step is done (the gate
 * is then open). */
static void launch(struct world *w, bool through_manual, char *exec_out)
{
	char rb[64];
	publish(w, rb);
	cJSON *e = fx_expect(fx_call(w->f, &w->f->admin, "runbook.launch", rb, "{}", NULL), 201);
	snprintf(exec_out, KX_ID_MAX, "%s", fx_str(e, "id"));
	if (through_manual) {
		struct kx_request req = {.op = "step.execute", .who = &w->f->admin, .id = exec_out,
					 .sub_id = "m"};
		fx_expect(fx_request(w->f, &req), 200);
	}
}

/* ---- one setup per mutation ---- */

static void c_incident_create(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)w, (void)who;
	c->body = strdup("{\"title\":\"t\",\"severity\":\"sev3\"}");
}

static void c_incident_update(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)who;
	snprintf(c->id, sizeof c->id, "%s", w->incident);
	c->body = strdup("{\"title\":\"renamed\"}");
}

static void c_incident_note(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)who;
	snprintf(c->id, sizeof c->id, "%s", w->incident);
	c->body = strdup("{\"text\":\"a note\"}");
}

static void c_tenant_create(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)who;
	c->body = printf_alloc("{\"id\":\"cov%d\",\"name\":\"c\"}", ++w->n);
}

static void c_tenant_update(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)w, (void)who;
	snprintf(c->id, sizeof c->id, "default");
	c->body = strdup("{\"region\":\"eu\"}");
}

static void c_actor_create(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)who;
	snprintf(c->id, sizeof c->id, "default");
	c->body = printf_alloc("{\"name\":\"a%d\",\"roles\":[\"viewer\"]}", ++w->n);
}

static void c_actor_update(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)who;
	snprintf(c->id, sizeof c->id, "default");
	snprintf(c->sub, sizeof c->sub, "%s", w->approver.actor_id);
	c->body = strdup("{\"roles\":[\"approver\"]}");
}

static void c_actor_rotate(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)who;
	struct kx_principal p;
	char name[32];
	snprintf(name, sizeof name, "r%d", ++w->n);
	fx_actor(w->f, "default", name, "[]", &p);
	snprintf(c->id, sizeof c->id, "default");
	snprintf(c->sub, sizeof c->sub, "%s", p.actor_id);
}

static void c_roles_set(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)who;
	snprintf(c->id, sizeof c->id, "default");
	cJSON *cat = fx_expect(fx_call(w->f, &w->f->admin, "roles.get", "default", NULL, NULL), 200);
	cJSON *b = cJSON_CreateObject();
	cJSON_AddItemToObject(b, "roles", cJSON_Duplicate(cJSON_GetObjectItem(cat, "roles"), 1));
	c->body = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
}

static void c_profile_set(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)w, (void)who;
	snprintf(c->id, sizeof c->id, "default");
	c->body = strdup("{\"name\":\"cov\",\"rules\":[{\"id\":\"no-sev1\",\"effect\":\"forbid\","
			 "\"actions\":[\"incident.create\"],"
			 "\"when\":{\"resource.severity\":{\"eq\":\"sev1\"}}}]}");
}

static void c_key_add(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)who;
	struct minisign_pubkey pk;
	struct minisign_seckey sk;
	minisign_keygen(&pk, &sk);
	minisign_seckey_wipe(&sk);
	char *line = minisign_pubkey_base64(&pk);
	snprintf(c->id, sizeof c->id, "default");
	c->body = printf_alloc("{\"name\":\"k%d\",\"public_key\":\"%s\"}", ++w->n, line);
	free(line);
}

static void c_key_revoke(struct world *w, const struct kx_principal *who, struct call *c)
{
	struct call add = {0};
	c_key_add(w, who, &add);
	cJSON *k = fx_expect(fx_call(w->f, &w->f->admin, "signing_key.add", "default", add.body, NULL), 201);
	free(add.body);
	snprintf(c->id, sizeof c->id, "default");
	snprintf(c->sub, sizeof c->sub, "%s", fx_str(k, "key_id"));
}

static void c_publish(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)who;
	char id[64];
	c->body = signed_runbook(w, id);
}

static void c_launch(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)who;
	publish(w, c->id);
	c->body = strdup("{}");
}

static void c_step_execute(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)who;
	launch(w, false, c->id);
	snprintf(c->sub, sizeof c->sub, "m");
}

static void c_step_approve(struct world *w, const struct kx_principal *who, struct call *c)
{
	launch(w, true, c->id);
	snprintf(c->sub, sizeof c->sub, "g");
	cJSON *e = fx_expect(fx_call(w->f, &w->f->admin, "execution.get", c->id, NULL, NULL), 200);
	char at[KX_TIME_LEN];
	kx_time_format(kx_clock_now_ms(), at);
	char *statement = printf_alloc("{\"execution_id\":\"%s\",\"step_id\":\"g\",\"runbook_digest\":\"%s\","
				       "\"approver\":\"%s\",\"decision\":\"approve\",\"nonce\":\"nonce-%d\","
				       "\"at\":\"%s\"}", c->id, fx_str(e, "runbook_digest"),
				       who->actor_id, ++w->n, at);
	const struct minisign_seckey *key =
		!strcmp(who->actor_id, w->approver.actor_id) ? &w->approver_key : &w->nobody_key;
	c->body = fx_signed_body(key, "statement", statement);
	free(statement);
}

static void c_abort(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)who;
	launch(w, false, c->id);
	c->body = strdup("{\"reason\":\"coverage\"}");
}

static void c_rollback(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)who;
	launch(w, true, c->id);
	c->body = strdup("{\"reason\":\"coverage\",\"wait_s\":5}");
}

static void c_exception_ack(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)who;
	struct call p = {0};
	c_profile_set(w, who, &p);
	fx_expect(fx_call(w->f, &w->f->admin, "policy_profile.set", "default", p.body, NULL), 201);
	free(p.body);
	struct kx_request req = {.op = "incident.create", .who = &w->f->admin,
				 .body = "{\"title\":\"x\",\"severity\":\"sev1\"}",
				 .body_len = strlen("{\"title\":\"x\",\"severity\":\"sev1\"}"),
				 .override = "the pager says so"};
	fx_expect(fx_request(w->f, &req), 201);
	snprintf(c->id, sizeof c->id, "default");
	snprintf(c->sub, sizeof c->sub, "%s", newest(w, "default", "id"));
}

static void c_evidence(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)w, (void)who;
	snprintf(c->id, sizeof c->id, "default");
	c->body = strdup("{\"from\":\"2000-01-01T00:00:00.000Z\",\"to\":\"2100-01-01T00:00:00.000Z\"}");
}

static void c_redaction(struct world *w, const struct kx_principal *who, struct call *c)
{
	(void)w, (void)who;
	snprintf(c->id, sizeof c->id, "default");
	c->body = strdup("{\"rules\":[{\"id\":\"hostnames\",\"pattern\":\"db-[0-9]+\"}]}");
}

struct mutation_case {
	const char *op;
	void (*setup)(struct world *w, const struct kx_principal *who, struct call *c);
	bool by_approver; /* allowed for the approver rather than the admin */
	const char *ledger; /* where the receipt goes, when not the caller's tenant */
};

static const struct mutation_case cases[] = {
	{"incident.create", c_incident_create, false, NULL},
	{"incident.update", c_incident_update, false, NULL},
	{"incident.note", c_incident_note, false, NULL},
	{"tenant.create", c_tenant_create, false, "platform"},
	{"tenant.update", c_tenant_update, false, NULL},
	{"actor.create", c_actor_create, false, NULL},
	{"actor.update", c_actor_update, false, NULL},
	{"actor.rotate_token", c_actor_rotate, false, NULL},
	{"roles.set", c_roles_set, false, NULL},
	{"policy_profile.set", c_profile_set, false, NULL},
	{"signing_key.add", c_key_add, false, NULL},
	{"signing_key.revoke", c_key_revoke, false, NULL},
	{"runbook.publish", c_publish, false, NULL},
	{"runbook.launch", c_launch, false, NULL},
	{"step.execute", c_step_execute, false, NULL},
	{"step.approve", c_step_approve, true, NULL},
	{"execution.abort", c_abort, false, NULL},
	{"execution.rollback", c_rollback, false, NULL},
	{"exception.acknowledge", c_exception_ack, false, NULL},
	{"evidence.export", c_evidence, false, NULL},
	{"redaction.set", c_redaction, false, NULL},
};

static const struct mutation_case *case_for(const char *op)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (!strcmp(cases[i].op, op))
			return &cases[i];
	return NULL;
}

/* One call and the receipt it must leave: the op's action with the expected effect. */
static void check(struct world *w, const struct mutation_case *mc, const struct kx_principal *who,
		  bool allowed)
{
	struct call c = {0};
	mc->setup(w, who, &c);
	/* A denied tenant.create concerns no tenant yet: its receipt goes to the platform's. */
	const char *ledger = mc->ledger && (!allowed || strcmp(mc->op, "tenant.create")) ? mc->ledger
											: "default";
	if (allowed && !strcmp(mc->op, "tenant.create"))
		ledger = NULL; /* the new tenant's own ledger: checked below */
	int64_t before = ledger ? receipts_of(w, ledger) : 0;
	struct kx_request req = {.op = mc->op, .who = who, .id = c.id[0] ? c.id : NULL,
				 .sub_id = c.sub[0] ? c.sub : NULL, .body = c.body,
				 .body_len = c.body ? strlen(c.body) : 0};
	struct fx_resp *r = fx_request(w->f, &req);
	if (allowed) {
		if (r->status < 200 || r->status > 299)
			fail_msg("%s as an allowed actor: %d %s", mc->op, r->status, r->raw);
	} else {
		if (r->status != 403 || strcmp(fx_str(r->json, "error.code"), "policy_denied"))
			fail_msg("%s with no roles: %d %s", mc->op, r->status, r->raw);
	}
	if (!ledger) {
		ledger = fx_str(r->json, "id");
		before = 0;
	}
	assert_true(receipts_of(w, ledger) > before);
	/* The op's own receipt may be followed by others it causes (a rollback's end): find it. */
	char sql[400];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM receipts WHERE tenant_id = '%s' AND seq > %lld AND action = '%s'"
		 " AND effect = '%s' AND request_id = '%s'",
		 ledger, (long long)before, mc->op, allowed ? "allow" : "deny", r->request_id);
	if (fx_sql_int(w->db, sql) != 1)
		fail_msg("%s: no %s receipt with its decision in ledger %s", mc->op,
			 allowed ? "allow" : "deny", ledger);
	free(c.body);
}

static void test_every_mutation_is_gated_and_receipted(void **state)
{
	struct world w = {.f = *state};
	struct fx *f = w.f;
	struct minisign_pubkey pk;
	minisign_keygen(&pk, &w.signer);
	char *line = minisign_pubkey_base64(&pk);
	char *body = printf_alloc("{\"name\":\"ci\",\"public_key\":\"%s\"}", line);
	fx_expect(fx_call(f, &f->admin, "signing_key.add", "default", body, NULL), 201);
	free(body);
	free(line);
	/* Actors with keys: one with no roles, one approver. */
	const struct {
		const char *name, *roles;
		struct kx_principal *who;
		struct minisign_seckey *key;
	} people[] = {{"nobody", "[]", &w.nobody, &w.nobody_key},
		      {"approver", "[\"approver\"]", &w.approver, &w.approver_key}};
	for (int i = 0; i < 2; i++) {
		minisign_keygen(&pk, people[i].key);
		line = minisign_pubkey_base64(&pk);
		body = printf_alloc("{\"name\":\"%s\",\"roles\":%s,\"public_key\":\"%s\"}", people[i].name,
				    people[i].roles, line);
		fx_expect(fx_call(f, &f->admin, "actor.create", "default", body, NULL), 201);
		free(body);
		free(line);
		struct kx_error err = {0};
		assert_int_equal(kx_auth_local(f->core, "default", people[i].name, people[i].who, &err), 0);
	}
	snprintf(w.incident, sizeof w.incident, "%s", fx_str(fx_incident(f, &f->admin, "cov", "sev3"), "id"));
	assert_int_equal(sqlite3_open_v2(f->db, &w.db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);

	int mutations = 0;
	bool mutation;
	const char *op;
	for (int i = 0; (op = kx_op_at(i, &mutation)); i++) {
		if (!mutation)
			continue;
		const struct mutation_case *mc = case_for(op);
		if (!mc)
			fail_msg("mutation %s has no coverage case: add one", op);
		check(&w, mc, &w.nobody, false);
		check(&w, mc, mc->by_approver ? &w.approver : &f->admin, true);
		mutations++;
	}
	assert_int_equal(mutations, (int)(sizeof cases / sizeof cases[0]));
	sqlite3_close(w.db);
	minisign_seckey_wipe(&w.signer);
	minisign_seckey_wipe(&w.nobody_key);
	minisign_seckey_wipe(&w.approver_key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_mutation_is_gated_and_receipted, fx_setup,
						fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
