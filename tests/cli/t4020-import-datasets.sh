#!/bin/sh
# t4020: incidents from ACLED-style and UCDP GED-style CSV (files this test
# writes in those layouts) through a mapping file: every row becomes an
# incident signed by the importing monitor with its kind, alleged actor and
# position; a second import of the same file adds nothing; bad rows are
# reported by line and column and nothing is written; a bad mapping file
# is refused at its line. Twins of each.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine-lib.sh"

L=$T/log
new_log "$L"

cat >"$T/acled.map" <<'MAP'
# ACLED categories and actors to the pilot agreement's
format acled
kind Battles/Armed clash => gunfire
kind Explosions/Remote violence => mine-accident
actor Military Forces of North Korea (2011-) => north
actor Military Forces of South Korea (2022-) => south
MAP
cat >"$T/acled.csv" <<'CSV'
event_id_cnty,event_date,year,event_type,sub_event_type,actor1,actor2,admin1,latitude,longitude,notes,source,fatalities
KOR1,2019-05-04,2019,Battles,Armed clash,Military Forces of North Korea (2011-),Military Forces of South Korea (2022-),Gyeonggi,37.956,126.677,"Shots across the line, near the JSA; no casualties.",Yonhap,0
KOR2,05 June 2019,2019,Explosions/Remote violence,Remote explosive/landmine/IED,Unidentified Armed Group (South Korea),,Gangwon,38.2,127.5,"A mine went off
on a patrol path",Korea Herald,0
KOR3,2019-07-01,2019,Battles,Armed clash,Military Forces of South Korea (2022-),,Gyeonggi,,,No position given,NK News,0
CSV
expect_ok "the ACLED-style file imports" "$ARM" import incidents "$L" "$T/acled.csv" --map "$T/acled.map" --key "$K/demo-press.key" --time occurred --json
expect_grep "... three incidents" '"imported":3' "$T/out"
"$ARM" export "$L" --table incidents --format ndjson >"$T/inc" 2>"$T/err" || not_ok "export: $(cat "$T/err")"
jq -r '"\(.author) \(.kind) \(.actor) \(.occurred) \(.lat) \(.lon)"' "$T/inc" >"$T/got"
cat >"$T/want" <<'W'
press gunfire north 2019-05-03T15:00:00Z 37.956 126.677
press mine-accident null 2019-06-04T15:00:00Z 38.2 127.5
press gunfire south 2019-06-30T15:00:00Z null null
W
cmp -s "$T/got" "$T/want" && ok "kinds (type/sub first, then type), actors, days in the agreement's zone, positions" ||
	not_ok "incidents: $(diff "$T/want" "$T/got")"
"$ARM" log get "$L" 2 >"$T/e2"
expect_grep "the text keeps category, actors, notes and source" '^text: Battles / Armed clash \(Military Forces of North Korea \(2011-\) vs Military Forces of South Korea \(2022-\)\): Shots across the line, near the JSA; no casualties. \(source: Yonhap\)$' "$T/e2"
expect_grep "... signed by the importing monitor" '^— demo-press ' "$T/e2"

size=$(log_size "$L")
expect_ok "importing the same file again" "$ARM" import incidents "$L" "$T/acled.csv" --map "$T/acled.map" --key "$K/demo-press.key" --time occurred --json
expect_grep "... adds nothing and says so" '"imported":0,.*"already":3' "$T/out"
[ "$(log_size "$L")" = "$size" ] && ok "... the log did not grow" || not_ok "the log grew"

# ---- UCDP GED ----
cat >"$T/ucdp.map" <<'MAP'
format ucdp
kind 1 => gunfire
kind 3 => mine-accident
actor Government of North Korea => north
MAP
{
	echo 'id,year,type_of_violence,side_a,side_b,latitude,longitude,date_start,date_end,best,source_article'
	echo '1001,2019,1,Government of North Korea,Government of South Korea,37.95,126.68,2019-08-01 00:00:00.000,2019-08-02 00:00:00.000,2,"Reuters ""Clash at the line"" 2019-08-02"'
	echo '1002,2019,3,Government of North Korea,Civilians,38.1,127.1,2019-09-01,2019-09-01,0,AP'
} >"$T/ucdp.csv"
expect_ok "the UCDP-style file imports" "$ARM" import incidents "$L" "$T/ucdp.csv" --map "$T/ucdp.map" --key "$K/demo-press.key" --time occurred --json
expect_grep "... two incidents" '"imported":2' "$T/out"
last=$(($(log_size "$L") - 2))
"$ARM" log get "$L" "$last" >"$T/u1"
expect_grep "UCDP text: type, sides, best estimate, end date, source" '^text: UCDP type_of_violence 1 \(Government of North Korea vs Government of South Korea\): best estimate 2 deaths, until 2019-08-02 \(source: Reuters "Clash at the line" 2019-08-02\)$' "$T/u1"
expect_grep "... with its position" '^lat: 37.95$' "$T/u1"

