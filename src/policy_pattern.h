/* Shared by role_catalog.c and policy.c only: action patterns ("incident.*") compiled once on
 * upload, and the dotted-name splitting that attribute paths reuse. The public face of
 * patterns, policy_pattern_valid and policy_pattern_matches, is in policy.h. */
#ifndef KX_POLICY_PATTERN_H
#define KX_POLICY_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"

enum {
	POLICY_PATTERN_MAX_LEN = 128,
	/* < 31: match states live in a uint32_t. Also the most any dotted name may have, as
	 * struct policy_dotted is sized by it. */
	POLICY_PATTERN_MAX_SEGS = 16,
};

/* Where the segments of a dotted name are, found once so matching never re-scans text. */
struct policy_dotted {
	uint8_t nseg;
	uint8_t off[POLICY_PATTERN_MAX_SEGS];
	uint8_t len[POLICY_PATTERN_MAX_SEGS];
};

struct policy_pattern {
	char *text;
	struct policy_dotted shape;
};

/* Characters of action-name and role-name segments. */
bool policy_name_char(char c);

/* Splits text (at most max_len bytes, max_segs <= POLICY_PATTERN_MAX_SEGS segments) at dots
 * into d: every segment non-empty and made of characters accepted by ok. */
bool policy_dotted_split(const char *text, size_t max_len, unsigned max_segs, bool (*ok)(char),
			 struct policy_dotted *d);

/* Compiles a JSON array of pattern strings into *out (*count of them; the caller frees with
 * policy_pattern_list_free even on failure). More than max is refused; `at` is the array's
 * JSON path for errors. 0, or -1 with err. */
int policy_pattern_list_parse(struct policy_pattern **out, size_t *count, const cJSON *arr,
			      size_t max, const char *at, struct kx_error *err);
/* Does any of the n patterns match the action name? */
bool policy_pattern_list_matches(const struct policy_pattern *p, size_t n, const char *action);
void policy_pattern_list_free(struct policy_pattern *p, size_t n);

#endif
