# The CLI forms of the evidence issue: evidence export (embedded and against klaxond), evidence
# verify offline with no store and no server (and --replay), redaction get|set, usage whose
# totals equal the calls of a scripted run, and the ledger witness catching a history
# rewritten and re-signed with the same key.
set -e
. "$(dirname "$0")/lib.sh"
: "${TLOGCHECK:?set TLOGCHECK to the tests/tlogcheck binary (make cli-tests builds it)}"
K="$KLAXON"
DB="$T/k.db"
FROM=2000-01-01T00:00:00Z
TO=2999-01-01T00:00:00Z

expect_status 0 "$K" --db "$DB" init
expect_status 0 "$K" --db "$DB" incident declare --title "pager for bob@example.com" --severity sev2 \
	--description "token ghp_16C7e42F292c6912E7710c838347Ae178B4a leaked"
A=$OUT
expect_status 0 "$K" --db "$DB" incident update "$A" --status triaged --note "rotated AKIAIOSFODNN7EXAMPLE"

# ---- export and verify ------------------------------------------------------------------------
expect_status 0 "$K" --db "$DB" evidence export --from "$FROM" --to "$TO" -o "$T/b.tar"
expect_match "export names the bundle" "$OUT" "^evx_[0-9a-z]{26} of tenant default: $T/b.tar"
expect_match "export says it was verified" "$OUT" "verified with the server's public key"
expect_eq "no progress bar off a terminal" "$ERR" ""
# A bundle never replaces a file, nor writes through a link planted at its path; and an export
# whose bundle could not be kept is never made.
exports() { "$K" --db "$DB" evidence list --json | jq '.items | length'; }
n_before=$(exports)
echo precious >"$T/victim.txt"
expect_status 1 "$K" --db "$DB" evidence export --from "$FROM" --to "$TO" -o "$T/b.tar"
expect_match "an existing file is not replaced" "$ERR" "b.tar exists: a bundle never replaces a file"
ln -s "$T/victim.txt" "$T/link.tar"
expect_status 1 "$K" --db "$DB" evidence export --from "$FROM" --to "$TO" -o "$T/link.tar"
expect_eq "nothing written through a link at the path" "$(cat "$T/victim.txt")" precious
expect_status 1 "$K" --db "$DB" evidence export --from "$FROM" --to "$TO" -o "$T/no/such/dir.tar"
expect_eq "no export made for a bundle that cannot be kept" "$(exports)" "$n_before"
expect_eq "no temporary file left" "$(ls "$T" | grep -c 'tar\.' || true)" 0
# A link planted at the temporary name the export once used (FILE.partial) is not followed
# (a store of its own, so that this store's exports stay as counted below).
mkdir "$T/shared"
ln -s "$T/victim.txt" "$T/shared/nov.tar.partial"
expect_status 0 "$K" --db "$T/p.db" init
expect_status 0 "$K" --db "$T/p.db" evidence export --from "$FROM" --to "$TO" -o "$T/shared/nov.tar"
expect_eq "nothing written through a planted temporary name" "$(cat "$T/victim.txt")" precious
[ -f "$T/shared/nov.tar" ] && [ ! -L "$T/shared/nov.tar" ] && ok || bad "the bundle is not a file of its own"
expect_status 2 "$K" --db "$DB" evidence export --from "$FROM" -o "$T/x.tar"
expect_status 1 "$K" --db "$DB" evidence export --from "$TO" --to "$FROM" -o "$T/x.tar"
expect_match "a bad window is refused" "$ERR" "invalid_field"
# Offline: no store (the --db names none) and no server.
expect_status 0 env -u KLAXON_DB -u KLAXON_SERVER "$K" --db "$T/none/x.db" evidence verify "$T/b.tar" --pubkey "$DB.pub"
expect_match "each check is shown" "$OUT" "ok  all [0-9]+ members match"
expect_match "inclusion proofs" "$OUT" "each included in the checkpoint's tree"
expect_status 0 "$K" evidence verify "$T/b.tar" --pubkey "$DB.pub" --replay
expect_match "redacted inputs are not replayable" "$OUT" "not replayable +rcp_"
expect_match "replay summary" "$OUT" "replay: [0-9]+ decisions re-evaluated as recorded, 0 drifted"
expect_status 0 "$K" evidence verify "$T/b.tar" --pubkey "$DB.pub" --json
expect_eq "json report" "$(echo "$OUT" | jq -c '[.verified, .tenant_id, (.checks | length > 8)]')" '[true,"default",true]'
expect_status 2 "$K" evidence verify "$T/b.tar"
mkdir "$T/x"
tar -xf "$T/b.tar" -C "$T/x"
if minisign -V -p "$DB.pub" -m "$T/x/manifest.json" >/dev/null 2>&1; then ok; else bad "minisign -V refuses the manifest"; fi
if "$TLOGCHECK" "$T/x" "$DB.pub" >/dev/null 2>&1; then ok; else bad "tlogcheck refuses the bundle"; fi
for s in bob@example.com ghp_16C7e42F292c6912E7710c838347Ae178B4a AKIAIOSFODNN7EXAMPLE; do
	if grep -rqF "$s" "$T/x"; then bad "$s is in the bundle"; else ok; fi
