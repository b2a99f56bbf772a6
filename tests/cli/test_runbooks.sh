# Runbooks end to end on a real klaxond and through the CLI: signatures made by the stock
# minisign tool, the approval rules, timeouts that kill whole process groups, abort, rollback
# order, idempotent steps, tenant isolation and the command-step sandbox.
set -e
. "$(dirname "$0")/lib.sh"
K="$KLAXON"
mkdir -p "$T/server"
ADMIN_TOKEN=$("$KLAXOND" init --data "$T/server" | tail -n 1)
printf '[tenant.acme]\ncommand_steps = on\n' > "$T/server/klaxond.conf"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
"$KLAXOND" serve --data "$T/server" --listen "127.0.0.1:$PORT" 2>"$T/server.log" &
SERVER_PID=$!
# A marker only this run's stray processes carry (other runs may share the machine).
MARK=$((4000000 + RANDOM * 32 + $$ % 32))
trap 'stop_server; pkill -f "sleep $MARK" 2>/dev/null || true; rm -rf "$T"' EXIT
for _ in $(seq 100); do curl -sf "$URL/healthz" >/dev/null 2>&1 && break; sleep 0.05; done

status_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
api POST /tenants "$ADMIN_TOKEN" '{"id":"acme","name":"Acme"}' >/dev/null
api POST /tenants "$ADMIN_TOKEN" '{"id":"beta","name":"Beta"}' >/dev/null
BOSS=$(api POST /tenants/acme/actors "$ADMIN_TOKEN" '{"name":"boss","roles":["tenant-admin"]}' | jq -r .token)
OTHER=$(api POST /tenants/beta/actors "$ADMIN_TOKEN" '{"name":"x","roles":["tenant-admin"]}' | jq -r .token)
cd "$T"
# Sandboxed steps run as an unprivileged user: give them one directory they may write.
chmod 711 "$T"
mkdir -m 1777 "$T/pub"
minisign -G -W -p rb.pub -s rb.key >/dev/null
expect_status 0 "$K" --server "$URL" --token "$BOSS" signing-key add rb.pub --name ci
expect_status 0 "$K" --server "$URL" --token "$BOSS" signing-key list --json
expect_eq "one trusted key" "$(echo "$OUT" | jq '.items | length')" "1"
approver() { # NAME ROLE: a key pair made by minisign, registered on a new actor
	minisign -G -W -p "$1.pub" -s "$1.key" >/dev/null
	api POST /tenants/acme/actors "$BOSS" "$(jq -n --arg n "$1" --arg r "$2" --arg k "$(tail -1 "$1.pub")" \
		'{name:$n,roles:[$r],public_key:$k}')" | jq -r .token
}
A1=$(approver ann approver)
A2=$(approver bob approver)
A3=$(approver cid viewer)
minisign -G -W -p boss.pub -s boss.key >/dev/null
BOSS_ID=$(api GET /session "$BOSS" | jq -r .actor.id)
api PATCH "/tenants/acme/actors/$BOSS_ID" "$BOSS" "$(jq -n --arg k "$(tail -1 boss.pub)" '{public_key:$k}')" >/dev/null

publish() { # FILE: signed by the stock minisign, sent as exact bytes
	minisign -S -s rb.key -m "$1" >/dev/null
	api POST /runbooks "$BOSS" "$(jq -n --rawfile d "$1" --rawfile s "$1.minisig" '{document:$d,signature:$s}')"
}
cat > gate.json <<'DOC'
{"id":"gated","name":"Two approvals","risk":"critical","steps":[
 {"id":"gate","title":"Two approvers","kind":"approval","approvals":{"count":2,"roles":["approver"]}},
 {"id":"one","title":"Write one","kind":"command","argv":["sh","-c","echo one >> \"$OUT\""],"rollback":{"kind":"command","argv":["sh","-c","echo undo-one >> \"$OUT\""]}},
 {"id":"two","title":"Write two","kind":"command","argv":["sh","-c","echo two >> \"$OUT\""],"rollback":{"kind":"command","argv":["sh","-c","echo undo-two >> \"$OUT\""]}},
 {"id":"note","title":"Tell people","kind":"manual","rollback":{"kind":"manual"}}]}
