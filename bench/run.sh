#!/bin/bash
# The core benchmark suite (`make bench-core`, part of `make bench`). Every klaxon figure is
# divided by a raw baseline measured in the same run, on the same machine, right before it
# (these machines are shared and noisy: a baseline taken minutes apart means little); each
# pair is repeated BENCH_RUNS times and the medians reported. Writes docs/PERFORMANCE.md,
# keeping its Console section (bench/console_bench.c's) as it is.
#
# Environment: KLAXON, KLAXOND, BENCH_BIN (set by make); BENCH_RUNS (default 3),
# BENCH_SECONDS (wrk and rate runs, default 10), BENCH_STORES (bulk stores, kept between
# runs; default $BENCH_BIN), BENCH_DOC (default docs/PERFORMANCE.md), BENCH_ONLY (a
# space-separated subset of: raw http embedded pages ledger usage evidence).
set -euo pipefail
: "${KLAXON:?}" "${KLAXOND:?}" "${BENCH_BIN:?}"
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-10}
STORES=${BENCH_STORES:-$BENCH_BIN}
DOC=${BENCH_DOC:-docs/PERFORMANCE.md}
ONLY=${BENCH_ONLY:-raw http embedded pages ledger usage evidence}
for tool in wrk sha256sum /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make deps)" >&2; exit 2; }
done
mkdir -p "$STORES"
T=$(mktemp -d "${TMPDIR:-/tmp}/klaxon-bench.XXXXXX")
RES="$T/results" # lines: NAME VALUE UNIT (a name repeats once per run)
: >"$RES"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT
say() { printf 'bench: %s\n' "$*" >&2; }
wants() { [[ " $ONLY " == *" $1 "* ]]; }

# record NAME VALUE UNIT; and the RESULT lines a program prints, prefixed.
record() { echo "$1 $2 $3" >>"$RES"; }
collect() { # PREFIX: reads a program's output on stdin
	local p=$1 tag name value unit
	while read -r tag name value unit; do
		[ "$tag" = RESULT ] && record "$p$name" "$value" "$unit"
	done
}
# median NAME: of the values recorded under NAME
median() {
	awk -v n="$1" '$1 == n { v[c++] = $2 } END {
		if (!c) { print "nan"; exit }
		for (i = 0; i < c; i++) for (j = i + 1; j < c; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		print (c % 2 ? v[int(c / 2)] : (v[c / 2 - 1] + v[c / 2]) / 2) }' "$RES"
}
values() { awk -v n="$1" '$1 == n { printf "%s%s", s, $2; s = ", " }' "$RES"; }
# ratio A B: median(A) / median(B), two decimals
ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
fmt() { awk -v v="$1" 'BEGIN { if (v >= 100) printf "%.0f", v; else if (v >= 10) printf "%.1f", v; else printf "%.2f", v }'; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # URL
	for _ in $(seq 1 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
	say "no answer from $1"; exit 1
}
# wrk_run PREFIX URL [wrk args...]: records PREFIXrps and PREFIXp99_ms; fails on errors.
wrk_run() {
	local p=$1 url=$2 out
	shift 2
	out=$(wrk -t2 -c32 -d"${SECS}s" --latency "$@" "$url")
	if grep -qE "Non-2xx|Socket errors" <<<"$out"; then
		say "wrk saw errors against $url:"; echo "$out" >&2; exit 1
	fi
	record "${p}rps" "$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")" req/s
	record "${p}p99_ms" "$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0; else if (v ~ /s$/) v = v * 1000; print v }' <<<"$out")" ms
}

# ---- raw baselines -------------------------------------------------------------------------

if wants raw; then
	say "raw baselines: SQLite batched inserts, Ed25519, SHA-256"
	for r in $(seq 1 "$RUNS"); do
		"$BENCH_BIN/raw_sqlite" batch "$T/raw.db" 3 | collect ""
		"$BENCH_BIN/raw_sqlite" normal "$T/raw.db" 3 | collect ""
		"$BENCH_BIN/kx_bench" crypto 1 | collect ""
	done
fi

# ---- klaxond: mutations and reads under wrk ------------------------------------------------

