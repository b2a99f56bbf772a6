# Crash consistency: klaxond under a mutation load from several concurrent clients (curl
# loops, each logging every mutation it got a 2xx for), killed with SIGKILL at random moments
# and restarted; then the same with the embedded store, its CLI writers killed mid-write.
# After every kill: every acknowledged mutation is present, each tenant's receipts run from
# seq 1 without a gap, and `klaxon ledger verify` passes (on a consistent copy taken with
# VACUUM INTO while the load goes on). CRASH_CYCLES kills per mode (default 3; `make soak`
# runs 20). Needs curl, jq and sqlite3.
set -u
. "$(dirname "$0")/lib.sh"
: "${KLAXOND:?set KLAXOND to the klaxond binary}"
CYCLES=${CRASH_CYCLES:-3}
CLIENTS=4
for tool in curl jq sqlite3; do
	command -v "$tool" >/dev/null || { echo "test_crash.sh: $tool is required" >&2; exit 2; }
done
ACKED=0 # acknowledged mutations checked, summed over the checks
SERVER_PID=""
LOADERS=()
cleanup() {
	touch "$T/stop" 2>/dev/null
	for p in "${LOADERS[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

rand_ms() { echo $((($RANDOM % ($2 - $1)) + $1)); } # MIN MAX → a delay in ms
nap() { local ms; ms=$(rand_ms "$1" "$2"); sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"; }

# ---- klaxond ----------------------------------------------------------------------------

DATA="$T/data"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
ADMIN=$("$KLAXOND" init --data "$DATA" 2>"$T/init.err" | tail -n 1)
[ -n "$ADMIN" ] || { bad "klaxond init: $(cat "$T/init.err")"; finish; exit 1; }

serve() {
	local try i
	for try in 1 2 3 4 5; do
		"$KLAXOND" serve --data "$DATA" --listen "127.0.0.1:$PORT" >>"$T/server.log" 2>&1 &
		SERVER_PID=$!
		for i in $(seq 1 100); do
			curl -sf --max-time 1 "$URL/healthz" >/dev/null 2>&1 && return 0
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
		sleep 0.2 # the port may still be held for a moment
	done
	bad "klaxond did not come back: $(tail -n 5 "$T/server.log" | tr '\n' ' ')"
	return 1
}

call() { # TOKEN METHOD PATH [BODY] → body on stdout, status in $T/code
	local args=(-s --max-time 10 -o "$T/call.body" -w '%{http_code}' -X "$2" "$URL$3"
		-H "Authorization: Bearer $1")
	[ $# -ge 4 ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	curl "${args[@]}" >"$T/code" 2>/dev/null
	cat "$T/call.body"
}

serve || exit 1
declare -A TOKEN # client number → token
TENANT=()        # client number → tenant
for t in acme beta; do
	call "$ADMIN" POST /tenants "{\"id\":\"$t\",\"name\":\"$t\",\"region\":\"eu\"}" >/dev/null
	[ "$(cat "$T/code")" = 201 ] || bad "create tenant $t: $(cat "$T/code")"
done
for c in $(seq 1 $CLIENTS); do
	t=acme
	[ $((c % 2)) -eq 0 ] && t=beta
	TENANT[$c]=$t
	TOKEN[$c]=$(call "$ADMIN" POST "/tenants/$t/actors" "{\"name\":\"client$c\",\"roles\":[\"responder\",\"auditor\"]}" | jq -r '.token // empty')
	[ -n "${TOKEN[$c]}" ] || bad "create actor client$c: $(cat "$T/code")"
done

# One client: declare, note, triage, over and over; a line in its log for each 2xx received
# (written only once the whole response is in). Odd answers (a 5xx) are logged as such.
client() {
	local c=$1 tok=$2 i=0 code id rid log="$T/client$c.log" b="$T/client$c.body"
	local H=(-H "Authorization: Bearer $tok" -H 'Content-Type: application/json')
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		code=$(curl -s --max-time 5 -o "$b" -w '%{http_code}' "${H[@]}" -X POST "$URL/incidents" \
			--data-binary "{\"title\":\"client $c incident $i\",\"severity\":\"sev3\"}" 2>/dev/null)
		case $code in
		201) read -r id rid < <(jq -r '"\(.id) \(.receipt_id)"' "$b") || continue
			echo "inc $id $rid" >>"$log" ;;
		5*) echo "odd POST /incidents $code $(head -c 200 "$b")" >>"$log"; continue ;;
		*) sleep 0.02; continue ;;
		esac
		code=$(curl -s --max-time 5 -o "$b" -w '%{http_code}' "${H[@]}" -X POST \
			"$URL/incidents/$id/notes" --data-binary "{\"text\":\"note $i\"}" 2>/dev/null)
		case $code in
		201) echo "note $id $(jq -r .receipt_id "$b")" >>"$log" ;;
		5*) echo "odd POST notes $code $(head -c 200 "$b")" >>"$log" ;;
		esac
		code=$(curl -s --max-time 5 -o "$b" -w '%{http_code}' "${H[@]}" -X PATCH \
			"$URL/incidents/$id" --data-binary '{"status":"triaged"}' 2>/dev/null)
		case $code in
		200) echo "upd $id $(jq -r .receipt_id "$b")" >>"$log" ;;
		5*) echo "odd PATCH $code $(head -c 200 "$b")" >>"$log" ;;
		esac
	done
}

