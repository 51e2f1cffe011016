/*
 * cmd_monitor.c - armistice monitor: what a party's liaison office leaves
 * running. It follows a log by polling its checkpoint, audits each new
 * checkpoint incrementally with the same checks as `verify` (cli_audit.h:
 * the signature first, consistency with the last checkpoint, the new
 * bundles and tiles, the rules replayed, the witness quorum, the pinned
 * roots), and reports what concerns its party:
 *
 *   verify    a commitment was claimed and the party is to attest it
 *   deadline  a commitment the party owes is due within --days (or overdue)
 *   incident  an incident report names the party as the actor
 *
 * An attack or a broken log is an alarm: a split view, a rollback, a rule
 * break, a bad signature, a missing quorum or a substituted log. The
 * monitor then prints one line on stderr, runs --exec with the event as
 * JSON on its standard input, and exits non-zero. A log it cannot reach is
 * not an alarm: it says so and tries again at the next poll.
 *
 * The state (--state, docs/audit.md) is verify's: the pinned roots, the
 * last checkpoint verified and the verified full entry bundles, so a
 * restart resumes from there and fetches only what is new.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_audit.h"
#include "cli/cli_replay.h"
#include "armistice/engine.h"
#include "armistice/trust.h"
#include "armistice/common.h"

static const char monitor_usage[] =
    "usage: armistice monitor URL|DIR --party ID [--state SDIR] [--interval SECS]\n"
    "                         [--days N] [--once] [--exec CMD] [--json] [--now TIME]\n"
    "                         [--agreement ID | --trust FILE] [--zones ZDIR]\n"
    "\n"
    "Follows a log: polls its checkpoint every SECS seconds (default 60),\n"
    "audits each new one incrementally as `armistice verify` does, and\n"
    "reports what concerns party ID: claims it is to verify, deadlines it\n"
    "owes within N days (default 14), incidents alleged against it. A split\n"
    "view, a rollback, a rule break, a bad signature, a missing witness\n"
    "quorum or a substituted log is an alarm: one line on standard error,\n"
    "--exec CMD run with the event as JSON on its standard input, and a\n"
    "non-zero exit. The state in SDIR lets a restart resume.\n"
    "\n"
    "  --party ID       the actor whose concerns are reported\n"
    "  --state SDIR     the auditor's state (default $ARMISTICE_STATE, else\n"
    "                   $HOME/.armistice/verify); shared with verify\n"
    "  --interval SECS  seconds between polls (default 60; fractions allowed)\n"
    "  --days N         report deadlines due within N days (default 14)\n"
    "  --once           one round, then exit\n"
    "  --exec CMD       run CMD (by /bin/sh) for every event, the event as\n"
    "                   one JSON object on its standard input\n"
    "  --json           one JSON object per line on standard output\n"
    "  --now TIME       the clock for deadlines (RFC 3339 or POSIX seconds;\n"
    "                   default the system clock at each poll)\n"
    "  --agreement ID, --trust FILE, --zones ZDIR   as for verify\n"
    "\n"
    "exit status: 0 stopped (SIGTERM/SIGINT, or --once with no alarm), 1 an\n"
    "alarm: verification failed, 2 usage, 3 an alarm: rollback or split view,\n"
    "4 system error, 5 not found (--once: the log could not be read).\n";

static const struct option monitor_opts[] = {
    {"party", required_argument, NULL, 'p'},
    {"state", required_argument, NULL, 'S'},
    {"interval", required_argument, NULL, 'i'},
    {"days", required_argument, NULL, 'd'},
    {"once", no_argument, NULL, 'o'},
    {"exec", required_argument, NULL, 'x'},
    {"json", no_argument, NULL, 'j'},
    {"now", required_argument, NULL, 'n'},
    {"agreement", required_argument, NULL, 'a'},
    {"trust", required_argument, NULL, 't'},
    {"zones", required_argument, NULL, 'z'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static volatile sig_atomic_t monitor_stop;

static void
monitor_on_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

struct mon {
	struct cli_audit au;
	const char *party, *exec;
	int json;
	int64_t days, fixed_now;
	char **seen; /* "deadline <id>" keys already reported */
	size_t nseen;
	uint64_t events;
};

