/* The raw SQLite baselines klaxon's mutation figures are divided by: ~300-byte rows inserted
 * into a fresh WAL database, one per transaction with synchronous=FULL (one fsync each, the
 * floor of a durable single-row write), or 1,000 per transaction; one row into each of 20
 * tables per transaction (the floor of a durable write that touches as many b-trees as an
 * `incident.create` does); and point reads by key.
 *
 *   raw_sqlite single|normal|batch DB SECONDS    rows/s ("normal": synchronous=NORMAL)
 *   raw_sqlite btrees DB SECONDS                 transactions/s, 20 rows in 20 tables each
 *   raw_sqlite pointread DB SECONDS              reads/s, each in its own transaction */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define PAYLOAD 300

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "raw_sqlite: %s: %s\n", sql, msg ? msg : "?");
		exit(1);
	}
}

static sqlite3 *open_fresh(const char *path, bool full)
{
	char side[4200];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		bench_die("cannot open the database");
	exec(db, "PRAGMA journal_mode=WAL");
	exec(db, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
	exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT NOT NULL, payload TEXT NOT NULL)");
	return db;
}

static void payload_of(char *buf, long i)
{
	memset(buf, 'x', PAYLOAD);
	int n = snprintf(buf, PAYLOAD, "{\"n\":%ld,\"title\":\"row\"", i);
	buf[n] = ' ';
	buf[PAYLOAD - 1] = '}';
	buf[PAYLOAD] = 0;
}

/* Inserts for `seconds`, `per_txn` rows per transaction; rows/s. */
static double inserts(const char *path, bool full, int per_txn, double seconds)
{
	sqlite3 *db = open_fresh(path, full);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "INSERT INTO t(k, payload) VALUES (?, ?)", -1, &st, NULL);
	char buf[PAYLOAD + 1], key[32];
	long n = 0;
	double t0 = bench_now(), t;
	do {
		if (per_txn > 1)
			exec(db, "BEGIN");
		for (int i = 0; i < per_txn; i++, n++) {
			payload_of(buf, n);
			snprintf(key, sizeof key, "k%012ld", n);
			sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 2, buf, PAYLOAD, SQLITE_TRANSIENT);
			if (sqlite3_step(st) != SQLITE_DONE)
				bench_die(sqlite3_errmsg(db));
			sqlite3_reset(st);
		}
		if (per_txn > 1)
			exec(db, "COMMIT");
	} while ((t = bench_now() - t0) < seconds);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (double)n / t;
}

/* An incident.create writes about 20 b-trees (tables and indexes) and ~3.3 kB; this writes
 * one ~165-byte row into each of 20 tables per transaction, synchronous=FULL. */
#define BTREES 20
static double btree_commits(const char *path, double seconds)
{
	sqlite3 *db = open_fresh(path, true);
	sqlite3_stmt *st[BTREES];
	for (int i = 0; i < BTREES; i++) {
		char sql[128];
		snprintf(sql, sizeof sql, "CREATE TABLE t%d(id INTEGER PRIMARY KEY, payload TEXT)", i);
		exec(db, sql);
		snprintf(sql, sizeof sql, "INSERT INTO t%d(payload) VALUES (?)", i);
		sqlite3_prepare_v2(db, sql, -1, &st[i], NULL);
	}
	char buf[PAYLOAD + 1];
	long n = 0;
	double t0 = bench_now(), t;
	do {
		exec(db, "BEGIN");
		for (int i = 0; i < BTREES; i++) {
			payload_of(buf, n);
			sqlite3_bind_text(st[i], 1, buf, PAYLOAD / 2 + 15, SQLITE_TRANSIENT);
			if (sqlite3_step(st[i]) != SQLITE_DONE)
				bench_die(sqlite3_errmsg(db));
			sqlite3_reset(st[i]);
		}
		exec(db, "COMMIT");
		n++;
	} while ((t = bench_now() - t0) < seconds);
	for (int i = 0; i < BTREES; i++)
		sqlite3_finalize(st[i]);
	sqlite3_close(db);
	return (double)n / t;
}

static double point_reads(const char *path, double seconds)
{
	sqlite3 *db = open_fresh(path, true);
	const long rows = 100000;
	sqlite3_stmt *st;
	exec(db, "BEGIN");
	sqlite3_prepare_v2(db, "INSERT INTO t(k, payload) VALUES (?, ?)", -1, &st, NULL);
	char buf[PAYLOAD + 1], key[32];
	for (long i = 0; i < rows; i++) {
		payload_of(buf, i);
		snprintf(key, sizeof key, "k%012ld", i);
		sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, buf, PAYLOAD, SQLITE_TRANSIENT);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	exec(db, "COMMIT");
	sqlite3_prepare_v2(db, "SELECT payload FROM t WHERE id = ?", -1, &st, NULL);
	long n = 0, bytes = 0;
	unsigned x = 12345;
	double t0 = bench_now(), t;
	do {
		for (int i = 0; i < 1000; i++, n++) {
			x = x * 1103515245u + 12345u;
			sqlite3_bind_int64(st, 1, (sqlite3_int64)(x % rows) + 1);
			if (sqlite3_step(st) == SQLITE_ROW)
				bytes += sqlite3_column_bytes(st, 0);
			sqlite3_reset(st);
		}
	} while ((t = bench_now() - t0) < seconds);
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (bytes == 0)
		bench_die("no rows read");
	return (double)n / t;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: raw_sqlite single|normal|batch|btrees|pointread DB SECONDS\n");
		return 2;
	}
	const char *mode = argv[1], *db = argv[2];
	double secs = atof(argv[3]);
	if (!strcmp(mode, "single"))
		bench_result("raw_insert_full", inserts(db, true, 1, secs), "rows/s");
	else if (!strcmp(mode, "normal"))
		bench_result("raw_insert_normal", inserts(db, false, 1, secs), "rows/s");
	else if (!strcmp(mode, "batch"))
		bench_result("raw_insert_batch", inserts(db, true, 1000, secs), "rows/s");
	else if (!strcmp(mode, "btrees"))
		bench_result("raw_commit_btrees", btree_commits(db, secs), "txn/s");
	else if (!strcmp(mode, "pointread"))
		bench_result("raw_point_read", point_reads(db, secs), "reads/s");
	else
		return 2;
	return 0;
}
