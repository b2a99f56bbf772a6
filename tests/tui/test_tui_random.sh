#!/bin/bash
# The real console in tmux under random keys (issue 8): KEYS random keys (1,000 by default,
# 10,000 in `make soak`) in batches with a terminal resize between batches, embedded and
# against klaxond, and then fewer keys against a server that answers garbage and one that
# accepts and never answers. The console must never crash (an exit status other than 0, or a
# sanitizer report on stderr); a clean quit (q on the board, :q) is allowed and the console is
# started again. Against the bad servers it must also show an error.
# RANDOM_SEED fixes the keys (printed, so a failure can be replayed).
. "$(dirname "$0")/lib.sh"
: "${KLAXOND:?set KLAXOND to the klaxond binary}"
KEYS=${KEYS:-1000}
BAD_KEYS=${BAD_KEYS:-200}
SEED=${RANDOM_SEED:-$$}
PARTS=" ${RANDOM_PARTS:-embedded remote garbage hang} " # which backends (to replay one)
RANDOM=$SEED
echo "$NAME: $KEYS keys per backend, seed $SEED"

# Keys a person could press. Quitting keys are rare (each ends a run), C-c and Q never (they
# are the test's own way out); ';' would be taken by tmux itself.
PRINTABLE=(a b c d e f g h i j k l m n o p r s t u v w x y z A B C D E F G H I J K L M N O P R S T U V W X Y Z
	0 1 2 3 4 5 6 7 8 9 : / '?' '<' '>' '-' _ . , = @ '!' '[' ']' '(' ')' '*' '+' '%' '&' '^' '~' '|')
SPECIAL=(Enter Enter Enter Tab BTab Up Down Left Right PPage NPage Home End BSpace DC Space F1 F5
	C-l C-f C-b C-a C-e C-k C-u C-w)
RARE=(q Escape)
SIZES=("120 40" "80 24" "79 23" "40 10" "200 60" "100 30" "20 5" "81 25" "132 43" "10 3")

random_key() {
	local r=$((RANDOM % 100))
	if [ "$r" -lt 2 ]; then
		echo "${RARE[RANDOM % ${#RARE[@]}]}"
	elif [ "$r" -lt 40 ]; then
		echo "${SPECIAL[RANDOM % ${#SPECIAL[@]}]}"
	else
		echo "${PRINTABLE[RANDOM % ${#PRINTABLE[@]}]}"
	fi
}

# start ARGS...: a console of its own generation, so that a console killed with its tmux
# session can never write its status where the next one's is awaited. TERM is tmux's own, so
# that Home and End arrive as the keys they are rather than as an Esc and some letters.
GEN=0
start() {
	GEN=$((GEN + 1))
	local cmd="cd '$T' && env TERM=screen-256color LC_ALL=C.UTF-8 TZ=UTC HOME='$T/home' \
XDG_CONFIG_HOME='$T/home/config' XDG_STATE_HOME='$T/home/state' EDITOR=true VISUAL=true \
ASAN_OPTIONS='${ASAN_OPTIONS:-}' LSAN_OPTIONS='${LSAN_OPTIONS:-}' \
'$KLAXON' $* 2>'$T/stderr.$GEN'; echo \$? >'$T/exit.$GEN'; sleep 3600"
	mkdir -p "$T/home"
	tm kill-server 2>/dev/null
	# A server still on its way out would take the new session down with it.
	for _ in $(seq 100); do tm list-sessions >/dev/null 2>&1 || break; sleep 0.02; done
	for _ in 1 2 3; do
		tm new-session -d -s kx -x 120 -y 40 "$cmd" 2>/dev/null && break
		sleep 0.2
	done
	tm set-option -t kx window-size manual >/dev/null
}

# running: klaxon still runs under the pane's shell (after it, the shell sleeps).
running() {
	local shell
	shell=$(tm display-message -p -t kx '#{pane_pid}' 2>/dev/null) || return 1
	ps -o comm= --ppid "$shell" 2>/dev/null | grep -qx klaxon
}

# alive: klaxon runs and shows a screen (every screen's first line starts " klaxon").
alive() { running && screen | head -n 1 | grep -q '^ klaxon '; }
# settle: waits (8 s at most) until the console is alive or has ended.
settle() {
	local until=$((SECONDS + 8))
	while [ "$SECONDS" -lt "$until" ] && [ ! -s "$T/exit.$GEN" ] && ! alive; do sleep 0.1; done
	sleep 0.3
	[ -s "$T/exit.$GEN" ] || alive || sleep 2 # one more look for a console still closing
}

# ended: true when the console ended; a clean end is counted, any other is a failure (2).
ended() {
	[ -s "$T/exit.$GEN" ] || return 1
	local st
	st=$(cat "$T/exit.$GEN")
	if [ "$st" != 0 ] || [ -s "$T/stderr.$GEN" ]; then
		bad "the console ended with status $st after $SENT keys (seed $SEED): $(head -c 3000 "$T/stderr.$GEN")"
		return 2
	fi
	RESTARTS=$((RESTARTS + 1))
	return 0
}

