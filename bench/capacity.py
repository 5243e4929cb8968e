#!/usr/bin/env python3
"""Capacity measurements on PostgreSQL (docs/capacity.md): a year of contacts imported, survey
answers imported, the store's size, dashboards over it, and a backup with servq against
PostgreSQL's own pg_dump on the same database (the peer), verify, and a restore into SQLite.

    cargo build --release -p servq-cli
    bench/capacity.py [--contacts 2000000] [--workdir bench/out/capacity]

Starts the test PostgreSQL (scripts/pg-start.sh) and a fresh database `servq_capacity`. Prints a
JSON summary and the figures per million contacts that docs/capacity.md extrapolates from.
"""
import argparse
import csv
import glob
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pg_bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        sys.exit(f"{name} not found: run scripts/pg-start.sh first")
    return found[-1]


def timed(command, env=None, quiet=True):
    started = time.perf_counter()
    result = subprocess.run(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(map(str, command))} failed:\n{result.stderr[-3000:]}")
    print(f"{elapsed:8.1f} s  {' '.join(map(str, command))[:160]}", file=sys.stderr, flush=True)
    return elapsed, result.stdout


def psql(admin_url, sql):
    return subprocess.run(
        [pg_bin("psql"), admin_url, "-Atc", sql], check=True, stdout=subprocess.PIPE, text=True
    ).stdout.strip()


