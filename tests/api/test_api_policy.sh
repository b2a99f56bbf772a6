# Tenancy and policy over HTTP (issue 6): the partner hierarchy, who may create tenants,
# suspension with deny receipts, dead tokens (rotated, disabled), forbid over a role grant,
# simulation against real decisions on a generated request set, governed exceptions and their
# acknowledgement, profile versions and receipts, validation paths, and feature flags.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 2; }

start_server

# sha256_b64 TEXT: standard base64 of SHA-256(TEXT), as receipts carry digests.
sha256_b64() { printf '%s' "$1" | python3 -c 'import sys,hashlib,base64; print(base64.b64encode(hashlib.sha256(sys.stdin.buffer.read()).digest()).decode())'; }
# j [-c] FILTER: lib.sh's j, taking jq options too.
j() { printf '%s' "$BODY" | jq -r "$@" 2>/dev/null; }

# --- partners: a partner admin runs its children and sees nobody else's -------------------------
api "$ADMIN" POST /tenants '{"id":"pa","name":"Partner A","region":"eu","kind":"partner"}'
expect_status "platform admin creates a partner" 201
expect_jq "partner kind" .kind partner
api "$ADMIN" POST /tenants '{"id":"pb","name":"Partner B","region":"us","kind":"partner"}'
expect_status "platform admin creates a second partner" 201
new_actor pa pa-admin '["tenant-admin"]'
PA=$ACTOR_TOKEN
new_actor pa pa-responder '["responder"]'
PR=$ACTOR_TOKEN
new_actor pb pb-admin '["tenant-admin"]'
PB=$ACTOR_TOKEN

api "$PA" POST /tenants '{"id":"kid1","name":"Kid One","region":"eu","partner_id":"pa"}'
expect_status "partner admin creates its child" 201
expect_jq "the child's partner" .partner_id pa
expect_jq "the child is a customer" .kind customer
api "$PB" POST /tenants '{"id":"kid2","name":"Kid Two","region":"us","partner_id":"pb"}'
expect_status "the other partner creates its child" 201
api "$PA" POST /tenants '{"id":"stray","name":"Stray","region":"eu"}'
expect_error "partner admin creates a tenant with no partner" 403 policy_denied
api "$PA" POST /tenants '{"id":"steal","name":"Steal","region":"eu","partner_id":"pb"}'
expect_error "partner admin creates a child of another partner" 403 policy_denied
api "$PA" POST /tenants '{"id":"subp","name":"Sub","region":"eu","kind":"partner","partner_id":"pa"}'
expect_status "partner admin creates a partner" "400|403"
api "$PR" POST /tenants '{"id":"kid9","name":"Kid Nine","region":"eu","partner_id":"pa"}'
expect_error "a partner's responder creates a child" 403 policy_denied

api "$PA" GET /tenants
expect_jq "partner admin lists itself and its child" '[.items[].id] | sort | join(",")' "kid1,pa"
api "$PA" GET /tenants/kid1
expect_status "partner admin reads its child" 200
api "$PA" PATCH /tenants/kid1 '{"name":"Kid One Ltd"}'
expect_status "partner admin renames its child" 200
expect_jq "renamed" .name "Kid One Ltd"
api "$PA" POST /tenants/kid1/actors '{"name":"k1-admin","roles":["tenant-admin"]}'
expect_status "partner admin creates an actor in its child" 201
K1A=$(j .token)
api "$PA" GET /tenants/kid1/actors
expect_jq "partner admin lists its child's actors" '[.items[].name] | join(",")' k1-admin
api "$PA" GET /tenants/kid1/roles
expect_status "partner admin reads its child's role catalog" 200
api "$PA" GET /tenants/kid1/policy-profile
expect_status "partner admin reads its child's profile" 200

