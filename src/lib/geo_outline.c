/*
 * geo_outline.c - the lines and rings of a GeoJSON document, for drawing
 * (geo_outline.h). A small reader of the "coordinates" members only: the
 * text was checked as JSON when the agreement was read (geo_check_zone()).
 */
#include <stdlib.h>
#include <string.h>

#include "armistice/geo.h"
#include "armistice/geo_outline.h"

struct walk {
	const char *p, *end, *start;
	double *pts; /* lon, lat pairs of the part being read */
	size_t npts, cap, total;
	geo_outline_fn fn;
	void *ctx;
};

static int
bad(struct walk *w, struct arm_err *e, const char *what)
{
	return arm_err_set(e, ARM_ESYNTAX, "geojson: byte %zu: %s", (size_t)(w->p - w->start),
	                   what);
}

static void
skip_ws(struct walk *w)
{
	while (w->p < w->end && (*w->p == ' ' || *w->p == '\t' || *w->p == '\n' || *w->p == '\r'))
		w->p++;
}

static int
number(struct walk *w, double *out, struct arm_err *e)
{
	char tmp[64];
	size_t n = 0;
	char *stop;

	while (w->p + n < w->end && n < sizeof(tmp) - 1 && strchr("+-.0123456789eE", w->p[n]))
		n++;
	if (n == 0 || n == sizeof(tmp) - 1)
		return bad(w, e, "a coordinate is not a number");
	memcpy(tmp, w->p, n);
	tmp[n] = '\0';
	*out = strtod(tmp, &stop);
	if (stop != tmp + n)
		return bad(w, e, "a coordinate is not a number");
	w->p += n;
	return ARM_OK;
}

static int
push(struct walk *w, double lon, double lat, struct arm_err *e)
{
	if (++w->total > GEO_MAX_VERTICES)
		return arm_err_set(e, ARM_ELIMIT, "geojson: more than %d positions",
		                   GEO_MAX_VERTICES);
	if (w->npts == w->cap) {
		size_t nc = w->cap ? 2 * w->cap : 64;
		double *np = realloc(w->pts, nc * 2 * sizeof(double));
		if (np == NULL)
			return arm_err_set(e, ARM_ENOMEM, "geojson: out of memory");
		w->pts = np;
		w->cap = nc;
	}
	w->pts[2 * w->npts] = lon;
	w->pts[2 * w->npts + 1] = lat;
	w->npts++;
	return ARM_OK;
}

/*
 * One array of the coordinates value. *pos: it was a position (numbers);
 * then lon and lat hold it. An array of positions is a part, handed on.
 */
static int
array(struct walk *w, int depth, bool *pos, double *lon, double *lat, struct arm_err *e)
{
	bool nums = false, parts = false;
	size_t nnum = 0;

	if (depth > GEO_MAX_DEPTH)
		return arm_err_set(e, ARM_ELIMIT, "geojson: more than %d nested arrays",
		                   GEO_MAX_DEPTH);
	w->p++; /* '[' */
	for (;;) {
		skip_ws(w);
		if (w->p >= w->end)
			return bad(w, e, "unterminated array");
		if (*w->p == ']')
			break;
		if (*w->p == '[') {
			bool cpos = false;
			double x = 0, y = 0;
			if (nums)
				return bad(w, e, "numbers and arrays mixed");
			ARM_TRY(array(w, depth + 1, &cpos, &x, &y, e));
			if (cpos) {
				parts = true;
				ARM_TRY(push(w, x, y, e));
			}
		} else {
			double v = 0;
			if (parts)
				return bad(w, e, "numbers and arrays mixed");
			nums = true;
			ARM_TRY(number(w, &v, e));
			if (nnum == 0)
				*lon = v;
			else if (nnum == 1)
				*lat = v;
			nnum++;
		}
		skip_ws(w);
		if (w->p < w->end && *w->p == ',')
			w->p++;
		else if (w->p >= w->end || *w->p != ']')
			return bad(w, e, "expected ',' or ']'");
	}
	w->p++; /* ']' */
	*pos = nums && nnum >= 2;
	if (parts && w->npts >= 2) {
		const double *q = w->pts;
		size_t n = w->npts;
		bool closed = n >= 4 && q[0] == q[2 * n - 2] && q[1] == q[2 * n - 1];
		int rc = w->fn(w->ctx, q, n, closed, e);
		w->npts = 0;
		return rc;
	}
	if (parts)
		w->npts = 0; /* a single position is no line */
	return ARM_OK;
}

int
geo_outline(const char *geojson, size_t len, geo_outline_fn fn, void *ctx, struct arm_err *e)
{
	static const char key[] = "\"coordinates\"";
	struct walk w = {geojson, geojson + len, geojson, NULL, 0, 0, 0, fn, ctx};
	int rc = ARM_OK;

	while (rc == ARM_OK && w.p < w.end) {
		if (*w.p != '"') {
			w.p++;
			continue;
		}
		/* A string: the key we look for, or one to skip whole (escapes included). */
		if ((size_t)(w.end - w.p) >= sizeof(key) - 1 &&
		    memcmp(w.p, key, sizeof(key) - 1) == 0) {
			w.p += sizeof(key) - 1;
			skip_ws(&w);
			if (w.p < w.end && *w.p == ':') {
				w.p++;
				skip_ws(&w);
				if (w.p < w.end && *w.p == '[') {
					bool pos = false;
					double x = 0, y = 0;
					rc = array(&w, 1, &pos, &x, &y, e);
				}
			}
			continue;
		}
		for (w.p++; w.p < w.end && *w.p != '"'; w.p++)
			if (*w.p == '\\')
				w.p++;
		w.p++;
	}
	free(w.pts);
	return rc;
}
