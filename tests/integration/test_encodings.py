"""Content encodings, the legacy store body, chunked requests and CORS, sent with curl and requests."""

import base64
import json
import subprocess
import zlib

import brotli
import pytest
import requests
import zstandard

import harness

ENCODERS = {
    "gzip": harness.gzip_bytes,
    "x-gzip": harness.gzip_bytes,
    "deflate": lambda b: zlib.compress(b),          # HTTP "deflate" is the zlib format
    "br": lambda b: brotli.compress(b),
    "zstd": lambda b: zstandard.ZstdCompressor().compress(b),
    "identity": lambda b: b,
}


def curl_post(url, body_path, headers):
    cmd = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "--data-binary", f"@{body_path}", url]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    p = subprocess.run(cmd, capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    body, _, code = p.stdout.rpartition(b"\n")
    return int(code), body


def _check_roundtrip(project, event, status, body):
    assert status == 200, body[:300]
    assert json.loads(body)["id"] == event["event_id"]
    ev = project.wait_event(event["event_id"])
    assert ev["payload"]["exception"] == event["exception"]


@pytest.mark.parametrize("encoding", list(ENCODERS))
@pytest.mark.parametrize("endpoint", ["envelope", "store"])
def test_curl_content_encoding(project, tmp_path, encoding, endpoint):
    event = harness.make_event("EncodingError", f"sent as {encoding} to {endpoint}")
    raw = harness.envelope_for(event) if endpoint == "envelope" else json.dumps(event).encode()
    path = tmp_path / "body"
    path.write_bytes(ENCODERS[encoding](raw))
    headers = {"X-Sentry-Auth": project.auth_header(),
               "Content-Type": "application/x-sentry-envelope" if endpoint == "envelope"
               else "application/json"}
    if encoding != "identity":
        headers["Content-Encoding"] = encoding
    url = project.envelope_url() if endpoint == "envelope" else project.store_url()
    _check_roundtrip(project, event, *curl_post(url, path, headers))


@pytest.mark.parametrize("endpoint", ["envelope", "store"])
def test_curl_chunked(project, tmp_path, endpoint):
    event = harness.make_event("ChunkedError", f"chunked to {endpoint}", padding="x" * 200_000)
    raw = harness.envelope_for(event) if endpoint == "envelope" else json.dumps(event).encode()
    path = tmp_path / "body"
    path.write_bytes(raw)
    url = project.envelope_url() if endpoint == "envelope" else project.store_url()
    _check_roundtrip(project, event, *curl_post(url, path, {
        "X-Sentry-Auth": project.auth_header(), "Transfer-Encoding": "chunked"}))


def test_chunked_and_gzip_with_requests(project):
    event = harness.make_event("ChunkedGzip", "generator body, gzip")
    data = harness.gzip_bytes(harness.envelope_for(event))

    def pieces():                       # a generator body makes requests send it chunked
        for i in range(0, len(data), 97):
            yield data[i:i + 97]
    r = requests.post(project.envelope_url(), data=pieces(), timeout=30, headers={
        "X-Sentry-Auth": project.auth_header(), "Content-Encoding": "gzip"})
    _check_roundtrip(project, event, r.status_code, r.content)


def test_store_legacy_base64_zlib(project):
    """Old SDKs send base64(zlib(json)) to /store/ without any Content-Encoding."""
    event = harness.make_event("LegacyError", "base64 of zlib")
    body = base64.b64encode(zlib.compress(json.dumps(event).encode()))
    r = project.send_store(body, headers={"Content-Type": "application/octet-stream"})
    _check_roundtrip(project, event, r.status_code, r.content)


@pytest.mark.parametrize("value", ["", "UTF-8"])
def test_ignored_content_encoding_values(project, value):
    event = harness.make_event("IgnoredEncoding", f"Content-Encoding {value!r}")
    r = project.send_store(event, headers={"Content-Encoding": value})
    _check_roundtrip(project, event, r.status_code, r.content)


def test_cors_preflight(project):
    r = requests.options(project.envelope_url(), timeout=10, headers={
        "Origin": "https://app.example.com",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-sentry-auth,content-encoding"})
    assert r.status_code in (200, 204), r.text
    origin = r.headers.get("Access-Control-Allow-Origin")
    assert origin in ("*", "https://app.example.com"), r.headers
    assert "POST" in r.headers.get("Access-Control-Allow-Methods", "").upper()
    allowed = {h.strip().lower() for h in r.headers.get("Access-Control-Allow-Headers", "").split(",")}
    assert {"x-sentry-auth", "content-type", "content-encoding"} <= allowed, allowed


def test_cors_on_post_from_browser(project):
    """A browser SDK posts with text/plain and the key in the query; it must be able to read the answer."""
    event = harness.make_event("BrowserError", "from a browser", platform="javascript")
    r = requests.post(project.envelope_url(sentry_key=project.key, sentry_version=7),
                      data=harness.envelope_for(event), timeout=10,
                      headers={"Origin": "https://app.example.com", "Content-Type": "text/plain;charset=UTF-8"})
    assert r.status_code == 200, r.text
    assert r.headers.get("Access-Control-Allow-Origin") in ("*", "https://app.example.com")
    exposed = {h.strip().lower() for h in r.headers.get("Access-Control-Expose-Headers", "").split(",")}
    assert {"x-sentry-rate-limits", "retry-after"} <= exposed, exposed
    project.wait_event(event["event_id"])
