#!/bin/sh
# POST /add from many connections at once (src/server/submitq.c): an
# author's entries racing each other on separate connections are
# sequenced in seq order; an entry that skips ahead waits for the ones
# before it, and is refused with rule seq-order if they never come; a
# forged signature in a batch of good entries is refused alone; a
# submission waiting for cosignatures when the server stops gets its 202
# (durable, not yet published) instead of being cut.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

cd "$T" || exit 1
pilot_served || exit 1
expect_ok "entry 0 (the agreement) is submitted" "$ARM" submit "$S" "$P/e00.signed" \
	--log "$K/demo-log.vkey"

press() { # SEQ [TEXT]
	pilot_sign press "p$1" "kind: statement" "author: press" "seq: $1" \
		"time: 2018-11-02T09:00:00+09:00" "text: ${2:-Press statement $1.}"
}
POSTS=""
post() { # NAME FILE: POST in the background, status in $T/NAME.code
	curl -s -o "$T/$1.body" -w '%{http_code}' --max-time 30 -H 'Content-Type: text/plain' \
		--data-binary "@$2" "$S/add" >"$T/$1.code" &
	POSTS="$POSTS $!"
}
waitposts() { # the servers run in the background too: wait for the posts only
	for p in $POSTS; do wait "$p"; done
	POSTS=""
}
code() { cat "$T/$1.code" 2>/dev/null; }

# seq 3 and 2 before 1, each on its own connection.
for q in 1 2 3 4 5 6 8; do press $q; done
post s3 "$P/p3.signed"
post s2 "$P/p2.signed"
sleep 0.5
post s1 "$P/p1.signed"
waitposts
for q in 1 2 3; do
	[ "$(code s$q)" = 200 ] && ok "seq $q, sent out of order, is sequenced with a receipt" ||
		not_ok "seq $q: status $(code s$q): $(head -c 200 "$T/s$q.body")"
done
i1=$(sed -n 's/^index //p' "$T/s1.body")
i2=$(sed -n 's/^index //p' "$T/s2.body")
i3=$(sed -n 's/^index //p' "$T/s3.body")
[ -n "$i1" ] && [ "$i1" -lt "$i2" ] && [ "$i2" -lt "$i3" ] &&
	ok "the log holds them in seq order ($i1 < $i2 < $i3)" ||
	not_ok "indices '$i1' '$i2' '$i3' not in seq order"

# The twin: seq 8 skips 7, which never comes.
t0=$(date +%s)
http 422 "an entry that skips ahead alone is refused" POST "$S/add" "$P/p8.signed"
expect_grep "with rule seq-order" 'seq-order.*skips ahead' "$T/body"
t1=$(date +%s)
[ $((t1 - t0)) -ge 1 ] && ok "after waiting for the entries before it" ||
	not_ok "refused after $((t1 - t0)) s, expected the hold of about 2 s"

# A forged signature among good entries: only it is refused.
sed 's/^text: Press statement 5\./text: Press statement 5, altered./' "$P/p5.signed" >forged.signed
post good4 "$P/p4.signed"
post forged forged.signed
waitposts
[ "$(code good4)" = 200 ] && ok "the good entry of the batch gets its receipt" ||
	not_ok "good entry: status $(code good4): $(head -c 200 "$T/good4.body")"
[ "$(code forged)" = 403 ] && ok "the forged one is refused 403" ||
	not_ok "forged entry: status $(code forged): $(head -c 200 "$T/forged.body")"
grep -q 'does not verify' "$T/forged.body" && ok "naming the signature that does not verify" ||
	not_ok "forged entry's answer: $(head -c 200 "$T/forged.body")"

# No quorum (one witness gone), a long wait, then SIGTERM: the waiting
# submission is answered 202, durable, before the server exits.
stop_server w-nnsc
stop_server srv
pilot_serve srv2 log --wait-ms 60000 || exit 1
S=$URL
post late "$P/p5.signed"
sleep 1
t0=$(date +%s)
stop_server srv2
waitposts
t1=$(date +%s)
[ "$(code late)" = 202 ] && ok "a submission waiting for cosignatures gets 202 on SIGTERM" ||
	not_ok "waiting submission: status $(code late): $(head -c 200 "$T/late.body")"
[ "${SERVER_RC:-1}" -eq 0 ] && [ $((t1 - t0)) -lt 10 ] &&
	ok "the server stopped cleanly at once (exit 0)" ||
	not_ok "server exit $SERVER_RC after $((t1 - t0)) s"
expect_grep "the 202 says it is durable" 'is durable but not yet in a cosigned checkpoint' "$T/late.body"

# POST /add and /zone/ID are rate-limited per address (--add-rate,
# --add-burst; --rate, --rate-burst); the twin: below the burst, no 429.
pilot_serve srv3 log --add-rate 1 --add-burst 2 --rate 1 --rate-burst 1 || exit 1
S=$URL
: >empty
http 400 "POST /add within the burst is answered (an empty body: 400)" POST "$S/add" empty
http 400 "the second one too" POST "$S/add" empty
http 429 "the third at once is refused: too many POST /add from this address" POST "$S/add" empty
expect_grep "with Retry-After" '^Retry-After: [0-9]' "$T/headers"
ZID=jsa
http 200 "GET /zone/ID within the burst is served" GET "$S/zone/$ZID"
http 429 "the next one at once is refused" GET "$S/zone/$ZID"
http 200 "tiles are not counted" GET "$S/checkpoint"
stop_server srv3
