/* Redaction rules and their application to JSON records. Patterns are POSIX extended regular
 * expressions (no back-references, so matching stays linear); a rule may instead, or also,
 * name fields whose whole value (or whose pattern matches) is withheld. */
#include "redact.h"

#include <ctype.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ids.h"

#define REDACT_ID_MAX 64

struct redact_rule {
	char id[REDACT_ID_MAX + 1];
	bool has_pattern;
	regex_t re;
	/* Built-in rules only: text that every match contains (one of two, ASCII case folded
	 * when `fold`). A string without it cannot match, so regexec, at ~1 us a call the bulk
	 * of an export's redaction, runs only on the rare strings that might. */
	const char *needle[2];
	bool fold;
	bool secret_names; /* the built-in rule for fields named like secrets */
	int n_fields;
	char fields[REDACT_MAX_FIELDS][REDACT_ID_MAX + 1];
};

/* A built-in rule's needle, for one pass over a string that finds every rule's at once. */
struct needle {
	const char *text;
	size_t len;
	bool fold;
	int rule;
};

/* What a member's name calls for: the rule withholding its whole value, or none. */
struct name_memo {
	char key[32];
	int rule; /* -1: none */
	bool used;
};

struct redactor {
	int n;
	struct redact_rule rules[16 + REDACT_MAX_RULES];
	struct needle needles[16];
	int n_needles;
	uint16_t starts[256]; /* bit k: needles[k] may begin with this byte */
	/* Records of one export repeat a few dozen member names, and deciding for one took a
	 * lowercase copy and seven substring searches: decisions are remembered by name. */
	struct name_memo names[256];
};

/* Most specific first: a PEM block before the e-mail address that may sit inside it. */
static const struct {
	const char *id, *pattern, *description;
	const char *needle[2]; /* what every match contains (see struct redact_rule) */
	bool fold;
} builtins[] = {
	{"pem_private_key",
	 "-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[^-]*(-----END [A-Z0-9 ]*PRIVATE KEY-----)?",
	 "PEM private-key blocks", {"-----BEGIN ", NULL}, false},
	{"bearer_token", "[Bb][Ee][Aa][Rr][Ee][Rr][[:space:]]+[A-Za-z0-9._~+/=-]+",
	 "Bearer tokens", {"bearer", NULL}, true},
	{"klaxon_token", "kxt_[A-Za-z0-9_-]{16,}", "klaxon's own API tokens (kxt_...)",
	 {"kxt_", NULL}, false},
	{"stripe_key", "(sk|rk)_(live|test)_[A-Za-z0-9]{8,}", "sk_live_, sk_test_, rk_live_ keys",
	 {"k_live_", "k_test_"}, false},
	{"github_token", "(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,}",
	 "GitHub tokens (ghp_..., github_pat_...)", {"gh", NULL}, false},
	{"slack_token", "xox[bpas]-[A-Za-z0-9-]{8,}", "Slack tokens (xoxb-, xoxp-, ...)",
	 {"xox", NULL}, false},
	{"aws_access_key", "AKIA[A-Z0-9]{16}", "AWS access key ids (AKIA...)", {"AKIA", NULL},
	 false},
	{"email", "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}",
	 "e-mail addresses", {"@", NULL}, false},
	{"secret_field", NULL, "values of fields named like password, secret, token or api_key",
	 {NULL, NULL}, false},
};
#define N_BUILTINS (sizeof builtins / sizeof builtins[0])

static bool is_builtin(const char *id)
{
	for (size_t i = 0; i < N_BUILTINS; i++)
		if (strcmp(builtins[i].id, id) == 0)
			return true;
	return false;
}

cJSON *redact_defaults_json(void)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < N_BUILTINS; i++) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "id", builtins[i].id);
		cJSON_AddStringToObject(r, "description", builtins[i].description);
		cJSON_AddItemToArray(a, r);
	}
	return a;
}

/* ---- validation ---- */

static int bad(struct kx_error *err, const char *field, const char *msg)
{
	return kx_error_set(err, 400, "invalid_field", field, "%s: %s", field, msg);
}

