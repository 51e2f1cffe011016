/*
 * armistice dashboard: renders GET /state (docs/state-json.md) as a status
 * board, a map, incidents over time, a dependency graph, a timeline that
 * quotes the signed entries, each party's record, and a page per entry,
 * commitment and actor (docs/dashboard.md). It reads only the log server
 * it came from (/state, /checkpoint, /zone/<id>, /agreement, /entry/N,
 * /proof/N and the entry tiles) and checks what it can itself: witness
 * cosignatures, entry signatures and inclusion proofs, with WebCrypto.
 */
import { t, setLang, getLang, initialLang, fmtNum, setTimezone, tzLabel, isoDay, endOfDay, fmtDay, fmtIsoDay } from "./i18n.js";
import * as V from "./verify.js";
import { layoutGraph } from "./graph.js";
import { buildMap, setIncidents, refreshSize } from "./map.js";
import { renderChart, calmStretches, dayNum } from "./chart.js";
import { renderScores } from "./scores.js";

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") n.className = v;
    else if (k === "text") n.textContent = v;
    else if (k.startsWith("on")) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? "" : v);
  }
  for (const k of kids) if (k !== null && k !== undefined) n.append(k);
  return n;
};
const timeEl = (t0) => el("time", { datetime: isoDay(t0), text: fmtDay(t0) });
/*
 * The agreement's own text (a name, a title, a commitment's text) in the
 * page's language when the agreement gives it (`names`, `titles`, `texts`
 * in /state, docs/state-json.md), else in the agreement's default
 * language; lang says which, so a screen reader speaks it right.
 */
function atext(o, key = "name", map = "names") {
  const l = getLang(), m = o && o[map];
  if (m && m[l]) return { text: m[l], lang: l };
  return { text: (o && o[key]) || "", lang: (app.latest && app.latest.agreement.language) || "en" };
}
const atextEl = (tag, o, key, map, attrs = {}) => { const v = atext(o, key, map); return el(tag, { ...attrs, lang: v.lang, text: v.text }); };
const actorOf = (id) => (app.latest.actors || []).find((a) => a.id === id);
/* An incident kind's or an actor's name in the page's language; the id if the agreement has none. */
const kindLabel = (id) => { const k = ((app.latest && app.latest.incident_kinds) || []).find((x) => x.id === id); return k ? atext(k).text || id : id; };
const actorLabel = (id) => { const a = app.latest && actorOf(id); return a ? atext(a).text || id : id; };
const entryLink = (n, text) => el("a", { href: `#/entry/${n}`, class: "entry-link", text: text ?? String(n) });

/* Chip colours: white text on each has contrast >= 4.5:1 (WCAG AA). */
export const STATUS_COLOR = {
  pending: "#5f6b76", open: "#1d5fa8", claimed: "#6a46b8", disputed: "#a04f08",
  verified: "#2a7650", held: "#50690f", done: "#1d6b44", kept: "#1d6b44",
  breached: "#b03024", withdrawn: "#6d4c41",
};

const app = {
  state: null, latest: null, ckText: null, ck: null, witnesses: null, asof: null,
  zones: null, entries: null, entriesP: null, keys: null, view: "board", arg: null,
  tl: { q: "", actor: "", kind: "", commitment: "", from: "", to: "", page: 0 },
  mf: { from: "", to: "", kind: "" }, chartImport: false, mapReady: false,
};

