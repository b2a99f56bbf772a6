/* The console benchmark (issue 4, Performance): klaxon on an embedded store of 100k
 * incidents in a pseudo-terminal, measured against a raw ncurses full repaint of the same
 * size in the same run. Reports the first complete frame from process start (bound: 30x the
 * repaint), the frame after a scrolling key (bound: 2x) and peak RSS (bound: 24 MB).
 * It is a benchmark, not a test: it prints figures and verdicts.
 * usage: console_bench KLAXON STORE [INCIDENTS] */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "klaxon.h"

#define COLS_ 200
#define LINES_ 60
#define KEYS 40

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int64_t median(int64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_i64);
	return v[n / 2];
}

/* ---- the store: made once through the core's own operations, then reused ---- */

static int call(struct kx_core *core, struct kx_principal *who, const char *op, const char *id,
		const char *body, char *out_id)
{
	struct kx_request req = {.op = op, .who = who, .id = id, .body = body,
				 .body_len = strlen(body)};
	struct kx_response resp;
	kx_call(core, &req, &resp);
	int rc = resp.status >= 200 && resp.status < 300 ? 0 : -1;
	if (rc)
		fprintf(stderr, "bench: %s: %d %s\n", op, resp.status, resp.body);
	else if (out_id) {
		const char *p = strstr(resp.body, "\"id\":\"");
		snprintf(out_id, KX_ID_MAX, "%.*s", p ? (int)strcspn(p + 6, "\"") : 0, p ? p + 6 : "");
	}
	kx_response_free(&resp);
	return rc;
}

static int seed(const char *path, int n)
{
	struct stat st;
	if (stat(path, &st) == 0)
		return 0;
	fprintf(stderr, "bench: seeding %d incidents into %s (once; it is kept)\n", n, path);
	struct kx_core_options opt = {.db_path = path, .embedded = true, .synchronous_normal = true};
	struct kx_init_result init;
	struct kx_error err = {0};
	if (kx_core_init(&opt, &init, &err)) {
		fprintf(stderr, "bench: %s\n", err.message);
		return -1;
	}
	kx_init_result_wipe(&init);
	struct kx_core *core = kx_core_open(&opt, &err);
	struct kx_principal who;
	if (!core || kx_auth_local(core, "default", "admin", &who, &err))
		return -1;
	static const char *const words[] = {"Checkout", "Replica lag", "Queue backlog", "Disk full",
					    "Login latency", "CDN misses", "Webhook retries",
					    "Certificate expiry"};
	int64_t t0 = now_ns();
	for (int i = 0; i < n; i++) {
		char body[256], id[KX_ID_MAX];
		snprintf(body, sizeof body,
			 "{\"title\":\"%s on shard %d\",\"severity\":\"sev%d\",\"region\":\"r-%d\"}",
			 words[i % 8], i, i % 4 + 1, i % 7);
		if (call(core, &who, "incident.create", NULL, body, id))
			return -1;
		/* 40% declared, 30% triaged, 20% mitigating, 10% resolved */
		int bucket = i % 10;
		if (bucket >= 4 && bucket < 9 &&
		    call(core, &who, "incident.update", id, "{\"status\":\"triaged\"}", NULL))
			return -1;
		if (bucket >= 7 && bucket < 9 &&
		    call(core, &who, "incident.update", id, "{\"status\":\"mitigating\"}", NULL))
			return -1;
		if (bucket == 9 &&
		    call(core, &who, "incident.update", id, "{\"status\":\"resolved\"}", NULL))
			return -1;
		if (i % 10000 == 9999)
			fprintf(stderr, "bench: %d made (%.0f/s)\n", i + 1,
				(i + 1) / ((now_ns() - t0) / 1e9));
	}
	kx_core_close(core);
	return 0;
}

/* ---- a child in a pseudo-terminal whose output is drained as it comes ---- */

static pid_t spawn(int *master)
{
	struct winsize ws = {.ws_row = LINES_, .ws_col = COLS_};
	return forkpty(master, NULL, NULL, &ws);
}

static void drain(int fd, int timeout_ms)
{
	char buf[65536];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (poll(&p, 1, timeout_ms) > 0 && (p.revents & POLLIN)) {
		if (read(fd, buf, sizeof buf) <= 0)
			break;
		timeout_ms = 0;
	}
}

/* The reference: a full forced repaint of every cell, measured in the child. The cells
 * change colour every few columns, as a console frame's do (severity, status, dim ages), so
 * the reference writes what a frame of the console would. */
