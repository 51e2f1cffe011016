#!/bin/sh
# t5120: `serve` serves any log, and says what is missing for a cosigned
# checkpoint.
#
# A plain log (made with `armistice log init`, entry 0 not an agreement)
# gets /checkpoint, the tiles, /entry, /proof and POST /add with no rules,
# and /state answers 404 saying why; an empty log becomes plain with a
# plain first entry. An agreement log served without some of its witnesses
# says so at start-up, one line per problem (a witness with no --witness, a
# --witness the agreement does not name, a quorum that cannot be met); a
# 202 answer to POST /add names the witnesses that did not cosign and what
# to run, as text and as JSON. Twins: with every witness running the same
# submission gets its receipt (200), and a witness that did not answer is
# named until it runs again, after which the entry is published.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"
cd "$T" || exit 1

# ---- a plain log ----
"$ARM" keygen plain.example/t5120 --out plain --dir "$T" >/dev/null 2>&1 ||
	not_ok "keygen for the plain log"
PK=$T/plain.key
PV=$T/plain.pub
"$ARM" log init plain --origin plain.example/t5120 --key "$PK" >/dev/null || not_ok "log init"
printf 'first\n' >p0.txt
printf 'second\n' >p1.txt
"$ARM" log append plain p0.txt p1.txt >/dev/null || not_ok "log append"
start_server plain "$ARM" serve plain --listen 127.0.0.1:0 --witness w-x=http://127.0.0.1:9 ||
	exit 1
S=$URL
ok "serve starts on a plain log"
expect_grep "... and says it is a plain log" "log 'plain' is a plain log .*no /state" \
	"$T/plain.log"
expect_grep "... and that --witness is ignored for it" \
	'--witness w-x: ignored: .*plain log.*names no witness keys' "$T/plain.log"
http 200 "GET /checkpoint of a plain log" GET "$S/checkpoint"
[ "$(sed -n 2p "$T/body")" = 2 ] && ok "it has the 2 entries" || not_ok "size $(sed -n 2p "$T/body")"
http 200 "GET /tile/0/000.p/2" GET "$S/tile/0/000.p/2"
http 200 "GET /tile/entries/000.p/2" GET "$S/tile/entries/000.p/2"
http 200 "GET /entry/1" GET "$S/entry/1"
cmp -s "$T/body" p1.txt && ok "/entry/1 is the second entry's bytes" || not_ok "/entry/1 differs"
http 200 "GET /proof/1" GET "$S/proof/1"
cp "$T/body" p1.proof
expect_ok "its receipt verifies offline with the log's key" \
	"$ARM" proof verify --key "$PV" p1.txt p1.proof
http 404 "GET /state of a plain log is 404" GET "$S/state"
expect_grep "... saying why" 'plain log \(entry 0 is not an agreement\)' "$T/body"
http 404 "GET /agreement of a plain log is 404" GET "$S/agreement"
printf 'third, over HTTP\n' >p2.txt
http 200 "POST /add to a plain log: no rules, a receipt at once" POST "$S/add" p2.txt
cp "$T/body" p2.proof
expect_ok "the receipt of the added entry verifies" "$ARM" proof verify --key "$PV" p2.txt p2.proof
printf 'armistice/entry/v1\nkind: claim\n' >p3.txt
http 200 "a plain log has no rules: an entry that looks like an armistice entry is just bytes" \
	POST "$S/add" p3.txt
stop_server plain
expect_ok "log verify of the plain log" "$ARM" log verify plain
expect_grep "... says it has no quorum rule" '^witness quorum: no rule \(a plain log' "$T/out"

# An empty log becomes plain with a plain first entry.
"$ARM" log init empty --origin plain.example/t5120 --key "$PK" >/dev/null || not_ok "log init"
start_server empty "$ARM" serve empty --listen 127.0.0.1:0 || exit 1
S=$URL
http 200 "the first entry of an empty log may be plain" POST "$S/add" p0.txt
http 200 "... and so may the next" POST "$S/add" p1.txt
http 404 "... and then /state is 404" GET "$S/state"
stop_server empty

# ---- an agreement log with witnesses missing ----
pilot_entries
"$ARM" log init log --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
pilot_witnesses || exit 1
pilot_serve all log --batch-ms 5 || exit 1
S=$URL
http 200 "with every witness running, entry 0 (the agreement) gets its receipt" \
	POST "$S/add" "$P/e00.signed"
expect_grep "no start-up line about missing witnesses then" \
	'the witness quorum \(group both = 2 of \[parties, neutrals\]\) can be met by the 3 of 3' \
	"$T/all.log"
grep -q 'has no --witness' "$T/all.log" && not_ok "a missing witness was reported" ||
	ok "no witness reported missing"
stop_server all

start_server one "$ARM" serve log --listen 127.0.0.1:0 --key "$K/demo-log.key" --zones "$P" \
	--witness "w-south=$W_south" --witness w-bogus=http://127.0.0.1:9 --wait-ms 30000 || exit 1
S=$URL
expect_grep "start-up names the witness with no --witness (w-north)" \
	'^armistice serve: witness w-north \(key demo-w-north\) has no --witness w-north=URL' \
	"$T/one.log"
