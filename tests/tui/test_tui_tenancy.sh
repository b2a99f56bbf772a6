#!/bin/bash
# The real console in tmux on an embedded store, for the tenant console (issue 6): suspend and
# resume a tenant behind an explicit y/n; edit the policy profile through $EDITOR (a stand-in
# that writes an invalid profile first: the JSON path of the error is shown and the file
# reopened, then a valid one goes through); a change the new profile denies names its rule,
# and the admin passes it as a governed exception with a justification, under a banner that
# stands until the exception is acknowledged.
. "$(dirname "$0")/lib.sh"

"$KLAXON" --db "$T/k.db" init >/dev/null
"$KLAXON" --db "$T/k.db" tenant create acme --name "Acme Corp" --region eu-west-1 >/dev/null
"$KLAXON" --db "$T/k.db" incident declare --title "Disk full on db-3" --severity sev3 >/dev/null

# $EDITOR's words are run without a shell: a program and an option, the file comes last.
cat >"$T/fake-editor" <<EOF
#!/bin/sh
for f; do :; done
if [ ! -e "$T/edited-once" ]; then
	: >"$T/edited-once"
	printf '%s\n' '{"name": "guarded", "rules": [{"id": "no-sev1", "effect": "forbid",' \
		'"actions": ["incident.create"], "when": {"resource.severity": {"like": "sev1"}}}]}' >"\$f"
else
	printf '%s\n' '{"name": "guarded", "rules": [{"id": "no-sev1", "effect": "forbid",' \
		'"actions": ["incident.create"], "when": {"resource.severity": {"eq": "sev1"}}}]}' >"\$f"
fi
EOF
chmod +x "$T/fake-editor"

# The tmux server, started by console, hands its environment to klaxon.
export EDITOR="$T/fake-editor --wait" TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
console --db "$T/k.db"
wait_for "DECLARED 1"
wait_for "online"

# Tenants: suspend acme (Enter alone confirms nothing), then resume it.
keys T
wait_for "klaxon  Tenants"
wait_for "acme"
keys j
keys s
wait_for "Suspend tenant acme? Every change its actors try is denied."
keys Enter
wait_for "y yes"
keys y
wait_for "tenant acme suspended"
wait_for "suspended  eu-west-1"
keys u
wait_for "Resume tenant acme?"
keys n
wait_gone "Resume tenant acme?"
keys u
wait_for "Resume tenant acme?"
keys y
wait_for "tenant acme resumed"
wait_for "active     eu-west-1"

# The policy profile in $EDITOR: the server's error names the JSON path, Enter reopens.
keys q
wait_for "DECLARED 1"
keys P
wait_for "klaxon  Policy"
wait_for "version 1 of 1"
keys e
wait_for "Upload this profile to default as version 2?"
keys y
wait_for "The profile was not accepted"
wait_for "at rules[0].when.resource.severity.like: unknown operator"
wait_for "Enter reopens it in \$EDITOR"
[ -e "$T/edited-once" ] && ok || bad "the editor did not run"
keys Enter
wait_for "Upload this profile to default as version 2?"
keys y
wait_for "profile version 2 uploaded"
wait_for "version 2 of 2 (current)"
wait_for '"no-sev1"'
ls "$T"/tmp/klaxon-policy-*.json >/dev/null 2>&1 && bad "the edit's file was left behind" || ok

# A denied change names its rule and conditions; the admin overrides it with a reason.
keys q
wait_for "DECLARED 1"
keys n
wait_for "Declare an incident"
type_text "Payments down everywhere"
keys Tab Left Left Enter
wait_for 'Declare sev1 "Payments down everywhere"?'
keys y
wait_for "Denied by policy"
wait_for "Deciding rule: no-sev1"
wait_for 'Why: forbid no-sev1: resource.severity eq "sev1" held'
wait_for "You may pass it as a governed exception"
type_text "customers cannot pay"
keys Enter
wait_for "Pass incident.create as a governed exception to no-sev1?"
keys y
wait_for "declared, receipt rcp_"
wait_for "S1 Payments down"
wait_for "1 governed exception not acknowledged"
"$KLAXON" --db "$T/k.db" receipts --action incident.create --json | grep -q '"override":{"rules":\["no-sev1"\]' &&
	ok || bad "the receipt does not carry the override"

# Acknowledged, the banner goes.
keys :
type_text "exceptions"
keys Enter
wait_for "Governed exceptions"
wait_for "1 open"
keys a
wait_for "Acknowledge the exception to incident.create by admin?"
keys y
wait_for "0 open"
keys q
wait_gone "governed exception not acknowledged"

keys Q
wait_exit
finish
