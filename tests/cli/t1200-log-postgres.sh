#!/bin/sh
# The log on PostgreSQL (store_pg, docs/postgres.md), against a private
# cluster this script starts in its scratch directory: the store's unit
# test, a plain log byte-identical to the same log in a directory, verify
# and its tampered twin, an agreement log through the rules, the writer
# lock, bad connection strings, and kill -9 of writers mid-append losing
# no acknowledged entry. Skips (claiming nothing) only without the
# PostgreSQL server binaries.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pg.sh"
pg_require
ok "a private PostgreSQL cluster starts (port $PG_PORT)"
cd "$T" || exit 1

# The store itself.
U0=$(pg_createdb unit)
ARMISTICE_PG_URL=$U0 "$TOP/${BUILD:-build}/tests/test_store_pg" >unit.out 2>&1
urc=$?
grep -E '^(not )?ok - ' unit.out | sed "s/^ok - /ok - $script: store_pg unit: /; s/^not ok - /not ok - $script: store_pg unit: /"
[ $urc -eq 0 ] && grep -q "^ok - test_append_read_cas_lock" unit.out && ok "store_pg unit test passed" ||
	not_ok "store_pg unit test: $(grep -v '^ok' unit.out | head -5)"

# A plain log in the database and the same log in a directory: same bytes.
"$ARM" keygen log.example.org/t1200 --out log >/dev/null 2>&1
U=$(pg_createdb plain)
expect_ok "log init on a postgresql:// URI" "$ARM" log init "$U" --origin log.example.org/t1200 --key log.key
expect_exit 3 "a second log init on the same database is refused" "$ARM" log init "$U" --origin log.example.org/t1200 --key log.key
expect_grep "it says the database already holds a log" "already holds a log" "$T/err"
"$ARM" log init D --origin log.example.org/t1200 --key log.key >/dev/null
awk 'BEGIN { for (i = 0; i < 700; i++) print "plain entry " i }' >in.1
awk 'BEGIN { for (i = 690; i < 1500; i++) print "plain entry " i }' >in.2
expect_ok "log append to PostgreSQL" "$ARM" log append "$U" --lines --batch 64 in.1
expect_ok "log append again (dedupe across batches)" "$ARM" log append "$U" --lines in.2
"$ARM" log append D --lines --batch 64 in.1 >/dev/null 2>&1
"$ARM" log append D --lines in.2 >/dev/null 2>&1
"$ARM" log checkpoint "$U" >ck.pg
"$ARM" log checkpoint D >ck.fs
[ "$(sed -n 2p ck.pg)" = 1500 ] && ok "1500 entries, no duplicate sequenced" || not_ok "size $(sed -n 2p ck.pg)"
cmp -s ck.pg ck.fs && ok "same entries give the same signed checkpoint in PostgreSQL and in a directory" ||
	not_ok "checkpoints differ: $(diff ck.pg ck.fs | head -4)"
expect_ok "log verify on PostgreSQL" "$ARM" log verify "$U"
expect_grep "verify reports 1500 entries" "verified: 1500 entries" "$T/out"
"$ARM" log get "$U" 1234 >got.pg 2>/dev/null
[ "$(cat got.pg)" = "plain entry 1234" ] && ok "log get reads entry 1234" || not_ok "log get: $(head -c 100 got.pg)"
expect_ok "log prove on PostgreSQL" "$ARM" log prove "$U" 77
"$ARM" log prove D 77 >prove.fs 2>/dev/null
cmp -s "$T/out" prove.fs && ok "the same proof as the directory log" || not_ok "proofs differ"
expect_exit 5 "log get past the end is not found" "$ARM" log get "$U" 1500

# Tampered twin: one byte of a bundle changed in the database.
U2=$(pg_createdb tampered)
"$ARM" log init "$U2" --origin log.example.org/t1200 --key log.key >/dev/null
"$ARM" log append "$U2" --lines in.1 >/dev/null 2>&1
pg_psql -d tampered -c "UPDATE armistice_files SET data = overlay(data placing 'X'::bytea from 5 for 1) WHERE path = 'tile/entries/001'" >/dev/null
expect_exit 1 "log verify fails on a tampered bundle in the database" "$ARM" log verify "$U2"
expect_grep "and names it" "tile/entries/001" "$T/err"

