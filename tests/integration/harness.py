"""Test harness for the faultline integration tests.

Starts a real `faultline serve` (the binary named by FAULTLINE_BIN) on a free port in a temporary
data directory, creates API tokens and projects through the real command line, and offers small
helpers to build Sentry envelopes, send them, and poll the JSON API until the digest worker has
grouped an event.  Nothing here fakes the server: every helper talks HTTP to the real process.
"""

import gzip
import itertools
import json
import os
import re
import select
import signal
import socket
import subprocess
import time
import uuid
from urllib.parse import urlsplit

import requests

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("FAULTLINE_BIN") or os.path.join(REPO, "build", "faultline")

# The sanitizer builds (make test-asan) are several times slower: scale every wait.
SLOW = 3.0 if "build-asan" in BIN else 1.0
DIGEST_TIMEOUT = 30.0 * SLOW       # seconds an accepted event may take to reach the API
START_TIMEOUT = 30.0 * SLOW        # seconds `faultline serve` may take to answer HTTP

# Markers of a sanitizer report in the server's stderr; any of them fails the test that ran it.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "ERROR: UndefinedBehaviorSanitizer", "SUMMARY: AddressSanitizer",
                     "Sanitizer CHECK failed", "LeakSanitizer has encountered a fatal error")

DSN_RE = re.compile(r"^(https?)://([0-9A-Za-z]+)(?::[0-9A-Za-z]+)?@([^/]+)(/.*)?/([0-9]+)$")


class HarnessError(AssertionError):
    pass


