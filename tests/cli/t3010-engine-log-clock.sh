#!/bin/sh
# The log clock (logclock.h, docs/rules.md "The log clock"): the sequencer
# puts a clock leaf signed by the log key before each batch; the rules
# refuse an entry dated far after the log's time (a claim dated 9999 could
# never be attested or refuted), flag one dated long before it, refuse a
# clock leaf that is replayed, forged or out of order, and an agreement
# that writes log.clock refuses a log kept without the clock. Each case
# has its sound twin.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine-lib.sh"

L=$T/log
new_log "$L"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
soon=$(date -u -d '+4 minutes' +%Y-%m-%dT%H:%M:%SZ)
later=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)

# ---- far-future: refused, nothing written; within the tolerance: accepted ----
entry f1 south 1 9999-12-31T00:00:00Z statement "text: dated at the end of time"
refused "a statement dated 9999-12-31" clock-future "$L" "$T/f1.signed"
expect_grep "... says by how much the agreement allows" 'later than the log.s time .* by more than the 600s the agreement allows \(log.clock.future\)' "$T/err"
entry f2 south 1 "$later" claim "commitment: gp-south"
refused "a claim dated an hour ahead" clock-future "$L" "$T/f2.signed"
entry c1 south 1 "$soon" claim "commitment: gp-south"
accepted "a claim dated four minutes ahead (clock skew)" "$L" "$T/c1.signed"
[ "$(log_size "$L")" = 3 ] && ok "the log holds the agreement, one clock leaf and the claim" ||
	not_ok "log size $(log_size "$L")"
"$ARM" log get "$L" 1 >"$T/clock1"
expect_grep "entry 1 is the log's clock leaf" '^armistice/clock/v1$' "$T/clock1"
expect_grep "... for this log's origin" '^origin: demo.armistice.example/gp-pilot$' "$T/clock1"
expect_grep "... at its own index" '^index: 1$' "$T/clock1"
expect_grep "... signed by the log key" '^— demo-log ' "$T/clock1"
expect_ok "the clock leaf is a signed note by the log key" \
	"$ARM" note verify --key "$K/demo-log.vkey" "$T/clock1"

# ---- backdated: accepted and flagged ----
entry n1 north 1 2018-11-30T12:00:00+09:00 claim "commitment: gp-north"
entry i1 nnsc 1 "$now" incident "type: gunfire" "occurred: 2017-11-29T03:17:00+09:00" "actor: north" "text: reported on time"
entry i2 nnsc 2 2019-01-02T00:00:00Z incident "type: gunfire" "occurred: 2019-01-01T00:00:00Z" "actor: north" "text: reported late, dated back"
accepted "a claim dated 2018, an incident reported now and one dated 2019" "$L" \
	"$T/n1.signed" "$T/i1.signed" "$T/i2.signed"
"$ARM" status "$L" --json >"$T/s.json"
[ "$(jq -r .clock.leaves "$T/s.json")" = 2 ] && ok "two clock leaves (one per append)" ||
	not_ok "clock: $(jq -c .clock "$T/s.json")"
[ "$(jq -r .clock.backdated "$T/s.json")" = 2 ] && ok "two entries flagged backdated" ||
	not_ok "backdated: $(jq -c .clock "$T/s.json")"
[ "$(jq -r '[.incidents[] | .backdated] | join(",")' "$T/s.json")" = "false,true" ] &&
	ok "the incident reported on time is not backdated; the one dated 2019 is" ||
	not_ok "incident flags: $(jq -c '[.incidents[] | {index, backdated, logged}]' "$T/s.json")"
[ "$(jq -r '.incidents[1].logged | test("^20[2-9][0-9]-")' "$T/s.json")" = true ] &&
	ok "an incident shows when the log sequenced it" || not_ok "no logged time"
[ "$(jq -r '.commitments[] | select(.id == "gp-north") | .history[-1].backdated' "$T/s.json")" = true ] &&
	ok "the 2018 claim's history event is flagged backdated" || not_ok "claim not flagged"
[ "$(jq -r '.commitments[] | select(.id == "gp-south") | .history[-1].backdated' "$T/s.json")" = false ] &&
	ok "the claim dated now is not" || not_ok "the claim dated now is flagged"
expect_ok "status says how many entries are backdated" "$ARM" status "$L"
expect_grep "... in its text" '2 entries dated more than 3 days before the log sequenced them' "$T/out"

