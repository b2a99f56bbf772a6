# klaxond over TLS with a throwaway self-signed certificate; the client verifies by default.
set -e
. "$(dirname "$0")/lib.sh"
K="$KLAXON"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	-keyout "$T/tls.key" -out "$T/tls.crt" 2>/dev/null
ADMIN_TOKEN=$("$KLAXOND" init --data "$T/server" | tail -n 1)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$KLAXOND" serve --data "$T/server" --listen "127.0.0.1:$PORT" \
	--tls-cert "$T/tls.crt" --tls-key "$T/tls.key" 2>"$T/server.log" &
SERVER_PID=$!
trap 'stop_server; rm -rf "$T"' EXIT
URL="https://127.0.0.1:$PORT"
for _ in $(seq 100); do
	curl -sf --cacert "$T/tls.crt" "$URL/healthz" >/dev/null 2>&1 && break
	sleep 0.05
done
expect_status 0 curl -sf --cacert "$T/tls.crt" "$URL/healthz"
expect_status 0 curl -s --cacert "$T/tls.crt" -X POST "$URL/tenants" -H "Authorization: Bearer $ADMIN_TOKEN" \
	-H 'Content-Type: application/json' -d '{"id":"acme","name":"Acme"}'
TOKEN=$(curl -s --cacert "$T/tls.crt" -X POST "$URL/tenants/acme/actors" \
	-H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
	-d '{"name":"ops","roles":["responder"]}' | jq -r .token)
expect_status 0 "$K" --server "$URL" --token "$TOKEN" --cacert "$T/tls.crt" incident declare --title "over TLS" --severity sev3
expect_match "declared over TLS" "$OUT" '^inc_'
# Without the CA the certificate is not trusted: refused, not silently accepted.
expect_status 1 "$K" --server "$URL" --token "$TOKEN" incident list
expect_match "unverified certificate refused" "$ERR" "cannot reach"
# --insecure is the explicit way around it.
expect_status 0 "$K" --server "$URL" --token "$TOKEN" --insecure incident list
# The user config file names the server, the token and the CA; a token others can read is refused.
printf 'server = %s\ntoken = %s\ncacert = %s\n' "$URL" "$TOKEN" "$T/tls.crt" > "$T/config"
chmod 600 "$T/config"
expect_status 0 "$K" --config "$T/config" incident list --json
expect_eq "config file backend" "$(echo "$OUT" | jq -r '.items[0].title')" "over TLS"
chmod 644 "$T/config"
expect_status 2 "$K" --config "$T/config" incident list
expect_match "readable token refused" "$ERR" "chmod 600"
printf 'sever = x\n' > "$T/typo"
expect_status 2 "$K" --config "$T/typo" incident list
expect_match "config typo named" "$ERR" "typo:1: unknown key sever"
# Plain HTTP to a TLS port fails cleanly too.
expect_status 1 "$K" --server "http://127.0.0.1:$PORT" --token "$TOKEN" incident list
finish
