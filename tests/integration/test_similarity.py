"""Similarity grouping end to end: the real Python SDK, the real encoder (models/use-lite.gguf),
the digest's embed -> search -> decide step, shadow mode, merge and unmerge, restart."""

import os

import harness

SCRIPT = os.path.join(os.path.dirname(__file__), "py", "same_bug_two_paths.py")


def _send(project, scenario):
    return project.run_sdk(["/usr/bin/python3", SCRIPT, project.dsn, scenario])


def _settings(srv, project, **settings):
    return srv.api_ok("PUT", f"/api/0/projects/{project.id}/", json=settings)


def _grouping(srv, project, ev):
    return srv.api_ok("GET", f"/api/0/projects/{project.id}/events/{ev['eventID']}/grouping-info/")


def test_same_bug_two_paths_one_issue_with_similarity(make_server):
    srv = make_server()
    p = srv.projects["p"]
    info = srv.api("GET", f"/api/0/projects/{p.id}/").json()
    assert info["similarityMode"] == "on" and info["similarityModel"]
    first, second, other = _send(p, "paths")
    assert first["hashes"] != second["hashes"]            # different call paths, different hashes
    assert first["groupID"] == second["groupID"]          # one bug, one issue
    assert other["groupID"] != first["groupID"]           # another bug stays apart
    why = _grouping(srv, p, second)["similarity"]
    assert why["decision"] == "joined" and why["issue"] == int(first["groupID"])
    assert 0 <= why["distance"] <= why["groupThreshold"]
    assert why["model"] == info["similarityModel"]
    # the hash that joined by similarity says so on the issue's hash list
    hashes = srv.api("GET", f"/api/0/issues/{first['groupID']}/hashes/").json()
    decisions = {h["id"]: h.get("similarity", {}).get("decision") for h in hashes}
    assert decisions[second["hashes"][0]] == "joined"
    # similar issues of the bug list the other one (read-only), not as "should be grouped"
    similar = srv.api("GET", f"/api/0/issues/{first['groupID']}/similar/").json()
    for s in similar:
        assert s["issue"]["id"] != first["groupID"]
        assert s["shouldBeGrouped"] == (s["distance"] <= info["similarityGroupThreshold"])


def test_same_bug_two_paths_two_issues_without_similarity(make_server):
    srv = make_server()
    p = srv.projects["p"]
    assert _settings(srv, p, similarityMode="off")["similarityMode"] == "off"
    first, second, other = _send(p, "paths")
    assert len({first["groupID"], second["groupID"], other["groupID"]}) == 3
    assert "similarity" not in _grouping(srv, p, second)


def test_shadow_mode_records_but_changes_nothing(make_server):
    srv = make_server()
    p = srv.projects["p"]
    _settings(srv, p, similarityMode="shadow")
    first, second, _ = _send(p, "paths")
    assert first["groupID"] != second["groupID"]          # nothing applied
    why = _grouping(srv, p, second)["similarity"]
    assert why["decision"] == "shadow-joined"
    assert why["matchedIssue"] == int(first["groupID"])   # what it would have done


def test_settings_are_validated(make_server):
    srv = make_server()
    p = srv.projects["p"]
    for bad in ({"similarityMode": "sometimes"}, {"similarityGroupThreshold": -1},
                {"similarityThreshold": "abc"}, {"similarityMode": ["on"]}):
        r = srv.api("PUT", f"/api/0/projects/{p.id}/", json=bad)
        harness.assert_detail(r, 400)
    s = _settings(srv, p, similarityGroupThreshold=0.05, similarityThreshold="0.2")
    assert abs(s["similarityGroupThreshold"] - 0.05) < 1e-9 and abs(s["similarityThreshold"] - 0.2) < 1e-9


def test_merge_then_new_events_follow(make_server):
    srv = make_server()
    p = srv.projects["p"]
    _settings(srv, p, similarityMode="off")
    a = p.send_event(harness.make_event("AlphaError", "alpha 1"))[1]
    b = p.send_event(harness.make_event("BetaError", "beta 1"))[1]
    ga, gb = p.wait_event(a)["groupID"], p.wait_event(b)["groupID"]
    assert ga != gb
    r = srv.api("PUT", f"/api/0/projects/{p.id}/issues/", params=[("id", ga), ("id", gb)], json={"merge": 1})
    assert r.status_code == 200, r.text
    parent = r.json()["merge"]["parent"]
    child = gb if parent == ga else ga
    assert r.json()["merge"]["children"] == [child]
    assert p.get_event(a)["groupID"] == parent and p.get_event(b)["groupID"] == parent
    merged = srv.api("GET", f"/api/0/issues/{child}/").json()
    assert merged["status"] == "merged" and merged["mergedInto"] == parent
    assert child not in [i["id"] for i in p.issues()]
    # a new event of either original fingerprint lands in the merged issue
    b2 = p.send_event(harness.make_event("BetaError", "beta 2"))[1]
    assert p.wait_event(b2)["groupID"] == parent
    assert int(srv.api("GET", f"/api/0/issues/{parent}/").json()["count"]) == 3
    # merging needs two open issues of the project
    r = srv.api("PUT", f"/api/0/projects/{p.id}/issues/", params=[("id", parent)], json={"merge": 1})
    harness.assert_detail(r, 400)