DOC
OUT=$(publish gate.json)
expect_eq "stock minisign signature accepted" "$(echo "$OUT" | jq -r .version)" "1"
sed 's/Two approvals/Two approvalz/' gate.json > tampered.json
cp gate.json.minisig tampered.json.minisig
OUT=$(api POST /runbooks "$BOSS" "$(jq -n --rawfile d tampered.json --rawfile s tampered.json.minisig '{document:$d,signature:$s}')")
expect_eq "one byte changed: refused" "$(echo "$OUT" | jq -r .error.code)" "signature_invalid"
cat > nogate.json <<'DOC'
{"id":"ungated","name":"x","risk":"high","steps":[{"id":"a","title":"a","kind":"command","argv":["true"]}]}
DOC
OUT=$(publish nogate.json)
expect_eq "high risk needs a gate" "$(echo "$OUT" | jq -r .error.field)" "document.steps[0]"

# Launch for an incident; the gate needs two distinct approvers, never the launcher.
INC=$(api POST /incidents "$BOSS" '{"title":"orders stuck","severity":"sev2"}' | jq -r .id)
EX=$(api POST "/runbooks/gated:launch" "$BOSS" "$(jq -n --arg i "$INC" --arg o "$T/pub/out.txt" '{incident_id:$i,params:{OUT:$o}}')" | jq -r .id)
expect_match "launched" "$EX" '^exe_'
DIGEST=$(api GET "/run-executions/$EX" "$BOSS" | jq -r .runbook_digest)
sign_approval() { # KEY ACTOR_TOKEN DECISION [AT]: statement signed by the stock minisign
	local id at
	id=$(api GET /session "$2" | jq -r .actor.id)
	at=${4:-$(date -u +%Y-%m-%dT%H:%M:%S.000Z)}
	jq -cjn --arg e "$EX" --arg d "$DIGEST" --arg a "$id" --arg at "$at" --arg dec "$3" --arg n "$RANDOM$RANDOM-nonce" \
		'{execution_id:$e,step_id:"gate",runbook_digest:$d,approver:$a,decision:$dec,nonce:$n,at:$at}' > st.json
	minisign -S -s "$1.key" -m st.json >/dev/null
	jq -n --rawfile s st.json --rawfile g st.json.minisig '{statement:$s,signature:$g}' > approval.json
}
sign_approval boss "$BOSS" approve
OUT=$(api POST "/run-executions/$EX/steps/gate:approve" "$BOSS" "$(cat approval.json)")
expect_eq "the launcher cannot approve" "$(echo "$OUT" | jq -r .error.code)" "policy_denied"
sign_approval cid "$A3" approve
OUT=$(api POST "/run-executions/$EX/steps/gate:approve" "$A3" "$(cat approval.json)")
expect_eq "a required role is needed" "$(echo "$OUT" | jq -r .error.code)" "policy_denied"
sign_approval ann "$A1" approve "2020-01-01T00:00:00.000Z"
OUT=$(api POST "/run-executions/$EX/steps/gate:approve" "$A1" "$(cat approval.json)")
expect_eq "a stale statement is refused" "$(echo "$OUT" | jq -r .error.code)" "conflict"
sign_approval ann "$A1" approve
OUT=$(api POST "/run-executions/$EX/steps/gate:approve" "$A1" "$(cat approval.json)")
expect_eq "first approval counted" "$(echo "$OUT" | jq -r '"\(.granted)/\(.required) \(.step_status)"')" "1/2 awaiting_approval"
OUT=$(api POST "/run-executions/$EX/steps/gate:approve" "$A1" "$(cat approval.json)")
expect_eq "a replayed approval is refused" "$(echo "$OUT" | jq -r .error.code)" "conflict"
expect_eq "an approval step is not executed" "$(api POST "/run-executions/$EX/steps/gate:execute" "$BOSS" '{}' | jq -r .error.code)" "approval_required"
expect_eq "steps run in order" "$(api POST "/run-executions/$EX/steps/two:execute" "$BOSS" '{}' | jq -r .error.code)" "step_out_of_order"
# The second approval through `klaxon approve`, with a passphrase-protected key made by the
# stock minisign: a wrong passphrase signs and sends nothing, the right one counts.
printf 'dee pass\ndee pass\n' | minisign -G -p dee.pub -s dee.key >/dev/null 2>&1
A4=$(api POST /tenants/acme/actors "$BOSS" "$(jq -n --arg k "$(tail -1 dee.pub)" \
	'{name:"dee",roles:["approver"],public_key:$k}')" | jq -r .token)
