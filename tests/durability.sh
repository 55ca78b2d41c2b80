#!/usr/bin/env bash
# Durability of acknowledged writes: start `risk serve` on a fresh database, send concurrent
# writes (POST /v1/assessments from a firm, PUT /v1/threat-levels from an admin), kill -9 the
# server while they are in flight, restart it on the same database and check that every write
# acknowledged before the kill is there and byte-identical (no acknowledged write lost), and that
# every stored record reads back whole (no torn record). Repeated for ROUNDS rounds on the same
# database; each restart checks the round before it, and the end checks every round again.
#
# Usage: tests/durability.sh [path/to/risk]   (default: target/debug/risk)
# Env: ROUNDS (default 1), REQUESTS concurrent writes per round (default 48), TRIALS (default
#      20000), BACKEND sqlite|postgres (default sqlite; postgres makes a database of its own on
#      PG_URL, default postgres://postgres@127.0.0.1:5432, and drops it afterwards).
# Loopback only; bounded in time. The test suite runs one SQLite round (tests/api/restart.rs); the
# figures in RELIABILITY.md come from ROUNDS=20 on both backends.
set -euo pipefail

BIN="${1:-target/debug/risk}"
ROUNDS="${ROUNDS:-1}"
REQUESTS="${REQUESTS:-48}"
TRIALS="${TRIALS:-20000}"
BACKEND="${BACKEND:-sqlite}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
HERE="$(cd "$(dirname "$0")" && pwd)"
PROFILE="$HERE/../data/profiles/manufacturer-ot-iso27001.json"

dir="$(mktemp -d)"
pid=""
pgdb=""
cleanup() {
    if [[ -n "$pid" ]]; then kill -9 "$pid" 2>/dev/null || true; fi
    if [[ -n "$pgdb" ]]; then
        psql "$PG_URL/postgres" -qAtc "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT

case "$BACKEND" in
    sqlite) db="$dir/risk.db" ;;
    postgres)
        pgdb="risk_durability_$$_$RANDOM"
        psql "$PG_URL/postgres" -qAtc "CREATE DATABASE $pgdb" >/dev/null
        db="$PG_URL/$pgdb"
        ;;
    *) echo "durability: BACKEND must be sqlite or postgres" >&2; exit 2 ;;
esac

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
admin="$("$BIN" keys create --role admin --subject durability-admin --database "$db" 2>/dev/null)"
industries=(manufacturing finance healthcare retail information_technology other)

# Checks the writes acknowledged in rounds $1..$2 against the running server; prints
# "acked lost differing" and the lost or differing ones on stderr.
verify() {
    python3 - "$dir" "$base" "$key" "$admin" "$1" "$2" <<'EOF'
import json, os, sys, urllib.request, urllib.error
d, base, key, admin = sys.argv[1:5]
first, last = int(sys.argv[5]), int(sys.argv[6])
def get(path, k):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + k})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
acked = lost = differ = 0
newest_acked_seq = 0
for r in range(first, last + 1):
    rd = os.path.join(d, f"round{r}")
    for name in sorted(os.listdir(rd)):
        if not name.startswith("code."):
            continue
        tag = name[5:]
        code = open(os.path.join(rd, name)).read().strip()
        body = open(os.path.join(rd, "body." + tag), "rb").read() if os.path.exists(os.path.join(rd, "body." + tag)) else b""
        if tag.startswith("a") and code == "201":
            acked += 1
            aid = json.loads(body)["id"]
            status, back = get(f"/v1/assessments/{aid}", key)
            if status != 200:
                lost += 1
                print(f"durability: round {r}: acknowledged assessment {aid} missing ({status})", file=sys.stderr)
            elif back != body:
                differ += 1
                print(f"durability: round {r}: assessment {aid} differs after kill -9", file=sys.stderr)
        elif tag.startswith("t") and code == "200":
            acked += 1
            newest_acked_seq = max(newest_acked_seq, json.loads(body)["seq"])
# Threat levels are append-only: the newest version in force covers every acknowledged one.
if newest_acked_seq:
    status, models = get("/v1/models", key)
    seq = int(json.loads(models)[0]["threat_level_version"].rsplit("+", 1)[1]) if status == 200 else 0
    if seq < newest_acked_seq:
        lost += newest_acked_seq - seq
        print(f"durability: threat level {newest_acked_seq} acknowledged, {seq} in force", file=sys.stderr)
