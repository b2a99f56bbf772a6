/* The command runner. The child is set up between fork and exec with async-signal-safe calls
 * only; the parent's thread drains the output pipe (so a chatty command never blocks), enforces
 * the timeout on the whole process group, and reports the end. */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct runner_job {
	pid_t pid;
	int out_fd;
	unsigned timeout_s;
	char workdir[64];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done, kill_requested;
	struct runner_result res;
	runner_done_fn on_done;
	void *cls;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* In the child: the sandbox's limits and identity, then exec. Never returns. */
static void child_exec(char *const argv[], char *const env[], int out_fd, const char *workdir,
		       const struct kx_sandbox *sb, uid_t uid, gid_t gid)
{
	setsid(); /* its own session and process group: a timeout kills them all */
	dup2(out_fd, 1);
	dup2(out_fd, 2);
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0)
		dup2(devnull, 0);
	/* Close everything else: the store and the key must not leak into the command. */
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	if (workdir[0] && chdir(workdir) != 0)
		_exit(126);
	if (sb) {
		struct rlimit rl;
		if (sb->cpu_s) {
			rl.rlim_cur = rl.rlim_max = sb->cpu_s;
			setrlimit(RLIMIT_CPU, &rl);
		}
		if (sb->memory_mb) {
			rl.rlim_cur = rl.rlim_max = (rlim_t)sb->memory_mb << 20;
			setrlimit(RLIMIT_AS, &rl);
		}
		if (sb->processes) {
			rl.rlim_cur = rl.rlim_max = sb->processes;
			setrlimit(RLIMIT_NPROC, &rl);
		}
		if (sb->open_files) {
			rl.rlim_cur = rl.rlim_max = sb->open_files;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		if (sb->user[0] && (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0))
			_exit(126); /* never run a sandboxed step with the server's privileges */
	}
	execve(argv[0], argv, env);
	_exit(127);
}

/* Finds the program on PATH (execve takes no search path). */
static char *resolve(const char *prog, char *const env[])
{
	if (strchr(prog, '/'))
		return strdup(prog);
	const char *path = "/usr/bin:/bin";
	for (char *const *e = env; e && *e; e++)
		if (!strncmp(*e, "PATH=", 5))
			path = *e + 5;
	char buf[4096];
	const char *p = path;
	while (*p) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, prog);
		if (n && access(buf, X_OK) == 0)
			return strdup(buf);
		p += n + (colon != NULL);
	}
	return NULL;
}

static void collect(struct runner_job *job, const char *data, size_t n)
{
	size_t room = RUNNER_OUTPUT_MAX - job->res.output_len;
	if (n > room) {
		job->res.truncated = true;
		n = room;
	}
	memcpy(job->res.output + job->res.output_len, data, n);
	job->res.output_len += n;
	job->res.output[job->res.output_len] = 0;
}