api "$PA" GET /tenants/kid2
expect_error "partner admin reads a sibling" 404 not_found
SIB=$(j '.error | del(.request_id) | .message | gsub("kid2"; "ID")')
api "$PA" GET /tenants/nosuch
expect_eq "a sibling answers like a missing tenant" "$SIB" "$(j '.error | del(.request_id) | .message | gsub("nosuch"; "ID")')"
api "$PA" PATCH /tenants/kid2 '{"name":"Mine"}'
expect_error "partner admin renames a sibling" 404 not_found
api "$PA" POST /tenants/kid2/actors '{"name":"spy","roles":["tenant-admin"]}'
expect_error "partner admin creates an actor in a sibling" 404 not_found
api "$PA" GET /tenants/kid2/actors
expect_error "partner admin lists a sibling's actors" 404 not_found
api "$PA" GET /tenants/kid2/policy-profile
expect_error "partner admin reads a sibling's profile" 404 not_found
api "$PA" PUT /tenants/kid2/roles '{"roles":{"viewer":["*"]}}'
expect_error "partner admin sets a sibling's roles" 404 not_found
api "$PA" GET /tenants/pb
expect_error "partner admin reads the other partner" 404 not_found
api "$PR" GET /tenants/kid1
expect_error "a partner's responder reads the child" 404 not_found
api "$ADMIN" GET /tenants/kid2
expect_jq "the sibling is untouched" .name "Kid Two"

# --- a plain tenant-admin creates no tenant, not even with an override -------------------------
new_tenant solo
new_actor solo solo-admin '["tenant-admin"]'
SA=$ACTOR_TOKEN
api "$SA" POST /tenants '{"id":"mine","name":"Mine","region":"eu"}'
expect_error "a customer's tenant-admin creates a tenant" 403 policy_denied
expect_json "the denial names a tenancy rule" '.error.decision.rules | length > 0 and all(startswith("tenancy:"))'
api "$SA" POST /tenants '{"id":"mine","name":"Mine","region":"eu"}' -H 'X-Klaxon-Override: I insist'
expect_error "a tenancy denial is not overridable (tenant.create)" 403 policy_denied
api "$SA" PATCH /tenants/solo '{"name":"Renamed"}'
expect_error "a tenant-admin renames its own tenant" 403 policy_denied
api "$SA" PATCH /tenants/solo '{"name":"Renamed"}' -H 'X-Klaxon-Override: I insist'
expect_error "a tenancy denial is not overridable (tenant.update)" 403 policy_denied
api "$ADMIN" GET /tenants/mine
expect_error "no tenant was made" 404 not_found
api "$ADMIN" GET /tenants/solo
expect_jq "the tenant keeps its name" .name "solo Inc"

# --- a suspended tenant cannot mutate, leaves deny receipts, and is resumed by the platform ----
api "$PA" POST /tenants/kid1/actors '{"name":"k1-resp","roles":["responder"]}'
K1R=$(j .token)
new_incident "$K1R" "Before the suspension" sev3
K1INC=$INC
api "$PA" PATCH /tenants/kid1 '{"status":"suspended"}'
expect_status "partner admin suspends its child" 200
expect_jq "suspended" .status suspended
api "$K1R" POST /incidents '{"title":"while suspended","severity":"sev3"}' -H 'X-Request-Id: susp-create-1'
expect_error "a suspended tenant's responder creates an incident" 403 policy_denied
expect_json "the denial names the suspension" '.error.decision.rules | index("tenancy:tenant-not-active") != null'
api "$K1R" PATCH "/incidents/$K1INC" '{"status":"triaged"}' -H 'X-Request-Id: susp-update-1'
expect_error "a suspended tenant's responder updates an incident" 403 policy_denied
api "$K1A" POST /tenants/kid1/actors '{"name":"sneak","roles":["tenant-admin"]}' -H 'X-Request-Id: susp-actor-1'
expect_error "a suspended tenant's admin creates an actor" 403 policy_denied
api "$K1A" PUT /tenants/kid1/roles '{"roles":{"viewer":["*"]}}'
expect_error "a suspended tenant's admin sets roles" 403 policy_denied
api "$K1A" POST /incidents '{"title":"break out","severity":"sev3"}' -H 'X-Klaxon-Override: we are suspended but busy' -H 'X-Request-Id: susp-override-1'
expect_error "a suspension is not overridable" 403 policy_denied
api "$K1A" PATCH /tenants/kid1 '{"status":"active"}' -H 'X-Klaxon-Override: let us back in'
expect_error "a suspended tenant's admin resumes itself" 403 policy_denied
api "$K1R" GET "/incidents/$K1INC"
expect_status "a suspended tenant still reads" 200
expect_jq "the denied update changed nothing" .status declared
api "$K1A" GET "/receipts?limit=500"
expect_status "a suspended tenant reads its receipts" 200
for rid in susp-create-1 susp-update-1 susp-actor-1 susp-override-1; do
	expect_json "a deny receipt for $rid" "any(.items[]; .request_id == \"$rid\" and .decision.effect == \"deny\" and (.decision.rules | index(\"tenancy:tenant-not-active\") != null))"
