#!/usr/bin/env bash
# Load on loopback with oha (`cargo install oha`): a fixed request rate for a fixed time against
# a release `risk serve` on a fresh SQLite file, then an overload run well past the simulation
# pool's capacity. Prints oha's summary (success rate, latency percentiles, status codes) per
# run; the overload run must answer only 200 or 503 (with Retry-After), never time out.
#
# Usage: tests/load.sh [path/to/risk]   (default: target/release/risk)
# Env: RATE (requests/s of the fixed-rate runs, default 50), DURATION (default 30s),
#      OVERLOAD_RATE (default 200), OHA (default: oha).
set -euo pipefail

BIN="${1:-target/release/risk}"
RATE="${RATE:-50}"
DURATION="${DURATION:-30s}"
OVERLOAD_RATE="${OVERLOAD_RATE:-200}"
OHA="${OHA:-oha}"
HERE="$(cd "$(dirname "$0")" && pwd)"

# shellcheck source=tests/server.sh
source "$HERE/server.sh"

insurer="$("$BIN" keys create --role insurer --subject load-insurer --database "$db" 2>/dev/null)"
firm="$("$BIN" keys create --role firm --subject load-firm --database "$db" 2>/dev/null)"
start_server
# The shipped spec at 10,000 years (three perils, terms): a typical interactive simulation.
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); s["trials"]=10000; print(json.dumps(s))' \
    "$HERE/../data/example-spec.json" >"$dir/spec.json"

run() {
    local name="$1"
    shift
    echo "== $name"
    "$OHA" --no-tui --wait-ongoing-requests-after-deadline -t 30s "$@" | tee "$dir/out" |
        grep -E "Success rate|Total:|Requests/sec|Slowest|Average|50.00%|99.00%|99.90%|\[[0-9]{3}\]|Error" || true
}

run "GET /v1/models at $RATE/s for $DURATION" -z "$DURATION" -q "$RATE" -c 16 \
    -H "Authorization: Bearer $insurer" "$base/v1/models"
run "POST /v1/simulate (10,000 years) at $RATE/s for $DURATION" -z "$DURATION" -q "$RATE" -c 16 \
    -m POST -H "Authorization: Bearer $insurer" -T application/json -D "$dir/spec.json" \
    "$base/v1/simulate"
run "POST /v1/assessments (2,000 years, stored) at $RATE/s for $DURATION" -z "$DURATION" -q "$RATE" -c 16 \
    -m POST -H "Authorization: Bearer $firm" -T application/json \
    -D "$HERE/../data/profiles/manufacturer-ot-iso27001.json" \
    "$base/v1/assessments?trials=2000&seed=1"
run "Overload: POST /v1/assessments (200,000 years) at $OVERLOAD_RATE/s for $DURATION" \
    -z "$DURATION" -q "$OVERLOAD_RATE" -c 64 \
    -m POST -H "Authorization: Bearer $firm" -T application/json \
    -D "$HERE/../data/profiles/manufacturer-ot-iso27001.json" \
    "$base/v1/assessments?trials=200000&seed=1"
if grep -qE "\[(5(0[0-24-9]|[1-9][0-9]))\]|\[4[0-9][0-9]\]|Error" "$dir/out"; then
    echo "load: the overload run answered something other than 201 or 503" >&2
    exit 1
fi
echo "load: done"