def test_unmerge_then_new_events_stay_out(make_server):
    srv = make_server()
    p = srv.projects["p"]
    first, second, _ = _send(p, "paths")
    issue = first["groupID"]
    assert second["groupID"] == issue
    moved_hash = second["hashes"][0]
    r = srv.api("DELETE", f"/api/0/issues/{issue}/hashes/", params=[("id", moved_hash)])
    assert r.status_code == 200, r.text
    fresh = r.json()["issue"]
    assert fresh != issue and r.json()["moved"] == 1
    assert p.get_event(second["eventID"])["groupID"] == fresh
    assert p.get_event(first["eventID"])["groupID"] == issue
    assert int(srv.api("GET", f"/api/0/issues/{issue}/").json()["count"]) == 1
    # the same fingerprint again goes to the new issue, by its hash
    ev = harness.make_event()
    ev["exception"] = second["payload"]["exception"]
    eid = p.send_event(ev)[1]
    assert p.wait_event(eid)["groupID"] == fresh
    # unknown hash: a clear 400
    r = srv.api("DELETE", f"/api/0/issues/{issue}/hashes/", params=[("id", "0" * 32)])
    harness.assert_detail(r, 400)


def test_restart_keeps_vectors_and_decisions(make_server):
    import glob
    srv = make_server()
    p = srv.projects["p"]
    first, second, _ = _send(p, "paths")
    assert srv.stop() == 0
    saved = glob.glob(os.path.join(srv.data, "indexes", "ann-*.idx"))
    assert len(saved) == 1                                # the index was saved at shutdown
    srv.start()
    # the saved index is loaded: a third path of the bug still finds its issue
    (third,) = _send(p, "again")
    assert third["groupID"] == first["groupID"]
    assert _grouping(srv, p, second)["similarity"]["decision"] == "joined"
    # a damaged index file is not trusted: rebuilt from the stored vectors
    assert srv.stop() == 0
    with open(saved[0], "r+b") as f:
        f.seek(100)
        f.write(b"\xff" * 64)
    srv.start()
    (fourth,) = _send(p, "export")                        # a new fingerprint: searched in the rebuilt index
    assert fourth["hashes"] != third["hashes"]
    assert fourth["groupID"] == first["groupID"]
    assert _grouping(srv, p, fourth)["similarity"]["decision"] == "joined"


def test_backfill_proposes_merges_and_resumes(make_server):
    import json
    srv = make_server()
    p = srv.projects["p"]
    _settings(srv, p, similarityMode="off")
    first, second, other = _send(p, "paths")
    assert len({first["groupID"], second["groupID"], other["groupID"]}) == 3
    out = srv.cli("backfill", "--project", str(p.id), "--json").stdout.strip().splitlines()
    rows = [json.loads(line) for line in out]
    summary, proposals = rows[-1], rows[:-1]
    assert summary["embedded"] == 3 and summary["proposals"] == len(proposals) == 1
    assert {proposals[0]["issue"], proposals[0]["mergeInto"]} == {int(first["groupID"]), int(second["groupID"])}
    assert 0 <= proposals[0]["distance"] <= summary["groupThreshold"]
    # it never merges by itself
    assert p.get_event(second["eventID"])["groupID"] == second["groupID"]
    # a second run finds nothing left to embed
    again = json.loads(srv.cli("backfill", "--project", "p", "--json").stdout.strip().splitlines()[-1])
    assert again["embedded"] == 0 and again["proposals"] == 0
    # bad arguments: clear errors
    r = srv.cli("backfill", check=False)
    assert r.returncode == 2 and "usage" in r.stderr
    r = srv.cli("backfill", "--project", "nope", check=False)
    assert r.returncode == 1 and "no such project" in r.stderr


def test_project_model_setting(make_server):
    """A project can choose its own encoder (any supported GGUF); others keep the default."""
    srv = make_server(projects=("p", "q"))
    p, q = srv.projects["p"], srv.projects["q"]
    default = srv.api("GET", f"/api/0/projects/{p.id}/").json()["similarityModel"]
    tiny = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "embed", "bert-tiny.gguf"))
    r = srv.api("PUT", f"/api/0/projects/{p.id}/", json={"similarityModel": tiny})
    assert r.status_code == 200, r.text
    assert r.json()["similarityModel"] == "random-bert-L2-H16"
    assert srv.api("GET", f"/api/0/projects/{q.id}/").json()["similarityModel"] == default
    first, second, _ = _send(p, "paths")
    assert _grouping(srv, p, second)["similarity"]["model"] == "random-bert-L2-H16"
    (other,) = _send(q, "again")
    why = _grouping(srv, q, other).get("similarity")
    assert why is not None and why["model"] == default
    # a file that is not a model, or a path outside the models directory: a clear 400
    for bad in ("/etc/passwd", "../../etc/passwd", "no-such-model.gguf"):
        harness.assert_detail(srv.api("PUT", f"/api/0/projects/{p.id}/", json={"similarityModel": bad}), 400)
    # "" returns to the server's default
    r = srv.api("PUT", f"/api/0/projects/{p.id}/", json={"similarityModel": ""})
    assert r.status_code == 200 and r.json()["similarityModel"] == default
