#!/bin/sh
# armistice status, timeline, show, graph: the headline a newcomer reads,
# byte-identical JSON across replays, as of a time and an index, and the
# day count with its rule (234 days exclusive / 235 inclusive, DESIGN.md §3).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine-lib.sh"

L=$T/log
new_log "$L"
# 29 Nov 2017 03:17 KST: gunfire, reported by the commission (confirmed)
entry i1 nnsc 1 2017-11-29T12:00:00+09:00 incident "type: gunfire" "occurred: 2017-11-29T03:17:00+09:00" "actor: north" "text: shots across the line"
entry c1 south 1 2018-11-30T12:00:00+09:00 claim "commitment: gp-south"
entry c2 north 1 2018-11-30T12:00:00+09:00 claim "commitment: gp-north"
entry v1 nnsc 2 2018-12-12T17:00:00+09:00 attest "commitment: gp-south" "verdict: verified" "method: on-site"
entry v2 north 2 2018-12-12T17:00:00+09:00 attest "commitment: gp-south" "verdict: verified" "method: mutual"
entry v3 nnsc 3 2018-12-12T17:00:00+09:00 attest "commitment: gp-north" "verdict: verified" "method: on-site"
entry v4 south 2 2018-12-12T17:00:00+09:00 attest "commitment: gp-north" "verdict: verified" "method: mutual"
entry w1 north 3 2019-03-06T00:00:00Z withdraw "commitment: gp-north" "reason: restored"
expect_ok "append the record" "$ARM" append "$L" "$T/i1.signed" "$T/c1.signed" "$T/c2.signed" \
	"$T/v1.signed" "$T/v2.signed" "$T/v3.signed" "$T/v4.signed" "$T/w1.signed"

# days without a provocation, as of Aspen (21 July 2018, KST)
expect_ok "status as of 2018-07-21" "$ARM" status "$L" --at 2018-07-21T12:00:00+09:00
expect_grep "234 days, rule stated" '^234 days without a confirmed provocation \(UTC\+09:00, exclusive\) since 2017-11-29 gunfire' "$T/out"
expect_grep "step N of M" '^Progress: step 0 of 5 done or kept' "$T/out"
expect_ok "status after the verification" "$ARM" status "$L" --at 2018-12-20T00:00:00+09:00
expect_grep "step 2 of 5" '^Progress: step 2 of 5 done or kept' "$T/out"
expect_grep "jsa-demilitarize open to both" 'jsa-demilitarize +claim by south, north, due 2019-01-01' "$T/out"
expect_ok "status as of 2019-05-04" "$ARM" status "$L" --at 2019-05-04T09:00:00+09:00 --json
expect_grep "521 days to 4 May 2019" '"days":521,' "$T/out"

# the inclusive count: the same agreement saying counting: {inclusive: true}
mkdir -p "$T/ag2"
cp -r "$AG/zones" "$T/ag2/"
sed 's/^counting: {inclusive: false}/counting: {inclusive: true}/' "$AG/pilot.yaml" >"$T/ag2/pilot.yaml"
L2=$T/log2
new_log "$L2" "$T/ag2/pilot.yaml"
entry i1b nnsc 1 2017-11-29T12:00:00+09:00 incident "type: gunfire" "occurred: 2017-11-29T03:17:00+09:00" "actor: north" "text: shots across the line"
expect_ok "append to the inclusive log" "$ARM" append "$L2" "$T/i1b.signed"
expect_ok "inclusive status" "$ARM" status "$L2" --at 2018-07-21T12:00:00+09:00
expect_grep "235 days inclusive" '^235 days without a confirmed provocation \(UTC\+09:00, inclusive\)' "$T/out"

# the status now: reversal, who waits on whom, overdue
expect_ok "status with --now" "$ARM" status "$L" --now 2019-06-01T00:00:00Z
expect_grep "reversal shown" 'gp-north +done -> withdrawn on 2019-03-06' "$T/out"
expect_grep "who waits on whom" 'remains \(pending\) needs jsa-demilitarize \(pending\) needs gp-north \(withdrawn\): waiting on south, north' "$T/out"
expect_grep "no-fire may be claimed by both" 'no-fire +claim by south, north' "$T/out"

