#!/usr/bin/env python3
"""Independent Erlang B/C/A reference in arbitrary precision (mpmath), for servq-wfm's tests.

Reads a JSON list of cases on stdin:
  {"model": "erlang_b"|"erlang_c"|"erlang_a", "calls", "interval", "aht", "agents",
   "t" (service-level seconds), "patience" (erlang_a)}
and prints a JSON list of results with the quantities as decimal strings (mpmath, 40 digits).

The formulas deliberately differ from servq's (docs/wfm.md):
- Erlang B is the Poisson ratio pmf(N; A) / cdf(N; A), with the cdf from the regularised
  incomplete gamma function, not the recursion.
- Erlang C is pmf·N/(N−A) / (cdf(N−1; A) + pmf·N/(N−A)).
- Erlang A sums the birth–death probabilities term by term (π_n for every n below N and the
  waiting states until they vanish), takes abandonment from Little's law θ·E[Q]/λ, the service
  level from the incomplete gamma closed form, and ASA from each waiting state's own
  hypoexponential wait with the raw rates Nμ + mθ.
"""
import json
import sys

from mpmath import mp, mpf, exp, log, loggamma, gammainc, hyp1f1, inf

mp.dps = 40


def poisson_pmf(n, a):
    return exp(-a + n * log(a) - loggamma(n + 1))


def poisson_cdf(n, a):
    # P(X <= n) for X ~ Poisson(a) = Q(n+1, a), the regularised upper incomplete gamma
    if n < 0:
        return mpf(0)
    return gammainc(n + 1, a, inf, regularized=True)


def erlang_b(n, a):
    return poisson_pmf(n, a) / poisson_cdf(n, a)


def erlang_c_case(case):
    a = mpf(case["calls"]) / mpf(case["interval"]) * mpf(case["aht"])
    n = case["agents"]
    aht = mpf(case["aht"])
    t = mpf(case["t"])
    top = poisson_pmf(n, a) * n / (n - a)
    c = top / (poisson_cdf(n - 1, a) + top)
    return {
        "blocking": erlang_b(n, a),
        "probability_wait": c,
        "service_level": 1 - c * exp(-(n - a) * t / aht),
        "asa_seconds": c * aht / (n - a),
        "occupancy": a / n,
    }


def erlang_b_case(case):
    a = mpf(case["calls"]) / mpf(case["interval"]) * mpf(case["aht"])
    n = case["agents"]
    b = erlang_b(n, a)
    return {"blocking": b, "occupancy": a * (1 - b) / n}


def erlang_a_case(case):
    lam = mpf(case["calls"]) / mpf(case["interval"])
    mu = 1 / mpf(case["aht"])
    theta = 1 / mpf(case["patience"])
    n = case["agents"]
    t = mpf(case["t"])
    offered = lam / mu
    # π_n / π_0 for n < N, and π_N
    below = mpf(0)
    term = mpf(1)
    for k in range(0, n):
        below += term
        term = term * offered / (k + 1)
    top = term
    waiting = mpf(0)
    queue = mpf(0)
    j = 0
    while True:
        waiting += term
        queue += j * term
        j += 1
        term = term * lam / (n * mu + j * theta)
        if lam < n * mu + j * theta and term * j < waiting * mpf(10) ** (-mp.dps):
            break
    total = below + waiting
    p_wait = waiting / total
    p_abandon = theta * (queue / total) / lam
    # answered within s among everyone, from the incomplete gamma closed form
    a = lam / theta
    bb = n * mu / theta
    scale = bb * exp(a) * a ** (-bb) / a * top / total

    def lower_gamma(z, x):
        # γ(z, x) = x^z e^{−x} / z · 1F1(1; z+1; x), extra digits for the difference below
        with mp.workdps(mp.dps + 40):
            return exp(z * log(x) - x) / z * hyp1f1(1, z + 1, x)

    def answered_within(s):
        with mp.workdps(mp.dps + 40):
            return scale * (lower_gamma(bb + 1, a) - lower_gamma(bb + 1, a * exp(-theta * s)))

    answered = 1 - p_abandon
    service_level = (1 - p_wait) + answered_within(t)
    # E[wait · 1{answered}]: a caller with j ahead waits V = Σ_{m=0..j} Exp(r_m), r_m = Nμ + mθ,
    # and is answered if V beats its own patience: E[V·e^{−θV}] = Π r_m/(r_m+θ) · Σ 1/(r_m+θ).
    answered_wait = mpf(0)
    weight = top / total
    survive = mpf(1)
    mean = mpf(0)
    j = 0
    while True:
        rate = n * mu + j * theta
        survive *= rate / (rate + theta)
        mean += 1 / (rate + theta)
        answered_wait += weight * survive * mean
        j += 1
        weight = weight * lam / (n * mu + j * theta)
        if lam < n * mu + j * theta and weight * j * j < answered_wait * mpf(10) ** (-mp.dps):
            break
    return {
        "probability_wait": p_wait,
        "abandon_probability": p_abandon,
        "service_level": service_level,
        "asa_seconds": answered_wait / answered,
        "occupancy": offered * answered / n,
    }


def main():
    cases = json.load(sys.stdin)
    handlers = {"erlang_b": erlang_b_case, "erlang_c": erlang_c_case, "erlang_a": erlang_a_case}
    out = []
    for case in cases:
        result = handlers[case["model"]](case)
        out.append({key: mp.nstr(value, 30) for key, value in result.items()})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