start_klaxond() { # DATA PORT: a fresh klaxond with tenant acme and responder alice
	local data=$1 port=$2 admin
	rm -rf "$data"
	"$KLAXOND" init --data "$data" >"$T/init.out"
	admin=$(tail -n 1 "$T/init.out")
	printf '[log]\npath = %s\n' "$T/klaxond.log" >"$data/klaxond.conf"
	[ -n "${BENCH_THREADS:-}" ] && printf '[server]\nthreads = %s\n' "$BENCH_THREADS" >>"$data/klaxond.conf"
	"$KLAXOND" serve --data "$data" --listen "127.0.0.1:$port" 2>>"$T/klaxond.err" &
	KPID=$!
	PIDS+=("$KPID")
	wait_http "http://127.0.0.1:$port/healthz"
	curl -sf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
		"http://127.0.0.1:$port/tenants" -d '{"id":"acme","name":"Acme","region":"eu"}' >/dev/null
	TOKEN=$(curl -sf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
		"http://127.0.0.1:$port/tenants/acme/actors" -d '{"name":"alice","roles":["responder"]}' |
		jq -r .token)
}

if wants http; then
	say "klaxond: POST /incidents against one insert per fsync; GET /incidents/{id} against a raw server"
	PORT=$(free_port)
	RPORT=$(free_port)
	seq -f "item_%08g" 0 99999 >"$T/items.txt"
	for r in $(seq 1 "$RUNS"); do
		"$BENCH_BIN/raw_sqlite" single "$T/raw.db" 5 | collect http_
		start_klaxond "$T/data" "$PORT"
		KX_TOKEN=$TOKEN wrk_run http_post_ "http://127.0.0.1:$PORT" -s bench/post_incident.lua
		sqlite3 "$T/data/klaxon.db" "SELECT id FROM incidents LIMIT 20000" >"$T/ids.txt"
		KX_THREADS=${BENCH_THREADS:-} "$BENCH_BIN/raw_server" static "$RPORT" 2>/dev/null &
		RS=$!
		wait_http "http://127.0.0.1:$RPORT/x"
		wrk_run raw_static_ "http://127.0.0.1:$RPORT/x"
		kill "$RS"; wait "$RS" 2>/dev/null || true
		KX_THREADS=${BENCH_THREADS:-} "$BENCH_BIN/raw_server" sqlite "$RPORT" "$T/items.db" 2>/dev/null &
		RS=$!
		wait_http "http://127.0.0.1:$RPORT/items/item_00000001"
		KX_IDS="$T/items.txt" KX_PREFIX=/items/ wrk_run raw_read_ "http://127.0.0.1:$RPORT" \
			-s bench/get_random.lua
		kill "$RS"; wait "$RS" 2>/dev/null || true
		KX_TOKEN=$TOKEN KX_IDS="$T/ids.txt" KX_PREFIX=/incidents/ wrk_run http_get_ \
			"http://127.0.0.1:$PORT" -s bench/get_random.lua
		kill "$KPID"; wait "$KPID" 2>/dev/null || true
	done
fi

# ---- embedded: one client --------------------------------------------------------------------

if wants embedded; then
	say "embedded: incident.create in a loop against one insert per fsync"
	for r in $(seq 1 "$RUNS"); do
		"$BENCH_BIN/raw_sqlite" single "$T/raw.db" 5 | collect emb_
		"$BENCH_BIN/raw_sqlite" btrees "$T/raw.db" 5 | collect emb_
		rm -f "$T/e.db"*
		"$KLAXON" --db "$T/e.db" init >/dev/null
		"$BENCH_BIN/kx_bench" create "$T/e.db" "$SECS" | collect ""
	done
fi

# ---- keyset pagination on 1M incidents -------------------------------------------------------

bulk_store() { # NAME: a store made by `klaxon init`, or "" when it is already there
	local db="$STORES/$1.db"
	if [ -f "$db.done" ]; then echo ""; return; fi
	rm -f "$db" "$db"-* "$db.key" "$db.pub"
	"$KLAXON" --db "$db" init >/dev/null
	echo "$db"
}

if wants pages; then
	say "pagination: page 1 and page 10,000 on 1M incidents and a 600k-event timeline"
	db=$(bulk_store pages-1m)
	if [ -n "$db" ]; then
		"$BENCH_BIN/bulk_load" incidents "$db" 1000000 600000 && touch "$db.done"
	fi
	for r in $(seq 1 "$RUNS"); do
		"$BENCH_BIN/kx_bench" pages "$STORES/pages-1m.db" 50 | collect ""
	done
fi

# ---- ledger at 1M leaves -------------------------------------------------------------------

if wants ledger; then
	say "ledger: appends at 1k and 1M leaves, proofs at 1M"
	db=$(bulk_store ledger-1m)
	if [ -n "$db" ]; then
		"$BENCH_BIN/bulk_load" ledger "$db" bench1m 1000000 &&
			"$BENCH_BIN/bulk_load" ledger "$db" bench1k 1000 && touch "$db.done"
	fi
	for r in $(seq 1 "$RUNS"); do
		"$BENCH_BIN/kx_bench" ledger "$STORES/ledger-1m.db" bench1k bench1m 500 | collect ""
	done