# Every item of a paged list as JSON lines: page PATH TOKEN
page() {
	local path=$1 tok=$2 cursor="" sep="?"
	case $path in *\?*) sep="&" ;; esac
	for _ in $(seq 1 1000); do
		local q="${sep}limit=500"
		[ -n "$cursor" ] && q="$q&cursor=$cursor"
		call "$tok" GET "$path$q" >"$T/page.json"
		[ "$(cat "$T/code")" = 200 ] || { echo "PAGE-ERROR $(cat "$T/code")"; return; }
		jq -c '.items[]' "$T/page.json"
		cursor=$(jq -r '.next_cursor // empty' "$T/page.json")
		[ -n "$cursor" ] || return 0
	done
}

# seq_gaps FILE: receipts (JSON lines) must have seq 1, 2, ... n; prints the first gap.
seq_gaps() {
	jq -r '.seq' "$1" | awk 'NR != $1 { print "seq " $1 " at position " NR; exit }'
}

# A consistent copy of the store (VACUUM INTO: one read transaction, writers go on) with the
# server key beside it, as the embedded CLI expects, and `klaxon ledger verify` on it.
verify_copy() { # WHAT DB KEY PUB [IDENTITY...]
	rm -rf "$T/copy"
	mkdir -p "$T/copy"
	if ! sqlite3 "$2" "PRAGMA busy_timeout=10000; VACUUM INTO '$T/copy/klaxon.db'" >"$T/vacuum.err" 2>&1; then
		bad "$1: VACUUM INTO failed: $(cat "$T/vacuum.err")"
		return
	fi
	install -m 600 "$3" "$T/copy/klaxon.db.key"
	cp "$4" "$T/copy/klaxon.db.pub"
	local what=$1
	shift 4
	if XDG_STATE_HOME="$T/copy/state" "$KLAXON" --db "$T/copy/klaxon.db" "$@" ledger verify \
		>"$T/verify.out" 2>&1; then
		ok
	else
		bad "$what: klaxon ledger verify failed: $(tr '\n' ' ' <"$T/verify.out")"
	fi
}

