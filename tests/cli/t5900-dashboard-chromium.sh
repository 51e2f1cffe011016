#!/bin/sh
# The dashboard, checked in a real headless Chromium: a log server with
# three witnesses serves the pilot agreement and its entries; the page
# must render the same numbers as /state (steps, days, open, overdue), a
# card and a graph node for every commitment, the zones on the map, and
# follow the log: a page taken before the last entries shows the state of
# that moment, not the latest one. Then the worked example's log (1958-2024)
# in playwright-core (tests/web/dashboard.mjs): every view at 1400 and 390
# px, axe-core, dates, the as-of date, in-browser proofs against a lying
# server, the map, the graph, Korean. Screenshots: build/dashboard-shots/.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
	not_ok "chromium is not installed (scripts/setup.sh installs it)"
	exit 1
fi

cd "$T" || exit 1
pilot_entries
"$ARM" log init log --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
pilot_witnesses || exit 1
pilot_serve srv log || exit 1
S=$URL
submit() {
	for n in "$@"; do
		"$ARM" submit "$S" "$P/e$n.signed" --log "$K/demo-log.vkey" >/dev/null 2>&1 ||
			not_ok "submit e$n"
	done
}
submit 00 01 02

http 200 "GET / serves the dashboard" GET "$S/"
expect_grep "dashboard is HTML" 'Content-Type: text/html' "$T/headers"
http 200 "GET /dashboard/app.js" GET "$S/dashboard/app.js"
expect_grep "app.js is JavaScript" 'Content-Type: text/javascript' "$T/headers"
http 200 "GET /dashboard/app.css" GET "$S/dashboard/app.css"
expect_grep "app.css is CSS" 'Content-Type: text/css' "$T/headers"
http 404 "an unknown dashboard file is 404" GET "$S/dashboard/nope.js"
http 404 "no path traversal out of the dashboard" GET "$S/dashboard/..%2f..%2fcheckpoint"
http 200 "GET /zone/jsa gives the zone's GeoJSON" GET "$S/zone/jsa"
expect_grep "zone is GeoJSON" '"type"' "$T/body"
http 404 "an unknown zone is 404" GET "$S/zone/nowhere"
chrome() {
	cname=$1
	shift
	# The flags keep Chromium off the network (this machine has none) and
	# out of any profile: a new empty user-data-dir each run.
	timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$T/chrome-$cname" --window-size=1300,1600 \
		--virtual-time-budget=8000 "$@" 2>"$T/chrome.err"
}

# The page before the verifications: taken now, checked at the end.
curl -s "$S/state" >state-early.json
chrome early --dump-dom "$S/#board" >dom-early.html
submit 03 04 05 06
curl -s "$S/state" >state.json

for tab in board graph map; do
	chrome "$tab" --dump-dom "$S/#$tab" >"dom-$tab.html"
	[ -s "dom-$tab.html" ] && ok "chromium rendered the $tab tab" ||
		not_ok "chromium rendered nothing for $tab: $(tail -n 3 "$T/chrome.err")"
done

# The numbers on the page are the numbers in /state.
done_n=$(jq -r '.progress.done' state.json)
total=$(jq -r '.progress.total' state.json)
grep -q "<div class=\"big\">$done_n of $total</div>" dom-board.html &&
	ok "steps on the page match /state ($done_n of $total)" ||
	not_ok "steps '$done_n of $total' not on the page"
open_n=$(jq -r '.open | length' state.json)
grep -q "id=\"stat-open\"><div class=\"big\">$open_n</div>" dom-board.html &&
	ok "open count matches /state ($open_n)" || not_ok "open count $open_n not on the page"
calm=$(jq -r 'if .calm.days == null then "none" else .calm.days end' state.json)
grep -q "id=\"stat-calm\"><div class=\"big\">$calm</div>" dom-board.html &&
	ok "days since the last provocation match /state ($calm)" ||
	not_ok "calm '$calm' not on the page"
