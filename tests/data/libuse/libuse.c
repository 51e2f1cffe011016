/*
 * libuse.c - a program of someone else's, built against an installed
 * libarmistice with pkg-config (tests/cli/t0960): it checks an offline
 * receipt (c2sp.org/tlog-proof@v1) for an entry against the log's
 * verifier key, then replays a log directory through the state engine
 * and prints the state JSON (docs/state-json.md) as of NOW, reading the
 * agreement's zone files from LOGDIR/zones as `armistice status` does and
 * placing incidents with the geometry module.
 *
 *   libuse LOG.vkey ENTRY RECEIPT LOGDIR NOW
 *
 * Exit status: 0 both good, 1 the receipt does not verify, 3 the replay
 * failed, 2 usage or unreadable files.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <armistice/agreement.h>
#include <armistice/engine.h>
#include <armistice/geo.h>
#include <armistice/log.h>
#include <armistice/note.h>
#include <armistice/tproof.h>

/* The whole file, through the library's bounded reader (buf.h). */
static int
slurp(const char *path, struct buf *b)
{
	struct arm_err e;
	int fd = open(path, O_RDONLY), rc;

	if (fd < 0)
		return -1;
	rc = buf_read_fd(b, fd, path, &e);
	close(fd);
	if (rc != ARM_OK)
		fprintf(stderr, "libuse: %s\n", e.msg);
	return rc == ARM_OK ? 0 : -1;
}

static int
check_receipt(const char *vkey_path, const char *entry_path, const char *proof_path)
{
	struct buf vk = BUF_INIT(4096), entry = BUF_INIT(1u << 20), pf = BUF_INIT(TPROOF_MAX_SIZE);
	struct note_verifier v;
	struct tproof p;
	struct ckpt c;
	struct note n;
	struct arm_err e;
	int rc = 2;

	memset(&p, 0, sizeof(p));
	if (slurp(vkey_path, &vk) != 0 || slurp(entry_path, &entry) != 0 ||
	    slurp(proof_path, &pf) != 0)
		goto out;
	while (vk.len > 0 && (vk.data[vk.len - 1] == '\n' || vk.data[vk.len - 1] == '\r'))
		vk.len--;
	if (note_verifier_parse(&v, (const char *)vk.data, vk.len, &e) != ARM_OK) {
		fprintf(stderr, "libuse: key: %s\n", e.msg);
		goto out;
	}
	rc = 1;
	if (tproof_parse(&p, pf.data, pf.len, TPROOF_MAX_SIZE, &e) != ARM_OK ||
	    tproof_verify(&p, entry.data, entry.len, &v, &c, &n, &e) != ARM_OK) {
		fprintf(stderr, "libuse: receipt refused: %s\n", e.msg);
		goto out;
	}
	note_release(&n);
	fprintf(stderr, "libuse: receipt ok: entry %llu of %s, checkpoint size %llu\n",
	        (unsigned long long)p.index, c.origin, (unsigned long long)c.size);
	rc = 0;
out:
	tproof_release(&p);
	buf_release(&vk);
	buf_release(&entry);
	buf_release(&pf);
	return rc;
}

static int
apply(void *ctx, uint64_t index, const uint8_t *note, size_t len, struct arm_err *e)
{
	return engine_apply_note(ctx, index, note, len, e);
}

static int
replay(const char *dir, int64_t now)
{
	struct log *l = NULL;
	struct engine *eng = NULL;
	struct engine_opts o;
	struct buf out = BUF_INIT(64u << 20);
	struct geo_map *map = NULL;
	struct engine_geo geo;
	struct arm_err e;
	char zones[4096];
	int rc = 3;

	snprintf(zones, sizeof(zones), "%s/zones", dir);
	engine_opts_init(&o);
	o.read_file = agreement_read_dir;
	o.read_ctx = zones;
	if (geo_map_new(&map, &e) != ARM_OK) {
		fprintf(stderr, "libuse: %s\n", e.msg);
		return rc;
	}
	geo.in_zone = geo_engine_in_zone;
	geo.ctx = map;
	o.geo = &geo;
	if (log_open(&l, dir, NULL, &e) != ARM_OK || engine_new(&eng, &o, &e) != ARM_OK ||
	    log_scan(l, 0, log_size(l), apply, eng, &e) != ARM_OK ||
	    engine_state_json(eng, now, &out, &e) != ARM_OK) {
		fprintf(stderr, "libuse: replay: %s\n", e.msg);
		goto out;
	}
	fwrite(out.data, 1, out.len, stdout);
	rc = 0;
out:
	buf_release(&out);
	engine_free(eng);
	geo_map_free(map);
	log_close(l);
	return rc;
}

int
main(int argc, char **argv)
{
	int rc;

	if (argc != 6) {
		fprintf(stderr, "usage: libuse LOG.vkey ENTRY RECEIPT LOGDIR NOW\n");
		return 2;
	}
	if ((rc = check_receipt(argv[1], argv[2], argv[3])) != 0)
		return rc;
	return replay(argv[4], strtoll(argv[5], NULL, 10));
}
