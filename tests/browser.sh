#!/usr/bin/env bash
# The web page in headless Chromium: start `risk serve` (UI test mode) on a fresh SQLite file,
# make keys for two firms and two insurers, prepare through the API what the journeys compare
# with (an assessment of firm A shared with the insurer, its impact and a what-if, a quote, a
# portfolio job), then run each journey in the page with the key and the journey in the URL
# fragment (test mode only; fragments never reach the server) at 1366 px and at 390 px (the page
# in a 390 px frame of the test-mode harness /test/narrow, as headless windows are at least
# 500 px wide): firm — open an assessment (certification worth in words, improvements ranked,
# what-if, share and revoke), assess a questionnaire's answers, assess an uploaded profile;
# firm B — "not found" for firm A's assessment; insurer — the shared assessment with loadings, a
# quote of three options, a portfolio upload and a report. Each dumped DOM is checked against the
# API's numbers and against the page's own layout check (no element outside the viewport, touch
# targets >= 44 px, chart labels >= 11 px); a screenshot of each is saved. Then the API
# reference (/docs): it renders every path of /openapi.json, the page itself requests nothing
# from another origin (Chromium's net log) and the browser reports no CSP violation.
#
# Usage: tests/browser.sh [path/to/risk]   (default: target/debug/risk)
# Env: CHROMIUM (default: chromium), SCREENSHOT_DIR (default: a temporary directory, kept).
set -euo pipefail

BIN="${1:-target/debug/risk}"
CHROMIUM="${CHROMIUM:-chromium}"
HERE="$(cd "$(dirname "$0")" && pwd)"
PROFILE="$HERE/../data/profiles/manufacturer-ot-iso27001.json"
UPLOAD="$HERE/../data/profiles/retailer-pci.json"
BOOK="$HERE/../data/portfolio-sample.csv"
SHOTS="${SCREENSHOT_DIR:-$(mktemp -d)}"
mkdir -p "$SHOTS"

# shellcheck source=tests/server.sh
source "$HERE/server.sh"
fail() { echo "browser: $*" >&2; exit 1; }


key_a="$("$BIN" keys create --role firm --subject browser-firm-a --database "$db" 2>/dev/null)"
key_b="$("$BIN" keys create --role firm --subject browser-firm-b --database "$db" 2>/dev/null)"
key_i="$("$BIN" keys create --role insurer --subject browser-insurer --database "$db" 2>/dev/null)"
key_admin="$("$BIN" keys create --role admin --subject browser-admin --database "$db" 2>/dev/null)"
"$BIN" keys create --role insurer --subject browser-insurer-2 --database "$db" >/dev/null 2>&1
start_server RISK_UI_TEST_MODE=1

RUN="trials=5000&seed=3"
curl -fsS -m 120 -X POST "$base/v1/assessments?$RUN" \
    -H "Authorization: Bearer $key_a" -H 'Content-Type: application/json' \
    --data-binary @"$PROFILE" >"$dir/assessment.json"
id="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$dir/assessment.json")"
curl -fsS -m 120 "$base/v1/assessments/$id/impact" -H "Authorization: Bearer $key_a" >"$dir/impact.json"
# Firm A shares it with the insurer, who then sees the loadings.
curl -fsS -m 10 -X POST "$base/v1/assessments/$id/shares" -H "Authorization: Bearer $key_a" \
    -H 'Content-Type: application/json' --data '{"insurer": "browser-insurer"}' >/dev/null
curl -fsS -m 10 "$base/v1/assessments/$id" -H "Authorization: Bearer $key_i" >"$dir/insurer.json"
# The insurer's portfolio job (a small book), done before the report journey opens it.
head -13 "$BOOK" | curl -fsS -m 30 -X POST "$base/v1/portfolios?trials=2000&seed=1" \
    -H "Authorization: Bearer $key_i" -H 'Content-Type: text/csv' --data-binary @- >"$dir/job.json"
job="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$dir/job.json")"
for _ in $(seq 1 600); do
    curl -fsS -m 10 "$base/v1/portfolios/$job" -H "Authorization: Bearer $key_i" >"$dir/job.json"
    grep -q '"status":"done"' "$dir/job.json" && break
    grep -q '"status":"failed"' "$dir/job.json" && fail "the portfolio job failed"
    sleep 0.2