title=$(jq -r '.agreement.title' state.json)
grep -qF "$title" dom-board.html && ok "the agreement's title is shown" ||
	not_ok "title '$title' missing"
missing=""
for id in $(jq -r '.commitments[].id' state.json); do
	grep -q "id=\"c-$id\"" dom-board.html || missing="$missing $id"
	grep -q "data-id=\"$id\"" dom-graph.html || missing="$missing graph:$id"
done
[ -z "$missing" ] && ok "every commitment has a card and a graph node" ||
	not_ok "missing on the page:$missing"
status=$(jq -r '.commitments[] | select(.id=="gp-south") | .status' state.json)
grep -q "id=\"c-gp-south\"" dom-board.html &&
	grep -A3 "id=\"c-gp-south\"" dom-board.html | grep -q "chip s-$status" &&
	ok "gp-south's card shows its status ($status)" || not_ok "gp-south's status chip wrong"
grep -q 'leaflet-container' dom-map.html &&
	ok "the map is drawn (Leaflet)" || not_ok "no map"
grep -q 'data-zone="jsa"' dom-map.html && ok "the map's legend names the agreement's zones" ||
	not_ok "zones not listed on the map"

# An entry's page: signature, inclusion proof, checkpoint and cosignatures
# checked in the browser; on this log the witnesses cosigned, so it passes.
chrome entry --dump-dom "$S/#/entry/3" >dom-entry.html
grep -q 'data-verdict="ok"' dom-entry.html && ok "entry 3's page: every check passes in the browser" ||
	not_ok "entry 3: $(grep -o 'data-check="[a-z]*"[^<]*<span class="res">[^<]*' dom-entry.html | tr '\n' ' ')"
n=$(grep -o 'class="pass" data-check=' dom-entry.html | wc -l)
[ "$n" -ge 5 ] && ok "... $n checks shown as passed (signature, proof, checkpoint, same checkpoint, cosignatures)" ||
	not_ok "only $n checks passed"

chrome shot --screenshot="$T/board.png" "$S/" >/dev/null
[ -s "$T/board.png" ] && ok "a screenshot was taken" || not_ok "no screenshot"

# The twin: the page taken before the last entries shows that moment's
# numbers, which differ from the latest ones.
e_done=$(jq -r '.progress.done' state-early.json)
[ "$e_done" != "$done_n" ] && ok "the pilot's progress changed ($e_done -> $done_n)" ||
	not_ok "the pilot's progress did not change: the twin proves nothing"
grep -q "<div class=\"big\">$e_done of $total</div>" dom-early.html &&
	ok "the earlier page shows the earlier state ($e_done of $total)" ||
	not_ok "the earlier page does not show '$e_done of $total'"
grep -q "<div class=\"big\">$done_n of $total</div>" dom-early.html &&
	not_ok "the earlier page shows the later numbers" || ok "the earlier page does not show the later numbers"

# ---- who cosigned: the witnesses, checked in the browser ----
# The pilot's published checkpoint carries the quorum (both parties' and
# the neutral witnesses): each is shown as cosigned, its Ed25519
# cosignature checked in the page against the agreement's witness keys.
for w in w-south w-north w-nnsc; do
	grep -q "data-witness=\"$w\" data-check=\"verified\"" dom-board.html &&
		ok "the page shows $w's cosignature, verified" ||
		not_ok "$w not shown as verified: $(grep -o "data-witness=\"$w\"[^>]*" dom-board.html)"
done
grep -q 'id="witnesses"[^>]*data-quorum="met"' dom-board.html && ok "the page says the quorum is met" ||
	not_ok "quorum not shown as met"
grep -q 'quorum (group both = 2 of \[parties, neutrals\]): met' dom-board.html &&
	ok "... naming the agreement's rule" || not_ok "the quorum rule is not shown"
grep -q 'Ed25519 signature over this checkpoint' dom-board.html &&
	ok "the page says what it checked" || not_ok "the page does not say what it checked"
grep -q 'id="quorum-warning"[^>]*hidden' dom-board.html && ok "no quorum warning when it is met" ||
	not_ok "a quorum warning is shown though the quorum is met"

