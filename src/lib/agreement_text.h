/*
 * agreement_text.h - private to agreement.c: texts written in several
 * languages (docs/agreement.md "Texts in several languages").
 *
 * agreement.c owns the YAML walk and the problem list; this module owns
 * the rules of a text map `{en: ..., ko: ...}`: language tag syntax
 * (agreement_lang_valid()), bounded lengths, strict UTF-8 without control
 * characters but tab and line feed, no tag twice (tags compare without
 * case, as BCP 47 says), and the default language present. It reports
 * through the sink, so messages keep the one "FILE:LINE:COL: rule:
 * message" form of every agreement problem.
 *
 * Ownership: on success *out owns its array and strings (release with
 * agreement_texts_release()) and the returned default text is a fresh
 * malloc'd copy the caller owns; on any problem nothing is kept.
 */
#ifndef ARMISTICE_AGREEMENT_TEXT_H
#define ARMISTICE_AGREEMENT_TEXT_H

#include <libfyaml.h>

#include "armistice/agreement.h"

struct agreement_text_sink {
	void (*problem)(void *ctx, struct agreement_mark m, enum arm_rc rc, const char *rule,
	                const char *msg);
	/* agreement.c's placement of a node, the fallback for collections */
	struct agreement_mark (*mark)(struct fy_node *n, struct agreement_mark fallback);
	void *ctx;
};

/*
 * n is a mapping (the caller checked). what names the field in messages
 * ("actor name"), deflang is the agreement's default language. Returns
 * the default-language text, or NULL after at least one problem.
 */
char *agreement_text_parse(struct fy_node *n, struct agreement_mark at, const char *what,
                           const char *deflang, struct agreement_texts *out,
                           const struct agreement_text_sink *s);

#endif
