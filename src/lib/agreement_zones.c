/*
 * agreement_zones.c - the agreement's zones: inline GeoJSON written out
 * as JSON, zone files read beside the agreement and checked against their
 * digests before libfyaml sees them (docs/agreement.md "Zones").
 */
#include "agreement_int.h"

/* GeoJSON: an object whose type is a geometry, Feature or FeatureCollection. */
static bool
geojson_ok(struct fy_node *n)
{
	static const char *const types[] = {
	    "Point",        "MultiPoint",         "LineString", "MultiLineString",   "Polygon",
	    "MultiPolygon", "GeometryCollection", "Feature",    "FeatureCollection",
	};
	struct fy_node *t;
	size_t i;

	if (n == NULL || fy_node_get_type(n) != FYNT_MAPPING)
		return false;
	t = fy_node_mapping_lookup_by_string(n, "type", 4);
	for (i = 0; i < ARM_ARRAY_LEN(types); i++)
		if (agr_scalar_is(t, types[i]))
			return true;
	return false;
}

/* A JSON number (RFC 8259 §6), byte for byte. */
static bool
json_number(const char *s, size_t n)
{
	size_t i = 0, d;

	if (i < n && s[i] == '-')
		i++;
	for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i == d || (s[d] == '0' && i - d > 1))
		return false;
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return false;
	}
	return i == n;
}

static int
json_string(struct buf *b, const char *s, size_t n)
{
	size_t i;
	int rc = buf_puts(b, "\"", NULL);

	for (i = 0; i < n && rc == ARM_OK; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\')
			rc = buf_printf(b, NULL, "\\%c", ch);
		else if (ch < 0x20)
			rc = buf_printf(b, NULL, "\\u%04x", ch);
		else
			rc = buf_append(b, &s[i], 1, NULL);
	}
	return rc == ARM_OK ? buf_puts(b, "\"", NULL) : rc;
}

/*
 * An inline GeoJSON node as compact JSON. Written here rather than with
 * fy_emit_node_to_string(): libfyaml 0.7.12's emitter leaks the buffer of
 * a long escaped scalar it tests for a number (found by fuzz_session), and
 * the agreement is parsed again on every replay. A plain scalar that is a
 * JSON number or literal stays bare; anything else is a JSON string (so a
 * YAML ".nan" is the string ".nan", which geo_check_* then refuses).
 */
static int
json_emit(struct buf *b, struct fy_node *n)
{
	const char *s;
	size_t len;
	void *it = NULL;
	int rc = ARM_OK;
	bool first = true;

	if (n == NULL || fy_node_is_alias(n))
		return ARM_ESYNTAX;
	switch (fy_node_get_type(n)) {
	case FYNT_SCALAR:
		if ((s = fy_node_get_scalar(n, &len)) == NULL)
			return ARM_ENOMEM;
		if (fy_node_get_style(n) == FYNS_PLAIN &&
		    (json_number(s, len) || (len == 4 && memcmp(s, "null", 4) == 0) ||
		     (len == 4 && memcmp(s, "true", 4) == 0) ||
		     (len == 5 && memcmp(s, "false", 5) == 0)))
			return buf_append(b, s, len, NULL);
		return json_string(b, s, len);
	case FYNT_SEQUENCE: {
		struct fy_node *item;

		rc = buf_puts(b, "[", NULL);
		while (rc == ARM_OK && (item = fy_node_sequence_iterate(n, &it)) != NULL) {
			if (!first)
				rc = buf_puts(b, ",", NULL);
			if (rc == ARM_OK)
				rc = json_emit(b, item);
			first = false;
		}
		return rc == ARM_OK ? buf_puts(b, "]", NULL) : rc;
	}
	case FYNT_MAPPING: {
		struct fy_node_pair *p;

		rc = buf_puts(b, "{", NULL);
		while (rc == ARM_OK && (p = fy_node_mapping_iterate(n, &it)) != NULL) {
			struct fy_node *k = fy_node_pair_key(p);

			if (k == NULL || fy_node_get_type(k) != FYNT_SCALAR ||
			    fy_node_is_alias(k) || (s = fy_node_get_scalar(k, &len)) == NULL)
				return ARM_ESYNTAX; /* JSON keys are strings */
			if (!first)
				rc = buf_puts(b, ",", NULL);
			if (rc == ARM_OK)
				rc = json_string(b, s, len);
			if (rc == ARM_OK)
				rc = buf_puts(b, ":", NULL);
			if (rc == ARM_OK)
				rc = json_emit(b, fy_node_pair_value(p));
			first = false;
		}
		return rc == ARM_OK ? buf_puts(b, "}", NULL) : rc;
	}
	default: return ARM_ESYNTAX;
	}
}