# The twin: a log built locally (armistice init and append, no witness saw
# it) served without witnesses: its checkpoint has no cosignature, and the
# page warns.
"$ARM" sign --key "$K/demo-south.key" --agreement "$P/agreement.yaml" >south.signed &&
	"$ARM" sign --key "$K/demo-north.key" --agreement "$P/agreement.yaml" >north.signed &&
	"$ARM" init local --agreement "$P/agreement.yaml" --log-key "$K/demo-log.key" \
		south.signed north.signed >/dev/null 2>&1 ||
	not_ok "the local log could not be made"
"$ARM" append local "$P/e01.signed" "$P/e02.signed" >/dev/null 2>&1 || not_ok "append to the local log"
# An amendment that moves both guard-post deadlines from 2018-12-31 to
# 2019-06-30, signed by both parties: the deadline history of a commitment.
sed 's/due: 2018-12-31/due: 2019-06-30/' "$P/agreement.yaml" >"$P/amended.yaml"
{ "$ARM" amend local --agreement "$P/amended.yaml" --time 2019-01-01T00:00:00Z >am.entry &&
	"$ARM" sign --key "$K/demo-south.key" am.entry >am.south &&
	"$ARM" sign --key "$K/demo-north.key" am.entry >am.north &&
	"$ARM" amend local --agreement "$P/amended.yaml" --time 2019-01-01T00:00:00Z \
		--combine am.south am.north >am.signed &&
	"$ARM" append local am.signed >/dev/null; } 2>am.err || not_ok "the amendment: $(tail -n 2 am.err)"
start_server local "$ARM" serve local --listen 127.0.0.1:0 || exit 1
curl -s "$URL/state" >state-local.json
am=$(jq -r '.commitments[] | select(.id=="gp-south") | .due_history[0].index' state-local.json)
[ "$(jq -r '.commitments[] | select(.id=="gp-south") | .due_history[0] | "\(.from) \(.to)"' state-local.json)" = "2018-12-31 2019-06-30" ] &&
	ok "the amended log's /state has gp-south's deadline history (entry $am)" ||
	not_ok "due_history: $(jq -c '.commitments[0].due_history' state-local.json)"
chrome due --dump-dom "$URL/#/commitment/gp-south" >dom-due.html
grep -q '<li data-due="2018-12-31">due <time datetime="2018-12-31">31 Dec 2018</time></li>' dom-due.html &&
	ok "gp-south's page: the first deadline (31 Dec 2018, the agreement's calendar day)" ||
	not_ok "no first deadline row: $(grep -o '<ol class="plain due-history">.\{0,300\}' dom-due.html)"
grep -q "<li data-index=\"$am\" data-due=\"2019-06-30\">extended to <time datetime=\"2019-06-30\">30 Jun 2019</time> by entry <a href=\"#/entry/$am\" class=\"entry-link\">#$am</a></li>" dom-due.html &&
	ok "... extended to 30 Jun 2019 by entry $am, linking to that entry" ||
	not_ok "no extension row: $(grep -o '<ol class="plain due-history">.\{0,400\}' dom-due.html)"
chrome due-ko --dump-dom "$URL/?lang=ko#/commitment/gp-south" >dom-due-ko.html
grep -q "<li data-index=\"$am\" data-due=\"2019-06-30\">항목 <a href=\"#/entry/$am\" class=\"entry-link\">#$am</a>에 의해 <time datetime=\"2019-06-30\">2019년 6월 30일</time>(으)로 연장</li>" dom-due-ko.html &&
	ok "... and in Korean, with the date formatted for Korean" ||
	not_ok "no Korean extension row: $(grep -o '<ol class="plain due-history">.\{0,400\}' dom-due-ko.html)"
chrome due-none --dump-dom "$URL/#/commitment/no-fire" >dom-due-none.html
grep -q 'due-history' dom-due-none.html && not_ok "a commitment whose deadline never moved shows a deadline history" ||
	ok "a commitment without a moved deadline shows no deadline history (the twin)"
