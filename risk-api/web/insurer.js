// The page, part 3 of 5: an insurer's quote (options side by side) and portfolio runs (upload,
// list, report with its exceedance curve, largest contributors and ORD downloads).
"use strict";

/** The profile in a file input or, failing that, its text area, parsed; throws a sentence. */
R.readProfile = async function (fileInput, textArea) {
  const f = fileInput.files && fileInput.files[0];
  const text = f ? await f.text() : textArea.value;
  if (!text.trim()) throw new Error("Choose a profile file or paste one first.");
  try { return JSON.parse(text); } catch (e) { throw new Error("That is not a JSON profile: " + e.message); }
};

/** "deductible, limit" lines → coverage objects (the limit per event and a year). */
R.parseOptions = function (text, base) {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0) return [base || {}];
  if (lines.length > 20) throw new Error("At most 20 options.");
  return lines.map((l, i) => {
    const [d, lim] = l.split(",").map((x) => Number(x.replace(/[_\s]/g, "")));
    if (!(d >= 0) || !(lim > 0)) throw new Error("Option " + (i + 1) + ": write \"deductible, limit\", e.g. 1000000, 100000000.");
    return Object.assign({}, base || {}, { deductible: d, occurrence_limit: lim, aggregate_limit: lim });
  });
};

R.quote = async function (profile, optionsText) {
  let options;
  try { options = R.parseOptions(optionsText, profile.coverage); } catch (e) { R.status(e.message); return; }
  R.status("Pricing " + options.length + " option" + (options.length > 1 ? "s" : "") + "…");
  const r = await R.api("POST", "/v1/quotes" + R.runQuery, { profile, options });
  if (r.status !== 200) { R.status("Could not price: " + R.problem(r)); return; }
  R.status("");
  const q = r.data;
  const cur = q.currency;
  $("quote-decision").textContent = { accept: "accept", refer: "refer to an underwriter", decline: "decline" }[q.decision.status] || q.decision.status;
  const reasons = $("quote-reasons");
  reasons.replaceChildren();
  for (const x of q.decision.reasons) reasons.append(R.el("li", (x.action ? x.action + " — " : "") + x.message));
  const table = $("quote-table");
  table.tBodies[0].replaceChildren();
  const ilf = {};
  for (const f of q.increased_limit_factors || []) ilf[f.option] = f.factor;
  q.options.forEach((o, i) => {
    const t = o.terms;
    const lim = t.occurrence_limit === null ? "no limit" : R.money(t.occurrence_limit, cur);
    R.row(table, [String(i + 1), R.num(R.money(t.deductible, cur)), R.num(lim),
      R.num(R.money(o.premium.charged, cur) + (o.premium.minimum_applied ? " (minimum)" : "")),
      R.num(R.money(o.premium.technical, cur)), R.num(R.money(o.insured_loss.mean, cur)),
      R.num(ilf[i] === undefined ? "" : "× " + ilf[i].toFixed(3))]);
  });
  // The firm's answers behind the price.
  const f = profile.firm || {};
  const pairs = [["Firm", f.name], ["Industry", (f.industry || "").replace(/_/g, " ")],
    ["Annual revenue", R.money(f.annual_revenue || 0, f.currency || cur)], ["Employees", String(f.employees ?? "not given")],
    ["Certifications", (profile.certifications || []).map((c) => R.schemeName(c.scheme) + " (" + c.status + ")").join(", ") || "none"]];
  for (const [k, v] of Object.entries(profile.maturity || {})) pairs.push([k[0].toUpperCase() + k.slice(1) + " maturity (0–5)", String(v)]);
  for (const [k, v] of Object.entries(profile.controls || {})) {
    const said = typeof v === "boolean" ? (v ? "yes" : "no") : k === "patch_critical_days" ? v + " days" : String(v).replace(/_/g, " ");
    pairs.push([R.CONTROL_NAMES[k] || k.replace(/_/g, " "), said]);
  }
  R.dl($("quote-answers"), pairs);
  $("quote-out").hidden = false;
};

