/* geo.c - see geo.h. */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geos_c.h>
#include <libfyaml.h>

#include "armistice/agreement.h"
#include "armistice/csv.h"
#include "armistice/geo.h"
#include "armistice/common.h"

#include "geo_line.h"

#define DEG (M_PI / 180.0)

enum geo_zone_kind {
	GEO_ZONE_POLYGON,
	GEO_ZONE_BAND, /* defined by distance from the MDL */
	GEO_ZONE_DMZ,  /* the LSIB lines document: the DMZ polygon of the map */
	GEO_ZONE_NONE, /* not an area (a line, a point): holds no point (geo_engine_place) */
};

struct geo_zone {
	char id[GEO_ZONE_ID_MAX + 1];
	enum geo_zone_kind kind;
	char *text; /* owned copy of the GeoJSON, to spot redefinitions */
	size_t text_len;
	GEOSGeometry *g; /* polygonal zones */
	const GEOSPreparedGeometry *pg;
	double within_km, arc_from, arc_to;
	int side; /* band: 0 both, +1 north, -1 south */
};

struct geo_map {
	GEOSContextHandle_t h;
	char geos_msg[256];  /* last GEOS error, for our one-line messages */
	struct geo_line mdl; /* the reference line: the MDL, or the agreement's line */
	char *line_text;     /* the GeoJSON mdl was read from (owned), to spot a redraw */
	size_t line_len;
	GEOSGeometry *dmz;
	const GEOSPreparedGeometry *dmz_p;
	struct geo_zone *zones;
	size_t nzones;
};

/* GEOS reports through a handler; keep its text instead of printing it. */
static void
geos_error_r(const char *msg, void *userdata)
{
	struct geo_map *m = userdata;

	snprintf(m->geos_msg, sizeof(m->geos_msg), "%s", msg);
}

double
geo_haversine_km(double lat1, double lon1, double lat2, double lon2)
{
	double dlat = (lat2 - lat1) * DEG, dlon = (lon2 - lon1) * DEG;
	double a = sin(dlat / 2) * sin(dlat / 2) +
	           cos(lat1 * DEG) * cos(lat2 * DEG) * sin(dlon / 2) * sin(dlon / 2);

	if (a > 1.0)
		a = 1.0;
	return 2.0 * GEO_EARTH_KM * asin(sqrt(a));
}

/* Notices (e.g. about a self-intersection) are not errors: drop them. */
static void
geos_notice_r(const char *msg, void *userdata)
{
	(void)msg;
	(void)userdata;
}

int
geo_map_new(struct geo_map **out, struct arm_err *e)
{
	struct geo_map *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (m == NULL)
		return arm_err_set(e, ARM_ENOMEM, "geo: out of memory");
	m->h = GEOS_init_r();
	if (m->h == NULL) {
		free(m);
		return arm_err_set(e, ARM_ENOMEM, "geo: GEOS failed to initialise");
	}
	GEOSContext_setErrorMessageHandler_r(m->h, geos_error_r, m);
	GEOSContext_setNoticeMessageHandler_r(m->h, geos_notice_r, NULL);
	*out = m;
	return ARM_OK;
}

static void
zone_release(GEOSContextHandle_t h, struct geo_zone *z)
{
	free(z->text);
	z->text = NULL;
	if (z->pg != NULL)
		GEOSPreparedGeom_destroy_r(h, z->pg);
	if (z->g != NULL)
		GEOSGeom_destroy_r(h, z->g);
	z->pg = NULL;
	z->g = NULL;
}

void
geo_map_free(struct geo_map *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nzones; i++)
		zone_release(m->h, &m->zones[i]);
	free(m->zones);
	if (m->dmz_p != NULL)
		GEOSPreparedGeom_destroy_r(m->h, m->dmz_p);
	if (m->dmz != NULL)
		GEOSGeom_destroy_r(m->h, m->dmz);
	geo_line_release(m->h, &m->mdl);
	free(m->line_text);
	GEOS_finish_r(m->h);
	free(m);
}

/* ---- GeoJSON through libfyaml (JSON is YAML 1.2) ---- */

/* libfyaml would print parse errors on stderr; keep the first line instead. */
static void
fy_quiet(struct fy_diag *diag, void *user, const char *msg, size_t len)
{
	char *first = user;
	size_t n = strnlen(first, 128);

	(void)diag;
	if (n > 0)
		return;
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	snprintf(first, 128, "%.*s", (int)(len > 127 ? 127 : len), msg);
	for (n = 0; first[n]; n++)
		if (first[n] == '\n')
			first[n] = ' ';
}

/*
 * What libfyaml is given as GeoJSON: valid UTF-8, an object, and strict
 * JSON where libfyaml 0.7.12 is not: no raw control character inside a
 * string (RFC 8259 §7; a tab there crashes its error formatting), no
 * line starting with '%' (it may loop scanning a YAML directive), no
 * single quote outside a string (its single-quoted scalars can crash its
 * error formatting too) and no deeper nesting than GEO_MAX_DEPTH. Pure.
 */
int
geo_json_check(const uint8_t *p, size_t n, struct arm_err *e)
{
	size_t i = 0, k, depth = 0;
	bool in_str = false, esc = false;

	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	if (i == n || p[i] != '{')
		return arm_err_set(e, ARM_ESYNTAX, "geo: GeoJSON must be a JSON object (byte %zu)",
		                   i);
	for (; i < n; i += k) {
		k = p[i] == '\0' ? 0 : csv_utf8_len(p + i, n - i);
		if (k == 0)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "geo: byte 0x%02x at offset %zu is not UTF-8 text", p[i],
			                   i);
		if (in_str && p[i] < 0x20)
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "geo: control character 0x%02x inside a string at offset %zu "
			    "(RFC 8259 §7: escape it)",
			    p[i], i);
		if (!in_str && p[i] == '%' && (i == 0 || p[i - 1] == '\n'))
			return arm_err_set(e, ARM_ESYNTAX,
			                   "geo: a line starts with '%%' at offset %zu: not JSON",
			                   i);
		/*
		 * Outside strings JSON has only structure, numbers and the
		 * letters of true, false and null (RFC 8259 §2-§6). Anything
		 * else is YAML syntax (quotes, anchors, tags, backticks, ...),
		 * which libfyaml 0.7.12 crashes on when it formats its error
		 * (fy_diag_error_atom_display; found by fuzz_geo, twice): refuse
		 * it before libfyaml sees it.
		 */
		if (!in_str && p[i] != '"' &&
		    strchr(" \t\r\n{}[]:,-+.0123456789eEtrufalsn", p[i]) == NULL)
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "geo: byte 0x%02x at offset %zu is not JSON outside a string", p[i], i);
		if (esc)
			esc = false;
		else if (in_str && p[i] == '\\')
			esc = true;
		else if (p[i] == '"')
			in_str = !in_str;
		else if (!in_str && (p[i] == '[' || p[i] == '{') && ++depth > GEO_MAX_DEPTH)
			/* GeoJSON needs 6 levels at most; a parser may recurse per level. */
			return arm_err_set(
			    e, ARM_ELIMIT,
			    "geo: arrays and objects nested deeper than %d at offset %zu",
			    GEO_MAX_DEPTH, i);
		else if (!in_str && (p[i] == ']' || p[i] == '}') && depth > 0)
			depth--;
	}
	return ARM_OK;
}

