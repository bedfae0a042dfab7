"""Peer for benchmarks/metrics.sh: scikit-learn's roc_auc_score plus roc_curve (KS = max(TPR - FPR))
on a scored CSV, timed in-process after loading (median of RUNS), with the load time reported too.

    python3 metrics_peer.py make FILE ROWS      # seeded scores (PD, 6 decimals: many ties) and outcomes
    python3 metrics_peer.py time FILE RUNS OUT  # times sklearn; writes AUC, KS and seconds as JSON
"""
import json
import statistics
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import roc_auc_score, roc_curve

if sys.argv[1] == "make":
    rows = int(sys.argv[3])
    rng = np.random.default_rng(20261125)
    bad = rng.random(rows) < 0.1
    pd_ = np.round(1 / (1 + np.exp(-(rng.normal(0, 1, rows) + 1.3 * bad - 2.4))), 6)
    pd.DataFrame({"id": np.arange(rows), "pd": pd_, "bad": bad.astype(np.int8)}).to_csv(sys.argv[2], index=False)
else:
    path, runs, out = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    start = time.perf_counter()
    frame = pd.read_csv(path, usecols=["pd", "bad"])
    load = time.perf_counter() - start
    y, s = frame["bad"].to_numpy(), frame["pd"].to_numpy()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        auc = roc_auc_score(y, s)
        fpr, tpr, _ = roc_curve(y, s)
        ks = float(np.max(tpr - fpr))
        times.append(time.perf_counter() - start)
    json.dump({"auc": auc, "ks": ks, "seconds": statistics.median(times), "load": load, "sklearn": sklearn.__version__,
               "rows": len(y)}, open(out, "w"))
