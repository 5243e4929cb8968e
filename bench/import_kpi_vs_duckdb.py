#!/usr/bin/env python3
"""Benchmark: servq import + `kpi --by queue,day` against DuckDB loading the same CSV into a
persistent database file and aggregating it (and, for reference, DuckDB reading the CSV in
memory), plus a re-import of the unchanged file, a day's file into the loaded store, the import's
per-phase profile and dashboard query latency.

    bench/import_kpi_vs_duckdb.py [--contacts 10000000] [--workdir bench/out] [--pg URL]

Both sides get the same generated contacts.csv (servq demo --csv-out). Each side runs in its own
child process; wall time comes from the clock and peak memory from wait4()'s ru_maxrss. The
results are compared value by value before any figure is printed, so a fast wrong answer cannot
pass. With --pg (a server URL, e.g. from scripts/pg-start.sh) the servq side runs on SQLite and
on a fresh PostgreSQL database. Needs a release build (cargo build --release -p servq-cli) and
`pip install duckdb`.
"""
import argparse
import json
import os
import re
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
    # argv: CSV, and a database file to load it into first (persistent), or nothing (in memory)
    persistent = len(sys.argv) > 2
    con = duckdb.connect(sys.argv[2] if persistent else ":memory:")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    source = "read_csv(?, header = true, types = {'customer_id': 'VARCHAR', 'category': 'VARCHAR', 'answered_at': 'VARCHAR', 'ended_at': 'VARCHAR'})"
    parameters = [sys.argv[1]]
    if persistent:
        con.execute("CREATE TABLE contacts AS SELECT * FROM " + source, parameters)
        con.execute("CHECKPOINT")
        source, parameters = "contacts", []
    rows = con.execute('''
    WITH c AS (
        SELECT contact_id, queue, nullif(customer_id, '') AS customer_id, category,
               CAST(offered_at AS TIMESTAMP) AS offered_at,
               CAST(nullif(answered_at, '') AS TIMESTAMP) AS answered_at,
               CAST(nullif(ended_at, '') AS TIMESTAMP) AS ended_at,
               coalesce(talk_seconds, 0) AS talk, coalesce(hold_seconds, 0) AS hold,
               coalesce(wrap_seconds, 0) AS wrap, transferred = 1 AS transferred
        FROM ''' + source + '''),
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
    FROM f GROUP BY ALL ORDER BY ALL''', parameters).fetchall()
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
    run_measured.stderr = stderr.decode(errors="replace")
    return seconds, usage.ru_maxrss / 1024, stdout


def phases(log):
    """The import's phases from its debug log (servq_store's "import staged" / "import phase")."""
    found = []
    for line in log.splitlines():
        line = re.sub(r"\x1b\[[0-9;]*m", "", line)
        staged = re.search(r"read_and_parse_ms=([0-9.]+) staging_inserts_ms=([0-9.]+)", line)
        if staged:
            found.append(("read and parse (beside the inserts)", float(staged.group(1)) / 1000))
            found.append(("staging inserts", float(staged.group(2)) / 1000))
        phase = re.search(r'phase="([^"]+)" ms=([0-9.]+)', line)
        if phase:
            found.append((phase.group(1), float(phase.group(2)) / 1000))
    return found


