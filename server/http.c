/* Request handling: body collection with a cap, content type, auth, feature flags, the
 * operation through kx_call, and one JSON log line per request. A malformed request gets a
 * 4xx with a JSON error, never a 5xx. */
#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ids.h"
#include "metrics.h"
#include "routes.h"

#define HTTP_MAX_QUERY 32

struct http_server {
	struct MHD_Daemon *daemon;
	struct kx_core *core;
	const struct server_config *cfg;
	struct metrics *metrics;
	FILE *log;
};

/* What a request came to, for the response, the log and the metrics. */
struct outcome {
	int status;
	char *body;
	size_t body_len; /* a binary body's bytes (an evidence bundle); 0: NUL-terminated text */
	const char *content_type;
	char *location;
	bool replayed;
	bool close; /* answer with Connection: close (the rest of the stream is not read) */
	char request_id[KX_ID_MAX];
	const char *op;
	struct kx_principal who;
	bool authenticated;
};

/* Per request: the body as it arrives. */
struct request {
	char *body;
	size_t len, cap;
	bool too_large;
	bool refused; /* answered on the first call (refuse_framing): nothing more is done */
	struct timespec t0;
};

static double elapsed_s(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void fail(struct outcome *o, int status, const char *code, const char *message)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *e = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", message);
	cJSON_AddStringToObject(e, "request_id", o->request_id);
	free(o->body);
	o->body = cJSON_PrintUnformatted(root);
	o->content_type = "application/json";
	o->status = status;
	cJSON_Delete(root);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* The request id a client sent, when it is sane; else a new one. */
static void request_id_of(struct MHD_Connection *c, char out[KX_ID_MAX])
{
	const char *rid = header(c, "X-Request-Id");
	size_t n = rid ? strlen(rid) : 0;
	bool ok = n > 0 && n < KX_ID_MAX;
	for (size_t i = 0; ok && i < n; i++)
		ok = rid[i] > ' ' && rid[i] <= '~' && rid[i] != '"' && rid[i] != '\\';
	if (ok)
		memcpy(out, rid, n + 1);
	else
		kx_id_new("req_", out);
}

struct query {
	struct kx_param p[HTTP_MAX_QUERY + 1];
	int n;
	bool overflow;
};

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	(void)kind;
	struct query *q = cls;
	if (q->n == HTTP_MAX_QUERY) {
		q->overflow = true;
		return MHD_NO;
	}
	q->p[q->n++] = (struct kx_param){key, value ? value : ""};
	return MHD_YES;
}

static bool json_content_type(struct MHD_Connection *c)
{
	const char *ct = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!ct)
		return false;
	size_t n = strlen("application/json");
	return strncasecmp(ct, "application/json", n) == 0 && (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}

static enum feature feature_of(const struct route *r)
{
	int f = r->feature ? config_feature_by_name(r->feature) : -1;
	return f < 0 ? FEATURE_COUNT : (enum feature)f;
}