async function fetchText(url) {
  const r = await fetch(url, { cache: "no-cache" });
  if (!r.ok) {
    const why = (await r.text().catch(() => "")).trim();
    throw new Error(`${url}: HTTP ${r.status}${why ? `: ${why}` : ""}`);
  }
  return r.text();
}
async function fetchBytes(url) {
  const r = await fetch(url, { cache: "no-cache" });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/* ---------- loading ---------- */

async function loadLatest() {
  const [st, ck] = await Promise.all([fetchText("/state"), fetchText("/checkpoint")]);
  app.latest = JSON.parse(st);
  app.ckText = ck;
  app.ck = V.parseCheckpoint(ck);
  setTimezone(app.latest.counting.timezone);
  app.witnesses = await V.checkWitnesses(ck, app.latest.agreement.log);
}

async function loadAsof() {
  if (!app.asof) { app.state = app.latest; return; }
  const at = endOfDay(app.asof);
  app.state = JSON.parse(await fetchText(`/state?at=${encodeURIComponent(at)}&now=${encodeURIComponent(at)}`));
}

/* All entries, two requests per 256 (tlog-tiles entry bundles, immutable). */
function loadEntries() {
  if (app.entriesP) return app.entriesP;
  const size = app.ck.size;
  const reqs = [];
  for (let k = 0; k * 256 < size; k++) {
    const w = Math.min(256, size - k * 256);
    reqs.push(fetch(V.tilePath(k, w)).then((r) => { if (!r.ok) throw new Error(`entry tile ${k}: HTTP ${r.status}`); return r.arrayBuffer(); }));
  }
  app.entriesP = Promise.all(reqs).then((bufs) => {
    const all = [];
    for (const b of bufs) for (const e of V.splitBundle(b)) all.push(describe(all.length, e));
    app.entries = all;
    return all;
  });
  return app.entriesP;
}

function describe(index, bytes) {
  const note = V.parseNote(bytes);
  const body = note ? note.body : new TextDecoder().decode(bytes);
  const f = V.entryFields(body);
  let kind = f.kind || "";
  if (f.header && f.header.startsWith("armistice/clock")) kind = "clock";
  else if (index === 0 || /^armistice: agreement/m.test(body)) kind = kind || "agreement";
  return { index, f, kind, author: f.author || "", text: f.text || "", when: f.occurred || f.time || "", sigs: note ? note.sigs : [] };
}

async function agreementKeys() {
  if (!app.keys) app.keys = V.vkeysIn(await fetchText("/agreement"));
  return app.keys;
}

/* ---------- routing ---------- */

const VIEWS = ["board", "map", "chart", "graph", "timeline", "parties"];

function parseHash() {
  const h = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
  const [path, query] = h.split("?");
  const parts = path.split("/");
  const params = new URLSearchParams(query || "");
  let view = parts[0] || "board";
  let arg = parts.slice(1).join("/") || null;
  if (!["entry", "commitment", "actor", ...VIEWS].includes(view)) { view = "board"; arg = null; }
  return { view, arg, at: params.get("at") };
}

function hashFor(view, arg) {
  return `#/${view}${arg !== null && arg !== undefined ? `/${encodeURIComponent(arg)}` : ""}${app.asof ? `?at=${app.asof}` : ""}`;
}

async function route() {
  const r = parseHash();
  app.view = r.view;
  app.arg = r.arg;
  const at = r.at && /^\d{4}-\d{2}-\d{2}$/.test(r.at) ? r.at : null;
  if (at !== app.asof) {
    app.asof = at;
    await loadAsof();
    renderTop();
  }
  renderView();
}

/* ---------- header, stats, as-of ---------- */

function renderChrome() {
  const title = atext(app.latest.agreement, "title", "titles");
  document.title = `armistice · ${title.text}`;
  $("#title").textContent = title.text;
  $("#title").setAttribute("lang", title.lang);
  $("#lang").textContent = t("switch_lang");
  $("#lang").setAttribute("aria-label", t("switch_lang_label"));
  $("#lang").setAttribute("lang", getLang() === "en" ? "ko" : "en");
  $("#footer-text").textContent = t("footer");
  const ck = app.ck;
  const w = app.witnesses;
  $("#ckpt").textContent = t("ckpt_line", { origin: ck.origin, size: fmtNum(ck.size), root: `${ck.root.slice(0, 12)}…`, w: w ? t("n_witnesses", { got: w.got, n: w.rows.length }) : t("no_witness_short") });
  $(".skip").textContent = t("skip");
  $("#witnesses").setAttribute("aria-label", t("aria_witnesses"));
  $(".headline").setAttribute("aria-label", t("aria_headline"));
  renderWitnesses(w, ck.size);
  const nav = $("#views");
  nav.setAttribute("aria-label", t("nav_label"));
  nav.replaceChildren();
  for (const v of VIEWS) {
    const a = el("a", { href: hashFor(v), "data-view": v, text: t(`tab_${v}`) });
    if (v === app.view) a.setAttribute("aria-current", "page");
    nav.append(a);
  }
}

function renderWitnesses(w, size) {
  const root = $("#witnesses");
  const warn = $("#quorum-warning");
  root.replaceChildren();
  if (!w) {
    root.dataset.quorum = "none";
    root.append(el("span", { text: t("no_witnesses") }));
    warn.hidden = true;
    return;
  }
  root.dataset.quorum = w.met ? "met" : "not-met";
  root.append(el("span", { class: "label", text: t("witnesses_label", { size }) }));
  for (const r of w.rows) {
    root.append(el("span", { class: `witness w-${r.check}`, "data-witness": r.id, "data-check": r.check,
      text: `${r.id} ${t(`w_${r.check}`)}` }));
  }
  root.append(el("span", { class: `quorum ${w.met ? "met" : "not-met"}`,
    text: t("quorum", { rule: w.rule, v: w.met ? t("quorum_met") : t("quorum_not_met") }) }));
  const found = w.rows.some((r) => r.check !== "missing");
  root.append(el("div", { class: "rule", text: !found ? t("w_checked_none") : w.signatureChecked ? t("w_checked_sig") : t("w_checked_id") }));
  const keys = el("details", { class: "keys" }, el("summary", { text: t("keys") }));
  for (const r of w.rows) keys.append(el("div", { class: "mono", text: `${r.id}: ${r.key}${r.time ? ` · ${new Date(r.time * 1000).toISOString()}` : ""}` }));
  root.append(keys);
  if (w.met) {
    warn.hidden = true;
    warn.textContent = "";
  } else {
    const missing = w.rows.filter((r) => r.check === "missing" || r.check === "bad").map((r) => r.id);
    warn.hidden = false;
    /* The first sentence always; the rest on the board (a phone's other views keep their screen). */
    const full = t("quorum_warning", { got: w.got, n: w.rows.length, rule: w.rule, missing: missing.join(", ") || t("none") });
    const cut = full.search(/[.。] /) + 1 || full.length;
    warn.replaceChildren(el("strong", { text: full.slice(0, cut) }), el("span", { class: "more", text: full.slice(cut) }));
  }
}

function renderTop() {
  const s = app.state;
  $("#stat-steps .big").textContent = t("n_of", { a: fmtNum(s.progress.done), b: fmtNum(s.progress.total) });
  $("#stat-steps .label").textContent = t("steps_done");
  $("#stat-calm .big").textContent = s.calm.days === null ? t("none") : fmtNum(s.calm.days);
  $("#stat-calm .label").textContent = t("calm_days");
  $("#stat-open .big").textContent = String(s.open.length);
  $("#stat-open .label").textContent = t("open_now");
  $("#stat-overdue .big").textContent = String(s.overdue.length);
  $("#stat-overdue .label").textContent = t("overdue");
  $("#stat-reversals .big").textContent = String(s.reversals.length);
  $("#stat-reversals .label").textContent = t("reversals");
  let rule = t("counting_rule", { rule: s.calm.rule });
  if (s.calm.since) rule += ` ${t("calm_last", { type: s.calm.since.type, date: fmtDay(s.calm.since.occurred), index: s.calm.since.index })}`;
  if (s.calm.longest_gap !== null) rule += ` ${t("calm_longest", { n: fmtNum(s.calm.longest_gap) })}`;
  rule += ` ${t("computed", { date: fmtDay(s.now), n: fmtNum(s.entries), tz: tzLabel() })}`;
  const p = $("#calm-rule");
  p.replaceChildren(rule, " ");
  if (s.calm.since) p.append(entryLink(s.calm.since.index, `#${s.calm.since.index}`));
  renderAsof();
}

/* The as-of axis: the agreement era by day; the imported record before it as one era button. */
function eras() {
  const L = app.latest;
  let start = null;
  for (const c of L.commitments) for (const h of c.history || []) if (!start || h.time < start) start = h.time;
  const liveStart = start ? isoDay(start) : null;
  const first = L.incidents.length ? isoDay(L.incidents[0].occurred) : liveStart;
  let min = first;
  for (const i of L.incidents) { const d = isoDay(i.occurred); if (d < min) min = d; }
  const imported = liveStart ? L.incidents.filter((i) => isoDay(i.occurred) < liveStart) : [];
  const axisStart = liveStart ? `${liveStart.slice(0, 7)}-01` : min;
  return { liveStart, min: min || axisStart, axisStart, end: isoDay(L.now), imported };
}

function renderAsof() {
  const e = eras();
  const slider = $("#asof");
  const date = $("#asof-date");
  const a = dayNum(e.axisStart), b = dayNum(e.end);
  slider.min = "0";
  slider.max = String(Math.max(0, b - a));
  const cur = app.asof || e.end;
  slider.value = String(Math.min(Math.max(0, dayNum(cur) - a), b - a));
  slider.setAttribute("aria-valuetext", fmtIsoDay(cur));
  date.min = e.min;
  date.max = e.end;
  date.value = cur;
  $("#asof-legend").textContent = t("asof_legend");
  $("#asof-date-label").textContent = t("asof_date");
  $("#asof-latest").textContent = t("asof_live");
  $("#asof-latest").disabled = !app.asof;
  $("#asof-out").textContent = app.asof ? t("asof_now_showing", { date: fmtIsoDay(app.asof) }) : t("asof_latest_showing", { date: fmtIsoDay(e.end) });
  const era = $("#era-import");
  if (e.imported.length) {
    era.hidden = false;
    const y0 = isoDay(e.imported[0].occurred).slice(0, 4), y1 = isoDay(e.imported[e.imported.length - 1].occurred).slice(0, 4);
    era.textContent = t("era_import", { from: y0, to: y1, n: fmtNum(e.imported.length) });
  } else era.hidden = true;
  const ticks = $("#asof-ticks");
  ticks.replaceChildren();
  const span = Math.max(1, b - a);
  for (let y = parseInt(e.axisStart.slice(0, 4), 10) + 1; y <= parseInt(e.end.slice(0, 4), 10); y++) {
    const pos = (100 * (dayNum(`${y}-01-01`) - a)) / span;
    ticks.append(el("span", { style: `left:${pos.toFixed(2)}%`, text: String(y) }));
  }
  app.axisStart = e.axisStart;
}

function setAsof(d) {
  const e = eras();
  app.asof = d && d < e.end ? d : null;
  const r = parseHash();
  location.hash = hashFor(r.view, r.arg);
}

/* ---------- views ---------- */

function showOnly(id) {
  for (const s of document.querySelectorAll(".view")) s.hidden = s.id !== id;
  for (const a of document.querySelectorAll("#views a")) {
    if (`view-${a.dataset.view}` === id) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
    a.href = hashFor(a.dataset.view);
  }
}

function renderView() {
  const v = app.view;
  const id = ["entry", "commitment", "actor"].includes(v) ? "view-page" : `view-${v}`;
  showOnly(id);
  $("#error").hidden = true;
  document.body.dataset.view = "";
  document.body.dataset.route = v;
  const fn = { board: renderBoard, map: renderMap, chart: renderChartView, graph: renderGraph, timeline: renderTimeline,
    parties: renderParties, entry: renderEntry, commitment: renderCommitment, actor: renderActor }[v];
  Promise.resolve(fn()).catch(showError).finally(() => { document.body.dataset.view = v; });
  if (["entry", "commitment", "actor"].includes(v)) window.scrollTo(0, 0);
}

const statusChip = (s) => el("span", { class: `chip s-${s}`, text: t(`status_${s}`) });

async function renderBoard() {
  const root = $("#view-board");
  root.replaceChildren();
  const legend = el("ul", { class: "legend", "aria-label": t("legend") });
  for (const st of Object.keys(STATUS_COLOR)) legend.append(el("li", {}, statusChip(st)));
  root.append(legend);
  const byPhase = new Map();
  for (const c of app.state.commitments) {
    if (!byPhase.has(c.phase)) byPhase.set(c.phase, []);
    byPhase.get(c.phase).push(c);
  }
  for (const ph of app.state.progress.phases) {
    const pct = ph.total ? Math.round((100 * ph.done) / ph.total) : 0;
    const bar = el("div", { class: "bar", role: "img", "aria-label": t("phase_done", { done: ph.done, total: ph.total }) }, el("div", { style: `width:${pct}%` }));
    const sec = el("section", { class: "phase" },
      el("h2", {}, atextEl("span", ph), bar, el("span", { class: "waits", text: t("phase_done", { done: ph.done, total: ph.total }) })));
    const cards = el("div", { class: "cards" });
    for (const c of byPhase.get(ph.id) || []) cards.append(card(c));
    sec.append(cards);
    root.append(sec);
  }
  const sc = el("section", { class: "scores", id: "scores" });
  root.append(sc);
  try {
    renderScores(sc, await loadScores(), root.clientWidth || window.innerWidth);
  } catch (err) {
    sc.replaceChildren(el("p", { class: "error", text: t("sc_error", { msg: err.message || err }) }));
  }
}

/* GET /scores as of the page's date (one request per date: the server rate-limits it). */
async function loadScores() {
  const key = app.asof || "";
  app.scores = app.scores || new Map();
  if (!app.scores.has(key)) {
    const url = app.asof ? `/scores?at=${encodeURIComponent(endOfDay(app.asof))}` : "/scores";
    app.scores.set(key, fetchText(url).then(JSON.parse));
    app.scores.get(key).catch(() => app.scores.delete(key));
  }
  return app.scores.get(key);
}

function card(c) {
  const meta = el("div", { class: "meta" }, statusChip(c.status));
  meta.append(el("span", { class: "dots", text: `${"●".repeat(c.strength)}${"○".repeat(3 - c.strength)}` }),
    el("span", { class: "waits", text: `${t("strength", { n: c.strength })}${c.method ? ` (${c.method})` : ""}` }));
  if (c.overdue) meta.append(el("span", { class: "badge overdue", text: t("overdue_since", { date: fmtDay(c.due) }) }));
  if (c.reversals) meta.append(el("span", { class: "badge reversal", text: t("n_reversals", { n: c.reversals }) }));
  if (c.breaches) meta.append(el("span", { class: "badge overdue", text: t("n_breaches", { n: c.breaches }) }));
  const n = el("article", { class: `card s-${c.status}`, id: `c-${c.id}` },
    el("a", { class: "id", href: `#/commitment/${encodeURIComponent(c.id)}`, text: c.id }),
    el("div", { class: "waits", text: `${t("owed_by", { who: c.owners.join(", ") })}${c.together ? ` · ${t("together", { g: c.together })}` : ""}` }));
  if (c.text) n.append(atextEl("div", c, "text", "texts", { class: "text" }));
  n.append(meta);
  if (c.waits) {
    const chain = c.waits.chain.length > 1 ? ` ${t("via", { chain: c.waits.chain.slice(1).join(" → ") })}` : "";
    n.append(el("div", { class: "waits", text: `${t("waits_on", { who: c.waits.on.join(", ") || t("none") })}${chain}` }));
  }
  for (const p of c.progress || []) n.append(el("div", { class: "waits", text: `${p.quantity}: ${p.value} ${p.unit}` }));
  return n;
}

function renderGraph() {
  const root = $("#view-graph");
  root.replaceChildren();
  const narrow = window.innerWidth < 700;
  root.append(el("p", { class: "rule", text: t("graph_help") }));
  const legend = el("ul", { class: "legend" });
  for (const st of Object.keys(STATUS_COLOR)) legend.append(el("li", {}, statusChip(st)));
  root.append(legend);
  /* Commitments with no requirement, no dependant and no together group are
   * listed apart: as graph nodes they would only stack up in one column. */
  const cs = app.state.commitments;
  const linked = new Set();
  for (const c of cs) {
    if (c.together) linked.add(c.id);
    for (const r of c.requires || []) if (cs.some((x) => x.id === r)) { linked.add(r); linked.add(c.id); }
  }
  const svg = layoutGraph(cs.filter((c) => linked.has(c.id)), STATUS_COLOR, narrow);
  if (narrow) {
    /* On a phone: the whole graph as an overview, then the same links as text, in order. */
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.classList.add("fit");
  }
  root.append(el("div", { class: "graph-wrap", tabindex: "0", role: "region", "aria-label": t("graph_label") }, svg));
  if (narrow) {
    const depth = new Map();
    const d = (c, seen = new Set()) => {
      if (depth.has(c.id)) return depth.get(c.id);
      if (seen.has(c.id)) return 0;
      seen.add(c.id);
      let v = 0;
      for (const r of c.requires || []) { const rc = cs.find((x) => x.id === r); if (rc) v = Math.max(v, d(rc, seen) + 1); }
      depth.set(c.id, v);
      return v;
    };
    const ol = el("ol", { class: "steps" });
    for (const c of cs.filter((x) => linked.has(x.id)).sort((a, b) => d(a) - d(b))) {
      const li = el("li", {}, el("a", { href: `#/commitment/${encodeURIComponent(c.id)}`, class: `node-chip s-${c.status}${c.overdue ? " overdue" : ""}`, text: `${c.id} · ${t(`status_${c.status}`)}` }));
      if ((c.requires || []).length) li.append(el("div", { class: "waits", text: `${t("requires")}: ${c.requires.join(", ")}` }));
      if (c.together) li.append(el("div", { class: "waits", text: t("together", { g: c.together }) }));
      ol.append(li);
    }
    root.append(el("h2", { class: "sub", text: t("graph_steps") }), ol);
  }
  const alone = cs.filter((c) => !linked.has(c.id));
  if (alone.length) {
    const ul = el("ul", { class: "alone" });
    for (const c of alone) ul.append(el("li", {}, el("a", { href: `#/commitment/${encodeURIComponent(c.id)}`, class: `node-chip s-${c.status}${c.overdue ? " overdue" : ""}`, "data-id": c.id, text: `${c.id} · ${t(`status_${c.status}`)}` })));
    root.append(el("h2", { class: "sub", text: t("graph_alone", { n: alone.length }) }), ul);
  }
}

/* ---------- timeline ---------- */

function changesByIndex() {
  const m = new Map();
  for (const c of app.state.commitments) for (const h of c.history || []) {
    if (!m.has(h.index)) m.set(h.index, []);
    m.get(h.index).push({ c: c.id, ...h });
  }
  return m;
}

async function renderTimeline() {
  const root = $("#view-timeline");
  if (!app.entries) {
    root.replaceChildren(el("p", { class: "rule", text: t("tl_loading_text") }));
    await loadEntries();
  }
  const f = app.tl;
  const entries = app.entries;
  const changes = changesByIndex();
  const incByIndex = new Map(app.state.incidents.map((i) => [i.index, i]));
  const actors = [...new Set(entries.map((e) => e.author).filter(Boolean))].sort();
  const kinds = [...new Set(entries.map((e) => (e.kind === "incident" ? e.f.type : e.kind)).filter(Boolean))].sort();
  const cids = app.state.commitments.map((c) => c.id);
  const limit = app.asof;
  let rows = entries.filter((e) => {
    const d = isoDay(e.when);
    if (limit && d && d > limit) return false;
    /* Clock leaves are the log's own timestamps: listed only when asked for. */
    if (!f.kind && e.kind === "clock") return false;
    if (f.actor && e.author !== f.actor && e.f.actor !== f.actor) return false;
    const k = e.kind === "incident" ? e.f.type : e.kind;
    if (f.kind && k !== f.kind && e.kind !== f.kind) return false;
    if (f.commitment && e.f.commitment !== f.commitment && !(changes.get(e.index) || []).some((x) => x.c === f.commitment)) return false;
    if (f.from && d && d < f.from) return false;
    if (f.to && d && d > f.to) return false;
    if (f.q && !`${e.text} ${e.f.commitment || ""} ${e.f.type || ""} ${e.author}`.toLowerCase().includes(f.q.toLowerCase())) return false;
    return true;
  });
  rows = rows.sort((a, b) => (isoDay(b.when) || "") .localeCompare(isoDay(a.when) || "") || b.index - a.index);
  const per = 50;
  const pages = Math.max(1, Math.ceil(rows.length / per));
  f.page = Math.min(f.page, pages - 1);
  const sel = (name, label, opts) => {
    const s = el("select", { id: `tl-${name}`, onchange: (ev) => { f[name] = ev.target.value; f.page = 0; renderTimeline(); } },
      el("option", { value: "", text: t("tl_all") }));
    for (const o of opts) {
      const [v, text] = Array.isArray(o) ? o : [o, o];
      s.append(el("option", { value: v, text, selected: f[name] === v }));
    }
    return el("label", { for: `tl-${name}` }, el("span", { text: label }), s);
  };
  const q = el("input", { id: "tl-q", type: "search", value: f.q, onchange: (ev) => { f.q = ev.target.value; f.page = 0; renderTimeline(); } });
  const dateIn = (name, label) => el("label", { for: `tl-${name}` }, el("span", { text: label }),
    el("input", { id: `tl-${name}`, type: "date", value: f[name], onchange: (ev) => { f[name] = ev.target.value; f.page = 0; renderTimeline(); } }));
  const filters = el("form", { class: "filters", role: "search", onsubmit: (ev) => ev.preventDefault() },
    el("label", { for: "tl-q" }, el("span", { text: t("tl_search") }), q),
    sel("actor", t("tl_actor"), actors.map((a) => [a, actorLabel(a)])),
    sel("kind", t("tl_kind"), kinds.map((k) => [k, kindLabel(k)])), sel("commitment", t("tl_commitment"), cids),
    dateIn("from", t("tl_from")), dateIn("to", t("tl_to")));
  const list = el("ol", { class: "tl", start: String(f.page * per + 1) });
  for (const e of rows.slice(f.page * per, f.page * per + per)) {
    const inc = incByIndex.get(e.index);
    const kind = e.kind === "incident" ? `${kindLabel(e.f.type)}${inc ? (inc.confirmed ? " ✓" : inc.dismissed ? " ✗" : " ?") : ""}` : e.kind;
    const li = el("li", { class: `tl-row${(changes.get(e.index) || []).some((x) => x.reversal) ? " reversal" : ""}`, "data-index": e.index },
      el("div", { class: "tl-head" }, entryLink(e.index, `#${e.index}`), " ",
        e.when ? el("time", { datetime: isoDay(e.when), text: fmtDay(e.when) }) : "", " ",
        el("span", { class: "kind", text: kind }), " ",
        e.author ? el("a", { href: `#/actor/${encodeURIComponent(e.author)}`, text: e.author }) : "",
        e.f.commitment ? el("span", {}, " → ", el("a", { href: `#/commitment/${encodeURIComponent(e.f.commitment)}`, text: e.f.commitment })) : ""),
      e.text ? el("blockquote", { text: e.text }) : null);
    for (const ch of changes.get(e.index) || [])
      li.append(el("div", { class: "change" }, statusChip(ch.to), ` ${t("status_change", { id: ch.c, from: t(`status_${ch.from}`), to: t(`status_${ch.to}`) })}${ch.reversal ? ` (${t("reversal")})` : ""}`));
    list.append(li);
  }
  const pager = el("div", { class: "pager" },
    el("button", { type: "button", disabled: f.page === 0, onclick: () => { f.page--; renderTimeline(); }, text: t("tl_prev") }),
    el("span", { text: t("tl_page", { p: f.page + 1, n: pages }) }),
    el("button", { type: "button", disabled: f.page >= pages - 1, onclick: () => { f.page++; renderTimeline(); }, text: t("tl_next") }));
  const focus = document.activeElement && document.activeElement.id;
  root.replaceChildren(filters, el("p", { class: "rule", "aria-live": "polite", text: t("tl_help", { n: fmtNum(rows.length) }) }), list, pager);
  if (focus && document.getElementById(focus)) document.getElementById(focus).focus();
}

/* ---------- parties ---------- */

function renderParties() {
  const root = $("#view-parties");
  root.replaceChildren();
  const keys = ["id", "role", "owned", "done", "claims", "disputed", "withdrawn", "overdue", "breaches", "reversals", "attestations", "incidents_alleged", "entries"];
  const names = t("parties_cols").split(",");
  const head = el("tr");
  keys.forEach((k, i) => head.append(el("th", { scope: "col", text: names[i] || k })));
  const tb = el("tbody");
  for (const a of app.state.actors) {
    const tr = el("tr");
    for (const k of keys) {
      if (k === "id") tr.append(el("th", { scope: "row" }, el("a", { href: `#/actor/${encodeURIComponent(a.id)}`, text: a.id })));
      else tr.append(el("td", { class: typeof a[k] === "number" ? "num" : "", text: typeof a[k] === "number" ? fmtNum(a[k]) : String(a[k]) }));
    }
    tb.append(tr);
  }
  root.append(el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("tab_parties") }, el("table", {}, el("thead", {}, head), tb)));
}

