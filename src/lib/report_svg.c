/*
 * report_svg.c - the report's map and chart as inline SVG (report.h,
 * docs/report.md). Each has a <title> and a <desc> (WCAG 2.1 1.1.1,
 * SVG 1.1 §5.4), a legend in HTML and, for the chart, the same numbers as
 * a table. No script, no external resource.
 *
 * The map projects longitude and latitude equirectangularly about the
 * middle latitude of what it shows (x = lon cos(lat0), y = lat): over the
 * few hundred km of a ceasefire line the distortion is a few percent at
 * most, and the scale bar, measured along that parallel, says so.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/agreement.h"
#include "armistice/common.h"
#include "armistice/geo.h"
#include "armistice/geo_outline.h"
#include "report_int.h"

#define MAP_W 760.0
#define MAP_H_MAX 900.0
#define MAP_PAD 24.0
#define KM_PER_DEG (GEO_EARTH_KM * 3.14159265358979323846 / 180.0)
#define CHART_BINS_MAX 240
/* The reference line is drawn from a sample every MDL_STEP_KM along it. */
#define MDL_STEP_KM 0.5
#define MDL_SAMPLES_MAX 20000
/* The part that is the reference line itself (no zone). */
#define PART_MDL SIZE_MAX

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                      "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};

/* ---------------------------------------------------------------- map */

struct part {
	size_t zone, off, n;
	bool closed;
};

struct shapes {
	double *pts; /* lon, lat pairs */
	size_t npts, cap;
	struct part *parts;
	size_t nparts, pcap;
	size_t zone; /* the zone being read */
	double lon0, lon1, lat0, lat1;
	bool any;
};

static void
grow_box(struct shapes *s, double lon, double lat)
{
	if (!s->any) {
		s->lon0 = s->lon1 = lon;
		s->lat0 = s->lat1 = lat;
		s->any = true;
		return;
	}
	s->lon0 = fmin(s->lon0, lon);
	s->lon1 = fmax(s->lon1, lon);
	s->lat0 = fmin(s->lat0, lat);
	s->lat1 = fmax(s->lat1, lat);
}

static int
add_part(void *ctx, const double *lonlat, size_t n, bool closed, struct arm_err *e)
{
	struct shapes *s = ctx;
	size_t i;

	if (s->npts + n > s->cap) {
		size_t nc = (s->cap + n) * 2;
		double *np = realloc(s->pts, nc * 2 * sizeof(double));
		if (np == NULL)
			return arm_err_set(e, ARM_ENOMEM, "report: out of memory");
		s->pts = np;
		s->cap = nc;
	}
	if (s->nparts == s->pcap) {
		size_t nc = s->pcap ? 2 * s->pcap : 16;
		struct part *np = realloc(s->parts, nc * sizeof(*np));
		if (np == NULL)
			return arm_err_set(e, ARM_ENOMEM, "report: out of memory");
		s->parts = np;
		s->pcap = nc;
	}
	memcpy(s->pts + 2 * s->npts, lonlat, n * 2 * sizeof(double));
	s->parts[s->nparts++] = (struct part){s->zone, s->npts, n, closed};
	s->npts += n;
	for (i = 0; i < n; i++)
		grow_box(s, lonlat[2 * i], lonlat[2 * i + 1]);
	return ARM_OK;
}

struct proj {
	double lon0, lat1, kx, s, w, h;
};

static void
project(const struct proj *p, double lon, double lat, double *x, double *y)
{
	*x = MAP_PAD + (lon - p->lon0) * p->kx * p->s;
	*y = MAP_PAD + (p->lat1 - lat) * p->s;
}

