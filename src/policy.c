/* Policy profiles: validates a profile's rules and conditions once, on upload, then evaluates
 * requests against them and a role catalog Cedar-style (default deny, forbid beats permit,
 * what cannot be evaluated fails closed). Pure: no I/O. Also home of the upload-validation
 * helpers role_catalog.c and policy_pattern.c share (policy_internal.h). */
#include "policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"
#include "policy_pattern.h"

/* Bounds that keep what a hostile upload can cost small and fixed. */
enum {
	POLICY_MAX_RULES = 1000,
	POLICY_MAX_NAME = 200,
	POLICY_MAX_ID = 64,
	POLICY_MAX_ACTIONS = 64, /* patterns per rule */
	POLICY_MAX_CONDS = 32,   /* conditions per rule */
	POLICY_MAX_IN = 256,     /* values in an `in` list */
	POLICY_MAX_EVAL_ARRAY = 1024, /* elements of an input array a condition will compare */
	POLICY_ATTR_MAX_LEN = 64,
	POLICY_ATTR_MAX_SEGS = 8,
	POLICY_DISPLAY_MAX = 100, /* characters of a condition's value shown in explanations */
};

_Static_assert((int)POLICY_ATTR_MAX_SEGS <= (int)POLICY_PATTERN_MAX_SEGS,
	       "attribute paths are split into a struct policy_dotted");

/* ---- upload validation: errors and bounded JSON walks ---- */

void policy_path_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

int policy_invalid(struct kx_error *err, const char *at, const char *suffix, const char *fmt, ...)
{
	char field[sizeof err->field], msg[sizeof err->message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	policy_path_format(field, sizeof field, "%s%s", at, suffix);
	return kx_error_set(err, 400, "invalid_field", field, "%s", msg);
}

int policy_out_of_memory(struct kx_error *err)
{
	return kx_error_set(err, 503, "unavailable", "", "out of memory");
}

size_t policy_count_upto(const cJSON *c, size_t limit)
{
	size_t n = 0;
	for (const cJSON *e = c ? c->child : NULL; e && n <= limit; e = e->next)
		n++;
	return n;
}

bool policy_has_duplicate(const cJSON *obj, const char *key)
{
	int seen = 0;
	for (const cJSON *c = obj->child; c; c = c->next)
		if (c->string && strcmp(c->string, key) == 0 && ++seen > 1)
			return true;
	return false;
}

/* ---- attribute paths ---- */

struct attr_path {
	char *text;
	struct policy_dotted shape;
};

/* Segments of attribute paths, which name JSON members written by people. */
static bool attr_char(char c)
{
	return policy_name_char(c) || (c >= 'A' && c <= 'Z');
}

enum attr_check { ATTR_OK, ATTR_BAD_ROOT, ATTR_MALFORMED };

static enum attr_check attr_shape(const char *text, struct policy_dotted *d)
{
	static const char *const roots[] = {"subject", "resource", "context"};
	if (!policy_dotted_split(text, POLICY_ATTR_MAX_LEN, POLICY_ATTR_MAX_SEGS, attr_char, d))
		return ATTR_MALFORMED;
	for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
		if (d->len[0] == strlen(roots[i]) && memcmp(text, roots[i], d->len[0]) == 0)
			return d->nseg >= 2 ? ATTR_OK : ATTR_MALFORMED;
	return ATTR_BAD_ROOT;
}

static const cJSON *member(const cJSON *obj, const char *key, size_t len)
{
	if (!cJSON_IsObject(obj))
		return NULL;
	for (const cJSON *c = obj->child; c; c = c->next)
		if (c->string && strncmp(c->string, key, len) == 0 && c->string[len] == '\0')
			return c;
	return NULL;
}

/* JSON null counts as absent: "exists" is false for it and comparisons cannot use it. */
static const cJSON *attr_resolve(const struct attr_path *a, const cJSON *input)
{
	const cJSON *node = input;
	for (unsigned i = 0; i < a->shape.nseg && node; i++)
		node = member(node, a->text + a->shape.off[i], a->shape.len[i]);
	return cJSON_IsNull(node) ? NULL : node;
}

/* ---- profiles: conditions ---- */

enum policy_op { OP_EQ, OP_NE, OP_IN, OP_CONTAINS, OP_GT, OP_GTE, OP_LT, OP_LTE, OP_EXISTS };

static const char *const op_names[] = {"eq", "ne", "in", "contains", "gt",
				       "gte", "lt", "lte", "exists"};

struct condition {
	struct attr_path attr;
	enum policy_op op;
	bool is_ref;
	struct attr_path ref; /* when is_ref */
	cJSON *value;         /* owned copy, when !is_ref */
	char *display;        /* "resource.severity eq \"sev1\"", precomputed for explanations */
};

struct rule {
	char *id;
	bool forbid;
	bool overridable;
	struct policy_pattern *actions;
	size_t nactions;
	struct condition *conds;
	size_t nconds;
};

struct policy_profile {
	char *name;
	struct rule *rules;
	size_t nrules;
};

static void rule_free(struct rule *r)
{
	for (size_t i = 0; i < r->nconds; i++) {
		struct condition *c = &r->conds[i];
		free(c->attr.text);
		free(c->ref.text);
		free(c->display);
		cJSON_Delete(c->value);
	}
	free(r->conds);
	policy_pattern_list_free(r->actions, r->nactions);
	free(r->id);
}

void policy_profile_free(struct policy_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrules; i++)
		rule_free(&p->rules[i]);
	free(p->rules);
	free(p->name);
	free(p);
}

