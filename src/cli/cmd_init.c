/*
 * cmd_init.c - armistice init: start a log whose first entry is the
 * agreement, signed by every party.
 *
 * Each party signs the same agreement entry (armistice sign --agreement),
 * each on its own machine with its own key; init rebuilds that entry from
 * the agreement file, checks that every signed copy is of exactly those
 * bytes, merges their signature lines into one signed note, and refuses
 * unless a signature by every party verifies. Only then is anything
 * written: the log (signed by the log key the agreement names), the zone
 * files beside it (DIR/zones, where `--zones` of serve and verify finds
 * them), and entry 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_key.h"
#include "armistice/store_pg.h"
#include "armistice/agreement.h"
#include "armistice/entry.h"
#include "armistice/log.h"
#include "armistice/note.h"
#include "armistice/common.h"

static const char init_usage[] =
    "usage: armistice init DIR --agreement FILE --log-key KEY [--json] SIGNED...\n"
    "\n"
    "Creates the log in DIR with the agreement as entry 0. FILE is the\n"
    "agreement (armistice-agreement(5)); each SIGNED file is the agreement\n"
    "entry as one or more parties signed it with 'armistice sign --agreement\n"
    "FILE'. Their signatures are merged; init refuses unless every party the\n"
    "agreement names has signed. KEY is the log's signer key file; it must be\n"
    "the log key the agreement names. Zone files are copied to DIR/zones.\n"
    "\n"
    "  --agreement FILE  the agreement, with its zone files beside it\n"
    "  --log-key KEY     the log's signer key file (Ed25519)\n"
    "                    (a key file, an encrypted key file or a pkcs11: URI;\n"
    "                    armistice-key(1))\n"
    "  --json            print the result as JSON\n"
    "\n"
    "exit status: 0 ok, 1 verification failed, 2 usage, 3 input refused,\n"
    "4 system error, 5 not found.\n";

static const struct option init_opts[] = {
    {"agreement", required_argument, NULL, 'a'},
    {"log-key", required_argument, NULL, 'k'},
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct init_args {
	const char *dir;
	const char *agreement;
	const char *key;
	int json;
	char **signed_files;
	size_t nsigned;
};

static int
init_parse_args(int argc, char **argv, struct init_args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", init_opts, NULL)) != -1) {
		switch (c) {
		case 'a': a->agreement = optarg; break;
		case 'k': a->key = optarg; break;
		case 'j': a->json = 1; break;
		case 'h': fputs(init_usage, stdout); return 0;
		default:
			return cli_usage_error("init", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (a->agreement == NULL || a->key == NULL)
		return cli_usage_error("init", "--agreement FILE and --log-key KEY are required");
	if (argc - optind < 2)
		return cli_usage_error("init", "needs DIR and at least one SIGNED agreement entry");
	a->dir = argv[optind];
	a->signed_files = argv + optind + 1;
	a->nsigned = (size_t)(argc - optind - 1);
	return -1;
}

/* mkdir -p for the directories of path (not path itself). */
static int
make_parents(const char *path, struct arm_err *e)
{
	char tmp[4096];
	size_t i, n = strlen(path);

	if (n >= sizeof(tmp))
		return arm_err_set(e, ARM_EUSAGE, "init: path too long: '%.80s...'", path);
	memcpy(tmp, path, n + 1);
	for (i = 1; i < n; i++) {
		if (tmp[i] != '/')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return arm_err_set(e, ARM_EIO, "init: cannot create '%s': %s", tmp,
			                   strerror(errno));
		tmp[i] = '/';
	}
	return ARM_OK;
}

/* Writes the zone files, durable, as DIR/zones/<path the agreement gives>. */
static int
copy_zones(const char *dir, const struct agreement *a, struct arm_err *e)
{
	size_t i;

	for (i = 0; i < a->nzones; i++) {
		const struct agreement_zone *z = &a->zones[i];
		char path[4096];
		int fd;
		ssize_t w;

		if (z->file == NULL)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/zones/%s", dir, z->file) >=
		    sizeof(path))
			return arm_err_set(e, ARM_EUSAGE, "init: zone path too long: '%.80s'",
			                   z->file);
		ARM_TRY(make_parents(path, e));
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return arm_err_set(e, ARM_EIO, "init: cannot create '%s': %s", path,
			                   strerror(errno));
		w = write(fd, z->geojson, z->geojson_len);
		if (w < 0 || (size_t)w != z->geojson_len || fsync(fd) != 0) {
			int err = errno;
			close(fd);
			return arm_err_set(e, ARM_EIO, "init: cannot write '%s': %s", path,
			                   strerror(err));
		}
		if (close(fd) != 0)
			return arm_err_set(e, ARM_EIO, "init: cannot write '%s': %s", path,
			                   strerror(errno));
	}
	return ARM_OK;
}

static int
append_entry0(const char *dir, const struct note_signer *key, const struct buf *note,
              struct arm_err *e)
{
	struct log *l = NULL;
	struct log_opts o;
	struct log_result res;
	const uint8_t *ents[1] = {note->data};
	size_t lens[1] = {note->len};
	int rc;

	memset(&o, 0, sizeof(o));
	o.writer = true;
	o.key = key;
	ARM_TRY(log_open(&l, dir, &o, e));
	memset(&res, 0, sizeof(res));
	rc = log_append_many(l, ents, lens, 1, &res, e);
	if (rc == ARM_OK && res.err.rc != ARM_OK) {
		*e = res.err;
		rc = res.err.rc;
	}
	if (rc == ARM_OK && res.index != 0)
		rc = arm_err_set(e, ARM_ECONFLICT, "init: the agreement became entry %llu, not 0",
		                 (unsigned long long)res.index);
	log_close(l);
	return rc;
}

