/*
 * cmd_amend.c - armistice amend: an amendment as a workflow.
 *
 *   armistice amend DIR --agreement NEW --time TIME [--dry-run] [--json]
 *   armistice amend DIR --agreement NEW --time TIME --combine SIGNED...
 *
 * Replays the log in DIR for the agreement in force, reads the new
 * agreement NEW (and its zone files beside it), and says what the
 * amendment changes (agreement_diff(): deadlines moved, commitments added
 * or removed, verifiers, zones, witnesses). Without --combine it prints
 * the unsigned amendment entry (entry_amend_text()), which each party
 * signs on its own machine (armistice sign --key K FILE). With --combine
 * it rebuilds the same bytes, merges the parties' signature lines from
 * every SIGNED copy (each must carry exactly those bytes), checks that
 * every party of the agreement in force signed (entry_open()), installs
 * NEW's zone files beside the log, and prints the signed entry for
 * armistice append.
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
#include "cli/cli_replay.h"
#include "armistice/agreement.h"
#include "armistice/entry.h"
#include "armistice/log.h"
#include "armistice/note.h"
#include "armistice/common.h"

static const char amend_usage[] =
    "usage: armistice amend DIR --agreement NEW --time TIME [--dry-run] [--json]\n"
    "       armistice amend DIR --agreement NEW --time TIME --combine SIGNED...\n"
    "\n"
    "Builds the amendment of the agreement in force in the log DIR to the\n"
    "agreement file NEW (zone files beside it), dated TIME (RFC 3339), and\n"
    "says what it changes: deadlines moved, commitments added or removed,\n"
    "verifiers and quorums, zones redrawn, witnesses.\n"
    "\n"
    "  (no option)       print the changes on standard error and the unsigned\n"
    "                    amendment entry on standard output: each party signs\n"
    "                    it with armistice sign --key KEY FILE\n"
    "  --dry-run         print only the changes (standard output)\n"
    "  --combine         merge the signatures of the SIGNED copies over the\n"
    "                    same bytes, check that every party of the agreement in\n"
    "                    force signed, copy NEW's zone files to DIR/zones, and\n"
    "                    print the signed entry for armistice append DIR\n"
    "  --zones ZDIR      zone files of the agreement in force (default DIR/zones)\n"
    "  --json            with --dry-run: {agreement, new, changes: [...]}\n"
    "\n"
    "exit status: 0 ok, 1 a signature does not verify, 2 usage, 3 input\n"
    "refused, 4 system error, 5 not found.\n";

static const struct option amend_opts[] = {
    {"agreement", required_argument, NULL, 'a'},
    {"time", required_argument, NULL, 't'},
    {"dry-run", no_argument, NULL, 'n'},
    {"combine", no_argument, NULL, 'c'},
    {"zones", required_argument, NULL, 'z'},
    {"json", no_argument, NULL, 'j'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct amend {
	const char *dir, *file, *time, *zones;
	char zbuf[4096];
	bool dry, combine;
	int json;
	char **signed_files;
	size_t nsigned;
};

/*
 * NEW's zone files beside the log, where every replay reads them by path.
 * A file already there must hold the same bytes: a redrawn zone needs a
 * new file name, or the older entries would no longer replay.
 */
