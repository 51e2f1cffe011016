#!/bin/sh
# Nothing signed can crash the engine (issue 9): hostile zone geometry is
# refused by `sign --agreement` and `init` with the file:line and the
# coordinate's JSON path on one line (exit 3); a log written before the
# check, whose agreement holds the zone that crashed GEOS, is refused by
# append, status and serve with that line instead of a crash (exit 139
# before); a served log tests incidents against its zones through POST /add
# and keeps answering.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

K="$DEMO_KEYS"
AG=$TOP/tests/data/agreements
FIX=$TOP/tests/data/logs

# one_line DESC: $T/err holds exactly one "armistice: " line
one_line() {
	n=$(grep -c '^armistice: ' "$T/err")
	[ "$n" -eq 1 ] && ok "$1: one error line" || not_ok "$1: $n error lines: $(head -c 300 "$T/err")"
}

# zone_inline NAME GEOMETRY: $T/NAME/pilot.yaml with zone jsa drawn inline
zone_inline() {
	mkdir -p "$T/$1"
	sed "s|  - {id: jsa, name: Joint Security Area buffer, file: zones/jsa-buffer.geojson}|  - {id: jsa, name: JSA, geometry: $2}|" \
		"$AG/pilot.yaml" >"$T/$1/pilot.yaml"
}

# zone_file NAME: $T/NAME/pilot.yaml whose zone file is $T/NAME/zones/jsa-buffer.geojson
zone_file() {
	mkdir -p "$T/$1/zones"
	cp "$AG/pilot.yaml" "$T/$1/pilot.yaml"
}

# refused_sign NAME PATTERN: sign --agreement exits 3, one line matching PATTERN
refused_sign() {
	expect_exit 3 "$1: sign --agreement refuses it" \
		"$ARM" sign --key "$K/demo-south.key" --agreement "$T/$1/pilot.yaml"
	expect_grep "$1: names the file, line and place" "^armistice: $T/$1/pilot.yaml:44:6: $2" "$T/err"
	one_line "$1"
	[ -s "$T/out" ] && not_ok "$1: something was signed" || ok "$1: nothing signed"
}

# The input that crashed append and serve (exit 139): an empty position.
zone_inline crash '{type: Polygon, coordinates: [[[126.0, 37.0], [127.0, 37.0], [127.0, 38.0], [], [126.0, 37.0]]]}'
refused_sign crash "zone-geometry: geo: zone 'jsa': at coordinates\\[0\\]\\[3\\]: a position has 0 numbers"
# init refuses it too, with signatures of the good agreement or none valid
"$ARM" sign --key "$K/demo-south.key" --agreement "$AG/pilot.yaml" >"$T/good-s.signed"
"$ARM" sign --key "$K/demo-north.key" --agreement "$AG/pilot.yaml" >"$T/good-n.signed"
expect_exit 3 "crash: init refuses it" "$ARM" init "$T/crash-log" --agreement "$T/crash/pilot.yaml" \
	--log-key "$K/demo-log.key" "$T/good-s.signed" "$T/good-n.signed"
expect_grep "crash: init names the place" "pilot.yaml:44:6: zone-geometry: .*coordinates\\[0\\]\\[3\\]" "$T/err"
one_line "crash: init"
[ -e "$T/crash-log/checkpoint" ] && not_ok "crash: init wrote a log" || ok "crash: init wrote no log"
# the twin: the same ring without the empty position signs and inits
zone_inline fixed '{type: Polygon, coordinates: [[[126.0, 37.0], [127.0, 37.0], [127.0, 38.0], [126.0, 37.0]]]}'
expect_ok "the twin without the empty position signs" \
	"$ARM" sign --key "$K/demo-south.key" --agreement "$T/fixed/pilot.yaml"

