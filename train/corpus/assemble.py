#!/usr/bin/python3
"""Assemble the per-library outputs of the language builders into the eval-format corpus.

Reads work/{py,node,go,ruby}/out/*.jsonl (records written by build_*.py), checks them, orders
them as one simulated event stream, splits train/dev by mutated file (so every mutant, and
every sibling mutant of the same function or file, sits in one split only), and writes
  out/train.jsonl.gz, out/dev.jsonl.gz   one {"event":..,"group":..,<metadata>} per line
  out/stats.json, out/STATS.md           counts per language / split (pasted into README.md)
Usage: assemble.py [--dev-share 0.25] [--seed 5]
"""
import argparse
import collections
import glob
import gzip
import hashlib
import json
import os
import random
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RESERVED_NPM = ["semver", "yaml", "js-yaml", "marked", "ajv", "qs", "csv-parse", "acorn", "handlebars", "mustache",
                "moment", "dayjs", "lodash", "commander", "minimist", "ini", "toml", "fast-xml-parser", "fast-uri",
                "uuid", "date-fns", "diff", "jsonpath-plus"]
MAX_PER_GROUP = 30


def exc_values(event):
    """sentry-go 0.11 sends "exception" as a bare list; other SDKs as {"values": [...]}."""
    e = event.get("exception")
    return e if isinstance(e, list) else (e or {}).get("values") or []


def frames(event):
    for ex in exc_values(event):
        for fr in (ex.get("stacktrace") or {}).get("frames") or []:
            yield fr


def reserved_frame(event):
    for fr in frames(event):
        p = fr.get("abs_path") or fr.get("filename") or ""
        for r in RESERVED_NPM:
            if "/node_modules/%s/" % r in p:
                return r
    return None


def load(paths):
    recs = []
    for p in paths:
        with open(p) as f:
            for line in f:
                recs.append(json.loads(line))
    return recs


def split_of(rec, dev_share):
    key = rec["language"] + ":" + rec["mutated_function"].rsplit(":", 1)[0]
    h = int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "dev" if h < dev_share else "train"


def order(recs, rng):
    """One stream: each mutant starts at a random time; its release-1 events come in capture
    order, its release-2 events (if any) some time later."""
    by = collections.OrderedDict()
    for r in recs:
        by.setdefault(r["group"], []).append(r)
    timed = []
    for g, rs in by.items():
        t = rng.random()
        for r in rs:
            if r["release"] == 1:
                t += rng.random() * 0.01
                timed.append((t, r))
        t2 = t + 0.05 + rng.random() * 0.3
        for r in rs:
            if r["release"] == 2:
                t2 += rng.random() * 0.01
                timed.append((t2, r))
    timed.sort(key=lambda x: x[0])
    return [r for _, r in timed]


def stats(recs):
    out = {}
    langs = sorted({r["language"] for r in recs})
    for lang in langs + ["all"]:
        rs = [r for r in recs if lang == "all" or r["language"] == lang]
        sizes = collections.Counter(r["group"] for r in rs)
        n = list(sizes.values())
        out[lang] = {
            "events": len(rs), "groups": len(sizes), "singletons": sum(1 for v in n if v == 1),
            "events_per_group_mean": round(statistics.mean(n), 2) if n else 0,
            "events_per_group_median": statistics.median(n) if n else 0,
            "max_group": max(n) if n else 0,
            "libraries": len({r["library"] for r in rs}),
            "release2_events": sum(1 for r in rs if r["release"] == 2),
            "groups_with_release2": len({r["group"] for r in rs if r["release"] == 2}),
            "chained_events": sum(1 for r in rs if len(exc_values(r["event"])) > 1),
            "exception_types": collections.Counter(r["exception_type"] for r in rs).most_common(12),
            "root_exception_types": collections.Counter(r["root_exception_type"] for r in rs).most_common(12),
            "mutant_kinds": collections.Counter(r["mutant_kind"] for r in rs).most_common(),
        }
        paths = collections.defaultdict(set)
        for r in rs:
            paths[r["group"]].add(tuple(fr.get("function") for fr in frames(r["event"])))
        out[lang]["groups_with_several_stacks"] = sum(1 for v in paths.values() if len(v) > 1)
        out[lang]["events_without_in_app_frame"] = sum(
            1 for r in rs if not any(fr.get("in_app") for fr in frames(r["event"])))
        funcs = collections.defaultdict(set)
        for r in rs:
            funcs[(r["language"], r["mutated_function"])].add(r["group"])
        out[lang]["functions_with_2plus_mutants"] = sum(1 for v in funcs.values() if len(v) > 1)
    return out


