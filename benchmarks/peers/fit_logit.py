"""Fits a logistic regression on a CSV with a peer, as `credit fit` does, for timing and agreement.

    python3 benchmarks/peers/fit_logit.py sklearn|statsmodels DATA.csv OUT.json

Reads the CSV with pandas (C engine), uses every column but `id` and `default` as a numeric
feature, and fits without penalty:
  sklearn:     LogisticRegression(solver="newton-cholesky", penalty=None, tol=1e-8, max_iter=100)
  statsmodels: Logit(y, add_constant(X)).fit(method="newton", tol=1e-8, maxiter=100)
Writes the intercept and coefficients so the benchmark can check that all tools agree.
"""
import json
import sys

import numpy as np
import pandas as pd


def main():
    tool, path, out = sys.argv[1:4]
    frame = pd.read_csv(path)
    y = frame.pop("default").to_numpy(dtype=float)
    frame.pop("id")
    X = frame.to_numpy(dtype=float)
    if tool == "sklearn":
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(solver="newton-cholesky", penalty=None, tol=1e-8, max_iter=100).fit(X, y)
        params = [float(model.intercept_[0])] + model.coef_[0].tolist()
    elif tool == "statsmodels":
        import statsmodels.api as sm

        result = sm.Logit(y, sm.add_constant(X)).fit(method="newton", tol=1e-8, maxiter=100, disp=False)
        params = result.params.tolist()
    else:
        raise SystemExit(f"unknown tool {tool}")
    with open(out, "w") as handle:
        json.dump({"tool": tool, "coefficients": params}, handle)


if __name__ == "__main__":
    main()