static int
install_zones(const struct amend *am, const struct agreement *na, struct arm_err *e)
{
	size_t i;

	for (i = 0; i < na->nzones; i++) {
		const struct agreement_zone *z = &na->zones[i];
		struct buf old = BUF_INIT(AGREEMENT_ZONE_FILE_MAX);
		char path[8192];
		int fd, rc;
		ssize_t w;

		if (z->file == NULL)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", am->zones, z->file) >=
		    sizeof(path))
			return arm_err_set(e, ARM_EUSAGE, "amend: zone path too long");
		rc = cli_read_file(path, &old, e);
		if (rc == ARM_OK) {
			bool same =
			    old.len == z->geojson_len && memcmp(old.data, z->geojson, old.len) == 0;
			buf_release(&old);
			if (same)
				continue;
			return arm_err_set(
			    e, ARM_ERULE,
			    "amend: zone %s: '%s' beside the log holds other bytes; a redrawn "
			    "zone needs a new file name (the older entries replay with the "
			    "old one)",
			    z->id, z->file);
		}
		buf_release(&old);
		if (strchr(z->file, '/') != NULL) {
			char dirp[8192];
			char *slash;
			snprintf(dirp, sizeof(dirp), "%s", path);
			slash = strrchr(dirp, '/');
			if (slash != NULL) {
				*slash = '\0';
				if (mkdir(dirp, 0755) != 0 && errno != EEXIST)
					return arm_err_set(e, ARM_EIO,
					                   "amend: cannot create '%s': %s", dirp,
					                   strerror(errno));
			}
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			return arm_err_set(e, ARM_EIO, "amend: cannot create '%s': %s", path,
			                   strerror(errno));
		w = write(fd, z->geojson, z->geojson_len);
		if (w < 0 || (size_t)w != z->geojson_len || fsync(fd) != 0) {
			close(fd);
			return arm_err_set(e, ARM_EIO, "amend: cannot write '%s'", path);
		}
		if (close(fd) != 0)
			return arm_err_set(e, ARM_EIO, "amend: cannot write '%s'", path);
	}
	return ARM_OK;
}

/* --dry-run: what the amendment changes, as text or --json; nothing is built. */
static void
print_dry(const struct amend *am, const struct agreement *a, const struct agreement *na,
          const struct buf *diff, size_t nchanges)
{
	char h1[2 * HASH_SIZE + 1], h2[2 * HASH_SIZE + 1];
	const char *p = (const char *)diff->data, *q;
	bool first = true;

	if (!am->json) {
		printf("amendment of %s, dated %s: %zu change%s\n", a->name, am->time, nchanges,
		       nchanges == 1 ? "" : "s");
		if (diff->len > 0)
			fwrite(diff->data, 1, diff->len, stdout);
		return;
	}
	agreement_id_hex(a, h1);
	agreement_id_hex(na, h2);
	printf("{\"agreement\":\"%s\",\"new\":\"%s\",\"changes\":[", h1, h2);
	while (p != NULL && *p) {
		q = strchr(p, '\n');
		if (q == NULL)
			break;
		printf("%s", first ? "" : ",");
		cli_json_str(stdout, p, (size_t)(q - p));
		first = false;
		p = q + 1;
	}
	printf("]}\n");
}

/*
 * --combine: the parties' signatures on text merged into merged, which
 * every party of the agreement in force a must have signed (entry_open
 * refuses otherwise) and which must fit an entry.
 */
static int
combine(const struct amend *am, const struct agreement *a, const struct buf *text,
        struct buf *merged, struct arm_err *e)
{
	char what[8192];
	size_t nsigs;
	struct entry en;
	int rc;

	snprintf(what, sizeof(what),
	         "this amendment (its text differs from the one built from '%s' and --time "
	         "%s)",
	         am->file, am->time);
	ARM_TRY(cli_merge_party_sigs("amend", what, am->signed_files, am->nsigned, a, text, merged,
	                             &nsigs, e));
	entry_init(&en);
	rc = entry_open(&en, merged->data, merged->len, a, e);
	entry_release(&en);
	if (rc != ARM_OK) {
		arm_err_prefix(e, "amend: the combined amendment");
		return rc;
	}
	if (merged->len > ENTRY_MAX_SIZE)
		return arm_err_set(e, ARM_ELIMIT,
		                   "amend: the signed amendment is %zu bytes, more than %u",
		                   merged->len, ENTRY_MAX_SIZE);
	return ARM_OK;
}

