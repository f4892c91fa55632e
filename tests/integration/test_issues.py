"""What the digest worker makes of events: issue title, culprit, level, platform, grouping key."""

import uuid

import harness


def _issue(server, project, event):
    r, eid = project.send_event(event)
    assert r.status_code == 200, r.text
    ev = project.wait_event(eid)
    r = server.api("GET", f"/api/0/issues/{ev['groupID']}/")
    assert r.status_code == 200, r.text
    return r.json()


def test_culprit_is_crashing_in_app_frame(server, project):
    tag = uuid.uuid4().hex[:8]
    frames = [harness.frame("main", "app/main.py", 3),
              harness.frame(f"charge_card_{tag}", "app/billing.py", 41),
              harness.frame("urlopen", "urllib3/connectionpool.py", 700, in_app=False)]
    issue = _issue(server, project, harness.make_event("ConnectionError", "refused", frames=frames))
    assert f"charge_card_{tag}" in issue["culprit"], issue["culprit"]
    assert "urlopen" not in issue["culprit"]


def test_level_and_platform_kept(server, project):
    tag = uuid.uuid4().hex[:8]
    ev = harness.make_event(f"Warn{tag}", "low disk", level="warning", platform="node")
    issue = _issue(server, project, ev)
    assert issue["level"] == "warning" and issue["platform"] == "node"
    ev = harness.make_event(f"NoLevel{tag}", "no level given")
    del ev["level"]
    assert _issue(server, project, ev)["level"] == "error"


def test_numbers_in_value_do_not_split_issues(server, project):
    typ = f"Timeout{uuid.uuid4().hex[:8]}"
    a = _issue(server, project, harness.make_event(typ, "read timed out after 30 s (attempt 1)"))
    b = _issue(server, project, harness.make_event(typ, "read timed out after 45 s (attempt 3)"))
    assert a["id"] == b["id"]
    assert int(b["count"]) == 2


def test_exception_type_splits_issues(server, project):
    tag = uuid.uuid4().hex[:8]
    a = _issue(server, project, harness.make_event(f"A{tag}Error", "same value"))
    b = _issue(server, project, harness.make_event(f"B{tag}Error", "same value"))
    assert a["id"] != b["id"]
    assert a["title"].startswith(f"A{tag}Error") and b["title"].startswith(f"B{tag}Error")


def test_message_event_title(server, project):
    msg = f"Disk quota exceeded for tenant {uuid.uuid4().hex[:8]}"
    ev = {"event_id": harness.new_event_id(), "platform": "python", "message": msg, "level": "info"}
    r = project.send_store(ev)
    assert r.status_code == 200, r.text
    got = project.wait_event(ev["event_id"])
    issue = server.api("GET", f"/api/0/issues/{got['groupID']}/").json()
    assert msg in issue["title"]
    assert issue["level"] == "info"


def test_issue_counts_projects_apart(server, project, other_project):
    """The same error in two projects makes two issues, one per project."""
    typ = f"Shared{uuid.uuid4().hex[:8]}"
    a = _issue(server, project, harness.make_event(typ, "x"))
    b = _issue(server, other_project, harness.make_event(typ, "x"))
    assert a["id"] != b["id"]
    assert a["project"]["id"] == project.id and b["project"]["id"] == other_project.id


def test_projects_are_isolated(server, project, other_project):
    typ = f"Isolated{uuid.uuid4().hex[:8]}"
    ev = harness.make_event(typ, "only in the first project")
    issue = _issue(server, project, ev)
    assert issue["id"] in [i["id"] for i in project.issues(query=typ)]
    assert other_project.issues(query=typ) == []
    assert other_project.get_event(ev["event_id"]) is None
    r = server.api("GET", f"/api/0/projects/{other_project.id}/events/{ev['event_id']}/")
    harness.assert_detail(r, 404)


def test_event_joins_the_issue_of_its_first_known_hash(make_server):
    """Hashes are looked up app first, then system; an event joins the issue of the first one that
    has an issue, and its other hashes are attached to that issue (a hash belongs to one issue)."""
    srv = make_server()
    p = srv.projects["p"]
    assert srv.api("PUT", f"/api/0/projects/{p.id}/", json={"similarityMode": "off"}).status_code == 200

    def send(in_app_main):
        frames = [harness.frame("main", "app/main.py", 10, in_app=in_app_main),
                  harness.frame("handle", "app/handler.py", 22)]
        r, eid = p.send_event(harness.make_event("LookupError", "no such row", frames=frames))
        assert r.status_code == 200, r.text
        return p.wait_event(eid)

    a = send(True)      # every frame in-app: app and system variants agree, one hash
    b = send(False)     # main out of app: a new app hash (handle only), then the same system hash
    assert len(a["hashes"]) == 1 and len(b["hashes"]) == 2
    assert b["hashes"][1] == a["hashes"][0] and b["hashes"][0] != a["hashes"][0]
    assert b["groupID"] == a["groupID"]                       # joined through its second hash
    listed = {h["id"] for h in srv.api("GET", f"/api/0/issues/{a['groupID']}/hashes/").json()}
    assert listed == {a["hashes"][0], b["hashes"][0]}         # b's new app hash now belongs to it
    c = send(False)                                           # found by its first hash this time
    assert c["groupID"] == a["groupID"] and c["hashes"] == b["hashes"]
    issue = srv.api("GET", f"/api/0/issues/{a['groupID']}/").json()
    assert int(issue["count"]) == 3
