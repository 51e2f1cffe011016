#!/bin/sh
# The log test suite against the PostgreSQL store: t1000 (basic), t1050
# (tampering), t1060 (the writer lock), t1070 (rules) and t1100 (kill -9)
# run again, unchanged, with STORE=pg
# (tests/cli/lib-store.sh) on a private cluster this script starts; their
# ok / not ok lines are reported here, prefixed "pg:". One suite, two
# stores. Skips (claiming nothing) only without the PostgreSQL server
# binaries.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pg.sh"
pg_require
export PG_SOCK PG_PORT PG_BIN
for t in t1000-log-basic t1050-log-tamper t1060-log-lock t1070-log-rules t1100-log-kill9; do
	STORE=pg sh "$TOP/tests/cli/$t.sh" >"$T/$t.out" 2>&1
	rc=$?
	sed -n "s/^ok - $t: /ok - $script: pg: $t: /p; s/^not ok - $t: /not ok - $script: pg: $t: /p; /^# /p" "$T/$t.out"
	n=$(grep -c '^ok - ' "$T/$t.out")
	[ "$rc" -eq 0 ] || grep -q '^not ok' "$T/$t.out" || not_ok "pg: $t exited $rc: $(tail -c 300 "$T/$t.out")"
	[ "$n" -gt 0 ] || not_ok "pg: $t reported nothing"
done
