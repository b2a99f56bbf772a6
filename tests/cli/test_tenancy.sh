# The tenancy CLI of issue 6 (tenant, actor, roles, policy, exceptions), first on an embedded
# store, whose admin is the local platform admin, then against a real klaxond as a platform
# admin, a partner admin and plain actors.
set -e
. "$(dirname "$0")/lib.sh"
K="$KLAXON"
export KLAXON_DB="$T/k.db"
unset KLAXON_SERVER KLAXON_TOKEN
jqr() { printf '%s' "$OUT" | jq -r "$1"; } # jqr FILTER over the last stdout

# --- embedded: tenants ----------------------------------------------------------------------
expect_status 0 "$K" init
expect_status 0 "$K" tenant create acme --name "Acme Partners" --region eu --kind partner
expect_eq "create prints the id" "$OUT" acme
expect_status 0 "$K" tenant create kid --partner acme --name "Kid"
expect_status 0 "$K" tenant list
expect_match "the list shows the child with its partner" "$OUT" 'kid +Kid +customer +active +- +acme'
expect_match "the list shows the partner" "$OUT" 'acme +Acme Partners +partner +active +eu'
expect_status 0 "$K" tenant list --json
expect_eq "list --json is API.md's {items, next_cursor}" "$(jqr '[.items[].id] | sort | join(",")') $(jqr .next_cursor)" "acme,default,kid null"
expect_status 0 "$K" tenant show kid
expect_match "show names the partner" "$OUT" 'partner: +acme'
expect_status 0 "$K" --json tenant show kid
expect_eq "show --json" "$(jqr '[.id, .kind, .partner_id, .status] | join(" ")')" "kid customer acme active"
expect_status 0 "$K" tenant update kid --name "Kid Ltd" --region us
expect_match "update prints the tenant" "$OUT" '^kid +active +Kid Ltd$'
expect_status 0 "$K" tenant suspend kid
expect_match "suspend" "$OUT" '^kid +suspended'
expect_status 0 "$K" tenant resume kid --json
expect_eq "resume --json" "$(jqr .status)" active
expect_status 0 "$K" tenant update kid --status suspended
expect_status 0 "$K" tenant offboard kid
expect_match "offboard" "$OUT" '^kid +offboarded'
expect_status 1 "$K" tenant resume kid
expect_match "offboarded is final" "$ERR" invalid_transition
expect_status 1 "$K" tenant show nosuch
expect_match "a missing tenant" "$ERR" not_found
expect_status 1 "$K" tenant create bad --name "Bad" --kind vendor
expect_match "a bad kind names the field" "$ERR" '\(kind\)'
expect_status 2 "$K" tenant create nameless
expect_status 2 "$K" tenant update acme
expect_status 2 "$K" tenant frobnicate

# --- embedded: actors -----------------------------------------------------------------------
expect_status 0 "$K" actor create alice --role responder --role approver --in acme
expect_match "create says the token is shown once" "$OUT" 'shown once'
expect_match "the token is the last line" "$(printf '%s\n' "$OUT" | tail -n 1)" '^kxt_[A-Za-z0-9_-]{40,}$'
expect_match "create names the roles" "$OUT" 'roles responder,approver'
expect_status 0 "$K" actor create bob --role viewer --in acme --json
expect_eq "create --json is API.md's {actor, token}" "$(jqr '[.actor.name, (.actor.roles | join(",")), (.token | startswith("kxt_"))] | join(" ")')" "bob viewer true"
BOB=$(jqr .actor.id)
expect_status 0 "$K" actor list --in acme
expect_match "list shows alice" "$OUT" 'alice +responder,approver +- +active'
expect_status 0 "$K" actor list
expect_match "actor list defaults to the caller's tenant" "$OUT" 'admin +tenant-admin'
expect_status 0 "$K" actor update alice --role viewer --in acme
expect_match "update by name" "$OUT" 'alice +viewer'
expect_status 0 "$K" actor update "$BOB" --disable --in acme
expect_match "disable by id" "$OUT" 'bob +viewer .* disabled'
expect_status 0 "$K" actor list --in acme --json
expect_eq "list --json shows disabled" "$(jqr '.items[] | select(.name == "bob") | .disabled')" true
expect_status 0 "$K" actor update bob --enable --in acme
expect_match "enable" "$OUT" 'bob .* active'
expect_status 0 "$K" keygen -o "$T/alice.key"
KEYID=$(printf '%s' "$OUT" | sed -n 's/.*key id \([0-9A-Fa-f]*\).*/\1/p')
expect_status 0 "$K" actor update alice --public-key "$T/alice.pub" --in acme --json
expect_eq "the public key's id is kept" "$(jqr .key_id | tr a-f A-F)" "$(printf '%s' "$KEYID" | tr a-f A-F)"
expect_status 0 "$K" actor create carol --role viewer --public-key "$T/alice.pub" --in acme --json
expect_eq "create with a public key" "$(jqr .actor.key_id | tr a-f A-F)" "$(printf '%s' "$KEYID" | tr a-f A-F)"
expect_status 1 "$K" actor update alice --public-key "$T/missing.pub" --in acme
expect_status 0 "$K" actor rotate-token alice --in acme
expect_match "rotate says the old one is dead" "$OUT" 'old one no longer works'
expect_match "rotate prints the token last" "$(printf '%s\n' "$OUT" | tail -n 1)" '^kxt_'
expect_status 1 "$K" actor rotate-token nobody --in acme
expect_match "rotate an unknown actor" "$ERR" not_found
expect_status 2 "$K" actor create dave --in acme
expect_status 2 "$K" actor update alice --disable --enable --in acme
expect_status 2 "$K" actor update alice --in acme
expect_status 1 "$K" actor list --in nosuch
# an actor without tenant.* rights, by --as
expect_status 1 "$K" --tenant acme --as alice tenant create other --name Other
expect_match "a viewer cannot create tenants" "$ERR" policy_denied
expect_match "the denial names the tenancy rule" "$ERR" 'deciding rules: tenancy:'

