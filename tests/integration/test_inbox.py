"""Inbox bound: over --inbox-max waiting events, ingestion answers 429 with Retry-After and
X-Sentry-Rate-Limits. FAULTLINE_DIGEST_PAUSE=1 keeps the digest worker from draining the inbox."""

import re

import pytest

import harness

RATE_LIMITS_RE = re.compile(r"^\s*\d+:[a-z_;]*:[a-z]*(:[^,]*)?(\s*,\s*\d+:[a-z_;]*:[a-z]*(:[^,]*)?)*$")


@pytest.mark.parametrize("how", ["flag", "env"])
def test_inbox_full_429_then_drains(make_server, how):
    args, env = (["--inbox-max", "5"], {}) if how == "flag" else ([], {"FAULTLINE_INBOX_MAX": "5"})
    env["FAULTLINE_DIGEST_PAUSE"] = "1"
    srv = make_server(args=args, env=env)
    p = srv.projects["p"]
    codes, accepted = [], []
    for i in range(12):
        ev = harness.make_event("InboxError", "inbox is full")
        r, eid = p.send_event(ev) if i % 2 else (p.send_store(ev), ev["event_id"])
        codes.append(r.status_code)
        if r.status_code == 200:
            accepted.append(eid)
        else:
            assert r.status_code == 429, r.text
            harness.assert_json_detail(r)
            assert int(r.headers["Retry-After"]) > 0
            limits = r.headers["X-Sentry-Rate-Limits"]
            assert RATE_LIMITS_RE.match(limits), limits
            cats = limits.split(":")[1]
            assert cats == "" or "error" in cats.split(";"), limits
    assert codes == [200] * 5 + [429] * 7, codes
    stats = srv.stats()
    assert stats["inbox_pending"] == 5, stats
    assert p.get_event(accepted[0]) is None        # paused: nothing digested yet

    # unpaused, the digest drains the inbox and ingestion accepts again
    assert srv.stop() == 0
    srv.extra_env.pop("FAULTLINE_DIGEST_PAUSE")
    srv.start()
    for eid in accepted:
        p.wait_event(eid)
    srv.wait_drained()
    r, eid = p.send_event(harness.make_event("InboxError", "inbox is full"))
    assert r.status_code == 200, r.text
    p.wait_event(eid)
    issue = srv.api("GET", f"/api/0/issues/{p.get_event(eid)['groupID']}/").json()
    assert int(issue["count"]) == 6


def test_stats_endpoint(make_server):
    srv = make_server(env={"FAULTLINE_DIGEST_PAUSE": "1"})
    p = srv.projects["p"]
    before = srv.stats()
    assert before is not None and {"inbox_pending", "digested_total", "accepted_total"} <= set(before)
    for i in range(3):
        r, _ = p.send_event(harness.make_event("StatsError", f"stats {i}"))
        assert r.status_code == 200
    s = srv.stats()
    assert s["inbox_pending"] == before["inbox_pending"] + 3
    assert s["accepted_total"] == before["accepted_total"] + 3
    assert s["digested_total"] == before["digested_total"]
    harness.assert_detail(srv.api("GET", "/api/0/stats/", token=False), 401)


def test_inbox_bound_holds_under_concurrency(make_server):
    """8 concurrent senders against --inbox-max 20 (digest paused): exactly 20 accepted, the rest
    429, and the inbox never holds more than its bound."""
    import threading

    srv = make_server(args=["--inbox-max", "20"], env={"FAULTLINE_DIGEST_PAUSE": "1"})
    p = srv.projects["p"]
    codes, lock = [], threading.Lock()

    def send():
        import requests
        s = requests.Session()
        for _ in range(10):
            ev = harness.make_event("BoundError", "concurrent bound")
            r = s.post(p.envelope_url(), data=harness.envelope_for(ev), timeout=30,
                       headers={"X-Sentry-Auth": p.auth_header()})
            with lock:
                codes.append(r.status_code)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(codes)) == [200, 429], codes
    assert codes.count(200) == 20, f"{codes.count(200)} accepted with --inbox-max 20"
    assert srv.stats()["inbox_pending"] == 20
