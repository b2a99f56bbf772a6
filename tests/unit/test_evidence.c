/* Evidence bundles through klaxon.h: export, list and download; offline verification with the
 * public key alone; every single-byte change of every member detected; receipts dropped,
 * added or reordered detected even with the manifest re-signed by the server key; planted
 * secrets redacted and logged; tenant redaction rules; replay; platform admins exporting an
 * offboarded tenant; the witness checks catching a history rewritten under the same key;
 * bundle files that no record names swept by the next export. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle_fixture.h"
#include "clock.h"
#include "core_fixture.h"
#include "evidence_replay.h"

#define WINDOW_FROM "2000-01-01T00:00:00.000Z"
#define WINDOW_TO "2999-01-01T00:00:00.000Z"

/* The secrets planted in free text, and the rule each must be withheld by. */
static const char *const planted[][2] = {
	{"alice.oncall@example.com", "email"},
	{"Bearer abcDEF123456.ghiJKL-789", "bearer_token"},
	{"sk_live_4eC39HqLyjWDarjtT1zdp7dc", "stripe_key"},
	{"ghp_16C7e42F292c6912E7710c838347Ae178B4a", "github_token"},
	{"AKIAIOSFODNN7EXAMPLE", "aws_access_key"},
	{"kxt_Zm9vYmFyYmF6cXV4cXV1eHp6eXl4eHd3dnY", "klaxon_token"},
	{"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq\n-----END RSA PRIVATE KEY-----",
	 "pem_private_key"},
};
#define N_PLANTED (sizeof planted / sizeof planted[0])

/* ---- helpers ---- */

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = calloc(1, 4096);
	size_t n = fread(buf, 1, 4095, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

static char key_path_buf[700];
static const char *key_path(const struct fx *f)
{
	snprintf(key_path_buf, sizeof key_path_buf, "%s.key", f->db);
	return key_path_buf;
}

/* POST an export of [from, to) for tenant as who; returns the answer's JSON. */
static cJSON *export(struct fx *f, const struct kx_principal *who, const char *tenant,
		     const char *from, const char *to)
{
	char body[200];
	snprintf(body, sizeof body, "{\"from\":\"%s\",\"to\":\"%s\"}", from, to);
	return fx_expect(fx_call(f, who, "evidence.export", tenant, body, NULL), 201);
}

/* The bundle's bytes (fixture-owned). */
static const struct fx_resp *download(struct fx *f, const struct kx_principal *who,
				      const char *tenant, const char *id)
{
	struct kx_request req = {.op = "evidence.download", .who = who, .id = tenant, .sub_id = id};
	struct fx_resp *r = fx_request(f, &req);
	fx_expect(r, 200);
	assert_string_equal(r->content_type, "application/x-tar");
	assert_true(r->raw_len > 1024);
	return r;
}

/* The default tenant's whole test window exported by the admin, as downloaded. */
static const struct fx_resp *window_bundle(struct fx *f)
{
	cJSON *ex = export(f, &f->admin, "default", WINDOW_FROM, WINDOW_TO);
	return download(f, &f->admin, "default", fx_str(ex, "id"));
}

struct checks {
	int passed, drift, not_replayable;
};

static void on_check(void *ctx, const char *check)
{
	(void)check;
	((struct checks *)ctx)->passed++;
}

static void on_replay(void *ctx, const char *receipt_id, const char *outcome, const char *why)
{
	struct checks *c = ctx;
	(void)receipt_id, (void)why;
	if (!strcmp(outcome, "drift"))
		c->drift++;
	else
		c->not_replayable++;
}

/* Verifies; returns 0 or -1 with the failure in err. */
static int verify(const struct fx *f, const char *tar, size_t len, bool replay,
		  struct kx_bundle_report *rep, struct checks *c, struct kx_error *err)
{
	char *pub = read_text(f->pub_path);
	memset(rep, 0, sizeof *rep);
	rep->on_check = on_check;
	rep->on_replay = on_replay;
	rep->ctx = c;
	int rc = kx_bundle_verify(tar, len, pub, replay, rep, err);
	free(pub);
	return rc;
}

static void verify_ok(const struct fx *f, const char *tar, size_t len, struct kx_bundle_report *rep)
{
	struct checks c = {0};
	struct kx_error err = {0};
	if (verify(f, tar, len, false, rep, &c, &err))
		fail_msg("verification failed: %s", err.message);
	assert_true(c.passed >= 8);
}

/* Verifies a changed bundle, expecting a failure whose message contains `want`. */
static void verify_fails(const struct fx *f, const char *tar, size_t len, const char *want)
{
	struct kx_bundle_report rep;
	struct checks c = {0};
	struct kx_error err = {0};
	if (verify(f, tar, len, false, &rep, &c, &err) == 0)
		fail_msg("a changed bundle verified (wanted: %s)", want);
	kx_bundle_report_free(&rep);
	if (want && !strstr(err.message, want))
		fail_msg("failure '%s' does not say '%s'", err.message, want);
}

static bool contains(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; n && i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return true;
	return false;
}

/* An incident, a note and an update whose free text carries every planted secret. */
static void plant_secrets(struct fx *f)
{
	for (size_t i = 0; i < N_PLANTED; i++) {
		cJSON *b = cJSON_CreateObject();
		char title[200];
		snprintf(title, sizeof title, "incident %zu", i);
		cJSON_AddStringToObject(b, "title", title);
		cJSON_AddStringToObject(b, "severity", "sev3");
		char desc[300];
		snprintf(desc, sizeof desc, "seen with %s in the logs", planted[i][0]);
		cJSON_AddStringToObject(b, "description", desc);
		char *text = cJSON_PrintUnformatted(b);
		cJSON_Delete(b);
		cJSON *inc = fx_expect(fx_call(f, &f->admin, "incident.create", NULL, text, NULL), 201);
		free(text);
		const char *id = fx_str(inc, "id");
		b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "text", desc);
		text = cJSON_PrintUnformatted(b);
		cJSON_Delete(b);
		fx_expect(fx_call(f, &f->admin, "incident.note", id, text, NULL), 201);
		free(text);
	}
}

