/* Test helper: evidence bundles apart and together again (see bundle_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bundle_fixture.h"

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "minisign.h"

void bundle_read(const char *tar, size_t len, struct bundle *b)
{
	memset(b, 0, sizeof *b);
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, tar, len), ARCHIVE_OK);
	struct archive_entry *e;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		assert_true(b->n < BUNDLE_MAX_MEMBERS);
		struct bundle_member *m = &b->m[b->n++];
		snprintf(m->name, sizeof m->name, "%s", archive_entry_pathname(e));
		m->len = (size_t)archive_entry_size(e);
		/* ustar: the data follows its 512-byte header. */
		m->offset = (size_t)archive_read_header_position(a) + 512;
		m->data = malloc(m->len + 1);
		assert_non_null(m->data);
		assert_int_equal(archive_read_data(a, m->data, m->len), (la_ssize_t)m->len);
		m->data[m->len] = 0;
		assert_memory_equal(m->data, tar + m->offset, m->len);
	}
	archive_read_free(a);
}

char *bundle_write(const struct bundle *b, size_t *len)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	assert_non_null(f);
	struct archive *a = archive_write_new();
	assert_int_equal(archive_write_set_format_ustar(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_FILE(a, f), ARCHIVE_OK);
	for (int i = 0; i < b->n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, b->m[i].name);
		archive_entry_set_size(e, (la_int64_t)b->m[i].len);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (b->m[i].len)
			assert_int_equal(archive_write_data(a, b->m[i].data, b->m[i].len),
					 (la_ssize_t)b->m[i].len);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	fclose(f);
	*len = n;
	return out;
}

void bundle_free(struct bundle *b)
{
	for (int i = 0; i < b->n; i++)
		free(b->m[i].data);
	memset(b, 0, sizeof *b);
}

struct bundle_member *bundle_get(struct bundle *b, const char *name, int required)
{
	for (int i = 0; i < b->n; i++)
		if (strcmp(b->m[i].name, name) == 0)
			return &b->m[i];
	if (required)
		fail_msg("the bundle has no %s", name);
	return NULL;
}

void bundle_set(struct bundle *b, const char *name, const char *text)
{
	struct bundle_member *m = bundle_get(b, name, 1);
	free(m->data);
	m->data = strdup(text);
	assert_non_null(m->data);
	m->len = strlen(text);
}

static int count_lines(const struct bundle_member *m)
{
	int n = 0;
	for (size_t i = 0; i < m->len; i++)
		n += m->data[i] == '\n';
	return n;
}

void bundle_resign(struct bundle *b, const char *key_path)
{
	struct bundle_member *mf = bundle_get(b, "manifest.json", 1);
	cJSON *man = cJSON_Parse(mf->data);
	assert_non_null(man);
	cJSON *files = cJSON_CreateArray();
	for (int i = 0; i < b->n; i++) {
		if (!strncmp(b->m[i].name, "manifest.json", 13))
			continue;
		uint8_t h[32];
		char hex[65];
		crypto_hash_sha256(h, (const unsigned char *)b->m[i].data, b->m[i].len);
		sodium_bin2hex(hex, sizeof hex, h, sizeof h);
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "name", b->m[i].name);
		cJSON_AddStringToObject(f, "sha256", hex);
		cJSON_AddNumberToObject(f, "bytes", (double)b->m[i].len);
		cJSON_AddItemToArray(files, f);
	}
	cJSON_ReplaceItemInObject(man, "files", files);
	static const char *const counted[][2] = {{"receipts", "receipts.jsonl"},
						 {"decisions", "decisions.jsonl"},
						 {"incidents", "incidents.jsonl"},
						 {"timeline", "timeline.jsonl"},
						 {"redactions", "redactions.jsonl"},
						 {"profiles", "profiles.jsonl"}};
	cJSON *counts = cJSON_GetObjectItem(man, "counts");
	for (size_t i = 0; i < sizeof counted / sizeof counted[0]; i++)
		cJSON_ReplaceItemInObject(counts, counted[i][0],
					  cJSON_CreateNumber(count_lines(bundle_get(b, counted[i][1], 1))));
	char *text = cJSON_Print(man);
	cJSON_Delete(man);
	bundle_set(b, "manifest.json", text);

	FILE *kf = fopen(key_path, "r");
	assert_non_null(kf);
	char buf[1024];
	size_t n = fread(buf, 1, sizeof buf - 1, kf);
	fclose(kf);
	buf[n] = 0;
	struct minisign_seckey sec;
	assert_int_equal(minisign_seckey_parse(buf, &sec, NULL), 0);
	char *sig = minisign_sign(&sec, text, strlen(text), "re-signed by an insider");
	assert_non_null(sig);
	bundle_set(b, "manifest.json.minisig", sig);
	free(sig);
	cJSON_free(text);
}

char **bundle_lines(const struct bundle_member *m, int *n)
{
	*n = count_lines(m);
	char **lines = calloc((size_t)*n + 1, sizeof *lines);
	assert_non_null(lines);
	const char *p = m->data;
	for (int i = 0; i < *n; i++) {
		const char *nl = strchr(p, '\n');
		lines[i] = strndup(p, (size_t)(nl - p));
		p = nl + 1;
	}
	return lines;
}

char *bundle_join(char **lines, int n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s\n", lines[i]);
	fclose(f);
	return out;
}

void bundle_lines_free(char **lines, int n)
{
	for (int i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}
