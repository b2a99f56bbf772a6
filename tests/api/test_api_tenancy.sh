# Auth, tenancy and request ids over HTTP: 401s, tenant isolation (another tenant's resource is
# a 404 exactly like a missing one), role denials with their decision and deny receipt,
# tenant administration, token rotation, X-Request-Id, health endpoints; klaxond init/serve.
. "$(dirname "$0")/lib.sh"

# --- klaxond init / serve on the command line ---------------------------------------------------
start_server
expect_eq "init makes DIR mode 0700" "$(stat -c %a "$DATA")" 700
expect_eq "server.key mode 0600" "$(stat -c %a "$DATA/server.key" 2>/dev/null)" 600
expect_match "server.pub is a minisign public key" "$(sed -n 1p "$DATA/server.pub" 2>/dev/null)" '^untrusted comment: '
expect_match "server.pub key line" "$(sed -n 2p "$DATA/server.pub" 2>/dev/null)" '^RW[A-Za-z0-9+/]{54}$'
if "$KLAXOND" init --data "$DATA" >"$T/reinit.out" 2>&1; then
	bad "klaxond init on an existing store succeeded; it must refuse"
else
	ok
fi
mkdir -p "$T/empty"
if timeout 10 "$KLAXOND" serve --data "$T/empty" --listen "127.0.0.1:$(free_port)" >"$T/empty.out" 2>&1; then
	bad "klaxond serve on an empty DIR exited 0; it must fail"
else
	rc=$?
	if [ "$rc" -eq 124 ]; then bad "klaxond serve on an empty DIR kept running; it must fail"; else ok; fi
	expect_match "serve on an empty DIR says why" "$(cat "$T/empty.out")" '[a-z]'
fi

# --- health, unauthenticated ----------------------------------------------------------------------
api "" GET /healthz
expect_status "GET /healthz without auth" 200
api "" GET /readyz
expect_status "GET /readyz without auth" 200

api "" GET /metrics
expect_status "GET /metrics unauthenticated from loopback" 200
expect_header "metrics Content-Type" Content-Type '^text/plain'
expect_match "metrics are Prometheus text" "$BODY" '^# (HELP|TYPE) '

# --- 401 ------------------------------------------------------------------------------------------
api "" GET /incidents
expect_error "GET /incidents without a token" 401 unauthenticated
api "not-a-real-token" GET /incidents
expect_error "GET /incidents with an unknown token" 401 unauthenticated
api "" GET /incidents "" -H "Authorization: Basic YWRtaW46YWRtaW4="
expect_error "Basic auth instead of Bearer" 401 unauthenticated
api "" GET /incidents "" -H "Authorization: Bearer"
expect_error "Bearer with no token" 401 unauthenticated
api "" POST /incidents '{"title":"x","severity":"sev1"}'
expect_error "POST /incidents without a token" 401 unauthenticated
api "" POST /tenants '{"id":"evil","name":"Evil","region":"eu"}'
expect_error "POST /tenants without a token" 401 unauthenticated
api "${ADMIN}x" GET /tenants
expect_error "admin token with a byte appended" 401 unauthenticated

# --- tenants and actors ----------------------------------------------------------------------------
api "$ADMIN" POST /tenants '{"id":"acme","name":"Acme","region":"eu"}'
expect_status "platform admin POST /tenants" 201
for f in id name kind status region partner_id created_at; do
	expect_json "tenant has field $f" "has(\"$f\")"
done
expect_jq "tenant id" .id acme
expect_jq "tenant name" .name Acme
expect_jq "tenant region" .region eu
expect_jq "tenant kind defaults to customer" .kind customer
expect_jq "tenant status starts active" .status active
expect_json "tenant created_at format" ".created_at | test(\"$TS_RE\")"
api "$ADMIN" POST /tenants '{"id":"acme","name":"Acme again","region":"eu"}'
expect_error "a second tenant with the same id" 409 conflict
api "$ADMIN" POST /tenants '{"id":"noname","region":"eu"}'
expect_error "tenant without a name" 400 invalid_field
new_tenant beta us

