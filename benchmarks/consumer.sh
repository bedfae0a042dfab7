#!/usr/bin/env bash
# Benchmark: `credit consume` (release build) on a RabbitMQ broker of its own on loopback.
# For each prefetch in PREFETCHES (default 1 16 64), RUNS times (default 3), with a new SQLite
# store and new queue names each time:
#   1. throughput: EVENTS LoanAppliedEvent messages (a new event id each) published at once with
#      publisher confirms; events/s from the first publish to the last CreditScoredEvent received
#      (each decision stored, encrypted and hash-chained, and its result confirmed by the broker);
#   2. latency: PACED events published at RATE per second; publish-to-result p50/p99/max.
# Publisher and result reader: benchmarks/peers/queue_load.py (pika). Broker, consumer and load
# share the machine's cores. Prints one JSON line per run and the medians with their ranges.
#
#   bash benchmarks/consumer.sh     # PREFETCHES="1 16 64" RUNS=3 EVENTS=5000 PACED=2000 RATE=200 CREDIT=
set -euo pipefail
cd "$(dirname "$0")/.."
PREFETCHES=${PREFETCHES:-1 16 64}
RUNS=${RUNS:-3}
EVENTS=${EVENTS:-5000}
PACED=${PACED:-2000}
RATE=${RATE:-200}
WORK=$(mktemp -d)
if [ -z "${CREDIT:-}" ]; then
  swift build -c release --product credit >/dev/null
  CREDIT=$(swift build -c release --show-bin-path)/credit
fi
python3 -m pip install -q pika==1.3.2 2>/dev/null

# The broker: its node, ports, data and logs are this run's own.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
export HOME=$WORK RABBITMQ_NODENAME=bench$PORT@localhost RABBITMQ_MNESIA_BASE=$WORK/mnesia RABBITMQ_LOG_BASE=$WORK/log \
  RABBITMQ_CONFIG_FILE=$WORK/rabbitmq RABBITMQ_ENABLED_PLUGINS_FILE=$WORK/enabled_plugins RABBITMQ_DIST_PORT=$(free_port) \
  ERL_EPMD_PORT=$(free_port) RABBITMQ_PID_FILE=$WORK/broker.pid
printf 'listeners.tcp.1 = 127.0.0.1:%s\nlog.file.level = warning\n' "$PORT" > "$WORK/rabbitmq.conf"
echo "[]." > "$WORK/enabled_plugins"
/usr/lib/rabbitmq/bin/rabbitmq-server > "$WORK/broker.out" 2>&1 &
BROKER=$!
CONSUMER=
cleanup() {
  [ -n "$CONSUMER" ] && kill "$CONSUMER" 2>/dev/null || true
  kill "$BROKER" 2>/dev/null || true
  wait 2>/dev/null || true
  "$(ls -d /usr/lib/erlang/erts-*/bin | tail -1)/epmd" -port "$ERL_EPMD_PORT" -kill >/dev/null 2>&1 || true
}
trap cleanup EXIT
for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.3; done
BROKER_VERSION=$(dpkg-query -W -f='${Version}' rabbitmq-server)
URL="amqp://guest:guest@127.0.0.1:$PORT/%2F"
head -c 32 /dev/urandom | base64 > "$WORK/store.key"
chmod 600 "$WORK/store.key"

results=()
for prefetch in $PREFETCHES; do
  for run in $(seq 1 "$RUNS"); do
    name=bench.p$prefetch.r$run
    rm -f "$WORK/store.sqlite"*
    python3 - "$WORK/consumer.json" "$URL" "$name" "$prefetch" <<'PY'
import json, os, sys
path, url, name, prefetch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
json.dump({"host": "127.0.0.1", "port": 0, "model": os.path.abspath("models/pd-german-credit-scorecard/1.0.0/model.json"),
           "policy": os.path.abspath("models/policy-id-online-lending/1.0.0/policy.json"), "store": "store.sqlite", "createStore": True,
           "storeKeyFile": "store.key", "logLevel": "warning",
           "queue": {"url": url, "caller": "loan-service", "queue": name, "resultExchange": name + ".scored", "prefetch": prefetch}},
          open(path, "w"))
PY
    coproc CONSUMING { exec "$CREDIT" consume --config "$WORK/consumer.json" 2>>"$WORK/consumer.log"; }
    CONSUMER=$CONSUMING_PID
    read -r line <&"${CONSUMING[0]}"
    [ "$line" = "consuming $name" ] || { echo "consumer did not start: $line" >&2; exit 1; }
    result=$(python3 benchmarks/peers/queue_load.py --url "$URL" --queue "$name" --results "$name.scored" \
      --events "$EVENTS" --paced "$PACED" --rate "$RATE" --prefetch "$prefetch" --run "$run")
    kill -TERM "$CONSUMER"; wait "$CONSUMER" || true
    CONSUMER=
    stored=$("$CREDIT" audit verify --store "$WORK/store.sqlite" --key-file "$WORK/store.key" | grep -o 'credit_scores: [0-9]* rows' | grep -o '[0-9]*')
    [ "$stored" = $((EVENTS + PACED)) ] || { echo "stored $stored decisions, expected $((EVENTS + PACED))" >&2; exit 1; }
    echo "$result"
    results+=("$result")
  done
done
printf '%s\n' "${results[@]}" > "$WORK/results.jsonl"
python3 - "$WORK/results.jsonl" "$BROKER_VERSION" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print(f"rabbitmq-server {sys.argv[2]}; medians of {len(rows) // len({r['prefetch'] for r in rows})} runs, [min, max]:")
for prefetch in sorted({r["prefetch"] for r in rows}):
    runs = [r for r in rows if r["prefetch"] == prefetch]
    def med(key):
        values = [r[key] for r in runs]
        return f"{statistics.median(values):.1f} [{min(values):.1f}, {max(values):.1f}]"
    print(f"prefetch {prefetch}: {med('events_per_second')} events/s; paced at {runs[0]['rate']}/s: "
          f"p50 {med('p50_ms')} ms, p99 {med('p99_ms')} ms, max {med('max_ms')} ms")
PY
