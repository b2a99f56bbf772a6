/* The help texts. Kept together so that the whole command line reads as one page. */
#include "help.h"

#include <stdio.h>
#include <string.h>

static const char TOP[] =
	"usage: klaxon [--db PATH | --server URL --token T] [--tenant T --as ACTOR] COMMAND ...\n"
	"\n"
	"       klaxon [backend options] [console options]     the console\n"
	"\n"
	"Incident operations, terminal first. Every change is policy-gated, receipted and\n"
	"appended to a per-tenant Merkle ledger.\n"
	"\n"
	"  console                   no command: the incident console (? inside lists its keys)\n"
	"    --theme NAME            default, light, high-contrast, solarized-dark, mono, or\n"
	"                            ~/.config/klaxon/themes/NAME.theme (config: theme)\n"
	"    --mouse                 clicks select, the wheel scrolls (config: mouse = on)\n"
	"    --read-only             refuse every change (config: read_only, read_only_tenant)\n"
	"    --refresh S             refresh every S seconds, default 5 (config: refresh_s)\n"
	"    --script FILE           run keys and :commands from FILE on a virtual screen\n"
	"                            (the screen tests' harness)\n"
	"\n"
	"commands:\n"
	"  init                      make a new embedded store (tenant default, actor admin)\n"
	"  incident declare|update|show|list\n"
	"  timeline INCIDENT_ID      the incident's timeline, oldest first\n"
	"  receipts                  the tenant's receipts, oldest first\n"
	"  ledger verify             recompute every ledger and check its signed checkpoints\n"
	"  ledger checkpoint         the tenant's signed checkpoint, checked by the witness\n"
	"  backup -o FILE            a consistent copy of the embedded store, while it is used\n"
	"  keygen [-o FILE]          a minisign key pair, to sign runbooks or approvals\n"
	"  signing-key add|list|revoke   the keys the tenant trusts to sign runbooks\n"
	"  runbook publish|list|show|launch   signed runbooks; launch starts a run\n"
	"  run show|step|abort|rollback   a launched run, one step at a time\n"
	"  approve RUN STEP --key K  sign an approval step's statement (or --reject it)\n"
	"  approvals                 the approval steps waiting for a decision\n"
	"  evidence export|verify|list   evidence bundles; verify works offline\n"
	"  redaction get|set         the rules that redact free text in bundles\n"
	"  usage [--platform]        usage by event type; the platform's attribution ratio\n"
	"  tenant create|list|show|update|suspend|resume|offboard\n"
	"  actor create|list|update|rotate-token\n"
	"  roles get|set, policy get|set|simulate, exceptions [ack ID]\n"
	"\n"
	"options (anywhere on the line):\n"
	"  --db PATH        embedded store (or KLAXON_DB); a klaxond's postgres:// URL with\n"
	"                   KLAXON_KEY=DIR/server.key\n"
	"  --server URL     klaxond to talk to (or KLAXON_SERVER), with --token T (KLAXON_TOKEN)\n"
	"  --cacert FILE    CA bundle that signs the server's certificate (verified by default)\n"
	"  --insecure       skip TLS certificate checks (never the default)\n"
	"  --passphrase-file F  the passphrase of a protected key (keygen: protect the new key;\n"
	"                   --protect asks for one on the terminal)\n"
	"  --config FILE    user config (default ~/.config/klaxon/config; see klaxon(1))\n"
	"  --tenant T       embedded identity: tenant id or unique name (default: default)\n"
	"  --as ACTOR       embedded identity: actor id or unique name (default: admin)\n"
	"  --json           print API.md's JSON shapes\n"
	"  --idempotency-key K  send a change at most once: a repeat with K replays the first\n"
	"                   answer\n"
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
	"       klaxon ledger checkpoint [--pubkey server.pub]\n"
	"verify re-hashes every stored receipt, rebuilds each tenant's Merkle tree and checks it\n"
	"against every signed checkpoint; exits non-zero naming the first bad receipt.\n"
	"checkpoint prints the tenant's signed checkpoint. The ledger witness keeps the last\n"
	"checkpoint verified per server (or store) and tenant in $XDG_STATE_HOME/klaxon/witness/\n"
	"and demands a consistency proof to every newer one it sees (here, after `receipts`,\n"
	"after `evidence export`): a failure is an alarm and exit status 1. It needs the\n"
	"server's public key: --pubkey, the config's `pubkey = FILE`, or an embedded PATH.pub.\n";

static const char BACKUP[] =
	"usage: klaxon backup -o FILE\n"
	"A consistent copy of the embedded store (--db, or the default one) while it is used:\n"
	"SQLite's online backup from a reader, so writers go on and the copy is one committed\n"
	"state. FILE is made with mode 0600 and never overwrites a file; the bundles of evidence\n"
	"exports go to FILE-bundles/ beside it. The signing key PATH.key is not copied: keep it\n"
	"apart. A klaxond is backed up on its host (klaxond backup --data DIR -o FILE). See\n"
	"docs/OPERATIONS.md.\n";