/* Was key reported already? Remembers it if not. */
static bool
mon_seen(struct mon *m, const char *key)
{
	size_t i;
	char **p;

	for (i = 0; i < m->nseen; i++)
		if (strcmp(m->seen[i], key) == 0)
			return true;
	p = realloc(m->seen, (m->nseen + 1) * sizeof(*p));
	if (p == NULL)
		return false;
	m->seen = p;
	if ((m->seen[m->nseen] = strdup(key)) != NULL)
		m->nseen++;
	return false;
}

/* Writes s as a JSON string into b. */
static void
jstr(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	char esc[7];

	(void)!buf_puts(b, "\"", NULL);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			(void)!buf_append(b, esc, 2, NULL);
		} else if (*p < 0x20) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			(void)!buf_append(b, esc, 6, NULL);
		} else {
			(void)!buf_append(b, p, 1, NULL);
		}
	}
	(void)!buf_puts(b, "\"", NULL);
}

/* Runs --exec with json on its standard input; a failure is reported, not fatal. */
static void
mon_exec(const struct mon *m, const struct buf *json)
{
	FILE *f;
	int st;

	if (m->exec == NULL)
		return;
	fflush(stdout);
	if ((f = popen(m->exec, "w")) == NULL) {
		fprintf(stderr, "armistice monitor: --exec: cannot run '%s': %s\n", m->exec,
		        strerror(errno));
		return;
	}
	fwrite(json->data, 1, json->len, f);
	st = pclose(f);
	if (st != 0)
		fprintf(stderr, "armistice monitor: --exec '%s' exited with status %d\n", m->exec,
		        st);
}

/*
 * One event: text on stdout (or the JSON line with --json) and --exec.
 * json holds the event's fields after "{": this adds the common ones.
 */
static void
mon_event(struct mon *m, const char *type, const struct buf *fields, const char *text)
{
	struct buf j = BUF_INIT(8192);

	(void)!buf_puts(&j, "{\"event\":", NULL);
	jstr(&j, type);
	(void)!buf_puts(&j, ",\"url\":", NULL);
	jstr(&j, m->au.base);
	(void)!buf_printf(&j, NULL, ",\"size\":%" PRIu64 ",\"party\":", m->au.c.size);
	jstr(&j, m->party);
	if (fields->len > 0) {
		(void)!buf_puts(&j, ",", NULL);
		(void)!buf_append(&j, fields->data, fields->len, NULL);
	}
	(void)!buf_puts(&j, "}\n", NULL);
	if (m->json)
		fwrite(j.data, 1, j.len, stdout);
	else
		printf("%s: %s\n", type, text);
	fflush(stdout);
	mon_exec(m, &j);
	m->events++;
	buf_release(&j);
}

/* The kind of alarm an audit failure is, from its message. */
static const char *
mon_alarm_kind(const struct arm_err *e)
{
	if (strstr(e->msg, "split view") != NULL)
		return "split-view";
	if (strstr(e->msg, "rollback") != NULL)
		return "rollback";
	if (strstr(e->msg, "rule break") != NULL)
		return "rule-break";
	if (strncmp(e->msg, "trust:", 6) == 0)
		return "substituted-log";
	if (strstr(e->msg, "signature invalid") != NULL ||
	    strstr(e->msg, "signature cannot be checked") != NULL)
		return "bad-signature";
	if (strstr(e->msg, "witness quorum") != NULL)
		return "no-quorum";
	return "verification-failed";
}

static int
mon_alarm(struct mon *m, const struct arm_err *e)
{
	struct buf f = BUF_INIT(4096);
	const char *kind = mon_alarm_kind(e);

	fprintf(stderr, "armistice monitor: ALARM %s: %s: %s\n", kind, m->au.base, e->msg);
	(void)!buf_puts(&f, "\"alarm\":true,\"message\":", NULL);
	jstr(&f, e->msg);
	if (m->json || m->exec != NULL) {
		struct buf j = BUF_INIT(8192);
		(void)!buf_puts(&j, "{\"event\":", NULL);
		jstr(&j, kind);
		(void)!buf_puts(&j, ",\"url\":", NULL);
		jstr(&j, m->au.base);
		(void)!buf_puts(&j, ",\"party\":", NULL);
		jstr(&j, m->party);
		(void)!buf_puts(&j, ",", NULL);
		(void)!buf_append(&j, f.data, f.len, NULL);
		(void)!buf_puts(&j, "}\n", NULL);
		if (m->json) {
			fwrite(j.data, 1, j.len, stdout);
			fflush(stdout);
		}
		mon_exec(m, &j);
		buf_release(&j);
	}
	buf_release(&f);
	return arm_rc_exit(e->rc);
}

