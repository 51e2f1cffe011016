#!/bin/sh
# t4060: the second worked example (examples/korea-1953, the armistice of
# 27 July 1953) builds from its sources with demo.sh and replays to the
# state asserted here commitment by commitment (examples/korea-1953/
# README.md says why each is so): D-day at 22:00, the 72-hour deadline to
# the second and the 10-day one by the end of day 10, the prisoners
# counted on both sides, the late political conference, the 1976 breach
# and the days of calm after it, the DMZ zone (a twin pair of places),
# the MAC as a 2-of-2 arbiter; the unsigned
# draft amendment's --dry-run, and the same draft signed in a scratch copy
# with --at before and after it. Tampered twins: a wrong key, a replayed
# claim, a finding by a party, a draft not signed by every party.
. "$(dirname "$0")/lib.sh"
EX=$TOP/examples/korea-1953
NOW=2026-01-01T00:00:00Z
export ARM

if ! command -v jq >/dev/null; then
	not_ok "jq is needed (scripts/setup.sh installs it)"
	exit 1
fi
K53=$T/keys-1953
mkdir -p "$K53"
cp "$EX"/keys/*.key "$K53"/
chmod 600 "$K53"/*.key

expect_ok "demo.sh builds the 1953 example log" env DEMO_QUIET=1 sh "$EX/demo.sh" "$T/a"
L=$T/a/log
expect_ok "status --json replays it" "$ARM" status "$L" --now "$NOW" --json
cp "$T/out" "$T/state.a"

# ---- commitment by commitment ----
val() { jq -r --arg id "$1" ".commitments[] | select(.id == \$id) | $2" "$T/state.a"; }
status_is() { # id status
	got=$(val "$1" .status)
	[ "$got" = "$2" ] && ok "$1 is $2" || not_ok "$1 is '$got', want $2"
}
status_is ceasefire breached           # the killings in the JSA, 18 August 1976
status_is dmz-no-hostile-acts breached # the same incident, inside the dmz zone
status_is dmz-withdrawal done          # within 72 hours (para. 13a)
status_is rear-withdrawal done         # within 10 days (para. 13b)
status_is no-reinforcement withdrawn   # the UNC on para. 13(d), June 1957
status_is nnsc-teams done              # the NNSC's own task
status_is port-inspections withdrawn   # the teams suspended in the south, June 1956
status_is pow-unc done                 # Operation Big Switch
status_is pow-kpa-cpv done
status_is political-conference done    # Geneva, 1954: late
status_is peaceful-settlement open     # Geneva failed
[ "$(jq '.commitments | length' "$T/state.a")" = 11 ] && ok "11 commitments" ||
	not_ok "$(jq '.commitments | length' "$T/state.a") commitments"
[ "$(jq .entries "$T/state.a")" = 56 ] && ok "56 entries (the agreement, a clock leaf, 54 of the record)" ||
	not_ok "$(jq .entries "$T/state.a") entries"
[ "$(jq -r .schedule.effective "$T/state.a")" = 1953-07-27T13:00:00Z ] &&
	ok "D-day is 22:00 KST on 27 July 1953, twelve hours after the signing" ||
	not_ok "schedule $(jq -c .schedule "$T/state.a")"
[ "$(val nnsc-teams '.owners | join(",")')" = sweden,switzerland,poland,czechoslovakia ] &&
	ok "the NNSC's teams are owned by its four nations (a mission task)" ||
	not_ok "nnsc-teams owners $(val nnsc-teams -c .owners)"

# ---- the deadlines, as the engine defines them (docs/rules.md "Schedules") ----
[ "$(val dmz-withdrawal .due)" = 1953-07-30T13:00:00Z ] && [ "$(val dmz-withdrawal .due_rule)" = D+72h ] &&
	[ "$(val dmz-withdrawal .late)" = false ] &&
	ok "para. 13a: due 72 hours after D-day, to the second (22:00 on 30 July), met" ||
	not_ok "dmz-withdrawal $(val dmz-withdrawal -c '{due, due_rule, late}')"
[ "$(val rear-withdrawal .due)" = 1953-08-06T15:00:00Z ] && [ "$(val rear-withdrawal .due_rule)" = D+10 ] &&
	[ "$(val rear-withdrawal .late)" = false ] &&
	ok "para. 13b: due by the end of day 10 (6 August, KST), met on day 10 itself" ||
	not_ok "rear-withdrawal $(val rear-withdrawal -c '{due, due_rule, late}')"
# Entry i of the log is the source entry numbered i - 1 (entry 0 is the
# agreement, entry 1 the clock leaf): --index 14 stops before the MAC's
# attestations of the DMZ withdrawal (014, 015), --index 28 before those
# of the rear withdrawal (027, 028).
at_index() { # N NOW ID FIELD
	"$ARM" status "$L" --index "$1" --now "$2" --json | jq -r --arg id "$3" ".commitments[] | select(.id == \$id) | $4"
}
[ "$(at_index 14 1953-07-30T21:59:59+09:00 dmz-withdrawal .overdue)" = false ] &&
	[ "$(at_index 14 1953-07-30T22:00:00+09:00 dmz-withdrawal .overdue)" = true ] &&
	ok "... unverified, it would be overdue from 22:00:00 on 30 July, not a second before" ||
	not_ok "dmz-withdrawal overdue boundary"
[ "$(at_index 28 1953-08-06T23:59:59+09:00 rear-withdrawal .overdue)" = false ] &&
	[ "$(at_index 28 1953-08-07T00:00:00+09:00 rear-withdrawal .overdue)" = true ] &&
	ok "... unverified, it would be overdue from the first second of day 11, 7 August" ||
	not_ok "rear-withdrawal overdue boundary"
asof() { "$ARM" status "$L" --at "$1" --json >"$T/asof" && jq -r "$2" "$T/asof"; }
asof_c() { asof "$1" ".commitments[] | select(.id == \"$2\") | $3"; }
[ "$(asof_c 1953-08-06T12:00:00+09:00 rear-withdrawal .status)" = claimed ] &&
	[ "$(asof_c 1953-08-06 rear-withdrawal .status)" = done ] &&
	ok "... claimed at noon on day 10, done by the end of it (a plain --at 1953-08-06)" ||
	not_ok "rear-withdrawal on day 10: $(jq -c '.commitments[] | select(.id == "rear-withdrawal") | .history' "$T/asof")"
[ "$(asof 1953-08-06 .schedule.day)" = 10 ] && ok "... and the end of 6 August is D+10" ||
	not_ok "schedule on 6 August: $(jq -c .schedule "$T/asof")"
expect_ok "status names the day" "$ARM" status "$L" --at 1953-08-06
expect_grep "... in the agreement's zone, with the time of D-day" \
	'in effect since 1953-07-27T22:00:00\+09:00 \(D-day\); now is D\+10$' "$T/out"

# ---- the prisoners, counted on both sides ----
[ "$(val pow-unc .quantity.verified)" = 75823 ] && [ "$(val pow-unc .quantity.reported)" = 75823 ] &&
	[ "$(val pow-unc .quantity.percent)" = 100 ] &&
	ok "the UNC returned 75,823 prisoners, counted by the KPA/CPV side" ||
	not_ok "pow-unc $(val pow-unc -c .quantity)"
[ "$(val pow-kpa-cpv .quantity.verified)" = 12773 ] && [ "$(val pow-kpa-cpv .quantity.reported)" = 12773 ] &&
	ok "the KPA/CPV returned 12,773 (7,862 + 3,597 + 945 + 369), counted by the UNC side" ||
	not_ok "pow-kpa-cpv $(val pow-kpa-cpv -c .quantity)"
[ "$(val pow-unc .due)" = 1953-09-25T15:00:00Z ] && [ "$(val pow-unc .late)" = false ] &&
	ok "... within 60 days: due by the end of 25 September 1953, done on 6 September" ||
	not_ok "pow-unc $(val pow-unc -c '{due, late}')"
[ "$(asof_c 1953-09-06T13:00:00+09:00 pow-unc .quantity.reported)" = 75823 ] &&
	[ "$(jq -r '.commitments[] | select(.id == "pow-unc") | .quantity.verified' "$T/asof")" = 0 ] &&
	[ "$(jq -r '.commitments[] | select(.id == "pow-unc") | .quantity.unverified' "$T/asof")" = 75823 ] &&
	ok "... at 13:00 on 6 September, reported and not yet counted: shown apart" ||
	not_ok "pow-unc at 13:00: $(jq -c '.commitments[] | select(.id == "pow-unc") | .quantity' "$T/asof")"
[ "$(asof_c 1953-08-31 pow-kpa-cpv .status)" = open ] &&
	[ "$(jq -r '.commitments[] | select(.id == "pow-kpa-cpv") | .quantity.reported' "$T/asof")" = 0 ] &&
	ok "... at the end of August, nothing reported yet in the record: open" ||
	not_ok "pow-kpa-cpv in August: $(jq -c '.commitments[] | select(.id == "pow-kpa-cpv") | {status, quantity}' "$T/asof")"
expect_ok "show pow-unc" "$ARM" show "$L" pow-unc --now "$NOW"
expect_grep "... in words" 'quantity +75,823 of 75,823 prisoners \(100 %\), verified by mac-kpa-cpv' "$T/out"

# ---- the political conference: three months, held six months late ----
[ "$(val political-conference .due)" = 1953-10-27T15:00:00Z ] && [ "$(val political-conference .late)" = true ] &&
	ok "para. 60: due by the end of 27 October 1953 (D+92), held at Geneva in April 1954: late" ||
	not_ok "political-conference $(val political-conference -c '{due, late}')"
[ "$(asof_c 1953-12-31 political-conference .overdue)" = true ] &&
	[ "$(asof_c 1953-12-31 peaceful-settlement .status)" = pending ] &&
	ok "... overdue at the end of 1953, the settlement pending on it" || not_ok "end of 1953"

# ---- reversals ----
[ "$(asof_c 1956-06-01 port-inspections .status)" = done ] &&
	[ "$(asof_c 1956-06-10 port-inspections .status)" = withdrawn ] &&
	ok "the inspections at the ports: done until June 1956, then withdrawn" || not_ok "port-inspections 1956"
[ "$(asof_c 1957-06-20 no-reinforcement .status)" = done ] &&
	[ "$(asof_c 1957-06-22 no-reinforcement .status)" = withdrawn ] &&
	ok "para. 13(d): in force until 21 June 1957" || not_ok "no-reinforcement 1957"
[ "$(jq '.reversals | length' "$T/state.a")" = 4 ] && ok "4 reversals" ||
	not_ok "reversals $(jq -c '.reversals' "$T/state.a")"

# ---- the cease-fire: one confirmed violation, and the days of calm ----
[ "$(asof_c 1976-08-18T12:00:00+09:00 ceasefire .status)" = kept ] &&
	[ "$(jq -r .calm.days "$T/asof")" = null ] &&
	ok "kept until 18 August 1976, no confirmed provocation before" || not_ok "ceasefire before 1976"
[ "$(asof_c 1976-08-19T12:00:00+09:00 ceasefire .status)" = kept ] &&
	ok "... a party's own report is no finding: still kept on 19 August at noon" ||
	not_ok "ceasefire on the UNC's report alone: $(jq -c '.commitments[] | select(.id == "ceasefire") | .status' "$T/asof")"
[ "$(asof_c 1976-08-20 ceasefire .status)" = breached ] &&
	[ "$(jq -r '.commitments[] | select(.id == "ceasefire") | .violations.confirmed' "$T/asof")" = 1 ] &&
	ok "... breached once the MAC's UNC side confirmed it: 1 violation" ||
	not_ok "ceasefire after the finding: $(jq -c '.commitments[] | select(.id == "ceasefire") | {status, violations}' "$T/asof")"
[ "$(val dmz-no-hostile-acts .violations.confirmed)" = 1 ] && ok "... inside the DMZ zone too" ||
	not_ok "dmz-no-hostile-acts $(val dmz-no-hostile-acts -c .violations)"
[ "$(asof 1976-12-31 .calm.days)" = 135 ] && [ "$(jq -r .calm.since.type "$T/asof")" = armed-attack ] &&
	ok "135 days without a confirmed provocation at the end of 1976 (18 August to 31 December, exclusive)" ||
	not_ok "calm at the end of 1976: $(jq -c .calm "$T/asof")"

# ---- who decides: the MAC is a 2-of-2 arbiter (a scratch copy) ----
id=$(sha256sum "$EX/agreement.yaml" | cut -c1-64)
e53() { # NAME AUTHOR SEQ TIME KIND LINE...
	n=$1 a=$2 s=$3 t=$4 k=$5
	shift 5
	{
		printf 'armistice/entry/v1\nkind: %s\nagreement: %s\nauthor: %s\nseq: %s\ntime: %s\n' "$k" "$id" "$a" "$s" "$t"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$T/$n.entry"
	"$ARM" sign --key "$K53/$a.key" "$T/$n.entry" >"$T/$n.note"
}
cp -r "$L" "$T/c"
cf() { "$ARM" status "$T/c" --now "$NOW" --json | jq -r '.commitments[] | select(.id == "ceasefire") | .status'; }
e53 f1 mac-kpa-cpv 6 1976-08-20T12:00:00+09:00 finding "incident: unc/15" "verdict: dismissed" "method: investigation"
expect_ok "the KPA/CPV side dismisses the finding" "$ARM" append "$T/c" "$T/f1.note"
[ "$(cf)" = kept ] && ok "... with no MAC verdict the latest finding wins: the breach is withdrawn" ||
	not_ok "ceasefire after the dismissal: $(cf)"
e53 f2 mac-kpa-cpv 7 1976-08-21T12:00:00+09:00 finding "incident: unc/15" "verdict: confirmed" "method: investigation"
expect_ok "the KPA/CPV side confirms it after all" "$ARM" append "$T/c" "$T/f2.note"
e53 f3 sweden 3 1976-08-22T12:00:00+09:00 finding "incident: unc/15" "verdict: dismissed" "method: investigation"
expect_ok "a neutral finder dismisses it later" "$ARM" append "$T/c" "$T/f3.note"
[ "$(cf)" = breached ] && ok "... both sides of the MAC agree: their verdict stands over a later finding" ||
	not_ok "ceasefire after the MAC's verdict: $(cf)"
# Places: the same kind of incident breaches the DMZ obligation only inside
# the dmz zone (test incidents, not part of the record; a twin pair).
place() { # NAME LAT LON: dmz-no-hostile-acts and ceasefire as of 1954
	rm -rf "$T/p"
	cp -r "$L" "$T/p"
	e53 "p-$1" mac-unc 6 1954-01-02T12:00:00+09:00 incident "type: infiltration" \
		"occurred: 1954-01-01T12:00:00+09:00" "lat: $2" "lon: $3" "actor: kpa" "text: Test incident, not part of the record."
	"$ARM" append "$T/p" "$T/p-$1.note" >/dev/null 2>"$T/err" || not_ok "append at $1: $(cat "$T/err")"
	"$ARM" status "$T/p" --at 1954-01-31 --json |
		jq -r '[.commitments[] | select(.id == "dmz-no-hostile-acts" or .id == "ceasefire") | .status] | join(" ")'
}
is_place() { [ "$2" = "$3" ] && ok "$1" || not_ok "$1: got '$2', want '$3'"; }
is_place "an infiltration 1.8 km south of the MDL (38.2 N 127.0 E) breaches both" \
	"$(place dmz 38.2 127)" "breached breached"
is_place "... in Seoul (37.57 N 126.98 E), only the cease-fire: outside the DMZ zone" \
	"$(place seoul 37.57 126.98)" "breached kept"
# The MDL is the agreement's reference line, positive on the north (KPA) side.
[ "$(jq -r '.reference_line.zone + " " + .reference_line.positive + " " + .reference_line.party' "$T/state.a")" = "dmz north kpa" ] &&
	ok "the state names the MDL as its reference line, positive to the north (kpa)" ||
	not_ok "reference_line: $(jq -c .reference_line "$T/state.a")"
jsa=$(jq -r '.incidents[] | select(.type == "armed-attack") | "\(.zones | join(",")) \(.line_km)"' "$T/state.a")
case $jsa in
"dmz,jsa "-0.[0-4]* | "dmz,jsa "0.[0-4]*) ok "the 1976 killings: in the dmz and jsa zones, within 500 m of the MDL ($jsa)" ;;
*) not_ok "the 1976 killings placed at '$jsa'" ;;
esac
place dmz 38.2 127 >/dev/null
km=$("$ARM" status "$T/p" --at 1954-01-31 --json | jq -r '.incidents[] | select(.lat == 38.2) | .line_km')
awk -v k="$km" 'BEGIN { exit !(k < -1.0 && k > -3.0) }' &&
	ok "the test infiltration at 38.2 N 127 E is south of the MDL: $km km (negative)" ||
	not_ok "the test infiltration's distance: '$km'"
e53 f4 unc 16 1976-08-22T12:00:00+09:00 finding "incident: unc/15" "verdict: confirmed" "method: investigation"
expect_exit 3 "a finding by a party (not a finder) is refused" "$ARM" append "$T/c" "$T/f4.note"
expect_grep "... by the rule verifier-only" 'rule verifier-only' "$T/err"

# ---- the draft amendment: signed by no one ----
D=$EX/draft-unc-role.yaml
before=$(sed -n 2p "$L/checkpoint")
expect_ok "amend --dry-run of the draft" "$ARM" amend "$L" --agreement "$D" --time 2026-01-01T00:00:00+09:00 --dry-run
expect_grep "... says it adds the UN Command's new role" '^commitment unc-role added$' "$T/out"
expect_grep "... and changes the title" '^title changed to ' "$T/out"
expect_grep "... and adds the phase it needs" '^phase partnership added$' "$T/out"
[ "$(grep -c . "$T/out")" = 4 ] && ok "... and nothing else (a header and three changes)" ||
	not_ok "dry run: $(cat "$T/out")"
[ "$(sed -n 2p "$L/checkpoint")" = "$before" ] && ok "... and writes nothing" || not_ok "the log grew"
expect_ok "amend --dry-run --json" "$ARM" amend "$L" --agreement "$D" --time 2026-01-01T00:00:00+09:00 --dry-run --json
[ "$(jq -r '.changes | length' "$T/out")" = 3 ] && [ "$(jq -r .agreement "$T/out")" = "$id" ] &&
	ok "... JSON: three changes against the agreement in force" || not_ok "JSON $(cat "$T/out")"

# The same draft, signed in a scratch copy: --at before and after it.
cp -r "$L" "$T/m"
"$ARM" amend "$T/m" --agreement "$D" --time 2026-01-01T00:00:00+09:00 >"$T/am.entry" 2>/dev/null
for p in unc kpa cpv; do "$ARM" sign --key "$K53/$p.key" "$T/am.entry" >"$T/am.$p"; done
expect_exit 1 "combining without the CPV's signature is refused" \
	"$ARM" amend "$T/m" --agreement "$D" --time 2026-01-01T00:00:00+09:00 --combine "$T/am.unc" "$T/am.kpa"
expect_grep "... naming it" 'cpv' "$T/err"
expect_ok "combining the three signatures" \
	"$ARM" amend "$T/m" --agreement "$D" --time 2026-01-01T00:00:00+09:00 --combine "$T/am.unc" "$T/am.kpa" "$T/am.cpv"
cp "$T/out" "$T/am.signed"
expect_ok "append the signed amendment (scratch copy)" "$ARM" append "$T/m" "$T/am.signed"
m_at() { "$ARM" status "$T/m" --at "$1" --json | jq -r "$2"; }
[ "$(m_at 2025-12-31 '.commitments | length')" = 11 ] && [ "$(m_at 2025-12-31 '.amendments | length')" = 0 ] &&
	[ "$(m_at 2025-12-31 '.commitments[] | select(.id == "ceasefire") | .status')" = breached ] &&
	ok "--at before the amendment: the agreement of 1953, as it stood" || not_ok "before the amendment"
[ "$(m_at 2026-01-02 '.commitments | length')" = 12 ] &&
	[ "$(m_at 2026-01-02 '.commitments[] | select(.id == "unc-role") | .status')" = open ] &&
	[ "$(m_at 2026-01-02 '.amendments[0].changes[]' | grep -c '^commitment unc-role added$')" = 1 ] &&
	ok "--at after it: unc-role open, and the state says what the amendment changed" ||
	not_ok "after the amendment: $(m_at 2026-01-02 -c '.amendments')"
[ "$(m_at 2026-01-02 '.commitments[] | select(.id == "pow-unc") | .quantity.verified')" = 75823 ] &&
	ok "... the record carries over" || not_ok "pow-unc after the amendment"

# ---- tampered twins ----
e53 forged unc 16 1976-09-01T12:00:00+09:00 statement "text: Forged."
"$ARM" sign --key "$K53/kpa.key" "$T/forged.entry" >"$T/forged.note"
expect_exit 1 "a unc entry signed with the kpa key is refused" "$ARM" append "$L" "$T/forged.note"
sed "2a\\
agreement: $id" "$EX/entries/038-pow-unc-done.entry" | sed 's/^seq: .*/seq: 16/' >"$T/replay.entry"
"$ARM" sign --key "$K53/unc.key" "$T/replay.entry" >"$T/replay.note"
expect_exit 3 "a correctly signed claim made twice is refused" "$ARM" append "$L" "$T/replay.note"
expect_grep "... naming the rule" 'rule claim-once' "$T/err"
expect_ok "log verify --no-quorum passes on the build" \
	"$ARM" log verify "$L" --key "$EX/keys/log.pub" --no-quorum
