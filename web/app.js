/*
 * armistice dashboard: renders GET /state (docs/state-json.md) as a status
 * board, a dependency graph, a timeline, a map of incidents and each
 * party's record. Plain DOM, no framework, no third-party code: the page
 * must work from the log server alone, offline.
 */
"use strict";

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") n.className = v;
    else if (k === "text") n.textContent = v;
    else n.setAttribute(k, v);
  }
  for (const k of kids) n.append(k);
  return n;
};
const SVG = "http://www.w3.org/2000/svg";
const sv = (tag, attrs = {}) => {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  return n;
};
const STATUS_COLOR = {
  pending: "#9aa3ab", open: "#2f6fb3", claimed: "#7a5cc4", disputed: "#d9822b",
  verified: "#3a9d6a", held: "#8fb339", done: "#1f7a4c", kept: "#1f7a4c",
  breached: "#c0392b", withdrawn: "#6d4c41",
};
const day = (t) => (t ? t.slice(0, 10) : "");

let state = null;
let latestSize = 0;
let zonesCache = null;

async function fetchText(url) {
  const r = await fetch(url, { cache: "no-store" });
  if (!r.ok) {
    const why = (await r.text().catch(() => "")).trim();
    throw new Error(`${url}: HTTP ${r.status}${why ? ": " + why : ""}`);
  }
  return r.text();
}

async function load(index) {
  const q = index && index < latestSize ? `?index=${index}` : "";
  const [st, ck] = await Promise.all([fetchText(`/state${q}`), fetchText("/checkpoint")]);
  state = JSON.parse(st);
  const lines = ck.split("\n");
  latestSize = parseInt(lines[1], 10) || state.entries;
  const w = await checkWitnesses(ck, state.agreement.log);
  $("#ckpt").textContent =
    `${lines[0]} · size ${lines[1]} · root ${lines[2].slice(0, 12)}… · ${w ? `${w.got} of ${w.rows.length} witnesses cosigned` : "no witnesses named"}`;
  renderWitnesses(w, lines[1]);
  await render();
}

/*
 * Who cosigned the published checkpoint. The witnesses and their cosigner
 * keys come from the agreement (state.agreement.log); each cosignature line
 * of /checkpoint ("— name base64", C2SP signed-note) is matched to a
 * witness by key name and 4-byte key id, then its Ed25519 signature is
 * checked over "cosignature/v1\ntime T\n" and the checkpoint body (C2SP
 * tlog-cosignature v1.0.1) with WebCrypto. A browser without Ed25519 in
 * WebCrypto gets key-id matching only, and the page says so.
 */
const b64bytes = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

function parseVkey(vkey) {
  /* name+hexid+base64(type || key): a key name has no "+" (signed-note). */
  const parts = vkey.split("+");
  if (parts.length < 3) return null;
  const raw = b64bytes(parts.slice(2).join("+"));
  return { name: parts[0], id: parts[1].toLowerCase(), type: raw[0], pk: raw.slice(1) };
}

async function ed25519Verify(pk, sig, msg) {
  try {
    const key = await crypto.subtle.importKey("raw", pk, { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify({ name: "Ed25519" }, key, sig, msg);
  } catch (err) {
    return null; /* no Ed25519 in this browser's WebCrypto (or no WebCrypto) */
  }
}

function quorumMet(log, ok) {
  const groups = new Map(log.groups.map((g) => [g.id, g]));
  const met = (id, depth) => {
    if (ok.has(id)) return ok.get(id);
    const g = groups.get(id);
    if (!g || depth > 64) return false;
    return g.members.filter((m) => met(m, depth + 1)).length >= g.threshold;
  };
  if (log.quorum.kind === "none") return true;
  if (log.quorum.kind === "count") return [...ok.values()].filter(Boolean).length >= log.quorum.n;
  return met(log.quorum.group, 0);
}

async function checkWitnesses(ck, log) {
  if (!log || !log.witnesses.length) return null;
  const cut = ck.indexOf("\n\n");
  const body = cut >= 0 ? ck.slice(0, cut + 1) : ck;
  const sigs = [];
  for (const line of (cut >= 0 ? ck.slice(cut + 2) : "").split("\n")) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) continue;
    try { sigs.push({ name: m[1], blob: b64bytes(m[2]) }); } catch (err) { /* not base64: ignored */ }
  }
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const rows = [];
  let signatureChecked = true;
  for (const w of log.witnesses) {
    const k = parseVkey(w.key);
    const row = { id: w.id, key: k ? `${k.name}+${k.id}` : w.key, check: "missing" };
    const sig = k && sigs.find((s) => s.name === k.name && s.blob.length === 76 && hex(s.blob.slice(0, 4)) === k.id);
    if (sig) {
      const ts = new DataView(sig.blob.buffer, sig.blob.byteOffset + 4, 8).getBigUint64(0);
      const msg = new TextEncoder().encode(`cosignature/v1\ntime ${ts}\n${body}`);
      const v = await ed25519Verify(k.pk, sig.blob.slice(12), msg);
      row.check = v === true ? "verified" : v === false ? "bad" : "key-id";
      if (v === null) signatureChecked = false;
      row.time = Number(ts);
    }
    rows.push(row);
  }
  const ok = new Map(rows.map((r) => [r.id, r.check === "verified" || r.check === "key-id"]));
  return { rows, got: rows.filter((r) => ok.get(r.id)).length, met: quorumMet(log, ok),
    rule: log.quorum.rule, signatureChecked };
}

