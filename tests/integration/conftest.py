"""pytest fixtures: real `faultline serve` processes for the integration tests.

server       one shared server for the whole session (token + projects "tests" and "other")
project      the "tests" project of that server; other_project: "other"
make_server  factory for tests that need their own server (special flags, env, kill -9)

After every test the shared server must still be running, and no sanitizer report may have appeared
in any server's stderr (make test-asan runs these same tests against the ASan+UBSan build).
"""

import os
import shutil
import time

import pytest

import harness


def pytest_report_header(config):
    return f"faultline binary: {harness.BIN}"


def _check_binary():
    # On a shared checkout another `make` may be relinking the binary right now: wait a little.
    deadline = time.monotonic() + 60
    while not os.access(harness.BIN, os.X_OK) and time.monotonic() < deadline:
        time.sleep(0.5)
    if not os.access(harness.BIN, os.X_OK):
        pytest.exit(f"FAULTLINE_BIN {harness.BIN} is not an executable; run `make` first", 2)


def _setup(srv, projects):
    srv.token = srv.create_token()
    srv.projects = {name: srv.create_project(name) for name in projects}
    return srv


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    _check_binary()
    srv = _setup(harness.Server(tmp_path_factory.mktemp("shared")), ("tests", "other"))
    srv.start()
    yield srv
    srv.stop()
    assert not srv.sanitizer_reports, "\n\n".join(srv.sanitizer_reports)


@pytest.fixture
def project(server):
    return server.projects["tests"]


@pytest.fixture
def other_project(server):
    return server.projects["other"]


@pytest.fixture(autouse=True)
def _shared_server_alive(request):
    """Fail the test after which the shared server died or reported a sanitizer error."""
    yield
    if "server" not in request.fixturenames:
        return
    srv = request.getfixturevalue("server")
    if not srv.running():
        pytest.fail(f"faultline serve died during this test (exit {srv.proc.returncode}):\n"
                    + srv.log_tail(), pytrace=False)
    srv._scan_sanitizer(srv.log_text(), "faultline serve")
    if srv.sanitizer_reports:
        reports, srv.sanitizer_reports = srv.sanitizer_reports, []
        pytest.fail("sanitizer report from faultline serve:\n" + "\n".join(reports), pytrace=False)


@pytest.fixture
def make_server(tmp_path):
    """make_server(args=(), env=None, projects=("p",), start=True) -> harness.Server."""
    _check_binary()
    made = []

    def make(args=(), env=None, projects=("p",), start=True, name=None):
        d = tmp_path / (name or f"srv{len(made)}")
        d.mkdir()
        srv = _setup(harness.Server(d, args=args, env=env), projects)
        made.append(srv)
        if start:
            srv.start()
        return srv

    yield make
    reports = []
    for srv in made:
        try:
            srv.stop()
        finally:
            reports += srv.sanitizer_reports
    assert not reports, "\n\n".join(reports)
    shutil.rmtree(tmp_path, ignore_errors=True)