printf 'not it\n' > dee.wrong
printf 'dee pass\n' > dee.pass
expect_status 1 "$K" --server "$URL" --token "$A4" approve "$EX" gate --key dee.key --passphrase-file dee.wrong
expect_match "a wrong passphrase is named" "$ERR" "wrong passphrase"
gate_status() { api GET "/run-executions/$EX" "$BOSS" | jq -r '.steps[] | select(.id == "gate") | .status'; }
expect_eq "and nothing was sent" "$(gate_status)" "awaiting_approval"
expect_status 0 "$K" --server "$URL" --token "$A4" --json approve "$EX" gate --key dee.key --passphrase-file dee.pass
expect_eq "quorum of two met" "$(echo "$OUT" | jq -r .step_status)" "succeeded"
RCP=$(echo "$OUT" | jq -r .receipt_id)
expect_match "the approval receipt carries the signature" "$(api GET "/receipts/$RCP" "$BOSS" | jq -r .signature)" "untrusted comment"

# Idempotent step: a replay with the same key does not run the command twice.
S1=$(curl -s -X POST "$URL/run-executions/$EX/steps/one:execute" -H "Authorization: Bearer $BOSS" -H 'Content-Type: application/json' -H 'Idempotency-Key: step-one' -d '{"wait_s":10}')
S2=$(curl -s -X POST "$URL/run-executions/$EX/steps/one:execute" -H "Authorization: Bearer $BOSS" -H 'Content-Type: application/json' -H 'Idempotency-Key: step-one' -d '{"wait_s":10}')
expect_eq "step one ran" "$(echo "$S1" | jq -r .status)" "succeeded"
expect_eq "replayed answer" "$(echo "$S2" | jq -r .id)" "one"
expect_eq "step one done twice?" "$(api POST "/run-executions/$EX/steps/one:execute" "$BOSS" '{}' | jq -r .error.code)" "step_already_done"
expect_status 0 "$K" --server "$URL" --token "$BOSS" run step "$EX" two
expect_status 0 "$K" --server "$URL" --token "$BOSS" run step "$EX" note --note "posted in #ops"
expect_eq "ran once each" "$(cat pub/out.txt | tr '\n' ' ')" "one two "
expect_status 0 "$K" --server "$URL" --token "$BOSS" --json run show "$EX"
expect_eq "execution succeeded" "$(echo "$OUT" | jq -r .status)" "succeeded"
expect_status 0 "$K" --server "$URL" --token "$BOSS" run rollback "$EX" --reason "drill"
expect_eq "rollback in reverse order" "$(cat pub/out.txt | tr '\n' ' ')" "one two undo-two undo-one "
expect_eq "rolled back" "$(api GET "/run-executions/$EX" "$BOSS" | jq -r .status)" "rolled_back"
KINDS=$(api GET "/timeline?incident_id=$INC&limit=100" "$BOSS" | jq -r '[.items[].kind] | join(",")')
expect_match "timeline shows the run" "$KINDS" "runbook_launched,approval_granted,approval_granted,step_executed.*execution_rolled_back"
expect_eq "another tenant cannot see it" "$(status_of "$URL/run-executions/$EX" -H "Authorization: Bearer $OTHER")" "404"
expect_eq "or act on it" "$(status_of -X POST "$URL/run-executions/$EX:abort" -H "Authorization: Bearer $OTHER" -H 'Content-Type: application/json' -d '{"reason":"x"}')" "404"

