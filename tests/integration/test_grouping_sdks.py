"""Fingerprint grouping with the real SDKs: one bug raised with different messages
("user 123 not found", "user 456 not found") lands in one issue; a different bug in another."""

import os

HERE = os.path.dirname(__file__)


def _check(project, server, cmd):
    first, second, other = project.run_sdk(cmd, expect=3)
    values = [e["payload"]["exception"]["values"][-1]["value"] for e in (first, second)]
    assert values[0] != values[1] and "123" in values[0] and "456" in values[1]
    assert first["groupID"] == second["groupID"]
    assert other["groupID"] != first["groupID"]
    issue = server.api_ok("GET", f"/api/0/issues/{first['groupID']}/")
    assert issue["metadata"]["type"] == "UserNotFound"
    assert int(issue["count"]) >= 2
    # the hash is the same for both: grouping came from the stack trace, not the message
    assert set(first["hashes"]) & set(second["hashes"])


def test_python_sdk_messages_group(make_server):
    srv = make_server()
    p = srv.projects["p"]
    _check(p, srv, ["/usr/bin/python3", os.path.join(HERE, "py", "messages.py"), p.dsn])


def test_node_sdk_messages_group(make_server):
    srv = make_server()
    p = srv.projects["p"]
    _check(p, srv, ["node", os.path.join(HERE, "js", "messages.js"), p.dsn])
