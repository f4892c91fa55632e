#!/usr/bin/python3
"""Convert the Defects4J trigger-test traces (shared/datasets/defects4j_trigger_tests) into the
eval format: one {"event": <Sentry-shaped Java event>, "group": "<Project>-<bug>", ...} per line.

The events are built from text traces, not by an SDK. They follow the shape the Sentry Java SDK
sends: platform "java"; exception.values oldest first (the deepest "Caused by" first, the thrown
exception last); each exception has type (simple class name), module (package) and value; frames
oldest first (caller first, crashing frame last) with module (class), function (method), filename,
lineno, in_app (frame class in the project's own package) and native for "Native Method". Frames
that a text trace elides as "... N more" are restored from the enclosing trace, as the SDK would
send them. Records replay sorted by project and bug id.
Usage: convert_defects4j.py [--in traces.jsonl.gz] [--out FILE.jsonl.gz] [--crash-only] | --selfcheck
"""
import argparse
import gzip
import hashlib
import json
import os
import re
import sys

DEFAULT_IN = "/work/shared/datasets/defects4j_trigger_tests/traces.jsonl.gz"
APP_PACKAGES = {"Chart": "org.jfree", "Cli": "org.apache.commons.cli", "Closure": "com.google.javascript",
                "Codec": "org.apache.commons.codec", "Compress": "org.apache.commons.compress",
                "JacksonDatabind": "com.fasterxml.jackson.databind", "Jsoup": "org.jsoup",
                "Math": "org.apache.commons.math", "Lang": "org.apache.commons.lang", "Time": "org.joda.time",
                "Mockito": "org.mockito", "Gson": "com.google.gson", "Csv": "org.apache.commons.csv",
                "JxPath": "org.apache.commons.jxpath", "Collections": "org.apache.commons.collections",
                "JacksonCore": "com.fasterxml.jackson.core", "JacksonXml": "com.fasterxml.jackson.dataformat.xml"}
ORACLE_FAILURES = ("junit.framework.AssertionFailedError", "junit.framework.ComparisonFailure",
                   "org.junit.ComparisonFailure", "java.lang.AssertionError", "org.junit.internal.ArrayComparisonFailure")

AT = re.compile(r"^\s*at\s+([^\s(]+)\((.*)\)\s*$")
MORE = re.compile(r"^\s*\.\.\.\s*(\d+)\s+more\s*$")
CAUSED = re.compile(r"^Caused by:\s*(.*)$")


class ParseError(Exception):
    pass


def split_exc(line):
    """'java.lang.X: message' -> ('java.lang.X', 'message'); the type has no spaces."""
    m = re.match(r"^([\w$.]+)(?::\s?(.*))?$", line.strip())
    if not m:
        return line.strip()[:200], ""
    return m.group(1), m.group(2) or ""


def parse_trace(text):
    """Parse one Java text trace into a list of exceptions, outermost first:
    [{"type_full", "value", "frames": [(class, method, file, line, native)]}] (frames newest first)."""
    lines = text.split("\n")
    if lines and lines[0].startswith("--- "):
        lines = lines[1:]
    excs = []
    cur = None
    head = []
    for ln in lines:
        if not ln.strip():
            if cur is None and head:
                head.append("")
            continue
        m = AT.match(ln)
        if m:
            if cur is None:
                if not head:
                    raise ParseError("frame before exception line")
                t, v = split_exc(head[0])
                cur = {"type_full": t, "value": "\n".join([v] + head[1:]).strip(), "frames": []}
                excs.append(cur)
            where, loc = m.group(1), m.group(2)
            cls, _, meth = where.rpartition(".")
            native = loc == "Native Method"
            fname, lineno = loc, None
            if ":" in loc:
                fname, _, l = loc.rpartition(":")
                lineno = int(l) if l.isdigit() else None
            cur["frames"].append((cls, meth, fname if fname not in ("Native Method", "Unknown Source") else None,
                                  lineno, native))
            continue
        mm = MORE.match(ln)
        if mm and cur is not None:
            n = int(mm.group(1))
            outer = excs[-2]["frames"] if len(excs) >= 2 else []
            cur["frames"].extend(outer[len(outer) - n:] if 0 < n <= len(outer) else [])
            continue
        mc = CAUSED.match(ln)
        if mc:
            t, v = split_exc(mc.group(1))
            cur = {"type_full": t, "value": v, "frames": []}
            excs.append(cur)
            head = []
            continue
        if cur is None:
            head.append(ln)
        elif not cur["frames"]:
            cur["value"] = (cur["value"] + "\n" + ln).strip()
    if not excs:
        if head:
            t, v = split_exc(head[0])
            excs.append({"type_full": t, "value": "\n".join([v] + head[1:]).strip(), "frames": []})
        else:
            raise ParseError("no exception in trace")
    return excs