done
expect_json "no receipt carries an override" 'all(.items[]; .decision.override == null)'
api "$ADMIN" PATCH /tenants/kid1 '{"status":"active"}'
expect_status "the platform admin resumes the tenant" 200
expect_jq "active again" .status active
api "$K1R" POST /incidents '{"title":"after resuming","severity":"sev3"}'
expect_status "a resumed tenant mutates again" 201

# --- dead tokens: rotated, disabled ---------------------------------------------------------------
api "$PA" POST /tenants/kid1/actors '{"name":"k1-rot","roles":["viewer"]}'
ROT=$(j .token)
ROT_ID=$(j .actor.id)
api "$ROT" GET /incidents
expect_status "a fresh token works" 200
api "$PA" POST "/tenants/kid1/actors/$ROT_ID/token"
expect_status "partner admin rotates a child's token" 201
ROT2=$(j .token)
expect_ne "the rotated token is new" "$ROT2" "$ROT"
api "$ROT" GET /incidents
expect_error "the predecessor of a rotated token" 401 unauthenticated
api "$ROT" POST /incidents '{"title":"old token","severity":"sev4"}'
expect_error "the predecessor cannot mutate" 401 unauthenticated
api "$ROT2" GET /incidents
expect_status "the rotated token works" 200
api "$ROT2" POST "/tenants/kid1/actors/$ROT_ID/token"
expect_error "a viewer cannot rotate its own token" 403 policy_denied
api "$ROT2" GET /incidents
expect_status "the refused rotation changed nothing" 200

api "$PA" PATCH "/tenants/kid1/actors/$ROT_ID" '{"disabled":true}'
expect_status "disable an actor" 200
expect_jq "disabled" .disabled true
api "$ROT2" GET /incidents
expect_error "a disabled actor reads" 401 unauthenticated
api "$ROT2" POST /incidents '{"title":"disabled","severity":"sev4"}'
expect_error "a disabled actor mutates" 401 unauthenticated
api "$PA" GET /tenants/kid1/actors
expect_json "the list shows the actor disabled" "any(.items[]; .id == \"$ROT_ID\" and .disabled == true)"
api "$PA" PATCH "/tenants/kid1/actors/$ROT_ID" '{"disabled":false}'
expect_status "enable the actor" 200
api "$ROT2" GET /incidents
expect_status "an enabled actor's token works again" 200
api "$PA" PATCH "/tenants/kid1/actors/$ROT_ID" '{"disabled":"yes"}'
expect_error "disabled must be a boolean" 400 invalid_field
expect_jq "the bad field is named" .error.field disabled

# --- a forbid rule overrides a role grant, and the denial names it -------------------------------
new_tenant pol
new_actor pol pol-admin '["tenant-admin"]'
POA=$ACTOR_TOKEN
POA_ID=$ACTOR_ID
new_actor pol pol-resp '["responder"]'
POR=$ACTOR_TOKEN
new_actor pol pol-aud '["auditor"]'
POU=$ACTOR_TOKEN
api "$POA" GET /tenants/pol/policy-profile
expect_jq "a new tenant's profile is version 1" .version 1
V1_DIGEST=$(j .digest)
PROFILE='{"name":"guarded","rules":[
 {"id":"no-sev1-create","effect":"forbid","actions":["incident.create"],"when":{"resource.severity":{"eq":"sev1"}}},
 {"id":"us-frozen","effect":"forbid","actions":["incident.create"],"when":{"resource.region":{"eq":"us"}},"overridable":false}]}'