static struct fy_document *
json_parse(const char *text, size_t len, struct arm_err *e)
{
	struct fy_parse_cfg cfg;
	struct fy_diag_cfg dcfg;
	struct fy_diag *diag;
	struct fy_document *d;
	char first[128] = "";

	if (len > GEO_INPUT_MAX) {
		arm_err_set(e, ARM_ELIMIT, "geo: GeoJSON of %zu bytes is over the %u-byte limit",
		            len, GEO_INPUT_MAX);
		return NULL;
	}
	if (geo_json_check((const uint8_t *)text, len, e) != ARM_OK)
		return NULL;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = fy_quiet;
	dcfg.user = first;
	dcfg.colorize = false;
	/*
	 * No source excerpt in messages: libfyaml 0.7.12 crashes formatting
	 * one for some malformed scalars (fy_diag_error_atom_display; found
	 * by fuzz_geo from a random seed, fuzz/regress/geo/), and the message
	 * names the place by line and column anyway.
	 */
	dcfg.show_source = false;
	if ((diag = fy_diag_create(&dcfg)) == NULL) {
		arm_err_set(e, ARM_ENOMEM, "geo: out of memory");
		return NULL;
	}
	/* libfyaml 0.7.12 prints the excerpt whatever show_source says: collect instead. */
	fy_diag_set_collect_errors(diag, true);
	memset(&cfg, 0, sizeof(cfg));
	cfg.flags = FYPCF_QUIET;
	cfg.diag = diag;
	d = fy_document_build_from_string(&cfg, text, len);
	if (d == NULL && first[0] == '\0') {
		struct fy_diag_error *de;
		void *it = NULL;

		if ((de = fy_diag_errors_iterate(diag, &it)) != NULL && de->msg != NULL)
			snprintf(first, sizeof(first), "%d:%d: %.100s", de->line, de->column,
			         de->msg);
	}
	/* destroy, not unref: only destroy frees collected errors (libfyaml 0.7.12) */
	fy_diag_destroy(diag);
	if (d == NULL || fy_document_root(d) == NULL) {
		fy_document_destroy(d);
		arm_err_set(e, ARM_ESYNTAX, "geo: not a JSON document: %s",
		            first[0] ? first : "empty");
		return NULL;
	}
	return d;
}