function renderWitnesses(w, size) {
  const root = $("#witnesses");
  const warn = $("#quorum-warning");
  root.replaceChildren();
  if (!w) {
    root.dataset.quorum = "none";
    root.append(el("span", { text: "The agreement names no witnesses: nobody but the log's operator vouches for its checkpoints." }));
    warn.hidden = true;
    return;
  }
  root.dataset.quorum = w.met ? "met" : "not-met";
  root.append(el("span", { class: "label", text: `Checkpoint of size ${size} cosigned by:` }));
  const label = { verified: "✓ cosigned", "key-id": "✓ key id matches", missing: "✗ missing", bad: "✗ BAD signature" };
  for (const r of w.rows) {
    root.append(el("span", { class: `witness w-${r.check}`, "data-witness": r.id, "data-check": r.check,
      title: `${r.key}${r.time ? " · cosigned at " + new Date(r.time * 1000).toISOString() : ""}`,
      text: `${r.id} ${label[r.check]}` }));
  }
  root.append(el("span", { class: `quorum ${w.met ? "met" : "not-met"}`,
    text: `quorum (${w.rule}): ${w.met ? "met" : "NOT MET"}` }));
  const found = w.rows.some((r) => r.check !== "missing");
  root.append(el("div", { class: "rule", text: !found
    ? "Checked in this browser: no cosignature line of this checkpoint carries the name and key id of a witness key the agreement names."
    : w.signatureChecked
    ? "Checked in this browser: each cosignature's Ed25519 signature over this checkpoint, against the witness keys the agreement names (C2SP tlog-cosignature v1.0.1)."
    : "Checked in this browser: the cosignatures' key names and key ids against the witness keys the agreement names; this browser cannot check Ed25519 signatures, so run armistice verify for that." }));
  if (w.met) {
    warn.hidden = true;
    warn.textContent = "";
  } else {
    const missing = w.rows.filter((r) => r.check === "missing" || r.check === "bad").map((r) => r.id);
    warn.hidden = false;
    warn.textContent = `Warning: the witness quorum is not met. ${w.got} of ${w.rows.length} witnesses cosigned this checkpoint (rule: ${w.rule}); not cosigned: ${missing.join(", ") || "none"}. Until the quorum cosigns, only the log operator's signature vouches that every party sees this same log.`;
  }
}

async function render() {
  const s = state;
  document.title = `armistice · ${s.agreement.title}`;
  $("#title").textContent = s.agreement.title;
  $("#stat-steps .big").textContent = `${s.progress.done} of ${s.progress.total}`;
  $("#stat-calm .big").textContent = s.calm.days === null ? "none" : String(s.calm.days);
  $("#stat-open .big").textContent = String(s.open.length);
  $("#stat-overdue .big").textContent = String(s.overdue.length);
  $("#stat-reversals .big").textContent = String(s.reversals.length);
  let rule = `Counting rule: ${s.calm.rule}.`;
  if (s.calm.since) rule += ` Last: ${s.calm.since.type} on ${day(s.calm.since.occurred)} (entry ${s.calm.since.index}).`;
  if (s.calm.longest_gap !== null) rule += ` Longest calm on record: ${s.calm.longest_gap} days.`;
  rule += ` Computed as of ${day(s.now)} from ${s.entries} entries.`;
  $("#calm-rule").textContent = rule;
  const slider = $("#asof");
  slider.max = String(latestSize);
  slider.value = String(s.entries);
  $("#asof-out").textContent = `${s.entries} of ${latestSize}`;
  renderBoard();
  renderGraph();
  renderTimeline();
  renderParties();
  await renderMap();
}

