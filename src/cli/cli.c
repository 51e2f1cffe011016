/* cli.c - helpers shared by the subcommands; see cli.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "armistice/common.h"

int
cli_fail(const struct arm_err *e)
{
	fprintf(stderr, "armistice: %s\n", e->msg[0] ? e->msg : arm_rc_name(e->rc));
	return arm_rc_exit(e->rc);
}

int
cli_fail_json(const struct arm_err *e, int json)
{
	if (json) {
		printf("{\"ok\":false,\"error\":\"%s\",\"message\":", arm_rc_name(e->rc));
		cli_json_str(stdout, e->msg, strlen(e->msg));
		printf("}\n");
	}
	return cli_fail(e);
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "armistice %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'armistice %s --help'.\n", cmd);
	return 2;
}

int
cli_read_file(const char *path, struct buf *out, struct arm_err *e)
{
	int fd, rc;

	if (strcmp(path, "-") == 0)
		return buf_read_fd(out, STDIN_FILENO, "standard input", e);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return arm_err_set(e, errno == ENOENT ? ARM_ENOTFOUND : ARM_EIO,
		                   "cannot open '%s': %s", path, strerror(errno));
	rc = buf_read_fd(out, fd, path, e);
	close(fd);
	return rc;
}

void
cli_json_str(FILE *f, const char *s, size_t n)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}
