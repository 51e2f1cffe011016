/*
 * webasset.h - the dashboard's files (web/), compiled into the binary by
 * scripts/embed-web.sh so that `armistice serve` needs nothing installed
 * beside it. The data is static and borrowed.
 */
#ifndef ARMISTICE_WEBASSET_H
#define ARMISTICE_WEBASSET_H

#include <stddef.h>

struct webasset {
	const char *name; /* file name under web/, e.g. "app.js" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};

extern const struct webasset webasset_table[];
extern const size_t webasset_count;

/* The asset called name (exact match, no path separators), or NULL. */
const struct webasset *webasset_find(const char *name);

#endif
