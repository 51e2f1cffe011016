/*
 * tests/web/dashboard.mjs - the dashboard in a real headless Chromium
 * (Debian's, driven by playwright-core), against the worked example's log
 * served by `armistice serve`. Run by tests/cli/t5900-dashboard-chromium.sh:
 *
 *   node tests/web/dashboard.mjs URL SHOTDIR EXPORTDIR
 *
 * Every view at 1400 px and 390 px: numbers against /state, no console
 * error, no request off the server, no horizontal scroll, 0 axe-core
 * violations, a screenshot in SHOTDIR. Then dates in the agreement's
 * timezone, the as-of date (2018-04-27), the in-browser proof check on the
 * real log and on a log with one flipped byte, the map, the graph, the
 * Korean page with the agreement's Korean names, and the implementation
 * scores against `armistice export`'s (EXPORTDIR/yearly.ndjson and
 * scores.ndjson). Prints "ok - ..." / "not ok - ..." lines.
 */
import { chromium } from "playwright-core";
import http from "node:http";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const [URL0, SHOTS, EXPORTS] = process.argv.slice(2);
const ndjson = (f) => readFileSync(`${EXPORTS}/${f}`, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));

/*
 * The lying server: a proxy in front of the real one that flips one byte
 * of entry 300's text in /entry/300 (what a compromised or buggy log
 * server could send). The page must say the check FAILS.
 */
const proxy = http.createServer(async (req, res) => {
  const r = await fetch(`${URL0}${req.url}`);
  let body = new Uint8Array(await r.arrayBuffer());
  if (req.url === "/entry/300") {
    const i = Buffer.from(body).indexOf("text: ") + 8;
    body = Uint8Array.from(body);
    body[i] ^= 0x01;
  }
  res.writeHead(r.status, { "Content-Type": r.headers.get("content-type") || "application/octet-stream" });
  res.end(body);
});
await new Promise((ok) => proxy.listen(0, "127.0.0.1", ok));
const BAD = `http://127.0.0.1:${proxy.address().port}`;
mkdirSync(SHOTS, { recursive: true });
let failed = 0;
const ok = (cond, msg, why = "") => {
  if (cond) console.log(`ok - ${msg}`);
  else { failed++; console.log(`not ok - ${msg}${why ? `: ${why}` : ""}`); }
};
const getJSON = async (u) => (await fetch(u)).json();
const getText = async (u) => (await fetch(u)).text();

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});

async function page(width, lang = "en") {
  const ctx = await browser.newContext({ viewport: { width, height: width < 500 ? 844 : 1000 }, locale: lang === "ko" ? "ko-KR" : "en-GB" });
  const p = await ctx.newPage();
  p.errors = [];
  p.offsite = [];
  p.requests = 0;
  p.on("console", (m) => { if (m.type() === "error") p.errors.push(m.text()); });
  p.on("pageerror", (e) => p.errors.push(e.message));
  p.on("request", (r) => { p.requests++; if (!r.url().startsWith(URL0) && !r.url().startsWith(BAD) && !r.url().startsWith("data:")) p.offsite.push(r.url()); });
  return p;
}

async function open(p, hash) {
  await p.goto(`${URL0}/${hash}`);
  await p.waitForSelector("body[data-ready]", { timeout: 20000 });
  await p.waitForFunction(() => document.body.dataset.view, null, { timeout: 20000 });
}

async function axe(p) {
  await p.addScriptTag({ content: axeSource });
  return p.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes[0] && v.nodes[0].target.join(" ")}`);
  });
}

const st = await getJSON(`${URL0}/state`);
const views = ["board", "map", "chart", "graph", "timeline", "parties", "entry/300", "commitment/jsa-demilitarization", "actor/dprk"];

/* ---- load time and request count (the board, a cold page) ---- */
{
  const p = await page(1400);
  const t0 = Date.now();
  await open(p, "#/board");
  const ms = Date.now() - t0;
  console.log(`# load: the board in ${ms} ms with ${p.requests} requests`);
  ok(ms < 8000 && p.requests <= 12, `the board loads fast (${ms} ms, ${p.requests} requests)`);
  await p.context().close();
}