def _die_with_parent():
    """Runs in the child before exec: SIGKILL it if the test process dies (no orphan servers
    when pytest is killed by a timeout)."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_port():
    """A TCP port nobody listens on right now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=DIGEST_TIMEOUT, interval=0.05, what="condition"):
    """Poll predicate() until it returns something truthy; return that value or fail."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (requests.RequestException, OSError) as exc:   # server busy or restarting
            last_exc = exc
        if time.monotonic() > deadline:
            raise HarnessError(f"timed out after {timeout:.0f}s waiting for {what}"
                               + (f" (last error: {last_exc})" if last_exc else ""))
        time.sleep(interval)
        interval = min(interval * 1.5, 0.5)


def parse_dsn(dsn):
    """Split a DSN into (public_key, project_id, base_url); fail on anything malformed."""
    m = DSN_RE.match(dsn.strip())
    if not m:
        raise HarnessError(f"not a DSN: {dsn!r}")
    scheme, key, host, path, pid = m.groups()
    return key, pid, f"{scheme}://{host}{path or ''}"


class Project:
    def __init__(self, server, name, dsn_printed):
        self.server = server
        self.name = name
        self.dsn_printed = dsn_printed
        self.key, self.id, _ = parse_dsn(dsn_printed)

    @property
    def dsn(self):
        """The DSN pointing at the running server (the printed one may name another port)."""
        return f"http://{self.key}@127.0.0.1:{self.server.port}/{self.id}"

    def envelope_url(self, **query):
        return self.server.url(f"/api/{self.id}/envelope/", query)

    def store_url(self, **query):
        return self.server.url(f"/api/{self.id}/store/", query)

    def auth_header(self, client="faultline-tests/1.0"):
        return f"Sentry sentry_version=7, sentry_client={client}, sentry_key={self.key}"

    def send_envelope(self, body, headers=None, auth=True, **kw):
        h = {"Content-Type": "application/x-sentry-envelope"}
        if auth:
            h["X-Sentry-Auth"] = self.auth_header()
        h.update(headers or {})
        return requests.post(self.envelope_url(), data=body, headers=h, timeout=kw.pop("timeout", 60), **kw)

    def send_event(self, event, **kw):
        """Send one event in an envelope; return (response, event_id)."""
        return self.send_envelope(envelope_for(event), **kw), event["event_id"]

    def send_store(self, body, headers=None, auth=True, **kw):
        h = {"Content-Type": "application/json"}
        if auth:
            h["X-Sentry-Auth"] = self.auth_header()
        h.update(headers or {})
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        return requests.post(self.store_url(), data=body, headers=h, timeout=kw.pop("timeout", 60), **kw)

    # --- reading back through the JSON API -------------------------------------------------

    def get_event(self, event_id):
        r = self.server.api("GET", f"/api/0/projects/{self.id}/events/{event_id}/")
        return r.json() if r.status_code == 200 else None

    def wait_event(self, event_id, timeout=DIGEST_TIMEOUT):
        """The full stored event, once the digest worker has grouped it."""
        return wait_for(lambda: self.get_event(event_id), timeout,
                        what=f"event {event_id} in project {self.id}")

    def run_sdk(self, cmd, expect=None, timeout=90):
        """Run an SDK program (cmd: argv; it prints one event id per line) and return the stored
        events, in the order printed. expect: the number of events it must report."""
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout * SLOW,
                           cwd=os.path.dirname(os.path.abspath(__file__)))
        assert p.returncode == 0, p.stderr
        ids = [line.strip().replace("-", "") for line in p.stdout.split() if line.strip()]
        assert expect is None or len(ids) == expect, p.stdout
        return [self.wait_event(eid) for eid in ids]

    def issues(self, **params):
        r = self.server.api("GET", f"/api/0/projects/{self.id}/issues/", params=params)
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()


class Server:
    """One `faultline serve` process with its own data directory."""

    def __init__(self, workdir, args=(), env=None, name="server"):
        self.workdir = str(workdir)
        self.data = os.path.join(self.workdir, "data")
        self.args = list(args)
        self.extra_env = dict(env or {})
        self.port = free_port()
        self.proc = None
        self.log_path = os.path.join(self.workdir, f"{name}.log")
        self.out_path = os.path.join(self.workdir, f"{name}.out")
        self.token = None
        self.starts = 0
        self.sanitizer_reports = []
        os.makedirs(self.data, exist_ok=True)

    # --- command line ---------------------------------------------------------------------

    def env(self):
        e = dict(os.environ)
        e["FAULTLINE_DATA"] = self.data
        e["FAULTLINE_LISTEN"] = f"127.0.0.1:{self.port}"
        e.update(self.extra_env)
        return e

    def cli(self, *args, check=True, timeout=60):
        """Run `faultline ARGS --data DIR`; return the CompletedProcess."""
        p = subprocess.run([BIN, *args, "--data", self.data], env=self.env(), capture_output=True,
                           text=True, timeout=timeout * SLOW)
        self._scan_sanitizer(p.stderr, f"faultline {' '.join(args)}")
        if check and p.returncode != 0:
            raise HarnessError(f"faultline {' '.join(args)} exited {p.returncode}:\n"
                               f"{p.stdout}\n{p.stderr}")
        return p

    def create_token(self):
        out = self.cli("token", "create").stdout.strip().splitlines()
        if not out:
            raise HarnessError("`faultline token create` printed nothing")
        return out[-1].strip()

    def create_project(self, name):
        out = self.cli("project", "create", name).stdout.strip().splitlines()
        if not out:
            raise HarnessError(f"`faultline project create {name}` printed nothing")
        return Project(self, name, out[-1].strip())

    # --- process ------------------------------------------------------------------------------

    def url(self, path, query=None):
        u = f"http://127.0.0.1:{self.port}{path}"
        if query:
            u += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return u

    def start(self, wait=True):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        cmd = [BIN, "serve", "--listen", f"127.0.0.1:{self.port}", "--data", self.data, *self.args]
        self.log = open(self.log_path, "ab")
        self.out = open(self.out_path, "ab")
        self.proc = subprocess.Popen(cmd, env=self.env(), stdout=self.out, stderr=self.log,
                                     stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        self.starts += 1
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=START_TIMEOUT):
        def answers():
            if self.proc.poll() is not None:
                raise HarnessError(f"faultline serve exited {self.proc.returncode} before answering:\n"
                                   + self.log_tail())
            try:
                requests.get(self.url("/api/0/projects/"), timeout=2)
                return True
            except requests.ConnectionError:
                return False
        wait_for(answers, timeout, interval=0.02, what="faultline serve to answer HTTP")

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        """SIGKILL: the crash the durability test simulates."""
        if self.running():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)
        self._close_logs()

    def stop(self, timeout=30):
        """SIGTERM and wait; returns the exit status. A hang or sanitizer report fails the test."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._close_logs()
                raise HarnessError("faultline serve did not stop within "
                                   f"{timeout * SLOW:.0f}s of SIGTERM:\n{self.log_tail()}")
        self._close_logs()
        self._scan_sanitizer(self.log_text(), "faultline serve")
        if self.proc.returncode < 0:  # died of a signal (abort, crash): say what it wrote
            raise HarnessError(f"faultline serve died of signal {-self.proc.returncode} while "
                               f"stopping:\n{self.log_tail()}")
        return self.proc.returncode

    def _close_logs(self):
        for f in (getattr(self, "log", None), getattr(self, "out", None)):
            if f and not f.closed:
                f.close()

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stdout_text(self):
        try:
            with open(self.out_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, n=4000):
        return self.log_text()[-n:]

    def _scan_sanitizer(self, text, who):
        if any(m in text for m in SANITIZER_MARKERS):
            self.sanitizer_reports.append(f"{who}:\n{text[-6000:]}")

    # --- JSON API -----------------------------------------------------------------------------

    def api(self, method, path, token=True, **kw):
        headers = dict(kw.pop("headers", {}) or {})
        if token:
            headers["Authorization"] = f"Bearer {self.token if token is True else token}"
        return requests.request(method, self.url(path), headers=headers, timeout=kw.pop("timeout", 30), **kw)

    def api_ok(self, method, path, **kw):
        """An API call that must answer 200: its JSON."""
        r = self.api(method, path, **kw)
        assert r.status_code == 200, f"{method} {path}: {r.status_code} {r.text}"
        return r.json()

    def stats(self):
        r = self.api("GET", "/api/0/stats/")
        return r.json() if r.status_code == 200 else None

    def wait_drained(self, timeout=DIGEST_TIMEOUT):
        """Wait until the inbox is empty (GET /api/0/stats/ says inbox_pending == 0)."""
        return wait_for(lambda: (s := self.stats()) is not None and s.get("inbox_pending") == 0 and s,
                        timeout, what="the digest to drain the inbox")