/* ---- tests ---- */

static void test_export_download_verify(void **state)
{
	struct fx *f = *state;
	fx_incident(f, &f->admin, "db down", "sev2");
	cJSON *ex = export(f, &f->admin, "default", WINDOW_FROM, WINDOW_TO);
	const char *id = fx_str(ex, "id");
	assert_non_null(strstr(id, "evx_"));
	assert_true(fx_num(ex, "counts.receipts") >= 3);
	assert_true(cJSON_IsNull(fx_at(ex, "previous_checkpoint_size")));
	cJSON *list = fx_expect(fx_get(f, &f->admin, "evidence.list", "default", NULL), 200);
	assert_int_equal(cJSON_GetArraySize(fx_at(list, "items")), 1);
	assert_string_equal(fx_str(cJSON_GetArrayItem(fx_at(list, "items"), 0), "manifest_digest"),
			    fx_str(ex, "manifest_digest"));
	const struct fx_resp *tar = download(f, &f->admin, "default", id);
	struct kx_bundle_report rep;
	verify_ok(f, tar->raw, tar->raw_len, &rep);
	assert_string_equal(rep.tenant_id, "default");
	assert_int_equal(rep.receipts, (uint64_t)fx_num(ex, "counts.receipts"));
	assert_int_equal(rep.checkpoint_size, (uint64_t)fx_num(ex, "checkpoint_size"));
	assert_int_equal(rep.previous_size, 0);
	assert_non_null(rep.checkpoint);
	kx_bundle_report_free(&rep);
	/* The members API.md names, at the root of the tar. */
	struct bundle b;
	bundle_read(tar->raw, tar->raw_len, &b);
	static const char *const names[] = {
		"manifest.json",    "manifest.json.minisig", "checkpoint",	 "receipts.jsonl",
		"proofs.json",	    "consistency.json",	     "decisions.jsonl", "incidents.jsonl",
		"timeline.jsonl",   "redactions.jsonl",	     "profiles.jsonl"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		bundle_get(&b, names[i], 1);
	assert_null(bundle_get(&b, "previous_checkpoint", 0));
	assert_int_equal(b.n, 11);
	bundle_free(&b);
	/* A window with nothing in it is a bundle too, proving only the log's growth. */
	cJSON *empty = export(f, &f->admin, "default", "2001-01-01T00:00:00Z", "2001-02-01T00:00:00Z");
	assert_int_equal(fx_num(empty, "counts.receipts"), 0);
	const struct fx_resp *etar = download(f, &f->admin, "default", fx_str(empty, "id"));
	verify_ok(f, etar->raw, etar->raw_len, &rep);
	assert_int_equal(rep.receipts, 0);
	assert_true(rep.previous_size > 0);
	kx_bundle_report_free(&rep);
	/* A missing export and another tenant's answer alike. */
	struct kx_request req = {.op = "evidence.download", .who = &f->admin, .id = "default",
				 .sub_id = "evx_0000000000000000000000000z"};
	fx_expect_error(fx_request(f, &req), 404, "not_found", NULL);
}

static void test_second_export_proves_consistency(void **state)
{
	struct fx *f = *state;
	cJSON *first = export(f, &f->admin, "default", WINDOW_FROM, WINDOW_TO);
	fx_incident(f, &f->admin, "after the first export", "sev4");
	cJSON *second = export(f, &f->admin, "default", WINDOW_FROM, WINDOW_TO);
	assert_int_equal(fx_num(second, "previous_checkpoint_size"), fx_num(first, "checkpoint_size"));
	const struct fx_resp *tar = download(f, &f->admin, "default", fx_str(second, "id"));
	struct kx_bundle_report rep;
	verify_ok(f, tar->raw, tar->raw_len, &rep);
	assert_int_equal(rep.previous_size, (uint64_t)fx_num(first, "checkpoint_size"));
	assert_non_null(rep.previous_checkpoint);
	assert_true(rep.n_consistency > 0);
	/* The witness's own checks agree with the bundle's proof. */
	char *pub = read_text(f->pub_path);
	struct kx_checkpoint older, newer;
	struct kx_error err = {0};
	assert_int_equal(kx_checkpoint_verify(rep.previous_checkpoint, pub, &older, &err), 0);
	assert_int_equal(kx_checkpoint_verify(rep.checkpoint, pub, &newer, &err), 0);
	assert_int_equal(kx_checkpoint_consistent(&older, &newer,
						  (const char *const *)rep.consistency,
						  rep.n_consistency, &err),
			 0);
	free(pub);
	kx_bundle_report_free(&rep);
}

/* Every byte of every member, changed alone, is caught: the manifest by its signature, its
 * signature by minisign and klaxon's exact form, every other member by its digest. */
static void test_every_single_byte_change_is_detected(void **state)
{
	struct fx *f = *state;
	fx_incident(f, &f->admin, "x", "sev4");
	char from[KX_TIME_LEN];
	cJSON *list = fx_receipts(f, &f->admin);
	snprintf(from, sizeof from, "%s",
		 fx_str(cJSON_GetArrayItem(list, cJSON_GetArraySize(list) - 1), "at"));
	cJSON_Delete(list);
	cJSON *ex = export(f, &f->admin, "default", from, WINDOW_TO); /* one receipt: small */
	const struct fx_resp *r = download(f, &f->admin, "default", fx_str(ex, "id"));
	char *tar = malloc(r->raw_len);
	memcpy(tar, r->raw, r->raw_len);
	struct bundle b;
	bundle_read(tar, r->raw_len, &b);
	struct kx_bundle_report rep;
	verify_ok(f, tar, r->raw_len, &rep);
	kx_bundle_report_free(&rep);
	char *pub = read_text(f->pub_path);
	size_t flips = 0;
	/* Two flips per byte: the lowest bit, and the case bit (which keeps a base64 digit a
	 * base64 digit). */
	static const unsigned char masks[] = {0x01, 0x20};
	for (int i = 0; i < b.n; i++) {
		for (size_t j = 0; j < b.m[i].len; j++) {
			for (size_t k = 0; k < sizeof masks; k++) {
				struct kx_error err = {0};
				struct kx_bundle_report rr = {0};
				tar[b.m[i].offset + j] ^= masks[k];
				int rc = kx_bundle_verify(tar, r->raw_len, pub, false, &rr, &err);
				tar[b.m[i].offset + j] ^= masks[k];
				kx_bundle_report_free(&rr);
				if (rc == 0)
					fail_msg("flipping byte %zu of %s (^%#x) went unnoticed", j,
						 b.m[i].name, masks[k]);
				flips++;
			}
		}
	}
	assert_int_equal(b.n, 11);
	assert_true(flips > 6000);
	free(pub);
	free(tar);
	bundle_free(&b);
}

/* Drops, duplicates or reorders receipts (with their proofs and decisions, so that the files
 * stay consistent with one another); returns the repacked tar. */
enum change { DROP, ADD, REORDER };

static char *change_receipts(struct bundle *b, enum change how, size_t *len, bool resign,
			     const char *key)
{
	int n, np;
	char **r = bundle_lines(bundle_get(b, "receipts.jsonl", 1), &n);
	char **d = bundle_lines(bundle_get(b, "decisions.jsonl", 1), &np);
	assert_true(n >= 3);
	cJSON *proofs = cJSON_Parse(bundle_get(b, "proofs.json", 1)->data);
	cJSON *list = cJSON_GetObjectItem(proofs, "proofs");
	if (how == DROP) {
		free(r[1]);
		free(d[1]);
		memmove(&r[1], &r[2], (size_t)(n - 2) * sizeof *r);
		memmove(&d[1], &d[2], (size_t)(n - 2) * sizeof *d);
		n--;
		cJSON_DeleteItemFromArray(list, 1);
	} else if (how == ADD) {
		r = realloc(r, (size_t)(n + 1) * sizeof *r);
		d = realloc(d, (size_t)(n + 1) * sizeof *d);
		r[n] = strdup(r[n - 1]);
		d[n] = strdup(d[n - 1]);
		n++;
		cJSON_AddItemToArray(list, cJSON_Duplicate(cJSON_GetArrayItem(list, n - 2), 1));
	} else {
		char *t = r[1];
		r[1] = r[2], r[2] = t;
		t = d[1];
		d[1] = d[2], d[2] = t;
		cJSON *p1 = cJSON_Duplicate(cJSON_GetArrayItem(list, 1), 1);
		cJSON *p2 = cJSON_Duplicate(cJSON_GetArrayItem(list, 2), 1);
		cJSON_ReplaceItemInArray(list, 1, p2);
		cJSON_ReplaceItemInArray(list, 2, p1);
	}
	char *rt = bundle_join(r, n), *dt = bundle_join(d, n);
	char *pt = cJSON_PrintUnformatted(proofs);
	bundle_set(b, "receipts.jsonl", rt);
	bundle_set(b, "decisions.jsonl", dt);
	char *pl = malloc(strlen(pt) + 2);
	sprintf(pl, "%s\n", pt);
	bundle_set(b, "proofs.json", pl);
	free(pl);
	free(rt);
	free(dt);
	cJSON_free(pt);
	cJSON_Delete(proofs);
	bundle_lines_free(r, n);
	bundle_lines_free(d, n);
	if (resign)
		bundle_resign(b, key);
	return bundle_write(b, len);
}

/* b signed again with the server's key (an insider's edit), packed, and refused with `want`;
 * b is freed. */
static void resigned_fails(const struct fx *f, struct bundle *b, const char *want)
{
	bundle_resign(b, key_path(f));
	size_t len;
	char *tar = bundle_write(b, &len);
	verify_fails(f, tar, len, want);
	free(tar);
	bundle_free(b);
}

static void test_dropped_added_reordered_receipts(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 4; i++)
		fx_incident(f, &f->admin, "filler", "sev4");
	const struct fx_resp *r = window_bundle(f);
	static const char *const insider_says[] = {"does not follow", "does not follow",
						   "does not follow"};
	for (int how = DROP; how <= REORDER; how++) {
		for (int resign = 0; resign < 2; resign++) {
			struct bundle b;
			bundle_read(r->raw, r->raw_len, &b);
			size_t len;
			char *tar = change_receipts(&b, (enum change)how, &len, resign, key_path(f));
			/* Without the key the digests give it away; with it, the gap or the
			 * order does. */
			verify_fails(f, tar, len, resign ? insider_says[how] : "SHA-256 differs");
			free(tar);
			bundle_free(&b);
		}
	}
	/* A receipt the ledger never held, placed where the next one would go: its proof
	 * cannot verify, whatever the insider signs. */
	struct bundle b;
	bundle_read(r->raw, r->raw_len, &b);
	int n;
	char **lines = bundle_lines(bundle_get(&b, "receipts.jsonl", 1), &n);
	cJSON *last = cJSON_Parse(lines[n - 1]);
	double idx = cJSON_GetNumberValue(cJSON_GetObjectItem(last, "leaf_index"));
	cJSON_ReplaceItemInObject(last, "leaf_index", cJSON_CreateNumber(idx + 1));
	cJSON_ReplaceItemInObject(last, "seq", cJSON_CreateNumber(idx + 2));
	lines = realloc(lines, (size_t)(n + 1) * sizeof *lines);
	lines[n] = cJSON_PrintUnformatted(last);
	cJSON_Delete(last);
	char *text = bundle_join(lines, n + 1);
	bundle_set(&b, "receipts.jsonl", text);
	free(text);
	bundle_lines_free(lines, n + 1);
	cJSON *proofs = cJSON_Parse(bundle_get(&b, "proofs.json", 1)->data);
	cJSON *pl = cJSON_GetObjectItem(proofs, "proofs");
	cJSON *p = cJSON_Duplicate(cJSON_GetArrayItem(pl, n - 1), 1);
	cJSON_ReplaceItemInObject(p, "leaf_index", cJSON_CreateNumber(idx + 1));
	cJSON_AddItemToArray(pl, p);
	text = cJSON_PrintUnformatted(proofs);
	bundle_set(&b, "proofs.json", text);
	cJSON_free(text);
	cJSON_Delete(proofs);
	resigned_fails(f, &b, "inclusion proof");
}

