#!/bin/sh
# t5110: `make demo` passes its own audit. The demo (examples/korea-2018/
# demo.sh) starts the four witnesses the agreement names on loopback,
# serves the log with them, submits the 2018-2024 record over HTTP and ends
# with the auditor's command run from an empty directory against the served
# log (`armistice verify URL --state EMPTY`). Checked here: the demo exits
# 0 within a minute, the remote audit passed, the published checkpoint
# carries the quorum (log verify says "4 of 4 cosigned: met"), and every
# server it started is stopped. Tampered twins: a checkpoint missing one
# cosignature fails log verify ("NOT MET", naming the missing witness),
# and a checkpoint with one flipped cosignature byte fails naming the
# witness whose cosignature is bad.
. "$(dirname "$0")/lib.sh"
EX=$TOP/examples/korea-2018
export ARM
cd "$T" || exit 1

start=$(date +%s)
env DEMO_NOW=2026-01-01T00:00:00Z sh "$EX/demo.sh" "$T/demo" >demo.out 2>demo.err
rc=$?
secs=$(($(date +%s) - start))
[ "$rc" -eq 0 ] && ok "the demo ran to its end (${secs} s)" ||
	not_ok "the demo exited $rc after ${secs} s: $(tail -n 3 demo.err)"
[ "$secs" -lt 60 ] && ok "the demo took under a minute (${secs} s)" ||
	not_ok "the demo took ${secs} s"

# The auditor's command, as the demo ran it: from an empty directory, with
# an empty state directory and nothing else local.
expect_grep "the audit ran from an empty directory against the served URL" \
	'\$ cd [^ ]*armistice-audit\.[^ ]* && [^ ]*armistice verify http://127\.0\.0\.1:[0-9]+ --state [^ ]+$' \
	demo.out
expect_grep "the remote audit checked the witness quorum" \
	'4 witness cosignatures meet the quorum' demo.out
expect_grep "the remote audit passed" '^   the remote audit passed$' demo.out

# The demo still shows the state, the log's directory and how to serve it.
expect_grep "the demo prints the status" 'gp-pilot' demo.out
expect_grep "the demo names the log's directory" "^== The log is in $T/demo/log\$" demo.out
expect_grep "the demo says how to serve it with its witnesses" \
	"armistice serve $T/demo/log --listen 127.0.0.1:8080 --witness w-rok=" demo.out

# Every server it started is stopped: each one logged its drain, and no
# process still holds the log or a witness state directory.
for s in w-rok w-dprk w-us w-nnsc serve; do
	grep -q 'signal 15, draining' "$T/demo/servers/$s.log" && ok "$s was stopped" ||
		not_ok "$s did not log its stop: $(tail -n 2 "$T/demo/servers/$s.log")"
done
srv=$(sed -n 's|^   serving .* at \(http://[^ ]*\)/$|\1|p' demo.out)
if [ -n "$srv" ] && ! curl -s --max-time 2 "$srv/checkpoint" >/dev/null 2>&1; then
	ok "nothing answers at $srv any more"
else
	not_ok "the log server at '$srv' still answers (or its URL was not printed)"
fi
expect_ok "the log is not locked by a leftover writer (reindex takes the writer lock)" \
	"$ARM" log reindex "$T/demo/log"

# The published checkpoint carries the agreement's quorum.
L=$T/demo/log
expect_ok "log verify of the demo's log passes" "$ARM" log verify "$L" --key "$EX/keys/log.pub"
expect_grep "... and states the quorum met" \
	'^witness quorum: 4 of 4 cosigned: met .*cosigned: w-rok, w-dprk, w-us, w-nnsc; missing: none' \
	"$T/out"
expect_ok "log verify --json" "$ARM" log verify "$L" --json
[ "$(jq -r '.quorum.met' "$T/out")" = true ] && [ "$(jq -r '.quorum.cosigned' "$T/out")" = 4 ] &&
	ok "--json says the quorum is met by 4" || not_ok "--json quorum: $(jq -c .quorum "$T/out")"