def md_table(st):
    rows = ["| language | libraries | events | groups | singletons | events/group mean (median, max) | release-2 groups | chained events | same-function mutant sets | groups with several stacks | events without in-app frame |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for lang, s in st.items():
        rows.append("| %s | %d | %d | %d | %d | %.1f (%s, %d) | %d | %d | %d | %d | %d |" % (
            lang, s["libraries"], s["events"], s["groups"], s["singletons"], s["events_per_group_mean"],
            s["events_per_group_median"], s["max_group"], s["groups_with_release2"], s["chained_events"],
            s["functions_with_2plus_mutants"], s["groups_with_several_stacks"], s["events_without_in_app_frame"]))
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev-share", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    args = ap.parse_args()
    paths = sorted(glob.glob(os.path.join(HERE, "work", "*", "out", "*.jsonl")))
    recs = load(paths)
    clean = []
    dropped = collections.Counter()
    # cap each group at MAX_PER_GROUP events; when release 2 exists, keep up to half of the
    # cap for it (builders already cap each release at MAX_PER_GROUP)
    by_rel = collections.Counter((r["group"], r["release"]) for r in recs)
    quota = {}
    for (g, rel), n in by_rel.items():
        n1, n2 = by_rel.get((g, 1), 0), by_rel.get((g, 2), 0)
        k2 = min(n2, max(MAX_PER_GROUP // 2, MAX_PER_GROUP - n1))
        quota[(g, 1)], quota[(g, 2)] = MAX_PER_GROUP - k2, k2
    taken = collections.Counter()
    for r in recs:
        res = reserved_frame(r["event"])
        if res:
            dropped["reserved:" + res] += 1
            continue
        key = (r["group"], r["release"])
        if taken[key] >= quota[key]:
            dropped["over_cap"] += 1
            continue
        vals = exc_values(r["event"])
        if not vals:
            dropped["no_exception"] += 1
            continue
        taken[key] += 1
        # the SDKs list chained exceptions oldest (root cause) first
        r["root_exception_type"] = vals[0].get("type")
        r["exception_type"] = vals[-1].get("type")
        clean.append(r)
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    allst = {}
    for split in ("train", "dev"):
        rs = order([r for r in clean if split_of(r, args.dev_share) == split], rng)
        with gzip.open(os.path.join(args.out, split + ".jsonl.gz"), "wt", compresslevel=9) as f:
            for r in rs:
                line = {"event": r["event"], "group": r["group"]}
                for k in ("language", "sdk", "library", "mutant_kind", "mutated_function", "release", "renamed_local",
                          "exception_type", "root_exception_type", "trace"):
                    line[k] = r.get(k)
                f.write(json.dumps(line, separators=(",", ":")) + "\n")
        allst[split] = stats(rs)
    allst["all"] = stats(clean)
    allst["dropped"] = dict(dropped)
    with open(os.path.join(args.out, "stats.json"), "w") as f:
        json.dump(allst, f, indent=1)
    with open(os.path.join(args.out, "STATS.md"), "w") as f:
        for split in ("all", "train", "dev"):
            f.write("### %s\n\n%s\n\n" % (split, md_table(allst[split])))
        a = allst["all"]["all"]
        f.write("Top exception types (newest exception of the event): %s\n\n" % ", ".join("%s %d" % t for t in a["exception_types"]))
        f.write("Top root-cause types (oldest exception of a chain): %s\n\n" % ", ".join("%s %d" % t for t in a["root_exception_types"]))
        f.write("Mutant kinds (events): %s\n\nDropped: %s\n" % (", ".join("%s %d" % t for t in a["mutant_kinds"]), dict(dropped) or "none"))
    print(open(os.path.join(args.out, "STATS.md")).read())


if __name__ == "__main__":
    main()
