/* Untrusted JSON in: valid UTF-8, bounded depth, a single object, before cJSON sees it. */
#ifndef KX_JSON_INPUT_H
#define KX_JSON_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "error.h"

#define JSON_INPUT_MAX_DEPTH 32

bool json_utf8_valid(const char *s, size_t len);
/* Parses a request body that must be one JSON object; NULL with a 400 invalid_json. */
cJSON *json_input_object(const char *text, size_t len, struct kx_error *err);

#endif
