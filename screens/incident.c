/* The incident model as the screens hold it: parsed once from API.md's JSON into a compact
 * struct, the status machine (to offer only allowed transitions), colour roles for severity
 * and status, and the time texts (ages, short timestamps). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"

static const char *const status_names[ST_COUNT] = {"declared", "triaged", "mitigating",
						    "resolved", "closed"};

const char *inc_status_name(enum inc_status s)
{
	return s < ST_COUNT ? status_names[s] : "?";
}

int inc_status_parse(const char *s)
{
	for (int i = 0; s && i < ST_COUNT; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

int inc_status_role(enum inc_status s)
{
	return ROLE_STATUS_DECLARED + (int)(s < ST_COUNT ? s : ST_CLOSED);
}

int inc_severity_role(int sev)
{
	return sev >= 1 && sev <= 4 ? ROLE_SEV1 + sev - 1 : UI_ROLE_NORMAL;
}

int inc_next_statuses(enum inc_status s, enum inc_status out[3])
{
	/* API.md: declared -> triaged | resolved; triaged -> mitigating | resolved;
	 * mitigating -> resolved; resolved -> closed | mitigating (reopen); closed is final. */
	switch (s) {
	case ST_DECLARED: out[0] = ST_TRIAGED; out[1] = ST_RESOLVED; return 2;
	case ST_TRIAGED: out[0] = ST_MITIGATING; out[1] = ST_RESOLVED; return 2;
	case ST_MITIGATING: out[0] = ST_RESOLVED; return 1;
	case ST_RESOLVED: out[0] = ST_CLOSED; out[1] = ST_MITIGATING; return 2;
	default: return 0;
	}
}

static char *dup_str(const cJSON *o, const char *name)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
	return v ? strdup(v) : NULL;
}

static void copy_str(char *out, size_t len, const cJSON *o, const char *name)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
	snprintf(out, len, "%s", v ? v : "");
}

static char *join_labels(const cJSON *labels)
{
	size_t len = 1;
	const cJSON *l;
	cJSON_ArrayForEach(l, labels) if (cJSON_IsString(l)) len += strlen(l->valuestring) + 2;
	char *out = malloc(len);
	if (!out)
		return NULL;
	out[0] = 0;
	cJSON_ArrayForEach(l, labels)
	{
		if (!cJSON_IsString(l))
			continue;
		if (out[0])
			strcat(out, ", ");
		strcat(out, l->valuestring);
	}
	return out;
}

int inc_from_json(struct incident *inc, const cJSON *o)
{
	memset(inc, 0, sizeof *inc);
	const char *sev = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "severity"));
	int st = inc_status_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "status")));
	copy_str(inc->id, sizeof inc->id, o, "id");
	if (!inc->id[0] || st < 0 || !sev || strncmp(sev, "sev", 3) != 0 || sev[3] < '1' ||
	    sev[3] > '4')
		return -1;
	inc->severity = sev[3] - '0';
	inc->status = (enum inc_status)st;
	inc->title = dup_str(o, "title");
	inc->description = dup_str(o, "description");
	inc->commander = dup_str(o, "commander");
	inc->region = dup_str(o, "region");
	inc->labels = join_labels(cJSON_GetObjectItemCaseSensitive(o, "labels"));
	copy_str(inc->receipt_id, sizeof inc->receipt_id, o, "receipt_id");
	copy_str(inc->created_at, sizeof inc->created_at, o, "created_at");
	copy_str(inc->updated_at, sizeof inc->updated_at, o, "updated_at");
	copy_str(inc->resolved_at, sizeof inc->resolved_at, o, "resolved_at");
	inc->created_ms = inc_time_ms(inc->created_at);
	inc->updated_ms = inc_time_ms(inc->updated_at);
	inc->version = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "version"));
	if (!inc->title)
		inc->title = strdup("");
	return 0;
}

void inc_free(struct incident *inc)
{
	free(inc->title);
	free(inc->description);
	free(inc->commander);
	free(inc->region);
	free(inc->labels);
	memset(inc, 0, sizeof *inc);
}

void inc_age(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms / 1000;
	if (s < 1)
		snprintf(buf, len, "now");
	else if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm", (long long)(s / 60));
	else if (s < 86400 * 2)
		snprintf(buf, len, "%lldh", (long long)(s / 3600));
	else
		snprintf(buf, len, "%lldd", (long long)(s / 86400));
}

/* Days since 1970-01-01 for a civil date (Howard Hinnant's days_from_civil), so times parse
 * without timegm or TZ. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int64_t inc_time_ms(const char *t)
{
	int y, mo, d, h, mi, s, ms = 0;
	if (!t || sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6)
		return 0;
	if (t[19] == '.' && sscanf(t + 20, "%3d", &ms) != 1)
		ms = 0;
	return ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400) + h * 3600 + mi * 60 + s) *
		       1000 +
	       ms;
}

void inc_time_short(const char *t, char *buf, size_t len)
{
	if (t && strlen(t) >= 19 && t[10] == 'T')
		snprintf(buf, len, "%.10s %.8s", t, t + 11);
	else
		snprintf(buf, len, "%s", t && *t ? t : "-");
}