[ "$(jq -r '[.quorum.witnesses[] | select(.cosigned) | .id] | join(",")' "$T/out")" = \
	"w-rok,w-dprk,w-us,w-nnsc" ] && ok "--json names the witnesses that cosigned" ||
	not_ok "--json witnesses: $(jq -c .quorum.witnesses "$T/out")"

# ---- tampered twins (on copies) ----
cp -r "$L" t1
grep -v '^— demo.witness-nnsc' "$L/checkpoint" >t1/checkpoint
expect_exit 1 "a checkpoint without the neutral witness's cosignature fails" \
	"$ARM" log verify t1 --key "$EX/keys/log.pub"
expect_grep "... stating the quorum NOT MET and who is missing" \
	'^witness quorum: 3 of 4 cosigned: NOT MET .*missing: w-nnsc\)' "$T/out"
expect_grep "... and the reason on stderr" 'lacks the witness quorum' "$T/err"
expect_ok "--no-quorum reports it and passes" "$ARM" log verify t1 --key "$EX/keys/log.pub" --no-quorum
expect_grep "... saying it was not enforced" 'NOT MET .*not enforced \(--no-quorum\)' "$T/out"

cp -r "$L" t2
# The 20th base64 character is inside the signature (after the 4-byte key
# id and the 8-byte timestamp): flip it.
awk '/^— demo\.witness-dprk\./ { s = $3; c = substr(s, 20, 1); c = (c == "A") ? "B" : "A";
	$3 = substr(s, 1, 19) c substr(s, 21) } { print }' "$L/checkpoint" >t2/checkpoint
cmp -s "$L/checkpoint" t2/checkpoint && not_ok "the twin is not tampered"
expect_exit 1 "a flipped byte in one cosignature fails, even with --no-quorum" \
	"$ARM" log verify t2 --key "$EX/keys/log.pub" --no-quorum
expect_grep "... naming the witness" 'w-dprk' "$T/err"

# A copy as a web server publishes it (no .armistice/, no zones/): the
# agreement in entry 0 cannot be opened without its zone files.
mkdir mirror && cp -r "$L/checkpoint" "$L/tile" mirror/
expect_exit 5 "log verify of a copy without the zone files cannot open the agreement" \
	"$ARM" log verify mirror --key "$EX/keys/log.pub"
expect_grep "... and says to give them" 'give its zone files with --zones ZDIR' "$T/err"
expect_ok "with --zones it verifies, quorum included" \
	"$ARM" log verify mirror --key "$EX/keys/log.pub" --zones "$L/zones"
expect_grep "... 4 of 4" '^witness quorum: 4 of 4 cosigned: met' "$T/out"

# The log key swapped: the checkpoint re-signed by another key that takes
# the log's name, the witnesses' cosignatures (over the same text) kept.
# The tree and the quorum alone would pass; the agreement names the log's
# key, so log verify refuses.
"$ARM" keygen demo.log.armistice-example/korea-2018 --out other --dir "$T" >/dev/null 2>&1 ||
	not_ok "keygen of the other key"
mkdir t3 && cp -r "$L/tile" t3/
sed -n '1,/^$/p' "$L/checkpoint" | sed '$d' >ck.text
"$ARM" note sign --key "$T/other.key" ck.text >ck.other 2>/dev/null || not_ok "note sign"
{ cat ck.other; grep '^— demo.witness-' "$L/checkpoint"; } >t3/checkpoint
expect_exit 1 "a checkpoint signed by another log key, with the witnesses' cosignatures, fails" \
	"$ARM" log verify t3 --key "$T/other.pub" --zones "$L/zones" --no-quorum
expect_grep "... naming the key the agreement names" \
	"the log key 'demo.log.armistice-example/korea-2018\\+[0-9a-f]{8}' is not the key 'demo.log.armistice-example/korea-2018\\+78bf13a3' that the agreement names" \
	"$T/err"
