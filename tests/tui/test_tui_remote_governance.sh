#!/bin/bash
# The tenant console against a real klaxond: a tenant admin's denied change passes as a
# governed exception (the justification travels as X-Klaxon-Override); receipts are verified
# client-side with the server.pub given by --pubkey and witnessed; an evidence bundle is
# exported over HTTP with its progress, verified and witnessed.
. "$(dirname "$0")/lib.sh"
: "${KLAXOND:?set KLAXOND to the klaxond binary}"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$port"
ADMIN=$("$KLAXOND" init --data "$T/server" | tail -n 1)
"$KLAXOND" serve --data "$T/server" --listen "127.0.0.1:$port" 2>>"$T/server.log" &
SERVER_PID=$!
for _ in $(seq 200); do
	curl -sf "$URL/healthz" >/dev/null 2>&1 && break
	sleep 0.05
done
api() { curl -sf -X "$1" "$URL$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' --data-binary "$4"; }
api POST /tenants "$ADMIN" '{"id":"acme","name":"Acme","region":"eu-west-1"}' >/dev/null
TOKEN=$(api POST /tenants/acme/actors "$ADMIN" '{"name":"quinn","roles":["tenant-admin"]}' |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
[ -n "$TOKEN" ] || { echo "no token" >&2; exit 1; }
api POST /tenants/acme/policy-profile "$TOKEN" '{"name":"guarded","rules":[{"id":"no-sev1",
	"effect":"forbid","actions":["incident.create"],"when":{"resource.severity":{"eq":"sev1"}}}]}' >/dev/null

console --server "$URL" --token "$TOKEN" --pubkey "$T/server/server.pub"
wait_for "│ acme │ quinn"
wait_for "online"

# Denied, explained, passed with a justification over HTTP.
keys n
wait_for "Declare an incident"
type_text "Storefront down"
keys Tab Left Left Enter y
wait_for "Deciding rule: no-sev1"
wait_for "You may pass it as a governed exception"
type_text "storefront is down for everyone"
keys Enter y
wait_for "declared, receipt rcp_"
wait_for "1 governed exception not acknowledged"
curl -sf "$URL/tenants/acme/exceptions" -H "Authorization: Bearer $TOKEN" | grep -q '"rules":\["no-sev1"\]' && ok ||
	bad "the server lists no exception"

# Receipts: verified here with server.pub, and witnessed.
keys L
wait_for "klaxon  Receipts"
wait_for "override"
wait_for "ledger "
keys v
wait_for "is included in that tree"
wait_for "witness:"
keys Enter

# Evidence over HTTP: exported, downloaded, verified and witnessed.
keys E
wait_for "klaxon  Evidence"
keys x
wait_for "Export evidence"
keys Enter y
wait_for "exported and verified" 20
wait_for "counts match the manifest"
ls "$T"/klaxon-evidence-acme-*.tar >/dev/null 2>&1 && ok || bad "no bundle written"

keys Q
wait_exit
finish
