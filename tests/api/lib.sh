# Shared by the black-box API tests: a scratch dir, a klaxond on a free loopback port, an HTTP
# helper over curl, assertions that count and explain themselves, and a closing tally line.
#
# A script sources this, calls start_server, runs its checks and ends with `finish`. On exit
# (however it happens) the server gets SIGTERM and must exit 0 within 10 s; then the tally
# `NAME: N passed, M failed` is printed as the last line and the exit status is 1 if M > 0.
set -u
: "${KLAXOND:?set KLAXOND to the klaxond binary}"
: "${KLAXON:=}"
command -v curl >/dev/null || { echo "curl is required" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq is required" >&2; exit 2; }

NAME=$(basename "$0")
T=$(mktemp -d "${TMPDIR:-/tmp}/klaxon-api.XXXXXX")
DATA="$T/data"
export XDG_STATE_HOME="$T/state" # the CLI's ledger witness state, kept out of $HOME
PASS=0
FAIL=0
SERVER_PID=""
ADMIN=""
PORT=""
BASE=""
STATUS=""
BODY=""
CURLRC=0
LASTREQ=""
TS_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$' # also a valid jq string

ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); printf 'FAIL: %s\n' "$*" >&2; }
# A failure about the last HTTP exchange: what was expected, then the request and the response.
badr() {
	FAIL=$((FAIL + 1))
	{
		printf 'FAIL: %s\n' "$*"
		printf '      request:  %s\n' "$LASTREQ"
		printf '      response: %s %s\n' "$STATUS" "$(printf '%s' "$BODY" | head -c 600 | tr '\n' ' ')"
		[ "$CURLRC" -eq 0 ] || printf '      curl exit %s\n' "$CURLRC"
	} >&2
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The store: SQLite in $DATA, or — when KX_PG_CLUSTER names a cluster made by
# tests/pg/cluster.sh — a fresh PostgreSQL database in it, made by its owner role and served by
# the service role (row-level security applies). SERVE_ARGS go on every `klaxond serve`.
INIT_ARGS=()
SERVE_ARGS=()
if [ -n "${KX_PG_CLUSTER:-}" ]; then
	eval "$("$(dirname "${BASH_SOURCE[0]}")/../pg/cluster.sh" newdb "$KX_PG_CLUSTER")"
	INIT_ARGS=(--store "$KX_PG_OWNER_URL")
	SERVE_ARGS=(--store "$KX_PG_URL")
	NAME="$NAME (postgres)"
fi

# start_server: klaxond init (admin token in $ADMIN), then serve on a free port until /healthz
# answers 200. Exits the script (with a failure) if the server cannot be brought up.
start_server() {
	if ! "$KLAXOND" init --data "$DATA" "${INIT_ARGS[@]}" >"$T/init.out" 2>"$T/init.err"; then
		bad "klaxond init --data $DATA failed: $(tail -n 5 "$T/init.err" "$T/init.out" | tr '\n' ' ')"
		exit 1
	fi
	ADMIN=$(grep -v '^[[:space:]]*$' "$T/init.out" | tail -n 1 | tr -d '[:space:]')
	if [ -z "$ADMIN" ]; then
		bad "klaxond init printed no admin token on stdout"
		exit 1
	fi
	local attempt i code
	for attempt in 1 2 3; do
		PORT=$(free_port)
		BASE="http://127.0.0.1:$PORT"
		"$KLAXOND" serve --data "$DATA" --listen "127.0.0.1:$PORT" "${SERVE_ARGS[@]}" \
			>>"$T/server.log" 2>&1 &
		SERVER_PID=$!
		for i in $(seq 1 150); do
			code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/healthz" 2>/dev/null)
			[ "$code" = "200" ] && return 0
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$SERVER_PID" 2>/dev/null; then
			bad "klaxond serve did not answer GET /healthz 200 within 15 s (last: $code)"
			exit 1
		fi
		wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=""
	done
	bad "klaxond serve exited at startup: $(tail -n 5 "$T/server.log" | tr '\n' ' ')"
	exit 1
}

# stop_server: SIGTERM, wait up to 10 s, the exit status must be 0 (graceful shutdown).
stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	local pid=$SERVER_PID i rc
	SERVER_PID=""
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null
		rc=$?
		bad "klaxond died during the tests (exit status $rc); last log lines:"
		tail -n 20 "$T/server.log" >&2
		return
	fi
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		bad "klaxond did not exit within 10 s of SIGTERM"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok
	else
		bad "klaxond exit status after SIGTERM: $rc, wanted 0; last log lines:"
		tail -n 20 "$T/server.log" >&2
	fi
}