/* ---- every view, both widths ---- */
for (const width of [1400, 390]) {
  const p = await page(width);
  for (const v of views) {
    await open(p, `#/${v}`);
    if (v === "map") await p.waitForSelector(".leaflet-marker-icon, .inc", { timeout: 10000 }).catch(() => {});
    if (v === "timeline") await p.waitForSelector(".tl-row", { timeout: 10000 }).catch(() => {});
    if (v.startsWith("entry")) await p.waitForSelector("[data-verdict]", { timeout: 10000 }).catch(() => {});
    await p.waitForTimeout(300);
    const name = v.replace("/", "-");
    await p.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: v !== "map" && v !== "timeline" });
    if (v === "board") await p.screenshot({ path: `${SHOTS}/board-top-${width}.png` });
    if (v === "map") await p.locator("#view-map").screenshot({ path: `${SHOTS}/map-only-${width}.png` });
    ok(await p.isHidden("#error"), `${v} at ${width} px: rendered without an error`, await p.textContent("#error"));
    const sw = await p.evaluate(() => document.documentElement.scrollWidth);
    ok(sw <= width, `${v} at ${width} px: no horizontal scrolling`, `page is ${sw} px wide`);
    const viol = await axe(p);
    ok(viol.length === 0, `${v} at ${width} px: 0 axe-core violations`, viol.join("; "));
  }
  ok(p.errors.length === 0, `no console errors at ${width} px`, p.errors.join(" | "));
  ok(p.offsite.length === 0, `nothing fetched off the log server at ${width} px`, p.offsite.join(" "));
  await p.context().close();
}

/* ---- the board's numbers are /state's ---- */
{
  const p = await page(1400);
  await open(p, "#/board");
  const txt = async (sel) => (await p.textContent(sel)).trim();
  ok(await txt("#stat-steps .big") === `${st.progress.done} of ${st.progress.total}`, "steps match /state");
  ok((await txt("#stat-calm .big")).replace(/,/g, "") === String(st.calm.days ?? "none"), `calm days match /state (${st.calm.days})`);
  ok(await txt("#stat-open .big") === String(st.open.length), "open count matches /state");
  ok(await txt("#stat-overdue .big") === String(st.overdue.length), "overdue count matches /state");
  const cards = await p.$$eval(".card[id^=c-]", (n) => n.length);
  ok(cards === st.commitments.length, `a card per commitment (${cards})`);

  /* Dates: the page's date of an entry is the calendar date the signed entry gives (UTC+9), not the UTC date. */
  for (const n of [5, 353]) {
    const text = await getText(`${URL0}/entry/${n}`);
    const want = /^occurred: (\d{4}-\d\d-\d\d)/m.exec(text)[1];
    await open(p, `#/entry/${n}`);
    await p.waitForSelector("[data-verdict]");
    const shown = await p.$eval(".facts time", (e) => e.getAttribute("datetime"));
    ok(shown === want, `entry ${n}: the page's date ${shown} is the signed entry's ${want} (agreement timezone)`);
  }
  const inc5 = st.incidents.find((i) => i.index === 5);
  ok(inc5.occurred.slice(0, 10) !== "1962-11-20", "... where the UTC string would have given another day (the twin)");

  /* The timeline quotes the signed text. */
  await open(p, "#/timeline");
  await p.waitForSelector(".tl-row");
  await p.fill("#tl-q", "Guard posts, personnel and weapons withdrawn");
  await p.press("#tl-q", "Enter");
  await p.waitForFunction(() => document.querySelectorAll(".tl-row").length === 1 || document.querySelectorAll(".tl-row").length === 2);
  const q = await p.$eval(".tl-row[data-index='300'] blockquote", (e) => e.textContent).catch(() => "");
  const signed = /^text: (.*)$/m.exec(await getText(`${URL0}/entry/300`))[1];
  ok(q === signed, "a timeline row quotes its signed entry's text and links to it");

  /* As of 2018-04-27: no false overdue, the server's calm count at that moment. */
  await open(p, "#/board?at=2018-04-27");
  await p.waitForFunction(() => /27/.test(document.querySelector("#asof-out").textContent));
  const at = "2018-04-27T14:59:59Z";
  const sa = await getJSON(`${URL0}/state?at=${at}&now=${at}`);
  ok((await txt("#stat-overdue .big")) === "0" && sa.overdue.length === 0, "as of 2018-04-27: nothing overdue");
  ok((await txt("#stat-calm .big")).replace(/,/g, "") === String(sa.calm.days), `as of 2018-04-27: ${sa.calm.days} calm days, as /state?at= says`);
  const lastBefore = st.incidents.filter((i) => i.confirmed && i.provocation && i.occurred <= at).pop();
  const days = Math.round((Date.parse(at.slice(0, 10)) - Date.parse(new Date(Date.parse(lastBefore.occurred) + 9 * 3600e3).toISOString().slice(0, 10))) / 864e5);
  ok(sa.calm.days === days, `... which is the count from the last confirmed provocation before it (${days})`);
  ok((await txt("#stat-calm .big")) !== String(st.calm.days), "... and differs from today's (the twin)");
  await p.context().close();
}

