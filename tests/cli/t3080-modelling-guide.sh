#!/bin/sh
# t3080: the modelling guide (docs/agreement.md "Modelling guide"). The
# YAML the guide shows is the bytes of tests/data/guide/*.yaml (each
# fenced block under a `<!-- guide: FILE -->` marker equals that file from
# its marker line on; the shared head once, under `<!-- guide-head -->`),
# and each file is loaded here: a log initialised with it, a few signed
# entries appended, and the status they give checked: a D-day schedule,
# tranches, a tripartite arbiter, a duty to protect, a mission's own
# tasks, a deadline extended by an amendment.
. "$(dirname "$0")/lib.sh"

if ! command -v jq >/dev/null; then
	not_ok "jq is needed (scripts/setup.sh installs it)"
	exit 1
fi
G=$TOP/tests/data/guide
DOC=$TOP/docs/agreement.md
MARK='# ---- docs/agreement.md shows this file from here on ----'

# ---- the doc shows the tested bytes ----
# Every block under a marker goes to $T/doc/<file> (the head to $T/doc/head).
mkdir -p "$T/doc"
awk -v dir="$T/doc" '
	/^<!-- guide: tests\/data\/guide\/[a-z0-9-]+\.yaml -->$/ {
		f = $3; sub(/.*\//, "", f); want = 1; next }
	/^<!-- guide-head -->$/ { f = "head"; want = 1; next }
	want && /^```yaml$/ { inblock = 1; want = 0; printf "" >(dir "/" f); next }
	inblock && /^```$/ { inblock = 0; close(dir "/" f); next }
	inblock { print >>(dir "/" f) }
' "$DOC"
n=0
for f in "$G"/*.yaml; do
	b=$(basename "$f")
	grep -qxF "$MARK" "$f" || { not_ok "$b has no marker line"; continue; }
	m=$(grep -nxF "$MARK" "$f" | cut -d: -f1)
	tail -n "+$((m + 1))" "$f" >"$T/shown"
	head -n "$((m - 1))" "$f" >"$T/head.$b"
	if [ "$b" = extension-amended.yaml ]; then
		# the amendment is shown as the one line it changes
		continue
	fi
	if [ -f "$T/doc/$b" ] && cmp -s "$T/doc/$b" "$T/shown"; then
		ok "docs/agreement.md shows $b byte for byte"
	else
		not_ok "docs/agreement.md does not show $b as it is: $(diff "$T/shown" "$T/doc/$b" 2>&1 | head -c 300)"
	fi
	cmp -s "$T/doc/head" "$T/head.$b" && n=$((n + 1)) ||
		not_ok "the head of $b is not the one docs/agreement.md shows"
done
[ "$n" -eq 6 ] && ok "the six files shown share the head the guide shows" || not_ok "$n heads match"
[ "$(ls "$T/doc" | wc -l)" -eq 7 ] && ok "the guide shows six files and the head, no more" ||
	not_ok "blocks in the guide: $(ls "$T/doc" | tr '\n' ' ')"
diff "$G/extension.yaml" "$G/extension-amended.yaml" >"$T/ext.diff"
[ "$(grep -c '^[<>]' "$T/ext.diff")" = 2 ] && grep -qx '< *due: 2017-03-01' "$T/ext.diff" &&
	grep -qx '> *due: 2017-06-20' "$T/ext.diff" &&
	grep -qF 'due: 2017-03-01` to `due: 2017-06-20`' "$DOC" &&
	ok "the amended extension differs by the one line the guide names" ||
	not_ok "extension-amended.yaml: $(cat "$T/ext.diff")"

# ---- helpers: the cast's demo keys ----
key() { case $1 in gov) echo demo-south ;; rebels) echo demo-north ;; mission) echo demo-nnsc ;; press) echo demo-press ;; esac; }
glog() { # DIR FILE: a log of the guide file FILE, signed by both parties
	"$ARM" sign --key "$DEMO_KEYS/demo-south.key" --agreement "$G/$2" >"$T/g.gov" &&
		"$ARM" sign --key "$DEMO_KEYS/demo-north.key" --agreement "$G/$2" >"$T/g.rebels" &&
		"$ARM" init "$1" --agreement "$G/$2" --log-key "$DEMO_KEYS/demo-log.key" "$T/g.gov" "$T/g.rebels" \
			>/dev/null 2>"$T/err" && ok "$2: a log initialised with it" ||
		not_ok "$2: init: $(cat "$T/err")"
	GID=$(sha256sum "$G/$2" | cut -c1-64)
	L=$1
}
add() { # AUTHOR SEQ TIME KIND LINE...: signed and appended to $L
	a=$1 s=$2 t=$3 k=$4
	shift 4
	{
		printf 'armistice/entry/v1\nkind: %s\nagreement: %s\nauthor: %s\nseq: %s\ntime: %s\n' "$k" "$GID" "$a" "$s" "$t"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$T/e.entry"
	"$ARM" sign --key "$DEMO_KEYS/$(key "$a").key" "$T/e.entry" >"$T/e.note" &&
		"$ARM" append "$L" "$T/e.note" >/dev/null 2>"$T/err" ||
		not_ok "append $k by $a seq $s: $(cat "$T/err")"
}
c() { # AT ID FIELD: a field of a commitment as of AT
	"$ARM" status "$L" --at "$1" --json | jq -r --arg id "$2" ".commitments[] | select(.id == \$id) | $3"
}
is() { # DESC GOT WANT
	[ "$2" = "$3" ] && ok "$1" || not_ok "$1: got '$2', want '$3'"
}

# ---- a D-day schedule ----
glog "$T/dday" dday.yaml
is "D+72h: due 72 hours after D-day, to the second" "$(c 2016-12-02 cordons .due)" 2016-12-04T05:00:00Z
is "D+60: due by the end of day 60 (30 January 2017, UTC-5)" "$(c 2016-12-02 move-to-zones .due)" 2017-01-31T05:00:00Z
is "... not overdue on the last second of day 60" "$(c 2017-01-30T23:59:59-05:00 move-to-zones .overdue)" false
is "... overdue from the first second of day 61" "$(c 2017-01-31T00:00:00-05:00 move-to-zones .overdue)" true
add rebels 1 2017-01-30T18:00:00-05:00 claim "commitment: move-to-zones"
add mission 1 2017-01-30T20:00:00-05:00 attest "commitment: move-to-zones" "verdict: verified" "method: on-site"
is "verified on day 60 itself: done, not late" "$(c 2017-01-30 move-to-zones '"\(.status) \(.late)"')" "done false"
is "30 days after it: by the end of 1 March 2017" "$(c 2017-02-01 register .due)" 2017-03-02T05:00:00Z
is "... and open now that its requirement is done" "$(c 2017-02-01 register .status)" open
is "the cordons, never claimed, are overdue" "$(c 2017-02-01 cordons .overdue)" true

# ---- tranches ----
glog "$T/tr" tranches.yaml
add rebels 1 2017-02-20T12:00:00-05:00 progress "commitment: weapons" "quantity: weapons" "value: 2500" "unit: weapons"
add mission 1 2017-02-21T12:00:00-05:00 progress "commitment: weapons" "quantity: weapons" "value: 2140" "unit: weapons"
is "2,500 reported, 2,140 verified, 360 not yet" "$(c 2017-02-28 weapons '"\(.quantity.reported) \(.quantity.verified) \(.quantity.unverified)"')" "2500 2140 360"
is "30 % of 7,132 (2,140 rounded up) verified: the first tranche is done" "$(c 2017-02-28 weapons-30 .status)" done
is "... the second is open" "$(c 2017-02-28 weapons-60 .status)" open
is "... and overdue after D+120 (the end of 31 March 2017)" "$(c 2017-04-01 weapons-60 .overdue)" true
expect_ok "show weapons" "$ARM" show "$L" weapons --at 2017-02-28
expect_grep "... in words" 'quantity +2,140 of 7,132 weapons \(30 %\), verified by mission; 360 more' "$T/out"

# ---- a tripartite mechanism with an arbiter ----
glog "$T/tri" tripartite.yaml
add gov 1 2017-01-01T00:00:00-05:00 claim "commitment: ceasefire"
add rebels 1 2017-01-01T00:00:00-05:00 claim "commitment: ceasefire"
is "the ceasefire in force: kept" "$(c 2017-01-02 ceasefire .status)" kept
add press 1 2017-01-05T12:00:00-05:00 incident "type: armed-clash" "occurred: 2017-01-05T08:00:00-05:00" "actor: rebels" "text: A clash reported by the press."
is "a press report is no finding: still kept" "$(c 2017-01-06 ceasefire .status)" kept
add mission 1 2017-01-06T12:00:00-05:00 finding "incident: press/1" "verdict: confirmed" "method: on-site"
is "the mission confirms it: breached" "$(c 2017-01-07 ceasefire .status)" breached
add rebels 2 2017-01-07T12:00:00-05:00 finding "incident: press/1" "verdict: dismissed" "method: self"
is "the rebels dismiss it: 1 against 1 in the mechanism, no verdict; the mission's finding stands" "$(c 2017-01-08 ceasefire .status)" breached
add gov 2 2017-01-08T12:00:00-05:00 finding "incident: press/1" "verdict: dismissed" "method: on-site"
is "the government dismisses it too: 2 of 3, the mechanism's verdict, the breach is withdrawn" "$(c 2017-01-09 ceasefire .status)" kept
add mission 2 2017-01-09T12:00:00-05:00 finding "incident: press/1" "verdict: confirmed" "method: on-site"
is "... and the mission's later finding does not undo the verdict" "$(c 2017-01-10 ceasefire .status)" kept

# ---- a duty to protect ----
glog "$T/pr" protect.yaml
add gov 1 2017-01-01T00:00:00-05:00 claim "commitment: protect-ex-combatants"
add mission 1 2017-02-01T12:00:00-05:00 incident "type: killing-ex-combatant" "occurred: 2017-02-01T09:00:00-05:00" "text: A former combatant killed, perpetrator unknown."
add mission 2 2017-02-10T12:00:00-05:00 incident "type: killing-ex-combatant" "occurred: 2017-02-10T09:00:00-05:00" "actor: rebels" "text: A former combatant killed by a dissident group."
is "two killings in 30 days, whoever the perpetrator: kept, 2 violations" \
	"$(c 2017-02-15 protect-ex-combatants '"\(.status) \(.violations.confirmed)"')" "kept 2"
add mission 3 2017-02-20T12:00:00-05:00 incident "type: killing-ex-combatant" "occurred: 2017-02-20T09:00:00-05:00" "text: A third killing."
is "a third within 30 days: breached" "$(c 2017-02-21 protect-ex-combatants .status)" breached
add mission 4 2017-02-25T12:00:00-05:00 finding "incident: mission/1" "verdict: dismissed" "method: investigation"
is "the first found to be no killing of an ex-combatant: the breach is withdrawn" \
	"$(c 2017-02-26 protect-ex-combatants '"\(.status) \(.violations.confirmed)"')" "kept 2"

# ---- the mission's own tasks ----
glog "$T/mi" mission.yaml
add mission 1 2016-12-20T12:00:00-05:00 claim "commitment: liaison-office"
add gov 1 2016-12-21T12:00:00-05:00 attest "commitment: liaison-office" "verdict: verified" "method: on-site"
add rebels 1 2016-12-22T12:00:00-05:00 attest "commitment: liaison-office" "verdict: verified" "method: on-site"
is "the mission's liaison office, verified by both parties: done by D+30" \
	"$(c 2016-12-31 liaison-office '"\(.status) \(.late)"')" "done false"
is "the cache extraction waits on the rebels' declaration" "$(c 2016-12-31 extract-caches .status)" pending
add rebels 2 2017-01-05T12:00:00-05:00 claim "commitment: declare-caches"
add mission 2 2017-01-06T12:00:00-05:00 attest "commitment: declare-caches" "verdict: verified" "method: self"
add mission 3 2017-02-01T12:00:00-05:00 progress "commitment: extract-caches" "quantity: caches" "value: 300" "unit: caches"
is "then the mission counts its own work: 300 of 750 caches" \
	"$(c 2017-02-02 extract-caches '"\(.status) \(.quantity.verified)"')" "open 300"
expect_exit 3 "only the mission may claim its task" sh -c "
	printf 'armistice/entry/v1\nkind: claim\nagreement: $GID\nauthor: gov\nseq: 2\ntime: 2017-02-03T12:00:00-05:00\ncommitment: extract-caches\n' >'$T/x.entry' &&
	'$ARM' sign --key '$DEMO_KEYS/demo-south.key' '$T/x.entry' >'$T/x.note' && '$ARM' append '$L' '$T/x.note'"
expect_grep "... by the rule owner-only" 'rule owner-only' "$T/err"

# ---- a deadline extended by an amendment ----
glog "$T/ex" extension.yaml
expect_ok "amend --dry-run" "$ARM" amend "$L" --agreement "$G/extension-amended.yaml" --time 2017-02-28T12:00:00-05:00 --dry-run
expect_grep "... the deadline moved" '^commitment lay-down: due moved from 2017-03-01 to 2017-06-20$' "$T/out"
"$ARM" amend "$L" --agreement "$G/extension-amended.yaml" --time 2017-02-28T12:00:00-05:00 >"$T/am.entry" 2>/dev/null
"$ARM" sign --key "$DEMO_KEYS/demo-south.key" "$T/am.entry" >"$T/am.gov"
"$ARM" sign --key "$DEMO_KEYS/demo-north.key" "$T/am.entry" >"$T/am.rebels"
expect_ok "each party signs; the signatures combined" "$ARM" amend "$L" --agreement "$G/extension-amended.yaml" \
	--time 2017-02-28T12:00:00-05:00 --combine "$T/am.gov" "$T/am.rebels"
cp "$T/out" "$T/am.signed"
expect_ok "... and appended" "$ARM" append "$L" "$T/am.signed"
is "before the amendment: due by the end of 1 March" "$(c 2017-02-27 lay-down .due)" 2017-03-02T05:00:00Z
is "after it: not overdue on 15 March" "$(c 2017-03-15 lay-down .overdue)" false
is "... due by the end of 20 June" "$(c 2017-03-15 lay-down .due)" 2017-06-21T05:00:00Z
expect_ok "show lay-down" "$ARM" show "$L" lay-down --at 2017-03-15
expect_grep "... keeps the old deadline visible" 'due was +2017-03-01, changed to 2017-06-20 by entry [0-9]+' "$T/out"
