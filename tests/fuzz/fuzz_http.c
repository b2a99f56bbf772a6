/* libFuzzer harness: HTTP request handling without a socket. The input is a request as text
 * ("METHOD TARGET\nName: value\n...\n\nbody"); it is split the way klaxond splits one
 * (server/http.c: percent-decoding that keeps %00, query parameters, the headers the server
 * reads), routed with route_match, authenticated (a token "#N" names fixture principal N,
 * any other token goes through kx_auth_token), and sent through kx_call. Checked: route ids
 * are bounded and slash-free, a route's path built back by route_path routes to the same op
 * with the same ids, json_input_object never misbehaves, and every answer is well formed and
 * never a 5xx. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_store.h"
#include "json_input.h"
#include "routes.h"

#define MAX_QUERY 32
#define MAX_HEADERS 32

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* As klaxond's unescape callback: decodes %XX in place except %00. */
static void unescape(char *s)
{
	char *w = s;
	for (const char *r = s; *r; r++) {
		int hi, lo;
		if (r[0] == '%' && (hi = hex_digit(r[1])) >= 0 && (lo = hex_digit(r[2])) >= 0 &&
		    (hi | lo) != 0) {
			*w++ = (char)(hi * 16 + lo);
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = 0;
}

struct header {
	char *name, *value;
};

static const char *header(const struct header *h, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcasecmp(h[i].name, name) == 0)
			return h[i].value;
	return NULL;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = 0;
	return s;
}

/* As the server's request_id_of: a sane client id or none. */
static const char *request_id(const char *rid)
{
	size_t n = rid ? strlen(rid) : 0;
	if (n == 0 || n >= KX_ID_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(rid[i] > ' ' && rid[i] <= '~' && rid[i] != '"' && rid[i] != '\\'))
			return NULL;
	return rid;
}

static void check_route(const char *method, const struct route *r, const char *id,
			const char *sub)
{
	if (strlen(id) >= ROUTE_ID_MAX || strlen(sub) >= ROUTE_ID_MAX || strchr(id, '/') ||
	    strchr(sub, '/'))
		abort();
	char path[1024], id2[ROUTE_ID_MAX], sub2[ROUTE_ID_MAX];
	bool known;
	if (!route_path(r, id, sub, path, sizeof path))
		return;
	unescape(path);
	const struct route *back = route_match(method, path, id2, sub2, &known);
	if (back != r || strcmp(id, id2) != 0 || strcmp(sub, sub2) != 0) {
		fprintf(stderr, "route round trip: %s %s (id '%s' sub '%s') -> %s (id '%s' sub '%s')\n",
			method, r->path, id, sub, back ? back->op : "no route", id2, sub2);
		abort();
	}
}

static void run(struct fz_store *s, char *text, size_t size)
{
	/* The body starts after the first blank line; NULs in it are kept. */
	char *body = NULL;
	size_t body_len = 0;
	char *blank = strstr(text, "\n\n");
	if (blank) {
		*blank = 0;
		body = blank + 2;
		body_len = size - (size_t)(body - text);
	}
	char *save = NULL;
	char *line = strtok_r(text, "\n", &save);
	if (!line)
		return;
	char *method = line, *target = strchr(line, ' ');
	if (!target)
		return;
	*target++ = 0;
	char *sp = strchr(target, ' ');
	if (sp)
		*sp = 0; /* the HTTP version */
	struct header h[MAX_HEADERS];
	int nh = 0;
	while ((line = strtok_r(NULL, "\n", &save)) && nh < MAX_HEADERS) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = 0;
		h[nh].name = trim(line);
		h[nh].value = trim(colon + 1);
		nh++;
	}
	struct kx_param q[MAX_QUERY + 1];
	int nq = 0;
	char *qs = strchr(target, '?');
	if (qs) {
		*qs++ = 0;
		for (char *qsave = NULL, *t = strtok_r(qs, "&", &qsave); t && nq < MAX_QUERY;
		     t = strtok_r(NULL, "&", &qsave)) {
			char *eq = strchr(t, '=');
			if (eq)
				*eq++ = 0;
			unescape(t);
			if (eq)
				unescape(eq);
			q[nq].name = t;
			q[nq].value = eq ? eq : "";
			nq++;
		}
	}
	q[nq].name = q[nq].value = NULL;
	unescape(target);

	struct kx_error err = {0};
	cJSON *parsed = json_input_object(body, body_len, &err);
	if (!parsed && err.status != 400)
		abort();
	cJSON_Delete(parsed);

	char id[ROUTE_ID_MAX], sub[ROUTE_ID_MAX];
	bool known;
	const struct route *r = route_match(method, target, id, sub, &known);
	if (!r)
		return;
	check_route(method, r, id, sub);
	const char *ct = header(h, nh, "Content-Type");
	if (body_len && (!ct || strncasecmp(ct, "application/json", 16) != 0))
		return; /* 415 before auth */
	const char *auth = header(h, nh, "Authorization");
	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return; /* 401 */
	struct kx_principal who;
	const struct kx_principal *whop = &who;
	const char *tok = auth + 7;
	if (tok[0] == '#' && tok[1] >= '0' && tok[1] < '0' + FZ_WHO && !tok[2])
		whop = &s->who[tok[1] - '0'];
	else if (tok[0] == '#' && tok[1] == 't' && tok[2] >= '1' && tok[2] < '0' + FZ_WHO && !tok[3]) {
		if (kx_auth_token(s->core, s->token[tok[2] - '0'], &who, &err))
			abort(); /* a token the fixture was given must work */
	} else if (kx_auth_token(s->core, tok, &who, &err)) {
		return; /* 401 */
	}
	struct kx_request req = {
		.op = r->op,
		.who = whop,
		.id = id[0] ? id : NULL,
		.sub_id = sub[0] ? sub : NULL,
		.query = q,
		.body = body_len ? body : NULL,
		.body_len = body_len,
		.idempotency_key = header(h, nh, "Idempotency-Key"),
		.if_match = header(h, nh, "If-Match"),
		.request_id = request_id(header(h, nh, "X-Request-Id")),
		.override = header(h, nh, "X-Klaxon-Override"),
	};
	struct kx_response resp;
	kx_call(s->core, &req, &resp);
	fz_check_response(&req, &resp);
	kx_response_free(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct fz_store *s = fz_store_get();
	char *text = fz_strndup(data, size);
	run(s, text, size);
	free(text);
	return 0;
}
