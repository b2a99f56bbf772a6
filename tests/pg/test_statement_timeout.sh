#!/bin/bash
# A database that stops answering cannot hold klaxond's threads (needs KX_PG_CLUSTER): with
# `[store] statement_timeout_s = 2`, a request blocked behind a lock that another session
# holds is answered 503 with a JSON error after about two seconds, not when the lock goes (and
# not as a 404: the incident is there, the store did not answer); a change so cut off leaves
# nothing behind; the
# instance keeps serving meanwhile, and answers the same request once the lock is gone. After
# a database restart every session is new: the timeout must have been set again on it.
set -u
: "${KLAXOND:?}" "${KX_PG_CLUSTER:?run under a cluster: see tests/pg/cluster.sh}"
HERE=$(dirname "${BASH_SOURCE[0]}")
T=$(mktemp -d "${TMPDIR:-/tmp}/klaxon-timeout.XXXXXX")
PASS=0 FAIL=0 PIDS=()
ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); printf 'FAIL: %s\n' "$*" >&2; }
check() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', wanted '$3'"; fi; }
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

eval "$("$HERE/cluster.sh" newdb "$KX_PG_CLUSTER")"
ADMIN=$("$KLAXOND" init --data "$T/d" --store "$KX_PG_OWNER_URL" | tail -n 1)
printf '[store]\nstatement_timeout_s = 2\n' >"$T/d/klaxond.conf"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
B=http://127.0.0.1:$PORT
"$KLAXOND" serve --data "$T/d" --listen "127.0.0.1:$PORT" --store "$KX_PG_URL" 2>"$T/log" &
PIDS+=($!)
for _ in $(seq 150); do curl -sf "$B/readyz" >/dev/null && break; sleep 0.1; done
api() { curl -s -X POST "$B$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"; }
api /tenants "$ADMIN" '{"id":"acme","name":"acme"}' >/dev/null
TOK=$(api /tenants/acme/actors "$ADMIN" '{"name":"ops","roles":["tenant-admin"]}' | jq -r .token)
INC=$(api /incidents "$TOK" '{"title":"locked out","severity":"sev3"}' | jq -r .id)
check "an incident to read" "$(curl -s -o /dev/null -w '%{http_code}' "$B/incidents/$INC" \
	-H "Authorization: Bearer $TOK")" 200

# blocked ROUND: holds an exclusive lock on incidents for 12 s from another session while
# reading and then changing the incident; each must end in 503 well before the lock goes.
blocked() {
	psql "$KX_PG_OWNER_URL" -X -q -c "BEGIN; LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE;
		SELECT pg_sleep(12); COMMIT;" >/dev/null 2>&1 &
	local holder=$!
	PIDS+=("$holder")
	sleep 1 # the lock is taken
	local start out code took
	start=${EPOCHREALTIME/./}
	out=$(curl -s -m 30 -w '\n%{http_code}' "$B/incidents/$INC" -H "Authorization: Bearer $TOK")
	took=$(((${EPOCHREALTIME/./} - start) / 1000)) # ms
	code=$(tail -n 1 <<<"$out")
	check "$1: a read behind the lock is a 503" "$code" 503
	check "$1: with a JSON error" "$(sed '$d' <<<"$out" | jq -r .error.code)" unavailable
	check "$1: answered by the timeout (~2 s), not the lock's end (took $took ms)" \
		"$((took >= 1500 && took < 8000))" 1
	check "$1: the instance serves meanwhile" "$(curl -s -o /dev/null -w '%{http_code}' "$B/healthz")" 200
	out=$(curl -s -m 30 -w '\n%{http_code}' -X PATCH "$B/incidents/$INC" -H "Authorization: Bearer $TOK" \
		-H 'Content-Type: application/json' -d "{\"title\":\"$1\"}")
	check "$1: a change behind the lock is a 503" "$(tail -n 1 <<<"$out")" 503
	wait "$holder"
	check "$1: the change did not happen" "$(curl -s "$B/incidents/$INC" \
		-H "Authorization: Bearer $TOK" | jq -r .title)" "locked out"
	check "$1: the read succeeds once the lock is gone" \
		"$(curl -s -o /dev/null -w '%{http_code}' "$B/incidents/$INC" -H "Authorization: Bearer $TOK")" 200
}
blocked "first session"

"$HERE/cluster.sh" pause "$KX_PG_CLUSTER"
check "database down: 503" "$(curl -s -o /dev/null -w '%{http_code}' "$B/incidents/$INC" \
	-H "Authorization: Bearer $TOK")" 503
"$HERE/cluster.sh" resume "$KX_PG_CLUSTER"
for _ in $(seq 100); do curl -sf "$B/readyz" >/dev/null && break; sleep 0.1; done
blocked "after a reconnect"

echo "test_statement_timeout.sh: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
