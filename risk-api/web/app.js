// The risk engine's web page: plain DOM, the JSON API, no framework. Every value is written with
// textContent (never innerHTML); the API key lives in sessionStorage and travels only in the
// Authorization header.
"use strict";

const KEY = "risk.key";
const $ = (id) => document.getElementById(id);
let current = null; // the open assessment

/** Whole units with thousands separators: 1234567.8 → "1,234,568". */
function fmt0(x) {
  const n = Math.round(x);
  return (n < 0 ? "-" : "") + String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
function money(x, cur) { return fmt0(x) + " " + cur; }
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
function status(msg) { $("status").textContent = msg; }

async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + sessionStorage.getItem(KEY) };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = res.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await res.json() : await res.text();
  return { status: res.status, data };
}

function signedIn(yes) {
  $("sign-in").hidden = yes;
  $("sign-out").hidden = !yes;
  $("list").hidden = !yes;
  if (!yes) { $("detail").hidden = true; $("who").hidden = true; }
}

/** The listing a page at a time (contract §15), following `next` up to MAX_PAGES pages. */
const MAX_PAGES = 20;
async function listAssessments() {
  let items = [];
  let path = "/v1/assessments?limit=100";
  for (let i = 0; i < MAX_PAGES; i++) {
    const r = await api("GET", path);
    if (r.status !== 200) return r;
    items = items.concat(r.data.items);
    if (r.data.next === null || r.data.next === undefined) break;
    path = "/v1/assessments?limit=100&after=" + encodeURIComponent(r.data.next);
  }
  return { status: 200, data: items };
}

async function signIn(key) {
  sessionStorage.setItem(KEY, key);
  const r = await listAssessments();
  if (r.status !== 200) {
    sessionStorage.removeItem(KEY);
    signedIn(false);
    status(r.status === 401 ? "That key was not accepted." : "Sign-in failed: " + (r.data.detail || r.status));
    return false;
  }
  signedIn(true);
  status("");
  renderList(r.data);
  return true;
}

function renderList(items) {
  const tb = $("list-table").tBodies[0];
  tb.replaceChildren();
  if (items.length === 0) {
    const tr = el("tr"); const td = el("td", "No assessments yet."); td.colSpan = 6; tr.append(td); tb.append(tr);
  }
  for (const a of items) {
    const tr = el("tr");
    tr.append(el("td", a.firm), el("td", a.created_at.slice(0, 16).replace("T", " ")),
      el("td", fmt0(a.score) + " (" + a.grade + ")", "num"), el("td", money(a.premium, a.currency), "num"),
      el("td", a.access));
    const td = el("td");
    const b = el("button", "Open");
    b.type = "button";
    b.setAttribute("aria-label", "Open the assessment of " + a.firm + " from " + a.created_at.slice(0, 10));
    b.addEventListener("click", () => openAssessment(a.id));
    td.append(b);
    tr.append(td);
    tb.append(tr);
  }
}

async function openAssessment(id) {
  $("detail").hidden = false;
  $("detail-body").hidden = true;
  $("detail-error").hidden = true;
  $("whatif-result").textContent = "";
  status("Loading assessment…");
  const r = await api("GET", "/v1/assessments/" + encodeURIComponent(id));
  if (r.status !== 200) {
    current = null;
    $("detail-h").textContent = "Assessment";
    $("detail-error").textContent = r.status === 404
      ? "Assessment not found: it does not exist or it was not shared with you."
      : "Could not load the assessment: " + (r.data.detail || r.status);
    $("detail-error").hidden = false;
    status("");
    return false;
  }
  const a = r.data;
  current = a;
  renderAssessment(a);
  $("detail-body").hidden = false;
  $("detail-h").focus();
  status("Computing premium impact and loss curve…");
  await Promise.all([loadImpact(a), loadChart(a)]);
  status("");
  return true;
}

function renderAssessment(a) {
  $("detail-h").textContent = a.firm.name + " — assessed " + a.as_of;
  $("score-value").textContent = fmt0(a.score.value);
  $("score-grade").textContent = a.score.grade;
  $("score-rr").textContent = a.score.relative_risk.toFixed(2);
  $("score-baseline").textContent = fmt0(a.score.baseline);
  $("premium-value").textContent = money(a.premium.technical, a.premium.currency);
  $("premium-se").textContent = money(a.premium.technical_std_error, a.premium.currency);
  $("premium-pure").textContent = money(a.premium.pure, a.premium.currency);

  const ul = $("contributions");
  ul.replaceChildren();
  const max = Math.max(1e-9, ...a.score.contributions.map((c) => Math.abs(c.points)));
  for (const c of a.score.contributions) {
    const li = el("li");
    const track = el("div", null, "bar-track");
    track.setAttribute("aria-hidden", "true");
    const bar = el("div", null, "bar " + (c.points >= 0 ? "pos" : "neg"));
    bar.style.width = (50 * Math.abs(c.points) / max).toFixed(2) + "%";
    track.append(bar);
    li.append(el("span", c.factor.replace(":", ": ").replace(/_/g, " ")), track,
      el("span", (c.points >= 0 ? "+" : "") + c.points.toFixed(1), "pts"));
    ul.append(li);
  }

  const l = a.premium.loadings;
  $("loadings").hidden = !l;
  const dl = $("loadings-list");
  dl.replaceChildren();
  if (l) {
    const cur = a.premium.currency;
    const rp = l.rating_plan;
    for (const [k, v] of [
      ["Risk load", money(l.risk_load, cur)], ["Expense load", money(l.expense_load, cur)],
      ["Capital TVaR", money(l.capital_tvar, cur)], ["Rating plan base", money(rp.base, cur)],
      ["Industry factor", rp.industry_factor.toFixed(3)], ["Revenue factor", rp.revenue_factor.toFixed(3)],
      ["Layer factor", rp.layer_factor.toFixed(3)], ["Schedule modifier", rp.schedule_modifier.toFixed(3)],
      ["Schedule modifier (filed bound)", rp.schedule_modifier_bounded.toFixed(3)],
      ["Premium with bounded modifier", money(rp.schedule_bounded_premium, cur)],
    ]) { dl.append(el("dt", k), el("dd", v)); }
  }

  const sel = $("whatif-cert");
  sel.replaceChildren(el("option", "(unchanged)"));
  sel.options[0].value = "";
  for (const c of a.certifications) {
    const o = el("option", "Remove " + c.scheme); o.value = "remove:" + c.scheme; sel.append(o);
    if (c.standing === "active") {
      const o2 = el("option", "Let " + c.scheme + " lapse"); o2.value = "lapse:" + c.scheme; sel.append(o2);
    }
  }
}