static void
fit(struct shapes *s, struct proj *p)
{
	double mid, dx, dy, padx, pady;

	/* A lone point or a line along a parallel still gets an area around it. */
	padx = fmax((s->lon1 - s->lon0) * 0.05, 0.05);
	pady = fmax((s->lat1 - s->lat0) * 0.05, 0.05);
	s->lon0 -= padx;
	s->lon1 += padx;
	s->lat0 -= pady;
	s->lat1 += pady;
	mid = (s->lat0 + s->lat1) / 2;
	p->kx = cos(mid * 3.14159265358979323846 / 180.0);
	p->lon0 = s->lon0;
	p->lat1 = s->lat1;
	dx = (s->lon1 - s->lon0) * p->kx;
	dy = s->lat1 - s->lat0;
	p->s = (MAP_W - 2 * MAP_PAD) / dx;
	if (dy * p->s > MAP_H_MAX - 2 * MAP_PAD)
		p->s = (MAP_H_MAX - 2 * MAP_PAD) / dy;
	p->w = dx * p->s + 2 * MAP_PAD;
	p->h = dy * p->s + 2 * MAP_PAD + 30; /* room for the scale bar */
}

/* One part as an SVG path; points closer than half a pixel are dropped. */
static int
draw_part(const struct shapes *s, const struct part *pt, const struct proj *p, struct buf *b,
          struct arm_err *e)
{
	double lx = -1e9, ly = -1e9, x, y;
	size_t i;
	const char *color = palette[pt->zone % ARM_ARRAY_LEN(palette)];

	if (pt->zone == PART_MDL)
		ARM_TRY(buf_puts(
		    b, "<path fill=\"none\" stroke=\"#c00000\" stroke-width=\"2.2\" d=\"", e));
	else if (pt->closed)
		ARM_TRY(buf_printf(b, e,
		                   "<path fill=\"%s\" fill-opacity=\"0.18\" stroke=\"%s\" "
		                   "stroke-width=\"1.2\" d=\"",
		                   color, color));
	else
		ARM_TRY(
		    buf_puts(b, "<path fill=\"none\" stroke=\"#333\" stroke-width=\"1\" d=\"", e));
	for (i = 0; i < pt->n; i++) {
		project(p, s->pts[2 * (pt->off + i)], s->pts[2 * (pt->off + i) + 1], &x, &y);
		if (i > 0 && i + 1 < pt->n && fabs(x - lx) < 0.5 && fabs(y - ly) < 0.5)
			continue;
		ARM_TRY(buf_printf(b, e, "%s%.1f %.1f", i ? " L" : "M", x, y));
		lx = x;
		ly = y;
	}
	return buf_puts(b, pt->closed ? " Z\"/>\n" : "\"/>\n", e);
}

/* A round length of about a quarter of the map's width, and its bar. */
static int
scale_bar(const struct proj *p, struct buf *b, struct arm_err *e)
{
	static const double nice[] = {0.1, 0.2, 0.5, 1,   2,   5,    10,
	                              20,  50,  100, 200, 500, 1000, 2000};
	/* Along the middle parallel one degree of longitude is KM_PER_DEG * kx km = kx*s px. */
	double km_per_px = KM_PER_DEG / p->s, want = p->w / 4 * km_per_px, km = nice[0], px;
	double y = p->h - 18;
	size_t i;

	for (i = 0; i < ARM_ARRAY_LEN(nice); i++)
		if (nice[i] <= want)
			km = nice[i];
	px = km / km_per_px;
	return buf_printf(b, e,
	                  "<g id=\"scale\"><path d=\"M%.1f %.1f v-6 h%.1f v6\" fill=\"none\" "
	                  "stroke=\"#000\" stroke-width=\"1.5\"/><text x=\"%.1f\" y=\"%.1f\" "
	                  "font-size=\"12\">%g km</text></g>\n",
	                  MAP_PAD, y, px, MAP_PAD + px + 6, y, km);
}

