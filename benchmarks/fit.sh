#!/usr/bin/env bash
# Benchmark: fit a logistic regression on 1M rows x 25 numeric features, whole process
# (read CSV + fit + write), CreditEngine against scikit-learn (newton-cholesky) and statsmodels
# (Newton) in the same run, median of RUNS runs each (hyperfine). Checks that the three agree.
#
#   bash benchmarks/fit.sh            # ROWS=1000000 RUNS=5 by default
#
# Data is generated (seeded) into a temporary directory outside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-5}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

swift build -c release --product credit >/dev/null
CREDIT=$(swift build -c release --show-bin-path)/credit
"$CREDIT" generate --rows "$ROWS" --features 25 --seed 20261124 --out "$WORK/data.csv" 2>/dev/null
echo "data: $ROWS rows, $(du -h "$WORK/data.csv" | cut -f1)"

hyperfine --runs "$RUNS" --warmup 1 --export-json "$WORK/times.json" \
  -n credit "$CREDIT fit --data $WORK/data.csv --target default --event 1 --exclude id --model-id bench --model-version 1.0.0 --tolerance 1e-12 --out $WORK/credit.json" \
  -n scikit-learn "python3 benchmarks/peers/fit_logit.py sklearn $WORK/data.csv $WORK/sklearn.json" \
  -n statsmodels "python3 benchmarks/peers/fit_logit.py statsmodels $WORK/data.csv $WORK/statsmodels.json" \
  >/dev/null

python3 - "$WORK" <<'PY'
import json, statistics, sys
work = sys.argv[1]
times = {r["command"]: statistics.median(r["times"]) for r in json.load(open(f"{work}/times.json"))["results"]}
model = json.load(open(f"{work}/credit.json"))
ours = [c["estimate"] for c in model["training"]["coefficients"]]
print(f"{'tool':<14}{'median s':>10}{'vs credit':>11}{'max rel. coef. diff vs credit':>32}")
for tool in ["credit", "scikit-learn", "statsmodels"]:
    if tool == "credit":
        diff = 0.0
    else:
        theirs = json.load(open(f"{work}/{'sklearn' if tool == 'scikit-learn' else tool}.json"))["coefficients"]
        diff = max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(ours, theirs))
    print(f"{tool:<14}{times[tool]:>10.3f}{times[tool] / times['credit']:>10.2f}x{diff:>32.2e}")
PY
