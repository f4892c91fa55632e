#!/usr/bin/python3
"""Build the JavaScript part of the corpus: mutants in npm packages, events from @sentry/node.

Same scheme as python/build_python.py:
  1. `npm ci` of package.json + package-lock.json into work/node (git-ignored);
  2. run the driver (app/main.js) once without the SDK under V8 coverage: which functions of the
     library run, which jobs fail without any mutation (skipped);
  3. mutants in reached functions (parsed by jsmut.js with @babel/parser);
  4. per mutant: write the mutated file, run the driver with the real @sentry/node and a file
     transport, keep events with a frame inside the mutated function, restore;
  5. release 2 for a third of the mutants: comment lines inserted above the function, one local
     renamed (jsmut.js refactor), one extra app wrapper frame.
"""
import argparse
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.dirname(HERE)
WORK = os.path.join(CORPUS, "work", "node")
NM = os.path.join(WORK, "node_modules")
APP = os.path.join(HERE, "app")

# library -> files (relative to node_modules/<lib>) eligible for mutation: those the jobs reach
LIBS = ["markdown-it", "validator", "underscore", "ramda", "immutable", "luxon", "esprima", "json5",
        "papaparse", "xml2js", "big.js", "decimal.js", "nunjucks", "ejs", "postcss", "joi", "cron-parser",
        "jsonata", "fuse.js", "htmlparser2", "showdown", "js-beautify", "numeral", "pluralize"]
# extra packages whose code the jobs of a library also reach and that may be mutated under its name
EXTRA = {"xml2js": ["sax", "xmlbuilder"], "htmlparser2": ["domutils", "domhandler", "entities", "dom-serializer"],
         "postcss": ["postcss-value-parser"], "markdown-it": ["linkify-it", "mdurl"], "joi": ["@hapi/hoek", "@hapi/address"]}

