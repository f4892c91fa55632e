"""On disk (SQLite, the default store): events are stored zstd-compressed, with their issue."""

import glob
import json
import os
import sqlite3

import zstandard

import harness

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def _databases(srv):
    found = []
    for path in glob.glob(os.path.join(srv.data, "**", "*"), recursive=True):
        if os.path.isfile(path) and not path.endswith(("-wal", "-shm", "-journal")):
            with open(path, "rb") as f:
                if f.read(16) == b"SQLite format 3\x00":
                    found.append(path)
    return found


def test_events_stored_zstd_with_issue(make_server):
    srv = make_server()
    p = srv.projects["p"]
    ev = harness.make_event("StoredError", "kept compressed", extra={"blob": "z" * 20000})
    r, eid = p.send_event(ev)
    assert r.status_code == 200
    got = p.wait_event(eid)
    assert srv.stop() == 0
    rows = []
    for db in _databases(srv):
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            if con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='events'").fetchone():
                rows += con.execute("SELECT issue_id, payload FROM events WHERE event_id = ?", (eid,)).fetchall()
        finally:
            con.close()
    assert len(rows) == 1, rows
    issue_id, blob = rows[0]
    assert str(issue_id) == got["groupID"]
    assert bytes(blob[:4]) == ZSTD_MAGIC, bytes(blob[:8])
    assert len(blob) < 20000 / 4                     # 20 KB of 'z' must compress
    stored = json.loads(zstandard.ZstdDecompressor().decompress(bytes(blob), max_output_size=1 << 24))
    assert stored["exception"] == ev["exception"] and stored["extra"] == ev["extra"]