api "$ADMIN" GET /tenants
expect_status "platform admin GET /tenants" 200
expect_json "platform admin sees acme and beta" '[(.items // .)[] | .id] | (index("acme") != null and index("beta") != null)'
api "$ADMIN" GET /tenants/beta
expect_status "platform admin GET /tenants/beta" 200
expect_jq "GET /tenants/beta" .region us

api "$ADMIN" POST /tenants/acme/actors '{"name":"alice","roles":["responder"]}'
expect_status "POST /tenants/acme/actors" 201
expect_json "actor answer shape {actor:{id,name,roles,key_id},token}" \
	'(.actor | has("id") and has("name") and has("roles") and has("key_id")) and (.token | type == "string" and length > 0)'
expect_jq "actor name" .actor.name alice
expect_jq "actor roles" '.actor.roles | join(",")' responder
AL=$(j .token)
AL_ID=$(j .actor.id)
new_actor acme victor '["viewer"]'
VI=$ACTOR_TOKEN
VI_ID=$ACTOR_ID
new_actor acme audrey '["auditor"]'
AU=$ACTOR_TOKEN
new_actor acme tina '["tenant-admin"]'
TA=$ACTOR_TOKEN
new_actor beta bob '["responder"]'
BO=$ACTOR_TOKEN
new_actor beta bea '["tenant-admin"]'
BA=$ACTOR_TOKEN

api "$ADMIN" GET /tenants/acme/actors
expect_status "platform admin lists acme's actors" 200
expect_json "acme's actors include alice" '[(.items // .)[] | .name] | index("alice") != null'
expect_json "acme's actor list does not leak tokens" '[.. | objects | has("token")] | any | not'
expect_json "acme's actor list holds no beta actor" '[(.items // .)[] | .name] | index("bob") == null'

# --- a responder is not a tenant administrator --------------------------------------------------
api "$AL" POST /tenants '{"id":"rogue","name":"Rogue","region":"eu"}'
expect_error "responder POST /tenants" 403 policy_denied
expect_jq "tenant.create denial carries the decision" .error.decision.effect deny
api "$AL" POST /tenants/acme/actors '{"name":"mallory","roles":["tenant-admin"]}'
expect_error "responder creates an actor" 403 policy_denied
api "$TA" POST /tenants '{"id":"rogue2","name":"Rogue","region":"eu"}'
expect_error "a customer tenant-admin POST /tenants" 403 policy_denied
api "$AL" GET /tenants
expect_status "responder GET /tenants" 200
expect_jq "responder sees only its own tenant" '[(.items // .)[] | .id] | join(",")' acme
api "$AL" GET /tenants/beta
expect_error "responder GET another tenant" 404 not_found
api "$TA" POST /tenants/beta/actors '{"name":"spy","roles":["tenant-admin"]}'
expect_status "acme's tenant-admin creates an actor in beta" "403|404"
api "$TA" PATCH /tenants/beta '{"name":"Pwned"}'
expect_status "acme's tenant-admin renames beta" "403|404"
api "$ADMIN" GET /tenants/beta
expect_jq "beta keeps its name" .name "beta Inc"

# --- tenant isolation: another tenant's incident is exactly a missing one ----------------------
new_incident "$AL" "Acme secret outage" sev1
A=$INC
api "$AL" GET "/incidents/$A"
expect_status "owner reads its incident" 200
MISSING=inc_00000000000000000000000000
norm() { # the error without request_id, and with the id masked
	printf '%s' "$BODY" | jq -c --arg id "$1" '.error | del(.request_id) | .message |= (if type == "string" then gsub($id; "ID") else . end)'
}
api "$BO" GET "/incidents/$A"
expect_error "beta GET acme's incident" 404 not_found
CROSS=$(norm "$A")
api "$BO" GET "/incidents/$MISSING"
expect_error "beta GET a missing incident" 404 not_found
expect_eq "cross-tenant GET body equals a missing id's" "$CROSS" "$(norm "$MISSING")"

