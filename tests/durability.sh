#!/usr/bin/env bash
# Durability of acknowledged writes: start `risk serve` on a fresh SQLite file, send concurrent
# POST /v1/assessments, kill -9 the server while they are in flight, restart it on the same file
# and check that every assessment acknowledged with 201 is there, byte-identical.
#
# Usage: tests/durability.sh [path/to/risk]   (default: target/debug/risk)
# Env: REQUESTS (default 48), TRIALS (default 20000). Loopback only; bounded in time.
set -euo pipefail

BIN="${1:-target/debug/risk}"
REQUESTS="${REQUESTS:-48}"
TRIALS="${TRIALS:-20000}"
HERE="$(cd "$(dirname "$0")" && pwd)"
PROFILE="$HERE/../data/profiles/manufacturer-ot-iso27001.json"

dir="$(mktemp -d)"
pid=""
cleanup() {
    if [[ -n "$pid" ]]; then kill -9 "$pid" 2>/dev/null || true; fi
    rm -rf "$dir"
}
trap cleanup EXIT

db="$dir/risk.db"
# A free loopback port.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"

start() {
    "$BIN" serve --addr "127.0.0.1:$port" --database "$db" --no-demo >>"$dir/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do
        if curl -fsS -m 1 "$base/healthz" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "durability: server did not start" >&2
    cat "$dir/server.log" >&2
    exit 1
}

key="$("$BIN" keys create --role firm --subject durability-firm --database "$db" 2>/dev/null)"
start

# Concurrent writes.
for i in $(seq 1 "$REQUESTS"); do
    curl -sS -m 60 -o "$dir/body.$i" -w '%{http_code}' \
        -X POST "$base/v1/assessments?trials=$TRIALS&seed=$i" \
        -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
        --data-binary @"$PROFILE" >"$dir/code.$i" 2>/dev/null &
done

# Kill -9 as soon as a few are acknowledged (or after 20 s), while the rest are in flight.
for _ in $(seq 1 200); do
    acked="$(grep -lx 201 "$dir"/code.* 2>/dev/null | wc -l || true)"
    if (( acked >= 3 )); then break; fi
    sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
pid=""
wait || true

start
ok=0
for i in $(seq 1 "$REQUESTS"); do
    code="$(cat "$dir/code.$i" 2>/dev/null || echo 000)"
    [[ "$code" == 201 ]] || continue
    id="$(grep -o '"id":"[^"]*"' "$dir/body.$i" | head -1 | cut -d'"' -f4)"
    if [[ -z "$id" ]]; then
        echo "durability: 201 without an id (request $i)" >&2
        exit 1
    fi
    curl -fsS -m 10 -o "$dir/back.$i" "$base/v1/assessments/$id" -H "Authorization: Bearer $key" || {
        echo "durability: acknowledged assessment $id is missing after kill -9" >&2
        exit 1
    }
    if ! cmp -s "$dir/body.$i" "$dir/back.$i"; then
        echo "durability: assessment $id differs after kill -9" >&2
        exit 1
    fi
    ok=$((ok + 1))
done
if (( ok == 0 )); then
    echo "durability: no write was acknowledged before the kill" >&2
    cat "$dir/server.log" >&2
    exit 1
fi
echo "durability: $ok of $REQUESTS writes acknowledged before kill -9; all present and intact after restart"