done
# One changed byte in one member.
python3 - "$T/b.tar" "$T/bad.tar" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(b'"incident.create"')
b[i + 1] ^= 0x01
open(sys.argv[2], "wb").write(b)
PY
expect_status 1 "$K" evidence verify "$T/bad.tar" --pubkey "$DB.pub"
expect_match "the first failure is named" "$ERR" "FAILED: .*(receipts|decisions)\.jsonl"
# A key that is not the server's.
minisign -G -W -p "$T/other.pub" -s "$T/other.key" >/dev/null 2>&1
expect_status 1 "$K" evidence verify "$T/b.tar" --pubkey "$T/other.pub"
expect_match "wrong key" "$ERR" "signature does not verify"

# ---- redaction rules ----------------------------------------------------------------------------
expect_status 0 "$K" --db "$DB" redaction get --json
expect_eq "no tenant rules yet" "$(echo "$OUT" | jq -c '[.version, (.rules | length), (.defaults | length >= 8)]')" '[0,0,true]'
echo '{"rules":[{"id":"ticket","pattern":"ACME-[0-9]+"}]}' >"$T/rules.json"
expect_status 0 "$K" --db "$DB" redaction set "$T/rules.json"
expect_match "set answers the rules" "$OUT" "ticket +pattern ACME-\[0-9\]\+"
echo '{"rules":[{"id":"email","pattern":"x"}]}' >"$T/bad.json"
expect_status 1 "$K" --db "$DB" redaction set "$T/bad.json"
expect_match "a built-in id is refused" "$ERR" "rules\[0\]\.id"
expect_status 0 "$K" --db "$DB" incident declare --title "see ACME-4711" --severity sev4
expect_status 0 "$K" --db "$DB" evidence export --from "$FROM" --to "$TO" -o "$T/b2.tar" --json
expect_match "second export has a previous checkpoint" "$(echo "$OUT" | jq .previous_checkpoint_size)" '^[0-9]+$'
mkdir "$T/x2"
tar -xf "$T/b2.tar" -C "$T/x2"
if grep -rqF "ACME-4711" "$T/x2"; then bad "the tenant rule did not redact"; else ok; fi
expect_match "the tenant rule is logged" "$(cat "$T/x2/redactions.jsonl")" '"rule":"ticket"'
if "$TLOGCHECK" "$T/x2" "$DB.pub" >"$T/tl.out" 2>&1; then ok; else bad "tlogcheck: $(cat "$T/tl.out")"; fi
expect_status 0 "$K" --db "$DB" evidence list --json
expect_eq "two exports listed" "$(echo "$OUT" | jq '.items | length')" "2"

# ---- usage totals equal a scripted run's calls ----------------------------------------------------
U="$T/u.db"
"$K" --db "$U" init >/dev/null
LOG="$T/calls.log"
for i in 1 2 3; do "$K" --db "$U" --debug-log "$LOG" incident declare --title "u$i" --severity sev3 >/dev/null; done
I=$("$K" --db "$U" --debug-log "$LOG" incident list --json | jq -r '.items[0].id')
"$K" --db "$U" --debug-log "$LOG" incident update "$I" --status resolved >/dev/null
"$K" --db "$U" --debug-log "$LOG" receipts >/dev/null
"$K" --db "$U" --debug-log "$LOG" timeline "$I" >/dev/null
CALLS=$(wc -l <"$LOG")
expect_status 0 "$K" --db "$U" usage --json
# Every backend call of the run, and the usage command's own session lookup before its report.
expect_eq "api.request" "$(echo "$OUT" | jq '.totals["api.request"]')" "$((CALLS + 1))"
expect_eq "incident.create" "$(echo "$OUT" | jq '.totals["incident.create"]')" "3"
expect_eq "incident.update" "$(echo "$OUT" | jq '.totals["incident.update"]')" "1"
expect_eq "creates as in the log" "$(grep -c 'incident.create' "$LOG")" "3"
expect_status 0 "$K" --db "$U" usage --bucket day
expect_match "human usage" "$OUT" "incident.create +3"
expect_match "day buckets" "$OUT" "T00:00:00.000Z incident.create"
expect_status 0 "$K" --db "$U" usage --platform --json
expect_eq "attribution in embedded mode" "$(echo "$OUT" | jq .attribution.ratio)" "1"
expect_status 1 "$K" --db "$U" usage --bucket week
expect_match "bad bucket" "$ERR" "invalid_query"

