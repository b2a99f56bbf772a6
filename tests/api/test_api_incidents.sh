# Incidents over HTTP: create (shape, Location, validation), the status machine, If-Match,
# versions and receipts, lists with filters and cursor pagination, timeline, notes.
. "$(dirname "$0")/lib.sh"
start_server

new_tenant acme
new_actor acme alice '["responder"]'
AL=$ACTOR_TOKEN
AL_ID=$ACTOR_ID

# --- create: status, Location, every field of the Incident shape -------------------------------
api "$AL" POST /incidents '{"title":"Checkout 500s","severity":"sev2","description":"p99 high","region":"eu","labels":["payments","prod"]}'
expect_status "POST /incidents" 201
A=$(j .id)
A_JSON=$BODY
expect_header "Location of the new incident" Location "/incidents/$A\$"
expect_header "Content-Type of a JSON answer" Content-Type '^application/json'
for f in id tenant_id title description severity status commander region labels created_at \
	updated_at resolved_at version receipt_id; do
	expect_json "incident has field $f" "has(\"$f\")"
done
expect_jq "tenant_id" .tenant_id acme
expect_jq "title" .title "Checkout 500s"
expect_jq "description" .description "p99 high"
expect_jq "severity" .severity sev2
expect_jq "status at creation" .status declared
expect_jq "region" .region eu
expect_jq "labels" '.labels | join(",")' "payments,prod"
expect_jq "version at creation" .version 1
expect_jq "resolved_at at creation" .resolved_at null
expect_json "commander is an actor id or null" '.commander == null or (.commander | type == "string")'
expect_json "id is a non-empty string" '.id | type == "string" and length > 0'
expect_json "receipt_id is a non-empty string" '.receipt_id | type == "string" and length > 0'
expect_json "created_at format" ".created_at | test(\"$TS_RE\")"
expect_json "updated_at format" ".updated_at | test(\"$TS_RE\")"
A_RCPT=$(j .receipt_id)
A_UPDATED=$(j .updated_at)

api "$AL" GET "/incidents/$A"
expect_status "GET /incidents/{id}" 200
expect_eq "GET returns what POST returned" "$(printf '%s' "$BODY" | jq -S -c .)" "$(printf '%s' "$A_JSON" | jq -S -c .)"

# the Location header is a working path (relative or absolute)
api "$AL" POST /incidents '{"title":"Loc check","severity":"sev4"}'
LOC=$(hdr Location)
LOC_ID=$(j .id)
LOC_PATH=$(printf '%s' "$LOC" | sed -E 's#^https?://[^/]+##')
api "$AL" GET "$LOC_PATH"
expect_jq "GET Location answers the incident" .id "$LOC_ID"

# minimal body: optional fields get defaults
api "$AL" POST /incidents '{"title":"Minimal","severity":"sev4"}'
expect_status "POST /incidents minimal" 201
expect_json "labels default to an array" '.labels | type == "array"'
expect_jq "minimal: status" .status declared

# commander is an actor id
api "$AL" POST /incidents "$(jq -nc --arg c "$AL_ID" '{title:"With commander",severity:"sev3",commander:$c}')"
expect_status "POST /incidents with commander" 201
expect_jq "commander kept" .commander "$AL_ID"

