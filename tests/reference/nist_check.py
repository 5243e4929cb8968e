#!/usr/bin/env python3
"""Checks the NIST StRD files in crates/servq-stats/tests/data against their certified values
with exact rational arithmetic (the data are decimals, so the normal equations solve exactly):
a mistyped number shows up as a certified value that no longer agrees to ~15 digits.

    python3 tests/reference/nist_check.py
"""
import json
import sys
from decimal import Decimal, getcontext
from fractions import Fraction
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "crates" / "servq-stats" / "tests" / "data"
getcontext().prec = 40


def design(d):
    rows = []
    for xs in d["x"]:
        if d["model"] == "polynomial":
            rows.append([xs[0] ** k for k in range(int(d["degree"]) + 1)])
        elif d["model"] == "no_intercept":
            rows.append(list(xs))
        else:
            rows.append([Fraction(1)] + list(xs))
    return rows


def solve(a, b):
    n = len(a)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = next(r for r in range(c, n) if m[r][c] != 0)
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[r][c] != 0:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return [m[i][n] / m[i][i] for i in range(n)]


def inverse_diagonal(a):
    n = len(a)
    return [solve(a, [Fraction(int(i == j)) for i in range(n)])[j] for j in range(n)]


def sqrt(q):
    return Decimal(q.numerator) / Decimal(q.denominator) if q == 0 else (Decimal(q.numerator) / Decimal(q.denominator)).sqrt()


def close(ours, certified, name):
    certified = Decimal(certified)
    ours = Decimal(ours.numerator) / Decimal(ours.denominator) if isinstance(ours, Fraction) else ours
    if certified == 0:
        ok = abs(ours) < Decimal("1e-12")
    else:
        ok = abs((ours - certified) / certified) < Decimal("5e-14")
    if not ok:
        print(f"  {name}: exact {ours:.16E} vs certified {certified}")
    return ok


def main():
    failures = 0
    for path in sorted(DATA.glob("*.json")):
        d = json.loads(path.read_text(), parse_float=Fraction, parse_int=Fraction)
        d["x"] = [[Fraction(v) for v in row] for row in d["x"]]
        y = [Fraction(v) for v in d["y"]]
        x = design(d)
        p, n = len(x[0]), len(y)
        xtx = [[sum(r[i] * r[j] for r in x) for j in range(p)] for i in range(p)]
        xty = [sum(r[i] * yi for r, yi in zip(x, y)) for i in range(p)]
        beta = solve(xtx, xty)
        resid = [yi - sum(b * v for b, v in zip(beta, r)) for r, yi in zip(x, y)]
        rss = sum(e * e for e in resid)
        s2 = rss / (n - p)
        if d["model"] == "no_intercept":
            tss = sum(v * v for v in y)
        else:
            mean = sum(y) / n
            tss = sum((v - mean) ** 2 for v in y)
        cert = d["certified"]
        ok = all(close(b, c, f"beta{i}") for i, (b, c) in enumerate(zip(beta, cert["beta"])))
        ok &= all(close(sqrt(s2 * v), c, f"sd{i}") for i, (v, c) in enumerate(zip(inverse_diagonal(xtx), cert["sd"])))
        ok &= close(sqrt(s2), cert["residual_sd"], "residual_sd")
        ok &= close(1 - rss / tss, cert["r_squared"], "r_squared")
        print(f"{d['name']:9} {'ok' if ok else 'MISMATCH'}")
        failures += not ok
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
