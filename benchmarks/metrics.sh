#!/usr/bin/env bash
# Benchmark: AUC + KS on ROWS scored rows. credit: `credit evaluate --scored` as a whole process
# (CSV parse + radix-sorted AUC and KS), median of RUNS (hyperfine). scikit-learn: roc_auc_score
# plus roc_curve in-process on arrays already loaded (median of RUNS; pandas load time reported
# apart). Both must agree to 1e-9.
#
#   bash benchmarks/metrics.sh     # ROWS=10000000 RUNS=3
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-10000000}
RUNS=${RUNS:-3}
WORK=${WORK:-$(mktemp -d)}
PEER=benchmarks/peers/metrics_peer.py

swift build -c release --product credit >/dev/null
CREDIT=$(swift build -c release --show-bin-path)/credit
[ -f "$WORK/scored.csv" ] || python3 "$PEER" make "$WORK/scored.csv" "$ROWS"
hyperfine --runs "$RUNS" --warmup 1 --export-json "$WORK/credit.json" \
  -n credit "$CREDIT evaluate --scored $WORK/scored.csv --score-column pd --target bad --event 1 --json $WORK/credit-metrics.json" >/dev/null
python3 "$PEER" time "$WORK/scored.csv" "$RUNS" "$WORK/sklearn.json"
python3 - "$WORK" <<'PY'
import json, statistics, sys
work = sys.argv[1]
ours = statistics.median(json.load(open(f"{work}/credit.json"))["results"][0]["times"])
metrics = json.load(open(f"{work}/credit-metrics.json"))
peer = json.load(open(f"{work}/sklearn.json"))
print(f"AUC+KS on {peer['rows']:,} rows: credit {ours:.2f} s (whole process, CSV parse included); "
      f"scikit-learn {peer['sklearn']} {peer['seconds']:.2f} s in-process (+ {peer['load']:.2f} s pandas load) -> "
      f"{peer['seconds'] / ours:.1f}x ({(peer['seconds'] + peer['load']) / ours:.1f}x counting the load)")
print(f"agreement: AUC {metrics['auc']:.12f} vs {peer['auc']:.12f} (diff {abs(metrics['auc'] - peer['auc']):.1e}), "
      f"KS {metrics['ks']:.12f} vs {peer['ks']:.12f} (diff {abs(metrics['ks'] - peer['ks']):.1e})")
PY