static bool is_scalar(const cJSON *v)
{
	return cJSON_IsString(v) || cJSON_IsNumber(v) || cJSON_IsBool(v);
}

static int in_list_check(const cJSON *v, const char *at, struct kx_error *err)
{
	if (!cJSON_IsArray(v))
		return policy_invalid(err, at, "",
				      "in takes an array of values or {\"ref\": ATTR}");
	if (policy_count_upto(v, POLICY_MAX_IN) > POLICY_MAX_IN)
		return policy_invalid(err, at, "", "in takes at most %d values", POLICY_MAX_IN);
	size_t k = 0;
	for (const cJSON *e = v->child; e; e = e->next, k++) {
		char idx[24];
		policy_path_format(idx, sizeof idx, "[%zu]", k);
		if (!is_scalar(e))
			return policy_invalid(err, at, idx,
					      "in lists strings, numbers or booleans");
	}
	return 0;
}

/* Literal values only: each operator takes the one shape it can compare. */
static int value_check(enum policy_op op, const cJSON *v, const char *at, struct kx_error *err)
{
	switch (op) {
	case OP_IN:
		return in_list_check(v, at, err);
	case OP_GT:
	case OP_GTE:
	case OP_LT:
	case OP_LTE:
		if (cJSON_IsString(v) || cJSON_IsNumber(v))
			return 0;
		return policy_invalid(err, at, "", "%s takes a number, a string or {\"ref\": ATTR}",
				      op_names[op]);
	case OP_EXISTS:
		if (cJSON_IsBool(v))
			return 0;
		return policy_invalid(err, at, "", "exists takes true or false");
	default:
		if (is_scalar(v))
			return 0;
		return policy_invalid(err, at, "",
				      "%s takes a string, number, boolean or {\"ref\": ATTR}",
				      op_names[op]);
	}
}

static int ref_parse(struct condition *c, const cJSON *v, const char *at, struct kx_error *err)
{
	const cJSON *ref = v->child;
	if (c->op == OP_EXISTS)
		return policy_invalid(err, at, "", "exists takes true or false");
	if (!ref || ref->next || !ref->string || strcmp(ref->string, "ref") != 0)
		return policy_invalid(err, at, "", "an object value must be {\"ref\": ATTR}");
	if (!cJSON_IsString(ref) || attr_shape(ref->valuestring, &c->ref.shape) != ATTR_OK)
		return policy_invalid(err, at, ".ref",
				      "ref names an attribute under subject, resource or context");
	if (!(c->ref.text = strdup(ref->valuestring)))
		return policy_out_of_memory(err);
	c->is_ref = true;
	return 0;
}

