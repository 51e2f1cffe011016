#!/bin/sh
# t3020: the state as of any moment of a log with amendments (docs/rules.md
# "As of a past moment"): status/timeline/show/graph --at before and after
# an amendment, a plain date as the end of that day in the agreement's
# zone, every state field as of the moment (actors[].entries, asof,
# clock), times printed with the agreement's offset; a tampered entry
# after the amendment still fails a replay as of a moment before it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine-lib.sh"

if ! command -v jq >/dev/null; then
	not_ok "jq is needed (scripts/setup.sh installs it)"
	exit 1
fi

L=$T/log
new_log "$L"
OLD=$AGID
mkdir -p "$T/ag2"
cp -r "$AG/zones" "$T/ag2/"
sed 's/^title: .*/title: Guard-post pilot withdrawal, extended (demo)/; s/due: 2018-12-31/due: 2019-06-30/' \
	"$AG/pilot.yaml" >"$T/ag2/pilot.yaml"
NEW=$(sha256sum "$T/ag2/pilot.yaml" | cut -c1-64)
ZH=$(sha256sum "$AG/zones/jsa-buffer.geojson" | cut -c1-64)

entry c1 south 1 2018-11-30T12:00:00+09:00 claim "commitment: gp-south"
entry i1 nnsc 1 2018-07-21T20:00:00+09:00 incident "type: gunfire" "occurred: 2018-07-21T19:00:00+09:00" "actor: north" "text: shots at dusk"
expect_ok "append before the amendment" "$ARM" append "$L" "$T/c1.signed" "$T/i1.signed"
{
	printf 'armistice/entry/v1\nkind: amend\nagreement: %s\ntime: 2019-01-01T00:00:00Z\nzone: jsa sha256:%s\n\n' "$OLD" "$ZH"
	cat "$T/ag2/pilot.yaml"
} >"$T/am.entry"
"$ARM" sign --key "$K/demo-south.key" "$T/am.entry" >"$T/am1.signed" &&
	"$ARM" sign --key "$K/demo-north.key" "$T/am1.signed" >"$T/am.signed" ||
	not_ok "signing the amendment"
expect_ok "the amendment (deadlines moved to 30 June 2019)" "$ARM" append "$L" "$T/am.signed"
AGID=$NEW
entry c2 north 1 2019-02-01T12:00:00+09:00 claim "commitment: gp-north" "text: after the extension"
expect_ok "append after the amendment" "$ARM" append "$L" "$T/c2.signed"

# ---- before the amendment: the agreement then in force ----
expect_ok "status --at before the amendment" "$ARM" status "$L" --at 2018-12-01T00:00:00Z
expect_grep "... the old title" '^Guard-post pilot withdrawal \(demo\)$' "$T/out"
expect_grep "... the time printed with the agreement's offset" 'as of 2018-12-01T09:00:00\+09:00 \(--at\)' "$T/out"
expect_ok "status --at --json before the amendment" "$ARM" status "$L" --at 2018-12-01T00:00:00Z --json
cp "$T/out" "$T/before.json"
[ "$(jq -r '.agreement.id' "$T/before.json")" = "$OLD" ] && ok "... agreement id is the original" ||
	not_ok "agreement id $(jq -r .agreement.id "$T/before.json")"
[ "$(jq -r '.commitments[] | select(.id=="gp-north") | .due' "$T/before.json")" = 2018-12-31T15:00:00Z ] &&
	ok "... gp-north due end of 2018-12-31 KST" || not_ok "due $(jq -c '.commitments[1].due' "$T/before.json")"
[ "$(jq -r '.actors[] | select(.id=="north") | .entries' "$T/before.json")" = 0 ] &&
	ok "... north authored nothing yet (its claim is of 2019)" ||
	not_ok "north entries $(jq -c '.actors[] | select(.id=="north")' "$T/before.json")"
[ "$(jq -r '.actors[] | select(.id=="south") | .entries' "$T/before.json")" = 1 ] &&
	ok "... south authored one entry" || not_ok "south entries"
