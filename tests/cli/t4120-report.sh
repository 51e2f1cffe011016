#!/bin/sh
# t4120: `armistice report` for September 2018 of the worked example
# (examples/korea-2018, the log `make demo` builds). Its numbers are the
# engine's as of 2018-09-30, checked against `status --json --at
# 2018-09-30` and the export of the entries: commitments by status,
# progress, overdue, incidents in the period, days of calm, the period's
# entries and status changes. The HTML parses (python3's html.parser,
# xmllint --html when present), declares its language, has no external
# resource, its tables have headers, its SVGs a title and a desc. --pdf
# prints a PDF with headless Chromium. Twins: a bad date, a period that
# ends before it starts, a bad --by: exit 2, one line, nothing written; a
# second period (May-June 2020) with incidents shows them on the map.
. "$(dirname "$0")/lib.sh"
EX=$TOP/examples/korea-2018

for t in jq python3; do
	if ! command -v "$t" >/dev/null; then
		not_ok "$t is needed (scripts/setup.sh installs it)"
		exit 1
	fi
done

expect_ok "demo.sh builds the example log" env DEMO_QUIET=1 ARM="$ARM" sh "$EX/demo.sh" "$T/a"
L=$T/a/log
expect_ok "report for September 2018" "$ARM" report "$L" --from 2018-09-01 --to 2018-09-30 -o "$T/sep.html"
"$ARM" status "$L" --at 2018-09-30 --json >"$T/state.json" || not_ok "status --json"
"$ARM" export "$L" --at 2018-09-30T23:59:59+09:00 --table entries --format ndjson >"$T/entries.ndjson" || not_ok "export entries"

# The numbers the report carries by id (docs/report.md), read by an HTML parser.
ids() { # FILE -> "id value" lines
	python3 - "$1" <<'PY'
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.vals = [], {}
    def handle_starttag(self, tag, attrs):
        self.stack.append(dict(attrs).get("id"))
    def handle_endtag(self, tag):
        if self.stack:
            self.stack.pop()
    def handle_data(self, d):
        for i in self.stack:
            if i and i.startswith("n-"):
                self.vals[i] = self.vals.get(i, "") + d
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
for k, v in sorted(p.vals.items()):
    print(k, v.strip())
PY
}
ids "$T/sep.html" >"$T/ids"
val() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$T/ids"; }
same() { # DESC GOT WANT
	[ "$2" = "$3" ] && ok "$1 ($2)" || not_ok "$1: got '$2', want '$3'"
}

for s in pending open claimed disputed verified held done kept breached withdrawn; do
	same "commitments $s equal status --json" "$(val "n-$s")" \
		"$(jq --arg s "$s" '[.commitments[] | select(.status == $s)] | length' "$T/state.json")"
done
same "all commitments" "$(val n-commitments)" "$(jq '.commitments | length' "$T/state.json")"
same "progress equals status --json" "$(val n-progress)" \
	"$(jq -r '"\(.progress.done) of \(.progress.total)"' "$T/state.json")"
same "overdue equals status --json" "$(val n-overdue)" "$(jq '.overdue | length' "$T/state.json")"
same "days of calm at the end equal status --json" "$(val n-calm)" "$(jq -r '.calm.days // "none"' "$T/state.json")"
FROM=2018-08-31T15:00:00Z TO=2018-09-30T14:59:59Z # September 2018 in +09:00
same "incidents in the period equal status --json's" "$(val n-incidents)" \
	"$(jq --arg f $FROM --arg t $TO '[.incidents[] | select(.occurred >= $f and .occurred <= $t)] | length' "$T/state.json")"
same "status changes in the period equal the histories'" "$(val n-changes)" \
	"$(jq --arg f $FROM --arg t $TO '[.commitments[].history[] | select(.time >= $f and .time <= $t)] | length' "$T/state.json")"
