/* Reading an operation's input: body members and query parameters, with each error naming its
 * field; and the {items, next_cursor} page every list answers with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_input.h"
#include "ops.h"

const char *op_query(const struct op_ctx *ctx, const char *name)
{
	for (const struct kx_param *p = ctx->req->query; p && p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p->value;
	return NULL;
}

/* API.md counts characters: code points, not bytes (the body is valid UTF-8 by now). */
static size_t utf8_length(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xc0) != 0x80;
	return n;
}

int op_body_string(struct op_ctx *ctx, const char *name, bool required, size_t max,
		   const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ctx->body, name);
	*out = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			return kx_error_set(ctx->err, 400, "invalid_field", name, "%s is required",
					    name);
		return 0;
	}
	if (!cJSON_IsString(v))
		return kx_error_set(ctx->err, 400, "invalid_field", name, "%s must be a string",
				    name);
	size_t n = utf8_length(v->valuestring);
	if ((required && n == 0) || n > max)
		return kx_error_set(ctx->err, 400, "invalid_field", name,
				    "%s must be %s%zu characters at most", name,
				    required ? "1 to " : "", max);
	*out = v->valuestring;
	return 0;
}

int op_body_strings(struct op_ctx *ctx, const char *name, int max_items, size_t max,
		    const cJSON **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ctx->body, name);
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > max_items)
		return kx_error_set(ctx->err, 400, "invalid_field", name,
				    "%s must be an array of at most %d strings", name, max_items);
	int i = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, v)
	{
		if (!cJSON_IsString(e) || !*e->valuestring || utf8_length(e->valuestring) > max) {
			char field[64];
			snprintf(field, sizeof field, "%s[%d]", name, i);
			return kx_error_set(ctx->err, 400, "invalid_field", field,
					    "%s must be a string of 1 to %zu characters", field, max);
		}
		i++;
	}
	*out = v;
	return 0;
}

int op_body_only(struct op_ctx *ctx, const char *const *allowed)
{
	const cJSON *m;
	cJSON_ArrayForEach(m, ctx->body)
	{
		bool ok = false;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(m->string, *a) == 0;
		if (!ok)
			return kx_error_set(ctx->err, 400, "invalid_field", m->string,
					    "unknown field %s", m->string);
	}
	return 0;
}

int op_query_limit(struct op_ctx *ctx, int *limit)
{
	const char *v = op_query(ctx, "limit");
	*limit = 50;
	if (!v)
		return 0;
	char *end = NULL;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < 1 || n > 500)
		return kx_error_set(ctx->err, 400, "invalid_query", "limit",
				    "limit must be 1 to 500");
	*limit = (int)n;
	return 0;
}

cJSON *op_page(cJSON *items, int limit, const char *cursor_member)
{
	cJSON *page = cJSON_CreateObject();
	const cJSON *next = NULL;
	if (cJSON_GetArraySize(items) > limit) {
		cJSON_DeleteItemFromArray(items, limit);
		next = cJSON_GetObjectItem(cJSON_GetArrayItem(items, limit - 1), cursor_member);
	}
	cJSON_AddItemToObject(page, "items", items);
	if (cJSON_IsString(next))
		cJSON_AddStringToObject(page, "next_cursor", next->valuestring);
	else if (cJSON_IsNumber(next)) {
		char buf[32];
		snprintf(buf, sizeof buf, "%.0f", next->valuedouble);
		cJSON_AddStringToObject(page, "next_cursor", buf);
	} else
		cJSON_AddNullToObject(page, "next_cursor");
	return page;
}

int op_items(struct op_ctx *ctx, cJSON *items)
{
	if (!items)
		return kx_error_set(ctx->err, 503, "unavailable", NULL, "the store did not answer");
	ctx->result = cJSON_CreateObject();
	cJSON_AddItemToObject(ctx->result, "items", items);
	cJSON_AddNullToObject(ctx->result, "next_cursor");
	return 0;
}