# --- API paging ----------------------------------------------------------------------------

def issue_event_ids(server, group_id):
    """Every event id of an issue, newest first, following the Link cursors."""
    ids, cursor = [], None
    while True:
        params = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        r = server.api("GET", f"/api/0/issues/{group_id}/events/", params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        ids += [e["eventID"] for e in page]
        cursor = next_cursor(r)
        if not page or not cursor:
            return ids


def next_cursor(r):
    """The next cursor from a Sentry-style Link header (results="true" marks a next page)."""
    for part in r.headers.get("Link", "").split(","):
        if 'rel="next"' in part and 'results="false"' not in part:
            for attr in part.split(";"):
                attr = attr.strip()
                if attr.startswith('cursor="'):
                    return attr[len('cursor="'):-1]
    return None


# --- event and envelope builders --------------------------------------------------------------

def new_event_id():
    return uuid.uuid4().hex


def frame(function, filename, lineno, in_app=True, **extra):
    f = {"function": function, "filename": filename, "abs_path": "/srv/app/" + filename,
         "lineno": lineno, "in_app": in_app}
    f.update(extra)
    return f


def make_event(exc_type="ValueError", value="bad value 42", frames=None, platform="python",
               level="error", event_id=None, **extra):
    """A minimal SDK-shaped error event with one exception and a stack trace."""
    frames = frames if frames is not None else [
        frame("main", "app/main.py", 10),
        frame("handle", "app/handler.py", 22),
        frame("parse", "app/parse.py", 7),
    ]
    ev = {
        "event_id": event_id or new_event_id(),
        "timestamp": time.time(),
        "platform": platform,
        "level": level,
        "sdk": {"name": "faultline.tests", "version": "1.0"},
        "exception": {"values": [{"type": exc_type, "value": value,
                                  "stacktrace": {"frames": frames},
                                  "mechanism": {"type": "generic", "handled": True}}]},
    }
    ev.update(extra)
    return ev


def envelope(header, items, trailing_newline=True):
    """Serialise an envelope. items: (item_header_dict, payload_bytes, with_length)."""
    parts = [json.dumps(header).encode()]
    for ih, payload, with_length in items:
        ih = dict(ih)
        if with_length:
            ih["length"] = len(payload)
        parts.append(json.dumps(ih).encode())
        parts.append(payload)
    body = b"\n".join(parts)
    return body + b"\n" if trailing_newline else body


def envelope_for(event, with_length=True, trailing_newline=True, header_extra=None):
    header = {"event_id": event["event_id"], "sent_at": "2026-01-01T00:00:00Z"}
    header.update(header_extra or {})
    return envelope(header, [({"type": "event", "content_type": "application/json"},
                              json.dumps(event).encode(), with_length)], trailing_newline)


def assert_detail(r, status):
    """Sentry-style refusal: the given status and a JSON body {"detail": "..."}."""
    assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text[:500]}"
    assert_json_detail(r)