# An entry's event time: an incident's occurred, else its time (docs/report.md).
want=$(jq -s --arg f $FROM --arg t $TO '[.[] | select(.kind != "clock" and .kind != "agreement") |
	(.occurred // .time) as $w | select($w >= $f and $w <= $t)] | length' "$T/entries.ndjson")
same "entries in the period equal the export's" "$(val n-entries)" "$want"
[ "$want" -gt 0 ] && ok "September 2018 has entries ($want)" || not_ok "no entry in September 2018: the check above proves nothing"
grep -q '<td>liaison-office</td><td>claimed</td><td>done</td>' "$T/sep.html" &&
	ok "the liaison office opening is a status change of the period" ||
	not_ok "liaison-office claimed -> done not listed"

# ---- the document ----
if python3 - "$T/sep.html" >"$T/py" 2>&1 <<'PY'
import html.parser, re, sys
src = open(sys.argv[1], encoding="utf-8").read()
VOID = {"meta", "br", "img", "input", "link", "hr", "path", "circle", "rect"}
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.tags = [], [], []
    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("unbalanced </%s> at %s" % (tag, self.getpos()))
        else:
            self.stack.pop()
p = P()
p.feed(src)
p.close()
assert not p.errors, p.errors[:3]
assert not p.stack, "unclosed: %s" % p.stack
html = [a for t, a in p.tags if t == "html"]
assert html and html[0].get("lang") == "en", "no lang"
for t, a in p.tags:
    for k in ("src", "href", "xlink:href", "action", "data"):
        v = a.get(k)
        assert v is None or v.startswith("#"), "external %s=%s" % (k, v)
assert not re.search(r"url\(\s*['\"]?(?!#)", src), "a CSS url()"
assert "@import" not in src and "<script" not in src, "import or script"
tables = src.count("<table")
assert tables == src.count("<thead>"), "a table without a header row"
svgs = src.count("<svg")
assert svgs >= 2 and src.count("<title id=") == svgs and src.count("<desc id=") == svgs, "svg title/desc"
print(tables, "tables,", svgs, "svgs")
PY
then
	ok "the HTML parses, lang=en, no external resource, no script, headers and SVG titles ($(cat "$T/py"))"
else
	not_ok "HTML: $(tail -3 "$T/py")"
fi
if command -v xmllint >/dev/null 2>&1; then
	expect_ok "xmllint --html reads it without error" xmllint --html --noout "$T/sep.html"
fi
grep -q '<svg id="map"' "$T/sep.html" && ok "a map of the zones" || not_ok "no map"
grep -q '<svg id="chart"' "$T/sep.html" && ok "a chart of incidents per month" || not_ok "no chart"
grep -q 'stroke="#c00000"' "$T/sep.html" && grep -q 'reference line (Military Demarcation Line)' "$T/sep.html" &&
	ok "the map draws the reference line" || not_ok "no reference line on the map"
# Every zone is drawn: 4 polygons, the LSIB lines, and the 3 bands by distance to the line.
grep -q 'not drawn' "$T/sep.html" && not_ok "a zone is not drawn: $(grep 'not drawn' "$T/sep.html")" ||
	ok "every zone of the agreement is drawn, bands included"
same "a filled area per polygon and band zone" "$(grep -c 'fill-opacity="0.18"' "$T/sep.html")" 7
n=$(grep -c '<th scope="row">20' "$T/sep.html")
same "the chart's table has 12 months, October 2017 to September 2018" \
	"$(grep -o '<th scope="row">20[0-9-]*</th>' "$T/sep.html" | sed -n '1p;$p' | tr -d '\n' | sed 's/<[^>]*>/ /g' | tr -s ' ')" \
	" 2017-10 2018-09 "
[ "$n" -eq 12 ] && ok "12 rows in the chart's table" || not_ok "chart rows: $n"
grep -q '<tr><th scope="row">2017-11</th><td class="n">1</td><td class="n">1</td></tr>' "$T/sep.html" &&
	ok "the November 2017 ICBM launch is in the chart's numbers" || not_ok "2017-11 not counted"

# A period with incidents: they are numbered on the map, as in the table.
expect_ok "report May-June 2020 by week" "$ARM" report "$L" --from 2020-05-01 --to 2020-06-30 --by week -o "$T/mj.html"
"$ARM" status "$L" --at 2020-06-30 --json >"$T/mj.json"
ids "$T/mj.html" >"$T/ids"
same "May-June 2020: incidents equal status --json's" "$(val n-incidents)" \
	"$(jq '[.incidents[] | select(.occurred >= "2020-04-30T15:00:00Z" and .occurred <= "2020-06-30T14:59:59Z")] | length' "$T/mj.json")"
same "... each with a position is a circle on the map" "$(grep -c '<circle' "$T/mj.html")" \
	"$(jq '[.incidents[] | select(.occurred >= "2020-04-30T15:00:00Z" and .occurred <= "2020-06-30T14:59:59Z" and .lat != null)] | length' "$T/mj.json")"
same "... and the calm restarts with the June 2020 demolition" "$(val n-calm)" "$(jq '.calm.days' "$T/mj.json")"
expect_grep "a scale bar" '<g id="scale">.*km</text>' "$T/mj.html"

# ---- bad dates: exit 2, one line, nothing written ----
bad() { # DESC ARGS...
	d=$1
	shift
	rm -f "$T/bad.html" "$T/bad.pdf"
	expect_exit 2 "$d: exit 2" "$ARM" report "$L" -o "$T/bad.html" "$@"
	[ "$(wc -l <"$T/err")" -le 2 ] && grep -q '^armistice report: ' "$T/err" &&
		ok "$d: one error line" || not_ok "$d: error: $(cat "$T/err")"
	[ ! -e "$T/bad.html" ] && [ ! -e "$T/bad.html.tmp" ] && ok "$d: nothing written" || not_ok "$d: a file was written"
}
bad "a day that does not exist" --from 2018-09-31 --to 2018-10-01
bad "not a date" --from yesterday --to 2018-09-30
bad "a period that ends before it starts" --from 2018-10-01 --to 2018-09-30
bad "a time before the start date" --from 2018-09-30 --to 2018-09-01T00:00:00Z
bad "a bad --by" --from 2018-09-01 --to 2018-09-30 --by year
bad "no --to" --from 2018-09-01

# ---- --pdf ----
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
	ok "# SKIP chromium is not installed: --pdf cannot be checked"
	exit 0
fi
expect_ok "--pdf prints it with headless Chromium" "$ARM" report "$L" --from 2018-09-01 --to 2018-09-30 --pdf "$T/sep.pdf"
[ "$(head -c 5 "$T/sep.pdf")" = "%PDF-" ] && ok "the PDF starts with %PDF-" || not_ok "not a PDF: $(head -c 20 "$T/sep.pdf" | od -c | head -2)"
if command -v pdfinfo >/dev/null 2>&1; then
	pages=$(pdfinfo "$T/sep.pdf" | awk '/^Pages:/ {print $2}')
	[ "${pages:-0}" -ge 2 ] && ok "pdfinfo reads it: $pages pages" || not_ok "pdfinfo: $pages pages"
else
	tail -c 1024 "$T/sep.pdf" | grep -q '%%EOF' && ok "the PDF ends with %%EOF (no pdfinfo here)" || not_ok "no %%EOF"
fi
expect_exit 4 "--pdf with a Chromium that fails: exit 4" env ARMISTICE_CHROMIUM=false \
	"$ARM" report "$L" --from 2018-09-01 --to 2018-09-30 --pdf "$T/none.pdf" -o "$T/none.html"
[ ! -e "$T/none.pdf" ] && [ ! -e "$T/none.html" ] && ok "... and nothing is written" || not_ok "a file was written"
expect_exit 4 "--pdf without Chromium: exit 4" env -u ARMISTICE_CHROMIUM PATH=/nonexistent \
	"$ARM" report "$L" --from 2018-09-01 --to 2018-09-30 --pdf "$T/none.pdf"
expect_grep "... saying Chromium is needed" 'needs Chromium' "$T/err"