static const char KEYGEN[] =
	"usage: klaxon keygen [-o FILE] [--protect | --passphrase-file F]\n"
	"Makes an Ed25519 key pair in minisign's format: the secret key FILE (default klaxon.key,\n"
	"mode 0600) and the public key beside it (a .key ending made .pub, else FILE.pub), and\n"
	"prints the key id. An existing file is never overwritten. --protect asks for a passphrase\n"
	"on the terminal (twice), --passphrase-file reads it from F; `runbook publish` and\n"
	"`approve` then ask for it. The public key is what `signing-key add` trusts for runbooks\n"
	"and what `actor create|update --public-key` registers for an approver.\n"
	"\n"
	"  klaxon keygen -o ci.key && klaxon signing-key add ci.pub --name ci\n";

static const char SIGNING_KEY[] =
	"usage:\n"
	"  klaxon signing-key add PUBKEY_FILE [--name N] [--in TENANT]   N defaults to the file\n"
	"  klaxon signing-key list [--in TENANT]\n"
	"  klaxon signing-key revoke KEY_ID [--in TENANT]\n"
	"\n"
	"The minisign public keys the tenant trusts to sign runbooks (`runbook publish`); list\n"
	"shows each key's id, name, trusted or revoked, and when it was added. A revoked key\n"
	"verifies no new publication. --in names the tenant (default: the caller's own). A denied\n"
	"change names the deciding rules and, when a governed exception could pass it, suggests\n"
	"--override \"justification\" (needs policy.override).\n";

static const char RUNBOOK[] =
	"usage:\n"
	"  klaxon runbook publish FILE --key SECRET_KEY [--passphrase-file F]\n"
	"  klaxon runbook list\n"
	"  klaxon runbook show ID\n"
	"  klaxon runbook launch ID [--incident INCIDENT_ID]     prints the run and its steps\n"
	"\n"
	"publish signs FILE's exact bytes with the secret key (a protected key's passphrase is\n"
	"asked on the terminal or read from --passphrase-file) and sends both; a key the tenant\n"
	"does not trust (signing-key add) is refused with signature_invalid. Each publication of\n"
	"an id is its next version (the same bytes again may answer with the existing one).\n"
	"FILE is API.md's runbook document: {\"id\", \"name\", \"risk\": low|medium|high|critical,\n"
	"\"tags\", \"steps\"}, each step manual, command (an argv array, never a shell string) or\n"
	"approval, any with a \"rollback\"; a high or critical runbook puts an approval step\n"
	"before its first command step. show prints the latest version (digest, signer's key id,\n"
	"steps); launch starts a run of it, for the incident with --incident: drive it with\n"
	"`klaxon run` and `klaxon approve`. A denied change names the deciding rules and, when a\n"
	"governed exception could pass it, suggests --override \"justification\" (needs\n"
	"policy.override).\n"
	"\n"
	"  klaxon runbook publish restart-api.json --key ci.key\n"
	"  run=$(klaxon --json runbook launch restart-api --incident \"$id\" | jq -r .id)\n";

static const char RUN[] =
	"usage:\n"
	"  klaxon run show RUN\n"
	"  klaxon run step RUN STEP [--note N] [--wait S]\n"
	"  klaxon run abort RUN --reason R\n"
	"  klaxon run rollback RUN --reason R [--wait S]\n"
	"\n"
	"RUN is the id `runbook launch` printed, STEP a step's id; steps run in order. step\n"
	"marks a manual step done (--note says what was done) or runs a command step, waiting\n"
	"up to --wait seconds (default 300) for it to end and printing its status, exit code and\n"
	"output; one still running then goes on running (see `run show`). An approval step is\n"
	"not executed: it passes once `klaxon approve` has met its quorum. abort ends the run and\n"
	"kills a running command's process group. rollback runs the rollback of every succeeded\n"
	"step that declares one, last first, waiting up to --wait seconds for their commands;\n"
	"while a step runs it is refused (abort first). A denied change names the deciding rules\n"
	"and, when a governed exception could pass it, suggests --override \"justification\"\n"
	"(needs policy.override).\n"
	"\n"
	"  klaxon run step \"$run\" check --note \"dashboards red\"\n"
	"  klaxon run rollback \"$run\" --reason \"made it worse\"\n";

static const char APPROVE[] =
	"usage: klaxon approve RUN STEP --key SECRET_KEY [--reject --reason R]\n"
	"                      [--passphrase-file F]\n"
	"Signs a statement naming the run, its approval step, the runbook's digest, you and the\n"
	"decision with your secret key (a protected key's passphrase is asked on the terminal or\n"
	"read from --passphrase-file) and sends it; the server checks it against the public key\n"
	"registered on your actor (actor create|update --public-key). --reject needs --reason.\n"
	"Approvers must hold a role the step names, each counts once, and the launcher cannot\n"
	"approve. Prints the decision and how many of the quorum are granted. A denied change\n"
	"names the deciding rules and, when a governed exception could pass it, suggests\n"
	"--override \"justification\" (needs policy.override).\n"
	"\n"
	"  klaxon approve \"$run\" gate --key ~/.config/klaxon/keys/me.key\n";