on_exit() {
	trap - EXIT INT TERM
	stop_server
	rm -rf "$T"
	echo "$NAME: $PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ] && exit 0
	exit 1
}
trap on_exit EXIT
trap 'bad "interrupted"; exit 1' INT TERM

finish() { exit 0; }

# api TOKEN METHOD PATH [DATA [CURL-ARGS...]]
# TOKEN "" sends no Authorization. DATA "" sends no body; "@FILE" sends FILE's bytes; anything
# else is sent as is. A body goes with Content-Type $CT (default application/json; CT= sends
# none at all). Leaves $STATUS (000 when no response), $BODY, $CURLRC and the response
# headers in $T/hdrs (read them with hdr). API_DEBUG=1 logs every exchange to stderr.
api() {
	local tok=$1 method=$2 path=$3
	shift 3
	local data=""
	if [ $# -gt 0 ]; then
		data=$1
		shift
	fi
	local args=(-sS --path-as-is -o "$T/body" -D "$T/hdrs" -w '%{http_code}'
		--max-time "${API_TIMEOUT:-15}" -X "$method")
	[ -n "$tok" ] && args+=(-H "Authorization: Bearer $tok")
	local shown=""
	if [ -n "$data" ]; then
		local ct=${CT-application/json}
		if [ -n "$ct" ]; then args+=(-H "Content-Type: $ct"); else args+=(-H "Content-Type:"); fi
		if [ "${data:0:1}" = "@" ]; then
			args+=(--data-binary "$data")
			shown=" body=<file ${data#@}, $(wc -c <"${data#@}") bytes>"
		else
			printf '%s' "$data" >"$T/reqbody"
			args+=(--data-binary "@$T/reqbody")
			shown=" body=$(printf '%s' "$data" | head -c 300)"
			[ ${#data} -gt 300 ] && shown="$shown…(${#data} bytes)"
		fi
		[ "${ct:-}" != "application/json" ] && shown="$shown [Content-Type: ${ct:-none}]"
	fi
	local extra=""
	[ $# -gt 0 ] && extra=" [curl $(printf '%s ' "$@" | head -c 200)]"
	LASTREQ="$method $path$shown$extra"
	: >"$T/hdrs"
	: >"$T/body"
	STATUS=$(curl "${args[@]}" "$@" "$BASE$path" 2>"$T/curl.err")
	CURLRC=$?
	[ -n "$STATUS" ] || STATUS=000
	BODY=$(cat "$T/body")
	[ -z "${API_DEBUG:-}" ] || printf 'DEBUG %s %s -> %s\n' "$STATUS" "${LASTREQ:0:160}" "$(printf '%s' "$BODY" | head -c 160 | tr '\n' ' ')" >&2
}

# hdr NAME: the last value of response header NAME (case-insensitive), without CR.
hdr() {
	grep -i "^$1:" "$T/hdrs" | tail -n 1 | sed 's/^[^:]*:[[:space:]]*//; s/\r$//; s/[[:space:]]*$//'
}

# j FILTER: jq -r over the last response body (empty on a non-JSON body).
j() { printf '%s' "$BODY" | jq -r "$1" 2>/dev/null; }

# expect_status WHAT WANT: WANT is a status or an alternation such as "404|405".
expect_status() {
	if printf '%s' "$STATUS" | grep -Eq "^($2)\$"; then ok; else badr "$1: status $STATUS, wanted $2"; fi
}

# expect_error WHAT STATUS CODE: the status, the code, and the JSON error shape
# {"error":{"code","message","request_id"}} with Content-Type application/json.
expect_error() {
	local what=$1 want=$2 code=$3
	local got
	got=$(j '.error.code // empty')
	if printf '%s' "$STATUS" | grep -Eq "^($want)\$" && [ "$got" = "$code" ]; then
		ok
	else
		badr "$what: wanted $want $code, got $STATUS ${got:-<no error.code>}"
	fi
	expect_error_shape "$what"
}

expect_error_shape() {
	if printf '%s' "$BODY" | jq -e '(.error | type == "object")
		and (.error.code | type == "string" and test("^[a-z][a-z0-9_]*$"))
		and (.error.message | type == "string" and length > 0)
		and (.error.request_id | type == "string" and length > 0)' >/dev/null 2>&1; then
		ok
	else
		badr "$1: body is not the JSON error shape {\"error\":{\"code\",\"message\",\"request_id\"}}"
	fi
	case "$(hdr Content-Type)" in
	application/json*) ok ;;
	*) badr "$1: error Content-Type '$(hdr Content-Type)', wanted application/json" ;;
	esac
}

# expect_json WHAT JQ-EXPR: the expression is true over the last body.
expect_json() {
	if printf '%s' "$BODY" | jq -e "$2" >/dev/null 2>&1; then ok; else badr "$1: wanted body to satisfy: $2"; fi
}

# expect_jq WHAT FILTER WANT: jq -r FILTER over the last body prints WANT.
expect_jq() {
	local got
	got=$(j "$2")
	if [ "$got" = "$3" ]; then ok; else badr "$1: $2 is '$got', wanted '$3'"; fi
}

expect_eq() { # WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', wanted '$3'"; fi
}

expect_ne() { # WHAT GOT NOT-WANTED
	if [ "$2" != "$3" ]; then ok; else bad "$1: got '$2', wanted anything else"; fi
}

expect_match() { # WHAT TEXT REGEX
	if printf '%s' "$2" | grep -Eq -- "$3"; then ok; else bad "$1: '$2' does not match /$3/"; fi
}

expect_header() { # WHAT NAME REGEX
	local v
	v=$(hdr "$2")
	if printf '%s' "$v" | grep -Eq -- "$3"; then ok; else badr "$1: header $2 is '$v', wanted /$3/"; fi
}

# expect_no5xx WHAT: any answer but a 5xx (a closed connection, 000, is allowed too).
expect_no5xx() {
	case "$STATUS" in
	5*) badr "$1: a 5xx for a malformed request" ;;
	*) ok ;;
	esac
}

# expect_4xx_json WHAT: a 4xx with the JSON error shape.
expect_4xx_json() {
	case "$STATUS" in
	4??) ok; expect_error_shape "$1" ;;
	*) badr "$1: status $STATUS, wanted a 4xx" ;;
	esac
}

