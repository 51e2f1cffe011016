/*
 * Incidents over time, as monitoring reports chart them: confirmed
 * provocations per month (per year for the imported record), stacked by
 * kind, with the calm stretches between them shaded and the steps of the
 * agreement that took effect marked on the axis. Every number is counted
 * from /state's incidents and commitments; the lists under the chart say
 * the same in text, so nothing is only in the picture.
 */
import { t, isoDay, fmtIsoDay, fmtNum } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const sv = (tag, attrs = {}) => {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  return n;
};
export const KIND_COLORS = ["#b03024", "#1d5fa8", "#7a3fb0", "#a85a0c", "#2c7a52", "#8a2f6b", "#0b7285", "#5c6a10", "#6d4c41", "#44505c", "#c2185b"];

const dayNum = (d) => Math.round(Date.parse(`${d}T00:00:00Z`) / 86400000);

/* Calm stretches: gaps between consecutive confirmed provocations (local days), longest first. */
export function calmStretches(days, endDay, min) {
  const s = [...new Set(days)].sort();
  const out = [];
  for (let i = 0; i < s.length; i++) {
    const to = i + 1 < s.length ? s[i + 1] : endDay;
    const n = dayNum(to) - dayNum(s[i]);
    if (n >= min) out.push({ from: s[i], to, n, open: i + 1 === s.length });
  }
  return out;
}

