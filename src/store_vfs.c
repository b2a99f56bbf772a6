/* The SQLite store's VFS: SQLite's default one, except that a transaction's WAL frames are
 * gathered and written with one write at commit.
 *
 * SQLite writes each WAL frame as two writes, its 24-byte header and then its page. A mutation
 * dirties ~25 pages: ~50 writes, each a system call and a walk over the page cache, were a
 * third of an embedded mutation's CPU, and the commit's fsync then found the WAL written in
 * small pieces. Gathered, the same bytes reach the file in one write, in the same order, before
 * anything can look for them:
 * - only whole frames appended at the end of the log are held; any other write (the WAL
 *   header, a page rewritten in place, headers whose checksums SQLite recomputes at commit)
 *   first writes out what is held, then goes through;
 * - a commit frame is written out as soon as its page arrives, so its frames are in the file
 *   before SQLite publishes them in the WAL index (other connections read frames from the file,
 *   and with synchronous=NORMAL no sync follows the commit);
 * - a read, sync, truncate, size query, file control or close writes out what is held first.
 * Every other file (the database, journals) is SQLite's own, untouched. */
#include "store_vfs.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#define WAL_FRAME_HEADER 24
#define WAL_GATHER_MAX (1 << 20) /* held at most, then written out */
/* The default VFS writes at most 128 KiB - 1 per call (os_unix.c masks the count with 0x1ffff:
 * a write of a multiple of 128 KiB would write nothing and fail as "disk full") */
#define WAL_WRITE_MAX (124 * 1024)

struct wal_file {
	sqlite3_file base;
	sqlite3_file *real; /* the default VFS's file, allocated right after this struct */
	unsigned char *held;
	int held_len, held_cap;
	sqlite3_int64 held_off; /* where held[0] belongs in the file */
	sqlite3_int64 end;	/* the end of the log as this connection wrote it */
	bool want_page;		/* the last write held was a frame header */
	bool commit;		/* ... and it was a commit frame's */
};

static sqlite3_vfs *base_vfs;
static sqlite3_vfs gather_vfs;

static struct wal_file *wal(sqlite3_file *f)
{
	return (struct wal_file *)f;
}

static int wal_flush(struct wal_file *w)
{
	int rc = SQLITE_OK;
	for (int done = 0; done < w->held_len && rc == SQLITE_OK; done += WAL_WRITE_MAX) {
		int n = w->held_len - done < WAL_WRITE_MAX ? w->held_len - done : WAL_WRITE_MAX;
		rc = w->real->pMethods->xWrite(w->real, w->held + done, n, w->held_off + done);
	}
	w->held_len = 0;
	w->want_page = false;
	w->commit = false;
	return rc;
}

static bool wal_hold(struct wal_file *w, const void *buf, int amt, sqlite3_int64 off)
{
	if (w->held_len + amt > w->held_cap) {
		int cap = w->held_cap ? w->held_cap : 64 * 1024;
		while (cap < w->held_len + amt)
			cap *= 2;
		unsigned char *grown = realloc(w->held, cap);
		if (!grown)
			return false;
		w->held = grown;
		w->held_cap = cap;
	}
	if (!w->held_len)
		w->held_off = off;
	memcpy(w->held + w->held_len, buf, amt);
	w->held_len += amt;
	return true;
}

/* Whether a write of amt bytes at off extends the frames held: a header appended at the end of
 * the WAL, or the page that belongs to the header held last. */
static bool wal_appends(const struct wal_file *w, int amt, sqlite3_int64 off)
{
	if (w->held_len + amt > WAL_GATHER_MAX)
		return false;
	if (w->want_page)
		return amt != WAL_FRAME_HEADER && off == w->held_off + w->held_len;
	if (amt != WAL_FRAME_HEADER)
		return false;
	return w->held_len ? off == w->held_off + w->held_len : off >= w->end;
}

static int wal_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	struct wal_file *w = wal(f);
	bool appends = wal_appends(w, amt, off);
	/* The WAL header at offset 0 starts the log again from its beginning */
	w->end = off == 0 ? off + amt : (off + amt > w->end ? off + amt : w->end);
	if (appends && wal_hold(w, buf, amt, off)) {
		if (!w->want_page) {
			/* bytes 4..7 of a frame header: the database's size after a commit,
			 * zero in every other frame */
			const unsigned char *h = buf;
			w->commit = h[4] | h[5] | h[6] | h[7];
			w->want_page = true;
			return SQLITE_OK;
		}
		w->want_page = false;
		return w->commit ? wal_flush(w) : SQLITE_OK;
	}
	int rc = wal_flush(w);
	if (rc != SQLITE_OK)
		return rc;
	return w->real->pMethods->xWrite(w->real, buf, amt, off);
}