# --- embedded: roles and policy --------------------------------------------------------------
expect_status 0 "$K" roles get
expect_match "roles get shows the catalog" "$OUT" 'tenant-admin +\*'
expect_status 0 "$K" roles show --json
printf '%s' "$OUT" | jq '.roles.breakglass = ["incident.*", "policy.override"]' >"$T/roles.json"
expect_status 0 "$K" roles set "$T/roles.json"
expect_match "roles set prints the new version" "$OUT" '^version 2 +digest '
expect_status 0 "$K" roles get
expect_match "the new role" "$OUT" 'breakglass +incident\.\*, policy\.override'
echo '{"roles":{"viewer":["incident..get"]}}' >"$T/badroles.json"
expect_status 1 "$K" roles set "$T/badroles.json"
expect_match "a bad catalog names the path" "$ERR" 'roles\.viewer'

cat >"$T/profile.json" <<'JSON'
{"name": "guarded", "rules": [
  {"id": "no-sev1", "effect": "forbid", "actions": ["incident.create"],
   "when": {"resource.severity": {"eq": "sev1"}}},
  {"id": "frozen", "effect": "forbid", "actions": ["incident.create"],
   "when": {"resource.labels": {"contains": "frozen"}}, "overridable": false}]}
JSON
expect_status 0 "$K" policy set "$T/profile.json"
expect_match "policy set prints the version" "$OUT" '^version 2 +digest '
expect_status 0 "$K" policy get
expect_match "policy get names profile and version" "$OUT" '^profile guarded +version 2'
expect_match "policy get shows a rule" "$OUT" 'forbid +no-sev1 +\["incident.create"\] when'
expect_match "policy get marks a fixed rule" "$OUT" 'frozen +\["incident.create"\].*\(not overridable\)'
expect_status 0 "$K" policy show --version 1 --json
expect_eq "policy get --version 1" "$(jqr '[.name, .version] | join(" ")')" "default 1"
expect_status 0 "$K" policy get 2 --json
expect_eq "policy get VERSION" "$(jqr '.rules | length')" 2
expect_status 1 "$K" policy get --version 9
expect_status 0 "$K" --version
expect_match "--version still prints klaxon's" "$OUT" '^klaxon '
# what get --json printed can be set again as it is
expect_status 0 "$K" policy get --json
printf '%s' "$OUT" >"$T/fetched.json"
expect_status 0 "$K" policy set "$T/fetched.json"
expect_match "a fetched profile sets as version 3" "$OUT" '^version 3 '
echo '{"name":"bad","rules":[{"id":"a","effect":"forbid","actions":["incident.create"],"when":{"resource.severity":{"like":"sev1"}}}]}' >"$T/bad.json"
expect_status 1 "$K" policy set "$T/bad.json"
expect_match "a validation error prints the JSON path" "$ERR" 'rules\[0\]\.when\.resource\.severity\.like'
echo 'not json' >"$T/notjson.json"
expect_status 1 "$K" policy set "$T/notjson.json"
expect_status 2 "$K" policy set

