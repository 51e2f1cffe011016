#!/bin/sh
# t3060: quantities and tranches (docs/rules.md "Quantities and tranches"):
# a commitment with a target (7,132 weapons), progress by its owner
# (reported) and by its verifier (verified) that accumulates, tranche
# commitments done when the verified amount reaches 30 % and 60 %; show
# says "N of M weapons (P %), verified by ..."; a progress entry in
# another unit and malformed quantities are refused.
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
	printf '  - id: weapons\n    owner: north\n    phase: p2\n    text: Lay down the weapons.\n    quantity: {target: 7132, unit: weapons}\n    verify: {by: [nnsc], quorum: 1}\n'
	printf '  - id: weapons-30\n    owner: north\n    phase: p2\n    text: 30 %% of the weapons.\n    tranche: {of: weapons, percent: 30}\n'
	printf '  - id: weapons-60\n    owner: north\n    phase: p2\n    text: 60 %% of the weapons.\n    tranche: {of: weapons, percent: 60}\n'
} >"$T/ag/q.yaml"
L=$T/log
new_log "$L" "$T/ag/q.yaml"
q() { "$ARM" status "$L" --now 2019-06-01T00:00:00Z --json | jq -r "$1"; }
cs() { q ".commitments[] | select(.id==\"$1\") | $2"; }

entry r1 north 1 2018-12-01T12:00:00+09:00 progress "commitment: weapons" "quantity: weapons" "value: 2500" "unit: weapons"
entry v1 nnsc 1 2018-12-02T12:00:00+09:00 progress "commitment: weapons" "quantity: weapons" "value: 2139" "unit: weapons"
expect_ok "2,500 reported, 2,139 verified" "$ARM" append "$L" "$T/r1.signed" "$T/v1.signed"
[ "$(cs weapons .quantity.reported)" = 2500 ] && [ "$(cs weapons .quantity.verified)" = 2139 ] &&
	[ "$(cs weapons .quantity.unverified)" = 361 ] && ok "... reported, verified and unverified apart" ||
	not_ok "quantity $(cs weapons -c .quantity)"
[ "$(cs weapons-30 .status)" = open ] && ok "... 2,139 < 30 % of 7,132 (2,139.6, rounded up to 2,140): open" ||
	not_ok "weapons-30 $(cs weapons-30 .status)"
entry v2 nnsc 2 2018-12-03T12:00:00+09:00 progress "commitment: weapons" "quantity: weapons" "value: 1" "unit: weapons"
expect_ok "one more verified" "$ARM" append "$L" "$T/v2.signed"
[ "$(cs weapons-30 .status)" = done ] && [ "$(cs weapons-30 .effective)" = 2018-12-03T03:00:00Z ] &&
	ok "... 2,140 verified: the 30 % tranche is done, when it was verified" || not_ok "weapons-30 $(cs weapons-30 -c '{status,effective}')"
[ "$(cs weapons-60 .status)" = open ] && ok "... the 60 % tranche is not" || not_ok "weapons-60 $(cs weapons-60 .status)"
entry r2 north 2 2019-01-10T12:00:00+09:00 progress "commitment: weapons" "quantity: weapons" "value: 1780" "unit: weapons"
entry v3 nnsc 3 2019-01-12T12:00:00+09:00 progress "commitment: weapons" "quantity: weapons" "value: 2140" "unit: weapons"
expect_ok "more reported and verified" "$ARM" append "$L" "$T/r2.signed" "$T/v3.signed"
[ "$(cs weapons .quantity.verified)" = 4280 ] && [ "$(cs weapons .quantity.percent)" = 60 ] &&
	[ "$(cs weapons-60 .status)" = done ] && ok "... 4,280 of 7,132 verified (60 %): the 60 % tranche is done" ||
	not_ok "60 % $(cs weapons -c .quantity) $(cs weapons-60 .status)"
expect_ok "show weapons" "$ARM" show "$L" weapons --now 2019-06-01T00:00:00Z
expect_grep "... in words" 'quantity +4,280 of 7,132 weapons \(60 %\), verified by nnsc' "$T/out"
expect_ok "show a tranche" "$ARM" show "$L" weapons-60 --now 2019-06-01T00:00:00Z
expect_grep "... names what it counts" 'tranche +60 % of weapons, verified' "$T/out"

# refusals
entry b1 north 3 2019-01-13T12:00:00+09:00 progress "commitment: weapons" "quantity: weapons" "value: 5" "unit: rifles"
refused "progress in another unit" progress-unit "$L" "$T/b1.signed"
sed 's/percent: 60}/percent: 160}/' "$T/ag/q.yaml" >"$T/ag/bad1.yaml"
expect_exit 3 "a tranche of 160 %" "$ARM" sign --key "$K/demo-south.key" --agreement "$T/ag/bad1.yaml"
expect_grep "... tranche-invalid at its place" 'bad1.yaml:[0-9]+:[0-9]+: tranche-invalid' "$T/err"
sed 's/tranche: {of: weapons, percent: 30}/tranche: {of: remains, percent: 30}/' "$T/ag/q.yaml" >"$T/ag/bad2.yaml"
expect_exit 3 "a tranche of a commitment without a quantity" "$ARM" sign --key "$K/demo-south.key" --agreement "$T/ag/bad2.yaml"
expect_grep "... tranche-invalid" 'bad2.yaml:[0-9]+:[0-9]+: tranche-invalid' "$T/err"
sed 's/target: 7132/target: 0/' "$T/ag/q.yaml" >"$T/ag/bad3.yaml"
expect_exit 3 "a target of 0" "$ARM" sign --key "$K/demo-south.key" --agreement "$T/ag/bad3.yaml"
expect_grep "... quantity-invalid" 'bad3.yaml:[0-9]+:[0-9]+: quantity-invalid' "$T/err"