/* The scalar at key, as a NUL-terminated copy in out; false if absent. */
static bool
json_str(struct fy_node *map, const char *key, char *out, size_t cap)
{
	struct fy_node *v;
	const char *s;
	size_t n;

	if (map == NULL || fy_node_get_type(map) != FYNT_MAPPING)
		return false;
	v = fy_node_mapping_lookup_by_string(map, key, FY_NT);
	if (v == NULL || fy_node_get_type(v) != FYNT_SCALAR)
		return false;
	s = fy_node_get_scalar(v, &n);
	if (s == NULL || n >= cap)
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

static bool
scalar_num(struct fy_node *v, double *out)
{
	char tmp[64];
	const char *s;
	char *end;
	size_t n;

	if (v == NULL || fy_node_get_type(v) != FYNT_SCALAR)
		return false;
	s = fy_node_get_scalar(v, &n);
	if (s == NULL || n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	*out = strtod(tmp, &end);
	return errno == 0 && *end == '\0' && isfinite(*out);
}

static bool
json_num(struct fy_node *map, const char *key, double *out)
{
	if (map == NULL || fy_node_get_type(map) != FYNT_MAPPING)
		return false;
	return scalar_num(fy_node_mapping_lookup_by_string(map, key, FY_NT), out);
}

/* Absent, or the JSON literal null (RFC 8259 §3). */
static bool
json_null(struct fy_node *v)
{
	const char *s;
	size_t n;

	if (v == NULL)
		return true;
	if (fy_node_get_type(v) != FYNT_SCALAR)
		return false;
	s = fy_node_get_scalar(v, &n);
	return s != NULL && n == 4 && memcmp(s, "null", 4) == 0;
}

/* Reads a LineString's coordinates ([lon, lat] pairs, RFC 7946 §3.1.1). */
static int
read_line(struct fy_node *geom, size_t feature, struct geo_line *l, struct arm_err *e)
{
	char type[32];
	struct fy_node *coords, *pt;
	void *it = NULL;
	int n, i = 0;

	if (!json_str(geom, "type", type, sizeof(type)) || strcmp(type, "LineString") != 0)
		return arm_err_set(e, ARM_ESYNTAX, "geo: feature %zu: geometry is not a LineString",
		                   feature);
	coords = fy_node_mapping_lookup_by_string(geom, "coordinates", FY_NT);
	if (coords == NULL || fy_node_get_type(coords) != FYNT_SEQUENCE)
		return arm_err_set(e, ARM_ESYNTAX, "geo: feature %zu: no coordinates array",
		                   feature);
	n = fy_node_sequence_item_count(coords);
	if (n < 2 || n > GEO_MAX_VERTICES)
		return arm_err_set(e, ARM_ESYNTAX, "geo: feature %zu: %d vertices (want 2..%d)",
		                   feature, n, GEO_MAX_VERTICES);
	l->lat = calloc((size_t)n, sizeof(double));
	l->lon = calloc((size_t)n, sizeof(double));
	l->cum = calloc((size_t)n, sizeof(double));
	if (l->lat == NULL || l->lon == NULL || l->cum == NULL)
		return arm_err_set(e, ARM_ENOMEM, "geo: out of memory");
	while ((pt = fy_node_sequence_iterate(coords, &it)) != NULL) {
		double lon, lat;

		if (fy_node_get_type(pt) != FYNT_SEQUENCE || fy_node_sequence_item_count(pt) < 2 ||
		    !scalar_num(fy_node_sequence_get_by_index(pt, 0), &lon) ||
		    !scalar_num(fy_node_sequence_get_by_index(pt, 1), &lat) || fabs(lat) > 90 ||
		    fabs(lon) > 180)
			return arm_err_set(e, ARM_ESYNTAX,
			                   "geo: feature %zu vertex %d: not a [lon, lat] position",
			                   feature, i);
		l->lon[i] = lon;
		l->lat[i] = lat;
		i++;
	}
	l->n = (size_t)n;
	return ARM_OK;
}

/*
 * The DMZ polygon: the southern line west to east, then the northern line
 * east to west, closed. Made valid if the simplified lines cross at an end.
 */
static int
build_dmz(struct geo_map *m, const struct geo_line *s, const struct geo_line *nl, struct arm_err *e)
{
	size_t n = s->n + nl->n + 1, k = 0, i;
	GEOSCoordSequence *cs;
	GEOSGeometry *ring, *poly, *valid;
	int ok = 1;
	char v;

	m->geos_msg[0] = '\0';
	if ((cs = GEOSCoordSeq_create_r(m->h, (unsigned)n, 2)) == NULL)
		return arm_err_set(e, ARM_ENOMEM, "geo: out of memory building the DMZ");
	for (i = 0; i < s->n; i++, k++)
		ok &= GEOSCoordSeq_setXY_r(m->h, cs, (unsigned)k, s->lon[i], s->lat[i]);
	for (i = nl->n; i-- > 0; k++)
		ok &= GEOSCoordSeq_setXY_r(m->h, cs, (unsigned)k, nl->lon[i], nl->lat[i]);
	ok &= GEOSCoordSeq_setXY_r(m->h, cs, (unsigned)k, s->lon[0], s->lat[0]);
	if (!ok) {
		GEOSCoordSeq_destroy_r(m->h, cs);
		return arm_err_set(e, ARM_EIO, "geo: DMZ boundary: GEOS: %s", m->geos_msg);
	}
	ring = GEOSGeom_createLinearRing_r(m->h, cs);
	if (ring == NULL)
		return arm_err_set(e, ARM_ESYNTAX, "geo: DMZ boundary is not a ring: %s",
		                   m->geos_msg);
	poly = GEOSGeom_createPolygon_r(m->h, ring, NULL, 0);
	if (poly == NULL)
		return arm_err_set(e, ARM_ESYNTAX, "geo: DMZ polygon: %s", m->geos_msg);
	if ((v = GEOSisValid_r(m->h, poly)) == 2) {
		GEOSGeom_destroy_r(m->h, poly);
		return arm_err_set(e, ARM_EIO, "geo: DMZ polygon: GEOS: %s", m->geos_msg);
	}
	if (v != 1) {
		valid = GEOSMakeValid_r(m->h, poly);
		GEOSGeom_destroy_r(m->h, poly);
		if (valid == NULL)
			return arm_err_set(e, ARM_ESYNTAX, "geo: DMZ polygon: %s", m->geos_msg);
		poly = valid;
	}
	m->dmz = poly;
	m->dmz_p = GEOSPrepare_r(m->h, poly);
	if (m->dmz_p == NULL)
		return arm_err_set(e, ARM_ENOMEM, "geo: DMZ polygon: %s", m->geos_msg);
	return ARM_OK;
}

/*
 * Makes l (read, not yet oriented) the map's line, read from text: orients
 * and projects it; l is emptied (moved) on success.
 */
static int
set_line(struct geo_map *m, struct geo_line *l, const char *text, size_t len, struct arm_err *e)
{
	char *copy = malloc(len + 1);

	if (copy == NULL)
		return arm_err_set(e, ARM_ENOMEM, "geo: out of memory");
	geo_line_west_to_east(l);
	m->geos_msg[0] = '\0';
	if (geo_line_project(m->h, l, m->geos_msg, e) != ARM_OK) {
		free(copy);
		return e ? e->rc : ARM_EIO;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	geo_line_release(m->h, &m->mdl);
	free(m->line_text);
	m->mdl = *l;
	memset(l, 0, sizeof(*l));
	m->line_text = copy;
	m->line_len = len;
	return ARM_OK;
}

int
geo_map_load_lines(struct geo_map *m, const char *geojson, size_t len, struct arm_err *e)
{
	struct geo_line mdl = {0}, north = {0}, south = {0};
	struct fy_document *d;
	struct fy_node *feats, *f;
	void *it = NULL;
	size_t idx = 0;
	int rc = ARM_OK;

	if (m->dmz != NULL)
		return arm_err_set(e, ARM_ECONFLICT,
		                   "geo: the MDL and DMZ lines are already loaded");
	if ((d = json_parse(geojson, len, e)) == NULL)
		return e ? e->rc : ARM_ESYNTAX;
	feats = fy_node_mapping_lookup_by_string(fy_document_root(d), "features", FY_NT);
	if (feats == NULL || fy_node_get_type(feats) != FYNT_SEQUENCE) {
		rc = arm_err_set(e, ARM_ESYNTAX, "geo: not a FeatureCollection (no \"features\")");
		goto out;
	}
	while (rc == ARM_OK && (f = fy_node_sequence_iterate(feats, &it)) != NULL) {
		struct fy_node *props = fy_node_mapping_lookup_by_string(f, "properties", FY_NT);
		struct fy_node *geom = fy_node_mapping_lookup_by_string(f, "geometry", FY_NT);
		char what[64], country[64];
		struct geo_line *dst = NULL;

		if (!json_str(props, "DISCLAIME1", what, sizeof(what)))
			what[0] = '\0';
		if (!json_str(props, "COUNTRY_NA", country, sizeof(country)))
			country[0] = '\0';
		if (strcmp(what, "Military Demarcation Line") == 0)
			dst = &mdl;
		else if (strcmp(what, "DMZ") == 0 && strcmp(country, "North Korea") == 0)
			dst = &north;
		else if (strcmp(what, "DMZ") == 0 && strcmp(country, "South Korea") == 0)
			dst = &south;
		if (dst != NULL && dst->n != 0)
			rc = arm_err_set(e, ARM_ESYNTAX, "geo: feature %zu: a second '%s' line",
			                 idx, what);
		else if (dst != NULL)
			rc = read_line(geom, idx, dst, e);
		idx++;
	}
	if (rc != ARM_OK)
		goto out;
	if (mdl.n == 0 || north.n == 0 || south.n == 0) {
		rc = arm_err_set(e, ARM_ENOTFOUND, "geo: missing the %s line",
		                 mdl.n == 0     ? "Military Demarcation Line"
		                 : north.n == 0 ? "northern DMZ"
		                                : "southern DMZ");
		goto out;
	}
	geo_line_west_to_east(&mdl);
	geo_line_west_to_east(&north);
	geo_line_west_to_east(&south);
	if ((rc = build_dmz(m, &south, &north, e)) != ARM_OK)
		goto out;
	/* The MDL is the map's line unless the agreement's reference line came first. */
	if (m->mdl.n == 0 && (rc = set_line(m, &mdl, geojson, len, e)) != ARM_OK)
		goto out;
out:
	geo_line_release(m->h, &mdl);
	geo_line_release(m->h, &north);
	geo_line_release(m->h, &south);
	fy_document_destroy(d);
	return rc;
}

double
geo_mdl_length_km(const struct geo_map *m)
{
	return m->mdl.n ? m->mdl.cum[m->mdl.n - 1] : 0.0;
}

static bool
valid_position(double lat, double lon)
{
	return isfinite(lat) && isfinite(lon) && fabs(lat) <= 90 && fabs(lon) <= 180;
}

int
geo_locate(const struct geo_map *m, double lat, double lon, struct geo_place *p, struct arm_err *e)
{
	GEOSGeometry *pt;
	char in;

	memset(p, 0, sizeof(*p));
	if (m->mdl.n < 2)
		return arm_err_set(e, ARM_EUSAGE, "geo: the MDL is not loaded");
	if (!valid_position(lat, lon))
		return arm_err_set(e, ARM_ESYNTAX, "geo: position (%g, %g) is not a WGS-84 lat/lon",
		                   lat, lon);
	ARM_TRY(geo_line_locate(m->h, &m->mdl, lat, lon, p, m->geos_msg, e));
	if (m->dmz_p == NULL)
		return ARM_OK; /* a reference line without the DMZ lines */
	pt = GEOSGeom_createPointFromXY_r(m->h, lon, lat);
	if (pt == NULL)
		return arm_err_set(e, ARM_ENOMEM, "geo: point: %s", m->geos_msg);
	in = GEOSPreparedCovers_r(m->h, m->dmz_p, pt);
	GEOSGeom_destroy_r(m->h, pt);
	if (in == 2)
		return arm_err_set(e, ARM_EIO, "geo: DMZ test failed: %s", m->geos_msg);
	p->in_dmz = in == 1;
	return ARM_OK;
}

int
geo_mdl_point(const struct geo_map *m, double arc_km, double *lat, double *lon, struct arm_err *e)
{
	const struct geo_line *l = &m->mdl;
	size_t i;
	double t;

	if (l->n < 2)
		return arm_err_set(e, ARM_EUSAGE, "geo: the MDL is not loaded");
	if (!isfinite(arc_km))
		return arm_err_set(e, ARM_EUSAGE, "geo: arc position is not a number");
	if (arc_km <= 0) {
		*lat = l->lat[0];
		*lon = l->lon[0];
		return ARM_OK;
	}
	for (i = 0; i + 1 < l->n; i++) {
		if (arc_km <= l->cum[i + 1]) {
			double seg = l->cum[i + 1] - l->cum[i];

			t = seg > 0 ? (arc_km - l->cum[i]) / seg : 0;
			*lat = l->lat[i] + t * (l->lat[i + 1] - l->lat[i]);
			*lon = l->lon[i] + t * (l->lon[i + 1] - l->lon[i]);
			return ARM_OK;
		}
	}
	*lat = l->lat[l->n - 1];
	*lon = l->lon[l->n - 1];
	return ARM_OK;
}

/* ---- zones ---- */

bool
geo_zone_band(const struct geo_map *m, size_t index, double *within_km, double *arc_from_km,
              double *arc_to_km, int *side)
{
	const struct geo_zone *z;

	if (index >= m->nzones || m->zones[index].kind != GEO_ZONE_BAND)
		return false;
	z = &m->zones[index];
	*within_km = z->within_km;
	*arc_from_km = z->arc_from;
	*arc_to_km = z->arc_to;
	*side = z->side;
	return true;
}

size_t
geo_zone_count(const struct geo_map *m)
{
	return m->nzones;
}

size_t
geo_zone_index(const struct geo_map *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->nzones; i++)
		if (strcmp(m->zones[i].id, id) == 0)
			return i;
	return (size_t)-1;
}

const char *
geo_zone_id(const struct geo_map *m, size_t index)
{
	return index < m->nzones ? m->zones[index].id : NULL;
}

/* RFC 7946 §6.1 foreign members in a Feature's properties (geo.h). */
static int
read_band(struct fy_node *props, const char *id, struct geo_zone *z, struct arm_err *e)
{
	char side[16];

	if (!json_num(props, "armistice:mdl_within_km", &z->within_km) || z->within_km <= 0)
		return arm_err_set(
		    e, ARM_ESYNTAX,
		    "geo: zone '%s': \"armistice:mdl_within_km\" must be a number > 0", id);
	z->arc_from = -INFINITY;
	z->arc_to = INFINITY;
	if (fy_node_mapping_lookup_by_string(props, "armistice:arc_from_km", FY_NT) != NULL &&
	    !json_num(props, "armistice:arc_from_km", &z->arc_from))
		return arm_err_set(e, ARM_ESYNTAX,
		                   "geo: zone '%s': \"armistice:arc_from_km\" is not a number", id);
	if (fy_node_mapping_lookup_by_string(props, "armistice:arc_to_km", FY_NT) != NULL &&
	    !json_num(props, "armistice:arc_to_km", &z->arc_to))
		return arm_err_set(e, ARM_ESYNTAX,
		                   "geo: zone '%s': \"armistice:arc_to_km\" is not a number", id);
	if (z->arc_from > z->arc_to)
		return arm_err_set(e, ARM_ESYNTAX, "geo: zone '%s': arc_from_km is past arc_to_km",
		                   id);
	z->side = 0;
	if (fy_node_mapping_lookup_by_string(props, "armistice:side", FY_NT) != NULL &&
	    !json_str(props, "armistice:side", side, sizeof(side)))
		return arm_err_set(e, ARM_ESYNTAX,
		                   "geo: zone '%s': \"armistice:side\" is not a string", id);
	if (json_str(props, "armistice:side", side, sizeof(side))) {
		if (strcmp(side, "north") == 0)
			z->side = 1;
		else if (strcmp(side, "south") == 0)
			z->side = -1;
		else
			return arm_err_set(
			    e, ARM_ESYNTAX,
			    "geo: zone '%s': \"armistice:side\" is '%s' (want north or "
			    "south)",
			    id, side);
	}
	z->kind = GEO_ZONE_BAND;
	return ARM_OK;
}

/*
 * ---- GeoJSON to GEOS, read here rather than by GEOS ----
 *
 * GEOS 3.11's GeoJSON reader indexes a position's numbers without
 * counting them: an empty position ("[]") in signed agreement text read
 * past the end of a vector and crashed append and serve. So the text is
 * parsed by libfyaml (after geo_json_check) and each RFC 7946 §3.1 object
 * is checked here before GEOS sees a coordinate: a position is 2 or 3
 * finite numbers (§3.1.1) within WGS-84 range, a LineString has 2 or more
 * positions (§3.1.4), a linear ring 4 or more with the last equal to the
 * first (§3.1.6), and the whole document stays within GEO_MAX_VERTICES
 * positions, GEO_MAX_PARTS rings and geometries, and GEO_MAX_NEST levels
 * of collections. Every GEOS call's result is checked. Messages name the
 * member by its JSON path, e.g. "geometry.coordinates[0][2]".
 */
struct gj {
	struct geo_map *m;
	const char *label; /* "zone 'jsa'": who the document is, for messages */
	size_t nverts, nparts;
	char path[192];
	size_t plen;
};

static int gj_fail(struct gj *b, struct arm_err *e, enum arm_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
gj_fail(struct gj *b, struct arm_err *e, enum arm_rc rc, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return arm_err_set(e, rc, "geo: %s: %s%s%s%s", b->label, b->plen ? "at " : "", b->path,
	                   b->plen ? ": " : "", msg);
}

/* Appends to the JSON path; returns the length to restore with gj_pop(). */
static size_t gj_push(struct gj *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static size_t
gj_push(struct gj *b, const char *fmt, ...)
{
	size_t old = b->plen;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->path + old, sizeof(b->path) - old, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->plen = old + (size_t)n < sizeof(b->path) ? old + (size_t)n : sizeof(b->path) - 1;
	return old;
}

static void
gj_pop(struct gj *b, size_t old)
{
	b->plen = old;
	b->path[old] = '\0';
}

static int
gj_geos_fail(struct gj *b, struct arm_err *e, const char *what)
{
	return gj_fail(b, e, b->m->geos_msg[0] ? ARM_ESYNTAX : ARM_ENOMEM, "GEOS could not %s: %s",
	               what, b->m->geos_msg[0] ? b->m->geos_msg : "out of memory");
}

/* One more ring, polygon or geometry; the budget bounds GEOS's work. */
static int
gj_part(struct gj *b, struct arm_err *e)
{
	if (++b->nparts > GEO_MAX_PARTS)
		return gj_fail(b, e, ARM_ELIMIT,
		               "more than %d rings and geometries in one document", GEO_MAX_PARTS);
	return ARM_OK;
}

/* A JSON number: a plain scalar ("127" in quotes is a string, not a number). */
static bool
gj_num(struct fy_node *v, double *out)
{
	return v != NULL && fy_node_get_type(v) == FYNT_SCALAR &&
	       fy_node_get_style(v) == FYNS_PLAIN && scalar_num(v, out);
}

static int
gj_position(struct gj *b, struct fy_node *pt, double *lon, double *lat, struct arm_err *e)
{
	int n;

	if (pt == NULL || fy_node_get_type(pt) != FYNT_SEQUENCE)
		return gj_fail(b, e, ARM_ESYNTAX, "a position must be an array [lon, lat]");
	n = fy_node_sequence_item_count(pt);
	if (n < 2 || n > 3)
		return gj_fail(b, e, ARM_ESYNTAX,
		               "a position has %d numbers (RFC 7946 §3.1.1: [lon, lat] or "
		               "[lon, lat, altitude])",
		               n);
	if (!gj_num(fy_node_sequence_get_by_index(pt, 0), lon) ||
	    !gj_num(fy_node_sequence_get_by_index(pt, 1), lat))
		return gj_fail(b, e, ARM_ESYNTAX, "longitude and latitude must be finite numbers");
	if (n == 3) {
		double alt;

		if (!gj_num(fy_node_sequence_get_by_index(pt, 2), &alt))
			return gj_fail(b, e, ARM_ESYNTAX, "altitude must be a finite number");
	}
	if (!valid_position(*lat, *lon))
		return gj_fail(b, e, ARM_ESYNTAX, "(%g, %g) is outside [-180, 180] x [-90, 90]",
		               *lon, *lat);
	return ARM_OK;
}

/* A position array: >= min positions; a ring must also be closed. */
static int
gj_coords(struct gj *b, struct fy_node *arr, int min, bool ring, GEOSCoordSequence **out,
          struct arm_err *e)
{
	GEOSCoordSequence *cs;
	double lon0 = 0, lat0 = 0, lon = 0, lat = 0;
	struct fy_node *pt;
	void *it = NULL;
	int n, i = 0, rc = ARM_OK;

	*out = NULL;
	if (arr == NULL || fy_node_get_type(arr) != FYNT_SEQUENCE)
		return gj_fail(b, e, ARM_ESYNTAX, "want an array of positions");
	n = fy_node_sequence_item_count(arr);
	if (n < min)
		return gj_fail(b, e, ARM_ESYNTAX, "%s has %d positions (want %d or more)",
		               ring ? "a linear ring" : "a line", n, min);
	if ((size_t)n > GEO_MAX_VERTICES - b->nverts)
		return gj_fail(b, e, ARM_ELIMIT, "more than %d positions in one document",
		               GEO_MAX_VERTICES);
	b->nverts += (size_t)n;
	b->m->geos_msg[0] = '\0';
	if ((cs = GEOSCoordSeq_create_r(b->m->h, (unsigned)n, 2)) == NULL)
		return gj_geos_fail(b, e, "make a coordinate sequence");
	while (rc == ARM_OK && (pt = fy_node_sequence_iterate(arr, &it)) != NULL) {
		size_t old = gj_push(b, "[%d]", i);

		rc = gj_position(b, pt, &lon, &lat, e);
		if (rc == ARM_OK && GEOSCoordSeq_setXY_r(b->m->h, cs, (unsigned)i, lon, lat) == 0)
			rc = gj_geos_fail(b, e, "store a position");
		gj_pop(b, old);
		if (i == 0) {
			lon0 = lon;
			lat0 = lat;
		}
		i++;
	}
	if (rc == ARM_OK && ring && (lon != lon0 || lat != lat0))
		rc = gj_fail(b, e, ARM_ESYNTAX,
		             "the ring is not closed: its last position must equal its first "
		             "(RFC 7946 §3.1.6)");
	if (rc != ARM_OK) {
		GEOSCoordSeq_destroy_r(b->m->h, cs);
		return rc;
	}
	*out = cs;
	return ARM_OK;
}

static void
gj_destroy_all(struct gj *b, GEOSGeometry **g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (g[i] != NULL)
			GEOSGeom_destroy_r(b->m->h, g[i]);
	free(g);
}

/* A Polygon's coordinates: the exterior ring, then holes. */
static int
gj_polygon(struct gj *b, struct fy_node *arr, GEOSGeometry **out, struct arm_err *e)
{
	GEOSGeometry **rings;
	GEOSCoordSequence *cs;
	struct fy_node *r;
	void *it = NULL;
	int n, i = 0, rc = ARM_OK;

	*out = NULL;
	if (arr == NULL || fy_node_get_type(arr) != FYNT_SEQUENCE)
		return gj_fail(b, e, ARM_ESYNTAX,
		               "a Polygon's coordinates must be an array of rings");
	n = fy_node_sequence_item_count(arr);
	if (n < 1)
		return gj_fail(b, e, ARM_ESYNTAX, "a Polygon needs its exterior ring");
	if ((size_t)n > GEO_MAX_PARTS)
		return gj_fail(b, e, ARM_ELIMIT, "more than %d rings", GEO_MAX_PARTS);
	if ((rings = calloc((size_t)n, sizeof(*rings))) == NULL)
		return gj_fail(b, e, ARM_ENOMEM, "out of memory");
	while (rc == ARM_OK && (r = fy_node_sequence_iterate(arr, &it)) != NULL) {
		size_t old = gj_push(b, "[%d]", i);

		if ((rc = gj_part(b, e)) == ARM_OK &&
		    (rc = gj_coords(b, r, 4, true, &cs, e)) == ARM_OK &&
		    (rings[i] = GEOSGeom_createLinearRing_r(b->m->h, cs)) == NULL)
			rc = gj_geos_fail(b, e, "make a linear ring");
		gj_pop(b, old);
		i++;
	}
	if (rc == ARM_OK) {
		/* GEOS owns the rings from here, whether or not it succeeds. */
		*out = GEOSGeom_createPolygon_r(b->m->h, rings[0], rings + 1, (unsigned)n - 1);
		free(rings);
		return *out ? ARM_OK : gj_geos_fail(b, e, "make a polygon");
	}
	gj_destroy_all(b, rings, (size_t)n);
	return rc;
}

static int gj_geometry(struct gj *b, struct fy_node *g, int nest, GEOSGeometry **out,
                       struct arm_err *e);

/*
 * The members of a Multi* (parts of coordinates) or a collection (objects
 * of geometries or features), as a GEOS collection of type t.
 */
static int
gj_multi(struct gj *b, struct fy_node *arr, int t, int nest, GEOSGeometry **out, struct arm_err *e)
{
	GEOSGeometry **parts;
	GEOSCoordSequence *cs;
	struct fy_node *it_n;
	void *it = NULL;
	int n, i = 0, k = 0, rc = ARM_OK;
	double lon, lat;

	*out = NULL;
	if (arr == NULL || fy_node_get_type(arr) != FYNT_SEQUENCE)
		return gj_fail(b, e, ARM_ESYNTAX, "want an array");
	n = fy_node_sequence_item_count(arr);
	if ((size_t)n > GEO_MAX_PARTS)
		return gj_fail(b, e, ARM_ELIMIT, "more than %d members", GEO_MAX_PARTS);
	if ((parts = calloc((size_t)n + 1, sizeof(*parts))) == NULL)
		return gj_fail(b, e, ARM_ENOMEM, "out of memory");
	while (rc == ARM_OK && (it_n = fy_node_sequence_iterate(arr, &it)) != NULL) {
		size_t old = gj_push(b, "[%d]", i);
		GEOSGeometry *g = NULL;

		if ((rc = gj_part(b, e)) != ARM_OK) {
			/* the budget is spent */
		} else if (t == GEOS_MULTIPOINT) {
			if (b->nverts++ >= GEO_MAX_VERTICES)
				rc = gj_fail(b, e, ARM_ELIMIT,
				             "more than %d positions in one document",
				             GEO_MAX_VERTICES);
			else if ((rc = gj_position(b, it_n, &lon, &lat, e)) == ARM_OK &&
			         (g = GEOSGeom_createPointFromXY_r(b->m->h, lon, lat)) == NULL)
				rc = gj_geos_fail(b, e, "make a point");
		} else if (t == GEOS_MULTILINESTRING) {
			if ((rc = gj_coords(b, it_n, 2, false, &cs, e)) == ARM_OK &&
			    (g = GEOSGeom_createLineString_r(b->m->h, cs)) == NULL)
				rc = gj_geos_fail(b, e, "make a line");
		} else if (t == GEOS_MULTIPOLYGON) {
			rc = gj_polygon(b, it_n, &g, e);
		} else {
			rc = gj_geometry(b, it_n, nest + 1, &g, e);
		}
		gj_pop(b, old);
		if (g != NULL)
			parts[k++] = g;
		i++;
	}
	if (rc != ARM_OK) {
		gj_destroy_all(b, parts, (size_t)k);
		return rc;
	}
	*out = GEOSGeom_createCollection_r(b->m->h, t, parts, (unsigned)k);
	free(parts);
	return *out ? ARM_OK : gj_geos_fail(b, e, "make a collection");
}

/*
 * Any RFC 7946 object. A null geometry (a Feature's, §3.2) gives *out
 * NULL; collections leave such members out.
 */
static int
gj_geometry(struct gj *b, struct fy_node *g, int nest, GEOSGeometry **out, struct arm_err *e)
{
	struct fy_node *coords;
	GEOSCoordSequence *cs;
	char type[32];
	size_t old;
	int rc;
	double lon, lat;

	*out = NULL;
	if (nest > GEO_MAX_NEST)
		return gj_fail(b, e, ARM_ELIMIT, "collections nested deeper than %d", GEO_MAX_NEST);
	if (g == NULL || fy_node_get_type(g) != FYNT_MAPPING)
		return gj_fail(b, e, ARM_ESYNTAX, "want a GeoJSON object");
	if (!json_str(g, "type", type, sizeof(type)))
		return gj_fail(b, e, ARM_ESYNTAX, "the object has no \"type\" string");
	if (strcmp(type, "Feature") == 0) {
		struct fy_node *geom = fy_node_mapping_lookup_by_string(g, "geometry", FY_NT);

		if (geom == NULL)
			return gj_fail(b, e, ARM_ESYNTAX, "a Feature needs a \"geometry\" member");
		if (json_null(geom))
			return ARM_OK;
		old = gj_push(b, "%sgeometry", b->plen ? "." : "");
		rc = gj_geometry(b, geom, nest, out, e);
		gj_pop(b, old);
		return rc;
	}
	if (strcmp(type, "FeatureCollection") == 0 || strcmp(type, "GeometryCollection") == 0) {
		bool fc = type[0] == 'F';
		struct fy_node *arr =
		    fy_node_mapping_lookup_by_string(g, fc ? "features" : "geometries", FY_NT);
		struct fy_node *m;
		void *it = NULL;

		/* A FeatureCollection holds Features only (RFC 7946 §3.3). */
		while (fc && arr != NULL && fy_node_get_type(arr) == FYNT_SEQUENCE &&
		       (m = fy_node_sequence_iterate(arr, &it)) != NULL)
			if (!json_str(m, "type", type, sizeof(type)) ||
			    strcmp(type, "Feature") != 0)
				return gj_fail(
				    b, e, ARM_ESYNTAX,
				    "a FeatureCollection's features must all be Features");
		old = gj_push(b, "%s%s", b->plen ? "." : "", fc ? "features" : "geometries");
		rc = gj_multi(b, arr, GEOS_GEOMETRYCOLLECTION, nest, out, e);
		gj_pop(b, old);
		return rc;
	}
	coords = fy_node_mapping_lookup_by_string(g, "coordinates", FY_NT);
	old = gj_push(b, "%scoordinates", b->plen ? "." : "");
	if (strcmp(type, "Point") == 0) {
		rc = gj_position(b, coords, &lon, &lat, e);
		if (rc == ARM_OK && b->nverts++ >= GEO_MAX_VERTICES)
			rc = gj_fail(b, e, ARM_ELIMIT, "more than %d positions in one document",
			             GEO_MAX_VERTICES);
		if (rc == ARM_OK &&
		    (*out = GEOSGeom_createPointFromXY_r(b->m->h, lon, lat)) == NULL)
			rc = gj_geos_fail(b, e, "make a point");
	} else if (strcmp(type, "LineString") == 0) {
		rc = gj_coords(b, coords, 2, false, &cs, e);
		if (rc == ARM_OK && (*out = GEOSGeom_createLineString_r(b->m->h, cs)) == NULL)
			rc = gj_geos_fail(b, e, "make a line");
	} else if (strcmp(type, "Polygon") == 0) {
		rc = gj_polygon(b, coords, out, e);
	} else if (strcmp(type, "MultiPoint") == 0) {
		rc = gj_multi(b, coords, GEOS_MULTIPOINT, nest, out, e);
	} else if (strcmp(type, "MultiLineString") == 0) {
		rc = gj_multi(b, coords, GEOS_MULTILINESTRING, nest, out, e);
	} else if (strcmp(type, "MultiPolygon") == 0) {
		rc = gj_multi(b, coords, GEOS_MULTIPOLYGON, nest, out, e);
	} else {
		gj_pop(b, old);
		return gj_fail(b, e, ARM_ESYNTAX, "\"%s\" is not a GeoJSON type (RFC 7946 §1.4)",
		               type);
	}
	gj_pop(b, old);
	return rc;
}

/* GEOS validity (OGC simple features), with GEOS's reason on refusal. */
static int
gj_valid(struct gj *b, const GEOSGeometry *g, struct arm_err *e)
{
	char v, *why;
	int rc;

	b->m->geos_msg[0] = '\0';
	v = GEOSisValid_r(b->m->h, g);
	if (v == 1)
		return ARM_OK;
	if (v != 0)
		return gj_geos_fail(b, e, "check validity");
	why = GEOSisValidReason_r(b->m->h, g);
	rc = gj_fail(b, e, ARM_ESYNTAX, "invalid geometry: %s", why ? why : "no reason given");
	if (why != NULL)
		GEOSFree_r(b->m->h, why);
	return rc;
}

/* Polygon, MultiPolygon, or a collection of nothing else; -1 on a GEOS error. */
static int
polygonal(GEOSContextHandle_t h, const GEOSGeometry *g)
{
	int t = GEOSGeomTypeId_r(h, g), i, n, r;

	if (t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON)
		return 1;
	if (t != GEOS_GEOMETRYCOLLECTION)
		return t < 0 ? -1 : 0;
	n = GEOSGetNumGeometries_r(h, g);
	if (n < 0)
		return -1;
	if (n < 1)
		return 0;
	for (i = 0; i < n; i++) {
		const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, i);

		if (part == NULL)
			return -1;
		if ((r = polygonal(h, part)) != 1)
			return r;
	}
	return 1;
}

static int
read_polygon(struct geo_map *m, const char *id, struct fy_node *root, struct geo_zone *z,
             struct arm_err *e)
{
	char label[GEO_ZONE_ID_MAX + 16];
	struct gj b;
	int p;

	snprintf(label, sizeof(label), "zone '%s'", id);
	memset(&b, 0, sizeof(b));
	b.m = m;
	b.label = label;
	ARM_TRY(gj_geometry(&b, root, 0, &z->g, e));
	if (z->g == NULL || (p = polygonal(m->h, z->g)) == 0)
		return arm_err_set(e, ARM_ESYNTAX,
		                   "geo: zone '%s': geometry must be a Polygon or MultiPolygon",
		                   id);
	if (p < 0)
		return gj_geos_fail(&b, e, "read the geometry type");
	ARM_TRY(gj_valid(&b, z->g, e));
	m->geos_msg[0] = '\0';
	if ((z->pg = GEOSPrepare_r(m->h, z->g)) == NULL)
		return gj_geos_fail(&b, e, "prepare the polygon");
	return ARM_OK;
}

/* Does root look like the LSIB lines document (a collection holding the MDL)? */
static bool
is_lines_doc(struct fy_node *root)
{
	struct fy_node *feats = fy_node_mapping_lookup_by_string(root, "features", FY_NT), *f;
	void *it = NULL;
	char what[64];

	if (feats == NULL || fy_node_get_type(feats) != FYNT_SEQUENCE)
		return false;
	while ((f = fy_node_sequence_iterate(feats, &it)) != NULL)
		if (json_str(fy_node_mapping_lookup_by_string(f, "properties", FY_NT), "DISCLAIME1",
		             what, sizeof(what)) &&
		    strcmp(what, "Military Demarcation Line") == 0)
			return true;
	return false;
}

/*
 * Reads zone text into z. check_only: the zone is only being checked
 * (geo_check_zone), so a band zone need not find the MDL loaded.
 */
static int
classify_zone(struct geo_map *m, const char *id, const char *geojson, size_t len,
              struct geo_zone *z, bool check_only, struct arm_err *e)
{
	struct fy_document *d;
	struct fy_node *root, *props, *geom;
	char type[32];
	int rc;

	if ((d = json_parse(geojson, len, e)) == NULL) {
		arm_err_prefix(e, "zone '%s'", id);
		return e ? e->rc : ARM_ESYNTAX;
	}
	root = fy_document_root(d);
	props = fy_node_mapping_lookup_by_string(root, "properties", FY_NT);
	geom = fy_node_mapping_lookup_by_string(root, "geometry", FY_NT);
	if (is_lines_doc(root)) {
		/* The DMZ itself, from its boundary lines; loads the MDL once. */
		z->kind = GEO_ZONE_DMZ;
		rc = m->dmz != NULL ? ARM_OK : geo_map_load_lines(m, geojson, len, e);
	} else if (json_str(root, "type", type, sizeof(type)) && strcmp(type, "Feature") == 0 &&
	           props != NULL &&
	           fy_node_mapping_lookup_by_string(props, "armistice:mdl_within_km", FY_NT) !=
	               NULL) {
		if (!json_null(geom))
			rc = arm_err_set(e, ARM_ESYNTAX,
			                 "geo: zone '%s': a band zone must have \"geometry\": null",
			                 id);
		else if (m->mdl.n < 2 && !check_only)
			rc =
			    arm_err_set(e, ARM_EUSAGE,
			                "geo: zone '%s': band zones need the MDL loaded first", id);
		else
			rc = read_band(props, id, z, e);
	} else {
		z->kind = GEO_ZONE_POLYGON;
		rc = read_polygon(m, id, root, z, e);
	}
	fy_document_destroy(d);
	return rc;
}

/* Reads zone id from text into *z (a copy of the text included). */
static int
zone_make(struct geo_map *m, const char *id, const char *geojson, size_t len, struct geo_zone *z,
          struct arm_err *e)
{
	int rc;

	memset(z, 0, sizeof(*z));
	snprintf(z->id, sizeof(z->id), "%s", id);
	if ((rc = classify_zone(m, id, geojson, len, z, false, e)) == ARM_OK &&
	    (z->text = malloc(len + 1)) == NULL)
		rc = arm_err_set(e, ARM_ENOMEM, "geo: out of memory");
	if (rc != ARM_OK) {
		zone_release(m->h, z);
		return rc;
	}
	memcpy(z->text, geojson, len);
	z->text[len] = '\0';
	z->text_len = len;
	return ARM_OK;
}

static int
zone_push(struct geo_map *m, struct geo_zone *z, size_t *index, struct arm_err *e)
{
	struct geo_zone *nz = realloc(m->zones, (m->nzones + 1) * sizeof(*nz));

	if (nz == NULL) {
		zone_release(m->h, z);
		return arm_err_set(e, ARM_ENOMEM, "geo: out of memory");
	}
	m->zones = nz;
	m->zones[m->nzones] = *z;
	if (index != NULL)
		*index = m->nzones;
	m->nzones++;
	return ARM_OK;
}

int
geo_map_add_zone(struct geo_map *m, const char *id, const char *geojson, size_t len, size_t *index,
                 struct arm_err *e)
{
	struct geo_zone z;

	if (strlen(id) == 0 || strlen(id) > GEO_ZONE_ID_MAX)
		return arm_err_set(e, ARM_EUSAGE, "geo: zone id '%s' is empty or too long", id);
	if (geo_zone_index(m, id) != (size_t)-1)
		return arm_err_set(e, ARM_ECONFLICT, "geo: zone '%s' is defined twice", id);
	if (m->nzones >= GEO_MAX_ZONES)
		return arm_err_set(e, ARM_ELIMIT, "geo: more than %d zones", GEO_MAX_ZONES);
	ARM_TRY(zone_make(m, id, geojson, len, &z, e));
	return zone_push(m, &z, index, e);
}

static int
point_in(const struct geo_map *m, const GEOSPreparedGeometry *pg, const char *what, double lat,
         double lon, bool *inside, struct arm_err *e)
{
	GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(m->h, lon, lat);
	char in;

	if (pt == NULL)
		return arm_err_set(e, ARM_ENOMEM, "geo: point: %s", m->geos_msg);
	in = GEOSPreparedCovers_r(m->h, pg, pt);
	GEOSGeom_destroy_r(m->h, pt);
	if (in == 2)
		return arm_err_set(e, ARM_EIO, "geo: %s test failed: %s", what, m->geos_msg);
	*inside = in == 1;
	return ARM_OK;
}

int
geo_in_zone(const struct geo_map *m, size_t index, double lat, double lon, bool *inside,
            struct arm_err *e)
{
	const struct geo_zone *z;
	struct geo_place p;

	*inside = false;
	if (index >= m->nzones)
		return arm_err_set(e, ARM_ENOTFOUND, "geo: no zone number %zu", index);
	if (!valid_position(lat, lon))
		return arm_err_set(e, ARM_ESYNTAX, "geo: position (%g, %g) is not a WGS-84 lat/lon",
		                   lat, lon);
	z = &m->zones[index];
	switch (z->kind) {
	case GEO_ZONE_BAND:
		ARM_TRY(geo_locate(m, lat, lon, &p, e));
		*inside = p.mdl_km <= z->within_km && p.arc_km >= z->arc_from &&
		          p.arc_km <= z->arc_to &&
		          (z->side == 0 || p.side == 0 || p.side == z->side);
		return ARM_OK;
	case GEO_ZONE_DMZ: return point_in(m, m->dmz_p, "DMZ", lat, lon, inside, e);
	case GEO_ZONE_POLYGON: return point_in(m, z->pg, z->id, lat, lon, inside, e);
	case GEO_ZONE_NONE: return ARM_OK;
	default: return arm_err_set(e, ARM_EUSAGE, "geo: zone '%s' has no kind", z->id);
	}
}

/*
 * The lines document must be added before band zones that measure from
 * the MDL, whatever the agreement's zone order: load it first.
 */
static int
engine_preload_lines(struct geo_map *m, const struct agreement *a, struct arm_err *e)
{
	size_t i;

	for (i = 0; i < a->nzones && m->dmz == NULL; i++) {
		const struct agreement_zone *az = &a->zones[i];

		if (az->geojson != NULL && geo_zone_index(m, az->id) == (size_t)-1 &&
		    strstr(az->geojson, "Military Demarcation Line") != NULL)
			ARM_TRY(geo_map_add_zone(m, az->id, az->geojson, az->geojson_len, NULL, e));
	}
	return ARM_OK;
}

/*
 * The map's zone for the agreement's zone z in *i: added on first use, and
 * read again when the agreement (after an amendment) redraws it. tolerant:
 * a zone that is not an area (a line, a point) holds no point instead of
 * being an error, so that placing an incident never fails on one.
 */
static int
zone_get(struct geo_map *m, const struct agreement *a, size_t z, bool tolerant, size_t *i,
         struct arm_err *e)
{
	const struct agreement_zone *az = &a->zones[z];
	struct geo_zone nz;
	int rc;

	*i = geo_zone_index(m, az->id);
	if (*i != (size_t)-1 && m->zones[*i].text_len == az->geojson_len &&
	    memcmp(m->zones[*i].text, az->geojson, az->geojson_len) == 0)
		return ARM_OK;
	if (*i == (size_t)-1 && m->nzones >= GEO_MAX_ZONES)
		return arm_err_set(e, ARM_ELIMIT, "geo: more than %d zones", GEO_MAX_ZONES);
	rc = zone_make(m, az->id, az->geojson, az->geojson_len, &nz, e);
	if (rc == ARM_ESYNTAX && tolerant) {
		if (e != NULL) { /* not an error: the zone holds no point */
			e->rc = ARM_OK;
			e->msg[0] = '\0';
		}
		memset(&nz, 0, sizeof(nz));
		snprintf(nz.id, sizeof(nz.id), "%s", az->id);
		nz.kind = GEO_ZONE_NONE;
		if ((nz.text = malloc(az->geojson_len + 1)) == NULL)
			return arm_err_set(e, ARM_ENOMEM, "geo: out of memory");
		memcpy(nz.text, az->geojson, az->geojson_len);
		nz.text[az->geojson_len] = '\0';
		nz.text_len = az->geojson_len;
	} else if (rc != ARM_OK) {
		return rc;
	}
	if (*i == (size_t)-1)
		return zone_push(m, &nz, i, e);
	/* Redrawn by an amendment: the new drawing replaces the old one. */
	zone_release(m->h, &m->zones[*i]);
	m->zones[*i] = nz;
	return ARM_OK;
}

/* The agreement's reference line, if it names one, as the map's line. */
static int
engine_line(struct geo_map *m, const struct agreement *a, struct arm_err *e)
{
	const struct agreement_zone *az;

	if (a->line.positive == AGREEMENT_SIDE_NONE || a->line.zone >= a->nzones)
		return ARM_OK;
	az = &a->zones[a->line.zone];
	if (az->geojson == NULL)
		return arm_err_set(e, ARM_ENOTFOUND, "geo: zone '%s' has no geometry", az->id);
	return geo_map_set_line(m, az->geojson, az->geojson_len, e);
}

int
geo_engine_in_zone(void *ctx, const struct agreement *a, size_t zone, double lat, double lon,
                   bool *inside, struct arm_err *e)
{
	struct geo_map *m = ctx;
	const struct agreement_zone *az;
	size_t i;

	*inside = false;
	if (zone >= a->nzones)
		return arm_err_set(e, ARM_ENOTFOUND, "geo: the agreement has no zone number %zu",
		                   zone);
	az = &a->zones[zone];
	if (az->geojson == NULL)
		return arm_err_set(e, ARM_ENOTFOUND, "geo: zone '%s' has no geometry", az->id);
	ARM_TRY(engine_preload_lines(m, a, e));
	ARM_TRY(engine_line(m, a, e));
	ARM_TRY(zone_get(m, a, zone, false, &i, e));
	return geo_in_zone(m, i, lat, lon, inside, e);
}

int
geo_engine_place(void *ctx, const struct agreement *a, double lat, double lon, bool *in_zone,
                 bool *has_line, int64_t *line_m, struct arm_err *e)
{
	struct geo_map *m = ctx;
	struct geo_place p;
	size_t z, i;
	int sign;

	*has_line = false;
	*line_m = 0;
	if (!valid_position(lat, lon))
		return arm_err_set(e, ARM_ESYNTAX, "geo: position (%g, %g) is not a WGS-84 lat/lon",
		                   lat, lon);
	ARM_TRY(engine_preload_lines(m, a, e));
	ARM_TRY(engine_line(m, a, e));
	for (z = 0; z < a->nzones; z++) {
		in_zone[z] = false;
		if (a->zones[z].geojson == NULL)
			continue;
		ARM_TRY(zone_get(m, a, z, true, &i, e));
		ARM_TRY(geo_in_zone(m, i, lat, lon, &in_zone[z], e));
	}
	if (a->line.positive == AGREEMENT_SIDE_NONE || a->line.zone >= a->nzones)
		return ARM_OK;
	ARM_TRY(geo_locate(m, lat, lon, &p, e));
	sign = geo_line_sign(&m->mdl, a->line.positive);
	*line_m = (int64_t)llround((double)(sign * p.side) * p.mdl_km * 1000.0);
	*has_line = true;
	return ARM_OK;
}

/* The reference line in text: the LSIB lines document's MDL, or a LineString (or its Feature). */
static int
read_ref_line(const char *text, size_t len, struct geo_line *l, struct arm_err *e)
{
	struct fy_document *d = json_parse(text, len, e);
	struct fy_node *root, *g, *f, *feats;
	void *it = NULL;
	char what[64];
	size_t idx = 0;
	int rc = ARM_ENOTFOUND;

	if (d == NULL)
		return e ? e->rc : ARM_ESYNTAX;
	root = fy_document_root(d);
	if (is_lines_doc(root)) {
		feats = fy_node_mapping_lookup_by_string(root, "features", FY_NT);
		while (rc == ARM_ENOTFOUND && (f = fy_node_sequence_iterate(feats, &it)) != NULL) {
			if (json_str(fy_node_mapping_lookup_by_string(f, "properties", FY_NT),
			             "DISCLAIME1", what, sizeof(what)) &&
			    strcmp(what, "Military Demarcation Line") == 0)
				rc = read_line(
				    fy_node_mapping_lookup_by_string(f, "geometry", FY_NT), idx, l,
				    e);
			idx++;
		}
	} else {
		g = root;
		if (json_str(root, "type", what, sizeof(what)) && strcmp(what, "Feature") == 0)
			g = fy_node_mapping_lookup_by_string(root, "geometry", FY_NT);
		if (!json_str(g, "type", what, sizeof(what)))
			snprintf(what, sizeof(what), "null geometry");
		rc = strcmp(what, "LineString") != 0
		         ? arm_err_set(e, ARM_ESYNTAX,
		                       "geo: a %s is not a line: want a LineString, a Feature with "
		                       "one or the LSIB lines document",
		                       what)
		         : read_line(g, 0, l, e);
	}
	fy_document_destroy(d);
	return rc;
}

int
geo_map_set_line(struct geo_map *m, const char *geojson, size_t len, struct arm_err *e)
{
	struct geo_line l;
	int rc;

	if (m->line_text != NULL && m->line_len == len && memcmp(m->line_text, geojson, len) == 0)
		return ARM_OK;
	memset(&l, 0, sizeof(l));
	if ((rc = read_ref_line(geojson, len, &l, e)) == ARM_OK)
		rc = set_line(m, &l, geojson, len, e);
	geo_line_release(m->h, &l);
	return rc;
}

int
geo_map_line_sign(const struct geo_map *m, int positive)
{
	return m->mdl.n >= 2 && m->mdl.x != NULL ? geo_line_sign(&m->mdl, positive) : 0;
}

int
geo_check_zone(const char *id, const char *geojson, size_t len, struct arm_err *e)
{
	struct geo_map *m = NULL;
	struct geo_zone z;
	int rc;

	if (strlen(id) == 0 || strlen(id) > GEO_ZONE_ID_MAX)
		return arm_err_set(e, ARM_EUSAGE, "geo: zone id '%s' is empty or too long", id);
	ARM_TRY(geo_map_new(&m, e));
	memset(&z, 0, sizeof(z));
	rc = classify_zone(m, id, geojson, len, &z, true, e);
	zone_release(m->h, &z);
	geo_map_free(m);
	return rc;
}

int
geo_check_geojson(const char *label, const char *geojson, size_t len, struct arm_err *e)
{
	struct geo_map *m = NULL;
	struct fy_document *d;
	GEOSGeometry *g = NULL;
	struct gj b;
	int rc;

	ARM_TRY(geo_map_new(&m, e));
	if ((d = json_parse(geojson, len, e)) == NULL) {
		geo_map_free(m);
		arm_err_prefix(e, "%s", label);
		return e ? e->rc : ARM_ESYNTAX;
	}
	memset(&b, 0, sizeof(b));
	b.m = m;
	b.label = label;
	rc = gj_geometry(&b, fy_document_root(d), 0, &g, e);
	if (rc == ARM_OK && g != NULL)
		rc = gj_valid(&b, g, e);
	if (g != NULL)
		GEOSGeom_destroy_r(m->h, g);
	fy_document_destroy(d);
	geo_map_free(m);
	return rc;
}
