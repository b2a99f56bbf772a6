/* libFuzzer harness: the offline evidence-bundle verifier, fed arbitrary bytes as a tar (an
 * auditor's input is whatever file they were handed). Checked: it never crashes or leaks, it
 * answers 0 or -1, and a failure always names what failed. The seeds (tests/fuzz/corpus/bundle)
 * are small tars with the bundle's member names, so the fuzzer starts inside the format. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_keys.h"
#include "fuzz_store.h"

static char *pubkey_text;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	struct minisign_pubkey pub;
	struct minisign_seckey sec;
	fz_fixed_key(&pub, &sec);
	pubkey_text = minisign_pubkey_format(&pub);
	minisign_seckey_wipe(&sec);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	for (int replay = 0; replay < 2; replay++) {
		struct kx_bundle_report rep;
		struct kx_error err = {0};
		memset(&rep, 0, sizeof rep);
		int rc = kx_bundle_verify(data, size, pubkey_text, replay, &rep, &err);
		if (rc != 0 && rc != -1)
			abort();
		if (rc == -1 && !err.message[0])
			abort(); /* a refusal must say why */
		kx_bundle_report_free(&rep);
	}
	return 0;
}
