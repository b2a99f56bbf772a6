#!/bin/bash
# The runbook screens in the real console, in tmux. Embedded: launch a runbook for an incident
# from its screen, confirm a manual step, run a command step and read its output, roll back.
# Remote, two consoles on one klaxond: a responder launches a critical runbook (typing its id)
# and waits at the approval gate; an approver, whose key was made by the stock minisign and
# registered on the actor, signs the approval from the approval queue and sees it drain; the
# responder's runner sees the gate open and runs the command.
. "$(dirname "$0")/lib.sh"
: "${KLAXOND:?set KLAXOND to the klaxond binary}"
if ! command -v minisign >/dev/null; then
	echo "$NAME: 0 passed, 0 failed (minisign is not installed: skipped)"
	exit 0
fi

# The console of the session in $SESSION (lib.sh's helpers act on "kx").
SESSION=kx
screen() { tm capture-pane -p -t "$SESSION"; }
keys() { tm send-keys -t "$SESSION" "$@"; }
type_text() { tm send-keys -t "$SESSION" -l "$1"; }
# console2 HOME ARGS...: a second console in session kx2, with a home of its own.
console2() {
	local home=$1
	shift
	mkdir -p "$home"
	tm new-session -d -s kx2 -x 120 -y 40 "cd '$T' && env TERM=xterm-256color LC_ALL=C.UTF-8 \
TZ=UTC HOME='$home' XDG_CONFIG_HOME='$home/config' XDG_STATE_HOME='$home/state' \
ASAN_OPTIONS='${ASAN_OPTIONS:-}' LSAN_OPTIONS='${LSAN_OPTIONS:-}' \
'$KLAXON' $* 2>'$T/stderr2'; echo \$? >'$T/exit2'; sleep 3600"
}
pub_line() { tail -n 1 "$1"; }

cd "$T"
minisign -G -W -p ci.pub -s ci.key >/dev/null

# ---- embedded: launch for an incident, a manual and a command step, rollback ----
K() { "$KLAXON" --db "$T/k.db" "$@"; }
K init >/dev/null
K keygen -o author.key >/dev/null
K signing-key add author.pub --name author >/dev/null
cat >cache.json <<'DOC'
{"id":"cache-flush","name":"Flush the edge cache","risk":"low","tags":["cdn"],"steps":[
 {"id":"announce","title":"Tell #ops","kind":"manual","rollback":{"kind":"manual"}},
 {"id":"flush","title":"Flush the cache","kind":"command","argv":["sh","-c","echo flushing; sleep 2; echo 3 keys flushed"],
  "rollback":{"kind":"command","argv":["sh","-c","echo cache warmed"]}}]}
DOC
K runbook publish cache.json --key author.key >/dev/null
K incident declare --title "Edge hit ratio dropped" --severity sev2 >/dev/null

# This console's approval key is passphrase-protected: the queue shows its id (from
# locked.pub beside it) and that it is protected.
printf 'not a good passphrase\n' >pass.txt
LOCKED=
if LOCKED_ID=$(K keygen -o locked.key --protect --passphrase-file pass.txt 2>/dev/null); then
	LOCKED=1
	LOCKED_ID=${LOCKED_ID##*key id }
	mkdir -p "$T/home/config/klaxon"
	printf 'approval_key = %s\n' "$T/locked.key" >"$T/home/config/klaxon/config"
fi
console --db "$T/k.db"
wait_for "Edge hit ratio dropped"
keys Enter
wait_for "Title      Edge hit ratio dropped"
keys R
wait_for "Runbooks for inc_"
wait_for "✓ verified"
wait_for "1  manual   announce"
keys L
wait_for "Launch cache-flush v1"
keys Enter
wait_for "(low risk) for inc_"
keys y
wait_for "launched exe_"
wait_for "Run exe_"
keys x
wait_for "Confirm step announce"
type_text "posted in #ops"
keys Enter
wait_for 'Mark step announce ("Tell #ops") as done?'
keys y
wait_for "step announce succeeded"
keys x
wait_for "\$ sh -c echo flushing; sleep 2; echo 3 keys flushed"
keys y
# The command outlives the one second :execute waits: the runner polls until it ends.
wait_for "running for"
wait_for "3 keys flushed" 15
wait_for "succeeded             1    0"
keys u
wait_for "Roll back the run"
type_text "drill"
keys Enter
wait_for "2 steps with a rollback, last first?"
keys y
wait_for "cache warmed" 15
wait_for "rolled_back"
keys q
wait_for "Runbooks for inc_"
keys t
wait_for "rolled_back"
if [ -n "$LOCKED" ]; then
	keys A
	wait_for "Key $LOCKED_ID (passphrase-protected)"
	keys q
fi
keys Q
wait_exit
rm -f "$T/home/config/klaxon/config"
# The incident's timeline tells the story.
INC=$(K incident list --json | jq -r '.items[0].id')
KINDS=$(K timeline "$INC" --json | jq -r '[.items[].kind] | join(",")')
case "$KINDS" in
*runbook_launched*step_executed*step_executed*execution_rolled_back*) ok ;;
*) bad "the incident's timeline lacks the run: $KINDS" ;;
esac
tm kill-session -t kx