api "$POA" POST /tenants/pol/policy-profile "$PROFILE"
expect_status "upload a profile" 201
expect_jq "the profile is version 2" .version 2
expect_json "the answer carries a digest" '.digest | test("^[A-Za-z0-9+/]{43}=$")'
V2_DIGEST=$(j .digest)
api "$POR" POST /incidents '{"title":"sev2 is fine","severity":"sev2","region":"eu"}'
expect_status "the responder's role grants incident.create" 201
api "$POR" POST /incidents '{"title":"sev1 is not","severity":"sev1","region":"eu"}' -H 'X-Request-Id: forbid-1'
expect_error "a forbid rule overrides the role grant" 403 policy_denied
expect_jq "the denial names the rule" '.error.decision.rules | join(",")' no-sev1-create
expect_jq "the denial names the profile version" .error.decision.profile_version 2
expect_jq "the denial names the profile" .error.decision.profile guarded
api "$POU" GET "/receipts?action=incident.create&limit=500"
expect_json "the deny receipt names the rule" 'any(.items[]; .request_id == "forbid-1" and .decision.effect == "deny" and .decision.rules == ["no-sev1-create"] and .decision.profile_version == 2)'

# --- profile versions are kept and retrievable; changes leave receipts --------------------------
api "$POA" GET /tenants/pol/policy-profile
expect_jq "the current profile" '[.name, .version, .digest] | join(" ")' "guarded 2 $V2_DIGEST"
api "$POA" GET /tenants/pol/policy-profile/versions/1
expect_jq "version 1 is kept" '[.name, .version, .digest, (.rules | length)] | join(" ")' "default 1 $V1_DIGEST 0"
api "$POA" GET /tenants/pol/policy-profile/versions/2
expect_jq "version 2 is kept" '[.name, .version, (.rules | length)] | join(" ")' "guarded 2 2"
api "$POA" GET /tenants/pol/policy-profile/versions/3
expect_error "a version not yet made" 404 not_found
api "$POA" GET /tenants/pol/policy-profile/versions/zero
expect_error "a version that is not a number" 404 not_found
api "$POR" POST /tenants/pol/policy-profile '{"name":"mine","rules":[]}' -H 'X-Request-Id: prof-denied-1'
expect_error "a responder uploads a profile" 403 policy_denied
api "$POR" PUT /tenants/pol/roles '{"roles":{"responder":["*"]}}' -H 'X-Request-Id: roles-denied-1'
expect_error "a responder sets the catalog" 403 policy_denied
api "$POU" GET "/receipts?action=policy_profile.set&limit=500"
expect_json "the profile change left an allow receipt" "any(.items[]; .decision.effect == \"allow\" and .actor == \"$POA_ID\" and .resource == \"pol\")"
expect_json "the refused profile change left a deny receipt" 'any(.items[]; .request_id == "prof-denied-1" and .decision.effect == "deny")'
api "$POU" GET "/receipts?action=roles.set&limit=500"
expect_json "the refused catalog change left a deny receipt" 'any(.items[]; .request_id == "roles-denied-1" and .decision.effect == "deny")'
CATALOG=$(api "$POA" GET /tenants/pol/roles; printf '%s' "$BODY" | jq -c '{roles: (.roles + {"breakglass": ["incident.*", "policy.override", "*.get", "*.list"]})}')
api "$POA" PUT /tenants/pol/roles "$CATALOG" -H 'X-Request-Id: roles-set-1'
expect_status "the admin extends the catalog" 200
expect_jq "the catalog is version 2" .version 2
api "$POA" GET /tenants/pol/roles
expect_json "the catalog shows the new role" '.roles.breakglass | index("policy.override") != null'
api "$POU" GET "/receipts?action=roles.set&limit=500"
expect_json "the catalog change left an allow receipt" 'any(.items[]; .request_id == "roles-set-1" and .decision.effect == "allow")'

