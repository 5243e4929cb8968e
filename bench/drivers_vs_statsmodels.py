#!/usr/bin/env python3
"""Benchmark: OLS with 20 predictors on 1 million rows, and the whole driver procedure, servq-stats
against statsmodels on the same data in the same script.

    bench/drivers_vs_statsmodels.py [--rows 1000000]

The data (seeded): 20 predictors, 14 real drivers with effects of several sizes, x15 a near copy
of x3 (r ≈ 0.995: a collinear pair), x16 = x0 + x1 + x2 + noise (a high VIF without a high pair),
x17–x19 irrelevant. statsmodels runs `sm.OLS(y, add_constant(X)).fit()` and, for the driver
procedure, the same rules written with it (pairs with |r| ≥ 0.9 or VIF ≥ 10: drop the member whose
removal leaves the higher F; then backward elimination at p > 0.1). servq runs in process (the
`drivers` bench binary of servq-stats). Both sides: best of 3, after one warm-up run inside the
timing loop's first pass. Estimates, standard errors and the kept predictors are compared before
any time is printed.

Needs: cargo, and `pip install -r tests/reference/requirements.txt` (statsmodels).
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import statsmodels.api as sm

ROOT = Path(__file__).resolve().parent.parent


def make_data(rows, seed=20261123):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, 20))
    x[:, 15] = x[:, 3] + 0.1 * rng.standard_normal(rows)
    x[:, 16] = x[:, 0] + x[:, 1] + x[:, 2] + 0.5 * rng.standard_normal(rows)
    effects = np.array([0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.12, 0.1, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02,
                        0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    y = 3.0 + x @ effects + rng.standard_normal(rows)
    return y, x


def statsmodels_drivers(y, x, names, alpha=0.1, collinearity=0.9, max_vif=10.0):
    kept = list(range(x.shape[1]))

    def fit(columns):
        return sm.OLS(y, sm.add_constant(x[:, columns], has_constant="add")).fit()

    def f_without(drop):
        return fit([j for j in kept if j != drop]).fvalue

    while len(kept) >= 2:
        corr = np.corrcoef(x[:, kept], rowvar=False)
        upper = np.abs(np.triu(corr, 1))
        i, j = np.unravel_index(np.argmax(upper), upper.shape)
        if upper[i, j] >= collinearity:
            a, b = kept[i], kept[j]
            removed = a if f_without(a) > f_without(b) else b
            kept.remove(removed)
            continue
        vif = np.diag(np.linalg.inv(corr))
        candidates = [kept[k] for k in range(len(kept)) if vif[k] >= max_vif]
        if not candidates:
            break
        scores = {c: f_without(c) for c in candidates}
        kept.remove(max(scores, key=scores.get))
    while True:
        result = fit(kept)
        pvalues = result.pvalues[1:]
        worst = int(np.argmax(pvalues))
        if pvalues[worst] > alpha and len(kept) > 1:
            kept.pop(worst)
            continue
        return [names[j] for j in kept], result


def best_of(runs, function):
    best, value = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - started)
    return best, value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    y, x = make_data(args.rows)
    names = [f"x{j}" for j in range(x.shape[1])]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.f64"
        out = Path(tmp) / "servq.json"
        np.concatenate([y, x.T.reshape(-1)]).astype("<f8").tofile(data)
        subprocess.run(["cargo", "build", "--release", "--quiet", "--benches", "-p", "servq-stats"], cwd=ROOT, check=True)
        subprocess.run(["cargo", "bench", "--quiet", "-p", "servq-stats", "--bench", "drivers", "--",
                        str(data), str(args.rows), str(x.shape[1] + 1), str(out)], cwd=ROOT, check=True)
        ours = json.loads(out.read_text())

    ols_seconds, result = best_of(3, lambda: sm.OLS(y, sm.add_constant(x)).fit())
    drivers_seconds, (kept, final) = best_of(3, lambda: statsmodels_drivers(y, x, names))

    def relative(a, b):
        return abs(a - b) / abs(b)

    worst = max(max(relative(c["estimate"], e), relative(c["std_error"], s))
                for c, e, s in zip(ours["ols"], result.params, result.bse))
    print(f"{args.rows:,} rows × 20 predictors")
    print(f"OLS agreement: largest relative difference in estimates and standard errors {worst:.1e}")
    if worst > 1e-9:
        sys.exit("servq and statsmodels disagree: no timing is printed")
    if ours["drivers_kept"] != kept:
        sys.exit(f"driver procedures disagree: servq kept {ours['drivers_kept']}, statsmodels {kept}")
    worst_final = max(relative(c["estimate"], e) for c, e in zip(ours["drivers_final"], final.params))
    print(f"driver procedure: both keep {', '.join(kept)} (estimates agree to {worst_final:.1e})")
    for step in ours["steps"]:
        print(f"  - {step}")
    print(f"OLS:              servq {ours['ols_seconds']:7.3f} s   statsmodels {ols_seconds:7.3f} s   "
          f"ratio {ols_seconds / ours['ols_seconds']:5.1f}×")
    print(f"driver procedure: servq {ours['drivers_seconds']:7.3f} s   statsmodels {drivers_seconds:7.3f} s   "
          f"ratio {drivers_seconds / ours['drivers_seconds']:5.1f}×   (target ≥ 10×)")


if __name__ == "__main__":
    main()
