#!/usr/bin/env bash
# Property-based API testing of the score service against its OpenAPI file with schemathesis
# (from PyPI), bounded: MAX_EXAMPLES per operation, on 127.0.0.1 only. Exits non-zero on any
# failure.
#
# One check is excluded: positive_data_acceptance. Schemathesis sends different bodies with the
# same event_id; the service refuses reusing an idempotency key (the event id when no
# Idempotency-Key is sent) with another body with 422, as the draft IETF Idempotency-Key header
# specifies, where schemathesis expects acceptance or 409.
#
#   bash benchmarks/schemathesis.sh     # MAX_EXAMPLES=50
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_EXAMPLES=${MAX_EXAMPLES:-50}
WORK=${WORK:-$(mktemp -d)}
command -v schemathesis >/dev/null || pip install -q schemathesis
swift build --product credit >/dev/null
CREDIT=$(swift build --show-bin-path)/credit
head -c 32 /dev/urandom | base64 > "$WORK/store.key"
chmod 600 "$WORK/store.key"   # the service refuses a key file other users can read
KEY=schemathesis-key-$RANDOM$RANDOM
HASH=$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)
cat > "$WORK/server.json" <<JSON
{"host": "127.0.0.1", "port": 0, "model": "$PWD/models/pd-german-credit-scorecard/1.0.0/model.json",
 "policy": "$PWD/models/policy-id-online-lending/1.0.0/policy.json", "store": "store.sqlite", "createStore": true, "storeKeyFile": "store.key",
 "logLevel": "warning", "apiKeys": [{"id": "st", "sha256": "$HASH", "role": "admin", "ratePerSecond": 100000, "burst": 100000}]}
JSON
"$CREDIT" serve --config "$WORK/server.json" > "$WORK/listening.txt" 2> "$WORK/server.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$WORK/listening.txt" 2>/dev/null && break; sleep 0.1; done
PORT=$(sed 's/.*://' "$WORK/listening.txt")
timeout 600 schemathesis run Sources/CreditServer/openapi.yaml --url "http://127.0.0.1:$PORT" -H "X-API-Key: $KEY" \
  --max-examples "$MAX_EXAMPLES" --exclude-checks positive_data_acceptance