/* "ATTR OP VALUE", the value cut short so a long list cannot flood an explanation. */
static char *condition_display(const struct condition *c)
{
	char val[POLICY_DISPLAY_MAX + 4];
	if (c->is_ref) {
		snprintf(val, sizeof val, "%s", c->ref.text);
	} else {
		char *s = cJSON_PrintUnformatted(c->value);
		if (!s)
			return NULL;
		snprintf(val, sizeof val, "%.*s%s", POLICY_DISPLAY_MAX, s,
			 strlen(s) > POLICY_DISPLAY_MAX ? "..." : "");
		free(s);
	}
	size_t n = strlen(c->attr.text) + strlen(op_names[c->op]) + strlen(val) + 3;
	char *d = malloc(n);
	if (d)
		snprintf(d, n, "%s %s %s", c->attr.text, op_names[c->op], val);
	return d;
}

static int op_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof op_names / sizeof op_names[0]; i++)
		if (strcmp(op_names[i], name) == 0)
			return (int)i;
	return -1;
}

/* One OP: VALUE under an attribute already checked; `at` is "rules[i].when.ATTR". */
static int condition_parse(struct condition *c, const char *attr, const cJSON *opv,
			   const char *at, struct kx_error *err)
{
	char here[sizeof err->field];
	policy_path_format(here, sizeof here, "%s.%s", at, opv->string);
	int op = op_lookup(opv->string);
	if (op < 0)
		return policy_invalid(err, here, "",
				      "unknown operator \"%.24s\" (use eq, ne, in, contains, gt, "
				      "gte, lt, lte or exists)",
				      opv->string);
	c->op = (enum policy_op)op;
	attr_shape(attr, &c->attr.shape);
	if (!(c->attr.text = strdup(attr)))
		return policy_out_of_memory(err);
	if (cJSON_IsObject(opv)) {
		if (ref_parse(c, opv, here, err))
			return -1;
	} else if (value_check(c->op, opv, here, err)) {
		return -1;
	} else if (!(c->value = cJSON_Duplicate(opv, true))) {
		return policy_out_of_memory(err);
	}
	return (c->display = condition_display(c)) ? 0 : policy_out_of_memory(err);
}

/* Counts the OPs of a `when`, stopping past the limit. */
static size_t when_count(const cJSON *when)
{
	size_t n = 0;
	for (const cJSON *a = when->child; a && n <= POLICY_MAX_CONDS; a = a->next)
		if (cJSON_IsObject(a))
			n += policy_count_upto(a, POLICY_MAX_CONDS);
	return n;
}

static int attr_parse(struct rule *r, const cJSON *a, const char *rule_at,
		      struct kx_error *err)
{
	char at[sizeof err->field];
	struct policy_dotted d;
	policy_path_format(at, sizeof at, "%s.when.%s", rule_at, a->string);
	enum attr_check chk = attr_shape(a->string, &d);
	if (chk == ATTR_BAD_ROOT)
		return policy_invalid(err, at, "",
				      "an attribute starts with subject., resource. or context.");
	if (chk != ATTR_OK)
		return policy_invalid(err, at, "",
				      "an attribute is a dotted path of up to %d segments of "
				      "A-Z a-z 0-9 _ -, such as resource.severity",
				      POLICY_ATTR_MAX_SEGS);
	if (!cJSON_IsObject(a) || !a->child)
		return policy_invalid(err, at, "",
				      "an attribute takes an object of operators, "
				      "such as {\"eq\": \"sev1\"}");
	for (const cJSON *opv = a->child; opv; opv = opv->next) {
		r->nconds++; /* counted first so rule_free sees a half-built condition */
		if (condition_parse(&r->conds[r->nconds - 1], a->string, opv, at, err))
			return -1;
	}
	return 0;
}