/* ---------- map ---------- */

async function loadZones() {
  if (app.zones) return app.zones;
  app.zones = await Promise.all((app.latest.zones || []).map(async (z) => {
    try {
      return { id: z.id, name: z.name, geo: JSON.parse(await fetchText(`/zone/${encodeURIComponent(z.id)}`)) };
    } catch (err) {
      return { id: z.id, name: z.name, geo: null, err: String(err.message || err) };
    }
  }));
  return app.zones;
}

async function renderMap() {
  const root = $("#view-map");
  if (!app.mapReady) {
    const zones = await loadZones();
    const kinds = [...new Set(app.latest.incidents.map((i) => i.type))].sort();
    const mf = app.mf;
    const upd = () => drawIncidents();
    const kindSel = el("select", { id: "mf-kind", onchange: (ev) => { mf.kind = ev.target.value; upd(); } }, el("option", { value: "", text: t("tl_all") }));
    for (const k of kinds) kindSel.append(el("option", { value: k, text: kindLabel(k) }));
    root.replaceChildren(
      el("form", { class: "filters", onsubmit: (ev) => ev.preventDefault() },
        el("label", { for: "mf-from" }, el("span", { text: t("map_from") }), el("input", { id: "mf-from", type: "date", onchange: (ev) => { mf.from = ev.target.value; upd(); } })),
        el("label", { for: "mf-to" }, el("span", { text: t("map_to") }), el("input", { id: "mf-to", type: "date", onchange: (ev) => { mf.to = ev.target.value; upd(); } })),
        el("label", { for: "mf-kind" }, el("span", { text: t("map_kind") }), kindSel)),
      el("p", { id: "map-help", class: "rule", "aria-live": "polite" }),
      el("div", { class: "map-layout" },
        el("div", { id: "map", class: "map", role: "region", "aria-label": t("map_label") }),
        el("div", { id: "map-legend", class: "map-legend" })));
    const zname = (id) => atext((app.latest.zones || []).find((z) => z.id === id));
    buildMap($("#map"), $("#map-legend"), zones.map((z) => ({ ...z, name: zname(z.id).text, lang: zname(z.id).lang })));
    app.mapReady = true;
    loadEntries().catch(() => {});
  }
  refreshSize();
  drawIncidents();
}

