#!/usr/bin/env bash
# Structure checks the restructure promised (ARCHITECTURE.md, invariants):
# - risk-core's top-level modules form a DAG in lib.rs order (check-imports.sh);
# - no file in risk-api/src above 700 lines, none in risk-core/src above 800;
# - the HTTP layer (routes, app, auth, web, store, service) never uses the command line (`crate::cli`).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

bash .ci/check-imports.sh risk-core/src || status=1

too_long() { # too_long DIR MAX
    find "$1" -name '*.rs' -print0 | xargs -0 wc -l | awk -v max="$2" '$2 != "total" && $1 > max { print; bad = 1 } END { exit bad }'
}
too_long risk-api/src 700 || { echo "check-structure: risk-api/src files above 700 lines (above)" >&2; status=1; }
too_long risk-core/src 800 || { echo "check-structure: risk-core/src files above 800 lines (above)" >&2; status=1; }

if grep -rn 'crate::cli' risk-api/src --include='*.rs' | grep -v '^risk-api/src/cli/' | grep -v '^risk-api/src/\(main\|lib\)\.rs'; then
    echo "check-structure: the HTTP layer uses crate::cli (above)" >&2
    status=1
fi
exit $status
