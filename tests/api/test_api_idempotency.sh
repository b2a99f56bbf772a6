# Idempotency-Key over HTTP: a replay answers the first response with Idempotent-Replayed: true
# and changes nothing; the same key with another body, method or route is 422
# idempotency_key_reused; keys are scoped per tenant and actor; a token in a stored answer is
# sealed, and replayed.
. "$(dirname "$0")/lib.sh"
start_server

new_tenant idem
new_actor idem ivy '["responder","auditor"]'
IV=$ACTOR_TOKEN
new_actor idem ike '["responder"]'
IK=$ACTOR_TOKEN
new_tenant idem2
new_actor idem2 ian '["responder"]'
IA=$ACTOR_TOKEN

size_now() { curl -s --max-time 10 -H "Authorization: Bearer $IV" "$BASE/ledger/checkpoint" | sed -n 2p; }
count_titled() { # TOKEN TITLE: how many incidents with that title the token's tenant lists
	curl -s --max-time 10 -H "Authorization: Bearer $1" "$BASE/incidents?limit=500" |
		jq --arg t "$2" '[.items[] | select(.title == $t)] | length'
}

# --- POST /incidents replay ---------------------------------------------------------------------
B1='{"title":"Idem one","severity":"sev2","labels":["x"]}'
api "$IV" POST /incidents "$B1" -H 'Idempotency-Key: key-create-1'
expect_status "first POST with a key" 201
FIRST=$BODY
FIRST_LOC=$(hdr Location)
ID1=$(j .id)
R1=$(hdr Idempotent-Replayed)
if [ -z "$R1" ] || [ "$R1" = false ]; then ok; else badr "the first response is not a replay: Idempotent-Replayed '$R1'"; fi
S0=$(size_now)
sleep 0.05
api "$IV" POST /incidents "$B1" -H 'Idempotency-Key: key-create-1'
expect_status "replayed POST, same status" 201
expect_header "replayed POST header" Idempotent-Replayed '^true$'
expect_eq "replayed POST, byte-identical body" "$BODY" "$FIRST"
expect_eq "replayed POST, same Location" "$(hdr Location)" "$FIRST_LOC"
api "$IV" POST /incidents "$B1" -H 'Idempotency-Key: key-create-1'
expect_header "a third replay too" Idempotent-Replayed '^true$'
expect_jq "the third replay, same id" .id "$ID1"
expect_eq "replays make no second incident" "$(count_titled "$IV" "Idem one")" 1
expect_eq "replays leave no receipt" "$(size_now)" "$S0"

api "$IV" POST /incidents '{"title":"Idem one","severity":"sev1","labels":["x"]}' -H 'Idempotency-Key: key-create-1'
expect_error "same key, different body" 422 idempotency_key_reused
api "$IV" PATCH "/incidents/$ID1" '{"title":"Idem one","severity":"sev2","labels":["x"]}' -H 'Idempotency-Key: key-create-1'
expect_error "same key, different method and route" 422 idempotency_key_reused
api "$IV" POST "/incidents/$ID1/notes" "$B1" -H 'Idempotency-Key: key-create-1'
expect_error "same key, different route" 422 idempotency_key_reused
api "$IV" GET "/incidents/$ID1"
expect_jq "422s changed nothing" .version 1
expect_eq "422s make no incident" "$(count_titled "$IV" "Idem one")" 1
expect_eq "422s leave no receipt" "$(size_now)" "$S0"

# without a key, the same body twice makes two incidents
api "$IV" POST /incidents '{"title":"No key","severity":"sev4"}'
api "$IV" POST /incidents '{"title":"No key","severity":"sev4"}'
expect_eq "without a key, two incidents" "$(count_titled "$IV" "No key")" 2