function drawIncidents() {
  const s = app.state;
  const mf = app.mf;
  const placed = s.incidents.filter((i) => i.lat !== null && i.lat !== undefined);
  const shown = placed.filter((i) => {
    const d = isoDay(i.occurred);
    return (!mf.from || d >= mf.from) && (!mf.to || d <= mf.to) && (!mf.kind || i.type === mf.kind);
  });
  setIncidents(shown, (n) => (app.entries && app.entries[n] ? app.entries[n].text : ""));
  $("#map-help").textContent = t("map_help", { shown: fmtNum(shown.length), placed: fmtNum(placed.length), total: fmtNum(s.incidents.length), unplaced: fmtNum(s.incidents.length - placed.length) });
  $("#map").dataset.incidents = String(shown.length);
}

/* ---------- incidents over time ---------- */

function renderChartView() {
  const root = $("#view-chart");
  root.replaceChildren();
  const e = eras();
  const to = app.asof || e.end;
  const byYear = app.chartImport || !e.liveStart;
  const from = byYear ? e.min : e.axisStart;
  const box = el("input", { type: "checkbox", id: "chart-import", checked: app.chartImport, onchange: (ev) => { app.chartImport = ev.target.checked; renderChartView(); } });
  root.append(el("div", { class: "filters" }, el("label", { for: "chart-import", class: "check" }, box, el("span", { text: t("chart_import") }))));
  root.append(el("p", { class: "rule", text: byYear
    ? t("chart_year_help", { from: fmtIsoDay(from), to: fmtIsoDay(to) })
    : t("chart_help", { from: fmtIsoDay(from), to: fmtIsoDay(to), min: 90 }) }));
  const wrap = el("div", { class: "chart-wrap" });
  root.append(wrap);
  const { calm, ms } = renderChart(wrap, app.state, { from, to, byYear, liveStart: e.liveStart });
  const cl = el("ul", { class: "plain" });
  for (const c of [...calm].sort((a, b) => b.n - a.n).slice(0, 8))
    cl.append(el("li", { text: t("calm_row", { from: fmtIsoDay(c.from), to: c.open ? `${fmtIsoDay(c.to)} …` : fmtIsoDay(c.to), n: fmtNum(c.n) }) }));
  const ml = el("ul", { class: "plain" });
  for (const m of ms) ml.append(el("li", {}, el("time", { datetime: m.d, text: fmtIsoDay(m.d) }), ": ",
    el("a", { href: `#/commitment/${encodeURIComponent(m.c.id)}`, text: m.c.id }), " ", statusChip(m.c.status)));
  root.append(el("div", { class: "two" }, el("section", {}, el("h2", { text: t("calm_streaks") }), cl), el("section", {}, el("h2", { text: t("milestones") }), ml)));
}

