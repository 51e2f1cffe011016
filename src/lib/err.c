/* err.c - see err.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "armistice/common.h"

int
arm_err_set(struct arm_err *e, enum arm_rc rc, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return rc;
	e->rc = rc;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return rc;
}

void
arm_err_prefix(struct arm_err *e, const char *fmt, ...)
{
	char head[ARM_ERR_MAX];
	char old[ARM_ERR_MAX];
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	/* Truncation is fine: the head names the place, the rest follows. */
	{
		size_t hl = strnlen(head, sizeof(e->msg) - 3);
		size_t ol = strnlen(old, sizeof(e->msg) - 3 - hl);
		memcpy(e->msg, head, hl);
		memcpy(e->msg + hl, ": ", 2);
		memcpy(e->msg + hl + 2, old, ol);
		e->msg[hl + 2 + ol] = '\0';
	}
}

void
arm_err_clear(struct arm_err *e)
{
	if (e == NULL)
		return;
	e->rc = ARM_OK;
	e->msg[0] = '\0';
}

const char *
arm_rc_name(enum arm_rc rc)
{
	switch (rc) {
	case ARM_OK: return "ok";
	case ARM_ESYNTAX: return "syntax";
	case ARM_EVERIFY: return "verify";
	case ARM_ERULE: return "rule";
	case ARM_ELIMIT: return "limit";
	case ARM_ENOTFOUND: return "not-found";
	case ARM_ECONFLICT: return "conflict";
	case ARM_EIO: return "io";
	case ARM_ENOMEM: return "memory";
	case ARM_EBUSY: return "busy";
	case ARM_EUSAGE: return "usage";
	default: return "unknown";
	}
}

int
arm_rc_exit(enum arm_rc rc)
{
	switch (rc) {
	case ARM_OK: return 0;
	case ARM_EVERIFY: return 1;
	case ARM_EUSAGE: return 2;
	case ARM_ESYNTAX:
	case ARM_ERULE:
	case ARM_ELIMIT:
	case ARM_ECONFLICT: return 3;
	case ARM_EIO:
	case ARM_ENOMEM:
	case ARM_EBUSY: return 4;
	case ARM_ENOTFOUND: return 5;
	default: return 4;
	}
}
