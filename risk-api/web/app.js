// The risk engine's web page, part 1 of 5: helpers, the API client, sign-in, views, the
// assessment list and the notices. Plain DOM, no framework: every value is written with
// textContent (never innerHTML); the API key lives in sessionStorage and travels only in the
// Authorization header. firm.js (assessments), insurer.js (quotes, portfolios), chart.js (the
// charts) and start.js (wiring) share the global `R`.
"use strict";

const R = {
  KEY: "risk.key",
  role: null, // "firm" | "insurer" after sign-in
  current: null, // the open assessment
  profiles: {}, // assessment id → the profile this tab sent (for cover what-ifs)
  runQuery: "", // "?trials=…&seed=…" of new runs (test mode only; the service's defaults otherwise)
};
const $ = (id) => document.getElementById(id);

/** Whole units with thousands separators: 1234567.8 → "1,234,568". */
R.fmt0 = function (x) {
  const n = Math.round(x);
  return (n < 0 ? "-" : "") + String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
};
const SYMBOLS = { JPY: "¥", USD: "$", EUR: "€", GBP: "£" };
/** An amount with its currency: "¥1,234,568", or "1,234,568 CHF" without a known symbol. */
R.money = function (x, cur) {
  const s = SYMBOLS[cur];
  const sign = Math.round(x) < 0 ? "-" : "";
  return s ? sign + s + R.fmt0(Math.abs(x)) : R.fmt0(x) + " " + cur;
};
/** A saving and its standard error, both rounded to a tenth of the error's decade:
 *  (176019, 14310) → ["176,000", "14,000"]. */
R.approx = function (x, se) {
  const unit = se > 0 ? Math.pow(10, Math.max(0, Math.floor(Math.log10(se)) - 1)) : 1;
  return [Math.round(x / unit) * unit, Math.round(se / unit) * unit];
};
R.el = function (tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
};
R.button = function (text, label, onClick) {
  const b = R.el("button", text);
  b.type = "button";
  if (label) b.setAttribute("aria-label", label);
  b.addEventListener("click", onClick);
  return b;
};
/** A table row whose cells carry their column's name (shown as labels in the stacked layout). */
R.row = function (table, cells) {
  const heads = Array.from(table.tHead.rows[0].cells).map((c) => c.textContent);
  const tr = R.el("tr");
  cells.forEach((c, i) => {
    const td = c instanceof Node && c.nodeName === "TD" ? c : R.el("td");
    if (td !== c) { if (c instanceof Node) td.append(c); else td.textContent = c; }
    td.dataset.label = heads[i] || "";
    tr.append(td);
  });
  table.tBodies[0].append(tr);
  return tr;
};
R.num = function (text) { return R.el("td", text, "num"); };
R.status = function (msg) { $("status").textContent = msg; };
R.problem = function (r) {
  const d = r.data && typeof r.data === "object" ? r.data : {};
  const fields = (d.errors || []).map((e) => e.field + ": " + e.message).join("; ");
  return (d.detail || d.title || "status " + r.status) + (fields ? " (" + fields + ")" : "");
};
R.dl = function (dl, pairs) {
  dl.replaceChildren();
  for (const [k, v] of pairs) dl.append(R.el("dt", k), R.el("dd", v));
};

/** One API call: JSON in (or a Blob with its type), JSON or text out. */
R.api = async function (method, path, body, type) {
  const headers = { Authorization: "Bearer " + sessionStorage.getItem(R.KEY) };
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = type || "application/json";
    payload = type ? body : JSON.stringify(body);
  }
  try {
    const res = await fetch(path, { method, headers, body: payload });
    const ct = res.headers.get("Content-Type") || "";
    const data = ct.includes("json") ? await res.json() : await res.text();
    return { status: res.status, data };
  } catch (e) {
    return { status: 0, data: { detail: "the service did not answer (" + e.message + ")" } };
  }
};

/** A listing a page at a time (contract §15), following `next` up to 20 pages. */
R.listAll = async function (path) {
  let items = [];
  let url = path + "?limit=100";
  for (let i = 0; i < 20; i++) {
    const r = await R.api("GET", url);
    if (r.status !== 200) return r;
    items = items.concat(r.data.items);
    if (r.data.next === null || r.data.next === undefined) break;
    url = path + "?limit=100&after=" + encodeURIComponent(r.data.next);
  }
  return { status: 200, data: items };
};

