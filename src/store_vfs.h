/* The SQLite store's VFS (store_vfs.c): the default VFS, with each transaction's WAL frames
 * written in one piece. */
#ifndef KX_STORE_VFS_H
#define KX_STORE_VFS_H

#define STORE_VFS_NAME "klaxon"

/* Registers the VFS on first use; its name, or NULL when SQLite has no default VFS to wrap. */
const char *store_vfs_name(void);

#endif
