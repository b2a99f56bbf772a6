/* Test helper: fault injection under SQLite, as SQLite's own anomaly tests do it. A VFS shim
 * ("faultvfs") that wraps the default VFS and fails the Nth xWrite, xSync or xTruncate with an
 * I/O error or "disk full"; and allocator wrappers (SQLITE_CONFIG_MALLOC) that fail the Nth
 * allocation SQLite asks for. A fault fires once (transient) or from the Nth call on
 * (persistent). Counting starts when armed; calls are counted while disarmed too, so a dry
 * run tells how many there are. Single-threaded use: the counters are not atomic. */
#ifndef KX_TEST_FAULTVFS_H
#define KX_TEST_FAULTVFS_H

#include <stdbool.h>

#define FAULTVFS_NAME "faultvfs"

enum fault_kind {
	FAULT_IOERR, /* SQLITE_IOERR_WRITE / _FSYNC / _TRUNCATE */
	FAULT_FULL,  /* SQLITE_FULL */
};

/* Registers the shim; 0 or an SQLite error code. Idempotent. As the default VFS, it is what
 * the store's own VFS (src/store_vfs.c) wraps when that registers later, so that faults hit
 * the writes the store really makes. */
int faultvfs_register(bool as_default);
/* From now on, the nth (1-based) write, sync or truncate fails; n = 0 fails nothing. */
void faultvfs_arm(unsigned long n, enum fault_kind kind, bool persistent);
void faultvfs_disarm(void);
unsigned long faultvfs_calls(void); /* counted since the last arm/disarm */
bool faultvfs_fired(void);

/* Wraps SQLite's allocator; must run before sqlite3_initialize (first thing in main). 0 or an
 * SQLite error code. */
int faultmem_install(void);
/* From now on, the nth (1-based) malloc or growing realloc fails; n = 0 fails nothing. */
void faultmem_arm(unsigned long n, bool persistent);
void faultmem_disarm(void);
unsigned long faultmem_calls(void);
bool faultmem_fired(void);

#endif