static bool bearer(struct MHD_Connection *c, const char **token)
{
	const char *auth = header(c, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return false;
	*token = auth + 7;
	return true;
}

/* Built-in endpoints that need no token. true when the path was one of them. */
static bool serve_operational(struct http_server *s, struct MHD_Connection *c, const char *method,
			      const char *url, struct outcome *o)
{
	if (strcmp(method, "GET") != 0)
		return false;
	if (!strcmp(url, "/healthz")) {
		o->status = 200;
		o->body = strdup("{\"status\":\"ok\"}");
		o->content_type = "application/json";
		return true;
	}
	if (!strcmp(url, "/readyz")) {
		struct kx_error err = {0};
		if (kx_core_ready(s->core, &err))
			fail(o, 503, "unavailable", err.message);
		else {
			o->status = 200;
			o->body = strdup("{\"status\":\"ready\"}");
			o->content_type = "application/json";
		}
		return true;
	}
	if (!strcmp(url, "/metrics")) {
		/* Loopback may scrape without a token; others need a platform admin's. */
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		const struct sockaddr *sa = ci ? ci->client_addr : NULL;
		bool loopback = sa && ((sa->sa_family == AF_INET &&
					(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127) ||
				       (sa->sa_family == AF_INET6 &&
					IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr)));
		const char *token = NULL;
		struct kx_error err = {0};
		if (!loopback && (!bearer(c, &token) || kx_auth_token(s->core, token, &o->who, &err) ||
				  strcmp(o->who.tenant_id, "platform") != 0)) {
			fail(o, 401, "unauthenticated",
			     "metrics are for platform admins, or unauthenticated from loopback");
			return true;
		}
		o->status = 200;
		struct kx_stats st;
		kx_core_stats(s->core, &st);
		o->body = metrics_render(s->metrics, &st);
		o->content_type = "text/plain; version=0.0.4";
		return true;
	}
	return false;
}

static void dispatch(struct http_server *s, struct MHD_Connection *c, const char *method,
		     const char *url, struct request *r, struct outcome *o)
{
	char id[ROUTE_ID_MAX], sub[ROUTE_ID_MAX];
	bool path_known;
	const struct route *route = route_match(method, url, id, sub, &path_known);
	if (!route) {
		fail(o, 404, "not_found", path_known ? "that method is not served on this path"
						     : "no such endpoint");
		return;
	}
	o->op = route->op;
	if (r->too_large) {
		fail(o, 413, "body_too_large", "the request body is over the limit");
		return;
	}
	if (r->len > 0 && !json_content_type(c)) {
		fail(o, 415, "unsupported_media_type", "bodies must be application/json");
		return;
	}
	const char *token = NULL;
	struct kx_error err = {0};
	if (!bearer(c, &token) || kx_auth_token(s->core, token, &o->who, &err)) {
		kx_core_count_unattributed(s->core);
		if (err.status == 503)
			fail(o, 503, "unavailable", err.message);
		else
			fail(o, 401, "unauthenticated", "a valid bearer token is required");
		return;
	}
	o->authenticated = true;
	enum feature f = feature_of(route);
	if (f != FEATURE_COUNT && !config_feature_on(s->cfg, o->who.tenant_id, f)) {
		fail(o, 404, "feature_disabled", "this feature is switched off");
		return;
	}
	struct query q = {0};
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_query, &q);
	if (q.overflow) {
		fail(o, 400, "invalid_query", "too many query parameters");
		return;
	}
	struct kx_request req = {
		.op = route->op,
		.who = &o->who,
		.id = id[0] ? id : NULL,
		.sub_id = sub[0] ? sub : NULL,
		.query = q.p,
		.body = r->len ? r->body : NULL,
		.body_len = r->len,
		.idempotency_key = header(c, "Idempotency-Key"),
		.if_match = header(c, MHD_HTTP_HEADER_IF_MATCH),
		.request_id = o->request_id,
		.override = header(c, "X-Klaxon-Override"),
	};
	struct kx_response resp;
	kx_call(s->core, &req, &resp);
	o->status = resp.status;
	o->body = resp.body;
	o->body_len = resp.body_len;
	o->content_type = resp.content_type;
	o->location = resp.location;
	o->replayed = resp.replayed;
	resp.body = resp.location = NULL;
}

/* Appends v to buf as the inside of a JSON string (", \\ and control characters escaped). */
static size_t json_escape(char *buf, size_t at, size_t cap, const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p && at + 7 < cap; p++) {
		if (*p == '"' || *p == '\\') {
			buf[at++] = '\\';
			buf[at++] = (char)*p;
		} else if (*p < 0x20) {
			at += (size_t)snprintf(buf + at, cap - at, "\\u%04x", *p);
		} else {
			buf[at++] = (char)*p;
		}
	}
	buf[at] = 0;
	return at;
}

/* One JSON line per request, written directly: building it with cJSON cost more than the
 * rest of a cached read's bookkeeping. */
static void log_line(struct http_server *s, const char *method, const char *url,
		     const struct outcome *o, double secs)
{
	if (!s->log)
		return;
	char at[32], line[2048];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
	const char *fields[][2] = {
		{"at", at},
		{"request_id", o->request_id},
		{"tenant", o->authenticated ? o->who.tenant_id : ""},
		{"actor", o->authenticated ? o->who.actor_id : ""},
		{"op", o->op ? o->op : ""},
		{"method", method},
		{"path", url},
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		n += (size_t)snprintf(line + n, sizeof line - n, "%s\"%s\":\"", i ? "," : "{",
				      fields[i][0]);
		n = json_escape(line, n, sizeof line - 64, fields[i][1]);
		line[n++] = '"';
	}
	n += (size_t)snprintf(line + n, sizeof line - n, ",\"status\":%d,\"duration_ms\":%.3f}\n",
			      o->status, secs * 1e3);
	/* One write(2) per line and no lock: the log is opened for appending (or is stderr, which
	 * is unbuffered), and a line of at most 2 kB is appended whole. */
	ssize_t w = write(fileno(s->log), line, n < sizeof line ? n : sizeof line - 1);
	(void)w; /* a lost log line is not the request's failure */
}

