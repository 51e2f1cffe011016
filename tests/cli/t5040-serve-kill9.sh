#!/bin/sh
# kill -9 of the server during a stream of submissions from two parties:
# after a restart every acknowledged entry is in the log at the index its
# receipt names, the interrupted submissions go through (a resubmitted
# entry that was already durable gets its index back), and the audit passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

cd "$T" || exit 1
pilot_entries
N=15
for who in south north; do
	i=1
	while [ $i -le $N ]; do
		mm=$(printf '%02d' $i)
		pilot_sign $who "s-$who-$i" "kind: statement" "author: $who" "seq: $i" \
			"time: 2018-11-01T09:$mm:00+09:00" "text: Statement $i by the $who party."
		i=$((i + 1))
	done
done
"$ARM" log init log --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
pilot_witnesses || exit 1
pilot_serve srv log --batch-ms 20 || exit 1
S=$URL
"$ARM" submit "$S" "$P/e00.signed" >/dev/null 2>&1 || not_ok "entry 0 not accepted"

# submitter WHO URL: submits WHO's statements in order, from the first one
# without a receipt, and stops at the first failure.
submitter() {
	i=1
	while [ $i -le $N ]; do
		f="$P/s-$1-$i.signed"
		if [ ! -f "$f.tlog-proof" ]; then
			"$ARM" submit "$2" "$f" >>"$T/acked-$1" 2>>"$T/submit-$1.err" || return 0
		fi
		i=$((i + 1))
	done
}
submitter south "$S" &
p1=$!
submitter north "$S" &
p2=$!
# Kill the server once a few entries have been acknowledged (bounded wait).
i=0
while [ $i -lt 200 ]; do
	n=$(cat "$T"/acked-* 2>/dev/null | wc -l)
	[ "$n" -ge 6 ] && break
	sleep 0.05
	i=$((i + 1))
done
stop_server srv KILL
wait "$p1"
wait "$p2"
acked=$(cat "$T"/acked-* 2>/dev/null | wc -l)
[ "$acked" -ge 6 ] && ok "$acked entries were acknowledged before kill -9" ||
	not_ok "only $acked entries acknowledged"
[ "$acked" -lt $((2 * N)) ] && ok "the kill interrupted the stream" ||
	ok "the stream finished before the kill (the checks below still apply)"

pilot_serve srv2 log --batch-ms 20 || exit 1
S=$URL
# Every acknowledged entry is there, at the index its receipt names.
bad=0
for r in "$P"/s-*.signed.tlog-proof; do
	[ -f "$r" ] || continue
	idx=$(sed -n 's/^index \([0-9]*\)$/\1/p' "$r")
	curl -s -o got --max-time 10 "$S/entry/$idx"
	cmp -s got "${r%.tlog-proof}" || bad=$((bad + 1))
done
[ "$bad" -eq 0 ] && ok "every acknowledged entry is at its receipt's index after the restart" ||
	not_ok "$bad acknowledged entries missing or moved"
# The rest goes through, including any entry that was durable but unacknowledged.
submitter south "$S"
submitter north "$S"
n=$(ls "$P"/s-*.signed.tlog-proof | wc -l)
[ "$n" -eq $((2 * N)) ] && ok "all $n statements have receipts after the restart" ||
	not_ok "$n of $((2 * N)) statements have receipts: $(tail -n 2 "$T"/submit-*.err)"
http 200 "GET /checkpoint after the restart" GET "$S/checkpoint"
size=$(sed -n 2p "$T/body")
clocks=$(curl -s --max-time 10 "$S/state" | jq -r .clock.leaves)
[ "$size" -eq $((2 * N + 1 + clocks)) ] && [ "$clocks" -ge 1 ] &&
	ok "the log holds the agreement and all statements, once each (and $clocks clock leaves)" ||
	not_ok "size $size with $clocks clock leaves for $((2 * N + 1)) entries"
expect_ok "the audit passes" "$ARM" verify "$S" --state vs --zones "$P"
stop_server srv2 TERM
[ "$SERVER_RC" -eq 0 ] && ok "the restarted server stops cleanly" || not_ok "exit $SERVER_RC"
