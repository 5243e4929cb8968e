#!/usr/bin/env python3
"""Independent reference for servq's customer measures (docs/kpi.md#customer-measures), in DuckDB
SQL straight from the written definitions: churn by the "active at the start" predicate over
every customer (no sorted counts), repeat contacts by an EXISTS over all contacts (no "next
contact" lookup), complaint customers by COUNT(DISTINCT). Each customer in their current
segment; contacts and tickets of customers without a profile have no segment (null).

Timestamps are naive local times and days naive dates, as the test files write them. Usage:
  customer_reference.py --customers C.csv --contacts K.csv --tickets T.csv \
      --from 2026-10-01 --to 2026-12-31 [--by month,segment]
(--to inclusive). Prints {"group_by": [...], "rows": [{...}]} like `servq kpi --format json`
with customers_active, customers_churned, churn_rate, repeat_contact_rate, complaint_customers.
"""
import argparse
import json

import duckdb

FCR_WINDOW_S = 7 * 24 * 3600.0
PERIOD = {"": None, "day": "day", "week": "week", "month": "month"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", required=True)
    parser.add_argument("--contacts", required=True)
    parser.add_argument("--tickets", required=True)
    parser.add_argument("--from", dest="start", required=True)
    parser.add_argument("--to", dest="end", required=True)
    parser.add_argument("--by", default="")
    args = parser.parse_args()
    by = [b for b in args.by.split(",") if b]
    grain = next((b for b in by if b in PERIOD), None)
    con = duckdb.connect()
    for table, path in [("customers", args.customers), ("contacts", args.contacts),
                        ("tickets", args.tickets)]:
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}', header=true, all_varchar=true)")
    start = args.start
    end = f"CAST('{args.end}' AS DATE) + INTERVAL 1 DAY"
    # the periods: their first days, the first cut to the range's start
    # a period is named by its own first day (a week by its Monday) even where the range cuts it
    if grain:
        con.execute(
            f"CREATE TABLE periods AS SELECT DISTINCT CAST(date_trunc('{grain}', d) AS DATE) AS period, "
            f"greatest(CAST(date_trunc('{grain}', d) AS DATE), DATE '{start}') AS first "
            f"FROM range(DATE '{start}', {end}, INTERVAL 1 DAY) t(d)")
        period_of = lambda col: f"CAST(date_trunc('{grain}', CAST({col} AS DATE)) AS DATE)"
    else:
        con.execute(f"CREATE TABLE periods AS SELECT DATE '{start}' AS period, DATE '{start}' AS first")
        period_of = lambda col: f"DATE '{start}'"
    seg = "NULLIF(k.segment, '')"
    rows = con.execute(f"""
    WITH active AS (
        SELECT p.period, {seg} AS segment, COUNT(*) AS n FROM periods p, customers k
        WHERE (NULLIF(k.since, '') IS NULL OR CAST(k.since AS DATE) < p.first)
          AND (NULLIF(k.closed_at, '') IS NULL OR CAST(k.closed_at AS DATE) >= p.first)
        GROUP BY 1, 2),
    churned AS (
        SELECT {period_of('k.closed_at')} AS period, {seg} AS segment, COUNT(*) AS n
        FROM customers k WHERE NULLIF(k.closed_at, '') IS NOT NULL
          AND CAST(k.closed_at AS DATE) >= DATE '{start}' AND CAST(k.closed_at AS DATE) < {end}
        GROUP BY 1, 2),
    answered AS (
        SELECT c.*, CAST(c.offered_at AS TIMESTAMP) AS at FROM contacts c
        WHERE NULLIF(c.customer_id, '') IS NOT NULL AND NULLIF(c.answered_at, '') IS NOT NULL
          AND CAST(c.offered_at AS TIMESTAMP) >= DATE '{start}' AND CAST(c.offered_at AS TIMESTAMP) < {end}),
    repeats AS (
        SELECT {period_of('a.offered_at')} AS period, {seg} AS segment, COUNT(*) AS eligible,
          SUM(CASE WHEN EXISTS (SELECT 1 FROM contacts n WHERE n.customer_id = a.customer_id
                AND CAST(n.offered_at AS TIMESTAMP) > a.at
                AND epoch(CAST(n.offered_at AS TIMESTAMP)) - epoch(a.at) <= {FCR_WINDOW_S})
              THEN 1 ELSE 0 END) AS followed
        FROM answered a LEFT JOIN customers k ON k.customer_id = a.customer_id GROUP BY 1, 2),
    complained AS (
        SELECT {period_of('t.created_at')} AS period, {seg} AS segment,
          COUNT(DISTINCT t.customer_id) AS n
        FROM tickets t LEFT JOIN customers k ON k.customer_id = t.customer_id
        WHERE t.ticket_type = 'complaint' AND NULLIF(t.customer_id, '') IS NOT NULL
          AND CAST(t.created_at AS TIMESTAMP) >= DATE '{start}' AND CAST(t.created_at AS TIMESTAMP) < {end}
        GROUP BY 1, 2),
    keys AS (
        SELECT period, segment FROM active UNION SELECT period, segment FROM churned
        UNION SELECT period, segment FROM repeats UNION SELECT period, segment FROM complained)
    SELECT k.period, k.segment, COALESCE(a.n, 0), COALESCE(c.n, 0), COALESCE(r.eligible, 0),
           COALESCE(r.followed, 0), COALESCE(p.n, 0)
    FROM keys k
    LEFT JOIN active a ON a.period = k.period AND a.segment IS NOT DISTINCT FROM k.segment
    LEFT JOIN churned c ON c.period = k.period AND c.segment IS NOT DISTINCT FROM k.segment
    LEFT JOIN repeats r ON r.period = k.period AND r.segment IS NOT DISTINCT FROM k.segment
    LEFT JOIN complained p ON p.period = k.period AND p.segment IS NOT DISTINCT FROM k.segment
    """).fetchall()
    merged = {}
    for period, segment, active, churned, eligible, followed, complained in rows:
        key = []
        for field in by:
            if field == "segment":
                key.append(segment)
            elif field == "month":
                key.append(period.strftime("%Y-%m"))
            else:
                key.append(period.isoformat())
        if "segment" not in by:
            # overall: every segment's counts add up
            pass
        total = merged.setdefault(tuple(key), [0, 0, 0, 0, 0])
        for i, v in enumerate([active, churned, eligible, followed, complained]):
            total[i] += int(v)
    out = []
    for key, (active, churned, eligible, followed, complained) in sorted(
            merged.items(), key=lambda kv: [(v is not None, v or "") for v in kv[0]]):
        row = dict(zip(by, key))
        row.update({
            "customers_active": active,
            "customers_churned": churned,
            "churn_rate": churned / active if active else None,
            "repeat_contact_rate": followed / eligible if eligible else None,
            "complaint_customers": complained,
        })
        out.append(row)
    print(json.dumps({"group_by": by, "rows": out}))


main()