def to_event(rec, app_pkg, release):
    excs = parse_trace(rec["raw"])
    values = []
    for e in reversed(excs):  # oldest (deepest cause) first
        pkg, _, simple = e["type_full"].rpartition(".")
        frames = []
        for cls, meth, fname, lineno, native in reversed(e["frames"]):
            fr = {"module": cls, "function": meth, "in_app": bool(app_pkg) and cls.startswith(app_pkg)}
            if fname:
                fr["filename"] = fname
            if lineno is not None:
                fr["lineno"] = lineno
            if native:
                fr["native"] = True
            frames.append(fr)
        v = {"type": simple, "value": e["value"], "module": pkg or None, "stacktrace": {"frames": frames}}
        values.append(v)
    if len(values) > 1:
        for i, v in enumerate(values):
            v["mechanism"] = {"type": "chained" if i < len(values) - 1 else "generic", "exception_id": len(values) - 1 - i}
    eid = hashlib.md5(("%s/%s/%s" % (rec["project"], rec["bug_id"], rec["test"])).encode()).hexdigest()
    ev = {"event_id": eid, "platform": "java", "level": "error", "logger": "", "release": release,
          "environment": "defects4j", "exception": {"values": values},
          "sdk": {"name": "faultline.convert.defects4j", "version": "1"}}
    return ev


def load_meta(meta_dir):
    rev = {}
    if not meta_dir or not os.path.isdir(meta_dir):
        return rev
    for fn in os.listdir(meta_dir):
        if not fn.endswith(".csv"):
            continue
        proj = fn.split("_")[0]
        with open(os.path.join(meta_dir, fn)) as f:
            next(f, None)
            for line in f:
                parts = line.strip().split(",")
                if len(parts) >= 2 and parts[0].isdigit():
                    rev[(proj, int(parts[0]))] = parts[1][:12]
    return rev


def convert(inp, out, crash_only=False):
    meta = load_meta(os.path.join(os.path.dirname(inp), "meta"))
    recs = []
    with gzip.open(inp, "rt") as f:
        for line in f:
            recs.append(json.loads(line))
    recs.sort(key=lambda r: (r["project"], int(r["bug_id"]), r["test"]))
    n = bad = 0
    with gzip.open(out, "wt") as fo:
        for r in recs:
            crash = r["exception_type"] not in ORACLE_FAILURES
            if crash_only and not crash:
                continue
            release = "%s@%s" % (r["project"].lower(), meta.get((r["project"], int(r["bug_id"])), "bug%s" % r["bug_id"]))
            try:
                ev = to_event(r, APP_PACKAGES.get(r["project"]), release)
            except ParseError as e:
                bad += 1
                print("skip %s %s: %s" % (r["group"], r["test"], e), file=sys.stderr)
                continue
            fo.write(json.dumps({"event": ev, "group": r["group"], "language": "java", "source": "defects4j",
                                 "test": r["test"], "crash_like": crash, "trace": r["raw"]}) + "\n")
            n += 1
    print("defects4j: wrote %d events (%d skipped) to %s" % (n, bad, out))
    return n


SAMPLE = """--- org.example.FooTest::testBar
java.lang.RuntimeException: wrapper: failed
second line
\tat org.example.Foo.run(Foo.java:10)
\tat org.example.FooTest.testBar(FooTest.java:20)
\tat sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
\tat junit.framework.TestCase.runTest(TestCase.java:176)
Caused by: java.lang.IllegalStateException: bad state x=3
\tat org.example.Bar.check(Bar.java:5)
\tat org.example.Foo.run(Foo.java:8)
\t... 3 more
"""


def selfcheck():
    ev = to_event({"project": "X", "bug_id": 1, "test": "t", "raw": SAMPLE}, "org.example", "x@1")
    vals = ev["exception"]["values"]
    assert len(vals) == 2, vals
    root, top = vals
    assert root["type"] == "IllegalStateException" and root["module"] == "java.lang" and root["value"] == "bad state x=3"
    assert top["type"] == "RuntimeException" and top["value"] == "wrapper: failed\nsecond line", top["value"]
    rf = root["stacktrace"]["frames"]
    # 2 own frames + 3 restored from "... 3 more", oldest first
    assert [f["function"] for f in rf] == ["runTest", "invoke0", "testBar", "run", "check"], rf
    assert rf[-1] == {"module": "org.example.Bar", "function": "check", "in_app": True, "filename": "Bar.java", "lineno": 5}
    assert rf[1].get("native") is True and "lineno" not in rf[1] and rf[0]["in_app"] is False
    tf = top["stacktrace"]["frames"]
    assert tf[-1]["function"] == "run" and tf[-1]["lineno"] == 10 and tf[-1]["in_app"]
    try:
        parse_trace("\tat a.b.c(D.java:1)\n")
        raise AssertionError("frame before exception accepted")
    except ParseError:
        pass
    assert parse_trace("java.lang.Error")[0]["type_full"] == "java.lang.Error"
    print("convert_defects4j selfcheck: 1 passed, 0 failed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--in", dest="inp", default=DEFAULT_IN)
    ap.add_argument("--out", default="train/corpus/out/defects4j.jsonl.gz")
    ap.add_argument("--crash-only", action="store_true")
    ap.add_argument("--selfcheck", action="store_true")
    a = ap.parse_args()
    if a.selfcheck:
        selfcheck()
        return
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    convert(a.inp, a.out, a.crash_only)


if __name__ == "__main__":
    main()