expect_status 0 "$K" policy simulate --action incident.create --resource '{"severity":"sev1","labels":[]}'
expect_match "simulate: effect" "$OUT" '^effect: +deny'
expect_match "simulate: the deciding rule" "$OUT" 'rules: +no-sev1'
expect_match "simulate: the explanation" "$OUT" 'explanation: forbid no-sev1: resource.severity eq "sev1" held'
expect_match "simulate: overridable" "$OUT" 'overridable: yes'
expect_status 0 "$K" policy simulate --action incident.get --role viewer --json
expect_eq "simulate --json: a viewer may read" "$(jqr '[.effect, (.rules | join(","))] | join(" ")')" "allow role:viewer"
expect_status 0 "$K" policy simulate --action incident.create --subject-actor bob --in acme
expect_match "simulate another tenant's actor" "$OUT" '^effect: +deny'
expect_status 0 "$K" policy simulate --action incident.create --resource '{"labels":["frozen"]}' --context '{"note":"x"}' --json
expect_eq "simulate a fixed rule" "$(jqr '[.effect, .overridable] | join(" ")')" "deny false"
expect_status 2 "$K" policy simulate --action incident.create --resource 'sev1'
expect_status 2 "$K" policy simulate --resource '{}'
expect_status 2 "$K" policy simulate --action incident.get --role viewer --subject-actor bob

# --- embedded: a denial explains itself; governed exceptions -----------------------------------
expect_status 1 "$K" incident declare --title "Checkout down" --severity sev1
expect_match "the denial's first line" "$(printf '%s\n' "$ERR" | head -n 1)" '^klaxon: policy_denied: '
expect_match "the denial names the rule" "$ERR" 'deciding rules: no-sev1'
expect_match "the denial hints at --override" "$ERR" '--override "justification"'
expect_status 1 "$K" incident declare --title "Frozen" --severity sev3 --label frozen
expect_match "a fixed rule: not overridable" "$ERR" 'not overridable'
if printf '%s' "$ERR" | grep -q -- '--override'; then bad "no override hint for a fixed rule"; else ok; fi
expect_status 0 "$K" incident declare --title "Checkout down" --severity sev1 --override "every EU checkout fails"
INC=$OUT
expect_status 0 "$K" --json receipts --action incident.create
expect_eq "the receipt carries the override" \
	"$(jqr '.items[] | select(.decision.override != null) | .decision.override.rules | join(",")')" no-sev1
expect_eq "with the justification's digest" \
	"$(jqr '.items[] | select(.decision.override != null) | .decision.override.justification_digest')" \
	"$(printf '%s' "every EU checkout fails" | python3 -c 'import sys,hashlib,base64; print(base64.b64encode(hashlib.sha256(sys.stdin.buffer.read()).digest()).decode())')"
RCP=$(jqr '.items[] | select(.decision.override != null) | .id')
expect_status 0 "$K" exceptions
expect_match "exceptions lists it" "$OUT" "^$RCP .* incident.create +no-sev1 +open"
expect_status 0 "$K" exceptions --json
expect_eq "exceptions --json" "$(jqr '[.items[].resource] | join(",")')" "$INC"
expect_status 0 "$K" exceptions ack "$RCP"
expect_match "ack" "$OUT" "^$RCP acknowledged by act_"
expect_status 0 "$K" exceptions
expect_match "none open after ack" "$OUT" 'no open governed exceptions'
expect_status 0 "$K" exceptions --all --json
expect_eq "--all keeps it, acknowledged" "$(jqr '.items[0].acknowledged_by | startswith("act_")')" true
expect_status 1 "$K" exceptions --ack "$RCP"
expect_match "acking twice" "$ERR" not_found
expect_status 2 "$K" exceptions frob
# a viewer's override is refused, and it is told why
expect_status 0 "$K" actor create vic --role viewer
expect_status 1 "$K" --as vic incident declare --title x --severity sev2 --override "let me"
expect_match "a viewer's override is refused" "$ERR" 'override was refused'

