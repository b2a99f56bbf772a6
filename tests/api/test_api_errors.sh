# Errors and hostile input over HTTP: malformed bodies, wrong media types, oversized bodies,
# unknown paths and methods, junk in ids and queries, huge headers, raw protocol garbage. A
# malformed request never yields a 5xx, errors always have the JSON shape, and the server keeps
# serving.
. "$(dirname "$0")/lib.sh"
start_server

new_tenant hostile
new_actor hostile hal '["responder"]'
H=$ACTOR_TOKEN
new_incident "$H" "Target" sev3
ID=$INC

# --- malformed JSON ----------------------------------------------------------------------------
api "$H" POST /incidents '{"title":'
expect_error "truncated JSON" 400 invalid_json
api "$H" POST /incidents '{"title":"x","severity":"sev1"'
expect_error "unterminated object" 400 invalid_json
api "$H" POST /incidents "{'title':'x','severity':'sev1'}"
expect_error "single-quoted JSON" 400 invalid_json
api "$H" POST /incidents '{"title":"x","severity":"sev1",}'
expect_error "trailing comma" 400 invalid_json
api "$H" POST /incidents '{"title":"x","severity":"sev1"} trailing'
expect_error "garbage after the object" 400 invalid_json
api "$H" POST /incidents '{"title":"x","severity":"sev1"}{"title":"y","severity":"sev1"}'
expect_error "two objects" 400 invalid_json
api "$H" POST /incidents 'null'
expect_status "a null body" 400
expect_error_shape "a null body"
api "$H" POST /incidents '[]'
expect_status "an array body" 400
expect_error_shape "an array body"
api "$H" POST /incidents '"just a string"'
expect_status "a string body" 400
expect_error_shape "a string body"
api "$H" POST /incidents '{"title":"nan","severity":"sev1","labels":[NaN]}'
expect_error "NaN" 400 invalid_json
api "$H" POST /incidents '{"title":"\ud800","severity":"sev1"}'
expect_status "a lone surrogate escape" "400|201"
expect_no5xx "a lone surrogate escape"
api "$H" POST /incidents '{"title":"nul \u0000 inside","severity":"sev1"}'
expect_no5xx "an escaped NUL in a string"
printf '{"title":"raw\001ctl","severity":"sev1"}' >"$T/ctl.json"
api "$H" POST /incidents "@$T/ctl.json"
expect_error "a raw control character in a string" 400 invalid_json
api "$H" POST /incidents '{"title":"x","severity":"sev1","labels":[1e999999]}'
expect_no5xx "a huge number"
api "$H" POST /incidents '' -H 'Content-Type: application/json'
expect_status "an empty body" 400
expect_error_shape "an empty body"
api "$H" POST /incidents '   '
expect_error "a whitespace body" 400 invalid_json

# --- invalid UTF-8 ---------------------------------------------------------------------------------
printf '{"title":"bad \xff\xfe bytes","severity":"sev1"}' >"$T/utf8a.json"
api "$H" POST /incidents "@$T/utf8a.json"
expect_error "invalid UTF-8 (0xff 0xfe)" 400 invalid_json
printf '{"title":"overlong \xc0\xaf","severity":"sev1"}' >"$T/utf8b.json"
api "$H" POST /incidents "@$T/utf8b.json"
expect_error "overlong UTF-8 (0xc0 0xaf)" 400 invalid_json
printf '{"title":"surrogate \xed\xa0\x80","severity":"sev1"}' >"$T/utf8c.json"
api "$H" POST /incidents "@$T/utf8c.json"
expect_error "UTF-8 encoded surrogate" 400 invalid_json
printf '{"title":"truncated \xe2\x82","severity":"sev1"}' >"$T/utf8d.json"
api "$H" POST /incidents "@$T/utf8d.json"
expect_error "truncated UTF-8 sequence" 400 invalid_json
printf '{"ti\xfftle":"x","severity":"sev1"}' >"$T/utf8e.json"
api "$H" POST /incidents "@$T/utf8e.json"
expect_error "invalid UTF-8 in a key" 400 invalid_json
printf '{"text":"note \xf8\x88\x80\x80\x80"}' >"$T/utf8f.json"
api "$H" POST "/incidents/$ID/notes" "@$T/utf8f.json"
expect_error "invalid UTF-8 in a note" 400 invalid_json
printf '{"status":"triaged","note":"\xc3"}' >"$T/utf8g.json"
api "$H" PATCH "/incidents/$ID" "@$T/utf8g.json"
expect_error "invalid UTF-8 in a PATCH" 400 invalid_json
api "$H" GET "/incidents/$ID"
expect_jq "the bad PATCH changed nothing" .status declared
api "$H" POST /incidents '{"title":"ok ünïcødé ✓ 🚨","severity":"sev4"}'
expect_status "valid multi-byte UTF-8" 201
expect_jq "valid UTF-8 round-trips" .title "ok ünïcødé ✓ 🚨"

