/*
 * buf.h - a growable byte buffer with a hard cap.
 *
 * A struct buf owns its data. buf_init() allocates nothing; buf_release()
 * frees and returns the buffer to its initial (empty) state, keeping the
 * cap. The cap (max) bounds every growth: appending past it fails with
 * ARM_ELIMIT, so a hostile request body or note cannot grow without end.
 * data is always NUL-terminated after a successful append (the NUL is not
 * counted in len), so text can be handed to string functions.
 */
#ifndef ARMISTICE_BUF_H
#define ARMISTICE_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max;
};

#define BUF_INIT(max_)                                                                             \
	{                                                                                          \
		NULL, 0, 0, (max_)                                                                 \
	}

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
/* Keeps the allocation, forgets the contents. */
void buf_reset(struct buf *b);
int buf_reserve(struct buf *b, size_t extra, struct arm_err *e) ARM_MUST_CHECK;
int buf_append(struct buf *b, const void *p, size_t n, struct arm_err *e) ARM_MUST_CHECK;
int buf_puts(struct buf *b, const char *s, struct arm_err *e) ARM_MUST_CHECK;
int buf_printf(struct buf *b, struct arm_err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4))) ARM_MUST_CHECK;
/*
 * Appends everything readable from fd until end of file (EINTR retried),
 * bounded by b->max like every append. name is the file's name for the
 * message ("cannot read 'name': ..."). Does not close fd.
 */
int buf_read_fd(struct buf *b, int fd, const char *name, struct arm_err *e) ARM_MUST_CHECK;

/* Returns the data, which the caller now owns and frees; b is emptied. */
uint8_t *buf_detach(struct buf *b, size_t *len);

#endif
