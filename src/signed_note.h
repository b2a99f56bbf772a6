/* C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys, and the transparency
 * log checkpoint body carried in them (https://c2sp.org/tlog-checkpoint):
 *   "<origin>\n<tree size>\n<base64 root hash>\n"  then "\n" and "— <name> <base64(keyhash4 || sig)>\n".
 * The key hash is the first 4 bytes of SHA-256(name || "\n" || 0x01 || public key). */
#ifndef KX_SIGNED_NOTE_H
#define KX_SIGNED_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Signs `text` (must be non-empty, end in "\n", contain no blank line) as key `name` using the
 * Ed25519 secret key sk[64]. Returns the signed note (text, blank line, signature line); caller
 * frees. NULL on invalid input. */
char *signed_note_sign(const char *text, const char *name, const uint8_t sk[64]);

/* Verifies that `note` carries a valid signature by (name, pk[32]); other signature lines are
 * ignored. On success returns 0 and, if text_out is not NULL, a malloc'd copy of the text part
 * (up to and including its final "\n"). -1 with err (403 "signature_invalid") otherwise. */
int signed_note_verify(const char *note, const char *name, const uint8_t pk[32],
		       char **text_out, struct kx_error *err);

/* Verifier key string "<name>+<hex keyhash>+<base64(0x01 || pk)>", caller frees. */
char *signed_note_verifier_key(const char *name, const uint8_t pk[32]);

/* Checkpoint body. */
struct checkpoint {
	char origin[128];
	uint64_t size;
	uint8_t root[32];
};
/* "<origin>\n<size>\n<base64 root>\n", caller frees. */
char *checkpoint_format(const struct checkpoint *cp);
/* Parses a checkpoint body (extension lines after the third are allowed and ignored). 0 / -1. */
int checkpoint_parse(const char *text, struct checkpoint *out, struct kx_error *err);

#endif
