#!/usr/bin/env python3
"""Benchmark: servq import + `kpi --by queue,day` against DuckDB reading and aggregating the same
CSV, plus dashboard query latency on the imported data.

    bench/import_kpi_vs_duckdb.py [--contacts 10000000] [--workdir bench/out]

Both sides get the same generated contacts.csv (servq demo --csv-out). Each side runs in its own
child process; wall time comes from the clock and peak memory from wait4()'s ru_maxrss. The two
results are compared value by value before any figure is printed, so a fast wrong answer cannot
pass. Needs a release build (cargo build --release -p servq-cli) and `pip install duckdb`.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVQ = ROOT / "target" / "release" / "servq"

DUCKDB_PEER = textwrap.dedent(
    """
    import duckdb, json, sys
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    rows = con.execute('''
    WITH c AS (
        SELECT contact_id, queue, nullif(customer_id, '') AS customer_id, category,
               CAST(offered_at AS TIMESTAMP) AS offered_at,
               CAST(nullif(answered_at, '') AS TIMESTAMP) AS answered_at,
               CAST(nullif(ended_at, '') AS TIMESTAMP) AS ended_at,
               coalesce(talk_seconds, 0) AS talk, coalesce(hold_seconds, 0) AS hold,
               coalesce(wrap_seconds, 0) AS wrap, transferred = 1 AS transferred
        FROM read_csv(?, header = true, types = {'customer_id': 'VARCHAR', 'category': 'VARCHAR',
                                                  'answered_at': 'VARCHAR', 'ended_at': 'VARCHAR'})),
    f AS (
        SELECT *, answered_at IS NOT NULL AS answered,
               (epoch_ms(coalesce(answered_at, ended_at)) - epoch_ms(offered_at)) / 1000.0 AS wait,
               lead(offered_at) OVER (PARTITION BY customer_id, coalesce(category, '')
                                      ORDER BY offered_at, contact_id) AS next_at
        FROM c)
    SELECT queue, strftime(offered_at, '%Y-%m-%d') AS day,
           count(*) AS offered,
           count(*) FILTER (WHERE answered) AS answered,
           count(*) FILTER (WHERE NOT answered AND wait < 5) AS short_abandoned,
           count(*) FILTER (WHERE answered AND wait <= 20) AS within_sl,
           sum(wait) FILTER (WHERE answered) AS wait_answered,
           sum(talk + hold + wrap) FILTER (WHERE answered) AS handle,
           count(*) FILTER (WHERE answered AND transferred) AS transferred,
           count(*) FILTER (WHERE answered AND customer_id IS NOT NULL) AS fcr_eligible,
           count(*) FILTER (WHERE answered AND customer_id IS NOT NULL AND
                            (next_at IS NULL OR epoch_ms(next_at) - epoch_ms(offered_at) > 604800000)) AS fcr_resolved
    FROM f GROUP BY ALL ORDER BY ALL''', [sys.argv[1]]).fetchall()
    out = []
    for (queue, day, offered, answered, short, within, wait_answered, handle, transferred, elig, resolved) in rows:
        counted = offered - short
        out.append({"queue": queue, "day": day, "offered": offered, "answered": answered,
                    "answer_rate": answered / counted if counted else None,
                    "service_level": within / counted if counted else None,
                    "asa_seconds": wait_answered / answered if answered else None,
                    "aht_seconds": handle / answered if answered else None,
                    "transfer_rate": transferred / answered if answered else None,
                    "fcr_rate": resolved / elig if elig else None})
    json.dump(out, sys.stdout)
    """
)


def run_measured(command, env=None):
    """Like run() but reaps the child itself to get its own peak memory."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **(env or {})})
    # Read stdout fully before reaping; stderr is small.
    stdout = child.stdout.read()
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{command} failed:\n{stderr.decode(errors='replace')}")
    return seconds, usage.ru_maxrss / 1024, stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=10_000_000)
    parser.add_argument("--workdir", default=str(ROOT / "bench" / "out"))
    args = parser.parse_args()
    if not SERVQ.exists():
        sys.exit("build first: cargo build --release -p servq-cli")

    work = Path(args.workdir) / f"contacts-{args.contacts}"
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / "contacts.csv"
    days = 365 if args.contacts >= 1_000_000 else 28
    daily = max(1, round(args.contacts / (days * (5 + 2 * 0.7) / 7)))
    if not csv_path.exists():
        print(f"generating ~{args.contacts:,} contacts ({days} days × {daily}/weekday) …", flush=True)
        run_measured([str(SERVQ), "demo", "--days", str(days), "--daily-contacts", str(daily), "--agents", "400",
                      "--end", "2026-10-31", "--csv-out", str(work)])
    n_rows = sum(1 for _ in open(csv_path, "rb")) - 1
    size_mb = csv_path.stat().st_size / 1e6
    print(f"input: {n_rows:,} contacts, {size_mb:,.0f} MB CSV")

    db = work / "servq.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = {"SERVQ_DATABASE_URL": f"sqlite://{db}", "SERVQ_TZ": "Asia/Shanghai"}

    import_s, import_mb, _ = run_measured([str(SERVQ), "import", "contacts", str(csv_path)], env)
    print(f"servq import: {import_s:.2f} s, peak {import_mb:.0f} MiB", flush=True)
    # Let the kernel write back the gigabytes the import dirtied, so that later timings measure
    # servq and not the disk catching up (a running server would see this steady state).
    os.sync()
    report_s, report_mb, report = run_measured([str(SERVQ), "kpi", "--by", "queue,day", "--format", "json"], env)
    print(f"servq kpi --by queue,day: {report_s:.2f} s, peak {report_mb:.0f} MiB", flush=True)
    duck_s, duck_mb, duck = run_measured([sys.executable, "-c", DUCKDB_PEER, str(csv_path)])
    print(f"DuckDB: {duck_s:.2f} s, peak {duck_mb:.0f} MiB", flush=True)

    ours = {(r["queue"], r["day"]): r for r in json.loads(report)["rows"]}
    theirs = json.loads(duck)
    assert len(ours) == len(theirs), f"{len(ours)} servq groups vs {len(theirs)} DuckDB groups"
    for row in theirs:
        mine = ours[(row["queue"], row["day"])]
        for key, value in row.items():
            if isinstance(value, float):
                assert abs(mine[key] - value) <= 1e-9 * max(abs(value), 1e-3), (key, mine[key], value)
            else:
                assert mine[key] == value, (key, mine[key], value)
    print(f"results agree: {len(theirs)} queue×day groups, every value within 1e-9")

    # Dashboard queries on the imported data, each a fresh process (start-up included).
    last_month = ["--from", "2026-10-01", "--to", "2026-10-31"]
    dashboards = {
        "queue,day (last 30 days)": ["--by", "queue,day", *last_month],
        "queue (whole year)": ["--by", "queue"],
        "team,week (whole year)": ["--by", "team,week"],
        "agent (last 30 days)": ["--by", "agent", *last_month],
    }
    latencies = {}
    for name, flags in dashboards.items():
        samples = []
        for _ in range(15):
            seconds, _, _ = run_measured([str(SERVQ), "kpi", *flags, "--format", "json"], env)
            samples.append(seconds * 1000)
        samples.sort()
        latencies[name] = (statistics.median(samples), samples[int(len(samples) * 0.95) - 1])

    servq_total = import_s + report_s
    print()
    print(f"{'':38} {'wall s':>9} {'peak MiB':>9}")
    print(f"{'servq import':38} {import_s:9.2f} {import_mb:9.0f}")
    print(f"{'servq kpi --by queue,day':38} {report_s:9.2f} {report_mb:9.0f}")
    print(f"{'servq import + report':38} {servq_total:9.2f} {max(import_mb, report_mb):9.0f}")
    print(f"{'DuckDB read_csv + aggregate':38} {duck_s:9.2f} {duck_mb:9.0f}")
    print(f"ratio servq/DuckDB wall: {servq_total / duck_s:.2f}x   peak memory: {max(import_mb, report_mb) / duck_mb:.2f}x")
    print(f"servq import throughput: {n_rows / import_s:,.0f} contacts/s")
    print()
    print(f"{'dashboard query (servq kpi, whole process)':44} {'median ms':>10} {'p95 ms':>8}")
    for name, (median, p95) in latencies.items():
        print(f"{name:44} {median:10.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
