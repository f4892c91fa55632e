#!/usr/bin/python3
"""Writes tests/eval/tiny.jsonl: 17 hand-made Sentry events (Python, Node, Java) with true labels.

The cases are chosen so that any Sentry-style fingerprint agrees on them (events of one label are
identical except for ids, timestamps and digits inside messages), while the labels still contain
a split (one bug, two call paths) and a merge (two bugs, identical client-side events). The metric
values that follow are derived by hand in tests/eval/README.md and checked by
tests/unit/test_eval_cli.c."""
import json
import sys
import uuid

def py_frame(module, function, lineno, context, in_app=True):
    path = module.replace(".", "/") + ".py"
    return {"filename": path, "abs_path": "/srv/shop/" + path, "module": module,
            "function": function, "lineno": lineno, "context_line": "    " + context,
            "pre_context": [], "post_context": [], "in_app": in_app}

def js_frame(path, function, lineno, colno, context, in_app=True):
    module = path.rsplit(".", 1)[0].replace("/", ".")
    return {"filename": "/app/" + path, "abs_path": "/app/" + path, "module": module,
            "function": function, "lineno": lineno, "colno": colno,
            "context_line": "  " + context, "in_app": in_app}

def java_frame(module, function, filename, lineno, in_app=True):
    return {"module": module, "function": function, "filename": filename, "lineno": lineno,
            "in_app": in_app}

def exception_event(platform, sdk, type_, value, module, frames, n, extra=None):
    ev = {"event_id": uuid.UUID(int=n).hex, "timestamp": 1764300000 + 60 * n,
          "platform": platform, "level": "error", "environment": "production",
          "release": "shop@2.4.1", "server_name": "web-%d" % (n % 3),
          "sdk": {"name": sdk, "version": "2.19.0"},
          "exception": {"values": [{"type": type_, "value": value, "module": module,
                                    "mechanism": {"type": "generic", "handled": False},
                                    "stacktrace": {"frames": frames}}]}}
    if extra:
        ev.update(extra)
    return ev

CART = [py_frame("django.core.handlers.base", "_get_response", 197,
                 "response = wrapped_callback(request, *callback_args, **callback_kwargs)", False),
        py_frame("shop.views", "checkout", 88, "cart.add_item(request.POST)"),
        py_frame("shop.cart", "add_item", 41, "sku = data['sku']")]
POOL_CONNECT = [py_frame("shop.jobs", "nightly_report", 12, "rows = db.query(REPORT_SQL)"),
                py_frame("shop.db.pool", "connect", 30, "conn = psycopg2.connect(self.dsn)"),
                py_frame("psycopg2", "connect", 122,
                         "conn = _connect(dsn, connection_factory=connection_factory, **kwasync)",
                         False)]
POOL_ACQUIRE = [py_frame("shop.views", "orders", 140, "with db.session() as s:"),
                py_frame("shop.db.pool", "acquire", 57,
                         "raise TimeoutError(f'timed out after {self.timeout} seconds')")]
STATS = [py_frame("shop.reports.stats", "daily", 20, "avg = average(values)"),
         py_frame("shop.reports.stats", "average", 9, "return sum(values) / len(values)")]
PROFILE = [js_frame("node_modules/express/lib/router/layer.js", "Layer.handle", 95, 5,
                    "fn(req, res, next);", False),
           js_frame("src/routes/profile.js", "getProfile", 27, 31,
                    "const id = req.session.user.id;")]
HTTP500 = [js_frame("node_modules/axios/lib/core/settle.js", "settle", 19, 12,
                    "reject(new AxiosError(", False),
           js_frame("src/api/client.js", "request", 44, 11, "return await http.request(opts);")]
ORDER = [java_frame("org.springframework.web.servlet.FrameworkServlet", "service",
                    "FrameworkServlet.java", 897, False),
         java_frame("com.acme.shop.web.OrderController", "show", "OrderController.java", 52),
         java_frame("com.acme.shop.OrderService", "total", "OrderService.java", 118)]
INDEX = [java_frame("com.acme.shop.Batch", "run", "Batch.java", 33),
         java_frame("com.acme.shop.Batch", "slot", "Batch.java", 71)]

def keyerror(n):
    return exception_event("python", "sentry.python", "KeyError", "'sku'", "builtins", CART, n)

def undefined_user(n):
    return exception_event("node", "sentry.javascript.node", "TypeError",
                           "Cannot read properties of undefined (reading 'id')", None, PROFILE, n)

def http500(n):
    return exception_event("node", "sentry.javascript.node", "AxiosError",
                           "Request failed with status code 500", None, HTTP500, n)

def npe(n):
    return exception_event("java", "sentry.java", "NullPointerException",
                           'Cannot invoke "com.acme.shop.Order.getId()" because "order" is null',
                           "java.lang", ORDER, n)

def index(n, i):
    return exception_event("java", "sentry.java", "ArrayIndexOutOfBoundsException",
                           "Index %d out of bounds for length %d" % (i, i), "java.lang", INDEX, n)

def disk(n):
    return {"event_id": uuid.UUID(int=n).hex, "timestamp": 1764300000 + 60 * n,
            "platform": "python", "level": "warning", "logger": "shop.storage",
            "sdk": {"name": "sentry.python", "version": "2.19.0"},
            "logentry": {"message": "Disk quota exceeded on /var/data", "params": []}}

rows = [
    (keyerror(1), "py-keyerror-cart"),
    (undefined_user(2), "js-undefined-user"),
    (exception_event("python", "sentry.python", "OperationalError",
                     "could not connect to server: Connection timed out", "psycopg2",
                     POOL_CONNECT, 3), "py-db-timeout"),
    (npe(4), "java-npe-order"),
    (keyerror(5), "py-keyerror-cart"),
    (http500(6), "js-billing-500"),
    (exception_event("python", "sentry.python", "TimeoutError", "timed out after 30 seconds",
                     "builtins", POOL_ACQUIRE, 7), "py-db-timeout"),
    (http500(8), "js-search-500"),
    (index(9, 5), "java-index"),
    (exception_event("python", "sentry.python", "ZeroDivisionError", "division by zero",
                     "builtins", STATS, 10), "py-zero-div"),
    (undefined_user(11), "js-undefined-user"),
    (npe(12), "java-npe-order"),
    (keyerror(13), "py-keyerror-cart"),
    (index(14, 7), "java-index"),
    (disk(15), "py-log-disk"),
    (disk(16), "py-log-disk"),
    (exception_event("python", "sentry.python", "OperationalError",
                     "could not connect to server: Connection timed out", "psycopg2",
                     POOL_CONNECT, 17), "py-db-timeout"),
]
out = open(sys.argv[1] if len(sys.argv) > 1 else "tests/eval/tiny.jsonl", "w")
for ev, label in rows:
    out.write(json.dumps({"event": ev, "group": label}, separators=(",", ":")) + "\n")
