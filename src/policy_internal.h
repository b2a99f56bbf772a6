/* Shared by policy.c, role_catalog.c and policy_pattern.c only: how validating an uploaded
 * catalog or profile reports errors and walks hostile JSON at a bounded cost. Defined in
 * policy.c. */
#ifndef KX_POLICY_INTERNAL_H
#define KX_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "error.h"

/* JSON paths are cut to err->field's size, as kx_error_set would cut them anyway. */
void policy_path_format(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Fills err as a 400 invalid_field at the JSON path at+suffix; returns -1. */
int policy_invalid(struct kx_error *err, const char *at, const char *suffix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Fills err as a 503 unavailable; returns -1. */
int policy_out_of_memory(struct kx_error *err);

/* Counts up to limit + 1 children, so a huge array costs no more than a small one. */
size_t policy_count_upto(const cJSON *c, size_t limit);

/* A member that appears twice would mean different things to different JSON readers. */
bool policy_has_duplicate(const cJSON *obj, const char *key);

#endif