/* ---- proofs: the real log passes, one flipped byte fails ---- */
{
  const p = await page(1400);
  await open(p, "#/entry/300");
  await p.waitForSelector("[data-verdict]");
  /* This log was built locally (no witness saw it): everything but the cosignatures must pass. */
  const v = await p.getAttribute("[data-verdict]", "data-verdict");
  ok(v === "unwitnessed", `entry 300: signature, inclusion proof and checkpoint verified in the browser, quorum shown as missing (${v})`);
  const fails = await p.$$eval(".checks li.fail", (n) => n.map((x) => x.dataset.check));
  ok(fails.join(",") === "cosig", "... every check but the cosignature quorum passes", fails.join(","));
  await p.goto(`${BAD}/#/entry/300`);
  await p.waitForSelector("[data-verdict]", { timeout: 20000 });
  ok(await p.getAttribute("[data-verdict]", "data-verdict") === "fail", "a served entry with one flipped byte: the page says FAILED");
  const bf = await p.$$eval(".checks li.fail", (n) => n.map((x) => x.dataset.check));
  ok(bf.includes("proof") && bf.includes("sig"), `... the proof and the signature fail (${bf.join(",")})`);
  await p.context().close();
}

/* ---- the map ---- */
{
  const p = await page(390);
  await open(p, "#/map");
  await p.waitForSelector(".leaflet-container");
  const placed = st.incidents.filter((i) => i.lat !== null).length;
  ok(await p.getAttribute("#map", "data-incidents") === String(placed), `the map places the ${placed} incidents with a position`);
  const zonesInLegend = await p.$$eval(".map-legend li[data-zone]", (n) => n.map((x) => x.dataset.zone.split(":")[0]));
  const missing = st.zones.filter((z) => !zonesInLegend.includes(z.id)).map((z) => z.id);
  ok(missing.length === 0, "every zone of the agreement is in the legend", missing.join(","));
  ok(zonesInLegend.includes("dmz") && (await p.$(".map-legend .sw-mdl")) !== null, "the MDL has its own legend entry, distinct from the zone edges");
  ok((await p.$(".leaflet-control-scale")) !== null, "a scale bar");
  ok((await p.$$eval(".leaflet-overlay-pane path", (n) => n.length)) > 5, "the base layer and the zones are drawn");
  ok((await p.$$eval(".place", (n) => n.length)) > 3, "place names are on the map");
  const h = await p.$eval("#map", (e) => e.getBoundingClientRect().height);
  ok(h > 300, `the map is usable on a 390 px phone (${Math.round(h)} px high)`);
  await p.waitForFunction(() => document.querySelector(".leaflet-marker-icon.inc"));
  await p.click(".leaflet-marker-icon.inc");
  await p.waitForSelector(".leaflet-popup-content a[href^='#/entry/']");
  const pop = await p.textContent(".leaflet-popup-content");
  const pn = (await p.getAttribute(".leaflet-popup-content a[href^='#/entry/']", "href")).split("/").pop();
  const ptext = /^text: (.*)$/m.exec(await getText(`${URL0}/entry/${pn}`));
  ok(ptext && pop.includes(ptext[1].slice(0, 40)), `an incident's popup quotes its signed entry and links to it (#${pn})`, pop.slice(0, 120));
  await p.selectOption("#mf-kind", "gunfire");
  const g = st.incidents.filter((i) => i.lat !== null && i.type === "gunfire").length;
  ok(await p.getAttribute("#map", "data-incidents") === String(g), `the kind filter leaves ${g} gunfire incidents`);
  await p.context().close();
}

