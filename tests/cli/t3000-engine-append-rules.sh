#!/bin/sh
# armistice append: every rule refuses what it must (exit 3, one line naming
# the rule and the entry, nothing written) and accepts what it must.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine-lib.sh"

L=$T/log
new_log "$L"
[ "$(log_size "$L")" = 1 ] && ok "the log holds the agreement" || not_ok "log size $(log_size "$L")"

# author-known: a signature by a key the agreement does not name is not an author
entry stranger stranger 1 2018-11-01T00:00:00Z statement "text: hello"
expect_exit 3 "a stranger's entry is refused" "$ARM" append "$L" "$T/stranger.signed"
expect_grep "the stranger is named" '"stranger" is not an actor of the agreement' "$T/err"
[ "$(log_size "$L")" = 1 ] && ok "stranger: nothing written" || not_ok "stranger: the log grew"

# owner-only
entry c1-wrong north 1 2018-11-30T12:00:00+09:00 claim "commitment: gp-south"
refused "north claims south's commitment" owner-only "$L" "$T/c1-wrong.signed"
entry c1 south 1 2018-11-30T12:00:00+09:00 claim "commitment: gp-south" "text: 11 guard posts withdrawn."
accepted "south claims gp-south" "$L" "$T/c1.signed"

# seq-order: replayed, duplicated, reordered
refused "the same claim again (replay)" seq-order "$L" "$T/c1.signed"
entry s3 south 3 2018-12-01T00:00:00Z statement "text: skipping seq 2"
refused "seq 3 before seq 2 (reordered)" seq-order "$L" "$T/s3.signed"
entry s2 south 2 2018-12-01T00:00:00Z statement "text: seq 2"
accepted "seq 2 then 3" "$L" "$T/s2.signed" "$T/s3.signed"

# all or nothing: a good entry followed by a refused one writes neither
entry n1 north 1 2018-11-30T13:00:00+09:00 claim "commitment: gp-north"
entry bad-after north 3 2018-12-01T00:00:00Z statement "text: seq gap"
refused "a batch with one refused entry" seq-order "$L" "$T/n1.signed" "$T/bad-after.signed"
accepted "north claims gp-north" "$L" "$T/n1.signed"

# verifier-only (attest by an actor not in verify.by; finding by a non-verifier)
entry a-press press 1 2018-12-12T17:00:00+09:00 attest "commitment: gp-south" "verdict: verified" "method: media"
refused "the press attests gp-south" verifier-only "$L" "$T/a-press.signed"

# attest-after-claim: jsa-demilitarize is not claimed (and is pending)
entry a-early south 4 2018-12-12T17:00:00+09:00 attest "commitment: jsa-demilitarize" "verdict: verified" "method: trilateral"
refused "attesting an unclaimed commitment" attest-after-claim "$L" "$T/a-early.signed"

# time-order: an attestation dated before the claim
entry a-before nnsc 1 2018-11-01T00:00:00Z attest "commitment: gp-south" "verdict: verified" "method: on-site"
refused "an attestation before the claim" time-order "$L" "$T/a-before.signed"

# requires-done: jsa-demilitarize requires both guard-post commitments done
entry j1 south 4 2018-12-13T00:00:00+09:00 claim "commitment: jsa-demilitarize"
refused "claiming before the requirements are done" requires-done "$L" "$T/j1.signed"

# verification: both guard posts, each by the other party and the commission
entry v1 nnsc 1 2018-12-12T17:00:00+09:00 attest "commitment: gp-south" "verdict: verified" "method: on-site"
entry v2 north 2 2018-12-12T17:00:00+09:00 attest "commitment: gp-south" "verdict: verified" "method: mutual"
entry v3 nnsc 2 2018-12-12T17:00:00+09:00 attest "commitment: gp-north" "verdict: verified" "method: on-site"
entry v4 south 4 2018-12-12T17:00:00+09:00 attest "commitment: gp-north" "verdict: verified" "method: mutual"
accepted "four attestations" "$L" "$T/v1.signed" "$T/v2.signed" "$T/v3.signed" "$T/v4.signed"
expect_ok "status --json" "$ARM" status "$L" --now 2018-12-20T00:00:00Z --json
[ "$(jq -r '.commitments[] | select(.id=="gp-south") | "\(.phase) \(.owners|join(",")) \(.standing) \(.status)"' "$T/out")" = "p1 south false done" ] &&
	ok "gp-south is done" || not_ok "gp-south is not done: $(head -c 300 "$T/out")"
