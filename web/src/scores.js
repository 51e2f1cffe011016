/*
 * Implementation scores (issue: PAM's headline measure), from GET /scores
 * (docs/http.md): the yearly percentage of commitments fully implemented
 * as a bar chart, with PAM's aggregate percentage as a second bar, and the
 * same numbers in a table beside it (the chart's text alternative); each
 * commitment's 0-3 score per year in a table under a disclosure. Every
 * number is the server's, which are `armistice export`'s (one function).
 */
import { t, fmtNum } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const sv = (tag, attrs = {}, text) => {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (text !== undefined) n.textContent = text;
  return n;
};
const h = (tag, attrs = {}, ...kids) => {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") n.textContent = v;
    else n.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) n.append(k);
  return n;
};
/* One decimal as the export writes it, in the page's language. */
const pct = (v) => `${fmtNum(Number(v))} %`;

const FULL = "#1d6b44";
const AGG = "#1d5fa8";

function chart(rows, width) {
  const H = 200, padL = 36, padB = 26, padT = 10;
  const W = Math.max(260, width);
  const n = Math.max(1, rows.length);
  const step = (W - padL - 8) / n;
  const bw = Math.max(4, Math.min(28, step / 2 - 3));
  const y = (v) => padT + (H - padT - padB) * (1 - v / 100);
  const last = rows[rows.length - 1];
  const svg = sv("svg", { viewBox: `0 0 ${W} ${H}`, width: String(W), height: String(H), role: "img", class: "scores-chart",
    "aria-label": t("sc_chart_label", { from: rows.length ? rows[0].year : "", to: last ? last.year : "", full: last ? pct(last.percent_full) : "" }) });
  for (const v of [0, 25, 50, 75, 100]) {
    svg.append(sv("line", { x1: padL, x2: W - 4, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(sv("text", { x: padL - 4, y: y(v) + 4, "text-anchor": "end", class: "axis" }, String(v)));
  }
  rows.forEach((r, i) => {
    const x = padL + i * step + step / 2;
    svg.append(sv("rect", { x: x - bw - 1, y: y(r.percent_full), width: bw, height: y(0) - y(r.percent_full), fill: FULL, "data-year": r.year }));
    svg.append(sv("rect", { x: x + 1, y: y(r.percent_score), width: bw, height: y(0) - y(r.percent_score), fill: AGG }));
    if (n <= 12 || i % Math.ceil(n / 12) === 0) svg.append(sv("text", { x, y: H - 8, "text-anchor": "middle", class: "axis" }, String(r.year)));
  });
  return svg;
}

function yearlyTable(rows) {
  const head = h("tr");
  for (const k of ["sc_year", "sc_provisions", "sc_full", "sc_percent_full", "sc_percent_score"]) head.append(h("th", { scope: "col", text: t(k) }));
  const tb = h("tbody");
  for (const r of rows) {
    tb.append(h("tr", { "data-year": String(r.year) },
      h("th", { scope: "row", text: String(r.year) }),
      h("td", { class: "num", "data-col": "provisions", text: fmtNum(r.provisions) }),
      h("td", { class: "num", "data-col": "full", text: fmtNum(r.full) }),
      h("td", { class: "num", "data-col": "percent_full", "data-value": String(r.percent_full), text: pct(r.percent_full) }),
      h("td", { class: "num", "data-col": "percent_score", "data-value": String(r.percent_score), text: pct(r.percent_score) })));
  }
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("sc_table_label") },
    h("table", { class: "scores-yearly" }, h("caption", { text: t("sc_table_label") }), h("thead", {}, head), tb));
}

function matrix(rows, years) {
  const byC = new Map();
  for (const r of rows) {
    if (!byC.has(r.provision)) byC.set(r.provision, new Map());
    byC.get(r.provision).set(r.year, r);
  }
  const head = h("tr", {}, h("th", { scope: "col", text: t("sc_provision") }));
  for (const y of years) head.append(h("th", { scope: "col", text: String(y) }));
  const tb = h("tbody");
  for (const [c, m] of byC) {
    const tr = h("tr", { "data-provision": c }, h("th", { scope: "row" }, h("a", { href: `#/commitment/${encodeURIComponent(c)}`, text: c })));
    for (const y of years) {
      const r = m.get(y);
      tr.append(h("td", r ? { class: `num sc-${r.score}`, "data-year": String(y), title: `${r.status}: ${r.reason}`, text: String(r.score) } : { class: "num", text: "" }));
    }
    tb.append(tr);
  }
  return h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("sc_matrix") },
    h("table", { class: "scores-matrix" }, h("thead", {}, head), tb));
}

/* Fills root (a <section>) from a /scores answer. */
export function renderScores(root, data, width) {
  const rows = data.yearly || [];
  root.replaceChildren(h("h2", { text: t("sc_title") }), h("p", { class: "rule", text: t("sc_help") }));
  if (!rows.length) { root.append(h("p", { class: "rule", text: t("sc_none") })); return; }
  const key = h("ul", { class: "legend sc-key" },
    h("li", {}, h("span", { class: "swatch", style: `background:${FULL}`, "aria-hidden": "true" }), t("sc_percent_full")),
    h("li", {}, h("span", { class: "swatch", style: `background:${AGG}`, "aria-hidden": "true" }), t("sc_percent_score")));
  /* On a phone the chart scrolls sideways inside its box: the box takes the keyboard focus. */
  root.append(h("div", { class: "chart-wrap", tabindex: "0", role: "region", "aria-label": t("sc_title") }, chart(rows, Math.min(width, 900))),
    key, yearlyTable(rows));
  const years = rows.map((r) => r.year);
  root.append(h("details", { class: "sc-details" }, h("summary", { text: t("sc_matrix") }), matrix(data.scores || [], years)));
}
