#!/bin/sh
# t3070: armistice amend (docs/agreement.md "Amendments"): the amendment
# entry built from the new YAML, a semantic diff (deadline moved,
# commitment added, verifiers changed, zone redrawn), each party signing
# the same bytes on its own, the signatures combined and appended; a copy
# missing a party, a copy of other bytes and a redrawn zone file under the
# old name are refused; --at before the amendment still gives the old state.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine-lib.sh"

if ! command -v jq >/dev/null; then
	not_ok "jq is needed (scripts/setup.sh installs it)"
	exit 1
fi

L=$T/log
new_log "$L"
entry c1 south 1 2018-11-30T12:00:00+09:00 claim "commitment: gp-south"
expect_ok "a claim before the amendment" "$ARM" append "$L" "$T/c1.signed"

mkdir -p "$T/new/zones"
# the JSA buffer redrawn (a new file name: the old one stays for the older entries)
sed 's/126.685/126.690/g' "$AG/zones/jsa-buffer.geojson" >"$T/new/zones/jsa-buffer-2019.geojson"
sed -e 's/due: 2018-12-31/due: 2019-06-30/' \
	-e 's/verify: {by: \[south, nnsc\], quorum: 2, method: on-site}/verify: {by: [nnsc], quorum: 1, method: on-site}/' \
	-e 's|file: zones/jsa-buffer.geojson|file: zones/jsa-buffer-2019.geojson|' \
	"$AG/pilot.yaml" >"$T/new/pilot.yaml"
printf '  - id: liaison-office\n    owners: [south, north]\n    phase: p1\n    text: Open a joint liaison office.\n    verify: none\n' >>"$T/new/pilot.yaml"

expect_ok "amend --dry-run" "$ARM" amend "$L" --agreement "$T/new/pilot.yaml" --time 2019-01-01T00:00:00Z --dry-run
expect_grep "... deadline moved" '^commitment gp-south: due moved from 2018-12-31 to 2019-06-30$' "$T/out"
expect_grep "... verifiers changed" '^commitment gp-north: verifiers changed from \[south, nnsc\] quorum 2, method on-site to \[nnsc\] quorum 1, method on-site$' "$T/out"
expect_grep "... commitment added" '^commitment liaison-office added$' "$T/out"
expect_grep "... zone redrawn" '^zone jsa redrawn$' "$T/out"
# phases, incident kinds and actors: added, removed, a role changed
mkdir -p "$T/more"
sed -e 's/  - {id: p2, name: Demilitarization}/  - {id: p3, name: Settlement}/' \
	-e '/^  - id: press$/,/^    role: monitor$/s/role: monitor/role: verifier/' \
	"$T/new/pilot.yaml" >"$T/more/pilot.yaml"
sed -i 's/phase: p2/phase: p3/' "$T/more/pilot.yaml"
cp -r "$T/new/zones" "$T/more/"
expect_ok "amend --dry-run, phases and roles changed" "$ARM" amend "$L" --agreement "$T/more/pilot.yaml" --time 2019-01-01T00:00:00Z --dry-run
expect_grep "... phase removed" '^phase p2 removed$' "$T/out"
expect_grep "... phase added" '^phase p3 added$' "$T/out"
expect_grep "... role changed" '^actor press: role changed from monitor to verifier$' "$T/out"
grep -q '^actor [a-z-]* \(added\|removed\)$' "$T/out" && not_ok "an actor added or removed: $(cat "$T/out")" ||
	ok "... no actor added or removed"
expect_ok "amend --dry-run --json" "$ARM" amend "$L" --agreement "$T/new/pilot.yaml" --time 2019-01-01T00:00:00Z --dry-run --json
[ "$(jq -r '.changes | length' "$T/out")" -ge 4 ] && ok "... JSON lists the changes" || not_ok "JSON $(cat "$T/out")"

expect_ok "amend builds the unsigned entry" "$ARM" amend "$L" --agreement "$T/new/pilot.yaml" --time 2019-01-01T00:00:00Z
cp "$T/out" "$T/am.entry"
expect_grep "... an amend entry naming the agreement in force" "^agreement: $AGID\$" "$T/am.entry"
"$ARM" sign --key "$K/demo-south.key" "$T/am.entry" >"$T/am.south" && ok "south signs on its own" || not_ok "south signs"
"$ARM" sign --key "$K/demo-north.key" "$T/am.entry" >"$T/am.north" && ok "north signs on its own" || not_ok "north signs"