# --- depth -------------------------------------------------------------------------------------
python3 -c 'print("{\"title\":\"deep\",\"severity\":\"sev1\",\"labels\":" + "["*200 + "]"*200 + "}", end="")' >"$T/deep200.json"
api "$H" POST /incidents "@$T/deep200.json"
expect_error "200-deep nested arrays" 400 invalid_json
python3 -c 'print("{\"a\":"*200 + "1" + "}"*200, end="")' >"$T/deepobj.json"
api "$H" POST /incidents "@$T/deepobj.json"
expect_error "200-deep nested objects" 400 invalid_json
python3 -c 'print("["*100000, end="")' >"$T/deep100k.json"
api "$H" POST /incidents "@$T/deep100k.json"
expect_4xx_json "100000 unclosed ["
python3 -c 'print("{\"title\":\"w\",\"severity\":\"sev1\",\"labels\":[" + ",".join(["\"l\""]*20000) + "]}", end="")' >"$T/wide.json"
api "$H" POST /incidents "@$T/wide.json"
expect_no5xx "20000 labels"

# --- size -------------------------------------------------------------------------------------
python3 -c 'print("{\"title\":\"big\",\"severity\":\"sev1\",\"description\":\"" + "a"*(1024*1024 + 16) + "\"}", end="")' >"$T/big.json"
api "$H" POST /incidents "@$T/big.json"
expect_error "a body over 1 MiB" 413 body_too_large
api "$H" POST /incidents "@$T/big.json" -H 'Expect:'
expect_error "a body over 1 MiB, no Expect: 100-continue" 413 body_too_large
api "$H" POST /incidents "@$T/big.json" -H 'Transfer-Encoding: chunked'
expect_error "a chunked body over 1 MiB" 413 body_too_large
head -c $((8 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$T/huge.json"
api "$H" POST /incidents "@$T/huge.json" -H 'Transfer-Encoding: chunked'
expect_status "8 MiB chunked: 413 or the connection closed" "413|000"
api "$H" PATCH "/incidents/$ID" "@$T/big.json"
expect_error "a PATCH over 1 MiB" 413 body_too_large
python3 -c 'print("{\"title\":\"fits\",\"severity\":\"sev4\",\"description\":\"" + "a"*(1024*1024 - 200) + "\"}", end="")' >"$T/fits.json"
api "$H" POST /incidents "@$T/fits.json"
expect_no5xx "a body just under 1 MiB"
expect_status "a body just under 1 MiB is not refused for its size" "201|400"
API_TIMEOUT=3 api "$H" POST /incidents '{"title":"x","severity":"sev1"}' -H 'Content-Length: 99999999999'
expect_no5xx "a lying huge Content-Length"

# --- media type --------------------------------------------------------------------------------
CT=text/plain api "$H" POST /incidents '{"title":"x","severity":"sev1"}'
expect_error "Content-Type text/plain" 415 unsupported_media_type
CT=application/x-www-form-urlencoded api "$H" POST /incidents 'title=x&severity=sev1'
expect_error "a form body" 415 unsupported_media_type
CT=text/plain api "$H" PATCH "/incidents/$ID" '{"status":"triaged"}'
expect_error "PATCH with text/plain" 415 unsupported_media_type
CT= api "$H" POST /incidents '{"title":"x","severity":"sev1"}'
expect_no5xx "a JSON body without Content-Type"
CT="application/json; charset=utf-8" api "$H" POST /incidents '{"title":"charset","severity":"sev4"}'
expect_status "application/json; charset=utf-8 is JSON" 201

# --- unknown paths, wrong methods --------------------------------------------------------------
api "$H" GET /nope
expect_error "unknown path" 404 not_found
api "$H" GET /incidents/"$ID"/nope
expect_error "unknown sub-path" 404 not_found
api "$H" GET /
expect_status "GET /" "404|200"
expect_no5xx "GET /"
for mr in "DELETE /incidents" "PUT /incidents/$ID" "DELETE /incidents/$ID" "POST /incidents/$ID" \
	"GET /incidents/$ID/notes" "PATCH /incidents" "POST /healthz" "DELETE /ledger/checkpoint" \
	"PUT /timeline" "POST /receipts"; do
	m=${mr%% *}
	p=${mr#* }
	api "$H" "$m" "$p" '{}'
	expect_status "$mr" "404|405"
	expect_error_shape "$mr"
done
api "$H" FOO /incidents
expect_no5xx "an unknown method FOO"
api "$H" OPTIONS /incidents
expect_no5xx "OPTIONS /incidents"
api "$H" HEAD /healthz "" -I
expect_no5xx "HEAD /healthz"

# --- junk in ids and paths ---------------------------------------------------------------------
LONG=$(head -c 10000 /dev/zero | tr '\0' a)
for p in "/incidents/../tenants" "/incidents/../../../../etc/passwd" "/incidents/%2e%2e%2f%2e%2e%2fetc%2fpasswd" \
	"/incidents/%2e%2e" "/incidents/%00" "/incidents/abc%00def" "/incidents/%ff%fe" "/incidents/%" \
	"/incidents/%zz" "/incidents/$ID%00" "/incidents/$ID/" "/incidents/$LONG" "/incidents/$ID%2fnotes" \
	"/incidents//$ID" "/incidents/%20" "/incidents/'%20OR%201=1--" "/incidents/%22%3E%3Cscript%3E" \
	"/receipts/../ledger/checkpoint" "/receipts/%00?proof=true" "/timeline?incident_id=%00" \
	"/timeline?incident_id=$LONG" "/timeline?incident_id=%ff" "/incidents?q=%00" "/incidents?q=%ff%fe" \
	"/incidents?status=%00" "/incidents?limit=%00" "/incidents?cursor=%ff%00" "/incidents?cursor=$LONG" \
	"/incidents?limit=1&limit=2" "/incidents?&&&=&=" "/ledger/checkpoint?size=%00" \
	"/ledger/consistency?from=1&to=99999999999999999999999" "/ledger/checkpoint?size=18446744073709551617"; do
	api "$H" GET "$p"
	case "$STATUS" in
	200) # allowed only where the path resolves to something sane
		case "$p" in
		"/incidents/$ID/" | "/incidents//$ID" | "/incidents?limit=1&limit=2" | "/incidents?&&&=&=" | "/incidents?q="*) ok ;;
		*) badr "GET ${p:0:120}: a 200 for junk in the path" ;;
		esac ;;
	4??) ok ;;
	*) badr "GET ${p:0:120}: status $STATUS, wanted a 4xx" ;;
	esac
