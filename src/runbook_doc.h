/* The runbook document (API.md "Runbooks and executions"): validated once at publish, with
 * errors naming the JSON path; the same walk tells the engine each step's fields. */
#ifndef KX_RUNBOOK_DOC_H
#define KX_RUNBOOK_DOC_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "error.h"

#define RUNBOOK_MAX_STEPS 100
#define RUNBOOK_DEFAULT_TIMEOUT_S 300

/* Validates doc; a high or critical runbook needs an approval step before its first command
 * step unless allow_unapproved. 0, or -1 with a 400 invalid_field naming "document.<path>". */
int runbook_doc_validate(const cJSON *doc, bool allow_unapproved, struct kx_error *err);

/* Convenience readers over a validated document. */
const cJSON *runbook_doc_step(const cJSON *doc, int index);       /* NULL past the end */
int runbook_doc_step_index(const cJSON *doc, const char *step_id); /* -1 when absent */
int runbook_doc_step_count(const cJSON *doc);

#endif