const JOB_TYPES = { csv: "text/csv", parquet: "application/vnd.apache.parquet" };
R.uploadPortfolio = async function (name, body) {
  const ext = name.split(".").pop().toLowerCase();
  const type = JOB_TYPES[ext];
  if (!type) { $("pf-result").textContent = "Choose a .csv or .parquet file (OED account files are CSV or Parquet too)."; return; }
  const trials = Number($("pf-trials").value) || 5000;
  $("pf-result").textContent = "Uploading…";
  const r = await R.api("POST", "/v1/portfolios?trials=" + trials + "&seed=1", body, type);
  if (r.status !== 202) { $("pf-result").textContent = "Not accepted: " + R.problem(r); return; }
  $("pf-result").textContent = "Accepted: " + r.data.policies + " policies, " + R.fmt0(r.data.trials) + " simulated years. It runs in the background; its report opens from the list when done.";
  await R.loadJobs();
  // Follow the job for a minute (the list says when it is done).
  for (let i = 0; i < 30; i++) {
    await new Promise((ok) => setTimeout(ok, 2000));
    const j = await R.api("GET", "/v1/portfolios/" + encodeURIComponent(r.data.id));
    if (j.status !== 200 || j.data.status === "done" || j.data.status === "failed") break;
  }
  await R.loadJobs();
};

R.loadJobs = async function () {
  const table = $("pf-table");
  table.tBodies[0].replaceChildren();
  const r = await R.listAll("/v1/portfolios");
  if (r.status !== 200) return;
  $("pf-empty").hidden = r.data.length > 0;
  table.hidden = r.data.length === 0;
  $("pf-empty").textContent = "No portfolio runs yet: choose a book of policies above and Run.";
  for (const j of r.data) {
    const when = j.created_at.slice(0, 16).replace("T", " ");
    const open = j.status === "done"
      ? R.button("Report", "Open the report of the run from " + when, () => R.openJob(j.id))
      : R.button("Refresh", "Refresh the list", () => R.loadJobs());
    R.row(table, [when, R.num(R.fmt0(j.policies)), R.num(R.fmt0(j.trials)), j.status + (j.error ? ": " + j.error : ""), open]);
  }
};

R.openJob = async function (id) {
  const r = await R.api("GET", "/v1/portfolios/" + encodeURIComponent(id));
  if (r.status !== 200 || !r.data.report) { $("pf-result").textContent = "No report: " + (r.status === 200 ? r.data.status : R.problem(r)); return false; }
  const rep = r.data.report;
  const box = $("pf-report");
  box.dataset.job = id;
  $("pf-report-h").textContent = "Report: " + R.fmt0(rep.policies) + " policies, " + R.fmt0(rep.trials) + " simulated years";
  const at = (list, level) => (list || []).find((v) => v.level === level);
  // The report carries no currency: amounts are in the book's own.
  const m = (x) => rep.currency ? R.money(x, rep.currency) : R.fmt0(x) + " (book currency)";
  const pairs = [["Expected annual loss of the book", m(rep.mean)]];
  const v = at(rep.var, 0.995), tv = at(rep.tvar, 0.995);
  if (v) pairs.push(["1-in-200-year loss (VaR 99.5%)", m(v.value)]);
  if (tv) pairs.push(["Average loss beyond it (TVaR 99.5%)", m(tv.value)]);
  for (const s of rep.shocks || []) pairs.push(["Expected annual loss from " + s.name.replace(/_/g, " "), m(s.mean)]);
  R.dl($("pf-stats"), pairs);
  R.portfolioChart($("pf-chart"), rep.exceedance_curve || rep.aep || [], rep.currency);
  const top = $("pf-top");
  top.tBodies[0].replaceChildren();
  const total = rep.allocated_total || (tv ? tv.value : 0);
  for (const c of (rep.top_contributors || []).slice(0, 10)) {
    R.row(top, [c.policy_id, R.num(m(c.tvar_contribution)), R.num(total > 0 ? (100 * c.tvar_contribution / total).toFixed(1) + "%" : "")]);
  }
  const ord = $("pf-ord");
  ord.replaceChildren();
  for (const t of ["ept", "alt", "plt", "elt", "summary-info"]) {
    ord.append(R.button(t + ".csv", "Download the ORD " + t + " table (CSV)", () => R.download(id, t + ".csv")), " ");
  }
  box.hidden = false;
  $("pf-report-h").focus();
  return true;
};

/** An ORD table through the API (the key goes in the header, so no plain link) saved as a file. */
R.download = async function (id, table) {
  const r = await R.api("GET", "/v1/portfolios/" + encodeURIComponent(id) + "/ord/" + table);
  if (r.status !== 200) { $("pf-result").textContent = "Could not download: " + R.problem(r); return; }
  const a = R.el("a");
  a.href = URL.createObjectURL(new Blob([r.data], { type: "text/csv" }));
  a.download = table;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
};
