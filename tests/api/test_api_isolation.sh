# Tenant isolation at scale: two tenants with resources of the same names (actors, incident
# titles, runbook ids, signing-key names), and thousands of generated requests in which the
# actors of tenant B (every role) aim every route of src/routes.c at tenant A's resources:
# A's ids in paths, queries, bodies and headers (A's Idempotency-Key too), path tricks around
# them. Checked on every answer: no 5xx, and no trace of A's data (ids, tokens, digests,
# distinctive strings) that the request did not itself carry; an id of A's answers exactly
# as a missing id of the same shape does. Checked after the attack: A's checkpoint, receipts
# and every resource of A read back identical, and A's tokens still work. A python3 driver
# (keep-alive connections) sends the requests so that the run stays well under a minute.
. "$(dirname "$0")/lib.sh"
command -v minisign >/dev/null || { echo "minisign is required" >&2; exit 2; }
ROUTES="$(cd "$(dirname "$0")/../.." && pwd)/src/routes.c"
start_server

python3 - "$BASE" "$ADMIN" "$T" "$ROUTES" >"$T/iso.out" 2>"$T/iso.err" <<'PY'
import http.client, json, os, random, re, subprocess, sys, urllib.parse

base, admin, tdir, routes_file = sys.argv[1:5]
host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
random.seed(8)
passed = failed = 0
failures = []

def fail(msg):
    global failed
    failed += 1
    if len(failures) < 40:
        failures.append(msg)

def ok():
    global passed
    passed += 1

conn = None
def req(tok, method, path, body=None, headers=None):
    """One request on a keep-alive connection; (status, headers, text). 0 when no answer."""
    global conn
    h = {}
    if tok:
        h["Authorization"] = "Bearer " + tok
    data = None
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        if isinstance(data, str):
            data = data.encode()
        h["Content-Type"] = "application/json"
    if headers:
        h.update(headers)
    for attempt in (1, 2):
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=30)
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            text = r.read().decode("utf-8", "replace")
            hdrs = dict((k.lower(), v) for k, v in r.getheaders())
            if hdrs.get("connection", "").lower() == "close":
                conn.close()
                conn = None
            return r.status, hdrs, text
        except (http.client.HTTPException, OSError):
            try:
                conn.close()
            except Exception:
                pass
            conn = None
    return 0, {}, ""

def must(tok, method, path, body=None, want=(200, 201), headers=None):
    s, h, t = req(tok, method, path, body, headers)
    if s not in want:
        raise SystemExit("setup: %s %s -> %s %s" % (method, path, s, t[:300]))
    return json.loads(t) if t and h.get("content-type", "").startswith("application/json") else t

def pages(tok, path):
    items, cursor = [], None
    sep = "&" if "?" in path else "?"
    for _ in range(1000):
        q = path + sep + "limit=500" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
        page = must(tok, "GET", q)
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items
    raise SystemExit("setup: paging %s never ended" % path)

