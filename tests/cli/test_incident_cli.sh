# The CLI forms of the core issue, exactly as written there, on a real embedded store.
set -e
. "$(dirname "$0")/lib.sh"
DB="$T/k.db"
K="$KLAXON"

# init, and init refusing an existing store
expect_status 0 "$K" --db "$DB" init
expect_status 1 "$K" --db "$DB" init
expect_match "init refusal" "$ERR" "exists"
expect_eq "key file mode" "$(stat -c %a "$DB.key")" "600"

# declare prints the id; options before and after positionals; KLAXON_DB
expect_status 0 "$K" --db "$DB" incident declare --title "DB down" --severity sev1 --label db --label prod --region eu
A=$OUT
expect_match "declare prints an id" "$A" '^inc_[0-9a-z]{26}$'
expect_status 0 env KLAXON_DB="$DB" "$K" incident declare --severity sev3 --title "API slow" --description "p99 800ms"
B=$OUT
expect_status 0 "$K" incident update "$B" --db "$DB" --status triaged --note "on it"
expect_status 0 "$K" --db "$DB" --json incident show "$B"
expect_eq "status after update" "$(echo "$OUT" | jq -r .status)" "triaged"
expect_eq "version after update" "$(echo "$OUT" | jq -r .version)" "2"
expect_eq "description" "$(echo "$OUT" | jq -r .description)" "p99 800ms"

# refused: invalid transition, not found; usage errors
expect_status 1 "$K" --db "$DB" incident update "$B" --status closed
expect_match "invalid transition reason" "$ERR" "invalid_transition"
expect_eq "one line on stderr" "$(printf '%s\n' "$ERR" | wc -l)" "1"
expect_status 1 "$K" --db "$DB" incident show inc_00000000000000000000000000
expect_match "not found reason" "$ERR" "not_found"
expect_status 2 "$K" --db "$DB" incident declare --title "no severity"
expect_status 2 "$K" --db "$DB" incident frobnicate
expect_status 2 "$K" --db "$DB" --no-such-option incident list
expect_status 1 "$K" --db "$DB" incident declare --title "x" --severity sev9
expect_match "bad severity names the field" "$ERR" "severity"

# lists and filters, human and JSON
expect_status 0 "$K" --db "$DB" incident list --json
expect_eq "two incidents" "$(echo "$OUT" | jq '.items | length')" "2"
expect_eq "newest first" "$(echo "$OUT" | jq -r '.items[0].id')" "$B"
expect_status 0 "$K" --db "$DB" incident list --status triaged --json
expect_eq "status filter" "$(echo "$OUT" | jq -r '[.items[].id] | join(",")')" "$B"
expect_status 0 "$K" --db "$DB" incident list --status declared,triaged --severity sev1 --json
expect_eq "status list + severity" "$(echo "$OUT" | jq -r '[.items[].id] | join(",")')" "$A"
expect_status 0 "$K" --db "$DB" incident list
expect_match "human list shows the title" "$OUT" "DB down"
expect_status 0 "$K" --db "$DB" incident list --limit 1 --json
C1=$(echo "$OUT" | jq -r .next_cursor)
expect_status 0 "$K" --db "$DB" incident list --limit 1 --cursor "$C1" --json
expect_eq "second page" "$(echo "$OUT" | jq -r '.items[0].id')" "$A"
# The human form names the cursor of the next page, which must lead there.
expect_status 0 "$K" --db "$DB" incident list --limit 1
expect_eq "human list names the next cursor" \
	"$(echo "$OUT" | sed -n 's/^(more: --cursor \(.*\), or --all)$/\1/p')" "$C1"

# timeline and receipts
expect_status 0 "$K" --db "$DB" timeline "$B" --json
expect_eq "timeline kinds" "$(echo "$OUT" | jq -r '[.items[].kind] | join(",")')" "declared,status_changed,note"
R=$(echo "$OUT" | jq -r '.items[1].receipt_id')
expect_status 0 "$K" --db "$DB" receipts --json --limit 500
expect_eq "timeline points at a receipt" "$(echo "$OUT" | jq -r --arg r "$R" '[.items[] | select(.id == $r) | .action] | join(",")')" "incident.update"
expect_eq "receipts record the OS user" "$(echo "$OUT" | jq -r '.items[-1].os_user')" "$(id -un)"

# help at every level: the top page lists every command, each noun has a page of its own
# (not the top page again), and a verb's --help is its noun's page
expect_status 0 "$K" --db "$DB" --help
TOP=$OUT
expect_status 0 "$K" --db "$DB" incident --help
expect_match "incident help" "$OUT" "declare"
for noun in keygen signing-key runbook run approve approvals backup; do
	expect_match "top help lists $noun" "$TOP" "^  $noun( |$)"
	expect_status 0 "$K" --db "$DB" "$noun" --help
	expect_match "$noun --help is its own page" "$OUT" "^(usage: |  )klaxon $noun( |$)"
done
expect_status 0 "$K" --db "$DB" run step --help
expect_match "a verb's help is its noun's page" "$OUT" "^  klaxon run step RUN STEP"
expect_status 0 "$K" --version

# ledger verify passes, then fails after a receipt is edited in the file
expect_status 0 "$K" --db "$DB" ledger verify
expect_match "verify summary" "$OUT" "receipts"
# On a terminal, text from the store never reaches it as control sequences (ESC, C1 CSI):
# another responder's title could otherwise move the cursor or clear the screen.
expect_status 0 "$K" --db "$DB" incident declare --severity sev4 \
	--title "$(printf 'x\033[31mRED\302\2332J')" --description "$(printf 'a\033]0;pwned\007b')"
ESC_ID=$OUT
script -qc "'$K' --db '$DB' incident show $ESC_ID" /dev/null >"$T/tty.out"
if grep -q "$(printf '\033')" "$T/tty.out" || grep -q "$(printf '\302\233')" "$T/tty.out"; then
	bad "a control sequence from the store reached the terminal"
else
	ok
fi
expect_match "shown as ?" "$(cat "$T/tty.out")" 'x\?\[31mRED\?2J'
# Off a terminal (a pipe, a file) the bytes are left as they are.
expect_status 0 "$K" --db "$DB" incident show "$ESC_ID"
expect_match "piped output is untouched" "$OUT" "$(printf 'x\033')"

sqlite3 "$DB" "DROP TRIGGER receipts_no_update; UPDATE receipts SET leaf = replace(leaf, 'incident.create', 'incident.cre8') WHERE seq = 4;"
expect_status 1 "$K" --db "$DB" ledger verify
expect_match "verify names the first bad receipt" "$ERR" "seq 4"

finish
