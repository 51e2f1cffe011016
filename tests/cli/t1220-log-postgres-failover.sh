#!/bin/sh
# Database failover: a primary and a synchronous streaming replica; a log
# written through a URI that names both hosts (libpq finds the writable
# one, target_session_attrs=read-write); the primary is killed (immediate
# shutdown, no checkpoint), the replica promoted, and writing goes on.
# With synchronous replication every acknowledged entry is on the
# promoted server, at the same index, and the log verifies and extends
# the last checkpoint seen before the failure. Skips (claiming nothing)
# only without the PostgreSQL server binaries.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pg.sh"
pg_require
cd "$T" || exit 1
R_DATA=$T/pg/replica
R_SOCK=$T/pgsock2
mkdir -p "$R_SOCK"
[ "$(id -u)" -eq 0 ] && chown postgres "$R_SOCK"
R_PORT=$(pg_free_port)
stop_both() {
	pg_stop
	[ -f "$R_DATA/postmaster.pid" ] && pg_as "$PG_BIN/pg_ctl" -D "$R_DATA" -m immediate -w stop >/dev/null 2>&1
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap stop_both EXIT
U1=$(pg_createdb ledger)
pg_as "$PG_BIN/pg_basebackup" -D "$R_DATA" -R -X stream -c fast -h "$PG_SOCK" -p "$PG_PORT" -U postgres >"$T/pg/basebackup.log" 2>&1 ||
	{ not_ok "pg_basebackup: $(tail -2 "$T/pg/basebackup.log")"; exit 1; }
cat >>"$R_DATA/postgresql.conf" <<CONF
port = $R_PORT
unix_socket_directories = '$R_SOCK'
listen_addresses = ''
cluster_name = 'replica1'
CONF
pg_as "$PG_BIN/pg_ctl" -D "$R_DATA" -l "$T/pg/replica.log" -w -t 30 start >/dev/null 2>&1 ||
	{ not_ok "the replica starts: $(tail -3 "$T/pg/replica.log")"; exit 1; }
pg_psql -d postgres -c "ALTER SYSTEM SET synchronous_standby_names = 'replica1'" -c "SELECT pg_reload_conf()" >/dev/null
i=0
while [ $i -lt 100 ]; do
	st=$(pg_psql -d postgres -At -c "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'replica1'")
	[ "$st" = sync ] && break
	sleep 0.1
	i=$((i + 1))
done
[ "$st" = sync ] && ok "a synchronous streaming replica follows the primary" || { not_ok "replica state '$st'"; exit 1; }

U="postgresql://postgres@/ledger?host=$PG_SOCK,$R_SOCK&port=$PG_PORT,$R_PORT&target_session_attrs=read-write&connect_timeout=3"
"$ARM" keygen log.example.org/t1220 --out log >/dev/null 2>&1
expect_ok "log init through the two-host URI" "$ARM" log init "$U" --origin log.example.org/t1220 --key log.key
awk 'BEGIN { for (i = 0; i < 300; i++) print "before failover " i }' >in.1
expect_ok "entries appended on the primary" "$ARM" log append "$U" --lines --batch 7 in.1
cp "$T/out" acked.1
"$ARM" log checkpoint "$U" >ck.before

# The primary dies without a shutdown checkpoint; the replica is promoted.
t0=$(date +%s%N)
pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1
expect_exit 4 "with the primary gone and no promotion, writing fails clearly" "$ARM" log append "$U" --lines in.1
expect_grep "it says it cannot connect" "cannot connect" "$T/err"
pg_as "$PG_BIN/pg_ctl" -D "$R_DATA" -w -t 30 promote >/dev/null 2>&1 && ok "the replica is promoted" || not_ok "promote failed"
awk 'BEGIN { for (i = 0; i < 50; i++) print "after failover " i }' >in.2
expect_ok "the same URI writes to the promoted server" "$ARM" log append "$U" --lines in.2
t1=$(date +%s%N)
echo "# failover: $(((t1 - t0) / 1000000)) ms from the primary's death to the first new acknowledged entry (includes the test's own checks)"
expect_ok "the log verifies on the promoted server" "$ARM" log verify "$U" --since ck.before
"$ARM" log append "$U" --lines in.1 >again 2>/dev/null
awk -F '\t' '$3 != "(already in the log)" { bad++ } END { exit bad ? 1 : 0 }' again &&
	ok "every entry acknowledged before the failover survived" || not_ok "acknowledged entries lost in the failover"
cut -f1 acked.1 >want.idx
cut -f1 again >got.idx
cmp -s want.idx got.idx && ok "at the same indexes" || not_ok "indexes moved: $(diff want.idx got.idx | head -3)"
size=$("$ARM" log checkpoint "$U" | sed -n 2p)
[ "$size" = 350 ] && ok "350 entries, none lost, none twice" || not_ok "size $size"
