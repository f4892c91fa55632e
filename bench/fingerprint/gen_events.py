"""30-frame SDK-shaped events per platform for instr.sh (deterministic: fixed seed).
Usage: gen_events.py PLATFORM N > out.jsonl"""
import json
import random
import sys

W = ["user", "order", "cart", "session", "payment", "item", "account", "token", "cache", "queue",
     "worker", "report"]


def frame(plat, app):
    a, c = random.choice(W), random.choice(W)
    if plat == "python":
        base = "app" if app else random.choice(["venv/lib/python3.11/site-packages/lib", "usr/lib/python3.11"])
        return {"filename": f"{a}.py", "abs_path": f"/srv/{base}/{a}.py",
                "module": f"app.{a}" if app else random.choice([f"lib.{a}", f"sentry_sdk.{a}"]),
                "function": f"{a}_{c}", "lineno": random.randint(1, 500),
                "context_line": f"    return {c}({a}_id)", "in_app": app}
    if plat == "node":
        path = f"/srv/src/{a}.js" if app else random.choice(
            [f"/srv/node_modules/lib/{a}.js", "node:internal/process/task_queues"])
        return {"filename": f"{a}.js", "abs_path": path, "module": a,
                "function": random.choice([f"{a}.{c}", "processTicksAndRejections", "<anonymous>"]),
                "lineno": random.randint(1, 500), "colno": random.randint(1, 80),
                "context_line": f"  const x = await {c}({a});", "in_app": app}
    if plat == "java":
        pkg = "com.example" if app else random.choice(
            ["org.springframework.web", "java.util", "io.sentry", "kotlin.coroutines", "jdk.internal.reflect"])
        return {"filename": f"{a}.java", "module": f"{pkg}.{c}.{a}", "function": c,
                "lineno": random.randint(1, 900), "in_app": app}
    return {"function": random.choice([f"{a}::{c}(int, std::string const&) const", f"{a}_{c}",
                                       "start_thread", "abort", "__cxa_throw"]),
            "package": "/private/var/containers/Bundle/Application/X/App.app/App" if app else
            random.choice(["/usr/lib/system/libdispatch.dylib", "/lib/x86_64-linux-gnu/libc.so.6"]),
            "instruction_addr": hex(random.randint(0, 1 << 30)), "in_app": app}


def main():
    plat, n = sys.argv[1], int(sys.argv[2])
    random.seed(3)
    for _ in range(n):
        frames = [frame(plat, i >= 18 and random.random() < 0.75) for i in range(30)]
        a = random.choice(W)
        value = f"{a} {random.randint(0, 99999)} not found at 0x{random.randint(0, 1 << 30):x} after {random.randint(0, 900)}ms"
        ev = {"platform": plat, "level": "error",
              "exception": {"values": [{"type": "KeyError", "value": value,
                                        "mechanism": {"type": "generic", "handled": False},
                                        "stacktrace": {"frames": frames}}]}}
        print(json.dumps(ev))


main()