export function renderChart(root, state, opts) {
  const { from, to, byYear, liveStart } = opts;
  const inc = state.incidents.filter((i) => i.confirmed && i.provocation);
  const kinds = [...new Set(inc.map((i) => i.type))].sort();
  const color = new Map(kinds.map((k, n) => [k, KIND_COLORS[n % KIND_COLORS.length]]));
  const key = (d) => (byYear ? d.slice(0, 4) : d.slice(0, 7));
  const buckets = [];
  {
    let y = parseInt(from.slice(0, 4), 10), m = parseInt(from.slice(5, 7), 10);
    const end = key(to);
    for (;;) {
      const k = byYear ? String(y) : `${y}-${String(m).padStart(2, "0")}`;
      buckets.push(k);
      if (k >= end || buckets.length > 2000) break;
      if (byYear) y++;
      else if (++m > 12) { m = 1; y++; }
    }
  }
  const idx = new Map(buckets.map((b, i) => [b, i]));
  const counts = buckets.map(() => new Map());
  for (const i of inc) {
    const d = isoDay(i.occurred);
    const b = idx.get(key(d));
    if (b === undefined || d < from || d > to) continue;
    counts[b].set(i.type, (counts[b].get(i.type) || 0) + 1);
  }
  const max = Math.max(1, ...counts.map((c) => [...c.values()].reduce((a, b) => a + b, 0)));
  /* Drawn at the width it is shown at, so that its text stays 11 px on a phone. */
  const W = Math.max(320, Math.min(1400, root.clientWidth || 1000)), H = W < 600 ? 200 : 260, L = 34, B = 40, T = 10;
  const bw = (W - L - 6) / buckets.length;
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const svg = sv("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": t("chart_label") });
  const x0 = (d) => {
    const b = idx.get(key(d));
    if (b === undefined) return null;
    if (byYear) return L + b * bw;
    const dim = new Date(Date.UTC(+d.slice(0, 4), +d.slice(5, 7), 0)).getUTCDate();
    return L + (b + (parseInt(d.slice(8, 10), 10) - 1) / dim) * bw;
  };
  /* Calm stretches (within the range shown), shaded behind the bars. */
  const allDays = inc.map((i) => isoDay(i.occurred)).filter((d) => d <= to);
  const calm = calmStretches(allDays, to, byYear ? 365 : 90).filter((c) => c.to >= from);
  for (const c of calm) {
    const a = x0(c.from < from ? from : c.from), b = x0(c.to);
    if (a === null || b === null) continue;
    svg.append(sv("rect", { x: a, y: T, width: Math.max(1, b - a), height: H - T - B, class: "calm" }));
  }
  for (let v = 0; v <= max; v += Math.max(1, Math.ceil(max / 4))) {
    svg.append(sv("line", { x1: L, x2: W, y1: y(v), y2: y(v), class: "grid" }));
    const tx = sv("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" });
    tx.textContent = fmtNum(v);
    svg.append(tx);
  }
  buckets.forEach((b, n) => {
    let acc = 0;
    for (const k of kinds) {
      const v = counts[n].get(k) || 0;
      if (!v) continue;
      const r = sv("rect", { x: L + n * bw + 0.5, y: y(acc + v), width: Math.max(1, bw - 1), height: y(acc) - y(acc + v), fill: color.get(k) });
      const tt = sv("title");
      tt.textContent = `${b} ${k}: ${v}`;
      r.append(tt);
      svg.append(r);
      acc += v;
    }
  });
  /* Axis labels: years (and months when few). */
  let lastYear = "";
  buckets.forEach((b, n) => {
    const yr = b.slice(0, 4);
    if (yr === lastYear) return;
    lastYear = yr;
    const every = Math.ceil(buckets.length / (byYear ? W / 50 : 96));
    if (byYear && n % every) return;
    svg.append(sv("line", { x1: L + n * bw, x2: L + n * bw, y1: H - B, y2: H - B + 5, class: "tick" }));
    const tx = sv("text", { x: L + n * bw + 2, y: H - B + 16 });
    tx.textContent = yr;
    svg.append(tx);
  });
  /* Milestones: commitments that took effect in range. */
  const ms = state.commitments.filter((c) => c.effective && isoDay(c.effective) >= from && isoDay(c.effective) <= to)
    .map((c) => ({ d: isoDay(c.effective), c })).sort((a, b) => (a.d < b.d ? -1 : 1));
  for (const m of ms) {
    const x = x0(m.d);
    if (x === null) continue;
    svg.append(sv("path", { d: `M${x},${H - B + 20} l-4,8 h8 z`, class: "milestone" }));
  }
  if (liveStart && liveStart > from && liveStart <= to) {
    const x = x0(liveStart);
    svg.append(sv("line", { x1: x, x2: x, y1: T, y2: H - B, class: "era" }));
    const tx = sv("text", { x: x + 4, y: T + 12 });
    tx.textContent = t("era_live");
    svg.append(tx);
  }
  root.append(svg);
  const legend = document.createElement("ul");
  legend.className = "legend";
  for (const k of kinds) {
    const li = document.createElement("li");
    const sw = document.createElement("span");
    sw.className = "swatch sw-area";
    sw.style.background = color.get(k);
    sw.setAttribute("aria-hidden", "true");
    const total = counts.reduce((a, c) => a + (c.get(k) || 0), 0);
    if (!total) continue;
    li.append(sw, document.createTextNode(`${k}: ${fmtNum(total)}`));
    legend.append(li);
  }
  root.append(legend);
  /* The same counts as a table: nothing is only in the picture or behind a hover. */
  const det = document.createElement("details");
  const sum = document.createElement("summary");
  sum.textContent = t("chart_table");
  det.append(sum);
  const tbl = document.createElement("table");
  const head = document.createElement("tr");
  for (const h of [t("chart_period"), ...kinds.filter((k) => counts.some((c) => c.get(k)))]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = h;
    head.append(th);
  }
  const thead = document.createElement("thead");
  thead.append(head);
  const tb = document.createElement("tbody");
  buckets.forEach((b, n) => {
    if (!counts[n].size) return;
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = b;
    tr.append(th);
    for (const k of kinds.filter((k2) => counts.some((c) => c.get(k2)))) {
      const td = document.createElement("td");
      td.className = "num";
      td.textContent = fmtNum(counts[n].get(k) || 0);
      tr.append(td);
    }
    tb.append(tr);
  });
  tbl.append(thead, tb);
  const wrap = document.createElement("div");
  wrap.className = "table-wrap";
  wrap.append(tbl);
  det.append(wrap);
  root.append(det);
  return { calm, ms };
}

export { dayNum };
export const fmtRange = (a, b) => `${fmtIsoDay(a)} – ${fmtIsoDay(b)}`;