# Timeouts kill the whole group; abort kills a running command.
cat > slow.json <<DOC
{"id":"slow","name":"slow","risk":"low","steps":[
 {"id":"hang","title":"hang","kind":"command","argv":["sh","-c","sleep $MARK & sleep $MARK"],"timeout_s":1},
 {"id":"after","title":"after","kind":"manual"}]}
DOC
publish slow.json >/dev/null
EX2=$(api POST "/runbooks/slow:launch" "$BOSS" '{}' | jq -r .id)
OUT=$(api POST "/run-executions/$EX2/steps/hang:execute" "$BOSS" '{"wait_s":10}')
expect_eq "timed out step failed" "$(echo "$OUT" | jq -r .status)" "failed"
for _ in $(seq 50); do [ "$(pgrep -f "sleep $MARK" | wc -l)" = 0 ] && break; sleep 0.1; done
expect_eq "children killed too" "$(pgrep -f "sleep $MARK" | wc -l)" "0"
sed 's/"timeout_s":1/"timeout_s":60/; s/"id":"slow"/"id":"slow2"/' slow.json > slow2.json
publish slow2.json >/dev/null
EX3=$(api POST "/runbooks/slow2:launch" "$BOSS" '{}' | jq -r .id)
expect_eq "running answers 202" "$(status_of -X POST "$URL/run-executions/$EX3/steps/hang:execute" -H "Authorization: Bearer $BOSS" -H 'Content-Type: application/json' -d '{"wait_s":0.2}')" "202"
expect_eq "abort" "$(api POST "/run-executions/$EX3:abort" "$BOSS" '{"reason":"wrong host"}' | jq -r .status)" "aborted"
for _ in $(seq 50); do [ "$(pgrep -f "sleep $MARK" | wc -l)" = 0 ] && break; sleep 0.1; done
expect_eq "abort killed the group" "$(pgrep -f "sleep $MARK" | wc -l)" "0"
expect_eq "nothing runs after abort" "$(api POST "/run-executions/$EX3/steps/after:execute" "$BOSS" '{}' | jq -r .error.code)" "execution_finished"

# A gate open when its execution is aborted or rolled back is skipped with it: no longer in the
# approval queue, the backlog alert or the pending-approvals gauge.
cat > held.json <<'DOC'
{"id":"held","name":"held","risk":"high","steps":[
 {"id":"check","title":"check","kind":"manual","rollback":{"kind":"manual"}},
 {"id":"gate","title":"approve","kind":"approval","approvals":{"count":1,"roles":["approver"]}},
 {"id":"restart","title":"restart","kind":"command","argv":["true"]}]}
DOC
cat > held-first.json <<'DOC'
{"id":"held-first","name":"held first","risk":"high","steps":[
 {"id":"gate","title":"approve","kind":"approval","approvals":{"count":1,"roles":["approver"]}},
 {"id":"restart","title":"restart","kind":"command","argv":["true"]}]}
DOC
publish held.json >/dev/null
publish held-first.json >/dev/null
HELD=()
for _ in 1 2 3 4 5 6; do
	HELD+=("$(api POST /runbooks/held:launch "$BOSS" '{}' | jq -r .id)")
	api POST "/run-executions/${HELD[-1]}/steps/check:execute" "$BOSS" '{}' >/dev/null
