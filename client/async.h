/* Backend calls off the console's thread: one worker runs jobs in order (so the backend is
 * only ever used by one thread), the console polls for finished ones between keys and is woken
 * through a pipe. A slow or dead server then delays answers, never typing. */
#ifndef KX_ASYNC_H
#define KX_ASYNC_H

#include <stdbool.h>

#include "backend.h"

struct async;

/* Starts the worker on b (which stays the caller's; close async first). NULL on failure. */
struct async *async_open(struct backend *b);
/* What the caller handed in with a job that will never be answered (is_job: an async_job's
 * argument, else an async_request's user pointer), for the caller to free. */
typedef void (*async_drop_fn)(void *ctx, int tag, void *user, bool is_job);
/* Stops the worker after the job in progress (given a second, then the backend is told to
 * give up on it); queued and unread jobs are dropped, their answers never delivered: their
 * memory is freed, and drop (if not NULL) is called with each one's user pointer. */
void async_close(struct async *a, async_drop_fn drop, void *ctx);

/* Queues one backend call (deep-copied). Its answer comes back through async_poll with tag
 * and user. 0, or -1 when out of memory. */
int async_request(struct async *a, const struct backend_request *req, int tag, void *user);

/* Queues a background function to run on the worker with the backend (e.g. several calls
 * in a row): it runs only when no request waits, so keep each one short. arg comes back
 * through async_poll as user, with a NULL response. */
int async_job(struct async *a, void (*run)(struct backend *b, void *arg), int tag, void *arg);

/* Called on the console's thread for each finished job; resp is NULL for async_job. The
 * callback may take resp->body (set it to NULL); the rest is freed after it returns. */
typedef void (*async_reply_fn)(void *ctx, int tag, void *user, struct backend_response *resp);
/* Delivers every finished job; returns how many. */
int async_poll(struct async *a, async_reply_fn reply, void *ctx);
/* Readable when finished jobs wait (for poll(2)); drained by async_poll. */
int async_fd(const struct async *a);
/* Jobs queued, running or finished but not yet delivered. */
int async_pending(struct async *a);
/* Blocks until every queued job has finished (the script harness's determinism). */
void async_wait_idle(struct async *a);

#endif
