/*
 * err.h - error codes and the caller-provided message buffer.
 *
 * Every library function that can fail returns an enum arm_rc and, on
 * failure, writes one lowercase line into a struct arm_err that the caller
 * owns (curl's CURLOPT_ERRORBUFFER idea). The line says what failed first,
 * names the rule and the place, and quotes the subject. Only main() prints
 * it or exits.
 */
#ifndef ARMISTICE_ERR_H
#define ARMISTICE_ERR_H

#include <stddef.h>

#define ARM_MUST_CHECK __attribute__((warn_unused_result))

enum arm_rc {
	ARM_OK = 0,
	ARM_ESYNTAX,   /* input breaks its format; message names rule and place */
	ARM_EVERIFY,   /* a signature, proof, hash or root does not check out */
	ARM_ERULE,     /* an agreement rule refuses the entry */
	ARM_ELIMIT,    /* input larger than the stated limit */
	ARM_ENOTFOUND, /* no such entry, tile, key or file */
	ARM_ECONFLICT, /* inconsistent with what was seen or written before */
	ARM_EIO,       /* the operating system refused a read, write or fsync */
	ARM_ENOMEM,    /* allocation failed */
	ARM_EBUSY,     /* another writer holds the log */
	ARM_EUSAGE,    /* the caller asked for something that makes no sense */
};

/* 512 bytes holds a rule name, a file:line:column and a quoted subject. */
#define ARM_ERR_MAX 512

struct arm_err {
	enum arm_rc rc;
	char msg[ARM_ERR_MAX];
};

/*
 * Sets e (which may be NULL) to rc and the formatted message, and returns
 * rc so that callers can write "return arm_err_set(e, ARM_ESYNTAX, ...)".
 */
int arm_err_set(struct arm_err *e, enum arm_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to an existing message, e.g. the file name. */
void arm_err_prefix(struct arm_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Clears e to ARM_OK with an empty message. NULL-safe. */
void arm_err_clear(struct arm_err *e);

/* A stable lowercase name for rc, used in --json output ("syntax"...). */
const char *arm_rc_name(enum arm_rc rc);

/*
 * The process exit status for rc, documented in armistice(1):
 * 0 ok; 1 verification failed; 2 usage; 3 input refused (syntax, rule,
 * limit, conflict); 4 system error (I/O, memory, busy); 5 not found.
 */
int arm_rc_exit(enum arm_rc rc);

/* Propagate a failure code upward; the message is already set. */
#define ARM_TRY(call)                                                                              \
	do {                                                                                       \
		int arm_try_rc_ = (call);                                                          \
		if (arm_try_rc_ != ARM_OK)                                                         \
			return arm_try_rc_;                                                        \
	} while (0)

#endif
