#!/bin/sh
# Two front ends on one PostgreSQL log (docs/postgres.md "Several front
# ends"): both `serve --standby`; the one holding the writer lock
# sequences, the other serves reads it verified and forwards POST /add.
# Four clients submit through both while the current sequencer is killed
# with SIGKILL 30 times (the killed one comes back as a front end); at the
# end every acknowledged entry is in the log exactly once at the index its
# receipt named, and the exported directory passes `log verify` and the Go
# x/mod audit. The front end's reads equal the sequencer's byte for byte
# (checkpoint, every tile, entries; /state of an agreement log at the same
# size), it refuses a submission the rules refuse without forwarding it,
# and (tampered twins) it serves neither a tile changed in the database
# nor a checkpoint that does not verify. Skips (claiming nothing) only
# without the PostgreSQL server binaries.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pg.sh"
pg_require
. "$TOP/tests/interop/interop.sh"
PIDS=""
cleanup() { for p in $PIDS; do kill -9 "$p" 2>/dev/null; done; pg_stop; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
cd "$T" || exit 1
KILLS=${KILLS:-30}
U=$(pg_createdb fronts)
"$ARM" keygen log.example.org/t1230 --out log >/dev/null 2>&1
"$ARM" log init "$U" --origin log.example.org/t1230 --key log.key >/dev/null 2>&1 ||
	{ not_ok "log init"; exit 1; }

# start NAME DBURI [ARGS]: serve --standby on NAME's own port (kept across restarts).
start() {
	nm=$1
	db=$2
	shift 2
	[ -f "$nm.port" ] || pg_free_port >"$nm.port"
	# no tile cache: the tampered twins below change tiles in the database,
	# which a cached (verified) answer would hide
	"$ARM" serve "$db" --standby --tile-cache 0 --listen "127.0.0.1:$(cat "$nm.port")" "$@" 2>>"$nm.log" &
	echo $! >"$nm.pid"
	PIDS="$PIDS $!"
}
url() { echo "http://127.0.0.1:$(cat "$1.port")"; }
# wait_line NAME PATTERN N: until NAME's log has N lines matching PATTERN (10 s).
wait_line() {
	i=0
	while [ "$(cat "$1.log" 2>/dev/null | grep -c "$2")" -lt "$3" ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && return 1
		sleep 0.05
	done
}
# holder DBNAME: the OS pid of the serve holding the log's writer lock, or nothing.
holder() {
	pg_psql -d "$1" -At -c "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a \
		ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted \
		AND l.classid = 1095912777 AND l.objid = 1" 2>/dev/null | sed -n 's/^armistice pid //p'
}
# client ID FIRST SECOND: unique entries, each retried (on the other front end
# too) until a 200 names its index; "INDEX<TAB>TEXT" of each in acked.ID.
client() {
	j=0
	: >"acked.$1"
	while [ ! -f stop ]; do
		printf 'client %s entry %d\n' "$1" $j >"sub.$1"
		try=0
		while :; do
			[ $((try % 2)) -eq 0 ] && to=$2 || to=$3
			code=$(curl -s -o "rsp.$1" -w '%{http_code}' --max-time 20 -X POST \
				--data-binary "@sub.$1" "$to/add")
			if [ "$code" = 200 ]; then
				printf '%s\tclient %s entry %d\n' "$(sed -n 's/^index //p' "rsp.$1")" "$1" $j >>"acked.$1"
				break
			fi
			try=$((try + 1))
			[ $try -gt 300 ] && { echo "gave up: $code $(head -c 200 "rsp.$1")" >"gaveup.$1"; break; }
			sleep 0.1
		done
		j=$((j + 1))
	done
}
acks() { cat acked.* 2>/dev/null | wc -l; }

start a "$U"
wait_line a "listening on" 1 || { not_ok "a does not sequence: $(cat a.log)"; exit 1; }
start b "$U"
wait_line b "front end of log" 1 && ok "the second serve is a front end while the first sequences" ||
	{ not_ok "b: $(cat b.log)"; exit 1; }
A=$(url a)
B=$(url b)
client 1 "$A" "$B" &
C1=$!
client 2 "$A" "$B" &
C2=$!
client 3 "$B" "$A" &
C3=$!
client 4 "$B" "$A" &
C4=$!
sleep 1

r=1
worst_take=0
worst_ack=0
kills=0
while [ $r -le "$KILLS" ]; do
	pid=$(holder fronts)
	if [ "$pid" = "$(cat a.pid)" ]; then cur=a; elif [ "$pid" = "$(cat b.pid)" ]; then cur=b; else
		not_ok "round $r: no known sequencer holds the lock ('$pid')"
		break
	fi
	before=$(acks)
	t0=$(date +%s%N)
	kill -9 "$pid"
	kills=$((kills + 1))
	i=0
	while :; do
		now=$(holder fronts)
		[ -n "$now" ] && [ "$now" != "$pid" ] && break
		i=$((i + 1))
		[ $i -gt 300 ] && break
		sleep 0.02
	done
	t1=$(date +%s%N)
	[ -n "$now" ] && [ "$now" != "$pid" ] || { not_ok "round $r: nobody took over"; break; }
	i=0
	while [ "$(acks)" -le "$before" ] && [ $i -lt 300 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	t2=$(date +%s%N)
	[ "$(acks)" -gt "$before" ] || { not_ok "round $r: no entry acknowledged after the takeover"; break; }
	ms=$(((t1 - t0) / 1000000))
	[ $ms -gt $worst_take ] && worst_take=$ms
	ms=$(((t2 - t0) / 1000000))
	[ $ms -gt $worst_ack ] && worst_ack=$ms
	# the killed one comes back as a front end
	n=$(grep -c "front end of log" $cur.log)
	start $cur "$U"
	wait_line $cur "front end of log" $((n + 1)) || { not_ok "round $r: $cur did not come back: $(tail -c 300 $cur.log)"; break; }
	sleep 0.$(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 5 + 2))
	r=$((r + 1))
done
touch stop
wait $C1 $C2 $C3 $C4
[ $kills -ge "$KILLS" ] && ok "$kills sequencers killed with SIGKILL during submissions through both front ends" ||
	not_ok "only $kills kills"
echo "# slowest: $worst_take ms from SIGKILL to the new lock holder, $worst_ack ms to the first new acknowledged entry"
[ $worst_ack -lt 10000 ] && ok "each takeover acknowledged a new entry within seconds" || not_ok "took $worst_ack ms"
ls gaveup.* >/dev/null 2>&1 && not_ok "a client gave up: $(cat gaveup.*)" || ok "no client gave up on an entry"
cat acked.* >acked
n=$(wc -l <acked)
[ "$n" -gt 100 ] && ok "$n submissions acknowledged" || not_ok "only $n acknowledged"

# The reads of the front end equal the sequencer's.
pid=$(holder fronts)
[ "$pid" = "$(cat a.pid)" ] && { S=$A; F=$B; } || { S=$B; F=$A; }
# At least one full bundle and tile (256 entries) for the checks below.
j=0
while [ "$(curl -s "$S/checkpoint" | sed -n 2p)" -lt 260 ] && [ $j -lt 300 ]; do
	printf 'top-up entry %d\n' $j | curl -s -o /dev/null --max-time 10 -X POST --data-binary @- "$F/add"
	j=$((j + 1))
done
i=0
while [ $i -lt 100 ]; do
	curl -s "$S/checkpoint" >ck.s
	curl -s "$F/checkpoint" >ck.f
	cmp -s ck.s ck.f && break
	sleep 0.1
	i=$((i + 1))
done
cmp -s ck.s ck.f && ok "the front end serves the sequencer's checkpoint, byte for byte" ||
	not_ok "checkpoints differ: $(head -2 ck.s | tail -1) vs $(head -2 ck.f | tail -1)"
"$ARM" log export "$U" X >/dev/null 2>&1 || not_ok "export: $(cat "$T/err")"
size=$(sed -n 2p X/checkpoint)
cmp -s X/checkpoint ck.s && ok "the export has that checkpoint (size $size)" || not_ok "export checkpoint differs"
diffs=0
tiles=0
for p in $(cd X && find tile -type f | sort); do
	curl -s "$S/$p" >t.s
	curl -s "$F/$p" >t.f
	tiles=$((tiles + 1))
	cmp -s t.f X/$p && cmp -s t.s X/$p || diffs=$((diffs + 1))
done
[ $diffs -eq 0 ] && ok "all $tiles tiles and bundles read from both equal the export" || not_ok "$diffs of $tiles tiles differ"

# Every acknowledged entry once, at its index.
bad=0
i=0
: >all
while [ $i -lt "$size" ]; do
	"$ARM" log get X $i >>all 2>/dev/null
	i=$((i + 1))
done
while IFS="$(printf '\t')" read -r idx text; do
	[ "$(sed -n "$((idx + 1))p" all)" = "$text" ] || bad=$((bad + 1))
done <acked
[ $bad -eq 0 ] && ok "every acknowledged entry is at the index its receipt named" || not_ok "$bad acknowledged entries lost or moved"
[ "$(grep -c . all)" -eq "$size" ] && [ "$(sort all | uniq -d | wc -l)" -eq 0 ] &&
	ok "nothing sequenced twice ($size entries, all distinct)" || not_ok "duplicates or gaps in $size entries"
for e in 0 1 $((size / 2)) $((size - 1)); do
	curl -s "$F/entry/$e" >e.f
	[ "$(cat e.f)" = "$(sed -n "$((e + 1))p" all)" ] || bad=$((bad + 1))
done
[ $bad -eq 0 ] && ok "entries read from the front end are the log's" || not_ok "front end entries differ"
expect_ok "the exported directory verifies" "$ARM" log verify X
if interop_build; then
	expect_ok "Go x/mod verify-log audits the exported directory" "$IOP" verify-log -sample 0 X log.pub
fi

# Tampered twins: a bundle changed in the database; a checkpoint that does not verify.
pg_psql -d fronts -c "UPDATE armistice_files SET data = overlay(data placing 'Z'::bytea from 3 for 1) WHERE path = 'tile/entries/000'" >/dev/null
code=$(curl -s -o tb.f -w '%{http_code}' "$F/tile/entries/000")
curl -s "$S/tile/entries/000" >tb.s
cmp -s tb.s X/tile/entries/000 && not_ok "the tamper did not reach the database" ||
	ok "the bundle is changed in the database (the sequencer serves the changed bytes)"
[ "$code" != 200 ] && grep -q "not the tile verified" tb.f && ok "tampered twin: the front end refuses to serve it ($code, says why)" ||
	not_ok "the front end served a changed bundle ($code)"
code=$(curl -s -o eb.f -w '%{http_code}' "$F/entry/3")
[ "$code" != 200 ] && ok "nor an entry from it ($code)" || not_ok "the front end served entry 3 from a changed bundle"
cp X/checkpoint forged
sed -i "2s/.*/$((size + 5))/" forged
pg_psql -d fronts -c "UPDATE armistice_files SET data = decode('$(od -An -tx1 -v forged | tr -d ' \n')', 'hex') WHERE path = 'checkpoint'" >/dev/null
sleep 0.5
curl -s "$F/checkpoint" >ck.f2
cmp -s ck.f2 ck.s && ok "tampered twin: a checkpoint whose signature fails is not served; the verified one stays" ||
	not_ok "the front end serves an unverified checkpoint"
wait_line "$( [ "$F" = "$A" ] && echo a || echo b)" "front end: the log.s checkpoint" 1 && ok "and the front end says why on standard error" || not_ok "no message"

# Tampered twin: the lease row names another log's server; its 200 is no
# receipt for this log, and the front end does not pass it on.
R=$(pg_createdb rogue)
"$ARM" keygen log.example.org/t1230 --out rogue >/dev/null 2>&1
"$ARM" log init "$R" --origin log.example.org/t1230 --key rogue.key >/dev/null 2>&1
start r "$R"
wait_line r "listening on" 1 || not_ok "the other log's server: $(cat r.log)"
printf 'through the front end\n' >rogue.sub
code=$(curl -s -o rg.ok -w '%{http_code}' -X POST --data-binary @rogue.sub "$F/add")
[ "$code" = 200 ] && ok "before: the front end passes the sequencer's receipt on" || not_ok "before: $code $(head -c 200 rg.ok)"
pg_psql -d fronts -c "UPDATE armistice_sequencer SET url = '$(url r)'" >/dev/null
sleep 1
printf 'to the wrong log\n' >rogue.sub
code=$(curl -s -o rg.f -w '%{http_code}' -X POST --data-binary @rogue.sub "$F/add")
curl -s -o rg.r -X POST --data-binary @rogue.sub "$(url r)/add"
grep -q "^index " rg.r && ok "the other log's server answers 200 with its own receipt" || not_ok "other log: $(head -c 200 rg.r)"
[ "$code" = 502 ] && grep -q "no receipt for this entry" rg.f &&
	ok "tampered twin: the front end answers 502, not acknowledged, and says why" ||
	not_ok "the front end passed on another log's answer: $code $(head -c 200 rg.f)"
pg_psql -d fronts -c "UPDATE armistice_sequencer SET url = '$S'" >/dev/null

# An agreement log: /state byte-equal, a rule refusal answered by the front end itself.
. "$TOP/tests/cli/engine-lib.sh"
mkdir -p ag && cp -r "$AG"/. ag/ && sed -i 's/quorum: both/quorum: none/' ag/pilot.yaml
UA=$(pg_createdb agreement)
new_log "$UA" "$T/ag/pilot.yaml"
start s "$UA" --zones "$T/ag"
wait_line s "listening on" 1 || { not_ok "s: $(cat s.log)"; exit 1; }
start f "$UA" --zones "$T/ag"
wait_line f "front end of log" 1 || { not_ok "f: $(cat f.log)"; exit 1; }
entry c1 south 1 2018-11-30T12:00:00+09:00 claim "commitment: gp-south" "text: 11 guard posts withdrawn."
entry c2 south 1 2018-12-01T12:00:00+09:00 claim "commitment: gp-south" "text: the same seq again."
code=$(curl -s -o r1 -w '%{http_code}' -X POST --data-binary @c1.signed "$(url f)/add")
[ "$code" = 200 ] && grep -q "^index 2$" r1 && ok "a signed entry through the front end gets the sequencer's receipt" ||
	not_ok "c1 through the front end: $code $(head -c 200 r1)"
code=$(curl -s -o r1b -w '%{http_code}' -X POST --data-binary @c1.signed "$(url f)/add")
[ "$code" = 200 ] && grep -q "^index 2$" r1b && ok "resubmitted, it gets the same index (not sequenced twice)" ||
	not_ok "c1 again: $code $(head -c 200 r1b)"
i=0
while [ "$(sed -n 2p "$(curl -s "$(url f)/checkpoint" >fck; echo fck)")" != 3 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
posts=$(grep -c "POST /add" s.log)
code=$(curl -s -o r2 -w '%{http_code}' -X POST --data-binary @c2.signed "$(url f)/add")
[ "$code" = 422 ] && grep -q "seq-order" r2 && ok "the front end refuses what the rules refuse (422, rule seq-order)" ||
	not_ok "c2: $code $(head -c 200 r2)"
[ "$(grep -c "POST /add" s.log)" = "$posts" ] && ok "without asking the sequencer" || not_ok "it was forwarded"
for q in "state?now=2019-01-01T00:00:00Z" "state?index=2&now=2019-01-01T00:00:00Z" "state?at=2018-12-01" "agreement" "checkpoint"; do
	curl -s "$(url s)/$q" >q.s
	curl -s "$(url f)/$q" >q.f
	[ -s q.s ] && cmp -s q.s q.f && ok "/$q is byte-equal on the front end and the sequencer" ||
		not_ok "/$q differs: $(head -c 100 q.s) vs $(head -c 100 q.f)"
done
