# Shared by the tmux smoke tests: the real klaxon in a tmux session on a socket of its own
# (never the user's tmux), waits for text with a deadline (never a fixed sleep), a tally.
set -u
: "${KLAXON:?set KLAXON to the klaxon binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/klaxon-tui.XXXXXX")
SOCK="klaxon-tui-$$"
PASS=0
FAIL=0
SERVER_PID=
NAME=$(basename "$0" .sh)

tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
ok() { PASS=$((PASS + 1)); }
bad() {
	FAIL=$((FAIL + 1))
	echo "FAIL: $*" >&2
	tm capture-pane -p -t kx 2>/dev/null | sed 's/^/  | /' >&2
}

cleanup() {
	tm kill-server 2>/dev/null
	if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
	rm -rf "$T"
}
trap cleanup EXIT

if ! command -v tmux >/dev/null; then
	echo "$NAME: 0 passed, 0 failed (tmux is not installed: skipped)"
	exit 0
fi

# console ARGS...: klaxon in a 120x40 tmux window; its exit status lands in $T/exit.
console() {
	local cmd="cd '$T' && env TERM=xterm-256color LC_ALL=C.UTF-8 TZ=UTC HOME='$T/home' \
XDG_CONFIG_HOME='$T/home/config' XDG_STATE_HOME='$T/home/state' \
ASAN_OPTIONS='${ASAN_OPTIONS:-}' LSAN_OPTIONS='${LSAN_OPTIONS:-}' \
'$KLAXON' $* 2>'$T/stderr'; echo \$? >'$T/exit'; sleep 3600"
	mkdir -p "$T/home"
	rm -f "$T/exit"
	tm new-session -d -s kx -x 120 -y 40 "$cmd"
	tm set-option -t kx window-size manual >/dev/null
}

screen() { tm capture-pane -p -t kx; }

# wait_for TEXT [SECONDS]: true once TEXT is on the screen; counts a pass or a failure.
# Deadlines, not sleeps: a passing run never waits them out, so they can be generous for
# sanitizer builds on a loaded machine (TUI_WAIT_SCALE multiplies every one).
wait_for() {
	local text=$1 limit=$(( ${2:-10} * ${TUI_WAIT_SCALE:-3} ))
	local deadline=$((SECONDS + limit))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if screen | grep -qF -- "$text"; then ok; return 0; fi
		sleep 0.05
	done
	bad "waited ${limit}s for \"$text\""
	return 1
}

# wait_gone TEXT [SECONDS]
wait_gone() {
	local text=$1 limit=$(( ${2:-10} * ${TUI_WAIT_SCALE:-3} ))
	local deadline=$((SECONDS + limit))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if ! screen | grep -qF -- "$text"; then ok; return 0; fi
		sleep 0.05
	done
	bad "\"$text\" still on the screen after ${limit}s"
	return 1
}

keys() { tm send-keys -t kx "$@"; }
type_text() { tm send-keys -t kx -l "$1"; }

# wait_exit: the console ended with status 0 and said nothing on stderr (ASan reports land
# there).
wait_exit() {
	local deadline=$((SECONDS + 15))
	while [ "$SECONDS" -lt "$deadline" ] && [ ! -s "$T/exit" ]; do sleep 0.05; done
	if [ "$(cat "$T/exit" 2>/dev/null)" = 0 ]; then ok; else bad "exit status '$(cat "$T/exit" 2>/dev/null)'"; fi
	if [ ! -s "$T/stderr" ]; then ok; else bad "stderr: $(cat "$T/stderr")"; fi
}

finish() {
	echo "$NAME: $PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}
