"""Turns one bench/ingest/run.sh run into bench/results/ingest-*.json.

Inputs: the load generator's JSON, the per-second samples (seconds, VmRSS kB, VmHWM kB, stats JSON
from GET /api/0/stats/), the load generator's per-second accepted counts, and the phase times.
Digest rate = growth of stats.digested_total per second: while the load runs (digest and ingestion
share the CPU) and during the drain after it (digest alone).
"""

import argparse
import datetime
import json
import os
import platform
import subprocess


def machine():
    info = {"nproc": os.cpu_count(), "kernel": platform.release()}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
        with open("/proc/meminfo") as f:
            info["mem_total_gib"] = round(int(f.readline().split()[1]) / 1048576, 1)
        with open("/proc/loadavg") as f:
            info["loadavg_at_end"] = f.read().split()[:3]
    except (OSError, StopIteration):
        pass
    info["note"] = ("shared machine: other engineers' builds and tests ran at the same time; "
                    "the load generator runs on the same 2 cores as the server")
    return info


def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def read_samples(path):
    out = []
    with open(path) as f:
        for line in f:
            parts = line.split(" ", 4)
            if len(parts) < 5:
                continue
            try:
                stats = json.loads(parts[4])
            except ValueError:
                stats = {}
            out.append({"t": float(parts[0]), "rss_kb": int(parts[1] or 0), "hwm_kb": int(parts[2] or 0),
                        "cpu_ticks": int(float(parts[3] or 0)),
                        **{k: stats.get(k) for k in ("inbox_pending", "digested_total", "accepted_total")}})
    return out


def rate(samples, key, t0, t1):
    """Growth per second of samples[key] between the samples nearest to t0 and t1."""
    window = [s for s in samples if t0 <= s["t"] <= t1 and s.get(key) is not None]
    if len(window) < 2 or window[-1]["t"] <= window[0]["t"]:
        return None
    return round((window[-1][key] - window[0][key]) / (window[-1]["t"] - window[0]["t"]), 1)


def read_threads(path):
    """Sum of CPU ticks per thread role (MHD worker threads, fl-inbox, fl-digest, the rest)."""
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                role = "http" if parts[0].startswith("MHD") else parts[0]
                out[role] = out.get(role, 0) + int(parts[1])
    return out


def thread_costs(a, load, samples):
    """CPU seconds per thread role during the load and the drain, and microseconds of CPU per event:
    HTTP and inbox threads per accepted event, the digest per digested event. These do not depend on
    what else ran on the machine (apart from cache effects), unlike events/s."""
    start, end, drain = (read_threads(p) for p in a.threads)
    accepted = load.get("accepted") or 0

    def digested_between(t0, t1):
        w = [s for s in samples if t0 <= s["t"] <= t1 and s.get("digested_total") is not None]
        return w[-1]["digested_total"] - w[0]["digested_total"] if len(w) >= 2 else 0

    out = {"load": {}, "drain": {}}
    for role in sorted(set(start) | set(end) | set(drain)):
        load_s = (end.get(role, 0) - start.get(role, 0)) / a.clock_ticks
        drain_s = (drain.get(role, 0) - end.get(role, 0)) / a.clock_ticks
        out["load"][role + "_cpu_s"] = round(load_s, 2)
        out["drain"][role + "_cpu_s"] = round(drain_s, 2)
    us = {}
    if accepted:
        for role in ("http", "fl-inbox"):
            if role + "_cpu_s" in out["load"]:
                us[role + "_per_accepted"] = round(out["load"][role + "_cpu_s"] * 1e6 / accepted, 1)
        if load.get("loadgen_cpu_s") is not None:
            us["loadgen_per_request"] = round(load["loadgen_cpu_s"] * 1e6 / max(1, load.get("requests", 1)), 1)
    dl, dd = digested_between(a.load_start, a.load_end), digested_between(a.load_end, a.drain_end)
    if "fl-digest_cpu_s" in out["load"] and dl:
        us["digest_per_event_during_load"] = round(out["load"]["fl-digest_cpu_s"] * 1e6 / dl, 1)
    if "fl-digest_cpu_s" in out["drain"] and dd:
        us["digest_per_event_drain"] = round(out["drain"]["fl-digest_cpu_s"] * 1e6 / dd, 1)
    out["cpu_us"] = us
    return out


