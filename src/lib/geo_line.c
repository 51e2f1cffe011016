/* geo_line.c - see geo_line.h and geo.h ("reference line"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "armistice/agreement.h"
#include "armistice/common.h"
#include "geo_line.h"

#define DEG (M_PI / 180.0)
#define ON_LINE_KM 0.001  /* closer than 1 m counts as on the line */
#define AT_VERTEX_KM 1e-9 /* a nearest point this close to a vertex is the vertex */

/*
 * Spherical azimuthal equidistant projection (Snyder, "Map Projections: A
 * Working Manual", USGS PP 1395, §25), radius GEO_EARTH_KM, x east and y
 * north in km. Distances and bearings from the centre are true.
 */
void
geo_aeqd_init(struct geo_aeqd *p, double lat0, double lon0)
{
	p->lat0 = lat0;
	p->lon0 = lon0;
	p->sin0 = sin(lat0 * DEG);
	p->cos0 = cos(lat0 * DEG);
}

void
geo_aeqd_fwd(const struct geo_aeqd *p, double lat, double lon, double *x, double *y)
{
	double sp = sin(lat * DEG), cp = cos(lat * DEG), dl = (lon - p->lon0) * DEG;
	double cc = p->sin0 * sp + p->cos0 * cp * cos(dl), c, k;

	cc = cc > 1 ? 1 : cc < -1 ? -1 : cc;
	c = acos(cc);
	/* k = c / sin c, 1 at the centre (its limit); the antipode is not mapped. */
	k = c < 1e-9 ? 1.0 : c / sin(c);
	*x = GEO_EARTH_KM * k * cp * sin(dl);
	*y = GEO_EARTH_KM * k * (p->cos0 * sp - p->sin0 * cp * cos(dl));
}

void
geo_aeqd_inv(const struct geo_aeqd *p, double x, double y, double *lat, double *lon)
{
	double rho = hypot(x, y), c = rho / GEO_EARTH_KM, sc = sin(c), cc = cos(c), s;

	if (rho < 1e-12) {
		*lat = p->lat0;
		*lon = p->lon0;
		return;
	}
	s = cc * p->sin0 + y * sc * p->cos0 / rho;
	*lat = asin(s > 1 ? 1 : s < -1 ? -1 : s) / DEG;
	*lon = p->lon0 + atan2(x * sc, rho * p->cos0 * cc - y * p->sin0 * sc) / DEG;
	if (*lon > 180)
		*lon -= 360;
	else if (*lon < -180)
		*lon += 360;
}

void
geo_line_release(GEOSContextHandle_t h, struct geo_line *l)
{
	free(l->lat);
	free(l->lon);
	free(l->cum);
	free(l->x);
	free(l->y);
	free(l->pcum);
	if (l->g != NULL)
		GEOSGeom_destroy_r(h, l->g);
	memset(l, 0, sizeof(*l));
}

void
geo_line_west_to_east(struct geo_line *l)
{
	size_t i;

	if (l->lon[0] > l->lon[l->n - 1]) {
		for (i = 0; i < l->n / 2; i++) {
			size_t j = l->n - 1 - i;
			double t;

			t = l->lat[i], l->lat[i] = l->lat[j], l->lat[j] = t;
			t = l->lon[i], l->lon[i] = l->lon[j], l->lon[j] = t;
		}
	}
	l->cum[0] = 0;
	for (i = 1; i < l->n; i++)
		l->cum[i] = l->cum[i - 1] +
		            geo_haversine_km(l->lat[i - 1], l->lon[i - 1], l->lat[i], l->lon[i]);
}

int
geo_line_project(GEOSContextHandle_t h, struct geo_line *l, const char *msg, struct arm_err *e)
{
	double la0 = l->lat[0], la1 = l->lat[0], lo0 = l->lon[0], lo1 = l->lon[0];
	GEOSCoordSequence *cs;
	size_t i;

	for (i = 1; i < l->n; i++) {
		la0 = fmin(la0, l->lat[i]);
		la1 = fmax(la1, l->lat[i]);
		lo0 = fmin(lo0, l->lon[i]);
		lo1 = fmax(lo1, l->lon[i]);
	}
	geo_aeqd_init(&l->proj, (la0 + la1) / 2, (lo0 + lo1) / 2);
	l->x = calloc(l->n, sizeof(double));
	l->y = calloc(l->n, sizeof(double));
	l->pcum = calloc(l->n, sizeof(double));
	if (l->x == NULL || l->y == NULL || l->pcum == NULL)
		return arm_err_set(e, ARM_ENOMEM, "geo: out of memory projecting the line");
	if ((cs = GEOSCoordSeq_create_r(h, (unsigned)l->n, 2)) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "geo: out of memory projecting the line");
	for (i = 0; i < l->n; i++) {
		geo_aeqd_fwd(&l->proj, l->lat[i], l->lon[i], &l->x[i], &l->y[i]);
		l->pcum[i] =
		    i ? l->pcum[i - 1] + hypot(l->x[i] - l->x[i - 1], l->y[i] - l->y[i - 1]) : 0;
		if (!GEOSCoordSeq_setXY_r(h, cs, (unsigned)i, l->x[i], l->y[i])) {
			GEOSCoordSeq_destroy_r(h, cs);
			return arm_err_set(e, ARM_EIO, "geo: projecting the line: GEOS: %s", msg);
		}
	}
	if ((l->g = GEOSGeom_createLineString_r(h, cs)) == NULL)
		return arm_err_set(e, ARM_EIO, "geo: projecting the line: GEOS: %s", msg);
	return ARM_OK;
}