# ---- remote: launch, approve from a second console, run ----
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$port"
ADMIN=$("$KLAXOND" init --data "$T/server" | tail -n 1)
printf '[tenant.acme]\ncommand_steps = on\n' >"$T/server/klaxond.conf"
chmod 711 "$T"
"$KLAXOND" serve --data "$T/server" --listen "127.0.0.1:$port" 2>>"$T/server.log" &
SERVER_PID=$!
for _ in $(seq 200); do curl -sf "$URL/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
api() { curl -sf -X "$1" "$URL$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' --data-binary "$4"; }
api POST /tenants "$ADMIN" '{"id":"acme","name":"Acme"}' >/dev/null
BOSS=$(api POST /tenants/acme/actors "$ADMIN" '{"name":"boss","roles":["tenant-admin"]}' | jq -r .token)
RILEY=$(api POST /tenants/acme/actors "$BOSS" '{"name":"riley","roles":["commander"]}' | jq -r .token)
# The approver's key is passphrase-protected, made by the stock minisign.
printf 'ann pass\nann pass\n' | minisign -G -p ann.pub -s ann.key >/dev/null 2>&1
ANN=$(api POST /tenants/acme/actors "$BOSS" "$(jq -n --arg k "$(pub_line ann.pub)" \
	'{name:"ann",roles:["approver"],public_key:$k}')" | jq -r .token)
[ -n "$ANN" ] && [ "$ANN" != null ] || { echo "no approver token" >&2; exit 1; }
"$KLAXON" --server "$URL" --token "$BOSS" signing-key add ci.pub --name ci >/dev/null
cat >failover.json <<'DOC'
{"id":"db-failover","name":"Fail over orders-db","risk":"critical","steps":[
 {"id":"gate","title":"An approver","kind":"approval","approvals":{"count":1,"roles":["approver"]}},
 {"id":"promote","title":"Promote the replica","kind":"command","argv":["sh","-c","echo promoted replica-2"]}]}
DOC
minisign -S -s ci.key -m failover.json >/dev/null
api POST /runbooks "$BOSS" "$(jq -n --rawfile d failover.json --rawfile s failover.json.minisig \
	'{document:$d,signature:$s}')" >/dev/null
"$KLAXON" --server "$URL" --token "$RILEY" incident declare --title "Orders stuck" --severity sev1 >/dev/null

rm -rf "$T/home/state" # the embedded console's last screen is no business of this one
console --server "$URL" --token "$RILEY" --refresh 1
wait_for "Orders stuck"
keys Enter
wait_for "Title      Orders stuck"
keys R
wait_for "db-failover"
wait_for "✓ verified"
keys L
wait_for "critical risk: type db-failover to confirm"
keys Enter
wait_for "Runbook id is required"
type_text "db-failover"
keys Enter
wait_for "(critical risk) for inc_"
keys y
wait_for "awaiting_approval"
wait_for "0 of 1 approvals: approvers sign in the queue (A)"
keys x
wait_for "waits for approvals (0 of 1)"

# The approver's console: its key comes from its config.
mkdir -p "$T/ann/config/klaxon"
printf 'approval_key = %s\n' "$T/ann.key" >"$T/ann/config/klaxon/config"
console2 "$T/ann" --server "$URL" --token "$ANN" --refresh 1
SESSION=kx2
wait_for "online"
keys A
wait_for "1 pending"
wait_for "registered on you"
# The fingerprint minisign printed, which drops leading zeros (%llX); the console shows all 16
# digits, as key ids are everywhere else.
wait_for "Key $(printf '%16s' "$(sed -n 's/.*minisign public key //p' ann.pub)" | tr ' ' 0)"
wait_for "(passphrase-protected) │ registered on you"
keys a
wait_for "Approve step gate of db-failover"
wait_for "Passphrase"
type_text "checked the replica lag"
keys Enter
wait_for "Passphrase is required"
# A wrong passphrase: nothing is signed or sent, the form comes back with the field empty.
type_text "ann pasz"
wait_for "********"
keys Enter
wait_for "The statement you sign"
keys y
# Unlocking takes seconds (scrypt): the screen says so while it stands still.
wait_for "unlocking key" 2
wait_for "wrong passphrase" 30
screen | grep -qF "********" && bad "the passphrase field was not emptied" || ok
"$KLAXON" --server "$URL" --token "$RILEY" approvals --json | jq -e '.items[0].granted == 0' >/dev/null \
	&& ok || bad "a wrong passphrase sent an approval"
type_text "ann pass"
keys Enter
wait_for "The statement you sign"
wait_for '"decision":"approve",'
wait_for '"reason":"checked the replica lag",'
screen | grep -qF "ann pas" && bad "the passphrase is on screen" || ok
keys y
wait_for "approved db-failover/gate: 1 of 1" 30
wait_for "0 pending"
wait_for "no approvals pending"
keys C-c
deadline=$((SECONDS + 15))
while [ "$SECONDS" -lt "$deadline" ] && [ ! -s "$T/exit2" ]; do sleep 0.05; done
[ "$(cat "$T/exit2" 2>/dev/null)" = 0 ] && ok || bad "the approver's console exit '$(cat "$T/exit2" 2>/dev/null)'"
[ ! -s "$T/stderr2" ] && ok || bad "the approver's console stderr: $(cat "$T/stderr2")"

# Back to the responder: the gate opened; run the command.
SESSION=kx
wait_for "1 of 1 approvals" 10
keys x
wait_for "critical risk: type db-failover to confirm"
type_text "db-failover"
keys Enter
wait_for "Run step promote now?"
keys y
wait_for "promoted replica-2" 15
wait_for "critical risk │ succeeded"
keys Q
wait_exit
finish