# Other hostile geometry, inline.
zone_inline nan '{type: Polygon, coordinates: [[[126.0, 37.0], [127.0, .nan], [127.0, 38.0], [126.0, 37.0]]]}'
refused_sign nan "zone-geometry: .*at coordinates\\[0\\]\\[1\\]: longitude and latitude must be finite"
zone_inline inf '{type: Polygon, coordinates: [[[126.0, 37.0], [127.0, 37.0], [-.inf, 38.0], [126.0, 37.0]]]}'
refused_sign inf "zone-geometry: .*at coordinates\\[0\\]\\[2\\]: longitude and latitude must be finite"
zone_inline huge '{type: Polygon, coordinates: [[[126.0, 37.0], [127.0, 37.0], [1e999, 38.0], [126.0, 37.0]]]}'
refused_sign huge "zone-geometry: .*at coordinates\\[0\\]\\[2\\]: longitude and latitude must be finite"
zone_inline range '{type: Polygon, coordinates: [[[126.0, 37.0], [127.0, 37.0], [127.0, 91.0], [126.0, 37.0]]]}'
refused_sign range "zone-geometry: .*at coordinates\\[0\\]\\[2\\]: \\(127, 91\\) is outside"
zone_inline string '{type: Polygon, coordinates: [[[126.0, 37.0], [127.0, 37.0], ["127.0", 38.0], [126.0, 37.0]]]}'
refused_sign string "zone-geometry: .*at coordinates\\[0\\]\\[2\\]: longitude and latitude must be finite"
zone_inline open '{type: Polygon, coordinates: [[[126.0, 37.0], [127.0, 37.0], [127.0, 38.0], [126.0, 38.0]]]}'
refused_sign open "zone-geometry: .*at coordinates\\[0\\]: the ring is not closed"
zone_inline emptyring '{type: Polygon, coordinates: [[]]}'
refused_sign emptyring "zone-geometry: .*at coordinates\\[0\\]: a linear ring has 0 positions"
zone_inline norings '{type: Polygon, coordinates: []}'
refused_sign norings "zone-geometry: .*at coordinates: a Polygon needs its exterior ring"
zone_inline bowtie '{type: Polygon, coordinates: [[[126.0, 37.0], [127.0, 38.0], [127.0, 37.0], [126.0, 38.0], [126.0, 37.0]]]}'
refused_sign bowtie "zone-geometry: .*invalid geometry: Self-intersection\\[126.5 37.5\\]"
zone_inline line '{type: LineString, coordinates: [[126.0, 37.0], [127.0, 38.0]]}'
refused_sign line "zone-geometry: geo: zone 'jsa': geometry must be a Polygon or MultiPolygon"
zone_inline circle '{type: Circle, coordinates: [126.0, 37.0]}'
expect_exit 3 "circle: sign --agreement refuses it" \
	"$ARM" sign --key "$K/demo-south.key" --agreement "$T/circle/pilot.yaml"
expect_grep "circle: names the file, line and place" "^armistice: $T/circle/pilot.yaml:44:[0-9]+: zone-geojson: zone geometry must be a GeoJSON object" "$T/err"
zone_inline nested "{type: Polygon, coordinates: $(printf '%.0s[' $(seq 40))$(printf '%.0s]' $(seq 40))}"
refused_sign nested "zone-geometry: .*nested deeper than 32"
zone_inline gc '{type: GeometryCollection, geometries: [{type: GeometryCollection, geometries: [{type: GeometryCollection, geometries: [{type: GeometryCollection, geometries: []}]}]}]}'
refused_sign gc "zone-geometry: .*collections nested deeper than 2"
# a zone no standing commitment names may be any geometry, but well formed
zone_file point
cp "$AG/zones/jsa-buffer.geojson" "$T/point/zones/"
sed 's|    geometry: {type: Point, coordinates: \[126.677, 37.956\]}|    geometry: {type: Point, coordinates: []}|' \
	"$AG/pilot.yaml" >"$T/point/pilot.yaml"
expect_exit 3 "a Point zone with an empty position is refused" \
	"$ARM" sign --key "$K/demo-south.key" --agreement "$T/point/pilot.yaml"
expect_grep "it names zone panmunjom" "zone-geometry: geo: zone 'panmunjom': at coordinates: a position has 0 numbers" "$T/err"
# a commitment's area likewise
cp -r "$T/point" "$T/area"
sed 's|    area: {type: Point, coordinates: \[126.677, 37.956\]}|    area: {type: Point, coordinates: [126.677, 95]}|' \
	"$AG/pilot.yaml" >"$T/area/pilot.yaml"
