# Evidence bundles and usage over HTTP. The bundle's manifest verifies with stock `minisign -V`;
# its receipts and proofs with Go's golang.org/x/mod/sumdb/tlog (tests/tlogcheck, $TLOGCHECK),
# an RFC 6962 implementation independent of klaxon's; `klaxon evidence verify` accepts it; no
# planted secret appears in it and each has a redaction log entry; a second export carries a
# consistency proof; platform admins export an offboarded tenant. Usage: totals equal the
# operations of a scripted run, the attribution ratio holds in a run mixing unauthenticated
# requests, and the metering flag switches the endpoints off.
. "$(dirname "$0")/lib.sh"
: "${TLOGCHECK:?set TLOGCHECK to the tests/tlogcheck binary (make api-tests builds it)}"
: "${KLAXON:?set KLAXON to the klaxon binary}"
command -v minisign >/dev/null || { bad "minisign is required (scripts/deps)"; exit 1; }

# The metering flag off for one tenant, from the config serve reads.
mkdir -p "$DATA"
chmod 700 "$DATA"
printf '[tenant.quiet]\nmetering = off\n[metering]\nretention_days = 30\n' >"$DATA/klaxond.conf"
start_server
PUB="$DATA/server.pub"

# download TOKEN PATH FILE: a bundle's bytes into FILE (binary, so not through api's $BODY).
download() {
	STATUS=$(curl -sS -o "$3" -D "$T/hdrs" -w '%{http_code}' -H "Authorization: Bearer $1" "$BASE$2")
	LASTREQ="GET $2"
	BODY="<$(wc -c <"$3") bytes>"
}
UNAUTH=0 # requests made without a known tenant: the unattributed ones

new_tenant acme
new_actor acme ops '["tenant-admin"]'
OPS=$ACTOR_TOKEN
new_actor acme audit '["auditor"]'
AUDIT=$ACTOR_TOKEN
new_actor acme look '["viewer"]'
LOOK=$ACTOR_TOKEN

# ---- secrets planted in incidents, notes and so decision inputs -----------------------------
SECRETS=(
	"alice.oncall@example.com" "Bearer abcDEF123456.ghiJKL-789" "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
	"ghp_16C7e42F292c6912E7710c838347Ae178B4a" "AKIAIOSFODNN7EXAMPLE"
	"$OPS" "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-----END PRIVATE KEY-----"
)
RULES=(email bearer_token stripe_key github_token aws_access_key klaxon_token pem_private_key)
for i in "${!SECRETS[@]}"; do
	new_incident "$OPS" "leak $i" sev3 "$(jq -nc --arg d "found ${SECRETS[$i]} in a log" '{description:$d}')"
	api "$OPS" POST "/incidents/$INC/notes" "$(jq -nc --arg t "rotated ${SECRETS[$i]} now" '{text:$t}')"
	expect_status "note with a secret" 201
done

FROM=2000-01-01T00:00:00Z
TO=2999-01-01T00:00:00Z
WINDOW=$(jq -nc --arg f "$FROM" --arg t "$TO" '{from:$f,to:$t}')

# ---- export, list, download -----------------------------------------------------------------
api "$AUDIT" POST /tenants/acme/evidence-exports "$WINDOW"
expect_status "an auditor exports" 201
EX1=$(j .id)
expect_match "export id" "$EX1" '^evx_[0-9a-z]{26}$'
expect_json "answer shape" '(.manifest_digest | type == "string") and (.counts.receipts >= 16) and .previous_checkpoint_size == null'
expect_header "Location of the export" Location "^/tenants/acme/evidence-exports/$EX1\$"
DIGEST1=$(j .manifest_digest)
api "$LOOK" GET /tenants/acme/evidence-exports
expect_status "a viewer lists exports" 200
expect_jq "one export listed" '.items | length' 1
api "$LOOK" POST /tenants/acme/evidence-exports "$WINDOW"
expect_error "a viewer may not export" 403 policy_denied
api "$LOOK" GET "/tenants/acme/evidence-exports/$EX1/bundle"
expect_error "a viewer may not download" 403 policy_denied
download "$AUDIT" "/tenants/acme/evidence-exports/$EX1/bundle" "$T/b1.tar"
expect_status "download" 200
expect_header "bundle content type" Content-Type '^application/x-tar'
expect_eq "bundle size as announced" "$(wc -c <"$T/b1.tar")" "$(jq .bytes <<<"$(api "$AUDIT" GET /tenants/acme/evidence-exports; j '.items[0]')")"
api "$AUDIT" GET /tenants/acme/evidence-exports/evx_0000000000000000000000000z/bundle
expect_error "unknown export" 404 not_found

