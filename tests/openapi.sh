#!/usr/bin/env bash
# The service's OpenAPI document against the OpenAPI 3.1 schema: start `risk serve` on a fresh
# SQLite file, fetch /openapi.json and run openapi-spec-validator on it (every error listed);
# exits non-zero when the document is invalid.
#
# Usage: tests/openapi.sh [path/to/risk]   (default: target/debug/risk)
# Env: OPENAPI_SPEC_VALIDATOR (the command; default: on PATH, else installed with pip into a
#      venv under $CARGO_TARGET_DIR).
set -euo pipefail

BIN="${1:-target/debug/risk}"
HERE="$(cd "$(dirname "$0")" && pwd)"

validator="${OPENAPI_SPEC_VALIDATOR:-}"
if [[ -z "$validator" ]]; then
    if command -v openapi-spec-validator >/dev/null 2>&1; then
        validator=openapi-spec-validator
    else
        venv="${CARGO_TARGET_DIR:-$HERE/../target}/oas-venv"
        if [[ ! -x "$venv/bin/openapi-spec-validator" ]]; then
            python3 -m venv "$venv"
            "$venv/bin/pip" install -q 'openapi-spec-validator>=0.7,<1'
        fi
        validator="$venv/bin/openapi-spec-validator"
    fi
fi

# shellcheck source=tests/server.sh
source "$HERE/server.sh"
start_server
curl -fsS -m 30 -o "$dir/openapi.json" "$base/openapi.json"
if ! "$validator" --validation-errors all "$dir/openapi.json"; then
    echo "openapi: /openapi.json is not a valid OpenAPI document (see above)" >&2
    exit 1
fi
echo "openapi: /openapi.json is a valid OpenAPI document"
