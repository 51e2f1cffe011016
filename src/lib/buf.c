/* buf.c - see buf.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "armistice/common.h"

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
buf_release(struct buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

int
buf_reserve(struct buf *b, size_t extra, struct arm_err *e)
{
	size_t need, ncap;
	uint8_t *p;

	if (extra > b->max || b->len > b->max - extra)
		return arm_err_set(e, ARM_ELIMIT, "input too large: more than %zu bytes", b->max);
	need = b->len + extra + 1; /* room for the trailing NUL */
	if (need <= b->cap)
		return ARM_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	p = realloc(b->data, ncap);
	if (p == NULL)
		return arm_err_set(e, ARM_ENOMEM, "out of memory growing a buffer to %zu bytes",
		                   ncap);
	b->data = p;
	b->cap = ncap;
	return ARM_OK;
}

int
buf_append(struct buf *b, const void *p, size_t n, struct arm_err *e)
{
	ARM_TRY(buf_reserve(b, n, e));
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return ARM_OK;
}

int
buf_puts(struct buf *b, const char *s, struct arm_err *e)
{
	return buf_append(b, s, strlen(s), e);
}

int
buf_printf(struct buf *b, struct arm_err *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return arm_err_set(e, ARM_EUSAGE, "bad format string");
	ARM_TRY(buf_reserve(b, (size_t)n, e));
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return ARM_OK;
}

uint8_t *
buf_detach(struct buf *b, size_t *len)
{
	uint8_t *p = b->data;

	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

int
buf_read_fd(struct buf *b, int fd, const char *name, struct arm_err *e)
{
	uint8_t chunk[8192];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return arm_err_set(e, ARM_EIO, "cannot read '%s': %s", name,
			                   strerror(errno));
		if (n == 0)
			return ARM_OK;
		if (buf_append(b, chunk, (size_t)n, e) != ARM_OK) {
			arm_err_prefix(e, "'%s'", name);
			return e != NULL ? (int)e->rc : ARM_ELIMIT;
		}
	}
}
