#!/usr/bin/python3
"""Build the Ruby part of the corpus: mutants in Debian-packaged pure-Ruby gems, events from the
real sentry-ruby SDK (Debian ruby-sentry-ruby 5.3.0).

Same scheme as python/build_python.py:
  1. copy each gem from /usr/share/rubygems-integration or /usr/lib/ruby/vendor_ruby into
     work/ruby (put first on the load path; the system files are never modified);
  2. run the driver (appsvc/bin/run.rb) once under Ruby's method Coverage: which methods of the
     library run; jobs that fail without any mutation are skipped;
  3. mutants in reached methods (text insertions after the `def` line or before a later line);
  4. per mutant: write the mutated file, check it with `ruby -c`, run the driver with sentry-ruby
     and a file transport, keep events with a frame inside the mutated method, restore;
  5. release 2 for a third of the mutants: comment lines inserted above the method, one local
     renamed, one extra app wrapper frame.
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
WORK = os.path.join(CORPUS, "work", "ruby")
GEMS = "/usr/share/rubygems-integration/all/gems"
VENDOR = "/usr/lib/ruby/vendor_ruby"
APP = os.path.join(HERE, "appsvc")

# library -> (gem directory name, or None for vendor_ruby) and, for vendor_ruby, its files
LIBS = {
    "addressable": "addressable-2.8.1", "kramdown": "kramdown-2.4.0", "rouge": "rouge-3.30.0",
    "liquid": "liquid-5.4.0", "tzinfo": "tzinfo-2.0.5", "rack": "rack-2.2.22", "mime-types": "mime-types-3.4.1",
    "hashie": "hashie-5.0.0", "public_suffix": "public_suffix-4.0.6",
    "erubi": "erubi-1.9.0", "mustermann": "mustermann-3.0.0", "chunky_png": "chunky_png-1.3.15",
    "jmespath": "jmespath-1.6.1", "hashdiff": "hashdiff-1.0.1", "json-schema": "json-schema-2.8.1",
    "builder": "builder-3.2.4", "money": "money-6.16.0", "dry-inflector": "dry-inflector-0.2.1",
    "rainbow": "rainbow-3.1.1", "i18n": "i18n-1.10.0",
    "terminal-table": ["terminal-table", "terminal-table.rb"], "nori": ["nori", "nori.rb"],
    "gyoku": ["gyoku", "gyoku.rb"],
}
APT = ("ruby ruby-sentry-ruby ruby-addressable ruby-kramdown ruby-rouge ruby-liquid ruby-tzinfo ruby-rack "
       "ruby-mime-types ruby-hashie ruby-public-suffix ruby-terminal-table ruby-erubi ruby-mustermann "
       "ruby-chunky-png ruby-jmespath ruby-hashdiff ruby-rainbow ruby-json-schema ruby-builder ruby-gyoku ruby-nori "
       "ruby-money ruby-dry-inflector ruby-i18n")

# mutant budget per library: 35, more for the libraries with fast runs and many call paths
BUDGET = {lib: 80 for lib in ("addressable", "chunky_png", "public_suffix", "tzinfo", "nori", "money", "rack",
                              "terminal-table", "liquid")}

EXC = ["ArgumentError", "ArgumentError", "TypeError", "KeyError", "IndexError", "RuntimeError", "RangeError",
       "NotImplementedError", "NameError"]
DEF_RE = re.compile(r"^(\s*)def\s+(self\.)?([\w.]+[?!=]?|\[\]=?|[<>=+\-*/%!~]+)\s*(\((.*)\))?\s*(#.*)?$")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def libdir(lib):
    v = LIBS[lib]
    return os.path.join(WORK, "gems", v, "lib") if isinstance(v, str) else os.path.join(WORK, "vendor")


def setup():
    for lib, v in LIBS.items():
        if isinstance(v, str):
            dst = os.path.join(WORK, "gems", v)
            if not os.path.exists(dst):
                # the whole gem: some read data files next to lib/ (addressable, mime-types)
                shutil.copytree(os.path.join(GEMS, v), dst, symlinks=True)
        else:
            for it in v:
                src, dst = os.path.join(VENDOR, it), os.path.join(WORK, "vendor", it)
                if os.path.exists(dst):
                    continue
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copytree(src, dst) if os.path.isdir(src) else shutil.copy2(src, dst)


def incs():
    out = []
    for v in LIBS.values():
        if isinstance(v, str):
            out += ["-I", os.path.join(WORK, "gems", v, "lib")]
    return out + ["-I", os.path.join(WORK, "vendor")]


def ruby(args, env, timeout):
    return subprocess.run(["nice", "-n", "10", "ruby"] + incs() + args, env=env, cwd=APP, timeout=timeout,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def run_driver(lib, out, release, skip, timeout=40):
    if os.path.exists(out):
        os.unlink(out)
    open(out, "w").close()
    env = dict(os.environ, FL_OUT=out, FL_RELEASE=str(release), FL_SKIP=",".join(skip))
    try:
        ruby(["bin/run.rb", lib], env, timeout)
    except subprocess.TimeoutExpired:
        return None
    recs = []
    for line in open(out):
        try:
            recs.append(json.loads(line))
        except ValueError:
            pass
    return recs


def params_of(m):
    raw = m.group(5) or ""
    out = []
    for p in raw.split(","):
        p = p.strip()
        mm = re.match(r"^([a-z_]\w*)\s*(:|=|$)", p)
        if mm:
            out.append(mm.group(1))
    return out


def raise_code(rng, exc, p, pname, fname):
    v = "%s.inspect[0, 60]" % p if p != "nil" else "'%s'" % fname
    if exc == "TypeError":
        return "raise TypeError, \"%s: expected %s, got #{%s.class}\"" % (fname, pname, p)
    if exc == "KeyError":
        return "raise KeyError, \"key not found: #{%s}\"" % v
    if exc == "IndexError":
        return "raise IndexError, \"%s index #{%s.to_s.length} out of range\"" % (pname, p)
    if exc == "RangeError":
        return "raise RangeError, \"%s too large: #{%s.to_s.length}\"" % (pname, p)
    if exc == "RuntimeError":
        return "raise \"%s called in inconsistent state (#{%s.to_s.length %% 17} pending)\"" % (fname, p)
    if exc == "NotImplementedError":
        return "raise NotImplementedError, \"%s does not support #{%s.class}\"" % (fname, p)
    if exc == "NameError":
        return "raise NameError, \"uninitialized constant %s::#{%s.class.name.to_s.split('::').last}\"" % (fname.capitalize(), p)
    msgs = ["invalid %s: #{%s}" % (pname, v), "could not interpret #{%s} as %s" % (v, pname),
            "%s rejected %s #{%s}" % (fname, pname, v)]
    return "raise ArgumentError, \"%s\"" % rng.choice(msgs)


def natural_code(rng, p):
    return rng.choice([
        "Integer(%s.to_s[0, 12])" % p, "{}.fetch(%s.to_s[0, 16])" % p, "1 / (%s.to_s.length - %s.to_s.length)" % (p, p),
        "%s.to_s + %s.to_s.length" % (p, p), "[].fetch(%s.to_s.length)" % p, "Float(%s.to_s[0, 10] + 'x')" % p,
        "nil.fetch(%s.to_s[0, 8])" % p, "%s.to_s.encode('ASCII', 'UTF-8').unpack1('Z*').fetch(0)" % p,
    ])


def make_mutants(lib, path, methods, rng, budget):
    lines = open(path, encoding="utf-8").read().split("\n")
    muts = []
    rng.shuffle(methods)
    for name, sl, el in methods:
        if len(muts) >= budget:
            break
        if el - sl < 2 or sl < 1 or sl > len(lines):
            continue
        m = DEF_RE.match(lines[sl - 1])
        if not m or ";" in lines[sl - 1]:
            continue
        body = lines[sl:el - 1]
        if not body or not body[0].strip() or body[0].strip().startswith(("rescue", "ensure", "end")):
            continue
        ind = re.match(r"^\s*", body[0]).group(0)
        if len(ind) <= len(m.group(1)):
            continue
        ps = params_of(m)
        if ps:
            pname = rng.choice(ps[:3])
            p = pname
        else:
            pname, p = "receiver", "self.class"
        fname = name.split(".")[-1]
        nmut = 1 + (rng.random() < 0.35) + (rng.random() < 0.2)
        for kind in rng.sample(["entry", "entry", "cond", "mid", "natural", "null"], k=nmut):
            at, cind = sl + 1, ind
            if kind in ("entry", "cond"):
                r = raise_code(rng, rng.choice(EXC), p, pname, fname)
                if kind == "cond":
                    r += " if " + rng.choice(["%s.to_s.length %% 3 == 1" % p, "%s.to_s.length.even?" % p,
                                             "%s.to_s.length > 6" % p, "!%s.is_a?(Integer)" % p])
                code = [ind + r]
            elif kind == "mid":
                cands = [i for i in range(sl + 1, el - 1) if re.match(r"^%s\S" % ind, lines[i])
                         and not re.match(r"^\s*(end|rescue|ensure|else|elsif|when|in|\.|&&|\|\||\)|\]|\})", lines[i])
                         and not lines[i - 1].rstrip().endswith((",", "\\", "(", "[", "{", "|", "&&", "||", "+", "=", "."))]
                if not cands:
                    continue
                at = rng.choice(cands) + 1
                code = [ind + raise_code(rng, rng.choice(EXC), p, pname, fname)]
            elif kind == "natural":
                code = [ind + natural_code(rng, p)]
            else:
                objs = [x for x in ps if re.search(r"\b%s\.[a-z_]" % re.escape(x), "\n".join(body))]
                if not objs:
                    continue
                code = [ind + "%s = nil" % rng.choice(objs)]
            muts.append({"lib": lib, "path": path, "func": fname, "sl": sl, "el": el, "kind": kind, "at": at,
                         "code": code, "params": ps})
    return muts


def apply(src, at, code):
    lines = src.split("\n")
    return "\n".join(lines[:at - 1] + code + lines[at - 1:])


def refactor(src, m, rng):
    lines = src.split("\n")
    sl, el = m["sl"], m["el"]
    ind = re.match(r"^\s*", lines[sl - 1]).group(0)
    k = rng.randrange(2, 7)
    notes = ["# NOTE: kept for backwards compatibility", "# TODO: revisit once callers migrate", "#",
             "# Refactored in 1.8: clearer local names.", "# (see CHANGELOG)"]
    body = "\n".join(lines[sl:el])
    renamed = None
    locs = sorted(set(re.findall(r"^\s*([a-z_]\w*)\s*(?:=(?!=|~|>)|\|\|=|\+=)", body, re.M)) - set(m["params"]))
    rng.shuffle(locs)
    for old in locs:
        new = rng.choice(["%s_value", "new_%s", "the_%s", "cur_%s"]) % old
        if new in src or len(old) < 2:
            continue
        pat = re.compile(r"(?<![\w.:@$])%s(?![\w:?!])" % re.escape(old))
        lines[sl:el] = [pat.sub(new, ln) for ln in lines[sl:el]]
        renamed = [old, new]
        break
    lines = lines[:sl - 1] + [ind + rng.choice(notes) for _ in range(k)] + lines[sl - 1:]
    return "\n".join(lines), k, renamed


def syntax_ok(path):
    return subprocess.run(["ruby", "-c", path], capture_output=True).returncode == 0


def frames_of(event):
    for ex in (event.get("exception") or {}).get("values") or []:
        for fr in (ex.get("stacktrace") or {}).get("frames") or []:
            yield fr


def passes(event, path, lo, hi):
    return any(fr.get("abs_path") == path and lo <= (fr.get("lineno") or 0) <= hi for fr in frames_of(event))


def build_lib(lib, args, rng):
    t0 = time.time()
    out_dir = os.path.join(WORK, "out")
    os.makedirs(out_dir, exist_ok=True)
    prof = os.path.join(WORK, "prof-%s.json" % lib)
    r = ruby(["bin/run.rb", lib], dict(os.environ, FL_PROFILE=prof), 300)
    if r.returncode:
        log("  %s: profile run failed: %s" % (lib, r.stderr[-400:]))
        return
    pj = json.load(open(prof))
    skip = sorted({e.split(":")[0] for e in pj["errors"]})
    if skip:
        log("  %s: %d jobs fail without mutation, skipped: %s" % (lib, len(skip), " ".join(skip)[:200]))
    scratch = os.path.join(WORK, "run-%s.jsonl" % lib)
    base = run_driver(lib, scratch, 1, skip, timeout=120)
    if base is None or base:
        log("  %s: baseline produced %s events; skipped" % (lib, None if base is None else len(base)))
        return
    v = LIBS[lib]
    roots = [libdir(lib)] if isinstance(v, str) else [os.path.join(WORK, "vendor", it) for it in v]
    byfile = {}
    for f, meth, sl, el, _count in pj["methods"]:
        if any(f == rt or f.startswith(rt + "/") for rt in roots):
            byfile.setdefault(f, set()).add((meth, sl, el))
    total = sum(len(x) for x in byfile.values())
    muts = []
    for f in sorted(byfile):
        per_lib = args.per_lib or BUDGET.get(lib, 35)
        budget = max(1, round(per_lib * len(byfile[f]) / max(1, total)))
        muts += make_mutants(lib, f, sorted(byfile[f]), rng, budget)
    for i, m in enumerate(muts):
        m["id"] = "rb-%s-%04d" % (lib.replace("-", "").replace("_", ""), i)
    log("  %s: %d methods reached in %d files, %d mutants" % (lib, total, len(byfile), len(muts)))
    kept = []
    for m in muts:
        path = m["path"]
        orig = open(path, encoding="utf-8").read()
        rels = [(1, apply(orig, m["at"], m["code"]), m["sl"], m["el"] + len(m["code"]), None)]
        if rng.random() < args.release2:
            src2, k, renamed = refactor(orig, m, rng)
            rels.append((2, apply(src2, m["at"] + k, m["code"]), m["sl"] + k, m["el"] + k + len(m["code"]), renamed))
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
                    kept.append({"event": r["event"], "group": m["id"], "language": "ruby", "sdk": "sentry.ruby",
                                 "library": lib, "mutant_kind": m["kind"],
                                 "mutated_function": "%s:%s" % (os.path.relpath(path, WORK), m["func"]),
                                 "release": rel, "renamed_local": renamed, "exception_type": ex[-1].get("type"),
                                 "trace": r["trace"]})
                if rel == 1 and not good:
                    break
        finally:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(orig)
    with open(os.path.join(out_dir, lib + ".jsonl"), "w") as fh:
        for r in kept:
            fh.write(json.dumps(r) + "\n")
    log("  %s: %d events from %d mutants in %.0fs" % (lib, len(kept), len({r["group"] for r in kept}), time.time() - t0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("libs", nargs="*", default=sorted(LIBS))
    ap.add_argument("--per-lib", type=int, default=None, help="mutant budget per library (default: BUDGET or 35)")
    ap.add_argument("--max-events", type=int, default=30)
    ap.add_argument("--release2", type=float, default=0.35)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    setup()
    for lib in args.libs:
        out = os.path.join(WORK, "out", lib + ".jsonl")
        if os.path.exists(out) and os.environ.get("FL_REBUILD") != "1":
            log("  %s: already built" % lib)
            continue
        build_lib(lib, args, random.Random("%d/%s" % (args.seed, lib)))


SELFCHECK_SRC = """module Demo
  class Parser
    def parse(text, strict: false)
      items = text.split(",")
      total = 0
      items.each { |item| total += item.length }
      total
    end
  end
end
"""


def selfcheck():
    """Mutant insertion and the release-2 refactor on a small source, checked with `ruby -c`."""
    import tempfile
    assert params_of(DEF_RE.match("    def parse(text, strict: false, *rest, &blk)")) == ["text", "strict"]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.rb")
        for seed in range(5):
            muts = make_mutants("demo", path, [("parse", 3, 8)], random.Random(seed), 5) if open(path, "w").write(SELFCHECK_SRC) else []
            assert muts and all(m["func"] == "parse" for m in muts), muts
            for m in muts:
                for src in (apply(SELFCHECK_SRC, m["at"], m["code"]),):
                    open(path, "w").write(src)
                    assert syntax_ok(path), src
                src2, k, renamed = refactor(SELFCHECK_SRC, m, random.Random(seed))
                out = apply(src2, m["at"] + k, m["code"])
                open(path, "w").write(out)
                assert syntax_ok(path), out
                assert renamed and renamed[0] in ("items", "total") and renamed[1] in out
                assert out.split("\n")[m["at"] + k - 1] == m["code"][0]
    print("build_ruby selfcheck: 1 passed, 0 failed")


if __name__ == "__main__":
    if sys.argv[1:] == ["--selfcheck"]:
        selfcheck()
    else:
        main()
