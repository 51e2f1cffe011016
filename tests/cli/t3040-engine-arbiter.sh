#!/bin/sh
# t3040: who may own, who decides (docs/rules.md "Who decides"): a mission's
# own task owned by a verifier; findings.by says whose findings confirm an
# incident (others refused, and their reports do not count); an arbiter
# whose finding settles an incident the parties' findings dispute, and
# whose attestation settles a disputed claim; the same log without an
# arbiter keeps "the latest finding wins" and the dispute.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine-lib.sh"

if ! command -v jq >/dev/null; then
	not_ok "jq is needed (scripts/setup.sh installs it)"
	exit 1
fi

mkdir -p "$T/ag"
cp -r "$AG/zones" "$T/ag/"
{
	cat "$AG/pilot.yaml"
	printf '  - id: liaison-office\n    owner: nnsc\n    phase: p1\n    text: The commission opens a liaison office (a mission task).\n    verify: none\n'
	printf 'findings: {by: [south, north]}\n'
	printf 'arbiter: nnsc\n'
} >"$T/ag/arb.yaml"
{
	cat "$AG/pilot.yaml"
	printf '  - id: liaison-office\n    owner: nnsc\n    phase: p1\n    text: The commission opens a liaison office (a mission task).\n    verify: none\n'
	printf 'findings: {by: [south, north]}\n'
} >"$T/ag/noarb.yaml"

run() { # DIR YAML
	new_log "$1" "$2"
	entry t1 nnsc 1 2018-10-01T10:00:00+09:00 claim "commitment: liaison-office"
	entry i1 press 1 2018-10-02T10:00:00+09:00 incident "type: gunfire" "occurred: 2018-10-02T09:00:00+09:00" "lat: 37.9558" "lon: 126.6775" "actor: north" "text: shots near the JSA"
	expect_ok "$(basename "$2"): a verifier's mission task, a monitor's incident report" "$ARM" append "$1" "$T/t1.signed" "$T/i1.signed"
	jq_at() { "$ARM" status "$1" --now 2019-01-01T00:00:00Z --json | jq -r "$2"; }
	[ "$(jq_at "$1" '.commitments[] | select(.id=="liaison-office") | .status')" = done ] &&
		ok "... the mission task is done" || not_ok "liaison-office not done"
	[ "$(jq_at "$1" '.incidents[0].confirmed')" = false ] &&
		ok "... a monitor's report alone confirms nothing" || not_ok "report confirmed"
	entry f1 south 1 2018-10-03T10:00:00+09:00 finding "incident: press/1" "verdict: confirmed" "method: on-site"
	expect_ok "... south's finding: confirmed" "$ARM" append "$1" "$T/f1.signed"
	[ "$(jq_at "$1" '.incidents[0].confirmed')" = true ] && ok "... confirmed" || not_ok "not confirmed"
	entry f2 north 1 2018-10-04T10:00:00+09:00 finding "incident: press/1" "verdict: dismissed" "method: on-site"
	expect_ok "... north's finding: dismissed" "$ARM" append "$1" "$T/f2.signed"
	[ "$(jq_at "$1" '.incidents[0].dismissed')" = true ] && ok "... the latest finding wins: dismissed" ||
		not_ok "not dismissed"
	entry f3 press 2 2018-10-05T10:00:00+09:00 finding "incident: press/1" "verdict: confirmed" "method: media"
	refused "a finding by an actor not in findings.by" verifier-only "$1" "$T/f3.signed"
}

run "$T/log" "$T/ag/arb.yaml"
L=$T/log
entry a1 nnsc 2 2018-10-06T10:00:00+09:00 finding "incident: press/1" "verdict: confirmed" "method: investigation"
expect_ok "the arbiter's finding" "$ARM" append "$L" "$T/a1.signed"
[ "$("$ARM" status "$L" --json | jq -r '.incidents[0].confirmed')" = true ] && ok "... settles it: confirmed" ||
	not_ok "arbiter did not settle"