static bool rule_id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > REDACT_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)id[i]) && !isdigit((unsigned char)id[i]) && id[i] != '_' &&
		    id[i] != '-')
			return false;
	return true;
}

/* Compiles a tenant's pattern; back-references are refused (they make matching exponential)
 * and so is a pattern that matches nothing at all in "" (it would match everywhere). */
static int pattern_compile(const char *p, regex_t *re, const char *field, struct kx_error *err)
{
	size_t n = strlen(p);
	if (n == 0 || n > REDACT_PATTERN_MAX)
		return bad(err, field, "a pattern is 1 to 500 characters");
	for (size_t i = 0; i + 1 < n; i++)
		if (p[i] == '\\' && isdigit((unsigned char)p[i + 1]))
			return bad(err, field, "back-references are not allowed");
	if (regcomp(re, p, REG_EXTENDED) != 0)
		return bad(err, field, "not a POSIX extended regular expression");
	if (regexec(re, "", 0, NULL, 0) == 0) {
		regfree(re);
		return bad(err, field, "the pattern matches the empty string");
	}
	return 0;
}

static int fields_validate(const cJSON *fields, const char *path, struct kx_error *err)
{
	char field[80];
	snprintf(field, sizeof field, "%s.fields", path);
	if (!cJSON_IsArray(fields) || cJSON_GetArraySize(fields) < 1 ||
	    cJSON_GetArraySize(fields) > REDACT_MAX_FIELDS)
		return bad(err, field, "fields is an array of 1 to 32 field names");
	const cJSON *f;
	cJSON_ArrayForEach(f, fields)
	{
		if (!cJSON_IsString(f) || !*f->valuestring || strlen(f->valuestring) > REDACT_ID_MAX)
			return bad(err, field, "a field name is 1 to 64 characters");
	}
	return 0;
}

static int rule_validate(const cJSON *rule, int i, const cJSON *all, struct kx_error *err)
{
	char path[48], field[80];
	snprintf(path, sizeof path, "rules[%d]", i);
	if (!cJSON_IsObject(rule))
		return bad(err, path, "a rule is an object {id, pattern?, fields?}");
	const cJSON *m;
	cJSON_ArrayForEach(m, rule)
	{
		if (strcmp(m->string, "id") && strcmp(m->string, "pattern") && strcmp(m->string, "fields")) {
			snprintf(field, sizeof field, "%s.%s", path, m->string);
			return bad(err, field, "unknown member");
		}
	}
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rule, "id"));
	snprintf(field, sizeof field, "%s.id", path);
	if (!id || !rule_id_ok(id))
		return bad(err, field, "an id is 1 to 64 of a-z, 0-9, _ and -");
	if (is_builtin(id))
		return bad(err, field, "that id names a built-in rule");
	for (int j = 0; j < i; j++) {
		const cJSON *o = cJSON_GetArrayItem(all, j);
		const char *oid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "id"));
		if (oid && strcmp(oid, id) == 0)
			return bad(err, field, "rule ids must be unique");
	}
	const cJSON *pattern = cJSON_GetObjectItemCaseSensitive(rule, "pattern");
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(rule, "fields");
	if (!pattern && !fields)
		return bad(err, path, "a rule needs a pattern, fields or both");
	if (fields && fields_validate(fields, path, err))
		return -1;
	if (pattern) {
		regex_t re;
		snprintf(field, sizeof field, "%s.pattern", path);
		if (!cJSON_IsString(pattern))
			return bad(err, field, "a pattern is a string");
		if (pattern_compile(pattern->valuestring, &re, field, err))
			return -1;
		regfree(&re);
	}
	return 0;
}

int redact_rules_validate(const cJSON *doc, struct kx_error *err)
{
	const cJSON *m;
	cJSON_ArrayForEach(m, doc)
	{
		if (strcmp(m->string, "rules") != 0)
			return bad(err, m->string, "unknown member");
	}
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(doc, "rules");
	if (!cJSON_IsArray(rules) || cJSON_GetArraySize(rules) > REDACT_MAX_RULES)
		return bad(err, "rules", "rules is an array of at most 64 rules");
	int i = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, rules)
	{
		if (rule_validate(r, i++, rules, err))
			return -1;
	}
	return 0;
}

