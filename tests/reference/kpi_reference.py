#!/usr/bin/env python3
"""Independent reference for servq's KPI definitions (docs/kpi.md), written in DuckDB SQL.

It reads the same CSV files servq imports and computes the KPIs straight from the written
definitions, without servq's rollups, counters or repeat links: FCR is an EXISTS over all
contacts rather than a maintained "next contact" column, agent states are split at 15-minute
boundaries by SQL rather than by Rust. The test suite compares servq's JSON with this output.

Agent-state time reaches queues through the roster's `queues` column (`;`-separated), by the
rule of docs/kpi.md#occupancy-per-queue: each agent's time of each state in each 15-minute
interval is split evenly across the agent's queues in whole milliseconds, the first queue
listed taking the remainder; an agent without queues keeps its time under no queue.

Timestamps in the files must be naive local times (the demo writes them so); days are the naive
dates. Usage:
  kpi_reference.py --contacts A.csv [--contacts B.csv] [--states S.csv] [--agents G.csv] --by queue,day
Prints {"group_by": [...], "rows": [{...}]} like `servq kpi --format json`.
"""
import argparse
import json
import math

import duckdb

SHORT_ABANDON_S = 5.0
SERVICE_LEVEL_S = 20.0
FCR_WINDOW_S = 7 * 24 * 3600.0

DIMENSIONS = {
    "queue": "c.queue",
    "agent": "c.agent_id",
    "team": "g.team",
    "channel": "c.channel",
    "category": "c.category",
    "direction": "c.direction",
}
TIME = {
    "day": "strftime(c.offered_at, '%Y-%m-%d')",
    "month": "strftime(c.offered_at, '%Y-%m')",
    "hour": "strftime(c.offered_at, '%Y-%m-%dT%H:00')",
}