static int
draw_incidents(const struct report *r, const struct engine *eng, const struct proj *p,
               struct buf *b, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	size_t i, n = 0;

	for (i = 0; i < engine_nincidents(eng); i++) {
		struct engine_incident inc;
		double x, y;
		char t[17];
		engine_incident(eng, i, &inc);
		if (inc.occurred < r->p.from || inc.occurred > r->p.to)
			continue;
		n++;
		if (!inc.has_pos)
			continue;
		project(p, (double)inc.lon_e7 / 1e7, (double)inc.lat_e7 / 1e7, &x, &y);
		report_minute(inc.occurred, a->tz_offset, t);
		ARM_TRY(
		    buf_printf(b, e,
		               "<g><title>%zu: %s, %s (%s)</title><circle cx=\"%.1f\" cy=\"%.1f\" "
		               "r=\"6\" fill=\"%s\" stroke=\"#000\"/><text x=\"%.1f\" y=\"%.1f\" "
		               "font-size=\"11\" font-weight=\"700\">%zu</text></g>\n",
		               n, a->kinds[inc.kind].id, t,
		               inc.dismissed   ? "dismissed"
		               : inc.confirmed ? "confirmed"
		                               : "reported",
		               x, y,
		               inc.dismissed   ? "#bbbbbb"
		               : inc.confirmed ? "#d62728"
		                               : "#ff9f1c",
		               x + 8, y + 4, n));
	}
	return ARM_OK;
}

static int
map_legend(const struct engine *eng, const struct shapes *s, bool have_mdl, struct buf *b,
           struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	size_t z, i;

	ARM_TRY(buf_puts(b, "<ul class=\"legend\">\n", e));
	if (have_mdl)
		ARM_TRY(buf_puts(b,
		                 "<li><span class=\"sw\" style=\"background:#c00000\"></span>the "
		                 "reference line (Military Demarcation Line)</li>\n",
		                 e));
	for (z = 0; z < a->nzones; z++) {
		bool area = false, line = false;
		for (i = 0; i < s->nparts; i++)
			if (s->parts[i].zone == z) {
				area |= s->parts[i].closed;
				line |= !s->parts[i].closed;
			}
		ARM_TRY(buf_printf(b, e, "<li><span class=\"sw\" style=\"background:%s%s\"></span>",
		                   area ? palette[z % ARM_ARRAY_LEN(palette)] : "#fff",
		                   area ? ";opacity:.5" : ""));
		ARM_TRY(report_esc(b, a->zones[z].name ? a->zones[z].name : a->zones[z].id, e));
		if (line)
			ARM_TRY(buf_puts(b, " (drawn as dark lines)", e));
		if (!area && !line)
			ARM_TRY(buf_puts(b, " (not drawn)", e));
		ARM_TRY(buf_puts(b, "</li>\n", e));
	}
	return buf_puts(b,
	                "<li><span class=\"sw\" style=\"background:#d62728\"></span>incident, "
	                "confirmed</li><li><span class=\"sw\" style=\"background:#ff9f1c\"></span>"
	                "reported</li><li><span class=\"sw\" style=\"background:#bbbbbb\"></span>"
	                "dismissed</li>\n</ul>\n",
	                e);
}

/* The MDL sampled every MDL_STEP_KM, west to east, as lon/lat pairs; *n 0 without one. */
static int
mdl_samples(struct geo_map *dm, double **out, size_t *n, struct arm_err *e)
{
	double len = geo_mdl_length_km(dm), lat, lon;
	size_t i, k;

	*out = NULL;
	*n = 0;
	if (len <= 0)
		return ARM_OK;
	k = (size_t)(len / MDL_STEP_KM) + 2;
	if (k > MDL_SAMPLES_MAX)
		k = MDL_SAMPLES_MAX;
	if ((*out = malloc(k * 2 * sizeof(double))) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "report: out of memory");
	for (i = 0; i < k; i++) {
		ARM_TRY(geo_mdl_point(dm, len * (double)i / (double)(k - 1), &lat, &lon, e));
		(*out)[2 * i] = lon;
		(*out)[2 * i + 1] = lat;
	}
	*n = k;
	return ARM_OK;
}

/*
 * A band zone (within W km of the MDL, geo.h) as a ring: the MDL samples
 * in its arc range offset W km along the local normal to the north (left
 * of the line walked west to east) and to the south, or the line itself
 * on a side the band does not cover. Drawn, not tested: the engine asks
 * geo_in_zone(), which measures to the nearest point of the line.
 */