done
FIRST=$(api POST /runbooks/held-first:launch "$BOSS" '{}' | jq -r .id)
FIRST2=$(api POST /runbooks/held-first:launch "$BOSS" '{}' | jq -r .id)
pending() { api GET '/approvals?status=pending' "$BOSS" | jq -r '[.items[].execution_id] | join(" ")'; }
gauge() { curl -s "$URL/metrics" | awk '$1 == "klaxon_pending_approvals" { print $2 }'; }
backlog() { api GET /alerts "$BOSS" | jq -r '[.items[] | select(.kind == "approval_backlog") | .count] | join(",")'; }
step_status() { api GET "/run-executions/$1" "$BOSS" | jq -r --arg s "$2" '.steps[] | select(.id == $s) | .status'; }
expect_eq "eight gates open" "$(pending | wc -w)" "8"
expect_eq "the gauge counts them" "$(gauge)" "8"
expect_eq "the backlog alert counts them" "$(backlog)" "8"
OUT=$(api POST "/run-executions/${HELD[0]}:abort" "$BOSS" '{"reason":"not needed"}')
expect_eq "abort skips the open gate" "$(echo "$OUT" | jq -r '[.status, (.steps[] | .status)] | join(" ")')" "aborted succeeded skipped pending"
expect_eq "and keeps it skipped" "$(step_status "${HELD[0]}" gate)" "skipped"
expect_eq "abort at launch skips the first gate" "$(api POST "/run-executions/$FIRST:abort" "$BOSS" '{"reason":"x"}' | jq -r '.steps[0].status')" "skipped"
OUT=$(api POST "/run-executions/${HELD[1]}:rollback" "$BOSS" '{"reason":"drill","wait_s":10}')
expect_eq "rolled back with its gate open" "$(echo "$OUT" | jq -r '[.status, (.steps[] | .status)] | join(" ")')" "rolled_back rolled_back skipped pending"
EX=${HELD[2]}
api POST "/run-executions/$EX:abort" "$BOSS" '{"reason":"then rolled back"}' >/dev/null
expect_eq "rollback after abort" "$(api POST "/run-executions/$EX:rollback" "$BOSS" '{"reason":"x","wait_s":10}' | jq -r '[.status, (.steps[] | .status)] | join(" ")')" "rolled_back rolled_back skipped pending"
PENDING=$(pending)
for ex in "${HELD[0]}" "${HELD[1]}" "${HELD[2]}" "$FIRST"; do
	expect_eq "$ex left the queue" "$(echo "$PENDING" | grep -c "$ex" || true)" "0"
done
expect_eq "four gates left" "$(echo "$PENDING" | wc -w)" "4"
expect_eq "the gauge drops" "$(gauge)" "4"
expect_eq "the backlog alert is gone" "$(backlog)" ""
DIGEST=$(api GET "/run-executions/$EX" "$BOSS" | jq -r .runbook_digest)
sign_approval ann "$A1" approve
OUT=$(api POST "/run-executions/$EX/steps/gate:approve" "$A1" "$(cat approval.json)")
expect_eq "a skipped gate takes no approval" "$(echo "$OUT" | jq -r .error.code)" "conflict"
EX=${HELD[3]}
sign_approval bob "$A2" approve
OUT=$(api POST "/run-executions/$EX/steps/gate:approve" "$A2" "$(cat approval.json)")
expect_eq "an open one still does" "$(echo "$OUT" | jq -r .step_status)" "succeeded"
expect_eq "three gates left" "$(pending | wc -w)" "3"
expect_eq "the gauge follows" "$(gauge)" "3"

# The sandbox: a step cannot read the server key or the store; off for other tenants.
cat > peek.json <<DOC
{"id":"peek","name":"peek","risk":"low","steps":[{"id":"p","title":"p","kind":"command","argv":["sh","-c","id -un; cat $T/server/server.key $T/server/klaxon.db >/dev/null && echo LEAKED || echo denied"]}]}
DOC
publish peek.json >/dev/null
EX4=$(api POST "/runbooks/peek:launch" "$BOSS" '{}' | jq -r .id)
OUT=$(api POST "/run-executions/$EX4/steps/p:execute" "$BOSS" '{"wait_s":10}' | jq -r .output)
if [ "$(id -u)" = 0 ]; then
	expect_match "runs as the sandbox user" "$OUT" "^nobody"
	expect_match "cannot read the key or the store" "$OUT" "denied"
else
	expect_match "refused without root to switch users" "$OUT" "must run as root"