def load(con, table, files):
    # files may differ in optional columns (recording_url): matched by name
    union = " UNION ALL BY NAME ".join(
        f"SELECT * FROM read_csv('{f}', header=true, all_varchar=true)" for f in files
    )
    con.execute(f"CREATE TABLE {table} AS {union}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", action="append", required=True)
    parser.add_argument("--states", action="append", default=[])
    parser.add_argument("--agents")
    parser.add_argument("--by", default="")
    args = parser.parse_args()
    by = [b for b in args.by.split(",") if b]

    con = duckdb.connect()
    load(con, "raw", args.contacts)
    con.execute(
        """
        CREATE TABLE c AS SELECT
            contact_id,
            coalesce(channel, '') AS channel,
            CASE WHEN coalesce(direction, '') = '' THEN 'inbound' ELSE direction END AS direction,
            coalesce(queue, '') AS queue,
            nullif(customer_id, '') AS customer_id,
            coalesce(agent_id, '') AS agent_id,
            CAST(offered_at AS TIMESTAMP) AS offered_at,
            CAST(nullif(answered_at, '') AS TIMESTAMP) AS answered_at,
            CAST(nullif(ended_at, '') AS TIMESTAMP) AS ended_at,
            coalesce(CAST(nullif(talk_seconds, '') AS DOUBLE), 0) AS talk,
            coalesce(CAST(nullif(hold_seconds, '') AS DOUBLE), 0) AS hold,
            coalesce(CAST(nullif(wrap_seconds, '') AS DOUBLE), 0) AS wrap,
            lower(coalesce(transferred, '')) IN ('1', 'true') AS transferred,
            coalesce(category, '') AS category,
            CASE lower(coalesce(resolved, '')) WHEN 'true' THEN 1 WHEN '1' THEN 1
                 WHEN 'false' THEN 0 WHEN '0' THEN 0 ELSE NULL END AS resolved
        FROM raw
        """
    )
    con.execute(
        """
        CREATE TABLE f AS SELECT c.*,
            answered_at IS NOT NULL AS answered,
            (epoch_ms(coalesce(answered_at, ended_at)) - epoch_ms(offered_at)) / 1000.0 AS wait,
            (answered_at IS NULL AND epoch_ms(ended_at) - epoch_ms(offered_at) < ? * 1000) AS short_abandon,
            (customer_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM c AS later
                WHERE later.customer_id = c.customer_id AND later.category = c.category
                  AND (later.offered_at > c.offered_at
                       OR (later.offered_at = c.offered_at AND later.contact_id > c.contact_id))
                  AND epoch_ms(later.offered_at) - epoch_ms(c.offered_at) <= ? * 1000)) AS first_contact_resolved
        FROM c
        """,
        [SHORT_ABANDON_S, FCR_WINDOW_S],
    )
    if args.agents:
        load(con, "g", [args.agents])
    else:
        con.execute("CREATE TABLE g (agent_id VARCHAR, name VARCHAR, team VARCHAR)")
    # (agent, queue, position, number of queues), read here in Python from the roster text
    con.execute("CREATE TABLE aq (agent_id VARCHAR, queue VARCHAR, position BIGINT, n BIGINT)")
    has_queues = any(d[0] == "queues" for d in con.execute("SELECT * FROM g LIMIT 0").description)
    if has_queues:
        for agent_id, queues in con.execute("SELECT agent_id, queues FROM g").fetchall():
            listed = []
            for queue in (queues or "").replace("；", ";").split(";"):
                if queue.strip() and queue.strip() not in listed:
                    listed.append(queue.strip())
            for position, queue in enumerate(listed):
                con.execute("INSERT INTO aq VALUES (?, ?, ?, ?)", [agent_id.strip(), queue, position, len(listed)])

    keys = []
    for b in by:
        if b in TIME:
            keys.append(TIME[b].replace("c.", "f."))
        else:
            keys.append(DIMENSIONS[b].replace("c.", "f.") if b != "team" else "coalesce(g.team, '')")
    select_keys = ", ".join(f"{k} AS k{i}" for i, k in enumerate(keys))
    group = ("GROUP BY " + ", ".join(f"k{i}" for i in range(len(keys)))) if keys else ""
    sql = f"""
        SELECT {select_keys + ',' if keys else ''}
            count(*) AS offered,
            count(*) FILTER (WHERE answered) AS answered,
            count(*) FILTER (WHERE NOT answered) AS abandoned,
            count(*) FILTER (WHERE short_abandon) AS short_abandoned,
            count(*) FILTER (WHERE answered AND wait <= {SERVICE_LEVEL_S}) AS answered_within_sl,
            sum(wait) FILTER (WHERE answered) AS wait_answered,
            sum(wait) FILTER (WHERE NOT short_abandon) AS wait_counted,
            sum(talk) FILTER (WHERE answered) AS talk,
            sum(hold) FILTER (WHERE answered) AS hold,
            sum(wrap) FILTER (WHERE answered) AS wrap,
            count(*) FILTER (WHERE answered AND transferred) AS transferred,
            count(*) FILTER (WHERE answered AND customer_id IS NOT NULL) AS fcr_eligible,
            count(*) FILTER (WHERE answered AND first_contact_resolved) AS fcr_resolved,
            count(*) FILTER (WHERE answered AND resolved IS NOT NULL) AS resolution_known,
            count(*) FILTER (WHERE answered AND resolved = 1) AS resolution_resolved
        FROM f LEFT JOIN g ON g.agent_id = f.agent_id
        {group}
    """
    rows = con.execute(sql).fetchall()
    names = [d[0] for d in con.description]

    states = {}
    state_dims_only = all(b in ("agent", "team", "queue") or b in TIME for b in by)
    if args.states and state_dims_only:
        load(con, "raw_states", args.states)
        # Split each interval at 15-minute boundaries so time grouping attributes each piece to
        # the period it falls in; whole milliseconds per (interval, agent, state).
        con.execute(
            """
            CREATE TABLE s0 AS
            WITH iv AS (
                SELECT agent_id, lower(state) AS state,
                       CAST(start_at AS TIMESTAMP) AS a, CAST(end_at AS TIMESTAMP) AS b
                FROM raw_states)
            SELECT iv.agent_id, iv.state, slot AS offered_at,
                   epoch_ms(least(iv.b, slot + INTERVAL 15 MINUTE)) - epoch_ms(greatest(iv.a, slot)) AS ms
            FROM iv, LATERAL (SELECT unnest(generate_series(time_bucket(INTERVAL 15 MINUTE, iv.a),
                                                            iv.b, INTERVAL 15 MINUTE)) AS slot) t
            WHERE slot < iv.b AND slot + INTERVAL 15 MINUTE > iv.a
            """
        )
        con.execute(
            """
            CREATE TABLE s AS
            WITH per_slot AS (
                SELECT agent_id, state, offered_at, sum(ms) AS ms FROM s0 GROUP BY ALL)
            SELECT p.agent_id, p.state, p.offered_at, coalesce(aq.queue, '') AS queue,
                   p.ms // coalesce(aq.n, 1)
                   + CASE WHEN coalesce(aq.position, 0) = 0 THEN p.ms % coalesce(aq.n, 1) ELSE 0 END AS ms
            FROM per_slot p LEFT JOIN aq ON aq.agent_id = p.agent_id
            """
        )
        skeys = []
        for b in by:
            if b in TIME:
                skeys.append(TIME[b].replace("c.", "s."))
            elif b == "agent":
                skeys.append("s.agent_id")
            elif b == "queue":
                skeys.append("s.queue")
            else:
                skeys.append("coalesce(g.team, '')")
        sel = ", ".join(f"{k} AS k{i}" for i, k in enumerate(skeys))
        sgroup = ("GROUP BY " + ", ".join(f"k{i}" for i in range(len(skeys)))) if skeys else ""
        for r in con.execute(
            f"""SELECT {sel + ',' if skeys else ''}
                sum(ms) FILTER (WHERE state IN ('talk', 'hold', 'wrap')) AS handling,
                sum(ms) FILTER (WHERE state = 'available') AS available,
                sum(ms) AS logged
                FROM s LEFT JOIN g ON g.agent_id = s.agent_id {sgroup}"""
        ).fetchall():
            states[tuple(r[: len(skeys)])] = r[len(skeys):]

    def ratio(n, d):
        return None if not d else n / d

    # Periods or agents with logged state time but no contacts still get a row (occupancy is
    # defined there), with zero counts.
    seen = {tuple(r[: len(keys)]) for r in rows}
    zero = [0] * (len(names) - len(keys))
    rows = list(rows) + [tuple(k) + tuple(zero) for k in states if k not in seen]

    out = []
    for r in rows:
        row = dict(zip(names, r))
        key = tuple(r[: len(keys)])
        counted = row["offered"] - row["short_abandoned"]
        answered = row["answered"]
        result = {b: (k if k != "" else None) for b, k in zip(by, key)}
        result.update(
            offered=row["offered"],
            answered=answered,
            abandoned=row["abandoned"],
            short_abandoned=row["short_abandoned"],
            answered_within_sl=row["answered_within_sl"],
            answer_rate=ratio(answered, counted),
            service_level=ratio(row["answered_within_sl"], counted),
            abandon_rate=ratio(row["abandoned"] - row["short_abandoned"], counted),
            asa_seconds=ratio(row["wait_answered"] or 0, answered),
            avg_wait_seconds=ratio(row["wait_counted"] or 0, counted),
            avg_talk_seconds=ratio(row["talk"] or 0, answered),
            avg_hold_seconds=ratio(row["hold"] or 0, answered),
            avg_acw_seconds=ratio(row["wrap"] or 0, answered),
            aht_seconds=ratio((row["talk"] or 0) + (row["hold"] or 0) + (row["wrap"] or 0), answered),
            transferred=row["transferred"],
            transfer_rate=ratio(row["transferred"], answered),
            fcr_eligible=row["fcr_eligible"],
            fcr_resolved=row["fcr_resolved"],
            fcr_rate=ratio(row["fcr_resolved"], row["fcr_eligible"]),
            resolution_rate=ratio(row["resolution_resolved"], row["resolution_known"]),
        )
        if key in states:
            handling, available, logged = (v or 0 for v in states[key])
            result["occupancy"] = ratio(handling, handling + available)
            result["utilization"] = ratio(handling, logged)
        else:
            result["occupancy"] = None
            result["utilization"] = None
        out.append(result)
    out.sort(key=lambda r: [("" if r[b] is None else r[b]) for b in by])
    print(json.dumps({"group_by": by, "rows": out}, ensure_ascii=False))


if __name__ == "__main__":
    main()