static const char APPROVALS[] =
	"usage: klaxon approvals [--cursor C] [--all]\n"
	"The tenant's approval steps waiting for a decision: run, step, runbook, risk, approvals\n"
	"granted of those required, and since when. Decide with `klaxon approve`.\n";

static const char INIT[] = "usage: klaxon --db PATH init\n"
			   "Makes a new store (refusing an existing one) with the tenant `default`\n"
			   "and the actor `admin`, its tenant-admin and the store's platform admin.\n";

static const char TENANCY[] =
	"usage:\n"
	"  klaxon tenant create ID --name N [--region R] [--kind customer|partner] [--partner P]\n"
	"  klaxon tenant list | show ID\n"
	"  klaxon tenant update ID [--name N] [--region R] [--status S]\n"
	"  klaxon tenant suspend|resume|offboard ID       offboarded is final: tokens revoked\n"
	"  klaxon actor list [--in T]\n"
	"  klaxon actor create NAME --role R [--role R]... [--public-key FILE] [--in T]\n"
	"  klaxon actor update ACTOR [--role R]... [--disable|--enable] [--public-key FILE] [--in T]\n"
	"  klaxon actor rotate-token ACTOR [--in T]      the old token stops working at once\n"
	"  klaxon roles get [--in T] | roles set FILE [--in T]\n"
	"  klaxon policy get [--version N] [--in T] | policy set FILE [--in T]\n"
	"  klaxon policy simulate --action A [--subject-actor ACTOR | --role R...]\n"
	"                         [--resource JSON] [--context JSON] [--in T]\n"
	"  klaxon exceptions [--all] [--in T] | exceptions ack RECEIPT_ID [--in T]\n"
	"\n"
	"--in names the tenant (default: the caller's own). ACTOR is an id or a name. A new or\n"
	"rotated token is printed once, on the last line. FILE is the JSON of API.md (what\n"
	"`get --json` prints may be edited and set again); a validation error names its JSON\n"
	"path. A denied change names the deciding rules and, when a governed exception could\n"
	"pass it, suggests --override \"justification\" (needs policy.override).\n";

static const char EVIDENCE[] =
	"usage:\n"
	"  klaxon evidence export --from T --to T -o FILE [--in TENANT] [--pubkey server.pub]\n"
	"  klaxon evidence verify FILE --pubkey server.pub [--replay] [--json]\n"
	"  klaxon evidence list [--in TENANT]\n"
	"  klaxon redaction get [--in TENANT] | redaction set FILE [--in TENANT]\n"
	"\n"
	"export writes the tenant's window [from, to) as a tar bundle (a progress bar on a\n"
	"terminal), then verifies it and witnesses its checkpoint when the server's public key is\n"
	"known: --pubkey, the config's `pubkey = FILE`, or for an embedded store PATH.pub.\n"
	"verify needs no store and no server: it checks the manifest's signature, every digest,\n"
	"the checkpoints, every inclusion proof, the consistency proof and the counts, naming the\n"
	"first failure; --replay re-evaluates each decision under its pinned policy version\n"
	"(redacted inputs are reported as not replayable; drift exits 1). `minisign -V -p\n"
	"server.pub -m manifest.json` checks the manifest alone. See docs/EVIDENCE.md.\n"
	"redaction set FILE takes {\"rules\": [{\"id\", \"pattern\"?, \"fields\"?}]} (- for stdin);\n"
	"the built-in rules always apply. A denied change (export, redaction set) names the\n"
	"deciding rules and, when a governed exception could pass it, suggests --override\n"
	"\"justification\" (needs policy.override).\n";

static const char USAGE_PAGE[] =
	"usage: klaxon usage [--in TENANT | --platform] [--from T] [--to T] [--bucket hour|day]\n"
	"Usage by event type over the window (default: the last day, or 30 days by day); with\n"
	"--bucket also each bucket. --platform (platform admins) reports every tenant and the\n"
	"share of requests attributed to one.\n";

void help_print(const char *noun, const char *verb)
{
	(void)verb;
	static const struct {
		const char *noun, *text;
	} pages[] = {{"incident", INCIDENT}, {"timeline", TIMELINE}, {"receipts", RECEIPTS},
		     {"ledger", LEDGER},     {"init", INIT},
		     {"tenant", TENANCY},    {"actor", TENANCY},	 {"roles", TENANCY},
		     {"policy", TENANCY},    {"exceptions", TENANCY},
		     {"evidence", EVIDENCE}, {"redaction", EVIDENCE}, {"usage", USAGE_PAGE},
		     {"backup", BACKUP},     {"keygen", KEYGEN},	 {"signing-key", SIGNING_KEY},
		     {"runbook", RUNBOOK},   {"run", RUN},		 {"approve", APPROVE},
		     {"approvals", APPROVALS}};
	for (size_t i = 0; noun && i < sizeof pages / sizeof pages[0]; i++) {
		if (strcmp(noun, pages[i].noun) == 0) {
			fputs(pages[i].text, stdout);
			return;
		}
	}
	fputs(TOP, stdout);
}