# --- create validation ----------------------------------------------------------------------------
api "$AL" POST /incidents '{"severity":"sev2"}'
expect_error "missing title" 400 invalid_field
expect_match "missing title names the field" "$(j '.error.field // empty')" "title"
api "$AL" POST /incidents '{"title":"","severity":"sev2"}'
expect_error "empty title" 400 invalid_field
api "$AL" POST /incidents "$(jq -nc --arg t "$(printf 'x%.0s' $(seq 1 201))" '{title:$t,severity:"sev2"}')"
expect_error "title of 201 chars" 400 invalid_field
api "$AL" POST /incidents "$(jq -nc --arg t "$(printf 'y%.0s' $(seq 1 200))" '{title:$t,severity:"sev2"}')"
expect_status "title of 200 chars is fine" 201
api "$AL" POST /incidents "$(jq -nc --arg t "$(printf 'é%.0s' $(seq 1 200))" '{title:$t,severity:"sev2"}')"
expect_status "title of 200 non-ASCII chars (400 bytes) is fine" 201
api "$AL" POST /incidents '{"title":"No severity"}'
expect_error "missing severity" 400 invalid_field
expect_match "missing severity names the field" "$(j '.error.field // empty')" "severity"
api "$AL" POST /incidents '{"title":"Bad severity","severity":"sev9"}'
expect_error "severity sev9" 400 invalid_field
expect_match "bad severity names the field" "$(j '.error.field // empty')" "severity"
api "$AL" POST /incidents '{"title":"Bad severity","severity":"sev0"}'
expect_error "severity sev0" 400 invalid_field
api "$AL" POST /incidents '{"title":42,"severity":"sev2"}'
expect_error "title of the wrong type" 400 invalid_field
api "$AL" POST /incidents '{"title":"Bad labels","severity":"sev2","labels":"prod"}'
expect_error "labels not an array" 400 invalid_field
expect_match "bad labels names the field" "$(j '.error.field // empty')" "labels"
api "$AL" POST /incidents '{"title":"Bad labels","severity":"sev2","labels":["ok",7]}'
expect_error "labels with a number" 400 invalid_field

# --- PATCH: the status machine -----------------------------------------------------------------
patch_status() { # ID STATUS
	api "$AL" PATCH "/incidents/$1" "{\"status\":\"$2\"}"
}
patch_status "$A" mitigating
expect_error "declared -> mitigating" 409 invalid_transition
patch_status "$A" closed
expect_error "declared -> closed" 409 invalid_transition
api "$AL" GET "/incidents/$A"
expect_jq "refused transitions change nothing (version)" .version 1
expect_jq "refused transitions change nothing (status)" .status declared

patch_status "$A" triaged
expect_status "declared -> triaged" 200
expect_jq "status triaged" .status triaged
expect_jq "version 2 after a change" .version 2
expect_json "updated_at format after PATCH" ".updated_at | test(\"$TS_RE\")"
expect_ne "receipt_id changes with each change" "$(j .receipt_id)" "$A_RCPT"
expect_json "updated_at does not go back" ".updated_at >= \"$A_UPDATED\""
patch_status "$A" declared
expect_error "triaged -> declared" 409 invalid_transition
patch_status "$A" closed
expect_error "triaged -> closed" 409 invalid_transition
patch_status "$A" mitigating
expect_status "triaged -> mitigating" 200
expect_jq "version 3" .version 3
patch_status "$A" triaged
expect_error "mitigating -> triaged" 409 invalid_transition
patch_status "$A" resolved
expect_status "mitigating -> resolved" 200
expect_json "resolved_at set when resolved" ".resolved_at | type == \"string\" and test(\"$TS_RE\")"
patch_status "$A" mitigating
expect_status "resolved -> mitigating (reopen)" 200
patch_status "$A" resolved
expect_status "mitigating -> resolved again" 200
patch_status "$A" closed
expect_status "resolved -> closed" 200
expect_jq "status closed" .status closed
V_CLOSED=$(j .version)
expect_eq "versions counted every change" "$V_CLOSED" 7
for s in declared triaged mitigating resolved; do
	patch_status "$A" "$s"
	expect_error "closed -> $s" 409 invalid_transition
done
patch_status "$A" bogus
expect_status "unknown status value" "400|409"

new_incident "$AL" "Direct resolve" sev3
B=$INC
patch_status "$B" resolved
expect_status "declared -> resolved" 200
new_incident "$AL" "Triaged resolve" sev3
C=$INC
patch_status "$C" triaged
patch_status "$C" resolved
expect_status "triaged -> resolved" 200

