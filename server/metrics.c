/* Request metrics with fixed-size tables: a server under attack must not grow them. */
#include "metrics.h"

#include "klaxon.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_TENANTS 512
#define METRICS_OPS 96
static const double BUCKETS[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
#define N_BUCKETS (sizeof BUCKETS / sizeof BUCKETS[0])

struct tenant_count {
	char tenant[64];
	unsigned long long requests, errors;
};

struct op_latency {
	char op[40];
	unsigned long long count, buckets[N_BUCKETS];
	double sum;
};

struct route_count {
	char op[40];
	int status;
	unsigned long long count;
};
#define METRICS_ROUTES 512

struct metrics {
	struct route_count routes[METRICS_ROUTES];
	int n_routes;
	pthread_mutex_t lock;
	struct tenant_count tenants[METRICS_TENANTS];
	int n_tenants;
	struct op_latency ops[METRICS_OPS];
	int n_ops;
};

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof *m);
	if (m)
		pthread_mutex_init(&m->lock, NULL);
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static struct tenant_count *tenant_slot(struct metrics *m, const char *tenant)
{
	for (int i = 0; i < m->n_tenants; i++)
		if (!strcmp(m->tenants[i].tenant, tenant))
			return &m->tenants[i];
	if (m->n_tenants == METRICS_TENANTS)
		return NULL;
	struct tenant_count *t = &m->tenants[m->n_tenants++];
	snprintf(t->tenant, sizeof t->tenant, "%s", tenant);
	return t;
}

static struct op_latency *op_slot(struct metrics *m, const char *op)
{
	for (int i = 0; i < m->n_ops; i++)
		if (!strcmp(m->ops[i].op, op))
			return &m->ops[i];
	if (m->n_ops == METRICS_OPS)
		return NULL;
	struct op_latency *o = &m->ops[m->n_ops++];
	snprintf(o->op, sizeof o->op, "%s", op);
	return o;
}

static void count_route(struct metrics *m, const char *op, int status)
{
	for (int i = 0; i < m->n_routes; i++) {
		if (m->routes[i].status == status && !strcmp(m->routes[i].op, op)) {
			m->routes[i].count++;
			return;
		}
	}
	if (m->n_routes == METRICS_ROUTES)
		return;
	struct route_count *r = &m->routes[m->n_routes++];
	snprintf(r->op, sizeof r->op, "%s", op);
	r->status = status;
	r->count = 1;
}

void metrics_observe(struct metrics *m, const char *tenant, const char *op, int status,
		     double seconds)
{
	pthread_mutex_lock(&m->lock);
	count_route(m, op ? op : "none", status);
	struct tenant_count *t = tenant_slot(m, tenant && *tenant ? tenant : "unattributed");
	if (t) {
		t->requests++;
		t->errors += status >= 400;
	}
	struct op_latency *o = op ? op_slot(m, op) : NULL;
	if (o) {
		o->count++;
		o->sum += seconds;
		for (size_t b = 0; b < N_BUCKETS; b++)
			o->buckets[b] += seconds <= BUCKETS[b];
	}
	pthread_mutex_unlock(&m->lock);
}

