#!/usr/bin/env python3
"""Benchmark: latency of the web dashboard and the KPI API over the 10 M-contact demo, under load.

    bench/dashboard_latency.py [--contacts 10000000] [--connections 32] [--duration 20]

1. Generates the demo once (servq demo --csv-out: 365 days to 2026-10-31, 400 agents; shared with
   bench/import_kpi_vs_duckdb.py under bench/out/) and imports contacts, agent states and the
   roster into an SQLite database kept for later runs.
2. Starts `servq serve` (release build), signs in, and drives each page and API call with wrk
   (Debian package; installed if missing) at N connections for D seconds: p50/p95/p99 latency,
   requests per second, errors. A request that is not 2xx counts as an error and fails the run.
   Before the load, each target is opened once on its own: its "cold" latency, computed from the
   rollups with nothing cached (results are then cached until the data changes).
3. Peer: DuckDB (2 threads) computing the same dashboard figures (tiles for the week and the week
   before, by queue, by day, by agent) from the raw contacts held in memory, one query set at a
   time with no other load. Its numbers are checked against the page's tiles first; then both
   p95s and their ratio are printed.
"""
import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVQ = ROOT / "target" / "release" / "servq"
END = "2026-10-31"
WEEK = ("2026-10-25", "2026-10-31")
PASSWORD = "bench password 123"

WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("P50 %d\\nP95 %d\\nP99 %d\\n", latency:percentile(50), latency:percentile(95), latency:percentile(99)))
  io.write(string.format("REQUESTS %d %d\\n", summary.requests, summary.duration))
  local e = summary.errors
  io.write(string.format("ERRORS %d\\n", e.connect + e.read + e.write + e.status + e.timeout))
end
"""

DUCKDB_DASHBOARD = """
WITH c AS (
    SELECT *, answered_at IS NOT NULL AS answered,
           (epoch_ms(coalesce(answered_at, ended_at)) - epoch_ms(offered_at)) AS wait_ms
    FROM contacts WHERE offered_at >= ? AND offered_at < ?)
SELECT {key} AS k, count(*) AS offered,
       count(*) FILTER (WHERE answered) AS answered,
       count(*) FILTER (WHERE NOT answered AND wait_ms < 5000) AS short_abandoned,
       count(*) FILTER (WHERE answered AND wait_ms <= 20000) AS within_sl
