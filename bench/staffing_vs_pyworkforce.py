#!/usr/bin/env python3
"""Benchmark: Erlang C staffing for a week of half hours (336 intervals) × 1 000 queues, servq-wfm
against pyworkforce's ErlangC on the same intervals.

    bench/staffing_vs_pyworkforce.py [--queues 1000] [--peer-queues 1000]

Target 80 % answered in 20 s, occupancy at most 85 %, shrinkage 30 %. The intervals are
generated here (seeded): each queue has a size (lognormal, 2–600 calls per busiest half hour), an
intraday curve and a weekday factor; AHT 120–600 s. servq runs in process (the `staffing` bench
binary, best of 7 runs, no process start or file reading in the figure); pyworkforce runs in this
process (best of 3 runs when it takes under a minute, else one). Every interval's agents and staff
are compared before any time is printed. `--peer-queues` lets pyworkforce do fewer queues (its time
is then scaled up, and the output says so).

Needs: cargo, and `pip install -r bench/requirements.txt` (pyworkforce 0.5.1, for Python 3.11).
"""
import argparse
import json
import math
import random
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def intervals(queues, seed=20261123):
    rng = random.Random(seed)
    rows = []
    for _ in range(queues):
        peak = min(600.0, max(2.0, rng.lognormvariate(math.log(60), 1.0)))
        aht = rng.uniform(120, 600)
        weekday = [1.15, 1.05, 1.0, 1.0, 0.95, 0.6, 0.45]
        for day in range(7):
            for slot in range(48):
                hour = slot / 2
                if hour < 8 or hour >= 22:
                    shape = 0.03
                else:
                    shape = 0.35 + math.exp(-((hour - 10.5) ** 2) / 3) + 0.8 * math.exp(-((hour - 15) ** 2) / 4)
                calls = max(0.0, peak * shape / 1.35 * weekday[day] * rng.uniform(0.9, 1.1))
                rows.append((round(calls, 3), round(aht * rng.uniform(0.95, 1.05), 2)))
    return rows


def pyworkforce_staff(rows):
    from pyworkforce.queuing import ErlangC

    out = []
    for calls, aht in rows:
        if calls == 0:
            out.append((0, 0))
            continue
        # pyworkforce takes one time unit throughout: seconds here (its "asa" is the SL time)
        erlang = ErlangC(transactions=calls, aht=aht, asa=20, interval=1800, shrinkage=0.3)
        result = erlang.required_positions(service_level=0.8, max_occupancy=0.85)
        out.append((result["raw_positions"], result["positions"]))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--queues", type=int, default=1000)
    parser.add_argument("--peer-queues", type=int, default=None)
    args = parser.parse_args()
    peer_queues = args.peer_queues or args.queues

    rows = intervals(args.queues)
    print(f"{len(rows)} intervals ({args.queues} queues × 336 half hours), "
          f"{sum(r[0] for r in rows):,.0f} calls", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "intervals.csv"
        result = Path(tmp) / "servq.csv"
        source.write_text("calls,aht\n" + "".join(f"{c},{a}\n" for c, a in rows))
        subprocess.run(["cargo", "build", "--release", "--quiet", "--benches", "-p", "servq-wfm"],
                       cwd=ROOT, check=True)
        run = subprocess.run(
            ["cargo", "bench", "--quiet", "-p", "servq-wfm", "--bench", "staffing", "--",
             str(source), str(result)],
            cwd=ROOT, check=True, capture_output=True, text=True)
        servq_figures = json.loads(run.stdout.strip().splitlines()[-1])
        ours = [tuple(map(int, line.split(","))) for line in result.read_text().splitlines()[1:]]

    peer_rows = rows[: peer_queues * 336]
    runs = []
    theirs = None
    while True:
        started = time.perf_counter()
        theirs = pyworkforce_staff(peer_rows)
        runs.append(time.perf_counter() - started)
        if len(runs) == 3 or sum(runs) > 60:
            break
    peer_seconds = min(runs)

    # Agents must agree everywhere. Staff = ceil(agents / 0.7) is checked in exact rational
    # arithmetic: pyworkforce divides in floating point, so 21 / 0.7 = 30.000000000000004 → 31.
    mismatches = [(i, rows[i], ours[i], theirs[i]) for i in range(len(peer_rows)) if ours[i][0] != theirs[i][0]]
    exact_staff = [math.ceil(Fraction(agents) / (1 - Fraction("0.3"))) for agents, _ in ours]
    wrong_staff = [i for i, (_, staff) in enumerate(ours) if staff != exact_staff[i]]
    peer_rounding = sum(1 for i in range(len(peer_rows)) if theirs[i][1] != exact_staff[i])
    print(f"agreement: {len(peer_rows) - len(mismatches)} of {len(peer_rows)} intervals give the same agents; "
          f"servq's staff is the exact ⌈agents/0.7⌉ in {len(ours) - len(wrong_staff)} of {len(ours)}; "
          f"pyworkforce's float rounding adds one staff in {peer_rounding} intervals")
    for index, row, mine, peer in mismatches[:10]:
        print(f"  interval {index}: calls {row[0]}, aht {row[1]}: servq {mine}, pyworkforce {peer}")
    if mismatches or wrong_staff:
        sys.exit("servq and the peer or exact arithmetic disagree: no timing is printed")

    scale = len(rows) / len(peer_rows)
    servq_seconds = servq_figures["best_seconds"]
    peer_week = peer_seconds * scale
    note = "" if scale == 1 else f" (measured on {len(peer_rows)} intervals, ×{scale:g})"
    print(f"servq-wfm:   {servq_seconds * 1000:9.1f} ms for the week of {len(rows)} intervals "
          f"(best of 7, one thread)")
    print(f"pyworkforce: {peer_week * 1000:9.1f} ms{note}")
    print(f"ratio: servq is {peer_week / servq_seconds:,.0f}× faster "
          f"(target ≥ 100×; week under 100 ms: {'yes' if servq_seconds < 0.1 else 'NO'})")


if __name__ == "__main__":
    main()
