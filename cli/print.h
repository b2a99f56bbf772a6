/* Output for people and for scripts: JSON as the API shapes it, or aligned text. */
#ifndef KX_PRINT_H
#define KX_PRINT_H

#include <cjson/cJSON.h>

/* On a terminal, stdout and stderr show every control character but newline, tab and
 * carriage return as '?' (C1 controls too): titles, notes and command output come from other
 * people, and an escape sequence in them would otherwise move the cursor, retitle the window
 * or answer back. Not for the console, which draws through ncurses. */
void print_guard_terminal(void);
/* The JSON value on one line (scripts pipe it into jq). */
void print_json(const cJSON *v);
/* A string member, or "-" when absent or null. */
const char *print_str(const cJSON *o, const char *name);
/* Prints s cut to at most width columns at a UTF-8 character boundary, padded to width. */
void print_cell(const char *s, int width);

#endif