fi

# ---- metering ---------------------------------------------------------------------------------

if wants usage; then
	say "metering: a 30-day report over 10M events; inserts with and without rollups"
	db=$(bulk_store usage-10m)
	if [ -n "$db" ]; then
		"$BENCH_BIN/bulk_load" usage "$db" "${BENCH_USAGE_EVENTS:-10000000}" 30 | collect "" &&
			touch "$db.done"
	fi
	for r in $(seq 1 "$RUNS"); do
		"$BENCH_BIN/kx_bench" usage "$STORES/usage-10m.db" 200 | collect ""
		rm -f "$T/m.db"*
		"$KLAXON" --db "$T/m.db" init >/dev/null
		"$BENCH_BIN/kx_bench" meter "$T/m.db" 20000 | collect ""
	done
fi

# ---- evidence ---------------------------------------------------------------------------------

ms() { date +%s%N | cut -c1-13; }
if wants evidence; then
	say "evidence: export and offline verify of a 100k-receipt bundle against sha256sum"
	db="$STORES/evidence-100k.db"
	if [ ! -f "$db.done" ]; then
		rm -f "$db" "$db"-* "$db.key" "$db.pub"
		"$KLAXON" --db "$db" init >/dev/null
		date -u +%Y-%m-%dT%H:%M:%S.000Z >"$db.from"
		KX_BENCH_SYNC=normal "$BENCH_BIN/kx_bench" fill "$db" 100000 >/dev/null
		date -u -d '+1 min' +%Y-%m-%dT%H:%M:%S.000Z >"$db.to"
		touch "$db.done"
	fi
	# Brought to this binary's schema once here, not again in every copy the runs export from
	# (a migration in the measured process would count in its peak RSS).
	"$KLAXON" --db "$db" incident list --limit 1 >/dev/null
	FROM=$(cat "$db.from")
	TO=$(cat "$db.to")
	for r in $(seq 1 "$RUNS"); do
		# A fresh copy each run (an export leaves a 364 MB bundle file beside its store), and
		# nothing of the runs before left for the disk while this one is timed: neither dirty
		# pages nor, on a file system mounted with `discard`, the trim of deleted files, which
		# the export's fsync would otherwise wait for (~0.5 s here).
		rm -rf "$T/ev.db"* "$T/bundle.tar"
		sync
		cp "$db" "$T/ev.db"; cp "$db.key" "$T/ev.db.key"; cp "$db.pub" "$T/ev.db.pub"
		sync
		/usr/bin/time -v -o "$T/time.txt" "$BENCH_BIN/kx_bench" export "$T/ev.db" "$FROM" "$TO" \
			>"$T/export.out"
		collect "" <"$T/export.out"
		record export_rss_kb "$(awk -F: '/Maximum resident/ { gsub(/ /, "", $2); print $2 }' "$T/time.txt")" kB
		id=$(awk '$1 == "EXPORT" { print $2 }' "$T/export.out")
		"$BENCH_BIN/kx_bench" download "$T/ev.db" "$id" "$T/bundle.tar"
		record bundle_bytes "$(stat -c %s "$T/bundle.tar")" bytes
		record bundle_receipts "$(tar -xOf "$T/bundle.tar" receipts.jsonl | wc -l)" receipts
		sync # the bundle just downloaded is not written back while it is read
		t0=$(ms); sha256sum "$T/bundle.tar" >/dev/null; t1=$(ms)
		record sha256sum_seconds "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1000 }')" s
		t0=$(ms)
		"$KLAXON" evidence verify "$T/bundle.tar" --pubkey "$T/ev.db.pub" >/dev/null
		t1=$(ms)
		record verify_seconds "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1000 }')" s
		# The same export over a tenth of the window: memory must not grow with it.
		rm -rf "$T/ev.db"*
		cp "$db" "$T/ev.db"; cp "$db.key" "$T/ev.db.key"; cp "$db.pub" "$T/ev.db.pub"
		TENTH=$(sqlite3 "$T/ev.db" "SELECT at FROM receipts WHERE tenant_id = 'default' ORDER BY seq LIMIT 1 OFFSET 10000")
		/usr/bin/time -v -o "$T/time.txt" "$BENCH_BIN/kx_bench" export "$T/ev.db" "$FROM" "$TENTH" >/dev/null
		record export10k_rss_kb "$(awk -F: '/Maximum resident/ { gsub(/ /, "", $2); print $2 }' "$T/time.txt")" kB
	done
	rm -rf "$T/ev.db"* "$T/bundle.tar"
fi

say "writing $DOC"
bash bench/report.sh "$RES" "$DOC"