/* ---- the redactor ---- */

void redact_free(struct redactor *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->n; i++)
		if (r->rules[i].has_pattern)
			regfree(&r->rules[i].re);
	free(r);
}

static int add_tenant_rule(struct redactor *r, const cJSON *rule, struct kx_error *err)
{
	struct redact_rule *t = &r->rules[r->n];
	memset(t, 0, sizeof *t);
	snprintf(t->id, sizeof t->id, "%s",
		 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rule, "id")));
	const cJSON *f;
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(rule, "fields"))
		snprintf(t->fields[t->n_fields++], sizeof t->fields[0], "%s", f->valuestring);
	const char *p = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rule, "pattern"));
	if (p) {
		if (pattern_compile(p, &t->re, "pattern", err))
			return -1;
		t->has_pattern = true;
	}
	r->n++;
	return 0;
}

/* Needles are ASCII; a folded one is lower case and may also begin upper case. */
static void needle_add(struct redactor *r, const char *text, bool fold, int rule)
{
	int k = r->n_needles++;
	r->needles[k] = (struct needle){text, strlen(text), fold, rule};
	r->starts[(unsigned char)text[0]] |= (uint16_t)(1u << k);
	if (fold)
		r->starts[(unsigned char)toupper((unsigned char)text[0])] |= (uint16_t)(1u << k);
}

struct redactor *redact_new(const char *tenant_doc, struct kx_error *err)
{
	struct redactor *r = calloc(1, sizeof *r);
	if (!r) {
		kx_error_set(err, 503, "unavailable", NULL, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < N_BUILTINS; i++) {
		struct redact_rule *b = &r->rules[r->n++];
		snprintf(b->id, sizeof b->id, "%s", builtins[i].id);
		b->secret_names = builtins[i].pattern == NULL;
		b->needle[0] = builtins[i].needle[0];
		b->needle[1] = builtins[i].needle[1];
		b->fold = builtins[i].fold;
		for (int k = 0; k < 2 && b->needle[k]; k++)
			needle_add(r, b->needle[k], b->fold, r->n - 1);
		if (builtins[i].pattern) {
			/* The built-in patterns are constants: failing to compile is a bug. */
			if (regcomp(&b->re, builtins[i].pattern, REG_EXTENDED) != 0) {
				r->n--;
				redact_free(r);
				kx_error_set(err, 503, "unavailable", NULL, "built-in redaction rule %s",
					     builtins[i].id);
				return NULL;
			}
			b->has_pattern = true;
		}
	}
	cJSON *doc = tenant_doc ? cJSON_Parse(tenant_doc) : NULL;
	if (tenant_doc && (!doc || redact_rules_validate(doc, err))) {
		if (!doc)
			kx_error_set(err, 503, "unavailable", NULL, "the redaction rules are unreadable");
		cJSON_Delete(doc);
		redact_free(r);
		return NULL;
	}
	const cJSON *rule;
	cJSON_ArrayForEach(rule, cJSON_GetObjectItemCaseSensitive(doc, "rules"))
	{
		if (add_tenant_rule(r, rule, err)) {
			cJSON_Delete(doc);
			redact_free(r);
			return NULL;
		}
	}
	cJSON_Delete(doc);
	return r;
}

/* ---- what is never redacted ---- */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Ids and digests by their field's name. */
static bool protected_key(const char *key)
{
	return key && (strcmp(key, "id") == 0 || ends_with(key, "_id") || strcmp(key, "digest") == 0 ||
		       ends_with(key, "_digest"));
}

/* A klaxon id ("inc_" + 26 base32 digits) or a base64 SHA-256, whatever its field. */
static bool protected_value(const char *v)
{
	const char *u = strchr(v, '_');
	if (u && u > v && u - v <= 8) {
		char prefix[10];
		snprintf(prefix, sizeof prefix, "%.*s", (int)(u - v + 1), v);
		if (kx_id_valid(v, prefix))
			return true;
	}
	size_t n = strlen(v);
	if (n == 44 && v[43] == '=') {
		for (size_t i = 0; i < 43; i++)
			if (!isalnum((unsigned char)v[i]) && v[i] != '+' && v[i] != '/')
				return false;
		return true;
	}
	return false;
}

static bool secret_name(const char *key)
{
	static const char *const words[] = {"password", "passwd", "secret", "token", "api_key",
					    "apikey", "api-key"};
	char low[128];
	size_t n = strlen(key);
	if (n >= sizeof low)
		n = sizeof low - 1;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)key[i]);
	low[n] = 0;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(low, words[i]))
			return true;
	return false;
}

