#!/bin/sh
# t4030: places in the state (issue 10 item 7). An agreement's
# reference_line is checked when it is read: a good one signs; each
# refusal names the rule and file:line:col and signs nothing. On the
# worked example (the MDL, positive north, the DPRK's side) each
# positioned incident carries its zones and a signed distance in km:
# the Kaesong liaison office, blown up in June 2020 about 3.8 km north of
# the MDL, is positive; the 2020 guard-post shots in the DMZ south of the
# line are negative; status --json and export agree. Twin: the same
# example with positive: south gives every distance negated and the
# counts per side swapped; positive: east is refused (the MDL runs east).
. "$(dirname "$0")/lib.sh"
K="$DEMO_KEYS"
AG=$TOP/tests/data/agreements

if ! command -v jq >/dev/null; then
	not_ok "jq is needed (scripts/setup.sh installs it)"
	exit 1
fi

# variant NAME LINE-ZONE-GEOMETRY REFERENCE_LINE: $T/NAME/pilot.yaml with zone
# "loc" drawn inline and the reference_line mapping appended.
variant() {
	mkdir -p "$T/$1/zones"
	cp "$AG/zones/"* "$T/$1/zones/"
	sed "s|^commitments:|  - {id: loc, name: Line of contact, geometry: $2}\ncommitments:|" \
		"$AG/pilot.yaml" >"$T/$1/pilot.yaml"
	printf 'reference_line: %s\n' "$3" >>"$T/$1/pilot.yaml"
}
EW='{type: LineString, coordinates: [[126.6, 37.9], [126.7, 37.95], [126.8, 37.93]]}'
NS='{type: LineString, coordinates: [[126.6, 37.9], [126.61, 38.2]]}'

# refused NAME RULE PATTERN: sign --agreement exits 3 naming the place of reference_line
refused() {
	expect_exit 3 "$1: sign --agreement refuses it" \
		"$ARM" sign --key "$K/demo-south.key" --agreement "$T/$1/pilot.yaml"
	line=$(grep -n '^reference_line:' "$T/$1/pilot.yaml" | cut -d: -f1)
	expect_grep "$1: names the rule $2 at line $line" \
		"^armistice: $T/$1/pilot.yaml:$line:[0-9]+: $2: $3" "$T/err"
	[ -s "$T/out" ] && not_ok "$1: something was signed" || ok "$1: nothing signed"
}

variant good "$EW" '{name: Line of contact, zone: loc, positive: north, party: north}'
expect_ok "a reference line with a side and a party signs" \
	"$ARM" sign --key "$K/demo-south.key" --agreement "$T/good/pilot.yaml"
variant nopart "$EW" '{name: Line of contact, zone: loc, positive: south}'
expect_ok "... and without a party" \
	"$ARM" sign --key "$K/demo-south.key" --agreement "$T/nopart/pilot.yaml"
variant side "$EW" '{name: Line of contact, zone: loc, positive: up}'
refused side reference-line-side "reference_line positive must be north, south, east or west"
variant nozone "$EW" '{name: Line of contact, zone: nope, positive: north}'
refused nozone unknown-id ".*reference_line zone \"nope\" is not defined"
variant notparty "$EW" '{name: Line of contact, zone: loc, positive: north, party: nnsc}'
refused notparty reference-line-party "reference_line party \"nnsc\" is not a party"
variant across "$NS" '{name: Line of contact, zone: loc, positive: north}'
refused across reference-line "geo: reference line \(zone 'loc'\) runs within 45 degrees of the north-south axis"
variant across2 "$NS" '{name: Line of contact, zone: loc, positive: east}'
expect_ok "the twin: the same north-south line with positive east signs" \
	"$ARM" sign --key "$K/demo-south.key" --agreement "$T/across2/pilot.yaml"
variant polygon "$EW" '{name: Line of contact, zone: jsa, positive: north}'
refused polygon reference-line "reference line \\(zone 'jsa'\\): geo: a Polygon is not a line: want a LineString, a Feature with one or the LSIB lines document"
variant missing "$EW" '{name: Line of contact, zone: loc}'
refused missing missing-key "reference_line positive is required"
variant extra "$EW" '{name: Line of contact, zone: loc, positive: north, width: 2}'
refused extra unknown-key "reference_line has no key \"width\""

# ---- the worked example ----
EX=$TOP/examples/korea-2018
NOW=2026-01-01T00:00:00Z
# example NAME SED: a copy of the example with the agreement edited, its log in $T/NAME/log
example() {
	mkdir -p "$T/$1/ex"
	cp -R "$EX" "$T/$1/ex/korea-2018"
	cp -R "$TOP/examples/lib" "$T/$1/ex/lib" # the demos' shared steps
	sed -i "$2" "$T/$1/ex/korea-2018/agreement.yaml"
	env DEMO_QUIET=1 ARM="$ARM" sh "$T/$1/ex/korea-2018/demo.sh" "$T/$1/w" >"$T/out" 2>"$T/err"
}
example north 's/^reference_line: .*positive: north.*$/&/'
rc=$?
[ $rc -eq 0 ] && ok "the example builds (exit 0)" || not_ok "the example: exit $rc: $(tail -c 300 "$T/err")"
"$ARM" status "$T/north/w/log" --now "$NOW" --json >"$T/n.json" || not_ok "status --json"
same() { [ "$2" = "$3" ] && ok "$1 ($2)" || not_ok "$1: got '$2', want '$3'"; }
same "the state names the reference line" "$(jq -c .reference_line "$T/n.json")" \
	'{"name":"Military Demarcation Line","zone":"dmz","positive":"north","party":"dprk"}'
