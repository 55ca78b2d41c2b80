#!/usr/bin/env bash
# Side-by-side whole-process timing of our engine and the Python peers on W1/W2.
#
#   benches/peers/run.sh            # from anywhere; works in the repo root
#   RISK=path/to/risk PEERS_PY=/path/to/venv/bin/python RUNS=5 benches/peers/run.sh
#
# PEERS_PY: python with numpy, pyfair 0.1a13, pycrq 1.1.0 (default: python3)
# RISK:     our binary (default target/release/risk; skipped if missing)
# Timing: median of $RUNS (default 5) runs after 1 warm-up, via hyperfine if
# installed (apt-get install -y hyperfine), else benches/peers/timer.py.
# Peak RSS: one extra run under /usr/bin/time -v (apt-get install -y time).
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
cd "$HERE/../.."
PY="${PEERS_PY:-python3}"
RISK="${RISK:-target/release/risk}"
RUNS="${RUNS:-5}"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/peers-run.XXXXXX")"
: > "$TMP/rows.tsv"

have_risk=1
if [ ! -x "$RISK" ]; then
  echo "note: $RISK not found/executable -- skipping our engine (set RISK=...)" >&2
  have_risk=0
fi
if [ ! -x /usr/bin/time ]; then
  echo "note: /usr/bin/time missing (apt-get install -y time) -- no peak RSS" >&2
fi

n=0
bench() {  # bench WORKLOAD LABEL CMD...
  local wl="$1" label="$2"; shift 2
  n=$((n + 1)); local id="r$n"
  echo "== $wl: $label" >&2
  # one run to check it works and keep its output; also serves as a warm-up
  local rc=0
  "$@" > "$TMP/$id.out" 2> "$TMP/$id.err" || rc=$?
  if [ "$rc" != 0 ]; then
    local msg; msg="$(head -c 200 "$TMP/$id.err" | head -n 1)"
    echo "   failed (exit $rc): $msg" >&2
    printf '%s\t%s\t%s\t%s\n' "$id" "$wl" "$label" "failed (exit $rc): ${msg//|/\\|}" >> "$TMP/rows.tsv"
    return
  fi
  if command -v hyperfine > /dev/null; then
    hyperfine -N --style none --warmup 1 --runs "$RUNS" --export-json "$TMP/$id.time.json" \
      "$(printf '%q ' "$@")" > /dev/null 2>&1 \
      || hyperfine --style none --warmup 1 --runs "$RUNS" --export-json "$TMP/$id.time.json" \
           "$(printf '%q ' "$@")" > /dev/null 2>&1
  else
    "$PY" "$HERE/timer.py" 1 "$RUNS" "$TMP/$id.time.json" -- "$@"
  fi
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v -o "$TMP/$id.rss" "$@" > /dev/null 2>&1
  fi
  printf '%s\t%s\t%s\t%s\n' "$id" "$wl" "$label" ok >> "$TMP/rows.tsv"
}

P="benches/peers"
if [ "$have_risk" = 1 ]; then
  bench W1 "risk simulate w1.json" "$RISK" simulate "$P/specs/w1.json"
  bench W1 "risk simulate w1.json --method exact" "$RISK" simulate "$P/specs/w1.json" --method exact
fi
bench W1 "numpy w1_numpy.py"   "$PY" "$P/w1_numpy.py"
bench W1 "pyfair w1_pyfair.py" "$PY" "$P/w1_pyfair.py"
bench W1 "pycrq w1_pycrq.py"   "$PY" "$P/w1_pycrq.py"
if [ "$have_risk" = 1 ]; then
  bench W2 "risk simulate w2.json" "$RISK" simulate "$P/specs/w2.json"
  bench W2 "risk simulate w2.json --method exact" "$RISK" simulate "$P/specs/w2.json" --method exact
fi
bench W2 "numpy w2_numpy.py"   "$PY" "$P/w2_numpy.py"
bench W2 "pyfair w2_pyfair.py" "$PY" "$P/w2_pyfair.py"
bench W2 "pycrq w2_pycrq.py"   "$PY" "$P/w2_pycrq.py"

echo
echo "Timing: median of $RUNS after 1 warm-up ($(command -v hyperfine > /dev/null && hyperfine --version || echo 'timer.py')); $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
echo
python3 "$HERE/report.py" "$TMP" 2>/dev/null || "$PY" "$HERE/report.py" "$TMP"
echo
echo "(raw outputs in $TMP)"
