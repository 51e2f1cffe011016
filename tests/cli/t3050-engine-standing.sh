#!/bin/sh
# t3050: standing obligations as ceasefires are monitored (docs/rules.md
# "Standing obligations"): violations counted and listed; a breach
# withdrawn when the finding behind it is overturned; a threshold
# ("breached after N confirmed violations within D days", else "kept, N
# violations"); a duty to protect, breached whoever the perpetrator.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine-lib.sh"

if ! command -v jq >/dev/null; then
	not_ok "jq is needed (scripts/setup.sh installs it)"
	exit 1
fi

mkdir -p "$T/ag"
cp -r "$AG/zones" "$T/ag/"
cp "$AG/pilot.yaml" "$T/ag/plain.yaml"
sed 's/standing: {breached_by: \[gunfire\], zones: \[jsa\]}/standing: {breached_by: [gunfire], zones: [jsa], threshold: {violations: 3, days: 30}}/' \
	"$AG/pilot.yaml" >"$T/ag/threshold.yaml"
{
	sed 's/  - {id: mine-accident, name: Mine accident, provocation: false}/&\n  - {id: killing, name: Killing of an ex-combatant, provocation: false}/' "$AG/pilot.yaml"
	printf '  - id: protect\n    owner: south\n    phase: p1\n    text: Protect the ex-combatants in the south.\n    standing: {breached_by: [killing], protect: true}\n'
	printf '  - id: no-killing\n    owner: south\n    phase: p1\n    text: Its forces kill no ex-combatant.\n    standing: {breached_by: [killing]}\n'
} >"$T/ag/protect.yaml"
grep -q 'threshold' "$T/ag/threshold.yaml" && grep -q 'id: killing' "$T/ag/protect.yaml" &&
	ok "the agreement variants" || not_ok "sed did not write the variants"

# both parties put the ceasefire in force on 1 November 2018
in_force() {
	entry k1 south 1 2018-11-01T00:00:00+09:00 claim "commitment: no-fire"
	entry k2 north 1 2018-11-01T00:00:00+09:00 claim "commitment: no-fire"
	expect_ok "the ceasefire in force" "$ARM" append "$1" "$T/k1.signed" "$T/k2.signed"
}
gunfire() { # NAME SEQ DAY (nnsc reports it: a verifier's report confirms)
	entry "$1" nnsc "$2" "${3}T12:00:00+09:00" incident "type: gunfire" "occurred: ${3}T09:00:00+09:00" "lat: 37.956" "lon: 126.677" "actor: north" "text: shots in the JSA"
}
st() { "$ARM" status "$1" --now 2019-06-01T00:00:00Z --json | jq -r "$2"; }
nofire() { st "$1" ".commitments[] | select(.id==\"no-fire\") | $2"; }

# ---- a breach withdrawn when its finding is overturned ----
L=$T/log
new_log "$L" "$T/ag/plain.yaml"
in_force "$L"
gunfire g1 1 2018-12-01
expect_ok "a confirmed violation" "$ARM" append "$L" "$T/g1.signed"
[ "$(nofire "$L" .status)" = breached ] && [ "$(nofire "$L" .violations.confirmed)" = 1 ] &&
	ok "... breached, 1 violation" || not_ok "no-fire $(nofire "$L" -c)"
entry d1 nnsc 2 2018-12-05T12:00:00+09:00 finding "incident: nnsc/1" "verdict: dismissed" "method: investigation"
expect_ok "the finding overturned" "$ARM" append "$L" "$T/d1.signed"
[ "$(nofire "$L" .status)" = kept ] && ok "... the breach is withdrawn: kept" || not_ok "still $(nofire "$L" .status)"
[ "$(nofire "$L" .violations.confirmed)" = 0 ] && [ "$(nofire "$L" '.violations.list[0].confirmed')" = false ] &&
	ok "... the violation is listed, overturned" || not_ok "violations $(nofire "$L" -c .violations)"
[ "$(nofire "$L" '[.history[].to] | join(",")')" = "kept,breached,kept" ] &&
	ok "... the history keeps both" || not_ok "history $(nofire "$L" '[.history[].to] | join(",")')"
expect_ok "show no-fire" "$ARM" show "$L" no-fire --now 2019-06-01T00:00:00Z
expect_grep "... says it" 'violations 0 confirmed: kept, 0 violations' "$T/out"
expect_grep "... and lists it" 'entry [0-9]+ +2018-12-01  overturned' "$T/out"
entry c1 nnsc 3 2018-12-06T12:00:00+09:00 finding "incident: nnsc/1" "verdict: confirmed" "method: investigation"
expect_ok "confirmed again" "$ARM" append "$L" "$T/c1.signed"
[ "$(nofire "$L" .status)" = breached ] && ok "... breached again" || not_ok "not breached again"

