/* The core's counters for metrics and alerts. Readers and the writer update them from many
 * threads, so they have a lock of their own. */
#include <stdio.h>
#include <string.h>

#include "core.h"

const double kx_stats_bounds[KX_STATS_BUCKETS] = {1e-5, 2.5e-5, 5e-5, 1e-4,
						   2.5e-4, 5e-4, 1e-3, 1e-2};
const double kx_stats_cycle_bounds[KX_STATS_CYCLE_BUCKETS] = {60, 300, 900, 1800, 3600,
							       14400, 86400};

#define TRANSITION_RING (sizeof ((struct kx_core *)0)->transition_failures / \
			 sizeof ((struct kx_core *)0)->transition_failures[0])

void core_stats_policy_eval(struct kx_core *core, double seconds)
{
	pthread_mutex_lock(&core->stats_lock);
	core->stats.policy_evals++;
	core->stats.policy_eval_seconds += seconds;
	for (int i = 0; i < KX_STATS_BUCKETS; i++)
		core->stats.policy_eval_buckets[i] += seconds <= kx_stats_bounds[i];
	pthread_mutex_unlock(&core->stats_lock);
}

void core_stats_approval_cycle(struct kx_core *core, double seconds)
{
	pthread_mutex_lock(&core->stats_lock);
	core->stats.approval_cycles++;
	core->stats.approval_cycle_seconds += seconds;
	for (int i = 0; i < KX_STATS_CYCLE_BUCKETS; i++)
		core->stats.approval_cycle_buckets[i] += seconds <= kx_stats_cycle_bounds[i];
	pthread_mutex_unlock(&core->stats_lock);
}

void core_stats_step(struct kx_core *core, const char *runbook, double seconds, bool failed)
{
	pthread_mutex_lock(&core->stats_lock);
	struct kx_stats *st = &core->stats;
	int i;
	for (i = 0; i < st->n_runbooks; i++)
		if (!strcmp(st->runbooks[i].runbook, runbook))
			break;
	/* bounded: the first runbooks seen keep their series */
	if (i < KX_STATS_RUNBOOKS) {
		if (i == st->n_runbooks) {
			snprintf(st->runbooks[i].runbook, sizeof st->runbooks[i].runbook, "%s", runbook);
			st->n_runbooks++;
		}
		st->runbooks[i].steps++;
		st->runbooks[i].failures += failed;
		st->runbooks[i].seconds += seconds;
	}
	pthread_mutex_unlock(&core->stats_lock);
}

void core_stats_verification(struct kx_core *core, bool failed)
{
	pthread_mutex_lock(&core->stats_lock);
	core->stats.ledger_verifications++;
	core->stats.ledger_verification_failures += failed;
	pthread_mutex_unlock(&core->stats_lock);
}

void core_stats_transition_failure(struct kx_core *core, const char *tenant_id, int64_t at_ms)
{
	pthread_mutex_lock(&core->stats_lock);
	core->stats.transition_failures++;
	unsigned slot = core->n_transition_failures++ % TRANSITION_RING;
	snprintf(core->transition_failures[slot].tenant, sizeof core->transition_failures[slot].tenant,
		 "%s", tenant_id);
	core->transition_failures[slot].at_ms = at_ms;
	pthread_mutex_unlock(&core->stats_lock);
}

int core_stats_transition_failures(struct kx_core *core, const char *tenant_id, int64_t since_ms)
{
	int n = 0;
	pthread_mutex_lock(&core->stats_lock);
	for (unsigned i = 0; i < TRANSITION_RING && i < core->n_transition_failures; i++)
		n += !strcmp(core->transition_failures[i].tenant, tenant_id) &&
		     core->transition_failures[i].at_ms >= since_ms;
	pthread_mutex_unlock(&core->stats_lock);
	return n;
}

void kx_core_stats(struct kx_core *core, struct kx_stats *out)
{
	pthread_mutex_lock(&core->stats_lock);
	*out = core->stats;
	pthread_mutex_unlock(&core->stats_lock);
	struct kx_error err = {0};
	struct store *r = core_reader_acquire(core, &err);
	int64_t pending = r ? store_pending_approvals_all(r) : -1;
	core_reader_release(core, r);
	out->pending_approvals = pending > 0 ? (uint64_t)pending : 0;
}