def assert_json_detail(r):
    try:
        body = r.json()
    except ValueError:
        raise AssertionError(f"{r.status_code} body is not JSON: {r.text[:300]!r}")
    assert isinstance(body, dict) and isinstance(body.get("detail"), str) and body["detail"], \
        f"no JSON detail in {r.status_code} body: {body!r}"


def gzip_bytes(data):
    return gzip.compress(data, compresslevel=6)


# --- raw HTTP for what `requests` cannot express ----------------------------------------------

class RawResponse:
    def __init__(self, status, headers, body):
        self.status_code = status
        self.headers = headers
        self.content = body
        self.text = body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.content)


def raw_request(port, head, body_chunks=(), timeout=30.0, stop_on_response=True):
    """Send raw bytes (head, then each of body_chunks) and parse the HTTP response.

    While sending, watch for an early answer (a 413 before the body is complete is the point of
    several tests): once the server answers, stop sending and read it. Returns a RawResponse, or
    None if the server closed the connection without a status line.
    """
    deadline = time.monotonic() + timeout
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    head_pieces = [head[i:i + 65536] for i in range(0, len(head), 65536)]
    try:
        for n, chunk in enumerate(itertools.chain(head_pieces, body_chunks)):
            r, _, _ = select.select([s], [], [], 0)
            if r and (stop_on_response or n < len(head_pieces)):
                break
            try:
                s.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            if time.monotonic() > deadline:
                raise HarnessError("raw_request: timed out while sending")
        return _read_response(s, b"", deadline)
    finally:
        s.close()


def _read_response(s, buf, deadline):
    # Read headers, then Content-Length bytes (or until close).
    while b"\r\n\r\n" not in buf:
        chunk = _recv(s, deadline)
        if not chunk:
            if not buf:
                return None
            raise HarnessError(f"connection closed mid-headers: {buf[:200]!r}")
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = requests.structures.CaseInsensitiveDict()
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip()] = v.strip()
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(body) < n:
            chunk = _recv(s, deadline)
            if not chunk:
                break
            body += chunk
        body = body[:n]
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while not body.endswith(b"0\r\n\r\n"):
            chunk = _recv(s, deadline)
            if not chunk:
                break
            body += chunk
        body = _dechunk(body)
    return RawResponse(status, headers, body)


def _recv(s, deadline):
    s.settimeout(max(0.1, deadline - time.monotonic()))
    try:
        return s.recv(65536)
    except ConnectionResetError:
        return b""
    except socket.timeout:
        raise HarnessError("raw_request: timed out waiting for the response")


def _dechunk(data):
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2:]
    return out


def http_head(method, path, headers, host="127.0.0.1"):
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def dsn_host(dsn):
    return urlsplit(dsn).netloc.split("@", 1)[1]