/* ---- the graph ---- */
{
  const p = await page(1400);
  await open(p, "#/graph");
  const ids = await p.$$eval("[data-id]", (n) => n.map((x) => x.dataset.id));
  const miss = st.commitments.filter((c) => !ids.includes(c.id)).map((c) => c.id);
  ok(miss.length === 0, "every commitment is in the graph or its list", miss.join(","));
  const groups = new Set(st.commitments.filter((c) => c.together).map((c) => c.together));
  ok((await p.$$eval("g.together", (n) => n.length)) === groups.size, `the ${groups.size} together groups are boxed`);
  const first = st.commitments.find((c) => (c.requires || []).length);
  await p.click(`a.node[data-id="${first.id}"]`);
  await p.waitForFunction((id) => location.hash === `#/commitment/${id}` && document.body.dataset.view === "commitment", first.id);
  ok(true, `a node opens its commitment's page (${first.id})`);
  await p.context().close();
}

/* ---- Korean ---- */
{
  const p = await page(390);
  await open(p, "#/board");
  await p.click("#lang");
  await p.waitForFunction(() => document.documentElement.lang === "ko");
  const nav = await p.textContent("#views");
  ok(nav.includes("현황판") && nav.includes("지도"), "the language switch gives a Korean page with lang=ko");
  await p.screenshot({ path: `${SHOTS}/board-ko-390.png` });
  const viol = await axe(p);
  ok(viol.length === 0, "the Korean page: 0 axe-core violations", viol.join("; "));
  await p.context().close();
}

/* ---- the agreement's names in Korean, with lang=ko; English where it gives none ---- */
{
  const p = await page(1400, "ko");
  const dprk = st.actors.find((a) => a.id === "dprk");
  ok(dprk.names && dprk.names.ko === "조선민주주의인민공화국 (시연용 키)", "/state gives the actor's Korean name beside its default one", JSON.stringify(dprk.names));
  await open(p, "#/actor/dprk");
  const dd = await p.$eval("dd[data-actor='dprk']", (e) => [e.lang, e.textContent]);
  ok(dd[0] === "ko" && dd[1] === dprk.names.ko, `the actor page shows ${dd[1]} with lang=ko`, dd.join(" "));
  ok(await p.evaluate(() => document.documentElement.lang) === "ko", "... on a page with lang=ko");
  await open(p, "#/board");
  const title = await p.$eval("#title", (e) => [e.lang, e.textContent]);
  ok(title[0] === "ko" && title[1] === st.agreement.titles.ko, "the title in Korean, lang=ko", title.join(" "));
  const phases = await p.$$eval(".phase h2 > span[lang]", (n) => n.map((x) => [x.lang, x.textContent]));
  const want = st.progress.phases.map((ph) => ph.names.ko);
  ok(phases.length === want.length && phases.every(([l, tx], i) => l === "ko" && tx === want[i]), `the ${want.length} phases in Korean (${want[0]} ...)`, JSON.stringify(phases));
  const c = st.commitments.find((x) => x.id === "loudspeakers");
  const card = await p.$eval("#c-loudspeakers .text", (e) => [e.lang, e.textContent]);
  ok(card[0] === "ko" && card[1] === c.texts.ko, "a commitment's text in Korean on its card", card.join(" "));
  const plain = st.commitments.find((x) => !x.texts);
  const pc = await p.$eval(`#c-${plain.id} .text`, (e) => [e.lang, e.textContent]);
  ok(pc[0] === "en" && pc[1] === plain.text, `a commitment without a Korean text falls back to English, lang=en (${plain.id})`, pc.join(" "));
  await open(p, "#/commitment/jsa-demining");
  const owner = await p.$eval("span[data-actor='rok']", (e) => [e.lang, e.textContent]);
  ok(owner[0] === "ko" && owner[1].startsWith("대한민국"), "the commitment page names its owners in Korean", owner.join(" "));
  await open(p, "#/map");
  await p.waitForSelector(".map-legend li[data-zone='dmz'] span[lang]");
  const z = await p.$eval(".map-legend li[data-zone='dmz'] span[lang]", (e) => [e.lang, e.textContent]);
  ok(z[0] === "ko" && z[1].startsWith("비무장지대") && z[1].includes("군사분계선"), "the map legend names the DMZ in Korean (비무장지대, 군사분계선)", z.join(" "));
  const jsa = await p.$eval(".map-legend li[data-zone='jsa'] span[lang]", (e) => e.textContent);
  ok(jsa.includes("판문점"), `... and the JSA (${jsa})`);
  const gun = st.incident_kinds.find((k) => k.id === "gunfire");
  const mopt = await p.$eval("#mf-kind option[value='gunfire']", (e) => e.textContent);
  ok(mopt === gun.names.ko, `the map's kind filter names kinds in Korean (${mopt})`, mopt);
  await open(p, "#/timeline");
  await p.waitForSelector(".tl-row");
  const topt = await p.$eval("#tl-kind option[value='gunfire']", (e) => e.textContent).catch(() => "");
  ok(topt === gun.names.ko, `the timeline's kind filter too (${topt})`, topt);
  const aopt = await p.$eval("#tl-actor option[value='dprk']", (e) => e.textContent).catch(() => "");
  ok(aopt === dprk.names.ko, `... and its actor filter names actors in Korean (${aopt})`, aopt);
  const viol = await axe(p);
  ok(viol.length === 0, "the Korean map: 0 axe-core violations", viol.join("; "));
  await p.context().close();
  const q = await page(1400, "en");
  await open(q, "#/actor/dprk");
  const de = await q.$eval("dd[data-actor='dprk']", (e) => [e.lang, e.textContent]);
  ok(de[0] === "en" && de[1] === dprk.name, "in English the same page shows the default name, lang=en (the twin)", de.join(" "));
  await q.context().close();
}