static enum MHD_Result queue(struct MHD_Connection *c, struct outcome *o)
{
	const char *body = o->body ? o->body : "";
	struct MHD_Response *resp;
	if (o->body_len > 0) { /* a binary body is handed over, not copied: it may be large */
		resp = MHD_create_response_from_buffer(o->body_len, o->body, MHD_RESPMEM_MUST_FREE);
		if (resp)
			o->body = NULL;
	} else {
		resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
						       MHD_RESPMEM_MUST_COPY);
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				o->content_type ? o->content_type : "application/json");
	MHD_add_response_header(resp, "X-Request-Id", o->request_id);
	if (o->location)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, o->location);
	if (o->replayed)
		MHD_add_response_header(resp, "Idempotent-Replayed", "true");
	if (o->close) /* libmicrohttpd closes the connection once this response is sent */
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result rc = MHD_queue_response(c, (unsigned)o->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* Appends a chunk of the body, or marks the request too large (keeping nothing more). */
static void take_body(struct http_server *s, struct request *r, const char *data, size_t n)
{
	if (r->too_large || r->len + n > s->cfg->body_limit) {
		r->too_large = true;
		return;
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		while (cap < r->len + n + 1)
			cap *= 2;
		char *b = realloc(r->body, cap);
		if (!b) {
			r->too_large = true;
			return;
		}
		r->body = b;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = 0;
}

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

/* Percent-decoding for paths and query values that leaves "%00" as it is: a NUL would cut
 * the C string short and turn "/incidents/X%00junk" into "/incidents/X". */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls, (void)c;
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
	return (size_t)(w - s);
}

/* RFC 9110 5.1 and 5.5: a field name is a token; a value has no control character but HTAB
 * (libmicrohttpd 0.9.75 passes through names with spaces and values with a bare CR, even with
 * MHD_OPTION_STRICT_FOR_CLIENT). A NUL cannot be caught here: libmicrohttpd 0.9.75 measures a
 * value with strlen, so MHD_get_connection_values_n hands over "a\0b" as "a" with value_size
 * 1, and the bytes after the NUL are never seen (nor used) by klaxond. */
static bool header_token_char(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static enum MHD_Result check_header(void *cls, enum MHD_ValueKind kind, const char *key,
				    size_t key_size, const char *value, size_t value_size)
{
	(void)kind;
	bool *ok = cls;
	for (size_t i = 0; i < key_size; i++)
		if (!header_token_char((unsigned char)key[i]))
			*ok = false;
	for (size_t i = 0; value && i < value_size; i++) {
		unsigned char ch = (unsigned char)value[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			*ok = false;
	}
	return *ok ? MHD_YES : MHD_NO;
}

static bool headers_valid(struct MHD_Connection *c)
{
	bool ok = true;
	MHD_get_connection_values_n(c, MHD_HEADER_KIND, check_header, &ok);
	return ok;
}

/* RFC 9112 6.3: a request whose body length is ambiguous — more than one Content-Length
 * (equal or not), Content-Length beside Transfer-Encoding, or a Transfer-Encoding that is not
 * chunked alone — must be refused and its connection closed. libmicrohttpd 0.9.75 takes the
 * first Content-Length and reads what follows as the next request on the connection: behind
 * a proxy that went by another field, that is a request smuggled past the proxy. */
struct framing {
	int content_length, transfer_encoding;
	bool te_chunked;
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	(void)kind;
	struct framing *f = cls;
	if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
		f->content_length++;
	} else if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		f->transfer_encoding++;
		f->te_chunked = value && !strcasecmp(value, "chunked");
	}
	return MHD_YES;
}

static bool framing_ambiguous(struct MHD_Connection *c)
{
	struct framing f = {0};
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &f);
	return f.content_length > 1 || f.transfer_encoding > 1 ||
	       (f.transfer_encoding && (f.content_length || !f.te_chunked));
}

/* The whole of a request but its response: routing, the operation, metrics and the log. */
static void handle(struct http_server *s, struct MHD_Connection *c, const char *method,
		   const char *url, struct request *r, struct outcome *o)
{
	request_id_of(c, o->request_id);
	if (r->refused)
		fail(o, 400, "invalid_field",
		     "ambiguous request framing: more than one Content-Length, or Transfer-Encoding "
		     "that is not chunked alone or comes with Content-Length");
	else if (!headers_valid(c))
		fail(o, 400, "invalid_field", "malformed header: a field name must be a token and a "
					      "value must not hold control characters");
	else if (!serve_operational(s, c, method, url, o))
		dispatch(s, c, method, url, r, o);
	double secs = elapsed_s(&r->t0);
	metrics_observe(s->metrics, o->authenticated ? o->who.tenant_id : "", o->op, o->status, secs);
	log_line(s, method, url, o, secs);
}