api "$BO" PATCH "/incidents/$A" '{"status":"triaged"}'
expect_error "beta PATCH acme's incident" 404 not_found
CROSS=$(norm "$A")
api "$BO" PATCH "/incidents/$MISSING" '{"status":"triaged"}'
expect_eq "cross-tenant PATCH body equals a missing id's" "$CROSS" "$(norm "$MISSING")"
api "$BA" PATCH "/incidents/$A" '{"status":"triaged"}'
expect_error "beta's tenant-admin PATCH acme's incident" 404 not_found
api "$BO" POST "/incidents/$A/notes" '{"text":"sneaky"}'
expect_error "beta note on acme's incident" 404 not_found

api "$BO" GET "/timeline?incident_id=$A"
CROSS_S=$STATUS
CROSS=$(printf '%s' "$BODY" | jq -c --arg id "$A" 'if has("error") then (.error | del(.request_id) | .message |= gsub($id; "ID")) else . end')
api "$BO" GET "/timeline?incident_id=$MISSING"
expect_eq "cross-tenant timeline answers like a missing id (status)" "$CROSS_S" "$STATUS"
expect_eq "cross-tenant timeline answers like a missing id (body)" "$CROSS" \
	"$(printf '%s' "$BODY" | jq -c --arg id "$MISSING" 'if has("error") then (.error | del(.request_id) | .message |= gsub($id; "ID")) else . end')"
expect_status "cross-tenant timeline is not a 2xx with events or a 5xx" "200|404"
[ "$CROSS_S" = 200 ] && expect_jq "cross-tenant timeline is empty" '.items | length' 0

api "$BO" GET /incidents
expect_json "beta's list does not hold acme's incident" "[.items[].id] | index(\"$A\") == null"
api "$BO" GET "/incidents?q=secret"
expect_jq "beta's search does not find acme's incident" '.items | length' 0

api "$AL" GET "/incidents/$A"
expect_jq "acme's incident unchanged by beta" .version 1

# platform admins administer tenants but do not see their incidents
api "$ADMIN" GET "/incidents/$A"
expect_error "platform admin GET a tenant's incident" 404 not_found
api "$ADMIN" GET /incidents
case "$STATUS" in
200) expect_json "platform admin's list holds no tenant incident" "[.items[].id] | index(\"$A\") == null" ;;
4??) ok ;;
*) badr "platform admin GET /incidents: status $STATUS, wanted 200 (empty) or a 4xx" ;;
esac
api "$ADMIN" PATCH "/incidents/$A" '{"status":"triaged"}'
expect_error "platform admin PATCH a tenant's incident" 404 not_found

# --- a viewer is denied mutations, with the decision and a deny receipt ------------------------
api "$VI" GET /incidents
expect_status "viewer GET /incidents" 200
api "$VI" GET "/incidents/$A"
expect_status "viewer GET an incident" 200
api "$VI" POST /incidents '{"title":"viewer tries","severity":"sev3"}' -H 'X-Request-Id: deny-test-0001'
expect_error "viewer POST /incidents" 403 policy_denied
expect_jq "denial decision effect" .error.decision.effect deny
expect_json "denial decision has rules" '.error.decision.rules | type == "array"'
expect_jq "denial request_id echoed in the body" .error.request_id deny-test-0001
api "$VI" PATCH "/incidents/$A" '{"status":"triaged"}'
expect_error "viewer PATCH" 403 policy_denied
api "$VI" POST "/incidents/$A/notes" '{"text":"viewer note"}'
expect_error "viewer note" 403 policy_denied
api "$AL" GET "/incidents/$A"
expect_jq "viewer's denied PATCH changed nothing" .version 1

