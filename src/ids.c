/* Time-sortable ids, monotonic within the process. */
#include "ids.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"

static const char B32[] = "0123456789abcdefghjkmnpqrstvwxyz";

static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t last_ms = -1;
static uint8_t last_rand[10];

/* Adds one to the 80-bit big-endian random part; returns 1 on overflow. */
static int rand_increment(uint8_t r[10])
{
	for (int i = 9; i >= 0; i--)
		if (++r[i] != 0)
			return 0;
	return 1;
}

void kx_id_new(const char *prefix, char out[KX_ID_MAX])
{
	int64_t ms = kx_clock_now_ms();
	uint8_t r[10];
	pthread_mutex_lock(&id_lock);
	if (ms <= last_ms) {
		ms = last_ms;
		if (rand_increment(last_rand))
			ms = ++last_ms;
	} else {
		randombytes_buf(last_rand, sizeof last_rand);
		last_rand[0] &= 0x7f; /* room to count up within a millisecond */
		last_ms = ms;
	}
	memcpy(r, last_rand, sizeof r);
	pthread_mutex_unlock(&id_lock);

	char body[27];
	uint64_t t = (uint64_t)ms;
	for (int i = 9; i >= 0; i--, t >>= 5)
		body[i] = B32[t & 31];
	/* 80 random bits = 16 base32 digits */
	uint64_t hi = 0, lo = 0;
	for (int i = 0; i < 5; i++)
		hi = hi << 8 | r[i];
	for (int i = 5; i < 10; i++)
		lo = lo << 8 | r[i];
	for (int i = 7; i >= 0; i--, hi >>= 5)
		body[10 + i] = B32[hi & 31];
	for (int i = 7; i >= 0; i--, lo >>= 5)
		body[18 + i] = B32[lo & 31];
	body[26] = 0;
	snprintf(out, KX_ID_MAX, "%s%s", prefix, body);
}

bool kx_id_valid(const char *id, const char *prefix)
{
	size_t pl = strlen(prefix);
	if (!id || strncmp(id, prefix, pl) != 0 || strlen(id + pl) != 26)
		return false;
	for (const char *p = id + pl; *p; p++)
		if (!strchr(B32, *p))
			return false;
	return true;
}