# --- klaxond: a platform admin, a partner admin and plain actors ---------------------------------
start_server
unset KLAXON_DB
export KLAXON_SERVER="$URL"
KA() { expect_status "$1" env KLAXON_TOKEN="$ADMIN_TOKEN" "$K" "${@:2}"; }
KP() { expect_status "$1" env KLAXON_TOKEN="$PTOK" "$K" "${@:2}"; }
KA 0 tenant create pa --name "Partner A" --kind partner --region eu
KA 0 tenant create pb --name "Partner B" --kind partner
KA 0 tenant create sib --name "Sibling" --partner pb
KA 0 actor create boss --role tenant-admin --in pa
PTOK=$(printf '%s\n' "$OUT" | tail -n 1)
KA 0 actor list --in pa --json
expect_eq "the platform admin lists pa's actors" "$(jqr '[.items[].name] | join(",")')" boss
KP 0 tenant create child --name "Child" --partner pa
KP 0 tenant list
expect_match "the partner admin sees its child" "$OUT" 'child +Child +customer +active'
if printf '%s' "$OUT" | grep -q '^sib '; then bad "the partner admin sees a sibling"; else ok; fi
KP 1 tenant show sib
expect_match "a sibling is not found" "$ERR" not_found
KP 1 tenant update sib --name Mine
expect_match "a sibling cannot be changed" "$ERR" not_found
KP 1 actor list --in sib
KP 1 tenant create partner2 --name P2 --kind partner
KP 0 actor list
expect_match "actor list defaults to the caller's tenant" "$OUT" 'boss +tenant-admin'
KP 0 actor create ops --role responder --in child
OPS=$(printf '%s\n' "$OUT" | tail -n 1)
KP 0 actor create looker --role viewer --in child --json
LOOK=$(jqr .token)
KP 0 policy set "$T/profile.json" --in child
KP 0 policy get --in child
expect_match "the child's profile" "$OUT" '^profile guarded +version 2'
KP 0 roles get --in child --json
expect_eq "the child's catalog" "$(jqr .version)" 1
KP 0 policy simulate --in child --subject-actor ops --action incident.create --resource '{"severity":"sev1"}'
expect_match "simulate the child's responder" "$OUT" 'rules: +no-sev1'
KP 0 policy simulate --in child --action incident.create
expect_match "without a subject nobody is granted" "$OUT" '^effect: +deny'

expect_status 1 env KLAXON_TOKEN="$OPS" "$K" incident declare --title "Down" --severity sev1
expect_match "server: the denial names the rule" "$ERR" 'deciding rules: no-sev1'
expect_match "server: the override hint" "$ERR" '--override'
expect_status 1 env KLAXON_TOKEN="$OPS" "$K" incident declare --title "Down" --severity sev1 --override "please"
expect_match "server: a responder's override is refused" "$ERR" 'override was refused'
expect_status 0 env KLAXON_TOKEN="$OPS" "$K" incident declare --title "Down" --severity sev2
KP 0 exceptions --in child
expect_match "no exceptions in the child" "$OUT" 'no open governed exceptions'

# suspension: the child's actors cannot mutate; the platform admin resumes it
KP 0 tenant suspend child
expect_status 1 env KLAXON_TOKEN="$OPS" "$K" incident declare --title "Suspended" --severity sev3
expect_match "a suspended tenant's mutation" "$ERR" 'tenancy:tenant-not-active'
if printf '%s' "$ERR" | grep -q -- '--override'; then bad "no override hint for a suspension"; else ok; fi
expect_status 0 env KLAXON_TOKEN="$OPS" "$K" incident list
KA 0 tenant resume child
expect_status 0 env KLAXON_TOKEN="$OPS" "$K" incident declare --title "Resumed" --severity sev3

# a rotated token's predecessor and a disabled actor answer 401
KP 0 actor rotate-token looker --in child
LOOK2=$(printf '%s\n' "$OUT" | tail -n 1)
expect_status 1 env KLAXON_TOKEN="$LOOK" "$K" incident list
expect_match "the old token is dead" "$ERR" unauthenticated
expect_status 0 env KLAXON_TOKEN="$LOOK2" "$K" incident list
KP 0 actor update looker --disable --in child
expect_status 1 env KLAXON_TOKEN="$LOOK2" "$K" incident list
expect_match "a disabled actor" "$ERR" unauthenticated
KP 0 actor update looker --enable --in child
expect_status 0 env KLAXON_TOKEN="$LOOK2" "$K" incident list

KP 0 tenant offboard child
expect_status 1 env KLAXON_TOKEN="$OPS" "$K" incident list
expect_match "an offboarded tenant's token" "$ERR" unauthenticated
KA 0 tenant show child --json
expect_eq "the offboarded tenant is kept" "$(jqr .status)" offboarded

finish