/* What the new entries (from index `from`) mean for the party. */
static int
mon_report(struct mon *m, uint64_t from, int64_t now)
{
	const struct engine *eng = cli_audit_engine(&m->au);
	const struct agreement *a = engine_agreement(eng);
	size_t me = agreement_actor_index(a, m->party), c, i, n, w[256];
	struct engine_cview v;
	struct engine_incident inc;
	struct buf f = BUF_INIT(4096);
	char text[1024], key[128], due[21], occ[21];

	if (me == AGREEMENT_NONE) {
		fprintf(stderr,
		        "armistice monitor: --party '%s' is not an actor of the agreement in "
		        "force\n",
		        m->party);
		buf_release(&f);
		return 2;
	}
	for (c = 0; c < a->ncommitments; c++) {
		const struct agreement_commitment *cm = &a->commitments[c];
		if (engine_commitment_view(eng, c, now, &v) != ARM_OK)
			continue;
		/* A claim the party is to verify, touched by the new entries. */
		if (v.status == ENGINE_CLAIMED && v.last_index != ENGINE_NO_INDEX &&
		    v.last_index >= from) {
			n = engine_waiting_on(eng, c, w, ARM_ARRAY_LEN(w));
			for (i = 0; i < n && w[i] != me; i++)
				;
			if (i < n) {
				buf_reset(&f);
				(void)!buf_puts(&f, "\"commitment\":", NULL);
				jstr(&f, cm->id);
				(void)!buf_printf(&f, NULL,
				                  ",\"index\":%" PRIu64 ",\"status\":\"%s\"",
				                  v.last_index, engine_status_name(v.status));
				snprintf(text, sizeof(text),
				         "'%s' was claimed (entry %" PRIu64 "); %s is to verify it",
				         cm->id, v.last_index, m->party);
				mon_event(m, "verify", &f, text);
			}
		}
		/* A deadline the party owes, within the window, reported once. */
		if (agreement_is_owner(cm, me) && v.due != ENGINE_NO_TIME &&
		    !engine_status_done(v.status) && v.status != ENGINE_WITHDRAWN &&
		    v.due - now <= m->days * 86400) {
			snprintf(key, sizeof(key), "deadline %.100s", cm->id);
			if (!mon_seen(m, key)) {
				engine_time_utc(v.due, due);
				buf_reset(&f);
				(void)!buf_puts(&f, "\"commitment\":", NULL);
				jstr(&f, cm->id);
				(void)!buf_printf(
				    &f, NULL, ",\"due\":\"%s\",\"overdue\":%s,\"status\":\"%s\"",
				    due, v.overdue ? "true" : "false",
				    engine_status_name(v.status));
				snprintf(text, sizeof(text), "'%s' (owed by %s, %s) is due %s%s",
				         cm->id, m->party, engine_status_name(v.status), due,
				         v.overdue ? ": OVERDUE" : "");
				mon_event(m, "deadline", &f, text);
			}
		}
	}
	n = engine_nincidents(eng);
	for (i = 0; i < n; i++) {
		engine_incident(eng, i, &inc);
		if (inc.index < from || inc.actor != me)
			continue;
		engine_time_utc(inc.occurred, occ);
		buf_reset(&f);
		(void)!buf_puts(&f, "\"type\":", NULL);
		jstr(&f, a->kinds[inc.kind].id);
		(void)!buf_printf(
		    &f, NULL, ",\"index\":%" PRIu64 ",\"occurred\":\"%s\",\"by\":", inc.index, occ);
		jstr(&f, a->actors[inc.author].id);
		(void)!buf_printf(&f, NULL, ",\"confirmed\":%s", inc.confirmed ? "true" : "false");
		snprintf(text, sizeof(text),
		         "%s alleged against %s by %s (entry %" PRIu64 ", occurred %s)",
		         a->kinds[inc.kind].id, m->party, a->actors[inc.author].id, inc.index, occ);
		mon_event(m, "incident", &f, text);
	}
	buf_release(&f);
	return 0;
}

