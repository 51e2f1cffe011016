/* webasset.c - lookup in the generated dashboard table; see webasset.h. */
#include <string.h>

#include "server/webasset.h"
#include "armistice/common.h"

const struct webasset *
webasset_find(const char *name)
{
	size_t i;

	for (i = 0; i < webasset_count; i++)
		if (strcmp(webasset_table[i].name, name) == 0)
			return &webasset_table[i];
	return NULL;
}
