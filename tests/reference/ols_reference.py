#!/usr/bin/env python3
"""statsmodels' answers for servq-stats' agreement tests.

Reads a JSON list on stdin: {"csv": PATH, "y": COL, "x": [COLS], "intercept": bool}, fits
statsmodels OLS on each and prints a JSON list: params, bse, tvalues, pvalues, conf_int (95 %),
rsquared, rsquared_adj, fvalue, f_pvalue, residual_std_error, df_resid, and the VIF of each
predictor (statsmodels.stats.outliers_influence.variance_inflation_factor on the design with the
constant), plus Pearson and Spearman matrices with p-values from scipy.
"""
import json
import sys

import numpy as np
import pandas as pd
import statsmodels.api as sm
from mpmath import fsum, matrix, mp, mpf, sqrt
from scipy import stats
from statsmodels.stats.outliers_influence import variance_inflation_factor


def exact_vif(frame):
    """VIF as the diagonal of the inverse correlation matrix, in 50-digit arithmetic from the
    exact binary values of the data: statsmodels' 1/(1 − R²) loses about log10(VIF) digits."""
    mp.dps = 50
    columns = [[mpf(v) for v in frame[c].tolist()] for c in frame.columns]
    n = len(columns[0])
    centred = []
    for values in columns:
        mean = fsum(values) / n
        centred.append([v - mean for v in values])
    p = len(centred)
    cross = matrix(p, p)
    for i in range(p):
        for j in range(p):
            cross[i, j] = fsum(a * b for a, b in zip(centred[i], centred[j]))
    correlation = matrix(p, p)
    for i in range(p):
        for j in range(p):
            correlation[i, j] = cross[i, j] / sqrt(cross[i, i] * cross[j, j])
    inverse = correlation ** -1
    return [float(inverse[j, j]) for j in range(p)]


def exact_ols(frame, y_name, x_names, intercept):
    """Coefficients and standard errors from the normal equations in 60-digit arithmetic on the
    exact binary values of the data (mpf of a float is exact; its shortest decimal text is
    not, and an ill-conditioned fit feels the difference): the yardstick when a design is too ill-conditioned for float64."""
    mp.dps = 60
    y = [mpf(v) for v in frame[y_name].tolist()]
    columns = [[mpf(v) for v in frame[c].tolist()] for c in x_names]
    n = len(y)
    if intercept:
        columns = [[mpf(1)] * n] + columns
    k = len(columns)
    xtx = matrix(k, k)
    xty = matrix(k, 1)
    for i in range(k):
        xty[i] = fsum(a * b for a, b in zip(columns[i], y))
        for j in range(k):
            xtx[i, j] = fsum(a * b for a, b in zip(columns[i], columns[j]))
    inverse = xtx ** -1
    beta = inverse * xty
    residuals = [y[r] - fsum(beta[i] * columns[i][r] for i in range(k)) for r in range(n)]
    scale = fsum(e * e for e in residuals) / (n - k)
    return {
        "params": [float(beta[i]) for i in range(k)],
        "bse": [float(sqrt(scale * inverse[i, i])) for i in range(k)],
    }


def fit(case):
    frame = pd.read_csv(case["csv"], float_precision="round_trip")
    y = frame[case["y"]].to_numpy(dtype=float)
    x = frame[case["x"]].to_numpy(dtype=float)
    exog = sm.add_constant(x, has_constant="add") if case["intercept"] else x
    result = sm.OLS(y, exog).fit()
    ci = result.conf_int(0.05)
    out = {
        "params": result.params.tolist(),
        "bse": result.bse.tolist(),
        "tvalues": result.tvalues.tolist(),
        "pvalues": result.pvalues.tolist(),
        "ci_low": ci[:, 0].tolist(),
        "ci_high": ci[:, 1].tolist(),
        "rsquared": result.rsquared,
        "rsquared_adj": result.rsquared_adj,
        "fvalue": float(result.fvalue),
        "f_pvalue": float(result.f_pvalue),
        "residual_std_error": float(np.sqrt(result.scale)),
        "df_resid": result.df_resid,
    }
    if case["intercept"]:
        out["vif"] = [variance_inflation_factor(exog, j) for j in range(1, exog.shape[1])]
        out["vif_exact"] = exact_vif(frame[case["x"]])
    out["exact"] = exact_ols(frame, case["y"], case["x"], case["intercept"])
    columns = [case["y"]] + case["x"]
    data = frame[columns].to_numpy(dtype=float)
    pearson = [[stats.pearsonr(data[:, i], data[:, j]) for j in range(len(columns))] for i in range(len(columns))]
    out["pearson_r"] = [[float(v.statistic) for v in row] for row in pearson]
    out["pearson_p"] = [[float(v.pvalue) for v in row] for row in pearson]
    spearman = stats.spearmanr(data)
    out["spearman_r"] = np.atleast_2d(spearman.statistic).tolist()
    out["spearman_p"] = np.atleast_2d(spearman.pvalue).tolist()
    return out


def main():
    cases = json.load(sys.stdin)
    json.dump([fit(case) for case in cases], sys.stdout)


if __name__ == "__main__":
    main()
