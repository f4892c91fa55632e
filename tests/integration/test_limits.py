"""Size limits (Relay's defaults, configurable) and decompression bombs: 413 with a detail, fast."""

import functools
import json
import struct
import time
import zlib

import brotli
import pytest
import zstandard

import harness

MiB = 1 << 20


def _event_of_size(size):
    ev = harness.make_event("SizeError", f"about {size} bytes")
    ev["extra"] = {"blob": ""}
    ev["extra"]["blob"] = "y" * (size - len(json.dumps(ev)))
    return ev


def test_event_just_under_limit_accepted(project):
    ev = _event_of_size(MiB - 4096)
    r, _ = project.send_event(ev)
    assert r.status_code == 200, r.text
    project.wait_event(ev["event_id"])


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_event_over_1mib_413(project, encoding):
    ev = _event_of_size(MiB + 4096)
    body = harness.envelope_for(ev)
    headers = {}
    if encoding == "gzip":                   # small on the wire, too big once decoded
        body = harness.gzip_bytes(body)
        headers["Content-Encoding"] = "gzip"
    r = project.send_envelope(body, headers=headers)
    harness.assert_detail(r, 413)
    assert project.get_event(ev["event_id"]) is None


def test_store_event_over_1mib_413(project):
    ev = _event_of_size(MiB + 4096)
    r = project.send_store(ev)
    harness.assert_detail(r, 413)


def test_request_over_20mib_413_before_body(project, server):
    """Content-Length over the compressed-request cap is refused without reading the body."""
    size = 21 * MiB
    head = harness.http_head("POST", f"/api/{project.id}/envelope/", {
        "X-Sentry-Auth": project.auth_header(), "Content-Length": str(size),
        "Content-Type": "application/x-sentry-envelope"})
    t0 = time.monotonic()
    r = harness.raw_request(server.port, head, (b"z" * 65536 for _ in range(size // 65536)))
    assert r is not None, "connection closed without an answer"
    harness.assert_detail(r, 413)
    assert time.monotonic() - t0 < 10 * harness.SLOW


def test_chunked_request_over_max_413(make_server):
    srv = make_server(args=["--max-request-size", "100000"])
    p = srv.projects["p"]
    head = harness.http_head("POST", f"/api/{p.id}/envelope/", {
        "X-Sentry-Auth": p.auth_header(), "Transfer-Encoding": "chunked"})
    chunk = b"%x\r\n%s\r\n" % (10000, b"c" * 10000)
    r = harness.raw_request(srv.port, head, [chunk] * 30 + [b"0\r\n\r\n"])
    assert r is not None
    harness.assert_detail(r, 413)
    # a small request still passes on the same server
    ev = harness.make_event()
    r, _ = p.send_event(ev)
    assert r.status_code == 200, r.text


def test_limits_from_env_and_flag(make_server):
    by_env = make_server(env={"FAULTLINE_MAX_EVENT_SIZE": "20000"}, name="env")
    by_flag = make_server(args=["--max-event-size", "20000"], name="flag")
    for srv in (by_env, by_flag):
        p = srv.projects["p"]
        r, _ = p.send_event(_event_of_size(30000))
        harness.assert_detail(r, 413)
        r, _ = p.send_event(_event_of_size(10000))
        assert r.status_code == 200, r.text


def test_decompressed_cap_configurable(make_server):
    """A body that decompresses past --max-decompressed-size is 413 even for non-event items."""
    srv = make_server(args=["--max-decompressed-size", "200000"])
    p = srv.projects["p"]
    body = harness.envelope({}, [({"type": "attachment"}, b"\0" * 400000, True)])
    r = p.send_envelope(harness.gzip_bytes(body), headers={"Content-Encoding": "gzip"})
    harness.assert_detail(r, 413)
    body = harness.envelope({}, [({"type": "attachment"}, b"\0" * 100000, True)])
    r = p.send_envelope(harness.gzip_bytes(body), headers={"Content-Encoding": "gzip"})
    assert r.status_code == 200, r.text


_RAW = {}


def _raw_deflate_zeros(total):
    """Raw deflate of `total` zero bytes, computed once; gzip and zlib bombs wrap the same data."""
    if total not in _RAW:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        z = b"\0" * MiB
        _RAW[total] = b"".join([c.compress(z) for _ in range(total // MiB)] + [c.flush()])
    return _RAW[total]


@functools.lru_cache(maxsize=None)
def _checksums_of_zeros(total):
    crc, adler, z = 0, 1, b"\0" * MiB
    for _ in range(total // MiB):
        crc, adler = zlib.crc32(z, crc), zlib.adler32(z, adler)
    return crc, adler


def _bomb(kind, total=1 << 30):
    z = b"\0" * MiB
    if kind in ("gzip", "deflate"):
        raw = _raw_deflate_zeros(total)
        crc, adler = _checksums_of_zeros(total)
        if kind == "gzip":    # RFC 1952 header, raw deflate, CRC-32 and size trailer
            return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + raw
                    + struct.pack("<II", crc, total & 0xFFFFFFFF))
        return b"\x78\xda" + raw + struct.pack(">I", adler)   # RFC 1950 (zlib)
    if kind == "zstd":
        c = zstandard.ZstdCompressor(level=3).compressobj()
        return b"".join([c.compress(z) for _ in range(total // MiB)] + [c.flush()])
    if kind == "br":
        c = brotli.Compressor(quality=5)
        return b"".join([c.process(z) for _ in range(total // MiB)] + [c.finish()])
    raise ValueError(kind)


def test_bomb_builders_are_real():
    """The wrapped bombs are valid streams: the first MiB decodes to zeros."""
    small = 4 * MiB
    for kind, wbits in (("gzip", 31), ("deflate", 15)):
        d = zlib.decompressobj(wbits)
        assert d.decompress(_bomb(kind, small), MiB) == b"\0" * MiB
    assert zlib.decompress(_bomb("deflate", small)) == b"\0" * small
    assert zlib.decompress(_bomb("gzip", small), 31) == b"\0" * small


@pytest.fixture(scope="module")
def bombs():
    return {}


@pytest.mark.parametrize("kind", ["gzip", "deflate", "zstd", "br"])
@pytest.mark.parametrize("endpoint", ["envelope", "store"])
def test_zip_bomb_1gb_413_fast(project, server, bombs, kind, endpoint):
    """1 GiB of zeros, compressed: refused at the cap with 413, quickly, and the server lives."""
    if kind not in bombs:
        bombs[kind] = _bomb(kind)
    t0 = time.monotonic()
    send = project.send_envelope if endpoint == "envelope" else project.send_store
    r = send(bombs[kind], headers={"Content-Encoding": kind})
    elapsed = time.monotonic() - t0
    harness.assert_detail(r, 413)
    assert elapsed < 5 * harness.SLOW, f"took {elapsed:.1f}s to refuse a bomb"
    r, _ = project.send_event(harness.make_event())
    assert r.status_code == 200


def test_legacy_base64_zlib_bomb(project):
    import base64
    body = base64.b64encode(_bomb("deflate"))
    t0 = time.monotonic()
    r = project.send_store(body)
    harness.assert_detail(r, 413)
    assert time.monotonic() - t0 < 5 * harness.SLOW