/* ---- implementation scores: the chart's numbers are armistice export's ---- */
for (const width of [1400, 390]) {
  const p = await page(width);
  await open(p, "#/board");
  await p.waitForSelector("#scores table.scores-yearly");
  const yearly = ndjson("yearly.ndjson");
  const rows = await p.$$eval("table.scores-yearly tbody tr", (n) => n.map((r) => ({
    year: Number(r.dataset.year),
    provisions: r.querySelector("[data-col=provisions]").textContent,
    full: r.querySelector("[data-col=full]").textContent,
    percent_full: r.querySelector("[data-col=percent_full]").dataset.value,
    percent_score: r.querySelector("[data-col=percent_score]").dataset.value })));
  const same = rows.length === yearly.length && yearly.every((y, i) => rows[i].year === y.year && rows[i].provisions === String(y.provisions) &&
    rows[i].full === String(y.full) && Number(rows[i].percent_full) === y.percent_full && Number(rows[i].percent_score) === y.percent_score);
  ok(same, `${width} px: the yearly implementation table equals armistice export (${yearly.length} years, ${yearly.map((y) => `${y.year} ${y.percent_full} %`).join(", ")})`,
    JSON.stringify(rows.slice(0, 2)));
  const bars = await p.$$eval("svg.scores-chart rect[data-year]", (n) => n.map((r) => r.dataset.year));
  ok(bars.length === yearly.length, `${width} px: a bar per year in the chart (${bars.length})`);
  const label = await p.getAttribute("svg.scores-chart", "aria-label");
  const last = yearly[yearly.length - 1];
  ok(/Bar chart/.test(label) && label.includes(String(last.year)) && label.includes(String(last.percent_full)),
    `${width} px: the chart has a text alternative naming the last year's share`, label);
  if (width === 1400) {
    const scores = ndjson("scores.ndjson");
    await p.click(".sc-details summary");
    const cells = await p.$$eval("table.scores-matrix tbody tr", (n) => n.flatMap((r) =>
      [...r.querySelectorAll("td[data-year]")].map((c) => `${r.dataset.provision} ${c.dataset.year} ${c.textContent}`)));
    const want = scores.map((r) => `${r.provision} ${r.year} ${r.score}`);
    ok(cells.length === want.length && want.every((w) => cells.includes(w)), `every commitment's score per year equals armistice export (${want.length} scores)`,
      want.filter((w) => !cells.includes(w)).slice(0, 3).join("; "));
    const viol = await axe(p);
    ok(viol.length === 0, "the board with the score table open: 0 axe-core violations", viol.join("; "));
    await p.locator("#scores").screenshot({ path: `${SHOTS}/scores-${width}.png` });
  } else {
    const sw = await p.evaluate(() => document.documentElement.scrollWidth);
    ok(sw <= width, `${width} px: the scores do not widen the page (${sw} px)`);
  }
  await p.context().close();
}

await browser.close();
proxy.close();
console.log(`# dashboard: ${failed} failed`);
process.exit(failed ? 1 : 0);