static int
add_band(struct shapes *s, const double *mdl, size_t n, double da, double w, double a0, double a1,
         int side, struct arm_err *e)
{
	double *ring;
	size_t i, i0, i1, m = 0, cnt;
	int rc, dir;

	/* Sample i lies da * i km along the line. */
	for (i0 = 0; i0 < n && da * (double)i0 < a0; i0++)
		;
	for (i1 = i0; i1 < n && da * (double)i1 <= a1; i1++)
		;
	if (i1 - i0 < 2)
		return ARM_OK;
	cnt = i1 - i0;
	if ((ring = malloc((2 * cnt + 1) * 2 * sizeof(double))) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "report: out of memory");
	for (dir = 1; dir >= -1; dir -= 2) {
		for (i = 0; i < cnt; i++) {
			size_t j = dir > 0 ? i0 + i : i1 - 1 - i;
			/*
			 * The normal of the line smoothed over +-w km: an offset
			 * wider than the line's bends would fold on every wiggle.
			 */
			size_t k = (size_t)(w / da) + 1;
			size_t pj = j > i0 + k ? j - k : i0, nj = j + k < i1 ? j + k : i1 - 1;
			double lat = mdl[2 * j + 1], kx = cos(lat * 3.14159265358979323846 / 180.0);
			double dx = (mdl[2 * nj] - mdl[2 * pj]) * kx,
			       dy = mdl[2 * nj + 1] - mdl[2 * pj + 1];
			double len = sqrt(dx * dx + dy * dy),
			       off = (side == -dir) ? 0 : w / KM_PER_DEG;
			if (len == 0)
				len = 1;
			/* (-dy, dx) is the left normal: north of a line walked west to east. */
			ring[2 * m] = mdl[2 * j] + dir * (-dy / len) * off / kx;
			ring[2 * m + 1] = lat + dir * (dx / len) * off;
			m++;
		}
	}
	ring[2 * m] = ring[0];
	ring[2 * m + 1] = ring[1];
	m++;
	rc = add_part(s, ring, m, true, e);
	free(ring);
	return rc;
}

/*
 * The reference line and the band zones, from a geometry map of our own
 * (the replay's map is left as it is): each zone is loaded by asking the
 * engine's zone question once, which loads the MDL lines first.
 */
static int
add_reference(const struct agreement *a, struct shapes *s, bool *have_mdl, struct arm_err *e)
{
	struct geo_map *dm = NULL;
	double *mdl = NULL, w, a0, a1;
	size_t n = 0, z, gi;
	int side, rc;

	*have_mdl = false;
	ARM_TRY(geo_map_new(&dm, e));
	for (z = 0; z < a->nzones; z++) {
		bool inside;
		struct arm_err ze;
		/* A zone the map refuses (a Point, say) is only not drawn as a band. */
		(void)geo_engine_in_zone(dm, a, z, 38.0, 127.0, &inside, &ze);
	}
	rc = mdl_samples(dm, &mdl, &n, e);
	for (z = 0; rc == ARM_OK && n >= 2 && z < a->nzones; z++) {
		gi = geo_zone_index(dm, a->zones[z].id);
		if (gi == (size_t)-1 || !geo_zone_band(dm, gi, &w, &a0, &a1, &side))
			continue;
		s->zone = z;
		rc = add_band(s, mdl, n, geo_mdl_length_km(dm) / (double)(n - 1), w, a0, a1, side,
		              e);
	}
	if (rc == ARM_OK && n >= 2) {
		s->zone = PART_MDL;
		rc = add_part(s, mdl, n, false, e);
		*have_mdl = rc == ARM_OK;
	}
	free(mdl);
	geo_map_free(dm);
	return rc;
}