# other fields; a PATCH that changes severity, title, labels
new_incident "$AL" "Fields" sev3
F=$INC
api "$AL" PATCH "/incidents/$F" '{"severity":"sev1","title":"Fields renamed","labels":["a","b"],"description":"more"}'
expect_status "PATCH severity/title/labels/description" 200
expect_jq "severity updated" .severity sev1
expect_jq "title updated" .title "Fields renamed"
expect_jq "labels updated" '.labels | join(",")' "a,b"
expect_jq "description updated" .description "more"
expect_jq "one PATCH, one version" .version 2
api "$AL" PATCH "/incidents/$F" '{"severity":"sev7"}'
expect_error "PATCH bad severity" 400 invalid_field
api "$AL" PATCH "/incidents/$F" '{"title":""}'
expect_error "PATCH empty title" 400 invalid_field
# null is no value for a field every incident has (a null status once crashed the server)
for f in status severity title description labels note; do
	api "$AL" PATCH "/incidents/$F" "{\"$f\":null}"
	expect_error "PATCH $f null" 400 invalid_field
	expect_jq "PATCH $f null names the field" .error.field "$f"
done
api "$AL" GET "/incidents/$F"
expect_jq "refused PATCHes change nothing" .version 2
# the commander may be named by actor name; the incident keeps the actor's id, and null
# clears it
new_incident "$AL" "Commanded"
api "$AL" PATCH "/incidents/$INC" '{"commander":"alice"}'
expect_status "PATCH commander by name" 200
expect_jq "commander by name is kept as the id" .commander "$AL_ID"
api "$AL" PATCH "/incidents/$INC" '{"commander":null}'
expect_status "PATCH commander null" 200
expect_jq "commander null clears it" .commander null
api "$AL" POST /incidents '{"title":"Named commander","severity":"sev3","commander":"alice"}'
expect_jq "POST commander by name is kept as the id" .commander "$AL_ID"

# --- If-Match ------------------------------------------------------------------------------------
api "$AL" PATCH "/incidents/$F" '{"status":"triaged"}' -H 'If-Match: "1"'
expect_error "If-Match \"1\" on version 2" 412 version_mismatch
api "$AL" PATCH "/incidents/$F" '{"status":"triaged"}' -H 'If-Match: "99"'
expect_error "If-Match \"99\" on version 2" 412 version_mismatch
api "$AL" GET "/incidents/$F"
expect_jq "412 changes nothing" .status declared
api "$AL" PATCH "/incidents/$F" '{"status":"triaged"}' -H 'If-Match: "2"'
expect_status "If-Match \"2\" on version 2" 200
expect_jq "If-Match match applies" .version 3

# --- missing ids ----------------------------------------------------------------------------------
api "$AL" GET /incidents/inc_00000000000000000000000000
expect_error "GET a missing incident" 404 not_found
api "$AL" PATCH /incidents/inc_00000000000000000000000000 '{"status":"triaged"}'
expect_error "PATCH a missing incident" 404 not_found
api "$AL" POST /incidents/inc_00000000000000000000000000/notes '{"text":"hello"}'
expect_error "note on a missing incident" 404 not_found

# --- notes ---------------------------------------------------------------------------------------
new_incident "$AL" "Noted" sev2
N=$INC
api "$AL" POST "/incidents/$N/notes" '{"text":"looking at the DB"}'
expect_status "POST notes" 201
for f in id incident_id at kind actor data receipt_id; do
	expect_json "note event has field $f" "has(\"$f\")"
done
expect_jq "note kind" .kind note
expect_jq "note incident_id" .incident_id "$N"
expect_json "note at format" ".at | test(\"$TS_RE\")"
expect_json "note data is an object" '.data | type == "object"'
expect_json "note text is in data" 'any(.data[]; . == "looking at the DB")'
NOTE_ID=$(j .id)
api "$AL" GET "/incidents/$N"
expect_jq "a note does not change the version" .version 1
api "$AL" PATCH "/incidents/$N" '{"note":"only a note"}'
expect_status "PATCH carrying only note" 200
expect_jq "a PATCH with only note does not change the version" .version 1
api "$AL" POST "/incidents/$N/notes" '{"text":""}'
expect_error "empty note text" 400 invalid_field
api "$AL" POST "/incidents/$N/notes" '{}'
expect_error "note without text" 400 invalid_field