static void
print_result(const struct init_args *args, const struct agreement *a)
{
	char hex[2 * HASH_SIZE + 1];
	size_t i, n = 0;

	agreement_id_hex(a, hex);
	if (args->json) {
		printf("{\"dir\":");
		cli_json_str(stdout, args->dir, strlen(args->dir));
		printf(",\"agreement\":\"%s\",\"origin\":", hex);
		cli_json_str(stdout, a->log.origin, strlen(a->log.origin));
		printf(",\"index\":0,\"parties\":[");
		for (i = 0; i < a->nactors; i++) {
			if (a->actors[i].role != AGREEMENT_PARTY)
				continue;
			printf("%s", n++ ? "," : "");
			cli_json_str(stdout, a->actors[i].id, strlen(a->actors[i].id));
		}
		printf("],\"zones\":");
		{
			char zd[4200];
			snprintf(zd, sizeof(zd), "%s/zones", args->dir);
			cli_json_str(stdout, zd, strlen(zd));
		}
		printf("}\n");
		return;
	}
	printf("initialized log '%s' (origin %s)\nentry 0: agreement %s, signed by", args->dir,
	       a->log.origin, hex);
	for (i = 0; i < a->nactors; i++)
		if (a->actors[i].role == AGREEMENT_PARTY)
			printf(" %s", a->actors[i].id);
	if (store_pg_is_url(args->dir))
		printf("\nzone files: not copied into a database log; give --zones\n");
	else
		printf("\nzone files: %s/zones\n", args->dir);
}

int
cmd_init(int argc, char **argv)
{
	struct init_args args;
	struct agreement a, check;
	struct entry en;
	struct note_signer key;
	struct note_verifier kv;
	struct buf diags = BUF_INIT(1 << 16), text = BUF_INIT(ENTRY_MAX_SIZE);
	struct buf merged = BUF_INIT(ENTRY_MAX_SIZE);
	struct arm_err e = {ARM_OK, ""};
	char dir[4096];
	const char *slash;
	bool have_key = false;
	int rc, status;

	if ((status = init_parse_args(argc, argv, &args)) >= 0)
		return status;
	agreement_init(&a);
	rc = agreement_load(&a, args.agreement, &diags, &e);
	if (rc != ARM_OK && diags.len > 0)
		fwrite(diags.data, 1, diags.len, stderr);
	if (rc == ARM_OK) {
		rc = cli_key_signer(args.key, &key, &e);
		have_key = rc == ARM_OK;
	}
	if (rc == ARM_OK) {
		note_signer_verifier(&key, &kv);
		if (kv.type != a.log.key.type || kv.key_id != a.log.key.key_id ||
		    strcmp(kv.name, a.log.key.name) != 0 || memcmp(kv.pk, a.log.key.pk, 32) != 0)
			rc = arm_err_set(&e, ARM_EVERIFY,
			                 "init: log-key: '%s' holds key \"%s+%08x\", "
			                 "but the agreement names \"%s+%08x\" as the log key",
			                 args.key, kv.name, (unsigned)kv.key_id, a.log.key.name,
			                 (unsigned)a.log.key.key_id);
	}
	if (rc == ARM_OK)
		rc = entry_agreement_text(&a, &text, &e);
	if (rc == ARM_OK) {
		char what[8192];
		size_t nsigs;

		snprintf(
		    what, sizeof(what),
		    "this agreement entry (its text differs from the one built from '%s'; sign "
		    "it with armistice sign --agreement)",
		    args.agreement);
		rc = cli_merge_party_sigs("init", what, args.signed_files, args.nsigned, &a, &text,
		                          &merged, &nsigs, &e);
		if (rc == ARM_OK && nsigs == 0)
			rc = arm_err_set(&e, ARM_EVERIFY,
			                 "init: no party has signed the agreement entry");
	}
	if (rc == ARM_OK && merged.len > ENTRY_MAX_SIZE)
		rc = arm_err_set(&e, ARM_ELIMIT,
		                 "init: the signed agreement entry is %zu bytes, more "
		                 "than the %u of one log entry",
		                 merged.len, ENTRY_MAX_SIZE);
	/* the same check every auditor makes on entry 0: every party signed */
	if (rc == ARM_OK) {
		slash = strrchr(args.agreement, '/');
		if (slash == NULL)
			snprintf(dir, sizeof(dir), ".");
		else
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - args.agreement),
			         args.agreement);
		rc = entry_open_agreement(&en, &check, merged.data, merged.len, args.agreement,
		                          agreement_read_dir, dir, NULL, &e);
		if (rc == ARM_OK) {
			entry_release(&en);
			agreement_release(&check);
		}
	}
	if (rc == ARM_OK) {
		rc = log_create(args.dir, a.log.origin, &key, args.key, &e);
		/* A database log has no directory: zones stay beside the agreement. */
		if (rc == ARM_OK && !store_pg_is_url(args.dir))
			rc = copy_zones(args.dir, &a, &e);
		if (rc == ARM_OK)
			rc = append_entry0(args.dir, &key, &merged, &e);
	}
	if (rc == ARM_OK)
		print_result(&args, &a);
	if (have_key)
		note_signer_release(&key);
	agreement_release(&a);
	buf_release(&diags);
	buf_release(&text);
	buf_release(&merged);
	return rc == ARM_OK ? 0 : cli_fail(&e);
}
