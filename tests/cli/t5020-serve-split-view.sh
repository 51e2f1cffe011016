#!/bin/sh
# Split view: an operator that forks the log (same key, another history)
# and asks the same witnesses to cosign is refused (422, or 409 at the
# same size) and the refusals are kept as evidence; the forked checkpoint
# never gets the quorum, so an auditor that requires it refuses it, and a
# restarted witness still refuses it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

cd "$T" || exit 1
pilot_entries
pilot_sign north e07 "kind: statement" "author: north" "seq: 2" \
	"time: 2018-12-20T09:00:00+09:00" "text: A statement only the forked log carries."
"$ARM" log init log --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
pilot_witnesses || exit 1
pilot_serve honest log || exit 1
expect_ok "the honest log takes entries 0 and 1" "$ARM" submit "$URL" "$P/e00.signed" "$P/e01.signed"
expect_ok "a party audits the honest log" "$ARM" verify "$URL" --state vs --zones "$P"
stop_server honest TERM

# The fork: the same key and origin, entry 1 replaced, published by the
# command line with the log signature alone.
"$ARM" init fork --agreement "$P/agreement.yaml" --log-key "$K/demo-log.key" \
	"$P/e00.signed" >/dev/null 2>&1
"$ARM" log append fork "$P/e02.signed" >/dev/null 2>&1
[ "$(sed -n 2p fork/checkpoint)" = 3 ] && ok "the fork has size 3 too (agreement, clock leaf, entry)" || not_ok "fork size"
cmp -s fork/checkpoint log/checkpoint && not_ok "fork equals the log" || ok "the fork's root differs"

# Same size, different root, straight to a witness: 409.
{ printf 'old 3\n\n'; cat fork/checkpoint; } >same
http 409 "a witness refuses the same-size fork with 409" POST "$W_south/add-checkpoint" same

# The operator serves the fork and asks the witnesses to cosign its growth.
pilot_serve forked fork --wait-ms 1500 || exit 1
F=$URL
expect_exit 4 "a submission to the fork is durable but never cosigned (202)" \
	"$ARM" submit "$F" "$P/e07.signed"
expect_grep "and the submitter is told why" 'not yet in a cosigned checkpoint' "$T/err"
for w in south north nnsc; do
	n=$(ls "$T/w-$w/evidence" | wc -l)
	[ "$n" -ge 1 ] && ok "witness $w kept the fork as evidence" || not_ok "no evidence at $w"
done
expect_grep "a witness answered the fork with 422" '"POST /add-checkpoint HTTP/1.1" 422' \
	"$T/w-nnsc.log"
http 200 "the fork's public checkpoint" GET "$F/checkpoint"
grep -q '^— demo-w-' "$T/body" && not_ok "the fork's checkpoint has a cosignature" ||
	ok "the fork's checkpoint carries no cosignature"
expect_exit 1 "an auditor that requires the quorum refuses the fork (fresh state)" \
	"$ARM" verify "$F" --state vf --zones "$P"
expect_exit 1 "and so does the party that saw the honest log" \
	"$ARM" verify "$F" --state vs --zones "$P"
expect_exit 1 "a directory audit refuses the fork too" "$ARM" verify fork --state vf2 --zones "$P"
# Even with a checkpoint that the quorum did cosign (the honest one), the
# fork's tree does not match it.
cp -r fork fork2
cp log/checkpoint fork2/checkpoint
expect_exit 1 "the honest checkpoint over the fork's tiles is refused" \
	"$ARM" verify fork2 --state vf3 --zones "$P"
stop_server forked TERM

# A restarted witness remembers the honest size and still refuses the fork.
stop_server w-south TERM
start_server w-south2 "$ARM" witness --key "$K/demo-w-south.key" --state "$T/w-south" \
	--log "$ORIGIN=$K/demo-log.vkey" --listen 127.0.0.1:0 || exit 1
http 409 "after a restart the witness still refuses the fork" POST "$URL/add-checkpoint" same
{ printf 'old 0\n\n'; cat fork/checkpoint; } >zero
http 409 "and tells a client with old 0 its size" POST "$URL/add-checkpoint" zero
expect_grep "which is the honest size 3" '^3$' "$T/body"
