#!/bin/sh
# The worked example over HTTP: a log server and the four witnesses the
# Korean agreement names (one per party and a neutral one, quorum "all
# parties and one neutral"). Every entry of the example, signed by its
# parties' demo keys, is submitted over HTTP in log order; the served log
# must be the same tree as the one built locally, every published
# checkpoint must carry the quorum, and an audit from an empty state
# directory must pass. Tampered twin: one flipped byte in a served bundle
# and the audit fails.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

EX="$TOP/examples/korea-2018"
KK="$EX_KEYS"
ORIGIN=demo.log.armistice-example/korea-2018
cd "$T" || exit 1

ARM="$ARM" DEMO_QUIET=1 sh "$EX/demo.sh" "$T/demo" >demo.out 2>&1 ||
	{ not_ok "the example did not build: $(tail -n 5 demo.out)"; exit 1; }
n=$("$ARM" log checkpoint "$T/demo/log" | sed -n 2p)
[ "$n" -gt 300 ] && ok "the example built locally ($n entries)" || not_ok "example size $n"

# Every entry but the local log's own clock leaves: the server keeps its
# own clock, so its tree differs from the local one in those leaves alone.
mkdir -p e
i=0
while [ "$i" -lt "$n" ]; do
	f="e/$(printf '%05d' "$i").signed"
	"$ARM" log get "$T/demo/log" "$i" >"$f" || not_ok "log get $i"
	head -n 1 "$f" | grep -q '^armistice/clock/v1$' && rm -f "$f"
	i=$((i + 1))
done
m=$(ls e | wc -l)

"$ARM" log init srv --origin "$ORIGIN" --key "$KK/log.key" >/dev/null 2>&1 ||
	not_ok "log init"
WARGS=""
for w in rok dprk us nnsc; do
	start_server "w-$w" "$ARM" witness --key "$KK/witness-$w.key" --state "$T/w-$w" \
		--log "$ORIGIN=$KK/log.pub" --listen 127.0.0.1:0 || exit 1
	WARGS="$WARGS --witness w-$w=$URL"
done
# shellcheck disable=SC2086
start_server srv "$ARM" serve srv --listen 127.0.0.1:0 --key "$KK/log.key" \
	--zones "$T/demo/log/zones" --batch-ms 5 $WARGS || exit 1
S=$URL

# In two halves, with a /state in between: the server keeps its replay of
# the published tree and advances it, and the end result must still be the
# bytes of a fresh replay (compared below).
ls e/*.signed | head -n 200 >first
ls e/*.signed | tail -n +201 >rest
# shellcheck disable=SC2046
"$ARM" submit "$S" $(cat first) --log "$KK/log.pub" --receipts receipts >/dev/null 2>sub1.err ||
	not_ok "first half refused: $(tail -n 2 sub1.err)"
curl -s "$S/state?now=2024-12-01T00:00:00Z" >state.half
[ "$(jq -r '.entries - .clock.leaves' state.half)" = 200 ] &&
	ok "/state after the first half covers 200 entries" ||
	not_ok "/state after the first half: $(head -c 200 state.half)"
# shellcheck disable=SC2046
expect_ok "all $m entries of the example are submitted over HTTP with checked receipts" \
	"$ARM" submit "$S" $(cat rest) --log "$KK/log.pub" --receipts receipts
[ "$(ls receipts | wc -l)" -eq "$m" ] && ok "one receipt per entry" ||
	not_ok "$(ls receipts | wc -l) receipts for $m entries"

http 200 "GET /checkpoint" GET "$S/checkpoint"
size=$(sed -n 2p "$T/body")
clocks=$(curl -s "$S/state" | jq -r .clock.leaves)
[ "$size" -eq $((m + clocks)) ] && [ "$clocks" -ge 1 ] &&
	ok "the served tree has all $m entries and the server's $clocks clock leaves" ||
	not_ok "served size $size with $clocks clock leaves for $m entries"
c=$(grep -c '^— demo.witness-' "$T/body")
[ "$c" -eq 4 ] && ok "the published checkpoint carries all four witnesses' cosignatures" ||
	not_ok "$c cosignatures"

expect_ok "a receipt checks out offline with the parties' and the neutral witnesses" \
	"$ARM" proof verify --key "$KK/log.pub" --witness "$KK/witness-rok.pub" \
	--witness "$KK/witness-dprk.pub" --witness "$KK/witness-us.pub" \
	--witness "$KK/witness-nnsc.pub" --quorum 4 e/00300.signed receipts/00300.signed.tlog-proof

curl -s "$S/state?now=2024-12-01T00:00:00Z" >state.http
"$ARM" status srv --zones "$T/demo/log/zones" --now 2024-12-01T00:00:00Z --json >state.local
cmp -s state.http state.local && ok "/state is byte for byte status --json of the served log" ||
	not_ok "/state differs from the local replay: $(cmp state.http state.local)"
"$ARM" status "$T/demo/log" --now 2024-12-01T00:00:00Z --json >state.demo
outcome='[.commitments[] | {id, status, overdue, late, strength}], .calm.days, .progress'
[ -n "$(jq -c "$outcome" state.http)" ] &&
	[ "$(jq -c "$outcome" state.http)" = "$(jq -c "$outcome" state.demo)" ] &&
	ok "the served log reaches the same outcome as the one built locally" ||
	not_ok "the served and the local outcomes differ"

expect_ok "an audit from an empty state directory passes" \
	"$ARM" verify "$S" --state audit --zones "$T/demo/log/zones"

# The tampered twin: one flipped byte in the first entry bundle.
f=srv/tile/entries/000
printf '\377' | dd of="$f" bs=1 seek=40 count=1 conv=notrunc 2>/dev/null
expect_exit 1 "the audit fails on a flipped byte in a served bundle" \
	"$ARM" verify "$S" --state audit2 --zones "$T/demo/log/zones"