fi
minisign -G -W -p rb2.pub -s rb2.key >/dev/null
api POST /tenants/beta/signing-keys "$OTHER" "$(jq -n --arg k "$(tail -1 rb2.pub)" '{name:"ci",public_key:$k}')" >/dev/null
minisign -S -s rb2.key -m peek.json >/dev/null
api POST /runbooks "$OTHER" "$(jq -n --rawfile d peek.json --rawfile s peek.json.minisig '{document:$d,signature:$s}')" >/dev/null
EX5=$(api POST "/runbooks/peek:launch" "$OTHER" '{}' | jq -r .id)
expect_eq "command steps off for beta" "$(api POST "/run-executions/$EX5/steps/p:execute" "$OTHER" '{}' | jq -r .error.code)" "feature_disabled"

# Over HTTP the refusal of a version edited in the store is a 409 conflict, never a 5xx.
printf '{"id":"edited","name":"edited","risk":"low","steps":[{"id":"w","title":"w","kind":"command","argv":["sh","-c","echo ran >> %s/pub/edited.txt"]}]}' "$T" > edited.json
publish edited.json >/dev/null
EX6=$(api POST "/runbooks/edited:launch" "$BOSS" '{}' | jq -r .id)
sqlite3 "$T/server/klaxon.db" "UPDATE runbooks SET document = replace(document, 'echo ran', 'echo EDITED') WHERE id = 'edited'"
expect_eq "edited version: launch 409" "$(status_of -X POST "$URL/runbooks/edited:launch" -H "Authorization: Bearer $BOSS" -H 'Content-Type: application/json' -d '{}')" "409"
OUT=$(api POST "/run-executions/$EX6/steps/w:execute" "$BOSS" '{"wait_s":10}')
expect_eq "edited version: step refused" "$(echo "$OUT" | jq -r .error.code)" "conflict"
expect_match "edited version: named" "$(echo "$OUT" | jq -r .error.message)" "^runbook edited version 1 fails its digest check"
expect_eq "edited version: nothing ran" "$(cat "$T/pub/edited.txt" 2>/dev/null)" ""

# The CLI forms in embedded mode: keygen, publish with our key, launch, step, approvals.
DB="$T/e.db"
"$K" --db "$DB" init >/dev/null
expect_status 0 "$K" keygen -o "$T/me.key"
expect_eq "secret key mode" "$(stat -c %a "$T/me.key")" "600"
expect_status 1 "$K" keygen -o "$T/me.key"
expect_status 0 "$K" --db "$DB" signing-key add "$T/me.pub"
printf '{"id":"hello","name":"hello","risk":"low","steps":[{"id":"say","title":"say","kind":"command","argv":["echo","hello from a runbook"]}]}' > "$T/hello.json"
expect_status 0 "$K" --db "$DB" runbook publish "$T/hello.json" --key "$T/me.key"
expect_status 0 "$K" --db "$DB" runbook list
expect_match "runbook listed" "$OUT" "hello"
expect_status 0 "$K" --db "$DB" --json runbook launch hello
RUN=$(echo "$OUT" | jq -r .id)
expect_status 0 "$K" --db "$DB" run step "$RUN" say
expect_match "output shown" "$OUT" "hello from a runbook"
expect_status 1 "$K" --db "$DB" run step "$RUN" say
expect_match "done is done" "$ERR" "step_already_done"
expect_status 0 "$K" --db "$DB" approvals
# signing-key --in names the tenant that trusts the key (it used to be the caller's own).
expect_status 0 "$K" --db "$DB" tenant create acme --name Acme
expect_status 0 "$K" --db "$DB" signing-key add "$T/me.pub" --name for-acme --in acme
expect_eq "the key is trusted in acme" \
	"$("$K" --db "$DB" --json signing-key list --in acme | jq -r '[.items[].name] | join(",")')" "for-acme"
expect_eq "and not in the caller's own tenant" \
	"$("$K" --db "$DB" --json signing-key list | jq -r '[.items[].name] | index("for-acme")')" "null"
