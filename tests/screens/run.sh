#!/bin/bash
# The screen harness: each tests/screens/*.script runs in `klaxon --script` on a virtual
# screen (fixed TERM, size, locale, time zone and "now") against a fresh copy of the fixture
# store; every screen it dumps is masked (mask.pl) and compared with golden/SCRIPT.DUMP.txt.
# GOLDEN=1 rewrites the goldens instead (make golden): review the diff before committing.
set -u
: "${KLAXON:?set KLAXON to the klaxon binary}"
: "${FIXTURE:?set FIXTURE to the screens_fixture binary}"
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/klaxon-screens.XXXXXX")
trap 'rm -rf "$T"' EXIT
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*" >&2; }

"$FIXTURE" "$T/fixture.db" || { echo "screens: the fixture could not be built" >&2; exit 1; }

export TERM=xterm-256color LC_ALL=C.UTF-8 TZ=UTC LINES=24 COLUMNS=80
export KLAXON_FAKE_NOW=2025-03-14T09:45:00.000Z
unset NO_COLOR KLAXON_DB KLAXON_SERVER KLAXON_TOKEN
for script in "$HERE"/*.script; do
	name=$(basename "$script" .script)
	dir="$T/$name"
	mkdir -p "$dir/out" "$dir/home"
	cp "$T"/fixture.db* "$dir/"
	# A script names its extra options on a line `# args: ...`.
	read -r -a args <<<"$(sed -n 's/^# args: //p' "$script")"
	# Each script sees a store, a home and a state directory of its own.
	if ! (cd "$dir" && HOME="$dir/home" XDG_CONFIG_HOME="$dir/home/config" \
		XDG_STATE_HOME="$dir/home/state" KLAXON_DUMP_DIR="$dir/out" \
		timeout 60 "$KLAXON" --db fixture.db ${args[@]+"${args[@]}"} --script "$script" 2>"$dir/stderr"); then
		bad "$name: the script failed: $(cat "$dir/stderr")"
		continue
	fi
	ok
	for dump in "$dir"/out/*.screen; do
		[ -e "$dump" ] || continue
		d=$(basename "$dump" .screen)
		golden="$HERE/golden/$name.$d.txt"
		perl "$HERE/mask.pl" "$dump" >"$dump.masked"
		if [ "${GOLDEN:-0}" = 1 ]; then
			cp "$dump.masked" "$golden"
			ok
		elif [ ! -f "$golden" ]; then
			bad "$name.$d: no golden (run make golden and review it)"
		elif diff -u "$golden" "$dump.masked" >"$dir/diff"; then
			ok
		else
			bad "$name.$d differs from its golden:"
			cat "$dir/diff" >&2
		fi
	done
done
echo "screens: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
