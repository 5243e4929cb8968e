#!/usr/bin/env python3
"""Benchmark: making the monthly quality report of a centre taking 10 M contacts a year (one
month: about 830 000 contacts) against DuckDB computing only that month's headline KPIs and
daily series from the same contacts.

    bench/monthly_report_vs_duckdb.py [--yearly 10000000] [--servq target/release/servq]

The contacts of the month and the month before (for the comparison and the forecast history)
are generated once with `servq demo --csv-out` under bench/out/, imported into a fresh SQLite
store, and then timed, each as its own process:
- servq: `servq report monthly --format pdf` and `--format xlsx` (reads the store, grades every
  agent and team, runs the significance checks, the Pareto and the forecast, stores the snapshot,
  renders the file);
- DuckDB (the peer): `read_csv` of the same file and the month's offered / answered / service
  level / AHT per day and in total.
The month's offered, answered and service level of both sides are compared before any figure is
printed, then the times and the ratio. Target: the report in under 5 s.
"""
import argparse
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MONTH = "2026-11"

DUCKDB_PEER = textwrap.dedent(
    """
    import duckdb, json, sys
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    rows = con.execute('''
    WITH c AS (
        SELECT CAST(offered_at AS TIMESTAMPTZ) AS offered_at,
               CAST(nullif(answered_at, '') AS TIMESTAMPTZ) AS answered_at,
               CAST(nullif(ended_at, '') AS TIMESTAMPTZ) AS ended_at,
               coalesce(talk_seconds, 0) + coalesce(hold_seconds, 0) + coalesce(wrap_seconds, 0) AS handle
        FROM read_csv(?, header = true, types = {'answered_at': 'VARCHAR', 'ended_at': 'VARCHAR',
                                                  'offered_at': 'VARCHAR'})),
    f AS (
        SELECT *, answered_at IS NOT NULL AS answered,
               (epoch_ms(coalesce(answered_at, ended_at)) - epoch_ms(offered_at)) / 1000.0 AS wait,
               strftime(offered_at, '%Y-%m-%d') AS day
        FROM c WHERE strftime(offered_at, '%Y-%m') = ?)
    SELECT day, count(*), count(*) FILTER (WHERE answered),
           count(*) FILTER (WHERE NOT answered AND wait < 5),
           count(*) FILTER (WHERE answered AND wait <= 20),
           sum(handle) FILTER (WHERE answered)
    FROM f GROUP BY ALL ORDER BY ALL''', [sys.argv[1], sys.argv[2]]).fetchall()
    offered = sum(r[1] for r in rows); answered = sum(r[2] for r in rows)
    short = sum(r[3] for r in rows); within = sum(r[4] for r in rows)
    print(json.dumps({"days": len(rows), "offered": offered, "answered": answered,
                      "service_level": within / (offered - short)}))
    """
)


def run_timed(command, env):
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env={**os.environ, **env})
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{command} failed:\n{done.stderr.decode(errors='replace')}")
    return seconds, done.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--yearly", type=int, default=10_000_000)
    parser.add_argument("--servq", default=str(ROOT / "target" / "release" / "servq"))
    parser.add_argument("--workdir", default=str(ROOT / "bench" / "out"))
    args = parser.parse_args()
    servq = Path(args.servq)
    if not servq.exists():
        sys.exit("build first: cargo build --release -p servq-cli (or pass --servq)")
    # weekdays get the full rate, weekends 70 %: 5 + 2·0.7 = 6.4 weekday-equivalents a week
    daily = round(args.yearly / 365 * 7 / 6.4)
    work = Path(args.workdir) / f"report-{args.yearly}"
    work.mkdir(parents=True, exist_ok=True)
    csv_dir = work / "csv"
    if not (csv_dir / "contacts.csv").exists():
        print(f"generating 2026-09-01 … 2026-11-30 at {daily} contacts a weekday", flush=True)
        subprocess.run([servq, "demo", "--days", "91", "--end", "2026-11-30", "--daily-contacts",
                        str(daily), "--agents", "400", "--csv-out", str(csv_dir)], check=True,
                       env={**os.environ, "SERVQ_DATABASE_URL": f"sqlite://{work / 'scratch.db'}"})
    db = work / "store.db"
    env = {"SERVQ_DATABASE_URL": f"sqlite://{db}", "SERVQ_TZ": "Asia/Shanghai"}
    if not db.exists():
        print("importing into a fresh SQLite store", flush=True)
        for kind, name in [("agents", "agents.csv"), ("contacts", "contacts.csv"),
                           ("agent-states", "agent_states.csv")]:
            run_timed([servq, "import", kind, str(csv_dir / name)], env)

    kpi_seconds, kpi_out = run_timed([servq, "kpi", "--from", f"{MONTH}-01", "--to", f"{MONTH}-30",
                                      "--format", "json"], env)
    ours = json.loads(kpi_out)["rows"][0]
    times = {}
    for fmt in ["pdf", "xlsx"]:
        out = work / f"report.{fmt}"
        runs = []
        for _ in range(3):
            seconds, _ = run_timed([servq, "report", "monthly", "--month", MONTH, "--format", fmt,
                                    "--output", str(out)], env)
            runs.append(seconds)
        times[fmt] = sorted(runs)[1]
    peer_seconds, peer_out = run_timed([sys.executable, "-c", DUCKDB_PEER,
                                        str(csv_dir / "contacts.csv"), MONTH], {})
    theirs = json.loads(peer_out)

    assert theirs["days"] == 30, theirs
    assert ours["offered"] == theirs["offered"], (ours["offered"], theirs)
    assert ours["answered"] == theirs["answered"], (ours["answered"], theirs)
    assert abs(ours["service_level"] - theirs["service_level"]) < 1e-9, (ours, theirs)
    print(f"month {MONTH}: {ours['offered']} contacts offered (servq kpi = DuckDB)")
    print(f"servq report monthly --format pdf : {times['pdf']:.2f} s (median of 3)")
    print(f"servq report monthly --format xlsx: {times['xlsx']:.2f} s (median of 3)")
    print(f"DuckDB read_csv + the month's KPIs : {peer_seconds:.2f} s")
    print(f"ratio (PDF report / DuckDB month KPIs): {times['pdf'] / peer_seconds:.2f}")
    print(f"target < 5 s: {'met' if times['pdf'] < 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
