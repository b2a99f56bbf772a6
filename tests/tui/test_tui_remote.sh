#!/bin/bash
# The real console in tmux against a real klaxond: a tenant responder declares through the
# dialog and finds the incident on the board; the server stops mid-session (a message, the
# console keeps answering keys) and comes back (the console recovers by itself).
. "$(dirname "$0")/lib.sh"
: "${KLAXOND:?set KLAXOND to the klaxond binary}"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$port"
ADMIN=$("$KLAXOND" init --data "$T/server" | tail -n 1)
serve() {
	"$KLAXOND" serve --data "$T/server" --listen "127.0.0.1:$port" 2>>"$T/server.log" &
	SERVER_PID=$!
	for _ in $(seq 200); do
		curl -sf "$URL/healthz" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "klaxond did not start: $(cat "$T/server.log")" >&2
	exit 1
}
serve
api() { curl -sf -X "$1" "$URL$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' --data-binary "$4"; }
api POST /tenants "$ADMIN" '{"id":"acme","name":"Acme","region":"eu-west-1"}' >/dev/null
TOKEN=$(api POST /tenants/acme/actors "$ADMIN" '{"name":"riley","roles":["responder"]}' |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
[ -n "$TOKEN" ] || { echo "no token" >&2; exit 1; }
"$KLAXON" --server "$URL" --token "$TOKEN" incident declare --title "Search degraded" --severity sev2 >/dev/null

console --server "$URL" --token "$TOKEN" --refresh 1
wait_for "DECLARED 1"
wait_for "remote $URL"
wait_for "│ acme │ riley"
wait_for "online"

keys n
wait_for "Declare an incident"
type_text "Webhooks delayed"
keys Enter
wait_for 'Declare sev3 "Webhooks delayed"?'
keys y
wait_for "declared, receipt rcp_"
wait_for "S3 Webhooks delayed"
wait_for "DECLARED 2"

# The server goes away: the console says so and keeps answering keys.
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
SERVER_PID=
wait_for "offline" 15
wait_for "backend unavailable" 15
keys t
wait_for "SEV  STATUS"
keys t
wait_for "DECLARED 2"
# A change while it is down fails as a message and keeps the form.
keys n
type_text "Typed while down"
keys Enter y
wait_for "cannot reach" 15
wait_for "Typed while down"
keys Escape
wait_for "draft is kept"

# It comes back: the console recovers on its next refresh.
serve
wait_for "connection restored" 15
wait_for "online"
keys n
wait_for "Typed while down"
keys Enter y
wait_for "DECLARED 3" 15

keys Q
wait_exit
tm kill-session -t kx

# A console started while the server is down learns who it is once the server is back, and
# the policy screen opened meanwhile loads (it waited for the tenant for good).
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
SERVER_PID=
console --server "$URL" --token "$TOKEN" --refresh 1
wait_for "offline" 15
keys P
wait_for " loading"
serve
wait_for "│ acme │ riley" 15
wait_for " profile " 15
keys Q
wait_exit
finish