def main():
    ap = argparse.ArgumentParser()
    for a in ("loadgen", "samples", "timeline", "final-stats", "command", "serve-command",
              "loadgen-command", "server-log", "out"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--clock-ticks", type=int, default=100)
    ap.add_argument("--threads", nargs=3, metavar=("START", "LOAD_END", "DRAIN_END"),
                    help="per-thread CPU ticks ('comm ticks' lines) at those moments")
    for a in ("load-start", "load-end", "drain-end"):
        ap.add_argument("--" + a, type=float, required=True)
    a = ap.parse_args()

    with open(a.loadgen) as f:
        load = json.load(f)
    samples = read_samples(a.samples)
    try:
        final = json.loads(a.final_stats)
    except ValueError:
        final = {}
    during = [s for s in samples if a.load_start <= s["t"] <= a.load_end]
    rss = [s["rss_kb"] / 1024 for s in during if s["rss_kb"]]

    def at(frac):
        return round(rss[min(len(rss) - 1, int(len(rss) * frac))], 1) if rss else None

    memory = {
        "peak_rss_mib": round(max((s["hwm_kb"] for s in samples), default=0) / 1024, 1),
        "rss_mib_at_load_fraction": {"0.1": at(0.1), "0.25": at(0.25), "0.5": at(0.5), "0.75": at(0.75),
                                     "1.0": at(0.999)},
    }
    if rss and len(rss) >= 8:
        q1, last = rss[len(rss) // 4], rss[-1]
        memory["growth_from_25pct_to_end_mib"] = round(last - q1, 1)
        memory["flat"] = bool(last - q1 <= max(0.1 * q1, 16))

    drained = final.get("inbox_pending") == 0
    digest = {
        "digested_per_s_during_load": rate(samples, "digested_total", a.load_start, a.load_end),
        "digested_per_s_drain_only": rate(samples, "digested_total", a.load_end, a.drain_end)
        if a.drain_end - a.load_end >= 2 else None,
        "drain_seconds_after_load": round(a.drain_end - a.load_end, 1),
        "drained": drained,
        "digested_total": final.get("digested_total"),
        "accepted_total": final.get("accepted_total"),
        "overall_digested_per_s": round(final["digested_total"] / (a.drain_end - a.load_start), 1)
        if final.get("digested_total") is not None else None,
    }
    # CPU the server itself used during the load: on a shared machine, events per CPU-second is the
    # figure that does not depend on what else was running.
    cpu = {}
    if len(during) >= 2:
        secs = (during[-1]["cpu_ticks"] - during[0]["cpu_ticks"]) / a.clock_ticks
        wall = during[-1]["t"] - during[0]["t"]
        acc = rate(samples, "accepted_total", a.load_start, a.load_end)
        cpu = {"server_cpu_s_during_load": round(secs, 1),
               "server_cores_busy": round(secs / wall, 2) if wall > 0 else None,
               "accepted_per_server_cpu_s": round(acc * wall / secs, 1) if acc and secs > 0 else None,
               "loadgen_cpu_s": load.get("loadgen_cpu_s")}
    if a.threads:
        cpu["by_thread"] = thread_costs(a, load, samples)
    timeline = []
    for s in samples:
        timeline.append([round(s["t"], 1), round(s["rss_kb"] / 1024, 1), s.get("inbox_pending"),
                         s.get("digested_total"), s.get("accepted_total")])
    per_second = []
    try:
        with open(a.timeline) as f:
            per_second = [int(line.split()[1]) for line in f if line.strip()]
    except OSError:
        pass
    bar = {"accepted_per_s": 10000, "digested_per_s": 5000}
    result = {
        "benchmark": "ingest",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git_commit": git_commit(),
        "command": a.command,
        "serve_command": a.serve_command,
        "loadgen_command": a.loadgen_command,
        "machine": machine(),
        "loadgen": load,
        "accepted_per_s_by_second": per_second,
        "digest": digest,
        "memory": memory,
        "cpu": cpu,
        "bar": bar,
        "meets_bar": {
            "accepted_per_s": load["accepted_per_s"] >= bar["accepted_per_s"],
            "digested_per_s": (digest["digested_per_s_during_load"] or 0) >= bar["digested_per_s"],
            "flat_memory": memory.get("flat"),
        },
        "timeline_columns": ["seconds", "rss_mib", "inbox_pending", "digested_total", "accepted_total"],
        "timeline": timeline,
    }
    with open(a.server_log, errors="replace") as f:
        log = f.read()
    if log.strip():
        result["server_log_tail"] = log[-2000:]
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(json.dumps({k: result[k] for k in ("loadgen", "digest", "memory", "cpu", "meets_bar")}, indent=1))


if __name__ == "__main__":
    main()