expect_exit 3 "an area outside WGS-84 is refused" \
	"$ARM" sign --key "$K/demo-south.key" --agreement "$T/area/pilot.yaml"
expect_grep "it names the commitment" "zone-geometry: geo: area of commitment 'jsa-demilitarize': at coordinates: \\(126.677, 95\\) is outside" "$T/err"

# Zone files: the same checks, and the limits on size.
zone_file fcrash
printf '{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[\n  [126.67, 37.95], [126.68, 37.95], [], [126.67, 37.95]]]}}\n' \
	>"$T/fcrash/zones/jsa-buffer.geojson"
refused_sign fcrash "zone-geometry: zone file \"zones/jsa-buffer.geojson\": geo: zone 'jsa': at geometry.coordinates\\[0\\]\\[2\\]: a position has 0 numbers"
zone_file many
awk 'BEGIN { printf "{\"type\":\"Polygon\",\"coordinates\":[[[126,37]"; for (i = 0; i < 100000; i++) printf ",[126,37]"; print "]]}" }' \
	>"$T/many/zones/jsa-buffer.geojson"
refused_sign many "zone-geometry: .*more than 100000 positions in one document"
zone_file million
awk 'BEGIN { printf "{\"type\":\"Polygon\",\"coordinates\":[[[126,37]"; for (i = 0; i < 1000000; i++) printf ",[126,37]"; print "]]}" }' \
	>"$T/million/zones/jsa-buffer.geojson"
refused_sign million "zone-file: .*input too large"

# A log written before the check (tests/data/logs/README.md): its agreement
# holds the crashing zone. append, status and serve refuse it on one line.
cp -r "$FIX/zone-empty-position" "$T/old"
sed -i "s|^key KEYFILE\$|key $K/demo-log.key|" "$T/old/.armistice/config"
"$ARM" log reindex "$T/old" >/dev/null 2>&1
# Its tree verifies; its agreement (which log verify reads for the quorum)
# is refused, naming the zone and the position.
expect_exit 3 "log verify of the old log refuses its agreement" \
	"$ARM" log verify "$T/old" --key "$K/demo-log.vkey"
expect_grep "... after the tree verified, naming the zone" "zone 'jsa': at coordinates\\[0\\]\\[3\\]" "$T/err"
expect_exit 3 "append of the finding that crashed (exit 139) is refused" \
	"$ARM" append "$T/old" "$FIX/zone-empty-position.finding.signed"
expect_grep "append names the zone and the position" \
	"agreement:44:6: zone-geometry: geo: zone 'jsa': at coordinates\\[0\\]\\[3\\]: a position has 0 numbers" "$T/err"
one_line "append"
[ "$(sed -n 2p "$T/old/checkpoint")" = 4 ] && ok "append wrote nothing" || not_ok "the old log changed size"
expect_exit 3 "status on the old log is refused" "$ARM" status "$T/old"
one_line "status"
expect_exit 3 "serve refuses to start on the old log" \
	timeout 20 "$ARM" serve "$T/old" --listen 127.0.0.1:0 --key "$K/demo-log.key"
expect_grep "serve names the zone and the position" "zone 'jsa': at coordinates\\[0\\]\\[3\\]" "$T/err"

# A served log tests incidents against its (valid) zones through POST /add:
# the same incident and finding, and one at the edge of the world.
cd "$T" || exit 1
pilot_entries
"$ARM" log init log --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
pilot_witnesses || exit 1
pilot_serve srv log || exit 1
S=$URL
expect_ok "entry 0 is submitted" "$ARM" submit "$S" "$P/e00.signed" --log "$K/demo-log.vkey"
pilot_sign south c1 "kind: claim" "author: south" "seq: 1" "time: 2019-01-01T00:00:00Z" "commitment: no-fire"
pilot_sign north c2 "kind: claim" "author: north" "seq: 1" "time: 2019-01-01T00:00:00Z" "commitment: no-fire"
pilot_sign press i1 "kind: incident" "author: press" "seq: 1" "time: 2019-05-04T12:00:00+09:00" \
	"type: gunfire" "occurred: 2019-05-04T09:00:00+09:00" "lat: 37.956" "lon: 126.677" \
	"actor: north" "text: shots in the JSA"