# The liaison office in Kaesong (37.93 N, 126.63 E), demolished on 16 June 2020.
kaesong=$(jq -r '.incidents[] | select(.type == "demolition" and .lat == 37.93) | .line_km' "$T/n.json")
awk -v k="$kaesong" 'BEGIN { exit !(k > 3.4 && k < 4.2) }' &&
	ok "the Kaesong demolition is ~3.8 km north: positive ($kaesong)" ||
	not_ok "the Kaesong demolition: line_km '$kaesong', want ~+3.8"
same "... in the ground buffer and the western no-fly zone, not the DMZ" \
	"$(jq -c '.incidents[] | select(.type == "demolition" and .lat == 37.93) | .zones' "$T/n.json")" \
	'["ground-buffer","nofly-west"]'
# The 3 May 2020 shots at a ROK guard post in the central DMZ (38.305 N, 127.2 E).
gp=$(jq -r '[.incidents[] | select(.type == "gunfire" and .lat == 38.305) | .line_km] | unique | .[]' "$T/n.json")
awk -v k="$gp" 'BEGIN { exit !(k < 0 && k > -2) }' &&
	ok "the guard-post shots land south of the line, inside the DMZ: negative ($gp)" ||
	not_ok "the guard-post shots: line_km '$gp', want in (-2, 0)"
npos=$(jq '[.incidents[] | select(.line_km != null and .line_km > 0)] | length' "$T/n.json")
nneg=$(jq '[.incidents[] | select(.line_km != null and .line_km < 0)] | length' "$T/n.json")
nplaced=$(jq '[.incidents[] | select(.lat != null)] | length' "$T/n.json")
same "every positioned incident has a distance" "$(jq '[.incidents[] | select(.line_km != null)] | length' "$T/n.json")" "$nplaced"
same "no distance without a position" "$(jq '[.incidents[] | select(.lat == null and (.line_km != null or (.zones | length) > 0))] | length' "$T/n.json")" 0
same "per side: 4 north, 3 south" "$npos $nneg" "4 3"

# Export: the same distances, and the side by its compass name.
expect_ok "export --format ndjson" "$ARM" export "$T/north/w/log" --output "$T/x" --format ndjson --now "$NOW"
jq -r '.incidents[] | select(.lat != null) | "\(.index) \(.line_km) \(.zones | join(","))"' "$T/n.json" >"$T/want"
jq -r 'select(.lat != null) | "\(.index) \(.line_km) \(.zones | join(","))"' "$T/x/incidents.ndjson" >"$T/got" 2>"$T/jqerr"
cmp -s "$T/want" "$T/got" && ok "export's line_km and zones equal status --json" ||
	not_ok "export differs: $(diff "$T/want" "$T/got" | head -4) $(head -c 200 "$T/jqerr")"
same "export: the Kaesong demolition is on the north side" \
	"$(jq -r 'select(.kind == "demolition" and .lat == 37.93) | .side' "$T/x/incidents.ndjson")" north

# Twin: positive south negates every distance.
example south 's/^\(reference_line: .*positive: \)north, party: dprk/\1south, party: rok/'
rc=$?
[ $rc -eq 0 ] && ok "the example with positive: south builds" || not_ok "positive south: exit $rc: $(tail -c 300 "$T/err")"
"$ARM" status "$T/south/w/log" --now "$NOW" --json >"$T/s.json" || not_ok "status --json (south)"
jq -r '.incidents[] | select(.lat != null) | .line_km' "$T/n.json" | awk '{ printf "%.3f\n", -$1 }' >"$T/neg"
jq -r '.incidents[] | select(.lat != null) | .line_km' "$T/s.json" | awk '{ printf "%.3f\n", $1 }' >"$T/sgot"
cmp -s "$T/neg" "$T/sgot" && ok "positive south: every distance negated" ||
	not_ok "positive south: $(diff "$T/neg" "$T/sgot" | head -4)"
same "positive south: per side swapped" \
	"$(jq '[.incidents[] | select(.line_km != null and .line_km > 0)] | length' "$T/s.json") $(jq '[.incidents[] | select(.line_km != null and .line_km < 0)] | length' "$T/s.json")" \
	"$nneg $npos"
example east 's/^\(reference_line: .*positive: \)north/\1east/'
rc=$?
[ $rc -ne 0 ] && ok "positive east on the MDL is refused (exit $rc)" || not_ok "positive east was accepted"
expect_grep "... naming the rule and the axis" "reference-line: geo: reference line \(zone 'dmz'\) runs within 45 degrees of the east-west axis" "$T/err"
