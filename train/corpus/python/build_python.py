#!/usr/bin/python3
"""Build the Python part of the corpus: mutants in Debian-packaged pure-Python libraries.

For each library in LIBS:
  1. copy its package from /usr/lib/python3/dist-packages into work/py/site-packages
     (mutations touch only this copy; the system files are never modified);
  2. run the appsvc driver once under a profiler to learn which library functions each job
     reaches, and who calls them; jobs that fail without any mutation are skipped;
  3. generate mutants (one injected fault each) in reached functions;
  4. for each mutant: write the mutated file, run the driver with the real sentry_sdk and a
     file transport, keep the events whose stack passes through the mutated function (or, for
     a bad return value, through a caller of it), restore the file;
  5. for about a third of the mutants, build a second release: the file lightly refactored
     (comment lines inserted above the function, a local renamed) and one extra app wrapper
     frame; same label.
Output: work/py/out/<lib>.jsonl, one record per kept event (assembled later by assemble.py).
"""
import argparse
import ast
import re
import io
import json
import os
import random
import shutil
import subprocess
import sys
import time
import tokenize

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.dirname(HERE)
WORK = os.path.join(CORPUS, "work", "py")
SITE = os.path.join(WORK, "venv", "lib", "python3.11", "site-packages")
DIST = "/usr/lib/python3/dist-packages"

# library -> files/dirs copied from dist-packages (the first one is the mutation target)
LIBS = {
    "dateutil": ["dateutil"], "pyparsing": ["pyparsing"], "sortedcontainers": ["sortedcontainers"],
    "more_itertools": ["more_itertools"], "packaging": ["packaging"], "jinja2": ["jinja2"],
    "markdown": ["markdown"], "sqlparse": ["sqlparse"], "jmespath": ["jmespath"], "bs4": ["bs4"],
    "tabulate": ["tabulate.py"], "toolz": ["toolz"], "inflection": ["inflection.py"],
    "humanize": ["humanize"], "arrow": ["arrow"], "isodate": ["isodate"], "natsort": ["natsort"],
    "cerberus": ["cerberus"], "voluptuous": ["voluptuous"], "mistune": ["mistune"],
    "commonmark": ["commonmark"], "docutils": ["docutils"], "pycparser": ["pycparser"],
    "idna": ["idna"], "xmltodict": ["xmltodict.py"], "boltons": ["boltons"],
}
APT = ("python3-sentry-sdk python3-dateutil python3-pyparsing python3-sortedcontainers python3-more-itertools "
       "python3-packaging python3-jinja2 python3-markdown python3-sqlparse python3-jmespath python3-bs4 "
       "python3-tabulate python3-toolz python3-inflection python3-humanize python3-arrow python3-isodate "
       "python3-natsort python3-cerberus python3-voluptuous python3-mistune python3-commonmark "
       "python3-docutils python3-pycparser python3-idna python3-xmltodict python3-boltons")