static void
mon_sleep(double secs)
{
	struct timespec ts;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (!monitor_stop && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
cmd_monitor(int argc, char **argv)
{
	static struct mon m;
	struct arm_err e;
	struct sigaction sa;
	char zd[4096];
	const char *state = NULL, *trust = NULL, *agr = NULL;
	double interval = 60;
	bool once = false, first = true;
	char *end;
	int c, rc, code = 0;
	size_t i;

	memset(&m, 0, sizeof(m));
	cli_audit_init(&m.au);
	m.au.cache = true;
	m.days = 14;
	m.fixed_now = ENGINE_NO_TIME;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", monitor_opts, NULL)) != -1) {
		switch (c) {
		case 'p': m.party = optarg; break;
		case 'S': state = optarg; break;
		case 'i':
			interval = strtod(optarg, &end);
			if (*end != '\0' || !(interval >= 0.05 && interval <= 86400))
				return cli_usage_error("monitor",
				                       "--interval takes seconds, 0.05 to 86400");
			break;
		case 'd':
			m.days = strtoll(optarg, &end, 10);
			if (*end != '\0' || optarg[0] == '\0' || m.days < 0 || m.days > 36500)
				return cli_usage_error("monitor", "--days takes 0 to 36500");
			break;
		case 'o': once = true; break;
		case 'x': m.exec = optarg; break;
		case 'j': m.json = 1; break;
		case 'n':
			if (cli_replay_time(optarg, &m.fixed_now, &e) != ARM_OK)
				return cli_usage_error("monitor", "--now: %s", e.msg);
			break;
		case 'a': agr = optarg; break;
		case 't': trust = optarg; break;
		case 'z': m.au.zones = optarg; break;
		case 'h': fputs(monitor_usage, stdout); return 0;
		default: return cli_usage_error("monitor", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("monitor", "one URL or log directory is required");
	if (m.party == NULL || !agreement_id_valid(m.party, strlen(m.party)))
		return cli_usage_error("monitor", "--party ID (an actor id) is required");
	if (cli_audit_setup(&m.au, argv[optind], state, agr, trust, &e) != ARM_OK) {
		cli_audit_release(&m.au);
		return e.rc == ARM_EUSAGE ? cli_usage_error("monitor", "%s", e.msg) : cli_fail(&e);
	}
	if (!m.au.http && m.au.zones == NULL)
		m.au.zones = cli_zones_default(m.au.base, zd, sizeof(zd));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = monitor_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if ((rc = cli_audit_open(&m.au, &e)) != ARM_OK) {
		code = cli_fail(&e);
		goto out;
	}
	if (!m.json)
		fprintf(stderr, "armistice monitor: following %s for %s%s\n", m.au.base, m.party,
		        m.au.have_last ? " (resuming from the state)" : "");
	while (!monitor_stop) {
		int64_t now = m.fixed_now != ENGINE_NO_TIME ? m.fixed_now : (int64_t)time(NULL);
		uint64_t from;
		rc = cli_audit_round(&m.au, &e);
		if (rc == ARM_EIO || rc == ARM_ENOTFOUND || rc == ARM_ENOMEM) {
			/* Not reachable is not an attack: say so, try again. */
			fprintf(stderr, "armistice monitor: %s: %s\n",
			        once ? "cannot audit" : "will retry", e.msg);
			if (once) {
				code = arm_rc_exit(e.rc);
				break;
			}
			mon_sleep(interval);
			continue;
		}
		if (rc != ARM_OK) {
			code = mon_alarm(&m, &e);
			break;
		}
		if (!m.au.unchanged) {
			/* Entries before the last size were reported by an earlier run. */
			from = first && !m.au.have_pinned ? 0 : m.au.prev_size;
			if ((rc = cli_audit_save(&m.au, now, &e)) != ARM_OK) {
				code = cli_fail(&e);
				break;
			}
			if (first && m.au.first_visit)
				cli_audit_print_pinned(&m.au, stderr);
			if (m.au.amended)
				fprintf(stderr,
				        "armistice monitor: the agreement in force changed by "
				        "amendment: %s\n",
				        m.au.amend_note);
			if (!m.json)
				fprintf(stderr,
				        "armistice monitor: size %" PRIu64 " verified (%" PRIu64
				        " new entries, %zu cosignatures: %s)\n",
				        m.au.c.size, m.au.c.size - m.au.prev_size, m.au.cosigs,
				        m.au.cosigners[0] ? m.au.cosigners : "none needed");
			if ((code = mon_report(&m, first && m.au.first_visit ? 0 : from, now)) != 0)
				break;
		} else if (first) {
			(void)mon_report(&m, m.au.c.size, now);
		}
		first = false;
		if (once)
			break;
		mon_sleep(interval);
	}
out:
	cli_audit_release(&m.au);
	for (i = 0; i < m.nseen; i++)
		free(m.seen[i]);
	free(m.seen);
	return code;
}