static int when_parse(struct rule *r, const cJSON *when, const char *at, struct kx_error *err)
{
	if (!when)
		return 0;
	if (!cJSON_IsObject(when))
		return policy_invalid(err, at, ".when", "when is an object of ATTR: {OP: VALUE}");
	size_t n = when_count(when);
	if (n > POLICY_MAX_CONDS)
		return policy_invalid(err, at, ".when", "at most %d conditions per rule",
				      POLICY_MAX_CONDS);
	if (!(r->conds = calloc(n ? n : 1, sizeof *r->conds)))
		return policy_out_of_memory(err);
	for (const cJSON *a = when->child; a; a = a->next)
		if (attr_parse(r, a, at, err))
			return -1;
	return 0;
}

/* ---- profiles: rules ---- */

static const char *const rule_members[] = {"id", "effect", "actions", "when", "overridable",
					   "description"};

/* Unknown members are refused: a mistyped "when" would otherwise widen a permit to all. */
static int members_check(const cJSON *item, const char *at, struct kx_error *err)
{
	unsigned seen = 0;
	for (const cJSON *m = item->child; m; m = m->next) {
		size_t i = 0, n = sizeof rule_members / sizeof rule_members[0];
		while (i < n && strcmp(rule_members[i], m->string) != 0)
			i++;
		char field[sizeof err->field];
		policy_path_format(field, sizeof field, "%s.%s", at, m->string);
		if (i == n)
			return policy_invalid(err, field, "", "unknown rule member \"%.40s\"",
					      m->string);
		if (seen & (1u << i))
			return policy_invalid(err, field, "", "%s appears twice", rule_members[i]);
		seen |= 1u << i;
	}
	return 0;
}

static bool id_ok(const char *id)
{
	size_t n = strnlen(id, POLICY_MAX_ID + 1);
	if (n == 0 || n > POLICY_MAX_ID)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!attr_char(id[i]) && id[i] != '.')
			return false;
	return true;
}

static int id_parse(struct rule *r, const cJSON *item, const struct rule *prior, size_t nprior,
		    const char *at, struct kx_error *err)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
	if (!id)
		return policy_invalid(err, at, ".id", "id is required");
	if (!cJSON_IsString(id))
		return policy_invalid(err, at, ".id", "id must be a string");
	if (!id_ok(id->valuestring))
		return policy_invalid(err, at, ".id",
				      "an id is 1-%d characters of A-Z a-z 0-9 _ . -",
				      POLICY_MAX_ID);
	for (size_t i = 0; i < nprior; i++)
		if (strcmp(prior[i].id, id->valuestring) == 0)
			return policy_invalid(err, at, ".id", "rule id %s is used twice",
					      id->valuestring);
	return (r->id = strdup(id->valuestring)) ? 0 : policy_out_of_memory(err);
}

static int effect_parse(struct rule *r, const cJSON *item, const char *at,
			struct kx_error *err)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(item, "effect");
	const char *s = cJSON_GetStringValue(e);
	if (!s || (strcmp(s, "permit") != 0 && strcmp(s, "forbid") != 0))
		return policy_invalid(err, at, ".effect", "effect is \"permit\" or \"forbid\"");
	r->forbid = s[0] == 'f';
	return 0;
}

static int actions_parse(struct rule *r, const cJSON *item, const char *at,
			 struct kx_error *err)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(item, "actions");
	char here[sizeof err->field];
	policy_path_format(here, sizeof here, "%s.actions", at);
	if (!cJSON_IsArray(a) || !a->child)
		return policy_invalid(err, here, "",
				      "actions is a non-empty array of action patterns");
	return policy_pattern_list_parse(&r->actions, &r->nactions, a, POLICY_MAX_ACTIONS, here,
					 err);
}

