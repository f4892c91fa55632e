"""The command-line contract of docs/api.md: serve, project create/list, token create, --help."""

import concurrent.futures
import json
import re
import subprocess

import pytest
import requests

import harness


@pytest.mark.parametrize("argv", [["--help"], ["serve", "--help"], ["project", "--help"],
                                  ["token", "--help"]])
def test_help(argv):
    p = subprocess.run([harness.BIN, *argv], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert "usage" in (p.stdout + p.stderr).lower()


def test_serve_help_documents_settings():
    out = subprocess.run([harness.BIN, "serve", "--help"], capture_output=True, text=True,
                         timeout=30).stdout
    for word in ("--listen", "--data", "FAULTLINE_LISTEN", "FAULTLINE_DATA", "--max-event-size",
                 "--max-request-size", "--max-decompressed-size", "--inbox-max", "--http-threads",
                 "FAULTLINE_HTTP_THREADS"):
        assert word in out, f"serve --help does not mention {word}"


def test_http_threads_setting(make_server):
    """One polling thread serves many connections (requests wait for commits suspended, not in
    the thread); a bad count is refused at start."""
    p = subprocess.run([harness.BIN, "serve", "--http-threads", "0"], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 2 and "--http-threads" in p.stderr, p.stderr
    srv = make_server(args=("--http-threads", "1"))
    proj = srv.projects["p"]
    events = [harness.make_event("OneThread", f"event {i}") for i in range(24)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda ev: proj.send_event(ev)[0].status_code, events))
    assert codes == [200] * len(events)
    for ev in events:
        assert proj.wait_event(ev["event_id"])["eventID"] == ev["event_id"]


def test_project_create_prints_dsn_last(make_server):
    srv = make_server(projects=(), start=False)
    p = srv.cli("project", "create", "web-frontend")
    last = p.stdout.strip().splitlines()[-1]
    key, pid, _ = harness.parse_dsn(last)
    assert re.fullmatch(r"[0-9a-f]{32}", key), key
    p2 = srv.create_project("backend")
    assert p2.key != key and p2.id != pid


def test_project_list_format(make_server):
    srv = make_server(projects=("alpha", "beta"), start=False)
    lines = srv.cli("project", "list").stdout.strip().splitlines()
    rows = [ln.split("\t") for ln in lines]
    by_name = {r[1]: r for r in rows if len(r) == 3}
    for name in ("alpha", "beta"):
        assert name in by_name, f"{name} missing from project list: {lines}"
        pid, _, dsn = by_name[name]
        assert pid == srv.projects[name].id
        assert harness.parse_dsn(dsn)[0] == srv.projects[name].key


def test_token_create_distinct(make_server):
    srv = make_server(projects=(), start=False)
    a, b = srv.create_token(), srv.create_token()
    assert a and b and a != b and len(a) >= 20


def test_unknown_subcommand_and_missing_value_fail():
    p = subprocess.run([harness.BIN, "no-such-command"], capture_output=True, timeout=30)
    assert p.returncode != 0
    p = subprocess.run([harness.BIN, "serve", "--listen"], capture_output=True, timeout=30)
    assert p.returncode != 0


def test_serve_creates_default_project_and_prints_dsn(make_server):
    srv = make_server(projects=())
    dsn_lines = harness.wait_for(
        lambda: [ln for ln in (srv.stdout_text() + srv.log_text()).splitlines()
                 if ln.startswith("DSN: ")], 10, what="a 'DSN: ' line from serve")
    key, pid, base = harness.parse_dsn(dsn_lines[0][len("DSN: "):])
    assert base == f"http://127.0.0.1:{srv.port}"
    projects = srv.api("GET", "/api/0/projects/").json()
    assert [p["slug"] for p in projects if p["id"] == pid] == ["default"]
    # the printed DSN really ingests
    proj = harness.Project(srv, "default", dsn_lines[0][len("DSN: "):])
    r, eid = proj.send_event(harness.make_event())
    assert r.status_code == 200, r.text
    proj.wait_event(eid)


def test_env_settings(make_server):
    """FAULTLINE_LISTEN / FAULTLINE_DATA are honoured when no flag is given."""
    srv = make_server(projects=("p",), start=False)
    srv.log = open(srv.log_path, "ab")
    srv.proc = subprocess.Popen([harness.BIN, "serve"], env=srv.env(), stdout=subprocess.DEVNULL,
                                preexec_fn=harness._die_with_parent,
                                stderr=srv.log)
    srv.wait_ready()
    r = srv.api("GET", "/api/0/projects/")
    assert r.status_code == 200 and "p" in [p["slug"] for p in r.json()]


def test_project_created_while_serving_ingests(make_server):
    srv = make_server(projects=("first",))
    late = srv.create_project("late")
    r, eid = late.send_event(harness.make_event())
    assert r.status_code == 200, r.text
    late.wait_event(eid)
    slugs = [p["slug"] for p in srv.api("GET", "/api/0/projects/").json()]
    assert "late" in slugs


def test_restart_keeps_data(make_server):
    srv = make_server()
    p = srv.projects["p"]
    r, eid = p.send_event(harness.make_event())
    assert r.status_code == 200
    p.wait_event(eid)
    assert srv.stop() == 0
    srv.start()
    assert p.get_event(eid) is not None
    assert requests.get(srv.url("/api/0/projects/"),
                        headers={"Authorization": f"Bearer {srv.token}"}, timeout=10).status_code == 200


def test_embed_precision():
    """`faultline embed --precision`: fp32 and the default (bf16 where the CPU has it) give unit
    vectors that agree (cosine >= 0.9999, the encoder's accuracy gate); a bad value is refused."""
    text = "KeyError: 'user_id'\n  File \"app/views.py\", line 42, in get_user"
    vecs = {}
    for prec in ("fp32", "auto"):
        p = subprocess.run([harness.BIN, "embed", "--precision", prec, text], capture_output=True, text=True,
                           timeout=60)
        assert p.returncode == 0, p.stderr
        vecs[prec] = json.loads(p.stdout.splitlines()[0])["vector"]
        assert abs(sum(x * x for x in vecs[prec]) - 1.0) < 1e-4
    cosine = sum(a * b for a, b in zip(vecs["fp32"], vecs["auto"]))
    assert cosine >= 0.9999, cosine
    p = subprocess.run([harness.BIN, "embed", "--precision", "fp16", text], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 2 and "--precision" in p.stderr