/* An open_memstream builder keeps the rendering free of size arithmetic. */
static void render_core(FILE *f, const struct kx_stats *st)
{
	fputs("# HELP klaxon_policy_eval_seconds Time to evaluate a policy decision.\n"
	      "# TYPE klaxon_policy_eval_seconds histogram\n", f);
	for (int b = 0; b < KX_STATS_BUCKETS; b++)
		fprintf(f, "klaxon_policy_eval_seconds_bucket{le=\"%g\"} %llu\n", kx_stats_bounds[b],
			(unsigned long long)st->policy_eval_buckets[b]);
	fprintf(f, "klaxon_policy_eval_seconds_bucket{le=\"+Inf\"} %llu\n",
		(unsigned long long)st->policy_evals);
	fprintf(f, "klaxon_policy_eval_seconds_sum %.9f\n", st->policy_eval_seconds);
	fprintf(f, "klaxon_policy_eval_seconds_count %llu\n", (unsigned long long)st->policy_evals);
	fputs("# HELP klaxon_incident_transition_failures_total Incident updates refused as invalid transitions.\n"
	      "# TYPE klaxon_incident_transition_failures_total counter\n", f);
	fprintf(f, "klaxon_incident_transition_failures_total %llu\n",
		(unsigned long long)st->transition_failures);
	fputs("# HELP klaxon_ledger_verifications_total Ledger verifications run (start and schedule).\n"
	      "# TYPE klaxon_ledger_verifications_total counter\n", f);
	fprintf(f, "klaxon_ledger_verifications_total %llu\n",
		(unsigned long long)st->ledger_verifications);
	fputs("# HELP klaxon_receipt_verification_failures_total Ledger verifications that failed.\n"
	      "# TYPE klaxon_receipt_verification_failures_total counter\n", f);
	fprintf(f, "klaxon_receipt_verification_failures_total %llu\n",
		(unsigned long long)st->ledger_verification_failures);
	fputs("# HELP klaxon_approval_cycle_seconds Time from an approval gate opening to its decision.\n"
	      "# TYPE klaxon_approval_cycle_seconds histogram\n", f);
	for (int b = 0; b < KX_STATS_CYCLE_BUCKETS; b++)
		fprintf(f, "klaxon_approval_cycle_seconds_bucket{le=\"%g\"} %llu\n",
			kx_stats_cycle_bounds[b], (unsigned long long)st->approval_cycle_buckets[b]);
	fprintf(f, "klaxon_approval_cycle_seconds_bucket{le=\"+Inf\"} %llu\n",
		(unsigned long long)st->approval_cycles);
	fprintf(f, "klaxon_approval_cycle_seconds_sum %.3f\n", st->approval_cycle_seconds);
	fprintf(f, "klaxon_approval_cycle_seconds_count %llu\n", (unsigned long long)st->approval_cycles);
	fputs("# HELP klaxon_pending_approvals Approval gates open now.\n"
	      "# TYPE klaxon_pending_approvals gauge\n", f);
	fprintf(f, "klaxon_pending_approvals %llu\n", (unsigned long long)st->pending_approvals);
	fputs("# HELP klaxon_step_runs_total Command steps run, by runbook.\n"
	      "# TYPE klaxon_step_runs_total counter\n", f);
	for (int i = 0; i < st->n_runbooks; i++)
		fprintf(f, "klaxon_step_runs_total{runbook=\"%s\"} %llu\n", st->runbooks[i].runbook,
			(unsigned long long)st->runbooks[i].steps);
	fputs("# HELP klaxon_step_failures_total Command steps that failed, by runbook.\n"
	      "# TYPE klaxon_step_failures_total counter\n", f);
	for (int i = 0; i < st->n_runbooks; i++)
		fprintf(f, "klaxon_step_failures_total{runbook=\"%s\"} %llu\n", st->runbooks[i].runbook,
			(unsigned long long)st->runbooks[i].failures);
	fputs("# HELP klaxon_step_seconds_total Time spent in command steps, by runbook.\n"
	      "# TYPE klaxon_step_seconds_total counter\n", f);
	for (int i = 0; i < st->n_runbooks; i++)
		fprintf(f, "klaxon_step_seconds_total{runbook=\"%s\"} %.3f\n", st->runbooks[i].runbook,
			st->runbooks[i].seconds);
}

char *metrics_render(struct metrics *m, const struct kx_stats *core)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	pthread_mutex_lock(&m->lock);
	fputs("# HELP klaxon_http_requests_total Requests by operation and status.\n"
	      "# TYPE klaxon_http_requests_total counter\n", f);
	for (int i = 0; i < m->n_routes; i++)
		fprintf(f, "klaxon_http_requests_total{op=\"%s\",status=\"%d\"} %llu\n",
			m->routes[i].op, m->routes[i].status, m->routes[i].count);
	fputs("# HELP klaxon_tenant_requests_total Requests by the caller's tenant.\n"
	      "# TYPE klaxon_tenant_requests_total counter\n", f);
	for (int i = 0; i < m->n_tenants; i++)
		fprintf(f, "klaxon_tenant_requests_total{tenant=\"%s\"} %llu\n", m->tenants[i].tenant,
			m->tenants[i].requests);
	fputs("# HELP klaxon_tenant_errors_total Requests answered 4xx or 5xx, by tenant.\n"
	      "# TYPE klaxon_tenant_errors_total counter\n", f);
	for (int i = 0; i < m->n_tenants; i++)
		fprintf(f, "klaxon_tenant_errors_total{tenant=\"%s\"} %llu\n", m->tenants[i].tenant,
			m->tenants[i].errors);
	fputs("# HELP klaxon_op_duration_seconds Request latency by operation.\n"
	      "# TYPE klaxon_op_duration_seconds histogram\n", f);
	for (int i = 0; i < m->n_ops; i++) {
		const struct op_latency *o = &m->ops[i];
		for (size_t b = 0; b < N_BUCKETS; b++)
			fprintf(f, "klaxon_op_duration_seconds_bucket{op=\"%s\",le=\"%g\"} %llu\n", o->op,
				BUCKETS[b], o->buckets[b]);
		fprintf(f, "klaxon_op_duration_seconds_bucket{op=\"%s\",le=\"+Inf\"} %llu\n", o->op,
			o->count);
		fprintf(f, "klaxon_op_duration_seconds_sum{op=\"%s\"} %.6f\n", o->op, o->sum);
		fprintf(f, "klaxon_op_duration_seconds_count{op=\"%s\"} %llu\n", o->op, o->count);
	}
	pthread_mutex_unlock(&m->lock);
	render_core(f, core);
	fclose(f);
	return text;
}
