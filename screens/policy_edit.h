/* The $EDITOR round trip of the policy screen (policy_edit.c). */
#ifndef KX_SCREENS_POLICY_EDIT_H
#define KX_SCREENS_POLICY_EDIT_H

#include <stddef.h>

#include "app.h"

#define POLICY_EDIT_MAX (1024 * 1024) /* the server's default body limit */

/* Writes text to a new private temporary file; its name goes to path. 0, or -1 with err. */
int policy_edit_write(const char *text, char *path, size_t len, char *err, size_t errlen);
/* The file's text (caller frees), or NULL with err. */
char *policy_edit_read(const char *path, char *err, size_t errlen);
/* Runs $EDITOR on path with curses stepped aside. 0 when the editor exited with status 0,
 * -1 with err otherwise (then the file is not to be sent). */
int policy_edit_run(const char *path, char *err, size_t errlen);

#endif
