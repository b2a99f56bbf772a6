/* The store's VFS (src/store_vfs.c) gathers a transaction's WAL frames into one
 * write. These tests hold it to what SQLite's own VFS guarantees: another
 * connection reads a commit as soon as it returns (synchronous=NORMAL: no sync
 * pushes held frames out), a process that dies right after a commit loses
 * nothing, a transaction that spills pages and rewrites them in the WAL (SQLite
 * then rewrites frame headers behind the end of the log) recovers intact, and a
 * commit larger than one write of the default VFS lands. And that it does
 * gather: write system calls per commit, counted by the kernel, against
 * SQLite's default VFS on the same rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store_vfs.h"

struct fx {
	char dir[64];
	char db[96];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/kx-vfs-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/t.db", f->dir);
	assert_non_null(store_vfs_name());
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char path[128];
	const char *suffix[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s%s", f->db, suffix[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static sqlite3 *open_db(const char *path, const char *vfs, const char *synchronous)
{
	sqlite3 *db = NULL;
	assert_int_equal(
		sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
		SQLITE_OK);
	char sql[96];
	snprintf(sql, sizeof sql, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s;", synchronous);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	return db;
}

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
}

static sqlite3_int64 query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	sqlite3_int64 v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void integrity_ok(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
}

/* Twenty tables with one row each per commit: ~20 pages, as a mutation dirties
 */
static void make_tables(sqlite3 *db)
{
	exec_ok(db, "BEGIN");
	for (int t = 0; t < 20; t++) {
		char sql[96];
		snprintf(sql, sizeof sql, "CREATE TABLE t%d(id INTEGER PRIMARY KEY, v BLOB)", t);
		exec_ok(db, sql);
	}
	exec_ok(db, "COMMIT");
}

static void commit_row_in_each(sqlite3 *db, int id)
{
	exec_ok(db, "BEGIN");
	for (int t = 0; t < 20; t++) {
		char sql[128];
		snprintf(sql, sizeof sql, "INSERT INTO t%d VALUES(%d, randomblob(150))", t, id);
		exec_ok(db, sql);
	}
	exec_ok(db, "COMMIT");
}

/* Write system calls this process has made (the kernel's count, /proc/self/io)
 */
static long write_calls(void)
{
	FILE *io = fopen("/proc/self/io", "r");
	assert_non_null(io);
	char line[128];
	long n = -1;
	while (fgets(line, sizeof line, io))
		if (sscanf(line, "syscw: %ld", &n) == 1)
			break;
	fclose(io);
	assert_true(n >= 0);
	return n;
}

static long writes_per_commit(const char *path, const char *vfs)
{
	sqlite3 *db = open_db(path, vfs, "NORMAL");
	exec_ok(db, "PRAGMA wal_autocheckpoint=0");
	make_tables(db);
	commit_row_in_each(db, 1);
	long before = write_calls();
	for (int i = 2; i < 12; i++)
		commit_row_in_each(db, i);
	long per = (write_calls() - before) / 10;
	assert_int_equal(query_int(db, "SELECT count(*) FROM t19"), 11);
	sqlite3_close(db);
	return per;
}

static void test_a_commit_is_one_write(void **state)
{
	struct fx *f = *state;
	long plain = writes_per_commit(f->db, NULL);
	teardown(state);
	setup(state);
	f = *state;
	long gathered = writes_per_commit(f->db, STORE_VFS_NAME);
	/* SQLite's own VFS: a header and a page per frame, 20 or more frames */
	assert_true(plain >= 40);
	assert_true(gathered <= 2);
}