char *
agr_geojson_text(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
                 size_t *len)
{
	struct buf b = BUF_INIT(AGREEMENT_MAX_SIZE * 2);
	int rc;

	if (!geojson_ok(n)) {
		agr_problem(
		    c, agr_node_mark(n, at), ARM_ESYNTAX, "zone-geojson",
		    "%s must be a GeoJSON object with a geometry, Feature or FeatureCollection "
		    "type",
		    what);
		return NULL;
	}
	if ((rc = json_emit(&b, n)) != ARM_OK) { /* b's data stays NUL-terminated */
		buf_release(&b);
		if (rc == ARM_ESYNTAX)
			agr_problem(c, agr_node_mark(n, at), ARM_ESYNTAX, "zone-geojson",
			            "%s must be JSON: keys are strings, no aliases", what);
		else
			agr_oom(c, at);
		return NULL;
	}
	return (char *)buf_detach(&b, len);
}

bool
agr_relpath_ok(const char *p)
{
	const char *s = p;

	if (p[0] == '\0' || p[0] == '/')
		return false;
	while (*s != '\0') {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		s += n;
		if (*s == '/')
			s++;
	}
	return true;
}

static void
fy_discard(struct fy_diag *d, void *user, const char *s, size_t len)
{
	(void)d;
	(void)user;
	(void)s;
	(void)len;
}

/* libfyaml prints to stderr unless given a sink; a library must not print. */
static struct fy_diag *
quiet_diag(void)
{
	struct fy_diag_cfg dcfg;
	struct fy_diag *d;

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = fy_discard;
	dcfg.colorize = false;
	dcfg.show_source = false; /* libfyaml 0.7.12 can crash formatting the excerpt */
	d = fy_diag_create(&dcfg);
	/* ... and prints it whatever show_source says: collect errors instead. */
	if (d != NULL)
		fy_diag_set_collect_errors(d, true);
	return d;
}