# After a restart: the logs are read first, so every line in them was acknowledged before the
# listings below began and must be in them.
check_server() {
	local what=$1 c
	for c in $(seq 1 $CLIENTS); do cp "$T/client$c.log" "$T/acked$c" 2>/dev/null || : >"$T/acked$c"; done
	for t in acme beta; do
		local tok="" c
		for c in $(seq 1 $CLIENTS); do [ "${TENANT[$c]}" = "$t" ] && tok=${TOKEN[$c]}; done
		page /receipts "$tok" >"$T/receipts.$t"
		page /incidents "$tok" >"$T/incidents.$t"
		if grep -q PAGE-ERROR "$T/receipts.$t" "$T/incidents.$t"; then
			bad "$what: listing $t failed: $(grep -h PAGE-ERROR "$T/receipts.$t" "$T/incidents.$t" | head -1)"
			continue
		fi
		local gap
		gap=$(seq_gaps "$T/receipts.$t")
		if [ -z "$gap" ]; then ok; else bad "$what: tenant $t receipts have a gap: $gap"; fi
		jq -r .id "$T/receipts.$t" | sort >"$T/rids.$t"
		jq -r .id "$T/incidents.$t" | sort >"$T/iids.$t"
		for c in $(seq 1 $CLIENTS); do
			[ "${TENANT[$c]}" = "$t" ] || continue
			awk '$1 == "inc" { print $2 }' "$T/acked$c" | sort >"$T/want.i"
			awk '$1 ~ /^(inc|note|upd)$/ { print $3 }' "$T/acked$c" | sort >"$T/want.r"
			ACKED=$((ACKED + $(wc -l <"$T/want.r")))
			local lost
			lost=$(comm -23 "$T/want.i" "$T/iids.$t" | head -3 | tr '\n' ' ')
			if [ -z "$lost" ]; then ok; else bad "$what: client $c: acknowledged incidents missing: $lost"; fi
			lost=$(comm -23 "$T/want.r" "$T/rids.$t" | head -3 | tr '\n' ' ')
			if [ -z "$lost" ]; then ok; else bad "$what: client $c: acknowledged mutations' receipts missing: $lost"; fi
			if grep -q '^odd' "$T/acked$c"; then
				bad "$what: client $c got an error that is not a client's: $(grep -m1 '^odd' "$T/acked$c")"
			else
				ok
			fi
		done
	done
	# a klaxond store has no tenant `default`: act as its platform admin
	verify_copy "$what" "$DATA/klaxon.db" "$DATA/server.key" "$DATA/server.pub" \
		--tenant platform --as platform-admin
}

rm -f "$T/stop"
for c in $(seq 1 $CLIENTS); do
	: >"$T/client$c.log"
	client "$c" "${TOKEN[$c]}" &
	LOADERS+=($!)
done
for cycle in $(seq 1 "$CYCLES"); do
	nap 300 1200
	kill -KILL "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=""
	nap 0 300
	serve || break
	check_server "klaxond kill $cycle"
done
touch "$T/stop"
for p in "${LOADERS[@]}"; do wait "$p" 2>/dev/null; done
LOADERS=()
ACKED=0
check_server "klaxond after the load"
SERVER_ACKED=$ACKED
kill -TERM "$SERVER_PID"
if wait "$SERVER_PID"; then ok; else bad "klaxond did not exit 0 on SIGTERM: $(tail -n 5 "$T/server.log")"; fi
SERVER_PID=""

# ---- the embedded store, killed during CLI writes -----------------------------------------

DB="$T/emb/klaxon.db"
mkdir -p "$T/emb"
"$KLAXON" --db "$DB" init >/dev/null 2>&1 || bad "klaxon init failed"
export XDG_STATE_HOME="$T/emb/state"

# One writer: `klaxon incident declare` then `incident update --note`, each a process of its
# own whose pid is kept where the killer finds it; an id is logged only on exit status 0.
writer() {
	local c=$1 i=0 id log="$T/writer$c.log"
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		"$KLAXON" --db "$DB" incident declare --title "writer $c incident $i" --severity sev2 \
			>"$T/w$c.out" 2>"$T/w$c.err" &
		echo $! >"$T/w$c.pid"
		if wait $!; then
			id=$(cat "$T/w$c.out")
			echo "inc $id" >>"$log"
			"$KLAXON" --db "$DB" incident update "$id" --status triaged --note "writer $c note $i" \
				>/dev/null 2>"$T/w$c.err" &
			echo $! >"$T/w$c.pid"
			wait $! && echo "upd $id" >>"$log"
		fi
	done
}