static void test_another_connection_reads_each_commit(void **state)
{
	struct fx *f = *state;
	sqlite3 *w = open_db(f->db, STORE_VFS_NAME, "NORMAL");
	sqlite3 *r = open_db(f->db, STORE_VFS_NAME, "NORMAL");
	exec_ok(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
	for (int i = 1; i <= 50; i++) {
		char sql[128];
		snprintf(sql, sizeof sql, "INSERT INTO t VALUES(%d, printf('%%.500c', 'a'))", i);
		exec_ok(w, sql);
		/* no sync followed that commit: only the frames written at commit can be
     * read */
		assert_int_equal(query_int(r, "SELECT count(*) FROM t"), i);
		assert_int_equal(query_int(r, "SELECT sum(length(v)) FROM t"), 500 * i);
	}
	integrity_ok(r);
	sqlite3_close(r);
	sqlite3_close(w);
}

/* In a child: commit, then die without closing anything. */
static void commit_and_die(const char *path, const char *synchronous, const char *sql)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sqlite3 *db = NULL;
		if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, STORE_VFS_NAME) != SQLITE_OK)
			_exit(2);
		char pragmas[96];
		snprintf(pragmas, sizeof pragmas, "PRAGMA synchronous=%s; PRAGMA cache_size=8;",
			 synchronous);
		if (sqlite3_exec(db, pragmas, NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			_exit(3);
		_exit(0);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_a_commit_survives_the_process(void **state)
{
	struct fx *f = *state;
	sqlite3 *db = open_db(f->db, STORE_VFS_NAME, "NORMAL");
	exec_ok(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
	sqlite3_close(db);
	commit_and_die(f->db, "NORMAL", "INSERT INTO t VALUES(1, randomblob(3000))");
	commit_and_die(f->db, "FULL", "INSERT INTO t VALUES(2, randomblob(3000))");
	db = open_db(f->db, STORE_VFS_NAME, "NORMAL");
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 2);
	integrity_ok(db);
	sqlite3_close(db);
}

/* With a cache of 8 pages the transaction spills frames into the WAL before its
 * commit, then changes those pages again: SQLite rewrites them in place and, at
 * commit, the checksums of every frame after them. Recovery after the process
 * dies checks each checksum. */
static void test_rewritten_frames_recover(void **state)
{
	struct fx *f = *state;
	sqlite3 *db = open_db(f->db, STORE_VFS_NAME, "NORMAL");
	exec_ok(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
	sqlite3_close(db);
	const char *spill = "BEGIN;"
			    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
			    "WHERE i < 400) INSERT INTO t SELECT i, randomblob(300) FROM n;"
			    "UPDATE t SET v = zeroblob(300) WHERE id % 3 = 0;"
			    "UPDATE t SET v = randomblob(290) WHERE id % 7 = 0;"
			    "COMMIT;";
	commit_and_die(f->db, "NORMAL", spill);
	commit_and_die(f->db, "FULL", "UPDATE t SET v = zeroblob(10) WHERE id < 200");
	db = open_db(f->db, STORE_VFS_NAME, "NORMAL");
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 400);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t WHERE length(v) = 10"), 199);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t WHERE id >= 200 AND id % 3 = 0 "
				       "AND id % 7 != 0 AND v = zeroblob(300)"),
			 57);
	integrity_ok(db);
	sqlite3_close(db);
}

/* 128 KiB and its multiples are the sizes one write of the default VFS cannot
 * take */
static void test_large_commits_land(void **state)
{
	struct fx *f = *state;
	sqlite3 *db = open_db(f->db, STORE_VFS_NAME, "FULL");
	exec_ok(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
	exec_ok(db, "BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
		    "WHERE i < 3000) INSERT INTO t SELECT i, randomblob(1000) FROM n; "
		    "COMMIT;");
	exec_ok(db, "INSERT INTO t VALUES(3001, randomblob(131072))");
	exec_ok(db, "INSERT INTO t VALUES(3002, randomblob(262144 - 4096))");
	sqlite3_close(db);
	db = open_db(f->db, STORE_VFS_NAME, "FULL");
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 3002);
	assert_int_equal(query_int(db, "SELECT length(v) FROM t WHERE id = 3001"), 131072);
	integrity_ok(db);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_commit_is_one_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_another_connection_reads_each_commit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_commit_survives_the_process, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rewritten_frames_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_commits_land, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