/* GEOS orientation of p against a->b: +1 left, -1 right, 0 on its line; 2 on error. */
static int
orient(GEOSContextHandle_t h, const struct geo_line *l, size_t a, size_t b, double px, double py)
{
	return GEOSOrientationIndex_r(h, l->x[a], l->y[a], l->x[b], l->y[b], px, py);
}

/*
 * The side of (px, py) whose nearest point is on segment i at fraction t.
 * Inside a segment, or at an end (the end segment extended), that
 * segment's orientation decides; at a shared vertex both segments decide
 * together, so corners do not flip the side: inside a left turn the point
 * is on the left only if left of both, outside a right turn if left of
 * either.
 */
static int
line_side(GEOSContextHandle_t h, const struct geo_line *l, size_t i, double t, double px, double py,
          int *side)
{
	int c = orient(h, l, i, i + 1, px, py);

	if ((t == 1.0 && i + 2 < l->n) || (t == 0.0 && i > 0)) {
		size_t v = t == 1.0 ? i + 1 : i;
		int c1 = orient(h, l, v - 1, v, px, py), c2 = orient(h, l, v, v + 1, px, py);
		int turn = orient(h, l, v - 1, v, l->x[v + 1], l->y[v + 1]);

		if (c1 == 2 || c2 == 2 || turn == 2)
			return ARM_EIO;
		if (turn > 0)
			c = (c1 > 0 && c2 > 0) ? 1 : -1;
		else
			c = (c1 > 0 || c2 > 0) ? 1 : -1;
	}
	if (c == 2)
		return ARM_EIO;
	*side = c;
	return ARM_OK;
}

int
geo_line_locate(GEOSContextHandle_t h, const struct geo_line *l, double lat, double lon,
                struct geo_place *p, const char *msg, struct arm_err *e)
{
	GEOSGeometry *pt;
	double px, py, along, dist = 0, seg, t, qx, qy;
	size_t lo = 0, hi, i;
	int ok;

	geo_aeqd_fwd(&l->proj, lat, lon, &px, &py);
	if ((pt = GEOSGeom_createPointFromXY_r(h, px, py)) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "geo: point: %s", msg);
	along = GEOSProject_r(h, l->g, pt);
	ok = along >= 0 && GEOSDistance_r(h, l->g, pt, &dist) == 1;
	GEOSGeom_destroy_r(h, pt);
	if (!ok)
		return arm_err_set(e, ARM_EIO, "geo: distance to the line: GEOS: %s", msg);
	/* The segment holding the nearest point: the last vertex at or before it. */
	hi = l->n - 1;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->pcum[mid] <= along)
			lo = mid;
		else
			hi = mid;
	}
	i = lo;
	seg = l->pcum[i + 1] - l->pcum[i];
	t = along - l->pcum[i] <= AT_VERTEX_KM                   ? 0.0
	    : l->pcum[i + 1] - along <= AT_VERTEX_KM || seg <= 0 ? 1.0
	                                                         : (along - l->pcum[i]) / seg;
	qx = l->x[i] + t * (l->x[i + 1] - l->x[i]);
	qy = l->y[i] + t * (l->y[i + 1] - l->y[i]);
	geo_aeqd_inv(&l->proj, qx, qy, &p->near_lat, &p->near_lon);
	p->mdl_km = dist;
	p->arc_km = l->cum[i] + t * (l->cum[i + 1] - l->cum[i]);
	p->beyond_end = (i == 0 && t == 0.0) || (i + 2 == l->n && t == 1.0);
	p->side = 0;
	if (dist >= ON_LINE_KM && line_side(h, l, i, t, px, py, &p->side) != ARM_OK)
		return arm_err_set(e, ARM_EIO, "geo: side of the line: GEOS: %s", msg);
	return ARM_OK;
}

int
geo_line_sign(const struct geo_line *l, int positive)
{
	double dx = l->x[l->n - 1] - l->x[0], dy = l->y[l->n - 1] - l->y[0];
	double len = hypot(dx, dy), d;

	/* The left normal of the walk is (-dy, dx): its component along the side's direction. */
	switch (positive) {
	case AGREEMENT_SIDE_NORTH: d = dx; break;
	case AGREEMENT_SIDE_SOUTH: d = -dx; break;
	case AGREEMENT_SIDE_EAST: d = -dy; break;
	case AGREEMENT_SIDE_WEST: d = dy; break;
	default: return 0;
	}
	if (len <= 0 || fabs(d) < M_SQRT1_2 * len)
		return 0;
	return d > 0 ? 1 : -1;
}

/* Through the map's public calls: the line is read exactly as a replay reads it. */
int
geo_check_line(const char *label, const char *geojson, size_t len, int positive, struct arm_err *e)
{
	struct geo_map *m = NULL;
	int rc;

	ARM_TRY(geo_map_new(&m, e));
	rc = geo_map_set_line(m, geojson, len, e);
	if (rc == ARM_OK && geo_map_line_sign(m, positive) == 0)
		rc =
		    arm_err_set(e, ARM_ERULE,
		                "geo: %s runs within 45 degrees of the %s axis from end to end: "
		                "name the side across it (%s)",
		                label,
		                positive == AGREEMENT_SIDE_NORTH || positive == AGREEMENT_SIDE_SOUTH
		                    ? "north-south"
		                    : "east-west",
		                positive == AGREEMENT_SIDE_NORTH || positive == AGREEMENT_SIDE_SOUTH
		                    ? "east or west"
		                    : "north or south");
	else if (rc != ARM_OK)
		arm_err_prefix(e, "%s", label);
	geo_map_free(m);
	return rc;
}
