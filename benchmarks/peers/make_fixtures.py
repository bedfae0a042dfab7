"""Produces the statsmodels reference fixtures for the logistic-regression tests.

Run from the repository root after a build (the synthetic data comes from `credit generate`, so
the Swift tests regenerate exactly the same rows in memory):

    python3 benchmarks/peers/make_fixtures.py --credit .build/debug/credit

Writes Tests/CreditBatchTests/Fixtures/statsmodels-german-credit.json and
Tests/CreditModelsTests/Fixtures/statsmodels-synthetic-1m.json. Each fixture records the tool
versions, this command, the dataset and the tolerances the tests apply.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import statsmodels
import statsmodels.api as sm

sys.path.insert(0, os.path.dirname(__file__))
from common import load_design, provenance  # noqa: E402

COMMAND = "python3 benchmarks/peers/make_fixtures.py --credit .build/debug/credit"
TOLERANCE = {
    "coefficients": {"relative": 1e-6, "absolute": 1e-9},
    "standardErrors": {"relative": 1e-6, "absolute": 1e-9},
    "logLikelihood": {"relative": 1e-9, "absolute": 0.0},
    "why": "statsmodels Newton with tol=1e-12 and CreditEngine IRLS both converge to machine "
    "precision; 1e-6 relative is the issue's bar and leaves room for BLAS summation order.",
}


def fit(terms, X, y, name, dataset, directory, extra=None):
    result = sm.Logit(y, X).fit(method="newton", tol=1e-12, maxiter=100, disp=False)
    assert result.mle_retvals["converged"], name
    fixture = {
        "provenance": provenance(
            "benchmarks/peers/make_fixtures.py", COMMAND, dataset, TOLERANCE, statsmodels=statsmodels
        ),
        "method": 'statsmodels.api.Logit(y, X).fit(method="newton", tol=1e-12, maxiter=100)',
        "terms": terms,
        "coefficients": result.params.tolist(),
        "standardErrors": result.bse.tolist(),
        "logLikelihood": float(result.llf),
        "rows": int(len(y)),
        "events": int(y.sum()),
    }
    fixture.update(extra or {})
    with open(os.path.join(directory, f"statsmodels-{name}.json"), "w") as handle:
        json.dump(fixture, handle, indent=1)
    print(f"{name}: {len(terms)} terms, llf {result.llf:.6f}, iterations {result.mle_retvals['iterations']}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--credit", required=True, help="path to the built credit executable")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261124)
    args = parser.parse_args()

    terms, X, y = load_design("datasets/german_credit.csv", "creditability", "bad")
    fit(
        terms, X, y, "german-credit", "datasets/german_credit.csv (UCI Statlog German Credit, 1000 rows)",
        "Tests/CreditBatchTests/Fixtures",
    )

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "synthetic.csv")
        subprocess.run(
            [args.credit, "generate", "--rows", str(args.rows), "--features", "25", "--seed", str(args.seed), "--out", path],
            check=True,
        )
        terms, X, y = load_design(path, "default", "1", exclude=("id",))
        fit(
            terms, X, y, "synthetic-1m",
            f"credit generate --rows {args.rows} --features 25 --seed {args.seed}",
            "Tests/CreditModelsTests/Fixtures",
            {"generator": {"rows": args.rows, "features": 25, "seed": args.seed}},
        )


if __name__ == "__main__":
    main()
