/* Fuzzing helper: a populated embedded store, rebuilt every so often (see fuzz_store.h). */
#include "fuzz_store.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "minisign.h"

static struct fz_store st;

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_store: %s: %s\n", what, detail ? detail : "");
	abort();
}

char *fz_strndup(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = 0;
	return s;
}

static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	char p[600];
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(path);
}

/* One setup call that must succeed; returns the parsed body (caller frees). */
static cJSON *must(const struct kx_principal *who, const char *op, const char *id,
		   const char *sub, const char *body, int want)
{
	struct kx_request req = {.op = op, .who = who, .id = id, .sub_id = sub, .body = body,
				 .body_len = body ? strlen(body) : 0};
	struct kx_response resp;
	kx_call(st.core, &req, &resp);
	if (resp.status != want)
		die(op, resp.body);
	cJSON *j = cJSON_Parse(resp.body);
	kx_response_free(&resp);
	return j;
}

static void keep_id(const char *id)
{
	if (id && st.n_ids < FZ_IDS)
		snprintf(st.ids[st.n_ids++], KX_ID_MAX, "%s", id);
}

static void actor(int slot, const char *tenant, const char *name, const char *roles)
{
	char body[200];
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"roles\":%s}", name, roles);
	cJSON *r = must(&st.who[0], "actor.create", tenant, NULL, body, 201);
	const char *tok = cJSON_GetStringValue(cJSON_GetObjectItem(r, "token"));
	const char *aid = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "actor"), "id"));
	st.token[slot] = strdup(tok ? tok : "");
	if (slot == 1 || slot == 4)
		keep_id(aid);
	cJSON_Delete(r);
	struct kx_error err = {0};
	if (kx_auth_local(st.core, tenant, name, &st.who[slot], &err))
		die("kx_auth_local", err.message);
}

static void incident(int who, const char *title)
{
	char body[200];
	snprintf(body, sizeof body, "{\"title\":\"%s\",\"severity\":\"sev2\",\"labels\":[\"db\"]}",
		 title);
	cJSON *r = must(&st.who[who], "incident.create", NULL, NULL, body, 201);
	keep_id(cJSON_GetStringValue(cJSON_GetObjectItem(r, "id")));
	keep_id(cJSON_GetStringValue(cJSON_GetObjectItem(r, "receipt_id")));
	cJSON_Delete(r);
}

static const char runbook_doc[] =
	"{\"id\":\"restart\",\"name\":\"restart\",\"risk\":\"low\",\"tags\":[\"db\"],\"steps\":["
	"{\"id\":\"look\",\"title\":\"look\",\"kind\":\"manual\"},"
	"{\"id\":\"gate\",\"title\":\"gate\",\"kind\":\"approval\","
	"\"approvals\":{\"count\":1,\"roles\":[\"approver\"]}},"
	"{\"id\":\"fix\",\"title\":\"fix\",\"kind\":\"manual\",\"rollback\":{\"kind\":\"manual\"}}]}";

/* A trusted key, a published runbook of manual and approval steps (no command: nothing is
 * ever run), and an execution of it. */
static void runbook(void)
{
	struct minisign_pubkey pub;
	struct minisign_seckey sec;
	minisign_keygen(&pub, &sec);
	char *b64 = minisign_pubkey_base64(&pub);
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "name", "ops");
	cJSON_AddStringToObject(b, "public_key", b64);
	char *text = cJSON_PrintUnformatted(b);
	cJSON *r = must(&st.who[0], "signing_key.add", st.who[0].tenant_id, NULL, text, 201);
	keep_id(cJSON_GetStringValue(cJSON_GetObjectItem(r, "key_id")));
	cJSON_Delete(r);
	free(text);
	free(b64);
	cJSON_Delete(b);

	char *sig = minisign_sign(&sec, runbook_doc, strlen(runbook_doc), "fuzz");
	minisign_seckey_wipe(&sec);
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "document", runbook_doc);
	cJSON_AddStringToObject(b, "signature", sig);
	text = cJSON_PrintUnformatted(b);
	cJSON_Delete(must(&st.who[0], "runbook.publish", NULL, NULL, text, 201));
	free(text);
	free(sig);
	cJSON_Delete(b);
	keep_id("restart");
	r = must(&st.who[1], "runbook.launch", "restart", NULL, "{}", 201);
	keep_id(cJSON_GetStringValue(cJSON_GetObjectItem(r, "id")));
	cJSON_Delete(r);
}

