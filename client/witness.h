/* The ledger witness (DESIGN.md "Receipts and the ledger"): whoever holds the server key could
 * sign a rewritten history, so clients are the check. This client keeps the last checkpoint
 * it verified, per server (or store) and tenant, under $XDG_STATE_HOME/klaxon/witness/
 * (written atomically), and demands a consistency proof to every newer checkpoint it sees.
 * Shared by the CLI and the console. */
#ifndef KX_WITNESS_H
#define KX_WITNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"

struct witness {
	char dir[1200]; /* the state directory of this server or store */
	char *pubkey;   /* the server's minisign public key; NULL: no witness */
};

enum witness_status {
	WITNESS_OFF,      /* no public key known: nothing checked */
	WITNESS_FIRST,    /* the first checkpoint seen of this tenant: remembered */
	WITNESS_SAME,     /* the one remembered */
	WITNESS_EXTENDED, /* newer, proven to extend the one remembered, which it replaces */
	WITNESS_OLDER,    /* older, proven to be extended by the one remembered */
	WITNESS_UNLINKED, /* no proof could be had (another tenant's log): remembered one kept */
	WITNESS_ALARM,    /* a signature or a proof failed: the history was rewritten */
};

/* `source` names the server (its URL) or the store (its path); `pubkey_path` is its public
 * key (NULL: the witness is off); `state_dir` NULL means $XDG_STATE_HOME/klaxon/witness. 0, or
 * -1 with a message when the key cannot be read. */
int witness_open(struct witness *w, const char *source, const char *pubkey_path,
		 const char *state_dir, char *err, size_t len);
void witness_close(struct witness *w);

/* A consistency proof the caller already holds: from older_note to the note observed. */
struct witness_link {
	const char *older_note;
	const char *const *hashes;
	size_t n;
};

/* Checks a signed checkpoint this client saw. With `own` (the note is of the caller's own
 * tenant) proofs are fetched through b (ledger.consistency); link may supply one. msg says
 * what happened, for a person. */
enum witness_status witness_observe(struct witness *w, struct backend *b, bool own,
				    const char *note, const struct witness_link *link, char *msg,
				    size_t len);

#endif
