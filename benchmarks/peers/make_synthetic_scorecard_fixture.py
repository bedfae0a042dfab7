"""Produces the optbinning reference fixture for the 200k-row synthetic scorecard test.

    python3 benchmarks/peers/make_synthetic_scorecard_fixture.py

Generates the data with CreditEngine's own generator (release build of `credit`):
`credit generate --rows 400000 --features 25 --categorical 5 --missing-rate 0.05 --seed 1`
(id, x1..x25, c1..c5 with levels L0..L4, default; 5% empty cells). The first 200,000 data rows
train, the last 200,000 are the holdout. Fits optbinning's BinningProcess + Scorecard with the
settings of benchmarks/peers/scorecard_peers.py (monotonic_trend="auto_asc_desc",
max_n_prebins=20, min_bin_size=0.05, max_n_bins=10, selection IV >= 0.02, LogisticRegression
with C=1e12) and writes each feature's IV and the scorecard's holdout AUC, with the generated
file's SHA-256 so the test can confirm it binned the same data, to
Tests/CreditBatchTests/Fixtures/optbinning-synthetic-200k.json.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import optbinning
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(__file__))
from common import provenance  # noqa: E402
from scorecard_peers import fit_optbinning, read  # noqa: E402

COMMAND = "python3 benchmarks/peers/make_synthetic_scorecard_fixture.py"
GENERATE = ["generate", "--rows", "400000", "--features", "25", "--categorical", "5", "--missing-rate", "0.05", "--seed", "1"]


def main():
    subprocess.run(["swift", "build", "-c", "release", "--product", "credit"], check=True, stdout=subprocess.DEVNULL)
    binary = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], check=True, capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as work:
        both = f"{work}/both.csv"
        subprocess.run([f"{binary}/credit", *GENERATE, "--model-out", f"{work}/true.json", "--out", both], check=True, stderr=subprocess.DEVNULL)
        digest = hashlib.sha256(open(both, "rb").read()).hexdigest()
        lines = open(both).read().splitlines(keepends=True)
        header, rows = lines[0], lines[1:]
        open(f"{work}/train.csv", "w").writelines([header] + rows[:200_000])
        open(f"{work}/holdout.csv", "w").writelines([header] + rows[200_000:])
        frame, y = read(f"{work}/train.csv")
        card = fit_optbinning(frame, y)
        holdout, labels = read(f"{work}/holdout.csv")
        ivs = {name: float(card.binning_process_.get_binned_variable(name).binning_table.build().loc["Totals", "IV"]) for name in frame.columns}
        auc = float(roc_auc_score(labels, -card.score(holdout)))
    fixture = {
        "provenance": provenance(
            "benchmarks/peers/make_synthetic_scorecard_fixture.py", COMMAND,
            "credit " + " ".join(GENERATE) + "; first 200,000 data rows train, last 200,000 holdout",
            {
                "informationValue": {"relativeBelow": 0.05, "why": "the issue's bar: within 5% of optbinning or higher"},
                "holdoutAUC": {"absoluteBelow": 0.005, "why": "the issue's bar: no lower than optbinning's minus 0.005"},
            },
            optbinning=optbinning,
        ),
        "method": "BinningProcess(monotonic_trend=auto_asc_desc, max_n_prebins=20, min_bin_size=0.05, max_n_bins=10; IV >= 0.02) "
                  "+ Scorecard(LogisticRegression(C=1e12)), pdo_odds 600/50/20",
        "dataSHA256": digest,
        "trainRows": 200_000,
        "holdoutRows": 200_000,
        "iv": ivs,
        "holdoutAUC": auc,
    }
    with open("Tests/CreditBatchTests/Fixtures/optbinning-synthetic-200k.json", "w") as handle:
        json.dump(fixture, handle, indent=1)
    print(f"optbinning: holdout AUC {auc:.4f}; IV " + ", ".join(f"{k} {v:.4f}" for k, v in ivs.items()))


if __name__ == "__main__":
    main()