print(acked, lost, differ)
EOF
}

# Every stored assessment (acknowledged or not) must read back whole: prints "stored torn".
torn_check() {
    python3 - "$base" "$key" <<'EOF'
import json, sys, urllib.request, urllib.error
base, key = sys.argv[1:3]
def get(path):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + key})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
rows, after = [], ""
while True:
    status, body = get("/v1/assessments?limit=100" + after)
    if status != 200:
        print(f"durability: the assessment list fails ({status}): a stored record is unreadable", file=sys.stderr)
        print(0, 1)
        sys.exit()
    page = json.loads(body)
    rows += page["items"]
    if page["next"] is None:
        break
    after = "&after=" + page["next"]
torn = 0
for row in rows:
    status, body = get(f"/v1/assessments/{row['id']}")
    try:
        doc = json.loads(body)
        ok = status == 200 and doc["id"] == row["id"] and doc["premium"]["technical"] == row["premium"]
    except Exception:
        ok = False
    if not ok:
        torn += 1
        print(f"durability: stored assessment {row['id']} does not read back whole", file=sys.stderr)
print(len(rows), torn)
EOF
}

total_acked=0
total_lost=0
total_differ=0
start
for round in $(seq 1 "$ROUNDS"); do
    rd="$dir/round$round"
    mkdir -p "$rd"
    # Concurrent writes: assessments, and every eighth a threat-level publication.
    for i in $(seq 1 "$REQUESTS"); do
        if (( i % 8 == 0 )); then
            ind="${industries[$(( (round + i) % ${#industries[@]} ))]}"
            curl -sS -m 60 -o "$rd/body.t$i" -w '%{http_code}' \
                -X PUT "$base/v1/threat-levels/$ind" \
                -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
                --data-binary "{\"levels\": {\"ransomware\": 1.$((i % 10))}, \"source\": \"durability round $round\"}" \
                >"$rd/code.t$i" 2>/dev/null &
        else
            curl -sS -m 60 -o "$rd/body.a$i" -w '%{http_code}' \
                -X POST "$base/v1/assessments?trials=$TRIALS&seed=$((round * 1000 + i))" \
                -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
                --data-binary @"$PROFILE" >"$rd/code.a$i" 2>/dev/null &
        fi
    done
    # Kill -9 once a varying number of writes is acknowledged (or after 20 s), while the rest are
    # in flight.
    want=$(( 3 + (round * 7) % (REQUESTS / 2) ))
    for _ in $(seq 1 200); do
        acked="$(cat "$rd"/code.a* 2>/dev/null | grep -cx 201 || true)"
        if (( acked >= want )); then break; fi
        sleep 0.1
    done
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    pid=""
    wait || true
    start
    read -r acked lost differ < <(verify "$round" "$round")
    echo "durability: round $round: $acked writes acknowledged before kill -9, $lost lost, $differ differing"
    total_acked=$((total_acked + acked))
    total_lost=$((total_lost + lost))
    total_differ=$((total_differ + differ))
done

if (( ROUNDS > 1 )); then
    # Every round again, after all the kills.
    read -r acked lost differ < <(verify 1 "$ROUNDS")
    total_lost=$((total_lost > lost ? total_lost : lost))
    total_differ=$((total_differ > differ ? total_differ : differ))
fi
read -r stored torn < <(torn_check)
if [[ "$BACKEND" == sqlite ]]; then
    integrity="$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$db")"
    if [[ "$integrity" != ok ]]; then
        echo "durability: PRAGMA integrity_check: $integrity" >&2
        torn=$((torn + 1))
    fi
fi
echo "durability: $BACKEND, $ROUNDS rounds of kill -9 under $REQUESTS concurrent writes: $total_acked acknowledged, $total_lost lost, $total_differ differing; $stored assessments stored, $torn torn"
if (( total_acked == 0 )); then
    echo "durability: no write was acknowledged before a kill" >&2
    cat "$dir/server.log" >&2
    exit 1
fi
if (( total_lost > 0 || total_differ > 0 || torn > 0 )); then
    exit 1
fi