api "$AU" GET "/receipts?action=incident.create&limit=500"
expect_status "auditor GET /receipts?action=incident.create" 200
expect_json "a deny receipt for the viewer's incident.create" \
	"any(.items[]; .action == \"incident.create\" and .decision.effect == \"deny\" and .request_id == \"deny-test-0001\")"
expect_json "the deny receipt names the viewer" \
	"any(.items[]; .request_id == \"deny-test-0001\" and (.actor == \"$VI_ID\" or (.actor | type == \"object\" and .id == \"$VI_ID\")))"
expect_json "the deny receipt is acme's" 'all(.items[]; .tenant_id == "acme")'
api "$VI" GET /receipts
expect_status "viewer GET /receipts (*.list)" 200
api "$BO" GET "/receipts?action=incident.create&limit=500"
expect_json "beta sees no acme receipt" 'all(.items[]; .tenant_id == "beta")'
expect_json "beta does not see the viewer's denial" 'all(.items[]; .request_id != "deny-test-0001")'

# --- token rotation --------------------------------------------------------------------------
new_actor acme rotor '["responder"]'
RO=$ACTOR_TOKEN
RO_ID=$ACTOR_ID
api "$ADMIN" POST "/tenants/acme/actors/$RO_ID/token"
expect_status "rotate a token" 201
RO2=$(j .token)
expect_ne "the new token differs" "$RO2" "$RO"
api "$RO" GET /incidents
expect_error "the old token after rotation" 401 unauthenticated
api "$RO2" GET /incidents
expect_status "the new token works" 200

# --- X-Request-Id ---------------------------------------------------------------------------------
api "$AL" GET /incidents "" -H 'X-Request-Id: my-trace-123'
expect_header "X-Request-Id echoed on a 200" X-Request-Id '^my-trace-123$'
api "" GET /incidents "" -H 'X-Request-Id: my-trace-401'
expect_header "X-Request-Id echoed on a 401" X-Request-Id '^my-trace-401$'
expect_jq "X-Request-Id in the 401 body" .error.request_id my-trace-401
api "$AL" GET "/incidents/$MISSING" "" -H 'X-Request-Id: my-trace-404'
expect_jq "X-Request-Id in the 404 body" .error.request_id my-trace-404
api "$AL" GET /incidents
expect_header "a request id is generated when absent" X-Request-Id '.'
G1=$(hdr X-Request-Id)
api "$AL" GET /incidents
expect_ne "generated request ids differ" "$(hdr X-Request-Id)" "$G1"
api "" GET /incidents
expect_header "a generated request id on a 401" X-Request-Id '.'
expect_eq "the 401 body carries the generated request id" "$(j .error.request_id)" "$(hdr X-Request-Id)"
api "$AL" POST /incidents '{"title":"traced","severity":"sev4"}' -H 'X-Request-Id: create-trace-77'
expect_status "traced create" 201
RC=$(j .receipt_id)
api "$AL" GET "/receipts/$RC"
expect_status "the creator reads its receipt" 200
expect_jq "the receipt carries the request id" .request_id create-trace-77

# --- tenant.create tells a caller who may not create tenants nothing about other tenants ------
# The same 403 and decision whether the id exists, and whether partner_id names a partner, a
# customer or nothing; the refusals are receipted in the platform ledger all the same.
api "$ADMIN" POST /tenants '{"id":"ptn","name":"Partner","region":"eu","kind":"partner"}'
expect_status "create a partner tenant" 201
new_actor ptn padm '["tenant-admin"]'
PADM=$ACTOR_TOKEN
new_actor ptn presp '["responder"]'
PRESP=$ACTOR_TOKEN
refusal() { # the status, the error and its decision, without what differs per request
	printf '%s %s' "$STATUS" "$(printf '%s' "$BODY" | jq -c '.error | del(.request_id)
		| .decision |= (if type == "object" then del(.record_digest) else . end)')"
}
N=0
for who in VI AL TA PRESP; do
	tok=${!who}
	REF=""
	for body in '{"id":"beta","name":"x"}' '{"id":"nosuch-t","name":"x"}' \
		'{"id":"ptn","name":"x","kind":"partner"}' '{"name":"x","partner_id":"ptn"}' \
		'{"name":"x","partner_id":"acme"}' '{"name":"x","partner_id":"nosuch-p"}' \
		'{"id":"beta","name":"x","partner_id":"ptn"}' '{"id":"acme","name":"x","partner_id":"acme"}'; do
		N=$((N + 1))
		api "$tok" POST /tenants "$body" -H "X-Request-Id: oracle-$N"
		expect_error "$who POST /tenants $body" 403 policy_denied
		[ -n "$REF" ] || REF=$(refusal)
		expect_eq "$who POST /tenants $body answers like the others" "$(refusal)" "$REF"
	done
