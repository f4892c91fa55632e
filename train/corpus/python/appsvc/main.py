"""appsvc: a small application layer that drives one library through many call paths.

Run as `python3 -m appsvc.main LIB`.  Environment:
  FL_OUT      file that receives one line per event the Sentry SDK sends ({"event":..,"trace":..})
  FL_RELEASE  "1" or "2" (release 2 adds one wrapper frame around every job)
  FL_PROFILE  if set: no SDK, record which library functions each job calls into this file
Every error is captured through the real sentry_sdk with a transport that writes the exact
payload it would POST (json_dumps(event)) to FL_OUT instead of sending it.
"""
import asyncio
import importlib
import json
import logging
import os
import sys
import threading
import traceback
import zlib

import sentry_sdk
from sentry_sdk.transport import Transport
from sentry_sdk.utils import json_dumps
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.integrations.threading import ThreadingIntegration

from appsvc.errors import JobError, RequestError

log = logging.getLogger("appsvc.jobs")
_TRACES = {}


class FileTransport(Transport):
    """Writes each event exactly as HttpTransport would serialize it, one per line."""

    def __init__(self, options):
        Transport.__init__(self, options)
        self._f = open(os.environ["FL_OUT"], "a", encoding="utf-8")

    def capture_event(self, event):
        body = json_dumps(event).decode("utf-8")
        rec = {"event": json.loads(body), "trace": _TRACES.pop(event.get("event_id"), "")}
        self._f.write(json.dumps(rec) + "\n")
        self._f.flush()

    def capture_envelope(self, envelope):
        # sessions / client reports only: not error events
        pass

    def flush(self, timeout, callback=None):
        self._f.flush()

    def kill(self):
        self._f.close()


def _keep_trace(event, hint):
    exc_info = hint.get("exc_info") if hint else None
    if exc_info and exc_info[1] is not None:
        _TRACES[event.get("event_id")] = "".join(traceback.format_exception(*exc_info))
    return event


def init_sdk(lib, release):
    sentry_sdk.init(
        dsn="https://0123456789abcdef0123456789abcdef@o1.ingest.example.invalid/42",
        transport=FileTransport,
        release="appsvc-%s@%s" % (lib, "2.4.0" if release == "1" else "2.5.0"),
        environment="production",
        server_name="app-worker-3",
        in_app_include=["appsvc"],
        default_integrations=True,
        integrations=[LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
                      ThreadingIntegration(propagate_hub=True)],
        before_send=_keep_trace,
        max_breadcrumbs=20,
    )


# ---- dispatch styles: how the application reaches the library and reports the failure ----

if os.environ.get("FL_RELEASE") == "2":
    def _timed(fn, x):
        result = fn(x)
        return result

    def call_job(fn, x):
        return _timed(fn, x)
else:
    def call_job(fn, x):
        return fn(x)


def style_direct(name, fn, x, i):
    try:
        call_job(fn, x)
    except Exception:
        sentry_sdk.capture_exception()


def style_wrapped(name, fn, x, i):
    def run_job():
        try:
            return call_job(fn, x)
        except Exception as e:
            raise JobError("job %s failed on item %d" % (name, i)) from e
    try:
        run_job()
    except JobError:
        sentry_sdk.capture_exception()


def style_logged(name, fn, x, i):
    try:
        call_job(fn, x)
    except Exception:
        log.exception("processing %s item %d failed", name, i)


def style_thread(name, fn, x, i):
    def worker():
        call_job(fn, x)
    t = threading.Thread(target=worker, name="job-%s" % name)
    t.start()
    t.join()


def style_async(name, fn, x, i):
    async def handle():
        await asyncio.sleep(0)
        return call_job(fn, x)

    async def request():
        try:
            return await handle()
        except Exception as e:
            raise RequestError("request %s/%d failed" % (name, i)) from e

    async def serve():
        try:
            await asyncio.gather(request())
        except RequestError:
            sentry_sdk.capture_exception()
    asyncio.run(serve())


STYLES = [style_direct, style_direct, style_wrapped, style_logged, style_thread, style_async]


def pick_style(name, i):
    return STYLES[zlib.crc32(("%s/%d" % (name, i)).encode()) % len(STYLES)]


def run_all(tasks, on_job=None):
    skip = set(filter(None, os.environ.get("FL_SKIP", "").split(",")))
    for name, fn, inputs in tasks:
        for i, x in enumerate(inputs):
            if "%s#%d" % (name, i) in skip:
                continue
            if on_job:
                on_job("%s#%d" % (name, i))
            pick_style(name, i)(name, fn, x, i)


def main():
    lib = sys.argv[1]
    release = os.environ.get("FL_RELEASE", "1")
    mod = importlib.import_module("appsvc.jobs_" + lib)
    tasks = mod.TASKS
    prof = os.environ.get("FL_PROFILE")
    if prof:
        _profile(tasks, os.environ["FL_LIBDIR"], prof)
        return
    threading.excepthook = lambda args: None  # the SDK hook captures; keep stderr quiet
    init_sdk(lib, release)
    run_all(tasks)
    sentry_sdk.flush()


def _profile(tasks, libdir, out):
    """Record, per job, which library functions run and who called them."""
    calls = {}
    state = {"job": None}

    def prof(frame, event, arg):
        if event != "call":
            return
        co = frame.f_code
        if not co.co_filename.startswith(libdir):
            return
        key = "%s:%d:%s" % (co.co_filename, co.co_firstlineno, co.co_name)
        b = frame.f_back
        caller = "%s:%d:%s" % (b.f_code.co_filename, b.f_code.co_firstlineno,
                               b.f_code.co_name) if b else ""
        ent = calls.setdefault(key, {"jobs": set(), "callers": set()})
        ent["jobs"].add(state["job"])
        ent["callers"].add(caller)

    errors = []

    def on_job(j):
        state["job"] = j

    def safe(style):
        def run(name, fn, x, i):
            try:
                call_job(fn, x)
            except Exception as e:
                errors.append("%s#%d: %r" % (name, i, e))
        return run
    sys.setprofile(prof)
    threading.setprofile(prof)
    for name, fn, inputs in tasks:
        for i, x in enumerate(inputs):
            on_job("%s#%d" % (name, i))
            safe(None)(name, fn, x, i)
    sys.setprofile(None)
    with open(out, "w") as f:
        json.dump({"calls": {k: {"jobs": sorted(v["jobs"]), "callers": sorted(v["callers"])}
                             for k, v in calls.items()}, "errors": errors}, f)


if __name__ == "__main__":
    main()
