/* klaxon usage: a tenant's usage (its own by default, --in another), or with --platform the
 * platform-wide report with its attribution ratio. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "print.h"

static void show_usage(const cJSON *u, bool series)
{
	const cJSON *t, *p;
	const char *tenant = print_str(u, "tenant_id");
	printf("usage of %s, %s to %s\n", strcmp(tenant, "-") ? tenant : "every tenant",
	       print_str(u, "from"), print_str(u, "to"));
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(u, "totals"))
	{
		printf("  ");
		print_cell(t->string, 32);
		printf(" %12.0f\n", t->valuedouble);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItem(u, "totals")) == 0)
		printf("  (nothing in this window)\n");
	const cJSON *a = cJSON_GetObjectItem(u, "attribution");
	if (a)
		printf("attribution: %.0f of %.0f requests attributed to a tenant (ratio %.4f)\n",
		       cJSON_GetNumberValue(cJSON_GetObjectItem(a, "attributed")),
		       cJSON_GetNumberValue(cJSON_GetObjectItem(a, "total")),
		       cJSON_GetNumberValue(cJSON_GetObjectItem(a, "ratio")));
	if (!series)
		return;
	printf("by %s:\n", print_str(u, "bucket"));
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(u, "series"))
	{
		printf("  ");
		print_cell(print_str(p, "bucket_start"), 25);
		print_cell(print_str(p, "event_type"), 32);
		printf(" %12.0f\n", cJSON_GetNumberValue(cJSON_GetObjectItem(p, "units")));
	}
}

int cmd_usage(struct cli *c)
{
	if (c->n_args != 1)
		return cli_usage_error("usage takes no positional arguments");
	if (c->platform && c->in)
		return cli_usage_error("usage: --platform or --in TENANT, not both");
	struct backend *b = cli_backend(c);
	if (!b)
		return CLI_REFUSED;
	int rc = CLI_OK;
	char tenant[128] = "";
	if (!c->platform) {
		struct backend_request who = {.op = "session.get"};
		cJSON *s = cli_call(b, &who, &rc);
		snprintf(tenant, sizeof tenant, "%s", c->in ? c->in : print_str(s, "tenant_id"));
		cJSON_Delete(s);
	}
	struct backend_param q[4] = {{NULL, NULL}};
	int n = 0;
	if (c->from)
		q[n++] = (struct backend_param){"from", c->from};
	if (c->to)
		q[n++] = (struct backend_param){"to", c->to};
	if (c->bucket)
		q[n++] = (struct backend_param){"bucket", c->bucket};
	struct backend_request req = {.op = c->platform ? "usage.platform" : "usage.report",
				      .id = c->platform ? NULL : tenant,
				      .query = q};
	cJSON *u = rc == CLI_OK ? cli_call(b, &req, &rc) : NULL;
	if (u && c->json)
		print_json(u);
	else if (u)
		show_usage(u, c->bucket != NULL);
	cJSON_Delete(u);
	backend_close(b);
	return rc;
}