done
alive "after junk paths"
for p in "/incidents/%00" "/incidents/$LONG" "/incidents/%2e%2e"; do
	api "$H" PATCH "$p" '{"status":"triaged"}'
	expect_4xx_json "PATCH ${p:0:40}"
	api "$H" POST "$p/notes" '{"text":"x"}'
	expect_4xx_json "POST ${p:0:40}/notes"
done
api "$H" GET "/incidents?q=$(head -c 100000 /dev/zero | tr '\0' q)"
expect_no5xx "a 100 kB query string"

# --- hostile headers ---------------------------------------------------------------------------
BIGH=$(head -c 200000 /dev/zero | tr '\0' h)
api "$H" GET /incidents "" -H "X-Junk: $BIGH"
expect_no5xx "a 200 kB header"
api "" GET /incidents "" -H "Authorization: Bearer $BIGH"
expect_no5xx "a 200 kB bearer token"
api "" GET /incidents "" -H "Authorization: Bearer $(head -c 4000 /dev/zero | tr '\0' t)"
expect_error "a 4 kB unknown bearer token" 401 unauthenticated
MANY=()
for i in $(seq 1 2000); do MANY+=(-H "X-H$i: v"); done
api "$H" GET /incidents "" "${MANY[@]}"
expect_no5xx "2000 headers"
api "$H" GET /incidents "" -H "X-Request-Id: $(head -c 10000 /dev/zero | tr '\0' r)"
expect_no5xx "a 10 kB X-Request-Id"
api "$H" GET /nope "" -H $'X-Request-Id: quote"back\\slash'
expect_no5xx "X-Request-Id with a quote and a backslash"
expect_error_shape "X-Request-Id with a quote and a backslash (the body stays JSON)"
api "$H" PATCH "/incidents/$ID" '{"severity":"sev2"}' -H 'If-Match: garbage'
expect_status "If-Match garbage" "400|412"
expect_error_shape "If-Match garbage"
api "$H" PATCH "/incidents/$ID" '{"severity":"sev2"}' -H 'If-Match: "99999999999999999999999999"'
expect_status "If-Match overflowing" "400|412"
api "$H" POST /incidents '{"title":"x","severity":"sev1"}' -H 'Content-Type: application/json' -H 'Content-Type: text/plain'
expect_no5xx "two Content-Types"

