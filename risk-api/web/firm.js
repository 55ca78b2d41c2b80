// The page, part 2 of 5: an assessment (what certification and each control is worth, in
// words), what-if, sharing; and a firm's new assessment (questionnaire or profile upload).
"use strict";

const SCHEMES = {
  iso27001: "ISO/IEC 27001", iso27017: "ISO/IEC 27017", iso27701: "ISO/IEC 27701", iec62443: "IEC 62443",
  soc2_type1: "SOC 2 Type 1", soc2_type2: "SOC 2 Type 2", cyber_essentials: "Cyber Essentials",
  cyber_essentials_plus: "Cyber Essentials Plus", security_action_1: "SECURITY ACTION ★1",
  security_action_2: "SECURITY ACTION ★2", supply_chain_3: "supply-chain ★3", supply_chain_4: "supply-chain ★4",
  pci_dss: "PCI DSS",
};
R.schemeName = (s) => SCHEMES[s] || s.replace(/_/g, " ");
const FUNCTIONS = { govern: "Govern", identify: "Identify", protect: "Protect", detect: "Detect", respond: "Respond", recover: "Recover" };
// A key control raised to a level (the model's level names), in words.
const CONTROLS = {
  mfa: { partial: "Multi-factor sign-in on some accounts", full: "Multi-factor sign-in on every account" },
  edr: { true: "Endpoint detection and response (EDR) on every device" },
  offline_backups: { untested: "Offline backups", tested: "Offline backups with a tested restore" },
  patch_critical_days: { within_30: "Critical security patches within 30 days", within_7: "Critical security patches within 7 days" },
  exposed_rdp: { false: "No remote desktop (RDP) open to the internet" },
  eol_software: { false: "No software past its end of support" },
  ir_plan: { documented: "A written incident-response plan", tested: "An incident-response plan, rehearsed" },
  email_filtering: { true: "Incoming email filtered" },
};
const CONTROL_NAMES = R.CONTROL_NAMES = {
  mfa: "Multi-factor sign-in", edr: "Endpoint detection (EDR)", offline_backups: "Offline backups",
  patch_critical_days: "Speed of critical patches", exposed_rdp: "Remote desktop open to the internet",
  eol_software: "Software past end of support", ir_plan: "Incident-response plan", email_filtering: "Email filtering",
};
/** An impact or what-if change in words (a control, a CSF function, a supplier's requirement), or null for the firm's certification changes. */
function improvement(it) {
  const [kind, what] = it.change.split(":");
  if (kind === "supplier") {
    // supplier:<name>:<scheme> (the name may hold colons; the scheme never does).
    const cut = it.change.lastIndexOf(":");
    return "Require " + R.schemeName(it.change.slice(cut + 1)) + " of supplier " + it.change.slice(9, cut);
  }
  if (kind === "raise") {
    const m = /from level (\d) to (\d)/.exec(it.description || "");
    return (FUNCTIONS[what] || what) + " (NIST CSF) raised " + (m ? "from maturity level " + m[1] + " to " + m[2] + " of 5" : "one maturity level");
  }
  if (kind === "improve") {
    const to = /→ (\S+)$/.exec(it.description || "") || /critical patches (within \d+)/.exec(it.description || "");
    const level = to ? to[1].replace(" ", "_") : "";
    return (CONTROLS[what] && CONTROLS[what][level]) || what.replace(/_/g, " ") + " one level better";
  }
  return null;
}

R.openAssessment = async function (id) {
  R.show("detail");
  $("detail-body").hidden = true;
  $("detail-error").hidden = true;
  for (const o of ["whatif-result", "cover-result", "share-result"]) $(o).textContent = "";
  R.status("Loading the assessment…");
  const r = await R.api("GET", "/v1/assessments/" + encodeURIComponent(id));
  if (r.status !== 200) {
    R.current = null;
    $("detail-h").textContent = "Assessment";
    $("detail-error").textContent = r.status === 404
      ? "Assessment not found: it does not exist or it was not shared with you."
      : "Could not load the assessment: " + R.problem(r);
    $("detail-error").hidden = false;
    R.status("");
    return false;
  }
  const a = r.data;
  R.current = a;
  render(a);
  $("view-detail").dataset.assessment = a.id;
  $("detail-body").hidden = false;
  $("detail-h").focus();
  R.status("Computing what each change is worth and the loss curve…");
  await Promise.all([loadImpact(a), R.loadChart(a), R.loadVerified(a)]);
  R.status("");
  return true;
};

