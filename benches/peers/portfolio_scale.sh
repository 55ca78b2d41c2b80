#!/usr/bin/env bash
# Portfolio at scale (issue #23), one session: W3 (10,000 explicit-parameter policies x 10,000
# years, data/shocks-w3.json) by `risk portfolio` and by chunked numpy, then books of firm
# profiles (data/generate_portfolio.py firms N 42, the model's shocks) of FIRMS (default
# "20000 100000") x 10,000 years. Median wall of RUNS runs (timer.py) and the peak RSS of one
# more (/usr/bin/time -v).
#
#   RISK=target/release/risk PEERS_PY=<venv with numpy>/bin/python RUNS=3 benches/peers/portfolio_scale.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
RISK="${RISK:-target/release/risk}"
PY="${PEERS_PY:-python3}"
RUNS="${RUNS:-3}"
FIRMS="${FIRMS:-20000 100000}"
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$WORK"

python3 data/generate_portfolio.py w3 10000 42 >"$WORK/w3.csv"
for n in $FIRMS; do python3 data/generate_portfolio.py firms "$n" 42 >"$WORK/firms$n.csv"; done

measure() { # measure LABEL CMD...
    local label="$1"; shift
    python3 benches/peers/timer.py 1 "$RUNS" "$WORK/t.json" -- "$@"
    local median rss
    median=$(python3 -c "import json; print(json.load(open('$WORK/t.json'))['results'][0]['median'])")
    rss=$( { /usr/bin/time -v "$@" >/dev/null; } 2>&1 | awk '/Maximum resident/ {print $6}')
    printf '%-40s median %8.3f s   peak RSS %6d MiB\n' "$label" "$median" "$((rss / 1024))"
    echo "$median" >"$WORK/$label.median"
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
measure w3-ours "$RISK" portfolio "$WORK/w3.csv" --shocks data/shocks-w3.json --trials 10000 --seed 42
measure w3-numpy "$PY" benches/peers/w3_numpy.py "$WORK/w3.csv"
for n in $FIRMS; do
    measure "firms$n-ours" "$RISK" portfolio "$WORK/firms$n.csv" --trials 10000 --seed 42
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$WORK" $FIRMS <<'EOF'
import sys
w, firms = sys.argv[1], sys.argv[2:]
t = lambda k: float(open(f"{w}/{k}.median").read())
print(f"W3: numpy / ours = {t('w3-numpy') / t('w3-ours'):.1f}x")
for n in firms:
    print(f"firms {n}: W3 numpy / ours = {t('w3-numpy') / t(f'firms{n}-ours'):.2f}x")
EOF
