"""The JSON API of docs/api.md, against issues built from real ingested events."""

import datetime
import time
import uuid

import pytest
import requests

import harness


def _ts(s):
    """Parse an RFC 3339 UTC timestamp (the API's time format)."""
    assert isinstance(s, str) and (s.endswith("Z") or s.endswith("+00:00")), s
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A server with three issues of known order:
    A: AlphaError x3 (error), B: BetaError x1 (warning), C: GammaError x2 (fatal).
    Sent as A1 | B1 | C1 C2 | A2 A3, a second apart, so first/last seen orders are unambiguous."""
    srv = harness.Server(tmp_path_factory.mktemp("api"))
    srv.token = srv.create_token()
    srv.projects = {"shop": srv.create_project("shop")}
    srv.start()
    p = srv.projects["shop"]
    base = time.time() - 600
    sent = {}

    def send(name, typ, level, n):
        ev = harness.make_event(typ, f"{typ} number {n}", level=level, timestamp=base + len(sent),
                                tags={"release": "shop@1.2", "n": str(n)},
                                user={"id": "u1", "email": "u1@example.com"},
                                extra={"order": n, "nested": {"k": [1, 2, 3]}},
                                contexts={"os": {"name": "Linux"}})
        ev["exception"]["values"][0]["value"] = f"{typ} number 17"   # same issue per type
        r, eid = p.send_event(ev)
        assert r.status_code == 200, r.text
        sent[name] = ev
        p.wait_event(eid)

    send("A1", "AlphaError", "error", 1)
    time.sleep(1.1)
    send("B1", "BetaError", "warning", 1)
    time.sleep(1.1)
    send("C1", "GammaError", "fatal", 1)
    send("C2", "GammaError", "fatal", 2)
    time.sleep(1.1)
    send("A2", "AlphaError", "error", 2)
    send("A3", "AlphaError", "error", 3)
    groups = {k: p.get_event(ev["event_id"])["groupID"] for k, ev in sent.items()}
    assert groups["A1"] == groups["A2"] == groups["A3"]
    assert groups["C1"] == groups["C2"]
    assert len({groups["A1"], groups["B1"], groups["C1"]}) == 3
    w = type("World", (), {})()
    w.srv, w.p, w.sent = srv, p, sent
    w.A, w.B, w.C = groups["A1"], groups["B1"], groups["C1"]
    yield w
    srv.stop()
    assert not srv.sanitizer_reports, "\n".join(srv.sanitizer_reports)


def _ids(issues):
    return [i["id"] for i in issues]


def test_bearer_token_required(world):
    for path in ("/api/0/projects/", f"/api/0/projects/{world.p.id}/issues/", f"/api/0/issues/{world.A}/",
                 f"/api/0/issues/{world.A}/events/"):
        r = requests.get(world.srv.url(path), timeout=10)
        harness.assert_detail(r, 401)
        r = world.srv.api("GET", path, token="not-a-token")
        harness.assert_detail(r, 401)
        r = world.srv.api("GET", path, token=world.p.key)      # a DSN key is not an API token
        harness.assert_detail(r, 401)
    r = requests.put(world.srv.url(f"/api/0/issues/{world.A}/"), json={"status": "resolved"}, timeout=10)
    harness.assert_detail(r, 401)


def test_list_projects(world):
    r = world.srv.api("GET", "/api/0/projects/")
    assert r.status_code == 200
    shop = [p for p in r.json() if p["slug"] == "shop"]
    assert len(shop) == 1
    s = shop[0]
    assert s["id"] == world.p.id and s["name"] == "shop"
    assert harness.parse_dsn(s["dsn"])[0] == world.p.key
    _ts(s["dateCreated"])


def test_issue_fields(world):
    r = world.srv.api("GET", f"/api/0/issues/{world.A}/")
    assert r.status_code == 200
    i = r.json()
    assert i["id"] == world.A and isinstance(i["id"], str)
    assert i["title"] == "AlphaError: AlphaError number 17"
    assert i["metadata"]["type"] == "AlphaError"
    assert i["metadata"]["value"] == "AlphaError number 17"
    assert "parse" in i["culprit"]
    assert i["level"] == "error" and i["platform"] == "python"
    assert i["status"] == "unresolved"
    assert int(i["count"]) == 3
    assert i["project"]["id"] == world.p.id and i["project"]["slug"] == "shop"
    assert i["shortId"]
    assert _ts(i["firstSeen"]) < _ts(i["lastSeen"])


def test_unknown_issue_404(world):
    harness.assert_detail(world.srv.api("GET", "/api/0/issues/987654321/"), 404)
    harness.assert_detail(world.srv.api("GET", "/api/0/issues/not-a-number/"), 404)


@pytest.mark.parametrize("sort,order", [("date", "ACB"), ("new", "CBA"), ("freq", "ACB")])
def test_issue_sort(world, sort, order):
    issues = world.p.issues(sort=sort)
    want = [getattr(world, k) for k in order]
    assert [i for i in _ids(issues) if i in want] == want


def test_issue_default_sort_is_last_seen(world):
    assert [i for i in _ids(world.p.issues()) if i in (world.A, world.B, world.C)] == [world.A, world.C, world.B]


def test_issue_filters(world):
    assert _ids(world.p.issues(level="fatal")) == [world.C]
    assert _ids(world.p.issues(level="warning")) == [world.B]
    assert _ids(world.p.issues(query="Gamma")) == [world.C]
    assert set(_ids(world.p.issues(query="Error number"))) == {world.A, world.B, world.C}
    assert _ids(world.p.issues(query="no such title anywhere")) == []


def test_issues_by_slug(world):
    r = world.srv.api("GET", "/api/0/projects/shop/issues/", params={"sort": "freq"})
    assert r.status_code == 200
    assert _ids(r.json()) == _ids(world.p.issues(sort="freq"))
    harness.assert_detail(world.srv.api("GET", "/api/0/projects/no-such-project/issues/"), 404)


def test_issue_list_paging(world):
    seen, cursor = [], None
    for _ in range(10):
        params = {"sort": "freq", "limit": 1}
        if cursor:
            params["cursor"] = cursor
        r = world.srv.api("GET", f"/api/0/projects/{world.p.id}/issues/", params=params)
        assert r.status_code == 200
        page = r.json()
        assert len(page) <= 1
        seen += _ids(page)
        cursor = harness.next_cursor(r)
        if not cursor or not page:
            break
    assert seen == [world.A, world.C, world.B]


def test_events_paged_newest_first(world):
    r = world.srv.api("GET", f"/api/0/issues/{world.A}/events/", params={"limit": 2})
    assert r.status_code == 200
    page1 = r.json()
    assert [e["eventID"] for e in page1] == [world.sent["A3"]["event_id"], world.sent["A2"]["event_id"]]
    cursor = harness.next_cursor(r)
    assert cursor, r.headers.get("Link")
    r = world.srv.api("GET", f"/api/0/issues/{world.A}/events/", params={"limit": 2, "cursor": cursor})
    page2 = r.json()
    assert [e["eventID"] for e in page2] == [world.sent["A1"]["event_id"]]
    e = page1[0]
    for field in ("id", "eventID", "groupID", "dateCreated", "dateReceived", "title", "platform"):
        assert field in e, field
    assert e["groupID"] == world.A and e["platform"] == "python"
    assert e["title"].startswith("AlphaError")
    _ts(e["dateCreated"]), _ts(e["dateReceived"])


def test_latest_event(world):
    r = world.srv.api("GET", f"/api/0/issues/{world.C}/events/latest/")
    assert r.status_code == 200
    ev = r.json()
    assert ev["eventID"] == world.sent["C2"]["event_id"]
    assert ev["payload"]["exception"] == world.sent["C2"]["exception"]


def test_event_full_payload(world):
    sent = world.sent["B1"]
    r = world.srv.api("GET", f"/api/0/projects/{world.p.id}/events/{sent['event_id']}/")
    assert r.status_code == 200
    ev = r.json()
    assert ev["eventID"] == sent["event_id"] and ev["groupID"] == world.B
    assert ev["projectID"] == world.p.id
    assert ev["platform"] == "python" and ev["title"].startswith("BetaError")
    for key in ("exception", "tags", "user", "extra", "contexts", "level", "sdk"):
        assert ev["payload"][key] == sent[key], key
    assert isinstance(ev["hashes"], list) and ev["hashes"]
    _ts(ev["dateCreated"]), _ts(ev["dateReceived"])
    r = world.srv.api("GET", f"/api/0/projects/shop/events/{sent['event_id']}/")
    assert r.status_code == 200 and r.json()["eventID"] == sent["event_id"]


def test_unknown_event_404(world):
    harness.assert_detail(world.srv.api("GET", f"/api/0/projects/{world.p.id}/events/{uuid.uuid4().hex}/"), 404)


def _set_status(world, issue, status):
    r = world.srv.api("PUT", f"/api/0/issues/{issue}/", json={"status": status})
    assert r.status_code == 200, r.text
    got = world.srv.api("GET", f"/api/0/issues/{issue}/").json()
    assert got["status"] == status
    return got


def test_status_changes_and_filters(world):
    _set_status(world, world.B, "resolved")
    assert world.B in _ids(world.p.issues(status="resolved"))
    assert world.B not in _ids(world.p.issues(status="unresolved"))
    _set_status(world, world.B, "ignored")
    assert _ids(world.p.issues(status="ignored")) == [world.B]
    _set_status(world, world.B, "unresolved")
    assert world.B in _ids(world.p.issues(status="unresolved"))
    assert _ids(world.p.issues(status="resolved")) == []


@pytest.mark.parametrize("body", [{"status": "closed"}, {"status": 3}, {}, "not json", {"status": None}])
def test_bad_status_change_400(world, body):
    kw = {"data": body} if isinstance(body, str) else {"json": body}
    r = world.srv.api("PUT", f"/api/0/issues/{world.C}/", **kw)
    harness.assert_detail(r, 400)
    assert world.srv.api("GET", f"/api/0/issues/{world.C}/").json()["status"] == "unresolved"


def test_resolved_issue_regresses(world):
    _set_status(world, world.A, "resolved")
    ev = harness.make_event("AlphaError", "AlphaError number 17", timestamp=time.time())
    r, eid = world.p.send_event(ev)
    assert r.status_code == 200
    got = world.p.wait_event(eid)
    assert got["groupID"] == world.A
    issue = world.srv.api("GET", f"/api/0/issues/{world.A}/").json()
    assert issue["status"] == "unresolved"
    assert issue["substatus"] == "regressed"
    assert int(issue["count"]) == 4
    assert world.A in _ids(world.p.issues(status="unresolved"))
    assert harness.issue_event_ids(world.srv, world.A)[0] == eid