static void build(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	snprintf(st.dir, sizeof st.dir, "%s/klaxon-fuzz-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(st.dir))
		die("mkdtemp", st.dir);
	snprintf(st.db, sizeof st.db, "%s/klaxon.db", st.dir);
	struct kx_core_options o = {.db_path = st.db, .embedded = true, .synchronous_normal = true};
	struct kx_init_result init;
	struct kx_error err = {0};
	if (kx_core_init(&o, &init, &err))
		die("kx_core_init", err.message);
	kx_init_result_wipe(&init);
	if (!(st.core = kx_core_open(&o, &err)))
		die("kx_core_open", err.message);
	if (kx_auth_local(st.core, "default", "admin", &st.who[0], &err))
		die("kx_auth_local", err.message);
	st.n_ids = 0;
	keep_id(st.who[0].tenant_id);
	keep_id(st.who[0].actor_id);
	cJSON_Delete(must(&st.who[0], "tenant.create", NULL, NULL,
			  "{\"id\":\"acme\",\"name\":\"Acme\",\"region\":\"eu\"}", 201));
	keep_id("acme");
	actor(1, st.who[0].tenant_id, "resp", "[\"responder\"]");
	actor(2, st.who[0].tenant_id, "view", "[\"viewer\"]");
	actor(3, st.who[0].tenant_id, "appr", "[\"approver\"]");
	actor(4, "acme", "boss", "[\"tenant-admin\"]");
	actor(5, "acme", "view", "[\"viewer\"]");
	incident(1, "database down");
	incident(4, "database down"); /* the same title in the other tenant */
	runbook();
}

static void teardown(void)
{
	if (!st.core)
		return;
	kx_core_close(st.core);
	st.core = NULL;
	for (int i = 0; i < FZ_WHO; i++) {
		free(st.token[i]);
		st.token[i] = NULL;
	}
	remove_tree(st.dir);
}

struct fz_store *fz_store_get(void)
{
	static int registered;
	if (!registered) {
		atexit(teardown);
		registered = 1;
	}
	if (st.core && st.inputs % FZ_RESET_EVERY == 0)
		teardown();
	if (!st.core)
		build();
	st.inputs++;
	return &st;
}

static void broken(const struct kx_request *req, const struct kx_response *resp, const char *why)
{
	fprintf(stderr, "fuzz: %s: op %s id %s sub %s -> %d %s\n", why, req->op,
		req->id ? req->id : "-", req->sub_id ? req->sub_id : "-", resp->status,
		resp->body ? resp->body : "(no body)");
	abort();
}

void fz_check_response(const struct kx_request *req, const struct kx_response *resp)
{
	if (!resp->body)
		broken(req, resp, "no body");
	if (resp->status < 200 || resp->status > 599)
		broken(req, resp, "status out of range");
	if (resp->status >= 500)
		broken(req, resp, "a 5xx");
	if (resp->status < 400 || resp->body_len)
		return;
	cJSON *j = cJSON_Parse(resp->body);
	const cJSON *e = cJSON_GetObjectItem(j, "error");
	if (!cJSON_IsString(cJSON_GetObjectItem(e, "code")) ||
	    !cJSON_IsString(cJSON_GetObjectItem(e, "message")) ||
	    !cJSON_IsString(cJSON_GetObjectItem(e, "request_id")))
		broken(req, resp, "an error that is not {\"error\":{code,message,request_id}}");
	cJSON_Delete(j);
}