# ---- a threshold: breached after 3 confirmed violations within 30 days ----
L2=$T/log2
new_log "$L2" "$T/ag/threshold.yaml"
in_force "$L2"
gunfire g1 1 2018-12-01
gunfire g2 2 2018-12-10
expect_ok "two violations" "$ARM" append "$L2" "$T/g1.signed" "$T/g2.signed"
[ "$(nofire "$L2" .status)" = kept ] && [ "$(nofire "$L2" .violations.confirmed)" = 2 ] &&
	ok "... kept, 2 violations" || not_ok "no-fire $(nofire "$L2" -c)"
expect_ok "show no-fire" "$ARM" show "$L2" no-fire --now 2019-06-01T00:00:00Z
expect_grep "... kept, 2 violations" 'violations 2 confirmed \(breached at 3 within 30 days\): kept, 2 violations' "$T/out"
cp -r "$L2" "$T/log3"
gunfire g3 3 2018-12-30
expect_ok "a third within 30 days (day 29)" "$ARM" append "$L2" "$T/g3.signed"
[ "$(nofire "$L2" .status)" = breached ] && ok "... breached" || not_ok "not breached at 3 in 30 days"
gunfire g4 3 2019-01-15
expect_ok "a third, but 45 days after the first" "$ARM" append "$T/log3" "$T/g4.signed"
[ "$(nofire "$T/log3" .status)" = kept ] && [ "$(nofire "$T/log3" .violations.confirmed)" = 3 ] &&
	ok "... kept, 3 violations: never 3 within 30 days" || not_ok "no-fire $(nofire "$T/log3" -c)"

# ---- a duty to protect: breached whoever the perpetrator ----
L4=$T/log4
new_log "$L4" "$T/ag/protect.yaml"
entry p1 south 1 2018-11-01T00:00:00+09:00 claim "commitment: protect"
entry p2 south 2 2018-11-01T00:00:00+09:00 claim "commitment: no-killing"
entry x1 nnsc 1 2018-12-01T12:00:00+09:00 incident "type: killing" "occurred: 2018-12-01T09:00:00+09:00" "actor: press" "text: an ex-combatant killed by a gang"
expect_ok "a killing by someone else" "$ARM" append "$L4" "$T/p1.signed" "$T/p2.signed" "$T/x1.signed"
[ "$(st "$L4" '.commitments[] | select(.id=="protect") | .status')" = breached ] &&
	ok "... breaches the duty to protect" || not_ok "protect not breached"
[ "$(st "$L4" '.commitments[] | select(.id=="no-killing") | .status')" = kept ] &&
	ok "... not the south's own obligation (its forces were not alleged)" || not_ok "no-killing breached"
entry x2 nnsc 2 2018-12-02T12:00:00+09:00 incident "type: killing" "occurred: 2018-12-02T09:00:00+09:00" "text: perpetrator unknown"
expect_ok "a killing with no perpetrator named" "$ARM" append "$L4" "$T/x2.signed"
[ "$(st "$L4" '.commitments[] | select(.id=="protect") | .violations.confirmed')" = 2 ] &&
	ok "... counted against the duty to protect too" || not_ok "protect violations"

# ---- refusals ----
sed 's/threshold: {violations: 3, days: 30}/threshold: {violations: 0, days: 30}/' "$T/ag/threshold.yaml" >"$T/ag/bad1.yaml"
expect_exit 3 "a threshold of 0 violations" "$ARM" sign --key "$K/demo-south.key" --agreement "$T/ag/bad1.yaml"
expect_grep "... threshold-invalid at its place" 'bad1.yaml:[0-9]+:[0-9]+: threshold-invalid' "$T/err"
sed 's/threshold: {violations: 3, days: 30}/threshold: {violations: 3}/' "$T/ag/threshold.yaml" >"$T/ag/bad2.yaml"
expect_exit 3 "a threshold without days" "$ARM" sign --key "$K/demo-south.key" --agreement "$T/ag/bad2.yaml"
expect_grep "... missing-key" 'bad2.yaml:[0-9]+:[0-9]+: missing-key' "$T/err"
sed 's/protect: true/protect: yes/' "$T/ag/protect.yaml" >"$T/ag/bad3.yaml"
expect_exit 3 "protect: yes" "$ARM" sign --key "$K/demo-south.key" --agreement "$T/ag/bad3.yaml"
expect_grep "... bad-value" 'bad3.yaml:[0-9]+:[0-9]+: bad-value' "$T/err"
