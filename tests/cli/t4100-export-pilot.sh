#!/bin/sh
# t4100: armistice export on a pilot-agreement log (tests/data) is byte for
# byte the golden tables in tests/data/export/ (CSV, NDJSON, GeoJSON; with
# --at and --index too), once the times the log clock wrote when this test
# ran (the only thing that differs between runs) are replaced by LOGTIME and
# the clock leaves' digests by CLOCKLEAF. The CSV parses back (awk, RFC 4180)
# with the header's field count on every record; every column is in the data
# dictionary (docs/export.md). Twins: a log with one entry byte changed is
# refused, not exported; bad options exit 2.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine-lib.sh"

G=$TOP/tests/data/export
L=$T/log
NOW=2020-06-01T00:00:00Z
new_log "$L"
entry i1 nnsc 1 2017-11-29T12:00:00+09:00 incident "type: gunfire" "occurred: 2017-11-29T03:17:00+09:00" "lat: 37.956" "lon: 126.677" "actor: north" "text: shots across the line, near the JSA"
entry c1 south 1 2018-11-30T12:00:00+09:00 claim "commitment: gp-south"
entry c2 north 1 2018-11-30T12:00:00+09:00 claim "commitment: gp-north"
entry v1 nnsc 2 2018-12-12T17:00:00+09:00 attest "commitment: gp-south" "verdict: verified" "method: on-site"
entry v2 north 2 2018-12-12T17:00:00+09:00 attest "commitment: gp-south" "verdict: verified" "method: mutual"
entry v3 nnsc 3 2018-12-12T17:00:00+09:00 attest "commitment: gp-north" "verdict: verified" "method: on-site"
entry v4 south 2 2018-12-12T17:00:00+09:00 attest "commitment: gp-north" "verdict: verified" "method: mutual"
accepted "the first batch" "$L" "$T/i1.signed" "$T/c1.signed" "$T/c2.signed" \
	"$T/v1.signed" "$T/v2.signed" "$T/v3.signed" "$T/v4.signed"
entry w1 north 3 2019-03-06T00:00:00Z withdraw "commitment: gp-north" "reason: posts restored"
entry i2 press 1 2019-05-04T12:00:00+09:00 incident "type: mine-accident" "occurred: 2019-05-04T09:00:00+09:00" "text: a mine went off"
entry f1 nnsc 4 2019-05-05T00:00:00Z finding "incident: press/1" "verdict: dismissed" "method: imagery"
accepted "the second batch" "$L" "$T/w1.signed" "$T/i2.signed" "$T/f1.signed"

# Clock times are this run's (2020s and later); every entry is dated before 2020.
norm() {
	sed -e 's/20[2-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9:]*Z/LOGTIME/g' \
		-e '/,clock,/s/[0-9a-f]\{64\}/CLOCKLEAF/' \
		-e '/"kind":"clock"/s/"digest":"[0-9a-f]\{64\}"/"digest":"CLOCKLEAF"/'
}

golden() { # NAME ARGS...: export ARGS, normalized, equals $G/NAME
	gname=$1
	shift
	if "$ARM" export "$L" "$@" >"$T/raw" 2>"$T/err"; then
		norm <"$T/raw" >"$T/$gname"
		if [ -n "${ARMISTICE_REGOLD:-}" ]; then cp "$T/$gname" "$G/$gname"; fi
		if cmp -s "$T/$gname" "$G/$gname"; then
			ok "$gname is the golden file"
		else
			not_ok "$gname differs from $G/$gname: $(diff "$G/$gname" "$T/$gname" | head -5)"
		fi
	else
		not_ok "export $* (exit $?): $(head -c 300 "$T/err")"
	fi
}

for t in commitments changes incidents entries actors scores yearly; do
	golden "$t.csv" --table "$t" --now "$NOW"
done
golden commitments.ndjson --table commitments --format ndjson --now "$NOW"
golden entries.ndjson --table entries --format ndjson --now "$NOW"
golden incidents.geojson --table incidents --format geojson --now "$NOW"
golden commitments-at-2018-12-01.csv --table commitments --at 2018-12-01T00:00:00Z
golden entries-index-4.csv --table entries --index 4 --now "$NOW"

# ---- what the goldens say, in words ----
grep -q '^gp-north,p1,military,north,false,withdrawn,' "$G/commitments.csv" &&
	ok "gp-north is withdrawn in the golden" || not_ok "gp-north row"
grep -q '^2,nnsc,1,gunfire,north,2017-11-28T18:17:00Z,LOGTIME,true,37.9560000,126.6770000,jsa,,,confirmed,0' "$G/incidents.csv" &&
	ok "the gunfire incident lies in the jsa zone, dated in UTC" || not_ok "incident row: $(sed -n 2p "$G/incidents.csv")"
grep -q '"coordinates":\[126.6770000,37.9560000\]' "$G/incidents.geojson" &&
	ok "GeoJSON puts longitude first (RFC 7946)" || not_ok "GeoJSON coordinates"
[ "$(grep -c '"type":"Feature"' "$G/incidents.geojson")" = 1 ] &&
	ok "only the incident with a position is a feature" || not_ok "features"

# ---- every CSV parses back with the header's field count (RFC 4180) ----
"$ARM" export "$L" --output "$T/all" --now "$NOW" >/dev/null 2>"$T/err" ||
	not_ok "export --output: $(cat "$T/err")"
for f in "$T"/all/*.csv; do
	n=$(awk -f "$TOP/tests/cli/csv-check.awk" "$f" 2>"$T/awkerr")
	[ -n "$n" ] && [ "$n" -gt 1 ] && ok "$(basename "$f") parses back: $n records" ||
		not_ok "$(basename "$f"): $(cat "$T/awkerr")"
	cmp -s "$f" "$T/raw.$(basename "$f")" 2>/dev/null || true
done
for t in commitments changes incidents entries actors scores yearly; do
	norm <"$T/all/$t.csv" | cmp -s - "$G/$t.csv" && ok "--output $t.csv equals --table $t" ||
		not_ok "--output $t.csv differs"
done

# ---- the data dictionary has every column ----
for t in commitments changes incidents entries actors scores yearly; do
	for col in $(head -1 "$G/$t.csv" | tr -d '\r' | tr ',' ' '); do
		grep -q "^| \`$col\` |" "$TOP/docs/export.md" ||
			{ not_ok "docs/export.md lacks column $col of $t"; continue; }
	done
	ok "docs/export.md documents the columns of $t"
done

# ---- twins ----
cp -r "$L" "$T/bad"
f=$(grep -rl 'commitment: gp-south' "$T/bad/tile")
if [ -n "$f" ]; then
	# every copy (each partial entry tile) of the claim, so no reader sees the old one
	for x in $f; do sed -i 's/commitment: gp-south/commitment: gp-s0uth/' "$x"; done
	if "$ARM" export "$T/bad" --table commitments >"$T/out" 2>"$T/err"; then
		not_ok "a log with a changed entry byte was exported"
	else
		ok "a log with a changed entry byte is refused (exit $?)"
	fi
else
	not_ok "no entry file to tamper with"
fi
expect_exit 2 "--format geojson of a table without positions" "$ARM" export "$L" --table actors --format geojson
expect_exit 2 "an unknown table" "$ARM" export "$L" --table nothing
expect_exit 2 "neither --table nor --output" "$ARM" export "$L"
expect_exit 5 "--index past the log" "$ARM" export "$L" --table entries --index 999
