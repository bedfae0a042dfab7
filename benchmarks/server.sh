#!/usr/bin/env bash
# Benchmark: the HTTP score service under wrk on loopback (release build, SQLite store with
# synchronous=FULL on this machine's disk). Measures, in one run:
#   1. max sustained requests/s of POST /api/v1/scores (full scorecard + policy + encrypted,
#      hash-chained audit write; a new event id per request) and of GET /health/live;
#   2. p50/p99 latency of POST at a fixed offered rate near RATE req/s (CONNECTIONS connections,
#      each pausing CONNECTIONS/RATE minus ALLOWANCE_MS, the typical response time, between
#      requests), with the rate achieved.
# Server and load generator share the machine's cores. Non-2xx responses are counted as errors.
#
# CHECKPOINTS=1 also signs a checkpoint per committed batch into a checkpoint log (and the JSON
# log), and verifies the store against it at the end.
#
#   bash benchmarks/server.sh     # DURATION=20 RATE=1000 CONNECTIONS=12 ALLOWANCE_MS=2 CHECKPOINTS=0 CREDIT=
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-20}
RATE=${RATE:-1000}
CONNECTIONS=${CONNECTIONS:-12}
ALLOWANCE_MS=${ALLOWANCE_MS:-2}
CHECKPOINTS=${CHECKPOINTS:-0}
WORK=${WORK:-$(mktemp -d)}

# CREDIT=path/to/credit benchmarks another build (an earlier commit's, for a before/after run).
if [ -z "${CREDIT:-}" ]; then
  swift build -c release --product credit >/dev/null
  CREDIT=$(swift build -c release --show-bin-path)/credit
fi
head -c 32 /dev/urandom | base64 > "$WORK/store.key"
chmod 600 "$WORK/store.key"   # the service refuses a key file other users can read
export API_KEY=bench-key-$RANDOM$RANDOM
HASH=$(printf %s "$API_KEY" | sha256sum | cut -d' ' -f1)
cat > "$WORK/server.json" <<JSON
{"host": "127.0.0.1", "port": 0, "model": "$PWD/models/pd-german-credit-scorecard/1.0.0/model.json",
 "policy": "$PWD/models/policy-id-online-lending/1.0.0/policy.json", "store": "store.sqlite", "createStore": true, "storeKeyFile": "store.key",
 "logLevel": "warning", "apiKeys": [{"id": "bench", "sha256": "$HASH", "role": "scorer", "ratePerSecond": 1000000, "burst": 1000000}]}
JSON
VERIFY_CHECKPOINTS=()
if [ "$CHECKPOINTS" = 1 ]; then
  PUBLIC_KEY=$("$CREDIT" audit keygen --out "$WORK/checkpoint.key")
  python3 - "$WORK/server.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config.update({"checkpointKeyFile": "checkpoint.key", "checkpointLog": "checkpoints.jsonl"})
json.dump(config, open(sys.argv[1], "w"))
PY
  VERIFY_CHECKPOINTS=(--checkpoints "$WORK/checkpoints.jsonl" --checkpoint-public-key "$PUBLIC_KEY")
fi
python3 - "$WORK/body.json" <<'PY'
import csv, json, sys
row = list(csv.DictReader(open("datasets/applications_sample.csv")))[2]
numbers = {"age", "monthly_income", "monthly_debt_payments", "active_platform_loans", "delinquencies_12m", "inquiries_30d",
           "duration_in_month", "credit_amount", "installment_rate_in_percentage_of_disposable_income", "age_in_years"}
model = ["status_of_existing_checking_account", "duration_in_month", "credit_history", "purpose", "credit_amount",
         "savings_account_and_bonds", "present_employment_since", "installment_rate_in_percentage_of_disposable_income",
         "property", "age_in_years", "other_installment_plans", "housing"]
policy = ["age", "monthly_income", "monthly_debt_payments", "active_platform_loans", "delinquencies_12m", "inquiries_30d",
          "employment_type", "ktp_verified", "on_watchlist"]
features = {k: (float(row[k]) if k in numbers else row[k] == "true" if k in ("ktp_verified", "on_watchlist") else row[k]) for k in model + policy}
features["employment_type"] = "salaried"
body = {"event_id": "EVENT_ID", "user_id": row["user_id"], "loan_id": row["loan_id"], "amount": float(row["amount"]),
        "timestamp": row["timestamp"], "tenor_months": int(row["tenor_months"]), "features": features,
        "bureau": {"pefindo_score": float(row["pefindo_score"]), "slik_kol_worst_12m": float(row["slik_kol_worst_12m"])},
        "applicant": {"name": "Budi Santoso", "nik": "3174000000000001", "phone": "+628120000001"}}
json.dump(body, open(sys.argv[1], "w"))
PY
export BODY_FILE="$WORK/body.json"
"$CREDIT" serve --config "$WORK/server.json" > "$WORK/listening.txt" 2> "$WORK/server.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$WORK/listening.txt" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed 's/.*://' "$WORK/listening.txt")
URL=http://127.0.0.1:$PORT

wrk -t2 -c32 -d5s -s benchmarks/server/post.lua "$URL" > /dev/null   # warm-up
wrk -t2 -c32 -d"${DURATION}s" --latency -s benchmarks/server/post.lua "$URL" > "$WORK/post-max.txt"
wrk -t2 -c32 -d"${DURATION}s" --latency "$URL/health/live" > "$WORK/live-max.txt"
PACE_MS=$(python3 -c "print(max(0, round($CONNECTIONS * 1000 / $RATE - $ALLOWANCE_MS)))") \
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s benchmarks/server/post.lua "$URL" > "$WORK/post-fixed.txt"
kill -TERM $SERVER; wait $SERVER || true
"$CREDIT" audit verify --store "$WORK/store.sqlite" --key-file "$WORK/store.key" "${VERIFY_CHECKPOINTS[@]}"
[ "$CHECKPOINTS" = 1 ] && echo "checkpoints: $(wc -l < "$WORK/checkpoints.jsonl") signed lines"

python3 - "$WORK" <<'PY'
import re, sys
work = sys.argv[1]
def parse(name):
    text = open(f"{work}/{name}.txt").read()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    total = int(re.search(r"(\d+) requests in", text).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket = re.search(r"Socket errors: (.*)", text)
    latency = dict(re.findall(r"^\s+(50|90|99)%\s+([\d.]+\w+)", text, re.M))
    return rate, total, int(errors.group(1)) if errors else 0, socket.group(1) if socket else "none", latency
post, live, fixed = parse("post-max"), parse("live-max"), parse("post-fixed")
print(f"POST /api/v1/scores max: {post[0]:,.0f} req/s ({post[1]:,} requests, {post[2]} non-2xx, socket errors: {post[3]}), "
      f"p50 {post[4].get('50')}, p99 {post[4].get('99')} at 32 connections")
print(f"GET /health/live max: {live[0]:,.0f} req/s ({live[2]} non-2xx); POST/health ratio {post[0] / live[0]:.2f}")
print(f"POST at a fixed offered rate: {fixed[0]:,.0f} req/s achieved, p50 {fixed[4].get('50')}, p90 {fixed[4].get('90')}, "
      f"p99 {fixed[4].get('99')}, {fixed[2]} non-2xx, socket errors: {fixed[3]}")
PY