static enum MHD_Result respond(struct MHD_Connection *c, struct outcome *o)
{
	enum MHD_Result rc = queue(c, o);
	free(o->body);
	free(o->location);
	o->body = o->location = NULL;
	return rc;
}

/* A request whose framing is refused, answered before its body is read; the connection is
 * closed after the answer, so no byte after the headers is ever taken for a request. */
static enum MHD_Result refuse_framing(struct http_server *s, struct MHD_Connection *c,
				      const char *method, const char *url, struct request *r)
{
	struct outcome o = {.close = true};
	r->refused = true;
	handle(s, c, method, url, r, &o);
	return respond(c, &o);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	(void)version;
	struct http_server *s = cls;
	struct request *r = *state;
	if (!r) { /* first call: answer on a later one, so keep-alive survives (FACTS.md) */
		r = calloc(1, sizeof *r);
		if (!r)
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &r->t0);
		*state = r;
		if (framing_ambiguous(c))
			return refuse_framing(s, c, method, url, r);
		return MHD_YES;
	}
	if (r->refused) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		take_body(s, r, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	struct outcome o = {0};
	handle(s, c, method, url, r, &o);
	return respond(c, &o);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c, (void)toe;
	struct request *r = *state;
	if (r) {
		free(r->body);
		free(r);
		*state = NULL;
	}
}

static int parse_listen(const char *listen, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	if (!colon || (size_t)(colon - listen) >= sizeof host)
		return -1;
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = 0;
	char *end = NULL;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -1;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof host, "127.0.0.1");
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

struct http_server *http_start(struct kx_core *core, const struct server_config *cfg,
			       const struct http_tls *tls, FILE *log, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	if (parse_listen(cfg->listen, &sa)) {
		snprintf(err, errlen, "--listen %s: expected IPv4-HOST:PORT", cfg->listen);
		return NULL;
	}
	struct http_server *s = calloc(1, sizeof *s);
	if (!s || !(s->metrics = metrics_new())) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->core = core;
	s->cfg = cfg;
	s->log = log;
	/* A mutation holds its thread until its group is durable. In a pool every connection
	 * the thread serves waits with it, and libmicrohttpd places connections on threads as
	 * they happen to accept them (two or more on one thread in some runs): by default each
	 * connection has a thread of its own instead (POST /incidents under 32 clients: 8.1-9.0k/s
	 * on a pool of 32, 10.8-11.4k/s with a thread each). `threads = N` asks for a pool of N. */
	unsigned flags = cfg->threads ? MHD_USE_EPOLL_INTERNAL_THREAD
				      : MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
						MHD_USE_POLL;
	flags |= MHD_USE_ERROR_LOG | MHD_USE_ITC;
	if (tls && tls->cert_pem) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "this libmicrohttpd was built without TLS");
			http_stop(s);
			return NULL;
		}
		flags |= MHD_USE_TLS;
	}
	struct MHD_OptionItem opts[] = {
		{MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg->connection_limit, NULL},
		{MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)cfg->per_ip_limit, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->timeout_s, NULL},
		{MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)cfg->memory_limit, NULL},
		/* Refuse malformed requests (spaces in header names, bare CR, obs-fold, no Host)
		 * rather than guess at them. */
		{MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL},
		/* MHD refuses a pool size with a thread per connection, and TLS options without
		 * TLS: each is there only when wanted (an option repeated harmlessly otherwise). */
		{cfg->threads ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_STRICT_FOR_CLIENT,
		 cfg->threads ? (intptr_t)cfg->threads : 1, NULL},
		{tls && tls->cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0,
		 tls ? tls->cert_pem : NULL},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, tls ? tls->key_pem : NULL},
		{MHD_OPTION_END, 0, NULL},
	};
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
				     (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
				     s, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
				     MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!s->daemon) {
		snprintf(err, errlen, "cannot listen on %s (in use, or a bad TLS certificate/key)",
			 cfg->listen);
		http_stop(s);
		return NULL;
	}
	return s;
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	if (s->daemon) {
		/* Quiesce first: no new connections while the pool finishes what it has. */
		MHD_quiesce_daemon(s->daemon);
		MHD_stop_daemon(s->daemon);
	}
	metrics_free(s->metrics);
	free(s);
}
