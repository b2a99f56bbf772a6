/* klaxon's user config (~/.config/klaxon/config, `key = value`): read, never written. The
 * command line wins over the environment, which wins over this file. */
#ifndef KX_CLI_CONFIG_H
#define KX_CLI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct user_config {
	char db[1024], server[1024], token[512], cacert[1024], tenant[128], as[128];
	char theme[64];
	char pubkey[1024]; /* the server's minisign public key (server.pub), for the witness */
	char approval_key[1024]; /* the console signs approvals with this secret key */
	bool insecure, mouse, read_only;
	int refresh_s;
	char read_only_tenants[16][64]; /* `read_only_tenant = ID` lines */
	int n_read_only_tenants;
};

/* The file's path: $XDG_CONFIG_HOME/klaxon/config or ~/.config/klaxon/config. */
void user_config_path(char *out, size_t len);
/* The default embedded store: $XDG_DATA_HOME/klaxon/klaxon.db or ~/.local/share/... */
void user_config_default_db(char *out, size_t len);
/* The approver's secret key by default: $XDG_CONFIG_HOME/klaxon/keys/approver.key or
 * ~/.config/klaxon/keys/approver.key (DESIGN.md "Signatures"). */
void user_config_default_approval_key(char *out, size_t len);
/* Reads path (a missing file is fine unless must_exist). 0, or -1 with a message naming the
 * line. A token in a file others can read is refused. */
int user_config_load(const char *path, bool must_exist, struct user_config *c, char *err,
		     size_t errlen);

#endif