expect_grep "... and w-nnsc" '^armistice serve: witness w-nnsc .*has no --witness w-nnsc=URL' \
	"$T/one.log"
expect_grep "... and the --witness the agreement does not name" \
	'^armistice serve: --witness w-bogus=http://127.0.0.1:9: the agreement names no witness' \
	"$T/one.log"
expect_grep "... and that the quorum cannot be met" \
	'^armistice serve: the witness quorum \(group both = 2 of \[parties, neutrals\]\) cannot be met by the 1 of 3 witnesses configured' \
	"$T/one.log"
t0=$(date +%s)
http 202 "POST /add with the quorum out of reach: 202" POST "$S/add" "$P/e01.signed"
secs=$(($(date +%s) - t0))
[ "$secs" -lt 10 ] && ok "... at once (${secs} s), not after --wait-ms 30000" ||
	not_ok "the 202 took ${secs} s"
expect_grep "... the entry is durable" '^entry 2 is durable but not yet in a cosigned checkpoint' \
	"$T/body"
expect_grep "... w-north is named as not configured" '^witness w-north: not-configured' "$T/body"
expect_grep "... with the command to run" \
	"restart this server as: armistice serve log .*--witness w-north=http://HOST:PORT" "$T/body"
expect_grep "... w-nnsc too" '^witness w-nnsc: not-configured' "$T/body"
grep -q 'demo-log.key' "$T/body" && not_ok "the 202 shows the path of the log's secret key" ||
	ok "... and not the path of the log's secret key (--key LOG.key)"
grep -q '^witness w-south' "$T/body" && not_ok "w-south (which cosigned) is listed as missing" ||
	ok "... and w-south, which can cosign, is not listed"

got=$(curl -s -w '%{http_code}' -o body.json --max-time 20 -H 'Accept: application/json' \
	--data-binary "@$P/e02.signed" "$S/add")
[ "$got" = 202 ] && ok "POST /add asking for JSON: 202" || not_ok "JSON 202: status $got"
if jq -e . body.json >/dev/null 2>&1; then
	ok "... the body is one JSON object"
else
	not_ok "... the body is not JSON: $(head -c 200 body.json)"
fi
[ "$(jq -r '.index' body.json)" = 4 ] && [ "$(jq -r '.durable' body.json)" = true ] &&
	ok "... with the entry's index, durable" || not_ok "JSON index/durable: $(head -c 200 body.json)"
[ "$(jq -r '.quorum.possible' body.json)" = false ] && ok "... saying the quorum is out of reach" ||
	not_ok "JSON quorum: $(jq -c .quorum body.json)"
[ "$(jq -r '.witnesses[] | select(.id=="w-north") | .status' body.json)" = not-configured ] &&
	ok "... w-north not configured" || not_ok "JSON w-north: $(jq -c .witnesses body.json)"
jq -r '.witnesses[] | select(.id=="w-north") | .run' body.json | grep -q -- '--witness w-north=' &&
	ok "... and what to run for it" || not_ok "JSON w-north run: $(jq -c .witnesses body.json)"
stop_server one

# A witness that does not answer is named, until it runs again.
nnsc_url=$W_nnsc
stop_server w-nnsc
start_server dead "$ARM" serve log --listen 127.0.0.1:0 --key "$K/demo-log.key" --zones "$P" \
	$WARGS --wait-ms 2000 --batch-ms 5 || exit 1
S=$URL
expect_grep "every witness configured: the quorum can be met" \
	'can be met by the 3 of 3 witnesses configured' "$T/dead.log"
http 202 "POST /add while w-nnsc does not answer: 202 after --wait-ms" POST "$S/add" "$P/e03.signed"
expect_grep "... naming w-nnsc as not answering" '^witness w-nnsc: no-answer' "$T/body"
expect_grep "... and saying to check it runs there" \
	"check that witness w-nnsc runs and listens at $nnsc_url" "$T/body"
grep -q '^witness w-south\|^witness w-north' "$T/body" &&
	not_ok "a witness that cosigned is listed" || ok "... and only w-nnsc"
port=${nnsc_url##*:}
start_server w-nnsc2 "$ARM" witness --key "$K/demo-w-nnsc.key" --state "$T/w-nnsc" \
	--log "$ORIGIN=$K/demo-log.vkey" --listen "127.0.0.1:$port" || exit 1
i=0
while [ $i -lt 100 ]; do
	[ "$(curl -s "$S/checkpoint" | sed -n 2p)" -ge 7 ] 2>/dev/null && break
	sleep 0.1
	i=$((i + 1))
done
# Each submission is a batch: its clock leaf, then the entry (e01 at 2, e02 at 4, e03 at 6).
http 200 "once w-nnsc runs again, the entry is published: /proof/6" GET "$S/proof/6"
cp "$T/body" e03.proof
expect_ok "... a receipt with the quorum's cosignatures" \
	"$ARM" proof verify --key "$K/demo-log.vkey" --witness "$K/demo-w-south.vkey" \
	--witness "$K/demo-w-north.vkey" --witness "$K/demo-w-nnsc.vkey" --quorum 3 \
	"$P/e03.signed" e03.proof
http 200 "the next submission gets its receipt at once (200)" POST "$S/add" "$P/e04.signed"
stop_server dead
