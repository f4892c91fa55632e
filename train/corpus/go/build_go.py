#!/usr/bin/python3
"""Build the Go part of the corpus: mutants in Debian-packaged Go libraries (golang-*-dev sources
under /usr/share/gocode), events from the real sentry-go SDK (Debian 0.11.0), GOPATH mode.

Same scheme as python/build_python.py:
  1. copy each library's package tree into work/go/src (first on GOPATH; system files untouched),
     and the appsvc driver into work/go/src/appsvc;
  2. `go test -coverpkg` runs the jobs once without mutation: which functions they reach;
  3. mutants in reached functions (gofmt'd sources: one-line signatures, closing brace at col 0):
     panics with run-time values (pkg/errors values carry their own stack), runtime panics
     (nil map, nil pointer, index, interface conversion, divide by zero), a nil receiver;
  4. per mutant: write the file, `go build` (skipped if it does not compile), run, keep events
     with a frame inside the mutated function, restore;
  5. release 2 for a third of the mutants: comment lines above the function, a local renamed,
     one extra app wrapper frame.
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.dirname(HERE)
WORK = os.path.join(CORPUS, "work", "go")
SRC = os.path.join(WORK, "src")
GOCODE = "/usr/share/gocode/src"

LIBS = {
    "gjson": ["github.com/tidwall/gjson"], "decimal": ["github.com/shopspring/decimal"],
    "cast": ["github.com/spf13/cast"], "humanize": ["github.com/dustin/go-humanize"],
    "mapstructure": ["github.com/mitchellh/mapstructure"], "expr": ["github.com/antonmedv/expr"],
    "jsonparser": ["github.com/buger/jsonparser"], "bluemonday": ["github.com/microcosm-cc/bluemonday"],
    "glob": ["github.com/gobwas/glob"], "tablewriter": ["github.com/olekukonko/tablewriter"],
    "markdown": ["github.com/gomarkdown/markdown"], "goquery": ["github.com/PuerkitoBio/goquery"],
    "dateparse": ["github.com/araddon/dateparse"], "version": ["github.com/hashicorp/go-version"],
    "gojq": ["github.com/itchyny/gojq"], "inflection": ["github.com/jinzhu/inflection"],
    "fastjson": ["github.com/valyala/fastjson"],
}
APT = ("golang-go golang-github-getsentry-sentry-go-dev golang-github-pkg-errors-dev golang-github-tidwall-gjson-dev "
       "golang-github-shopspring-decimal-dev golang-github-spf13-cast-dev golang-github-dustin-go-humanize-dev "
       "golang-github-mitchellh-mapstructure-dev golang-github-antonmedv-expr-dev golang-github-buger-jsonparser-dev "
       "golang-github-microcosm-cc-bluemonday-dev golang-github-gobwas-glob-dev golang-github-olekukonko-tablewriter-dev "
       "golang-github-gomarkdown-markdown-dev golang-github-puerkitobio-goquery-dev golang-github-araddon-dateparse-dev "
       "golang-github-hashicorp-go-version-dev golang-github-itchyny-gojq-dev golang-github-jinzhu-inflection-dev "
       "golang-github-valyala-fastjson-dev")
FUNC_RE = re.compile(r"^func (\((\w+) [^)]*\) )?([A-Za-z_]\w*)(\[[^\]]*\])?\((.*)\)(.*)\{$")
IMPORT = 'import pkgerrors "github.com/pkg/errors"'


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def genv():
    return dict(os.environ, GOPATH=WORK + ":/usr/share/gocode", GO111MODULE="off", GOFLAGS="",
                GOCACHE=os.path.join(WORK, "cache"), GOTOOLCHAIN="local")


def setup():
    for paths in LIBS.values():
        for p in paths:
            dst = os.path.join(SRC, p)
            if not os.path.exists(dst):
                shutil.copytree(os.path.join(GOCODE, p), dst,
                                ignore=shutil.ignore_patterns("*_test.go", "testdata", ".git*"))
    app = os.path.join(SRC, "appsvc")
    shutil.rmtree(app, ignore_errors=True)
    shutil.copytree(os.path.join(HERE, "appsvc"), app)


def build(lib):
    out = os.path.join(WORK, "bin", "app-" + lib)
    r = subprocess.run(["nice", "-n", "10", "go", "build", "-tags", "lib_" + lib, "-ldflags=-s -w", "-o", out, "appsvc"],
                       env=genv(), cwd=os.path.join(SRC, "appsvc"), capture_output=True, text=True, timeout=300)
    return out if r.returncode == 0 else None


def run_driver(binary, out, release, skip, timeout=30):
    if os.path.exists(out):
        os.unlink(out)
    env = dict(genv(), FL_OUT=out, FL_RELEASE=str(release), FL_SKIP=",".join(skip))
    try:
        subprocess.run(["nice", "-n", "10", binary], env=env, timeout=timeout, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd=os.path.join(SRC, "appsvc"))
    except subprocess.TimeoutExpired:
        return None
    recs = []
    if os.path.exists(out):
        for line in open(out):
            try:
                recs.append(json.loads(line))
            except ValueError:
                pass
    return recs


def parse_params(s):
    """'a, b string, c *T' -> [('a','string'), ('b','string'), ('c','*T')] (best effort)."""
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    out, pending = [], []
    for p in parts:
        toks = p.split(None, 1)
        if len(toks) == 2 and re.match(r"^[a-z_]\w*$", toks[0]):
            for n in pending:
                out.append((n, toks[1]))
            pending = []
            out.append((toks[0], toks[1]))
        elif len(toks) == 1 and re.match(r"^[a-z_]\w*$", toks[0]):
            pending.append(toks[0])
    return [(n, t) for n, t in out if n != "_"]


def functions(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    out = []
    for i, ln in enumerate(lines):
        m = FUNC_RE.match(ln)
        if not m:
            continue
        end = None
        for j in range(i + 1, len(lines)):
            if lines[j] == "}":
                end = j + 1
                break
        if end is None or end - (i + 1) < 2:
            continue
        out.append({"name": m.group(3), "recv": m.group(2), "start": i + 1, "end": end,
                    "params": parse_params(m.group(5))})
    return out, lines


def stmt_lines(lines, f):
    res = []
    for ln in range(f["start"] + 1, f["end"]):
        s = lines[ln - 1]
        prev = lines[ln - 2].rstrip()
        if re.match(r"^\t[^\t\s}/)]", s) and not re.match(r"^\t(case |default:|else)", s) \
                and (ln == f["start"] + 1 or not prev.endswith((",", "(", "{", "+", "-", "&&", "||", ".", "=", ":"))
                    or prev == "\t}" or prev.endswith(("\t}", "\t{"))):
            if ln == f["start"] + 1 or prev.startswith("\t") and (re.match(r"^\t[^\t]", prev) or prev == "\t}"):
                res.append(ln)
    return res


def panic_code(rng, f, pname, pexpr):
    what = pname
    msgs = ['"invalid %s: %%.60v", %s' % (what, pexpr), '"%s: unexpected %s %%.40v", %s' % (f["name"], what, pexpr),
            '"could not interpret %%.40v as %s", %s' % (what, pexpr), '"%s rejected %s %%q", %s' % (f["name"], what, pexpr)]
    return ["\tpanic(pkgerrors.Errorf(%s))" % rng.choice(msgs)]


def natural_code(rng, pexpr):
    return rng.choice([
        ["\tvar cache map[string]int", "\tcache[\"seen\"]++"],
        ["\tvar node *struct{ next *int }", "\t_ = *node.next"],
        ["\tidx := 3", "\t_ = make([]int, 2)[idx]"],
        ["\tvar v interface{} = %s" % pexpr, "\t_ = v.(int)"],
        ["\tzero := 0", "\t_ = len(\"ab\") / zero"],
        ["\tvar v interface{} = %s" % pexpr, "\t_ = v.(string) + \"\""],
    ])


def make_mutants(lib, path, reached, rng, budget):
    funcs, lines = functions(path)
    funcs = [f for f in funcs if any(f["start"] <= l <= f["end"] for l in reached)]
    rng.shuffle(funcs)
    muts = []
    for f in funcs:
        if len(muts) >= budget:
            break
        st = stmt_lines(lines, f)
        if not st or st[0] != f["start"] + 1:
            continue
        ps = f["params"]
        if ps:
            pname, _t = rng.choice(ps[:3])
            pexpr = pname
        elif f["recv"]:
            pname, pexpr = f["recv"], f["recv"]
        else:
            pname, pexpr = "state", '"%s"' % f["name"]
        nmut = 1 + (rng.random() < 0.35) + (rng.random() < 0.2)
        for kind in rng.sample(["entry", "entry", "cond", "mid", "natural", "null"], k=nmut):
            at = st[0]
            imp = True
            if kind == "entry":
                code = panic_code(rng, f, pname, pexpr)
            elif kind == "cond":
                cond = rng.choice(["len(s)%3 == 1", "len(s)%2 == 0", "len(s) > 6"])
                code = ["\tif s := pkgerrors.Errorf(\"%%v\", %s).Error(); %s {" % (pexpr, cond),
                        "\t" + panic_code(rng, f, pname, "s")[0], "\t}"]
            elif kind == "mid":
                if len(st) < 2:
                    continue
                at = rng.choice(st[1:])
                code = panic_code(rng, f, pname, pexpr)
            elif kind == "natural":
                code, imp = natural_code(rng, pexpr), False
            else:
                cands = [n for n, t in ps if t.startswith(("*", "map[", "[]"))]
                if f["recv"] and re.search(r"\(\w+ \*", lines[f["start"] - 1]):
                    cands.append(f["recv"])
                if not cands:
                    continue
                code, imp = ["\t%s = nil" % rng.choice(cands)], False
            muts.append({"lib": lib, "path": path, "func": f["name"], "start": f["start"], "end": f["end"],
                         "kind": kind, "at": at, "code": code, "import": imp})
    return muts


def apply(src, m, shift=0):
    lines = src.split("\n")
    at = m["at"] + shift
    lines = lines[:at - 1] + m["code"] + lines[at - 1:]
    off = 0
    if m["import"]:
        for i, ln in enumerate(lines):
            if ln.startswith("package "):
                lines.insert(i + 1, IMPORT)
                off = 1
                break
    return "\n".join(lines), off


def refactor(src, m, rng):
    lines = src.split("\n")
    s, e = m["start"], m["end"]
    body = "\n".join(lines[s:e])
    renamed = None
    locs = sorted(set(re.findall(r"^\t(?:\t)*([a-z]\w*)(?:, \w+)? :=", body, re.M)))
    rng.shuffle(locs)
    for old in locs:
        new = rng.choice(["%sVal", "new%s", "cur%s"]) % (old if not old[0].islower() or True else old)
        new = new[0].lower() + new[1:] if new.startswith("new") or new.startswith("cur") else new
        if "new" in new[:3] or "cur" in new[:3]:
            new = new[:3] + old[0].upper() + old[1:]
        if new in src:
            continue
        pat = re.compile(r"(?<![\w.])%s(?![\w])(?!:[^=])" % re.escape(old))
        lines[s:e] = [pat.sub(new, ln) for ln in lines[s:e]]
        renamed = [old, new]
        break
    k = rng.randrange(2, 7)
    notes = ["// NOTE: kept for backwards compatibility.", "// TODO: revisit once callers migrate.", "//",
             "// Refactored in 2.1: clearer local names.", "// See CHANGELOG."]
    lines = lines[:s - 1] + [rng.choice(notes) for _ in range(k)] + lines[s - 1:]
    return "\n".join(lines), k, renamed


def exc_values(event):
    """sentry-go 0.11 sends "exception" as a bare list; other SDKs as {"values": [...]}."""
    e = event.get("exception")
    return e if isinstance(e, list) else (e or {}).get("values") or []


def frames_of(event):
    for ex in exc_values(event):
        for fr in (ex.get("stacktrace") or {}).get("frames") or []:
            yield fr


def passes(event, path, lo, hi):
    return any(fr.get("abs_path") == path and lo <= (fr.get("lineno") or 0) <= hi for fr in frames_of(event))


def build_lib(lib, args, rng):
    t0 = time.time()
    os.makedirs(os.path.join(WORK, "out"), exist_ok=True)
    prof, cov = os.path.join(WORK, "prof-%s.json" % lib), os.path.join(WORK, "cov-%s.out" % lib)
    pkgs = ",".join(p + "/..." for p in LIBS[lib])
    r = subprocess.run(["nice", "-n", "10", "go", "test", "-tags", "lib_%s profile" % lib, "-coverpkg=" + pkgs,
                        "-coverprofile=" + cov, "-run", "TestProfile", "appsvc"],
                       env=dict(genv(), FL_OUT="/dev/null", FL_PROFILE=prof), cwd=os.path.join(SRC, "appsvc"),
                       capture_output=True, text=True, timeout=600)
    if r.returncode:
        log("  %s: profile failed: %s" % (lib, (r.stdout + r.stderr)[-500:]))
        return
    skip = sorted({e for e in (json.load(open(prof)).get("errors") or [])})
    if skip:
        log("  %s: %d jobs fail without mutation, skipped: %s" % (lib, len(skip), " ".join(skip)[:200]))
    reached = {}
    for ln in open(cov):
        m = re.match(r"^(.+\.go):(\d+)\.\d+,(\d+)\.\d+ \d+ (\d+)$", ln.strip())
        if m and int(m.group(4)) > 0:
            reached.setdefault(os.path.join(SRC, m.group(1)), set()).update(range(int(m.group(2)), int(m.group(3)) + 1))
    binary = build(lib)
    scratch = os.path.join(WORK, "run-%s.jsonl" % lib)
    base = run_driver(binary, scratch, 1, skip, timeout=120) if binary else None
    if base is None or base:
        log("  %s: baseline produced %s events; skipped" % (lib, None if base is None else len(base)))
        return
    total = sum(len(v) for v in reached.values())
    muts = []
    for path in sorted(reached):
        if not os.path.exists(path):
            continue
        budget = max(1, round(args.per_lib * len(reached[path]) / max(1, total)))
        muts += make_mutants(lib, path, reached[path], rng, budget)
    for i, m in enumerate(muts):
        m["id"] = "go-%s-%04d" % (lib, i)
    log("  %s: %d reached lines in %d files, %d mutants" % (lib, total, len(reached), len(muts)))
    kept = []
    for m in muts:
        path = m["path"]
        orig = open(path, encoding="utf-8").read()
        src1, off = apply(orig, m)
        rels = [(1, src1, m["start"] + off, m["end"] + off + len(m["code"]), None)]
        if rng.random() < args.release2:
            rsrc, k, renamed = refactor(orig, m, rng)
            src2, off2 = apply(rsrc, m, shift=k)
            rels.append((2, src2, m["start"] + k + off2, m["end"] + k + off2 + len(m["code"]), renamed))
        try:
            for rel, src, lo, hi, renamed in rels:
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(src)
                binary = build(lib)
                if not binary:
                    break
                recs = run_driver(binary, scratch, rel, skip)
                if recs is None:
                    break
                good = [r for r in recs if passes(r["event"], path, lo, hi)][:args.max_events]
                for r in good:
                    ex = exc_values(r["event"]) or [{}]
                    kept.append({"event": r["event"], "group": m["id"], "language": "go", "sdk": "sentry.go",
                                 "library": lib, "mutant_kind": m["kind"],
                                 "mutated_function": "%s:%s" % (os.path.relpath(path, SRC), m["func"]),
                                 "release": rel, "renamed_local": renamed, "exception_type": ex[-1].get("type"),
                                 "trace": r["trace"]})
                if rel == 1 and not good:
                    break
        finally:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(orig)
    with open(os.path.join(WORK, "out", lib + ".jsonl"), "w") as fh:
        for r in kept:
            fh.write(json.dumps(r) + "\n")
    log("  %s: %d events from %d mutants in %.0fs" % (lib, len(kept), len({r["group"] for r in kept}), time.time() - t0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("libs", nargs="*", default=sorted(LIBS))
    ap.add_argument("--per-lib", type=int, default=15)
    ap.add_argument("--max-events", type=int, default=30)
    ap.add_argument("--release2", type=float, default=0.35)
    ap.add_argument("--seed", type=int, default=17)
    args = ap.parse_args()
    setup()
    for lib in args.libs:
        out = os.path.join(WORK, "out", lib + ".jsonl")
        if os.path.exists(out) and os.environ.get("FL_REBUILD") != "1":
            log("  %s: already built" % lib)
            continue
        build_lib(lib, args, random.Random("%d/%s" % (args.seed, lib)))


SELFCHECK_SRC = """package demo

