# Operations: the ledger is verified at start (a tampered store makes /readyz fail and is
# counted), online backups of a live store verify and hold a prefix of its receipts, klaxond
# keeps secrets out of its log and out of core dumps.
set -e
. "$(dirname "$0")/lib.sh"
K="$KLAXON"
D="$T/server"
ADMIN_TOKEN=$("$KLAXOND" init --data "$D" | tail -n 1)
serve() {
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	URL="http://127.0.0.1:$PORT"
	"$KLAXOND" serve --data "$D" --listen "127.0.0.1:$PORT" 2>>"$T/server.log" &
	SERVER_PID=$!
	for _ in $(seq 100); do curl -sf "$URL/healthz" >/dev/null 2>&1 && return 0; sleep 0.05; done
	return 1
}
serve
trap 'stop_server; rm -rf "$T"' EXIT
api POST /tenants "$ADMIN_TOKEN" '{"id":"acme","name":"Acme"}' >/dev/null
TOKEN=$(api POST /tenants/acme/actors "$ADMIN_TOKEN" '{"name":"ops","roles":["responder"]}' | jq -r .token)
for i in $(seq 20); do api POST /incidents "$TOKEN" "{\"title\":\"i$i\",\"severity\":\"sev3\"}" >/dev/null; done
expect_eq "ready on a sound store" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" "200"
expect_match "verified at start" "$(cat "$T/server.log")" "ledger verified"
expect_eq "core dumps off" "$(awk '/Max core file size/ {print $5}' /proc/$SERVER_PID/limits)" "0"

# An online backup while a writer keeps writing.
( for i in $(seq 200); do api POST /incidents "$TOKEN" "{\"title\":\"w$i\",\"severity\":\"sev4\"}" >/dev/null; done ) &
WRITER=$!
sleep 0.3
expect_status 0 "$KLAXOND" backup --data "$D" -o "$T/backup.db"
expect_status 1 "$KLAXOND" backup --data "$D" -o "$T/backup.db"
expect_match "backup never overwrites" "$ERR" "exists"
wait "$WRITER"
expect_eq "backup file mode" "$(stat -c %a "$T/backup.db")" "600"
cp "$D/server.key" "$T/backup.db.key"
expect_status 0 "$K" --db "$T/backup.db" --tenant platform --as platform-admin ledger verify
stop_server
B=$(sqlite3 "$T/backup.db" "SELECT group_concat(id, ',') FROM (SELECT id FROM receipts WHERE tenant_id='acme' ORDER BY seq)")
O=$(sqlite3 "$D/klaxon.db" "SELECT group_concat(id, ',') FROM (SELECT id FROM receipts WHERE tenant_id='acme' ORDER BY seq)")
case "$O" in "$B"*) ok ;; *) bad "the backup's receipts are not a prefix of the store's" ;; esac
expect_match "the store went on after the backup" "$(( $(echo "$O" | tr ',' '\n' | wc -l) > $(echo "$B" | tr ',' '\n' | wc -l) ))" "^1$"

# Tamper with a receipt: klaxond starts, but /readyz fails, the metric counts it, /alerts says so.
sqlite3 "$D/klaxon.db" "DROP TRIGGER receipts_no_update; UPDATE receipts SET leaf = replace(leaf, 'incident.create', 'incident.crate') WHERE tenant_id='acme' AND seq = 3;"
serve
expect_eq "not ready while integrity is broken" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" "503"
expect_eq "readyz says why" "$(curl -s "$URL/readyz" | jq -r .error.code)" "unavailable"
expect_match "failure counted" "$(curl -s "$URL/metrics")" "klaxon_receipt_verification_failures_total 1"
expect_match "alert raised" "$(api GET /alerts "$TOKEN" | jq -r '[.items[].kind] | join(",")')" "integrity_failure"
expect_match "logged loudly" "$(cat "$T/server.log")" "LEDGER VERIFICATION FAILED"
stop_server
expect_eq "no token in the log" "$(grep -c 'kxt_' "$T/server.log" || true)" "0"

# The embedded store: a backup while the CLI writes.
DB="$T/e.db"
"$K" --db "$DB" init >/dev/null
( for i in $(seq 30); do "$K" --db "$DB" incident declare --title "e$i" --severity sev4 >/dev/null; done ) &
WRITER=$!
sleep 0.2
expect_status 0 "$K" --db "$DB" backup -o "$T/e-backup.db"
wait "$WRITER"
cp "$DB.key" "$T/e-backup.db.key"
expect_status 0 "$K" --db "$T/e-backup.db" ledger verify
expect_status 0 "$K" --db "$DB" ledger verify
finish
