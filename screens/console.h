/* The console's entry point for klaxon's main: options from the command line and the user
 * config, and the backend main has opened. */
#ifndef KX_SCREENS_CONSOLE_H
#define KX_SCREENS_CONSOLE_H

#include <stdbool.h>

#include "backend.h"

#define CONSOLE_MAX_RO_TENANTS 16

struct console_options {
	const char *mode;      /* "embedded" or "remote" */
	const char *location;  /* the store's path or the server's URL */
	const char *tenant;    /* as named on the command line or config, NULL: learn it */
	const char *actor;     /* embedded identity, NULL in remote mode */
	const char *token_hint; /* remote: the token's last characters, to tell tokens apart */
	const char *theme;     /* NULL: saved choice, then default */
	bool theme_explicit;   /* --theme or the config named one (wins over NO_COLOR) */
	bool mouse;
	bool read_only;
	const char *read_only_tenants[CONSOLE_MAX_RO_TENANTS];
	int n_read_only_tenants;
	int refresh_s;         /* 0: 5 seconds */
	const char *script;    /* run this script on a virtual screen instead of the terminal */
	const char *keys_path; /* user keymap file (NULL: ~/.config/klaxon/keymap) */
	const char *approval_key; /* the approver's secret key (NULL: the default path) */
	const char *pubkey;    /* the server's public key for the ledger witness (NULL: an
				* embedded store's own STORE.pub, none for a server) */
};

/* Runs the console until the user quits. Returns an exit status (0, 1 on a failure). */
int console_run(struct backend *b, const struct console_options *opt);

#endif