mkdir "$T/b1"
tar -xf "$T/b1.tar" -C "$T/b1"
expect_eq "members at the tar's root" "$(tar -tf "$T/b1.tar" | sort | tr '\n' ' ')" \
	"checkpoint consistency.json decisions.jsonl incidents.jsonl manifest.json manifest.json.minisig profiles.jsonl proofs.json receipts.jsonl redactions.jsonl timeline.jsonl "
expect_eq "manifest digest" "$(openssl dgst -sha256 -binary "$T/b1/manifest.json" | base64)" "$DIGEST1"
expect_eq "manifest layout" "$(jq -c '[.tenant_id, .previous_checkpoint_size, (.files | map(.name) | sort)]' "$T/b1/manifest.json")" \
	'["acme",null,["checkpoint","consistency.json","decisions.jsonl","incidents.jsonl","profiles.jsonl","proofs.json","receipts.jsonl","redactions.jsonl","timeline.jsonl"]]'
if minisign -V -p "$PUB" -m "$T/b1/manifest.json" >"$T/mv.out" 2>&1; then ok; else bad "minisign -V refuses the manifest: $(cat "$T/mv.out")"; fi
if "$TLOGCHECK" "$T/b1" "$PUB" >"$T/tl.out" 2>&1; then ok; else bad "tlogcheck: $(cat "$T/tl.out")"; fi
expect_match "tlogcheck checked every receipt" "$(cat "$T/tl.out")" "^tlogcheck: $(jq .counts.receipts "$T/b1/manifest.json") receipts included in klaxon/acme"
if "$KLAXON" evidence verify "$T/b1.tar" --pubkey "$PUB" >"$T/kv.out" 2>&1; then ok; else bad "klaxon evidence verify: $(cat "$T/kv.out")"; fi

# ---- redaction ------------------------------------------------------------------------------
for i in "${!SECRETS[@]}"; do
	if grep -rqF -- "${SECRETS[$i]:0:24}" "$T/b1"; then bad "secret $i (${RULES[$i]}) is in the bundle"; else ok; fi
	for f in incidents.jsonl timeline.jsonl decisions.jsonl; do
		n=$(jq -c --arg r "${RULES[$i]}" --arg f "$f" 'select(.rule == $r and .file == $f)' "$T/b1/redactions.jsonl" | wc -l)
		if [ "$n" -ge 1 ]; then ok; else bad "no redaction log entry of ${RULES[$i]} in $f"; fi
	done
done
expect_eq "the log names rule, record, field only" \
	"$(jq -c 'keys' "$T/b1/redactions.jsonl" | sort -u)" '["count","field","file","record","rule"]'

# ---- a second export proves it extends the first ---------------------------------------------
new_incident "$OPS" "after the first export" sev4
api "$OPS" POST /tenants/acme/evidence-exports "$WINDOW"
expect_status "second export" 201
EX2=$(j .id)
expect_jq "previous checkpoint size" .previous_checkpoint_size "$(jq .checkpoint_size "$T/b1/manifest.json")"
download "$OPS" "/tenants/acme/evidence-exports/$EX2/bundle" "$T/b2.tar"
expect_status "download the second" 200
mkdir "$T/b2"
tar -xf "$T/b2.tar" -C "$T/b2"
if [ -f "$T/b2/previous_checkpoint" ]; then ok; else bad "the second bundle has no previous_checkpoint"; fi
if "$TLOGCHECK" "$T/b2" "$PUB" >"$T/tl2.out" 2>&1; then ok; else bad "tlogcheck (second): $(cat "$T/tl2.out")"; fi
expect_match "tlog checked the consistency proof" "$(cat "$T/tl2.out")" "extends the previous export's"
if "$KLAXON" evidence verify "$T/b2.tar" --pubkey "$PUB" --replay >"$T/kv2.out" 2>&1; then ok; else bad "verify --replay: $(cat "$T/kv2.out")"; fi
expect_match "replay reports redacted inputs as not replayable" "$(cat "$T/kv2.out")" "not replayable"

