#!/usr/bin/env bash
# Renders the HTML reports of `credit compare` and `credit monitor` in headless Chromium (Debian's
# `chromium`), saves screenshots, and fails if the page logs any console message or the
# screenshot is missing. The reports are self-contained (inline SVG and CSS, no script).
#
#   bash benchmarks/report_check.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-$(mktemp -d)}
mkdir -p "$OUT"
command -v chromium >/dev/null || { sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq chromium >/dev/null; }
swift build --product credit >/dev/null
CREDIT=$(swift build --show-bin-path)/credit
"$CREDIT" compare --models models/pd-german-credit/1.0.0/model.json,models/pd-german-credit-scorecard/1.0.0/model.json \
  --data datasets/german_credit.csv --group foreign_worker --report "$OUT/compare.html" >/dev/null
{ head -1 datasets/german_credit.csv; grep '^no checking account' datasets/german_credit.csv; } > "$OUT/current.csv"
"$CREDIT" monitor --model models/pd-german-credit-scorecard/1.0.0/model.json --baseline datasets/german_credit.csv \
  --current "$OUT/current.csv" --report "$OUT/monitor.html" >/dev/null || [ $? -eq 3 ]
status=0
for page in compare monitor; do
  rm -f "$OUT/$page.png"
  timeout 120 chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --window-size=1300,1900 \
    --enable-logging=stderr --v=1 --screenshot="$OUT/$page.png" "file://$OUT/$page.html" 2> "$OUT/$page.log" || true
  if [ ! -s "$OUT/$page.png" ]; then echo "$page: no screenshot"; status=1; fi
  if grep -q "CONSOLE" "$OUT/$page.log"; then echo "$page: console messages:"; grep "CONSOLE" "$OUT/$page.log"; status=1; fi
  [ $status -eq 0 ] && echo "$page: rendered, no console messages ($OUT/$page.png)"
done
exit $status
