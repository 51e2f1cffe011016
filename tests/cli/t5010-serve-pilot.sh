#!/bin/sh
# A log server and three witnesses on loopback: the pilot agreement and
# its entries submitted over HTTP by their parties, every published
# checkpoint cosigned by the quorum, the read API, then an audit from an
# empty state directory, and tampered twins that the audit refuses.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

cd "$T" || exit 1
pilot_entries
"$ARM" log init log --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
pilot_witnesses || exit 1
pilot_serve srv log || exit 1
S=$URL

expect_ok "entry 0 (the agreement) is submitted" "$ARM" submit "$S" "$P/e00.signed" \
	--log "$K/demo-log.vkey"
expect_grep "entry 0 gets index 0" 'index 0,' "$T/out"
for n in 01 02 03 04 05 06; do
	expect_ok "entry $n is submitted with a verified receipt" \
		"$ARM" submit "$S" "$P/e$n.signed" --log "$K/demo-log.vkey"
done
# Each submission was its own batch: a clock leaf, then the entry.
expect_grep "the last entry gets index 12" 'index 12,' "$T/out"
expect_ok "a receipt checks out offline against the log key and the quorum" \
	"$ARM" proof verify --key "$K/demo-log.vkey" --witness "$K/demo-w-south.vkey" \
	--witness "$K/demo-w-north.vkey" --witness "$K/demo-w-nnsc.vkey" --quorum 3 \
	"$P/e03.signed" "$P/e03.signed.tlog-proof"
sed 's/^index 6$/index 5/' "$P/e03.signed.tlog-proof" >bad.tlog-proof
expect_exit 1 "a receipt with another index does not" \
	"$ARM" proof verify --key "$K/demo-log.vkey" "$P/e03.signed" bad.tlog-proof
expect_exit 3 "a resubmitted entry is refused (seq already used) or returns its index" \
	"$ARM" submit "$S" "$P/e02.txt"

# The read API.
http 200 "GET /checkpoint" GET "$S/checkpoint"
expect_grep "checkpoint is size 13" '^13$' "$T/body"
n=$(grep -c '^— demo-w-' "$T/body")
[ "$n" -eq 3 ] && ok "the published checkpoint carries the 3 cosignatures" ||
	not_ok "$n cosignatures on the checkpoint"
expect_grep "checkpoint is text/plain" 'Content-Type: text/plain; charset=utf-8' "$T/headers"
expect_grep "checkpoint is cached a few seconds only" 'Cache-Control: public, max-age=2' \
	"$T/headers"
http 200 "GET a partial hash tile" GET "$S/tile/0/000.p/13"
[ "$(wc -c <"$T/body")" -eq 416 ] && ok "tile/0/000.p/13 is 13 hashes" || not_ok "tile size"
expect_grep "tiles are immutable" 'Cache-Control: public, max-age=31536000, immutable' \
	"$T/headers"
expect_grep "tiles are application/octet-stream" 'Content-Type: application/octet-stream' \
	"$T/headers"
http 200 "GET the entry bundle" GET "$S/tile/entries/000.p/13"
http 404 "a wider tile than the tree has is 404" GET "$S/tile/0/000.p/8"
http 404 "a full tile of a small tree is 404" GET "$S/tile/0/000"
http 200 "GET /entry/0" GET "$S/entry/0"
cmp -s "$T/body" "$P/e00.signed" && ok "/entry/0 is the signed agreement entry" ||
	not_ok "/entry/0 differs"
http 404 "GET /entry/13 (past the tree) is 404" GET "$S/entry/13"
http 400 "GET /entry/01 (not canonical) is 400" GET "$S/entry/01"
http 200 "GET /proof/4" GET "$S/proof/4"
expect_grep "a proof is a tlog-proof" '^c2sp.org/tlog-proof@v1$' "$T/body"
http 200 "GET /agreement" GET "$S/agreement"
cmp -s "$T/body" "$P/agreement.yaml" && ok "/agreement is the agreement YAML" ||
	not_ok "/agreement differs"
