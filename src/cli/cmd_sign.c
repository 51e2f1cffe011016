/*
 * cmd_sign.c - armistice sign: sign an entry (armistice-entry(5)) as a C2SP
 * signed note with the author's key, after adding evidence digests and
 * checking that the entry is canonical; or build and sign the agreement
 * entry (log entry 0) from an agreement file, which every party does on
 * the same bytes before `armistice init` merges the signatures.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/cli_key.h"
#include "armistice/agreement.h"
#include "armistice/entry.h"
#include "armistice/hash.h"
#include "armistice/note.h"
#include "armistice/common.h"

static const char sign_usage[] =
    "usage: armistice sign --key KEY [--evidence FILE [--uri URI]]... [ENTRY]\n"
    "       armistice sign --key KEY --agreement FILE\n"
    "\n"
    "Signs the entry in ENTRY (or standard input) with the signer key file\n"
    "KEY and prints the signed note. The entry must be canonical\n"
    "(armistice-entry(5)); it is checked before anything is signed. If\n"
    "ENTRY is already a signed note, the new signature is added to the\n"
    "ones it has (the signed text does not change).\n"
    "\n"
    "  --key KEY         signer key file of the author (Ed25519, type 0x01)\n"
    "                    (a key file, an encrypted key file or a pkcs11: URI;\n"
    "                    armistice-key(1))\n"
    "  --evidence FILE   add \"evidence: sha256:<digest of FILE>\"; repeatable\n"
    "  --uri URI         where the evidence before it can be fetched\n"
    "  --agreement FILE  build the agreement entry (log entry 0) from the\n"
    "                    agreement FILE and its zone files, and sign it:\n"
    "                    each party runs this on the same file, then\n"
    "                    armistice init merges the signatures\n"
    "\n"
    "exit status: 0 ok, 1 verification failed, 2 usage, 3 input refused,\n"
    "4 system error, 5 not found.\n";

static const struct option sign_opts[] = {
    {"key", required_argument, NULL, 'k'}, {"evidence", required_argument, NULL, 'e'},
    {"uri", required_argument, NULL, 'u'}, {"agreement", required_argument, NULL, 'a'},
    {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
};

#define SIGN_EVIDENCE_MAX ENTRY_MAX_REPEAT

struct sign_args {
	const char *key;
	const char *agreement;
	const char *entry;
	const char *evidence[SIGN_EVIDENCE_MAX];
	const char *uri[SIGN_EVIDENCE_MAX];
	size_t nevidence;
};

/* Returns -1 to go on, else the exit status. */
static int
sign_parse_args(int argc, char **argv, struct sign_args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	a->entry = "-";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "k:h", sign_opts, NULL)) != -1) {
		switch (c) {
		case 'k': a->key = optarg; break;
		case 'a': a->agreement = optarg; break;
		case 'e':
			if (a->nevidence == SIGN_EVIDENCE_MAX)
				return cli_usage_error("sign", "more than %d --evidence options",
				                       SIGN_EVIDENCE_MAX);
			a->evidence[a->nevidence++] = optarg;
			break;
		case 'u':
			if (a->nevidence == 0 || a->uri[a->nevidence - 1] != NULL)
				return cli_usage_error("sign",
				                       "--uri must follow its --evidence FILE");
			a->uri[a->nevidence - 1] = optarg;
			break;
		case 'h': fputs(sign_usage, stdout); return 0;
		default:
			return cli_usage_error("sign", "unknown option or missing argument '%s'",
			                       argv[optind - 1]);
		}
	}
	if (a->key == NULL)
		return cli_usage_error("sign", "--key KEY is required");
	if (argc - optind > 1)
		return cli_usage_error("sign", "takes at most one ENTRY");
	if (argc - optind == 1)
		a->entry = argv[optind];
	if (a->agreement != NULL && (argc - optind == 1 || a->nevidence > 0))
		return cli_usage_error("sign", "--agreement takes no ENTRY and no --evidence");
	return -1;
}

