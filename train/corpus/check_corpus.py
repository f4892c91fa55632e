#!/usr/bin/python3
"""Check eval-format corpus files: every line is {"event": {...}, "group": "<label>", ...}; every
event has at least one exception with a type ("exception" as {"values": [...]} or, as sentry-go
0.11 sends it, a bare list); groups hold at most --max-group events; no group
appears in two of the given files (train/dev split by mutant).
Usage: check_corpus.py FILE.jsonl.gz [FILE2 ...] [--max-group 30] | --selfcheck
Exit status 1 and a message per problem when a check fails."""
import argparse
import collections
import gzip
import io
import json
import sys


def check_lines(name, lines, max_group, seen_groups, problems):
    sizes = collections.Counter()
    for i, line in enumerate(lines, 1):
        try:
            rec = json.loads(line)
        except ValueError as e:
            problems.append("%s:%d: not JSON (%s)" % (name, i, e))
            continue
        ev, g = rec.get("event") if isinstance(rec, dict) else None, rec.get("group") if isinstance(rec, dict) else None
        if not isinstance(ev, dict) or not isinstance(g, str) or not g:
            problems.append("%s:%d: needs an \"event\" object and a \"group\" string" % (name, i))
            continue
        exc = ev.get("exception")
        # {"values": [...]} from most SDKs; a bare list from sentry-go 0.11 (accepted by Sentry too)
        vals = exc if isinstance(exc, list) else exc.get("values") if isinstance(exc, dict) else None
        if not vals or not all(isinstance(v, dict) and v.get("type") for v in vals):
            problems.append("%s:%d: event without exception type" % (name, i))
        sizes[g] += 1
    for g, n in sizes.items():
        if max_group and n > max_group:
            problems.append("%s: group %s has %d events (max %d)" % (name, g, n, max_group))
        if g in seen_groups and seen_groups[g] != name:
            problems.append("group %s is in both %s and %s" % (g, seen_groups[g], name))
        seen_groups[g] = name
    return sum(sizes.values()), len(sizes)


def selfcheck():
    ok = ['{"event": {"exception": {"values": [{"type": "E"}]}}, "group": "a"}',
          '{"event": {"exception": [{"type": "E"}]}, "group": "a"}']
    p, seen = [], {}
    assert check_lines("x", ok, 30, seen, p) == (2, 1) and not p
    check_lines("y", ok[:1], 30, seen, p)
    assert any("both" in s for s in p), p
    p = []
    check_lines("z", ok * 2, 3, {}, p)
    assert any("max 3" in s for s in p), p
    p = []
    check_lines("w", ["{bad", '{"event": {}, "group": "g"}', '{"group": 3}'], 30, {}, p)
    assert len(p) == 3, p
    print("check_corpus selfcheck: 1 passed, 0 failed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*")
    ap.add_argument("--max-group", type=int, default=30)
    ap.add_argument("--selfcheck", action="store_true")
    a = ap.parse_args()
    if a.selfcheck:
        selfcheck()
        return 0
    problems, seen = [], {}
    for fn in a.files:
        with gzip.open(fn, "rt") if fn.endswith(".gz") else open(fn) as f:
            n, g = check_lines(fn, f, a.max_group, seen, problems)
        print("%s: %d events, %d groups" % (fn, n, g))
    for p in problems[:50]:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