int
report_map(const struct report *r, const struct engine *eng, struct buf *b, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	struct shapes s;
	struct proj p;
	size_t z, i, placed = 0;
	int rc = ARM_OK;

	bool have_mdl = false;

	memset(&s, 0, sizeof(s));
	for (z = 0; z < a->nzones && rc == ARM_OK; z++) {
		s.zone = z;
		rc = geo_outline(a->zones[z].geojson, a->zones[z].geojson_len, add_part, &s, e);
	}
	if (rc == ARM_OK)
		rc = add_reference(a, &s, &have_mdl, e);
	for (i = 0; rc == ARM_OK && i < engine_nincidents(eng); i++) {
		struct engine_incident inc;
		engine_incident(eng, i, &inc);
		if (inc.has_pos && inc.occurred >= r->p.from && inc.occurred <= r->p.to) {
			grow_box(&s, (double)inc.lon_e7 / 1e7, (double)inc.lat_e7 / 1e7);
			placed++;
		}
	}
	if (rc != ARM_OK)
		goto out;
	if (!s.any) {
		rc = buf_puts(b, "<p>No zone geometry and no incident position to map.</p>\n", e);
		goto out;
	}
	fit(&s, &p);
	if ((rc =
	         buf_printf(b, e,
	                    "<figure>\n<svg id=\"map\" role=\"img\" aria-labelledby=\"map-title "
	                    "map-desc\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\">\n"
	                    "<title id=\"map-title\">Map of the incidents of the period</title>\n"
	                    "<desc id=\"map-desc\">%zu incident%s with a position, numbered as in "
	                    "the table, over the agreement's %zu zones; equirectangular "
	                    "projection about latitude %.2f, north up, with a scale bar.</desc>\n",
	                    p.w, p.h, p.w, p.h, placed, placed == 1 ? "" : "s", a->nzones,
	                    (s.lat0 + s.lat1) / 2)) != ARM_OK)
		goto out;
	for (i = 0; rc == ARM_OK && i < s.nparts; i++)
		if (s.parts[i].closed)
			rc = draw_part(&s, &s.parts[i], &p, b, e);
	for (i = 0; rc == ARM_OK && i < s.nparts; i++)
		if (!s.parts[i].closed && s.parts[i].zone != PART_MDL)
			rc = draw_part(&s, &s.parts[i], &p, b, e);
	for (i = 0; rc == ARM_OK && i < s.nparts; i++)
		if (s.parts[i].zone == PART_MDL)
			rc = draw_part(&s, &s.parts[i], &p, b, e);
	if (rc == ARM_OK)
		rc = draw_incidents(r, eng, &p, b, e);
	if (rc == ARM_OK)
		rc = scale_bar(&p, b, e);
	if (rc == ARM_OK)
		rc = buf_puts(b,
		              "</svg>\n<figcaption>Zones of the agreement and the incidents of the "
		              "period with a position.</figcaption>\n</figure>\n",
		              e);
	if (rc == ARM_OK)
		rc = map_legend(eng, &s, have_mdl, b, e);
out:
	free(s.pts);
	free(s.parts);
	return rc;
}

/* -------------------------------------------------------------- chart */

/* Calendar arithmetic in the agreement's zone (agreement_days_from_civil()). */
static void
civil_of(int64_t t, int32_t tz, int32_t *y, int32_t *m, int32_t *d)
{
	char s[21];

	engine_time_utc(t + tz, s);
	*y = (int32_t)strtol(s, NULL, 10);
	*m = (int32_t)strtol(s + 5, NULL, 10);
	*d = (int32_t)strtol(s + 8, NULL, 10);
}

static int64_t
month_start(int64_t y, int64_t m, int32_t tz)
{
	while (m < 1) {
		m += 12;
		y--;
	}
	while (m > 12) {
		m -= 12;
		y++;
	}
	return agreement_days_from_civil(y, m, 1) * 86400 - tz;
}

/* The bins' first instants; bins[n] ends the last. At least 12 bins, ending with the period. */
static size_t
make_bins(const struct report *r, int32_t tz, int64_t *bins, size_t max)
{
	int32_t y, m, d;
	size_t n = 0;
	int64_t start, end;

	if (r->p.bin == REPORT_MONTH) {
		int64_t k, k0, k1;
		civil_of(r->p.from, tz, &y, &m, &d);
		k0 = (int64_t)y * 12 + (m - 1);
		civil_of(r->p.to, tz, &y, &m, &d);
		k1 = (int64_t)y * 12 + (m - 1);
		if (k1 - k0 < 11)
			k0 = k1 - 11;
		for (k = k0; k <= k1 + 1 && n < max + 1; k++)
			bins[n++] = month_start(k / 12, k % 12 + 1, tz);
		return n - 1;
	}
	/* Weeks start on Monday (ISO 8601); 1970-01-01 was a Thursday. */
	civil_of(r->p.to, tz, &y, &m, &d);
	end = agreement_days_from_civil(y, m, d);
	end -= ((end % 7) + 10) % 7;
	civil_of(r->p.from, tz, &y, &m, &d);
	start = agreement_days_from_civil(y, m, d);
	start -= ((start % 7) + 10) % 7;
	if ((end - start) / 7 < 12)
		start = end - 12 * 7;
	for (; start <= end + 7 && n < max + 1; start += 7)
		bins[n++] = start * 86400 - tz;
	return n - 1;
}