/* proofs.json is read one proof at a time, in the framing klaxon writes (its bytes are fixed
 * by the signed manifest): an insider who re-signs must still get every other shape refused,
 * with the failure named. */
static void test_proofs_json_framing(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 3; i++)
		fx_incident(f, &f->admin, "filler", "sev4");
	const struct fx_resp *r = window_bundle(f);
	enum { EXTRA, PRETTY, TRAILING, NO_CLOSE, CASES };
	static const char *const says[CASES] = {"proofs for", "not proofs against",
						"not proofs against", "not proofs against"};
	for (int c = 0; c < CASES; c++) {
		struct bundle b;
		bundle_read(r->raw, r->raw_len, &b);
		const char *text = bundle_get(&b, "proofs.json", 1)->data;
		cJSON *proofs = cJSON_Parse(text);
		cJSON *list = cJSON_GetObjectItem(proofs, "proofs");
		char *changed;
		if (c == EXTRA) {
			cJSON_AddItemToArray(list, cJSON_Duplicate(cJSON_GetArrayItem(list, 0), 1));
			changed = cJSON_PrintUnformatted(proofs);
		} else if (c == PRETTY) {
			changed = cJSON_Print(proofs);
		} else {
			size_t n = strlen(text);
			changed = malloc(n + 8);
			memcpy(changed, text, n + 1);
			if (c == TRAILING)
				strcpy(changed + n, "{}");
			else
				changed[n - 2] = ' '; /* "]}\n" becomes "] \n" */
		}
		bundle_set(&b, "proofs.json", changed);
		if (c == EXTRA || c == PRETTY)
			cJSON_free(changed);
		else
			free(changed);
		cJSON_Delete(proofs);
		resigned_fails(f, &b, says[c]);
	}
	/* Untouched, it verifies (the cases above fail for what was changed). */
	struct kx_bundle_report rep;
	verify_ok(f, r->raw, r->raw_len, &rep);
	kx_bundle_report_free(&rep);
}

