/*
 * agreement_int.h - the agreement reader's private state, shared by its files:
 *   agreement.c             lifecycle, the sections (actors, log, phases,
 *                           kinds), the document, files
 *   agreement_yaml.c        problems, scalars, mappings, lists, keys, walk
 *   agreement_zones.c       zones and their GeoJSON
 *   agreement_commitment.c  commitments and the requires graph
 *   agreement_query.c       lookups, quorums, names, the calendar
 *   agreement_diff.c        the semantic diff of two agreements
 *   agreement_text.c        names and texts in several languages
 * Not installed. Internal functions shared between the files are agr_.
 */
#ifndef ARMISTICE_AGREEMENT_INT_H
#define ARMISTICE_AGREEMENT_INT_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfyaml.h>

#include "armistice/agreement.h"
#include "armistice/geo.h"
#include "armistice/common.h"
#include "agreement_text.h"

#define MAX_DEPTH 64 /* nesting of YAML collections we walk */

struct ctx {
	struct agreement *a;
	const char *fname;
	struct buf *diags;
	size_t nproblems;
	enum arm_rc first_rc;
	char first[ARM_ERR_MAX + 64];
	agreement_read_fn read_file;
	void *rctx;
};

/* A problem "duplicate-id" for every id of arr[0..n) used twice. */
#define CHECK_DUPS(c, arr, n, what)                                                                \
	do {                                                                                       \
		size_t di_, dj_;                                                                   \
		for (di_ = 0; di_ < (n); di_++)                                                    \
			for (dj_ = 0; (arr)[di_].id != NULL && dj_ < di_; dj_++)                   \
				if ((arr)[dj_].id != NULL &&                                       \
				    strcmp((arr)[di_].id, (arr)[dj_].id) == 0)                     \
					agr_problem((c), (arr)[di_].mark, ARM_ERULE,               \
					            "duplicate-id",                                \
					            "%s id \"%s\" is already used at line %u",     \
					            (what), (arr)[di_].id, (arr)[dj_].mark.line);  \
	} while (0)

/* agreement_yaml.c */
/* One problem at m, "file:line:col: rule: message"; every problem is kept. */
void agr_problem(struct ctx *c, struct agreement_mark m, enum arm_rc rc, const char *rule,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void agr_oom(struct ctx *c, struct agreement_mark m);
struct agreement_mark agr_node_mark(struct fy_node *n, struct agreement_mark fallback);
bool agr_is_scalar(struct fy_node *n);
bool agr_is_null(struct fy_node *n);
char *agr_scalar_dup(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what);
char *agr_text_dup(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
                   struct agreement_texts *t);
char *agr_id_dup(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what);
bool agr_get_uint(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
                  uint64_t max, uint64_t *out);
bool agr_get_bool(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
                  bool *out);
bool agr_scalar_is(struct fy_node *n, const char *lit);
bool agr_get_map(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
                 const char *const *keys, size_t nkeys, struct fy_node **vals,
                 struct agreement_mark *marks);
bool agr_has(struct fy_node *n);
void agr_need(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what);
bool agr_get_seq(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
                 size_t *count);
void *agr_xcalloc(struct ctx *c, size_t n, size_t size, struct agreement_mark at);
void agr_check_plain_yaml(struct ctx *c, struct fy_node *n, int depth);
bool agr_get_key(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
                 uint8_t type, struct note_verifier *out);

/* agreement_query.c */
size_t agr_witness_index(const struct agreement *a, const char *id);
size_t agr_group_index(const struct agreement *a, const char *id);
size_t agr_together_index(const struct agreement *a, const char *id);

/* agreement_zones.c */
char *agr_geojson_text(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
                       size_t *len);
bool agr_relpath_ok(const char *p);
void agr_parse_zones(struct ctx *c, struct fy_node *n, struct agreement_mark at);

/* agreement_commitment.c */
size_t agr_ref(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
               size_t (*find)(const struct agreement *, const char *), const char *owner);
size_t *agr_ref_list(struct ctx *c, struct fy_node *n, struct agreement_mark at, const char *what,
                     size_t (*find)(const struct agreement *, const char *), const char *owner,
                     size_t *count);
size_t agr_commitment_ids(struct ctx *c, struct fy_node *n, struct agreement_mark at);
void agr_parse_commitment(struct ctx *c, size_t ci, struct fy_node *item, struct agreement_mark at);
void agr_check_zones(struct ctx *c);
void agr_check_graph(struct ctx *c);

#endif /* ARMISTICE_AGREEMENT_INT_H */
