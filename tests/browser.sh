#!/usr/bin/env bash
# The web page in headless Chromium: start `risk serve` (UI test mode) on a fresh SQLite file,
# make two firm keys, assess a profile as firm A through the API, then load the page with the key
# and actions in the URL fragment (test mode only; fragments never reach the server) and check
# the dumped DOM: the same score, premium and impact rows as the API, a what-if premium that
# differs, screenshots at 1280×800 and 390 px wide (the page in a 390 px frame of the test-mode
# harness /test/narrow, as headless windows are at least 500 px wide); firm B's key must see
# "not found" for firm A's assessment. Then the API reference (/docs): it renders every path of
# /openapi.json, the page itself requests nothing from another origin (Chromium's net log: every
# request the page initiated is to the server) and the browser reports no CSP violation.
#
# Usage: tests/browser.sh [path/to/risk]   (default: target/debug/risk)
# Env: CHROMIUM (default: chromium), SCREENSHOT_DIR (default: a temporary directory, kept).
set -euo pipefail

BIN="${1:-target/debug/risk}"
CHROMIUM="${CHROMIUM:-chromium}"
HERE="$(cd "$(dirname "$0")" && pwd)"
PROFILE="$HERE/../data/profiles/manufacturer-ot-iso27001.json"
SHOTS="${SCREENSHOT_DIR:-$(mktemp -d)}"
mkdir -p "$SHOTS"

# shellcheck source=tests/server.sh
source "$HERE/server.sh"
fail() { echo "browser: $*" >&2; exit 1; }


key_a="$("$BIN" keys create --role firm --subject browser-firm-a --database "$db" 2>/dev/null)"
key_b="$("$BIN" keys create --role firm --subject browser-firm-b --database "$db" 2>/dev/null)"
key_i="$("$BIN" keys create --role insurer --subject browser-insurer --database "$db" 2>/dev/null)"
start_server RISK_UI_TEST_MODE=1

curl -fsS -m 120 -X POST "$base/v1/assessments?trials=5000&seed=3" \
    -H "Authorization: Bearer $key_a" -H 'Content-Type: application/json' \
    --data-binary @"$PROFILE" >"$dir/assessment.json"
id="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$dir/assessment.json")"
curl -fsS -m 120 "$base/v1/assessments/$id/impact" -H "Authorization: Bearer $key_a" >"$dir/impact.json"
# Firm A shares it with the insurer, who then sees the loadings.
curl -fsS -m 10 -X POST "$base/v1/assessments/$id/shares" -H "Authorization: Bearer $key_a" \
    -H 'Content-Type: application/json' --data '{"insurer": "browser-insurer"}' >/dev/null
curl -fsS -m 10 "$base/v1/assessments/$id" -H "Authorization: Bearer $key_i" >"$dir/insurer.json"

# A fresh profile per run; the flags keep Chromium from calling home.
browse() { # browse NAME URL EXTRA-FLAGS…
    local name="$1" url="$2"; shift 2
    timeout 180 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --no-first-run --disable-sync --disable-extensions \
        --user-data-dir="$dir/chromium-$name" --virtual-time-budget=60000 "$@" "$url" \
        2>>"$dir/chromium.log"
}

browse a "$base/#key=$key_a&open=$id&whatif=remove:iso27001" --dump-dom >"$dir/dom-a.html" \
    || { tail -20 "$dir/chromium.log" >&2; fail "chromium failed"; }
browse b "$base/#key=$key_b&open=$id" --dump-dom >"$dir/dom-b.html" \
    || { tail -20 "$dir/chromium.log" >&2; fail "chromium failed"; }
browse i "$base/#key=$key_i&open=$id" --dump-dom >"$dir/dom-i.html" \
    || { tail -20 "$dir/chromium.log" >&2; fail "chromium failed"; }
browse s1 "$base/#key=$key_a&open=$id&whatif=remove:iso27001" --window-size=1280,800 \
    --screenshot="$SHOTS/page-1280x800.png" >/dev/null
# Headless windows are at least 500 px wide: the test-mode harness frames the page at 390 px.
browse s2 "$base/test/narrow#key=$key_a&open=$id" --window-size=500,900 \
    --screenshot="$SHOTS/page-390.png" >/dev/null
for f in page-1280x800.png page-390.png; do
    [[ -s "$SHOTS/$f" ]] || fail "no screenshot $f"
done

# The API reference: DOM, net log and console (for CSP violations: the log from here on), and a
# screenshot.
log_from="$(stat -c %s "$dir/chromium.log" 2>/dev/null || echo 0)"
browse d "$base/docs" --dump-dom --enable-logging=stderr --v=0 \
    --log-net-log="$dir/docs-netlog.json" >"$dir/dom-docs.html" \
    || { tail -20 "$dir/chromium.log" >&2; fail "chromium failed on /docs"; }