# ---- the witness ----------------------------------------------------------------------------------
W="$T/w.db"
"$K" --db "$W" init >/dev/null
"$K" --db "$W" incident declare --title "shared past" --severity sev3 >/dev/null
# Another store with the same key and the same past, whose future differs: one receipt
# changed, and re-signed with the same key.
cp "$W" "$T/fork.db"
cp "$W.key" "$T/fork.db.key"
cp "$W.pub" "$T/fork.db.pub"
"$K" --db "$W" incident declare --title "what happened" --severity sev3 >/dev/null
"$K" --db "$T/fork.db" incident declare --title "what is claimed" --severity sev3 >/dev/null
"$K" --db "$T/fork.db" incident declare --title "and more" --severity sev4 >/dev/null
expect_status 0 "$K" --db "$W" receipts
expect_status 0 "$K" --db "$W" ledger checkpoint
expect_match "the checkpoint is printed" "$OUT" "^klaxon/default"
expect_match "and witnessed" "$ERR" "as witnessed"
"$K" --db "$W" incident declare --title "later" --severity sev4 >/dev/null
expect_status 0 "$K" --db "$W" ledger checkpoint
expect_match "a newer checkpoint is proven to extend it" "$ERR" "extends the witnessed"
# The store is swapped for the fork: same path, same key, another history.
cp "$T/fork.db" "$W"
expect_status 1 "$K" --db "$W" receipts
expect_match "the witness raises the alarm" "$ERR" "LEDGER WITNESS ALARM"
expect_status 1 "$K" --db "$W" ledger checkpoint
expect_match "and again" "$ERR" "history was rewritten"
expect_status 1 "$K" --db "$W" evidence export --from "$FROM" --to "$TO" -o "$T/w.tar"
expect_match "an export's checkpoint is witnessed too" "$ERR" "LEDGER WITNESS ALARM"
# The fork's own history, witnessed from scratch elsewhere, is consistent in itself.
XDG_STATE_HOME="$T/state2" expect_status 0 "$K" --db "$W" receipts

# ---- against klaxond ------------------------------------------------------------------------------
start_server
api POST /tenants "$ADMIN_TOKEN" '{"id":"acme","name":"Acme"}' >/dev/null
TOKEN=$(api POST /tenants/acme/actors "$ADMIN_TOKEN" '{"name":"ops","roles":["tenant-admin"]}' | jq -r .token)
R=(--server "$URL" --token "$TOKEN")
expect_status 0 "$K" "${R[@]}" incident declare --title "remote mail carol@example.net" --severity sev1
expect_status 0 "$K" "${R[@]}" evidence export --from "$FROM" --to "$TO" -o "$T/r.tar"
expect_match "without a key the bundle is not checked" "$OUT" "not verified here"
expect_status 0 "$K" "${R[@]}" --pubkey "$T/server/server.pub" evidence export --from "$FROM" --to "$TO" -o "$T/r2.tar"
expect_match "with --pubkey it is" "$OUT" "checkpoint witnessed"
expect_status 0 "$K" evidence verify "$T/r2.tar" --pubkey "$T/server/server.pub"
expect_match "remote bundle, tenant acme" "$OUT" "tenant acme"
printf 'pubkey = %s\n' "$T/server/server.pub" >"$T/config"
expect_status 0 "$K" "${R[@]}" --config "$T/config" ledger checkpoint
expect_match "the config's pubkey line serves the witness" "$ERR" "witness"
expect_status 0 "$K" "${R[@]}" usage --json
expect_eq "remote usage" "$(echo "$OUT" | jq -r .tenant_id)" "acme"
expect_status 2 "$K" --server "$URL" --token "$ADMIN_TOKEN" usage --platform --in acme
expect_status 0 "$K" --server "$URL" --token "$ADMIN_TOKEN" usage --platform
expect_match "platform attribution" "$OUT" "attribution: [0-9]+ of [0-9]+ requests"
expect_status 0 "$K" --server "$URL" --token "$ADMIN_TOKEN" --pubkey "$T/server/server.pub" evidence export \
	--in acme --from "$FROM" --to "$TO" -o "$T/r3.tar"
expect_status 0 "$K" evidence verify "$T/r3.tar" --pubkey "$T/server/server.pub"

# Two stores whose paths differ only in "/" against "_" keep two witness states (they once
# shared one, and the second store's every read raised a false alarm).
mkdir -p "$T/ws/a"
expect_status 0 "$K" --db "$T/ws/a/x.db" init
expect_status 0 "$K" --db "$T/ws/a_x.db" init
expect_status 0 "$K" --db "$T/ws/a/x.db" receipts
expect_status 0 "$K" --db "$T/ws/a_x.db" receipts
expect_status 0 "$K" --db "$T/ws/a/x.db" receipts
# A state kept under the name used before is taken over, not started again.
# (the name: the readable path, "-", BLAKE2b-64 of the whole path)
wdir=$XDG_STATE_HOME/klaxon/witness/$(printf '%s' "$T/ws/a_x.db" | tr -c 'a-zA-Z0-9.-' _)-$(printf '%s' "$T/ws/a_x.db" | b2sum -l 64 | cut -d' ' -f1)
expect_eq "the state of a_x.db is where it is named" "$(ls -d "$wdir")" "$wdir"
mv "$wdir" "${wdir%-*}"
expect_status 0 "$K" --db "$T/ws/a_x.db" receipts
expect_eq "the old state was taken over" "$(ls -d "${wdir%-*}" "$wdir" 2>/dev/null)" "$wdir"

finish
