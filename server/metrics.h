/* Counters for GET /metrics (Prometheus text): requests and errors per tenant, latency per
 * operation. Thread-safe; bounded in size whatever the traffic. */
#ifndef KXD_METRICS_H
#define KXD_METRICS_H

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);
void metrics_observe(struct metrics *m, const char *tenant, const char *op, int status,
		     double seconds);
struct kx_stats;
/* The exposition text, with the core's counters; caller frees. */
char *metrics_render(struct metrics *m, const struct kx_stats *core);

#endif
