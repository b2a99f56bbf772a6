# Shared by the CLI tests: a scratch dir, assertions that count, and a closing tally line.
set -u
: "${KLAXON:?set KLAXON to the klaxon binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/klaxon-cli.XXXXXX")
# The ledger witness keeps its state here, not in the home directory of whoever runs tests.
export XDG_STATE_HOME="$T/state"
trap 'rm -rf "$T"' EXIT
PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*" >&2; }

# expect_status WANT CMD...: runs CMD, keeps its stdout in $OUT and stderr in $ERR.
expect_status() {
	local want=$1; shift
	set +e
	OUT=$("$@" 2>"$T/stderr")
	local got=$?
	set -e
	ERR=$(cat "$T/stderr")
	if [ "$got" -eq "$want" ]; then ok; else bad "exit $got, wanted $want: $* (stderr: $ERR)"; fi
}

expect_eq() { # WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', wanted '$3'"; fi
}

expect_match() { # WHAT TEXT REGEX
	if printf '%s' "$2" | grep -Eq -- "$3"; then ok; else bad "$1: '$2' does not match /$3/"; fi
}

finish() {
	echo "$(basename "$0"): $PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}

# start_server: a real klaxond on a free loopback port in $T/server; sets URL and ADMIN_TOKEN
# and stops the server (checking it exits 0 on SIGTERM) when the test ends.
# With KX_PG_CLUSTER (a cluster made by tests/pg/cluster.sh) the server's store is a fresh
# PostgreSQL database in it, served by the service role.
start_server() {
	: "${KLAXOND:?set KLAXOND to the klaxond binary}"
	local init_args=() serve_args=()
	if [ -n "${KX_PG_CLUSTER:-}" ]; then
		eval "$("$(dirname "${BASH_SOURCE[0]}")/../pg/cluster.sh" newdb "$KX_PG_CLUSTER")"
		init_args=(--store "$KX_PG_OWNER_URL")
		serve_args=(--store "$KX_PG_URL")
	fi
	ADMIN_TOKEN=$("$KLAXOND" init --data "$T/server" "${init_args[@]}" | tail -n 1)
	local port
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	URL="http://127.0.0.1:$port"
	"$KLAXOND" serve --data "$T/server" --listen "127.0.0.1:$port" "${serve_args[@]}" \
		2>"$T/server.log" &
	SERVER_PID=$!
	trap 'stop_server; rm -rf "$T"' EXIT
	for _ in $(seq 100); do
		curl -sf "$URL/healthz" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "klaxond did not start:" >&2
	cat "$T/server.log" >&2
	return 1
}

stop_server() {
	[ -n "${SERVER_PID:-}" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	local rc=0
	wait "$SERVER_PID" || rc=$?
	SERVER_PID=
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: klaxond exited $rc after SIGTERM" >&2
		cat "$T/server.log" >&2
		exit 1
	fi
}

# api METHOD PATH TOKEN [BODY]: curl against the server; prints the body.
api() {
	local args=(-s -X "$1" "$URL$2" -H "Authorization: Bearer $3")
	[ $# -ge 4 ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	curl "${args[@]}"
}