static void test_planted_secrets_are_redacted_and_logged(void **state)
{
	struct fx *f = *state;
	plant_secrets(f);
	const struct fx_resp *r = window_bundle(f);
	struct kx_bundle_report rep;
	verify_ok(f, r->raw, r->raw_len, &rep);
	assert_true(rep.redacted_decisions > 0);
	kx_bundle_report_free(&rep);
	struct bundle b;
	bundle_read(r->raw, r->raw_len, &b);
	for (size_t i = 0; i < N_PLANTED; i++) {
		/* Nowhere, in any member (the JSON-escaped PEM included). */
		char escaped[300];
		snprintf(escaped, sizeof escaped, "%s", planted[i][0]);
		char *nl = strchr(escaped, '\n');
		if (nl)
			*nl = 0; /* the first line of the PEM block is enough to find it */
		for (int m = 0; m < b.n; m++)
			if (contains(b.m[m].data, b.m[m].len, escaped))
				fail_msg("%s appears in %s", escaped, b.m[m].name);
		/* Each rule logged for each file it had to withhold something in. */
		const char *files[] = {"incidents.jsonl", "timeline.jsonl", "decisions.jsonl"};
		for (int k = 0; k < 3; k++) {
			char want[200];
			snprintf(want, sizeof want, "\"file\":\"%s\"", files[k]);
			int n;
			char **lines = bundle_lines(bundle_get(&b, "redactions.jsonl", 1), &n);
			bool found = false;
			for (int j = 0; j < n && !found; j++) {
				cJSON *l = cJSON_Parse(lines[j]);
				found = !strcmp(fx_str(l, "rule"), planted[i][1]) &&
					!strcmp(fx_str(l, "file"), files[k]) &&
					cJSON_GetArraySize(l) == 5;
				cJSON_Delete(l);
			}
			bundle_lines_free(lines, n);
			if (!found)
				fail_msg("no redaction of rule %s in %s", planted[i][1], files[k]);
		}
	}
	/* The redaction log names fields, and the redacted text says by which rule. */
	assert_true(contains(bundle_get(&b, "redactions.jsonl", 1)->data,
			     bundle_get(&b, "redactions.jsonl", 1)->len, "\"field\":\"description\""));
	assert_true(contains(bundle_get(&b, "incidents.jsonl", 1)->data,
			     bundle_get(&b, "incidents.jsonl", 1)->len, "[REDACTED:email]"));
	/* Receipts are never redacted: they are the ledger's exact bytes. */
	assert_false(contains(bundle_get(&b, "receipts.jsonl", 1)->data,
			      bundle_get(&b, "receipts.jsonl", 1)->len, "REDACTED"));
	bundle_free(&b);
}

