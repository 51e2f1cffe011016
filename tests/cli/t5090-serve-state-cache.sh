#!/bin/sh
# GET /state?index=N and ?at=T come from copies of the replay that serve
# keeps every --state-every entries (here 16, so the worked example has
# about twenty of them), not from a replay of the whole log per request.
# The answers must be the bytes of a full replay (status --json) at every
# index that matters: 0, 1, each copy boundary and its neighbours, size-1,
# size, before and after the log grows, and as of many moments; the
# twin: a neighbouring index gives other bytes, so the comparison can fail.
#
# The rate limit: a server with --rate 1 --rate-burst 5 answers five
# costly requests from 127.0.0.1, then 429 with Retry-After, while
# 127.0.0.2 is still served and cheap requests are not counted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

EX="$TOP/examples/korea-2018"
KK="$EX_KEYS"
ORIGIN=demo.log.armistice-example/korea-2018
NOW=2024-12-01T00:00:00Z
EVERY=16
cd "$T" || exit 1

ARM="$ARM" DEMO_QUIET=1 sh "$EX/demo.sh" "$T/demo" >demo.out 2>&1 ||
	{ not_ok "the example did not build: $(tail -n 5 demo.out)"; exit 1; }
L="$T/demo/log"
n=$("$ARM" log checkpoint "$L" | sed -n 2p)
[ "$n" -gt 300 ] && ok "the example built locally ($n entries)" || not_ok "example size $n"
mkdir -p e
i=0
while [ "$i" -lt "$n" ]; do
	f="e/$(printf '%05d' "$i").signed"
	"$ARM" log get "$L" "$i" >"$f" || not_ok "log get $i"
	# The server keeps its own log clock: resubmit the entries, not the
	# local log's clock leaves.
	head -n 1 "$f" | grep -q '^armistice/clock/v1$' && rm -f "$f"
	i=$((i + 1))
done
m=$(ls e | wc -l)
# The answers are compared with status --json of the served log itself,
# read from its directory by the command line.
SL="$T/srv"

"$ARM" log init srv --origin "$ORIGIN" --key "$KK/log.key" >/dev/null 2>&1 || not_ok "log init"
WARGS=""
for w in rok dprk us nnsc; do
	start_server "w-$w" "$ARM" witness --key "$KK/witness-$w.key" --state "$T/w-$w" \
		--log "$ORIGIN=$KK/log.pub" --listen 127.0.0.1:0 || exit 1
	WARGS="$WARGS --witness w-$w=$URL"
done
# shellcheck disable=SC2086
start_server srv "$ARM" serve srv --listen 127.0.0.1:0 --key "$KK/log.key" \
	--zones "$L/zones" --batch-ms 5 --state-every $EVERY --rate 0 $WARGS || exit 1
S=$URL

