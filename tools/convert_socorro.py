#!/usr/bin/python3
"""Convert the Mozilla Socorro crash reports (shared/datasets/mozilla_socorro_fx49) into the eval
format: one {"event": <Sentry-shaped native event>, "group": <Socorro signature>, ...} per line.

The reports are Breakpad/minidump-processor output, not SDK events. They are mapped onto the shape
of a native (minidump) event: platform "native"; one exception whose type is the crash reason
(e.g. EXCEPTION_ACCESS_VIOLATION_READ) with mechanism {"type": "minidump", "handled": false};
frames oldest first with function (demangled signature), package (module), filename and abs_path
(the source path taken out of the "hg:repo:path:rev" locator), lineno, instruction_addr (the module
offset: absolute addresses are not in the data) and in_app (true for Firefox's own modules).
The label is Socorro's rule-based signature: a proxy, not a human duplicate label (see the dataset
README). Records replay sorted by date_processed. The data may not leave the project: the output
goes to a git-ignored folder by default.
Usage: convert_socorro.py [--in crashes.jsonl.gz] [--out FILE.jsonl.gz] | --selfcheck
"""
import argparse
import gzip
import json
import os
import re
import sys

DEFAULT_IN = "/work/shared/datasets/mozilla_socorro_fx49/crashes.jsonl.gz"
# Firefox's own modules (in-app); everything else (OS, drivers, injected DLLs) is not
APP_MODULE = re.compile(
    r"^(lib)?(xul|mozglue|firefox|plugin-container|nss3|smime3|ssl3|nssutil3|lgpllibs|mozavcodec|mozavutil|"
    r"freebl3|freeblpriv3|softokn3|nssckbi|mozsandbox|mozgtk|mozwayland|breakpadinjector|clearkey|"
    r"sandboxbroker|IA2Marshal|AccessibleMarshal)(\.(dll|exe|so|dylib))?$", re.I)
OS_NAMES = {"Windows NT": "Windows", "Mac OS X": "macOS", "Linux": "Linux"}


def split_file(loc):
    """'hg:hg.mozilla.org/releases/mozilla-release:memory/x.cpp:2d931a5eaf8a' -> ('memory/x.cpp', loc)."""
    if not loc:
        return None, None
    if loc.startswith(("hg:", "git:", "s3:")):
        parts = loc.split(":")
        if len(parts) >= 4:
            return parts[2], loc
    return loc.replace("\\", "/").rsplit("/", 1)[-1] if "/" in loc or "\\" in loc else loc, loc


def to_event(rec):
    frames = []
    for fr in reversed(rec.get("frames") or []):
        module = fr.get("module") or None
        out = {}
        fn = fr.get("function")
        if fn:
            out["function"] = fn
        if module:
            out["package"] = module
        fname, abs_path = split_file(fr.get("file"))
        if fname:
            out["filename"] = fname
            out["abs_path"] = abs_path
        if isinstance(fr.get("line"), int):
            out["lineno"] = fr["line"]
        off = fr.get("module_offset") or fr.get("offset")
        if isinstance(off, str) and re.match(r"^0x[0-9a-fA-F]+$", off):
            out["instruction_addr"] = off.lower()
        out["in_app"] = bool(module) and bool(APP_MODULE.match(module))
        if fr.get("trust"):
            out["trust"] = fr["trust"]
        frames.append(out)
    reason = rec.get("reason") or rec.get("crash_type") or "Crash"
    exc = {"type": reason.split(" / ")[0].strip() or "Crash", "value": reason,
           "mechanism": {"type": "minidump", "handled": False, "synthetic": True}}
    if frames:
        exc["stacktrace"] = {"frames": frames}
    ev = {"event_id": (rec.get("uuid") or "").replace("-", "")[:32], "platform": "native", "level": "fatal",
          "timestamp": rec.get("date_processed"), "release": "firefox@%s" % rec.get("version", "unknown"),
          "exception": {"values": [exc]},
          "contexts": {"os": {"name": OS_NAMES.get(rec.get("os_name"), rec.get("os_name"))},
                       "device": {"arch": rec.get("cpu_name")}},
          "tags": {"process_type": rec.get("process_type") or "browser"},
          "sdk": {"name": "faultline.convert.socorro", "version": "1"}}
    return ev


def convert(inp, out):
    recs = []
    with gzip.open(inp, "rt") as f:
        for line in f:
            recs.append(json.loads(line))
    recs.sort(key=lambda r: (r.get("date_processed") or "", r.get("uuid") or ""))
    n = 0
    with gzip.open(out, "wt") as fo:
        for r in recs:
            fo.write(json.dumps({"event": to_event(r), "group": r["signature"], "language": "native",
                                 "source": "socorro", "proto_signature": r.get("proto_signature")}) + "\n")
            n += 1
    print("socorro: wrote %d events in %d groups to %s" % (n, len({r["signature"] for r in recs}), out))


def selfcheck():
    rec = {"uuid": "002cae34-1d81-4a75-ac7c-2767a2170103", "signature": "sig", "date_processed": "2017-01-03T08:20:54+00:00",
           "version": "49.0.1", "os_name": "Windows NT", "cpu_name": "x86", "process_type": "content",
           "reason": "EXCEPTION_ACCESS_VIOLATION_READ",
           "frames": [{"frame": 0, "function": "mozalloc_abort(char const * const)", "module": "mozglue.dll",
                       "file": "hg:hg.mozilla.org/releases/mozilla-release:memory/mozalloc/mozalloc_abort.cpp:2d931a5eaf8a",
                       "line": 33, "module_offset": "0xE846", "trust": "context"},
                      {"frame": 1, "function": "RtlUserThreadStart", "module": "ntdll.dll", "module_offset": "0x5f2b1", "trust": "scan"},
                      {"frame": 2, "module_offset": "junk", "trust": "scan"}]}
    ev = to_event(rec)
    ex = ev["exception"]["values"][0]
    fr = ex["stacktrace"]["frames"]
    assert ex["type"] == "EXCEPTION_ACCESS_VIOLATION_READ" and ex["mechanism"]["handled"] is False
    assert len(fr) == 3 and fr[-1]["function"] == "mozalloc_abort(char const * const)"
    assert fr[-1]["filename"] == "memory/mozalloc/mozalloc_abort.cpp" and fr[-1]["lineno"] == 33
    assert fr[-1]["instruction_addr"] == "0xe846" and fr[-1]["in_app"] is True and fr[-1]["package"] == "mozglue.dll"
    assert fr[1]["in_app"] is False and "filename" not in fr[1]
    assert fr[0] == {"in_app": False, "trust": "scan"}, fr[0]
    assert ev["platform"] == "native" and ev["event_id"] == "002cae341d814a75ac7c2767a2170103"
    assert ev["contexts"]["os"]["name"] == "Windows"
    empty = to_event({"uuid": "x", "signature": "s"})
    assert "stacktrace" not in empty["exception"]["values"][0]
    print("convert_socorro selfcheck: 1 passed, 0 failed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--in", dest="inp", default=DEFAULT_IN)
    ap.add_argument("--out", default="train/corpus/work/converted/socorro.jsonl.gz")
    ap.add_argument("--selfcheck", action="store_true")
    a = ap.parse_args()
    if a.selfcheck:
        selfcheck()
        return
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    convert(a.inp, a.out)


if __name__ == "__main__":
    main()
