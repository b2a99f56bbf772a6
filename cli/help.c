/* The help texts. Kept together so that the whole command line reads as one page. */
#include "help.h"

#include <stdio.h>
#include <string.h>

static const char TOP[] =
	"usage: klaxon [--db PATH | --server URL --token T] [--tenant T --as ACTOR] COMMAND ...\n"
	"\n"
	"Incident operations, terminal first. Every change is policy-gated, receipted and\n"
	"appended to a per-tenant Merkle ledger.\n"
	"\n"
	"commands:\n"
	"  init                      make a new embedded store (tenant default, actor admin)\n"
	"  incident declare|update|show|list\n"
	"  timeline INCIDENT_ID      the incident's timeline, oldest first\n"
	"  receipts                  the tenant's receipts, oldest first\n"
	"  ledger verify             recompute every ledger and check its signed checkpoints\n"
	"\n"
	"options (anywhere on the line):\n"
	"  --db PATH        embedded store (or KLAXON_DB)\n"
	"  --server URL     klaxond to talk to (or KLAXON_SERVER), with --token T (KLAXON_TOKEN)\n"
	"  --cacert FILE    CA bundle that signs the server's certificate (verified by default)\n"
	"  --insecure       skip TLS certificate checks (never the default)\n"
	"  --config FILE    user config (default ~/.config/klaxon/config; see klaxon(1))\n"
	"  --tenant T       embedded identity: tenant id or unique name (default: default)\n"
	"  --as ACTOR       embedded identity: actor id or unique name (default: admin)\n"
	"  --json           print API.md's JSON shapes\n"
	"  --debug-log F    append every backend call and its duration to F\n"
	"  --help, --version\n"
	"\n"
	"exit status: 0 done, 1 refused (reason on stderr), 2 usage error.\n"
	"In embedded mode receipts record the operating-system user; they prove integrity and\n"
	"order, not identity.\n";

static const char INCIDENT[] =
	"usage:\n"
	"  klaxon incident declare --title T --severity sevN [--description D] [--region R]\n"
	"                          [--label L]... [--commander ACTOR_ID]   prints the new id\n"
	"  klaxon incident update ID [--status S] [--severity S] [--title T] [--description D]\n"
	"                          [--commander ACTOR_ID] [--label L]... [--note N]\n"
	"                          [--if-match VERSION]\n"
	"  klaxon incident show ID\n"
	"  klaxon incident list [--status a,b] [--severity s] [--query TEXT] [--limit N]\n"
	"                          [--cursor C] [--all]\n"
	"\n"
	"statuses: declared -> triaged | resolved; triaged -> mitigating | resolved;\n"
	"mitigating -> resolved; resolved -> closed | mitigating (reopen); closed is final.\n";

static const char TIMELINE[] = "usage: klaxon timeline INCIDENT_ID [--limit N] [--cursor C] [--all]\n";

static const char RECEIPTS[] =
	"usage: klaxon receipts [--action A] [--resource ID] [--from T] [--to T] [--limit N]\n"
	"                       [--cursor C] [--all]\n";

static const char LEDGER[] =
	"usage: klaxon ledger verify\n"
	"Re-hashes every stored receipt, rebuilds each tenant's Merkle tree and checks it\n"
	"against every signed checkpoint; exits non-zero naming the first bad receipt.\n";

static const char INIT[] = "usage: klaxon --db PATH init\n"
			   "Makes a new store (refusing an existing one) with the tenant `default`\n"
			   "and the actor `admin`, its tenant-admin and the store's platform admin.\n";

void help_print(const char *noun, const char *verb)
{
	(void)verb;
	static const struct {
		const char *noun, *text;
	} pages[] = {{"incident", INCIDENT}, {"timeline", TIMELINE}, {"receipts", RECEIPTS},
		     {"ledger", LEDGER},     {"init", INIT}};
	for (size_t i = 0; noun && i < sizeof pages / sizeof pages[0]; i++) {
		if (strcmp(noun, pages[i].noun) == 0) {
			fputs(pages[i].text, stdout);
			return;
		}
	}
	fputs(TOP, stdout);
}