# The writer lock: an advisory lock held by another session.
(echo "SELECT pg_advisory_lock(1095912777, 1);"; sleep 4) | pg_psql -d plain >/dev/null 2>&1 &
hold=$!
sleep 1.5
echo "locked out" >in.3
expect_exit 4 "a writer is refused while another session holds the lock" "$ARM" log append "$U" --lines in.3
expect_grep "it says who holds it" "locked by another writer" "$T/err"
expect_ok "readers go on meanwhile" "$ARM" log verify "$U"
wait $hold

# Bad connection strings: a clear error, exit 4, no password shown.
expect_exit 4 "an unreachable server is a system error" "$ARM" log verify "postgresql://u:topsecret@/x?host=$T/nowhere&port=1"
expect_grep "it says it cannot connect" "cannot connect" "$T/err"
grep -q topsecret "$T/err" && not_ok "the password was printed" || ok "the password is not printed"
U3=$(pg_createdb empty)
expect_exit 5 "a database without a log is not found" "$ARM" log verify "$U3"
expect_grep "it says it is not a log" "not a log" "$T/err"

# An agreement log through the rules (tests/data/agreements/pilot.yaml).
. "$TOP/tests/cli/engine-lib.sh"
UA=$(pg_createdb agreement)
new_log "$UA"
ok "armistice init puts an agreement log in PostgreSQL"
entry c1 south 1 2018-11-30T12:00:00+09:00 claim "commitment: gp-south" "text: 11 guard posts withdrawn."
expect_ok "an entry the rules accept is appended" "$ARM" append "$UA" --zones "$AG" "$T/c1.signed"
expect_exit 3 "the same claim again is refused by the rules" "$ARM" append "$UA" --zones "$AG" "$T/c1.signed"
expect_grep "naming rule seq-order" "rule seq-order" "$T/err"
expect_ok "the agreement log verifies" "$ARM" log verify "$UA" --zones "$AG" --no-quorum

# kill -9 of writers mid-append: every acknowledged entry stays.
UK=$(pg_createdb killed)
"$ARM" log init "$UK" --origin log.example.org/t1200 --key log.key >/dev/null
"$ARM" log checkpoint "$UK" >kc.0
: >acked
r=1
bad=0
kills=0
while [ $r -le 12 ]; do
	awk -v r=$r 'BEGIN { for (i = 0; i < 2000; i++) print "round " r " entry " i }' >k.$r
	"$ARM" log append "$UK" --lines --batch 5 k.$r >ack.$r 2>kerr.$r &
	pid=$!
	# once it has acknowledged a batch (a loaded machine starts slowly),
	# then at a random moment within the next 0.3 s
	i=0
	while [ $i -lt 100 ] && [ ! -s ack.$r ] && kill -0 $pid 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
	ms=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 300 ))
	sleep "0.$(printf '%03d' $ms)"
	kill -9 $pid 2>/dev/null && kills=$((kills + 1))
	wait $pid 2>/dev/null
	awk -F '\t' -v f=k.$r 'BEGIN { while ((getline l < f) > 0) line[++n] = l }
		{ split($2, s, ":"); print $1 "\t" line[s[2]] }' ack.$r >>acked
	"$ARM" log verify "$UK" --since kc.$((r - 1)) >/dev/null 2>v.err || {
		bad=$((bad + 1))
		echo "# round $r: $(head -c 200 v.err)"
	}
	"$ARM" log checkpoint "$UK" >kc.$r
	r=$((r + 1))
done
[ $kills -ge 10 ] && ok "$kills writers killed with SIGKILL mid-append" || not_ok "only $kills kills"
[ $bad -eq 0 ] && ok "log verify (consistent with the checkpoint before) after every kill" || not_ok "$bad rounds failed verify"
n=$(wc -l <acked)
[ "$n" -gt 20 ] && ok "$n entries acknowledged before the kills" || not_ok "only $n acknowledged"
cut -f2 acked >acked.lines
"$ARM" log append "$UK" --lines acked.lines >again 2>again.err
awk -F '\t' '$3 != "(already in the log)" { bad++ } END { exit bad ? 1 : 0 }' again &&
	ok "every acknowledged entry is still in the log" || not_ok "an acknowledged entry was lost"
