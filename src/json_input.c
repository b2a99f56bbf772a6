/* Validation of untrusted JSON text: UTF-8 by the RFC 3629 table (no overlongs, no surrogates),
 * nesting depth checked on the text before parsing so hostile input cannot recurse deeply. */
#include "json_input.h"

#include <stdint.h>
#include <string.h>

bool json_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		unsigned lo = 0x80, hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0;
			if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;
			if (c == 0xf4)
				hi = 0x8f;
		} else
			return false;
		if (len - i <= n) /* truncated sequence */
			return false;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return false;
		i += n + 1;
	}
	return true;
}

/* Depth of brackets outside strings; a cheap scan that bounds cJSON's recursion. Returns -1
 * for a raw control character inside a string, which RFC 8259 forbids and cJSON accepts. */
static int max_depth(const char *s, size_t len)
{
	int depth = 0, worst = 0;
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_str) {
			if ((unsigned char)c < 0x20)
				return -1;
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > worst)
				worst = depth;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return worst;
}

cJSON *json_input_object(const char *text, size_t len, struct kx_error *err)
{
	if (!text || len == 0) {
		kx_error_set(err, 400, "invalid_json", NULL, "the request needs a JSON object body");
		return NULL;
	}
	if (memchr(text, 0, len) || !json_utf8_valid(text, len)) {
		kx_error_set(err, 400, "invalid_json", NULL, "the body is not valid UTF-8");
		return NULL;
	}
	int depth = max_depth(text, len);
	if (depth < 0) {
		kx_error_set(err, 400, "invalid_json", NULL,
			     "the body has a raw control character inside a string");
		return NULL;
	}
	if (depth > JSON_INPUT_MAX_DEPTH) {
		kx_error_set(err, 400, "invalid_json", NULL, "the body nests deeper than %d",
			     JSON_INPUT_MAX_DEPTH);
		return NULL;
	}
	const char *end = NULL;
	cJSON *v = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (v) {
		/* cJSON stops at the value's end: only white space may follow it. */
		while (end < text + len && (*end == ' ' || *end == '\n' || *end == '\r' ||
					    *end == '\t'))
			end++;
		if (end != text + len) {
			cJSON_Delete(v);
			v = NULL;
		}
	}
	if (!v) {
		kx_error_set(err, 400, "invalid_json", NULL, "the body is not valid JSON");
		return NULL;
	}
	if (!cJSON_IsObject(v)) {
		cJSON_Delete(v);
		kx_error_set(err, 400, "invalid_json", NULL, "the body must be a JSON object");
		return NULL;
	}
	return v;
}