function render(a) {
  const cur = a.premium.currency;
  $("detail-h").textContent = a.firm.name + " — assessed " + a.as_of;
  // The model's price leads (every saving below is on it); the filed plan's charge follows.
  $("premium-value").textContent = R.money(a.premium.technical, cur);
  $("premium-note").textContent = "The model's price (± " + R.money(a.premium.technical_std_error, cur) +
    " simulation error)." + (a.premium.charged === undefined ? "" : " An insurer's filed rating plan would charge " +
    R.money(a.premium.charged, cur) + " a year" + (a.premium.minimum_applied ? " (its minimum premium)." : "."));
  const d = a.decision;
  $("decision-status").textContent = d ? { accept: "insurable", refer: "referred to an underwriter", decline: "declined" }[d.status] || d.status : "not reported";
  const reasons = $("decision-reasons");
  reasons.replaceChildren();
  for (const x of (d ? d.reasons : [])) reasons.append(R.el("li", (x.action ? x.action + " — " : "") + x.message));
  $("score-grade").textContent = a.score.grade;
  $("score-value").textContent = R.fmt0(a.score.value);
  $("score-rr").textContent = Math.round(a.score.relative_risk * 100) + "% of";
  $("score-baseline").textContent = R.fmt0(a.score.baseline);
  const var995 = (a.loss.var || []).find((v) => v.level === 0.995);
  R.dl($("loss-list"), [
    ["Expected annual loss (before insurance)", R.money(a.loss.mean, cur)],
    ["1-in-200-year loss (before insurance)", var995 ? R.money(var995.value, cur) : "not reported"],
    ["Expected annual insured loss", R.money(a.insured_loss.mean, cur)],
  ]);
  const t = a.terms || {};
  const lim = (x) => x === null || x === undefined ? "no limit" : R.money(x, cur);
  R.dl($("terms-list"), [
    ["Deductible (each event)", R.money(t.deductible || 0, cur)], ["Limit each event", lim(t.occurrence_limit)],
    ["Limit a year", lim(t.aggregate_limit)],
    ["Waiting period, business interruption", t.waiting_period_hours === undefined ? "model default" : t.waiting_period_hours + " hours"],
  ].concat(Object.entries(t.sublimits || {}).map(([k, v]) => ["Sublimit, " + k.replace(/_/g, " "), R.money(v, cur)])));

  const ul = $("contributions");
  ul.replaceChildren();
  const max = Math.max(1e-9, ...a.score.contributions.map((c) => Math.abs(c.points)));
  for (const c of a.score.contributions) {
    const li = R.el("li");
    const track = R.el("div", null, "bar-track");
    track.setAttribute("aria-hidden", "true");
    const bar = R.el("div", null, "bar " + (c.points >= 0 ? "pos" : "neg"));
    bar.style.width = (50 * Math.abs(c.points) / max).toFixed(2) + "%";
    track.append(bar);
    const [kind, what] = c.factor.split(":");
    const name = kind === "certification" ? R.schemeName(what) : kind === "maturity" ? (FUNCTIONS[what] || what) + " maturity"
      : kind === "control" ? CONTROL_NAMES[what] || what.replace(/_/g, " ") : (what || kind).replace(/_/g, " ");
    li.append(R.el("span", name), track, R.el("span", (c.points >= 0 ? "+" : "") + c.points.toFixed(1) + " points", "pts"));
    ul.append(li);
  }

  const l = a.premium.loadings;
  $("loadings").hidden = !l;
  if (l) {
    const rp = l.rating_plan || {};
    const pct = (x) => (x >= 0 ? "+" : "") + (x * 100).toFixed(1) + "%";
    R.dl($("loadings-list"), [
      ["Expected insured loss (pure premium)", R.money(a.premium.pure, cur)], ["Risk load", R.money(l.risk_load, cur)],
      ["Expense load", R.money(l.expense_load, cur)], ["Capital at 1-in-200 (TVaR 99.5%)", R.money(l.capital_tvar, cur)],
      ["Rating-plan base", R.money(rp.base, cur)], ["Industry factor", "× " + rp.industry_factor.toFixed(3)],
      ["Revenue factor", "× " + rp.revenue_factor.toFixed(3)], ["Layer factor", "× " + rp.layer_factor.toFixed(3)],
      ["Schedule modifier (as indicated)", pct(rp.schedule_modifier)], ["Schedule modifier (filed bound)", pct(rp.schedule_modifier_bounded)],
      ["Annual premium with the bounded modifier", R.money(rp.schedule_bounded_premium, cur)],
    ]);
  }

  const sel = $("whatif-cert");
  sel.replaceChildren(R.el("option", "(unchanged)"));
  sel.options[0].value = "";
  const add = (text, value) => { const o = R.el("option", text); o.value = value; sel.append(o); };
  for (const c of a.certifications) {
    add("Without " + R.schemeName(c.scheme), "remove:" + c.scheme);
    if (c.standing === "active") add("Let " + R.schemeName(c.scheme) + " lapse", "lapse:" + c.scheme);
  }
  const held = new Set(a.certifications.map((c) => c.scheme));
  for (const s of Object.keys(SCHEMES)) if (!held.has(s)) add("Obtain " + R.schemeName(s), "obtain:" + s);
  for (const c of document.querySelectorAll("#view-detail .cur")) c.textContent = cur;

  // Sharing: the owning firm only; who has access is what the service has stored.
  $("share").hidden = R.role !== "firm";
  if (R.role === "firm") R.loadShares(a);
  const profile = R.profiles[a.id];
  $("cover-form").hidden = !profile;
  if (profile) {
    $("cover-deductible").value = t.deductible || 0;
    $("cover-limit").value = t.occurrence_limit || "";
  }
}