expect_grep "jsa-demilitarize is open" '"open":\["no-fire","jsa-demilitarize"\]' "$T/out"

# claim-once
entry c1-again south 5 2018-12-13T00:00:00+09:00 claim "commitment: gp-south"
refused "south claims gp-south twice" claim-once "$L" "$T/c1-again.signed"
entry j1b south 5 2018-12-13T00:00:00+09:00 claim "commitment: jsa-demilitarize"
accepted "claiming once the requirements are done" "$L" "$T/j1b.signed"

# withdrawn-needs-amendment
entry w1 north 3 2019-03-06T00:00:00Z withdraw "commitment: gp-north" "reason: guard posts restored"
accepted "north withdraws gp-north" "$L" "$T/w1.signed"
entry w1-claim north 4 2019-04-01T00:00:00Z claim "commitment: gp-north"
refused "claiming a withdrawn commitment" withdrawn-needs-amendment "$L" "$T/w1-claim.signed"
expect_ok "status --json after the withdrawal" "$ARM" status "$L" --now 2019-04-01T00:00:00Z --json
expect_grep "the reversal is listed" '"reversals":\[\{"commitment":"gp-north","index":[0-9]+,"time":"2019-03-06T00:00:00Z","from":"done","to":"withdrawn"\}\]' "$T/out"

# commitment-known, kind-known, actor-known, incident-known
entry ck north 4 2019-04-01T00:00:00Z claim "commitment: no-such-thing"
expect_exit 3 "an unknown commitment is refused" "$ARM" append "$L" "$T/ck.signed"
expect_grep "names the unknown commitment" "no-such-thing" "$T/err"
entry fi-unknown nnsc 3 2019-05-05T00:00:00Z finding "incident: press/9" "verdict: confirmed" "method: imagery"
refused "a finding on an incident not in the log" incident-known "$L" "$T/fi-unknown.signed"

# time-wellformed: an incident reported before it occurred
entry inc-future press 1 2019-05-01T00:00:00Z incident "type: gunfire" "occurred: 2019-05-04T09:00:00+09:00" "lat: 37.956" "lon: 126.677" "actor: north" "text: shots near the JSA"
refused "an incident that occurred after its report" time-wellformed "$L" "$T/inc-future.signed"
entry inc press 1 2019-05-04T12:00:00+09:00 incident "type: gunfire" "occurred: 2019-05-04T09:00:00+09:00" "lat: 37.956" "lon: 126.677" "actor: north" "text: shots near the JSA"
accepted "a well-formed incident report" "$L" "$T/inc.signed"
entry fi-press press 2 2019-05-05T00:00:00Z finding "incident: press/1" "verdict: confirmed" "method: imagery"
refused "a finding by a monitor" verifier-only "$L" "$T/fi-press.signed"
entry fi nnsc 3 2019-05-05T00:00:00Z finding "incident: press/1" "verdict: confirmed" "method: imagery"
accepted "a finding by the commission" "$L" "$T/fi.signed"

# a tampered signed entry (one byte of the text changed) fails verification
entry good south 6 2019-06-01T00:00:00Z statement "text: all quiet"
sed 's/all quiet/all qu1et/' "$T/good.signed" >"$T/tampered.signed"
before=$(log_size "$L")
expect_exit 1 "a tampered entry fails its signature" "$ARM" append "$L" "$T/tampered.signed"
[ "$(log_size "$L")" = "$before" ] && ok "tampered: nothing written" || not_ok "tampered: the log grew"
accepted "the untampered twin" "$L" "$T/good.signed"
expect_ok "the log verifies (built locally: no witness yet)" "$ARM" log verify "$L" --no-quorum