# Compares /state?index=N with status --json --index N for each N given.
check_index() { # LABEL N...
	label=$1
	shift
	bad=""
	for k in "$@"; do
		if [ "$k" = 0 ]; then
			# No agreement yet: both refuse as "not found" (404, exit 5).
			c=$(curl -s -o /dev/null -w '%{http_code}' "$S/state?index=0&now=$NOW")
			"$ARM" status "$SL" --index 0 --json >/dev/null 2>&1
			src=$?
			[ "$c" = 404 ] && [ "$src" -eq 5 ] || bad="$bad 0(http $c, status exit $src)"
			continue
		fi
		curl -s "$S/state?index=$k&now=$NOW" >"h.$k" || bad="$bad $k(curl)"
		"$ARM" status "$SL" --index "$k" --now "$NOW" --json --zones "$L/zones" >"l.$k" 2>/dev/null ||
			bad="$bad $k(status)"
		cmp -s "h.$k" "l.$k" || bad="$bad $k"
	done
	[ -z "$bad" ] && ok "$label: /state?index= is status --json --index at $# indices" ||
		not_ok "$label: differs at$bad ($(head -c 200 "h.${bad# }" 2>/dev/null))"
}

# Indices 0, 1, every boundary k*EVERY and its neighbours up to $1, and $1 itself.
edges() { # SIZE
	echo 0 1
	b=$EVERY
	while [ "$b" -le "$1" ]; do
		echo $((b - 1)) $b
		[ $((b + 1)) -le "$1" ] && echo $((b + 1))
		b=$((b + EVERY))
	done
	echo $(($1 - 1)) "$1"
}

# The first 150 entries, then questions about that tree.
ls e/*.signed | head -n 150 >first
ls e/*.signed | tail -n +151 >rest
# shellcheck disable=SC2046
"$ARM" submit "$S" $(cat first) --log "$KK/log.pub" >/dev/null 2>sub1.err ||
	not_ok "first part refused: $(tail -n 2 sub1.err)"
p1=$(curl -s "$S/checkpoint" | sed -n 2p)
[ "$(curl -s "$S/state" | jq '.entries - .clock.leaves')" = 150 ] &&
	ok "150 entries published (and the server's clock leaves: size $p1)" ||
	not_ok "published: $p1"
# shellcheck disable=SC2046
check_index "at $p1 leaves" $(edges "$p1" | tr ' ' '\n' | sort -n -u)
http 404 "an index past the published tree is 404" GET "$S/state?index=$((p1 + 1))"

# The rest: copies are added past 150, and those already kept stay right.
# shellcheck disable=SC2046
"$ARM" submit "$S" $(cat rest) --log "$KK/log.pub" >/dev/null 2>sub2.err ||
	not_ok "the rest refused: $(tail -n 2 sub2.err)"
n=$(curl -s "$S/checkpoint" | sed -n 2p)
[ "$(curl -s "$S/state" | jq '.entries - .clock.leaves')" = "$m" ] &&
	ok "all $m entries published (size $n with the clock leaves)" ||
	not_ok "published: $n"
# shellcheck disable=SC2046
check_index "at $n leaves" $(edges "$n" | tr ' ' '\n' | sort -n -u)
# Out of order and repeated (answers from the cache of recent answers).
check_index "out of order and again" $((n - 2)) 7 $((n / 2)) 7 $((n - 2)) 200 33 200

# The twin: a neighbouring index gives other bytes, so cmp can tell.
k=$((n - 1))
curl -s "$S/state?index=$k&now=$NOW" >twin.h
"$ARM" status "$SL" --index "$n" --now "$NOW" --json --zones "$L/zones" >twin.l 2>/dev/null
cmp -s twin.h twin.l && not_ok "index $k and $n give the same bytes: the check cannot fail" ||
	ok "twin: /state?index=$k is not the state at $n"

# As of moments: before the first entry, at entry times, between, after all.
bad=""
cnt=0
for at in 1970-01-02T00:00:00Z 2017-01-01T00:00:00Z 2018-04-27T00:00:00Z 2018-04-27T09:30:00+09:00 \
	2018-05-01T00:00:00Z 2018-06-12T12:00:00Z 2018-07-27T00:00:00Z 2018-09-19T00:00:00Z \
	2018-10-01T00:00:00Z 2018-11-01T00:00:00Z 2018-12-12T00:00:00Z 2019-02-28T00:00:00Z \
	2019-06-30T00:00:00Z 2020-06-16T00:00:00Z 2023-11-22T00:00:00Z 2030-01-01T00:00:00Z; do
	q=$(printf '%s' "$at" | sed 's/+/%2B/')
	curl -s "$S/state?at=$q" >h.at
	"$ARM" status "$SL" --at "$at" --json --zones "$L/zones" >l.at 2>/dev/null || bad="$bad $at(status)"
	cmp -s h.at l.at || bad="$bad $at"
	cnt=$((cnt + 1))
done
[ -z "$bad" ] && ok "/state?at= is status --json --at at $cnt moments" || not_ok "?at= differs at$bad"
curl -s "$S/state?at=2018-07-27T00:00:00Z&now=$NOW" >h.atnow
"$ARM" status "$SL" --at 2018-07-27T00:00:00Z --now "$NOW" --json --zones "$L/zones" >l.atnow 2>/dev/null
cmp -s h.atnow l.atnow && ok "?at= with ?now= is status --at --now" || not_ok "?at=&now= differs"

# ---- the rate limit ----
stop_server srv
m=$(sed -n 's/.*at most \([0-9]*\) for one ?index=.*/\1/p' srv.log)
[ -n "$m" ] && [ "$m" -lt $EVERY ] &&
	ok "no ?index= request replayed more than $((EVERY - 1)) entries (at most $m)" ||
	not_ok "a request replayed '$m' entries: $(grep 'copies every' srv.log)"
start_server srv2 "$ARM" serve srv --listen 127.0.0.1:0 --key "$KK/log.key" \
	--zones "$L/zones" --rate 1 --rate-burst 5 || exit 1
S=$URL
codes=""
for i in 1 2 3 4 5 6 7; do
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' "$S/state?index=$i&now=$NOW")"
done
[ "$codes" = " 200 200 200 200 200 429 429" ] && ok "five costly requests, then 429" ||
	not_ok "codes from 127.0.0.1:$codes"
curl -s -D hdr.429 -o body.429 "$S/state?index=9"
grep -qi '^Retry-After: [1-9]' hdr.429 && ok "the 429 says when to retry (Retry-After)" ||
	not_ok "no Retry-After: $(head -c 300 hdr.429)"
c=$(curl -s -o /dev/null -w '%{http_code}' "$S/proof/3")
[ "$c" = 429 ] && ok "/proof/N counts against the same address" || not_ok "/proof/3 gave $c"
c=$(curl -s -o /dev/null -w '%{http_code}' "$S/checkpoint")
c2=$(curl -s -o /dev/null -w '%{http_code}' "$S/state")
[ "$c" = 200 ] && [ "$c2" = 200 ] && ok "cheap requests (/checkpoint, the live /state) are not limited" ||
	not_ok "/checkpoint $c, /state $c2"
if curl -s -o /dev/null --interface 127.0.0.2 "$S/checkpoint" 2>/dev/null; then
	codes=""
	for i in 1 2 3; do
		codes="$codes $(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "$S/state?index=$i&now=$NOW")"
	done
	[ "$codes" = " 200 200 200" ] && ok "another address (127.0.0.2) is still served" ||
		not_ok "codes from 127.0.0.2:$codes"
else
	not_ok "cannot send from 127.0.0.2 on this machine"
fi
sleep 2.2
c=$(curl -s -o /dev/null -w '%{http_code}' "$S/state?index=2&now=$NOW")
[ "$c" = 200 ] && ok "the bucket refills: 127.0.0.1 is served again after the wait" ||
	not_ok "after the wait: $c"
stop_server srv2
[ "$SERVER_RC" = 0 ] && ok "the server stops cleanly" || not_ok "exit $SERVER_RC"

# ---- a memory budget smaller than the copies: they thin out, answers stay right ----
start_server srv3 "$ARM" serve srv --listen 127.0.0.1:0 --key "$KK/log.key" \
	--zones "$L/zones" --state-every 4 --state-mem 1 --rate 0 || exit 1
S=$URL
check_index "copies every 4 in 1 MiB" "$n" 1 2 3 4 5 63 64 65 127 128 129 $((n - 1)) 200 5
stop_server srv3
every=$(sed -n 's/.*copies every \([0-9]*\) entries.*/\1/p' srv3.log)
[ -n "$every" ] && [ "$every" -gt 4 ] &&
	ok "past the budget the copies thin out (now every $every entries)" ||
	not_ok "copies: $(grep 'copies every' srv3.log)"