/*
 * SHA-256 of a whole file, streamed: evidence (imagery, video) can be far
 * larger than memory. libsodium's SHA-256 gives the same bytes as hash.h.
 */
static int
hash_file(const char *path, uint8_t out[HASH_SIZE], struct arm_err *e)
{
	crypto_hash_sha256_state st;
	unsigned char chunk[65536];
	FILE *f;
	size_t n;
	int rc = ARM_OK;

	if ((f = fopen(path, "rb")) == NULL)
		return arm_err_set(e, errno == ENOENT ? ARM_ENOTFOUND : ARM_EIO,
		                   "sign: cannot open evidence '%s': %s", path, strerror(errno));
	if (crypto_hash_sha256_init(&st) != 0)
		rc = arm_err_set(e, ARM_EIO, "sign: libsodium refused to start SHA-256");
	while (rc == ARM_OK && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (crypto_hash_sha256_update(&st, chunk, n) != 0)
			rc = arm_err_set(e, ARM_EIO, "sign: libsodium refused SHA-256 input");
	if (rc == ARM_OK && ferror(f))
		rc = arm_err_set(e, ARM_EIO, "sign: cannot read evidence '%s': %s", path,
		                 strerror(errno));
	if (rc == ARM_OK && crypto_hash_sha256_final(&st, out) != 0)
		rc = arm_err_set(e, ARM_EIO, "sign: libsodium refused to finish SHA-256");
	fclose(f);
	return rc;
}

/* Adds one evidence line per file (skipping a digest already listed). */
static int
add_evidence(struct entry *en, const struct sign_args *a, struct arm_err *e)
{
	struct entry_evidence *grown;
	size_t i, j;

	for (i = 0; i < a->nevidence; i++) {
		uint8_t d[HASH_SIZE];
		bool dup = false;

		ARM_TRY(hash_file(a->evidence[i], d, e));
		for (j = 0; j < en->nevidence; j++)
			dup = dup || memcmp(en->evidence[j].sha256, d, HASH_SIZE) == 0;
		if (dup)
			continue;
		if (en->nevidence >= ENTRY_MAX_REPEAT)
			return arm_err_set(e, ARM_ELIMIT, "sign: more than %d evidence lines",
			                   ENTRY_MAX_REPEAT);
		grown = realloc(en->evidence, (en->nevidence + 1) * sizeof(*grown));
		if (grown == NULL)
			return arm_err_set(e, ARM_ENOMEM, "sign: out of memory");
		en->evidence = grown;
		memcpy(grown[en->nevidence].sha256, d, HASH_SIZE);
		grown[en->nevidence].uri = NULL;
		if (a->uri[i] != NULL && (grown[en->nevidence].uri = strdup(a->uri[i])) == NULL)
			return arm_err_set(e, ARM_ENOMEM, "sign: out of memory");
		en->nevidence++;
	}
	return ARM_OK;
}

/*
 * The text to sign and any signatures it already has: a signed note whose
 * text is an entry keeps its text and signatures; anything else must be an
 * unsigned entry.
 */
static int
read_entry(const struct sign_args *a, struct buf *text, struct note *prior, bool *signed_in,
           struct arm_err *e)
{
	struct buf in = BUF_INIT(ENTRY_MAX_SIZE);
	struct entry en;
	struct arm_err ignored;
	int rc;

	*signed_in = false;
	rc = cli_read_file(a->entry, &in, e);
	if (rc != ARM_OK)
		goto out;
	if (in.len > 0 && note_parse(prior, in.data, in.len, ENTRY_MAX_SIZE, &ignored) == ARM_OK) {
		if (entry_parse(&en, (const uint8_t *)prior->text, prior->text_len, &ignored) ==
		    ARM_OK) {
			entry_release(&en);
			*signed_in = true;
			if (a->nevidence > 0) {
				rc = arm_err_set(e, ARM_EUSAGE,
				                 "sign: '%s' is already signed; evidence "
				                 "cannot be added without breaking its signatures",
				                 a->entry);
				goto out;
			}
			rc = buf_append(text, prior->text, prior->text_len, e);
			goto out;
		}
		note_release(prior);
	}
	rc = entry_parse(&en, in.data ? in.data : (const uint8_t *)"", in.len, e);
	if (rc != ARM_OK) {
		arm_err_prefix(e, "sign '%s'", a->entry);
		goto out;
	}
	rc = add_evidence(&en, a, e);
	if (rc == ARM_OK)
		rc = entry_format(&en, text, e);
	entry_release(&en);
out:
	buf_release(&in);
	return rc;
}

static int
agreement_text(const char *path, struct buf *text, struct arm_err *e)
{
	struct agreement ag;
	struct buf diags = BUF_INIT(1 << 16);
	int rc;

	rc = agreement_load(&ag, path, &diags, e);
	if (rc != ARM_OK) {
		if (diags.len > 0)
			fwrite(diags.data, 1, diags.len, stderr);
		buf_release(&diags);
		return rc;
	}
	rc = entry_agreement_text(&ag, text, e);
	agreement_release(&ag);
	buf_release(&diags);
	return rc;
}

int
cmd_sign(int argc, char **argv)
{
	struct sign_args a;
	struct note_signer key;
	struct note prior;
	struct buf text = BUF_INIT(ENTRY_MAX_SIZE), out = BUF_INIT(ENTRY_MAX_SIZE);
	struct arm_err e = {ARM_OK, ""};
	bool have_key = false, signed_in = false;
	size_t i;
	int rc, status;

	memset(&prior, 0, sizeof(prior));
	if ((status = sign_parse_args(argc, argv, &a)) >= 0)
		return status;
	rc = cli_key_signer(a.key, &key, &e);
	have_key = rc == ARM_OK;
	if (rc == ARM_OK && key.type != NOTE_KEY_ED25519)
		rc = arm_err_set(&e, ARM_EUSAGE,
		                 "sign: '%s' is a cosigner key (type 0x%02x); entries "
		                 "are signed with Ed25519 (type 0x01) keys",
		                 a.key, key.type);
	if (rc == ARM_OK) {
		if (a.agreement != NULL)
			rc = agreement_text(a.agreement, &text, &e);
		else
			rc = read_entry(&a, &text, &prior, &signed_in, &e);
	}
	for (i = 0; rc == ARM_OK && signed_in && i < prior.nsigs; i++)
		if (prior.sigs[i].key_id == key.key_id && strcmp(prior.sigs[i].name, key.name) == 0)
			rc = arm_err_set(&e, ARM_ECONFLICT,
			                 "sign: '%s' already has a signature by key "
			                 "\"%s\"",
			                 a.entry, key.name);
	if (rc == ARM_OK) {
		rc = buf_append(&out, text.data, text.len, &e);
		if (rc == ARM_OK)
			rc = buf_puts(&out, "\n", &e);
		for (i = 0; rc == ARM_OK && signed_in && i < prior.nsigs; i++)
			rc = note_sig_format(&prior.sigs[i], &out, &e);
		if (rc == ARM_OK)
			rc = note_sign_line(&key, (const char *)text.data, text.len, &out, &e);
	}
	if (rc == ARM_OK && out.len > ENTRY_MAX_SIZE)
		rc = arm_err_set(&e, ARM_ELIMIT,
		                 "sign: the signed entry is %zu bytes, more than the "
		                 "%u of one log entry",
		                 out.len, ENTRY_MAX_SIZE);
	if (rc == ARM_OK &&
	    (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0))
		rc = arm_err_set(&e, ARM_EIO,
		                 "sign: cannot write the signed entry to standard output");
	if (have_key)
		note_signer_release(&key);
	if (signed_in)
		note_release(&prior);
	buf_release(&text);
	buf_release(&out);
	return rc == ARM_OK ? 0 : cli_fail(&e);
}