done
grep -q '"status":"done"' "$dir/job.json" || fail "the portfolio job did not finish"

# A fresh profile per run; the flags keep Chromium from calling home.
browse() { # browse NAME URL EXTRA-FLAGS…
    local name="$1" url="$2"; shift 2
    timeout 180 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --no-first-run --disable-sync --disable-extensions \
        --user-data-dir="$dir/chromium-$name" --virtual-time-budget=60000 "$@" "$url" \
        2>>"$dir/chromium.log"
}

# One journey: a DOM dump and a screenshot in one run, at 1366 px or in the 390 px harness.
journey() { # journey NAME WIDTH FRAGMENT
    local name="$1" width="$2" frag="$3"
    if [[ "$width" == 390 ]]; then
        browse "$name" "$base/test/narrow#$frag" --window-size=500,900 --dump-dom \
            --screenshot="$SHOTS/$name.png" >"$dir/dom-$name.html"
    else
        browse "$name" "$base/#$frag" --window-size=1366,1800 --dump-dom \
            --screenshot="$SHOTS/$name.png" >"$dir/dom-$name.html"
    fi || { tail -20 "$dir/chromium.log" >&2; fail "chromium failed on $name"; }
    [[ -s "$SHOTS/$name.png" ]] || fail "no screenshot $name.png"
}
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.read()))'; }
profile_enc="$(enc <"$PROFILE")"
upload_enc="$(enc <"$UPLOAD")"
book_enc="$(head -13 "$BOOK" | enc)"
options=$'1000000, 100000000\n5000000, 100000000\n1000000, 300000000'
options_enc="$(printf '%s' "$options" | enc)"
# Two lanes side by side, one per caller (the service runs at most two simulations per caller at
# once); the page's own runs use the same settings as the API calls above ($run).
run_enc="$(printf '%s' "$RUN" | enc)"
started=$SECONDS
(
    for w in 1366 390; do
        journey "firm-open-$w" "$w" "key=$key_a&open=$id&whatif=remove:iso27001,improve:patch_critical_days&share=browser-insurer-2&revoke=1"
        journey "firm-qn-$w" "$w" "key=$key_a&run=$run_enc&qn=security_action_self_check&firm=Questionnaire+$w+KK"
        journey "firm-upload-$w" "$w" "key=$key_a&run=$run_enc&profile=$upload_enc"
    done
) &
lane=$!
for w in 1366 390; do
    journey "insurer-open-$w" "$w" "key=$key_i&open=$id"
    journey "insurer-quote-$w" "$w" "key=$key_i&run=$run_enc&profile=$profile_enc&options=$options_enc"
    journey "insurer-book-$w" "$w" "key=$key_i&csv=$book_enc"
    journey "insurer-report-$w" "$w" "key=$key_i&job=$job"
done
wait "$lane" || fail "a firm journey failed"
journey firm-b-1366 1366 "key=$key_b&open=$id"
# Notices: an administrator raises manufacturing's ransomware threat level, which re-prices
# firm A's stored assessment (shared with the insurer) and writes an event both see; firm B
# sees none.
# The level is put back afterwards (a second event) so that the checks below, which ask the API
# for impacts and what-ifs now, see the table the journeys above saw.
ransomware_before="$(curl -fsS -m 10 "$base/v1/threat-levels" -H "Authorization: Bearer $key_admin" |
    python3 -c 'import json, sys; t = json.load(sys.stdin)["industries"]; print(t.get("manufacturing", {}).get("ransomware", {}).get("base", 1.0))')"
threat() { # threat LEVEL
    curl -fsS -m 120 -X PUT "$base/v1/threat-levels/manufacturing" -H "Authorization: Bearer $key_admin" \
        -H 'Content-Type: application/json' \
        --data "{\"levels\": {\"ransomware\": $1}, \"source\": \"browser test\"}" >>"$dir/threat.json"
}
threat 2.0
journey firm-notices-1366 1366 "key=$key_a"
journey insurer-notices-390 390 "key=$key_i"
journey firm-b-notices-390 390 "key=$key_b"
threat "$ransomware_before"
echo "browser: journeys in $((SECONDS - started)) s"

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