function chip(status) {
  return el("span", { class: `chip s-${status}`, text: status });
}

function renderBoard() {
  const root = $("#tab-board");
  root.replaceChildren();
  const legend = el("div", { class: "legend" });
  for (const st of Object.keys(STATUS_COLOR)) legend.append(chip(st));
  root.append(legend);
  const byPhase = new Map();
  for (const c of state.commitments) {
    if (!byPhase.has(c.phase)) byPhase.set(c.phase, []);
    byPhase.get(c.phase).push(c);
  }
  for (const ph of state.progress.phases) {
    const list = byPhase.get(ph.id) || [];
    const pct = ph.total ? Math.round((100 * ph.done) / ph.total) : 0;
    const bar = el("div", { class: "bar", title: `${ph.done} of ${ph.total}` }, el("div", { style: `width:${pct}%` }));
    const sec = el("div", { class: "phase" },
      el("h2", {}, el("span", { text: ph.name }), bar, el("span", { class: "waits", text: `${ph.done} of ${ph.total} done` })));
    const cards = el("div", { class: "cards" });
    for (const c of list) cards.append(card(c));
    sec.append(cards);
    root.append(sec);
  }
}

function card(c) {
  const meta = el("div", { class: "meta" }, chip(c.status));
  meta.append(el("span", { class: "dots", title: `verification strength ${c.strength} of 3${c.method ? " (" + c.method + ")" : ""}`,
    text: "●".repeat(c.strength) + "○".repeat(3 - c.strength) }));
  if (c.overdue) meta.append(el("span", { class: "badge overdue", text: `overdue since ${day(c.due)}` }));
  if (c.reversals) meta.append(el("span", { class: "badge reversal", text: `${c.reversals} reversal(s)` }));
  if (c.breaches) meta.append(el("span", { class: "badge overdue", text: `${c.breaches} breach(es)` }));
  const n = el("div", { class: `card s-${c.status}`, id: `c-${c.id}` },
    el("div", { class: "id", text: c.id }),
    el("div", { class: "waits", text: `owed by ${c.owners.join(", ")}${c.together ? " · together: " + c.together : ""}` }));
  if (c.text) n.append(el("div", { class: "text", text: c.text }));
  n.append(meta);
  if (c.waits) {
    const chain = c.waits.chain.length > 1 ? ` via ${c.waits.chain.slice(1).join(" → ")}` : "";
    n.append(el("div", { class: "waits", text: `waits on ${c.waits.on.join(", ") || "nobody"}${chain}` }));
  }
  for (const p of c.progress || []) n.append(el("div", { class: "waits", text: `${p.quantity}: ${p.value} ${p.unit}` }));
  return n;
}

