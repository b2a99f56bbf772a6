/* Redaction of free text on evidence export (DESIGN.md "Evidence export"): built-in rules for
 * e-mail addresses, bearer tokens, well-known secret shapes and secret-named fields, plus a
 * tenant's own rules ({"rules": [{"id", "pattern"?, "fields"?}]}). A redaction replaces what
 * it withholds by "[REDACTED:<rule>]" and reports the rule and the field, never the value.
 * klaxon's ids and hashes are never redacted. */
#ifndef KX_REDACT_H
#define KX_REDACT_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "error.h"

#define REDACT_MAX_RULES 64
#define REDACT_MAX_FIELDS 32
#define REDACT_PATTERN_MAX 500

struct redactor;

/* The built-in rules and the tenant's (a stored redaction document's text, or NULL). NULL with
 * err when the document does not validate. Caller frees with redact_free. */
struct redactor *redact_new(const char *tenant_doc, struct kx_error *err);
void redact_free(struct redactor *r);

/* Validates a tenant's document as redaction.set receives it: 0, or -1 with a 400
 * invalid_field naming the JSON path ("rules[2].pattern"). */
int redact_rules_validate(const cJSON *doc, struct kx_error *err);
/* The built-in rules as [{"id", "description"}] (caller owns). */
cJSON *redact_defaults_json(void);

/* Told about each string a rule redacted: which rule, in which field (a dotted JSON path),
 * and how many matches it withheld there. */
typedef void (*redact_log_fn)(void *ctx, const char *rule, const char *field, int count);

/* Redacts every free-text string under v in place. `path` names v ("" for a record's root).
 * Returns the number of redactions made. The redactor remembers member names as it goes: one
 * thread at a time. */
int redact_json(struct redactor *r, cJSON *v, const char *path, redact_log_fn log, void *ctx);

#endif