static size_t
bin_of(const int64_t *bins, size_t n, int64_t t)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t >= bins[i] && t < bins[i + 1])
			return i;
	return SIZE_MAX;
}

static int
chart_table(const struct report *r, const struct agreement *a, const int64_t *bins, size_t nb,
            const size_t *cnt, const size_t *per_kind, struct buf *b, struct arm_err *e)
{
	size_t i, k, tot;

	ARM_TRY(buf_printf(b, e,
	                   "<table id=\"chart-data\">\n<caption>Incidents per %s by kind (the "
	                   "chart's numbers)</caption>\n<thead><tr><th scope=\"col\">%s</th>",
	                   r->p.bin == REPORT_MONTH ? "month" : "week",
	                   r->p.bin == REPORT_MONTH ? "Month" : "Week from"));
	for (k = 0; k < a->nkinds; k++)
		if (per_kind[k] > 0)
			ARM_TRY(buf_printf(b, e, "<th scope=\"col\">%s</th>", a->kinds[k].id));
	ARM_TRY(buf_puts(b, "<th scope=\"col\">All</th></tr></thead>\n<tbody>\n", e));
	for (i = 0; i < nb; i++) {
		char day[11];
		report_day(bins[i], a->tz_offset, day);
		if (r->p.bin == REPORT_MONTH)
			day[7] = '\0';
		ARM_TRY(buf_printf(b, e, "<tr><th scope=\"row\">%s</th>", day));
		for (k = 0, tot = 0; k < a->nkinds; k++) {
			tot += cnt[i * a->nkinds + k];
			if (per_kind[k] > 0)
				ARM_TRY(buf_printf(b, e, "<td class=\"n\">%zu</td>",
				                   cnt[i * a->nkinds + k]));
		}
		ARM_TRY(buf_printf(b, e, "<td class=\"n\">%zu</td></tr>\n", tot));
	}
	return buf_puts(b, "</tbody>\n</table>\n", e);
}

