#!/bin/bash
# Two klaxond instances on one PostgreSQL database (needs KX_PG_CLUSTER, a cluster made by
# tests/pg/cluster.sh): several clients send interleaved mutations for the same tenants to
# both; afterwards every tenant's receipts run 1..N without a gap or a duplicate, the count is
# exactly what the clients were answered, `klaxon ledger verify` passes through either
# instance, an idempotent request replayed at the other instance is replayed (not run again),
# concurrent updates of one incident lose nothing, and a database outage is a 503 with a JSON
# body on both instances, which recover when it returns.
set -u
: "${KLAXOND:?}" "${KLAXON:?}" "${KX_PG_CLUSTER:?run under a cluster: see tests/pg/cluster.sh}"
HERE=$(dirname "${BASH_SOURCE[0]}")
T=$(mktemp -d "${TMPDIR:-/tmp}/klaxon-two.XXXXXX")
export XDG_STATE_HOME="$T/state"
PASS=0 FAIL=0 PIDS=()
ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); printf 'FAIL: %s\n' "$*" >&2; }
check() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', wanted '$3'"; fi; }
cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

eval "$("$HERE/cluster.sh" newdb "$KX_PG_CLUSTER")"
ADMIN=$("$KLAXOND" init --data "$T/a" --store "$KX_PG_OWNER_URL" | tail -n 1)
# The second instance shares the store and the server key: a copy of the first's directory.
cp -a "$T/a" "$T/b"
BASES=()
for d in a b; do
	port=$(free_port)
	"$KLAXOND" serve --data "$T/$d" --listen "127.0.0.1:$port" --store "$KX_PG_URL" \
		2>"$T/$d.log" &
	PIDS+=($!)
	BASES+=("http://127.0.0.1:$port")
done
for b in "${BASES[@]}"; do
	for _ in $(seq 150); do curl -sf "$b/readyz" >/dev/null && break; sleep 0.1; done
done
check "both instances ready" "$(curl -s -o /dev/null -w '%{http_code}' "${BASES[1]}/readyz")" 200

# req BASE METHOD PATH TOKEN [BODY [HEADER...]]: prints "STATUS BODY" on one line.
req() {
	local base=$1 m=$2 p=$3 tok=$4 body=${5:-}
	shift 5 2>/dev/null || shift $#
	local args=(-s -X "$m" "$base$p" -H "Authorization: Bearer $tok" -w '\n%{http_code}')
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	for h in "$@"; do args+=(-H "$h"); done
	local out
	out=$(curl "${args[@]}")
	printf '%s %s\n' "$(tail -n 1 <<<"$out")" "$(sed '$d' <<<"$out" | tr -d '\n')"
}

TOKENS=()
for t in acme globex; do
	req "${BASES[0]}" POST /tenants "$ADMIN" "{\"id\":\"$t\",\"name\":\"$t\"}" >/dev/null
	tok=$(req "${BASES[1]}" POST "/tenants/$t/actors" "$ADMIN" '{"name":"ops","roles":["tenant-admin"]}' |
		cut -d' ' -f2- | jq -r .token)
	TOKENS+=("$tok")
done
check "actor tokens made on either instance" "${#TOKENS[@]}" 2

# Four clients per tenant, each alternating between the instances: declare, then update.
client() { # TENANT_INDEX CLIENT N
	local tok=${TOKENS[$1]} i r id
	for i in $(seq "$3"); do
		r=$(req "${BASES[$((i % 2))]}" POST /incidents "$tok" "{\"title\":\"c$2 n$i\",\"severity\":\"sev3\"}")
		echo "${r%% *}"
		id=$(cut -d' ' -f2- <<<"$r" | jq -r .id)
		r=$(req "${BASES[$(((i + 1) % 2))]}" PATCH "/incidents/$id" "$tok" '{"status":"triaged","note":"x"}')
		echo "${r%% *}"
	done >"$T/client.$1.$2"
}
N=${TWO_INSTANCE_N:-15}
for ti in 0 1; do for c in 1 2 3 4; do client "$ti" "$c" "$N" & done; done
wait_clients() { for j in $(jobs -p); do case " ${PIDS[*]} " in *" $j "*) ;; *) wait "$j" ;; esac; done; }
wait_clients
for ti in 0 1; do
	codes=$(cat "$T"/client."$ti".* | sort | uniq -c | tr -s ' ' | tr '\n' ';')
	check "tenant $ti: every mutation answered 200/201" "$codes" " $((4 * N)) 200; $((4 * N)) 201;"
done

# Concurrent PATCHes of one incident through both instances: none is lost (versions count
# them all), and a stale If-Match is refused.
tok=${TOKENS[0]}
id=$(req "${BASES[0]}" POST /incidents "$tok" '{"title":"contended","severity":"sev2"}' | cut -d' ' -f2- | jq -r .id)
for k in $(seq 10); do
	req "${BASES[$((k % 2))]}" PATCH "/incidents/$id" "$tok" "{\"title\":\"t$k\"}" >"$T/patch.$k" &
