"""Per-project grouping rules through the API (docs/api.md, docs/grouping.md §5): validation with
line-precise errors, and their effect on where real Python SDK events land."""

import os
import time

import harness

SCRIPT = os.path.join(os.path.dirname(__file__), "py", "rules_scenarios.py")


def _send(project):
    """load_user KeyError, load_order KeyError, ValueError, load_user KeyError via noisy_retry."""
    return project.run_sdk(["/usr/bin/python3", SCRIPT, project.dsn], expect=4)


def _put(srv, project, **settings):
    return srv.api("PUT", f"/api/0/projects/{project.id}/", json=settings)


def _project(srv, project):
    return srv.api_ok("GET", f"/api/0/projects/{project.id}/")


def test_rules_are_validated_line_by_line(make_server):
    srv = make_server()
    p = srv.projects["p"]
    cases = [
        ({"groupingEnhancements": "path:**/vendor/** -app\n\nfoo:bar -group\n"}, "line 3: unknown matcher 'foo'"),
        ({"groupingEnhancements": "function:x +fly\n"}, "line 1: unknown action"),
        ({"fingerprintingRules": "error.type:KeyError -> keys\nerror.type:X\n"}, "line 2: expected '->'"),
        ({"fingerprintingRules": "nope:X -> y\n"}, "line 1: unknown matcher 'nope'"),
    ]
    for body, want in cases:
        r = _put(srv, p, **body)
        assert r.status_code == 400, (body, r.text)
        assert want in r.json()["detail"], (body, r.text)
    settings = _project(srv, p)
    assert settings["groupingEnhancements"] == "" and settings["fingerprintingRules"] == ""  # nothing stored


def test_rule_blanks_do_not_hang_the_server(make_server):
    """A vertical tab after a fingerprint value once made the rules parser loop forever
    (found by fuzzing): the PUT must answer at once and the rule must work."""
    srv = make_server()
    p = srv.projects["p"]
    start = time.monotonic()
    r = srv.api("PUT", f"/api/0/projects/{p.id}/", json={"fingerprintingRules": "error.type:KeyError -> keys\v\f\n"},
                timeout=10)
    assert r.status_code == 200, r.text
    assert time.monotonic() - start < 5
    assert _project(srv, p)["fingerprintingRules"] == "error.type:KeyError -> keys\v\f\n"


def test_fingerprint_and_stack_trace_rules_group_sdk_events(make_server):
    srv = make_server(projects=("plain", "ruled"))
    plain, ruled = srv.projects["plain"], srv.projects["ruled"]
    for proj in (plain, ruled):  # fingerprints alone decide here
        assert _put(srv, proj, similarityMode="off").status_code == 200
    r = _put(srv, ruled, fingerprintingRules="# every KeyError is one problem\nerror.type:KeyError -> all-key-errors\n")
    assert r.status_code == 200, r.text

    user, order, value, wrapped = _send(plain)
    assert len({user["groupID"], order["groupID"], value["groupID"], wrapped["groupID"]}) == 4

    user, order, value, wrapped = _send(ruled)
    assert user["groupID"] == order["groupID"] == wrapped["groupID"]   # the rule joins the KeyErrors
    assert value["groupID"] != user["groupID"]                          # and nothing else
    info = srv.api("GET", f"/api/0/projects/{ruled.id}/events/{order['eventID']}/grouping-info/").json()
    assert "error.type:KeyError -> all-key-errors" in str(info)        # which rule decided, shown

    # a stack trace rule: the wrapper frame stops counting, so the wrapped KeyError joins load_user's
    r = _put(srv, ruled, fingerprintingRules="", groupingEnhancements="function:noisy_retry -group\n")
    assert r.status_code == 200, r.text
    assert _project(srv, ruled)["groupingEnhancements"] == "function:noisy_retry -group\n"
    user, order, value, wrapped = _send(ruled)
    assert wrapped["groupID"] == user["groupID"]
    assert order["groupID"] != user["groupID"] and value["groupID"] != user["groupID"]