// Views: one section shown at a time, named in the navigation by role.
const NAV = {
  firm: [["list", "My assessments"], ["new", "New assessment"]],
  insurer: [["list", "Assessments"], ["quote", "New quote"], ["portfolios", "Portfolios"]],
};
R.show = function (view) {
  for (const s of document.querySelectorAll("section.view")) s.hidden = s.id !== "view-" + view;
  for (const b of $("nav").children) {
    if (b.dataset.view === view) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
};
R.go = async function (view) {
  R.show(view);
  if (view === "list") await R.loadList();
  if (view === "new") await R.loadQuestionnaires();
  if (view === "portfolios") await R.loadJobs();
};

/** Who the key belongs to, as the service says (`GET /v1/me`): its role and subject. */
async function whoAmI() {
  const r = await R.api("GET", "/v1/me");
  if (r.status === 401) return { error: "That key was not accepted." };
  if (r.status !== 200) return { error: "Sign-in failed: " + R.problem(r) };
  if (!NAV[r.data.role]) return { error: "This page is for firms and insurers; this key is a " + r.data.role + "'s." };
  return r.data;
}

R.signIn = async function (key) {
  sessionStorage.setItem(R.KEY, key);
  const me = await whoAmI();
  if (me.error) {
    sessionStorage.removeItem(R.KEY);
    R.signedIn(false);
    R.status(me.error);
    return false;
  }
  R.role = me.role;
  R.subject = me.subject;
  const who = $("who");
  who.textContent = "Signed in as " + me.subject + " (" + (me.role === "firm" ? "firm" : "insurer") + ")";
  who.hidden = false;
  const nav = $("nav");
  nav.replaceChildren();
  for (const [view, label] of NAV[me.role]) {
    const b = R.button(label, null, () => R.go(view));
    b.dataset.view = view;
    nav.append(b);
  }
  R.signedIn(true);
  R.status("");
  await Promise.all([R.go("list"), R.loadNotices(), R.loadExtras()]);
  return true;
};

R.signedIn = function (yes) {
  $("sign-in").hidden = yes;
  $("sign-out").hidden = !yes;
  $("nav").hidden = !yes;
  if (!yes) {
    for (const s of document.querySelectorAll("section.view")) s.hidden = true;
    $("notices").hidden = true;
    $("who").hidden = true;
  }
};

R.loadList = async function () {
  const table = $("list-table");
  table.tBodies[0].replaceChildren();
  const r = await R.listAll("/v1/assessments");
  if (r.status !== 200) { R.status("Could not list assessments: " + R.problem(r)); return; }
  const empty = $("list-empty");
  empty.hidden = r.data.length > 0;
  table.hidden = r.data.length === 0;
  empty.textContent = R.role === "firm"
    ? "No assessments yet: choose New assessment to answer a short questionnaire or upload a profile."
    : "No assessments yet: firms share theirs with you by your insurer id; or price a firm with New quote.";
  for (const a of r.data) {
    const when = a.created_at.slice(0, 16).replace("T", " ");
    const b = R.button("Open", "Open the assessment of " + a.firm + " from " + when, () => R.openAssessment(a.id));
    R.row(table, [when, a.firm, R.num(R.money(a.premium, a.currency)), a.grade + " (" + R.fmt0(a.score) + ")",
      a.access === "owned" ? "yours" : "shared with you", b]);
  }
};

const EVENT_WORDS = {
  certificate_status_changed: (e) => "A certificate" + (e.scheme ? " (" + R.schemeName(e.scheme) + ")" : "") +
    " is now " + (e.status || "changed"),
  threat_level_changed: (e) => "The threat level of " + (e.industry ? e.industry.replace(/_/g, " ") : "a sector") + " changed",
};
/** The events feed (what re-priced the caller's assessments) as notices, newest first: every
 *  page read (at most 50 of 100), the last ten shown. The premiums are annual technical premiums,
 *  as the assessment shows them (the charged one when an event has no technical premium). */
R.loadNotices = async function () {
  let events = [];
  let after = 0;
  for (let page = 0; page < 50; page++) {
    const r = await R.api("GET", "/v1/events?limit=100&after=" + after);
    if (r.status !== 200) break;
    events = events.concat(r.data.events).slice(-10);
    if (r.data.events.length < 100 || r.data.next === after) break;
    after = r.data.next;
  }
  const list = $("notice-list");
  list.replaceChildren();
  events.reverse();
  $("notices").hidden = events.length === 0;
  for (const e of events) {
    const what = (EVENT_WORDS[e.type] || (() => "Something your assessment relies on changed"))(e);
    const whose = typeof e.firm === "string" ? "the assessment of " + e.firm : "an assessment";
    const li = R.el("li", what + " (" + e.at.slice(0, 10) + "): the annual premium of " + whose + " went from ");
    li.dataset.seq = e.seq;
    const cur = e.currency || "";
    const [was, now] = typeof e.technical_after === "number"
      ? [e.technical_before, e.technical_after] : [e.premium_before, e.premium_after];
    li.append(R.el("strong", cur ? R.money(was, cur) : R.fmt0(was)), " to ",
      R.el("strong", cur ? R.money(now, cur) : R.fmt0(now)), " ");
    li.append(R.button("Open", "Open the re-priced assessment", () => R.openAssessment(e.assessment_id)));
    list.append(li);
  }
};

/** Endpoints other parts of the service may add: shown when they answer 200, nothing otherwise. */
R.loadExtras = async function () {
  const adv = await R.api("GET", "/v1/advisories?limit=20");
  if (adv.status === 200 && Array.isArray(adv.data.items)) {
    for (const x of adv.data.items.slice(0, 5)) {
      $("notices").hidden = false;
      $("notice-list").append(R.el("li", "Advisory: " + x.title + " (" + (x.industries || []).join(", ").replace(/_/g, " ") +
        (x.valid_until ? "; until " + x.valid_until : "") + ")"));
    }
  }
  const t = await R.api("GET", "/v1/threat-levels");
  if (t.status !== 200 || !t.data.industries) return;
  const raised = [];
  for (const [ind, perils] of Object.entries(t.data.industries)) {
    for (const [peril, v] of Object.entries(perils)) {
      if (v.multiplier > 1) raised.push(ind.replace(/_/g, " ") + ": " + peril.replace(/_/g, " ") + " × " + v.multiplier.toFixed(2));
    }
  }
  if (raised.length === 0) return;
  $("notices").hidden = false;
  $("notice-list").prepend(R.el("li", "Raised threat levels in force: " + raised.join("; ") + "."));
};

/** Test mode: every element's box against the viewport, and touch targets, into the DOM. */
R.layoutCheck = function () {
  const width = document.documentElement.clientWidth;
  const wide = [];
  const small = [];
  for (const e of document.body.querySelectorAll("*")) {
    const b = e.getBoundingClientRect();
    if (b.width === 0 && b.height === 0) continue;
    if (b.right > width + 0.5 || b.left < -0.5) wide.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " " + Math.round(b.left) + "–" + Math.round(b.right));
    if (e.matches("button, input:not([type=checkbox]):not([type=radio]), select, textarea") && b.height < 44) {
      small.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " " + Math.round(b.height) + "px");
    }
  }
  let minFont = Infinity;
  for (const t of document.querySelectorAll(".chart svg text")) {
    if (!t.textContent.trim()) continue;
    const m = t.getScreenCTM();
    minFont = Math.min(minFont, parseFloat(getComputedStyle(t).fontSize) * (m ? Math.hypot(m.a, m.b) : 1));
  }
  const out = R.el("pre", [width, wide.length, small.length].join(" ") + "\n" + wide.concat(small).slice(0, 20).join("\n"));
  out.id = "test-layout";
  out.dataset.width = width;
  out.dataset.overflow = wide.length;
  out.dataset.smallTargets = small.length;
  out.dataset.chartFont = minFont === Infinity ? "" : minFont.toFixed(1);
  out.hidden = true;
  document.body.append(out);
};
