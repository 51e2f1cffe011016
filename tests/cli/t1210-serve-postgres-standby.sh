#!/bin/sh
# Several front ends on one PostgreSQL log: one `serve` sequences (it holds
# the log's advisory lock), a `serve --standby` is a front end meanwhile
# (t1230 tests what it serves); the sequencer is
# killed with SIGKILL during a stream of submissions, the standby takes
# over within seconds, and at the end every acknowledged entry is in the
# log once, at the index its receipt named, and the log verifies. Rounds
# alternate: the killed side comes back as the next standby. Skips
# (claiming nothing) only without the PostgreSQL server binaries.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-pg.sh"
pg_require
. "$(dirname "$0")/lib-http.sh"
trap 'http_cleanup_pg' EXIT
http_cleanup_pg() { for p in $HTTP_PIDS; do kill -9 "$p" 2>/dev/null; done; pg_stop; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
cd "$T" || exit 1
U=$(pg_createdb fronts)
"$ARM" keygen log.example.org/t1210 --out log >/dev/null 2>&1
"$ARM" log init "$U" --origin log.example.org/t1210 --key log.key >/dev/null 2>&1

# start_front NAME: a serve on a fixed free port, as standby if another holds the lock.
start_front() {
	port=$(pg_free_port)
	"$ARM" serve "$U" --standby --listen "127.0.0.1:$port" 2>"$T/$1.log" &
	echo $! >"$T/$1.pid"
	HTTP_PIDS="$HTTP_PIDS $!"
	echo "http://127.0.0.1:$port" >"$T/$1.url"
}
# wait_listening NAME SECONDS: true once NAME prints its listening line.
wait_listening() {
	i=0
	while [ $i -lt $(($2 * 20)) ]; do
		grep -q "listening on" "$T/$1.log" 2>/dev/null && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
# submit URL FROM TO: posts entries FROM..TO-1; appends "INDEX<TAB>TEXT" of each 200.
submit() {
	j=$2
	while [ $j -lt $3 ]; do
		printf 'front-end entry %d\n' $j >"$T/sub.$j"
		code=$(curl -s -o "$T/rsp.$j" -w '%{http_code}' --max-time 5 -X POST --data-binary "@$T/sub.$j" "$1/add")
		if [ "$code" = 200 ]; then
			idx=$(sed -n 's/^index \([0-9]*\)$/\1/p' "$T/rsp.$j")
			printf '%s\tfront-end entry %d\n' "$idx" $j >>"$T/acked"
		fi
		j=$((j + 1))
	done
}
: >acked
start_front a
wait_listening a 10 && ok "the first serve sequences" || { not_ok "serve a: $(cat a.log)"; exit 1; }
start_front b
i=0
while [ $i -lt 100 ] && ! grep -q "standby:" b.log 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
expect_grep "the second serve stands by, naming the lock holder" "standby: .*locked by another writer" "$T/b.log"

ROUNDS=5
cur=a
other=b
n=0
takeovers=0
worst=0
r=1
while [ $r -le $ROUNDS ]; do
	url=$(cat $cur.url)
	# submissions from two clients while the sequencer is killed mid-stream
	submit "$url" $n $((n + 40)) &
	c1=$!
	submit "$url" $((n + 1000)) $((n + 1040)) &
	c2=$!
	sleep 0.$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 5 + 3 ))
	kill -9 "$(cat $cur.pid)"
	t0=$(date +%s%N)
	wait $c1 $c2
	if wait_listening $other 20; then
		t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		[ $ms -gt $worst ] && worst=$ms
		takeovers=$((takeovers + 1))
	else
		not_ok "round $r: $other did not take over: $(tail -c 300 $other.log)"
		break
	fi
	# the killed front end comes back as the next standby
	start_front $cur
	submit "$(cat $other.url)" $((n + 2000)) $((n + 2010))
	n=$((n + 3000))
	tmp=$cur
	cur=$other
	other=$tmp
	r=$((r + 1))
done
[ $takeovers -eq $ROUNDS ] && ok "$takeovers sequencers killed, each replaced by the standby (slowest takeover $worst ms)" ||
	not_ok "only $takeovers takeovers"
echo "# slowest takeover: $worst ms from SIGKILL to the standby's listening line"
[ $worst -lt 10000 ] && ok "takeover within seconds" || not_ok "takeover took $worst ms"
acks=$(wc -l <acked)
[ "$acks" -gt 50 ] && ok "$acks submissions acknowledged" || not_ok "only $acks acknowledged"

# The reads of the current sequencer: every acknowledged entry at its index.
url=$(cat $cur.url)
bad=0
while IFS="$(printf '\t')" read -r idx text; do
	got=$(curl -s --max-time 5 "$url/entry/$idx")
	[ "$got" = "$text" ] || { bad=$((bad + 1)); echo "# entry $idx: got '$got', want '$text'"; }
done <acked
[ $bad -eq 0 ] && ok "every acknowledged entry is at the index its receipt named" || not_ok "$bad acknowledged entries lost or moved"
kill -9 "$(cat a.pid)" "$(cat b.pid)" 2>/dev/null
sleep 0.5
expect_ok "the log verifies after the kills" "$ARM" log verify "$U"
size=$("$ARM" log checkpoint "$U" | sed -n 2p)
"$ARM" log export "$U" X >/dev/null 2>&1
i=0
: >all
while [ $i -lt "$size" ]; do
	"$ARM" log get X $i >>all 2>/dev/null
	i=$((i + 1))
done
[ "$(grep -c . all)" -eq "$size" ] && ok "all $size entries read back from the export" || not_ok "read $(grep -c . all) of $size"
dups=$(grep . all | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] && ok "nothing sequenced twice ($size entries, all distinct)" || not_ok "$dups entries sequenced twice"