/* Layered layout: a commitment sits one layer right of its deepest requirement. */
function renderGraph() {
  const root = $("#tab-graph");
  root.replaceChildren();
  const cs = state.commitments;
  const byId = new Map(cs.map((c) => [c.id, c]));
  const layer = new Map();
  const depth = (c, seen = new Set()) => {
    if (layer.has(c.id)) return layer.get(c.id);
    if (seen.has(c.id)) return 0;
    seen.add(c.id);
    let d = 0;
    for (const r of c.requires || []) if (byId.has(r)) d = Math.max(d, depth(byId.get(r), seen) + 1);
    layer.set(c.id, d);
    return d;
  };
  cs.forEach((c) => depth(c));
  const cols = [];
  for (const c of cs) {
    const d = layer.get(c.id);
    (cols[d] = cols[d] || []).push(c);
  }
  const W = 190, H = 30, GX = 70, GY = 12;
  const pos = new Map();
  cols.forEach((col, i) => col.forEach((c, j) => pos.set(c.id, { x: 10 + i * (W + GX), y: 10 + j * (H + GY) })));
  const width = 20 + cols.length * (W + GX);
  const height = 20 + Math.max(...cols.map((c) => c.length)) * (H + GY);
  const svg = sv("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": "Dependency graph: arrows point from a requirement to what it unlocks" });
  const defs = sv("defs");
  const marker = sv("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "10", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto" });
  marker.append(sv("path", { d: "M0,0 L10,5 L0,10 z", fill: "#8a9199" }));
  defs.append(marker);
  svg.append(defs);
  for (const c of cs) {
    for (const r of c.requires || []) {
      const a = pos.get(r), b = pos.get(c.id);
      if (!a || !b) continue;
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
      svg.append(sv("path", { d: `M${x1},${y1} C${x1 + GX / 2},${y1} ${x2 - GX / 2},${y2} ${x2},${y2}`,
        fill: "none", stroke: "#8a9199", "stroke-width": "1.2", "marker-end": "url(#arrow)" }));
    }
  }
  for (const c of cs) {
    const p = pos.get(c.id);
    const g = sv("g", { class: "node", "data-id": c.id });
    const title = sv("title");
    title.textContent = `${c.id}: ${c.status}${c.overdue ? " (overdue)" : ""}${c.text ? " — " + c.text : ""}`;
    g.append(title);
    g.append(sv("rect", { x: p.x, y: p.y, width: W, height: H, rx: 5, fill: STATUS_COLOR[c.status] || "#999",
      stroke: c.overdue ? "#c0392b" : "none", "stroke-width": "3" }));
    const t = sv("text", { x: p.x + 8, y: p.y + 19, fill: "#fff" });
    t.textContent = c.id.length > 26 ? c.id.slice(0, 25) + "…" : c.id;
    g.append(t);
    svg.append(g);
  }
  root.append(el("p", { class: "rule", text: "Arrows run from a requirement to the commitment it unlocks. Colour is status; a red outline is overdue." }));
  root.append(el("div", { class: "graph-wrap" }, svg));
}

function renderTimeline() {
  const root = $("#tab-timeline");
  root.replaceChildren();
  const rows = [];
  for (const c of state.commitments)
    for (const h of c.history || []) rows.push({ index: h.index, time: h.time, what: `${c.id}: ${h.from} → ${h.to}`, reversal: h.reversal });
  for (const i of state.incidents)
    rows.push({ index: i.index, time: i.occurred,
      what: `incident: ${i.type}${i.actor ? " by " + i.actor : ""} (reported by ${i.author})${i.confirmed ? ", confirmed" : i.dismissed ? ", dismissed" : ""}`,
      reversal: false, incident: true, provocation: i.provocation });
  rows.sort((a, b) => b.index - a.index || (a.what < b.what ? -1 : 1));
  const tb = el("tbody");
  for (const r of rows) {
    const tr = el("tr", { class: r.reversal ? "reversal" : "" },
      el("td", { class: "num", text: String(r.index) }), el("td", { text: day(r.time) }),
      el("td", { text: r.what + (r.reversal ? "  (reversal)" : "") }));
    tb.append(tr);
  }
  root.append(el("p", { class: "rule", text: `${rows.length} status changes and incidents, newest first. Reversals are highlighted.` }));
  root.append(el("table", {}, el("thead", {}, el("tr", {}, el("th", { text: "entry" }), el("th", { text: "date" }), el("th", { text: "what happened" }))), tb));
}

function renderParties() {
  const root = $("#tab-parties");
  root.replaceChildren();
  const cols = ["id", "role", "owned", "done", "claims", "disputed", "withdrawn", "overdue", "breaches", "reversals", "attestations", "incidents_alleged", "entries"];
  const tb = el("tbody");
  for (const a of state.actors) {
    const tr = el("tr");
    for (const k of cols) tr.append(el("td", { class: typeof a[k] === "number" ? "num" : "", text: String(a[k]) }));
    tb.append(tr);
  }
  const head = el("tr");
  for (const k of cols) head.append(el("th", { text: k.replace("_", " ") }));
  root.append(el("table", {}, el("thead", {}, head), tb));
}

async function loadZones() {
  if (zonesCache) return zonesCache;
  zonesCache = [];
  for (const z of state.zones || []) {
    try {
      zonesCache.push({ id: z.id, name: z.name, geo: JSON.parse(await fetchText(`/zone/${encodeURIComponent(z.id)}`)) });
    } catch (err) {
      zonesCache.push({ id: z.id, name: z.name, geo: null, err: String(err) });
    }
  }
  return zonesCache;
}

function coords(geo, out) {
  if (!geo || !geo.type) return;
  if (geo.type === "FeatureCollection") geo.features.forEach((f) => coords(f, out));
  else if (geo.type === "Feature") coords(geo.geometry, out);
  else if (geo.type === "LineString") out.push(geo.coordinates);
  else if (geo.type === "MultiLineString" || geo.type === "Polygon") geo.coordinates.forEach((r) => out.push(r));
  else if (geo.type === "MultiPolygon") geo.coordinates.forEach((p) => p.forEach((r) => out.push(r)));
}