# Aborted with its gate open (embedded): the gate is skipped and leaves `klaxon approvals`.
expect_status 0 "$K" keygen -o "$T/eve.key"
expect_status 0 "$K" --db "$DB" actor create eve --role approver --public-key "$T/eve.pub"
expect_status 0 "$K" --db "$DB" runbook publish "$T/held-first.json" --key "$T/me.key"
expect_status 0 "$K" --db "$DB" --json runbook launch held-first
RUN=$(echo "$OUT" | jq -r .id)
expect_status 0 "$K" --db "$DB" approvals --json
expect_eq "the gate is pending" "$(echo "$OUT" | jq -r '[.items[].execution_id] | join(" ")')" "$RUN"
expect_status 0 "$K" --db "$DB" run abort "$RUN" --reason "not needed"
expect_status 0 "$K" --db "$DB" approvals --json
expect_eq "not after abort" "$(echo "$OUT" | jq '.items | length')" "0"
expect_status 0 "$K" --db "$DB" --json run show "$RUN"
expect_eq "the gate was skipped" "$(echo "$OUT" | jq -r '.steps[0].status')" "skipped"
expect_status 1 "$K" --db "$DB" --as eve approve "$RUN" gate --key "$T/eve.key"
expect_match "and takes no approval" "$ERR" "gate is not open"
# A store written before finished executions closed their gates still holds such a row: the
# queue asks the execution too.
python3 - "$DB" "$RUN" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE execution_steps SET status = 'awaiting_approval' WHERE tenant_id = 'default' AND execution_id = ? AND id = 'gate'", (sys.argv[2],))
db.commit()
PY
expect_status 0 "$K" --db "$DB" approvals --json
expect_eq "an aborted run's open gate is not pending" "$(echo "$OUT" | jq '.items | length')" "0"
# A version's document edited in the store file (THREAT_MODEL.md: an operator with write
# access to it) is refused wherever it would run or be shown: at launch, and for a step of an
# execution launched before the edit; nothing of it runs. Abort stays possible.
TDB="$T/tamper.db"
export XDG_CONFIG_HOME="$T/cfg"
"$K" --db "$TDB" init >/dev/null
"$K" keygen -o "$T/tci.key" >/dev/null
"$K" --db "$TDB" signing-key add "$T/tci.pub" --name ci >/dev/null
"$K" keygen -o "$T/tann.key" >/dev/null
"$K" --db "$TDB" actor create ann --role approver --public-key "$T/tann.pub" >/dev/null
cat > "$T/restart.json" <<DOC
{"id":"restart-api","name":"Restart API","risk":"high","tags":[],"steps":[
 {"id":"check","title":"Check","kind":"manual"},
 {"id":"gate","title":"Approve","kind":"approval","approvals":{"count":1,"roles":["approver"]}},
 {"id":"restart","title":"Restart","kind":"command","argv":["sh","-c","echo restarted >> $T/tamper.log"]}]}
