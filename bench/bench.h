/* Shared by the benchmark programs: a monotonic clock, medians, and the one output form the
 * suite's script reads ("RESULT name value unit", one per line). Header-only: each program is
 * a single C file. */
#ifndef KX_BENCH_H
#define KX_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Sorts v in place. */
static inline double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof v[0], bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static inline void bench_result(const char *name, double value, const char *unit)
{
	printf("RESULT %s %.6g %s\n", name, value, unit);
	fflush(stdout);
}

static inline void bench_die(const char *what)
{
	fprintf(stderr, "bench: %s\n", what);
	exit(1);
}

#endif