static void test_tenant_redaction_rules(void **state)
{
	struct fx *f = *state;
	cJSON *got = fx_expect(fx_get(f, &f->admin, "redaction.get", "default", NULL), 200);
	assert_int_equal(cJSON_GetArraySize(fx_at(got, "rules")), 0);
	assert_true(cJSON_GetArraySize(fx_at(got, "defaults")) >= 8);
	static const char *const bad[][2] = {
		{"{\"rules\":[{\"id\":\"x\",\"pattern\":\"(\"}]}", "rules[0].pattern"},
		{"{\"rules\":[{\"id\":\"email\",\"pattern\":\"a\"}]}", "rules[0].id"},
		{"{\"rules\":[{\"id\":\"x\",\"pattern\":\"(a)\\\\1\"}]}", "rules[0].pattern"},
		{"{\"rules\":[{\"id\":\"x\",\"pattern\":\"a*\"}]}", "rules[0].pattern"},
		{"{\"rules\":[{\"id\":\"x\"}]}", "rules[0]"},
		{"{\"rules\":[{\"id\":\"x\",\"fields\":[]}]}", "rules[0].fields"},
		{"{\"rules\":[{\"id\":\"x\",\"value\":\"a\"}]}", "rules[0].value"},
		{"{\"rules\":[{\"id\":\"x\",\"pattern\":\"a\"},{\"id\":\"x\",\"pattern\":\"b\"}]}",
		 "rules[1].id"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		fx_expect_error(fx_call(f, &f->admin, "redaction.set", "default", bad[i][0], NULL), 400,
				"invalid_field", bad[i][1]);
	cJSON *set = fx_expect(
		fx_call(f, &f->admin, "redaction.set", "default",
			"{\"rules\":[{\"id\":\"ticket\",\"pattern\":\"ACME-[0-9]+\"},"
			"{\"id\":\"where\",\"fields\":[\"region\"]}]}",
			NULL),
		200);
	assert_int_equal(fx_num(set, "version"), 1);
	fx_expect(fx_call(f, &f->admin, "incident.create", NULL,
			  "{\"title\":\"see ACME-4711\",\"severity\":\"sev3\",\"region\":\"mars-1\"}",
			  NULL),
		  201);
	const struct fx_resp *r = window_bundle(f);
	struct kx_bundle_report rep;
	verify_ok(f, r->raw, r->raw_len, &rep);
	kx_bundle_report_free(&rep);
	struct bundle b;
	bundle_read(r->raw, r->raw_len, &b);
	struct bundle_member *inc = bundle_get(&b, "incidents.jsonl", 1);
	assert_false(contains(inc->data, inc->len, "ACME-4711"));
	assert_false(contains(inc->data, inc->len, "mars-1"));
	assert_true(contains(inc->data, inc->len, "[REDACTED:ticket]"));
	if (!contains(inc->data, inc->len, "\"region\":\"[REDACTED:where]\""))
		fail_msg("%s", inc->data);
	/* The receipt's id and the incident's id are never touched. */
	assert_true(contains(inc->data, inc->len, "\"id\":\"inc_"));
	bundle_free(&b);
}

static void test_replay_reports_redacted_as_not_replayable(void **state)
{
	struct fx *f = *state;
	fx_expect(fx_call(f, &f->admin, "policy_profile.set", "default",
			  "{\"name\":\"strict\",\"rules\":[{\"id\":\"no-sev1\",\"effect\":\"forbid\","
			  "\"actions\":[\"incident.create\"],\"when\":{\"resource.severity\":"
			  "{\"eq\":\"sev1\"}}}]}",
			  NULL),
		  201);
	fx_incident(f, &f->admin, "fine", "sev3");
	fx_expect(fx_call(f, &f->admin, "incident.create", NULL,
			  "{\"title\":\"denied\",\"severity\":\"sev1\"}", NULL),
		  403);
	fx_expect(fx_call(f, &f->admin, "incident.create", NULL,
			  "{\"title\":\"mail bob@example.org\",\"severity\":\"sev2\"}", NULL),
		  201);
	const struct fx_resp *r = window_bundle(f);
	struct kx_bundle_report rep;
	struct checks c = {0};
	struct kx_error err = {0};
	if (verify(f, r->raw, r->raw_len, true, &rep, &c, &err))
		fail_msg("verification failed: %s", err.message);
	assert_int_equal(rep.drift, 0);
	assert_int_equal(c.drift, 0);
	assert_true(rep.replayed >= 3); /* the profile change, the allow, the deny at least */
	assert_int_equal(rep.not_replayable, rep.redacted_decisions);
	assert_true(rep.not_replayable >= 1);
	assert_int_equal(c.not_replayable, (int)rep.not_replayable);
	assert_true(rep.tenancy >= 1); /* init's bootstrap receipts */
	kx_bundle_report_free(&rep);
}

static void test_replay_detects_drift(void **state)
{
	(void)state;
	struct replay *r = replay_new();
	cJSON *prof = cJSON_Parse("{\"kind\":\"profile\",\"version\":1,\"digest\":\"d\","
				  "\"created_at\":\"2026-01-01T00:00:00.000Z\","
				  "\"doc\":\"{\\\"name\\\":\\\"p\\\",\\\"rules\\\":[]}\"}");
	cJSON *roles = cJSON_Parse("{\"kind\":\"roles\",\"version\":1,\"digest\":\"d\","
				   "\"created_at\":\"2026-01-01T00:00:00.000Z\","
				   "\"doc\":\"{\\\"roles\\\":{\\\"viewer\\\":[\\\"*.get\\\"]}}\"}");
	assert_int_equal(replay_add_doc(r, prof), 0);
	assert_int_equal(replay_add_doc(r, roles), 0);
	const char *rec = "{\"effect\":\"%s\",\"rules\":%s,\"profile\":\"p\",\"profile_version\":1,"
			  "\"profile_digest\":\"d\",\"action\":\"incident.get\",\"roles_version\":1,"
			  "\"evaluated_at\":\"2026-02-01T00:00:00.000Z\",\"input\":{\"subject\":"
			  "{\"roles\":[\"viewer\"]},\"resource\":{},\"context\":{}}}";
	char text[700], why[300];
	snprintf(text, sizeof text, rec, "allow", "[\"role:viewer\"]");
	cJSON *same = cJSON_Parse(text);
	assert_int_equal(replay_decision(r, same, why, sizeof why), REPLAY_SAME);
	snprintf(text, sizeof text, rec, "deny", "[]");
	cJSON *drift = cJSON_Parse(text);
	assert_int_equal(replay_decision(r, drift, why, sizeof why), REPLAY_DRIFT);
	assert_non_null(strstr(why, "recorded deny"));
	cJSON_ReplaceItemInObject(drift, "profile_version", cJSON_CreateNumber(7));
	assert_int_equal(replay_decision(r, drift, why, sizeof why), REPLAY_NOT_REPLAYABLE);
	cJSON_Delete(prof);
	cJSON_Delete(roles);
	cJSON_Delete(same);
	cJSON_Delete(drift);
	replay_free(r);
}

static void test_platform_admin_exports_offboarded_tenant(void **state)
{
	struct fx *f = *state;
	fx_expect(fx_call(f, &f->admin, "tenant.create", NULL, "{\"id\":\"gone\",\"name\":\"Gone\"}",
			  NULL),
		  201);
	struct kx_principal ops, other;
	fx_actor(f, "gone", "ops", "[\"tenant-admin\"]", &ops);
	fx_incident(f, &ops, "last incident", "sev2");
	fx_expect(fx_call(f, &ops, "evidence.export", "gone",
			  "{\"from\":\"" WINDOW_FROM "\",\"to\":\"" WINDOW_TO "\"}", NULL),
		  201);
	/* Neither a viewer nor another tenant may. */
	fx_expect(fx_call(f, &f->admin, "tenant.create", NULL, "{\"id\":\"else\",\"name\":\"E\"}",
			  NULL),
		  201);
	fx_actor(f, "else", "nosy", "[\"tenant-admin\"]", &other);
	fx_expect_error(fx_call(f, &other, "evidence.export", "gone",
				"{\"from\":\"" WINDOW_FROM "\",\"to\":\"" WINDOW_TO "\"}", NULL),
			404, "not_found", NULL);
	struct kx_principal viewer;
	fx_actor(f, "gone", "looker", "[\"viewer\"]", &viewer);
	fx_expect_error(fx_call(f, &viewer, "evidence.export", "gone",
				"{\"from\":\"" WINDOW_FROM "\",\"to\":\"" WINDOW_TO "\"}", NULL),
			403, "policy_denied", NULL);
	fx_expect(fx_call(f, &f->admin, "tenant.update", "gone", "{\"status\":\"offboarded\"}", NULL),
		  200);
	cJSON *ex = export(f, &f->admin, "gone", WINDOW_FROM, WINDOW_TO);
	assert_true(fx_num(ex, "previous_checkpoint_size") > 0);
	const struct fx_resp *r = download(f, &f->admin, "gone", fx_str(ex, "id"));
	struct kx_bundle_report rep;
	verify_ok(f, r->raw, r->raw_len, &rep);
	assert_string_equal(rep.tenant_id, "gone");
	kx_bundle_report_free(&rep);
	/* Bad windows leave no receipt. */
	fx_expect_error(fx_call(f, &f->admin, "evidence.export", "gone",
				"{\"from\":\"" WINDOW_TO "\",\"to\":\"" WINDOW_FROM "\"}", NULL),
			400, "invalid_field", "to");
	fx_expect_error(fx_call(f, &f->admin, "evidence.export", "gone", "{\"from\":\"yesterday\","
				"\"to\":\"" WINDOW_TO "\"}", NULL),
			400, "invalid_field", "from");
}

/* Two stores with one key and one past, then different futures: the witness's checks catch
 * the rewritten one. */
static void test_witness_catches_rewritten_history(void **state)
{
	struct fx *f = *state;
	fx_incident(f, &f->admin, "shared past", "sev3");
	fx_close(f);
	char b_db[700], cmd[4000];
	snprintf(b_db, sizeof b_db, "%s/b.db", f->dir);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s' && cp '%s.key' '%s.key' && chmod 600 '%s.key'", f->db,
		 b_db, f->db, b_db, b_db);
	assert_int_equal(system(cmd), 0);
	fx_open(f);
	struct kx_core_options o = {.db_path = b_db, .embedded = true};
	struct kx_error err = {0};
	struct kx_core *b = kx_core_open(&o, &err);
	assert_non_null(b);
	struct kx_principal bwho;
	assert_int_equal(kx_auth_local(b, "default", "admin", &bwho, &err), 0);
	fx_incident(f, &f->admin, "the real future", "sev3");
	for (int i = 0; i < 2; i++) {
		struct kx_request req = {.op = "incident.create", .who = &bwho,
					 .body = "{\"title\":\"a rewritten one\",\"severity\":\"sev3\"}"};
		req.body_len = strlen(req.body);
		struct kx_response resp;
		kx_call(b, &req, &resp);
		assert_int_equal(resp.status, 201);
		kx_response_free(&resp);
	}
	const struct fx_resp *a_note = fx_get(f, &f->admin, "ledger.get", NULL, NULL);
	struct kx_param q[] = {{NULL, NULL}};
	struct kx_request req = {.op = "ledger.get", .who = &bwho, .query = q};
	struct kx_response b_note;
	kx_call(b, &req, &b_note);
	assert_int_equal(b_note.status, 200);
	char *pub = read_text(f->pub_path);
	struct kx_checkpoint ca, cb;
	assert_int_equal(kx_checkpoint_verify(a_note->raw, pub, &ca, &err), 0);
	assert_int_equal(kx_checkpoint_verify(b_note.body, pub, &cb, &err), 0);
	assert_true(cb.size > ca.size);
	/* B's proof that it extends A's checkpoint cannot hold. */
	char from[24], to[24];
	snprintf(from, sizeof from, "%llu", (unsigned long long)ca.size);
	snprintf(to, sizeof to, "%llu", (unsigned long long)cb.size);
	struct kx_param cq[] = {{"from", from}, {"to", to}, {NULL, NULL}};
	struct kx_request creq = {.op = "ledger.consistency", .who = &bwho, .query = cq};
	struct kx_response proof;
	kx_call(b, &creq, &proof);
	assert_int_equal(proof.status, 200);
	cJSON *pj = cJSON_Parse(proof.body);
	const cJSON *hs = cJSON_GetObjectItem(pj, "hashes");
	const char *hashes[64];
	size_t n = 0;
	const cJSON *h;
	cJSON_ArrayForEach(h, hs) hashes[n++] = h->valuestring;
	assert_int_equal(kx_checkpoint_consistent(&ca, &cb, hashes, n, &err), -1);
	assert_string_equal(err.code, "ledger_inconsistent");
	/* A checkpoint re-signed over the same size but another tree is caught too. */
	struct kx_checkpoint same = cb;
	same.size = ca.size;
	assert_int_equal(kx_checkpoint_consistent(&ca, &same, NULL, 0, &err), -1);
	/* And a note that is not in klaxon's exact form is refused. */
	char *bent = strdup(a_note->raw);
	bent[strlen(bent) - 2] ^= 0x01; /* the base64's last character */
	assert_int_equal(kx_checkpoint_verify(bent, pub, &ca, &err), -1);
	free(bent);
	cJSON_Delete(pj);
	kx_response_free(&proof);
	kx_response_free(&b_note);
	kx_core_close(b);
	free(pub);
}

/* ---- bundle files no record names ---- */

static void plant(const char *dir, const char *name, const char *text, time_t mtime)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *out = fopen(path, "w");
	assert_non_null(out);
	fputs(text, out);
	fclose(out);
	struct timespec times[2] = {{.tv_sec = mtime}, {.tv_sec = mtime}};
	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
}

