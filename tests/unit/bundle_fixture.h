/* Test helper: an evidence bundle taken apart into its members, changed, and put back
 * together (with libarchive), and re-signed with the store's own key to play an insider who
 * holds the server key. */
#ifndef KX_TEST_BUNDLE_FIXTURE_H
#define KX_TEST_BUNDLE_FIXTURE_H

#include <stddef.h>

#define BUNDLE_MAX_MEMBERS 16

struct bundle_member {
	char name[64];
	char *data; /* NUL-terminated */
	size_t len;
	size_t offset; /* where its bytes start in the tar it was read from */
};

struct bundle {
	struct bundle_member m[BUNDLE_MAX_MEMBERS];
	int n;
};

/* Reads a tar (asserting it is one). */
void bundle_read(const char *tar, size_t len, struct bundle *b);
/* Writes the members back as a ustar archive; caller frees. */
char *bundle_write(const struct bundle *b, size_t *len);
void bundle_free(struct bundle *b);
/* The member named so (asserting it is there), or NULL when absent and !required. */
struct bundle_member *bundle_get(struct bundle *b, const char *name, int required);
/* Replaces a member's bytes with a copy of text. */
void bundle_set(struct bundle *b, const char *name, const char *text);

/* Rewrites manifest.json's digests, sizes and counts for the current members and signs it
 * again with the minisign secret key in key_path. */
void bundle_resign(struct bundle *b, const char *key_path);

/* JSON Lines: the lines of a member as an array of strings; and back. */
char **bundle_lines(const struct bundle_member *m, int *n);
char *bundle_join(char **lines, int n);
void bundle_lines_free(char **lines, int n);

#endif