static void
zone_file(struct ctx *c, struct agreement_zone *z, struct fy_node *digest, struct agreement_mark dm)
{
	struct arm_err err = {ARM_OK, ""};
	struct buf b = BUF_INIT(AGREEMENT_ZONE_FILE_MAX);
	struct fy_parse_cfg cfg;
	struct fy_document *d = NULL;

	if (!agr_relpath_ok(z->file)) {
		agr_problem(c, z->mark, ARM_ERULE, "zone-file-path",
		            "zone file \"%.80s\" must be a relative path without \"..\"", z->file);
		return;
	}
	if (c->read_file == NULL) {
		agr_problem(c, z->mark, ARM_ENOTFOUND, "zone-file",
		            "zone file \"%.80s\" cannot be read here (no files were supplied)",
		            z->file);
		return;
	}
	if (c->read_file(c->rctx, z->file, &b, &err) != ARM_OK) {
		/* ARM_EVERIFY: the reader checked the bytes against a signed digest. */
		agr_problem(c, z->mark, err.rc == ARM_OK ? ARM_EIO : err.rc,
		            err.rc == ARM_EVERIFY ? "zone-digest" : "zone-file",
		            "zone file \"%.80s\": %s", z->file, err.msg);
		buf_release(&b);
		return;
	}
	hash_sha256(z->digest, b.data, b.len);
	if (agr_has(digest)) {
		char hex[2 * HASH_SIZE + 1];
		const char *s;
		size_t len;
		hash_hex(hex, z->digest);
		s = agr_is_scalar(digest) ? fy_node_get_scalar(digest, &len) : NULL;
		if (s == NULL || len != 2 * HASH_SIZE || memcmp(s, hex, len) != 0)
			agr_problem(
			    c, agr_node_mark(digest, dm), ARM_EVERIFY, "zone-digest",
			    "zone file \"%.80s\" has sha256 %s, not the digest the agreement "
			    "states",
			    z->file, hex);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.flags = FYPCF_QUIET | FYPCF_JSON_FORCE;
	cfg.diag = quiet_diag();
	/*
	 * libfyaml 0.7.12 loops on a line starting with '%' and crashes on a
	 * tab inside a string: geo_json_check() refuses both before parsing.
	 */
	if (b.len > 0 && cfg.diag != NULL && geo_json_check(b.data, b.len, NULL) == ARM_OK)
		d = fy_document_build_from_string(&cfg, (const char *)b.data, b.len);
	if (d == NULL || !geojson_ok(fy_document_root(d))) {
		agr_problem(
		    c, z->mark, ARM_ESYNTAX, "zone-geojson",
		    "zone file \"%.80s\" is not a GeoJSON object with a geometry, Feature or "
		    "FeatureCollection type",
		    z->file);
	} else {
		z->geojson_len = b.len;
		z->geojson = (char *)buf_detach(&b, &z->geojson_len);
	}
	fy_document_destroy(d);
	fy_diag_destroy(cfg.diag);
	buf_release(&b);
}

void
agr_parse_zones(struct ctx *c, struct fy_node *n, struct agreement_mark at)
{
	static const char *const keys[] = {"id", "name", "file", "geometry", "sha256"};
	struct agreement *a = c->a;
	struct fy_node *item;
	void *it = NULL;
	size_t count, i = 0;

	if (!agr_get_seq(c, n, at, "zones", &count))
		return;
	a->zones = agr_xcalloc(c, count, sizeof(*a->zones), at);
	if (a->zones == NULL)
		return;
	a->nzones = count;
	while ((item = fy_node_sequence_iterate(n, &it)) != NULL && i < count) {
		struct agreement_zone *z = &a->zones[i++];
		struct fy_node *v[5];
		struct agreement_mark m[5];

		z->mark = agr_node_mark(item, at);
		if (!agr_get_map(c, item, at, "a zone", keys, 5, v, m))
			continue;
		agr_need(c, v[0], z->mark, "zone id");
		agr_need(c, v[1], z->mark, "zone name");
		if (agr_has(v[0]))
			z->id = agr_id_dup(c, v[0], m[0], "zone id");
		if (agr_has(v[1]))
			z->name = agr_text_dup(c, v[1], m[1], "zone name", &z->names);
		if (agr_has(v[2]) == agr_has(v[3])) {
			agr_problem(c, z->mark, ARM_ESYNTAX,
			            agr_has(v[2]) ? "bad-value" : "missing-key",
			            "a zone needs exactly one of file and geometry");
			continue;
		}
		if (agr_has(v[3])) {
			if (agr_has(v[4]))
				agr_problem(c, m[4], ARM_ESYNTAX, "bad-value",
				            "sha256 applies to file zones only");
			z->geojson =
			    agr_geojson_text(c, v[3], m[3], "zone geometry", &z->geojson_len);
			continue;
		}
		z->file = agr_scalar_dup(c, v[2], m[2], "zone file");
		if (z->file != NULL)
			zone_file(c, z, v[4], m[4]);
	}
	CHECK_DUPS(c, a->zones, a->nzones, "zone");
}
