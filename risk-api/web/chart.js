// The page, part 4 of 5: charts. The assessment's exceedance curve is drawn by the server
// (GET /v1/assessments/{id}/exceedance.svg) and marked here with the policy's deductible and
// limit; the portfolio's curve (loss by return period) is drawn here. SVG elements made with
// createElementNS, labels with textContent.
"use strict";

// The SVG namespace, as the HTML parser assigns it (no URL written out in the page's code).
const SVG = new DOMParser().parseFromString("<svg></svg>", "text/html").body.firstChild.namespaceURI;
function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
/** Short money for axes: 1.2M, 340k. */
function short(x) {
  const a = Math.abs(x);
  for (const [d, u] of [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "k"]]) {
    if (a >= d) return (x / d).toFixed(a / d >= 10 ? 0 : 1).replace(/\.0$/, "") + u;
  }
  return String(Math.round(x));
}

R.loadChart = async function (a) {
  const box = $("chart");
  box.replaceChildren();
  const r = await R.api("GET", "/v1/assessments/" + encodeURIComponent(a.id) + "/exceedance.svg");
  if (r.status !== 200 || typeof r.data !== "string") { box.append(R.el("p", "Chart not available.")); return; }
  const svg = new DOMParser().parseFromString(r.data, "image/svg+xml").documentElement;
  if (svg.nodeName !== "svg") { box.append(R.el("p", "Chart not available.")); return; }
  const node = document.importNode(svg, true);
  markTerms(node, a.terms || {}, a.premium.currency);
  box.append(node);
};

/** Vertical lines at the deductible and the limit, on the server chart's log loss axis (its
 *  plot box and decades are in data- attributes). */
function markTerms(svg, terms, cur) {
  const plot = (svg.getAttribute("data-plot") || "").split(" ").map(Number);
  const x0 = Number(svg.getAttribute("data-x0")), x1 = Number(svg.getAttribute("data-x1"));
  if (plot.length !== 4 || !(x1 > x0)) return;
  const [L, T, W, H] = plot;
  const marks = [["Deductible", terms.deductible, "#6a1b9a", T + 18], ["Limit", terms.occurrence_limit, "#00695c", T + H - 8]];
  for (const [name, v, colour, y] of marks) {
    if (!(v > 0)) continue;
    const e = Math.log10(v);
    if (e < x0 || e > x1) continue;
    const x = L + (e - x0) / (x1 - x0) * W;
    const right = x > L + W * 0.6;
    svg.append(svgEl("line", { x1: x, y1: T, x2: x, y2: T + H, stroke: colour, "stroke-width": 2, "stroke-dasharray": "2 3" }),
      svgEl("text", { x: right ? x - 4 : x + 4, y, fill: colour, "text-anchor": right ? "end" : "start", class: "mark" },
        name + " " + R.money(v, cur)));
  }
}

/** Loss by return period (log axis, 2 … the longest) of a portfolio report. */
R.portfolioChart = function (box, curve, cur) {
  box.replaceChildren();
  const pts = curve.filter((p) => p.return_period > 0 && isFinite(p.loss));
  if (pts.length < 2) { box.append(R.el("p", "Too few simulated years for a curve.")); return; }
  const [W, H, L, Rm, T, B] = [480, 320, 70, 16, 36, 52];
  const pw = W - L - Rm, ph = H - T - B;
  const lx0 = Math.log10(pts[0].return_period), lx1 = Math.log10(pts[pts.length - 1].return_period);
  const ymax = Math.max(...pts.map((p) => p.loss)) * 1.05 || 1;
  const px = (rp) => L + (Math.log10(rp) - lx0) / Math.max(1e-9, lx1 - lx0) * pw;
  const py = (y) => T + ph - y / ymax * ph;
  const svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "font-size": 15, "font-family": "system-ui, sans-serif" });
  svg.append(svgEl("title", {}, "Annual loss of the book by return period"),
    svgEl("rect", { x: 0, y: 0, width: W, height: H, fill: "#fff" }),
    svgEl("text", { x: L, y: 22, "font-weight": "bold", fill: "#111" }, "Annual loss by return period"));
  for (let k = 0; k <= 4; k++) {
    const y = ymax * k / 4;
    svg.append(svgEl("line", { x1: L, x2: L + pw, y1: py(y), y2: py(y), stroke: "#ddd" }),
      svgEl("text", { x: L - 6, y: py(y) + 5, "text-anchor": "end", fill: "#222" }, short(y)));
  }
  for (const p of pts) {
    if (![2, 10, 100, 200, 1000, 10000].includes(p.return_period)) continue;
    svg.append(svgEl("line", { x1: px(p.return_period), x2: px(p.return_period), y1: T, y2: T + ph, stroke: "#ddd" }),
      svgEl("text", { x: px(p.return_period), y: T + ph + 18, fill: "#222",
        "text-anchor": px(p.return_period) > L + pw - 20 ? "end" : "middle" }, String(p.return_period)));
  }
  svg.append(svgEl("rect", { x: L, y: T, width: pw, height: ph, fill: "none", stroke: "#444" }),
    svgEl("polyline", { fill: "none", stroke: "#1f5fa8", "stroke-width": 2, points: pts.map((p) => px(p.return_period).toFixed(1) + "," + py(p.loss).toFixed(1)).join(" ") }),
    svgEl("text", { x: L + pw / 2, y: H - 10, "text-anchor": "middle", fill: "#111" }, "Return period (years, log scale)"),
    svgEl("text", { transform: "translate(16 " + (T + ph / 2) + ") rotate(-90)", "text-anchor": "middle", fill: "#111" }, "Annual loss (" + (cur || "book currency") + ")"));
  box.append(svg);
};
