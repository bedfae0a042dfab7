"""Scorecard peers for benchmarks/scorecard.sh: fit (and optionally score) with toad or optbinning.

    python3 benchmarks/peers/scorecard_peers.py toad|toad-dt|optbinning fit TRAIN.csv
    python3 benchmarks/peers/scorecard_peers.py toad|optbinning fit-score TRAIN.csv SCORE.csv OUT.json
    python3 benchmarks/peers/scorecard_peers.py optbinning compare TRAIN.csv HOLDOUT.csv OUT.json

`fit` reads the training CSV and fits a scorecard (timed whole by hyperfine).
`fit-score` also scores SCORE.csv and records the scoring rows/s, timed inside (read + predict),
so the fit is not counted against the peer. `compare` records optbinning's per-feature IV and
its scorecard's AUC on HOLDOUT.csv.

Settings: toad Combiner(method="chi", min_samples=0.05; `toad-dt`: method="dt", its decision-tree
binning) + WOETransformer + ScoreCard(pdo=20, base_score=600, base_odds=1/50); optbinning BinningProcess (monotonic_trend="auto_asc_desc",
max_n_prebins=20, min_bin_size=0.05, max_n_bins=10, IV >= 0.02) + Scorecard(LogisticRegression).
Columns x* are numeric, c* categorical; `id` is left out; `default` is the target.
"""
import json
import sys
import time

import numpy as np
import pandas as pd


def read(path):
    frame = pd.read_csv(path, dtype={f"c{i}": str for i in range(1, 51)})
    y = frame.pop("default").to_numpy()
    frame.pop("id")
    return frame, y


def fit_toad(frame, y, method="chi"):
    import toad

    combiner = toad.transform.Combiner()
    combiner.fit(frame, y, method=method, min_samples=0.05)
    transformer = toad.transform.WOETransformer()
    woe = transformer.fit_transform(combiner.transform(frame), y)
    card = toad.ScoreCard(combiner=combiner, transer=transformer, pdo=20, base_odds=1 / 50, base_score=600)
    card.fit(woe, y)
    return lambda data: card.predict(data)


def fit_optbinning(frame, y):
    from optbinning import BinningProcess, Scorecard
    from sklearn.linear_model import LogisticRegression

    categorical = [c for c in frame.columns if c.startswith("c")]
    params = {"monotonic_trend": "auto_asc_desc", "max_n_prebins": 20, "min_bin_size": 0.05, "max_n_bins": 10}
    process = BinningProcess(
        variable_names=list(frame.columns), categorical_variables=categorical,
        selection_criteria={"iv": {"min": 0.02}}, binning_fit_params={c: params for c in frame.columns},
    )
    card = Scorecard(binning_process=process, estimator=LogisticRegression(C=1e12, max_iter=1000),
                     scaling_method="pdo_odds", scaling_method_params={"pdo": 20, "odds": 50, "scorecard_points": 600})
    card.fit(frame, y)
    return card


def main():
    tool, mode, train = sys.argv[1:4]
    frame, y = read(train)
    if tool in ("toad", "toad-dt"):
        predict = fit_toad(frame, y, method="dt" if tool == "toad-dt" else "chi")
    else:
        card = fit_optbinning(frame, y)
        predict = card.score
    if mode == "fit":
        return
    if mode == "fit-score":
        start = time.perf_counter()
        data, _ = read(sys.argv[4])
        predict(data)
        elapsed = time.perf_counter() - start
        json.dump({"tool": tool, "rows": len(data), "seconds": elapsed, "rowsPerSecond": len(data) / elapsed}, open(sys.argv[5], "w"))
        return
    from sklearn.metrics import roc_auc_score

    holdout, labels = read(sys.argv[4])
    ivs = {name: float(card.binning_process_.get_binned_variable(name).binning_table.build().loc["Totals", "IV"])
           for name in frame.columns}
    auc = roc_auc_score(labels, -card.score(holdout))
    json.dump({"iv": ivs, "holdoutAUC": float(auc)}, open(sys.argv[5], "w"))


if __name__ == "__main__":
    main()