# soak LABEL COUNT ARGS...: COUNT random keys to a console started with ARGS.
soak() {
	local label=$1 count=$2
	shift 2
	SENT=0
	RESTARTS=0
	rm -rf "$T/home/state"
	start "$@"
	sleep 0.5
	while [ "$SENT" -lt "$count" ]; do
		local batch=() n=$((20 + RANDOM % 30))
		for ((i = 0; i < n; i++)); do batch+=("$(random_key)"); done
		tm send-keys -t kx "${batch[@]}" 2>/dev/null
		SENT=$((SENT + n))
		local size=(${SIZES[RANDOM % ${#SIZES[@]}]})
		tm resize-window -t kx -x "${size[0]}" -y "${size[1]}" 2>/dev/null
		sleep 0.05
		if ended; then
			start "$@"
			sleep 0.3
		elif [ $? = 2 ]; then
			return 1
		fi
	done
	# Still alive: back to a normal size, it answers, and quits cleanly with C-c. Keys still
	# in flight may end it (and against a silent server closing takes a second or two): wait
	# until it either shows its title line or has ended.
	tm resize-window -t kx -x 120 -y 40
	settle
	if ended; then
		start "$@"
		settle
	elif [ $? = 2 ]; then
		return 1
	fi
	if alive; then ok; else
		[ -n "${HOLD_ON_FAIL:-}" ] && sleep "$HOLD_ON_FAIL"
		bad "$label: nothing on the screen (exit '$(cat "$T/exit.$GEN" 2>/dev/null)'; $(ps -o pid,stat,wchan:16,comm --ppid "$(tm display-message -p -t kx '#{pane_pid}')" | tr '\n' ' '))"
	fi
	keys C-c
	local deadline=$((SECONDS + 15))
	while [ "$SECONDS" -lt "$deadline" ] && [ ! -s "$T/exit.$GEN" ]; do sleep 0.05; done
	if [ "$(cat "$T/exit.$GEN" 2>/dev/null)" = 0 ]; then ok; else bad "$label: C-c did not end the console cleanly"; fi
	if [ ! -s "$T/stderr.$GEN" ]; then ok; else bad "$label: stderr: $(head -c 3000 "$T/stderr.$GEN")"; fi
	tm kill-server 2>/dev/null
	for _ in $(seq 100); do tm list-sessions >/dev/null 2>&1 || break; sleep 0.02; done
	echo "$NAME: $label: $SENT keys, $RESTARTS clean quits and restarts"
}

"$KLAXON" --db "$T/k.db" init >/dev/null
for t in "Disk full on db-3" "Queue backlog in eu" "Login latency p99"; do
	"$KLAXON" --db "$T/k.db" incident declare --title "$t" --severity sev2 >/dev/null
done
"$KLAXON" --db "$T/k.db" keygen -o "$T/author.key" >/dev/null
"$KLAXON" --db "$T/k.db" signing-key add "$T/author.pub" >/dev/null
cat >"$T/rb.json" <<'DOC'
{"id":"echo-twice","name":"Harmless","risk":"low","steps":[
 {"id":"say","title":"Say","kind":"manual","rollback":{"kind":"manual"}},
 {"id":"echo","title":"Echo","kind":"command","argv":["echo","hello"],"rollback":{"kind":"command","argv":["true"]}}]}
DOC
"$KLAXON" --db "$T/k.db" runbook publish "$T/rb.json" --key "$T/author.key" >/dev/null
[[ $PARTS == *" embedded "* ]] && soak embedded "$KEYS" --db "$T/k.db"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$port"
ADMIN=$("$KLAXOND" init --data "$T/server" | tail -n 1)
"$KLAXOND" serve --data "$T/server" --listen "127.0.0.1:$port" 2>>"$T/server.log" &
SERVER_PID=$!
for _ in $(seq 200); do curl -sf "$URL/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
curl -sf -X POST "$URL/tenants" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
	-d '{"id":"acme","name":"Acme"}' >/dev/null
TOKEN=$(curl -sf -X POST "$URL/tenants/acme/actors" -H "Authorization: Bearer $ADMIN" \
	-H 'Content-Type: application/json' -d '{"name":"riley","roles":["commander"]}' | jq -r .token)
"$KLAXON" --server "$URL" --token "$TOKEN" incident declare --title "Search degraded" --severity sev2 >/dev/null
[[ $PARTS == *" remote "* ]] && soak remote "$KEYS" --server "$URL" --token "$TOKEN" --refresh 1

# bad_server MODE TEXT...: the console against junk_server.py MODE shows one of TEXT, then
# takes random keys.
bad_server() {
	local mode=$1
	shift
	rm -f "$T/port"
	python3 "$(dirname "$0")/junk_server.py" "$mode" "$T/port" "$SEED" &
	local pid=$!
	for _ in $(seq 200); do [ -s "$T/port" ] && break; sleep 0.05; done
	rm -rf "$T/home/state"
	start --server "http://127.0.0.1:$(cat "$T/port")" --token junk --refresh 1
	local deadline=$((SECONDS + 25)) seen=
	while [ "$SECONDS" -lt "$deadline" ] && [ -z "$seen" ]; do
		for text in "$@"; do screen | grep -qF -- "$text" && seen=$text; done
		sleep 0.1
	done
	if [ -n "$seen" ]; then ok; else bad "$mode server: none of [$*] on the screen"; fi
	soak "$mode server" "$BAD_KEYS" --server "http://127.0.0.1:$(cat "$T/port")" --token junk --refresh 1
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
[[ $PARTS == *" garbage "* ]] && bad_server garbage "not klaxon's JSON" "offline" "request failed" "backend unavailable"
[[ $PARTS == *" hang "* ]] && bad_server hang "no answer for" "has not answered"
finish