browse ds "$base/docs" --window-size=1280,800 --screenshot="$SHOTS/docs-1280x800.png" >/dev/null
[[ -s "$SHOTS/docs-1280x800.png" ]] || fail "no screenshot docs-1280x800.png"
curl -fsS -m 10 "$base/openapi.json" >"$dir/openapi.json"
python3 - "$base" "$dir/openapi.json" "$dir/dom-docs.html" "$dir/docs-netlog.json" \
    "$dir/chromium.log" "$log_from" <<'PY'
import html, json, sys
base, doc = sys.argv[1], json.load(open(sys.argv[2]))
dom = html.unescape(open(sys.argv[3]).read())
for path in doc["paths"]:
    if f'data-path="{path}"' not in dom:
        sys.exit(f"browser: /docs does not show {path}")
for op in ("create_assessment", "simulate", "what_if"):
    if op not in dom:
        sys.exit(f"browser: /docs does not show the operation {op}")
# Requests the page made (initiated by its origin) versus the browser's own background ones.
log = json.load(open(sys.argv[4]))
page = [e["params"]["url"] for e in log["events"]
        if e.get("params", {}).get("initiator") == base and "url" in e["params"]]
outside = [u for u in page if not u.startswith(base + "/")]
if outside:
    sys.exit(f"browser: /docs requested another origin: {outside}")
for asset in ("/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/openapi.json"):
    if base + asset not in page:
        sys.exit(f"browser: /docs did not load {asset} ({page})")
with open(sys.argv[5], errors="replace") as f:
    f.seek(int(sys.argv[6]))
    console = f.read()
if "Content Security Policy" in console:
    lines = [l for l in console.splitlines() if "Content Security Policy" in l]
    sys.exit("browser: CSP violations on /docs:\n" + "\n".join(lines[:5]))
print(f"browser: /docs ok ({len(doc['paths'])} paths, {len(page)} requests, all to the server)")
PY

python3 - "$dir/assessment.json" "$dir/impact.json" "$dir/dom-a.html" "$dir/dom-b.html" \
    "$dir/insurer.json" "$dir/dom-i.html" <<'PY'
import html, json, math, re, sys
a = json.load(open(sys.argv[1])); imp = json.load(open(sys.argv[2]))
dom = open(sys.argv[3]).read(); dom_b = open(sys.argv[4]).read()
ins = json.load(open(sys.argv[5])); dom_i = open(sys.argv[6]).read()

def fmt0(x):  # the page's fmt0: Math.round, thousands separators
    n = math.floor(x + 0.5)
    return ("-" if n < 0 else "") + f"{abs(n):,}"

def text_of(el_id, d):
    m = re.search(r'id="%s"[^>]*>(.*?)</' % re.escape(el_id), d, re.S)
    if not m:
        sys.exit(f"browser: no #{el_id} in the page")
    return html.unescape(m.group(1)).strip()

def check(what, got, want):
    if got != want:
        sys.exit(f"browser: {what}: page shows {got!r}, API says {want!r}")

if 'data-state="ready"' not in dom:
    sys.exit("browser: page did not finish (data-state != ready)")
cur = a["premium"]["currency"]
premium = fmt0(a["premium"]["technical"]) + " " + cur
check("score", text_of("score-value", dom), fmt0(a["score"]["value"]))
check("grade", text_of("score-grade", dom), a["score"]["grade"])
check("premium", text_of("premium-value", dom), premium)
rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td class=\"num\">(.*?)</td>", dom)
shown = {html.unescape(c): html.unescape(p) for c, _, p in rows}
if not imp["items"]:
    sys.exit("browser: the API returned no impact items")
for it in imp["items"]:
    check("impact " + it["change"], shown.get(it["change"]), fmt0(it["premium"]) + " " + cur)
what_if = text_of("whatif-premium", dom)
if not what_if.endswith(" " + cur) or what_if == premium:
    sys.exit(f"browser: what-if premium {what_if!r} should differ from {premium!r}")
if "<svg" not in dom or "Gross loss" not in dom:
    sys.exit("browser: no exceedance chart in the page")
if "Assessment not found" not in dom_b or 'id="score-value"></span>' not in dom_b:
    sys.exit("browser: firm B could open firm A's assessment")
# Loadings: hidden for the firm, shown to the insurer it was shared with.
if "loadings" in a["premium"] or '<section id="loadings" aria-labelledby="loadings-h" hidden=""' not in dom:
    sys.exit("browser: the firm's page shows insurer loadings")
risk_load = fmt0(ins["premium"]["loadings"]["risk_load"]) + " " + cur
if '<section id="loadings" aria-labelledby="loadings-h">' not in dom_i or \
        f"<dt>Risk load</dt><dd>{risk_load}</dd>" not in dom_i:
    sys.exit(f"browser: the insurer's page lacks the loadings (risk load {risk_load})")
check("insurer premium", text_of("premium-value", dom_i), premium)
print(f"browser: ok (score {fmt0(a['score']['value'])}, premium {premium}, what-if {what_if}, "
      f"{len(imp['items'])} impact rows)")
PY
echo "browser: screenshots in $SHOTS"