# --- validation errors name the JSON path -------------------------------------------------------
bad_profile() { # WHAT BODY FIELD
	api "$POA" POST /tenants/pol/policy-profile "$2"
	expect_error "$1" 400 invalid_field
	expect_jq "$1 names the path" .error.field "$3"
}
bad_profile "an unknown operator" '{"name":"x","rules":[{"id":"a","effect":"forbid","actions":["incident.create"]},{"id":"b","effect":"forbid","actions":["incident.create"],"when":{"resource.severity":{"like":"sev1"}}}]}' 'rules[1].when.resource.severity.like'
bad_profile "an unknown attribute root" '{"name":"x","rules":[{"id":"a","effect":"forbid","actions":["incident.create"],"when":{"request.ip":{"eq":"1"}}}]}' 'rules[0].when.request.ip'
bad_profile "a bad effect" '{"name":"x","rules":[{"id":"a","effect":"maybe","actions":["incident.create"]}]}' 'rules[0].effect'
bad_profile "an overridable permit" '{"name":"x","rules":[{"id":"a","effect":"permit","actions":["incident.create"],"overridable":false}]}' 'rules[0].overridable'
bad_profile "a mistyped member" '{"name":"x","rules":[{"id":"a","effect":"permit","actions":["incident.create"],"whn":{}}]}' 'rules[0].whn'
api "$POA" PUT /tenants/pol/roles '{"roles":{"viewer":["*.get","incident..x"]}}'
expect_error "a bad action pattern" 400 invalid_field
expect_match "the catalog error names the role" "$(j .error.field)" '^roles\.viewer'
api "$POA" GET /tenants/pol/policy-profile
expect_jq "refused uploads made no version" .version 2
api "$POU" GET "/receipts?action=policy_profile.set&limit=500"
expect_jq "validation failures leave no receipt" '[.items[] | select(.decision.effect == "allow")] | length' 1

# --- governed exceptions ----------------------------------------------------------------------
new_actor pol pol-brk '["breakglass"]'
BRK=$ACTOR_TOKEN
BRK_ID=$ACTOR_ID
api "$POR" POST /incidents '{"title":"needs sev1","severity":"sev1","region":"eu"}' -H 'X-Klaxon-Override: the site is down'
expect_error "an override without policy.override" 403 policy_denied
api "$BRK" POST /incidents '{"title":"needs sev1","severity":"sev1","region":"eu"}' -H 'X-Klaxon-Override;'
expect_status "an override without a justification" "400|403"
api "$BRK" POST /incidents '{"title":"needs sev1","severity":"sev1","region":"eu"}'
expect_error "the breakglass role without the header is denied" 403 policy_denied
JUST="checkout is down for every EU customer, paging sev1"
api "$BRK" POST /incidents '{"title":"needs sev1","severity":"sev1","region":"eu"}' -H "X-Klaxon-Override: $JUST"
expect_status "an override with permission and justification" 201
OV_RC=$(j .receipt_id)
OV_INC=$(j .id)
api "$POU" GET "/receipts/$OV_RC"
expect_status "the override's receipt" 200
expect_jq "the receipt allows" .decision.effect allow
expect_jq "the receipt's override names the rule" '.decision.override.rules | join(",")' no-sev1-create
expect_jq "the receipt carries the justification's digest" .decision.override.justification_digest "$(sha256_b64 "$JUST")"
expect_json "the receipt carries no justification text" "[.. | strings | select(contains(\"checkout is down\"))] | length == 0"
api "$POA" POST /incidents '{"title":"us is frozen","severity":"sev3","region":"us"}' -H 'X-Klaxon-Override: admin knows best'
expect_error "a non-overridable rule refuses the override" 403 policy_denied
expect_jq "the refusal names the rule" '.error.decision.rules | join(",")' us-frozen
expect_match "the refusal says it is not overridable" "$(j .error.message)" 'not overridable'
api "$POA" POST /incidents '{"title":"both","severity":"sev1","region":"us"}' -H 'X-Klaxon-Override: admin knows best'
expect_error "one non-overridable rule among several refuses the override" 403 policy_denied
expect_jq "both rules named" '.error.decision.rules | sort | join(",")' "no-sev1-create,us-frozen"
api "$POA" POST /incidents '{"title":"admin sev1","severity":"sev1","region":"eu"}' -H 'X-Klaxon-Override: second one'
expect_status "a tenant-admin's * includes policy.override" 201
OV2_RC=$(j .receipt_id)