# --- timeline ------------------------------------------------------------------------------------
api "$AL" PATCH "/incidents/$N" '{"status":"triaged","note":"on it"}'
expect_status "PATCH status + note" 200
expect_jq "status + note: one version" .version 2
api "$AL" GET "/timeline?incident_id=$N"
expect_status "GET /timeline" 200
expect_json "timeline shape {items,next_cursor}" 'has("items") and has("next_cursor") and (.items | type == "array")'
expect_jq "timeline starts with declared" '.items[0].kind' declared
expect_jq "timeline second event is the note" '.items[1].id' "$NOTE_ID"
expect_json "timeline has a status_changed" 'any(.items[]; .kind == "status_changed")'
expect_json "timeline oldest first" '[.items[].at] as $a | $a == ($a | sort)'
expect_json "timeline events all belong to the incident" "all(.items[]; .incident_id == \"$N\")"
expect_json "timeline events carry receipt ids" 'all(.items[]; .receipt_id | type == "string")'
expect_json "timeline events name the acting actor" "all(.items[]; .actor == \"$AL_ID\" or (.actor | type == \"object\" and .id == \"$AL_ID\"))"
expect_json "timeline event ats have the time format" "all(.items[]; .at | test(\"$TS_RE\"))"
expect_json "timeline: the notes of POST …/notes and of the note-only PATCH" '[.items[] | select(.kind == "note")] | length >= 2'
TL_N=$(j '.items | length')
api "$AL" GET "/timeline?incident_id=$N&limit=1"
expect_jq "timeline limit=1" '.items | length' 1
expect_json "timeline limit=1 has a next_cursor" '.next_cursor | type == "string"'
TC=$(j .next_cursor)
api "$AL" GET "/timeline?incident_id=$N&limit=1&cursor=$(jq -rn --arg c "$TC" '$c|@uri')"
expect_jq "timeline page 2 is the note" '.items[0].id' "$NOTE_ID"
api "$AL" GET "/timeline?incident_id=$N&limit=500"
expect_jq "timeline limit=500 has every event" '.items | length' "$TL_N"

# --- lists ---------------------------------------------------------------------------------------
new_tenant listco
new_actor listco lister '["responder"]'
LT=$ACTOR_TOKEN
IDS=()
for i in 1 2 3 4 5 6 7; do
	sev=sev$(((i % 4) + 1))
	new_incident "$LT" "List item $i zebra$i" "$sev"
	IDS+=("$INC")
	sleep 0.01
done
# IDS[0]=sev2 1, [1]=sev3, [2]=sev4, [3]=sev1, [4]=sev2, [5]=sev3, [6]=sev4
api "$LT" PATCH "/incidents/${IDS[1]}" '{"status":"triaged"}'
api "$LT" PATCH "/incidents/${IDS[2]}" '{"status":"resolved"}'
api "$LT" PATCH "/incidents/${IDS[5]}" '{"status":"triaged"}'
NEWEST_FIRST=$(printf '%s\n' "${IDS[@]}" | tac | paste -sd, -)

