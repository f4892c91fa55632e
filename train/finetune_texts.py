#!/usr/bin/python3
"""Canonical texts for fine-tuning: one {"text", "group", "library", "root", "platform"} per event.

The text is exactly what the server embeds: `faultline grouping-info --text crash-first`, run on
each event of an eval-format JSONL(.gz) dataset ({"event": ..., "group": ...} per line).

    /usr/bin/python3 train/finetune_texts.py DATASET.jsonl.gz OUT.jsonl [--faultline build/faultline]
"""
import argparse
import gzip
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dataset")
    ap.add_argument("out")
    ap.add_argument("--faultline", default="build/faultline")
    ap.add_argument("--text", default="crash-first")
    ap.add_argument("--jobs", type=int, default=6)
    a = ap.parse_args()
    raw = open(a.dataset, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    events = [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]

    def text_of(d):
        r = subprocess.run([a.faultline, "grouping-info", "--text", a.text, "-"],
                           input=json.dumps(d["event"]).encode(), capture_output=True)
        return r.stdout.decode("utf-8").rstrip("\n") if r.returncode == 0 else None

    # one process per event; the latency is mostly process start, so run a few at once
    with ThreadPoolExecutor(a.jobs) as pool:
        texts = list(pool.map(text_of, events))
    n = bad = 0
    with open(a.out, "w") as out:
        for d, text in zip(events, texts):
            if text is None:
                bad += 1
                continue
            ev = d["event"]
            rec = {"text": text, "group": str(d["group"]),
                   "library": d.get("library") or "", "platform": ev.get("platform") or "other",
                   "root": d.get("root_exception_type") or text.split(":", 1)[0]}
            out.write(json.dumps(rec) + "\n")
            n += 1
    print("%s: %d texts, %d refused" % (a.dataset, n, bad), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
