#!/usr/bin/env bash
# Benchmark: scorecards. (1) Fit on 200k rows x 30 features (25 numeric, 5 categorical, 5% empty
# cells), whole process: credit and optbinning median of RUNS (hyperfine); toad with its default
# chi-merge binning, one run bounded by TOAD_TIMEOUT seconds (a toad fit takes tens of minutes;
# when it hits the bound the figure is a lower bound), and toad with decision-tree binning
# (method="dt"), TOAD_RUNS runs. TOAD_FIT=0 skips the chi-merge fit. (2) Score 1M rows: credit
# score (whole process, with 4 reason columns) against the peers' read + predict, timed inside the
# peer after a fit on a 20k-row sample (predict cost does not depend on the training size), RUNS
# times each, medians. (3) Agreement with optbinning on the same data: per-feature IV and holdout
# AUC (200k other rows).
#
#   bash benchmarks/scorecard.sh     # RUNS=3 TOAD_RUNS=1 TOAD_TIMEOUT=2700
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
TOAD_RUNS=${TOAD_RUNS:-1}
TOAD_TIMEOUT=${TOAD_TIMEOUT:-2700}
WORK=${WORK:-$(mktemp -d)}
PEERS=benchmarks/peers/scorecard_peers.py

swift build -c release --product credit >/dev/null
CREDIT=$(swift build -c release --show-bin-path)/credit
if [ ! -f "$WORK/train.csv" ]; then
  # One generating model: the first 200k rows train, the last 200k are the holdout.
  "$CREDIT" generate --rows 400000 --features 25 --categorical 5 --missing-rate 0.05 --seed 1 \
    --model-out "$WORK/true.json" --out "$WORK/both.csv" 2>/dev/null
  head -n 200001 "$WORK/both.csv" > "$WORK/train.csv"
  { head -n 1 "$WORK/both.csv"; tail -n 200000 "$WORK/both.csv"; } > "$WORK/holdout.csv"
fi
[ -f "$WORK/score.csv" ] || "$CREDIT" generate --rows 1000000 --features 25 --categorical 5 --missing-rate 0.05 --seed 2 \
  --model-out "$WORK/true-score.json" --out "$WORK/score.csv" 2>/dev/null

FIT="$CREDIT fit --scorecard --data $WORK/train.csv --target default --exclude id --model-id bench --model-version 1.0.0 --out $WORK/card.json"
hyperfine --runs "$RUNS" --warmup 1 --export-json "$WORK/fit.json" \
  -n credit "$FIT" -n optbinning "python3 $PEERS optbinning fit $WORK/train.csv" >/dev/null
hyperfine --runs "$TOAD_RUNS" --export-json "$WORK/fit-toad-dt.json" -n toad-dt "python3 $PEERS toad-dt fit $WORK/train.csv" >/dev/null
rm -f "$WORK/fit-toad-chi.txt"
if [ "${TOAD_FIT:-1}" = 1 ]; then
  start=$(date +%s.%N)
  status=0
  timeout "$TOAD_TIMEOUT" python3 "$PEERS" toad fit "$WORK/train.csv" || status=$?
  case $status in
    0) echo "$(echo "$(date +%s.%N) - $start" | bc) finished" > "$WORK/fit-toad-chi.txt" ;;
    124) echo "$TOAD_TIMEOUT stopped" > "$WORK/fit-toad-chi.txt" ;;
    *) echo "the toad fit failed (exit $status)" >&2; exit 1 ;;
  esac
fi
head -n 20001 "$WORK/train.csv" > "$WORK/train-20k.csv"
hyperfine --runs "$RUNS" --warmup 1 --export-json "$WORK/score.json" \
  -n credit "$CREDIT score --model $WORK/card.json --data $WORK/score.csv --out $WORK/scores.csv --keep id --reasons 4 --quiet" >/dev/null
for run in $(seq "$RUNS"); do
  python3 "$PEERS" toad fit-score "$WORK/train-20k.csv" "$WORK/score.csv" "$WORK/toad-score-$run.json"
  python3 "$PEERS" optbinning fit-score "$WORK/train-20k.csv" "$WORK/score.csv" "$WORK/optbinning-score-$run.json"
done
python3 "$PEERS" optbinning compare "$WORK/train.csv" "$WORK/holdout.csv" "$WORK/optbinning-compare.json"
"$CREDIT" bin --data "$WORK/train.csv" --target default --exclude id --out "$WORK/bins.csv" >/dev/null
"$CREDIT" score --model "$WORK/card.json" --data "$WORK/holdout.csv" --out "$WORK/holdout-scores.csv" --keep id,default --quiet 2>/dev/null

python3 - "$WORK" "$RUNS" <<'PY'
import csv, json, os, statistics, sys, collections
from sklearn.metrics import roc_auc_score
work, runs = sys.argv[1], int(sys.argv[2])
fit = {r["command"]: statistics.median(r["times"]) for name in ["fit", "fit-toad-dt"]
       for r in json.load(open(f"{work}/{name}.json"))["results"]}
line = "fit 200k x 30 (median s): " + ", ".join(f"{k} {v:.2f}" for k, v in fit.items())
line += f"; optbinning/credit {fit['optbinning'] / fit['credit']:.1f}x, toad-dt/credit {fit['toad-dt'] / fit['credit']:.1f}x"
if os.path.exists(f"{work}/fit-toad-chi.txt"):
    seconds, how = open(f"{work}/fit-toad-chi.txt").read().split()
    seconds = float(seconds)
    line += (f"; toad (chi) {seconds:.0f} s, {seconds / fit['credit']:.0f}x" if how == "finished"
             else f"; toad (chi) stopped after {seconds:.0f} s without finishing: more than {seconds / fit['credit']:.0f}x")
else:
    line += "; toad (chi) fit not timed (TOAD_FIT=0)"
print(line)
score = statistics.median(json.load(open(f"{work}/score.json"))["results"][0]["times"])
ours = 1_000_000 / score
for tool in ["toad", "optbinning"]:
    peer = statistics.median(json.load(open(f"{work}/{tool}-score-{run}.json"))["rowsPerSecond"] for run in range(1, runs + 1))
    print(f"score 1M: credit {ours:,.0f} rows/s (whole process, {score:.2f} s), {tool} {peer:,.0f} rows/s (read + predict, median of {runs}) -> {ours / peer:.1f}x")
iv = collections.defaultdict(float)
for row in csv.DictReader(open(f"{work}/bins.csv")):
    iv[row["feature"]] += float(row["iv"])
reference = json.load(open(f"{work}/optbinning-compare.json"))
worst = min((iv[k] / v, k) for k, v in reference["iv"].items() if v > 0)
print(f"IV vs optbinning: lowest ratio {worst[0]:.4f} ({worst[1]}); features at or above optbinning: "
      f"{sum(iv[k] >= v - 1e-9 for k, v in reference['iv'].items())}/{len(reference['iv'])}")
rows = list(csv.DictReader(open(f"{work}/holdout-scores.csv")))
auc = roc_auc_score([int(r["default"]) for r in rows], [-float(r["score"]) for r in rows])
print(f"holdout AUC: credit {auc:.4f}, optbinning {reference['holdoutAUC']:.4f} (difference {auc - reference['holdoutAUC']:+.4f})")
PY
