/* libFuzzer harness: signed notes and checkpoints as a client receives them. The input is a
 * note checked three ways against a fixed key (fuzz_keys.h): signed_note_verify (then
 * checkpoint_parse of the signed text), checkpoint_parse of the whole input, and
 * kx_checkpoint_verify, the witness's strict check. Checked: what verifies parses the same
 * way through both paths; a parsed checkpoint formats and parses back to itself; a text our
 * signer accepts verifies and yields itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_keys.h"
#include "fuzz_store.h"
#include "signed_note.h"

static struct minisign_pubkey pub;
static struct minisign_seckey sec;
static char name[40];
static char *pub_b64;

static void write_seeds(const char *dir)
{
	static const char *const bodies[] = {
		"klaxon/default\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"klaxon/acme\n1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n",
		"klaxon/platform\n18446744073709551615\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\nextension line\n",
		"example.com/log\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
	};
	for (int i = 0; i < 4; i++) {
		char *note = signed_note_sign(bodies[i], name, sec.sk);
		if (!note)
			abort();
		char fn[32];
		snprintf(fn, sizeof fn, "gen-checkpoint-%d", i);
		fz_write_seed(dir, fn, note, strlen(note));
		free(note);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fz_fixed_key(&pub, &sec);
	char hex[17];
	minisign_key_id_hex(pub.key_id, hex);
	snprintf(name, sizeof name, "klaxon-%s", hex);
	pub_b64 = minisign_pubkey_base64(&pub);
	const char *dir = getenv("FUZZ_WRITE_SEEDS");
	if (dir) {
		write_seeds(dir);
		exit(0);
	}
	return 0;
}

/* Field by field: parse copies its origin up to the NUL and leaves the rest as it was. */
static int same(const struct checkpoint *x, const struct checkpoint *y)
{
	return !strcmp(x->origin, y->origin) && x->size == y->size && !memcmp(x->root, y->root, 32);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 70000)
		return 0;
	char *note = fz_strndup(data, size);
	struct kx_error err = {0};
	char *text = NULL;
	struct checkpoint a, b, c;
	int signed_ok = signed_note_verify(note, name, pub.pk, &text, &err) == 0;
	if (signed_ok != (text != NULL))
		abort();
	int a_ok = signed_ok && checkpoint_parse(text, &a, &err) == 0;

	if (checkpoint_parse(note, &b, &err) == 0) {
		char *again = checkpoint_format(&b);
		if (!again || checkpoint_parse(again, &c, &err) || !same(&b, &c))
			abort();
		free(again);
	}

	struct kx_checkpoint w;
	if (kx_checkpoint_verify(note, pub_b64, &w, &err) == 0) {
		/* the witness accepts only what the plain verifier accepts, read the same way */
		if (!a_ok || w.size != a.size || memcmp(w.root, a.root, 32) || strcmp(w.origin, a.origin))
			abort();
	}
	free(text);

	/* Whatever our signer agrees to sign verifies and gives back its text. */
	char *signed_note = signed_note_sign(note, name, sec.sk);
	if (signed_note) {
		text = NULL;
		if (signed_note_verify(signed_note, name, pub.pk, &text, &err) || strcmp(text, note))
			abort();
		free(text);
		free(signed_note);
	}
	free(note);
	return 0;
}
