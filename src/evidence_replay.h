/* Replaying a bundle's decisions offline: each decision record is re-evaluated with the policy
 * engine under the profile version it pinned and the role catalog it decided with, both taken
 * from the bundle's profiles.jsonl. Evaluation is pure (policy.h), so a difference is drift. */
#ifndef KX_EVIDENCE_REPLAY_H
#define KX_EVIDENCE_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

struct replay;

enum replay_outcome { REPLAY_SAME, REPLAY_DRIFT, REPLAY_NOT_REPLAYABLE, REPLAY_TENANCY };

struct replay *replay_new(void);
void replay_free(struct replay *r);

/* Takes one line of profiles.jsonl ({kind, version, digest, created_at, doc}) whose digest
 * the caller has checked. 0, or -1 when it is malformed. */
int replay_add_doc(struct replay *r, const cJSON *line);
/* Is the profile version with this digest in the bundle? */
bool replay_has_profile(const struct replay *r, int version, const char *digest);

/* Re-evaluates one unredacted decision record; `why` says what differed or what is missing. */
enum replay_outcome replay_decision(struct replay *r, const cJSON *record, char *why, size_t len);

#endif