def survey_answers(contacts, out):
    """One answer for every third answered contact with a customer: CSAT 1-5 and NPS 0-10."""
    written = 0
    with open(contacts, newline="") as source, open(out, "w", newline="") as target:
        reader = csv.DictReader(source)
        writer = csv.writer(target)
        writer.writerow(["response_id", "contact_id", "responded_at", "csat", "nps", "agent_id"])
        for index, row in enumerate(reader):
            if index % 3 or not row["answered_at"] or not row["customer_id"]:
                continue
            writer.writerow(
                [f"R{index}", row["contact_id"], row["ended_at"], 1 + index % 5, index % 11, row["agent_id"]]
            )
            written += 1
    return written


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=2_000_000)
    parser.add_argument("--workdir", default=str(ROOT / "bench" / "out" / "capacity"))
    parser.add_argument("--servq", default=str(ROOT / "target" / "release" / "servq"))
    args = parser.parse_args()
    servq = args.servq
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    admin = subprocess.run([ROOT / "scripts" / "pg-start.sh"], check=True, stdout=subprocess.PIPE, text=True).stdout.strip()
    base = admin.rsplit("/", 1)[0]
    psql(admin, "DROP DATABASE IF EXISTS servq_capacity")
    psql(admin, "CREATE DATABASE servq_capacity")
    url = f"{base}/servq_capacity"
    env = {"SERVQ_DATABASE_URL": url, "SERVQ_TZ": "Asia/Shanghai", "SERVQ_LOG": "error"}
    report = {"contacts_asked": args.contacts}

    # a year of contacts; weekends get 70 % of a weekday
    daily = max(1, round(args.contacts / (365 * (5 + 2 * 0.7) / 7)))
    agents = max(12, daily // 60)
    data = work / "data"
    contacts = data / "contacts.csv"
    if not contacts.exists():
        timed([servq, "demo", "--days", "365", "--daily-contacts", str(daily), "--agents", str(agents),
               "--end", "2026-11-30", "--csv-out", str(data)], env={"SERVQ_DATABASE_URL": f"sqlite://{work}/scratch.db"})
    rows = sum(1 for _ in open(contacts)) - 1
    report["contacts"] = rows
    report["agents"] = agents

    elapsed, _ = timed([servq, "import", "agents", str(data / "agents.csv")], env=env)
    elapsed, _ = timed([servq, "import", "contacts", str(contacts)], env=env)
    report["import_contacts_s"] = round(elapsed, 1)
    report["import_contacts_rows_per_s"] = round(rows / elapsed)

    # the next day's export into the year-long store, as the nightly feed brings it
    day = work / "day"
    if not (day / "contacts.csv").exists():
        timed([servq, "demo", "--days", "1", "--daily-contacts", str(daily), "--agents", str(agents),
               "--end", "2026-12-01", "--seed", "99", "--csv-out", str(day)],
              env={"SERVQ_DATABASE_URL": f"sqlite://{work}/scratch.db"})
        # the demo numbers its contacts from 1: the next day's must not collide with the year's
        text = (day / "contacts.csv").read_text().splitlines()
        (day / "contacts.csv").write_text("\n".join([text[0]] + ["D" + line for line in text[1:]]) + "\n")
    day_rows = sum(1 for _ in open(day / "contacts.csv")) - 1
    elapsed, _ = timed([servq, "import", "contacts", str(day / "contacts.csv")], env=env)
    report["import_one_day_rows"] = day_rows
    report["import_one_day_s"] = round(elapsed, 2)

    answers = work / "answers.csv"
    answered = survey_answers(contacts, answers)
    elapsed, _ = timed([servq, "import", "survey-results", str(answers)], env=env)
    report["survey_answers"] = answered
    report["import_answers_per_s"] = round(answered / elapsed)

    report["database_bytes"] = int(psql(url, "SELECT pg_database_size(current_database())"))
    report["contacts_table_bytes"] = int(psql(url, "SELECT pg_total_relation_size('contacts')"))

    # dashboards: a whole `servq kpi` process each, start-up included (the API is faster)
    for name, by, since in [("queue_day_30d", "queue,day", "2026-11-01"), ("queue_year", "queue", None),
                            ("agent_30d", "agent", "2026-11-01")]:
        runs = []
        for _ in range(7):
            command = [servq, "kpi", "--by", by, "--format", "json"]
            if since:
                command += ["--from", since, "--to", "2026-11-30"]
            elapsed, _ = timed(command, env=env)
            runs.append(elapsed * 1000)
        report[f"kpi_{name}_ms_median"] = round(statistics.median(runs), 1)

    backup = work / "capacity.servq-backup"
    backup.unlink(missing_ok=True)
    elapsed, _ = timed([servq, "backup", "--output", str(backup)], env=env)
    report["servq_backup_s"] = round(elapsed, 1)
    report["servq_backup_bytes"] = backup.stat().st_size
    dump = work / "capacity.pgdump"
    elapsed, _ = timed([pg_bin("pg_dump"), "--format=custom", "--file", str(dump), url])
    report["pg_dump_s"] = round(elapsed, 1)
    report["pg_dump_bytes"] = dump.stat().st_size
    report["backup_time_ratio_servq_to_pg_dump"] = round(report["servq_backup_s"] / report["pg_dump_s"], 2)
    elapsed, _ = timed([servq, "backup", "verify", str(backup)], env=env)
    report["servq_verify_s"] = round(elapsed, 1)
    lite = work / "restored.db"
    for suffix in ["", "-wal", "-shm"]:
        Path(f"{lite}{suffix}").unlink(missing_ok=True)
    elapsed, _ = timed([servq, "restore", str(backup)], env={**env, "SERVQ_DATABASE_URL": f"sqlite://{lite}"})
    report["servq_restore_into_sqlite_s"] = round(elapsed, 1)
    report["sqlite_file_bytes"] = lite.stat().st_size

    per_million = rows / 1e6
    report["per_million_contacts"] = {
        "database_mb": round(report["database_bytes"] / 1e6 / per_million),
        "backup_mb": round(report["servq_backup_bytes"] / 1e6 / per_million, 1),
        "import_s": round(report["import_contacts_s"] / per_million, 1),
        "backup_s": round(report["servq_backup_s"] / per_million, 1),
        "restore_sqlite_s": round(report["servq_restore_into_sqlite_s"] / per_million, 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
