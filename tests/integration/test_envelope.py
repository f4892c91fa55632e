"""Envelopes parsed to the spec: lengths, newlines, item types, event ids, duplicates."""

import json
import uuid

import pytest

import harness


@pytest.mark.parametrize("with_length", [True, False], ids=["length", "no-length"])
@pytest.mark.parametrize("trailing_newline", [True, False], ids=["newline", "no-newline"])
def test_event_item_framing(project, with_length, trailing_newline):
    ev = harness.make_event("FramingError", f"length={with_length} newline={trailing_newline}")
    r = project.send_envelope(harness.envelope_for(ev, with_length, trailing_newline))
    assert r.status_code == 200, r.text
    assert r.json()["id"] == ev["event_id"]
    got = project.wait_event(ev["event_id"])
    assert got["payload"]["exception"] == ev["exception"]


def test_length_payload_with_newlines(project):
    """A length-prefixed payload may contain newlines (pretty-printed JSON)."""
    ev = harness.make_event("PrettyError", "pretty printed")
    payload = json.dumps(ev, indent=2).encode()
    body = harness.envelope({"event_id": ev["event_id"]}, [
        ({"type": "attachment", "filename": "log.txt"}, b"line1\nline2\n\nline4", True),
        ({"type": "event"}, payload, True),
        ({"type": "client_report"}, b'{"timestamp":1700000000,"discarded_events":[]}', False),
    ])
    r = project.send_envelope(body)
    assert r.status_code == 200, r.text
    assert project.wait_event(ev["event_id"])["payload"]["exception"] == ev["exception"]


def test_header_event_id_wins_and_hyphenated(project):
    ev = harness.make_event("IdError", "header id wins")
    header_id = uuid.uuid4()
    ev["event_id"] = uuid.uuid4().hex           # payload disagrees with the header
    body = harness.envelope({"event_id": str(header_id)}, [({"type": "event"}, json.dumps(ev).encode(), True)])
    r = project.send_envelope(body)
    assert r.status_code == 200, r.text
    assert uuid.UUID(r.json()["id"]) == header_id
    got = project.wait_event(header_id.hex)
    assert got["eventID"] == header_id.hex


def test_event_without_id_gets_one(project):
    ev = harness.make_event("NoIdError", "server assigns the id")
    del ev["event_id"]
    r = project.send_store(ev)
    assert r.status_code == 200, r.text
    eid = r.json()["id"]
    assert len(eid) == 32 and int(eid, 16) >= 0
    project.wait_event(eid)


def test_header_only_envelope(project):
    r = project.send_envelope(json.dumps({"event_id": uuid.uuid4().hex}).encode() + b"\n")
    assert r.status_code == 200, r.text


OTHER_ITEMS = [
    ("transaction", {"type": "transaction", "transaction": "GET /", "start_timestamp": 1700000000.0,
                     "timestamp": 1700000001.0, "contexts": {"trace": {"trace_id": "a" * 32,
                                                                       "span_id": "b" * 16}}, "spans": []}),
    ("session", {"sid": str(uuid.uuid4()), "init": True, "started": "2026-01-01T00:00:00Z",
                 "status": "ok", "attrs": {"release": "app@1"}}),
    ("sessions", {"aggregates": [{"started": "2026-01-01T00:00:00Z", "exited": 3}],
                  "attrs": {"release": "app@1"}}),
    ("client_report", {"timestamp": 1700000000, "discarded_events": [
        {"reason": "queue_overflow", "category": "error", "quantity": 2}]}),
    ("attachment", b"\x00\x01binary attachment\xff\n"),
    ("user_report", {"event_id": "c" * 32, "name": "A", "email": "a@example.com", "comments": "broke"}),
    ("check_in", {"check_in_id": "d" * 32, "monitor_slug": "nightly", "status": "ok"}),
    ("profile", {"version": "1", "platform": "python"}),
    ("replay_event", {"replay_id": "e" * 32, "type": "replay_event"}),
    ("log", {"items": [{"timestamp": 1700000000, "level": "info", "body": "hello"}]}),
    ("statsd", b"counter@none:1|c"),
    ("a_future_item_type", {"whatever": [1, 2, 3]}),
]


@pytest.mark.parametrize("item_type,payload", OTHER_ITEMS, ids=[t for t, _ in OTHER_ITEMS])
def test_other_item_types_accepted(project, item_type, payload, server):
    eid = uuid.uuid4().hex
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    body = harness.envelope({"event_id": eid, "sent_at": "2026-01-01T00:00:00Z"},
                            [({"type": item_type}, data, True)])
    r = project.send_envelope(body)
    assert r.status_code == 200, r.text
    # not an error event: never becomes an issue
    server.wait_drained()
    assert project.get_event(eid) is None


def test_event_with_other_items(project, server):
    ev = harness.make_event("MixedError", "event with an attachment and a session")
    body = harness.envelope({"event_id": ev["event_id"]}, [
        ({"type": "event"}, json.dumps(ev).encode(), True),
        ({"type": "attachment", "filename": "a.txt", "attachment_type": "event.attachment"}, b"hi", True),
        ({"type": "session"}, json.dumps(OTHER_ITEMS[1][1]).encode(), False),
    ])
    r = project.send_envelope(body)
    assert r.status_code == 200, r.text
    project.wait_event(ev["event_id"])


def test_duplicate_event_id_stored_once(project, server):
    ev = harness.make_event("DuplicateError", f"dup {uuid.uuid4().hex}")
    for _ in range(3):                       # resent before the digest ran
        r, _ = project.send_event(ev)
        assert r.status_code == 200, r.text
        assert r.json()["id"] == ev["event_id"]
    got = project.wait_event(ev["event_id"])
    r, _ = project.send_event(ev)            # resent after it was grouped
    assert r.status_code == 200
    r = project.send_store(ev)               # and through the other endpoint
    assert r.status_code == 200
    server.wait_drained()
    assert harness.issue_event_ids(server, got["groupID"]).count(ev["event_id"]) == 1
    issue = server.api("GET", f"/api/0/issues/{got['groupID']}/").json()
    assert int(issue["count"]) == 1


def test_same_event_id_in_two_projects(project, other_project):
    """Event ids are unique per project, not across projects."""
    ev = harness.make_event("CrossProject", "same id in two projects")
    for p in (project, other_project):
        r, _ = p.send_event(ev, headers={"X-Sentry-Auth": p.auth_header()})
        assert r.status_code == 200, r.text
    assert project.wait_event(ev["event_id"])["projectID"] == project.id
    assert other_project.wait_event(ev["event_id"])["projectID"] == other_project.id
