#!/bin/bash
# The real console in tmux on an embedded store: declare through the dialog and find it on
# the board, move it through every status seeing each timeline entry, filter, help, a theme,
# a resize to 40x10 and back, and a clean exit.
. "$(dirname "$0")/lib.sh"

"$KLAXON" --db "$T/k.db" init >/dev/null
"$KLAXON" --db "$T/k.db" incident declare --title "Disk full on db-3" --severity sev3 >/dev/null
# The user's keymap lives beside the signing-key directory (keys/), not in its place.
mkdir -p "$T/home/config/klaxon/keys"
printf 'bind generic Z quit\n' >"$T/home/config/klaxon/keymap"
console --db "$T/k.db"
wait_for "DECLARED 1"
wait_for "Disk full on db-3"
wait_for "online"

# Declare through the dialog.
keys n
wait_for "Declare an incident"
type_text "Queue backlog in eu"
keys Tab Left Enter
wait_for 'Declare sev2 "Queue backlog in eu"?'
keys Enter # a bare Enter confirms nothing
wait_for "y yes"
keys y
wait_for "declared, receipt rcp_"
wait_for "DECLARED 2"
wait_for "S2 Queue backlog in eu"

# Open it (the new incident is selected) and walk it through every status.
keys Enter
wait_for "Title      Queue backlog in eu"
for step in "declared → triaged" "triaged → mitigating" "mitigating → resolved" "resolved → closed"; do
	keys s
	wait_for "Move to another status"
	keys Enter
	wait_for "y yes"
	keys y
	wait_for "$step"
done
wait_for "Status     closed"
keys s
wait_for "a closed incident is final"
keys n
wait_for "Add a note to the timeline"
type_text "postmortem on Monday"
keys Enter y
wait_for "note added, receipt"
wait_for "note             postmortem on Monday"
keys q
wait_for "DECLARED 1"

# Filter as you type, then clear it.
keys /
type_text "disk"
wait_for "filter: disk"
wait_for "│ 1 incident"
keys Escape
wait_gone "filter:"

# Help is generated from the keymap.
keys '?'
wait_for "Keys of the board"
wait_for "declare"
keys q
wait_for "DECLARED 1"

# A theme at run time.
keys : 
type_text "theme light"
keys Enter
wait_for "theme light"

# Too small, then back.
tm resize-window -t kx -x 40 -y 10
wait_for "terminal too small"
# Keys do nothing on a screen too small to show them: no dialog, no y/n, no change.
keys n
type_text "Declared unseen"
keys Enter
keys y
sleep 1
tm resize-window -t kx -x 120 -y 40
wait_for "DECLARED 1"
"$KLAXON" --db "$T/k.db" incident list --json | jq -e '[.items[].title] | index("Declared unseen") == null' \
	>/dev/null && ok || bad "keys typed on a too-small screen declared an incident"
screen | grep -qF "Declared unseen" && bad "keys typed on a too-small screen reached a dialog" || ok
wait_for "Disk full on db-3"

keys Z # bound in the keymap
wait_exit
grep -q "theme = light" "$T/home/state/klaxon/state" && ok || bad "the theme was not remembered"
finish