# --- scope: (tenant, actor, key) -------------------------------------------------------------------
api "$IK" POST /incidents "$B1" -H 'Idempotency-Key: key-create-1'
expect_status "another actor, same key and body: a new incident" 201
expect_ne "another actor's incident is new" "$(j .id)" "$ID1"
R=$(hdr Idempotent-Replayed)
if [ -z "$R" ] || [ "$R" = false ]; then ok; else badr "another actor's request is not a replay"; fi
api "$IA" POST /incidents "$B1" -H 'Idempotency-Key: key-create-1'
expect_status "another tenant, same key and body: a new incident" 201
expect_ne "another tenant's incident is new" "$(j .id)" "$ID1"
expect_jq "another tenant's incident is its own" .tenant_id idem2
api "$IA" GET "/incidents/$ID1"
expect_error "the key does not open the first tenant's incident" 404 not_found

# --- PATCH replay ---------------------------------------------------------------------------------
api "$IV" PATCH "/incidents/$ID1" '{"status":"triaged"}' -H 'Idempotency-Key: key-patch-1'
expect_status "PATCH with a key" 200
P1=$BODY
expect_jq "PATCH applied" .version 2
api "$IV" PATCH "/incidents/$ID1" '{"status":"triaged"}' -H 'Idempotency-Key: key-patch-1'
expect_status "replayed PATCH, same status (not a 409)" 200
expect_header "replayed PATCH header" Idempotent-Replayed '^true$'
expect_eq "replayed PATCH, same body" "$BODY" "$P1"
api "$IV" GET "/incidents/$ID1"
expect_jq "replayed PATCH applied once" .version 2
api "$IV" PATCH "/incidents/$ID1" '{"status":"resolved"}' -H 'Idempotency-Key: key-patch-1'
expect_error "same PATCH key, different body" 422 idempotency_key_reused
api "$IV" PATCH "/incidents/$ID1" '{"status":"mitigating"}' -H 'Idempotency-Key: key-patch-2'
expect_status "a new key applies" 200
expect_jq "a new key applies (version)" .version 3

# --- notes replay ---------------------------------------------------------------------------------
api "$IV" POST "/incidents/$ID1/notes" '{"text":"once only"}' -H 'Idempotency-Key: key-note-1'
expect_status "note with a key" 201
NOTE=$BODY
api "$IV" POST "/incidents/$ID1/notes" '{"text":"once only"}' -H 'Idempotency-Key: key-note-1'
expect_status "replayed note" 201
expect_header "replayed note header" Idempotent-Replayed '^true$'
expect_eq "replayed note, same event" "$(j .id)" "$(printf '%s' "$NOTE" | jq -r .id)"
api "$IV" GET "/timeline?incident_id=$ID1&limit=500"
expect_jq "one note in the timeline" '[.items[] | select(.kind == "note")] | length' 1

# --- concurrent requests with one key make one incident -----------------------------------------
PIDS=()
for i in $(seq 1 8); do
	curl -s -o "$T/cc.$i" -w '%{http_code}' --max-time 20 -X POST -H "Authorization: Bearer $IV" \
		-H 'Content-Type: application/json' -H 'Idempotency-Key: key-race-1' \
		--data-binary '{"title":"Race","severity":"sev3"}' "$BASE/incidents" >"$T/cc.$i.code" &
	PIDS+=($!)
done
wait "${PIDS[@]}"
CODES=$(cat "$T"/cc.*.code | tr -s ' ' | sort | uniq -c | tr -s ' ')
case "$CODES" in
*5??*) bad "8 concurrent POSTs with one key: a 5xx among the answers: $CODES" ;;
*) ok ;;
esac
expect_eq "8 concurrent POSTs with one key make one incident" "$(count_titled "$IV" "Race")" 1
expect_eq "every 201 of the race names the same incident" \
	"$(for i in $(seq 1 8); do [ "$(cat "$T/cc.$i.code")" = 201 ] && jq -r .id "$T/cc.$i"; done | sort -u | wc -l)" 1