alive() { # WHAT: the server still answers GET /healthz 200
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BASE/healthz" 2>/dev/null)
	if [ "$code" = "200" ]; then ok; else bad "$1: GET /healthz answered '$code', wanted 200 (server dead or wedged?)"; fi
}

# --- bootstrap helpers ---------------------------------------------------------------------

# new_tenant ID [REGION]: the platform admin creates a tenant.
new_tenant() {
	api "$ADMIN" POST /tenants "$(jq -nc --arg id "$1" --arg r "${2:-eu}" '{id:$id,name:($id+" Inc"),region:$r}')"
	expect_status "create tenant $1" 201
}

# new_actor TENANT NAME ROLES-JSON: the platform admin creates an actor; sets ACTOR_ID, ACTOR_TOKEN.
new_actor() {
	api "$ADMIN" POST "/tenants/$1/actors" "$(jq -nc --arg n "$2" --argjson r "$3" '{name:$n,roles:$r}')"
	expect_status "create actor $2 in $1" 201
	ACTOR_ID=$(j '.actor.id // empty')
	ACTOR_TOKEN=$(j '.token // empty')
	[ -n "$ACTOR_ID" ] && [ -n "$ACTOR_TOKEN" ] || badr "create actor $2: no actor.id or token in the answer"
}

# new_incident TOKEN TITLE [SEVERITY [EXTRA-JSON-OBJECT]]: POST /incidents; sets INC (the id).
new_incident() {
	local body x=${4:-}
	[ -n "$x" ] || x='{}'
	body=$(jq -nc --arg t "$2" --arg s "${3:-sev3}" --argjson x "$x" '{title:$t,severity:$s} + $x')
	api "$1" POST /incidents "$body"
	expect_status "create incident '$2'" 201
	INC=$(j '.id // empty')
}