done
# Each refusal is a denial as before: receipted (in the platform ledger, which no API reads)
# and metered as policy.deny to the caller's tenant, in the same transaction.
api "$ADMIN" GET /tenants/ptn/usage
expect_jq "the partner responder's refusals are metered as denials" '.totals["policy.deny"]' 8
# Those allowed to create still learn why a creation cannot be.
api "$ADMIN" POST /tenants '{"name":"x","partner_id":"acme"}'
expect_error "platform admin: partner_id names a customer" 400 invalid_field
expect_jq "the error names partner_id" .error.field partner_id
api "$ADMIN" POST /tenants '{"name":"x","partner_id":"nosuch-p"}'
expect_error "platform admin: partner_id names nothing" 400 invalid_field
api "$PADM" POST /tenants '{"id":"beta","name":"x","partner_id":"ptn"}'
expect_error "partner admin: the id is taken" 409 conflict
api "$PADM" POST /tenants '{"id":"ptn-kid","name":"Kid","partner_id":"ptn"}'
expect_status "partner admin creates a child under its partner" 201
api "$PADM" POST /tenants '{"id":"ptn-kid2","name":"Kid","partner_id":"acme"}'
expect_error "partner admin under another partner_id" 403 policy_denied
api "$ADMIN" GET /tenants/beta
expect_jq "beta is untouched by the refusals" .name "beta Inc"

# --- a suspended tenant's actors get 403 on mutations ------------------------------------------
new_tenant sleepy
new_actor sleepy sam '["responder"]'
SA=$ACTOR_TOKEN
api "$ADMIN" PATCH /tenants/sleepy '{"status":"suspended"}'
expect_status "suspend a tenant" 200
expect_jq "tenant suspended" .status suspended
api "$SA" POST /incidents '{"title":"while suspended","severity":"sev3"}'
expect_error "a suspended tenant's mutation" 403 policy_denied
api "$ADMIN" POST /tenants/sleepy/actors '{"name":"helper","roles":["viewer"]}'
expect_status "the platform admin still administers a suspended tenant" 201

# --- an offboarded tenant: tokens revoked, data kept ------------------------------------------------
new_tenant gone
new_actor gone gus '["responder"]'
GU=$ACTOR_TOKEN
GUS_ID=$ACTOR_ID
new_incident "$GU" "Before offboarding" sev3
api "$ADMIN" PATCH /tenants/gone '{"status":"offboarded"}'
expect_status "offboard a tenant" 200
expect_jq "tenant offboarded" .status offboarded
api "$GU" GET /incidents
expect_error "an offboarded tenant's token" 401 unauthenticated
api "$ADMIN" GET /tenants/gone
expect_jq "the offboarded tenant is kept" .status offboarded
api "$ADMIN" PATCH /tenants/gone '{"status":"active"}'
expect_status "offboarded is final" "4[0-9][0-9]"