static int wal_close(sqlite3_file *f)
{
	struct wal_file *w = wal(f);
	int rc = wal_flush(w);
	int rc_close = w->real->pMethods->xClose(w->real);
	free(w->held);
	w->held = NULL;
	w->held_cap = 0;
	return rc != SQLITE_OK ? rc : rc_close;
}

static int wal_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	struct wal_file *w = wal(f);
	int rc = wal_flush(w);
	return rc != SQLITE_OK ? rc : w->real->pMethods->xRead(w->real, buf, amt, off);
}

static int wal_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct wal_file *w = wal(f);
	int rc = wal_flush(w);
	if (size < w->end)
		w->end = size;
	return rc != SQLITE_OK ? rc : w->real->pMethods->xTruncate(w->real, size);
}

static int wal_sync(sqlite3_file *f, int flags)
{
	struct wal_file *w = wal(f);
	int rc = wal_flush(w);
	return rc != SQLITE_OK ? rc : w->real->pMethods->xSync(w->real, flags);
}

static int wal_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	struct wal_file *w = wal(f);
	int rc = wal_flush(w);
	return rc != SQLITE_OK ? rc : w->real->pMethods->xFileSize(w->real, size);
}

static int wal_file_control(sqlite3_file *f, int op, void *arg)
{
	struct wal_file *w = wal(f);
	int rc = wal_flush(w);
	return rc != SQLITE_OK ? rc : w->real->pMethods->xFileControl(w->real, op, arg);
}

/* The rest pass straight through: SQLite locks the database file and its -shm, not the WAL. */

static int wal_lock(sqlite3_file *f, int level)
{
	return wal(f)->real->pMethods->xLock(wal(f)->real, level);
}

static int wal_unlock(sqlite3_file *f, int level)
{
	return wal(f)->real->pMethods->xUnlock(wal(f)->real, level);
}

static int wal_check_reserved(sqlite3_file *f, int *out)
{
	return wal(f)->real->pMethods->xCheckReservedLock(wal(f)->real, out);
}

static int wal_sector_size(sqlite3_file *f)
{
	return wal(f)->real->pMethods->xSectorSize(wal(f)->real);
}

static int wal_device_characteristics(sqlite3_file *f)
{
	return wal(f)->real->pMethods->xDeviceCharacteristics(wal(f)->real);
}

static const sqlite3_io_methods wal_methods = {
	.iVersion = 1,
	.xClose = wal_close,
	.xRead = wal_read,
	.xWrite = wal_write,
	.xTruncate = wal_truncate,
	.xSync = wal_sync,
	.xFileSize = wal_file_size,
	.xLock = wal_lock,
	.xUnlock = wal_unlock,
	.xCheckReservedLock = wal_check_reserved,
	.xFileControl = wal_file_control,
	.xSectorSize = wal_sector_size,
	.xDeviceCharacteristics = wal_device_characteristics,
};

static int gather_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
		       int *out_flags)
{
	(void)vfs;
	/* Everything but the WAL is the default VFS's own file, in the space SQLite gave us */
	if (!(flags & SQLITE_OPEN_WAL))
		return base_vfs->xOpen(base_vfs, name, f, flags, out_flags);
	struct wal_file *w = wal(f);
	memset(w, 0, sizeof *w);
	w->real = (sqlite3_file *)&w[1];
	int rc = base_vfs->xOpen(base_vfs, name, w->real, flags, out_flags);
	/* No methods: SQLite will not call xClose, so the file is not ours to wrap either */
	w->base.pMethods = w->real->pMethods ? &wal_methods : NULL;
	return rc;
}

static void gather_register(void)
{
	base_vfs = sqlite3_vfs_find(NULL);
	if (!base_vfs)
		return;
	gather_vfs = *base_vfs;
	gather_vfs.pNext = NULL;
	gather_vfs.zName = STORE_VFS_NAME;
	gather_vfs.szOsFile = (int)sizeof(struct wal_file) + base_vfs->szOsFile;
	gather_vfs.xOpen = gather_open;
	if (sqlite3_vfs_register(&gather_vfs, 0) != SQLITE_OK)
		base_vfs = NULL;
}

const char *store_vfs_name(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, gather_register);
	return base_vfs ? STORE_VFS_NAME : NULL;
}
