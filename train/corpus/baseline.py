#!/usr/bin/python3
"""Two simple reference groupings on an eval-format file, to show how hard the corpus is
(faultline eval is the real measurement). Pairwise precision/recall/F1 and BCubed F1 of:
  stack-hash   exception types + module/function of the in-app frames of every exception in the
               chain (all frames when none is in-app), no line numbers: close to Sentry's default
  type+top     newest exception type + the function of its crashing frame
Usage: baseline.py FILE.jsonl.gz [--by-language]"""
import argparse
import collections
import gzip
import json


def exc_values(event):
    e = event.get("exception")
    return e if isinstance(e, list) else (e or {}).get("values") or []


def stack_hash(ev):
    parts = []
    for ex in exc_values(ev):
        frames = (ex.get("stacktrace") or {}).get("frames") or []
        app = [f for f in frames if f.get("in_app")] or frames
        parts.append((ex.get("type"), tuple((f.get("module"), f.get("function")) for f in app)))
    return tuple(parts)


def type_top(ev):
    vals = exc_values(ev)
    if not vals:
        return None
    frames = (vals[-1].get("stacktrace") or {}).get("frames") or []
    return (vals[-1].get("type"), frames[-1].get("function") if frames else None)


def pairwise(labels, preds):
    def pairs(xs):
        return sum(n * (n - 1) // 2 for n in collections.Counter(xs).values())
    tp = pairs(list(zip(labels, preds)))
    p, r = tp / max(1, pairs(preds)), tp / max(1, pairs(labels))
    return p, r, 2 * p * r / max(1e-9, p + r)


def bcubed(labels, preds):
    joint = collections.Counter(zip(labels, preds))
    lc, pc = collections.Counter(labels), collections.Counter(preds)
    p = sum(joint[(l, q)] / pc[q] for l, q in zip(labels, preds)) / len(labels)
    r = sum(joint[(l, q)] / lc[l] for l, q in zip(labels, preds)) / len(labels)
    return 2 * p * r / max(1e-9, p + r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--by-language", action="store_true")
    a = ap.parse_args()
    recs = [json.loads(l) for l in gzip.open(a.file, "rt")]
    groups = collections.defaultdict(list)
    for r in recs:
        groups["all"].append(r)
        if a.by_language:
            groups[r.get("language", "?")].append(r)
    print("| subset | events | groups | strategy | issues | pairwise P | pairwise R | pairwise F1 | BCubed F1 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, rs in sorted(groups.items()):
        labels = [r["group"] for r in rs]
        for sname, fn in (("stack-hash", stack_hash), ("type+top", type_top)):
            preds = [repr(fn(r["event"])) for r in rs]
            p, r_, f = pairwise(labels, preds)
            print("| %s | %d | %d | %s | %d | %.3f | %.3f | %.3f | %.3f |" % (
                name, len(rs), len(set(labels)), sname, len(set(preds)), p, r_, f, bcubed(labels, preds)))


if __name__ == "__main__":
    main()