FROM c GROUP BY ALL ORDER BY ALL
"""


def run(command, env=None, input=None):
    result = subprocess.run(command, env={**os.environ, **(env or {})}, input=input,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(map(str, command))} failed:\n{result.stderr}")
    return result.stdout


def ensure_wrk():
    if shutil.which("wrk"):
        return
    print("installing wrk (apt)", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run([*sudo, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", "wrk"],
                   check=True, stdout=subprocess.DEVNULL)


def ensure_data(contacts, workdir):
    work = Path(workdir) / f"contacts-{contacts}"
    work.mkdir(parents=True, exist_ok=True)
    days = 365 if contacts >= 1_000_000 else 28
    daily = max(1, round(contacts / (days * (5 + 2 * 0.7) / 7)))
    if not (work / "contacts.csv").exists():
        print(f"generating ~{contacts:,} contacts ({days} days × {daily}/weekday) …", flush=True)
        run([SERVQ, "demo", "--days", str(days), "--daily-contacts", str(daily), "--agents", "400",
             "--end", END, "--csv-out", work])
    db = work / "dashboard.db"
    ready = work / "dashboard.db.ready"
    env = {"SERVQ_DATABASE_URL": f"sqlite://{db}", "SERVQ_TZ": "Asia/Shanghai"}
    if not ready.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        for kind, name in (("agents", "agents.csv"), ("contacts", "contacts.csv"),
                           ("agent-states", "agent_states.csv")):
            started = time.perf_counter()
            run([SERVQ, "import", kind, work / name], env)
            print(f"imported {name} in {time.perf_counter() - started:.1f} s", flush=True)
        ready.touch()
    os.sync()
    return work, env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign_in(base):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    body = urllib.parse.urlencode({"username": "bench", "password": PASSWORD}).encode()
    opener.open(f"{base}/login", body)
    cookie = next(c for c in jar if c.name == "servq_session")
    return opener, f"servq_session={cookie.value}"


def wrk(url, cookie, connections, duration, script):
    out = run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", script,
               "-H", f"Cookie: {cookie}", url])
    figures = dict(re.findall(r"^(P50|P95|P99|ERRORS) (\d+)$", out, re.M))
    requests, micros = re.search(r"^REQUESTS (\d+) (\d+)$", out, re.M).groups()
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "p50": int(figures["P50"]) / 1000, "p95": int(figures["P95"]) / 1000, "p99": int(figures["P99"]) / 1000,
        "rps": int(requests) / (int(micros) / 1e6),
        "errors": int(figures["ERRORS"]) + (int(non_2xx.group(1)) if non_2xx else 0),
    }


def duckdb_peer(work, zone_offset_hours=8, runs=30):
    import duckdb
    con = duckdb.connect()
    con.execute("SET threads = 2")
    started = time.perf_counter()
    con.execute(f"""
        CREATE TABLE contacts AS SELECT queue, agent_id,
            CAST(offered_at AS TIMESTAMP) AS offered_at,
            CAST(nullif(answered_at, '') AS TIMESTAMP) AS answered_at,
            CAST(nullif(ended_at, '') AS TIMESTAMP) AS ended_at
        FROM read_csv('{work / "contacts.csv"}', header = true,
                      types = {{'answered_at': 'VARCHAR', 'ended_at': 'VARCHAR', 'agent_id': 'VARCHAR'}})""")
    load_s = time.perf_counter() - started
    # the demo writes local Asia/Shanghai times; the week is in the same wall-clock time
    week = [f"{WEEK[0]} 00:00:00", "2026-11-01 00:00:00"]
    before = ["2026-10-18 00:00:00", week[0]]
    queries = [
        (DUCKDB_DASHBOARD.format(key="'all'"), week),
        (DUCKDB_DASHBOARD.format(key="'all'"), before),
        (DUCKDB_DASHBOARD.format(key="queue"), week),
        (DUCKDB_DASHBOARD.format(key="strftime(offered_at, '%Y-%m-%d')"), week),
        (DUCKDB_DASHBOARD.format(key="agent_id"), week),
    ]
    samples, tiles = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        results = [con.execute(sql, params).fetchall() for sql, params in queries]
        samples.append((time.perf_counter() - t0) * 1000)
        tiles = results[0][0]
    samples.sort()
    return load_s, samples, tiles


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=10_000_000)
    parser.add_argument("--workdir", default=str(ROOT / "bench" / "out"))
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--prepare-only", action="store_true", help="generate and import the data, then stop")
    args = parser.parse_args()
    if not SERVQ.exists():
        sys.exit("build first: cargo build --release -p servq-cli")
    ensure_wrk()
    work, env = ensure_data(args.contacts, args.workdir)
    if args.prepare_only:
        return
    n_contacts = sum(1 for _ in open(work / "contacts.csv", "rb")) - 1
    subprocess.run([SERVQ, "user", "add", "bench", "--role", "admin"], env={**os.environ, **env},
                   input=f"{PASSWORD}\n", text=True, capture_output=True)  # exists after the first run
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([SERVQ, "serve", "--addr", f"127.0.0.1:{port}"], env={**os.environ, **env},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in server.stderr:
            if "listening" in line:
                break
        opener, cookie = sign_in(base)
        week = urllib.parse.urlencode({"from": WEEK[0], "to": WEEK[1]})
        targets = {
            "dashboard page (week, by queue, daily trend)": f"/?{week}",
            "dashboard page (week, by team, hourly trend)": f"/?{week}&by=team&grain=hour",
            "dashboard page (week, queue=card, by agent)": f"/?{week}&queue=card&by=agent",
            "API kpi by queue,day (31 days)": "/api/v1/kpi?by=queue,day&from=2026-10-01&to=2026-10-31",
            "API kpi by agent (week)": f"/api/v1/kpi?by=agent&{week}",
            "drill-down page (one day, abandoned)": "/contacts?from=2026-10-31&to=2026-10-31&subset=abandoned",
        }
        # cold: the first view of each target after start (nothing cached), one at a time
        cold = {}
        for name, path in targets.items():
            t0 = time.perf_counter()
            opener.open(base + path).read()
            cold[name] = (time.perf_counter() - t0) * 1000
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        results = {}
        for name, path in targets.items():
            results[name] = wrk(base + path, cookie, args.connections, args.duration, script.name)
            r = results[name]
            print(f"{name:48} cold {cold[name]:7.1f} ms | under load: p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms  "
                  f"p99 {r['p99']:6.1f} ms  {r['rps']:7.0f} req/s  errors {r['errors']}", flush=True)
        os.unlink(script.name)
        # the page's tiles, to check the peer computes the same thing
        page = opener.open(base + targets["dashboard page (week, by queue, daily trend)"]).read().decode()
        offered = int(float(re.search(r'data-metric="offered">.*?data-value="([^"]+)"', page).group(1)))
        service_level = float(re.search(r'data-metric="service_level">.*?data-value="([^"]+)"', page).group(1))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()

    load_s, samples, tiles = duckdb_peer(work)
    _, duck_offered, duck_answered, duck_short, duck_within = tiles
    assert duck_offered == offered, (duck_offered, offered)
    assert abs(duck_within / (duck_offered - duck_short) - service_level) < 1e-12, (duck_within, service_level)
    duck_p95 = samples[int(len(samples) * 0.95) - 1]
    page_p95 = results["dashboard page (week, by queue, daily trend)"]["p95"]
    print()
    print(f"data: {n_contacts:,} contacts, SQLite, servq serve (release), wrk -c{args.connections} "
          f"for {args.duration} s per target, 2 cores shared by server and load generator")
    print(f"peer: DuckDB, the same dashboard figures from the raw contacts in memory (loaded in {load_s:.1f} s), "
          f"one query set at a time, no load: median {statistics.median(samples):.1f} ms, p95 {duck_p95:.1f} ms; "
          f"tiles agree (offered {offered:,}, service level {service_level:.6f})")
    print(f"dashboard page p95 under {args.connections} connections: {page_p95:.1f} ms "
          f"= {duck_p95 / page_p95:.1f}x faster than the peer's p95 without load")
    worst = max(r["p95"] for r in results.values() if r is not results["drill-down page (one day, abandoned)"])
    print(f"worst dashboard/API p95: {worst:.1f} ms (target < 100 ms): {'met' if worst < 100 else 'NOT met'}")
    if any(r["errors"] for r in results.values()):
        sys.exit("some requests failed")


if __name__ == "__main__":
    main()