static int
chart_svg(const struct report *r, const struct agreement *a, const int64_t *bins, size_t nb,
          const size_t *cnt, struct buf *b, struct arm_err *e)
{
	const double W = 760, H = 280, L = 44, R = 10, T = 14, B = 46;
	double bw = (W - L - R) / (double)nb, y;
	size_t i, k, top = 1, tot, step, tick;

	for (i = 0; i < nb; i++) {
		for (k = 0, tot = 0; k < a->nkinds; k++)
			tot += cnt[i * a->nkinds + k];
		if (tot > top)
			top = tot;
	}
	ARM_TRY(
	    buf_printf(b, e,
	               "<figure>\n<svg id=\"chart\" role=\"img\" aria-labelledby=\"chart-title "
	               "chart-desc\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\">\n"
	               "<title id=\"chart-title\">Incidents per %s by kind</title>\n<desc "
	               "id=\"chart-desc\">Stacked bars, one per %s, from %zu %ss; the shaded "
	               "bars are the period. The table below gives the numbers.</desc>\n",
	               W, H, W, H, r->p.bin == REPORT_MONTH ? "month" : "week",
	               r->p.bin == REPORT_MONTH ? "month" : "week", nb,
	               r->p.bin == REPORT_MONTH ? "month" : "week"));
	step = top <= 5 ? 1 : (top + 4) / 5;
	for (tick = 0; tick <= top; tick += step) {
		y = H - B - (double)tick / (double)top * (H - B - T);
		ARM_TRY(buf_printf(b, e,
		                   "<path d=\"M%.1f %.1f H%.1f\" stroke=\"#ddd\"/><text x=\"%.1f\" "
		                   "y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%zu</text>\n",
		                   L, y, W - R, L - 4, y + 4, tick));
	}
	for (i = 0; i < nb; i++) {
		double x = L + (double)i * bw, base = H - B;
		char day[11];
		if (bins[i + 1] > r->p.from && bins[i] <= r->p.to)
			ARM_TRY(
			    buf_printf(b, e,
			               "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			               "fill=\"#e8eef7\"/>\n",
			               x, T, bw, H - B - T));
		for (k = 0; k < a->nkinds; k++) {
			size_t c = cnt[i * a->nkinds + k];
			double h = (double)c / (double)top * (H - B - T);
			if (c == 0)
				continue;
			base -= h;
			ARM_TRY(
			    buf_printf(b, e,
			               "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			               "fill=\"%s\"><title>%s: %zu</title></rect>\n",
			               x + bw * 0.12, base, bw * 0.76, h,
			               palette[k % ARM_ARRAY_LEN(palette)], a->kinds[k].id, c));
		}
		/* Label about a dozen bars at most. */
		if (i % ((nb + 11) / 12) != 0)
			continue;
		report_day(bins[i], a->tz_offset, day);
		ARM_TRY(buf_printf(b, e,
		                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
		                   "text-anchor=\"middle\">%s</text>\n",
		                   x + bw / 2, H - B + 14,
		                   r->p.bin == REPORT_MONTH ? day : day + 5));
	}
	return buf_puts(b, "</svg>\n</figure>\n", e);
}

int
report_chart(const struct report *r, const struct engine *eng, struct buf *b, struct arm_err *e)
{
	const struct agreement *a = engine_agreement(eng);
	int64_t bins[CHART_BINS_MAX + 2];
	size_t nb = make_bins(r, a->tz_offset, bins, CHART_BINS_MAX), i, k, *cnt, *per_kind;
	int rc = ARM_OK;

	if (nb == 0 || nb >= CHART_BINS_MAX)
		return buf_printf(b, e,
		                  "<p>The period spans more than %d %ss: no chart (the incidents "
		                  "table lists them).</p>\n",
		                  CHART_BINS_MAX, r->p.bin == REPORT_MONTH ? "month" : "week");
	cnt = calloc(nb * (a->nkinds ? a->nkinds : 1), sizeof(*cnt));
	per_kind = calloc(a->nkinds ? a->nkinds : 1, sizeof(*per_kind));
	if (cnt == NULL || per_kind == NULL) {
		free(cnt);
		free(per_kind);
		return arm_err_set(e, ARM_ENOMEM, "report: out of memory");
	}
	for (i = 0; i < engine_nincidents(eng); i++) {
		struct engine_incident inc;
		engine_incident(eng, i, &inc);
		if ((k = bin_of(bins, nb, inc.occurred)) == SIZE_MAX)
			continue;
		cnt[k * a->nkinds + inc.kind]++;
		per_kind[inc.kind]++;
	}
	rc = buf_printf(b, e, "<h3>Incidents per %s</h3>\n",
	                r->p.bin == REPORT_MONTH ? "month" : "week");
	if (rc == ARM_OK)
		rc = chart_svg(r, a, bins, nb, cnt, b, e);
	if (rc == ARM_OK) {
		rc = buf_puts(b, "<ul class=\"legend\">\n", e);
		for (k = 0; rc == ARM_OK && k < a->nkinds; k++)
			if (per_kind[k] > 0)
				rc = buf_printf(
				    b, e,
				    "<li><span class=\"sw\" style=\"background:%s\"></span>%s"
				    "</li>\n",
				    palette[k % ARM_ARRAY_LEN(palette)], a->kinds[k].id);
		if (rc == ARM_OK)
			rc = buf_puts(b, "</ul>\n", e);
	}
	if (rc == ARM_OK)
		rc = chart_table(r, a, bins, nb, cnt, per_kind, b, e);
	free(cnt);
	free(per_kind);
	return rc;
}