static int64_t raw_repaint(void)
{
	int fds[2], master;
	if (pipe(fds))
		return -1;
	pid_t pid = spawn(&master);
	if (pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		initscr();
		start_color();
		for (short i = 1; i < 8; i++)
			init_pair(i, i, COLOR_BLACK);
		int64_t t[21];
		for (int run = 0; run < 21; run++) {
			for (int y = 0; y < LINES; y++)
				for (int x = 0; x < COLS; x++) {
					attrset(COLOR_PAIR((x / 4 + y) % 7 + 1));
					mvaddch(y, x, (chtype)('a' + (x + y + run) % 26));
				}
			clearok(curscr, TRUE);
			int64_t a = now_ns();
			refresh();
			t[run] = now_ns() - a;
		}
		endwin();
		int64_t m = median(t, 21);
		if (write(fds[1], &m, sizeof m) != sizeof m)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	int64_t m = -1;
	for (;;) {
		drain(master, 50);
		struct pollfd p = {.fd = fds[0], .events = POLLIN};
		if (poll(&p, 1, 0) > 0) {
			if (read(fds[0], &m, sizeof m) != sizeof m)
				m = -1;
			break;
		}
	}
	drain(master, 50);
	waitpid(pid, NULL, 0);
	close(master);
	close(fds[0]);
	return m;
}

/* The frame log klaxon writes under KLAXON_FRAME_LOG: "frame N NS complete|partial". */
struct frames {
	FILE *f;
	unsigned last;
};

/* Waits for a frame after `after` (and complete if asked); returns its time or -1. */
static int64_t next_frame(struct frames *fr, int master, unsigned after, bool complete,
			  int timeout_ms)
{
	int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
	char line[128];
	while (now_ns() < deadline) {
		drain(master, 1);
		clearerr(fr->f);
		while (fgets(line, sizeof line, fr->f)) {
			unsigned n;
			long long ns;
			char kind[16];
			if (sscanf(line, "frame %u %lld %15s", &n, &ns, kind) != 3)
				continue;
			fr->last = n;
			if (n > after && (!complete || strcmp(kind, "complete") == 0))
				return ns;
		}
	}
	return -1;
}

static void press(int master, const char *key)
{
	if (write(master, key, strlen(key)) < 0)
		perror("bench: write");
}

struct figures {
	int64_t first, move, page, quit;
	long rss_kb;
	int missed;
};

/* Median of the figures that arrived (a key that drew nothing within 5 s is a miss). */
static int64_t median_of(int64_t *v, int n, int *missed)
{
	int k = 0;
	for (int i = 0; i < n; i++)
		if (v[i] >= 0)
			v[k++] = v[i];
	*missed += n - k;
	return k ? median(v, k) : -1;
}

static int64_t since(int64_t frame, int64_t start)
{
	return frame < 0 ? -1 : frame - start;
}

/* One console session: start, first complete frame, KEYS moves, the table, KEYS pages. */
static int session(const char *klaxon, const char *store, struct figures *out)
{
	char log[] = "/tmp/klaxon-frames.XXXXXX", state[] = "/tmp/klaxon-bench.XXXXXX";
	int lfd = mkstemp(log);
	if (lfd < 0 || !mkdtemp(state))
		return -1;
	close(lfd);
	struct frames fr = {.f = fopen(log, "r")};
	int master;
	int64_t t0 = now_ns();
	pid_t pid = spawn(&master);
	if (pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		setenv("KLAXON_FRAME_LOG", log, 1);
		setenv("XDG_STATE_HOME", state, 1);
		setenv("XDG_CONFIG_HOME", state, 1);
		execl(klaxon, klaxon, "--db", store, "--refresh", "3600", (char *)NULL);
		_exit(127);
	}
	memset(out, 0, sizeof *out);
	out->first = since(next_frame(&fr, master, 0, true, 30000), t0);
	int64_t moves[KEYS], pages[KEYS];
	for (int i = 0; i < KEYS; i++) {
		unsigned after = fr.last;
		int64_t a = now_ns();
		press(master, "j");
		moves[i] = since(next_frame(&fr, master, after, false, 5000), a);
		next_frame(&fr, master, fr.last, true, 20); /* a page of more rows, if asked for */
	}
	press(master, "t"); /* the table of every open incident */
	next_frame(&fr, master, fr.last, true, 10000);
	for (int i = 0; i < KEYS; i++) {
		unsigned after = fr.last;
		int64_t a = now_ns();
		press(master, "\033[6~"); /* PgDn */
		pages[i] = since(next_frame(&fr, master, after, false, 5000), a);
		next_frame(&fr, master, fr.last, true, 100);
	}
	out->move = median_of(moves, KEYS, &out->missed);
	out->page = median_of(pages, KEYS, &out->missed);
	/* Peak RSS so far, read before quitting (the kernel's high-water mark). */
	char status_path[64], line[256];
	snprintf(status_path, sizeof status_path, "/proc/%d/status", (int)pid);
	FILE *sf = fopen(status_path, "r");
	while (sf && fgets(line, sizeof line, sf))
		sscanf(line, "VmHWM: %ld kB", &out->rss_kb);
	if (sf)
		fclose(sf);
	press(master, "Q");
	struct rusage ru = {0};
	int status = -1;
	int64_t q = now_ns();
	for (int i = 0; i < 200; i++) {
		drain(master, 10);
		if (wait4(pid, &status, WNOHANG, &ru) == pid)
			break;
	}
	/* Closing our side ends a child still writing to the terminal. */
	close(master);
	master = -1;
	for (int i = 0; status == -1 && i < 800; i++) {
		if (wait4(pid, &status, WNOHANG, &ru) == pid)
			break;
		usleep(10000);
	}
	out->quit = now_ns() - q;
	if (ru.ru_maxrss > out->rss_kb)
		out->rss_kb = ru.ru_maxrss;
	if (status == -1) {
		char path[64], st[256] = "";
		snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
		FILE *f = fopen(path, "r");
		if (f && fgets(st, sizeof st, f))
			fprintf(stderr, "bench: klaxon had not quit 10 s after Q: %s", st);
		if (f)
			fclose(f);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if (getenv("BENCH_DEBUG"))
		fprintf(stderr, "bench: status %d, missed %d, first %lld, quit %lld ms\n", status,
			out->missed, (long long)out->first, (long long)out->quit / 1000000);
	fclose(fr.f);
	unlink(log);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", state);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: could not remove %s\n", state);
	return out->first >= 0 ? 0 : -1;
}

#define SESSIONS 5

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: console_bench KLAXON STORE [INCIDENTS]\n");
		return 2;
	}
	int n = argc > 3 ? atoi(argv[3]) : 100000;
	if (seed(argv[2], n))
		return 1;
	int64_t repaint = raw_repaint();
	int64_t first[SESSIONS], move[SESSIONS], page[SESSIONS];
	long rss = 0;
	int missed = 0;
	for (int i = 0; i < SESSIONS; i++) {
		struct figures f;
		if (session(argv[1], argv[2], &f)) {
			fprintf(stderr, "bench: session %d failed (first frame %lld ns, rss %ld)\n", i + 1,
				(long long)f.first, f.rss_kb);
			return 1;
		}
		first[i] = f.first;
		move[i] = f.move;
		page[i] = f.page;
		missed += f.missed;
		if (f.rss_kb > rss)
			rss = f.rss_kb;
	}
	int64_t fm = median(first, SESSIONS), mm = median(move, SESSIONS),
		pm = median(page, SESSIONS);
	double r = (double)repaint;
	printf("console benchmark: %d incidents, %dx%d, xterm-256color in a pty, medians of %d "
	       "sessions\n", n, COLS_, LINES_, SESSIONS);
	printf("  raw ncurses full repaint        %8.3f ms (median of 21)\n", r / 1e6);
	printf("  first complete frame from exec  %8.3f ms  = %5.1fx repaint (bound 30x) %s\n",
	       fm / 1e6, fm / r, fm <= 30 * r ? "ok" : "OVER");
	printf("  frame after j (move)            %8.3f ms  = %5.2fx repaint (bound 2x)  %s\n",
	       mm / 1e6, mm / r, mm <= 2 * r ? "ok" : "OVER");
	printf("  frame after PgDn (scroll)       %8.3f ms  = %5.2fx repaint (bound 2x)  %s\n",
	       pm / 1e6, pm / r, pm <= 2 * r ? "ok" : "OVER");
	printf("  peak RSS (largest session)      %8.1f MB (bound 24 MB)         %s\n", rss / 1024.0,
	       rss < 24 * 1024 ? "ok" : "OVER");
	if (missed)
		printf("  (%d keys drew no frame within 5 s)\n", missed);
	return 0;
}
