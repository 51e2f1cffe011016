/*
 * importmap.h - the mapping file that turns a conflict dataset's
 * categories and actors into an agreement's incident kinds and actors, for
 * `armistice import incidents --format acled|ucdp --map FILE`
 * (docs/import.md):
 *
 *   # comments and blank lines are ignored
 *   format acled
 *   kind Explosions/Remote violence/Shelling/artillery/missile attack => artillery-fire
 *   kind Battles => gunfire
 *   actor Military Forces of North Korea (2011-) => dprk
 *
 * One directive a line: `format NAME` (acled or ucdp, once, first), then
 * `kind SOURCE => ID` and `actor SOURCE => ID`. SOURCE is everything
 * between the keyword's space and the last " => " of the line, compared
 * byte for byte with the dataset's value (ACLED: "event_type/sub_event_type"
 * first, then "event_type"; UCDP: type_of_violence, "1", "2" or "3"; actors
 * ACLED actor1, UCDP side_a). ID is an agreement id ([a-z0-9-]+); whether
 * it names a kind or actor of the agreement is the caller's check, with the
 * line number this module keeps.
 *
 * Strict and bounded: the file is at most IMPORTMAP_FILE_MAX bytes of
 * UTF-8 (csv_utf8_len()) with no NUL or control characters but tab, each
 * line at most IMPORTMAP_LINE_MAX bytes, at most IMPORTMAP_RULES_MAX rules;
 * an unknown directive, a missing "=>", an empty SOURCE, a bad ID, a
 * duplicate SOURCE or a second `format` is refused with ARM_ESYNTAX and
 * "NAME:LINE: rule: ...". Lookups are a binary search over sorted rules.
 *
 * Ownership: struct importmap owns its rules; importmap_release() frees
 * them (NULL-safe on a zeroed struct). No I/O.
 */
#ifndef ARMISTICE_IMPORTMAP_H
#define ARMISTICE_IMPORTMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define IMPORTMAP_FILE_MAX (1u << 20)
#define IMPORTMAP_LINE_MAX 1024
#define IMPORTMAP_RULES_MAX 4096
#define IMPORTMAP_ID_MAX 64

enum importmap_format { IMPORTMAP_NONE = 0, IMPORTMAP_ACLED, IMPORTMAP_UCDP };
enum importmap_what { IMPORTMAP_KIND, IMPORTMAP_ACTOR };

struct importmap_rule {
	enum importmap_what what;
	char *source; /* owned, NUL-terminated */
	size_t source_len;
	char id[IMPORTMAP_ID_MAX + 1];
	size_t line;
};

struct importmap {
	enum importmap_format format;
	struct importmap_rule *rules; /* sorted by (what, source) */
	size_t nrules;
};

/* Parses text[0..len); name is the file name used in messages. */
int importmap_parse(struct importmap *m, const char *name, const uint8_t *text, size_t len,
                    struct arm_err *e) ARM_MUST_CHECK;
void importmap_release(struct importmap *m);

/* The rule for (what, s[0..n)), or NULL. */
const struct importmap_rule *importmap_find(const struct importmap *m, enum importmap_what what,
                                            const char *s, size_t n);

const char *importmap_format_name(enum importmap_format f);

/*
 * Decimal degrees text ("37.956", "-126.5"; an optional sign, digits, an
 * optional point and at most 7 decimals, the precision of an entry's
 * lat/lon) into degrees x 1e7, within [-90, 90] (lat) or [-180, 180]
 * (lon). False if it is not one.
 */
bool importmap_deg_e7(const char *s, size_t n, bool lat, int64_t *out);

#endif