# --- raw protocol garbage ----------------------------------------------------------------------
raw() { # BYTES: send raw bytes, read at most 4 kB of answer within 3 s
	python3 - "$PORT" "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
try:
    s.sendall(sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1"))
    data = s.recv(4096)
    print(data.split(b"\r\n", 1)[0].decode("latin-1"))
except Exception as e:
    print("closed", type(e).__name__)
PY
}
for g in 'GARBAGE\r\n\r\n' 'GET / HTTP/9.9\r\n\r\n' 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n' \
	'POST /incidents HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n' \
	'GET /incidents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \x00\x01\x02\r\n\r\n' \
	'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n' \
	'POST /incidents HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nContent-Type: application/json\r\n\r\n{"ti'; do
	line=$(raw "$g")
	case "$line" in
	"HTTP/1.1 505 "*) ok ;; # HTTP/9.9: libmicrohttpd's own protocol-level answer, as RFC 9110 asks
	HTTP/1.?\ 5*) bad "raw request '${g:0:50}…': answered '$line', a 5xx" ;;
	*) ok ;;
	esac
done
# a half-sent request then a hang-up, many times
for i in $(seq 1 20); do
	python3 - "$PORT" <<'PY' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.sendall(b"POST /incidents HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nContent-Type: application/json\r\n\r\n{\"title\":")
s.close()
PY
done
alive "after raw protocol garbage"

# --- connections left open must not stall the graceful shutdown at the end ----------------------
# (a half-sent request and an idle keep-alive connection, both still open when SIGTERM comes)
python3 - "$PORT" <<'PY' >/dev/null 2>&1 &
import socket, sys, time
a = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
a.sendall(b"GET /incidents HTTP/1.1\r\nHost: x\r\nX-Slow: ")
b = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
b.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
b.recv(4096)
time.sleep(30)
PY
HOLDER=$!
sleep 0.3

# --- after all of it -----------------------------------------------------------------------------
api "$H" GET "/incidents/$ID"
expect_status "the target incident is still readable" 200
api "" GET /healthz
expect_status "GET /healthz after the hostile requests" 200
api "" GET /readyz
expect_status "GET /readyz after the hostile requests" 200
stop_server # with the two connections above still open
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
finish