cut -f1 acked >want.idx
cut -f1 again >got.idx
cmp -s want.idx got.idx && ok "every acknowledged index holds the same bytes" ||
	not_ok "an acknowledged index changed: $(diff want.idx got.idx | head -3)"

# log export (database -> tlog-tiles directory, incremental) and import.
expect_ok "log export writes the database log to a directory" "$ARM" log export "$U" X
expect_ok "the exported directory verifies" "$ARM" log verify X
cmp -s X/checkpoint ck.pg && ok "the exported checkpoint is the database's" || not_ok "exported checkpoint differs"
echo "one more" >in.4
"$ARM" log append "$U" --lines in.4 >/dev/null 2>&1
expect_ok "a second export is incremental" "$ARM" log export "$U" X --json
expect_grep "it writes only the changed tiles" '"from_size":1500,"files":[1-4],' "$T/out"
expect_ok "the re-exported directory verifies" "$ARM" log verify X --since ck.pg
UI=$(pg_createdb imported)
expect_ok "log import moves the directory log into another database" "$ARM" log import X "$UI"
expect_ok "the imported log verifies" "$ARM" log verify "$UI"
"$ARM" log checkpoint "$UI" >ck.imp
cmp -s ck.imp X/checkpoint && ok "the imported log has the same signed checkpoint (same root)" || not_ok "imported checkpoint differs"
expect_ok "and the same entry 1500" "$ARM" log get "$UI" 1500
grep -qx "one more" "$T/out" && ok "entry 1500 reads back" || not_ok "entry 1500: $(cat "$T/out")"
expect_ok "a copy back to a directory verifies too" sh -c "'$ARM' log export '$UI' X2 && '$ARM' log verify X2"
"$ARM" log init Y --origin log.example.org/other --key log.key >/dev/null 2>&1
expect_exit 3 "export into a directory holding another log is refused" "$ARM" log export "$U" Y
expect_grep "naming it" "holds another log" "$T/err"
"$ARM" log init F --origin log.example.org/t1200 --key log.key >/dev/null 2>&1
echo "fork" >in.5
"$ARM" log append F --lines in.5 >/dev/null 2>&1
expect_exit 3 "export onto a fork of the log is refused" "$ARM" log export "$U" F
expect_grep "naming the fork" "forked" "$T/err"
expect_exit 2 "export into a database is a usage error (import does that)" "$ARM" log export X "$UI"

# The database session goes away mid-append (pg_terminate_backend): the
# batch in flight fails or is retried on a new session, nothing
# acknowledged is lost, and the log verifies.
UT=$(pg_createdb terminated)
"$ARM" log init "$UT" --origin log.example.org/t1200 --key log.key >/dev/null 2>&1
awk 'BEGIN { for (i = 0; i < 20000; i++) print "terminated entry " i }' >t.in
pg_append_bg "$UT" 3 t.in t.ack 30
tp=$PG_WRITER
pg_psql -d postgres -At -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'terminated' AND application_name LIKE 'armistice pid %'" >t.killed
sleep 0.5
kill -9 $tp 2>/dev/null
wait $tp 2>/dev/null
[ "$(cat t.killed)" -ge 1 ] && ok "the writer's database session was terminated mid-append" || not_ok "no session terminated"
grep -Eq "cannot|terminat" t.ack.err && echo "# the writer said: $(head -c 200 t.ack.err)"
expect_ok "the log verifies after its session was terminated" "$ARM" log verify "$UT"
pg_acked_ok "$UT" t.ack t.in "session terminated mid-append"
[ "$(wc -l <t.ack)" -ge 30 ] && ok "$(wc -l <t.ack) entries were acknowledged before it" || not_ok "only $(wc -l <t.ack) acknowledged"
