/* klaxon incident declare|update|show|list and klaxon timeline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "print.h"

static char *body_text(cJSON *body)
{
	char *text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	return text;
}

static void add_opt_string(cJSON *o, const char *name, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, name, v);
}

static void add_labels(cJSON *o, const struct cli *c)
{
	if (c->n_labels > 0)
		cJSON_AddItemToObject(o, "labels", cJSON_CreateStringArray(c->labels, c->n_labels));
}

/* Runs one request against a freshly opened backend; prints nothing on success. */
static cJSON *run(const struct cli *c, const struct backend_request *req, int *status)
{
	struct backend *b = cli_backend(c);
	if (!b) {
		*status = CLI_REFUSED;
		return NULL;
	}
	cJSON *res = cli_call(b, req, status);
	backend_close(b);
	return res;
}

static void print_incident(const cJSON *inc)
{
	const cJSON *labels = cJSON_GetObjectItem(inc, "labels"), *l;
	printf("%s  %s  %s\n", print_str(inc, "id"), print_str(inc, "severity"),
	       print_str(inc, "status"));
	printf("title:       %s\n", print_str(inc, "title"));
	printf("description: %s\n", print_str(inc, "description"));
	printf("commander:   %s\n", print_str(inc, "commander"));
	printf("region:      %s\n", print_str(inc, "region"));
	printf("labels:     ");
	cJSON_ArrayForEach(l, labels) printf(" %s", l->valuestring);
	printf("\ncreated:     %s\nupdated:     %s\nresolved:    %s\n", print_str(inc, "created_at"),
	       print_str(inc, "updated_at"), print_str(inc, "resolved_at"));
	printf("version:     %.0f\nreceipt:     %s\n",
	       cJSON_GetNumberValue(cJSON_GetObjectItem(inc, "version")), print_str(inc, "receipt_id"));
}

static int declare(struct cli *c)
{
	if (c->n_args != 2)
		return cli_usage_error("incident declare takes no positional arguments");
	if (!c->title || !c->severity)
		return cli_usage_error("incident declare needs --title and --severity");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "title", c->title);
	cJSON_AddStringToObject(o, "severity", c->severity);
	add_opt_string(o, "description", c->description);
	add_opt_string(o, "region", c->region);
	add_opt_string(o, "commander", c->commander);
	add_labels(o, c);
	char *body = body_text(o);
	struct backend_request req = {.op = "incident.create", .body = body,
				      .idempotency_key = c->idempotency_key,
				      .override = c->override};
	int status;
	cJSON *inc = run(c, &req, &status);
	free(body);
	if (inc && c->json)
		print_json(inc);
	else if (inc)
		puts(print_str(inc, "id"));
	cJSON_Delete(inc);
	return status;
}

static int update(struct cli *c)
{
	if (c->n_args != 3)
		return cli_usage_error("incident update takes one incident id");
	cJSON *o = cJSON_CreateObject();
	add_opt_string(o, "status", c->status);
	add_opt_string(o, "severity", c->severity);
	add_opt_string(o, "title", c->title);
	add_opt_string(o, "description", c->description);
	add_opt_string(o, "commander", c->commander);
	add_opt_string(o, "note", c->note);
	add_labels(o, c);
	if (cJSON_GetArraySize(o) == 0) {
		cJSON_Delete(o);
		return cli_usage_error("incident update needs something to change");
	}
	char *body = body_text(o);
	struct backend_request req = {.op = "incident.update", .id = c->args[2], .body = body,
				      .if_match = c->if_match,
				      .idempotency_key = c->idempotency_key,
				      .override = c->override};
	int status;
	cJSON *inc = run(c, &req, &status);
	free(body);
	if (inc && c->json)
		print_json(inc);
	else if (inc)
		printf("%s  %s  %s  version %.0f\n", print_str(inc, "id"), print_str(inc, "severity"),
		       print_str(inc, "status"), cJSON_GetNumberValue(cJSON_GetObjectItem(inc, "version")));
	cJSON_Delete(inc);
	return status;
}

static int show(struct cli *c)
{
	if (c->n_args != 3)
		return cli_usage_error("incident show takes one incident id");
	struct backend_request req = {.op = "incident.get", .id = c->args[2]};
	int status;
	cJSON *inc = run(c, &req, &status);
	if (inc && c->json)
		print_json(inc);
	else if (inc)
		print_incident(inc);
	cJSON_Delete(inc);
	return status;
}

static void incident_row(const cJSON *inc)
{
	print_cell(print_str(inc, "id"), 31);
	print_cell(print_str(inc, "severity"), 5);
	print_cell(print_str(inc, "status"), 11);
	print_cell(print_str(inc, "title"), 60);
	putchar('\n');
}

static int list(struct cli *c)
{
	if (c->n_args != 2)
		return cli_usage_error("incident list takes no positional arguments");
	struct backend_param q[8];
	int n = 0;
	if (c->status)
		q[n++] = (struct backend_param){"status", c->status};
	if (c->severity)
		q[n++] = (struct backend_param){"severity", c->severity};
	if (c->query)
		q[n++] = (struct backend_param){"q", c->query};
	if (c->limit)
		q[n++] = (struct backend_param){"limit", c->limit};
	return cli_list_pages(c, "incident.list", q, n, incident_row);
}

int cmd_incident(struct cli *c)
{
	static const struct {
		const char *verb;
		int (*run)(struct cli *c);
	} verbs[] = {{"declare", declare}, {"update", update}, {"show", show}, {"list", list}};
	if (c->n_args < 2)
		return cli_usage_error("incident needs a verb: declare, update, show or list");
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(c->args[1], verbs[i].verb) == 0)
			return verbs[i].run(c);
	return cli_usage_error("unknown incident verb '%s'", c->args[1]);
}

static void event_row(const cJSON *ev)
{
	char *data = cJSON_PrintUnformatted(cJSON_GetObjectItem(ev, "data"));
	print_cell(print_str(ev, "at"), 25);
	print_cell(print_str(ev, "kind"), 18);
	print_cell(print_str(ev, "actor"), 31);
	print_cell(data ? data : "", 80);
	putchar('\n');
	cJSON_free(data);
}

int cmd_timeline(struct cli *c)
{
	if (c->n_args != 2)
		return cli_usage_error("timeline takes one incident id");
	struct backend_param q[4];
	int n = 0;
	q[n++] = (struct backend_param){"incident_id", c->args[1]};
	if (c->limit)
		q[n++] = (struct backend_param){"limit", c->limit};
	return cli_list_pages(c, "timeline.list", q, n, event_row);
}