# ---- clock leaves cannot be replayed, forged or submitted by a party ----
before=$(log_size "$L")
expect_exit 3 "an old clock leaf appended again is refused" "$ARM" append "$L" "$T/clock1"
expect_grep "... as a replayed clock" 'rule clock-index: entry [0-9]+: a clock leaf written for index 1' "$T/err"
printf 'armistice/clock/v1\norigin: demo.armistice.example/gp-pilot\nindex: %s\ntime: 2030-01-01T00:00:00Z\n' \
	"$((before + 1))" >"$T/forged.clock"
"$ARM" note sign --key "$K/demo-south.key" "$T/forged.clock" >"$T/forged.signed"
expect_exit 1 "a clock leaf signed by a party, not the log, is refused" "$ARM" append "$L" "$T/forged.signed"
expect_grep "... naming the log key" 'clock-signed' "$T/err"
[ "$(log_size "$L")" = "$before" ] && ok "nothing was written" || not_ok "the log grew"

# ---- log.clock: an agreement that requires the log's time ----
mkdir -p "$T/ag2"
cp -r "$AG/zones" "$T/ag2/"
awk '{print} /^  quorum: both$/ {print "  clock: {future: 1h, backdate: none, deadlines: log}"}' \
	"$AG/pilot.yaml" >"$T/ag2/pilot.yaml"
L2=$T/log2
new_log "$L2" "$T/ag2/pilot.yaml"
entry g1 south 1 "$later" claim "commitment: gp-south"
accepted "with log.clock.future 1h, a claim an hour ahead but for a minute" "$L2" "$T/g1.signed"
entry g2 north 1 2018-11-30T12:00:00+09:00 claim "commitment: gp-north"
accepted "an old claim" "$L2" "$T/g2.signed"
"$ARM" status "$L2" --json >"$T/s2.json"
[ "$(jq -r .clock.backdated "$T/s2.json")" = 0 ] && ok "backdate: none flags nothing" ||
	not_ok "backdated: $(jq -c .clock "$T/s2.json")"
entry v1 nnsc 1 2018-12-12T17:00:00+09:00 attest "commitment: gp-north" "verdict: verified" "method: on-site"
entry v2 south 1 2018-12-12T17:00:00+09:00 attest "commitment: gp-north" "verdict: verified" "method: on-site"
# (seq 1 of south was used: renumber)
entry v2 south 2 2018-12-12T17:00:00+09:00 attest "commitment: gp-north" "verdict: verified" "method: on-site"
accepted "gp-north verified by dates of 2018" "$L2" "$T/v1.signed" "$T/v2.signed"
"$ARM" status "$L2" --json --now 2030-01-01T00:00:00Z >"$T/s3.json"
[ "$(jq -r '.commitments[] | select(.id == "gp-north") | .status' "$T/s3.json")" = held ] &&
	[ "$(jq -r '.commitments[] | select(.id == "gp-north") | .history[-1].time | test("^20[2-9]")' "$T/s3.json")" = true ] &&
	ok "deadlines: log: the step is dated when the log sequenced it, not 2018" ||
	not_ok "deadlines: log: $(jq -c '.commitments[] | select(.id == "gp-north") | .history' "$T/s3.json")"

# A log kept without clock leaves under log.clock (an operator's own
# sequencer) is refused on replay: tests/unit/test_engine.c, "clock-missing".
expect_ok "the log kept with the clock replays" "$ARM" status "$L2"

# ---- a receipt shows the sequencing time, offline ----
"$ARM" log get "$L" 2 >"$T/e2"
"$ARM" log prove "$L" 2 >"$T/e2.proof"
expect_grep "the receipt carries the clock leaf as its extra data" '^extra ' "$T/e2.proof"
expect_ok "the receipt verifies" "$ARM" proof verify --key "$K/demo-log.vkey" "$T/e2" "$T/e2.proof"
expect_grep "... and says when the log sequenced the entry" '^sequenced at or after 20[2-9][0-9]-.* \(the log.s clock, entry 1\)$' "$T/out"
expect_ok "... also in JSON" "$ARM" proof verify --json --key "$K/demo-log.vkey" "$T/e2" "$T/e2.proof"
expect_grep "... with the clock leaf's index" '"sequenced":\{"after":"20[2-9][0-9]-[^"]*","clock_index":1,' "$T/out"
# Tampered twin: one character of the extra data changed (canonical base64).
awk '/^extra / { c = substr($0, 30, 1); r = (c == "A") ? "B" : "A"; $0 = substr($0, 1, 29) r substr($0, 31) } { print }' \
	"$T/e2.proof" >"$T/e2.bad"
cmp -s "$T/e2.proof" "$T/e2.bad" && not_ok "the tamper changed nothing" ||
	expect_exit 1 "a receipt whose sequencing time was edited is refused" \
		"$ARM" proof verify --key "$K/demo-log.vkey" "$T/e2" "$T/e2.bad"