EXC_POOL = ["ValueError", "TypeError", "KeyError", "RuntimeError", "IndexError", "LookupError",
            "AssertionError", "NotImplementedError", "OverflowError", "AttributeError"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ source analysis

def func_index(path):
    """(firstlineno) -> info for every def in a file."""
    src = open(path, encoding="utf-8").read()
    tree = ast.parse(src)
    out = {}
    customs = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            bases = [getattr(b, "id", getattr(b, "attr", "")) for b in node.bases]
            has_init = any(isinstance(s, ast.FunctionDef) and s.name == "__init__" for s in node.body)
            if not has_init and any(b.endswith(("Error", "Exception")) for b in bases) \
                    and node.name.endswith(("Error", "Exception")):
                customs.append(node.name)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([d.lineno for d in node.decorator_list] + [node.lineno])
            a = node.args
            params = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
            if a.vararg:
                params.append(a.vararg.arg)
            out[first] = {"node": node, "first": first, "name": node.name, "params": params,
                          "end": node.end_lineno}
    return src, out, customs


def body_stmts(fn):
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return body


def used_as_object(fn, p):
    for n in ast.walk(fn):
        if isinstance(n, (ast.Attribute, ast.Subscript)) and isinstance(n.value, ast.Name) and n.value.id == p:
            return True
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") in ("len", "iter", "list", "sorted") \
                and n.args and isinstance(n.args[0], ast.Name) and n.args[0].id == p:
            return True
        if isinstance(n, ast.For) and isinstance(n.iter, ast.Name) and n.iter.id == p:
            return True
    return False


def line_ok(lines, stmt):
    ln = lines[stmt.lineno - 1]
    return ln[:stmt.col_offset].strip() == "" and stmt.lineno > 0


WHAT = {"s": "string", "string": "string", "text": "text", "value": "value", "name": "name", "key": "key",
        "node": "node", "token": "token", "tokens": "token list", "data": "data", "item": "item"}


def raise_code(rng, exc, pexpr, pname, fname):
    what = WHAT.get(pname, pname.strip("_") or "argument")
    t = rng.randrange(6)
    if exc == "KeyError":
        return "raise KeyError(%s)" % ("repr(%s)[:40]" % pexpr if t % 2 else "'%s'" % what)
    if exc == "TypeError":
        return "raise TypeError('%s: expected %s, got %%s' %% type(%s).__name__)" % (fname, what, pexpr)
    if exc == "IndexError":
        return "raise IndexError('%s index %%d out of range' %% len(repr(%s)))" % (what, pexpr)
    if exc == "RuntimeError":
        return "raise RuntimeError('%s called in inconsistent state (%%d pending)' %% (len(repr(%s)) %% 17))" % (fname, pexpr)
    if exc == "NotImplementedError":
        return "raise NotImplementedError('%s does not support %%s' %% type(%s).__name__)" % (fname, pexpr)
    if exc == "OverflowError":
        return "raise OverflowError('%s too large: %%d' %% len(repr(%s)))" % (what, pexpr)
    if exc == "AssertionError":
        return "raise AssertionError('%%.30r violates %s invariant' %% (%s,))" % (fname, pexpr)
    if exc == "AttributeError":
        return "raise AttributeError('%%s object has no attribute %s' %% type(%s).__name__)" % (
            repr("_" + what.replace(" ", "_") + "_cache"), pexpr)
    msgs = ["invalid %s: %%.60r" % what, "could not interpret %%.40r as %s" % what,
            "unexpected %s %%.50r in %s" % (what, fname), "%s rejected %s %%.40r" % (fname, what)]
    return "raise %s(%r %% (%s,))" % (exc, msgs[t % len(msgs)], pexpr)


def natural_code(rng, pexpr):
    return rng.choice([
        "_n = len(repr(%s)) // (len(repr(%s)) - len(repr(%s)))" % (pexpr, pexpr, pexpr),
        "_n = int(str(%s)[:12])" % pexpr,
        "_n = {'default': 0}[str(%s)[:16]]" % pexpr,
        "_n = list(str(%s))[len(str(%s)) + 1]" % (pexpr, pexpr),
        "_n = tuple(getattr(%s, '_cache', None))" % pexpr,
        "_n = str(%s) + len(repr(%s))" % (pexpr, pexpr),
        "_n = '%%d items' %% str(%s)" % pexpr,
    ])


def make_mutants(lib, relfile, path, prof_funcs, rng, budget):
    """prof_funcs: firstlineno -> {"jobs", "callers"} for this file."""
    src, funcs, customs = func_index(path)
    lines = src.splitlines(keepends=True)
    muts = []
    cand = [f for f in sorted(prof_funcs) if f in funcs and not funcs[f]["name"].startswith("<")]
    rng.shuffle(cand)
    for first in cand:
        if len(muts) >= budget:
            break
        info = funcs[first]
        fn = info["node"]
        body = body_stmts(fn)
        if not body or body[0].lineno <= fn.lineno or not all(line_ok(lines, s) for s in body[:1]):
            continue
        njobs = len(prof_funcs[first]["jobs"])
        params = [p for p in info["params"] if p not in ("self", "cls")]
        if params:
            pname = rng.choice(params[:3])
            pexpr = pname
        elif "self" in info["params"]:
            pname, pexpr = "self", "type(self).__name__"
        else:
            pname, pexpr = "state", repr(info["name"])
        nmut = 1 + (njobs >= 3 and rng.random() < 0.35) + (njobs >= 6 and rng.random() < 0.25)
        kinds = rng.sample(["entry", "entry", "cond", "mid", "natural", "null", "badret"], k=min(nmut, 3))
        for kind in kinds:
            ind = " " * body[0].col_offset
            at = body[0].lineno
            code = None
            if kind in ("entry", "cond"):
                exc = rng.choice(EXC_POOL + customs * 3) if customs else rng.choice(EXC_POOL)
                r = raise_code(rng, exc, pexpr, pname, info["name"])
                if kind == "cond":
                    cond = rng.choice(["len(repr(%s)) %% 3 == 1" % pexpr, "len(repr(%s)) %% 2 == 0" % pexpr,
                                       "not str(%s)[:1].isalpha()" % pexpr, "len(str(%s)) > 6" % pexpr])
                    code = [ind + "if %s:\n" % cond, ind + "    " + r + "\n"]
                else:
                    code = [ind + r + "\n"]
            elif kind == "mid":
                later = [s for s in body[1:] if line_ok(lines, s)]
                if not later:
                    continue
                s = rng.choice(later)
                at, ind = s.lineno, " " * s.col_offset
                exc = rng.choice(EXC_POOL)
                code = [ind + raise_code(rng, exc, pexpr, pname, info["name"]) + "\n"]
            elif kind == "natural":
                code = [ind + natural_code(rng, pexpr) + "\n"]
            elif kind == "null":
                objs = [p for p in params if used_as_object(fn, p)]
                if not objs:
                    continue
                code = [ind + "%s = None\n" % rng.choice(objs)]
            elif kind == "badret":
                rets = [n for n in ast.walk(fn) if isinstance(n, ast.Return) and n.value is not None
                        and not (isinstance(n.value, ast.Constant) and n.value.value is None)
                        and line_ok(lines, n)]
                if not rets or not prof_funcs[first]["callers"]:
                    continue
                s = rng.choice(rets)
                at, ind = s.lineno, " " * s.col_offset
                code = [ind + "return %s\n" % rng.choice(["None", "None", "''", "()", "-1"])]
            mid = "py-%s-%04d" % (lib, len(muts))
            muts.append({"id": mid, "lib": lib, "file": relfile, "func": info["name"], "first": first,
                         "end": info["end"], "kind": kind, "at": at, "code": code,
                         "callers": prof_funcs[first]["callers"], "njobs": njobs})
    return muts


def apply_mutant(src, m):
    lines = src.splitlines(keepends=True)
    return "".join(lines[:m["at"] - 1] + m["code"] + lines[m["at"] - 1:])


# ------------------------------------------------------------------ release 2 refactor

def refactor(src, m, rng):
    """Shift the function down by k comment lines and rename one local inside it.
    Returns (new_src, new_mutant) or None."""
    lines = src.splitlines(keepends=True)
    first, end = m["first"], m["end"]
    k = rng.randrange(2, 7)
    defline = lines[first - 1]
    ind = defline[:len(defline) - len(defline.lstrip())]
    notes = ["# NOTE: kept for backwards compatibility", "# TODO: revisit once callers migrate",
             "#", "# Refactored in 2.5: clearer local names.", "# (see changelog)", "# pylint: disable=too-many-branches"]
    ins = [ind + rng.choice(notes) + "\n" for _ in range(k)]
    lines = lines[:first - 1] + ins + lines[first - 1:]
    m2 = dict(m, first=first + k, end=end + k, at=m["at"] + k)
    # rename one local assigned in the function (not a parameter, not used in f-strings)
    fsrc = "".join(lines)
    try:
        tree = ast.parse(fsrc)
    except SyntaxError:
        return None
    fn = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == m["func"] \
                and min([d.lineno for d in node.decorator_list] + [node.lineno]) == m2["first"]:
            fn = node
    if fn is None:
        return None
    params = {x.arg for x in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    nonloc = set()
    for n in ast.walk(fn):
        if isinstance(n, (ast.Global, ast.Nonlocal)):
            nonloc.update(n.names)
    locs = sorted({n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
                  - params - nonloc - {"_n"})
    rng.shuffle(locs)
    seg = "".join(lines[m2["first"] - 1:m2["end"]])
    for old in locs:
        new = rng.choice(["%s_value", "new_%s", "the_%s", "%s_"]) % old
        if new in fsrc:
            continue
        try:
            toks = list(tokenize.generate_tokens(io.StringIO(seg).readline))
        except (tokenize.TokenError, IndentationError, SyntaxError):
            return None
        if any(t.type == tokenize.STRING and t.string[:2].lower() in ("f'", 'f"', "rf", "fr") and old in t.string
               for t in toks):
            continue
        seglines = seg.splitlines(keepends=True)
        edits = []
        depth = 0
        for i, t in enumerate(toks):
            if t.type == tokenize.OP and t.string in "([{":
                depth += 1
            elif t.type == tokenize.OP and t.string in ")]}":
                depth -= 1
            if t.type == tokenize.NAME and t.string == old:
                prev = toks[i - 1].string if i else ""
                nxt = toks[i + 1].string if i + 1 < len(toks) else ""
                if prev == "." or (depth > 0 and nxt == "="):
                    continue
                edits.append(t.start)
        for (r, c) in sorted(edits, reverse=True):
            ln = seglines[r - 1]
            seglines[r - 1] = ln[:c] + new + ln[c + len(old):]
        newseg = "".join(seglines)
        out = "".join(lines[:m2["first"] - 1]) + newseg + "".join(lines[m2["end"]:])
        try:
            compile(out, "x", "exec")
        except SyntaxError:
            continue
        m2["renamed"] = [old, new]
        return out, m2
    out = "".join(lines)
    return out, m2


# ------------------------------------------------------------------ running

def run_driver(lib, out, release, skip, timeout=40):
    env = dict(os.environ, PYTHONPATH=SITE + ":" + HERE, FL_OUT=out, FL_RELEASE=str(release),
               FL_SKIP=",".join(skip), PYTHONHASHSEED="0",
               PYTHONPYCACHEPREFIX=os.path.join(WORK, "pycache"))
    if os.path.exists(out):
        os.unlink(out)
    open(out, "w").close()
    try:
        subprocess.run(["nice", "-n", "10", "/usr/bin/python3", "run_app.py", lib], env=env, cwd=HERE,
                       timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None
    recs = []
    with open(out) as f:
        for line in f:
            try:
                recs.append(json.loads(line))
            except ValueError:
                pass
    return recs


def frames_of(event):
    for ex in (event.get("exception") or {}).get("values") or []:
        for fr in (ex.get("stacktrace") or {}).get("frames") or []:
            yield fr
    for th in (event.get("threads") or {}).get("values") or []:
        for fr in (th.get("stacktrace") or {}).get("frames") or []:
            yield fr


def passes(event, m, abspath):
    callers = set()
    for c in m["callers"]:
        f, _, name = c.rsplit(":", 2)
        callers.add((f, name))
    for fr in frames_of(event):
        if fr.get("abs_path") == abspath and m["first"] <= (fr.get("lineno") or 0) <= m["end"] + len(m["code"]):
            return True
        if m["kind"] == "badret" and (fr.get("abs_path"), fr.get("function")) in callers:
            return True
    return False


def stamp(path, n):
    # unique mtime so the shared pycache never serves a stale compiled mutant
    t = 1_600_000_000 + n
    os.utime(path, (t, t))


def build_lib(lib, args, rng, counter):
    targets = LIBS[lib]
    out_dir = os.path.join(WORK, "out")
    os.makedirs(out_dir, exist_ok=True)
    prof_path = os.path.join(WORK, "prof-%s.json" % lib)
    libdir = os.path.join(SITE, targets[0])
    env = dict(os.environ, PYTHONPATH=SITE + ":" + HERE, FL_PROFILE=prof_path, FL_LIBDIR=libdir,
               PYTHONHASHSEED="0", PYTHONPYCACHEPREFIX=os.path.join(WORK, "pycache"))
    t0 = time.time()
    subprocess.run(["nice", "-n", "10", "/usr/bin/python3", "run_app.py", lib], env=env, cwd=HERE,
                   timeout=300, check=True)
    prof = json.load(open(prof_path))
    skip = sorted({e.split(":")[0] for e in prof["errors"]})
    if skip:
        log("  %s: %d jobs fail without mutation, skipped: %s" % (lib, len(skip), " ".join(skip)[:200]))
    scratch = os.path.join(WORK, "run-%s.jsonl" % lib)
    base = run_driver(lib, scratch, 1, skip, timeout=120)
    if base is None or base:
        log("  %s: baseline run produced %s events; library skipped" % (lib, None if base is None else len(base)))
        return []
    byfile = {}
    for key, v in prof["calls"].items():
        f, first, name = key.rsplit(":", 2)
        if any(j in skip for j in v["jobs"]):
            v["jobs"] = [j for j in v["jobs"] if j not in skip]
            if not v["jobs"]:
                continue
        byfile.setdefault(f, {})[int(first)] = v
    # budget spread over files proportionally to reached functions
    allm = []
    files = sorted(byfile)
    total = sum(len(byfile[f]) for f in files)
    for f in files:
        budget = max(1, round(args.per_lib * len(byfile[f]) / max(1, total)))
        rel = os.path.relpath(f, SITE)
        try:
            allm += make_mutants(lib, rel, f, byfile[f], rng, budget)
        except (SyntaxError, UnicodeDecodeError) as e:
            log("  skip %s: %s" % (rel, e))
    for i, m in enumerate(allm):
        m["id"] = "py-%s-%04d" % (lib, i)
    log("  %s: %d functions reached, %d mutants" % (lib, total, len(allm)))
    kept = []
    nev = 0
    for m in allm:
        path = os.path.join(SITE, m["file"])
        orig = open(path, encoding="utf-8").read()
        releases = [(1, apply_mutant(orig, m), m)]
        if rng.random() < args.release2:
            rf = refactor(orig, m, rng)
            if rf:
                src2, m2 = rf
                releases.append((2, apply_mutant(src2, m2), m2))
        try:
            for rel, src, mm in releases:
                try:
                    compile(src, path, "exec")
                except SyntaxError:
                    break
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(src)
                counter[0] += 1
                stamp(path, counter[0])
                recs = run_driver(lib, scratch, rel, skip)
                if recs is None:
                    break
                good = [r for r in recs if passes(r["event"], mm, path)][:args.max_events]
                for r in good:
                    ex = ((r["event"].get("exception") or {}).get("values") or [{}])
                    kept.append({"event": r["event"], "group": m["id"], "language": "python", "sdk": "sentry.python",
                                 "library": lib, "mutant_kind": m["kind"], "mutated_function": "%s:%s" % (m["file"], m["func"]),
                                 "release": rel, "renamed_local": mm.get("renamed"),
                                 "exception_type": ex[-1].get("type"), "trace": r["trace"]})
                nev += len(good)
                if rel == 1 and not good:
                    break
        finally:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(orig)
            counter[0] += 1
            stamp(path, counter[0])
    with open(os.path.join(out_dir, lib + ".jsonl"), "w") as fh:
        for r in kept:
            fh.write(json.dumps(r) + "\n")
    log("  %s: %d events from %d mutants in %.0fs" % (lib, nev, len({r["group"] for r in kept}), time.time() - t0))
    return kept


def setup():
    os.makedirs(SITE, exist_ok=True)
    for lib, items in LIBS.items():
        for it in items:
            src, dst = os.path.join(DIST, it), os.path.join(SITE, it)
            if os.path.exists(dst):
                continue
            if os.path.isdir(src):
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(src, dst)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("libs", nargs="*", default=sorted(LIBS))
    ap.add_argument("--per-lib", type=int, default=40, help="mutant budget per library")
    ap.add_argument("--max-events", type=int, default=30)
    ap.add_argument("--release2", type=float, default=0.35)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--selfcheck", action="store_true")
    args = ap.parse_args()
    if args.selfcheck:
        selfcheck()
        return
    setup()
    counter = [0]
    for lib in args.libs:
        out = os.path.join(WORK, "out", lib + ".jsonl")
        if os.path.exists(out) and os.environ.get("FL_REBUILD") != "1":
            log("  %s: already built (%s)" % (lib, out))
            continue
        build_lib(lib, args, random.Random("%d/%s" % (args.seed, lib)), counter)



SELFCHECK_SRC = '''import os


class ParseError(Exception):
    pass


def parse(text, strict=False):
    """Parse text."""
    items = text.split(",")
    total = 0
    for item in items:
        total += len(item)
    return total
'''


def selfcheck():
    """Mutant insertion and the release-2 refactor on a small source (no SDK, no subprocess)."""
    import tempfile
    rng = random.Random(4)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.py")
        with open(path, "w") as f:
            f.write(SELFCHECK_SRC)
        prof = {8: {"jobs": ["a#0", "b#1", "c#2"], "callers": ["x.py:1:caller"]}}
        muts = make_mutants("demo", "m.py", path, prof, rng, 10)
        assert muts and all(m["func"] == "parse" for m in muts), muts
        for m in muts:
            src = apply_mutant(SELFCHECK_SRC, m)
            compile(src, "m.py", "exec")
            assert len(src.splitlines()) == len(SELFCHECK_SRC.splitlines()) + len(m["code"])
            res = refactor(SELFCHECK_SRC, m, random.Random(2))
            assert res, m
            src2, m2 = res
            assert m2["first"] > m["first"] and m2["at"] - m["at"] == m2["first"] - m["first"]
            out = apply_mutant(src2, m2)
            compile(out, "m.py", "exec")
            old, new = m2["renamed"]
            assert old in ("items", "total", "item") and new in out and not re.search(r"\b%s\b" % old, out.split("def parse")[1])
        _, funcs, customs = func_index(path)
        assert customs == ["ParseError"] and funcs[8]["params"] == ["text", "strict"]
    print("build_python selfcheck: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