async function renderMap() {
  const root = $("#tab-map");
  const zones = await loadZones();
  root.replaceChildren();
  const placed = state.incidents.filter((i) => i.lat !== undefined && i.lat !== null);
  const lines = [];
  for (const z of zones) {
    const rs = [];
    coords(z.geo, rs);
    lines.push({ z, rs });
  }
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  const grow = (lon, lat) => { minx = Math.min(minx, lon); maxx = Math.max(maxx, lon); miny = Math.min(miny, lat); maxy = Math.max(maxy, lat); };
  lines.forEach((l) => l.rs.forEach((r) => r.forEach(([lon, lat]) => grow(lon, lat))));
  placed.forEach((i) => grow(i.lon, i.lat));
  if (!isFinite(minx)) {
    root.append(el("p", { class: "rule", text: "No zones or placed incidents to draw." }));
    return;
  }
  const pad = 0.2;
  minx -= pad; maxx += pad; miny -= pad; maxy += pad;
  /* Equirectangular with the x axis shrunk by cos(latitude): true shape near Korea. */
  const k = Math.cos(((miny + maxy) / 2) * Math.PI / 180);
  const W = 1000, scale = W / ((maxx - minx) * k), H = Math.round((maxy - miny) * scale);
  const px = (lon) => ((lon - minx) * k * scale).toFixed(1);
  const py = (lat) => ((maxy - lat) * scale).toFixed(1);
  const svg = sv("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "Map of zones and incidents" });
  const palette = ["#1f7a4c", "#2f6fb3", "#7a5cc4", "#d9822b", "#8fb339", "#6d4c41", "#3a9d6a", "#9aa3ab"];
  lines.forEach((l, n) => {
    for (const r of l.rs) {
      const d = r.map(([lon, lat], j) => `${j ? "L" : "M"}${px(lon)},${py(lat)}`).join(" ");
      const p = sv("path", { d, fill: "none", stroke: palette[n % palette.length], "stroke-width": l.z.id === "dmz" ? "2" : "1.2", opacity: "0.85" });
      const t = sv("title");
      t.textContent = l.z.name;
      p.append(t);
      svg.append(p);
    }
  });
  for (const i of placed) {
    const c = sv("circle", { cx: px(i.lon), cy: py(i.lat), r: i.provocation ? 6 : 4,
      fill: i.confirmed ? "#c0392b" : i.dismissed ? "#9aa3ab" : "#d9822b", stroke: "#fff", "stroke-width": "1.5", class: "incident" });
    const t = sv("title");
    t.textContent = `${day(i.occurred)} ${i.type}${i.actor ? " by " + i.actor : ""} (entry ${i.index})${i.place ? " — " + i.place : ""}`;
    c.append(t);
    svg.append(c);
  }
  const unplaced = state.incidents.length - placed.length;
  root.append(el("p", { class: "rule", text:
    `${placed.length} incidents with a position (red: confirmed, orange: not yet, grey: dismissed); ${unplaced} without one. Lines: ${zones.map((z) => z.id).join(", ") || "none"}.` }));
  root.append(el("div", { class: "map-wrap" }, svg));
  const legend = el("div", { class: "legend" });
  zones.forEach((z, n) => legend.append(el("span", { class: "chip", style: `background:${palette[n % palette.length]}`,
    title: z.err || "", text: z.name || z.id })));
  root.append(legend);
}

function selectTab(name) {
  if (!document.getElementById(`tab-${name}`)) name = "board";
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
  for (const b of document.querySelectorAll(".tabs button")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  for (const s of document.querySelectorAll(".tab")) s.hidden = s.id !== `tab-${name}`;
}

for (const b of document.querySelectorAll(".tabs button")) b.addEventListener("click", () => selectTab(b.dataset.tab));
$("#asof").addEventListener("change", (ev) => load(parseInt(ev.target.value, 10)).catch(showError));
$("#asof-latest").addEventListener("click", () => load(0).catch(showError));

function showError(err) {
  const p = $("#error");
  p.hidden = false;
  p.textContent = `Could not load the log: ${err.message || err}`;
}

selectTab(location.hash.slice(1) || "board");
load(0).then(() => { document.body.dataset.ready = "1"; }).catch(showError);