static void *job_thread(void *arg)
{
	struct runner_job *job = arg;
	double deadline = now_s() + job->timeout_s;
	char buf[4096];
	bool eof = false, killed = false;
	int status = 0;
	while (!eof) {
		pthread_mutex_lock(&job->lock);
		bool kill_now = job->kill_requested;
		pthread_mutex_unlock(&job->lock);
		if (!killed && (kill_now || now_s() >= deadline)) {
			kill(-job->pid, SIGKILL); /* the whole group, children included */
			killed = true;
			job->res.timed_out = !kill_now;
			job->res.killed = kill_now;
		}
		struct pollfd pfd = {.fd = job->out_fd, .events = POLLIN};
		if (poll(&pfd, 1, 100) > 0) {
			ssize_t r = read(job->out_fd, buf, sizeof buf);
			if (r > 0)
				collect(job, buf, (size_t)r);
			else if (r == 0 || errno != EINTR)
				eof = true;
		}
	}
	/* The pipe closed: the group has exited or let go of it; reap the leader. */
	while (waitpid(job->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!killed)
		kill(-job->pid, SIGKILL); /* leftovers that closed their output */
	close(job->out_fd);
	job->res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (job->workdir[0]) {
		/* Best effort: the command's scratch directory goes with it. */
		char *argv[] = {"/bin/rm", "-rf", "--", job->workdir, NULL};
		pid_t p = fork();
		if (p == 0) {
			execv(argv[0], argv);
			_exit(127);
		}
		if (p > 0)
			waitpid(p, NULL, 0);
	}
	if (job->on_done)
		job->on_done(job, &job->res, job->cls);
	pthread_mutex_lock(&job->lock);
	job->done = true;
	pthread_cond_broadcast(&job->cond);
	pthread_mutex_unlock(&job->lock);
	return NULL;
}

static int sandbox_identity(const struct kx_sandbox *sb, uid_t *uid, gid_t *gid,
			    struct kx_error *err)
{
	if (!sb || !sb->user[0])
		return 0;
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (getpwnam_r(sb->user, &pw, buf, sizeof buf, &res) != 0 || !res)
		return kx_error_set(err, 503, "unavailable", NULL, "sandbox user %s does not exist",
				    sb->user);
	if (geteuid() != 0 && geteuid() != res->pw_uid)
		return kx_error_set(err, 503, "unavailable", NULL,
				    "klaxond must run as root to drop command steps to %s",
				    sb->user);
	*uid = res->pw_uid;
	*gid = res->pw_gid;
	return 0;
}

int runner_start(char *const argv[], char *const env[], unsigned timeout_s,
		 const struct kx_sandbox *sandbox, runner_done_fn done, void *cls,
		 struct runner_job **out, struct kx_error *err)
{
	uid_t uid = 0;
	gid_t gid = 0;
	if (sandbox_identity(sandbox, &uid, &gid, err))
		return -1;
	char *prog = resolve(argv[0], env);
	if (!prog)
		return kx_error_set(err, 400, "invalid_field", "argv",
				    "%s: no such program on the step's PATH", argv[0]);
	struct runner_job *job = calloc(1, sizeof *job);
	char *output = calloc(1, RUNNER_OUTPUT_MAX + 1);
	int fds[2] = {-1, -1};
	/* close-on-exec so other commands started meanwhile do not hold this pipe open */
	if (!job || !output || pipe(fds) != 0 || fcntl(fds[0], F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(fds[1], F_SETFD, FD_CLOEXEC) != 0) {
		free(job), free(output), free(prog);
		return kx_error_set(err, 503, "unavailable", NULL, "cannot start the command");
	}
	job->res.output = output;
	job->timeout_s = timeout_s ? timeout_s : 300;
	job->on_done = done;
	job->cls = cls;
	pthread_mutex_init(&job->lock, NULL);
	pthread_cond_init(&job->cond, NULL);
	if (sandbox) {
		snprintf(job->workdir, sizeof job->workdir, "/tmp/klaxon-step.XXXXXX");
		if (!mkdtemp(job->workdir) || (sandbox->user[0] && chown(job->workdir, uid, gid) != 0))
			job->workdir[0] = 0;
	}
	char **args = (char **)argv;
	char *first = args[0];
	args[0] = prog;
	pid_t pid = fork();
	if (pid == 0)
		child_exec(args, env, fds[1], job->workdir, sandbox, uid, gid);
	args[0] = first;
	free(prog);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		free(output), free(job);
		return kx_error_set(err, 503, "unavailable", NULL, "fork failed");
	}
	job->pid = pid;
	job->out_fd = fds[0];
	pthread_create(&job->thread, NULL, job_thread, job);
	*out = job;
	return 0;
}

bool runner_wait(struct runner_job *job, double seconds)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	double whole = seconds < 0 ? 0 : seconds;
	until.tv_sec += (time_t)whole;
	until.tv_nsec += (long)((whole - (double)(time_t)whole) * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&job->lock);
	while (!job->done)
		if (pthread_cond_timedwait(&job->cond, &job->lock, &until) == ETIMEDOUT)
			break;
	bool done = job->done;
	pthread_mutex_unlock(&job->lock);
	return done;
}

const struct runner_result *runner_result(const struct runner_job *job)
{
	return &job->res;
}

void runner_kill(struct runner_job *job)
{
	pthread_mutex_lock(&job->lock);
	job->kill_requested = true;
	pthread_mutex_unlock(&job->lock);
}

void runner_release(struct runner_job *job)
{
	if (!job)
		return;
	pthread_join(job->thread, NULL);
	pthread_mutex_destroy(&job->lock);
	pthread_cond_destroy(&job->cond);
	free(job->res.output);
	free(job);
}