static int overridable_parse(struct rule *r, const cJSON *item, const char *at,
			     struct kx_error *err)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(item, "overridable");
	r->overridable = true;
	if (!o)
		return 0;
	if (!cJSON_IsBool(o))
		return policy_invalid(err, at, ".overridable", "overridable is true or false");
	if (!r->forbid)
		return policy_invalid(err, at, ".overridable",
				      "only a forbid rule can be overridable");
	r->overridable = cJSON_IsTrue(o);
	return 0;
}

static int rule_parse(struct rule *r, const cJSON *item, const struct rule *prior, size_t nprior,
		      struct kx_error *err)
{
	char at[32];
	policy_path_format(at, sizeof at, "rules[%zu]", nprior);
	if (!cJSON_IsObject(item))
		return policy_invalid(err, at, "",
				      "a rule is an object {id, effect, actions, when?}");
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(item, "description");
	if (id_parse(r, item, prior, nprior, at, err) || effect_parse(r, item, at, err) ||
	    actions_parse(r, item, at, err) || overridable_parse(r, item, at, err) ||
	    when_parse(r, cJSON_GetObjectItemCaseSensitive(item, "when"), at, err))
		return -1;
	if (desc && !cJSON_IsString(desc))
		return policy_invalid(err, at, ".description", "description must be a string");
	return members_check(item, at, err);
}

static int profile_head_check(const cJSON *doc, struct kx_error *err)
{
	if (!cJSON_IsObject(doc))
		return policy_invalid(err, "", "",
				      "a policy profile is a JSON object {name, rules}");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(doc, "name");
	size_t len = cJSON_IsString(name) ? strnlen(name->valuestring, POLICY_MAX_NAME + 1) : 0;
	if (len == 0 || len > POLICY_MAX_NAME || policy_has_duplicate(doc, "name"))
		return policy_invalid(err, "name", "",
				      "name is required, once, as a string of 1-%d bytes",
				      POLICY_MAX_NAME);
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(doc, "rules");
	if (!cJSON_IsArray(rules) || policy_has_duplicate(doc, "rules"))
		return policy_invalid(err, "rules", "",
				      "rules is required, once, as an array of rules");
	if (policy_count_upto(rules, POLICY_MAX_RULES) > POLICY_MAX_RULES)
		return policy_invalid(err, "rules", "", "at most %d rules", POLICY_MAX_RULES);
	return 0;
}

struct policy_profile *policy_profile_parse(const cJSON *doc, struct kx_error *err)
{
	if (profile_head_check(doc, err))
		return NULL;
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(doc, "rules");
	size_t n = policy_count_upto(rules, POLICY_MAX_RULES);
	struct policy_profile *p = calloc(1, sizeof *p);
	if (!p || !(p->rules = calloc(n ? n : 1, sizeof *p->rules)) ||
	    !(p->name = strdup(cJSON_GetObjectItemCaseSensitive(doc, "name")->valuestring))) {
		policy_profile_free(p);
		policy_out_of_memory(err);
		return NULL;
	}
	for (const cJSON *item = rules->child; item; item = item->next) {
		p->nrules++; /* counted first so policy_profile_free sees a half-built rule */
		if (rule_parse(&p->rules[p->nrules - 1], item, p->rules, p->nrules - 1, err)) {
			policy_profile_free(p);
			return NULL;
		}
	}
	return p;
}

/* ---- evaluation ---- */

enum tri { TRI_FALSE, TRI_TRUE, TRI_UNKNOWN };
enum unknown_why { WHY_NONE, WHY_MISSING, WHY_TYPE, WHY_REF, WHY_SIZE };

struct verdict {
	enum tri v;
	enum unknown_why why;
};

static enum tri tri_of(bool b)
{
	return b ? TRI_TRUE : TRI_FALSE;
}

