/* Test helper: a fault-injecting SQLite VFS shim and allocator (see faultvfs.h). */
#include "faultvfs.h"

#include <string.h>

#include <sqlite3.h>

struct fault_plan {
	unsigned long n, calls;
	bool persistent, fired;
};

static bool fault_due(struct fault_plan *p)
{
	p->calls++;
	if (p->n == 0 || p->calls < p->n)
		return false;
	if (p->calls > p->n && !p->persistent)
		return false;
	p->fired = true;
	return true;
}

static void plan_arm(struct fault_plan *p, unsigned long n, bool persistent)
{
	p->n = n;
	p->calls = 0;
	p->persistent = persistent;
	p->fired = false;
}

/* ---- the VFS shim ---- */

static struct fault_plan io_plan;
static enum fault_kind io_kind;
static sqlite3_vfs *real_vfs;

struct fault_file {
	sqlite3_file base;
	sqlite3_file *real; /* the wrapped file, allocated right after this struct */
};

#define REAL(f) (((struct fault_file *)(f))->real)

static int io_fail(int ioerr)
{
	return io_kind == FAULT_FULL ? SQLITE_FULL : ioerr;
}

static int ff_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int ff_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, amt, off);
}

static int ff_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	if (fault_due(&io_plan))
		return io_fail(SQLITE_IOERR_WRITE);
	return REAL(f)->pMethods->xWrite(REAL(f), buf, amt, off);
}

static int ff_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	if (fault_due(&io_plan))
		return io_fail(SQLITE_IOERR_TRUNCATE);
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int ff_sync(sqlite3_file *f, int flags)
{
	if (fault_due(&io_plan))
		return io_fail(SQLITE_IOERR_FSYNC);
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int ff_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int ff_lock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xLock(REAL(f), lock);
}

static int ff_unlock(sqlite3_file *f, int lock)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), lock);
}

static int ff_check_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int ff_file_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int ff_sector_size(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int ff_device_chars(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int ff_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **out)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), region, size, extend, out);
}

static int ff_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void ff_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int ff_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int ff_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **out)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, amt, out);
}

static int ff_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

/* One table per iVersion of the wrapped file's methods, so SQLite sees what the real file
 * offers (a version-1 file has no shared memory). */
static sqlite3_io_methods ff_methods[3];

static void ff_methods_init(void)
{
	for (int v = 1; v <= 3; v++) {
		sqlite3_io_methods *m = &ff_methods[v - 1];
		*m = (sqlite3_io_methods){
			.iVersion = v,
			.xClose = ff_close,
			.xRead = ff_read,
			.xWrite = ff_write,
			.xTruncate = ff_truncate,
			.xSync = ff_sync,
			.xFileSize = ff_file_size,
			.xLock = ff_lock,
			.xUnlock = ff_unlock,
			.xCheckReservedLock = ff_check_reserved,
			.xFileControl = ff_file_control,
			.xSectorSize = ff_sector_size,
			.xDeviceCharacteristics = ff_device_chars,
		};
		if (v >= 2) {
			m->xShmMap = ff_shm_map;
			m->xShmLock = ff_shm_lock;
			m->xShmBarrier = ff_shm_barrier;
			m->xShmUnmap = ff_shm_unmap;
		}
		if (v >= 3) {
			m->xFetch = ff_fetch;
			m->xUnfetch = ff_unfetch;
		}
	}
}

static int fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	(void)vfs;
	struct fault_file *ff = (struct fault_file *)f;
	ff->real = (sqlite3_file *)&ff[1];
	ff->base.pMethods = NULL;
	int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out_flags);
	if (ff->real->pMethods) {
		int v = ff->real->pMethods->iVersion;
		ff->base.pMethods = &ff_methods[(v < 1 ? 1 : v > 3 ? 3 : v) - 1];
	}
	return rc;
}

static int fv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int fv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int fv_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *fv_dlopen(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void fv_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	real_vfs->xDlError(real_vfs, n, msg);
}

static void (*fv_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void fv_dlclose(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	real_vfs->xDlClose(real_vfs, h);
}

static int fv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int fv_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int fv_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int fv_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, n, out) : 0;
}

static int fv_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static sqlite3_vfs fault_vfs;

int faultvfs_register(bool as_default)
{
	if (real_vfs)
		return SQLITE_OK;
	sqlite3_vfs *def = sqlite3_vfs_find(NULL);
	if (!def)
		return SQLITE_ERROR;
	real_vfs = def;
	ff_methods_init();
	fault_vfs = (sqlite3_vfs){
		.iVersion = 2,
		.szOsFile = (int)sizeof(struct fault_file) + def->szOsFile,
		.mxPathname = def->mxPathname,
		.zName = FAULTVFS_NAME,
		.xOpen = fv_open,
		.xDelete = fv_delete,
		.xAccess = fv_access,
		.xFullPathname = fv_full_pathname,
		.xDlOpen = fv_dlopen,
		.xDlError = fv_dlerror,
		.xDlSym = fv_dlsym,
		.xDlClose = fv_dlclose,
		.xRandomness = fv_randomness,
		.xSleep = fv_sleep,
		.xCurrentTime = fv_current_time,
		.xGetLastError = fv_last_error,
		.xCurrentTimeInt64 = fv_current_time64,
	};
	return sqlite3_vfs_register(&fault_vfs, as_default);
}

void faultvfs_arm(unsigned long n, enum fault_kind kind, bool persistent)
{
	io_kind = kind;
	plan_arm(&io_plan, n, persistent);
}

void faultvfs_disarm(void)
{
	plan_arm(&io_plan, 0, false);
}

unsigned long faultvfs_calls(void)
{
	return io_plan.calls;
}

bool faultvfs_fired(void)
{
	return io_plan.fired;
}

/* ---- the allocator ---- */

static struct fault_plan mem_plan;
static sqlite3_mem_methods real_mem;

static void *fm_malloc(int n)
{
	if (fault_due(&mem_plan))
		return NULL;
	return real_mem.xMalloc(n);
}

static void fm_free(void *p)
{
	real_mem.xFree(p);
}

static void *fm_realloc(void *p, int n)
{
	if (n > real_mem.xSize(p) && fault_due(&mem_plan))
		return NULL;
	return real_mem.xRealloc(p, n);
}

static int fm_size(void *p)
{
	return real_mem.xSize(p);
}

static int fm_roundup(int n)
{
	return real_mem.xRoundup(n);
}

static int fm_init(void *app)
{
	return real_mem.xInit(app);
}

static void fm_shutdown(void *app)
{
	real_mem.xShutdown(app);
}

int faultmem_install(void)
{
	if (real_mem.xMalloc)
		return SQLITE_OK;
	int rc = sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_mem_methods m = {fm_malloc, fm_free, fm_realloc, fm_size, fm_roundup,
				 fm_init, fm_shutdown, real_mem.pAppData};
	return sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
}

void faultmem_arm(unsigned long n, bool persistent)
{
	plan_arm(&mem_plan, n, persistent);
}

void faultmem_disarm(void)
{
	plan_arm(&mem_plan, 0, false);
}

unsigned long faultmem_calls(void)
{
	return mem_plan.calls;
}

bool faultmem_fired(void)
{
	return mem_plan.fired;
}