/* ---------- pages: entry, commitment, actor ---------- */

function backLink() {
  return el("p", {}, el("a", { href: hashFor("board"), text: `← ${t("back")}` }));
}

async function renderEntry() {
  const root = $("#view-page");
  const n = Number(app.arg);
  if (!Number.isInteger(n) || n < 0) throw new Error(`no entry '${app.arg}'`);
  root.replaceChildren(backLink(), el("h2", { text: t("entry_title", { n }) }), el("p", { class: "rule", text: t("loading") }));
  const [bytes, proofText, keys] = await Promise.all([fetchBytes(`/entry/${n}`), fetchText(`/proof/${n}`), agreementKeys()]);
  const note = V.parseNote(bytes);
  const e = describe(n, bytes);
  const checks = [];
  /* 1. Signatures over the entry, with the agreement's keys. */
  const sigs = note ? await V.checkNoteSigs(note, keys) : [];
  if (!sigs.length) checks.push({ id: "sig", ok: false, text: t("chk_sig", { who: e.author || "?", key: "?" }) });
  for (const s of sigs) checks.push({ id: "sig", ok: s.ok, text: t("chk_sig", { who: s.name, key: s.key || t("key_unknown") }) });
  /* 2. Leaf hash and inclusion proof against the receipt's checkpoint. */
  const leaf = await V.leafHash(bytes);
  checks.push({ id: "leaf", ok: true, info: true, text: t("chk_leaf", { h: V.hex(leaf) }) });
  const pr = V.parseProof(proofText);
  let proofOk = false, ck = null;
  if (pr && pr.index === n) {
    ck = V.parseCheckpoint(pr.checkpoint);
    const root0 = await V.rootFromInclusion(n, ck.size, leaf, pr.hashes);
    proofOk = root0 !== null && V.hex(root0) === V.hex(ck.rootBytes);
  }
  checks.push({ id: "proof", ok: proofOk, text: t("chk_proof", { n, size: ck ? ck.size : "?", root: ck ? `${ck.root.slice(0, 16)}…` : "?" }) });
  /* 3. The checkpoint: the log's signature, the one this page shows, its cosignatures. */
  let ckSig = false, same = false, w = null;
  if (ck) {
    const cn = V.parseNote(new TextEncoder().encode(pr.checkpoint));
    const ls = cn ? await V.checkNoteSigs(cn, [app.latest.agreement.log.key]) : [];
    ckSig = ls.some((s) => s.ok === true);
    same = ck.size === app.ck.size && ck.root === app.ck.root;
    w = await V.checkWitnesses(pr.checkpoint, app.latest.agreement.log);
  }
  checks.push({ id: "ckpt", ok: ckSig, text: t("chk_ckpt") });
  checks.push({ id: "same", ok: same, text: t("chk_same", { size: app.ck.size }) });
  if (w) checks.push({ id: "cosig", ok: w.met, text: t("chk_cosig", { n: w.got, v: w.met ? t("quorum_met") : t("quorum_not_met") }) });
  /* In the log (signature, proof, checkpoint) is one verdict; the quorum is said apart. */
  const all = checks.filter((c) => c.id !== "cosig").every((c) => c.ok === true);
  const witnessed = !w || w.met;
  const verdict = !all ? "fail" : witnessed ? "ok" : "unwitnessed";
  const permalink = `${location.origin}${location.pathname}#/entry/${n}`;
  const cite = `${app.latest.agreement.log.origin}, entry ${n} (leaf SHA-256 ${V.hex(leaf)}), in checkpoint size ${ck ? ck.size : "?"} root ${ck ? ck.root : "?"}. ${permalink}`;
  const list = el("ul", { class: "checks" });
  for (const c of checks)
    list.append(el("li", { class: c.info ? "info" : c.ok === true ? "pass" : c.ok === false ? "fail" : "na", "data-check": c.id },
      el("span", { class: "res", text: c.info ? "·" : c.ok === true ? t("chk_ok") : c.ok === false ? t("chk_fail") : t("chk_na") }), " ", c.text));
  const copy = el("button", { type: "button", text: t("copy"), onclick: async () => {
    try { await navigator.clipboard.writeText(cite); copy.textContent = t("copied"); } catch (err) { copy.textContent = cite; }
  } });
  const inc = app.state.incidents.find((i) => i.index === n);
  const facts = el("dl", { class: "facts" });
  const fact = (k, v) => { if (v) facts.append(el("dt", { text: k }), el("dd", {}, v)); };
  fact(t("f_kind"), e.kind || e.f.header);
  fact(t("f_author"), e.author ? el("a", { href: `#/actor/${encodeURIComponent(e.author)}`, text: e.author }) : null);
  fact(t("f_seq"), e.f.seq);
  if (e.f.time) fact(t("f_time"), el("span", {}, timeEl(e.f.time), ` (${e.f.time})`));
  if (e.f.occurred) fact(t("f_occurred"), el("span", {}, timeEl(e.f.occurred), ` (${e.f.occurred})`));
  fact(t("tl_commitment"), e.f.commitment ? el("a", { href: `#/commitment/${encodeURIComponent(e.f.commitment)}`, text: e.f.commitment }) : null);
  if (inc) fact(t("f_incident"), `${inc.type}${inc.actor ? ` · ${inc.actor}` : ""} · ${t(inc.confirmed ? "lg_confirmed" : inc.dismissed ? "lg_dismissed" : "lg_pending")}`);
  root.replaceChildren(backLink(),
    el("h2", { text: t("entry_title", { n }) }),
    el("p", { class: `verdict ${verdict}`, role: "status", "data-verdict": verdict,
      text: verdict === "ok" ? t("verdict_ok", { n }) : verdict === "unwitnessed" ? t("verdict_unwitnessed", { n }) : t("verdict_fail") }),
    e.text ? el("blockquote", { class: "quote", text: e.text }) : null,
    facts,
    el("h3", { text: t("entry_checks") }), list,
    el("h3", { text: t("cite_as") }), el("p", { class: "mono cite", text: cite }),
    el("p", {}, el("a", { href: `#/entry/${n}`, text: t("permalink") }), " · ", copy, " · ",
      el("a", { href: `/entry/${n}`, text: `${t("raw")} /entry/${n}` }), " · ", el("a", { href: `/proof/${n}`, text: `/proof/${n}` })),
    el("h3", { text: t("entry_signed") }), el("pre", { class: "note", tabindex: "0", text: note ? note.text : new TextDecoder().decode(bytes) }),
    el("h3", { text: t("receipt", { n }) }), el("pre", { class: "note", tabindex: "0", text: proofText }));
}

