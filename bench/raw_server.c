/* The raw HTTP baselines klaxond's figures are divided by: a minimal libmicrohttpd server with
 * klaxond's own daemon settings (a thread per connection, or KX_THREADS' pool; the same
 * connection limits and timeout), answering every request with 200 bytes of JSON; and
 * the same server doing one SQLite point read by key per request (each thread its own
 * connection, opened at its first request and never closed: a benchmark's connections are
 * few and long-lived; each read its own transaction) and answering with the row.
 *
 *   raw_server static PORT
 *   raw_server sqlite PORT DB          (DB is made here: 100,000 rows of ~300 bytes)
 *
 * Runs until SIGTERM/SIGINT. Like klaxond, it answers on the second callback of a request:
 * queueing on the first makes libmicrohttpd close the connection (FACTS.md). */
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define ROWS 100000

static const char *db_path;
static char static_body[201];
static __thread sqlite3 *thread_db;
static __thread sqlite3_stmt *thread_st;

static void make_db(const char *path)
{
	unlink(path);
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		bench_die("cannot make the database");
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			 "CREATE TABLE items(id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;"
			 "BEGIN",
		     NULL, NULL, NULL);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "INSERT INTO items VALUES (?, ?)", -1, &st, NULL);
	char id[32], body[320];
	for (int i = 0; i < ROWS; i++) {
		snprintf(id, sizeof id, "item_%08d", i);
		int n = snprintf(body, sizeof body, "{\"id\":\"%s\",\"title\":\"row %d\",\"text\":\"",
				 id, i);
		memset(body + n, 'x', 280 - (size_t)n);
		snprintf(body + 280, sizeof body - 280, "\"}");
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, body, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
}

/* The row named by the URL's last segment, copied; NULL when absent. */
static char *point_read(const char *url)
{
	if (!thread_db) {
		if (sqlite3_open_v2(db_path, &thread_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
				    NULL) != SQLITE_OK)
			return NULL;
		sqlite3_prepare_v3(thread_db, "SELECT body FROM items WHERE id = ?", -1,
				   SQLITE_PREPARE_PERSISTENT, &thread_st, NULL);
	}
	const char *id = strrchr(url, '/');
	sqlite3_bind_text(thread_st, 1, id ? id + 1 : "", -1, SQLITE_STATIC);
	char *out = NULL;
	if (sqlite3_step(thread_st) == SQLITE_ROW)
		out = strdup((const char *)sqlite3_column_text(thread_st, 0));
	sqlite3_reset(thread_st);
	return out;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	(void)cls, (void)method, (void)version, (void)upload;
	static int first;
	if (*state != &first) { /* keep-alive: answer on the second call (FACTS.md) */
		*state = &first;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	struct MHD_Response *resp;
	unsigned status = 200;
	if (db_path) {
		char *row = point_read(url);
		if (!row)
			status = 404;
		resp = row ? MHD_create_response_from_buffer(strlen(row), row, MHD_RESPMEM_MUST_FREE)
			   : MHD_create_response_from_buffer(2, (void *)"{}", MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(200, static_body, MHD_RESPMEM_PERSISTENT);
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	enum MHD_Result rc = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 3 || (!strcmp(argv[1], "sqlite") && argc != 4)) {
		fprintf(stderr, "usage: raw_server static PORT | raw_server sqlite PORT DB\n");
		return 2;
	}
	if (!strcmp(argv[1], "sqlite")) {
		db_path = argv[3];
		make_db(db_path);
	}
	memset(static_body, 'x', 200);
	memcpy(static_body, "{\"ok\":true,\"pad\":\"", 18);
	memcpy(static_body + 198, "\"}", 2);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	/* klaxond's threads (server/http.c): one per connection by default; a pool of
	 * KX_THREADS, as klaxond's `threads` setting would make. */
	const char *te = getenv("KX_THREADS");
	unsigned threads = te && atoi(te) > 0 ? (unsigned)atoi(te) : 0;
	unsigned flags = threads ? MHD_USE_EPOLL_INTERNAL_THREAD
				 : MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
					   MHD_USE_POLL;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct MHD_Daemon *d = MHD_start_daemon(
		flags | MHD_USE_ERROR_LOG | MHD_USE_ITC, 0, NULL, NULL, on_request, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT, 4096u,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, 1024u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)128 * 1024,
		threads ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads, MHD_OPTION_END);
	if (!d)
		bench_die("cannot start the daemon");
	fprintf(stderr, "raw_server: %s on port %s\n", argv[1], argv[2]);
	int sig;
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return 0;
}
