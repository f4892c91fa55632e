"""Hostile input: every malformed request gets a 4xx with a JSON {"detail": ...}, and the server
still answers afterwards (a valid event is accepted after each case).

Cases marked HTTP are broken below HTTP itself (request line, framing, header sizes); they are
refused by the HTTP library before any faultline code sees them, so only a 4xx status is required.
"""

import base64
import gzip
import json
import zlib

import pytest
import requests

import harness

EV = json.dumps(harness.make_event("Hostile", "template", event_id="a" * 32)).encode()
DEEP = 100_000


def env(*lines, nl=True):
    """Join raw envelope lines (bytes or JSON-able)."""
    out = [ln if isinstance(ln, bytes) else json.dumps(ln).encode() for ln in lines]
    return b"\n".join(out) + (b"\n" if nl else b"")


HDR = {"event_id": "b" * 32}
EVENT_ITEM = {"type": "event"}


def E(body, headers=None, path="envelope", query=""):
    """An application-level case: POST body to /api/<id>/<path>/ with valid auth unless given."""
    return ("app", "POST", path, query, headers, body)


def A(method, path, headers=None, body=None, token=True):
    """A JSON-API case."""
    return ("api", method, path, token, headers, body)


def RAW(data):
    """A raw-bytes HTTP-level case."""
    return ("raw", data)


def gz(b):
    return gzip.compress(b)


