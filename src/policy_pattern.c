/* Action patterns: "incident.*", "*.get", "*", compiled once on upload and matched in time
 * linear in the action name. Role catalogs grant by them and profile rules apply by them;
 * attribute paths reuse the dotted-name splitting. */
#include "policy_pattern.h"

#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "policy_internal.h"

bool policy_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool pattern_char(char c)
{
	return policy_name_char(c) || c == '*';
}

bool policy_dotted_split(const char *text, size_t max_len, unsigned max_segs, bool (*ok)(char),
			 struct policy_dotted *d)
{
	size_t n = strnlen(text, max_len + 1), start = 0;
	if (n == 0 || n > max_len)
		return false;
	d->nseg = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && text[i] != '.') {
			if (!ok(text[i]))
				return false;
			continue;
		}
		if (i == start || d->nseg == max_segs)
			return false;
		d->off[d->nseg] = (uint8_t)start;
		d->len[d->nseg] = (uint8_t)(i - start);
		d->nseg++;
		start = i + 1;
	}
	return true;
}

static bool is_star(const struct policy_dotted *d, const char *text, unsigned i)
{
	return d->len[i] == 1 && text[d->off[i]] == '*';
}

/* Patterns take `*` only as a whole segment: "inc*" would suggest prefix matching we lack. */
static bool pattern_shape(const char *text, struct policy_dotted *d)
{
	if (!policy_dotted_split(text, POLICY_PATTERN_MAX_LEN, POLICY_PATTERN_MAX_SEGS,
				  pattern_char, d))
		return false;
	for (unsigned i = 0; i < d->nseg; i++)
		if (memchr(text + d->off[i], '*', d->len[i]) && !is_star(d, text, i))
			return false;
	return true;
}

/* One step of the pattern's NFA: bit i of `states` means the first i pattern segments have
 * matched. A star stays put (it may swallow more) and also moves on (it may stop here). */
static uint32_t pattern_step(const struct policy_dotted *d, const char *text, uint32_t states,
			     const char *seg, size_t len)
{
	uint32_t next = 0;
	for (unsigned i = 0; i < d->nseg; i++) {
		if (!(states & (UINT32_C(1) << i)))
			continue;
		if (is_star(d, text, i))
			next |= (UINT32_C(1) << i) | (UINT32_C(1) << (i + 1));
		else if (d->len[i] == len && memcmp(text + d->off[i], seg, len) == 0)
			next |= UINT32_C(1) << (i + 1);
	}
	return next;
}

/* Linear in the action's length whatever the pattern: no backtracking to exploit. */
static bool pattern_match(const struct policy_dotted *d, const char *text, const char *action)
{
	uint32_t states = 1;
	for (const char *seg = action;;) {
		const char *dot = strchr(seg, '.');
		size_t len = dot ? (size_t)(dot - seg) : strlen(seg);
		if (len == 0)
			return false; /* a malformed action name matches nothing */
		states = pattern_step(d, text, states, seg, len);
		if (!states || !dot)
			break;
		seg = dot + 1;
	}
	return (states & (UINT32_C(1) << d->nseg)) != 0;
}

bool policy_pattern_valid(const char *pattern)
{
	struct policy_dotted d;
	return pattern && pattern_shape(pattern, &d);
}

bool policy_pattern_matches(const char *pattern, const char *action)
{
	struct policy_dotted d;
	return pattern && action && pattern_shape(pattern, &d) && pattern_match(&d, pattern, action);
}

bool policy_pattern_list_matches(const struct policy_pattern *p, size_t n, const char *action)
{
	for (size_t i = 0; i < n; i++)
		if (pattern_match(&p[i].shape, p[i].text, action))
			return true;
	return false;
}

void policy_pattern_list_free(struct policy_pattern *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i].text);
	free(p);
}

int policy_pattern_list_parse(struct policy_pattern **out, size_t *count, const cJSON *arr,
			      size_t max, const char *at, struct kx_error *err)
{
	size_t n = policy_count_upto(arr, max);
	if (n > max)
		return policy_invalid(err, at, "", "at most %zu action patterns", max);
	*out = calloc(n ? n : 1, sizeof **out);
	if (!*out)
		return policy_out_of_memory(err);
	for (const cJSON *e = arr->child; e; e = e->next) {
		char idx[24];
		policy_path_format(idx, sizeof idx, "[%zu]", *count);
		if (!cJSON_IsString(e) || !pattern_shape(e->valuestring, &(*out)[*count].shape))
			return policy_invalid(err, at, idx,
					      "an action pattern is dot-separated segments of a-z "
					      "0-9 _ - or a whole-segment *, such as incident.* or "
					      "*.get");
		if (!((*out)[*count].text = strdup(e->valuestring)))
			return policy_out_of_memory(err);
		(*count)++;
	}
	return 0;
}