BASE="$base" KEY_A="$key_a" KEY_I="$key_i" RUN="$RUN" OPTIONS="$options" PROFILE="$PROFILE" \
    UPLOAD="$UPLOAD" python3 - "$dir" <<'PY'
import html, json, math, os, re, sys, urllib.request

d = sys.argv[1]
base, run = os.environ["BASE"], os.environ["RUN"]
keys = {"firm": os.environ["KEY_A"], "insurer": os.environ["KEY_I"]}
def fail(msg): sys.exit("browser: " + msg)

def api(who, method, path, body=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + keys[who],
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.load(r)

def fmt0(x):  # the page's fmt0: Math.round, thousands separators
    n = math.floor(x + 0.5)
    return ("-" if n < 0 else "") + f"{abs(n):,}"
def money(x, cur):  # the page's money
    sym = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£"}.get(cur)
    if not sym: return fmt0(x) + " " + cur
    return ("-" if math.floor(x + 0.5) < 0 else "") + sym + fmt0(abs(x))
def approx(x, se):  # the page's approx: rounded to a tenth of the error's decade
    unit = 10 ** max(0, math.floor(math.log10(se)) - 1) if se > 0 else 1
    return math.floor(x / unit + 0.5) * unit, math.floor(se / unit + 0.5) * unit

def page(name):
    """The page's DOM of a journey (at 390 px: the framed page the harness copied out)."""
    dom = open(f"{d}/dom-{name}.html").read()
    if name.endswith("-390"):
        m = re.search(r'<pre id="frame-dom"[^>]*>(.*?)</pre>', dom, re.S)
        if not m: fail(f"{name}: the harness did not copy the framed page out")
        dom = html.unescape(m.group(1))
    if 'data-state="ready"' not in dom: fail(f"{name}: the page did not finish")
    return dom
def text(dom, el_id, name):
    m = re.search(r'<(\w+)[^>]*\sid="%s"[^>]*>(.*?)</\1>' % re.escape(el_id), dom, re.S)
    if not m: fail(f"{name}: no #{el_id}")
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", m.group(2)))).strip()
def rows(dom, table, name):
    body = re.search(r'id="%s".*?<tbody>(.*?)</tbody>' % table, dom, re.S)
    if not body: fail(f"{name}: no #{table}")
    return [[re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", c))).strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)]
def check(name, what, got, want):
    if got != want: fail(f"{name}: {what}: page shows {got!r}, API says {want!r}")
def layout(dom, name):
    m = re.search(r'<pre id="test-layout" data-width="(\d+)" data-overflow="(\d+)" '
                  r'data-small-targets="(\d+)" data-chart-font="([\d.]*)"[^>]*>(.*?)</pre>', dom, re.S)
    if not m: fail(f"{name}: no layout check in the page")
    width, over, small, font, detail = m.groups()
    want = 390 if name.endswith("-390") else 1366
    if not want - 20 <= int(width) <= want: fail(f"{name}: viewport {width} px, expected about {want}")
    if int(over): fail(f"{name}: {over} elements wider than the {width} px viewport:\n{html.unescape(detail)}")
    if int(small): fail(f"{name}: {small} touch targets under 44 px:\n{html.unescape(detail)}")
    if font and float(font) < 11: fail(f"{name}: chart labels {font} px (< 11 px)")
    return int(width), font

a = json.load(open(f"{d}/assessment.json")); imp = json.load(open(f"{d}/impact.json"))
ins = json.load(open(f"{d}/insurer.json"))
cur = a["premium"]["currency"]
what_if = api("firm", "POST", f"/v1/assessments/{a['id']}/what-if", {"remove": ["iso27001"], "improve": ["patch_critical_days"]})
profile = json.load(open(os.environ["PROFILE"]))
options = [dict(profile.get("coverage", {}), deductible=float(dd), occurrence_limit=float(l), aggregate_limit=float(l))
           for dd, l in (line.split(",") for line in os.environ["OPTIONS"].splitlines())]
quote = api("insurer", "POST", f"/v1/quotes?{run}", {"profile": profile, "options": options})
job = json.load(open(f"{d}/job.json"))["report"]
checked = []

def assessment_view(dom, name, a, imp):
    cur = a["premium"]["currency"]
    check(name, "annual premium", text(dom, "premium-value", name), money(a["premium"]["technical"], cur))
    check(name, "grade", text(dom, "score-grade", name), a["score"]["grade"])
    check(name, "score", text(dom, "score-value", name), fmt0(a["score"]["value"]))
    shown = " ".join(text(dom, "cert-worth", name).split())
    for it in imp["items"]:
        kind, scheme = it["change"].split(":")[:2]
        if kind == "remove" and it["delta"] > 0:
            v, se = approx(it["delta"], it["delta_std_error"])
            want = f"saves you {money(v, cur)} a year (±{fmt0(se)})"
            if want not in shown: fail(f"{name}: no '{want}' in {shown!r}")
        if kind == "obtain" and it["delta"] < 0 and "payback_years" in it:
            v, se = approx(-it["delta"], it["delta_std_error"])
            want = f"would save {money(v, cur)} a year (±{fmt0(se)}), paying back in {it['payback_years']:.1f} years"
            if want not in shown: fail(f"{name}: no '{want}' in {shown!r}")
    better = [it for it in imp["items"] if it["change"].split(":")[0] in ("raise", "improve") and it["delta"] < 0]
    got = rows(dom, "controls-table", name)
    check(name, "improvements", len(got), len(better) or 1)
    for row, it in zip(got, better):
        check(name, it["change"], row[1:], [money(it["premium"], cur), f"{money(-it['delta'], cur)} (±{fmt0(it['delta_std_error'])})"])
        if "→" in row[0] or ":" in row[0] or "_" in row[0]: fail(f"{name}: improvement not in words: {row[0]!r}")
    if not re.search(r'<section id="chart-h"|<div id="chart" class="chart"><svg', dom): fail(f"{name}: no chart")

for w in (1366, 390):
    n = f"firm-open-{w}"; dom = page(n)
    assessment_view(dom, n, a, imp)
    check(n, "what-if premium", text(dom, "whatif-premium", n), money(what_if["premium"], cur))
    check(n, "share then revoke", text(dom, "share-result", n), "browser-insurer-2 can no longer read it.")
    # Who has access, as stored: the insurer the set-up granted (not the one shared and revoked).
    grants = api("firm", "GET", f"/v1/assessments/{a['id']}/shares")["items"]
    check(n, "who has access", [g["insurer"] for g in grants], ["browser-insurer"])
    check(n, "who has access", text(dom, "share-list", n),
          f"browser-insurer may read it (since {grants[0]['granted_at'][:10]}) Revoke")
    check(n, "signed in as", text(dom, "who", n), "Signed in as browser-firm-a (firm)")
    if 'id="loadings" aria-labelledby="loadings-h" hidden' not in dom: fail(f"{n}: the firm sees insurer loadings")
    if 'id="notices" aria-labelledby="notices-h" hidden' not in dom: fail(f"{n}: notices shown with no events")
    checked.append((n, layout(dom, n)))
    for n, who_made in ((f"firm-qn-{w}", "questionnaire"), (f"firm-upload-{w}", "upload")):
        dom = page(n)
        m = re.search(r'id="view-detail"[^>]*data-assessment="([^"]+)"', dom)
        if not m: fail(f"{n}: the {who_made} made no assessment")
        made = api("firm", "GET", f"/v1/assessments/{m.group(1)}")
        if who_made == "questionnaire" and made["firm"]["name"] != f"Questionnaire {w} KK":
            fail(f"{n}: assessed {made['firm']['name']!r}")
        if (made["trials"], made["seed"]) != (5000, 3): fail(f"{n}: run settings {made['trials']}, {made['seed']}")
        assessment_view(dom, n, made, api("firm", "GET", f"/v1/assessments/{m.group(1)}/impact"))
        checked.append((n, layout(dom, n)))
    n = f"insurer-open-{w}"; dom = page(n)
    check(n, "premium", text(dom, "premium-value", n), money(ins["premium"]["technical"], cur))
    loadings = text(dom, "loadings-list", n)
    if f"Risk load {money(ins['premium']['loadings']['risk_load'], cur)}" not in loadings:
        fail(f"{n}: loadings {loadings!r}")
    checked.append((n, layout(dom, n)))
    n = f"insurer-quote-{w}"; dom = page(n)
    got = rows(dom, "quote-table", n)
    check(n, "options", len(got), len(quote["options"]))
    for i, (row, o) in enumerate(zip(got, quote["options"])):
        check(n, f"option {i + 1}", row[1:6], [money(o["terms"]["deductible"], cur), money(o["terms"]["occurrence_limit"], cur),
              money(o["premium"]["charged"], cur) + (" (minimum)" if o["premium"]["minimum_applied"] else ""),
              money(o["premium"]["technical"], cur), money(o["insured_loss"]["mean"], cur)])
    check(n, "decision", text(dom, "quote-decision", n), {"accept": "accept", "refer": "refer to an underwriter", "decline": "decline"}[quote["decision"]["status"]])
    checked.append((n, layout(dom, n)))
    n = f"insurer-book-{w}"; dom = page(n)
    if not text(dom, "pf-result", n).startswith("Accepted: 12 policies"): fail(f"{n}: {text(dom, 'pf-result', n)!r}")
    checked.append((n, layout(dom, n)))
    n = f"insurer-report-{w}"; dom = page(n)
    stats = text(dom, "pf-stats", n)
    if f"Expected annual loss of the book {fmt0(job['mean'])}" not in stats: fail(f"{n}: {stats!r}")
    top = rows(dom, "pf-top", n)
    check(n, "top contributors", [r[:2] for r in top],
          [[c["policy_id"], fmt0(c["tvar_contribution"]) + " (book currency)"] for c in job["top_contributors"][:10]])
    if "<polyline" not in dom: fail(f"{n}: no exceedance curve")
    checked.append((n, layout(dom, n)))

dom = page("firm-b-1366")
if "Assessment not found" not in dom or 'id="score-value"></strong>' not in dom:
    fail("firm B could open firm A's assessment")

# Notices: the event the threat change wrote, in words, with the premiums the feed carries.
for n, who in (("firm-notices-1366", "firm"), ("insurer-notices-390", "insurer")):
    dom = page(n)
    events = [e for e in api(who, "GET", "/v1/events?limit=100")["events"] if e["assessment_id"] == a["id"]]
    # The raise and the level put back: the page, opened between the two, shows the raise.
    if [e["type"] for e in events] != ["threat_level_changed"] * 2: fail(f"{n}: events {events!r}")
    e = events[0]
    want = (f"The threat level of manufacturing changed ({e['at'][:10]}): the annual premium of the assessment of "
            f"{a['firm']['name']} went from {money(e['technical_before'], e['currency'])} to {money(e['technical_after'], e['currency'])} Open")
    li = re.search(r'<li data-seq="%d">(.*?)</li>' % e["seq"], dom, re.S)
    if not li: fail(f"{n}: no notice for event {e['seq']}")
    check(n, "notice", re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", li.group(1)))).strip(), want)
    if not e["technical_after"] > e["technical_before"]: fail(f"{n}: a higher threat did not raise the premium: {e!r}")
    checked.append((n, layout(dom, n)))
dom = page("firm-b-notices-390")
# Firm B sees the raised level (public), and no re-pricing of an assessment not its own.
if "data-seq=" in dom: fail("firm-b-notices-390: firm B sees firm A's re-pricing")
if "manufacturing: ransomware × 2.00" not in dom: fail("firm-b-notices-390: the raised threat level is not shown")
fonts = [f for _, (_, f) in checked if f]
print(f"browser: ok, {len(checked)} journeys (firm and insurer at 1366 and 390 px, notices included), no element outside the viewport, "
      f"touch targets >= 44 px, smallest chart label {min(map(float, fonts)):.1f} px; premium {money(a['premium']['technical'], cur)}, "
      f"what-if {money(what_if['premium'], cur)}, {len(imp['items'])} impact rows, {len(quote['options'])} quote options")
PY
echo "browser: screenshots in $SHOTS"