def fresh_pg_database(server_url, name):
    """A new empty database on the server; its URL."""
    base = server_url.rsplit("/", 1)[0]
    subprocess.run(["psql", server_url, "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True)
    subprocess.run(["psql", server_url, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    return f"{base}/{name}"


def check_equal(report, duck):
    return same_groups(json.loads(report)["rows"], json.loads(duck))


def same_groups(our_rows, theirs):
    """Every queue × day group of `theirs` in `our_rows`, every value within 1e-9."""
    ours = {(r["queue"], r["day"]): r for r in our_rows}
    assert len(ours) == len(theirs), f"{len(ours)} servq groups vs {len(theirs)} DuckDB groups"
    for row in theirs:
        mine = ours[(row["queue"], row["day"])]
        for key, value in row.items():
            if isinstance(value, float):
                assert abs(mine[key] - value) <= 1e-9 * max(abs(value), 1e-3), (key, mine[key], value)
            else:
                assert mine[key] == value, (key, mine[key], value)
    return len(theirs)


def day_file(work):
    """The next day's export (2026-11-02, ~30 000 contacts) for the loaded store; its ids are
    new (the demo numbers contacts from 1), its customers those of the year."""
    day = work / "day"
    path = day / "contacts.csv"
    if not path.exists():
        day.mkdir(exist_ok=True)
        run_measured([str(SERVQ), "demo", "--days", "1", "--daily-contacts", "39000", "--agents", "400",
                      "--end", "2026-11-02", "--seed", "99", "--csv-out", str(day)])
        lines = path.read_text().splitlines()
        path.write_text("\n".join([lines[0]] + ["D" + line for line in lines[1:]]) + "\n")
    return path


def servq_side(label, env, csv_path, day_path, duck_persistent):
    """Import, report, re-import, day file and dashboards on one engine; prints as it goes."""
    log_env = {**env, "SERVQ_LOG": "servq_store=debug"}
    import_s, import_mb, _ = run_measured([str(SERVQ), "import", "contacts", str(csv_path)], log_env)
    profile = phases(run_measured.stderr)
    print(f"[{label}] servq import: {import_s:.2f} s, peak {import_mb:.0f} MiB", flush=True)
    # Let the kernel write back the gigabytes the import dirtied, so that later timings measure
    # servq and not the disk catching up (a running server would see this steady state).
    os.sync()
    report_s, report_mb, report = run_measured([str(SERVQ), "kpi", "--by", "queue,day", "--format", "json"], env)
    print(f"[{label}] servq kpi --by queue,day: {report_s:.2f} s, peak {report_mb:.0f} MiB", flush=True)
    groups = check_equal(report, duck_persistent)
    print(f"[{label}] results agree with DuckDB: {groups} queue×day groups, every value within 1e-9", flush=True)
    again_s, _, _ = run_measured([str(SERVQ), "import", "contacts", str(csv_path)], env)
    print(f"[{label}] re-import of the unchanged file: {again_s:.2f} s", flush=True)
    day_rows = sum(1 for _ in open(day_path, "rb")) - 1
    day_s, _, _ = run_measured([str(SERVQ), "import", "contacts", str(day_path)], log_env)
    day_profile = phases(run_measured.stderr)
    print(f"[{label}] a day's file ({day_rows:,} new contacts) into the store: {day_s:.2f} s", flush=True)
    # the day's contacts change FCR links of the year: the rollups kept by changes must still
    # equal a rebuild from the raw rows (checked here on real volumes, by the KPIs it serves)
    before = run_measured([str(SERVQ), "kpi", "--by", "queue,day", "--format", "json"], env)[2]
    rebuild_s, _, rebuilt = run_measured([str(SERVQ), "admin", "rebuild-rollups"], env)
    after = run_measured([str(SERVQ), "kpi", "--by", "queue,day", "--format", "json"], env)[2]
    assert json.loads(rebuilt)["links_fixed"] == 0, rebuilt
    assert json.loads(before) == json.loads(after), "the rollups kept by the imports differ from the rebuild"
    print(f"[{label}] rollups equal a rebuild from the raw rows ({rebuild_s:.1f} s to rebuild)", flush=True)
    return {
        "import_s": import_s, "import_mb": import_mb, "report_s": report_s, "report_mb": report_mb,
        "again_s": again_s, "day_s": day_s, "day_rows": day_rows, "profile": profile,
        "day_profile": day_profile, "rebuild_s": rebuild_s,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=10_000_000)
    parser.add_argument("--workdir", default=str(ROOT / "bench" / "out"))
    parser.add_argument("--pg", help="PostgreSQL server URL: also run servq on a fresh database there")
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
    day_path = day_file(work)
    n_rows = sum(1 for _ in open(csv_path, "rb")) - 1
    size_mb = csv_path.stat().st_size / 1e6
    print(f"input: {n_rows:,} contacts, {size_mb:,.0f} MB CSV")

    # both sides read the file from the page cache: whoever went first would pay for the disk
    with open(csv_path, "rb") as warm:
        while warm.read(1 << 24):
            pass
    duck_db = work / "duckdb.db"
    duck_db.unlink(missing_ok=True)
    duck_s, duck_mb, duck = run_measured([sys.executable, "-c", DUCKDB_PEER, str(csv_path), str(duck_db)])
    print(f"DuckDB load into a file + aggregate: {duck_s:.2f} s, peak {duck_mb:.0f} MiB", flush=True)
    mem_s, mem_mb, mem = run_measured([sys.executable, "-c", DUCKDB_PEER, str(csv_path)])
    same_groups(json.loads(mem), json.loads(duck))
    print(f"DuckDB read_csv in memory + aggregate: {mem_s:.2f} s, peak {mem_mb:.0f} MiB", flush=True)

    db = work / "servq.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    engines = {"SQLite": {"SERVQ_DATABASE_URL": f"sqlite://{db}", "SERVQ_TZ": "Asia/Shanghai"}}
    if args.pg:
        engines["PostgreSQL"] = {"SERVQ_DATABASE_URL": fresh_pg_database(args.pg, "servq_bench_import"),
                                 "SERVQ_TZ": "Asia/Shanghai"}
    results = {label: servq_side(label, env, csv_path, day_path, duck) for label, env in engines.items()}

    # Dashboard queries on the imported data, each a fresh process (start-up included).
    env = engines["SQLite"]
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

    print()
    print(f"{'':44} {'wall s':>9} {'peak MiB':>9}")
    print(f"{'DuckDB load into a file + aggregate':44} {duck_s:9.2f} {duck_mb:9.0f}")
    print(f"{'DuckDB read_csv in memory + aggregate':44} {mem_s:9.2f} {mem_mb:9.0f}")
    for label, r in results.items():
        total = r["import_s"] + r["report_s"]
        peak = max(r["import_mb"], r["report_mb"])
        print(f"{'servq import + report, ' + label:44} {total:9.2f} {peak:9.0f}")
        print(f"  ratio to DuckDB's persistent load: {total / duck_s:.2f}x (in memory: {total / mem_s:.2f}x), "
              f"peak memory {peak / duck_mb:.2f}x; {n_rows / r['import_s']:,.0f} contacts/s")
        print(f"  re-import of the unchanged file {r['again_s']:.2f} s: {r['import_s'] / r['again_s']:.1f}x faster "
              f"than the first import")
        print(f"  a day's file ({r['day_rows']:,} contacts) into the loaded store: {r['day_s']:.2f} s")
        for title, profile in (("first import", r["profile"]), ("day's file", r["day_profile"])):
            print(f"  phases of the {title}: " + ", ".join(f"{name} {seconds:.2f}" for name, seconds in profile))
    print()
    print(f"{'dashboard query (servq kpi, whole process)':44} {'median ms':>10} {'p95 ms':>8}")
    for name, (median, p95) in latencies.items():
        print(f"{name:44} {median:10.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
