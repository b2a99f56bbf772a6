#!/bin/bash
# The PostgreSQL store's second wall (needs KX_PG_CLUSTER): with two tenants' data made through
# klaxond, the service role, by plain SQL, sees nothing without a tenant scope, only its
# scope's rows with one, cannot write into another tenant, does not own the tables, and cannot
# rewrite the ledger; the owner cannot either (the triggers bind it too).
set -u
: "${KLAXOND:?}" "${KX_PG_CLUSTER:?run under a cluster: see tests/pg/cluster.sh}"
HERE=$(dirname "${BASH_SOURCE[0]}")
T=$(mktemp -d "${TMPDIR:-/tmp}/klaxon-rls.XXXXXX")
PASS=0 FAIL=0 PID=""
ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); printf 'FAIL: %s\n' "$*" >&2; }
check() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', wanted '$3'"; fi; }
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT

eval "$("$HERE/cluster.sh" newdb "$KX_PG_CLUSTER")"
ADMIN=$("$KLAXOND" init --data "$T/d" --store "$KX_PG_OWNER_URL" | tail -n 1)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
B=http://127.0.0.1:$PORT
"$KLAXOND" serve --data "$T/d" --listen "127.0.0.1:$PORT" --store "$KX_PG_URL" 2>"$T/log" &
PID=$!
for _ in $(seq 150); do curl -sf "$B/readyz" >/dev/null && break; sleep 0.1; done
api() { curl -s -X POST "$B$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"; }
for t in acme globex; do
	api /tenants "$ADMIN" "{\"id\":\"$t\",\"name\":\"$t\"}" >/dev/null
	tok=$(api "/tenants/$t/actors" "$ADMIN" '{"name":"ops","roles":["tenant-admin"]}' | jq -r .token)
	n=2
	[ "$t" = globex ] && n=3
	for i in $(seq $n); do api /incidents "$tok" "{\"title\":\"$t $i\",\"severity\":\"sev3\"}" >/dev/null; done
done

# sql URL SQL: one value, or the error's first line.
sql() { psql "$1" -X -q -t -A -v ON_ERROR_STOP=1 -c "$2" 2>&1 | head -n 1; }
check "no scope: the service role sees no incident" "$(sql "$KX_PG_URL" 'SELECT count(*) FROM incidents')" 0
check "no scope: no receipt, no actor, no tenant" \
	"$(sql "$KX_PG_URL" 'SELECT (SELECT count(*) FROM receipts) + (SELECT count(*) FROM actors) + (SELECT count(*) FROM tenants)')" 0
scoped() { sql "$KX_PG_URL" "SET klaxon.tenant = 'acme'; $1"; }
check "scoped to acme: acme's incidents" "$(scoped 'SELECT count(*) FROM incidents')" 2
check "scoped to acme: nothing of globex even when asked by name" \
	"$(scoped "SELECT count(*) FROM incidents WHERE tenant_id = 'globex'")" 0
check "scoped to acme: globex's receipts are not there" \
	"$(scoped "SELECT count(*) FROM receipts WHERE tenant_id = 'globex'")" 0
check "scoped to acme: the tenants table shows acme alone" "$(scoped "SELECT string_agg(id, ',') FROM tenants")" acme
w=$(scoped "INSERT INTO incidents(tenant_id, id, title, severity, status, created_at, updated_at, version) VALUES ('globex', 'inc_x', 'planted', 'sev1', 'declared', 'x', 'x', 1)")
check "scoped to acme: writing a globex row is refused" "$(grep -c 'row-level security' <<<"$w")" 1
scoped "UPDATE incidents SET title = 'moved' WHERE tenant_id = 'globex'" >/dev/null
check "scoped to acme: updating globex rows touches none" \
	"$(sql "$KX_PG_URL" "SET klaxon.tenant = '*'; SELECT count(*) FROM incidents WHERE title = 'moved'")" 0
check "the service role does not own the tables" \
	"$(sql "$KX_PG_URL" "SELECT tableowner FROM pg_tables WHERE tablename = 'incidents'")" klaxon_owner
for who in "$KX_PG_URL" "$KX_PG_OWNER_URL"; do
	role=${who#postgresql://}
	role=${role%%@*}
	w=$(sql "$who" "SET klaxon.tenant = '*'; UPDATE receipts SET leaf = 'x'")
	check "$role: UPDATE receipts refused" "$(grep -c 'append-only' <<<"$w")" 1
	w=$(sql "$who" "SET klaxon.tenant = '*'; DELETE FROM checkpoints")
	check "$role: DELETE checkpoints refused" "$(grep -c 'append-only' <<<"$w")" 1
done
w=$(sql "$KX_PG_OWNER_URL" "TRUNCATE ledger_nodes")
check "owner: TRUNCATE ledger_nodes refused" "$(grep -c 'append-only' <<<"$w")" 1
check "klaxond still ready" "$(curl -s -o /dev/null -w '%{http_code}' "$B/readyz")" 200

kill -TERM "$PID"
wait "$PID" && ok || bad "klaxond did not exit 0 on SIGTERM"
PID=""
echo "$(basename "$0"): $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
