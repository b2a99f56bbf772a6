/* The worker thread behind the console: a FIFO of jobs, a list of finished ones, and a pipe
 * that wakes the console's poll(2) when a job finishes. Only the worker touches the backend. */
#include "async.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ASYNC_MAX_QUERY 16
#define ASYNC_CLOSE_GRACE_S 1

struct job {
	struct job *next;
	int tag;
	void *user;
	void (*run)(struct backend *b, void *arg); /* NULL: the request below */
	/* a request and its answer */
	struct backend_request req;
	struct backend_param query[ASYNC_MAX_QUERY + 1];
	struct backend_response resp;
	char *strings; /* every string of req, in one block */
};

struct async {
	struct backend *b;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake, idle;
	struct job *queue, *queue_tail; /* requests: first served */
	struct job *bg, *bg_tail;       /* jobs: only when no request waits */
	struct job *done, *done_tail;
	int running; /* jobs taken by the worker, not yet finished */
	bool stop;
	int pipe[2];
};

static void job_free(struct job *j)
{
	backend_response_free(&j->resp);
	free(j->strings);
	free(j);
}

static void *worker(void *arg)
{
	struct async *a = arg;
	pthread_mutex_lock(&a->lock);
	for (;;) {
		while (!a->queue && !a->bg && !a->stop)
			pthread_cond_wait(&a->wake, &a->lock);
		if (a->stop)
			break;
		/* A person waits for requests; background jobs (counting) wait for them. */
		struct job **head = a->queue ? &a->queue : &a->bg;
		struct job **tail = a->queue ? &a->queue_tail : &a->bg_tail;
		struct job *j = *head;
		*head = j->next;
		if (!*head)
			*tail = NULL;
		a->running++;
		pthread_mutex_unlock(&a->lock);
		if (j->run)
			j->run(a->b, j->user);
		else
			backend_call(a->b, &j->req, &j->resp);
		pthread_mutex_lock(&a->lock);
		j->next = NULL;
		if (a->done_tail)
			a->done_tail->next = j;
		else
			a->done = j;
		a->done_tail = j;
		a->running--;
		pthread_cond_broadcast(&a->idle);
		/* One byte per job; a full pipe already means "wake up". */
		ssize_t w = write(a->pipe[1], "", 1);
		(void)w;
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

struct async *async_open(struct backend *b)
{
	struct async *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->b = b;
	if (pipe(a->pipe)) {
		free(a);
		return NULL;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(a->pipe[i], F_SETFL, fcntl(a->pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(a->pipe[i], F_SETFD, FD_CLOEXEC);
	}
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->wake, NULL);
	pthread_cond_init(&a->idle, NULL);
	if (pthread_create(&a->thread, NULL, worker, a)) {
		close(a->pipe[0]);
		close(a->pipe[1]);
		free(a);
		return NULL;
	}
	return a;
}

static void free_list(struct job *j, async_drop_fn drop, void *ctx)
{
	while (j) {
		struct job *next = j->next;
		if (drop)
			drop(ctx, j->tag, j->user, !!j->run);
		job_free(j);
		j = next;
	}
}

void async_close(struct async *a, async_drop_fn drop, void *ctx)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_broadcast(&a->wake);
	/* The job in progress gets a moment to finish (a change on its way is better answered);
	 * past that the backend is told to give up, so a server that never answers cannot hold
	 * the console open. */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ASYNC_CLOSE_GRACE_S;
	while (a->running && pthread_cond_timedwait(&a->idle, &a->lock, &until) == 0)
		;
	if (a->running)
		backend_cancel(a->b);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	free_list(a->queue, drop, ctx);
	free_list(a->bg, drop, ctx);
	free_list(a->done, drop, ctx);
	close(a->pipe[0]);
	close(a->pipe[1]);
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->wake);
	pthread_cond_destroy(&a->idle);
	free(a);
}

static void enqueue(struct async *a, struct job *j)
{
	pthread_mutex_lock(&a->lock);
	struct job **head = j->run ? &a->bg : &a->queue, **tail = j->run ? &a->bg_tail : &a->queue_tail;
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
}

/* Copies s into the block at *at; returns the copy (NULL stays NULL). */
static const char *copy_str(char **at, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	memcpy(*at, s, n);
	const char *out = *at;
	*at += n;
	return out;
}

static size_t str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

int async_request(struct async *a, const struct backend_request *req, int tag, void *user)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j)
		return -1;
	size_t total = str_size(req->op) + str_size(req->id) + str_size(req->sub_id) +
		       str_size(req->body) + str_size(req->idempotency_key) +
		       str_size(req->if_match) + str_size(req->override);
	int nq = 0;
	for (const struct backend_param *q = req->query; q && q->name && nq < ASYNC_MAX_QUERY;
	     q++, nq++)
		total += str_size(q->name) + str_size(q->value);
	j->strings = malloc(total + 1);
	if (!j->strings) {
		free(j);
		return -1;
	}
	char *at = j->strings;
	j->req.op = copy_str(&at, req->op);
	j->req.id = copy_str(&at, req->id);
	j->req.sub_id = copy_str(&at, req->sub_id);
	j->req.body = copy_str(&at, req->body);
	j->req.idempotency_key = copy_str(&at, req->idempotency_key);
	j->req.if_match = copy_str(&at, req->if_match);
	j->req.override = copy_str(&at, req->override);
	for (int i = 0; i < nq; i++) {
		j->query[i].name = copy_str(&at, req->query[i].name);
		j->query[i].value = copy_str(&at, req->query[i].value);
	}
	j->req.query = nq ? j->query : NULL;
	j->tag = tag;
	j->user = user;
	enqueue(a, j);
	return 0;
}

int async_job(struct async *a, void (*run)(struct backend *b, void *arg), int tag, void *arg)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j)
		return -1;
	j->run = run;
	j->tag = tag;
	j->user = arg;
	enqueue(a, j);
	return 0;
}

int async_poll(struct async *a, async_reply_fn reply, void *ctx)
{
	char buf[256];
	while (read(a->pipe[0], buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&a->lock);
	struct job *list = a->done;
	a->done = a->done_tail = NULL;
	pthread_mutex_unlock(&a->lock);
	int n = 0;
	/* Callbacks run without the lock, so they may queue new jobs. */
	while (list) {
		struct job *next = list->next;
		reply(ctx, list->tag, list->user, list->run ? NULL : &list->resp);
		job_free(list);
		list = next;
		n++;
	}
	return n;
}

int async_fd(const struct async *a)
{
	return a->pipe[0];
}

int async_pending(struct async *a)
{
	int n = 0;
	pthread_mutex_lock(&a->lock);
	for (struct job *j = a->queue; j; j = j->next)
		n++;
	for (struct job *j = a->bg; j; j = j->next)
		n++;
	for (struct job *j = a->done; j; j = j->next)
		n++;
	n += a->running;
	pthread_mutex_unlock(&a->lock);
	return n;
}

void async_wait_idle(struct async *a)
{
	pthread_mutex_lock(&a->lock);
	while (a->queue || a->bg || a->running)
		pthread_cond_wait(&a->idle, &a->lock);
	pthread_mutex_unlock(&a->lock);
}
