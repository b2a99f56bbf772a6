#!/usr/bin/env python3
"""A server on loopback that is not klaxond, for the console's hostile-server test.

usage: junk_server.py garbage|hang PORTFILE [SEED]

garbage: every request gets one of many wrong answers: random bytes, HTML, JSON of the
wrong shape, truncated JSON, 5xx, broken HTTP, a closed connection, an oversized header.
hang: connections are accepted and never answered (nor closed).
The chosen port is written to PORTFILE once listening."""
import json
import os
import random
import socket
import sys
import threading

MODE, PORTFILE = sys.argv[1], sys.argv[2]
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
lock = threading.Lock()
held = []  # hang mode: sockets kept open for good


def body_of(status, body, ctype="application/json", extra=b""):
    if isinstance(body, str):
        body = body.encode()
    head = "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n" % (
        status, ctype, len(body))
    return head.encode() + extra + b"\r\n" + body


def answer():
    with lock:
        pick = rng.randrange(14)
        noise = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
    if pick == 0:
        return body_of(200, noise, "application/octet-stream")
    if pick == 1:
        return body_of(200, "<html><body>It works!</body></html>", "text/html")
    if pick == 2:
        return body_of(200, '{"items": 5, "next_cursor": {}}')
    if pick == 3:
        return body_of(200, '{"items":[{"id":1,"title":null,"severity":"sev9","status":[]},'
                       '{"id":"inc_x","severity":"sev1","status":"declared","title":"\u0000"}]')
    if pick == 4:
        return body_of(200, '{"items":[{"id":"inc_zz","severity":"sev2","status":"triaged",'
                       '"title":"' + "x" * 5000 + '","created_at":"not a time",'
                       '"labels":[1,2,{}],"version":1e308}],"next_cursor":"' + "c" * 300 + '"}')
    if pick == 5:
        return body_of(500, noise, "text/plain")
    if pick == 6:
        return body_of(503, '{"error":{"code":' + json.dumps("x" * 3000) + '}}')
    if pick == 7:
        return b"NOT HTTP AT ALL\r\n\r\n" + noise
    if pick == 8:
        return b""  # closed without a word
    if pick == 9:
        return body_of(200, "{}", extra=b"X-Big: " + b"a" * 200000 + b"\r\n")
    if pick == 10:
        return body_of(200, '[1, 2, 3]')
    if pick == 11:
        return body_of(404, '{"error":{"code":"not_found","message":null,"field":7}}')
    if pick == 12:
        return body_of(200, '{"tenant_id":7,"actor":{"id":[],"name":{}},"items":[{"kind":"approval_backlog",'
                       '"count":-99999999999,"message":42}],"steps":"none","status":5}')
    return b"HTTP/1.1 200 OK\r\nContent-Length: 999999\r\n\r\n{\"items\":["


def serve(conn):
    try:
        conn.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        if MODE == "hang":
            with lock:
                held.append(conn)
            return
        conn.sendall(answer())
    except OSError:
        pass
    if MODE != "hang":
        conn.close()


def main():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    with open(PORTFILE + ".tmp", "w") as f:
        f.write(str(s.getsockname()[1]))
    os.rename(PORTFILE + ".tmp", PORTFILE)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


main()
