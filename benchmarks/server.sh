#!/usr/bin/env bash
# Benchmark: the HTTP score service under wrk on loopback (release build). Measures, in one run,
# for each store mode in MODES (default: SQLite, one and two replicas on one PostgreSQL):
#   1. max sustained requests/s of POST /api/v1/scores (full scorecard + policy + encrypted,
#      hash-chained audit write; a new event id per request) and of GET /health/live;
#   2. p50/p99 latency of POST at a fixed offered rate near RATE req/s (CONNECTIONS connections,
#      each pausing CONNECTIONS/RATE minus ALLOWANCE_MS, the typical response time, between
#      requests), with the rate achieved.
# Modes: `sqlite` (WAL, synchronous=FULL on this machine's disk), `postgres1` and `postgres2`
# (one or two `credit serve` replicas on one local PostgreSQL cluster started here, fsync on,
# synchronous_commit on; with two, one wrk per replica runs at once with half the connections and
# half the rate, and the rates add up; the p99 given is the worse replica's).
# Server(s), PostgreSQL and load generator share the machine's cores. Non-2xx responses are errors.
#
# CHECKPOINTS=1 also signs a checkpoint per committed batch into a checkpoint log (and the JSON
# log), and verifies the store against it at the end.
#
#   bash benchmarks/server.sh     # MODES="sqlite postgres1 postgres2" DURATION=20 RATE=1000 CONNECTIONS=12 ALLOWANCE_MS=2 CHECKPOINTS=0 CREDIT=
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-20}
RATE=${RATE:-1000}
CONNECTIONS=${CONNECTIONS:-12}
ALLOWANCE_MS=${ALLOWANCE_MS:-2}
CHECKPOINTS=${CHECKPOINTS:-0}
MODES=${MODES:-sqlite postgres1 postgres2}
WORK=${WORK:-$(mktemp -d)}
chmod 755 "$WORK"

# CREDIT=path/to/credit benchmarks another build (an earlier commit's, for a before/after run).
if [ -z "${CREDIT:-}" ]; then
  swift build -c release --product credit >/dev/null
  CREDIT=$(swift build -c release --show-bin-path)/credit
fi
head -c 32 /dev/urandom | base64 > "$WORK/store.key"
chmod 600 "$WORK/store.key"   # the service refuses a key file other users can read
export API_KEY=bench-key-$RANDOM$RANDOM
HASH=$(printf %s "$API_KEY" | sha256sum | cut -d' ' -f1)
# write_config FILE STORE [CHECKPOINT_LOG]
write_config() {
  python3 - "$@" <<'PY'
import json, os, sys
path, store = sys.argv[1], sys.argv[2]
config = {"host": "127.0.0.1", "port": 0, "model": os.path.abspath("models/pd-german-credit-scorecard/1.0.0/model.json"),
          "policy": os.path.abspath("models/policy-id-online-lending/1.0.0/policy.json"), "store": store, "storeKeyFile": "store.key",
          "logLevel": "warning",
          "apiKeys": [{"id": "bench", "sha256": os.environ["HASH"], "role": "scorer", "ratePerSecond": 1000000, "burst": 1000000}]}
if store.startswith("postgresql://"):
    config["storePasswordEnvironment"] = "BENCH_DB_PASSWORD"
else:
    config["createStore"] = True
if len(sys.argv) > 3:
    config.update({"checkpointKeyFile": "checkpoint.key", "checkpointLog": sys.argv[3]})
json.dump(config, open(path, "w"))
PY
}
export HASH
VERIFY_CHECKPOINTS=()
if [ "$CHECKPOINTS" = 1 ]; then PUBLIC_KEY=$("$CREDIT" audit keygen --out "$WORK/checkpoint.key"); fi
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