static enum tri scalar_eq(const cJSON *a, const cJSON *b)
{
	if (cJSON_IsString(a) && cJSON_IsString(b))
		return tri_of(strcmp(a->valuestring, b->valuestring) == 0);
	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		return tri_of(!(a->valuedouble < b->valuedouble) && !(a->valuedouble > b->valuedouble));
	if (cJSON_IsBool(a) && cJSON_IsBool(b))
		return tri_of(cJSON_IsTrue(a) == cJSON_IsTrue(b));
	return TRI_UNKNOWN;
}

/* True when some element equals x; false when none does but some (or none at all) could be
 * compared; unknown only when x's type matches nothing in the list. */
static enum tri any_eq(const cJSON *list, const cJSON *x)
{
	bool comparable = !list->child;
	for (const cJSON *e = list->child; e; e = e->next) {
		enum tri r = scalar_eq(e, x);
		if (r == TRI_TRUE)
			return TRI_TRUE;
		comparable |= r == TRI_FALSE;
	}
	return comparable ? TRI_FALSE : TRI_UNKNOWN;
}

/* An array attribute is "in" the list when any of its elements is. */
static enum tri op_in(const cJSON *attr, const cJSON *list)
{
	if (!cJSON_IsArray(list))
		return TRI_UNKNOWN;
	if (!cJSON_IsArray(attr))
		return any_eq(list, attr);
	bool comparable = !attr->child;
	for (const cJSON *e = attr->child; e; e = e->next) {
		enum tri r = any_eq(list, e);
		if (r == TRI_TRUE)
			return TRI_TRUE;
		comparable |= r == TRI_FALSE;
	}
	return comparable ? TRI_FALSE : TRI_UNKNOWN;
}

/* Strings compare bytewise, which orders RFC 3339 UTC times correctly. */
static enum tri op_order(enum policy_op op, const cJSON *a, const cJSON *b)
{
	int c;
	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		c = (a->valuedouble > b->valuedouble) - (a->valuedouble < b->valuedouble);
	else if (cJSON_IsString(a) && cJSON_IsString(b))
		c = strcmp(a->valuestring, b->valuestring);
	else
		return TRI_UNKNOWN;
	switch (op) {
	case OP_GT:
		return tri_of(c > 0);
	case OP_GTE:
		return tri_of(c >= 0);
	case OP_LT:
		return tri_of(c < 0);
	default:
		return tri_of(c <= 0);
	}
}

static enum tri op_apply(enum policy_op op, const cJSON *attr, const cJSON *val)
{
	enum tri r;
	switch (op) {
	case OP_EQ:
		return scalar_eq(attr, val);
	case OP_NE:
		r = scalar_eq(attr, val);
		return r == TRI_UNKNOWN ? r : tri_of(r == TRI_FALSE);
	case OP_IN:
		return op_in(attr, val);
	case OP_CONTAINS:
		return cJSON_IsArray(attr) && is_scalar(val) ? any_eq(attr, val) : TRI_UNKNOWN;
	default:
		return op_order(op, attr, val);
	}
}

static bool too_long(const cJSON *v)
{
	return cJSON_IsArray(v) &&
	       policy_count_upto(v, POLICY_MAX_EVAL_ARRAY) > POLICY_MAX_EVAL_ARRAY;
}

static struct verdict condition_eval(const struct condition *c, const cJSON *input)
{
	const cJSON *attr = attr_resolve(&c->attr, input), *val = c->value;
	if (c->op == OP_EXISTS)
		return (struct verdict){tri_of((attr != NULL) == cJSON_IsTrue(val)), WHY_NONE};
	if (!attr)
		return (struct verdict){TRI_UNKNOWN, WHY_MISSING};
	if (c->is_ref && !(val = attr_resolve(&c->ref, input)))
		return (struct verdict){TRI_UNKNOWN, WHY_REF};
	if (too_long(attr) || too_long(val)) /* `in` over two such arrays would be quadratic */
		return (struct verdict){TRI_UNKNOWN, WHY_SIZE};
	enum tri r = op_apply(c->op, attr, val);
	return (struct verdict){r, r == TRI_UNKNOWN ? WHY_TYPE : WHY_NONE};
}

