"""Durability: a 200 means committed. Concurrent senders, kill -9 at random moments (>= 20 times),
restart; every event that got a 200 is present after the digest drains, and none is stored twice.

Senders behave like SDKs with a retry queue: an event whose request failed (connection reset by the
kill) is resent later with the same event id, so the dedup path is exercised across crashes too.
"""

import random
import threading
import time

import requests

import harness

KILLS = 20
SENDERS = 4
TYPES = ["DurableAlpha", "DurableBeta", "DurableGamma"]


class Sender(threading.Thread):
    def __init__(self, project, seed, stop):
        super().__init__(daemon=True)
        self.p, self.rng, self.stop = project, random.Random(seed), stop
        self.sent, self.acked, self.pending = set(), set(), []
        self.statuses = {}
        self.errors = 0          # requests cut off by a kill (no HTTP answer)

    def run(self):
        s = requests.Session()
        while not self.stop.is_set():
            if self.pending and self.rng.random() < 0.5:
                ev = self.pending.pop(0)
            else:
                ev = harness.make_event(self.rng.choice(TYPES), "durable event 7",
                                        extra={"pad": "p" * self.rng.choice([10, 2000, 20000])})
            self.sent.add(ev["event_id"])
            body = harness.envelope_for(ev)
            if self.rng.random() < 0.3:
                body = harness.gzip_bytes(body)
                headers = {"Content-Encoding": "gzip"}
            else:
                headers = {}
            headers["X-Sentry-Auth"] = self.p.auth_header()
            try:
                r = s.post(self.p.envelope_url(), data=body, headers=headers, timeout=10)
                self.statuses[r.status_code] = self.statuses.get(r.status_code, 0) + 1
                if r.status_code == 200:
                    assert r.json()["id"] == ev["event_id"]
                    self.acked.add(ev["event_id"])
                    continue
            except (requests.RequestException, OSError):
                self.errors += 1
                s.close()
                s = requests.Session()
                time.sleep(0.01)
            self.pending.append(ev)


def test_kill9_under_load(make_server):
    t0 = time.monotonic()
    srv = make_server(projects=("durable",))
    p = srv.projects["durable"]
    rng = random.Random(1234)
    stop = threading.Event()
    senders = [Sender(p, i, stop) for i in range(SENDERS)]
    for s in senders:
        s.start()
    acked_at_kill = []
    for _ in range(KILLS):
        time.sleep(rng.uniform(0.05, 0.6))
        acked_at_kill.append(sum(len(s.acked) for s in senders))
        srv.kill9()
        time.sleep(rng.uniform(0, 0.1))
        srv.start()
    time.sleep(0.5)
    stop.set()
    for s in senders:
        s.join(timeout=30)
    assert srv.starts == KILLS + 1

    acked = set().union(*(s.acked for s in senders))
    sent = set().union(*(s.sent for s in senders))
    assert len(acked) >= 100, f"too little load to mean anything: {len(acked)} acked"
    assert acked_at_kill[-1] > acked_at_kill[0], "no event was accepted between kills"
    errors = sum(s.errors for s in senders)
    assert errors >= KILLS // 2, f"only {errors} requests were cut off by {KILLS} kills"

    srv.wait_drained(timeout=120 * harness.SLOW)
    stored = []
    total_count = 0
    for issue in _all_issues(srv, p):
        stored += harness.issue_event_ids(srv, issue["id"])
        total_count += int(issue["count"])
    dupes = len(stored) - len(set(stored))
    missing = acked - set(stored)
    assert not missing, f"{len(missing)} acknowledged events lost, e.g. {sorted(missing)[:5]}"
    assert dupes == 0, f"{dupes} events stored twice"
    assert set(stored) <= sent
    assert total_count == len(stored), (total_count, len(stored))
    # spot-check full payloads of a few acknowledged events
    for eid in random.Random(5).sample(sorted(acked), 5):
        assert p.get_event(eid)["eventID"] == eid
    elapsed = time.monotonic() - t0
    print(f"\n{KILLS} kills, {len(acked)} acked, {len(sent)} sent, {len(stored)} stored, "
          f"{errors} requests cut off, statuses {[s.statuses for s in senders]}, {elapsed:.1f}s")
    assert elapsed < 180 * harness.SLOW


def _all_issues(srv, p):
    out, cursor = [], None
    while True:
        params = {"limit": 100, "status": "unresolved"}
        if cursor:
            params["cursor"] = cursor
        r = srv.api("GET", f"/api/0/projects/{p.id}/issues/", params=params)
        assert r.status_code == 200, r.text
        out += r.json()
        cursor = harness.next_cursor(r)
        if not cursor or not r.json():
            return out


def test_sigterm_under_load(make_server):
    """A clean stop (SIGTERM) under load exits 0 and loses nothing that was acknowledged."""
    srv = make_server(projects=("graceful",))
    p = srv.projects["graceful"]
    stop = threading.Event()
    senders = [Sender(p, 100 + i, stop) for i in range(3)]
    for s in senders:
        s.start()
    for _ in range(3):
        time.sleep(0.7)
        assert srv.stop() == 0, srv.log_tail()
        srv.start()
    time.sleep(0.5)
    stop.set()
    for s in senders:
        s.join(timeout=30)
    acked = set().union(*(s.acked for s in senders))
    assert len(acked) >= 50
    srv.wait_drained(timeout=60 * harness.SLOW)
    stored = []
    for issue in _all_issues(srv, p):
        stored += harness.issue_event_ids(srv, issue["id"])
    assert acked <= set(stored), f"{len(acked - set(stored))} acknowledged events lost"
    assert len(stored) == len(set(stored))