static bool rule_names_field(const struct redact_rule *rule, const char *key)
{
	if (!key)
		return false;
	if (rule->secret_names)
		return secret_name(key);
	for (int i = 0; i < rule->n_fields; i++)
		if (strcasecmp(rule->fields[i], key) == 0)
			return true;
	return false;
}

/* ---- applying ---- */

/* Does needle n begin at p? A folded needle's letters match either case. */
static bool needle_at(const struct needle *n, const char *p)
{
	if (!n->fold)
		return strncmp(p, n->text, n->len) == 0;
	size_t i = 0;
	while (i < n->len && p[i] && (p[i] | 0x20) == n->text[i])
		i++;
	return i == n->len;
}

/* The built-in rules whose needles occur in s, as bits by rule index (built-ins come first).
 * A rule whose bit is clear cannot match s. */
static uint32_t needles_in(const struct redactor *r, const char *s)
{
	uint32_t found = 0;
	for (const char *p = s; *p; p++) {
		uint16_t may = r->starts[(unsigned char)*p];
		for (int k = 0; may; k++, may >>= 1)
			if ((may & 1) && needle_at(&r->needles[k], p))
				found |= 1u << r->needles[k].rule;
	}
	return found;
}

static char *marker(const char *rule)
{
	size_t n = strlen(rule) + 13;
	char *m = malloc(n);
	if (m)
		snprintf(m, n, "[REDACTED:%s]", rule);
	return m;
}

/* Replaces every match of re in s; returns the new string (caller frees) and the number of
 * matches, or NULL when nothing matched. */
static char *replace_matches(const regex_t *re, const char *s, const char *rule, int *hits)
{
	regmatch_t m;
	const char *p = s;
	char *out = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int flags = 0;
	*hits = 0;
	/* Validated patterns never match empty text; stopping on one keeps the loop finite. */
	while (*p && regexec(re, p, 1, &m, flags) == 0 && m.rm_eo > m.rm_so) {
		if (!f && !(f = open_memstream(&out, &len)))
			return NULL;
		fwrite(p, 1, (size_t)m.rm_so, f);
		fprintf(f, "[REDACTED:%s]", rule);
		p += m.rm_eo;
		flags = REG_NOTBOL;
		(*hits)++;
	}
	if (!f)
		return NULL;
	fputs(p, f);
	fclose(f);
	return out;
}

struct walk {
	struct redactor *r;
	redact_log_fn log;
	void *ctx;
	int total;
	/* The dotted path of the value being walked, cut at 511 characters as it always was: a
	 * member appends its name and takes it off again (an snprintf per member was a tenth of
	 * an export's redaction). */
	char path[512];
	size_t len;
};

/* Appends text to the path; returns the length to restore. */
static size_t path_push(struct walk *w, const char *text)
{
	size_t before = w->len, n = strlen(text);
	if (n > sizeof w->path - 1 - w->len)
		n = sizeof w->path - 1 - w->len;
	memcpy(w->path + w->len, text, n);
	w->len += n;
	w->path[w->len] = 0;
	return before;
}

static void path_pop(struct walk *w, size_t len)
{
	w->len = len;
	w->path[len] = 0;
}

