#!/bin/sh
# t4130: `armistice export URL` audits a served log (checkpoint signature,
# every bundle and tile, the witness quorum, the trust roots pinned in the
# auditor's state) and then exports the entries it verified: every table,
# byte for byte the export of the log's directory, from a real `serve` with
# three witnesses and from a static copy of the log over plain HTTP. Twins:
# the static copy with one byte of an entry bundle changed fails, and
# nothing is written (no output directory, no state); a URL export with a
# pinned agreement that is not the log's is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

if ! command -v python3 >/dev/null 2>&1; then
	not_ok "python3 is needed for the static server (scripts/setup.sh installs it)"
	exit 1
fi
cd "$T" || exit 1
pilot_entries
pilot_sign nnsc e07 "kind: incident" "author: nnsc" "seq: 3" \
	"time: 2018-12-13T09:00:00+09:00" "type: gunfire" "occurred: 2018-12-13T08:00:00+09:00" \
	"lat: 37.956" "lon: 126.677" "actor: north" "text: Shots across the line near GP 4."
"$ARM" log init log --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
pilot_witnesses || exit 1
pilot_serve srv log || exit 1
S=$URL
expect_ok "the served log takes the pilot's entries" "$ARM" submit "$S" "$P"/e0[0-7].signed
NOW=2020-01-01T00:00:00Z

expect_ok "export DIR --output" "$ARM" export log --output dir --now "$NOW" --zones "$P"
expect_ok "export URL --output" "$ARM" export "$S" --output url --now "$NOW" --state st1
expect_grep "... a first visit pins the roots, as verify does" 'FIRST VISIT' "$T/err"
n=0
for f in dir/*.csv; do
	n=$((n + 1))
	cmp -s "$f" "url/$(basename "$f")" || not_ok "$(basename "$f") differs: $(diff "$f" "url/$(basename "$f")" | head -3)"
done
[ "$n" -eq 7 ] && diff -r dir url >/dev/null && ok "all $n tables from the URL equal the directory's, byte for byte" ||
	not_ok "the exports differ ($n tables)"
grep -q ',gunfire,north,' url/incidents.csv && grep -q 'jsa' url/incidents.csv &&
	ok "the incident is placed in the jsa zone (zone file fetched from /zone/jsa)" ||
	not_ok "incidents: $(cat url/incidents.csv)"
expect_ok "again, with the roots pinned, a table to standard output" \
	"$ARM" export "$S" --table entries --format ndjson --now "$NOW" --state st1
"$ARM" export log --table entries --format ndjson --now "$NOW" --zones "$P" >want.ndjson
cmp -s want.ndjson "$T/out" && ok "... equal to the directory's" || not_ok "entries NDJSON differ"
expect_ok "--at and --index from the URL" "$ARM" export "$S" --table commitments --at 2018-12-01T00:00:00Z --state st1
"$ARM" export log --table commitments --at 2018-12-01T00:00:00Z --zones "$P" >want.csv
cmp -s want.csv "$T/out" && ok "... as of a moment, equal to the directory's" || not_ok "--at differs"

# A static copy of the log directory is a tlog-tiles read API too (zones at /zone/<id>).
cp -R log static
mkdir -p static/zone
cp "$P/zones/jsa-buffer.geojson" static/zone/jsa
start_server static python3 -c '
import functools, http.server, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
print("listening on http://127.0.0.1:%d/" % s.server_port, file=sys.stderr, flush=True)
s.serve_forever()' "$T/static" || exit 1
ST=$URL
expect_ok "export of the static copy" "$ARM" export "$ST" --output static-out --now "$NOW" --state st2
diff -r dir static-out >/dev/null && ok "... equals the directory's" || not_ok "static export differs"

# Twin: one byte inside the entry bundle of the static copy's checkpoint (an attestation's text).
size=$(sed -n 2p static/checkpoint)
B=static/tile/entries/000.p/$size
cp "$B" bundle.orig
perl -0pi -e 's/verdict: verified/verdict: verifiee/' "$B"
cmp -s "$B" bundle.orig && not_ok "the bundle was not changed"
rm -rf bad-out st3
expect_exit 1 "a tampered served bundle: export fails" "$ARM" export "$ST" --output bad-out --now "$NOW" --state st3
[ "$(wc -l <"$T/err")" -eq 1 ] && ok "... one line: $(cat "$T/err")" || not_ok "error: $(cat "$T/err")"
[ ! -e bad-out ] && ok "... and writes no table" || not_ok "bad-out was written: $(ls bad-out)"
[ -z "$(find st3 -type f 2>/dev/null)" ] && ok "... and no state" || not_ok "state written: $(find st3 -type f)"
expect_exit 1 "... to standard output too, nothing printed" "$ARM" export "$ST" --table entries --state st3
[ -s "$T/out" ] && not_ok "something was printed" || ok "... nothing printed"
cp bundle.orig "$B"

expect_exit 1 "a pinned agreement that is not the log's is refused" "$ARM" export "$S" --table entries \
	--state st4 --agreement "$(printf '%064d' 0)"
expect_exit 2 "--state for a directory is a usage error" "$ARM" export log --table entries --state st5
expect_exit 2 "--agreement that is not hex is a usage error" "$ARM" export "$S" --table entries --state st5 --agreement xyz
