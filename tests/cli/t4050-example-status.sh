#!/bin/sh
# t4050: the worked example (examples/korea-2018) builds from its sources
# with demo.sh and replays to the state asserted here commitment by
# commitment; two builds give byte-identical state JSON; tampered twins
# (a changed entry byte, an entry signed by the wrong party, a changed
# source entry) are refused.
. "$(dirname "$0")/lib.sh"
EX=$TOP/examples/korea-2018
NOW=2026-01-01T00:00:00Z
export ARM

if ! command -v jq >/dev/null; then
	not_ok "jq is needed (scripts/setup.sh installs it)"
	exit 1
fi

expect_ok "demo.sh builds the example log" env DEMO_QUIET=1 sh "$EX/demo.sh" "$T/a"
L=$T/a/log
expect_ok "status --json replays it" "$ARM" status "$L" --now "$NOW" --json
cp "$T/out" "$T/state.a"

# ---- commitment by commitment (docs/example.md says why each is so) ----
status_is() { # id status
	got=$(jq -r --arg id "$1" '.commitments[] | select(.id == $id) | .status' "$T/state.a")
	[ "$got" = "$2" ] && ok "$1 is $2" || not_ok "$1 is '$got', want $2"
}
status_is test-moratorium breached            # the 2022 ICBM launch (recalled)
status_is punggye-ri claimed                  # media only: no expert ever verified it
status_is loudspeakers done
status_is family-reunions done
status_is liaison-office withdrawn            # blown up, 16 June 2020
status_is rail-road withdrawn                 # road links blown up, 15 October 2024
status_is cma-ground withdrawn                # breached 2020, then the North left the CMA
status_is cma-sea withdrawn
status_is cma-air withdrawn                   # the ROK suspended the no-fly clause first
status_is jsa-demining done
status_is jsa-demilitarization withdrawn      # guards re-armed, November 2023
status_is jsa-free-movement pending
status_is gp-pilot withdrawn                  # guard posts restored, November 2023
status_is gp-all pending
status_is arrowhead-road done
status_is arrowhead-excavation open           # the joint excavation never happened
status_is han-estuary done
status_is joint-military-committee open       # agreed, never convened
status_is remains-repatriation done           # forensic review by DPAA
status_is exercise-suspension withdrawn       # was held on the Sohae stand
status_is sohae-stand open                    # imagery only; the experts never came
status_is security-guarantees open
status_is end-of-war open
status_is unc-role pending
status_is joint-search-rescue pending
status_is joint-training pending
status_is joint-counterterrorism pending
status_is joint-demining pending
status_is joint-peacekeeping pending
status_is us-corresponding-measures open
status_is yongbyon pending                    # waits on US corresponding measures
status_is nuclear-declaration open
status_is denuclearization pending
status_is sanctions-relief pending
status_is normalization pending
status_is peace-treaty pending
[ "$(jq '.commitments | length' "$T/state.a")" = 36 ] && ok "36 commitments" ||
	not_ok "$(jq '.commitments | length' "$T/state.a") commitments"
[ "$(jq .entries "$T/state.a")" = 356 ] && ok "356 entries (1 + 275 + 78 and two clock leaves)" ||
	not_ok "$(jq .entries "$T/state.a") entries"

val() { jq -r --arg id "$1" ".commitments[] | select(.id == \$id) | $2" "$T/state.a"; }
[ "$(val end-of-war .overdue)" = true ] && ok "the end-of-war declaration is overdue" ||
	not_ok "end-of-war overdue: $(val end-of-war .overdue)"
[ "$(val punggye-ri .strength)" = 1 ] && ok "Punggye-ri scores 1 (media)" ||
	not_ok "punggye-ri strength $(val punggye-ri .strength)"
[ "$(val gp-pilot .strength)" = 3 ] && ok "the guard-post pilot scored 3 (mutual)" ||
	not_ok "gp-pilot strength $(val gp-pilot .strength)"
[ "$(val jsa-demining .late)" = true ] && ok "JSA demining took effect after its due day" ||
	not_ok "jsa-demining late: $(val jsa-demining .late)"
[ "$(jq '.calm.since.type' "$T/state.a")" = '"demolition"' ] &&
	ok "the last confirmed provocation is the 2024 road demolition" ||
	not_ok "calm since $(jq -c .calm.since "$T/state.a")"

