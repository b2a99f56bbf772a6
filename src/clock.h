/* Time for the core: one injectable source (tests set a fake clock) and RFC 3339 formatting with
 * milliseconds in UTC, the only time format on the wire. */
#ifndef KX_CLOCK_H
#define KX_CLOCK_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t (*kx_clock_fn)(void *ctx); /* milliseconds since the Unix epoch */

/* The process's clock: the real one unless a test installs another (NULL restores it). */
void kx_clock_set(kx_clock_fn fn, void *ctx);
int64_t kx_clock_now_ms(void);

#define KX_TIME_LEN 25 /* "2026-11-28T16:00:00.123Z" + NUL */
void kx_time_format(int64_t ms, char out[KX_TIME_LEN]);
/* Parses RFC 3339 ("...Z" or "+hh:mm", optional fraction); 0 and *ms, or -1. */
int kx_time_parse(const char *text, int64_t *ms);

#endif