pilot_sign press i2 "kind: incident" "author: press" "seq: 2" "time: 2019-05-04T12:00:00+09:00" \
	"type: gunfire" "occurred: 2019-05-04T09:00:00+09:00" "lat: -90" "lon: 180" \
	"actor: north" "text: shots at the pole"
pilot_sign nnsc f1 "kind: finding" "author: nnsc" "seq: 1" "time: 2019-05-05T00:00:00Z" \
	"incident: press/2" "verdict: confirmed" "method: imagery"
pilot_sign nnsc f2 "kind: finding" "author: nnsc" "seq: 2" "time: 2019-05-05T00:00:00Z" \
	"incident: press/1" "verdict: confirmed" "method: imagery"
for n in c1 c2 i1 i2 f1 f2; do
	expect_ok "POST /add of $n is answered" "$ARM" submit "$S" "$P/$n.signed" --log "$K/demo-log.vkey"
done
kill -0 "$(cat "$T/srv.pid")" 2>/dev/null && ok "serve is still running" || not_ok "serve died"
http 200 "GET /state after the findings" GET "$S/state"
[ "$(jq -r '.commitments[] | select(.id=="no-fire") | "\(.status) \(.breaches)"' "$T/body")" = "breached 1" ] &&
	ok "the incident inside the zone breached no-fire, the one at the pole did not" ||
	not_ok "no-fire: $(jq -c '.commitments[] | select(.id=="no-fire") | [.status, .breaches]' "$T/body")"

# The crashing agreement submitted as entry 0 of an empty served log, then
# the entries that made the engine test an incident against its zone: POST
# /add refuses the agreement with the zone's line, so nothing reaches GEOS,
# and the server keeps answering.
"$ARM" log init log2 --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
pilot_serve srv2 log2 || exit 1
S2=$URL
GOOD_AID=$AID
AID=$(sha256sum "$FIX/zone-empty-position.yaml" | cut -d' ' -f1)
{
	printf 'armistice/entry/v1\nkind: agreement\nagreement: %s\n\n' "$AID"
	cat "$FIX/zone-empty-position.yaml"
} >"$P/bad-e00.txt"
"$ARM" note sign --key "$K/demo-south.key" --key "$K/demo-north.key" "$P/bad-e00.txt" >"$P/bad-e00.signed"
expect_exit 3 "POST /add of the agreement with the crashing zone is refused" \
	"$ARM" submit "$S2" "$P/bad-e00.signed" --log "$K/demo-log.vkey"
expect_grep "the refusal names the zone and the position" "zone 'jsa': at coordinates\\[0\\]\\[3\\]: a position has 0 numbers" "$T/err"
pilot_sign south bc1 "kind: claim" "author: south" "seq: 1" "time: 2019-01-01T00:00:00Z" "commitment: no-fire"
pilot_sign north bc2 "kind: claim" "author: north" "seq: 1" "time: 2019-01-01T00:00:00Z" "commitment: no-fire"
pilot_sign press bi1 "kind: incident" "author: press" "seq: 1" "time: 2019-05-04T12:00:00+09:00" \
	"type: gunfire" "occurred: 2019-05-04T09:00:00+09:00" "lat: 37.5" "lon: 126.5" \
	"actor: north" "text: shots"
pilot_sign nnsc bf1 "kind: finding" "author: nnsc" "seq: 1" "time: 2019-05-05T00:00:00Z" \
	"incident: press/1" "verdict: confirmed" "method: imagery"
for n in bc1 bc2 bi1 bf1; do
	"$ARM" submit "$S2" "$P/$n.signed" --log "$K/demo-log.vkey" >/dev/null 2>&1
done
kill -0 "$(cat "$T/srv2.pid")" 2>/dev/null && ok "serve is still running after the entries" ||
	not_ok "serve died"
http 200 "GET /checkpoint still answers" GET "$S2/checkpoint"
expect_grep "the log is still empty" '^0$' "$T/body"
AID=$GOOD_AID
