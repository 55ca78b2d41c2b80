#!/usr/bin/env bash
# Service load check (BENCHMARKS.md, "Service"): a release `risk serve` on a fresh SQLite file,
# loopback only, bounded (a few hundred requests). Usage: benches/service/run.sh [path/to/risk]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BIN="${1:-$HERE/../../target/release/risk}"
PROFILE="$HERE/../../data/profiles/manufacturer-ot-iso27001.json"
dir="$(mktemp -d)"; pid=""
trap '[[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
key="$("$BIN" keys create --role firm --subject bench --database "$dir/risk.db" 2>/dev/null)"
RUST_LOG=warn "$BIN" serve --addr "127.0.0.1:$port" --database "$dir/risk.db" --no-demo 2>"$dir/log" &
pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
for spec in "100000 40 1" "100000 80 2" "10000 200 2"; do
    # shellcheck disable=SC2086
    set -- $spec
    python3 "$HERE/load.py" "$BIN" "http://127.0.0.1:$port" "$key" "$PROFILE" "$1" "$2" "$3"
done
