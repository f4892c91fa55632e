"""Why is this event in this issue: `faultline grouping-info` (offline, no server) and the API's
grouping-info of a stored event, on one event with an out-of-app frame, a recursive frame and
module-over-filename, with and without project rules."""

import json
import subprocess

import harness

EVENT = {
    "platform": "python",
    "exception": {"values": [{"type": "KeyError", "value": "'user 123'", "stacktrace": {"frames": [
        {"filename": "lib/site.py", "abs_path": "/usr/lib/python3/dist-packages/lib/site.py", "module": "lib.site",
         "function": "run", "lineno": 5, "context_line": "run()", "in_app": False},
        {"filename": "app/main.py", "abs_path": "/srv/app/main.py", "module": "app.main", "function": "handle",
         "lineno": 10, "context_line": "    return lookup(uid)", "in_app": True},
        {"filename": "app/main.py", "abs_path": "/srv/app/main.py", "module": "app.main", "function": "handle",
         "lineno": 10, "context_line": "    return lookup(uid)", "in_app": True},
        {"filename": "app/db.py", "abs_path": "/srv/app/db.py", "module": "app.db", "function": "lookup",
         "lineno": 22, "context_line": "    return USERS[uid]", "in_app": True},
    ]}}]},
}


def _cli(*args, stdin=None):
    p = subprocess.run([harness.BIN, "grouping-info", *args], input=stdin, capture_output=True, text=True,
                       timeout=60 * harness.SLOW)
    assert not any(m in p.stderr for m in harness.SANITIZER_MARKERS), p.stderr   # error paths too
    return p


def _frames(variant):
    """The frame components of a variant's (only) stack trace, oldest first."""
    out = []

    def walk(c):
        if isinstance(c, dict):
            if c.get("id") == "frame":
                out.append(c)
            for v in c.get("values", []):
                walk(v)
    walk(variant["component"])
    return out


def _leaf(frame, cid):
    return next(v for v in frame["values"] if v["id"] == cid)


def test_cli_explains_every_frame(tmp_path):
    path = tmp_path / "event.json"
    path.write_text(json.dumps(EVENT))
    p = _cli(str(path))
    assert p.returncode == 0, p.stderr
    info = json.loads(p.stdout)
    assert info["config"] == "newstyle:2023-01-11"
    app, system = info["variants"]["app"], info["variants"]["system"]
    assert info["hashes"] == [app["hash"], system["hash"]] and app["hash"] != system["hash"]
    assert app["contributes"] and system["contributes"]
    site, handle, again, lookup = _frames(app)
    assert (site["contributes"], site["hint"]) == (False, "non app frame")
    assert (again["contributes"], again["hint"]) == (False, "ignored due to recursion")
    assert handle["contributes"] and lookup["contributes"]
    assert _leaf(handle, "filename")["hint"] == "ignored because module takes precedence"
    assert _leaf(handle, "module")["values"] == ["app.main"]
    assert _leaf(handle, "context-line")["values"] == ["return lookup(uid)"]   # whitespace collapsed
    site, handle, again, lookup = _frames(system)
    assert site["contributes"] and site["hint"] is None                       # the system variant takes it
    assert again["hint"] == "ignored due to recursion"
    # the same from standard input, compact
    p2 = _cli("-", "--compact", stdin=json.dumps(EVENT))
    assert p2.returncode == 0 and "\n" not in p2.stdout.strip()
    assert json.loads(p2.stdout)["hashes"] == info["hashes"]


def test_cli_rules_and_errors(tmp_path):
    path = tmp_path / "event.json"
    path.write_text(json.dumps(EVENT))
    rules = tmp_path / "rules.txt"
    rules.write_text("function:lookup -group\nmodule:lib.* +app\n")
    fp = tmp_path / "fp.txt"
    fp.write_text("error.type:KeyError -> missing-key, {{ default }}\n")
    info = json.loads(_cli(str(path), "--rules", str(rules)).stdout)
    site, handle, again, lookup = _frames(info["variants"]["app"])
    assert site["contributes"] and site["hint"] == "marked in-app by stack trace rule (module:lib.* +app)"
    assert not lookup["contributes"] and lookup["hint"] == "ignored by stack trace rule (function:lookup -group)"
    both = json.loads(_cli(str(path), "--rules", str(rules), "--fingerprint-rules", str(fp)).stdout)
    app = both["variants"]["app"]
    assert app["type"] == "salted-component" and app["matched_rule"] == "error.type:KeyError -> missing-key, {{ default }}"
    assert both["hashes"] == [app["hash"]] and app["hash"] not in info["hashes"]
    # clear errors, non-zero exits
    bad = tmp_path / "bad.txt"
    bad.write_text("path:x -app\nfoo:bar -group\n")
    p = _cli(str(path), "--rules", str(bad))
    assert p.returncode != 0 and "line 2: unknown matcher 'foo'" in p.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"platform":')
    p = _cli(str(broken))
    assert p.returncode != 0 and "broken.json" in p.stderr and not p.stdout
    p = _cli(str(tmp_path / "missing.json"))
    assert p.returncode != 0 and p.stderr


def test_api_grouping_info_matches_the_cli(make_server, tmp_path):
    srv = make_server()
    p = srv.projects["p"]
    ev = dict(EVENT, event_id=harness.new_event_id())
    r, eid = p.send_event(ev)
    assert r.status_code == 200, r.text
    stored = p.wait_event(eid)
    r = srv.api("GET", f"/api/0/projects/{p.id}/events/{eid}/grouping-info/")
    assert r.status_code == 200, r.text
    api = r.json()
    path = tmp_path / "event.json"
    path.write_text(json.dumps(EVENT))
    cli = json.loads(_cli(str(path)).stdout)
    assert api["hashes"] == cli["hashes"] == stored["hashes"]
    assert api["variants"] == cli["variants"]