def minisign_keys(name):
    pub, key = os.path.join(tdir, name + ".pub"), os.path.join(tdir, name + ".key")
    subprocess.run(["minisign", "-G", "-W", "-p", pub, "-s", key], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return key, open(pub).read().splitlines()[1]

def minisign_sign(key, text, name):
    path = os.path.join(tdir, name)
    with open(path, "w") as f:
        f.write(text)
    subprocess.run(["minisign", "-S", "-s", key, "-m", path], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return open(path + ".minisig").read()

# ---- two tenants with the same names ---------------------------------------------------
def setup(tid, kind, mark):
    """mark: a string only this tenant's data carries."""
    T = {"id": tid, "mark": mark, "tok": {}, "actor": {}}
    must(admin, "POST", "/tenants", {"id": tid, "name": "Tenant " + mark, "region": "eu", "kind": kind})
    T["keyfile"], T["publine"] = minisign_keys(tid + "-rb")
    for name, roles in (("ops-admin", ["tenant-admin"]), ("alice", ["responder"]),
                        ("ann", ["approver"]), ("audrey", ["auditor"]), ("vic", ["viewer"]),
                        ("rita", ["runbook-author", "commander"])):
        body = {"name": name, "roles": roles}
        if name == "ann":
            T["annkey"], body["public_key"] = minisign_keys(tid + "-ann")
        r = must(admin, "POST", "/tenants/%s/actors" % tid, body)
        T["tok"][name], T["actor"][name] = r["token"], r["actor"]["id"]
    adm = T["tok"]["ops-admin"]
    must(adm, "PUT", "/tenants/%s/roles" % tid, {"roles": {
        "viewer": ["*.get", "*.list"], "responder": ["*.get", "*.list", "incident.*", "runbook.launch", "step.execute", "execution.abort"],
        "commander": ["*.get", "*.list", "incident.*", "runbook.launch", "step.execute", "execution.abort", "execution.rollback"],
        "approver": ["*.get", "*.list", "step.approve"], "runbook-author": ["*.get", "*.list", "runbook.publish"],
        "auditor": ["*.get", "*.list", "evidence.*", "receipt.*", "usage.report", "policy.simulate"],
        "tenant-admin": ["*"], "oncall-" + mark: ["incident.get"]}})
    prof = must(adm, "POST", "/tenants/%s/policy-profile" % tid, {"name": "profile " + mark, "rules": [
        {"id": "no-sev1-edit-" + mark, "effect": "forbid", "actions": ["incident.update"],
         "when": {"resource.severity": {"eq": "sev1"}}}]})
    T["profile_digest"] = prof.get("digest")
    must(adm, "PUT", "/tenants/%s/redaction-rules" % tid, {"rules": [{"id": "r-" + mark, "pattern": "SECRET-[0-9]+"}]})
    k = must(adm, "POST", "/tenants/%s/signing-keys" % tid, {"name": "ops-key", "public_key": T["publine"]})
    T["key_id"] = k["key_id"]
    T["incs"] = []
    for title, sev in (("database down", "sev2"), ("payments failing", "sev1")):
        inc = must(T["tok"]["alice"], "POST", "/incidents",
                   {"title": title, "severity": sev, "description": "details " + mark, "labels": ["lbl-" + mark]},
                   headers={"Idempotency-Key": "same-key-" + title.replace(" ", "-")})
        T["incs"].append(inc["id"])
        must(T["tok"]["alice"], "POST", "/incidents/%s/notes" % inc["id"], {"text": "note " + mark})
    doc = json.dumps({"id": "restart", "name": "Restart", "risk": "low", "tags": ["tag-" + mark], "steps": [
        {"id": "gate", "title": "approve", "kind": "approval", "approvals": {"count": 1, "roles": ["approver"]}},
        {"id": "check", "title": "check", "kind": "manual", "rollback": {"kind": "manual"}}]})
    sig = minisign_sign(T["keyfile"], doc, tid + "-restart.json")
    T["doc"], T["sig"] = doc, sig
    rb = must(T["tok"]["rita"], "POST", "/runbooks", {"document": doc, "signature": sig})
    T["rb_digest"] = rb.get("digest")
    ex = must(T["tok"]["alice"], "POST", "/runbooks/restart:launch", {"incident_id": T["incs"][0]})
    T["exec"] = ex["id"]
    # a governed exception: the admin overrides its own forbid rule
    must(adm, "PATCH", "/incidents/%s" % T["incs"][1], {"status": "triaged"},
         headers={"X-Klaxon-Override": "break glass " + mark})
    T["exceptions"] = [e["receipt_id"] for e in pages(adm, "/tenants/%s/exceptions" % tid)]
    s, h, t = req(adm, "POST", "/tenants/%s/evidence-exports" % tid,
                  {"from": "2020-01-01T00:00:00.000Z", "to": "2100-01-01T00:00:00.000Z"})
    T["export"] = json.loads(t).get("id") if s == 201 else None
    T["receipts"] = [r["id"] for r in pages(adm, "/receipts")]
    T["events"] = [e["id"] for i in T["incs"] for e in pages(adm, "/timeline?incident_id=" + i)]
    return T

A = setup("iso-a", "customer", "amark%06d" % random.randrange(10**6))
B = setup("iso-b", "partner", "bmark%06d" % random.randrange(10**6))

SECRETS = set([A["mark"], A["exec"], A["key_id"], A["profile_digest"], A["rb_digest"]]
              + A["incs"] + A["receipts"] + A["events"] + A["exceptions"]
              + list(A["actor"].values()) + list(A["tok"].values()) + ([A["export"]] if A["export"] else []))
SECRETS.discard(None)
cp = must(A["tok"]["ops-admin"], "GET", "/ledger/checkpoint")
SECRETS.add(cp.splitlines()[2])  # A's root hash
a_size = int(cp.splitlines()[1])

# ---- A as A sees it --------------------------------------------------------------------
def snapshot():
    tok, tid = A["tok"]["ops-admin"], A["id"]
    snap = {"checkpoint": must(tok, "GET", "/ledger/checkpoint").splitlines()[:3]}
    snap["receipts"] = pages(tok, "/receipts")
    snap["incidents"] = pages(tok, "/incidents")
    for i in A["incs"]:
        snap["inc " + i] = must(tok, "GET", "/incidents/" + i)
        snap["timeline " + i] = pages(tok, "/timeline?incident_id=" + i)
    for p in ("/runbooks", "/runbooks/restart", "/runbooks/restart/versions/1", "/run-executions",
              "/run-executions/" + A["exec"], "/approvals?status=pending", "/tenants/" + tid,
              "/tenants/%s/actors" % tid, "/tenants/%s/roles" % tid, "/tenants/%s/policy-profile" % tid,
              "/tenants/%s/signing-keys" % tid, "/tenants/%s/redaction-rules" % tid,
              "/tenants/%s/exceptions" % tid, "/tenants/%s/evidence-exports" % tid):
        snap[p] = must(tok, "GET", p)
    return snap

before = snapshot()

# ---- the attack ------------------------------------------------------------------------
routes = re.findall(r'\{"(GET|POST|PATCH|PUT|DELETE)", "(/[^"]*)", "([a-z_.]+)"', open(routes_file).read())
if len(routes) < 40:
    raise SystemExit("setup: only %d routes read from %s" % (len(routes), routes_file))

def lookalike(i):
    """A missing id of the same shape as i."""
    return i[:-4] + ("zzzz" if not i.endswith("zzzz") else "yyyy")

def ids_for(path):
    """(id, sub) pairs of A's resources (and look-alikes) for a route template."""
    a, b = A["id"], B["id"]
    if path.startswith("/incidents/{id}"):
        return [(i, None) for i in A["incs"] + A["events"][:2] + A["receipts"][:2]]
    if path.startswith("/runbooks/{id}"):
        return [("restart", "1"), ("restart", "2"), (A["exec"], "1")]
    if path.startswith("/run-executions/{id}"):
        return [(A["exec"], "gate"), (A["exec"], "check"), (A["incs"][0], "gate")]
    if path.startswith("/receipts/{id}"):
        return [(r, None) for r in A["receipts"]]
    if "/actors/{sub}" in path:
        return [(a, A["actor"][n]) for n in A["actor"]] + [(b, A["actor"]["alice"]), (a, "alice"), (b, A["actor"]["ann"])]
    if "/signing-keys/{sub}" in path:
        return [(a, A["key_id"]), (b, A["key_id"])]
    if "/exceptions/{sub}" in path:
        return [(a, e) for e in A["exceptions"]] + [(b, e) for e in A["exceptions"]]
    if "/evidence-exports/{sub}" in path:
        e = A["export"] or "exp_00000000000000000000000000"
        return [(a, e), (b, e)]
    if "/versions/{sub}" in path:
        return [(a, "1"), (a, "2")]
    if path.startswith("/tenants/{id}"):
        return [(a, None), ("platform", None)]
    return [(None, None)]

def fill(path, i, sub):
    return path.replace("{id}", urllib.parse.quote(i or "", safe="")).replace("{sub}", urllib.parse.quote(sub or "", safe=""))

def bodies(op):
    """Bodies aimed at A: its ids where a body takes ids."""
    inc, ex = A["incs"][0], A["exec"]
    common = {
        "incident.create": [{"title": "database down", "severity": "sev2", "commander": A["actor"]["alice"]},
                            {"title": "database down", "severity": "sev2"}],
        "incident.update": [{"status": "triaged"}, {"commander": A["actor"]["alice"], "note": "x"}],
        "incident.note": [{"text": "hello"}],
        "runbook.launch": [{"incident_id": inc}, {"version": 1}],
        "runbook.publish": [{"document": A["doc"], "signature": A["sig"]}],
        "step.execute": [{"note": "done"}],
        "step.approve": [None],  # filled below
        "execution.abort": [{"reason": "stop"}],
        "execution.rollback": [{"reason": "undo"}],
        "tenant.create": [{"id": A["id"], "name": "x", "region": "eu"},
                          {"id": "iso-b-child", "name": "c", "region": "eu", "kind": "customer", "partner_id": A["id"]}],
        "tenant.update": [{"status": "suspended"}, {"name": "pwned"}],
        "actor.create": [{"name": "alice", "roles": ["tenant-admin"]}],
        "actor.update": [{"roles": ["tenant-admin"]}, {"disabled": True}],
        "roles.set": [{"roles": {"viewer": ["*"]}}],
        "policy_profile.set": [{"name": "p", "rules": []}],
        "policy.simulate": [{"subject": {"id": A["actor"]["alice"], "roles": ["responder"], "tenant": A["id"]},
                             "action": "incident.get", "resource": {"id": inc}, "context": {}}],
        "exception.acknowledge": [{}],
        "signing_key.add": [{"name": "ops-key", "public_key": A["publine"]}],
        "redaction.set": [{"rules": []}],
        "evidence.export": [{"from": "2020-01-01T00:00:00.000Z", "to": "2100-01-01T00:00:00.000Z"}],
        "actor.rotate_token": [None],
    }
    return common.get(op, [None])

def approval_body(actor_tok_name):
    st = json.dumps({"execution_id": A["exec"], "step_id": "gate", "runbook_digest": A["rb_digest"],
                     "approver": B["actor"]["ann"], "decision": "approve", "nonce": "n%d" % random.randrange(10**9),
                     "at": must(A["tok"]["vic"], "GET", "/incidents/" + A["incs"][0])["created_at"]})
    return {"statement": st, "signature": minisign_sign(B["annkey"], st, "st.json")}

def queries(op):
    inc, r = A["incs"][0], A["receipts"]
    return {
        "incident.list": ["", "?q=" + A["mark"], "?cursor=" + inc, "?status=declared,triaged&limit=500"],
        "timeline.list": ["?incident_id=" + i for i in A["incs"]] + ["?incident_id=%s&cursor=%s" % (inc, A["events"][0])],
        "receipt.list": ["", "?resource=" + inc, "?cursor=1", "?action=incident.create"],
        "receipt.get": ["", "?proof=true"],
        "execution.list": ["", "?incident_id=" + inc],
        "approval.list": ["?status=pending"],
        "ledger.get": ["", "?size=%d" % a_size, "?size=1"],
        "ledger.consistency": ["?from=1&to=%d" % a_size],
        "usage.report": ["?bucket=day"],
        "usage.platform": [""],
    }.get(op, [""])

def tricks(path):
    """The same target written other ways."""
    out = [path]
    if A["id"] in path:
        out += [path.replace(A["id"], "iso%2Da"), path.replace("/tenants/" + A["id"], "/tenants/%s/../%s" % (B["id"], A["id"])),
                "/" + path, path + "/", path.replace(A["id"], A["id"].upper())]
    elif A["exec"] in path or A["incs"][0] in path:
        out += ["/" + path, path + "/", path + "%00"]
    return out

attackers = ["ops-admin", "alice", "ann", "audrey", "vic", "rita"]
idem_headers = [None, {"Idempotency-Key": "same-key-database-down"}, {"X-Request-Id": "req-iso-" + A["mark"]}]
sent = 0
same_as_missing = 0

def own_receipts_blind(v):
    """B's own receipts name what B asked for (the resource it aimed at, its request id):
    that is B's input on record in B's ledger, not A's data. Blank those fields."""
    if isinstance(v, list):
        return [own_receipts_blind(x) for x in v]
    if isinstance(v, dict):
        if v.get("tenant_id") == B["id"] and "leaf_index" in v:
            v = dict(v, resource="", request_id="", leaf="")
        return dict((k, own_receipts_blind(x)) for k, x in v.items())
    return v

statuses = {}

def check(who, method, path, body, headers, status, hdrs, text):
    global sent
    sent += 1
    statuses[status] = statuses.get(status, 0) + 1
    asked = path + " " + (json.dumps(body) if body is not None else "") + " " + json.dumps(headers or {})
    shown = text
    if text.startswith("{") and ("/receipts" in path or "leaf_index" in text):
        try:
            shown = json.dumps(own_receipts_blind(json.loads(text)))
        except ValueError:
            pass
    seen = shown + " " + " ".join("%s: %s" % kv for kv in hdrs.items())
    if status >= 500:
        fail("%s %s %s -> %d %s" % (who, method, path, status, text[:200]))
        return
    leaked = [s for s in SECRETS if s in seen and s not in asked]
    if leaked:
        fail("%s %s %s (body %s) -> %d leaks A's %s: %s" % (who, method, path, json.dumps(body)[:120], status, leaked[:3], text[:300]))
    else:
        ok()

for who in attackers:
    tok = B["tok"][who]
    for method, tpl, op in routes:
        for i, sub in ids_for(tpl):
            if ("{id}" in tpl and i is None) or ("{sub}" in tpl and sub is None):
                continue
            for path in tricks(fill(tpl, i, sub)):
                for q in queries(op):
                    for body in bodies(op) if method != "GET" else [None]:
                        if op == "step.approve":
                            body = approval_body(who)
                        for hd in idem_headers if method != "GET" else idem_headers[:1]:
                            if method in ("POST", "PATCH", "PUT") and body is None and op not in ("actor.rotate_token", "exception.acknowledge"):
                                body = {}
                            s, h, t = req(tok, method, path + q, body, hd)
                            check(who, method, path + q, body, hd, s, h, t)
                            # an id of A's answers exactly as a missing one of its shape does
                            if path == fill(tpl, i, sub) and q == "" and hd is None and (i in SECRETS or sub in SECRETS):
                                mi = lookalike(i) if i in SECRETS else i
                                ms = lookalike(sub) if sub in SECRETS else sub
                                s2, h2, t2 = req(tok, method, fill(tpl, mi, ms), body, hd)
                                check(who, method, fill(tpl, mi, ms), body, hd, s2, h2, t2)
                                code = lambda x: (json.loads(x).get("error") or {}).get("code") if x.startswith("{") else None
                                if (s, code(t)) == (s2, code(t2)):
                                    ok()
                                    same_as_missing += 1
                                else:
                                    fail("%s %s %s -> %d %s, but a missing id -> %d %s" % (who, method, path, s, code(t), s2, code(t2)))

# ---- A afterwards -----------------------------------------------------------------------
after = snapshot()
for k in before:
    if before[k] == after[k]:
        ok()
    else:
        fail("A's %s changed during the attack: %s -> %s" % (k, json.dumps(before[k])[:300], json.dumps(after[k])[:300]))
# Nothing of B's may point into A: an execution launched for A's incident, an incident
# commanded by A's actor.
for e in pages(B["tok"]["ops-admin"], "/run-executions"):
    if e.get("incident_id") in A["incs"]:
        fail("B's execution %s is linked to A's incident %s" % (e["id"], e["incident_id"]))
    else:
        ok()
for i in pages(B["tok"]["ops-admin"], "/incidents"):
    if i.get("commander") in A["actor"].values():
        fail("B's incident %s has A's actor %s as commander" % (i["id"], i["commander"]))
    else:
        ok()
for name, tok in A["tok"].items():
    s, _, _ = req(tok, "GET", "/session")
    if s == 200:
        ok()
    else:
        fail("A's %s token stopped working (%d)" % (name, s))

print("requests %d same_as_missing %d export %s statuses %s" % (sent, same_as_missing, "yes" if A["export"] else "no",
      " ".join("%s:%d" % kv for kv in sorted(statuses.items()))))
for f in failures:
    print("FAIL: " + f)
print("RESULT %d %d" % (passed, failed))
PY
rc=$?
cat "$T/iso.out" | grep '^FAIL' >&2
summary=$(grep '^requests' "$T/iso.out")
if [ $rc -ne 0 ] || ! grep -q '^RESULT' "$T/iso.out"; then
	bad "the isolation driver failed (exit $rc): $(tail -n 5 "$T/iso.err" | tr '\n' ' ')"
else
	read -r _ p f < <(grep '^RESULT' "$T/iso.out")
	PASS=$((PASS + p))
	FAIL=$((FAIL + f))
	n=$(echo "$summary" | awk '{print $2}')
	if [ "${n:-0}" -ge 5000 ]; then ok; else bad "only ${n:-0} attack requests were generated (at least 5000 wanted)"; fi
	echo "isolation: $summary" >&2
fi
alive "after the isolation attack"
finish
