#!/usr/bin/env python3
"""Independent reference for servq's survey measures (docs/kpi.md#survey-kpis), in DuckDB SQL.

Reads the contacts and survey-results CSV files servq imports and computes, per group, the
responses, CSAT top-2-box share and mean (three-level words as 5/3/1), NPS and CES straight from
the written definitions: a response counts on the naive local date of its contact's offered_at,
for the contact's agent. Usage:
  survey_reference.py --contacts C.csv --responses R.csv --by day|agent
Prints {"rows": [{"<by>": …, "survey_responses": n, "csat": …, "csat_mean": …, "nps": …, "ces": …}]}.
"""
import argparse
import json

import duckdb

KEYS = {"day": "strftime(CAST(c.offered_at AS TIMESTAMP), '%Y-%m-%d')", "agent": "c.agent_id"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", required=True)
    parser.add_argument("--responses", required=True)
    parser.add_argument("--by", required=True, choices=sorted(KEYS))
    args = parser.parse_args()
    con = duckdb.connect()
    con.execute(f"CREATE TABLE c AS SELECT * FROM read_csv('{args.contacts}', header=true, all_varchar=true)")
    con.execute(f"CREATE TABLE r AS SELECT * FROM read_csv('{args.responses}', header=true, all_varchar=true)")
    rows = con.execute(
        f"""
        WITH s AS (
            SELECT {KEYS[args.by]} AS k,
                CASE r.csat WHEN '满意' THEN 5 WHEN '一般' THEN 3 WHEN '不满意' THEN 1
                    ELSE TRY_CAST(NULLIF(r.csat, '') AS INTEGER) END AS csat,
                TRY_CAST(NULLIF(r.nps, '') AS INTEGER) AS nps,
                TRY_CAST(NULLIF(r.ces, '') AS INTEGER) AS ces
            FROM r JOIN c ON c.contact_id = r.contact_id)
        SELECT k, COUNT(*),
            AVG(CASE WHEN csat >= 4 THEN 1.0 WHEN csat IS NOT NULL THEN 0.0 END),
            AVG(csat),
            100.0 * (COUNT(*) FILTER (WHERE nps >= 9) - COUNT(*) FILTER (WHERE nps <= 6))
                / NULLIF(COUNT(nps), 0),
            AVG(ces)
        FROM s GROUP BY k ORDER BY k
        """
    ).fetchall()
    print(json.dumps({"rows": [
        {args.by: k, "survey_responses": n, "csat": top2, "csat_mean": mean, "nps": nps, "ces": ces}
        for (k, n, top2, mean, nps, ces) in rows
    ]}))


if __name__ == "__main__":
    main()
