#!/bin/sh
# t3030: schedules (docs/rules.md "Schedules"): an agreement's effective
# moment (D-day), "by D+90" met by the end of day 90 in the agreement's
# zone, "D+72h" to the second, relative deadlines by the end of day N;
# status/show/state JSON say so; malformed schedules refused at
# file:line:col by init.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine-lib.sh"

if ! command -v jq >/dev/null; then
	not_ok "jq is needed (scripts/setup.sh installs it)"
	exit 1
fi

mkdir -p "$T/ag"
cp -r "$AG/zones" "$T/ag/"
# D-day 19 September 2018 (KST); gp-south by D+90, gp-north within 72 hours
sed -e 's/^counting: {inclusive: false}$/counting: {inclusive: false}\neffective: "2018-09-19"/' \
	-e '0,/due: 2018-12-31/s//due: D+90/' -e '0,/due: 2018-12-31/s//due: D+72h/' \
	"$AG/pilot.yaml" >"$T/ag/pilot.yaml"
grep -q 'due: D+72h' "$T/ag/pilot.yaml" && ok "the scheduled agreement" || not_ok "sed did not write the schedule"
L=$T/log
new_log "$L" "$T/ag/pilot.yaml"

expect_ok "show gp-south" "$ARM" show "$L" gp-south --at 2018-10-01
expect_grep "... by the end of day 90, 18 December" 'due +2018-12-18, by the end of the day \(D\+90\)' "$T/out"
expect_ok "show gp-north" "$ARM" show "$L" gp-north --at 2018-10-01
expect_grep "... 72 hours after D-day, to the second" 'due +2018-09-22T00:00:00\+09:00 \(D\+72h\)' "$T/out"
expect_ok "status names the day" "$ARM" status "$L" --at 2018-12-18
expect_grep "... D+90 on 18 December" 'in effect since 2018-09-19T00:00:00\+09:00 \(D-day\); now is D\+90$' "$T/out"

st() { "$ARM" status "$L" --at "$1" --json >"$T/s.json" && jq -r "$2" "$T/s.json"; }
[ "$(st 2018-12-18 '.commitments[] | select(.id=="gp-south") | .overdue')" = false ] &&
	ok "not overdue at the end of day 90 (2018-12-18)" || not_ok "overdue on day 90"
[ "$(st 2018-12-19T00:00:00+09:00 '.commitments[] | select(.id=="gp-south") | .overdue')" = true ] &&
	ok "overdue from the first second of day 91" || not_ok "not overdue on day 91"
[ "$(jq -r '.commitments[] | select(.id=="gp-south") | .due_rule' "$T/s.json")" = D+90 ] &&
	ok "state JSON: due_rule D+90" || not_ok "due_rule $(jq -c '.commitments[0].due_rule' "$T/s.json")"
[ "$(jq -r '.schedule.effective' "$T/s.json")" = 2018-09-18T15:00:00Z ] && [ "$(jq -r .schedule.day "$T/s.json")" = 91 ] &&
	ok "state JSON: schedule {effective, day 91}" || not_ok "schedule $(jq -c .schedule "$T/s.json")"
[ "$(st 2018-09-21T23:59:59+09:00 '.commitments[] | select(.id=="gp-north") | .overdue')" = false ] &&
	[ "$(st 2018-09-22T00:00:00+09:00 '.commitments[] | select(.id=="gp-north") | .overdue')" = true ] &&
	ok "D+72h: overdue 72 hours after D-day, to the second" || not_ok "D+72h boundary"

# relative: jsa-demilitarize 20 days after gp-north took effect, by the end of day 20
entry c1 south 1 2018-11-30T12:00:00+09:00 claim "commitment: gp-south"
entry c2 north 1 2018-11-30T12:00:00+09:00 claim "commitment: gp-north"
entry v1 nnsc 1 2018-12-12T00:00:00+09:00 attest "commitment: gp-south" "verdict: verified" "method: on-site"
entry v2 north 2 2018-12-12T00:00:00+09:00 attest "commitment: gp-south" "verdict: verified" "method: mutual"
entry v3 nnsc 2 2018-12-12T00:00:00+09:00 attest "commitment: gp-north" "verdict: verified" "method: on-site"
entry v4 south 2 2018-12-12T00:00:00+09:00 attest "commitment: gp-north" "verdict: verified" "method: mutual"
expect_ok "the withdrawal, verified at 00:00 KST on 12 December" "$ARM" append "$L" \
	"$T/c1.signed" "$T/c2.signed" "$T/v1.signed" "$T/v2.signed" "$T/v3.signed" "$T/v4.signed"
[ "$(st 2019-01-01 '.commitments[] | select(.id=="jsa-demilitarize") | .due')" = 2019-01-01T15:00:00Z ] &&
	ok "20 days after: due by the end of 1 January 2019 KST, not its first second" ||
	not_ok "relative due $(jq -c '.commitments[] | select(.id=="jsa-demilitarize") | .due' "$T/s.json")"
expect_ok "show jsa-demilitarize" "$ARM" show "$L" jsa-demilitarize --at 2018-12-20
expect_grep "... printed as day 20 itself" 'due +2019-01-01, by the end of the day \(20 days after gp-north\)' "$T/out"

# refused at file:line:col, with the rule's name
sed 's/^counting: {inclusive: false}$/counting: {inclusive: false}\neffective: "2018-09-31"/' \
	"$AG/pilot.yaml" >"$T/ag/bad1.yaml"
expect_exit 3 "effective: a day that does not exist" "$ARM" sign --key "$K/demo-south.key" --agreement "$T/ag/bad1.yaml"
expect_grep "... effective-invalid at its place" 'bad1.yaml:8:13: effective-invalid' "$T/err"
sed '0,/due: 2018-12-31/s//due: D+90/' "$AG/pilot.yaml" >"$T/ag/bad2.yaml"
expect_exit 3 "D+90 without an effective moment" "$ARM" sign --key "$K/demo-south.key" --agreement "$T/ag/bad2.yaml"
expect_grep "... due-dday at its place" 'bad2.yaml:[0-9]+:[0-9]+: due-dday' "$T/err"
