#!/bin/sh
# Slow clients against serve and witness (docs/http.md, "Limits"):
#   - 300 connections from 10 loopback addresses, each sending a request
#     line and then one byte a second, do not stop the server answering
#     others within 1 s, nor the witness cosigning (the pilot's quorum needs
#     every witness, so a stalled one would stop publication);
#   - one address cannot take every slot (--max-conns-per-ip);
#   - a server with 3/4 of its connections taken cuts heads at 2 s;
#   - a request head and a request body are cut at their deadlines although
#     their bytes keep coming (each byte resets the idle timeout, not these).
# Raw sockets come from tests/cli/rawhttp.pl (perl-base only).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

RAW="perl $TOP/tests/cli/rawhttp.pl"
SRCS=127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9,127.0.0.10,127.0.0.11

# answered_fast DESC URL: a GET is 200 within 1 s.
answered_fast() {
	got=$(curl -s -o "$T/body" -w '%{http_code} %{time_total}' --max-time 10 "$2")
	if [ "${got% *}" = 200 ] && awk -v t="${got#* }" 'BEGIN { exit !(t < 1.0) }'; then
		ok "$1 (${got#* } s)"
	else
		not_ok "$1: status and time '$got'"
	fi
}

# hold NAME ADDR N SRCS SECONDS: N slow connections in the background;
# returns once all are connected.
hold() {
	rm -f "$T/$1.ready"
	$RAW hold "$2" "$3" "$4" "$5" "$T/$1.ready" >"$T/$1.out" 2>&1 &
	eval "HOLD_$1=\$!"
	i=0
	while [ ! -f "$T/$1.ready" ] && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -f "$T/$1.ready" ] || not_ok "$1: the slow connections were not all made"
	sleep 1
}

cd "$T" || exit 1
pilot_entries
"$ARM" log init log --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
pilot_witnesses || exit 1
pilot_serve srv log || exit 1
S=$URL
"$ARM" submit "$S" "$P/e00.signed" "$P/e01.signed" >/dev/null 2>&1

# --- serve under 300 slow connections
hold srv "${S#http://}" 300 "$SRCS" 6
answered_fast "serve answers GET /checkpoint within 1 s while 300 slow connections are held" \
	"$S/checkpoint"
answered_fast "and GET /agreement" "$S/agreement"
expect_ok "and a submission is sequenced, cosigned and published" \
	"$ARM" submit "$S" "$P/e02.signed"
if kill -0 "$HOLD_srv" 2>/dev/null; then
	ok "answered while the slow connections were still held"
else
	not_ok "the submission was answered only after the slow connections ended"
fi
wait "$HOLD_srv"
expect_grep "the 300 slow connections were all held until their own end" \
	'^connected=300 open=300$' "$T/srv.out"

# --- one witness under 300 slow connections: publication goes on
hold wit "${W_south#http://}" 300 "$SRCS" 6
answered_fast "the witness answers within 1 s while 300 slow connections are held" "$W_south/"
expect_ok "and serve still publishes (every witness cosigns, the quorum needs all three)" \
	"$ARM" submit "$S" "$P/e03.signed"
if kill -0 "$HOLD_wit" 2>/dev/null; then
	ok "published while the slow connections were still held"
else
	not_ok "the submission was answered only after the slow connections ended"
fi
curl -s -o "$T/ckpt" "$S/checkpoint"
expect_grep "the published checkpoint carries the held witness's cosignature" \
	'^— demo-w-south ' "$T/ckpt"
wait "$HOLD_wit"
expect_grep "the 300 slow connections to the witness were all held until their own end" \
	'^connected=300 open=300$' "$T/wit.out"

# --- one address cannot take every slot
start_server wcap "$ARM" witness --key "$K/demo-w-nnsc.key" --state "$T/wcap" \
	--log "$ORIGIN=$K/demo-log.vkey" --listen 127.0.0.1:0 --max-conns 64 \
	--max-conns-per-ip 16 || exit 1
WC=$URL
hold cap "${WC#http://}" 64 127.0.0.12 4
answered_fast "with one address trying to take all 64 slots, another client is answered" "$WC/"
wait "$HOLD_cap"
expect_grep "that address held only its 16 (--max-conns-per-ip)" '^connected=64 open=16$' \
	"$T/cap.out"

# --- a nearly full server makes room: at 3/4 of --max-conns, heads get 2 s
start_server wfull "$ARM" witness --key "$K/demo-w-nnsc.key" --state "$T/wfull" \
	--log "$ORIGIN=$K/demo-log.vkey" --listen 127.0.0.1:0 --max-conns 40 || exit 1
WF=$URL
hold full "${WF#http://}" 60 "$SRCS" 6
wait "$HOLD_full"
expect_grep "with 40 of 40 slots taken by slow heads, all are cut within 6 s (10 s otherwise)" \
	'^connected=60 open=0$' "$T/full.out"
answered_fast "and a new client is answered" "$WF/"

# --- deadlines that bytes do not reset
stop_server srv
pilot_serve srv2 log --head-timeout 2 --body-timeout 2 || exit 1
S2=$URL
for what in head body; do
	$RAW trickle "${S2#http://}" "$what" 250 12 >"$T/trickle" 2>&1
	s=$(sed -n 's/^cut after \([0-9]*\) s, \([0-9]*\) bytes sent$/\1/p' "$T/trickle")
	b=$(sed -n 's/^cut after \([0-9]*\) s, \([0-9]*\) bytes sent$/\2/p' "$T/trickle")
	if [ -n "$s" ] && [ "$s" -ge 2 ] && [ "$s" -le 5 ] && [ "$b" -ge 6 ]; then
		ok "serve cuts a $what sent a byte every 250 ms at its 2 s deadline ($s s, $b bytes)"
	else
		not_ok "serve $what trickle: $(cat "$T/trickle")"
	fi
done
expect_grep "the cut head is in the access log" '" 408 0 .* head-deadline$' "$T/srv2.log"
expect_grep "the cut body is in the access log" '" 408 0 .* body-deadline$' "$T/srv2.log"
answered_fast "serve answers afterwards" "$S2/checkpoint"

stop_server w-nnsc
start_server wdl "$ARM" witness --key "$K/demo-w-nnsc.key" --state "$T/w-nnsc" \
	--log "$ORIGIN=$K/demo-log.vkey" --listen 127.0.0.1:0 --head-timeout 2 || exit 1
$RAW trickle "${URL#http://}" head 250 12 >"$T/trickle" 2>&1
s=$(sed -n 's/^cut after \([0-9]*\) s, .*/\1/p' "$T/trickle")
if [ -n "$s" ] && [ "$s" -ge 2 ] && [ "$s" -le 5 ]; then
	ok "the witness cuts a head trickled a byte every 250 ms at its 2 s deadline ($s s)"
else
	not_ok "witness head trickle: $(cat "$T/trickle")"
fi