static bool present(const char *dir, const char *name)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static int tar_files(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strlen(e->d_name) == 68 && !strcmp(e->d_name + 64, ".tar");
	closedir(d);
	return n;
}

/* A bundle whose export rolled back after its file was kept (or whose process died), and a
 * spool file a dead export left, go with the next export; recorded bundles, a spool being
 * written and files that are not bundles stay. */
static void test_orphan_bundles_are_swept(void **state)
{
	struct fx *f = *state;
	fx_incident(f, &f->admin, "db down", "sev2");
	const char *first = fx_str(export(f, &f->admin, "default", WINDOW_FROM, WINDOW_TO), "id");
	char dir[700], orphan[80], stale[80], fresh[80];
	snprintf(dir, sizeof dir, "%s-bundles", f->db);
	assert_int_equal(tar_files(dir), 1);
	memset(orphan, 'a', 64);
	memset(stale, 'b', 64);
	memset(fresh, 'c', 64);
	strcpy(orphan + 64, ".tar");
	strcpy(stale + 64, ".tmp");
	strcpy(fresh + 64, ".tmp");
	time_t now = time(NULL);
	plant(dir, orphan, "a bundle whose record never committed", now);
	plant(dir, stale, "half a bundle", now - 2 * 86400);
	plant(dir, fresh, "a bundle being written", now);
	plant(dir, "notes.txt", "not a bundle", now - 30 * 86400);
	assert_int_equal(tar_files(dir), 2);
	fx_incident(f, &f->admin, "cache cold", "sev3");
	const char *second = fx_str(export(f, &f->admin, "default", WINDOW_FROM, WINDOW_TO), "id");
	assert_false(present(dir, orphan));
	assert_false(present(dir, stale));
	assert_true(present(dir, fresh));
	assert_true(present(dir, "notes.txt"));
	assert_int_equal(tar_files(dir), 2); /* the two exports' */
	struct kx_bundle_report rep;
	const struct fx_resp *tar = download(f, &f->admin, "default", first);
	verify_ok(f, tar->raw, tar->raw_len, &rep);
	kx_bundle_report_free(&rep);
	tar = download(f, &f->admin, "default", second);
	verify_ok(f, tar->raw, tar->raw_len, &rep);
	kx_bundle_report_free(&rep);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_export_download_verify),
		T(test_second_export_proves_consistency),
		T(test_every_single_byte_change_is_detected),
		T(test_dropped_added_reordered_receipts),
		T(test_proofs_json_framing),
		T(test_planted_secrets_are_redacted_and_logged),
		T(test_tenant_redaction_rules),
		T(test_replay_reports_redacted_as_not_replayable),
		cmocka_unit_test(test_replay_detects_drift),
		T(test_platform_admin_exports_offboarded_tenant),
		T(test_witness_catches_rewritten_history),
		T(test_orphan_bundles_are_swept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
