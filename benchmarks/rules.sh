#!/usr/bin/env bash
# Benchmark: 20 knock-out rules (benchmarks/rules/knockout.policy.json) over ROWS applicants.
# credit: `credit rules run` as a whole process (CSV parse, rules, CSV out), median of RUNS
# (hyperfine). zen-engine: the same 20 rules as a GoRules decision table (collect), the decision
# pre-loaded and evaluate() called per applicant on applicants already in memory, timed inside
# Python on the first ZEN_ROWS applicants (its per-applicant cost does not depend on the count),
# median of ZEN_RUNS. Both outputs are compared row by row on those applicants.
#
#   bash benchmarks/rules.sh     # ROWS=1000000 ZEN_ROWS=100000 RUNS=5 ZEN_RUNS=3
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
ZEN_ROWS=${ZEN_ROWS:-100000}
RUNS=${RUNS:-5}
ZEN_RUNS=${ZEN_RUNS:-3}
WORK=${WORK:-$(mktemp -d)}
PEERS=benchmarks/peers/rules_peers.py
POLICY=benchmarks/rules/knockout.policy.json

swift build -c release --product credit >/dev/null
CREDIT=$(swift build -c release --show-bin-path)/credit
mkdir -p "$WORK/all" "$WORK/zen"
[ -f "$WORK/all/applicants.csv" ] || python3 "$PEERS" make "$WORK/all" "$ROWS"
head -n $((ZEN_ROWS + 1)) "$WORK/all/applicants.csv" > "$WORK/zen/applicants.csv"
cp "$WORK/all/knockout.jdm.json" "$WORK/zen/"

hyperfine --runs "$RUNS" --warmup 1 --export-json "$WORK/credit.json" \
  -n credit "$CREDIT rules run --policy $POLICY --data $WORK/all/applicants.csv --out $WORK/all/hits.csv --as-of 2026-01-01 --quiet" >/dev/null
for run in $(seq "$ZEN_RUNS"); do python3 "$PEERS" zen "$WORK/zen" "$WORK/zen-$run.json"; done
"$CREDIT" rules run --policy "$POLICY" --data "$WORK/zen/applicants.csv" --out "$WORK/zen/hits.csv" --as-of 2026-01-01 --quiet
python3 "$PEERS" compare "$WORK/zen"

python3 - "$WORK" "$ROWS" "$ZEN_RUNS" <<'PY'
import json, statistics, sys
work, rows, zen_runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ours = statistics.median(json.load(open(f"{work}/credit.json"))["results"][0]["times"])
zen = [json.load(open(f"{work}/zen-{i}.json")) for i in range(1, zen_runs + 1)]
zen_per = statistics.median(z["seconds"] / z["rows"] for z in zen)
ours_per = ours / rows
print(f"credit rules run: {rows:,} applicants in {ours:.2f} s (median), {ours_per * 1e6:.3f} us/applicant, whole process")
print(f"zen-engine {zen[0]['zen-engine']} evaluate(): {zen[0]['rows']:,} applicants, {zen_per * 1e6:.1f} us/applicant (median of {zen_runs}), in-process")
print(f"ratio: credit is {zen_per / ours_per:.0f}x faster per applicant")
PY
