# Shared by the CLI tests: a scratch dir, assertions that count, and a closing tally line.
set -u
: "${KLAXON:?set KLAXON to the klaxon binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/klaxon-cli.XXXXXX")
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
