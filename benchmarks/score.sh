#!/usr/bin/env bash
# Benchmark: score a synthetic application file (default 10M rows: 25 numeric + 5 categorical
# columns, 5% empty cells) with its generating logistic model, whole process, CreditEngine
# against polars, DuckDB and pandas+numpy in the same run; median of RUNS runs (hyperfine), peak
# RSS as the largest of RSS_RUNS runs each (GNU time), and a check that every output agrees with
# credit's to 1e-12.
#
#   bash benchmarks/score.sh            # ROWS=10000000 RUNS=3 by default
#   TOOLS="credit polars duckdb" bash benchmarks/score.sh   # leave pandas out (its runs take longest)
#
# Data is generated (seeded) into a temporary directory outside the repository (~2.5 GB for 10M).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-10000000}
RUNS=${RUNS:-3}
WORK=${WORK:-$(mktemp -d)}
PEERS="benchmarks/peers/score_logit.py"
TOOLS=${TOOLS:-credit polars duckdb pandas}

swift build -c release --product credit >/dev/null
CREDIT=$(swift build -c release --show-bin-path)/credit
if [ ! -f "$WORK/apps.csv" ]; then
  "$CREDIT" generate --rows "$ROWS" --features 25 --categorical 5 --missing-rate 0.05 --seed 20261124 \
    --model-out "$WORK/model.json" --out "$WORK/apps.csv" 2>/dev/null
fi
SIZE=$(stat -c %s "$WORK/apps.csv")
echo "data: $ROWS rows, $SIZE bytes"

commands=()
for tool in $TOOLS; do
  if [ "$tool" = credit ]; then
    commands+=(-n credit "$CREDIT score --model $WORK/model.json --data $WORK/apps.csv --out $WORK/credit.csv --keep id --quiet")
  else
    commands+=(-n "$tool" "python3 $PEERS $tool $WORK/model.json $WORK/apps.csv $WORK/$tool.csv")
  fi
done
hyperfine --runs "$RUNS" --warmup 1 --export-json "$WORK/times.json" "${commands[@]}" >/dev/null

# Peak RSS: the largest of RSS_RUNS runs of each tool (a single run can miss the peak).
for tool in $TOOLS; do
  if [ "$tool" = credit ]; then
    command=("$CREDIT" score --model "$WORK/model.json" --data "$WORK/apps.csv" --out "$WORK/credit.csv" --keep id --quiet)
  else
    command=(python3 "$PEERS" "$tool" "$WORK/model.json" "$WORK/apps.csv" "$WORK/$tool.csv")
  fi
  peak=0
  for _ in $(seq "${RSS_RUNS:-3}"); do
    /usr/bin/time -f "%M" -o "$WORK/$tool.rss" "${command[@]}" 2>/dev/null
    rss=$(tail -n 1 "$WORK/$tool.rss")
    peak=$(( rss > peak ? rss : peak ))
  done
  echo "$peak" > "$WORK/$tool.rss"
done

python3 benchmarks/peers/compare_scores.py "$WORK/credit.csv" $(for tool in $TOOLS; do [ "$tool" = credit ] || echo "$WORK/$tool.csv"; done)
python3 - "$WORK" "$ROWS" "$SIZE" <<'PY'
import json, statistics, sys
work, rows, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
results = json.load(open(f"{work}/times.json"))["results"]
times = {r["command"]: statistics.median(r["times"]) for r in results}
spans = {r["command"]: (min(r["times"]), max(r["times"])) for r in results}
print(f"{'tool':<8}{'median s':>10}{'range s':>14}{'rows/s':>14}{'MB/s':>9}{'peak RSS MB':>13}{'credit speed-up':>17}")
for tool in times:
    rss = int(open(f"{work}/{tool}.rss").read().split()[-1]) / 1024
    t = times[tool]
    low, high = spans[tool]
    print(f"{tool:<8}{t:>10.2f}{f'{low:.2f}-{high:.2f}':>14}{rows / t:>14,.0f}{size / t / 1e6:>9.0f}{rss:>13.0f}{t / times['credit']:>16.2f}x")
PY