done
wait_clients
check "10 concurrent retitles all answered 200" "$(cut -d' ' -f1 "$T"/patch.* | sort | uniq -c | tr -s ' ')" " 10 200"
check "version counts every update" "$(req "${BASES[1]}" GET "/incidents/$id" "$tok" | cut -d' ' -f2- | jq .version)" 11
r=$(req "${BASES[0]}" PATCH "/incidents/$id" "$tok" '{"title":"stale"}' 'If-Match: "3"')
check "stale If-Match → 412" "${r%% *}" 412

# Idempotency across instances: a replay at the other instance replays; so does a pair sent
# to both at once (one runs, the other waits for it and replays).
body='{"title":"once","severity":"sev4"}'
r1=$(req "${BASES[0]}" POST /incidents "$tok" "$body" 'Idempotency-Key: k-1')
h=$(curl -s -D - -o "$T/replay.body" -X POST "${BASES[1]}/incidents" -H "Authorization: Bearer $tok" \
	-H 'Content-Type: application/json' -H 'Idempotency-Key: k-1' --data-binary "$body")
check "replay at the other instance is marked" "$(grep -ci '^Idempotent-Replayed: true' <<<"$h")" 1
check "replay answers the first id" "$(jq -r .id "$T/replay.body")" "$(cut -d' ' -f2- <<<"$r1" | jq -r .id)"
for k in $(seq 8); do
	req "${BASES[$((k % 2))]}" POST /incidents "$tok" "$body" "Idempotency-Key: k-race" >"$T/race.$k" &
done
wait_clients
check "8 concurrent same-key requests name one incident" \
	"$(cut -d' ' -f2- "$T"/race.* | jq -r .id | sort -u | wc -l)" 1
check "...and made it once" \
	"$(req "${BASES[0]}" GET '/incidents?q=once&limit=100' "$tok" | cut -d' ' -f2- | jq '.items | length')" 2

# The ledgers: seqs 1..N without a gap, as many as the answers above, verified end to end.
for ti in 0 1; do
	tok=${TOKENS[$ti]} cursor="" seqs=()
	while :; do
		page=$(req "${BASES[$ti]}" GET "/receipts?limit=500${cursor:+&cursor=$cursor}" "$tok" | cut -d' ' -f2-)
		mapfile -t got < <(jq -r '.items[].seq' <<<"$page")
		seqs+=("${got[@]}")
		cursor=$(jq -r '.next_cursor // empty' <<<"$page")
		[ -n "$cursor" ] || break
	done
	n=${#seqs[@]}
	check "tenant $ti: receipts are 1..$n in order" "$(printf '%s\n' "${seqs[@]}" | awk '$1 != NR {print "gap at " NR; exit}')" ""
	# tenant.create and actor.create are in the tenant's ledger too
	[ "$ti" -eq 0 ] && want=$((2 + 8 * N + 1 + 10 + 2)) || want=$((2 + 8 * N))
	check "tenant $ti: one receipt per mutation that ran" "$n" "$want"
done
# Metering from both instances adds up in one place: every declare counted once.
u=$(req "${BASES[0]}" GET "/tenants/globex/usage?from=2000-01-01T00:00:00.000Z&to=2100-01-01T00:00:00.000Z" "${TOKENS[1]}")
check "globex's usage counts every incident.create from both instances" \
	"$(cut -d' ' -f2- <<<"$u" | jq '.totals["incident.create"]')" $((4 * N))

# Every ledger of the deployment recomputed and checked against every signed checkpoint.
verify() {
	if KLAXON_KEY="$T/a/server.key" "$KLAXON" --db "$KX_PG_URL" ledger verify >"$T/verify.out" 2>&1
	then ok; else bad "klaxon ledger verify $1: $(tail -n 3 "$T/verify.out")"; fi
}
verify "after the load"

# An outage: while the database is down both instances answer 503 with a JSON error (and stay
# up); when it is back they serve again without a restart.
"$HERE/cluster.sh" pause "$KX_PG_CLUSTER"
for b in "${BASES[@]}"; do
	r=$(req "$b" POST /incidents "$tok" '{"title":"during outage","severity":"sev4"}')
	check "$b: mutation during the outage → 503" "${r%% *}" 503
	check "$b: ...with a JSON error" "$(cut -d' ' -f2- <<<"$r" | jq -r .error.code 2>/dev/null)" unavailable
	r=$(req "$b" GET /incidents "$tok")
	check "$b: read during the outage → 503" "${r%% *}" 503
	check "$b: /readyz fails" "$(curl -s -o /dev/null -w '%{http_code}' "$b/readyz")" 503
done
"$HERE/cluster.sh" resume "$KX_PG_CLUSTER"
for b in "${BASES[@]}"; do
	r=$(req "$b" POST /incidents "$tok" '{"title":"after outage","severity":"sev4"}')
	check "$b: mutation after the outage → 201" "${r%% *}" 201
	r=$(req "$b" GET /incidents "$tok")
	check "$b: read after the outage → 200" "${r%% *}" 200
done
for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && ok || bad "an instance died (pid $p)"; done
verify "after the outage"

for p in "${PIDS[@]}"; do
	kill -TERM "$p"
	wait "$p" && ok || bad "an instance did not exit 0 on SIGTERM"
done
PIDS=()
echo "$(basename "$0"): $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
