#!/bin/sh
# t4000: armistice import incidents reads the CSIS table as published (Mac
# Roman, bare-CR record ends, quoted commas) and appends its 275 rows as
# signed incidents; a CSV with a bad row is refused by line number and
# nothing is written.
. "$(dirname "$0")/lib.sh"
EX=$TOP/examples/korea-2018
CSV=$SHARED/data/nk-provocations-1958-2017.csv
K=$EX_KEYS

size() { "$ARM" log checkpoint "$T/log" | sed -n 2p; }
imp() { # CSV [options...]
	f=$1
	shift
	"$ARM" import incidents "$T/log" "$f" --key "$K/csis.key" --actor dprk \
		--event "Nuclear Test=nuclear-test" --event "Inter-contin=icbm-launch" \
		--event "Satellite Launch=satellite-launch" --event "Rocket Engine Test=engine-test" \
		--kind "Missile Provocation=missile-launch" --kind "Nuclear Provocation=other-provocation" \
		--kind "Other=other-provocation" "$@"
}

for p in rok dprk us; do
	"$ARM" sign --key "$K/$p.key" --agreement "$EX/agreement.yaml" >"$T/ag.$p" ||
		not_ok "sign the agreement as $p"
done
expect_ok "init a log with the example agreement" \
	"$ARM" init "$T/log" --agreement "$EX/agreement.yaml" --log-key "$K/log.key" \
	"$T/ag.rok" "$T/ag.dprk" "$T/ag.us"

# The file is not UTF-8: the default charset names the first bad byte.
expect_exit 3 "utf-8 is refused for the Mac Roman table" imp "$CSV" --time occurred
expect_grep "... naming line and column" 'byte 0xd5 at line 17 col 220 is not valid UTF-8' "$T/err"
[ "$(size)" = 1 ] && ok "nothing written" || not_ok "log grew to $(size)"

expect_ok "dry run of 2017 only" imp "$CSV" --charset mac-roman --time occurred \
	--from 2017-01-01 --to 2017-12-31 --dry-run
expect_grep "... checks 20 rows" '^checked 20 incidents' "$T/out"
expect_grep "... skips the rest" '^skipped 255 rows' "$T/out"
[ "$(size)" = 1 ] && ok "dry run wrote nothing" || not_ok "dry run wrote: size $(size)"

expect_ok "import all 275 rows" imp "$CSV" --charset mac-roman --time occurred --json
expect_grep "... reports 275 imported" '"imported":275,' "$T/out"
expect_grep "... as csis seq 1..275" '"first_seq":1,"last_seq":275' "$T/out"
[ "$(size)" = 277 ] && ok "log holds the agreement and 275 incidents after one clock leaf" || not_ok "size $(size)"

expect_ok "importing the same table again" imp "$CSV" --charset mac-roman --time occurred --json
expect_grep "... adds nothing: all 275 rows are already in the log" '"imported":0,.*"already":275,' "$T/out"
[ "$(size)" = 277 ] && ok "... and the log did not grow" || not_ok "re-import grew the log to $(size)"

"$ARM" log get "$T/log" 2 >"$T/e1"
expect_grep "oldest row first" '^occurred: 1958-02-16T00:00:00\+09:00$' "$T/e1"
expect_grep "... an other-provocation" '^type: other-provocation$' "$T/e1"
"$ARM" log get "$T/log" 276 >"$T/e275"
expect_grep "the Hwasong-15 launch last, as an ICBM" '^type: icbm-launch$' "$T/e275"
expect_grep "... quoted commas kept" '^text: .*a distance of 13,000 km if fired' "$T/e275"
expect_grep "... alleged actor" '^actor: dprk$' "$T/e275"
if grep -q '^lat:' "$T/e275"; then not_ok "a position was invented"; else ok "no position invented"; fi
if tr -d '\n' <"$T/e275" | grep -q "$(printf '\r')"; then not_ok "CR in an entry"; else ok "no CR in entries"; fi
expect_ok "the engine replays the imported log" "$ARM" status "$T/log" --json \
	--at 2018-07-21T12:00:00+09:00
if command -v jq >/dev/null; then
	[ "$(jq .calm.days "$T/out")" = 234 ] && ok "234 days without a provocation on 21 July 2018" ||
		not_ok "calm days $(jq .calm.days "$T/out")"
fi

# ---- tampered twins: each bad CSV is refused, naming its line; nothing written ----
hdr='date,year,month,weekday,type,event,description,media'
good='2018-01-01,2018,1,1,Other,Test Row,"A row, with a comma",http://example.org/a'
printf '%s\r%s\r%s\r' "$hdr" "$good" '2018-01-02,2018,1,2,Other,Bad "quote",x,y' >"$T/q.csv"
expect_exit 3 "a stray quote is refused" imp "$T/q.csv"
expect_grep "... at its line and column" 'double quote inside an unquoted field at line 3 col 31' "$T/err"

printf '%s\r%s\r%s\r%s\r' "$hdr" "$good" "$good" '2018-02-30,2018,2,5,Other,Bad date,x,y' >"$T/d.csv"
expect_exit 3 "an impossible date is refused" imp "$T/d.csv" --time occurred
expect_grep "... naming line 4" 'line 4' "$T/err"

printf '%s\r%s\r%s\r' "$hdr" '2018-03-01,2018,3,4,Weather,Rain,x,y' '2018-03,2018,3,4,Other,x,y,z' >"$T/k.csv"
expect_exit 3 "unknown types and bad dates are all reported" imp "$T/k.csv"
expect_grep "... line 2: no incident kind" "line 2: type 'Weather'" "$T/err"
expect_grep "... line 3: the date" "line 3: date '2018-03' is not YYYY-MM-DD" "$T/err"

printf '%s\r%s\r%s\r' "$hdr" "$good" '2018-01-03,2018,1,3,Other' >"$T/w.csv"
expect_exit 3 "a short row is refused" imp "$T/w.csv"
expect_grep "... naming line 3" 'line 3: 5 fields where the header has 8' "$T/err"

printf '%s\r%s\r' "$hdr" "$good" >"$T/g.csv"
expect_exit 3 "a report dated before the incident breaks a rule" \
	imp "$T/g.csv" --time 1990-01-01T00:00:00Z
expect_grep "... and names the line" 'line 2.*time-wellformed' "$T/err"

"$ARM" keygen demo.stranger.armistice-example --dir "$T" --out stranger >/dev/null 2>&1
expect_exit 3 "a key that no actor holds is refused" \
	"$ARM" import incidents "$T/log" "$CSV" --key "$T/stranger.key" --charset mac-roman
expect_exit 2 "--kind needs TYPE=KIND" imp "$CSV" --kind Other
[ "$(size)" = 277 ] && ok "no refused import wrote anything" || not_ok "size $(size)"
