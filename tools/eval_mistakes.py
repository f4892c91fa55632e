#!/usr/bin/python3
"""Lists grouping mistakes from `faultline eval --assignments OUT.jsonl` and its dataset.

usage: tools/eval_mistakes.py DATASET.jsonl[.gz] ASSIGNMENTS.jsonl [--strategy hybrid] [--n 5]
For the strategy: the largest over-merges (issues holding several true groups, with the reason
that put the intruders there) and the largest splits (groups spread over several issues), each
with the exception type/value and top frame of an example event."""
import argparse
import collections
import gzip
import json


def describe(event):
    exc = event.get("exception")
    values = exc if isinstance(exc, list) else (exc or {}).get("values") or []
    if not values:
        return (event.get("message") or "")[:80]
    root, newest = values[0], values[-1]
    frames = ((newest.get("stacktrace") or {}).get("frames") or [])
    top = frames[-1] if frames else {}
    where = f"{top.get('module') or top.get('filename') or '?'}:{top.get('function') or '?'}"
    chain = f" (root {root.get('type')}: {str(root.get('value'))[:40]})" if len(values) > 1 else ""
    return f"{newest.get('type')}: {str(newest.get('value'))[:60]} @ {where}{chain}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset")
    ap.add_argument("assignments")
    ap.add_argument("--strategy", default="hybrid")
    ap.add_argument("--n", type=int, default=5)
    a = ap.parse_args()
    opener = gzip.open if a.dataset.endswith(".gz") else open
    with opener(a.dataset, "rt") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    issues = collections.defaultdict(list)
    groups = collections.defaultdict(set)
    for line in open(a.assignments):
        r = json.loads(line)
        if r.get("strategy") != a.strategy:
            continue
        ev = rows[r["line"] - 1]
        issues[r["issue"]].append((r["label"], r["reason"], r.get("distance"), ev["event"]))
        groups[r["label"]].add(r["issue"])
    merged = sorted(issues.items(), key=lambda kv: -len({x[0] for x in kv[1]}))
    print(f"## {a.strategy}: issues holding several true groups")
    for issue, members in merged[:a.n]:
        labels = collections.Counter(x[0] for x in members)
        if len(labels) < 2:
            break
        print(f"- issue {issue}: {len(members)} events, {len(labels)} groups")
        seen = set()
        for label, reason, dist, ev in members:
            if label in seen:
                continue
            seen.add(label)
            d = f" d={dist:.4f}" if isinstance(dist, (int, float)) and dist >= 0 else ""
            print(f"    {label} via {reason}{d}: {describe(ev)}")
            if len(seen) >= 4:
                break
    print(f"\n## {a.strategy}: groups split over several issues")
    for label, iss in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:a.n]:
        print(f"- {label}: {len(iss)} issues")
        shown = 0
        for issue in sorted(iss)[:3]:
            for lab, reason, dist, ev in issues[issue]:
                if lab == label:
                    print(f"    issue {issue} ({reason}): {describe(ev)}")
                    shown += 1
                    break


if __name__ == "__main__":
    main()
