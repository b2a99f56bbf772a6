#!/bin/bash
# The real console in tmux on an embedded store, for evidence and metering (issue 7), in the
# mono theme: export the last 24 hours with the progress bar's phases ending in the manifest
# digest and path, every offline check and the witness; verify the file again (and with the
# CLI); the usage panes at 80x24; a receipt's inclusion verified here, the witness's word in
# the status bar; a receipt edited in the store fails verification; the wrong server key
# raises the witness's alarm.
. "$(dirname "$0")/lib.sh"

"$KLAXON" --db "$T/k.db" init >/dev/null
for t in "Disk full on db-3" "Queue backlog in eu" "Login errors"; do
	"$KLAXON" --db "$T/k.db" incident declare --title "$t" --severity sev3 >/dev/null
done

console --db "$T/k.db" --theme mono
wait_for "DECLARED 3"
wait_for "online"

# Export: a change like any other (y/n), then the bundle, checked offline and witnessed.
keys E
wait_for "klaxon  Evidence"
wait_for "no exports yet"
keys x
wait_for "Export evidence"
wait_for "klaxon-evidence-default-"
keys Enter
wait_for "Export default's evidence from"
keys y
wait_for "exported and verified"
wait_for "manifest digest"
wait_for "receipts, checkpoint"
wait_for "file             klaxon-evidence-default-"
wait_for "witness: first checkpoint of default seen"
wait_for "manifest.json is signed by the server key"
wait_for "ledger "
bundle=$(ls "$T"/klaxon-evidence-default-*.tar 2>/dev/null | head -n 1)
[ -n "$bundle" ] && ok || bad "no bundle file was written"
"$KLAXON" evidence verify "$bundle" --pubkey "$T/k.db.pub" >/dev/null && ok ||
	bad "the CLI does not verify the console's bundle"

# Verify it again from the screen.
keys v
wait_for "Verify a bundle offline"
keys Enter
wait_for "verified klaxon-evidence-default-"
wait_for "counts match the manifest"

# Usage at 80x24: per type a sparkline, totals, shares; the platform's attribution.
tm resize-window -t kx -x 80 -y 24
keys U
wait_for "klaxon  Usage"
wait_for "EVENT TYPE"
wait_for "api.request"
wait_for "incident.create"
wait_for "all types"
wait_for "last 24 hours, by hour"
keys w
wait_for "last 7 days, by day"
keys p
wait_for "platform (every tenant)"
wait_for "attribution ratio"
screen | perl -CS -ne 'chomp; $w = 1 if length > 80; END { exit($w ? 1 : 0) }' && ok ||
	bad "a line wider than 80"

# Receipts: the newest selected; its inclusion verified here.
keys L
wait_for "klaxon  Receipts"
wait_for "evidence.export"
keys v
wait_for "Inclusion verified here"
wait_for "matches the ledger's leaf bytes"
wait_for "is included in that tree"
wait_for "witness: checkpoint"
keys Enter
wait_gone "Inclusion verified here"

# A receipt edited in the store (its append-only trigger dropped) fails here, client-side.
sqlite3 "$T/k.db" "DROP TRIGGER receipts_no_update; UPDATE receipts SET leaf =
	replace(leaf, '\"incident.create\"', '\"incident.delete\"') WHERE seq = 3"
keys g j j v
wait_for "Inclusion verified here"
wait_for "FAILED"
keys Enter
keys Q
wait_exit

# Checkpoints that the key given does not verify: the witness raises its alarm.
tm kill-server
"$KLAXON" --db "$T/other.db" init >/dev/null
console --db "$T/k.db" --pubkey "$T/other.db.pub" --theme mono
wait_for "DECLARED 3"
keys L
wait_for "LEDGER ALARM"
wait_for "LEDGER WITNESS ALARM: the checkpoint does not verify"
keys Q
wait_exit
finish