[ "$(jq -r '.asof.at' "$T/before.json")" = 2018-12-01T00:00:00Z ] &&
	[ "$(jq -r '.asof.entries' "$T/before.json")" = 3 ] &&
	ok "... asof: the moment, 3 entries count by then (the agreement and 2 entries; not the clock leaves)" ||
	not_ok "asof $(jq -c .asof "$T/before.json")"
[ "$(jq -r '.clock.leaves' "$T/before.json")" = 0 ] &&
	ok "... no clock leaf dated by then" || not_ok "clock $(jq -c .clock "$T/before.json")"
expect_ok "timeline --at before the amendment" "$ARM" timeline "$L" --at 2018-12-01T00:00:00Z
[ "$(grep -c 'claim\|incident\|amend' "$T/out")" = 2 ] && ok "... lists only the two entries by then" ||
	not_ok "timeline lists $(cat "$T/out")"
expect_ok "timeline --at --json" "$ARM" timeline "$L" --at 2018-12-01T00:00:00Z --json
[ "$(jq length "$T/out")" = 3 ] && ok "... JSON: the agreement and two entries" || not_ok "timeline JSON $(cat "$T/out")"
expect_ok "show --at before the amendment" "$ARM" show "$L" gp-north --at 2018-12-01T00:00:00Z
expect_grep "... due 2018-12-31" 'due +2018-12-31' "$T/out"
expect_ok "graph --at before the amendment" "$ARM" graph "$L" --at 2018-12-01T00:00:00Z
expect_ok "status --index 4 (just before the amendment)" "$ARM" status "$L" --index 4 --json

# ---- after the amendment ----
expect_ok "status --at after the amendment" "$ARM" status "$L" --at 2019-03-01T00:00:00Z --json
[ "$(jq -r '.agreement.id' "$T/out")" = "$NEW" ] && ok "... the amended agreement" || not_ok "id after"
[ "$(jq -r '.actors[] | select(.id=="north") | .entries' "$T/out")" = 1 ] && ok "... north's claim counts" ||
	not_ok "north entries after"
expect_ok "show --at after the amendment" "$ARM" show "$L" gp-north --at 2019-03-01T00:00:00Z
expect_grep "... due 2019-06-30" 'due +2019-06-30' "$T/out"

# ---- a plain date: the end of that day in the agreement's zone (+09:00) ----
expect_ok "status --at 2018-07-21 (a date)" "$ARM" status "$L" --at 2018-07-21 --json
[ "$(jq -r .asof.at "$T/out")" = 2018-07-21T14:59:59Z ] && ok "... 23:59:59 KST" ||
	not_ok "asof $(jq -r .asof.at "$T/out")"
[ "$(jq -r '.incidents | length' "$T/out")" = 1 ] && ok "... the 19:00 KST incident that day counts" ||
	not_ok "incidents $(jq -c .incidents "$T/out")"
expect_ok "status --at 2018-07-20" "$ARM" status "$L" --at 2018-07-20 --json
[ "$(jq -r '.incidents | length' "$T/out")" = 0 ] && ok "... not the day before" || not_ok "incidents on the 20th"
expect_ok "status --now as a date" "$ARM" status "$L" --now 2019-07-01 --json
[ "$(jq -r .now "$T/out")" = 2019-07-01T14:59:59Z ] && ok "... --now date is the end of that day" ||
	not_ok "now $(jq -r .now "$T/out")"
expect_exit 2 "--at 2018-02-30 is not a day" "$ARM" status "$L" --at 2018-02-30
expect_grep "... says why" 'not a date' "$T/err"
expect_exit 2 "--at 2018-7-21 is not a date" "$ARM" status "$L" --at 2018-7-21

# ---- tampered twin: a changed byte after the amendment ----
b=$(grep -rl 'after the extension' "$L"/tile/entries 2>/dev/null | head -n 1)
if [ -n "$b" ]; then
	sed 's/after the extension/after the extensiom/' "$b" >"$T/bundle" && cat "$T/bundle" >"$b"
	expect_exit 1 "status --at before the amendment still checks the signatures after it" \
		"$ARM" status "$L" --at 2018-12-01T00:00:00Z
else
	not_ok "no entry bundle holds the post-amendment claim"
fi