# ---- as of a past moment ----
asof() { "$ARM" status "$L" --at "$1" --json >"$T/asof" && jq -r "$2" "$T/asof"; }
[ "$(asof 2018-07-21T12:00:00+09:00 .calm.days)" = 234 ] &&
	ok "234 days without a provocation on 21 July 2018 (235 counted inclusively)" ||
	not_ok "calm on 2018-07-21: $(jq -c .calm "$T/asof")"
[ "$(asof 2018-07-21 .calm.days)" = 234 ] &&
	ok "a plain --at 2018-07-21 (the end of that day in Korea) also gives 234 days" ||
	not_ok "calm on the date 2018-07-21: $(jq -c .calm "$T/asof")"
[ "$(asof 2019-05-03T12:00:00+09:00 .calm.days)" = 520 ] &&
	ok "520 days on 3 May 2019: the launches of 4 May ended a 521-day calm" ||
	not_ok "calm on 2019-05-03: $(jq -c .calm "$T/asof")"
[ "$(asof 2018-12-31T00:00:00+09:00 '.commitments[] | select(.id == "exercise-suspension") | .status')" = held ] &&
	ok "end of 2018: the exercise suspension is held, waiting for the Sohae stand" ||
	not_ok "exercise-suspension at end of 2018: $(jq -c '.commitments[] | select(.id == "exercise-suspension") | .status' "$T/asof")"
[ "$(asof 2018-12-31T00:00:00+09:00 '.commitments[] | select(.id == "gp-pilot") | .status')" = done ] &&
	ok "end of 2018: the guard-post pilot is done" || not_ok "gp-pilot at end of 2018"
[ "$(asof 2018-12-31T00:00:00+09:00 '.commitments[] | select(.id == "cma-sea") | .status')" = kept ] &&
	ok "end of 2018: the maritime buffer zones are kept" || not_ok "cma-sea at end of 2018"
[ "$(asof 2020-01-01T00:00:00+09:00 '.commitments[] | select(.id == "cma-sea") | .status')" = breached ] &&
	ok "2020: Changrin (23 Nov 2019, inside the West Sea zone) breached them" ||
	not_ok "cma-sea in 2020: $(jq -c '.commitments[] | select(.id == "cma-sea") | .history' "$T/asof")"

# ---- determinism: a second build gives the same state, byte for byte ----
expect_ok "a second build" env DEMO_QUIET=1 sh "$EX/demo.sh" "$T/b"
"$ARM" status "$T/b/log" --now "$NOW" --json >"$T/state.b"
# Each build has its own log clock (when it sequenced), so the state is
# the same but for the log's times, and the trees differ in the clock
# leaves alone.
noclock='del(.clock) | walk(if type == "object" then del(.logged) else . end)'
jq -S "$noclock" "$T/state.a" >"$T/state.a.nc" && jq -S "$noclock" "$T/state.b" >"$T/state.b.nc" &&
	cmp -s "$T/state.a.nc" "$T/state.b.nc" && ok "two builds give the same state but for the log clock" ||
	not_ok "state JSON differs between builds"
[ "$(jq -r .clock.leaves "$T/state.a")" = 2 ] && [ "$(jq -r .clock.backdated "$T/state.a")" = 353 ] &&
	ok "... two clock leaves; the 353 entries of 1958-2024 are flagged backdated" ||
	not_ok "clock: $(jq -c .clock "$T/state.a")"
i=1
same=0
while [ $i -lt 356 ]; do
	"$ARM" log get "$L" $i >"$T/ea" 2>/dev/null
	"$ARM" log get "$T/b/log" $i >"$T/eb" 2>/dev/null
	if cmp -s "$T/ea" "$T/eb"; then
		same=$((same + 1))
	elif ! head -n 1 "$T/ea" | grep -q '^armistice/clock/v1$'; then
		break
	fi
	i=$((i + 1))
done
[ $i -eq 356 ] && [ $same -ge 351 ] && ok "... and the same entries, but for the clock leaves ($same of 355)" ||
	not_ok "entry $i differs between builds"

# ---- tampered twins ----
# A build-only log (DEMO_QUIET) was never shown to a witness: its tree
# verifies, its quorum is reported and not met (t5110 runs the whole demo,
# which publishes through the witnesses).
expect_exit 1 "log verify of the unpublished build fails on the witness quorum" \
	"$ARM" log verify "$L" --key "$EX/keys/log.pub"
