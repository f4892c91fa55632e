"""npm @sentry/node and @sentry/cli, unchanged, against a running faultline serve.

They are installed by `npm ci` in tests/integration (the README test command and .ci/run do that)."""

import json
import os
import shutil
import subprocess
import uuid

import pytest

import harness


HERE = os.path.dirname(__file__)
NODE_MODULES = os.path.join(HERE, "node_modules")
SENTRY_CLI = os.path.join(NODE_MODULES, ".bin", "sentry-cli")


@pytest.fixture(scope="module", autouse=True)
def _npm_deps():
    if not os.path.isdir(os.path.join(NODE_MODULES, "@sentry", "node")) or not os.access(SENTRY_CLI, os.X_OK):
        pytest.fail("npm dependencies missing: run `npm ci` in tests/integration", pytrace=False)
    if not shutil.which("node"):
        pytest.fail("node is not installed", pytrace=False)


def _frames(exc):
    return [(f.get("function"), f.get("filename"), f.get("lineno"), f.get("colno"))
            for f in exc["stacktrace"]["frames"]]


def test_node_capture_and_unhandled_rejection(project, server, tmp_path):
    sent_path = tmp_path / "sent.jsonl"
    p = subprocess.run(["node", os.path.join(HERE, "js", "capture.js"), project.dsn, str(sent_path)],
                       capture_output=True, text=True, timeout=90)
    assert p.returncode == 0, p.stdout + p.stderr
    sent = [json.loads(line) for line in sent_path.read_text().splitlines()]
    by_type = {e["exception"]["values"][-1]["type"]: e for e in sent}
    assert set(by_type) == {"TypeError", "RangeError"}, list(by_type)
    assert by_type["RangeError"]["exception"]["values"][-1]["mechanism"]["type"] == "onunhandledrejection"

    for typ, want in by_type.items():
        ev = project.wait_event(want["event_id"])
        got = ev["payload"]["exception"]["values"]
        w = want["exception"]["values"]
        assert [v["type"] for v in got] == [v["type"] for v in w]
        assert [v["value"] for v in got] == [v["value"] for v in w]
        for g, ww in zip(got, w):
            assert _frames(g) == _frames(ww)
        assert ev["platform"] == "node"
        fns = [f.get("function") for f in got[-1]["stacktrace"]["frames"]]
        assert ("parseConfig" if typ == "TypeError" else "fetchQuota") in fns
        issue = server.api("GET", f"/api/0/issues/{ev['groupID']}/").json()
        assert issue["title"].startswith(typ), issue["title"]


def _cli_event():
    return {
        "event_id": uuid.uuid4().hex, "platform": "java", "level": "warning",
        "exception": {"values": [{
            "type": "java.lang.IllegalStateException", "value": "pool closed after 3 retries",
            "module": "java.lang",
            "stacktrace": {"frames": [
                {"function": "main", "module": "com.example.App", "filename": "App.java",
                 "lineno": 12, "in_app": True},
                {"function": "acquire", "module": "com.example.Pool", "filename": "Pool.java",
                 "lineno": 88, "in_app": True}]}}]},
    }


@pytest.mark.parametrize("raw", [False, True], ids=["parsed", "raw"])
def test_sentry_cli_send_event(project, tmp_path, raw):
    event = _cli_event()
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event, indent=1))   # --raw sends it as is, newlines included
    env = dict(os.environ, SENTRY_DSN=project.dsn)
    p = subprocess.run([SENTRY_CLI, "send-event", *(["--raw"] if raw else []), str(path)],
                       capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    assert str(uuid.UUID(event["event_id"])) in p.stdout + p.stderr
    ev = project.wait_event(event["event_id"])
    got = ev["payload"]["exception"]["values"][0]
    want = event["exception"]["values"][0]
    assert got["type"] == want["type"] and got["value"] == want["value"]
    assert [(f["function"], f["filename"], f["lineno"]) for f in got["stacktrace"]["frames"]] == \
        [(f["function"], f["filename"], f["lineno"]) for f in want["stacktrace"]["frames"]]
    assert ev["payload"].get("level") == "warning"


def test_sentry_cli_message(project, server):
    """send-event -m: a message event (no exception) is stored and titled by its message."""
    env = dict(os.environ, SENTRY_DSN=project.dsn)
    msg = f"deploy finished {uuid.uuid4().hex[:8]}"
    p = subprocess.run([SENTRY_CLI, "send-event", "-m", msg], capture_output=True, text=True,
                       timeout=60, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    hexes = [w for w in (p.stdout + p.stderr).replace(":", " ").split() if len(w.replace("-", "")) == 32]
    assert hexes, p.stdout + p.stderr
    event_id = uuid.UUID(hexes[-1]).hex
    ev = project.wait_event(event_id)
    issue = server.api("GET", f"/api/0/issues/{ev['groupID']}/").json()
    assert msg in issue["title"]


def test_sentry_cli_send_envelope(project, tmp_path):
    """`sentry-cli send-envelope`: an envelope file with an event and an attachment."""
    event = _cli_event()
    body = harness.envelope({"event_id": event["event_id"]}, [
        ({"type": "event"}, json.dumps(event).encode(), True),
        ({"type": "attachment", "filename": "notes.txt"}, b"first line\nsecond line\n", True)])
    path = tmp_path / "event.envelope"
    path.write_bytes(body)
    env = dict(os.environ, SENTRY_DSN=project.dsn)
    p = subprocess.run([SENTRY_CLI, "send-envelope", str(path)], capture_output=True, text=True,
                       timeout=60, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    ev = project.wait_event(event["event_id"])
    assert ev["payload"]["exception"] == event["exception"]
