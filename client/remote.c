/* The remote backend: operations become HTTP requests to klaxond through the shared route
 * table, over libcurl with certificate verification on by default. A transport failure is
 * answered like a server would: 503 with a JSON error, so callers have one path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "backend_impl.h"
#include "routes.h"

#define REMOTE_MAX_BODY (64u << 20)

struct remote {
	CURL *curl;
	char base[1024];
	char *auth; /* "Authorization: Bearer ..." (zeroed on close) */
	char *cacert;
	bool insecure;
};

struct buffer {
	char *data;
	size_t len, max;
	bool overflow;
};

struct reply {
	struct buffer body;
	bool replayed;
	char request_id[64];
};

static size_t on_body(char *p, size_t size, size_t n, void *cls)
{
	struct buffer *b = cls;
	size_t add = size * n;
	if (b->len + add > b->max) {
		b->overflow = true;
		return 0; /* aborts the transfer */
	}
	char *d = realloc(b->data, b->len + add + 1);
	if (!d)
		return 0;
	memcpy(d + b->len, p, add);
	b->data = d;
	b->len += add;
	d[b->len] = 0;
	return add;
}

struct progress {
	const struct backend_request *req;
	struct backend *b;
};

/* Called by libcurl about once a second even while nothing arrives, so a cancel is noticed
 * on a server that accepted the connection and then went silent. */
static int on_progress(void *cls, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const struct progress *p = cls;
	(void)ultotal, (void)ulnow;
	if (atomic_load(&p->b->cancelled))
		return 1; /* aborts the transfer */
	if (p->req->progress)
		p->req->progress(p->req->progress_ctx, (uint64_t)dlnow, (uint64_t)dltotal);
	return 0;
}

/* Every answer is a JSON object but a checkpoint (text) and a bundle (tar). */
static bool answers_json(const char *op)
{
	return strcmp(op, "ledger.get") != 0 && strcmp(op, "evidence.download") != 0;
}

static bool is_json_object(const char *body, size_t len)
{
	cJSON *o = body ? cJSON_ParseWithLength(body, len) : NULL;
	bool ok = cJSON_IsObject(o);
	cJSON_Delete(o);
	return ok;
}

/* Copies a header's value (trimmed) when its name matches. */
static bool header_value(const char *line, size_t len, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	if (len <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return false;
	const char *v = line + nl + 1, *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	snprintf(out, outlen, "%.*s", (int)(end - v), v);
	return true;
}

static size_t on_header(char *p, size_t size, size_t n, void *cls)
{
	struct reply *r = cls;
	char v[64];
	if (header_value(p, size * n, "Idempotent-Replayed", v, sizeof v))
		r->replayed = strcasecmp(v, "true") == 0;
	header_value(p, size * n, "X-Request-Id", r->request_id, sizeof r->request_id);
	return size * n;
}

/* base + path + ?query, every value escaped. */
static char *build_url(struct remote *rm, const struct route *route,
		       const struct backend_request *req)
{
	char path[1024];
	if (!route_path(route, req->id, req->sub_id, path, sizeof path))
		return NULL;
	char *url = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&url, &len);
	if (!f)
		return NULL;
	fprintf(f, "%s%s", rm->base, path);
	char sep = '?';
	for (const struct backend_param *q = req->query; q && q->name; q++) {
		char *k = curl_easy_escape(rm->curl, q->name, 0);
		char *v = curl_easy_escape(rm->curl, q->value ? q->value : "", 0);
		if (k && v)
			fprintf(f, "%c%s=%s", sep, k, v);
		curl_free(k);
		curl_free(v);
		sep = '&';
	}
	fclose(f);
	return url;
}

static struct curl_slist *add_header(struct curl_slist *h, const char *name, const char *value)
{
	if (!value)
		return h;
	/* A header value with a line break would smuggle another header: refuse to send it. */
	if (strpbrk(value, "\r\n"))
		return h;
	char line[2048];
	snprintf(line, sizeof line, "%s: %s", name, value);
	return curl_slist_append(h, line);
}

