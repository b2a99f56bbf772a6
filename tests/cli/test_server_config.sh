# klaxond's configuration and operational endpoints: feature flags globally and per tenant,
# the body limit, a pool of threads instead of one per connection, readyz and metrics, a clear
# refusal on an empty data dir and a bad config.
set -e
. "$(dirname "$0")/lib.sh"
cat > "$T/klaxond.conf" <<CONF
[server]
threads = 4
# incidents off for everyone but acme
[features]
incidents = off
[tenant.acme]
incidents = on
[limits]
body_bytes = 4096
CONF
ADMIN_TOKEN=$("$KLAXOND" init --data "$T/server" | tail -n 1)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$KLAXOND" serve --data "$T/server" --listen "127.0.0.1:$PORT" --config "$T/klaxond.conf" 2>"$T/server.log" &
SERVER_PID=$!
trap 'stop_server; rm -rf "$T"' EXIT
URL="http://127.0.0.1:$PORT"
for _ in $(seq 100); do curl -sf "$URL/healthz" >/dev/null 2>&1 && break; sleep 0.05; done

api POST /tenants "$ADMIN_TOKEN" '{"id":"acme","name":"Acme"}' >/dev/null
api POST /tenants "$ADMIN_TOKEN" '{"id":"beta","name":"Beta"}' >/dev/null
A=$(api POST /tenants/acme/actors "$ADMIN_TOKEN" '{"name":"a","roles":["responder"]}' | jq -r .token)
B=$(api POST /tenants/beta/actors "$ADMIN_TOKEN" '{"name":"b","roles":["responder"]}' | jq -r .token)
OUT=$(api POST /incidents "$A" '{"title":"on for acme","severity":"sev3"}')
expect_match "acme may use incidents" "$OUT" '"status":"declared"'
OUT=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/incidents" -H "Authorization: Bearer $B" -H 'Content-Type: application/json' -d '{"title":"x","severity":"sev3"}')
expect_eq "beta: feature switched off" "$OUT" "404"
OUT=$(api GET /incidents "$B")
expect_eq "feature_disabled code" "$(echo "$OUT" | jq -r .error.code)" "feature_disabled"

BIG=$(python3 -c 'print("{\"title\":\"" + "x"*5000 + "\",\"severity\":\"sev3\"}")')
OUT=$(curl -s -w ' %{http_code}' -X POST "$URL/incidents" -H "Authorization: Bearer $A" -H 'Content-Type: application/json' --data-binary "$BIG")
expect_match "configured body limit" "$OUT" 'body_too_large.* 413$'

# Twelve creates at once on a pool of four threads: each thread serves several connections.
POOL=()
for i in $(seq 12); do
	curl -s -o /dev/null -w '%{http_code}\n' -X POST "$URL/incidents" -H "Authorization: Bearer $A" \
		-H 'Content-Type: application/json' -d "{\"title\":\"pool $i\",\"severity\":\"sev3\"}" >"$T/pool.$i" &
	POOL+=($!)
done
wait "${POOL[@]}"
expect_eq "12 concurrent creates on a pool of 4 threads all answer 201" "$(cat "$T"/pool.* | sort | uniq -c | tr -s ' ')" " 12 201"
# The pool is what serves: ten more open connections add no thread (one per connection would
# add ten).
threads() { ls "/proc/$SERVER_PID/task" | wc -l; }
BEFORE=$(threads)
IDLE=()
for i in $(seq 10); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	IDLE+=("$fd")
done
sleep 0.5
AFTER=$(threads)
for fd in "${IDLE[@]}"; do exec {fd}>&-; done
expect_eq "ten idle connections on a pool start no thread" "$((AFTER - BEFORE))" 0

expect_eq "readyz" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" "200"
I=$(api POST /incidents "$A" '{"title":"t","severity":"sev3"}' | jq -r .id)
api PATCH "/incidents/$I" "$A" '{"status":"closed"}' >/dev/null
OUT=$(curl -s "$URL/metrics")
expect_match "transition failures counted" "$OUT" 'klaxon_incident_transition_failures_total 1'
expect_match "requests by op and status" "$OUT" 'klaxon_http_requests_total\{op="incident.update",status="409"\} 1'

expect_match "metrics from loopback" "$OUT" 'klaxon_tenant_requests_total\{tenant="acme"\}'
expect_match "latency histogram" "$OUT" 'klaxon_op_duration_seconds_count\{op="incident.create"\}'
expect_match "policy evaluation histogram" "$OUT" 'klaxon_policy_eval_seconds_count [1-9]'
printf '%s\n' "$OUT" > "$T/metrics.txt"
expect_match "pending approvals gauge" "$OUT" 'klaxon_pending_approvals 0'
expect_status 0 promtool check metrics < "$T/metrics.txt"
expect_status 0 promtool check rules "$(dirname "$0")/../../docs/alerts.yml"
OUT=$(api GET /alerts "$A")
expect_eq "no alerts on a quiet tenant" "$(echo "$OUT" | jq -c .items)" "[]"
for _ in 1 2 3; do api PATCH "/incidents/$I" "$A" '{"status":"closed"}' >/dev/null; done
OUT=$(api GET /alerts "$A")
expect_eq "refused transitions raise an alert" "$(echo "$OUT" | jq -r '.items[0].kind')" "incident_transition_failures"
stop_server

# Refusals that say what to do.
expect_status 1 "$KLAXOND" serve --data "$T/empty" --listen 127.0.0.1:1
expect_match "empty data dir" "$ERR" "klaxond init"
printf '[features]\nincidnets = off\n' > "$T/typo.conf"
expect_status 1 "$KLAXOND" serve --data "$T/server" --config "$T/typo.conf"
expect_match "config typo named" "$ERR" "typo.conf:2: unknown key incidnets"
printf '[store]\nstatement_timeout_s = 0\n' > "$T/timeout.conf"
expect_status 1 "$KLAXOND" serve --data "$T/server" --config "$T/timeout.conf"
expect_match "a statement timeout out of range named" "$ERR" "timeout.conf:2"
expect_status 1 "$KLAXOND" init --data "$T/server"
expect_match "init refuses an existing store" "$ERR" "exists"
expect_status 2 "$KLAXOND" serve
finish