# A PostgreSQL cluster of the benchmark's own (as the postgres user when run as root).
PG_PORT=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort | tail -1)
AS_PG=(); [ "$(id -u)" = 0 ] && AS_PG=(runuser -u postgres --)
export BENCH_DB_PASSWORD=bench-$RANDOM$RANDOM
PG_STARTED=0
start_postgres() {
  mkdir -p "$WORK/pg" && printf %s "$BENCH_DB_PASSWORD" > "$WORK/pg/pw" && [ "$(id -u)" = 0 ] && chown -R postgres "$WORK/pg"
  "${AS_PG[@]}" "$PG_BIN/initdb" -D "$WORK/pg/data" -U credit --pwfile "$WORK/pg/pw" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
  "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -w -l "$WORK/pg/log" \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$WORK/pg -c max_connections=100" start >/dev/null
  PG_STARTED=1
}
stop_postgres() { [ "$PG_STARTED" = 1 ] && "${AS_PG[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m fast stop >/dev/null || true; PG_STARTED=0; }
SERVERS=()
trap 'kill "${SERVERS[@]}" 2>/dev/null || true; stop_postgres' EXIT

# bench MODE REPLICAS STORE: serve, load, stop, verify, print.
bench() {
  local mode=$1 replicas=$2 store=$3 urls=() i
  SERVERS=()
  for i in $(seq "$replicas"); do
    local dir="$WORK/$mode-$i"
    mkdir -p "$dir" && cp "$WORK/store.key" "$dir/store.key" && chmod 600 "$dir/store.key"
    [ "$CHECKPOINTS" = 1 ] && cp "$WORK/checkpoint.key" "$dir/checkpoint.key"
    if [ "$CHECKPOINTS" = 1 ]; then write_config "$dir/server.json" "$store" checkpoints.jsonl; else write_config "$dir/server.json" "$store"; fi
    "$CREDIT" serve --config "$dir/server.json" > "$dir/listening.txt" 2> "$dir/server.log" &
    SERVERS+=($!)
    for _ in $(seq 100); do grep -q listening "$dir/listening.txt" 2>/dev/null && break; sleep 0.1; done
    urls+=("http://127.0.0.1:$(sed 's/.*://' "$dir/listening.txt")")
  done
  # load NAME CONNECTIONS PACE_MS [SCRIPT|PATH]: one wrk per replica at once, connections split.
  load() {
    local name=$1 connections=$2 pace=$3 target=$4 pids=() k=0 url
    for url in "${urls[@]}"; do
      k=$((k + 1))
      if [ "$target" = post ]; then
        EVENT_PREFIX="$mode-$name-$k" PACE_MS=$pace wrk -t$((3 - replicas)) -c$((connections / replicas)) -d"${DURATION}s" --latency \
          -s benchmarks/server/post.lua "$url" > "$WORK/$mode-$name-$k.txt" &
      else
        wrk -t$((3 - replicas)) -c$((connections / replicas)) -d"${DURATION}s" --latency "$url$target" > "$WORK/$mode-$name-$k.txt" &
      fi
      pids+=($!)
    done
    wait "${pids[@]}"
  }
  local warm=5
  for url in "${urls[@]}"; do EVENT_PREFIX="$mode-warm" wrk -t1 -c8 -d${warm}s -s benchmarks/server/post.lua "$url" > /dev/null; done
  load post-max 32 0 post
  load live-max 32 0 /health/live
  load post-fixed "$CONNECTIONS" "$(python3 -c "print(max(0, round($CONNECTIONS * 1000 / $RATE - $ALLOWANCE_MS)))")" post
  kill -TERM "${SERVERS[@]}"; wait "${SERVERS[@]}" || true
  SERVERS=()
  local verify=(--store "$store" --key-file "$WORK/store.key")
  if [ "$CHECKPOINTS" = 1 ]; then verify+=(--checkpoints "$WORK/$mode-1/checkpoints.jsonl" --checkpoint-public-key "$PUBLIC_KEY"); fi
  PGPASSWORD=$BENCH_DB_PASSWORD "$CREDIT" audit verify "${verify[@]}" | sed "s/^/$mode verify: /"
  python3 - "$WORK" "$mode" "$replicas" <<'PY'
import re, sys
work, mode, replicas = sys.argv[1], sys.argv[2], int(sys.argv[3])
def parse(name):
    parts = []
    for k in range(1, replicas + 1):
        text = open(f"{work}/{mode}-{name}-{k}.txt").read()
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        socket = re.search(r"Socket errors: (.*)", text)
        units = {"us": 0.001, "ms": 1, "s": 1000}
        latency = {p: float(v) * units[u] for p, v, u in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)$", text, re.M)}
        parts.append((rate, int(errors.group(1)) if errors else 0, socket.group(1) if socket else "none", latency))
    return (sum(p[0] for p in parts), sum(p[1] for p in parts), "; ".join(p[2] for p in parts),
            {q: max(p[3].get(q, 0) for p in parts) for q in ("50", "90", "99")})
post, live, fixed = parse("post-max"), parse("live-max"), parse("post-fixed")
print(f"{mode}: POST max {post[0]:,.0f} req/s ({post[1]} non-2xx, socket errors: {post[2]}), p50 {post[3]['50']:.2f} ms, p99 {post[3]['99']:.2f} ms at 32 connections")
print(f"{mode}: GET /health/live max {live[0]:,.0f} req/s ({live[1]} non-2xx); POST/health ratio {post[0] / live[0]:.2f}")
print(f"{mode}: POST at a fixed offered rate: {fixed[0]:,.0f} req/s achieved, p50 {fixed[3]['50']:.2f} ms, p90 {fixed[3]['90']:.2f} ms, "
      f"p99 {fixed[3]['99']:.2f} ms, {fixed[1]} non-2xx, socket errors: {fixed[2]}")
PY
}

for mode in $MODES; do
  case $mode in
    sqlite) bench sqlite 1 "$WORK/sqlite-store.sqlite" ;;
    postgres1|postgres2)
      stop_postgres; rm -rf "$WORK/pg"; start_postgres
      OWNER_URL="postgresql://credit@127.0.0.1:$PG_PORT/credit?sslmode=disable"
      "${AS_PG[@]}" psql -X -q -h "$WORK/pg" -p "$PG_PORT" -U credit -d postgres -c "CREATE DATABASE credit" \
        -c "CREATE ROLE credit_service LOGIN PASSWORD '$BENCH_DB_PASSWORD'"
      PGPASSWORD=$BENCH_DB_PASSWORD "$CREDIT" store migrate --store "$OWNER_URL" --service-role credit_service >/dev/null
      bench "$mode" "${mode#postgres}" "postgresql://credit_service@127.0.0.1:$PG_PORT/credit?sslmode=disable" ;;
    *) echo "unknown mode $mode (sqlite, postgres1, postgres2)" >&2; exit 2 ;;
  esac
done