DOC
expect_status 0 "$K" --db "$TDB" runbook publish "$T/restart.json" --key "$T/tci.key"
expect_status 0 "$K" --db "$TDB" --json runbook launch restart-api
TRUN=$(echo "$OUT" | jq -r .id)
expect_status 0 "$K" --db "$TDB" run step "$TRUN" check
expect_status 0 "$K" --db "$TDB" approve "$TRUN" gate --key "$T/tann.key" --as ann
sqlite3 "$TDB" "UPDATE runbooks SET document = replace(document, 'echo restarted', 'echo TAMPERED')"
DIGEST_REFUSED='runbook restart-api version 1 fails its digest check'
expect_status 1 "$K" --db "$TDB" runbook launch restart-api
expect_match "tampered document: launch refused" "$ERR" "conflict: $DIGEST_REFUSED"
expect_status 1 "$K" --db "$TDB" run step "$TRUN" restart
expect_match "tampered document: step refused" "$ERR" "conflict: $DIGEST_REFUSED"
expect_eq "tampered command never ran" "$(cat "$T/tamper.log" 2>/dev/null)" ""
expect_eq "no execution launched" "$(sqlite3 "$TDB" 'SELECT count(*) FROM executions')" "1"
expect_status 1 "$K" --db "$TDB" run show "$TRUN"
expect_match "tampered steps not shown" "$ERR" "$DIGEST_REFUSED"
expect_status 1 "$K" --db "$TDB" runbook show restart-api
expect_match "tampered version not shown" "$ERR" "$DIGEST_REFUSED"
expect_status 1 "$K" --db "$TDB" ledger verify
expect_match "ledger verify names the version" "$ERR" "$DIGEST_REFUSED: its stored document differs from the digest its publish recorded"
# The document and its digest edited together: the signature no longer verifies.
python3 - "$TDB" <<'PY'
import base64, hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
doc = db.execute("SELECT document FROM runbooks").fetchone()[0]
d = base64.b64encode(hashlib.sha256(doc.encode()).digest()).decode()
db.execute("UPDATE runbooks SET digest = ?", (d,))
db.execute("UPDATE executions SET runbook_digest = ?", (d,))
db.commit()
PY
expect_status 1 "$K" --db "$TDB" runbook launch restart-api
expect_match "re-digested document: launch refused" "$ERR" "restart-api version 1 fails its signature check"
expect_status 1 "$K" --db "$TDB" run step "$TRUN" restart
expect_match "re-digested document: step refused" "$ERR" "fails its signature check"
expect_eq "still nothing ran" "$(cat "$T/tamper.log" 2>/dev/null)" ""
expect_status 0 "$K" --db "$TDB" run abort "$TRUN" --reason "runbook tampered with"
unset XDG_CONFIG_HOME
# Passphrase-protected keys, in minisign's own format both ways.
printf 'correct horse\n' > "$T/pass"
expect_status 0 "$K" keygen -o "$T/locked.key" --passphrase-file "$T/pass"
expect_match "written encrypted" "$(head -1 "$T/locked.key")" "encrypted secret key"
echo "signed by stock minisign with our key" > "$T/msg"
expect_status 0 sh -c "printf 'correct horse\n' | minisign -S -s '$T/locked.key' -m '$T/msg'"
expect_status 0 minisign -V -p "$T/locked.pub" -m "$T/msg"
expect_status 0 "$K" --db "$DB" signing-key add "$T/locked.pub"
printf '{"id":"locked","name":"locked","risk":"low","steps":[{"id":"a","title":"a","kind":"manual"}]}' > "$T/locked.json"
printf 'wrong horse\n' > "$T/wrong"
expect_status 1 "$K" --db "$DB" runbook publish "$T/locked.json" --key "$T/locked.key" --passphrase-file "$T/wrong"
expect_match "wrong passphrase named" "$ERR" "wrong passphrase"
expect_status 0 "$K" --db "$DB" runbook publish "$T/locked.json" --key "$T/locked.key" --passphrase-file "$T/pass"
printf 'stock pass\nstock pass\n' | minisign -G -p "$T/stock.pub" -s "$T/stock.key" >/dev/null 2>&1
printf 'stock pass\n' > "$T/stock-pass"
expect_status 0 "$K" --db "$DB" signing-key add "$T/stock.pub"
printf '{"id":"stock","name":"stock","risk":"low","steps":[{"id":"a","title":"a","kind":"manual"}]}' > "$T/stock.json"
expect_status 0 "$K" --db "$DB" runbook publish "$T/stock.json" --key "$T/stock.key" --passphrase-file "$T/stock-pass"
# A denial the CLI suggests passing with --override is passed with it, on a runbook command as
# on an incident one (the header was once sent by the incident and tenant commands alone).
echo '{"name":"p","rules":[{"id":"no-launch","effect":"forbid","actions":["runbook.launch"]}]}' >"$T/pol.json"
expect_status 0 "$K" --db "$DB" policy set "$T/pol.json"
expect_status 1 "$K" --db "$DB" runbook launch hello
expect_match "the denial suggests --override" "$ERR" "repeat with --override"
expect_status 0 "$K" --db "$DB" --json runbook launch hello --override "sev1, the runbook is the fix"
expect_eq "the override launched it" "$(echo "$OUT" | jq -r .status)" "running"
expect_status 0 "$K" --db "$DB" --json exceptions
expect_eq "and left a governed exception" "$(echo "$OUT" | jq -r '[.items[].action] | index("runbook.launch") != null')" "true"
expect_status 0 "$K" --db "$DB" ledger verify
finish
