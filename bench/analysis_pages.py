#!/usr/bin/env python3
"""Benchmark: the analysis and planning pages on a year of demo data, beside the same analysis in
statsmodels and the same staffing in pyworkforce, run by this script.

    bench/analysis_pages.py [--loads 20]

1. Builds the release binary and generates `servq demo --days 365 --end 2026-12-01` (about
   1.1 million contacts with survey answers) into an SQLite database under bench/out/ (kept for
   later runs).
2. Starts `servq serve`, signs in as an analyst and a supervisor, and loads each page `--loads`
   times one after the other: the drivers page over the whole year (365 daily rows, CSAT mean on
   the seven default candidates) and the staffing page for the day after the data, one queue,
   Erlang A with the measured patience. The first load of each is its cold time (the daily KPIs
   read from the rollups); p50/p95 are over all loads. Targets: drivers p95 < 500 ms, staffing
   p95 < 300 ms.
3. Peers on the same inputs, timed the same way (p95 of the same number of runs):
   - statsmodels runs the driver procedure (bench/drivers_vs_statsmodels.py's) on the page's
     daily table (read with `servq kpi --by day`);
     the kept predictors are compared with the page's first;
   - pyworkforce (0.5.1, bench/requirements.txt) staffs the page's intervals with Erlang C at
     the same target (the page's own Erlang A search has no pyworkforce twin; Erlang C is the
     like-for-like computation), after `GET /api/v1/planning/day` gave the forecast.
   The ratios page/peer are printed; a peer that is not installed is reported, not faked.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboard_latency import free_port, run  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SERVQ = ROOT / "target" / "release" / "servq"
END = "2026-12-01"
YEAR = ("2025-12-02", "2026-12-01")
PLAN_DAY = "2026-12-02"
PASSWORD = "bench password 123"
PREDICTORS = ["answer_rate", "service_level", "asa_seconds", "aht_seconds", "transfer_rate",
              "fcr_rate", "occupancy"]


def ensure_data():
    work = ROOT / "bench" / "out" / "analysis-year"
    work.mkdir(parents=True, exist_ok=True)
    db = work / "year.db"
    env = {"SERVQ_DATABASE_URL": f"sqlite://{db}", "SERVQ_TZ": "Asia/Shanghai"}
    ready = work / "year.db.ready"
    if not ready.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        started = time.perf_counter()
        print("generating a year of demo data …", flush=True)
        run([SERVQ, "demo", "--days", "365", "--end", END], env)
        print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
        for name, role in (("analyst", "analyst"), ("planner", "supervisor")):
            run([SERVQ, "user", "add", name, "--role", role], env, input=f"{PASSWORD}\n")
        ready.touch()
    return env


def opener_for(base, name):
    import http.cookiejar
    import urllib.parse
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = urllib.parse.urlencode({"username": name, "password": PASSWORD}).encode()
    opener.open(f"{base}/login", body)
    return opener


def timed_loads(opener, url, loads):
    times, body = [], b""
    for _ in range(loads):
        started = time.perf_counter()
        with opener.open(url) as response:
            body = response.read()
            if response.status != 200:
                sys.exit(f"{url}: HTTP {response.status}")
        times.append((time.perf_counter() - started) * 1000)
    return times, body


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def describe(name, times, target=None):
    line = (f"{name}: cold {times[0]:.0f} ms, p50 {statistics.median(times):.0f} ms, "
            f"p95 {p95(times):.0f} ms over {len(times)} loads")
    if target is not None:
        line += f" (target < {target} ms: {'met' if p95(times) < target else 'MISSED'})"
    print(line, flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--loads", type=int, default=20)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "servq-cli"], cwd=ROOT, check=True)
    env = ensure_data()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([SERVQ, "serve", "--addr", f"127.0.0.1:{port}"],
                              env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        for line in server.stderr:
            if "listening" in line:
                break
        analyst, planner = opener_for(base, "analyst"), opener_for(base, "planner")
        drivers_url = f"{base}/analysis/drivers?from={YEAR[0]}&to={YEAR[1]}&target=csat_mean"
        drivers_times, _ = timed_loads(analyst, drivers_url, args.loads)
        describe("drivers page (365 daily rows)", drivers_times, 500)
        plan_url = f"{base}/planning/staffing?date={PLAN_DAY}&queue=card&model=erlang_a"
        plan_times, _ = timed_loads(planner, plan_url, args.loads)
        describe("staffing page (one day, one queue, Erlang A)", plan_times, 300)

        # statsmodels: the same procedure on the same daily table
        page_json = json.loads(analyst.open(
            f"{base}/api/v1/analysis/drivers?from={YEAR[0]}&to={YEAR[1]}&target=csat_mean").read())
        table = json.loads(run([SERVQ, "kpi", "--by", "day", "--from", YEAR[0], "--to", YEAR[1],
                                "--format", "json"], env))["rows"]
        try:
            import numpy as np
            from drivers_vs_statsmodels import statsmodels_drivers
        except ImportError as missing:
            print(f"statsmodels peer not run: {missing}")
        else:
            rows = [r for r in table if all(r[k] is not None for k in ["csat_mean", *PREDICTORS])]
            y = np.array([r["csat_mean"] for r in rows])
            x = np.array([[r[k] for k in PREDICTORS] for r in rows])
            peer_times, kept = [], None
            for _ in range(args.loads):
                started = time.perf_counter()
                kept, _ = statsmodels_drivers(y, x, PREDICTORS)
                peer_times.append((time.perf_counter() - started) * 1000)
            ours = [s for s in page_json["steps"] if s["kind"] == "final"][0]["kept"]
            if sorted(kept) != sorted(ours):
                sys.exit(f"statsmodels kept {kept}, servq kept {ours}: not the same analysis")
            describe("statsmodels driver procedure (in process, no page)", peer_times)
            print(f"ratio drivers page p95 / statsmodels p95: {p95(drivers_times) / p95(peer_times):.2f}"
                  f" (the page also reads the year's KPIs, renders and sends HTML)", flush=True)

        # pyworkforce: Erlang C for the page's forecast intervals
        day = json.loads(planner.open(
            f"{base}/api/v1/planning/day?date={PLAN_DAY}&queue=card&target_sl=0.8&target_time=20"
            f"&max_occupancy=0.85&shrinkage=0.3").read())
        intervals = [(i["calls"], i["aht_seconds"]) for i in day["intervals"] if i["calls"] > 0]
        try:
            from staffing_vs_pyworkforce import pyworkforce_staff
            pyworkforce_staff(intervals[:1])
        except ImportError as missing:
            print(f"pyworkforce peer not run: {missing} (pip install -r bench/requirements.txt)")
        else:
            peer_times = []
            for _ in range(args.loads):
                started = time.perf_counter()
                staffed = pyworkforce_staff(intervals)
                peer_times.append((time.perf_counter() - started) * 1000)
            ours = [i["agents"] for i in day["intervals"] if i["calls"] > 0]
            differ = sum(1 for (raw, _), mine in zip(staffed, ours) if raw != mine)
            describe(f"pyworkforce Erlang C for {len(intervals)} intervals (in process, no page)", peer_times)
            print(f"intervals where pyworkforce's agents differ from servq's: {differ} of {len(ours)}")
            print(f"ratio staffing page p95 / pyworkforce p95: {p95(plan_times) / p95(peer_times):.2f}"
                  f" (the page also forecasts from 8 weeks of history, measures patience and renders)",
                  flush=True)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
