"""Every auth form Relay accepts, and the refusals (none, several, wrong key, another project's key)."""

import base64
import json

import pytest
import requests

import harness

# Relay's statuses: missing auth 401, several auth forms (a bad request) 400,
# a key that is unknown or belongs to another project: the event is rejected, 403.
MISSING, MULTIPLE, REJECTED = 401, 400, 403


def _post(project, path_query="", headers=None, body=None, event=None):
    event = event or harness.make_event("AuthError", "auth form test")
    body = body if body is not None else harness.envelope_for(event)
    url = project.envelope_url() + path_query
    r = requests.post(url, data=body, timeout=10, headers=headers or {})
    return r, event


def _accepted(project, r, event):
    assert r.status_code == 200, r.text
    assert r.json()["id"] == event["event_id"]
    project.wait_event(event["event_id"])


def test_x_sentry_auth(project):
    r, ev = _post(project, headers={"X-Sentry-Auth": project.auth_header()})
    _accepted(project, r, ev)


def test_x_sentry_auth_with_secret_and_spacing(project):
    hdr = (f"Sentry sentry_key={project.key},sentry_secret=deadbeef ,sentry_version=7,"
           " sentry_client=raven-python/6.10.0, sentry_timestamp=1700000000")
    r, ev = _post(project, headers={"X-Sentry-Auth": hdr})
    _accepted(project, r, ev)


def test_authorization_sentry(project):
    r, ev = _post(project, headers={"Authorization": project.auth_header()})
    _accepted(project, r, ev)


def test_query_sentry_key(project):
    r, ev = _post(project, f"?sentry_key={project.key}&sentry_version=7&sentry_client=test%2F1")
    _accepted(project, r, ev)


def test_envelope_header_dsn(project):
    ev = harness.make_event("AuthError", "dsn in envelope header")
    body = harness.envelope_for(ev, header_extra={"dsn": project.dsn})
    r, _ = _post(project, body=body, event=ev)
    _accepted(project, r, ev)


def test_store_query_key(project):
    ev = harness.make_event("AuthError", "store with query key")
    r = requests.post(project.store_url(sentry_key=project.key, sentry_version=7),
                      data=json.dumps(ev), timeout=10)
    _accepted(project, r, ev)


def test_project_slug_is_not_a_key(project):
    """The DSN path names the project id; an envelope to another id with this key is refused."""
    r = requests.post(project.server.url("/api/999999/envelope/"), data=harness.envelope_for(
        harness.make_event()), headers={"X-Sentry-Auth": project.auth_header()}, timeout=10)
    assert 400 <= r.status_code < 500
    harness.assert_json_detail(r)


def test_no_auth(project):
    r, _ = _post(project)
    harness.assert_detail(r, MISSING)
    assert r.headers.get("X-Sentry-Error"), r.headers


def test_several_auth_forms(project):
    r, _ = _post(project, f"?sentry_key={project.key}", headers={"X-Sentry-Auth": project.auth_header()})
    harness.assert_detail(r, MULTIPLE)


def test_header_and_authorization(project):
    r, _ = _post(project, headers={"X-Sentry-Auth": project.auth_header(),
                                   "Authorization": project.auth_header()})
    harness.assert_detail(r, MULTIPLE)


def test_header_and_envelope_dsn(project):
    """The envelope dsn is an auth form of its own (reference/sentry.md 3.1): with a header too,
    that is several forms, refused even when both name the same key."""
    ev = harness.make_event()
    body = harness.envelope_for(ev, header_extra={"dsn": project.dsn})
    r, _ = _post(project, headers={"X-Sentry-Auth": project.auth_header()}, body=body, event=ev)
    harness.assert_detail(r, MULTIPLE)


def test_header_and_conflicting_envelope_dsn(project, other_project):
    ev = harness.make_event()
    body = harness.envelope_for(ev, header_extra={"dsn": other_project.dsn})
    r, _ = _post(project, headers={"X-Sentry-Auth": project.auth_header()}, body=body, event=ev)
    assert r.status_code in (MULTIPLE, REJECTED), r.text
    harness.assert_json_detail(r)
    assert project.get_event(ev["event_id"]) is None


@pytest.mark.parametrize("key", ["0" * 32, "f" * 32, "notakey", ""])
def test_wrong_key(project, key):
    r, ev = _post(project, headers={"X-Sentry-Auth": f"Sentry sentry_version=7, sentry_key={key}"})
    assert r.status_code in ((REJECTED,) if key else (MISSING, REJECTED, 400)), r.text
    harness.assert_json_detail(r)
    assert project.get_event(ev["event_id"]) is None


def test_key_of_another_project(project, other_project):
    r, ev = _post(project, headers={"X-Sentry-Auth": other_project.auth_header()})
    harness.assert_detail(r, REJECTED)
    assert project.get_event(ev["event_id"]) is None
    assert other_project.get_event(ev["event_id"]) is None


def test_envelope_dsn_of_another_project(project, other_project):
    ev = harness.make_event()
    body = harness.envelope_for(ev, header_extra={"dsn": other_project.dsn})
    r, _ = _post(project, body=body, event=ev)
    harness.assert_detail(r, REJECTED)


def test_unsupported_protocol_version(project):
    r, _ = _post(project, headers={"X-Sentry-Auth": f"Sentry sentry_version=9, sentry_key={project.key}"})
    assert 400 <= r.status_code < 500
    harness.assert_json_detail(r)


def test_authorization_basic(project):
    """Relay also accepts Authorization: Basic base64(key:) (reference/sentry.md 3.1)."""
    cred = base64.b64encode(f"{project.key}:".encode()).decode()
    r, ev = _post(project, headers={"Authorization": f"Basic {cred}"})
    _accepted(project, r, ev)