# Its data is read-only: no change to its configuration, by a platform or a partner admin, and
# no receipt for the attempt; evidence export and reads still work.
read_config() { # what the refused changes would have touched, one line
	local out="" path
	for path in /tenants/gone /tenants/gone/actors /tenants/gone/roles \
		/tenants/gone/policy-profile /tenants/gone/signing-keys /tenants/gone/redaction-rules; do
		api "$ADMIN" GET "$path"
		expect_status "GET $path of an offboarded tenant" 200
		out="$out $(printf '%s' "$BODY" | jq -cS .)"
	done
	printf '%s' "$out"
}
WINDOW='{"from":"2000-01-01T00:00:00.000Z","to":"2100-01-01T00:00:00.000Z"}'
api "$ADMIN" POST /tenants/gone/evidence-exports "$WINDOW"
expect_status "the platform admin exports the offboarded tenant" 201
RECEIPTS1=$(j .counts.receipts)
BEFORE=$(read_config)
minisign -G -W -p "$T/gone.pub" -s "$T/gone.key" >/dev/null 2>&1 || bad "minisign -G failed"
PUBLINE=$(sed -n 2p "$T/gone.pub")
refused() { # WHAT METHOD PATH [BODY]
	api "$ADMIN" "$2" "$3" "${4:-}"
	expect_error "$1 on an offboarded tenant" 409 conflict
	expect_jq "$1: the error says why" .error.message "tenant gone is offboarded: its data is read-only"
}
refused "create an actor" POST /tenants/gone/actors '{"name":"late","roles":["tenant-admin"]}'
refused "rotate a token" POST "/tenants/gone/actors/$GUS_ID/token"
refused "change an actor's roles" PATCH "/tenants/gone/actors/$GUS_ID" '{"roles":["tenant-admin"]}'
refused "disable an actor" PATCH "/tenants/gone/actors/$GUS_ID" '{"disabled":true}'
refused "set the role catalog" PUT /tenants/gone/roles '{"roles":{"viewer":["*"]}}'
refused "set a policy profile" POST /tenants/gone/policy-profile '{"name":"late","rules":[]}'
refused "add a signing key" POST /tenants/gone/signing-keys "$(jq -nc --arg k "$PUBLINE" '{name:"late",public_key:$k}')"
refused "set redaction rules" PUT /tenants/gone/redaction-rules '{"rules":[{"id":"late","pattern":"x+"}]}'
refused "rename the tenant" PATCH /tenants/gone '{"name":"Renamed"}'
refused "move the tenant's region" PATCH /tenants/gone '{"region":"us"}'
api "$ADMIN" PATCH /tenants/gone '{"status":"offboarded","name":"Renamed"}'
expect_status "offboarded again, with a rename" 409
expect_eq "the refused changes changed nothing" "$(read_config)" "$BEFORE"
api "$ADMIN" POST /tenants/gone/evidence-exports "$WINDOW"
expect_status "the offboarded tenant is exported again" 201
expect_jq "the refusals left no receipt (only the first export's)" .counts.receipts $((RECEIPTS1 + 1))
EXG=$(j .id)
api "$ADMIN" GET /tenants/gone/evidence-exports
expect_status "list the offboarded tenant's exports" 200
STATUS=$(curl -sS -o "$T/gone.tar" -w '%{http_code}' -H "Authorization: Bearer $ADMIN" \
	"$BASE/tenants/gone/evidence-exports/$EXG/bundle")
expect_eq "download the offboarded tenant's bundle" "$STATUS" 200
# a partner admin and its offboarded child
api "$PADM" PATCH /tenants/ptn-kid '{"status":"offboarded"}'
expect_status "the partner admin offboards its child" 200
api "$PADM" POST /tenants/ptn-kid/actors '{"name":"late","roles":["viewer"]}'
expect_error "the partner admin creates an actor in its offboarded child" 409 conflict
api "$PADM" PATCH /tenants/ptn-kid '{"name":"Renamed"}'
expect_error "the partner admin renames its offboarded child" 409 conflict
api "$PADM" GET /tenants/ptn-kid
expect_jq "the child keeps its name" .name Kid

alive "after the tenancy tests"
finish