CASES = {
    # --- bodies and envelope framing ---
    "empty-envelope": E(b""),
    "empty-store": E(b"", path="store"),
    "whitespace-only": E(b"\n\n\n"),
    "header-not-json": E(b"not json\n" + env(EVENT_ITEM, EV)),
    "header-json-array": E(env([1, 2], EVENT_ITEM, EV)),
    "header-json-string": E(env("envelope", EVENT_ITEM, EV)),
    "header-json-null": E(env(None, EVENT_ITEM, EV)),
    "header-truncated": E(b'{"event_id":"ab'),
    "item-header-not-json": E(env(HDR) + b"{type: event}\n" + EV + b"\n"),
    "item-header-missing-type": E(env(HDR, {"length": len(EV)}, EV)),
    "item-header-type-number": E(env(HDR, {"type": 5}, EV)),
    "item-header-array": E(env(HDR, ["event"], EV)),
    "item-header-no-payload": E(env(HDR) + b'{"type":"event","length":10}'),
    "length-past-end": E(env(HDR, {"type": "event", "length": len(EV) + 500}, EV, nl=False)),
    "length-negative": E(env(HDR, {"type": "event", "length": -5}, EV)),
    "length-huge": E(env(HDR, {"type": "event", "length": 1 << 40}, EV)),
    "length-string": E(env(HDR, {"type": "event", "length": str(len(EV))}, EV)),
    "length-float": E(env(HDR, {"type": "event", "length": len(EV) + 0.5}, EV)),
    "length-short-garbage-after": E(env(HDR, {"type": "event", "length": 10}, EV)),
    "truncated-mid-payload": E(env(HDR, {"type": "event", "length": len(EV)}, EV)[:-40]),
    "truncated-mid-item-header": E(env(HDR, {"type": "event", "length": len(EV)}, EV)[:40]),
    "two-event-items": E(env(HDR, EVENT_ITEM, EV, EVENT_ITEM, EV)),
    "event-and-transaction": E(env(HDR, EVENT_ITEM, EV, {"type": "transaction"}, b'{"type":"transaction"}')),
    "empty-event-payload": E(env(HDR, {"type": "event", "length": 0}, b"")),
    "duplicate-sent-at": E(b'{"event_id":"' + b"c" * 32 + b'","sent_at":"2026-01-01T00:00:00Z",'
                           b'"sent_at":"2026-01-02T00:00:00Z"}\n' + env(EVENT_ITEM, EV)),
    # --- JSON payloads ---
    "event-bad-json": E(env(HDR, EVENT_ITEM, b'{"event_id": "' + b"d" * 32 + b'", "message": ')),
    "event-json-array": E(env(HDR, EVENT_ITEM, b"[1,2,3]")),
    "event-json-string": E(env(HDR, EVENT_ITEM, b'"an event"')),
    "event-json-number": E(env(HDR, EVENT_ITEM, b"42")),
    "event-trailing-garbage": E(env(HDR, {"type": "event", "length": len(EV) + 3}, EV + b"}}}")),
    "event-invalid-utf8": E(env(HDR, EVENT_ITEM, b'{"message":"caf\xc3\x28 \xff\xfe"}')),
    "event-overlong-utf8": E(env(HDR, EVENT_ITEM, b'{"message":"\xc0\xaf\xe0\x80\xaf"}')),
    "event-lone-surrogate": E(env(HDR, EVENT_ITEM, b'{"message":"\\ud800 alone"}')),
    "event-raw-control-char": E(env(HDR, EVENT_ITEM, b'{"message":"a\x01b\x1fc"}')),
    "header-invalid-utf8": E(b'{"event_id":"' + b"e" * 32 + b'","x":"\xff"}\n' + env(EVENT_ITEM, EV)),
    "event-nested-arrays-100k": E(env(HDR, EVENT_ITEM, b"[" * DEEP + b"]" * DEEP)),
    "event-nested-objects-100k": E(env(HDR, EVENT_ITEM, b'{"a":' * DEEP + b"1" + b"}" * DEEP)),
    "event-nested-unclosed-100k": E(env(HDR, EVENT_ITEM, b'{"extra":' + b"[" * DEEP)),
    "header-nested-100k": E(b'{"x":' + b"[" * DEEP + b"]" * DEEP + b"}\n" + env(EVENT_ITEM, EV)),
    "store-nested-100k": E(b'{"extra":' + b"[" * DEEP + b"]" * DEEP + b"}", path="store"),
    "event-number-overflow": E(env(HDR, EVENT_ITEM, b'{"message":"x","extra":{"n":1e999999}}')),
    # --- event ids ---
    "header-event-id-garbage": E(env({"event_id": "not-an-id"}, EVENT_ITEM, EV)),
    "header-event-id-short": E(env({"event_id": "f" * 31}, EVENT_ITEM, EV)),
    "header-event-id-number": E(env({"event_id": 12345}, EVENT_ITEM, EV)),
    "store-event-id-garbage": E(b'{"event_id":"zz-top","message":"x"}', path="store"),
    # --- store endpoint ---
    "store-bad-json": E(b'{"message": "x"', path="store"),
    "store-json-array": E(b"[]", path="store"),
    "store-base64-not-zlib": E(base64.b64encode(b"just text, not zlib"), path="store"),
    "store-base64-invalid-chars": E(b"eJ%%%%not base64!!", path="store"),
    "store-binary-garbage": E(bytes(range(256)) * 4, path="store"),
    "store-form-garbage": E(b"a=1&b=%zz", path="store",
                            headers={"Content-Type": "application/x-www-form-urlencoded"}),
    # --- content encodings ---
    "gzip-not-gzip": E(env(HDR, EVENT_ITEM, EV), headers={"Content-Encoding": "gzip"}),
    "gzip-truncated": E(gz(env(HDR, EVENT_ITEM, EV))[:-12], headers={"Content-Encoding": "gzip"}),
    "gzip-corrupt-crc": E(gz(env(HDR, EVENT_ITEM, EV))[:-8] + b"\0\0\0\0" + gz(b"x")[-4:],
                          headers={"Content-Encoding": "gzip"}),
    "deflate-garbage": E(b"\x78\x9c" + bytes(range(200)), headers={"Content-Encoding": "deflate"}),
    "zstd-garbage": E(b"\x28\xb5\x2f\xfd" + bytes(range(200)), headers={"Content-Encoding": "zstd"}),
    "br-garbage": E(bytes(range(255, 0, -1)), headers={"Content-Encoding": "br"}),
    "unknown-encoding": E(env(HDR, EVENT_ITEM, EV), headers={"Content-Encoding": "compress"}),
    "double-gzip-as-single": E(gz(gz(env(HDR, EVENT_ITEM, EV))), headers={"Content-Encoding": "gzip"}),
    "gzip-bomb-64mib-store": E(gz(b"\0" * (64 << 20)), path="store", headers={"Content-Encoding": "gzip"}),
    "deflate-bomb-event": E(zlib.compress(env(HDR, EVENT_ITEM, b'{"message":"' + b"a" * (8 << 20) + b'"}')),
                            headers={"Content-Encoding": "deflate"}),
    # --- routing, methods, auth ---
    "project-id-not-number": E(env(HDR, EVENT_ITEM, EV), path="/api/abc/envelope/"),
    "project-id-overflow": E(env(HDR, EVENT_ITEM, EV), path="/api/99999999999999999999999999/envelope/"),
    "unknown-endpoint": E(env(HDR, EVENT_ITEM, EV), path="nothing"),
    "get-envelope": ("app", "GET", "envelope", "", None, None),
    "put-store": ("app", "PUT", "store", "", None, b"{}"),
    "auth-no-key": E(env(HDR, EVENT_ITEM, EV), headers={"X-Sentry-Auth": "Sentry sentry_version=7"}),
    "auth-garbage": E(env(HDR, EVENT_ITEM, EV), headers={"X-Sentry-Auth": "\x01\x02 ,,,=,=="}),
    "auth-sql-injection": E(env(HDR, EVENT_ITEM, EV),
                            headers={"X-Sentry-Auth": "Sentry sentry_key=' OR 1=1; DROP TABLE events;--"}),
    "auth-version-garbage": E(env(HDR, EVENT_ITEM, EV),
                              headers={"X-Sentry-Auth": "Sentry sentry_version=abc, sentry_key=KEY"}),
    "auth-huge-header": E(env(HDR, EVENT_ITEM, EV),
                          headers={"X-Sentry-Auth": "Sentry sentry_key=" + "k" * 8000}),
    "query-key-bad-percent": E(env(HDR, EVENT_ITEM, EV), headers={}, query="?sentry_key=%zz%00"),
    "query-two-different-keys": E(env(HDR, EVENT_ITEM, EV), headers={}, query="?sentry_key=KEY&sentry_key=0123456789abcdef0123456789abcdef"),
    "dsn-header-garbage": E(env({"dsn": "not a dsn at all"}, EVENT_ITEM, EV), headers={}),
    "dsn-header-number": E(env({"dsn": 7}, EVENT_ITEM, EV), headers={}),
    # --- JSON API ---
    "api-no-token": A("GET", "/api/0/projects/", token=False),
    "api-bearer-empty": A("GET", "/api/0/projects/", token=False, headers={"Authorization": "Bearer "}),
    "api-basic-auth": A("GET", "/api/0/projects/", token=False, headers={"Authorization": "Basic Zm9vOmJhcg=="}),
    "api-bad-limit": A("GET", "/api/0/projects/{pid}/issues/?limit=abc"),
    "api-negative-limit": A("GET", "/api/0/projects/{pid}/issues/?limit=-5"),
    "api-bad-cursor": A("GET", "/api/0/projects/{pid}/issues/?cursor=%%%garbage"),
    "api-bad-sort": A("GET", "/api/0/projects/{pid}/issues/?sort=bogus"),
    "api-put-deep-json": A("PUT", "/api/0/issues/1/", body=b'{"status":' + b"[" * DEEP + b"]" * DEEP + b"}"),
    "api-put-invalid-utf8": A("PUT", "/api/0/issues/1/", body=b'{"status":"\xff\xfe"}'),
    "api-unknown-path": A("GET", "/api/0/nothing-here/"),
    # --- below HTTP: the HTTP library answers (status only) ---
    "HTTP-10mb-header": RAW(b"POST /api/{pid}/envelope/ HTTP/1.1\r\nHost: x\r\nX-Big: "
                            + b"h" * (10 << 20) + b"\r\nContent-Length: 0\r\n\r\n"),
    "HTTP-10mb-many-headers": RAW(b"GET /api/0/projects/ HTTP/1.1\r\nHost: x\r\n"
                                  + b"X-Pad: 0123456789012345678901234567890123456789\r\n" * 200_000 + b"\r\n"),
    "HTTP-garbage-request-line": RAW(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello?\r\n\r\n"),
    "HTTP-bad-content-length": RAW(b"POST /api/{pid}/envelope/ HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
    "HTTP-bad-chunk-size": RAW(b"POST /api/{pid}/envelope/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                               b"\r\nzz\r\nhello\r\n0\r\n\r\n"),
    "HTTP-no-host": RAW(b"GET /api/0/projects/ HTTP/1.1\r\n\r\n"),
    "HTTP-1mb-url": RAW(b"POST /api/{pid}/envelope/?sentry_key=" + b"k" * (1 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
}


def _send(server, p, case):
    kind = case[0]
    if kind == "app":
        _, method, path, query, headers, body = case
        h = {"X-Sentry-Auth": p.auth_header(), "Content-Type": "application/x-sentry-envelope"}
        if headers is not None:
            h = {k: v for k, v in h.items() if k != "X-Sentry-Auth"} if headers == {} else h
            h.update({k: v.replace("KEY", p.key) for k, v in headers.items()})
        url = server.url(path if path.startswith("/") else f"/api/{p.id}/{path}/") + query.replace("KEY", p.key)
        return requests.request(method, url, data=body, headers=h, timeout=60)
    if kind == "api":
        _, method, path, token, headers, body = case
        return server.api(method, path.replace("{pid}", p.id), token=token, headers=headers, data=body)
    data = case[1].replace(b"{pid}", p.id.encode())
    return harness.raw_request(server.port, data, timeout=60)


@pytest.mark.parametrize("name", list(CASES))
def test_hostile(server, project, name):
    r = _send(server, project, CASES[name])
    if name.startswith("HTTP-"):
        assert r is not None and 400 <= r.status_code < 500, \
            f"expected a 4xx, got {r and r.status_code}: {r and r.text[:300]}"
    else:
        assert 400 <= r.status_code < 500, f"expected a 4xx, got {r.status_code}: {r.text[:300]}"
        harness.assert_json_detail(r)
    # the server still answers, and still ingests
    ev = harness.make_event("AfterHostile", name)
    ok, _ = project.send_event(ev)
    assert ok.status_code == 200, ok.text


def test_case_count():
    assert len(CASES) >= 50


def test_hostile_leaves_no_events(server, project):
    """None of the refused requests produced an event (the template ids never appear)."""
    server.wait_drained()
    for eid in ("a" * 32, "b" * 32, "c" * 32, "d" * 32, "e" * 32):
        assert project.get_event(eid) is None, eid


def test_truncated_upload_then_alive(server, project):
    """A client that promises 100000 bytes, sends 100 and hangs up leaves no trace."""
    import socket
    s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    s.sendall(harness.http_head("POST", f"/api/{project.id}/envelope/", {
        "X-Sentry-Auth": project.auth_header(), "Content-Length": "100000"}) + b"{" * 100)
    s.close()
    ok, _ = project.send_event(harness.make_event("AfterTruncated", "x"))
    assert ok.status_code == 200


def test_slow_clients_do_not_block_others(server, project):
    """300 connections that send half a request header and stall (slowloris) do not stop a
    normal client from being served."""
    import socket
    import time
    idle = []
    try:
        for _ in range(300):
            c = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            c.sendall(b"POST /api/" + project.id.encode() + b"/envelope/ HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            idle.append(c)
        t0 = time.monotonic()
        ev = harness.make_event("BesideSlowClients", "still served")
        ok, _ = project.send_event(ev, timeout=10)
        assert ok.status_code == 200
        assert time.monotonic() - t0 < 5 * harness.SLOW
        project.wait_event(ev["event_id"])
    finally:
        for c in idle:
            c.close()