# JSON: two replays give the same bytes; --at and --index
"$ARM" status "$L" --now 2019-06-01T00:00:00Z --json >"$T/j1" 2>"$T/e1"
"$ARM" status "$L" --now 2019-06-01T00:00:00Z --json >"$T/j2" 2>"$T/e2"
[ -s "$T/j1" ] && cmp -s "$T/j1" "$T/j2" && ok "two replays, byte-identical JSON" || not_ok "the replays differ"
if command -v jq >/dev/null 2>&1; then
	[ "$(jq -r '.commitments[] | select(.id=="gp-south") | .status' "$T/j1")" = done ] &&
		ok "jq: gp-south done" || not_ok "jq: gp-south not done"
	[ "$(jq -r '.commitments[] | select(.id=="gp-south") | .strength' "$T/j1")" = 3 ] &&
		ok "jq: mutual verification scores 3" || not_ok "jq: strength not 3"
	[ "$(jq -r '.withdrawn | join(",")' "$T/j1")" = gp-north ] && ok "jq: gp-north withdrawn" ||
		not_ok "jq: withdrawn list wrong"
	[ "$(jq -r '.entries' "$T/j1")" = 10 ] && ok "jq: 10 entries (the agreement, one clock leaf, 8 entries)" || not_ok "jq: entries wrong"
else
	not_ok "jq is not installed"
fi
"$ARM" status "$L" --index 4 --now 2019-06-01T00:00:00Z --json >"$T/j3"
grep -q '"entries":4,' "$T/j3" &&
	[ "$(jq -r '.commitments[] | select(.id=="gp-south") | "\(.phase) \(.owners|join(",")) \(.standing) \(.status)"' "$T/j3")" = "p1 south false claimed" ] &&
	ok "--index 4: gp-south only claimed" || not_ok "--index 4 state wrong"
"$ARM" status "$L" --at 2018-12-31T00:00:00Z --json >"$T/j4"
grep -q '"withdrawn":\[\]' "$T/j4" && ok "--at before the withdrawal: nothing withdrawn" || not_ok "--at state wrong"
# the tampered twin: a JSON from another log (one more entry) differs
cmp -s "$T/j1" "$T/j4" && not_ok "different moments gave the same JSON" || ok "a different moment gives different JSON"
expect_exit 5 "--index past the end" "$ARM" status "$L" --index 99

# timeline, show, graph
expect_ok "timeline" "$ARM" timeline "$L"
expect_grep "timeline marks the reversal" 'withdraw +north +gp-north +=> gp-north: done -> withdrawn \(REVERSAL\)' "$T/out"
expect_ok "timeline --json" "$ARM" timeline "$L" --json
if command -v jq >/dev/null 2>&1; then
	[ "$(jq length "$T/out")" = 9 ] && ok "timeline JSON has 9 entries" || not_ok "timeline JSON length"
fi
expect_ok "show a commitment" "$ARM" show "$L" gp-north --now 2019-06-01T00:00:00Z
expect_grep "show: history with the reversal" 'done -> withdrawn +REVERSAL' "$T/out"
expect_ok "show --json" "$ARM" show "$L" gp-south --json --now 2019-06-01T00:00:00Z
expect_grep "show --json is the commitment object" '^\{"id":"gp-south",.*"history":\[.*\]\}$' "$T/out"
expect_ok "show an entry" "$ARM" show "$L" 2
expect_grep "show prints the signed entry" '^kind: incident$' "$T/out"
expect_exit 5 "show an unknown id" "$ARM" show "$L" no-such
expect_ok "graph" "$ARM" graph "$L" --now 2019-06-01T00:00:00Z
expect_grep "graph is DOT" '^digraph "gp-pilot" \{' "$T/out"
expect_grep "graph edge from a requirement" '"gp-south" -> "jsa-demilitarize";' "$T/out"
expect_grep "graph together cluster" 'subgraph "cluster_gp-pilot"' "$T/out"

expect_exit 2 "status without DIR is a usage error" "$ARM" status

# Signatures checked ahead on several threads (cli_replay_scan, sigbatch.h):
# the same answer, and a forged signature still refused, whatever the count.
cp -r "$L" "$T/forged"
b=$(find "$T/forged/tile/entries" -type f | sort | tail -1)
[ -f "$b" ] && perl -0pi -e 's/(\x{e2}\x{80}\x{94} \S*nnsc \S{20})(.)/$1 . ($2 eq "A" ? "B" : "A")/e' "$b"
for th in 1 2; do
	expect_ok "status on $th thread(s)" env ARMISTICE_THREADS=$th "$ARM" status "$L" --json --now 2019-05-04T09:00:00+09:00
	cp "$T/out" "$T/st$th"
	expect_exit 1 "... a forged signature refused on $th thread(s)" env ARMISTICE_THREADS=$th "$ARM" status "$T/forged" --json
	expect_grep "... said so" 'does not verify' "$T/err"
done
cmp -s "$T/st1" "$T/st2" && ok "... the same state on 1 and 2 threads" || not_ok "state differs between 1 and 2 threads"
