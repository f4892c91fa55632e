"""The Debian python3-sentry-sdk, unchanged, against a running faultline serve."""

import json
import os
import subprocess

SCRIPT = os.path.join(os.path.dirname(__file__), "py", "capture_chain.py")


def _frames(exc):
    return [(f.get("function"), f.get("filename"), f.get("lineno"))
            for f in exc["stacktrace"]["frames"]]


def test_chained_exception_round_trip(project, server, tmp_path):
    sent_path = tmp_path / "sent.jsonl"
    p = subprocess.run(["/usr/bin/python3", SCRIPT, project.dsn, str(sent_path)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    event_id = p.stdout.strip().splitlines()[-1]
    sent = [json.loads(line) for line in sent_path.read_text().splitlines()]
    assert len(sent) == 1
    sent_values = sent[0]["exception"]["values"]
    assert [v["type"] for v in sent_values] == ["ValueError", "KeyError"]

    ev = project.wait_event(event_id)
    assert ev["eventID"] == event_id
    assert ev["projectID"] == project.id
    got_values = ev["payload"]["exception"]["values"]
    # every member of the chain, in order, with type, value and frames intact
    assert [v["type"] for v in got_values] == [v["type"] for v in sent_values]
    assert [v["value"] for v in got_values] == [v["value"] for v in sent_values]
    for got, want in zip(got_values, sent_values):
        assert _frames(got) == _frames(want)
        assert len(got["stacktrace"]["frames"]) >= 2
    assert [f["function"] for f in got_values[0]["stacktrace"]["frames"]][-1] == "parse_port"
    assert [f["function"] for f in got_values[1]["stacktrace"]["frames"]][-1] == "load_config"

    issue = server.api("GET", f"/api/0/issues/{ev['groupID']}/").json()
    assert issue["title"].startswith("KeyError"), issue["title"]
    assert issue["metadata"]["type"] == "KeyError"
    assert "load_config" in issue["culprit"], issue["culprit"]
    assert issue["platform"] == "python"
    assert issue["level"] == "error"
    assert issue["count"] in (1, "1")


def test_same_error_twice_is_one_issue(project, server, tmp_path):
    ids = []
    for i in range(2):
        p = subprocess.run(["/usr/bin/python3", SCRIPT, project.dsn, str(tmp_path / f"s{i}.jsonl")],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        ids.append(p.stdout.strip().splitlines()[-1])
    evs = [project.wait_event(i) for i in ids]
    assert evs[0]["groupID"] == evs[1]["groupID"]
    issue = server.api("GET", f"/api/0/issues/{evs[0]['groupID']}/").json()
    assert int(issue["count"]) >= 2

