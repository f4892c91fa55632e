#!/usr/bin/python3
"""Generate hostile Sentry-like events (wrong types, odd values, broken exception trees, embedded
NULs, long strings) as JSON lines on stdout, for `make grouping-asan`. Deterministic (seeded)."""
import json
import random

random.seed(7)
VALS = [None, True, False, 0, -1, 2**40, 1.5, "", "x", "0xdeadbeef", "http://a/b.js", "<anonymous>",
        "[native code]", "a\nb\nc", "é" * 130, [], {}, [1, "a"], {"a": 1}]
FUNCS = ["foo", "Object.bar", "lambda$x$1", "std::vector<int>::at(int) const", "block in x",
         "class@anonymous\u0000x::m", "operator<<(std::ostream&)", "<A as B>::c::h0123456789abcdef", "f@12"]
FRAME_KEYS = ["function", "raw_function", "module", "filename", "abs_path", "package", "context_line",
              "lineno", "colno", "in_app", "platform", "data"]
PLATS = ["python", "javascript", "node", "java", "cocoa", "native", "csharp", "ruby", "php", "go", "other", "bogus"]


def frame():
    d = {k: random.choice(VALS + FUNCS) for k in FRAME_KEYS if random.random() < 0.6}
    if random.random() < 0.3:
        d["platform"] = random.choice(PLATS)
    if random.random() < 0.2:
        d["data"] = {"sourcemap": "x", "category": random.choice(["internals", "throw", "system"])}
    return d


def stack():
    if random.random() < 0.1:
        return random.choice(VALS)
    return {"frames": [frame() if random.random() < 0.9 else random.choice(VALS) for _ in range(random.randint(0, 40))]}


def exc(i):
    d = {"type": random.choice(VALS + ["E", "ValueError"]), "value": random.choice(VALS + ["user 12 x"]), "stacktrace": stack()}
    if random.random() < 0.5:
        d["mechanism"] = {"exception_id": random.choice([0, 1, 2, 3, i]), "parent_id": random.choice([None, 0, 1, 2, i]),
                          "is_exception_group": random.random() < 0.3, "synthetic": random.random() < 0.1,
                          "meta": {"ns_error": {"domain": random.choice(VALS), "code": random.choice(VALS)}}}
    return d


for _ in range(3000):
    ev = {"platform": random.choice(PLATS + [None, 5])}
    if random.random() < 0.5:
        ev["exception"] = ({"values": [exc(j) if random.random() < 0.9 else random.choice(VALS) for j in range(random.randint(0, 6))]}
                           if random.random() < 0.8 else random.choice(VALS))
    if random.random() < 0.3:
        ev["threads"] = {"values": [{"crashed": random.random() < 0.4, "current": random.random() < 0.3, "stacktrace": stack()}
                                    for _ in range(random.randint(0, 4))]}
    if random.random() < 0.3:
        ev["stacktrace"] = stack()
    if random.random() < 0.4:
        ev["message"] = random.choice(VALS + ["hello 123 world", "a\n\nb"])
    if random.random() < 0.2:
        ev["logentry"] = {"message": random.choice(VALS), "formatted": random.choice(VALS), "params": random.choice(VALS)}
    if random.random() < 0.3:
        ev["fingerprint"] = random.choice([["{{ default }}", "x"], ["a", 1], [None], "x", [{}], ["{{ error.type }}", "{{ tags.x }}", "{{ nope }}"]])
    if random.random() < 0.2:
        ev["tags"] = random.choice([{"x": "y", "transaction": "/a"}, [["x", "y"]], 5])
    if random.random() < 0.05:
        ev["checksum"] = random.choice(["abc", "0123456789abcdef0123456789abcdef"])
    if random.random() < 0.2:
        ev["sdk"] = {"name": "sentry.python", "version": random.choice(["3.0", "2.0", 5])}
    print(json.dumps(ev))