# A tampered bundle is refused by every verifier.
cp -r "$T/b2" "$T/bad"
sed -i '1s/"action":"[a-z.]*"/"action":"incident.get"/' "$T/bad/receipts.jsonl"
(cd "$T/bad" && tar -cf "$T/bad.tar" manifest.json manifest.json.minisig checkpoint previous_checkpoint \
	receipts.jsonl proofs.json consistency.json decisions.jsonl incidents.jsonl timeline.jsonl \
	redactions.jsonl profiles.jsonl)
if "$KLAXON" evidence verify "$T/bad.tar" --pubkey "$PUB" >"$T/kv3.out" 2>&1; then bad "a changed receipt verified"; else ok; fi
expect_match "the failure is named" "$(cat "$T/kv3.out")" "receipts.jsonl"
if "$TLOGCHECK" "$T/bad" "$PUB" >/dev/null 2>&1; then bad "tlogcheck accepted a changed receipt"; else ok; fi

# ---- bundles kept as files beside a SQLite store ----------------------------------------------
# Each bundle is a file (0600) in DATA/klaxon.db-bundles (0700), named by a digest, never by the
# export id; one altered, truncated or missing answers a JSON 503 naming the export, not a
# wrong tar. A bundle from before bundles were files (a blob in evidence_bundles) is still served.
if [ -z "${KX_PG_CLUSTER:-}" ]; then
	BD="$DATA/klaxon.db-bundles"
	expect_eq "bundle directory mode" "$(stat -c %a "$BD")" 700
	# The name: hex of SHA-256 over the tenant id, a NUL and the export id.
	bundle_file() { python3 -c 'import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode() + b"\0" + sys.argv[2].encode()).hexdigest())' "$1" "$2"; }
	F1="$BD/$(bundle_file acme "$EX1").tar"
	if cmp -s "$F1" "$T/b1.tar"; then ok; else bad "$F1 does not hold $EX1's bundle"; fi
	expect_eq "bundle file mode" "$(stat -c %a "$F1")" 600
	expect_eq "one file per export" "$(find "$BD" -type f | wc -l)" 2
	cp "$F1" "$T/keep.tar"
	python3 - "$F1" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.find(b'"incident.create"')
b[i + 1] ^= 0x01
open(p, "wb").write(b)
PY
	api "$AUDIT" GET "/tenants/acme/evidence-exports/$EX1/bundle"
	expect_error "a bundle altered in the store" 503 unavailable
	expect_match "the altered member is named" "$(j .error.message)" "$EX1 was altered.*receipts.jsonl"
	HALF=$(($(wc -c <"$T/keep.tar") / 2))
	head -c "$HALF" "$T/keep.tar" >"$F1"
	api "$AUDIT" GET "/tenants/acme/evidence-exports/$EX1/bundle"
	expect_error "a truncated bundle" 503 unavailable
	expect_match "truncation is named" "$(j .error.message)" "$EX1 was altered.*holds $HALF bytes"
	rm "$F1"
	api "$AUDIT" GET "/tenants/acme/evidence-exports/$EX1/bundle"
	expect_error "a missing bundle" 503 unavailable
	expect_match "the missing bundle is named" "$(j .error.message)" "$EX1 is missing"
	expect_eq "the error names no path of the server's" \
		"$(j .error.message | grep -c -e "$DATA" -e bundles/)" 0
	# As an older klaxon kept it: a blob in the database, and no file.
	sqlite3 "$DATA/klaxon.db" "PRAGMA busy_timeout=5000; INSERT INTO evidence_bundles(tenant_id, export_id, bundle)
		VALUES ('acme', '$EX1', readfile('$T/keep.tar'))"
	download "$AUDIT" "/tenants/acme/evidence-exports/$EX1/bundle" "$T/blob.tar"
	expect_status "a bundle stored as a blob" 200
	if cmp -s "$T/blob.tar" "$T/keep.tar"; then ok; else bad "the blob bundle differs"; fi
	api "$AUDIT" GET "/tenants/acme/evidence-exports/$EX2/bundle"
	expect_status "the other bundle is untouched" 200
	# An online backup carries the bundle files.
	"$KLAXOND" backup --data "$DATA" -o "$T/backup.db" >"$T/backup.out" 2>&1 || bad "backup: $(cat "$T/backup.out")"
	F2="$BD/$(bundle_file acme "$EX2").tar"
	if cmp -s "$F2" "$T/backup.db-bundles/$(basename "$F2")"; then ok; else bad "the backup lacks $EX2's bundle"; fi
	expect_eq "backup bundle directory mode" "$(stat -c %a "$T/backup.db-bundles")" 700