async function loadImpact(a) {
  const worth = $("cert-worth");
  const table = $("controls-table");
  worth.replaceChildren();
  table.tBodies[0].replaceChildren();
  $("cert-loading").hidden = false;
  $("cert-loading").textContent = "Computing…";
  const r = await R.api("GET", "/v1/assessments/" + encodeURIComponent(a.id) + "/impact");
  if (r.status !== 200) { $("cert-loading").textContent = "Not available: " + R.problem(r); return; }
  $("cert-loading").hidden = true;
  const cur = r.data.currency;
  const sentence = (it) => {
    const [kind, s, to] = it.change.split(":");
    const saving = -it.delta;
    const [v, se] = R.approx(Math.abs(it.delta), it.delta_std_error);
    const amount = R.money(v, cur) + " a year (±" + R.fmt0(se) + ")";
    const payback = it.payback_years === undefined ? "" : ", paying back in " + it.payback_years.toFixed(1) + " years";
    if (kind === "remove") return it.delta > 0 ? R.schemeName(s) + " saves you " + amount : R.schemeName(s) + " does not lower your premium now";
    if (kind === "lapse") return it.delta > 0 ? "Letting " + R.schemeName(s) + " lapse would cost you " + amount : null;
    const target = kind === "upgrade" ? (to.startsWith("sl") ? R.schemeName(s) + " at security level " + to.slice(2) : R.schemeName(to)) : R.schemeName(s);
    if (kind === "obtain" || kind === "upgrade") {
      const verb = kind === "upgrade" ? "Moving up to " : "Getting ";
      return saving > 0 ? verb + target + " would save " + amount + payback : verb + target + " would not lower your premium";
    }
    return null;
  };
  const certs = r.data.items.filter((it) => /^(remove|lapse|obtain|upgrade):/.test(it.change));
  certs.sort((x, y) => (/^remove/.test(y.change) - /^remove/.test(x.change)) || x.delta - y.delta);
  for (const it of certs) {
    const s = sentence(it);
    if (!s) continue;
    const li = R.el("li", s + ".");
    li.dataset.change = it.change;
    worth.append(li);
  }
  if (worth.children.length === 0) worth.append(R.el("li", "No certification changes apply to this profile."));
  const better = r.data.items.filter((it) => improvement(it) && it.delta < 0);
  // The what-if's key-control choices: each control the impact table can improve, in its words.
  const sel = $("whatif-control");
  sel.replaceChildren(R.el("option", "(unchanged)"));
  sel.options[0].value = "";
  for (const it of r.data.items.filter((x) => x.change.startsWith("improve:"))) {
    const o = R.el("option", improvement(it));
    o.value = it.change;
    R.whatIfWords[it.change] = improvement(it);
    sel.append(o);
  }
  for (const it of better) {
    const tr = R.row(table, [improvement(it), R.num(R.money(it.premium, cur)),
      R.num(R.money(-it.delta, cur) + " (±" + R.fmt0(it.delta_std_error) + ")")]);
    tr.dataset.change = it.change;
  }
  if (better.length === 0) R.row(table, ["Nothing left to improve: every control and function is at its best level.", "", ""]);
}