api "$POR" GET /tenants/pol/exceptions
expect_status "exceptions are listed" 200
expect_jq "both exceptions are open" '[.items[].receipt_id] | sort | join(",")' "$(printf '%s\n' "$OV_RC" "$OV2_RC" | sort | paste -sd,)"
expect_json "an exception names its actor, action and rules" "any(.items[]; .receipt_id == \"$OV_RC\" and .actor == \"$BRK_ID\" and .action == \"incident.create\" and .resource == \"$OV_INC\" and .rules == [\"no-sev1-create\"])"
api "$POR" POST "/tenants/pol/exceptions/$OV_RC:acknowledge"
expect_error "a responder cannot acknowledge" 403 policy_denied
api "$POA" POST "/tenants/pol/exceptions/$OV_RC:acknowledge" "" -H 'X-Request-Id: ack-1'
expect_status "the admin acknowledges" 200
expect_jq "the acknowledgement names the admin" .acknowledged_by "$POA_ID"
api "$POA" GET /tenants/pol/exceptions
expect_jq "the acknowledged one is no longer listed" '[.items[].receipt_id] | join(",")' "$OV2_RC"
api "$POA" GET '/tenants/pol/exceptions?all=true'
expect_json "all=true lists it, acknowledged" "any(.items[]; .receipt_id == \"$OV_RC\" and .acknowledged_by == \"$POA_ID\")"
api "$POA" POST "/tenants/pol/exceptions/$OV_RC:acknowledge"
expect_error "acknowledging twice" 404 not_found
api "$POA" POST "/tenants/pol/exceptions/rcp_00000000000000000000000000:acknowledge"
expect_error "acknowledging a missing exception" 404 not_found
api "$PA" GET /tenants/pol/exceptions
expect_error "another tenant's exceptions" 404 not_found
api "$POU" GET "/receipts?action=exception.acknowledge&limit=500"
expect_json "the acknowledgement left a receipt" 'any(.items[]; .request_id == "ack-1" and .decision.effect == "allow")'
api "$POA" POST "/tenants/pol/exceptions/$OV2_RC:acknowledge"
api "$POA" GET /tenants/pol/exceptions
expect_jq "no exception left open" '.items | length' 0

# --- simulation agrees with real decisions on a generated request set ----------------------------
# Fixture incidents for every severity x region are made under the default profile, then a
# profile with conditions over resource, subject and context attributes is put in force.
new_tenant sim
new_actor sim sim-admin '["tenant-admin"]'
SIMA=$ACTOR_TOKEN
declare -A FIX
for sev in sev1 sev2 sev3; do
	for reg in eu us apac; do
		new_incident "$SIMA" "fixture $sev $reg" "$sev" "{\"region\":\"$reg\"}"
		FIX[$sev.$reg]=$INC
	done
done
SIM_PROFILE='{"name":"sim","rules":[
 {"id":"no-sev1-create","effect":"forbid","actions":["incident.create"],"when":{"resource.severity":{"eq":"sev1"}}},
 {"id":"no-apac","effect":"forbid","actions":["incident.*"],"when":{"resource.region":{"eq":"apac"}}},
 {"id":"approvers-note-eu","effect":"permit","actions":["incident.note"],"when":{"resource.region":{"eq":"eu"},"subject.roles":{"contains":"approver"}}},
 {"id":"viewers-no-sev1","effect":"forbid","actions":["incident.get"],"when":{"resource.severity":{"eq":"sev1"},"subject.roles":{"contains":"viewer"}}},
 {"id":"no-desc-sev2","effect":"forbid","actions":["incident.update"],"when":{"resource.severity":{"eq":"sev2"},"context.change.description":{"exists":true}}},
 {"id":"us-needs-commander","effect":"forbid","actions":["incident.update"],"when":{"resource.region":{"in":["us"]},"subject.roles":{"contains":"responder"}}},
 {"id":"no-notes-by-actor-4","effect":"forbid","actions":["incident.note"],"when":{"subject.name":{"eq":"sim-actor-4"}}},
 {"id":"commanders-keep-sev3","effect":"forbid","actions":["incident.*"],"when":{"context.action":{"in":["incident.update","incident.note"]},"resource.severity":{"eq":"sev3"},"subject.roles":{"contains":"commander"}}}]}'