# ---- bad rows: line and column, nothing written ----
size=$(log_size "$L")
{
	echo 'event_date,event_type,sub_event_type,actor1,actor2,latitude,longitude,notes,source'
	echo '2019-10-01,Battles,Armed clash,Military Forces of North Korea (2011-),,37.9,126.6,ok,X'
	echo '2019-13-45x,Battles,Armed clash,A,,37.9,126.6,bad date,X'
	echo '2019-10-02,Protests,Peaceful protest,A,,37.9,126.6,unmapped,X'
	echo '2019-10-03,Battles,Armed clash,A,,97.9,126.6,bad latitude,X'
	echo '2019-10-04,Battles,Armed clash,A,,37.9,,half a position,X'
} >"$T/bad.csv"
expect_exit 3 "a file with bad rows is refused" "$ARM" import incidents "$L" "$T/bad.csv" --map "$T/acled.map" --key "$K/demo-press.key"
expect_grep "... the date at line 3 col 1" '^line 3: col 1 \(event_date\): not a date' "$T/err"
expect_grep "... the unmapped category at line 4 col 2" '^line 4: col 2 \(event_type\): no kind rule in the map for .Protests.' "$T/err"
expect_grep "... the latitude at line 5 col 6" '^line 5: col 6 \(latitude\)' "$T/err"
expect_grep "... the missing longitude at line 6 col 7" '^line 6: col 7 \(longitude\)' "$T/err"
expect_grep "... and says nothing was imported" '4 bad rows .* nothing imported' "$T/err"
[ "$(log_size "$L")" = "$size" ] && ok "... nothing written" || not_ok "the log grew"

# ---- bad mapping files ----
printf 'format acled\nkind Battles => gunfire\nkind Riots => riot\n' >"$T/m1"
expect_exit 3 "a map naming no kind of the agreement" "$ARM" import incidents "$L" "$T/acled.csv" --map "$T/m1" --key "$K/demo-press.key"
expect_grep "... names the file and line" "m1:3: kind-known: 'riot'" "$T/err"
printf 'format acled\nkind Battles -> gunfire\n' >"$T/m2"
expect_exit 3 "a map line without =>" "$ARM" import incidents "$L" "$T/acled.csv" --map "$T/m2" --key "$K/demo-press.key"
expect_grep "... names the file and line" "m2:2: arrow" "$T/err"
expect_exit 2 "--map with --kind" "$ARM" import incidents "$L" "$T/acled.csv" --map "$T/acled.map" --kind x=y --key "$K/demo-press.key"
# An ACLED map on a UCDP file: the header lacks the columns.
expect_exit 3 "a UCDP file read with an ACLED map" "$ARM" import incidents "$L" "$T/ucdp.csv" --map "$T/acled.map" --key "$K/demo-press.key"
expect_grep "... names the missing column" "lacks the 'event_date' column \(acled\)" "$T/err"

# ---- the progress bar: on a terminal only ----
sed 's/2019-/2017-/' "$T/ucdp.csv" >"$T/ucdp3.csv"
expect_ok "an import with standard error to a file" "$ARM" import incidents "$L" "$T/ucdp3.csv" --map "$T/ucdp.map" --key "$K/demo-press.key" --time occurred
grep -q 'signing and checking \[' "$T/err" && not_ok "a progress bar without a terminal" ||
	ok "... draws no progress bar"
if command -v script >/dev/null 2>&1; then
	sed 's/2019-/2018-/' "$T/ucdp.csv" >"$T/ucdp2.csv"
	script -qec "'$ARM' import incidents '$L' '$T/ucdp2.csv' --map '$T/ucdp.map' --key '$K/demo-press.key' --time occurred" \
		/dev/null >"$T/tty" 2>&1
	grep -q 'signing and checking \[#*\] 2/2' "$T/tty" && ok "a progress bar on a terminal" ||
		not_ok "no progress bar on a terminal: $(head -c 300 "$T/tty")"
else
	ok "# SKIP script(1) is not installed: no pseudo-terminal for the progress bar"
fi

# ---- signing and checking on several threads: the same entries ----
awk 'BEGIN { print "event_id_cnty,event_date,year,event_type,sub_event_type,actor1,actor2,admin1,latitude,longitude,notes,source,fatalities"
	for (i = 1; i <= 301; i++)
		printf "KOR%d,2019-%02d-%02d,2019,Battles,Armed clash,Military Forces of North Korea (2011-),,Gyeonggi,37.9,126.6,Row %d,Bench,0\n", i, 1 + i % 12, 1 + i % 28, i }' >"$T/many.csv"
for th in 1 3; do
	new_log "$T/th$th"
	expect_ok "301 rows signed and checked on $th thread(s)" env ARMISTICE_THREADS=$th "$ARM" import incidents "$T/th$th" "$T/many.csv" --map "$T/acled.map" --key "$K/demo-press.key" --time occurred --json
	"$ARM" export "$T/th$th" --table entries --format ndjson | jq -c 'select(.kind != "clock") | [.index, .kind, .author, .digest]' >"$T/ent$th"
done
[ "$(wc -l <"$T/ent1")" -ge 301 ] && cmp -s "$T/ent1" "$T/ent3" && ok "... the same entries, byte for byte, whatever the thread count" ||
	not_ok "entries differ between 1 and 3 threads: $(diff "$T/ent1" "$T/ent3" | head -5)"
# The twin: a different file gives different entries under the same comparison.
sed 's/Row 7,/Row 7 changed,/' "$T/many.csv" >"$T/many2.csv"
new_log "$T/th9"
ARMISTICE_THREADS=3 "$ARM" import incidents "$T/th9" "$T/many2.csv" --map "$T/acled.map" --key "$K/demo-press.key" --time occurred --json >/dev/null 2>&1
"$ARM" export "$T/th9" --table entries --format ndjson | jq -c 'select(.kind != "clock") | [.index, .kind, .author, .digest]' >"$T/ent9"
cmp -s "$T/ent1" "$T/ent9" && not_ok "the comparison cannot tell two imports apart" || ok "... and a changed row shows in the same comparison"