/** The words of each key-control change the open assessment's impact table offered. */
R.whatIfWords = {};

R.whatIfBody = function (spec) {
  // spec: "remove:<scheme>", "lapse:<scheme>", "obtain:<scheme>" or "maturity:<function>=<level>", comma-separated
  const body = {};
  for (const part of spec.split(",").filter(Boolean)) {
    const i = part.indexOf(":");
    const [kind, rest] = [part.slice(0, i), part.slice(i + 1)];
    if (kind === "remove" || kind === "lapse" || kind === "obtain" || kind === "improve") (body[kind] = body[kind] || []).push(rest);
    if (kind === "maturity") {
      const [f, lv] = rest.split("=");
      (body.maturity = body.maturity || {})[f] = Number(lv);
    }
  }
  return body;
};

R.whatIf = async function (spec) {
  if (!R.current) return;
  const out = $("whatif-result");
  if (!spec) { out.textContent = "Choose a change first."; return; }
  out.textContent = "Re-pricing…";
  const r = await R.api("POST", "/v1/assessments/" + encodeURIComponent(R.current.id) + "/what-if", R.whatIfBody(spec));
  if (r.status !== 200) { out.textContent = "Could not re-price: " + R.problem(r); return; }
  const w = r.data;
  const words = w.changes.map((c) => {
    const [k, s] = c.split(":");
    if (k === "maturity") { const [f, lv] = s.split("="); return (FUNCTIONS[f] || f) + " at maturity level " + lv; }
    if (k === "improve") return (R.whatIfWords[c] || (CONTROL_NAMES[s] || s) + " one answer better").replace(/^./, (x) => x.toLowerCase());
    return { remove: "without ", lapse: "letting lapse ", obtain: "obtaining " }[k] + R.schemeName(s);
  });
  const strong = R.el("strong", R.money(w.premium, w.currency));
  strong.id = "whatif-premium";
  const said = words.join(" and ");
  out.replaceChildren(said[0].toUpperCase() + said.slice(1) + ": annual premium ", strong,
    " (" + (w.delta <= 0 ? R.money(-w.delta, w.currency) + " a year less" : R.money(w.delta, w.currency) + " a year more") +
    " than " + R.money(w.current_premium, w.currency) + "), grade " + w.grade + " (score " + R.fmt0(w.score) + ").");
};

R.coverWhatIf = async function () {
  const profile = R.profiles[R.current.id];
  const out = $("cover-result");
  const cover = Object.assign({}, profile.coverage || {}, {
    deductible: Number($("cover-deductible").value), occurrence_limit: Number($("cover-limit").value),
    aggregate_limit: Number($("cover-limit").value),
  });
  out.textContent = "Pricing…";
  const r = await R.api("POST", "/v1/quotes" + R.runQuery, { profile, options: [profile.coverage || {}, cover] });
  if (r.status !== 200) { out.textContent = "Could not price: " + R.problem(r); return; }
  const [now, alt] = r.data.options;
  const d = alt.premium.charged - now.premium.charged;
  out.textContent = "With a deductible of " + R.money(cover.deductible, r.data.currency) + " and a limit of " +
    R.money(cover.occurrence_limit, r.data.currency) + ": annual premium " + R.money(alt.premium.charged, r.data.currency) +
    " (" + (d <= 0 ? R.money(-d, r.data.currency) + " less" : R.money(d, r.data.currency) + " more") + " than the current cover, same simulated years).";
};

function renderShares(grants) {
  const list = $("share-list");
  list.replaceChildren();
  if (grants.length === 0) list.append(R.el("li", "Only you. Share it with an insurer by its id (ask the insurer for it)."));
  for (const g of grants) {
    const li = R.el("li", g.insurer + " may read it (since " + g.granted_at.slice(0, 10) + ") ");
    li.append(R.button("Revoke", "Revoke " + g.insurer + "'s access", () => R.revoke(g.insurer)));
    list.append(li);
  }
}
/** Who may read the open assessment, as stored (`GET …/shares`). */
R.loadShares = async function (a) {
  const r = await R.api("GET", "/v1/assessments/" + encodeURIComponent(a.id) + "/shares");
  if (R.current !== a) return;
  if (r.status !== 200) { $("share-result").textContent = "Could not load who has access: " + R.problem(r); return; }
  renderShares(r.data.items);
};
R.share = async function (insurer) {
  const a = R.current;
  const r = await R.api("POST", "/v1/assessments/" + encodeURIComponent(a.id) + "/shares", { insurer });
  $("share-result").textContent = r.status === 201 ? "Shared with " + insurer + "." : "Not shared: " + R.problem(r);
  if (r.status === 201) await R.loadShares(a);
};
R.revoke = async function (insurer) {
  const a = R.current;
  const r = await R.api("DELETE", "/v1/assessments/" + encodeURIComponent(a.id) + "/shares/" + encodeURIComponent(insurer));
  $("share-result").textContent = r.status === 204 ? insurer + " can no longer read it." : "Not revoked: " + R.problem(r);
  if (r.status === 204) await R.loadShares(a);
};