api "$SIMA" POST /tenants/sim/policy-profile "$SIM_PROFILE"
expect_status "the simulation profile" 201
ROLESETS=('["viewer"]' '["responder"]' '["commander"]' '["approver"]' '["auditor"]' '["viewer","approver"]')
declare -a SIM_TOK SIM_ID
for i in "${!ROLESETS[@]}"; do
	new_actor sim "sim-actor-$i" "${ROLESETS[$i]}"
	SIM_TOK[$i]=$ACTOR_TOKEN
	SIM_ID[$i]=$ACTOR_ID
done

AGREE=0
DISAGREE=0
ALLOWS=0
DENIES=0
# compare WHAT SIM-BODY: simulate SIM-BODY, compare with the last real answer in $STATUS/$BODY.
compare() {
	local real_status=$STATUS real_body=$BODY real_effect real_rules
	case "$real_status" in
	2??) real_effect=allow ;;
	403) real_effect=deny ;;
	*) bad "$1: the real request answered $real_status: $(printf '%s' "$real_body" | head -c 200)"; return ;;
	esac
	real_rules=$(printf '%s' "$real_body" | jq -c '[.error.decision.rules // [] | .[]] | sort')
	api "$SIMA" POST /tenants/sim/policy:simulate "$2"
	if [ "$STATUS" != 200 ]; then
		badr "$1: simulate answered $STATUS"
		return
	fi
	local sim_effect sim_rules
	sim_effect=$(j .effect)
	sim_rules=$(j -c '.rules | sort')
	[ "$real_effect" = allow ] && ALLOWS=$((ALLOWS + 1)) || DENIES=$((DENIES + 1))
	if [ "$sim_effect" = "$real_effect" ] && { [ "$real_effect" = allow ] || [ "$sim_rules" = "$real_rules" ]; }; then
		AGREE=$((AGREE + 1))
	else
		DISAGREE=$((DISAGREE + 1))
		bad "$1: simulate says $sim_effect $sim_rules, the real request $real_effect $real_rules"
	fi
}
n=0
for i in "${!ROLESETS[@]}"; do
	tok=${SIM_TOK[$i]}
	subj=$(jq -nc --arg a "${SIM_ID[$i]}" '{actor: $a}')
	[ $((i % 2)) -eq 1 ] && subj=$(jq -nc --argjson r "${ROLESETS[$i]}" --arg a "${SIM_ID[$i]}" --arg n "sim-actor-$i" '{id: $a, name: $n, roles: $r}')
	for sev in sev1 sev2 sev3; do
		for reg in eu us apac; do
			res=$(jq -nc --arg s "$sev" --arg r "$reg" '{severity: $s, region: $r}')
			api "$tok" POST /incidents "{\"title\":\"gen $n\",\"severity\":\"$sev\",\"region\":\"$reg\"}"
			compare "incident.create by ${ROLESETS[$i]} on $sev/$reg" \
				"{\"subject\":$subj,\"action\":\"incident.create\",\"resource\":$res}"
			id=${FIX[$sev.$reg]}
			api "$tok" GET "/incidents/$id"
			compare "incident.get by ${ROLESETS[$i]} on $sev/$reg" \
				"{\"subject\":$subj,\"action\":\"incident.get\",\"resource\":$res}"
			api "$tok" POST "/incidents/$id/notes" "{\"text\":\"note $n\"}"
			compare "incident.note by ${ROLESETS[$i]} on $sev/$reg" \
				"{\"subject\":$subj,\"action\":\"incident.note\",\"resource\":$res}"
			api "$tok" PATCH "/incidents/$id" "{\"description\":\"desc $n\"}"
			compare "incident.update by ${ROLESETS[$i]} on $sev/$reg" \
				"{\"subject\":$subj,\"action\":\"incident.update\",\"resource\":$res,\"context\":{\"change\":{\"description\":\"desc $n\"}}}"
			n=$((n + 1))
		done
	done