static void set_string(cJSON *v, char *text)
{
	cJSON_SetValuestring(v, text);
	free(text);
}

static void redact_string(struct walk *w, cJSON *v, const char *key, const char *path)
{
	if (protected_key(key) || protected_value(v->valuestring))
		return;
	uint32_t found = needles_in(w->r, v->valuestring);
	for (int i = 0; i < w->r->n; i++) {
		const struct redact_rule *rule = &w->r->rules[i];
		/* A tenant rule with both pattern and fields looks only inside those fields. */
		if (!rule->has_pattern || (rule->n_fields > 0 && !rule_names_field(rule, key)) ||
		    (rule->needle[0] && !(found & (1u << i))))
			continue;
		int hits = 0;
		char *text = replace_matches(&rule->re, v->valuestring, rule->id, &hits);
		if (!text)
			continue;
		set_string(v, text);
		found = needles_in(w->r, v->valuestring); /* what later rules see */
		w->total += hits;
		if (w->log)
			w->log(w->ctx, rule->id, path, hits);
	}
}

/* The rule that withholds the whole value of field `key`, if any. */
static const struct redact_rule *field_rule(const struct redactor *r, const char *key)
{
	for (int i = 0; key && i < r->n; i++) {
		const struct redact_rule *rule = &r->rules[i];
		if ((rule->secret_names || (rule->n_fields > 0 && !rule->has_pattern)) &&
		    rule_names_field(rule, key))
			return rule;
	}
	return NULL;
}

/* The rule withholding the whole value of a member named key (none for ids and digests),
 * remembered by name. */
static const struct redact_rule *member_rule(struct redactor *r, const char *key)
{
	size_t len = strlen(key);
	if (len >= sizeof r->names[0].key)
		return protected_key(key) ? NULL : field_rule(r, key);
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * 16777619u;
	struct name_memo *m = &r->names[h % (sizeof r->names / sizeof r->names[0])];
	if (!m->used || strcmp(m->key, key) != 0) {
		const struct redact_rule *rule = protected_key(key) ? NULL : field_rule(r, key);
		memcpy(m->key, key, len + 1);
		m->rule = rule ? (int)(rule - r->rules) : -1;
		m->used = true;
	}
	return m->rule < 0 ? NULL : &r->rules[m->rule];
}

static void walk_value(struct walk *w, cJSON *v, const char *key);

static void walk_member(struct walk *w, cJSON *parent, cJSON *child)
{
	size_t mark = w->len;
	if (w->len)
		path_push(w, ".");
	path_push(w, child->string);
	const struct redact_rule *rule = member_rule(w->r, child->string);
	if (rule && !cJSON_IsNull(child)) {
		char *m = marker(rule->id);
		if (m) {
			cJSON *repl = cJSON_CreateString(m);
			free(m);
			cJSON_ReplaceItemInObjectCaseSensitive(parent, child->string, repl);
			w->total++;
			if (w->log)
				w->log(w->ctx, rule->id, w->path, 1);
		}
	} else {
		walk_value(w, child, child->string);
	}
	path_pop(w, mark);
}

static void walk_value(struct walk *w, cJSON *v, const char *key)
{
	if (cJSON_IsString(v) && v->valuestring) {
		redact_string(w, v, key, w->path);
		return;
	}
	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return;
	int i = 0;
	for (cJSON *c = v->child, *next; c; c = next, i++) {
		next = c->next; /* c may be replaced */
		if (cJSON_IsArray(v)) {
			char sub[16];
			snprintf(sub, sizeof sub, "[%d]", i);
			size_t mark = path_push(w, sub);
			walk_value(w, c, key);
			path_pop(w, mark);
		} else {
			walk_member(w, v, c);
		}
	}
}

int redact_json(struct redactor *r, cJSON *v, const char *path, redact_log_fn log, void *ctx)
{
	struct walk w = {.r = r, .log = log, .ctx = ctx};
	path_push(&w, path ? path : "");
	walk_value(&w, v, NULL);
	return w.total;
}