"$ARM" status "$L" --now "$NOW" --json >"$T/state.c"
cmp -s "$T/state.a" "$T/state.c" && ok "refused entries changed nothing" ||
	not_ok "the state changed after refusals"

# ---- the demo itself, with its witnesses, and make demo's EXAMPLE ----
expect_ok "the full demo runs (witnesses, serve, the draft's dry run, the audit)" \
	env DEMO_NOW="$NOW" sh "$EX/demo.sh" "$T/d"
expect_grep "... prints the draft's changes" '^   commitment unc-role added$' "$T/out"
expect_grep "... and passes the remote audit" '^   the remote audit passed$' "$T/out"
expect_grep "... with the three witnesses" '3 witness cosignatures meet the quorum' "$T/out"
for s in w-unc w-kpa-cpv w-nnsc serve; do
	grep -q 'signal 15, draining' "$T/d/servers/$s.log" && ok "... $s was stopped" ||
		not_ok "$s did not log its stop: $(tail -n 2 "$T/d/servers/$s.log")"
done
expect_ok "make -n demo" make -s -n -C "$TOP" demo
expect_grep "... is still the 2018 example" 'sh examples/korea-2018/demo.sh$' "$T/out"
expect_ok "make -n demo EXAMPLE=korea-1953" make -s -n -C "$TOP" demo EXAMPLE=korea-1953
expect_grep "... runs this one" 'sh examples/korea-1953/demo.sh$' "$T/out"