done
expect_eq "simulate agrees with every real decision ($AGREE of $((AGREE + DISAGREE)))" "$DISAGREE" 0
expect_eq "the generated set is large" "$([ $((AGREE + DISAGREE)) -ge 200 ] && echo yes)" yes
expect_eq "the generated set has both effects" "$([ "$ALLOWS" -ge 20 ] && [ "$DENIES" -ge 20 ] && echo yes)" yes

api "$SIMA" POST /tenants/sim/policy:simulate '{"subject":{"roles":["responder"]},"action":"incident.create","resource":{"severity":"sev1","region":"apac"}}'
expect_jq "simulate names every deciding rule" '.rules | sort | join(",")' "no-apac,no-sev1-create"
expect_json "simulate explains the conditions that denied" '.explanation | any(test("resource.severity eq \"sev1\" held")) and any(test("resource.region eq \"apac\" held"))'
expect_jq "simulate says it is overridable" .overridable true
expect_jq "simulate names the profile version" .profile_version 2
api "$SIMA" GET "/receipts?action=policy.simulate&limit=10"
expect_jq "simulate leaves no receipt" '.items | length' 0
api "$SIMA" POST /tenants/sim/policy:simulate '{"action":"incident.*"}'
expect_error "simulate needs an action name" 400 invalid_field
api "$SIMA" POST /tenants/sim/policy:simulate '{"action":"incident.get","resource":[1]}'
expect_error "simulate's resource is an object" 400 invalid_field
expect_jq "the bad field is named" .error.field resource
api "$POR" POST /tenants/pol/policy:simulate '{"action":"incident.get"}'
expect_error "a responder may not simulate" 403 policy_denied
api "$POU" POST /tenants/pol/policy:simulate '{"subject":{"actor":"pol-resp"},"action":"incident.create","resource":{"severity":"sev1","region":"eu"}}'
expect_status "an auditor simulates" 200
expect_jq "an actor named as the subject brings its roles" '[.effect, (.rules | join(","))] | join(" ")' "deny no-sev1-create"
api "$SA" POST /tenants/pol/policy:simulate '{"action":"incident.get"}'
expect_error "simulate in another tenant" 404 not_found

# --- feature flags: a switched-off feature answers 404 feature_disabled --------------------------
stop_server
cat >"$DATA/klaxond.conf" <<'CONF'
[features]
runbooks = off
[tenant.pol]
tenants = off
CONF
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
"$KLAXOND" serve --data "$DATA" --listen "127.0.0.1:$PORT" "${SERVE_ARGS[@]}" >>"$T/server.log" 2>&1 &
SERVER_PID=$!
for i in $(seq 1 150); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ] && break
	sleep 0.1
done
api "$POA" GET /tenants/pol/policy-profile
expect_error "tenants off for pol: the profile" 404 feature_disabled
api "$POA" POST /tenants/pol/policy:simulate '{"action":"incident.get"}'
expect_error "tenants off for pol: simulate" 404 feature_disabled
api "$POA" GET /tenants/pol/exceptions
expect_error "tenants off for pol: exceptions" 404 feature_disabled
api "$POA" POST /tenants/pol/actors '{"name":"late","roles":["viewer"]}'
expect_error "tenants off for pol: actor.create" 404 feature_disabled
api "$POR" GET /incidents
expect_status "tenants off leaves pol's incidents on" 200
api "$SIMA" GET /tenants/sim/policy-profile
expect_status "another tenant keeps the feature" 200
api "$SIMA" GET /runbooks
expect_error "runbooks off for everyone" 404 feature_disabled
api "$ADMIN" GET /tenants/pol
expect_status "the platform admin keeps the tenants feature" 200

alive "after the policy tests"
finish