api "$LT" GET /incidents
expect_status "GET /incidents" 200
expect_json "list shape {items,next_cursor}" 'has("items") and has("next_cursor") and (.items | type == "array")'
expect_jq "list newest first, all of the tenant's" '[.items[].id] | join(",")' "$NEWEST_FIRST"
expect_jq "list: no more pages" .next_cursor null
expect_json "list items are incidents" 'all(.items[]; has("id") and has("status") and has("version") and has("tenant_id"))'
api "$LT" GET "/incidents?status=triaged"
expect_jq "status=triaged" '[.items[].id] | join(",")' "${IDS[5]},${IDS[1]}"
api "$LT" GET "/incidents?status=triaged,resolved"
expect_jq "status=triaged,resolved" '[.items[].id] | join(",")' "${IDS[5]},${IDS[2]},${IDS[1]}"
api "$LT" GET "/incidents?severity=sev2"
expect_jq "severity=sev2" '[.items[].id] | join(",")' "${IDS[4]},${IDS[0]}"
api "$LT" GET "/incidents?status=declared&severity=sev4"
expect_jq "status=declared&severity=sev4" '[.items[].id] | join(",")' "${IDS[6]}"
api "$LT" GET "/incidents?q=zebra3"
expect_jq "q=zebra3" '[.items[].id] | join(",")' "${IDS[2]}"
api "$LT" GET "/incidents?q=nothing-matches-this"
expect_jq "q with no match" '.items | length' 0
api "$LT" GET "/incidents?limit=3"
expect_jq "limit=3 page 1" '[.items[].id] | join(",")' "$(printf '%s\n' "${IDS[@]}" | tac | head -3 | paste -sd, -)"
expect_json "limit=3 page 1 has a cursor" '.next_cursor | type == "string" and length > 0'
SEEN=$(j '[.items[].id] | join(",")')
CUR=$(j .next_cursor)
pages=1
while [ "$CUR" != "null" ] && [ -n "$CUR" ] && [ $pages -lt 10 ]; do
	api "$LT" GET "/incidents?limit=3&cursor=$(jq -rn --arg c "$CUR" '$c|@uri')"
	expect_status "cursor page $((pages + 1))" 200
	SEEN="$SEEN,$(j '[.items[].id] | join(",")')"
	CUR=$(j .next_cursor)
	pages=$((pages + 1))
done
expect_eq "cursor pagination walks every incident once, newest first" "$SEEN" "$NEWEST_FIRST"
expect_eq "7 incidents in pages of 3" "$pages" 3
api "$LT" GET "/incidents?status=declared,triaged&limit=2"
P1=$(j '[.items[].id] | join(",")')
api "$LT" GET "/incidents?status=declared,triaged&limit=2&cursor=$(jq -rn --arg c "$(j .next_cursor)" '$c|@uri')"
expect_eq "filters hold across pages" "$P1,$(j '[.items[].id] | join(",")')" "${IDS[6]},${IDS[5]},${IDS[4]},${IDS[3]}"
api "$LT" GET "/incidents?limit=500"
expect_status "limit=500" 200
api "$LT" GET "/incidents?limit=1"
expect_status "limit=1" 200
for q in "limit=0" "limit=501" "limit=-1" "limit=abc" "limit=1.5" "limit=99999999999999999999999" \
	"cursor=not-a-cursor"; do
	api "$LT" GET "/incidents?$q"
	expect_error "GET /incidents?$q" 400 invalid_query
done
# an unknown filter value: refused as invalid_query, or simply matches nothing
for q in "severity=sev9" "status=bogus"; do
	api "$LT" GET "/incidents?$q"
	if [ "$STATUS" = 200 ]; then expect_jq "GET /incidents?$q matches nothing" '.items | length' 0
	else expect_error "GET /incidents?$q" 400 invalid_query; fi
done
api "$LT" GET "/timeline?incident_id=${IDS[0]}&limit=0"
expect_error "timeline limit=0" 400 invalid_query

# --- concurrency: parallel creates all land, distinct ids -------------------------------------
new_tenant busy
new_actor busy busy '["responder"]'
BT=$ACTOR_TOKEN
PIDS=()
for i in $(seq 1 16); do
	curl -s -o "$T/par.$i" -w '%{http_code}\n' --max-time 20 -X POST -H "Authorization: Bearer $BT" \
		-H 'Content-Type: application/json' --data-binary "{\"title\":\"par $i\",\"severity\":\"sev3\"}" \
		"$BASE/incidents" >"$T/par.$i.code" &
	PIDS+=($!)
done
wait "${PIDS[@]}"
expect_eq "16 parallel creates all answer 201" "$(cat "$T"/par.*.code | sort | uniq -c | tr -s ' ')" " 16 201"
expect_eq "16 distinct ids" "$(cat "$T"/par.? "$T"/par.?? | jq -r .id | sort -u | wc -l)" 16
api "$BT" GET "/incidents?limit=100"
expect_jq "the busy tenant lists 16" '.items | length' 16

alive "after the incident tests"
finish