static int
run(struct amend *am, struct arm_err *e)
{
	struct log *l = NULL;
	struct cli_replay r;
	struct agreement na;
	struct entry_time t;
	struct buf text = BUF_INIT(ENTRY_MAX_SIZE), diff = BUF_INIT(1 << 20),
	           merged = BUF_INIT(ENTRY_MAX_SIZE + 1), diags = BUF_INIT(1 << 16);
	const struct agreement *a;
	size_t nchanges = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	agreement_init(&na);
	if (am->zones == NULL)
		am->zones = cli_zones_default(am->dir, am->zbuf, sizeof(am->zbuf));
	if (am->zones == NULL) {
		snprintf(am->zbuf, sizeof(am->zbuf), "%s/zones", am->dir);
		am->zones = am->zbuf;
	}
	rc = entry_time_parse(&t, am->time, strlen(am->time), e);
	if (rc != ARM_OK) {
		arm_err_prefix(e, "--time");
		e->rc = ARM_EUSAGE;
		rc = ARM_EUSAGE;
		goto out;
	}
	if ((rc = log_open(&l, am->dir, NULL, e)) != ARM_OK ||
	    (rc = cli_replay_init(&r, am->zones, ENGINE_NO_TIME, true, e)) != ARM_OK ||
	    (rc = cli_replay_scan(&r, l, 0, log_size(l), cli_replay_apply, &r, e)) != ARM_OK)
		goto out;
	if ((a = engine_agreement(r.eng)) == NULL) {
		rc = arm_err_set(e, ARM_ENOTFOUND, "amend: log '%s' holds no agreement", am->dir);
		goto out;
	}
	if ((rc = agreement_load(&na, am->file, &diags, e)) != ARM_OK) {
		if (diags.len > 0)
			fwrite(diags.data, 1, diags.len, stderr);
		goto out;
	}
	if (memcmp(na.id, a->id, HASH_SIZE) == 0) {
		rc = arm_err_set(e, ARM_ERULE, "amend: '%s' is the agreement already in force",
		                 am->file);
		goto out;
	}
	if ((rc = agreement_diff(a, &na, &diff, &nchanges, e)) != ARM_OK ||
	    (rc = entry_amend_text(&na, a->id, &t, &text, e)) != ARM_OK)
		goto out;
	if (am->dry) {
		print_dry(am, a, &na, &diff, nchanges);
		goto out;
	}
	if (!am->combine) {
		fprintf(stderr, "armistice: amendment: %zu change%s\n", nchanges,
		        nchanges == 1 ? "" : "s");
		if (diff.len > 0)
			fwrite(diff.data, 1, diff.len, stderr);
		fwrite(text.data, 1, text.len, stdout);
		goto out;
	}
	if ((rc = combine(am, a, &text, &merged, e)) != ARM_OK ||
	    (rc = install_zones(am, &na, e)) != ARM_OK)
		goto out;
	fwrite(merged.data, 1, merged.len, stdout);
out:
	buf_release(&text);
	buf_release(&diff);
	buf_release(&merged);
	buf_release(&diags);
	agreement_release(&na);
	cli_replay_release(&r);
	log_close(l);
	return rc;
}

int
cmd_amend(int argc, char **argv)
{
	struct amend am;
	struct arm_err e = {0};
	int c;

	memset(&am, 0, sizeof(am));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", amend_opts, NULL)) != -1) {
		switch (c) {
		case 'a': am.file = optarg; break;
		case 't': am.time = optarg; break;
		case 'n': am.dry = true; break;
		case 'c': am.combine = true; break;
		case 'z': am.zones = optarg; break;
		case 'j': am.json = 1; break;
		case 'h': fputs(amend_usage, stdout); return 0;
		default: return cli_usage_error("amend", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("amend", "wants DIR");
	am.dir = argv[optind++];
	if (am.file == NULL || am.time == NULL)
		return cli_usage_error("amend", "wants --agreement NEW and --time TIME");
	if (am.dry && am.combine)
		return cli_usage_error("amend", "--dry-run and --combine exclude each other");
	if (am.combine) {
		if (optind >= argc)
			return cli_usage_error("amend", "--combine wants the SIGNED copies");
		am.signed_files = argv + optind;
		am.nsigned = (size_t)(argc - optind);
	} else if (optind < argc) {
		return cli_usage_error("amend", "SIGNED copies go with --combine");
	}
	if (run(&am, &e) != ARM_OK)
		return cli_fail(&e);
	return 0;
}