EXC = ["TypeError", "RangeError", "Error", "Error", "SyntaxError", "ReferenceError"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def node_env(**kw):
    env = dict(os.environ, NODE_PATH=NM, **kw)
    env.pop("NODE_OPTIONS", None)
    return env


def install():
    if os.path.isdir(os.path.join(NM, "@sentry", "node")):
        return
    os.makedirs(WORK, exist_ok=True)
    for f in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(HERE, f), os.path.join(WORK, f))
    subprocess.run(["nice", "-n", "10", "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                   cwd=WORK, check=True)


def what_of(p):
    return {"s": "string", "str": "string", "src": "source", "n": "number", "x": "value", "e": "entry",
            "a": "operand", "b": "operand", "obj": "object", "opts": "options", "options": "options"}.get(p, p)


def throw_code(rng, exc, pexpr, pname, fname):
    what = what_of(pname)
    if exc == "TypeError":
        return "throw new TypeError(`%s: expected %s, got ${typeof %s}`);" % (fname, what, pexpr)
    if exc == "RangeError":
        return "throw new RangeError(`%s index ${String(%s).length} out of range`);" % (what, pexpr)
    if exc == "SyntaxError":
        return "throw new SyntaxError(`Unexpected %s at position ${String(%s).length %% 13}`);" % (what, pexpr)
    if exc == "ReferenceError":
        return "throw new ReferenceError(`%s is not defined for ${typeof %s}`);" % (what, pexpr)
    msgs = ["invalid %s: ${String(%s).slice(0, 60)}" % (what, pexpr),
            "could not interpret ${String(%s).slice(0, 40)} as %s" % (pexpr, what),
            "%s rejected %s ${String(%s).slice(0, 40)}" % (fname, what, pexpr),
            "unexpected %s in %s (${String(%s).length} chars)" % (what, fname, pexpr)]
    return "throw new Error(`%s`);" % rng.choice(msgs)


def natural_code(rng, pexpr):
    return rng.choice([
        "JSON.parse(String(%s));" % pexpr,
        "new Array(-String(%s).length - 1);" % pexpr,
        "String(%s).repeat(-1);" % pexpr,
        "decodeURIComponent('%%' + String(%s).slice(0, 8));" % pexpr,
        "BigInt(String(%s).slice(0, 12) + '.5');" % pexpr,
        "void (void 0)[String(%s).slice(0, 8)];" % pexpr,
        "(1.5).toFixed(String(%s).length + 101);" % pexpr,
        "void null.length;",
    ])


def analyze(path):
    out = subprocess.run(["node", os.path.join(HERE, "jsmut.js"), "analyze", path], env=node_env(),
                         capture_output=True, text=True, timeout=120)
    if out.returncode:
        return []
    return json.loads(out.stdout)


def coverage(covdir, libdirs):
    """(file, end offset) of every function in libdirs that ran at least once."""
    hit = {}
    for f in glob.glob(os.path.join(covdir, "*.json")):
        for script in json.load(open(f)).get("result", []):
            url = script.get("url", "")
            if not url.startswith("file://"):
                continue
            path = url[7:]
            if not any(path.startswith(d + "/") for d in libdirs):
                continue
            for fn in script.get("functions", []):
                r = fn["ranges"][0]
                if r["count"] > 0:
                    hit.setdefault(path, set()).add(r["endOffset"])
    return hit


def run_driver(lib, out, release, skip, timeout=40):
    if os.path.exists(out):
        os.unlink(out)
    open(out, "w").close()
    env = node_env(FL_OUT=out, FL_RELEASE=str(release), FL_SKIP=",".join(skip))
    try:
        subprocess.run(["nice", "-n", "10", "node", "main.js", lib], env=env, cwd=APP, timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None
    recs = []
    for line in open(out):
        try:
            recs.append(json.loads(line))
        except ValueError:
            pass
    return recs


def frames_of(event):
    for ex in (event.get("exception") or {}).get("values") or []:
        for fr in (ex.get("stacktrace") or {}).get("frames") or []:
            yield fr


def passes(event, path, lo, hi):
    return any(fr.get("filename") == path and lo <= (fr.get("lineno") or 0) <= hi for fr in frames_of(event))


def make_mutants(lib, path, funcs, rng, budget):
    src = open(path, encoding="utf-8").read()
    lines = src.split("\n")
    muts = []
    rng.shuffle(funcs)
    for f in funcs:
        if len(muts) >= budget:
            break
        stmts = [s for s in f["stmts"] if lines[s["line"] - 1][:s["col"]].strip() == ""
                 and s["line"] > f["bodyLine"] and s["type"] not in ("FunctionDeclaration",)]
        if not stmts or stmts[0] is not f["stmts"][0] or len(lines[stmts[0]["line"] - 1]) > 400:
            continue
        params = f["params"]
        if params:
            pname = rng.choice(params[:3])
            pexpr = pname
        else:
            pname, pexpr = "state", "'%s'" % f["name"].replace("'", "")
        fname = f["name"] if f["name"] != "<anon>" else "callback"
        kinds = ["entry", "entry", "cond", "mid", "natural", "null"]
        nmut = 1 + (rng.random() < 0.35) + (rng.random() < 0.2)
        for kind in rng.sample(kinds, k=nmut):
            s = stmts[0]
            ind = " " * s["col"]
            if kind in ("entry", "cond"):
                t = throw_code(rng, rng.choice(EXC), pexpr, pname, fname)
                if kind == "cond":
                    cond = rng.choice(["String(%s).length %% 3 === 1" % pexpr, "String(%s).length %% 2 === 0" % pexpr,
                                       "typeof %s !== 'number'" % pexpr, "String(%s).length > 6" % pexpr])
                    code = [ind + "if (%s) { %s }" % (cond, t)]
                else:
                    code = [ind + t]
            elif kind == "mid":
                later = stmts[1:]
                if not later:
                    continue
                s = rng.choice(later)
                ind = " " * s["col"]
                code = [ind + throw_code(rng, rng.choice(EXC), pexpr, pname, fname)]
            elif kind == "natural":
                code = [ind + natural_code(rng, pexpr)]
            else:
                if not f["objParams"]:
                    continue
                code = [ind + "%s = null;" % rng.choice(f["objParams"])]
            muts.append({"lib": lib, "path": path, "func": f["name"], "start": f["start"], "end": f["end"],
                         "startLine": f["startLine"], "endLine": f["endLine"], "kind": kind, "at": s["line"],
                         "code": code})
    return muts


def apply(src, at, code):
    lines = src.split("\n")
    return "\n".join(lines[:at - 1] + code + lines[at - 1:])


def syntax_ok(path):
    return subprocess.run(["node", "--check", path], capture_output=True).returncode == 0


def build_lib(lib, args, rng):
    t0 = time.time()
    libdirs = [os.path.join(NM, lib)] + [os.path.join(NM, x) for x in EXTRA.get(lib, [])]
    out_dir = os.path.join(WORK, "out")
    os.makedirs(out_dir, exist_ok=True)
    covdir = os.path.join(WORK, "cov-" + lib.replace("/", "_"))
    shutil.rmtree(covdir, ignore_errors=True)
    prof = os.path.join(WORK, "prof-%s.json" % lib)
    subprocess.run(["nice", "-n", "10", "node", "main.js", lib], cwd=APP, timeout=300, check=True,
                   env=node_env(FL_PROFILE=prof, NODE_V8_COVERAGE=covdir))
    skip = sorted({e.split(":")[0] for e in json.load(open(prof))["errors"]})
    if skip:
        log("  %s: %d jobs fail without mutation, skipped: %s" % (lib, len(skip), " ".join(skip)[:200]))
    scratch = os.path.join(WORK, "run-%s.jsonl" % lib)
    base = run_driver(lib, scratch, 1, skip, timeout=120)
    if base is None or base:
        log("  %s: baseline produced %s events; skipped" % (lib, None if base is None else len(base)))
        return
    hit = coverage(covdir, libdirs)
    total = sum(len(v) for v in hit.values())
    muts = []
    for path in sorted(hit):
        funcs = [f for f in analyze(path) if f["end"] in hit[path]]
        budget = max(1, round(args.per_lib * len(hit[path]) / max(1, total)))
        muts += make_mutants(lib, path, funcs, rng, budget)
    for i, m in enumerate(muts):
        m["id"] = "js-%s-%04d" % (lib.replace(".", "").replace("/", ""), i)
    log("  %s: %d functions reached in %d files, %d mutants" % (lib, total, len(hit), len(muts)))
    kept = []
    for m in muts:
        path = m["path"]
        orig = open(path, encoding="utf-8").read()
        rels = [(1, apply(orig, m["at"], m["code"]), m["startLine"], m["endLine"] + len(m["code"]), None)]
        if rng.random() < args.release2:
            r = subprocess.run(["node", os.path.join(HERE, "jsmut.js"), "refactor", path, str(m["start"]), str(m["end"]),
                                str(rng.randrange(1, 1 << 30))], env=node_env(), capture_output=True, text=True)
            res = json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() not in ("", "null") else None
            if res:
                k = res["shift"]
                # the inserted statement sits at the same place relative to the (shifted) function;
                # the rename never changes the number of lines
                rels.append((2, apply(res["src"], m["at"] + k, m["code"]), m["startLine"] + k,
                             m["endLine"] + k + len(m["code"]), res["renamed"]))
        try:
            for rel, src, lo, hi, renamed in rels:
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(src)
                if not syntax_ok(path):
                    break
                recs = run_driver(lib, scratch, rel, skip)
                if recs is None:
                    break
                good = [r for r in recs if passes(r["event"], path, lo, hi)][:args.max_events]
                for r in good:
                    ex = (r["event"].get("exception") or {}).get("values") or [{}]
                    kept.append({"event": r["event"], "group": m["id"], "language": "javascript", "sdk": "sentry.javascript.node",
                                 "library": lib, "mutant_kind": m["kind"],
                                 "mutated_function": "%s:%s" % (os.path.relpath(path, NM), m["func"]),
                                 "release": rel, "renamed_local": renamed, "exception_type": ex[-1].get("type"),
                                 "trace": r["trace"]})
                if rel == 1 and not good:
                    break
        finally:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(orig)
    with open(os.path.join(out_dir, lib.replace("/", "_") + ".jsonl"), "w") as fh:
        for r in kept:
            fh.write(json.dumps(r) + "\n")
    log("  %s: %d events from %d mutants in %.0fs" % (lib, len(kept), len({r["group"] for r in kept}), time.time() - t0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("libs", nargs="*", default=LIBS)
    ap.add_argument("--per-lib", type=int, default=60)
    ap.add_argument("--max-events", type=int, default=30)
    ap.add_argument("--release2", type=float, default=0.35)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    install()
    for lib in args.libs:
        out = os.path.join(WORK, "out", lib.replace("/", "_") + ".jsonl")
        if os.path.exists(out) and os.environ.get("FL_REBUILD") != "1":
            log("  %s: already built" % lib)
            continue
        build_lib(lib, args, random.Random("%d/%s" % (args.seed, lib)))


SELFCHECK_SRC = """'use strict';
// demo module
function parse(text, opts) {
  const items = text.split(',');
  let total = 0;
  for (const item of items) {
    total += item.length;
  }
  return opts.scale * total;
}
module.exports = { parse };
"""


def selfcheck():
    """jsmut.js analysis, mutant insertion and the release-2 refactor, checked with `node --check`."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.js")
        open(path, "w").write(SELFCHECK_SRC)
        funcs = analyze(path)
        assert [(f["name"], f["startLine"], f["endLine"], f["params"]) for f in funcs] == [
            ("parse", 3, 10, ["text", "opts"])], funcs
        assert funcs[0]["objParams"] == ["text", "opts"] and sorted(funcs[0]["locals"]) == ["item", "items", "total"]
        for seed in range(5):
            open(path, "w").write(SELFCHECK_SRC)
            muts = make_mutants("demo", path, analyze(path), random.Random(seed), 5)
            assert muts
            for m in muts:
                open(path, "w").write(apply(SELFCHECK_SRC, m["at"], m["code"]))
                assert syntax_ok(path), open(path).read()
                open(path, "w").write(SELFCHECK_SRC)
                r = subprocess.run(["node", os.path.join(HERE, "jsmut.js"), "refactor", path, str(m["start"]),
                                    str(m["end"]), str(seed + 1)], env=node_env(), capture_output=True, text=True)
                res = json.loads(r.stdout)
                out = apply(res["src"], m["at"] + res["shift"], m["code"])
                open(path, "w").write(out)
                assert syntax_ok(path) and res["renamed"] and res["renamed"][1] in out, out
    print("build_node selfcheck: 1 passed, 0 failed")


if __name__ == "__main__":
    if sys.argv[1:] == ["--selfcheck"]:
        selfcheck()
    else:
        main()