expect_grep "... and says so" 'witness quorum: 0 of 4 cosigned: NOT MET' "$T/out"
expect_ok "log verify --no-quorum passes on the build" \
	"$ARM" log verify "$L" --key "$EX/keys/log.pub" --no-quorum
b=$T/b/log/tile/entries/001.p/100
if [ -f "$b" ] && grep -q 'gp-pilot' "$b"; then
	sed 's/gp-pilot/gp-pilOt/' "$b" >"$T/bundle" && cat "$T/bundle" >"$b"
	expect_exit 1 "log verify refuses a changed entry byte" \
		"$ARM" log verify "$T/b/log" --key "$EX/keys/log.pub" --no-quorum
	if "$ARM" status "$T/b/log" --now "$NOW" --json >"$T/x" 2>&1 &&
		cmp -s "$T/x" "$T/state.a"; then
		not_ok "status of the tampered log matches the original"
	else
		ok "status of the tampered log does not pass as the original"
	fi
else
	not_ok "no bundle holding gp-pilot at $b"
fi

# An entry of the record signed by the wrong party is refused by append.
id=$(sha256sum "$EX/agreement.yaml" | cut -c1-64)
sed "2a\\
agreement: $id" "$EX/entries/002-loudspeakers-rok.entry" | sed 's/^seq: .*/seq: 29/' >"$T/forged"
"$ARM" sign --key "$EX_KEYS/dprk.key" "$T/forged" >"$T/forged.note"
expect_exit 1 "a rok entry signed with the dprk key is refused" "$ARM" append "$L" "$T/forged.note"
"$ARM" sign --key "$EX_KEYS/rok.key" "$T/forged" >"$T/replay.note"
expect_exit 3 "a correctly signed claim made twice is refused by the rules" \
	"$ARM" append "$L" "$T/replay.note"
expect_grep "... naming the rule" 'rule claim-once' "$T/err"
# ---- places through the engine: the same incident breaches a zone-limited
# commitment only where it falls inside the zone (a twin pair per zone) ----
inc() { # seq lat lon
	printf '%s\n' "armistice/entry/v1" "kind: incident" "agreement: $id" "author: unc" \
		"seq: $1" "time: 2019-06-02T09:00:00+09:00" "type: artillery-fire" \
		"occurred: 2019-06-01T00:00:00+09:00" "lat: $2" "lon: $3" "actor: dprk" \
		"text: Test incident for the zone check, not part of the record."
}
at_june() { # log id
	"$ARM" status "$1" --at 2019-07-01T00:00:00+09:00 --json |
		jq -r --arg id "$2" '.commitments[] | select(.id == $id) | .status'
}
place_case() { # name lat lon commitment want
	rm -rf "$T/p"
	cp -r "$L" "$T/p"
	inc 5 "$2" "$3" >"$T/p.entry"
	"$ARM" sign --key "$EX_KEYS/unc.key" "$T/p.entry" >"$T/p.note" &&
		"$ARM" append "$T/p" "$T/p.note" >/dev/null 2>"$T/err" ||
		not_ok "append the $1 incident: $(cat "$T/err")"
	got=$(at_june "$T/p" "$4")
	[ "$got" = "$5" ] && ok "artillery at $1: $4 is $5 on 1 July 2019" ||
		not_ok "artillery at $1: $4 is '$got', want $5"
}
place_case "Pyongyang (39.03 N 125.75 E)" 39.03 125.75 cma-sea kept
place_case "Pyongyang (39.03 N 125.75 E)" 39.03 125.75 cma-ground kept
place_case "sea off Hwanghae (37.9 N 125.0 E)" 37.9 125 cma-sea breached
place_case "1.8 km south of the MDL, in the DMZ (38.2 N 127.0 E)" 38.2 127 cma-ground breached
place_case "Kaesong, 3.8 km north, outside the DMZ, inside 5 km (37.93 N 126.63 E)" 37.93 126.63 \
	cma-ground breached
place_case "Seoul (37.57 N 126.98 E)" 37.57 126.98 cma-ground kept

"$ARM" status "$L" --now "$NOW" --json >"$T/state.c"
cmp -s "$T/state.a" "$T/state.c" && ok "refused entries changed nothing" ||
	not_ok "the state changed after refusals"
