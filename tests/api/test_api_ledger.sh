# Receipts and the ledger over HTTP: receipt shape, inclusion proofs verified independently
# (RFC 9162) against the signed checkpoint (C2SP signed note, Ed25519, checked against
# DIR/server.pub), checkpoints by size, consistency proofs, what leaves a receipt and what not.
. "$(dirname "$0")/lib.sh"
start_server

# An independent verifier: RFC 9162 inclusion/consistency and C2SP signed notes in pure Python.
cat >"$T/lc.py" <<'PY'
import base64, hashlib, json, sys

def H(b): return hashlib.sha256(b).digest()
def leaf_hash(b): return H(b"\x00" + b)
def node(l, r): return H(b"\x01" + l + r)

def verify_inclusion(index, size, lh, proof, root):
    if index >= size: return False
    fn, sn, r = index, size - 1, lh
    for p in proof:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not (fn & 1 or fn == 0):
                fn >>= 1; sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1; sn >>= 1
    return sn == 0 and r == root

def verify_consistency(m, n, root_m, root_n, proof):
    if m == n: return not proof and root_m == root_n
    if m == 0 or m > n or not proof and m & (m - 1) != 0: return False
    if m & (m - 1) == 0: proof = [root_m] + list(proof)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1; sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            fr = node(c, fr); sr = node(c, sr)
            while not (fn & 1 or fn == 0):
                fn >>= 1; sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1; sn >>= 1
    return fr == root_m and sr == root_n and sn == 0

