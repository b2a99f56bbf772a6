/* Counters for GET /metrics (Prometheus text): requests and errors per tenant, latency per
 * operation. Thread-safe; bounded in size whatever the traffic. */
#ifndef KXD_METRICS_H
#define KXD_METRICS_H

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);
void metrics_observe(struct metrics *m, const char *tenant, const char *op, int status,
		     double seconds);
/* The exposition text; caller frees. */
char *metrics_render(struct metrics *m);

#endif
