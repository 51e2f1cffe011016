#!/bin/sh
# t5140: GET /scores (docs/http.md): the worked example's implementation
# scores over HTTP are `armistice export`'s numbers, row for row (yearly
# and per commitment), now and as of a past date; the past answer differs
# from today's (the twin); bad parameters are 400, a plain log 404, and
# the rate limit counts /scores like /state?at=.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

need_cmd jq
EX="$TOP/examples/korea-2018"
cd "$T" || exit 1
ARM="$ARM" DEMO_QUIET=1 sh "$EX/demo.sh" "$T/demo" >demo.out 2>&1 ||
	{ not_ok "the example did not build: $(tail -n 5 demo.out)"; exit 1; }
L=$T/demo/log
start_server srv "$ARM" serve "$L" --listen 127.0.0.1:0 --zones "$EX" --rate 1 --rate-burst 6 || exit 1
S=$URL

NOW=2024-12-31T12:00:00Z
# same NAME QUERY EXPORT-OPTIONS...: /scores?QUERY equals the export's two tables.
same() {
	s_name=$1 s_q=$2
	shift 2
	http 200 "GET /scores?$s_q ($s_name)" GET "$S/scores?$s_q"
	cp "$T/body" "$s_name.json"
	grep -q 'Content-Type: application/json' "$T/headers" || not_ok "$s_name: not JSON"
	"$ARM" export "$L" --zones "$EX" --table yearly --format ndjson "$@" | jq -c . >"$s_name.yearly"
	"$ARM" export "$L" --zones "$EX" --table scores --format ndjson "$@" | jq -c . >"$s_name.scores"
	jq -c '.yearly[]' "$s_name.json" | cmp -s - "$s_name.yearly" &&
		ok "... its yearly rows are armistice export's ($(wc -l <"$s_name.yearly") years)" ||
		not_ok "$s_name: yearly differs: $(jq -c '.yearly[0]' "$s_name.json") vs $(head -n 1 "$s_name.yearly")"
	jq -c '.scores[]' "$s_name.json" | cmp -s - "$s_name.scores" &&
		ok "... and so is every commitment's score ($(wc -l <"$s_name.scores") rows)" ||
		not_ok "$s_name: scores differ"
}
same now "now=$NOW" --now "$NOW"
[ "$(jq -r '.schema' now.json)" = armistice/scores/v1 ] &&
	[ "$(jq -r '.entries' now.json)" = "$(curl -s "$S/checkpoint" | sed -n 2p)" ] &&
	ok "... schema armistice/scores/v1, computed from the published size" ||
	not_ok "head: $(head -c 120 now.json)"
[ "$(jq -r '.yearly[0].year' now.json)" = 2018 ] && [ "$(jq -r '.yearly[-1].year' now.json)" = 2024 ] &&
	ok "... the years 2018 to 2024 (the 1958-2017 import is not scored)" ||
	not_ok "years $(jq -c '[.yearly[].year]' now.json)"
same past "at=2019-06-30" --at 2019-06-30T23:59:59+09:00
[ "$(jq -c '[.yearly[].year]' past.json)" = "[2018,2019]" ] &&
	ok "as of 2019-06-30 (a date: the end of that day in UTC+9): 2018 and 2019 only" ||
	not_ok "past years $(jq -c '[.yearly[].year]' past.json)"
[ "$(jq -c '.yearly[1]' past.json)" != "$(jq -c '.yearly[1]' now.json)" ] &&
	ok "... and 2019 then differs from 2019 seen at its end (the twin)" ||
	not_ok "2019 as of June equals 2019 as of December: the as-of test proves nothing"

http 400 "GET /scores?at=yesterday is 400" GET "$S/scores?at=yesterday"
expect_grep "... saying why" '^at: ' "$T/body"
http 400 "GET /scores?now=2019-13-01 is 400" GET "$S/scores?now=2019-13-01"
# --rate 1 --rate-burst 6: twelve requests at once spend the bucket.
n429=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	c=$(curl -s -o /dev/null -D "h$i" -w '%{http_code}' "$S/scores")
	[ "$c" = 429 ] && n429=$((n429 + 1)) && cp "h$i" h429
done
[ "$n429" -ge 4 ] && ok "/scores is rate-limited like /state?at= ($n429 of 12 answered 429)" ||
	not_ok "only $n429 of 12 requests were limited"
[ -f h429 ] && expect_grep "... with Retry-After" '^Retry-After: ' h429
http 200 "the published /state is not counted" GET "$S/state"
stop_server srv

"$ARM" keygen plain.example/t5140 --out plain --dir "$T" >/dev/null 2>&1 &&
	"$ARM" log init plain --origin plain.example/t5140 --key "$T/plain.key" >/dev/null &&
	printf 'first\n' >p0.txt && "$ARM" log append plain p0.txt >/dev/null ||
	not_ok "the plain log"
start_server plain "$ARM" serve plain --listen 127.0.0.1:0 || exit 1
http 404 "a plain log has no /scores" GET "$URL/scores"
expect_grep "... and says why" '^no /scores: .*plain log' "$T/body"
stop_server plain
