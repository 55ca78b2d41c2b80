// The page, part 5 of 5: wiring the forms, and test mode (the server sets data-test-mode="1"
// under RISK_UI_TEST_MODE=1): the key and a journey are read from the URL fragment, which
// browsers never send to the server, then the layout is checked and written into the DOM.
"use strict";

function on(id, handler) {
  $(id).addEventListener("submit", async (e) => { e.preventDefault(); await handler(); });
}

function wire() {
  on("sign-in-form", async () => {
    const k = $("key-input").value.trim();
    $("key-input").value = "";
    if (k) await R.signIn(k);
  });
  $("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(R.KEY);
    R.current = null;
    R.signedIn(false);
    R.status("Signed out.");
    $("key-input").focus();
  });
  on("whatif-form", () => {
    const parts = [];
    if ($("whatif-cert").value) parts.push($("whatif-cert").value);
    if ($("whatif-control").value) parts.push($("whatif-control").value);
    if ($("whatif-function").value) parts.push("maturity:" + $("whatif-function").value + "=" + $("whatif-level").value);
    return R.whatIf(parts.join(","));
  });
  on("cover-form", () => R.coverWhatIf());
  on("share-form", () => R.share($("share-insurer").value.trim()));
  on("qn-pick", () => R.startQuestionnaire($("qn-name").value));
  on("qn-form", () => R.submitQuestionnaire());
  on("upload-form", async () => {
    try { await R.createAssessment(await R.readProfile($("upload-file"), $("upload-text"))); } catch (e) { R.status(e.message); }
  });
  on("quote-form", async () => {
    try { await R.quote(await R.readProfile($("quote-file"), $("quote-text")), $("quote-options").value); } catch (e) { R.status(e.message); }
  });
  on("pf-form", async () => {
    const f = $("pf-file").files[0];
    if (!f) { $("pf-result").textContent = "Choose a file first."; return; }
    await R.uploadPortfolio(f.name, f);
  });
}

/** A journey named in the fragment (test mode): [run=QUERY (trials and seed of new runs)] open=ID [whatif=SPEC] [share=INSURER [revoke=1]];
 *  qn=NAME (every item at its first, best choice; firm=NAME); profile=JSON [options=TEXT] (a
 *  firm assesses it, an insurer quotes it); csv=TEXT (portfolio upload); job=ID. */
async function journey(a) {
  if (a.run) R.runQuery = "?" + a.run;
  if (a.open && await R.openAssessment(a.open)) {
    if (a.whatif) await R.whatIf(a.whatif);
    if (a.share) { await R.share(a.share); if (a.revoke) await R.revoke(a.share); }
  }
  if (a.qn) {
    await R.go("new");
    await R.startQuestionnaire(a.qn);
    for (const s of $("qn-items").querySelectorAll("select")) s.selectedIndex = 1;
    $("qn-firm").value = a.firm || "Questionnaire KK";
    await R.submitQuestionnaire();
  }
  if (a.profile && R.role === "firm") {
    await R.go("new");
    $("upload-text").value = a.profile;
    await R.createAssessment(await R.readProfile($("upload-file"), $("upload-text")));
  }
  if (a.profile && R.role === "insurer") {
    R.show("quote");
    $("quote-text").value = a.profile;
    if (a.options) $("quote-options").value = a.options;
    await R.quote(await R.readProfile($("quote-file"), $("quote-text")), $("quote-options").value);
  }
  if (a.csv) { await R.go("portfolios"); await R.uploadPortfolio("book.csv", new Blob([a.csv], { type: "text/csv" })); }
  if (a.job) { await R.go("portfolios"); await R.openJob(a.job); }
}

async function start() {
  wire();
  let actions = {};
  const test = document.body.dataset.testMode === "1";
  if (test && location.hash.length > 1) {
    actions = Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
    history.replaceState(null, "", location.pathname);
    if (actions.key) sessionStorage.setItem(R.KEY, actions.key);
  }
  const key = sessionStorage.getItem(R.KEY);
  if (key && await R.signIn(key)) {
    if (test) await journey(actions);
  } else {
    R.signedIn(false);
  }
  if (test) R.layoutCheck();
  document.body.dataset.state = "ready";
}

start();