/** Certificates the registry knows (when the service has one): verified or not, per certification. */
R.loadVerified = async function (a) {
  const ul = $("cert-verified");
  ul.replaceChildren();
  const known = a.certifications.filter((c) => typeof c.verified === "boolean");
  ul.hidden = known.length === 0;
  for (const c of known) ul.append(R.el("li", R.schemeName(c.scheme) + ": " + (c.verified ? "verified with the certification body" : "declared, not verified")));
  const r = await R.api("GET", "/v1/certificates?limit=100");
  if (r.status !== 200 || !Array.isArray(r.data.items) || R.current !== a) return;
  for (const c of r.data.items) {
    ul.hidden = false;
    ul.append(R.el("li", "Registered certificate " + c.certificate_id + ": " + R.schemeName(c.scheme) +
      (c.status ? ", " + c.status : "") + (c.expires ? ", expires " + c.expires : "")));
  }
};

// New assessment: a questionnaire's answers or a profile.
R.loadQuestionnaires = async function () {
  const sel = $("qn-name");
  if (sel.options.length > 0) return;
  const r = await R.api("GET", "/v1/questionnaires");
  if (r.status !== 200) return;
  for (const q of r.data) { const o = R.el("option", q.title); o.value = q.name; sel.append(o); }
  const ind = $("qn-industry");
  for (const i of ["manufacturing", "finance", "healthcare", "retail", "information_technology", "energy", "utilities",
    "chemicals", "public", "education", "professional_services", "other"]) {
    const o = R.el("option", i.replace(/_/g, " ")); o.value = i; ind.append(o);
  }
};
R.startQuestionnaire = async function (name) {
  const r = await R.api("GET", "/v1/questionnaires/" + encodeURIComponent(name));
  if (r.status !== 200) { R.status("Could not load the questionnaire: " + R.problem(r)); return; }
  const q = r.data;
  $("qn-form").dataset.name = q.name;
  $("qn-title").textContent = q.title + " (" + q.items.length + " items)";
  const ol = $("qn-items");
  ol.replaceChildren();
  for (const it of q.items) {
    const li = R.el("li");
    const label = R.el("label", it.text);
    label.htmlFor = "qn-" + it.id;
    const sel = R.el("select");
    sel.id = "qn-" + it.id;
    sel.dataset.item = it.id;
    const none = R.el("option", "(not answered)"); none.value = ""; sel.append(none);
    for (const c of it.choices) { const o = R.el("option", c.label); o.value = c.value; sel.append(o); }
    li.append(label, sel);
    ol.append(li);
  }
  $("qn-form").hidden = false;
};
R.submitQuestionnaire = async function () {
  const answers = {};
  for (const s of $("qn-items").querySelectorAll("select")) if (s.value) answers[s.dataset.item] = s.value;
  const body = { firm: { name: $("qn-firm").value, industry: $("qn-industry").value,
    annual_revenue: Number($("qn-revenue").value), currency: "JPY" }, answers };
  R.status("Turning the answers into a profile…");
  const r = await R.api("POST", "/v1/questionnaires/" + encodeURIComponent($("qn-form").dataset.name) + "/profile", body);
  if (r.status !== 200) { R.status("Could not use the answers: " + R.problem(r)); return; }
  await R.createAssessment(r.data.profile);
};
R.createAssessment = async function (profile) {
  R.status("Assessing…");
  const r = await R.api("POST", "/v1/assessments" + R.runQuery, profile);
  if (r.status !== 201) { R.status("Could not assess: " + R.problem(r)); return; }
  R.profiles[r.data.id] = profile;
  await R.openAssessment(r.data.id);
};