chrome local --dump-dom "$URL/#board" >dom-local.html
grep -q 'id="witnesses"[^>]*data-quorum="not-met"' dom-local.html &&
	ok "an uncosigned checkpoint: the page says the quorum is not met" ||
	not_ok "the uncosigned log's page does not say not-met"
grep -q 'id="quorum-warning" class="warning" role="alert"><strong>Warning: the witness quorum is not met.</strong><span class="more"> 0 of 3 witnesses cosigned' \
	dom-local.html && ok "... and shows a visible warning" ||
	not_ok "no visible warning: $(grep -o '<p id="quorum-warning"[^<]*' dom-local.html)"
n=$(grep -o 'data-check="missing"' dom-local.html | wc -l)
[ "$n" -eq 3 ] && ok "... with the three witnesses shown as missing" || not_ok "$n missing witnesses shown"
stop_server local

# The tampered twin: the pilot's checkpoint with one flipped byte in
# w-north's cosignature. The page must not count it.
stop_server srv
awk '/^— demo-w-north / { s = $3; c = substr(s, 20, 1); c = (c == "A") ? "B" : "A";
	$3 = substr(s, 1, 19) c substr(s, 21) } { print }' log/checkpoint >ck.bad
cmp -s log/checkpoint ck.bad && not_ok "the tampered checkpoint is not tampered"
cat ck.bad >log/checkpoint
start_server srv2 "$ARM" serve log --listen 127.0.0.1:0 --key "$K/demo-log.key" --zones "$P" || exit 1
chrome bad --dump-dom "$URL/#board" >dom-bad.html
grep -q 'data-witness="w-north" data-check="bad"' dom-bad.html &&
	ok "a flipped cosignature byte is shown as a bad signature" ||
	not_ok "w-north: $(grep -o 'data-witness="w-north"[^>]*' dom-bad.html)"
grep -q 'id="witnesses"[^>]*data-quorum="not-met"' dom-bad.html &&
	grep -q 'id="quorum-warning" class="warning" role="alert"><strong>Warning' dom-bad.html &&
	ok "... and the quorum is not met, with the warning shown" ||
	not_ok "the bad cosignature still meets the quorum on the page"
stop_server srv2

# ---- the worked example's log, in playwright-core ----
SHOTS="$(dirname "$ARM")/dashboard-shots"
if ! [ -d "$TOP/node_modules/playwright-core" ]; then
	not_ok "node_modules is missing: run scripts/setup.sh (npm ci)"
	exit 1
fi
DEMO_QUIET=1 ARM="$ARM" sh "$TOP/examples/korea-2018/demo.sh" "$T/korea" >korea.out 2>&1 ||
	not_ok "the worked example's log was not built: $(tail -n 3 korea.out)"
start_server korea "$ARM" serve "$T/korea/log" --listen 127.0.0.1:0 --zones "$TOP/examples/korea-2018" || exit 1
KURL=$URL
# The implementation scores as `armistice export` computes them: the
# dashboard's chart and tables must show the same numbers.
mkdir -p export
"$ARM" export "$T/korea/log" --table yearly --format ndjson --zones "$TOP/examples/korea-2018" >export/yearly.ndjson &&
	"$ARM" export "$T/korea/log" --table scores --format ndjson --zones "$TOP/examples/korea-2018" >export/scores.ndjson ||
	not_ok "armistice export of the worked example failed"
(cd "$TOP" && timeout 300 node tests/web/dashboard.mjs "$KURL" "$SHOTS" "$T/export") >web.out 2>&1
rc=$?
grep -E '^(ok|not ok) - |^# ' web.out | sed "s/^\(ok\|not ok\) - /\1 - $script: /"
[ "$rc" -eq 0 ] && ok "the dashboard's browser test passed (screenshots in $SHOTS)" ||
	not_ok "the dashboard's browser test failed (exit $rc): $(grep -v -E '^(ok|not ok) - |^# ' web.out | tail -n 5)"
stop_server korea
