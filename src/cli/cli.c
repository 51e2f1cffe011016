/* cli.c - helpers shared by the subcommands; see cli.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "armistice/agreement.h"
#include "armistice/entry.h"
#include "armistice/note.h"
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

/* Adds n's party signatures to sigs[0..*nsigs), once per key. */
static int
merge_add(const char *cmd, const char *file, const struct agreement *a, const struct note *n,
          struct note_sig *sigs, size_t *nsigs, struct arm_err *e)
{
	size_t j, k;

	for (j = 0; j < n->nsigs; j++) {
		if (!agreement_is_party_key(a, n->sigs[j].name, n->sigs[j].key_id)) {
			fprintf(stderr,
			        "armistice: %s: '%s': dropping the signature by \"%s\", which is "
			        "not a party's key\n",
			        cmd, file, n->sigs[j].name);
			continue;
		}
		for (k = 0; k < *nsigs; k++)
			if (sigs[k].key_id == n->sigs[j].key_id &&
			    strcmp(sigs[k].name, n->sigs[j].name) == 0)
				break;
		if (k < *nsigs)
			continue;
		if (*nsigs == NOTE_MAX_SIGS)
			return arm_err_set(e, ARM_ELIMIT, "%s: more than %d signatures", cmd,
			                   NOTE_MAX_SIGS);
		sigs[(*nsigs)++] = n->sigs[j];
	}
	return ARM_OK;
}

int
cli_merge_party_sigs(const char *cmd, const char *what, char *const *files, size_t nfiles,
                     const struct agreement *a, const struct buf *text, struct buf *merged,
                     size_t *nsigs, struct arm_err *e)
{
	struct note_sig *sigs = calloc(NOTE_MAX_SIGS, sizeof(*sigs));
	size_t i, k;
	int rc = ARM_OK;

	*nsigs = 0;
	if (sigs == NULL)
		return arm_err_set(e, ARM_ENOMEM, "%s: out of memory", cmd);
	for (i = 0; rc == ARM_OK && i < nfiles; i++) {
		struct buf in = BUF_INIT(ENTRY_MAX_SIZE);
		struct note n;

		rc = cli_read_file(files[i], &in, e);
		if (rc == ARM_OK && (rc = note_parse(&n, in.data ? in.data : (const uint8_t *)"",
		                                     in.len, ENTRY_MAX_SIZE, e)) != ARM_OK)
			arm_err_prefix(e, "%s: '%s'", cmd, files[i]);
		buf_release(&in);
		if (rc != ARM_OK)
			break;
		if (n.text_len != text->len || memcmp(n.text, text->data, text->len) != 0)
			rc = arm_err_set(e, ARM_EVERIFY, "%s: '%s' is not a signature of %s", cmd,
			                 files[i], what);
		else
			rc = merge_add(cmd, files[i], a, &n, sigs, nsigs, e);
		note_release(&n);
	}
	if (rc == ARM_OK)
		rc = buf_append(merged, text->data, text->len, e);
	if (rc == ARM_OK)
		rc = buf_puts(merged, "\n", e);
	for (k = 0; rc == ARM_OK && k < *nsigs; k++)
		rc = note_sig_format(&sigs[k], merged, e);
	free(sigs);
	return rc;
}