entry f4 north 2 2018-10-07T10:00:00+09:00 finding "incident: press/1" "verdict: dismissed" "method: on-site"
expect_ok "a party's later dismissal" "$ARM" append "$L" "$T/f4.signed"
[ "$("$ARM" status "$L" --json | jq -r '.incidents[0].confirmed')" = true ] &&
	ok "... does not overturn the arbiter's finding" || not_ok "the last word won over the arbiter"

# a disputed claim: north refutes, the arbiter verifies
entry c1 south 2 2018-11-30T12:00:00+09:00 claim "commitment: gp-south"
entry r1 north 3 2018-12-01T12:00:00+09:00 attest "commitment: gp-south" "verdict: refuted" "method: on-site" "reason: posts still manned"
expect_ok "a claim and a party's refutation" "$ARM" append "$L" "$T/c1.signed" "$T/r1.signed"
[ "$("$ARM" status "$L" --json | jq -r '.commitments[] | select(.id=="gp-south") | .status')" = disputed ] &&
	ok "... disputed" || not_ok "not disputed"
entry v1 nnsc 3 2018-12-12T17:00:00+09:00 attest "commitment: gp-south" "verdict: verified" "method: trilateral"
expect_ok "the arbiter verifies" "$ARM" append "$L" "$T/v1.signed"
[ "$("$ARM" status "$L" --json | jq -r '.commitments[] | select(.id=="gp-south") | .status')" = held ] &&
	ok "... the dispute is settled: verified, held for its together partner" ||
	not_ok "gp-south $("$ARM" status "$L" --json | jq -c '.commitments[] | select(.id=="gp-south") | {status,refutations}')"

# the twin without an arbiter: nnsc is not a finder there (findings.by), the refutation stands
run "$T/log2" "$T/ag/noarb.yaml"
L2=$T/log2
entry a1 nnsc 2 2018-10-06T10:00:00+09:00 finding "incident: press/1" "verdict: confirmed" "method: investigation"
refused "without an arbiter, a verifier outside findings.by" verifier-only "$L2" "$T/a1.signed"
entry c1 south 2 2018-11-30T12:00:00+09:00 claim "commitment: gp-south"
entry r1 north 2 2018-12-01T12:00:00+09:00 attest "commitment: gp-south" "verdict: refuted" "method: on-site" "reason: posts still manned"
entry v1 nnsc 2 2018-12-12T17:00:00+09:00 attest "commitment: gp-south" "verdict: verified" "method: trilateral"
expect_ok "the same dispute without an arbiter" "$ARM" append "$L2" "$T/c1.signed" "$T/r1.signed" "$T/v1.signed"
[ "$("$ARM" status "$L2" --json | jq -r '.commitments[] | select(.id=="gp-south") | .status')" = disputed ] &&
	ok "... stays disputed" || not_ok "settled without an arbiter"

# refusals at file:line:col
printf 'arbiter: {by: [nnsc], quorum: 2}\n' | cat "$AG/pilot.yaml" - >"$T/ag/bad1.yaml"
expect_exit 3 "an arbiter quorum larger than its members" "$ARM" sign --key "$K/demo-south.key" --agreement "$T/ag/bad1.yaml"
expect_grep "... quorum-too-large at its place" 'bad1.yaml:[0-9]+:[0-9]+: quorum-too-large' "$T/err"
printf 'arbiter: unc\n' | cat "$AG/pilot.yaml" - >"$T/ag/bad2.yaml"
expect_exit 3 "an arbiter that is no actor" "$ARM" sign --key "$K/demo-south.key" --agreement "$T/ag/bad2.yaml"
expect_grep "... unknown-id" 'bad2.yaml:[0-9]+:[0-9]+: unknown-id' "$T/err"
printf 'findings: {by: []}\n' | cat "$AG/pilot.yaml" - >"$T/ag/bad3.yaml"
expect_exit 3 "findings by nobody" "$ARM" sign --key "$K/demo-south.key" --agreement "$T/ag/bad3.yaml"
expect_grep "... missing-key" 'bad3.yaml:[0-9]+:[0-9]+: missing-key' "$T/err"