static int remote_call(struct backend *b, const struct backend_request *req,
		       struct backend_response *resp)
{
	struct remote *rm = b->impl;
	const struct route *route = route_for_op(req->op);
	char *url = route ? build_url(rm, route, req) : NULL;
	if (!url) {
		backend_fail(resp, 400, "invalid_field", route ? "an id is missing or too long"
							       : "no such operation");
		return 0;
	}
	struct curl_slist *h = curl_slist_append(NULL, rm->auth);
	h = add_header(h, "Content-Type", req->body ? "application/json" : NULL);
	h = add_header(h, "Idempotency-Key", req->idempotency_key);
	h = add_header(h, "If-Match", req->if_match);
	h = add_header(h, "X-Klaxon-Override", req->override);
	h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
	struct reply r = {.body.max = req->max_body ? req->max_body : REMOTE_MAX_BODY};
	CURL *c = rm->curl;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, route->method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (rm->cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, rm->cacert);
	if (rm->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	struct progress prog = {req, b};
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &prog);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	if (req->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(req->body));
	}
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		char msg[1400];
		snprintf(msg, sizeof msg, "cannot reach %s: %s", rm->base,
			 r.body.overflow			 ? "the answer is too large"
			 : rc == CURLE_ABORTED_BY_CALLBACK ? "cancelled"
							   : curl_easy_strerror(rc));
		free(r.body.data);
		backend_fail(resp, 503, "unavailable", msg);
	} else if (status >= 200 && status <= 299 && answers_json(req->op) &&
		   !is_json_object(r.body.data, r.body.len)) {
		/* Something answers there, but not klaxond: as unusable as no answer at all, and
		 * callers must never take it for an empty list. */
		char msg[1400];
		snprintf(msg, sizeof msg, "%s answered %ld with something that is not klaxon's JSON",
			 rm->base, status);
		free(r.body.data);
		backend_fail(resp, 503, "unavailable", msg);
	} else {
		resp->status = (int)status;
		resp->body = r.body.data ? r.body.data : strdup("");
		resp->body_len = r.body.data ? r.body.len : 0;
		resp->replayed = r.replayed;
		snprintf(resp->request_id, sizeof resp->request_id, "%s", r.request_id);
	}
	curl_slist_free_all(h);
	free(url);
	return 0;
}

static int remote_verify(struct backend *b, char *msg, size_t len)
{
	(void)b;
	snprintf(msg, len, "ledger verify recomputes a store's ledgers: run it on the store "
			   "(--db), or check a server through evidence bundles");
	return -1;
}

static void remote_close(struct backend *b)
{
	struct remote *rm = b->impl;
	curl_easy_cleanup(rm->curl);
	if (rm->auth) {
		memset(rm->auth, 0, strlen(rm->auth));
		free(rm->auth);
	}
	free(rm->cacert);
	free(rm);
}

static const struct backend_vtable remote_vtable = {
	.kind = "remote",
	.call = remote_call,
	.ledger_verify = remote_verify,
	.close = remote_close,
};

struct backend *remote_open(const struct backend_config *cfg, char *err, size_t errlen)
{
	size_t n = strlen(cfg->server_url);
	if ((strncmp(cfg->server_url, "http://", 7) && strncmp(cfg->server_url, "https://", 8)) ||
	    n >= 1024) {
		snprintf(err, errlen, "--server %s: expected an http:// or https:// URL", cfg->server_url);
		return NULL;
	}
	if (!cfg->token || !*cfg->token || strpbrk(cfg->token, "\r\n")) {
		snprintf(err, errlen, "a server needs a token: --token T or KLAXON_TOKEN");
		return NULL;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct remote *rm = calloc(1, sizeof *rm);
	struct backend *b = calloc(1, sizeof *b);
	size_t alen = strlen(cfg->token) + 32;
	if (rm)
		rm->auth = malloc(alen);
	if (!rm || !b || !rm->auth || !(rm->curl = curl_easy_init())) {
		free(b);
		if (rm) {
			free(rm->auth);
			free(rm);
		}
		snprintf(err, errlen, "cannot start libcurl");
		return NULL;
	}
	snprintf(rm->auth, alen, "Authorization: Bearer %s", cfg->token);
	/* The base has no trailing slash: route paths start with one. */
	snprintf(rm->base, sizeof rm->base, "%.*s", (int)(n - (cfg->server_url[n - 1] == '/')),
		 cfg->server_url);
	rm->cacert = cfg->cacert ? strdup(cfg->cacert) : NULL;
	rm->insecure = cfg->insecure;
	b->vt = &remote_vtable;
	b->impl = rm;
	return b;
}
