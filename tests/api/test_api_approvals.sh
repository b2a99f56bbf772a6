# Approval gates of finished executions: a gate open when its execution is aborted or rolled
# back is skipped with it and leaves GET /approvals and the pending-approvals gauge; a gate row
# still open under a finished execution (as a store written before that rule holds) is not
# pending either. The pending list pages with a cursor that keeps gates requested in one
# millisecond apart. On SQLite here and on PostgreSQL under pg-tests: the stores' queries differ.
. "$(dirname "$0")/lib.sh"
command -v minisign >/dev/null || { echo "minisign is required" >&2; exit 2; }
start_server

api "$ADMIN" POST /tenants '{"id":"acme","name":"Acme"}'
expect_status "tenant" 201
api "$ADMIN" POST /tenants/acme/actors '{"name":"boss","roles":["tenant-admin"]}'
BOSS=$(j .token)
minisign -G -W -p "$T/rb.pub" -s "$T/rb.key" >/dev/null
api "$BOSS" POST /tenants/acme/signing-keys "$(jq -n --arg k "$(tail -1 "$T/rb.pub")" '{name:"ci",public_key:$k}')"
expect_status "signing key" 201
cat >"$T/held.json" <<'DOC'
{"id":"held","name":"held","risk":"high","steps":[
 {"id":"check","title":"check","kind":"manual","rollback":{"kind":"manual"}},
 {"id":"gate","title":"approve","kind":"approval","approvals":{"count":1,"roles":["approver"]}},
 {"id":"done","title":"done","kind":"manual"}]}
DOC
minisign -S -s "$T/rb.key" -m "$T/held.json" >/dev/null
api "$BOSS" POST /runbooks "$(jq -n --rawfile d "$T/held.json" --rawfile s "$T/held.json.minisig" '{document:$d,signature:$s}')"
expect_status "published" 201

launch_to_gate() { # prints the id of an execution waiting at its gate
	api "$BOSS" POST /runbooks/held:launch '{}'
	local id
	id=$(j .id)
	api "$BOSS" POST "/run-executions/$id/steps/check:execute" '{}'
	echo "$id"
}
pending() { api "$BOSS" GET '/approvals?status=pending'; j '[.items[].execution_id] | join(" ")'; }
gauge() { curl -s "$BASE/metrics" | awk '$1 == "klaxon_pending_approvals" { print $2 }'; }
steps() { api "$BOSS" GET "/run-executions/$1"; j '[.status, (.steps[] | .status)] | join(" ")'; }
check() { # WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', wanted '$3'"; fi
}

ABORTED=$(launch_to_gate)
ROLLED=$(launch_to_gate)
OPEN=$(launch_to_gate)
check "three gates pending" "$(pending | wc -w)" "3"
check "the gauge counts three" "$(gauge)" "3"
api "$BOSS" POST "/run-executions/$ABORTED:abort" '{"reason":"not needed"}'
expect_status "abort" 200
check "abort skips the open gate" "$(j '.steps[1].status')" "skipped"
api "$BOSS" POST "/run-executions/$ROLLED:rollback" '{"reason":"drill","wait_s":10}'
expect_status "rollback" 200
check "the aborted run" "$(steps "$ABORTED")" "aborted succeeded skipped pending"
check "the rolled back run" "$(steps "$ROLLED")" "rolled_back rolled_back skipped pending"
check "only the open gate is pending" "$(pending)" "$OPEN"
check "the gauge counts one" "$(gauge)" "1"

sql() { # runs SQL on the server's store, across tenants
	if [ -n "${KX_PG_CLUSTER:-}" ]; then
		psql -X -q -v ON_ERROR_STOP=1 "$KX_PG_OWNER_URL" -c "SET klaxon.tenant = '*'; $1"
	else
		python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
db.execute(sys.argv[2])
db.commit()' "$DATA/klaxon.db" "$1"
	fi
}

# The row as a store written before the rule holds it: the aborted run's gate still open.
SQL="UPDATE execution_steps SET status = 'awaiting_approval' WHERE tenant_id = 'acme'"
SQL="$SQL AND execution_id = '$ABORTED' AND id = 'gate'"
sql "$SQL" && ok || bad "could not reopen the gate"
check "the reopened row is there" "$(steps "$ABORTED")" "aborted succeeded awaiting_approval pending"
check "but an aborted run's gate is not pending" "$(pending)" "$OPEN"
check "nor counted" "$(gauge)" "1"

# Pages of two walk every open gate once, in the order of one page, and end with a null
# cursor; three of the gates are requested in the same millisecond (keyed by time alone, a
# page boundary between them would skip or repeat one).
MORE="$(launch_to_gate) $(launch_to_gate) $(launch_to_gate) $(launch_to_gate)"
read -r G1 G2 G3 _ <<<"$MORE"
api "$BOSS" GET '/approvals?status=pending'
AT=$(printf '%s' "$BODY" | jq -r --arg e "$G1" '.items[] | select(.execution_id == $e).requested_at')
SQL="UPDATE execution_steps SET started_at = '$AT' WHERE tenant_id = 'acme' AND id = 'gate'"
sql "$SQL AND execution_id IN ('$G1', '$G2', '$G3')" && ok || bad "could not tie the gates' times"
ALL=$(pending)
check "five gates pending" "$(printf '%s\n' $ALL | sort | paste -sd' ')" \
	"$(printf '%s\n' $OPEN $MORE | sort | paste -sd' ')"
api "$BOSS" GET '/approvals?status=pending&limit=2'
SEEN=$(j '[.items[].execution_id] | join(" ")')
CUR=$(j .next_cursor)
check "page 1 has a cursor" "$(j '.next_cursor | type')" "string"
pages=1
while [ "$CUR" != "null" ] && [ $pages -lt 10 ]; do
	api "$BOSS" GET "/approvals?status=pending&limit=2&cursor=$(jq -rn --arg c "$CUR" '$c|@uri')"
	expect_status "cursor page $((pages + 1))" 200
	SEEN="$SEEN $(j '[.items[].execution_id] | join(" ")')"
	CUR=$(j .next_cursor)
	pages=$((pages + 1))
done
check "the pages walk every pending gate once" "$SEEN" "$ALL"
check "five gates in pages of two" "$pages" "3"
api "$BOSS" GET '/approvals?status=pending&limit=5'
check "a full page has no cursor" "$(j .next_cursor)" "null"
for c in not-a-cursor "$AT~$G1" "$AT~$G1~x" "$AT~$G1~-1" "$AT~inc_x~1" "soon~$G1~1" "$AT~$G1~1~"; do
	api "$BOSS" GET "/approvals?status=pending&cursor=$(jq -rn --arg c "$c" '$c|@uri')"
	expect_error "cursor=$c" 400 invalid_query
done
finish