import "strings"

// Parse counts the bytes of the comma-separated items.
func Parse(text string, strict bool, opts *Options) int {
	items := strings.Split(text, ",")
	total := 0
	for _, item := range items {
		total += len(item)
	}
	return total
}

type Options struct{ N int }

func (o *Options) Size() int {
	n := o.N
	return n
}
"""


def selfcheck():
    """Mutant insertion and the release-2 refactor on a small source, checked with gofmt -e."""
    import tempfile
    assert parse_params("a, b string, c *T, _ int, f func(x, y int) error") == [
        ("a", "string"), ("b", "string"), ("c", "*T"), ("f", "func(x, y int) error")]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.go")
        open(path, "w").write(SELFCHECK_SRC)
        funcs, _ = functions(path)
        assert [(f["name"], f["start"], f["end"]) for f in funcs] == [("Parse", 6, 13), ("Size", 17, 20)], funcs
        for seed in range(6):
            muts = make_mutants("demo", path, set(range(1, 21)), random.Random(seed), 6)
            assert muts
            for m in muts:
                src, off = apply(SELFCHECK_SRC, m)
                rsrc, k, renamed = refactor(SELFCHECK_SRC, m, random.Random(seed))
                src2, off2 = apply(rsrc, m, shift=k)
                for s in (src, src2):
                    r = subprocess.run(["gofmt", "-e", "-l"], input=s, capture_output=True, text=True)
                    assert r.returncode == 0, (r.stderr, s)
                assert (IMPORT in src) == m["import"]
                assert renamed and renamed[1] in src2, (renamed, src2)
    print("build_go selfcheck: 1 passed, 0 failed")


if __name__ == "__main__":
    if sys.argv[1:] == ["--selfcheck"]:
        selfcheck()
    else:
        main()