expect_exit 1 "combine without north's signature" "$ARM" amend "$L" --agreement "$T/new/pilot.yaml" --time 2019-01-01T00:00:00Z --combine "$T/am.south"
expect_grep "... names who is missing" 'north' "$T/err"
"$ARM" amend "$L" --agreement "$T/new/pilot.yaml" --time 2019-01-02T00:00:00Z >"$T/other.entry" 2>/dev/null
"$ARM" sign --key "$K/demo-north.key" "$T/other.entry" >"$T/other.north"
expect_exit 1 "combine a copy of other bytes (another date)" "$ARM" amend "$L" --agreement "$T/new/pilot.yaml" --time 2019-01-01T00:00:00Z --combine "$T/am.south" "$T/other.north"
expect_grep "... says so" 'is not a signature of this amendment' "$T/err"

# a redrawn zone under its old file name would make the older entries unreplayable
mkdir -p "$T/bad/zones"
sed 's/126.685/126.690/g' "$AG/zones/jsa-buffer.geojson" >"$T/bad/zones/jsa-buffer.geojson"
cp "$AG/pilot.yaml" "$T/bad/pilot.yaml"
printf '  - id: x\n    owner: south\n    phase: p1\n    text: X.\n    verify: none\n' >>"$T/bad/pilot.yaml"
"$ARM" amend "$L" --agreement "$T/bad/pilot.yaml" --time 2019-01-01T00:00:00Z >"$T/bad.entry" 2>/dev/null
"$ARM" sign --key "$K/demo-south.key" "$T/bad.entry" >"$T/bad.s" && "$ARM" sign --key "$K/demo-north.key" "$T/bad.s" >"$T/bad.sn"
expect_exit 3 "a redrawn zone file under the old name" "$ARM" amend "$L" --agreement "$T/bad/pilot.yaml" --time 2019-01-01T00:00:00Z --combine "$T/bad.sn"
expect_grep "... needs a new file name" 'a redrawn zone needs a new file name' "$T/err"

expect_ok "combine both signatures" "$ARM" amend "$L" --agreement "$T/new/pilot.yaml" --time 2019-01-01T00:00:00Z --combine "$T/am.south" "$T/am.north"
cp "$T/out" "$T/am.signed"
[ -f "$L/zones/zones/jsa-buffer-2019.geojson" ] && ok "... the redrawn zone's file is beside the log" || not_ok "zone file not installed"
expect_ok "append the combined amendment" "$ARM" append "$L" "$T/am.signed"
expect_ok "status after" "$ARM" status "$L" --json --now 2019-02-01T00:00:00Z
[ "$(jq -r '.commitments[] | select(.id=="gp-south") | .due' "$T/out")" = 2019-06-30T15:00:00Z ] &&
	[ "$(jq -r '.commitments | length' "$T/out")" = 6 ] && ok "... the new deadline and the added commitment" ||
	not_ok "after $(jq -c '[.commitments[] | {id, due}]' "$T/out")"
[ "$(jq -r '.commitments[] | select(.id=="gp-south") | .due_history[0] | "\(.from) \(.to)"' "$T/out")" = "2018-12-31 2019-06-30" ] &&
	ok "... the deadline history: 2018-12-31, then 2019-06-30" || not_ok "due_history $(jq -c '.commitments[0].due_history' "$T/out")"
[ "$(jq -r '.commitments[] | select(.id=="remains") | .due_history | length' "$T/out")" = 0 ] &&
	ok "... none where the amendment kept the deadline" || not_ok "remains has a due history"
jq -r '.amendments[0].changes[]' "$T/out" >"$T/changes"
expect_grep "state JSON: what the amendment changed" '^commitment gp-south: due moved from 2018-12-31 to 2019-06-30$' "$T/changes"
expect_grep "... and the added commitment" '^commitment liaison-office added$' "$T/changes"
expect_ok "show gp-south after" "$ARM" show "$L" gp-south --now 2019-02-01T00:00:00Z
expect_grep "... says the deadline was extended, and by which entry" 'due was +2018-12-31, changed to 2019-06-30 by entry [0-9]+ \(an amendment\)' "$T/out"
expect_ok "status --at before the amendment" "$ARM" status "$L" --json --at 2018-12-15T00:00:00Z
[ "$(jq -r '.commitments[] | select(.id=="gp-south") | .due' "$T/out")" = 2018-12-31T15:00:00Z ] &&
	ok "... the old deadline" || not_ok "before $(jq -c '.commitments[0].due' "$T/out")"
[ "$(jq -r '.amendments | length' "$T/out")" = 0 ] && ok "... and no amendment yet" || not_ok "amendments before"

expect_ok "timeline says what the amendment changed" "$ARM" timeline "$L"
expect_grep "... due moved" 'gp-south: due moved from 2018-12-31 to 2019-06-30' "$T/out"
expect_ok "log verify still passes (no quorum)" "$ARM" log verify "$L" --key "$K/demo-log.vkey" --no-quorum
expect_exit 2 "amend without --time" "$ARM" amend "$L" --agreement "$T/new/pilot.yaml"
