#!/usr/bin/env bash
# Schemathesis against the service's own OpenAPI document: start `risk serve` on a fresh SQLite
# file, make one key per role, store one assessment (so reads have something to find), then let
# Schemathesis generate requests for every operation, once per role, and check that no response
# is a 5xx and that every response conforms to the document (status code, content type,
# headers, body schema).
#
# Usage: tests/schemathesis.sh [path/to/risk]   (default: target/debug/risk)
# Env: MAX_EXAMPLES (default 8: CI), MAX_TIME (seconds per role, default 50), SEED (default 1),
#      SCHEMATHESIS (the `schemathesis` command; default: on PATH, else installed with pip into
#      a venv under $CARGO_TARGET_DIR), ST_REPORT_DIR (keep JUnit reports there).
set -euo pipefail

BIN="${1:-target/debug/risk}"
MAX_EXAMPLES="${MAX_EXAMPLES:-8}"
MAX_TIME="${MAX_TIME:-50}"
SEED="${SEED:-1}"
HERE="$(cd "$(dirname "$0")" && pwd)"
PROFILE="$HERE/../data/profiles/manufacturer-ot-iso27001.json"

st="${SCHEMATHESIS:-}"
if [[ -z "$st" ]]; then
    if command -v schemathesis >/dev/null 2>&1; then
        st=schemathesis
    else
        venv="${CARGO_TARGET_DIR:-$HERE/../target}/st-venv"
        if [[ ! -x "$venv/bin/schemathesis" ]]; then
            python3 -m venv "$venv"
            "$venv/bin/pip" install -q 'schemathesis>=4.0,<5'
        fi
        st="$venv/bin/schemathesis"
    fi
fi

# shellcheck source=tests/server.sh
source "$HERE/server.sh"

declare -A keys
for role in insurer firm admin certifier hub; do
    keys[$role]="$("$BIN" keys create --role "$role" --subject "st-$role" --database "$db" 2>/dev/null)"
done
start_server
curl -fsS -m 60 -o /dev/null -X POST "$base/v1/assessments?trials=2000&seed=1" \
    -H "Authorization: Bearer ${keys[firm]}" -H 'Content-Type: application/json' \
    --data-binary @"$PROFILE"

status=0
for role in insurer firm admin certifier hub; do
    echo "schemathesis: as $role (max $MAX_EXAMPLES examples per operation, ${MAX_TIME} s)"
    report=()
    if [[ -n "${ST_REPORT_DIR:-}" ]]; then
        mkdir -p "$ST_REPORT_DIR"
        ST_REPORT_DIR="$(cd "$ST_REPORT_DIR" && pwd)"
        report=(--report junit --report-junit-path "$ST_REPORT_DIR/$role.xml")
    fi
    # From the temporary directory: Schemathesis keeps a cache in its working directory.
    (cd "$dir" && "$st" run "$base/openapi.json" \
        -H "Authorization: Bearer ${keys[$role]}" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
        --max-examples "$MAX_EXAMPLES" --max-time "$MAX_TIME" --seed "$SEED" \
        --request-timeout 70 --workers 1 --no-color --suppress-health-check all \
        "${report[@]}") >"$dir/st-$role.log" 2>&1 || status=1
    # The summary (operations, test cases, failures) and any failure in full.
    grep -E "operations|test cases|passed|failed|errors|Failures|^_+ |^[0-9]+\. |Server error|conform" \
        "$dir/st-$role.log" | head -60 || true
    if (( status != 0 )); then
        cat "$dir/st-$role.log" >&2
    fi
done
if grep -q "panicked" "$dir/server.log"; then
    echo "schemathesis: the server logged a panic" >&2
    grep -B2 -A5 "panicked" "$dir/server.log" >&2
    status=1
fi
if (( status != 0 )); then
    echo "schemathesis: failures (see above)" >&2
    exit 1
fi
echo "schemathesis: no 5xx and every response conforms to /openapi.json"