kill_writers() { # SIGKILL whatever klaxon process each writer is running now
	local c pid
	for c in $(seq 1 $CLIENTS); do
		pid=$(cat "$T/w$c.pid" 2>/dev/null) || continue
		[ -n "$pid" ] && grep -qa klaxon "/proc/$pid/cmdline" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	done
}

check_embedded() {
	local what=$1 c
	for c in $(seq 1 $CLIENTS); do cp "$T/writer$c.log" "$T/wacked$c" 2>/dev/null || : >"$T/wacked$c"; done
	"$KLAXON" --db "$DB" --json receipts --all >"$T/erc.json" 2>"$T/erc.err" ||
		{ bad "$what: klaxon receipts: $(cat "$T/erc.err")"; return; }
	"$KLAXON" --db "$DB" --json incident list --all >"$T/einc.json" 2>"$T/einc.err" ||
		{ bad "$what: klaxon incident list: $(cat "$T/einc.err")"; return; }
	jq -c '.items[]' "$T/erc.json" >"$T/erc.lines"
	local gap
	gap=$(seq_gaps "$T/erc.lines")
	if [ -z "$gap" ]; then ok; else bad "$what: embedded receipts have a gap: $gap"; fi
	jq -r '.items[].id' "$T/einc.json" | sort >"$T/eiids"
	cat "$T"/wacked* | awk '$1 == "inc" { print $2 }' | sort >"$T/ewant"
	ACKED=$((ACKED + $(cat "$T"/wacked* | wc -l)))
	local lost
	lost=$(comm -23 "$T/ewant" "$T/eiids" | head -3 | tr '\n' ' ')
	if [ -z "$lost" ]; then ok; else bad "$what: acknowledged incidents missing: $lost"; fi
	# every acknowledged update left its status (nothing later changes it)
	local bad_upd
	bad_upd=$(cat "$T"/wacked* | awk '$1 == "upd" { print $2 }' | sort >"$T/eupd"
		jq -r '.items[] | select(.status == "triaged") | .id' "$T/einc.json" | sort >"$T/etriaged"
		comm -23 "$T/eupd" "$T/etriaged" | head -3 | tr '\n' ' ')
	if [ -z "$bad_upd" ]; then ok; else bad "$what: acknowledged updates missing: $bad_upd"; fi
	verify_copy "$what" "$DB" "$DB.key" "$DB.pub"
}

ACKED=0
rm -f "$T/stop"
for c in $(seq 1 $CLIENTS); do
	: >"$T/writer$c.log"
	writer "$c" 2>/dev/null & # (no "Killed" notices)
	LOADERS+=($!)
done
KILLS=0
for cycle in $(seq 1 "$CYCLES"); do
	for _ in 1 2; do
		nap 100 600
		kill_writers
		KILLS=$((KILLS + 1))
	done
	check_embedded "embedded kill round $cycle"
done
touch "$T/stop"
for p in "${LOADERS[@]}"; do wait "$p" 2>/dev/null; done
LOADERS=()
ACKED=0
check_embedded "embedded after the load"
if "$KLAXON" --db "$DB" ledger verify >"$T/everify.out" 2>&1; then ok; else bad "embedded ledger verify in place: $(cat "$T/everify.out")"; fi

echo "crash: klaxond SIGKILLed $CYCLES times under $CLIENTS clients: $SERVER_ACKED acknowledged mutations, all present; embedded CLI writers SIGKILLed $KILLS times: $ACKED acknowledged, all present"
finish
