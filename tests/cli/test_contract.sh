# The client contract: the same CLI session against the embedded store and against a real
# klaxond over HTTP must give the same answers (client/backend.h hides which is which).
set -e
. "$(dirname "$0")/lib.sh"
K="$KLAXON"

session() { # MODE, then the backend options in "$@"
	local mode=$1; shift
	expect_status 0 "$K" "$@" incident declare --title "Disk full on db-3" --severity sev2 --label disk --region eu
	local a=$OUT
	expect_match "$mode: declare prints an id" "$a" '^inc_[0-9a-z]{26}$'
	expect_status 0 "$K" "$@" incident declare --title "TLS cert expiring" --severity sev4
	local b=$OUT
	expect_status 0 "$K" "$@" incident update "$a" --status triaged --note "cleaning /var/log"
	expect_status 1 "$K" "$@" incident update "$a" --status declared
	expect_match "$mode: invalid transition" "$ERR" "invalid_transition"
	expect_status 1 "$K" "$@" incident update "$a" --status mitigating --if-match 1
	expect_match "$mode: stale version" "$ERR" "version_mismatch"
	expect_status 0 "$K" "$@" incident update "$a" --status mitigating --if-match 2
	expect_status 0 "$K" "$@" --json incident show "$a"
	expect_eq "$mode: status" "$(echo "$OUT" | jq -r .status)" "mitigating"
	expect_eq "$mode: version" "$(echo "$OUT" | jq -r .version)" "3"
	expect_eq "$mode: labels" "$(echo "$OUT" | jq -c .labels)" '["disk"]'
	expect_status 0 "$K" "$@" incident list --json --status triaged,mitigating
	expect_eq "$mode: filtered list" "$(echo "$OUT" | jq -r '[.items[].id] | join(",")')" "$a"
	expect_status 0 "$K" "$@" incident list --json --limit 1 --all
	expect_eq "$mode: --all walks every page" "$(echo "$OUT" | jq -r '[.items[].id] | join(",")')" "$b,$a"
	expect_status 0 "$K" "$@" timeline "$a" --json
	expect_eq "$mode: timeline" "$(echo "$OUT" | jq -r '[.items[].kind] | join(",")')" \
		"declared,status_changed,note,status_changed"
	expect_status 0 "$K" "$@" receipts --json --action incident.update
	expect_eq "$mode: receipts of updates" "$(echo "$OUT" | jq '.items | length')" "2"
	expect_status 1 "$K" "$@" incident show inc_0000000000000000000000000z
	expect_match "$mode: not found" "$ERR" "not_found"
	# The idempotency key replays: the second call makes no second incident.
	expect_status 0 "$K" "$@" incident declare --title "Once" --severity sev3 --idempotency-key k1
	local once=$OUT
	expect_status 0 "$K" "$@" incident declare --title "Once" --severity sev3 --idempotency-key k1
	expect_eq "$mode: replayed id" "$OUT" "$once"
	expect_status 1 "$K" "$@" incident declare --title "Twice" --severity sev3 --idempotency-key k1
	expect_match "$mode: key reused" "$ERR" "idempotency_key_reused"
}

# embedded
DB="$T/embedded.db"
"$K" --db "$DB" init >/dev/null
session embedded --db "$DB"

# remote: a tenant and a tenant-admin made by the platform admin over HTTP
start_server
api POST /tenants "$ADMIN_TOKEN" '{"id":"acme","name":"Acme"}' >/dev/null
TOKEN=$(api POST /tenants/acme/actors "$ADMIN_TOKEN" '{"name":"ops","roles":["tenant-admin"]}' | jq -r .token)
expect_match "actor token" "$TOKEN" '^kxt_'
session remote --server "$URL" --token "$TOKEN"
KLAXON_SERVER="$URL" KLAXON_TOKEN="$TOKEN" expect_status 0 "$K" incident list --json
expect_eq "KLAXON_SERVER/KLAXON_TOKEN" "$(echo "$OUT" | jq '.items | length')" "3"

# The same script of human-readable calls prints the same text in both modes, ids and times
# aside.
script() {
	local i
	i=$("$K" "$@" incident declare --title "Same in both" --severity sev1 --label x)
	"$K" "$@" incident update "$i" --status triaged --note "n1"
	"$K" "$@" incident update "$i" --status resolved
	"$K" "$@" incident show "$i"
	"$K" "$@" incident list --status resolved
	"$K" "$@" timeline "$i"
	"$K" "$@" incident update "$i" --status triaged 2>&1 || true
}
normalise() { sed -E 's/(inc|evt|rcp|act|req)_[0-9a-z]{26}/\1_ID/g; s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z/TIME/g'; }
script --db "$DB" | normalise > "$T/embedded.out"
script --server "$URL" --token "$TOKEN" | normalise > "$T/remote.out"
expect_eq "same output in both modes" "$(diff "$T/embedded.out" "$T/remote.out" && echo same)" "same"
expect_match "the script printed something" "$(cat "$T/remote.out")" "Same in both"

# A server that is down is a clear refusal, not a crash.
expect_status 1 "$K" --server "http://127.0.0.1:1" --token x incident list
expect_match "unreachable server" "$ERR" "cannot reach"
expect_status 1 "$K" --server "$URL" --token kxt_wrong incident list
expect_match "bad token" "$ERR" "unauthenticated"

finish