async function renderCommitment() {
  const root = $("#view-page");
  const c = app.state.commitments.find((x) => x.id === app.arg);
  if (!c) throw new Error(`no commitment '${app.arg}'`);
  const unlocks = app.state.commitments.filter((x) => (x.requires || []).includes(c.id));
  const links = (ids) => { const s = el("span"); ids.forEach((id, i) => { if (i) s.append(", "); s.append(el("a", { href: `#/commitment/${encodeURIComponent(id)}`, text: id })); }); return ids.length ? s : t("none"); };
  const facts = el("dl", { class: "facts" });
  const fact = (k, v) => facts.append(el("dt", { text: k }), el("dd", {}, v));
  fact(t("f_status"), el("span", {}, statusChip(c.status), c.overdue ? el("span", { class: "badge overdue", text: t("overdue_since", { date: fmtDay(c.due) }) }) : ""));
  const owners = el("span");
  c.owners.forEach((o, i) => {
    if (i) owners.append(", ");
    owners.append(el("a", { href: `#/actor/${encodeURIComponent(o)}`, text: o }));
    if (actorOf(o)) owners.append(" (", atextEl("span", actorOf(o), "name", "names", { "data-actor": o }), ")");
  });
  fact(t("owed_by", { who: "" }).replace(/[:\s]+$/, ""), owners);
  fact(t("due"), c.due ? timeEl(c.due) : t("none"));
  fact(t("effective"), c.effective ? timeEl(c.effective) : t("none"));
  fact(t("requires"), links(c.requires || []));
  fact(t("required_by"), links(unlocks.map((x) => x.id)));
  if (c.together) fact(t("together", { g: "" }).replace(/[:\s]+$/, ""), c.together);
  fact(t("strength", { n: c.strength }), `${c.verifications} / ${c.refutations}${c.method ? ` (${c.method})` : ""}`);
  if (c.waits) fact(t("waits_on", { who: "" }).replace(/[:\s]+$/, ""), `${c.waits.on.join(", ")} (${c.waits.chain.join(" → ")})`);
  const hist = el("ol", { class: "plain" });
  for (const h of c.history || [])
    hist.append(el("li", {}, timeEl(h.time), " ", statusChip(h.to), ` ${t("status_change", { id: c.id, from: t(`status_${h.from}`), to: t(`status_${h.to}`) })}${h.reversal ? ` (${t("reversal")})` : ""} · `, entryLink(h.index, `#${h.index}`)));
  root.replaceChildren(backLink(), el("h2", { text: t("commitment_title", { id: c.id }) }), atextEl("blockquote", c, "text", "texts", { class: "quote" }), facts,
    ...dueHistory(c), el("h3", { text: t("history") }), hist, el("h3", { text: t("related_entries") }), el("p", { class: "rule", text: t("tl_loading_text") }));
  await loadEntries();
  const rel = el("ol", { class: "plain" });
  for (const e of app.entries.filter((x) => x.f.commitment === c.id))
    rel.append(el("li", {}, entryLink(e.index, `#${e.index}`), " ", e.when ? timeEl(e.when) : "", ` ${e.kind} · ${e.author}: `, el("q", { text: e.text })));
  root.lastChild.replaceWith(rel);
}

