/* Prefixed, time-sortable ids ("inc_", "evt_", "rcp_", ...): the prefix, 10 Crockford base32
 * digits of the millisecond time and 16 of libsodium randomness. Ids made in one process are
 * strictly increasing (the random part is bumped within a millisecond, as in ULID), so ordering
 * by id is ordering by creation. */
#ifndef KX_IDS_H
#define KX_IDS_H

#include <stdbool.h>
#include <stddef.h>

#define KX_ID_MAX 48

void kx_id_new(const char *prefix, char out[KX_ID_MAX]);
/* Has the id the form prefix + 26 base32 digits? (Used to reject junk early.) */
bool kx_id_valid(const char *id, const char *prefix);

#endif