http 200 "GET /state" GET "$S/state"
expect_grep "state is JSON" '^\{' "$T/body"
http 200 "GET /state?now=1700000000" GET "$S/state?now=1700000000"
cp "$T/body" state-now.json
http 200 "GET /state?index=1" GET "$S/state?index=1"
http 200 "GET /state?at=2018-12-01T00:00:00Z" GET "$S/state?at=2018-12-01T00:00:00Z"
http 200 "GET /state?at=2018-12-01 (a date)" GET "$S/state?at=2018-12-01"
expect_grep "... the end of that day in the agreement's zone" '"asof":\{"at":"2018-12-01T14:59:59Z"' "$T/body"
http 400 "GET /state?at=2018-12-32 is 400" GET "$S/state?at=2018-12-32"
http 404 "GET /state?index=99 is 404" GET "$S/state?index=99"
http 400 "GET /state?index=x is 400" GET "$S/state?index=x"
http 405 "DELETE /checkpoint is 405" DELETE "$S/checkpoint"

# The audit, from an empty state directory, twice (the second is checked
# for consistency with the first).
expect_ok "verify URL from an empty state directory" "$ARM" verify "$S" --state vs --zones "$P"
expect_grep "the audit compared the state with /state" "equals the server's /state" "$T/out"
expect_ok "verify again: consistent with the checkpoint seen" \
	"$ARM" verify "$S" --state vs --zones "$P" --json
expect_grep "the second audit checked size 13 against size 13" '"size":13,.*"since":13' "$T/out"
expect_ok "verify with the agreement id pinned" "$ARM" verify "$S" --state vs2 --zones "$P" \
	--agreement "$AID"
expect_exit 1 "verify with another agreement id pinned fails" "$ARM" verify "$S" --state vs3 \
	--zones "$P" --agreement 0000000000000000000000000000000000000000000000000000000000000000

stop_server srv TERM
[ "$SERVER_RC" -eq 0 ] && ok "server stops cleanly on SIGTERM" || not_ok "serve exit $SERVER_RC"
expect_grep "server access log is Combined Log Format" \
	'^127\.0\.0\.1 - - \[[^]]+\] "POST /add HTTP/1\.1" 200 [0-9]+ "-" "armistice/' "$T/srv.log"

"$ARM" status log --json --now 1700000000 --zones "$P" >status-now.json 2>"$T/err"
cmp -s status-now.json state-now.json && ok "/state is byte for byte 'status --json' for the same now" ||
	not_ok "/state differs from status --json: $(head -c 200 "$T/err")"

# Directory audits, and their tampered twins.
expect_ok "verify DIR" "$ARM" verify log --state vd --zones "$P"
cp -r log t1
# flip FILE OFFSET: one byte changed (never rewritten with its own value)
flip() {
	b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf '%03o' $(((b + 1) % 256)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
flip t1/tile/entries/000.p/13 40
expect_exit 1 "verify refuses a tampered entry bundle" "$ARM" verify t1 --state vt1 --zones "$P"
cp -r log t2
flip t2/tile/0/000.p/13 100
expect_exit 1 "verify refuses a tampered hash tile" "$ARM" verify t2 --state vt2 --zones "$P"
expect_grep "and says which tile" 'tile/0/000\.p/13' "$T/err"
cp -r log t3
grep -v '^— demo-w-north ' log/checkpoint >t3/checkpoint
expect_exit 1 "verify refuses a checkpoint without the quorum" "$ARM" verify t3 --state vt3 \
	--zones "$P"
expect_grep "and says the quorum is missing" 'quorum' "$T/err"
cp -r log t4
sed 's/^\(— demo-w-nnsc .\{20\}\)./\1A/' log/checkpoint >t4/checkpoint
cmp -s t4/checkpoint log/checkpoint && sed -i 's/^\(— demo-w-nnsc .\{20\}\)./\1B/' t4/checkpoint
expect_exit 1 "verify refuses a checkpoint with a bad cosignature" "$ARM" verify t4 \
	--state vt4 --zones "$P"
