#!/usr/bin/env bash
# The README's tour as a user pastes it: the shell block after "tests/tour.sh runs the next
# block" in README.md, run by bash from a clean temporary folder, with only its first three
# lines set for this machine (REPO = this repository, ADDR = a free loopback port, `risk` = the
# binary under test). Checks what the tour promises: demo keys printed and KEY set from them, a
# key made again with `risk keys create`, an assessment created from an absolute path, its
# impact, a share the insurer can then read, `risk score`; and that a body that is missing (a
# wrong `--data @path`) is answered "empty body".
#
# Usage: tests/tour.sh [path/to/risk]   (default: target/debug/risk)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
BIN="$(cd "$(dirname "${1:-$REPO/target/debug/risk}")" && pwd)/$(basename "${1:-risk}")"
fail() { echo "tour: $*" >&2; exit 1; }
[[ -x "$BIN" ]] || fail "no binary at $BIN"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

# The block, with its first three lines replaced.
block="$(awk '/tests\/tour.sh runs the next block/ {on = 1; next}
              on && /^```sh/ {inside = 1; next}
              inside && /^```/ {exit}
              inside {print}' "$REPO/README.md")"
[[ -n "$block" ]] || fail "no tour block in README.md"
for var in 'REPO=' 'ADDR=' 'risk()'; do
    grep -q "^$var" <<<"$block" || fail "the tour block does not start by setting $var"
done
block="$(sed -e "s|^REPO=.*|REPO='$REPO'|" -e "s|^ADDR=.*|ADDR=127.0.0.1:$port|" \
    -e "s|^risk() .*|risk() { '$BIN' \"\$@\"; }|" <<<"$block")"

cd "$work"
# As pasted into a shell: a failing command stops it (-e), a reader closing a pipe early does not.
timeout 300 bash -eu -c "$block" >tour.out 2>tour.err \
    || { cat tour.out tour.err serve.log >&2 || true; fail "the tour block failed"; }

grep -q 'DEMO KEYS' tour.out || fail "no demo keys shown"
grep -qE '"score":\{"baseline":[0-9.]+' assessment.json || fail "no assessment: $(head -c 300 assessment.json)"
grep -q '"change":"' tour.out || fail "no impact in the output"
grep -q '"insurer":"tour-insurer"' tour.out || fail "the share was not granted"
grep -q 'the insurer reads it: 200' tour.out || fail "the insurer could not read the shared assessment"
grep -q '"premium":' tour.out || fail "risk score printed no premium"
# The block's last line stops its server (graceful shutdown: give it a few seconds).
tour_port="${block#*ADDR=127.0.0.1:}"; tour_port="${tour_port%%$'\n'*}"
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$tour_port/healthz" >/dev/null 2>&1 || break; sleep 0.2; done
if curl -fs "http://127.0.0.1:$tour_port/healthz" >/dev/null 2>&1; then
    fail "the tour left its server running on port $tour_port"
fi
[[ -f tour.db ]] || fail "the database was not in the working folder"

# The mistake the tour used to provoke: a --data @path that does not exist sends an empty body.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$BIN" serve --addr "127.0.0.1:$port" --database tour.db --no-demo >>serve.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
key="$("$BIN" keys create --role firm --subject tour-firm --database tour.db 2>/dev/null)"
detail="$(curl -s -X POST "http://127.0.0.1:$port/v1/assessments" -H "Authorization: Bearer $key" \
    -H 'Content-Type: application/json' --data @data/profiles/retailer-pci.json 2>/dev/null || true)"
grep -q '"detail":"empty body' <<<"$detail" || fail "a missing file's empty body was answered: $detail"
echo "tour: ok (README block from a clean folder: demo keys, keys create, assessment, impact, share, score; empty body named)"