/* A due rule as shown: a calendar date (in the agreement's zone) as a <time>, else the rule's words. */
const dueEl = (rule) => (/^\d{4}-\d{2}-\d{2}$/.test(rule) ? el("time", { datetime: rule, text: fmtIsoDay(rule) }) : el("span", { text: rule }));

/* "due 2018-12-31, extended to 2019-06-30 by entry 3": each amendment that moved the deadline (due_history). */
function dueHistory(c) {
  const dh = c.due_history || [];
  if (!dh.length) return [];
  const ol = el("ol", { class: "plain due-history" });
  ol.append(el("li", { "data-due": dh[0].from }, ...fill(t("due_first", { date: "\u0001" }), dueEl(dh[0].from))));
  for (const h of dh) {
    const both = /^\d{4}-\d{2}-\d{2}$/.test(h.from) && /^\d{4}-\d{2}-\d{2}$/.test(h.to);
    const key = !both ? "due_changed" : h.to > h.from ? "due_extended" : "due_advanced";
    ol.append(el("li", { "data-index": h.index, "data-due": h.to },
      ...fill(t(key, { date: "\u0001", n: "\u0002" }), dueEl(h.to), entryLink(h.index, `#${h.index}`))));
  }
  return [el("h3", { text: t("due_history") }), ol, el("p", { class: "rule", text: t("due_tz", { tz: tzLabel() }) })];
}