async function loadImpact(a) {
  const tb = $("impact-table").tBodies[0];
  tb.replaceChildren();
  const r = await api("GET", "/v1/assessments/" + encodeURIComponent(a.id) + "/impact");
  if (r.status !== 200) {
    const tr = el("tr"); const td = el("td", "Impact unavailable: " + (r.data.detail || r.status)); td.colSpan = 5;
    tr.append(td); tb.append(tr); return;
  }
  for (const it of r.data.items) {
    const tr = el("tr");
    tr.append(el("td", it.change), el("td", it.description), el("td", money(it.premium, r.data.currency), "num"),
      el("td", money(-it.delta, r.data.currency), "num"), el("td", fmt0(it.delta_std_error), "num"));
    tb.append(tr);
  }
}

async function loadChart(a) {
  const box = $("chart");
  box.replaceChildren();
  const r = await api("GET", "/v1/assessments/" + encodeURIComponent(a.id) + "/exceedance.svg");
  if (r.status !== 200 || typeof r.data !== "string") { box.append(el("p", "Chart unavailable.")); return; }
  const doc = new DOMParser().parseFromString(r.data, "image/svg+xml");
  const svg = doc.documentElement;
  if (svg.nodeName !== "svg") { box.append(el("p", "Chart unavailable.")); return; }
  box.append(document.importNode(svg, true));
}

function whatIfBody(spec) {
  // spec: "remove:<scheme>", "lapse:<scheme>" or "maturity:<function>=<level>"
  const body = {};
  for (const part of spec.split(",").filter(Boolean)) {
    const [kind, rest] = [part.slice(0, part.indexOf(":")), part.slice(part.indexOf(":") + 1)];
    if (kind === "remove" || kind === "lapse") (body[kind] = body[kind] || []).push(rest);
    if (kind === "maturity") {
      const [f, lv] = rest.split("=");
      (body.maturity = body.maturity || {})[f] = Number(lv);
    }
  }
  return body;
}

async function whatIf(spec) {
  if (!current) return;
  const out = $("whatif-result");
  if (!spec) { out.textContent = "Choose a change first."; return; }
  out.textContent = "Re-pricing…";
  const r = await api("POST", "/v1/assessments/" + encodeURIComponent(current.id) + "/what-if", whatIfBody(spec));
  if (r.status !== 200) {
    out.textContent = "Could not re-price: " + (r.data.detail || r.status);
    return;
  }
  const w = r.data;
  out.replaceChildren(
    "With " + w.changes.join(", ") + ": premium ", el("strong", money(w.premium, w.currency)),
    " (" + (w.delta <= 0 ? "saving " + money(-w.delta, w.currency) : "up " + money(w.delta, w.currency)) +
    "), score " + fmt0(w.score) + " (" + w.grade + ")."
  );
  out.lastElementChild.id = "whatif-premium";
}

function formSpec() {
  const parts = [];
  if ($("whatif-cert").value) parts.push($("whatif-cert").value);
  if ($("whatif-function").value) parts.push("maturity:" + $("whatif-function").value + "=" + $("whatif-level").value);
  return parts.join(",");
}

async function start() {
  $("sign-in-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const k = $("key-input").value.trim();
    $("key-input").value = "";
    if (k) await signIn(k);
  });
  $("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    current = null;
    signedIn(false);
    status("Signed out.");
    $("key-input").focus();
  });
  $("whatif-form").addEventListener("submit", (e) => { e.preventDefault(); whatIf(formSpec()); });

  // Test mode only (the server sets data-test-mode="1" under RISK_UI_TEST_MODE=1): take the key
  // and actions from the URL fragment, which browsers never send to the server.
  let actions = {};
  if (document.body.dataset.testMode === "1" && location.hash.length > 1) {
    actions = Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
    history.replaceState(null, "", location.pathname);
    if (actions.key) sessionStorage.setItem(KEY, actions.key);
  }
  const key = sessionStorage.getItem(KEY);
  if (key && await signIn(key)) {
    if (actions.open && await openAssessment(actions.open) && actions.whatif) await whatIf(actions.whatif);
  } else {
    signedIn(false);
  }
  document.body.dataset.state = "ready";
}

start();
