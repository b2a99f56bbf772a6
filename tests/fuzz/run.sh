#!/bin/bash
# Runs the libFuzzer harnesses that `make fuzz-build` left in $FUZZ_BUILD (default build-fuzz):
# each for SECONDS, against a working corpus in $FUZZ_BUILD/corpus/NAME seeded (read-only)
# from tests/fuzz/corpus/NAME, with crashes saved as $FUZZ_BUILD/crashes/NAME-*. Prints one
# line per harness and a total, and fails when any harness found a crash, leak or sanitizer
# report. FUZZ_JOBS harnesses run at once (default 1).
#   usage: tests/fuzz/run.sh SECONDS [NAME...]      (NAME: http, policy, ... ; default all)
set -u
SECONDS_EACH=${1:?usage: run.sh SECONDS [NAME...]}
shift
B=${FUZZ_BUILD:-build-fuzz}
HERE=$(cd "$(dirname "$0")" && pwd)
JOBS=${FUZZ_JOBS:-1}
if [ $# -gt 0 ]; then NAMES=("$@"); else
	NAMES=()
	for b in "$B"/fuzz_*; do [ -x "$b" ] && NAMES+=("${b##*/fuzz_}"); done
fi
[ ${#NAMES[@]} -gt 0 ] || { echo "fuzz: no harnesses in $B (make fuzz-build)" >&2; exit 2; }
mkdir -p "$B/logs" "$B/crashes"
# Known core leaks, reported and listed with their locations in lsan.supp.
export LSAN_OPTIONS="suppressions=$HERE/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

run_one() {
	local n=$1 bin="$B/fuzz_$1" log="$B/logs/$1.log"
	mkdir -p "$B/corpus/$n"
	local seeds=()
	[ -d "$HERE/corpus/$n" ] && seeds+=("$HERE/corpus/$n")
	local dict=()
	case $n in json_request | http | policy | runbook) dict=(-dict="$HERE/json.dict") ;; esac
	"$bin" -max_total_time="$SECONDS_EACH" -timeout=20 -max_len=8192 -print_final_stats=1 \
		-artifact_prefix="$B/crashes/$n-" "${dict[@]}" "$B/corpus/$n" "${seeds[@]}" \
		>"$log" 2>&1
	echo $? >"$B/logs/$n.rc"
}

pids=()
for n in "${NAMES[@]}"; do
	run_one "$n" &
	pids+=($!)
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 0.5; done
done
wait

total=0
fail=0
printf '%-14s %8s %12s %10s %8s  %s\n' harness seconds executions exec/s corpus result
for n in "${NAMES[@]}"; do
	log="$B/logs/$n.log"
	rc=$(cat "$B/logs/$n.rc" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	corpus=$(ls "$B/corpus/$n" 2>/dev/null | wc -l)
	result=ok
	if [ "$rc" -ne 0 ] || grep -qE '^==[0-9]+==ERROR|runtime error:|deadly signal' "$log"; then
		result="FAILED (exit $rc; see $log)"
		fail=$((fail + 1))
	fi
	printf '%-14s %8s %12s %10s %8s  %s\n' "$n" "$SECONDS_EACH" "${execs:-?}" "${rate:-?}" "$corpus" "$result"
	total=$((total + ${execs:-0}))
done
echo "fuzz: ${#NAMES[@]} harnesses, $total executions in total, $fail failed"
for n in "${NAMES[@]}"; do
	if grep -qE '^==[0-9]+==ERROR|runtime error:|deadly signal' "$B/logs/$n.log" ||
		[ "$(cat "$B/logs/$n.rc" 2>/dev/null || echo 1)" -ne 0 ]; then
		echo "---- $n (last lines of $B/logs/$n.log)" >&2
		tail -n 40 "$B/logs/$n.log" >&2
	fi
done
[ "$fail" -eq 0 ]