/* A translated sentence with \u0001 and \u0002 replaced by elements. */
function fill(s, a, b) {
  const out = [];
  for (const part of s.split(/(\u0001|\u0002)/)) out.push(part === "\u0001" ? a : part === "\u0002" ? b : part);
  return out.filter((x) => x !== "");
}

async function renderActor() {
  const root = $("#view-page");
  const a = app.state.actors.find((x) => x.id === app.arg);
  if (!a) throw new Error(`no actor '${app.arg}'`);
  const facts = el("dl", { class: "facts" });
  const cols = t("parties_cols").split(",");
  const akeys = ["id", "role", "owned", "done", "claims", "disputed", "withdrawn", "overdue", "breaches", "reversals", "attestations", "incidents_alleged", "entries"];
  if (a.name) facts.append(el("dt", { text: t("f_name") }), atextEl("dd", a, "name", "names", { "data-actor": a.id }));
  akeys.forEach((k, i) => { if (k !== "id" && a[k] !== undefined) facts.append(el("dt", { text: cols[i] || k }), el("dd", { text: typeof a[k] === "number" ? fmtNum(a[k]) : String(a[k]) })); });
  const owned = el("div", { class: "cards" });
  for (const c of app.state.commitments.filter((c) => c.owners.includes(a.id))) owned.append(card(c));
  root.replaceChildren(backLink(), el("h2", { text: t("actor_title", { id: a.id }) }), facts, owned,
    el("h3", { text: t("entries_by", { id: a.id }) }), el("p", { class: "rule", text: t("tl_loading_text") }));
  await loadEntries();
  const list = el("ol", { class: "plain" });
  for (const e of app.entries.filter((x) => x.author === a.id).reverse().slice(0, 200))
    list.append(el("li", {}, entryLink(e.index, `#${e.index}`), " ", e.when ? timeEl(e.when) : "", ` ${e.kind === "incident" ? e.f.type : e.kind}: `, el("q", { text: e.text })));
  root.lastChild.replaceWith(list);
}

/* ---------- start ---------- */

function showError(err) {
  const p = $("#error");
  p.hidden = false;
  p.textContent = t("error_load", { msg: err.message || err });
}

function wire() {
  $("#asof").addEventListener("input", (ev) => {
    const d = new Date((dayNum(app.axisStart) + parseInt(ev.target.value, 10)) * 86400000).toISOString().slice(0, 10);
    $("#asof-date").value = d;
    ev.target.setAttribute("aria-valuetext", fmtIsoDay(d));
  });
  $("#asof").addEventListener("change", (ev) => {
    setAsof(new Date((dayNum(app.axisStart) + parseInt(ev.target.value, 10)) * 86400000).toISOString().slice(0, 10));
  });
  $("#asof-date").addEventListener("change", (ev) => { if (ev.target.value) setAsof(ev.target.value); });
  $("#asof-latest").addEventListener("click", () => setAsof(null));
  $("#era-import").addEventListener("click", () => { const e = eras(); setAsof(e.imported.length ? isoDay(e.imported[e.imported.length - 1].occurred) : null); });
  $("#lang").addEventListener("click", () => {
    setLang(getLang() === "en" ? "ko" : "en");
    app.mapReady = false;
    renderChrome();
    renderTop();
    renderView();
  });
  window.addEventListener("hashchange", () => route().catch(showError));
}

async function start() {
  setLang(initialLang());
  wire();
  await loadLatest();
  const r = parseHash();
  app.view = r.view;
  app.arg = r.arg;
  app.asof = r.at && /^\d{4}-\d{2}-\d{2}$/.test(r.at) ? r.at : null;
  await loadAsof();
  renderChrome();
  renderTop();
  renderView();
  document.body.dataset.ready = "1";
}

start().catch(showError);