fi

# ---- other tenants, offboarded tenants --------------------------------------------------------
new_tenant other
new_actor other boss '["tenant-admin"]'
api "$ACTOR_TOKEN" POST /tenants/acme/evidence-exports "$WINDOW"
expect_error "another tenant's admin" 404 not_found
api "$ADMIN" PATCH /tenants/acme '{"status":"offboarded"}'
expect_status "offboard acme" 200
api "$OPS" GET /tenants/acme/evidence-exports
expect_error "an offboarded tenant's token" 401 unauthenticated
UNAUTH=$((UNAUTH + 1))
api "$ADMIN" POST /tenants/acme/evidence-exports "$WINDOW"
expect_status "the platform admin exports the offboarded tenant" 201
EX3=$(j .id)
download "$ADMIN" "/tenants/acme/evidence-exports/$EX3/bundle" "$T/b3.tar"
expect_status "download the offboarded tenant's" 200
if "$KLAXON" evidence verify "$T/b3.tar" --pubkey "$PUB" >"$T/kv4.out" 2>&1; then ok; else bad "offboarded export: $(cat "$T/kv4.out")"; fi

# ---- usage: a scripted run --------------------------------------------------------------------
new_tenant meter
new_actor meter m '["tenant-admin"]'
M=$ACTOR_TOKEN
new_actor meter v '["viewer"]'
V=$ACTOR_TOKEN
for i in 1 2 3; do new_incident "$M" "metered $i" sev3; done
api "$M" PATCH "/incidents/$INC" '{"status":"triaged"}'
expect_status "update" 200
api "$M" PATCH "/incidents/$INC" '{"status":"resolved"}'
expect_status "update" 200
for i in 1 2 3 4; do api "$M" GET /incidents; done
api "$V" POST /incidents '{"title":"not allowed","severity":"sev4"}'
expect_error "a viewer's denied create" 403 policy_denied
api "$M" GET /tenants/meter/usage
expect_status "usage" 200
# 3 creates + 2 updates + 4 lists by m, 1 denied create by v: 10 requests before this one.
expect_jq "api.request" '.totals["api.request"]' 10
expect_jq "incident.create" '.totals["incident.create"]' 3
expect_jq "incident.update" '.totals["incident.update"]' 2
expect_jq "policy.deny" '.totals["policy.deny"]' 1
expect_json "usage shape" '.tenant_id == "meter" and (.from | test("Z$")) and (.series | length >= 4) and (.series[0] | has("bucket_start") and has("event_type") and has("units"))'
api "$M" GET "/tenants/meter/usage?bucket=day"
expect_jq "by day, the same totals" '.totals["api.request"]' 11
expect_jq "day buckets" '[.series[].bucket_start | test("T00:00:00.000Z$")] | all' true
api "$M" GET "/tenants/meter/usage?bucket=week"
expect_error "bad bucket" 400 invalid_query
api "$M" GET "/tenants/meter/usage?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z"
expect_error "from after to" 400 invalid_query
api "$M" GET "/tenants/meter/usage?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z"
expect_jq "an empty window" '.totals | length' 0
api "$M" GET /tenants/acme/usage
expect_error "another tenant's usage" 404 not_found
api "$M" GET /usage
expect_error "the platform report is for platform admins" 403 policy_denied

# ---- attribution: authenticated and unauthenticated requests mixed ------------------------------
for i in $(seq 1 150); do
	api "$M" GET /incidents
	if [ $((i % 50)) -eq 0 ]; then
		api "" GET /incidents
		api "kxt_not_a_token" GET /incidents
		UNAUTH=$((UNAUTH + 2))
	fi
done
api "$ADMIN" GET /usage
expect_status "platform usage" 200
expect_json "attribution ratio at least 0.95" '.attribution.ratio >= 0.95 and .attribution.ratio < 1'
expect_jq "unattributed requests are exactly the unauthenticated ones" \
	'.attribution.total - .attribution.attributed' "$UNAUTH"
expect_jq "the platform report is every tenant's" '.tenant_id' null
expect_json "per-tenant totals" '.tenants.meter["incident.create"] == 3'

# ---- the metering flag ------------------------------------------------------------------------
new_tenant quiet
new_actor quiet q '["tenant-admin"]'
api "$ACTOR_TOKEN" GET /tenants/quiet/usage
expect_error "metering off for this tenant" 404 feature_disabled

finish