# --- key edge cases ------------------------------------------------------------------------------
api "$IV" POST /incidents '{"title":"Long key","severity":"sev4"}' -H "Idempotency-Key: $(head -c 5000 /dev/zero | tr '\0' k)"
expect_no5xx "a 5000-byte Idempotency-Key"
api "$IV" POST /incidents '{"title":"Empty key","severity":"sev4"}' -H 'Idempotency-Key;'
expect_no5xx "an empty Idempotency-Key"

# --- tokens: replayed to a retry, never kept in the clear ----------------------------------------
# The store's copy of an answer that hands out a token holds it sealed (API.md: a token is
# shown once, a retry replays the first answer): the replay gives the same, working token,
# and the idempotency table holds none.
stored_responses() { # every stored idempotent answer, one a line
	if [ -n "${KX_PG_CLUSTER:-}" ]; then
		psql "$KX_PG_OWNER_URL" -XAtq -c "SET klaxon.tenant = '*'" -c 'SELECT response FROM idempotency'
	else
		sqlite3 "file:$DATA/klaxon.db?mode=ro" 'PRAGMA busy_timeout=5000; SELECT response FROM idempotency'
	fi
}
AB='{"name":"sam","roles":["responder"]}'
api "$ADMIN" POST /tenants/idem/actors "$AB" -H 'Idempotency-Key: key-actor-1'
expect_status "actor created with a key" 201
FIRST=$BODY
SAM=$(j .actor.id)
T1=$(j .token)
expect_match "the first answer has the token" "$T1" '^kxt_'
api "$ADMIN" POST /tenants/idem/actors "$AB" -H 'Idempotency-Key: key-actor-1'
expect_status "replayed actor creation" 201
expect_header "replayed actor creation header" Idempotent-Replayed '^true$'
expect_eq "replayed actor creation, byte-identical body (the same token)" "$BODY" "$FIRST"
api "$T1" GET /incidents
expect_status "the replayed token works" 200
api "$ADMIN" POST "/tenants/idem/actors/$SAM/token" '' -H 'Idempotency-Key: key-rotate-1'
expect_status "token rotated with a key" 201
T2=$(j .token)
expect_match "the rotation's answer has the token" "$T2" '^kxt_'
api "$ADMIN" POST "/tenants/idem/actors/$SAM/token" '' -H 'Idempotency-Key: key-rotate-1'
expect_status "replayed rotation" 201
expect_header "replayed rotation header" Idempotent-Replayed '^true$'
expect_jq "replayed rotation, the same token" .token "$T2"
api "$T2" GET /incidents
expect_status "the rotated token works" 200
api "$T1" GET /incidents
expect_error "the replay did not rotate again, the old token is dead" 401 unauthenticated
STORED=$(stored_responses)
expect_match "the idempotency table was read" "$STORED" '"sealed"'
for t in "$T1" "$T2"; do
	case "$STORED" in
	*"$t"*) bad "the idempotency table holds a working token in the clear" ;;
	*) ok ;;
	esac
done
case "$STORED" in
*kxt_*) bad "the idempotency table holds a token: $(printf '%s\n' "$STORED" | grep kxt_ | head -c 300)" ;;
*) ok ;;
esac

# A sealed token copied into another record of the store does not open there.
if [ -z "${KX_PG_CLUSTER:-}" ]; then
	api "$ADMIN" POST /tenants/idem/actors '{"name":"sid","roles":["viewer"]}' -H 'Idempotency-Key: key-actor-2'
	expect_status "another actor created with a key" 201
	sqlite3 "$DATA/klaxon.db" "PRAGMA busy_timeout=5000; UPDATE idempotency SET response =
		(SELECT response FROM idempotency WHERE key = 'key-actor-1') WHERE key = 'key-actor-2'" >/dev/null
	api "$ADMIN" POST /tenants/idem/actors '{"name":"sid","roles":["viewer"]}' -H 'Idempotency-Key: key-actor-2'
	expect_status "replay of a record holding another record's seal" 201
	expect_jq "another record's seal does not open" .token null
fi

alive "after the idempotency tests"
finish