# --- Ed25519 verification, RFC 8032 (cofactorless) ---
P = 2**255 - 19
Q = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
I = pow(2, (P - 1) // 4, P)
def _xrec(y, sign):
    xx = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(xx, (P + 3) // 8, P)
    if (x * x - xx) % P: x = x * I % P
    if (x * x - xx) % P: return None
    if x == 0 and sign: return None
    if x & 1 != sign: x = P - x
    return x
def _add(a, b):
    A = (a[1] - a[0]) * (b[1] - b[0]) % P; B = (a[1] + a[0]) * (b[1] + b[0]) % P
    C = 2 * a[3] * b[3] * D % P; Dd = 2 * a[2] * b[2] % P
    E, F, G, Hh = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, G * Hh % P, F * G % P, E * Hh % P)
def _mul(s, pt):
    r = (0, 1, 1, 0)
    while s:
        if s & 1: r = _add(r, pt)
        pt = _add(pt, pt); s >>= 1
    return r
def _dec(s):
    if len(s) != 32: return None
    y = int.from_bytes(s, "little"); sign = y >> 255; y &= (1 << 255) - 1
    if y >= P: return None
    x = _xrec(y, sign)
    return None if x is None else (x, y, 1, x * y % P)
_By = 4 * pow(5, P - 2, P) % P
_B = (_xrec(_By, 0), _By, 1, _xrec(_By, 0) * _By % P)
def ed25519_verify(pk, msg, sig):
    A, R = _dec(pk), _dec(sig[:32])
    if A is None or R is None or len(sig) != 64: return False
    s = int.from_bytes(sig[32:], "little")
    if s >= Q: return False
    h = int.from_bytes(hashlib.sha512(sig[:32] + pk + msg).digest(), "little") % Q
    l, r = _mul(s, _B), _add(R, _mul(h, A))
    return (l[0] * r[2] - r[0] * l[2]) % P == 0 and (l[1] * r[2] - r[1] * l[2]) % P == 0

def parse_checkpoint(text):
    """-> (origin, size, root, body, siglines) or raises ValueError."""
    if "\n\n" not in text: raise ValueError("no blank line between body and signatures")
    body, sigs = text.split("\n\n", 1)
    body += "\n"
    lines = body.split("\n")[:-1]
    if len(lines) < 3: raise ValueError("body needs origin, size, root lines")
    origin, size_s, root_s = lines[0], lines[1], lines[2]
    if not origin: raise ValueError("empty origin")
    if not size_s.isdigit() or (len(size_s) > 1 and size_s[0] == "0"): raise ValueError("size %r not decimal" % size_s)
    root = base64.b64decode(root_s, validate=True)
    if len(root) != 32: raise ValueError("root is not 32 bytes")
    siglines = [l for l in sigs.split("\n") if l]
    if not sigs.endswith("\n"): raise ValueError("note does not end in newline")
    for l in siglines:
        if not l.startswith("\u2014 "): raise ValueError("signature line %r does not start with em dash" % l)
    if not siglines: raise ValueError("no signature lines")
    return origin, int(size_s), root, body, siglines

def minisign_pk(path):
    lines = open(path).read().splitlines()
    raw = base64.b64decode(lines[1] if lines[0].startswith("untrusted comment:") else lines[0])
    if len(raw) != 42 or raw[:2] != b"Ed": raise ValueError("not a minisign public key")
    return raw[10:]

def note_signed_by(body, siglines, pk):
    for l in siglines:
        parts = l[2:].split(" ")
        if len(parts) != 2: continue
        name, b64 = parts
        raw = base64.b64decode(b64)
        kh = H(name.encode() + b"\n\x01" + pk)[:4]
        if raw[:4] == kh and ed25519_verify(pk, body.encode(), raw[4:]): return True
    return False

def main():
    mode = sys.argv[1]
    try:
        if mode == "checkpoint":  # checkpoint FILE PUBFILE -> prints "origin size rootb64"
            origin, size, root, body, sl = parse_checkpoint(open(sys.argv[2], encoding="utf-8").read())
            if not note_signed_by(body, sl, minisign_pk(sys.argv[3])):
                print("FAIL: no valid Ed25519 signature by server.pub"); return 1
            print(origin, size, base64.b64encode(root).decode()); return 0
        if mode == "inclusion":  # inclusion RECEIPT_JSON_FILE PUBFILE
            r = json.load(open(sys.argv[2], encoding="utf-8"))
            origin, size, root, body, sl = parse_checkpoint(r["checkpoint"])
            if not note_signed_by(body, sl, minisign_pk(sys.argv[3])):
                print("FAIL: checkpoint signature does not verify"); return 1
            pr = r["proof"]
            if pr["tree_size"] != size:
                print("FAIL: proof tree_size %s != checkpoint size %s" % (pr["tree_size"], size)); return 1
            hashes = [base64.b64decode(h, validate=True) for h in pr["hashes"]]
            if not verify_inclusion(pr["leaf_index"], size, leaf_hash(r["leaf"].encode("utf-8")), hashes, root):
                print("FAIL: inclusion proof does not lead to the checkpoint root"); return 1
            print("ok"); return 0
        if mode == "consistency":  # consistency M N ROOTM_B64 ROOTN_B64 PROOF_JSON_FILE
            m, n = int(sys.argv[2]), int(sys.argv[3])
            rm, rn = base64.b64decode(sys.argv[4]), base64.b64decode(sys.argv[5])
            hashes = [base64.b64decode(h, validate=True) for h in json.load(open(sys.argv[6]))["hashes"]]
            if not verify_consistency(m, n, rm, rn, hashes):
                print("FAIL: consistency proof %d -> %d does not verify" % (m, n)); return 1
            print("ok"); return 0
        if mode == "selftest":
            import random
            def mth(ls):
                if len(ls) == 1: return leaf_hash(ls[0])
                k = 1
                while k * 2 < len(ls): k *= 2
                return node(mth(ls[:k]), mth(ls[k:]))
            def path(m, ls):
                if len(ls) == 1: return []
                k = 1
                while k * 2 < len(ls): k *= 2
                return path(m, ls[:k]) + [mth(ls[k:])] if m < k else path(m - k, ls[k:]) + [mth(ls[:k])]
            def subproof(m, ls, b):
                n = len(ls)
                if m == n: return [] if b else [mth(ls)]
                k = 1
                while k * 2 < n: k *= 2
                return subproof(m, ls[:k], b) + [mth(ls[k:])] if m <= k else subproof(m - k, ls[k:], False) + [mth(ls[:k])]
            for n in range(1, 40):
                ls = [b"leaf%d" % i for i in range(n)]
                root = mth(ls)
                for i in range(n):
                    assert verify_inclusion(i, n, leaf_hash(ls[i]), path(i, ls), root), (i, n)
                    assert not verify_inclusion(i, n, leaf_hash(b"x"), path(i, ls), root)
                for m in range(1, n + 1):
                    pf = subproof(m, ls, True)
                    assert verify_consistency(m, n, mth(ls[:m]), root, pf), (m, n)
                    if m < n: assert not verify_consistency(m, n, mth(ls[:m]), leaf_hash(b"x"), pf)
            print("ok"); return 0
    except (ValueError, KeyError, TypeError, IndexError, OSError, json.JSONDecodeError, base64.binascii.Error) as e:
        print("FAIL: %s: %s" % (type(e).__name__, e)); return 1
    print("FAIL: unknown mode"); return 2

sys.exit(main())
PY
lc() { python3 "$T/lc.py" "$@" 2>&1; }
PUB="$DATA/server.pub"

new_tenant ledg
new_actor ledg lena '["responder","auditor"]'
LE=$ACTOR_TOKEN
LE_ID=$ACTOR_ID
new_tenant other
new_actor other otto '["responder","auditor"]'
OT=$ACTOR_TOKEN

# --- the first leaf of a tenant's ledger is its creation --------------------------------------------
api "$LE" GET "/receipts?action=tenant.create"
expect_status "GET /receipts?action=tenant.create" 200
expect_jq "the tenant's creation receipt is leaf 0" '[.items[] | select(.action == "tenant.create") | .leaf_index] | join(",")' 0
TC_ID=$(j '[.items[] | select(.action == "tenant.create")][0].id // empty')

# --- a few mutations -----------------------------------------------------------------------------
new_incident "$LE" "Zanzibar-secret-title" sev2 '{"description":"Kilimanjaro-secret-description","labels":["Serengeti-label"]}'
I1=$INC
I1_RCPT=$(j .receipt_id)
new_incident "$LE" "Second" sev3
I2=$INC
api "$LE" PATCH "/incidents/$I1" '{"status":"triaged"}'
expect_status "PATCH for a receipt" 200
U_RCPT=$(j .receipt_id)
api "$LE" POST "/incidents/$I1/notes" '{"text":"Mombasa-secret-note"}'
expect_status "note for a receipt" 201
N_RCPT=$(j .receipt_id)
new_incident "$LE" "Third" sev4

# --- receipt list and shape ----------------------------------------------------------------------
api "$LE" GET "/receipts?limit=500"
expect_status "GET /receipts" 200
expect_json "receipts shape {items,next_cursor}" 'has("items") and has("next_cursor") and (.items | type == "array")'
RECEIPTS=$BODY
NREC=$(j '.items | length')
expect_eq "tenant.create + actor.create + 3 creates + update + note = 7 receipts" "$NREC" 7
for f in id tenant_id seq at actor action resource request_id decision payload_digest signature leaf_index; do
	expect_json "every receipt has field $f" "all(.items[]; has(\"$f\"))"
done
expect_json "every receipt is ledg's" 'all(.items[]; .tenant_id == "ledg")'
expect_json "receipt at format" "all(.items[]; .at | test(\"$TS_RE\"))"
expect_json "leaf indexes are 0..n-1" '[.items[].leaf_index] | sort == [range(0; length)]'
expect_json "decisions are allow, with digests" 'all(.items[]; .decision.effect == "allow" and (.decision.rules | type == "array") and (.decision | has("record_digest")))'
expect_json "receipt actions" '[.items[].action] | sort == ["actor.create","incident.create","incident.create","incident.create","incident.note","incident.update","tenant.create"]'
expect_json "receipts carry no free text" '[tostring | test("Zanzibar|Kilimanjaro|Serengeti|Mombasa")] | any | not'
expect_json "the incident's receipt_id is an incident.create receipt" "any(.items[]; .id == \"$I1_RCPT\" and .action == \"incident.create\")"
expect_json "the PATCH's receipt_id is an incident.update receipt" "any(.items[]; .id == \"$U_RCPT\" and .action == \"incident.update\")"
expect_json "the note's receipt_id is an incident.note receipt" "any(.items[]; .id == \"$N_RCPT\" and .action == \"incident.note\")"

api "$LE" GET "/receipts?action=incident.create"
expect_jq "filter action=incident.create" '[.items[].action] | unique | join(",")' incident.create
expect_jq "filter action=incident.create count" '.items | length' 3
RES=$(printf '%s' "$RECEIPTS" | jq -r --arg r "$U_RCPT" '.items[] | select(.id == $r) | .resource')
api "$LE" GET "/receipts?resource=$(jq -rn --arg r "$RES" '$r|@uri')"
expect_status "filter resource=" 200
expect_json "filter resource= returns only that resource" "(.items | length) >= 2 and all(.items[]; .resource == $(jq -n --arg r "$RES" '$r'))"
api "$LE" GET "/receipts?from=2999-01-01T00:00:00.000Z"
expect_status "filter from= the far future" 200
expect_jq "nothing after the far future" '.items | length' 0
api "$LE" GET "/receipts?to=2000-01-01T00:00:00.000Z"
expect_jq "nothing before 2000" '.items | length' 0
api "$LE" GET "/receipts?limit=4"
SEEN=$(j '[.items[].id] | join(",")')
CUR=$(j .next_cursor)
expect_ne "receipts limit=4 of 7 has a next_cursor" "$CUR" null
api "$LE" GET "/receipts?limit=4&cursor=$(jq -rn --arg c "$CUR" '$c|@uri')"
expect_jq "receipts page 2 size" '.items | length' 3
SEEN="$SEEN,$(j '[.items[].id] | join(",")')"
expect_eq "receipt pages cover every receipt once" "$(echo "$SEEN" | tr , '\n' | sort -u | wc -l)" 7
api "$LE" GET "/receipts?limit=0"
expect_error "receipts limit=0" 400 invalid_query

# --- the checkpoint ---------------------------------------------------------------------------------
api "$LE" GET /ledger/checkpoint
expect_status "GET /ledger/checkpoint" 200
expect_header "checkpoint Content-Type" Content-Type '^text/plain'
curl -s --max-time 10 -H "Authorization: Bearer $LE" -o "$T/cp" "$BASE/ledger/checkpoint"
expect_match "checkpoint line 1: origin" "$(sed -n 1p "$T/cp")" '^[^ ].*[^ ]$|^[^ ]$'
expect_match "checkpoint line 2: decimal size" "$(sed -n 2p "$T/cp")" '^(0|[1-9][0-9]*)$'
expect_match "checkpoint line 3: base64 root" "$(sed -n 3p "$T/cp")" '^[A-Za-z0-9+/]{43}=$'
expect_eq "checkpoint line 4: blank" "$(sed -n 4p "$T/cp")" ""
expect_match "checkpoint line 5: signature line" "$(sed -n 5p "$T/cp")" '^— [^ ]+ [A-Za-z0-9+/=]+$'
expect_eq "checkpoint ends with a newline" "$(tail -c 1 "$T/cp" | od -An -c | tr -d ' ')" '\n'
CP=$(lc checkpoint "$T/cp" "$PUB")
expect_match "checkpoint is signed by server.pub (Ed25519 signed note)" "$CP" '^[^ ]+ [0-9]+ [A-Za-z0-9+/=]+$'
read -r ORIGIN SIZE ROOT <<<"$CP"
expect_eq "checkpoint size covers every receipt" "$SIZE" "$NREC"
expect_match "checkpoint origin names the tenant" "$ORIGIN" 'ledg'

curl -s --max-time 10 -H "Authorization: Bearer $OT" -o "$T/cp_other" "$BASE/ledger/checkpoint"
read -r O_ORIGIN O_SIZE _ <<<"$(lc checkpoint "$T/cp_other" "$PUB")"
expect_ne "another tenant's checkpoint has another origin" "$O_ORIGIN" "$ORIGIN"
expect_eq "another tenant's ledger: its creation and its actor's" "$O_SIZE" 2

# --- inclusion proofs -----------------------------------------------------------------------------
for R in "$TC_ID" "$I1_RCPT" "$N_RCPT" "$(printf '%s' "$RECEIPTS" | jq -r '.items | max_by(.leaf_index) | .id')"; do
	api "$LE" GET "/receipts/$R?proof=true"
	expect_status "GET /receipts/$R?proof=true" 200
	expect_json "proof answer: leaf string, proof {leaf_index,tree_size,hashes}, checkpoint text" \
		'(.leaf | type == "string") and (.proof | (.leaf_index | type == "number") and (.tree_size | type == "number") and (.hashes | type == "array")) and (.checkpoint | type == "string")'
	expect_jq "the leaf parses as JSON carrying the receipt id" '.leaf | fromjson | .id' "$R"
	expect_jq "the leaf is this tenant's" '.leaf | fromjson | .tenant_id' ledg
	expect_json "the leaf is one line" '.leaf | test("\n") | not'
	expect_json "the proof's leaf_index is the receipt's" '.proof.leaf_index == .leaf_index'
	expect_json "hashes are standard base64 of 32 bytes" 'all(.proof.hashes[]; test("^[A-Za-z0-9+/]{43}=$"))'
	expect_json "the leaf's fields match the receipt's" '(.leaf | fromjson) as $l | $l.action == .action and $l.resource == .resource and $l.request_id == .request_id and $l.tenant_id == .tenant_id'
	printf '%s' "$BODY" >"$T/rcpt.json"
	expect_eq "inclusion proof of $R verifies against the signed checkpoint" "$(lc inclusion "$T/rcpt.json" "$PUB")" ok
done

api "$LE" GET "/receipts/$TC_ID?proof=true"
LEAF0=$(j .leaf)
api "$LE" GET "/receipts/rcp_00000000000000000000000000?proof=true"
expect_error "a missing receipt" 404 not_found
api "$OT" GET "/receipts/$I1_RCPT?proof=true"
expect_error "another tenant's receipt with proof" 404 not_found
api "$OT" GET "/receipts/$I1_RCPT"
expect_error "another tenant's receipt" 404 not_found

# --- checkpoints by size, consistency ------------------------------------------------------------
api "$LE" GET "/ledger/checkpoint?size=1"
expect_status "GET /ledger/checkpoint?size=1" 200
curl -s --max-time 10 -H "Authorization: Bearer $LE" -o "$T/cp1" "$BASE/ledger/checkpoint?size=1"
read -r O1 S1 ROOT1 <<<"$(lc checkpoint "$T/cp1" "$PUB")"
expect_eq "checkpoint?size=1 has size 1" "$S1" 1
expect_eq "checkpoint?size=1 is signed and has the same origin" "$O1" "$ORIGIN"
expect_eq "root at size 1 = SHA-256(0x00 || leaf 0)" "$ROOT1" \
	"$(printf '%s' "$LEAF0" | python3 -c 'import sys,hashlib,base64; print(base64.b64encode(hashlib.sha256(b"\0"+sys.stdin.buffer.read()).digest()).decode())')"
curl -s --max-time 10 -H "Authorization: Bearer $LE" -o "$T/cpn" "$BASE/ledger/checkpoint?size=$SIZE"
read -r _ SN ROOTN <<<"$(lc checkpoint "$T/cpn" "$PUB")"
expect_eq "checkpoint?size=N is the latest" "$SN $ROOTN" "$SIZE $ROOT"
api "$LE" GET "/ledger/checkpoint?size=999999"
expect_error "checkpoint?size=999999" 404 not_found
api "$LE" GET "/ledger/checkpoint?size=abc"
expect_error "checkpoint?size=abc" 400 invalid_query
api "$LE" GET "/ledger/checkpoint?size=-1"
expect_4xx_json "checkpoint?size=-1"
api "$LE" GET "/ledger/checkpoint?size=0"
expect_no5xx "checkpoint?size=0"

api "$LE" GET "/ledger/consistency?from=1&to=$SIZE"
expect_status "GET /ledger/consistency?from=1&to=$SIZE" 200
expect_json "consistency shape {hashes}" '.hashes | type == "array" and length > 0'
printf '%s' "$BODY" >"$T/cons.json"
expect_eq "consistency 1 -> $SIZE verifies between the signed roots" "$(lc consistency 1 "$SIZE" "$ROOT1" "$ROOT" "$T/cons.json")" ok
api "$LE" GET "/ledger/checkpoint?size=3"
if [ "$STATUS" = 200 ]; then
	curl -s --max-time 10 -H "Authorization: Bearer $LE" -o "$T/cp3" "$BASE/ledger/checkpoint?size=3"
	read -r _ _ ROOT3 <<<"$(lc checkpoint "$T/cp3" "$PUB")"
	api "$LE" GET "/ledger/consistency?from=3&to=$SIZE"
	printf '%s' "$BODY" >"$T/cons3.json"
	expect_eq "consistency 3 -> $SIZE verifies" "$(lc consistency 3 "$SIZE" "$ROOT3" "$ROOT" "$T/cons3.json")" ok
fi
api "$LE" GET "/ledger/consistency?from=$SIZE&to=$SIZE"
expect_status "consistency N -> N" 200
expect_jq "consistency N -> N is empty" '.hashes | length' 0
api "$LE" GET "/ledger/consistency?from=3&to=2"
expect_error "consistency from > to" 400 invalid_query
api "$LE" GET "/ledger/consistency?from=1&to=999999"
expect_4xx_json "consistency to beyond the tree"
api "$LE" GET "/ledger/consistency?from=abc&to=2"
expect_error "consistency from=abc" 400 invalid_query
api "$LE" GET "/ledger/consistency"
expect_error "consistency without from/to" 400 invalid_query

# --- what leaves a receipt and what does not -------------------------------------------------------
size_now() {
	curl -s --max-time 10 -H "Authorization: Bearer $LE" "$BASE/ledger/checkpoint" | sed -n 2p
}
S0=$(size_now)
api "$LE" POST /incidents '{"title":"bad","severity":"sev9"}'
expect_status "400 for the no-receipt check" 400
api "$LE" PATCH "/incidents/$I2" '{"status":"closed"}'
expect_status "409 for the no-receipt check" 409
api "$LE" PATCH "/incidents/$I2" '{"status":"triaged"}' -H 'If-Match: "42"'
expect_status "412 for the no-receipt check" 412
api "$LE" GET "/incidents/$I2"
api "$LE" GET /incidents
api "$LE" GET "/timeline?incident_id=$I2"
expect_eq "validation failures (400, 409, 412) and reads leave no receipt" "$(size_now)" "$S0"
new_incident "$LE" "One more" sev3
NEW_RCPT=$(j .receipt_id)
expect_eq "a mutation leaves exactly one receipt" "$(size_now)" "$((S0 + 1))"
api "$LE" GET "/receipts/$NEW_RCPT"
expect_jq "the new receipt is the newest leaf" .leaf_index "$S0"
expect_jq "the new receipt names its actor" '.actor | if type == "object" then .id else . end' "$LE_ID"

new_actor ledg vic '["viewer"]'
S1=$(size_now)
api "$ACTOR_TOKEN" POST /incidents '{"title":"denied","severity":"sev3"}'
expect_status "viewer denied" 403
expect_eq "a policy denial of a mutation leaves a receipt" "$(size_now)" "$((S1 + 1))"
api "$LE" GET "/receipts?limit=500"
expect_json "the denial's receipt has effect deny" 'any(.items[]; .decision.effect == "deny" and .action == "incident.create")'

# the platform admin's own ledger answers (it may be empty)
api "$ADMIN" GET /ledger/checkpoint
expect_no5xx "platform admin GET /ledger/checkpoint"

alive "after the ledger tests"
finish