/* Fail closed: an unknown condition lets a forbid match and stops a permit. */
static bool rule_matches(const struct rule *r, const char *action, const cJSON *input)
{
	if (!policy_pattern_list_matches(r->actions, r->nactions, action))
		return false;
	for (size_t i = 0; i < r->nconds; i++) {
		enum tri v = condition_eval(&r->conds[i], input).v;
		if (v == TRI_FALSE || (v == TRI_UNKNOWN && !r->forbid))
			return false;
	}
	return true;
}

struct evaluation {
	const char *action;
	const cJSON *input;
	struct policy_decision *out;
	bool oom; /* a line of the record could not be kept */
};

static void record(struct evaluation *ev, cJSON *arr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void record(struct evaluation *ev, cJSON *arr, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	cJSON *item = cJSON_CreateString(line);
	if (!cJSON_AddItemToArray(arr, item)) {
		cJSON_Delete(item);
		ev->oom = true;
	}
}

static void explain_forbid(struct evaluation *ev, const struct rule *r)
{
	static const char *const why[] = {"", "missing attribute", "type mismatch",
					  "missing referenced attribute", "array too large"};
	cJSON *ex = ev->out->explanation;
	if (!r->nconds)
		record(ev, ex, "forbid %s: applies to every %s", r->id, ev->action);
	for (size_t i = 0; i < r->nconds; i++) {
		struct verdict v = condition_eval(&r->conds[i], ev->input);
		if (v.v == TRI_TRUE)
			record(ev, ex, "forbid %s: %s held", r->id, r->conds[i].display);
		else if (v.v == TRI_UNKNOWN)
			record(ev, ex, "forbid %s: %s could not be evaluated (%s)", r->id,
			       r->conds[i].display, why[v.why]);
	}
}

static bool collect_forbids(struct evaluation *ev, const struct policy_profile *p)
{
	bool denied = false;
	for (size_t i = 0; p && i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];
		if (!r->forbid || !rule_matches(r, ev->action, ev->input))
			continue;
		denied = true;
		ev->out->overridable &= r->overridable;
		record(ev, ev->out->rules, "%s", r->id);
		explain_forbid(ev, r);
	}
	return denied;
}

static bool collect_grants(struct evaluation *ev, const struct policy_profile *p,
			   const struct role_catalog *catalog)
{
	bool allow = false;
	for (size_t i = 0; p && i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];
		if (r->forbid || !rule_matches(r, ev->action, ev->input))
			continue;
		allow = true;
		record(ev, ev->out->rules, "%s", r->id);
		record(ev, ev->out->explanation, "permit %s matched", r->id);
	}
	const cJSON *roles = member(member(ev->input, "subject", 7), "roles", 5);
	const char *role;
	if (role_catalog_grants(catalog, roles, ev->action, &role)) {
		allow = true;
		record(ev, ev->out->rules, "role:%s", role);
		record(ev, ev->out->explanation, "role %s grants %s", role, ev->action);
	}
	return allow;
}

void policy_evaluate(const struct policy_profile *profile, const struct role_catalog *catalog,
		     const char *action, const cJSON *input, struct policy_decision *out)
{
	struct evaluation ev = {action ? action : "", input, out, false};
	out->allow = false;
	out->overridable = true;
	out->rules = cJSON_CreateArray();
	out->explanation = cJSON_CreateArray();
	bool denied = collect_forbids(&ev, profile);
	if (!denied)
		out->allow = collect_grants(&ev, profile, catalog);
	if (!denied && !out->allow)
		record(&ev, out->explanation, "no role or permit rule grants %s", ev.action);
	if (ev.oom)
		out->allow = false; /* an allow must be recorded with its reasons, or not given */
}

void policy_decision_free(struct policy_decision *d)
{
	if (!d)
		return;
	cJSON_Delete(d->rules);
	cJSON_Delete(d->explanation);
	d->rules = d->explanation = NULL;
}
