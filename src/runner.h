/* Running a command step: fork/exec of an argv (never a shell) in its own session and process
 * group, a scrubbed environment, an output cap, a timeout that kills the whole group, and in
 * klaxond a sandbox (unprivileged user, fresh working directory, resource limits). A job runs
 * on its own thread; the caller waits as long as it likes and is told when it ends. */
#ifndef KX_RUNNER_H
#define KX_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "klaxon.h"

#define RUNNER_OUTPUT_MAX (64 * 1024)

struct runner_result {
	int exit_code; /* the exit status, or 128 + signal; -1 when it could not start */
	bool timed_out, killed;
	char *output; /* stdout+stderr, at most RUNNER_OUTPUT_MAX bytes, NUL-terminated */
	size_t output_len;
	bool truncated;
};

struct runner_job;

/* Called on the job's thread when the command has ended; the job stays valid until
 * runner_release. */
typedef void (*runner_done_fn)(struct runner_job *job, const struct runner_result *res,
			       void *cls);

/* argv and env (NAME=value strings) are NULL-terminated and copied. sandbox NULL: run as the
 * caller. 0 with *job, or -1 with err. */
int runner_start(char *const argv[], char *const env[], unsigned timeout_s,
		 const struct kx_sandbox *sandbox, runner_done_fn done, void *cls,
		 struct runner_job **job, struct kx_error *err);
/* The result, once runner_wait said the job ended. */
const struct runner_result *runner_result(const struct runner_job *job);
/* Waits up to `seconds` for the end; true when it has ended. */
bool runner_wait(struct runner_job *job, double seconds);
/* Kills the whole process group now (abort). */
void runner_kill(struct runner_job *job);
/* Joins the thread and frees the job (after it ended, or kills it first). */
void runner_release(struct runner_job *job);

#endif
