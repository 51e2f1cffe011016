/*
 * The dependency graph, laid out by dagre (layered, with crossing
 * minimisation): arrows run from a requirement to what it unlocks, and
 * commitments that take effect together are boxed as one cluster. Each
 * node is a link to the commitment's page, so it can be reached by
 * keyboard and clicked.
 */
import dagre from "@dagrejs/dagre";
import { t } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const sv = (tag, attrs = {}) => {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  return n;
};

export function layoutGraph(commitments, colors, narrow) {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: narrow ? "TB" : "LR", nodesep: 14, ranksep: narrow ? 36 : 48, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const W = narrow ? 150 : 180, H = 30;
  const ids = new Set(commitments.map((c) => c.id));
  for (const c of commitments) {
    g.setNode(c.id, { width: W, height: H });
    if (c.together) {
      const gid = `together:${c.together}`;
      if (!g.hasNode(gid)) g.setNode(gid, { label: c.together, clusterLabelPos: "top", paddingTop: 18 });
      g.setParent(c.id, gid);
    }
  }
  for (const c of commitments) for (const r of c.requires || []) if (ids.has(r)) g.setEdge(r, c.id);
  dagre.layout(g);

  const gw = Math.ceil(g.graph().width), gh = Math.ceil(g.graph().height);
  const svg = sv("svg", { width: gw, height: gh, viewBox: `0 0 ${gw} ${gh}`, role: "group", "aria-label": t("graph_label"), class: "graph" });
  const defs = sv("defs");
  const marker = sv("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto" });
  marker.append(sv("path", { d: "M0,0 L10,5 L0,10 z", fill: "#5f6b76" }));
  defs.append(marker);
  svg.append(defs);
  for (const id of g.nodes()) {
    if (!id.startsWith("together:")) continue;
    const n = g.node(id);
    const box = sv("g", { class: "together", "data-group": n.label });
    box.append(sv("rect", { x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height, rx: 8 }));
    const tx = sv("text", { x: n.x - n.width / 2 + 8, y: n.y - n.height / 2 + 13 });
    tx.textContent = t("together_group", { g: n.label });
    box.append(tx);
    svg.append(box);
  }
  for (const e of g.edges()) {
    const pts = g.edge(e).points;
    const d = pts.map((p, i) => `${i ? "L" : "M"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
    svg.append(sv("path", { d, class: "edge", "marker-end": "url(#arrow)", "data-from": e.v, "data-to": e.w }));
  }
  for (const c of commitments) {
    const n = g.node(c.id);
    const a = sv("a", { href: `#/commitment/${encodeURIComponent(c.id)}`, class: "node", "data-id": c.id,
      "aria-label": `${c.id}: ${t(`status_${c.status}`)}${c.overdue ? `, ${t("overdue")}` : ""}` });
    a.append(sv("rect", { x: n.x - W / 2, y: n.y - H / 2, width: W, height: H, rx: 5, fill: colors[c.status] || "#5f6b76",
      stroke: c.overdue ? "#7f1010" : "none", "stroke-width": c.overdue ? 3 : 0 }));
    const tx = sv("text", { x: n.x - W / 2 + 8, y: n.y + 4, fill: "#fff" });
    const max = narrow ? 19 : 23;
    tx.textContent = c.id.length > max ? `${c.id.slice(0, max - 1)}…` : c.id;
    a.append(tx);
    svg.append(a);
  }
  return svg;
}
