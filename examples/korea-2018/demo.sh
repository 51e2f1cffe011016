#!/bin/sh
# examples/korea-2018/demo.sh - the worked example, built from its sources.
#
#   make demo                      (or: sh examples/korea-2018/demo.sh [OUTDIR])
#
# Builds a fresh log from what this directory holds: every party signs the
# agreement, `armistice init` makes it entry 0, the 1958-2017 provocations
# table is imported as signed incidents, and each entry of the 2018-2024
# record is signed by its author's demo key and appended through the
# agreement's rules. Then it shows where the process stands and takes a
# short tour: full log verification, one entry's inclusion proof checked
# offline, and the end of the timeline.
#
# The keys in keys/ are PUBLIC DEMO KEYS (keys/README.md). Nothing here
# needs the network. Environment:
#   ARM        the armistice binary (default: build/armistice of this repo)
#   DEMO_NOW   the moment for "overdue" and day counts (default: the clock)
#   DEMO_QUIET if set, build only: no status and no tour
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ARM=${ARM:-$top/${BUILD:-build}/armistice}
out=${1:-}
if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/armistice-korea-2018.XXXXXX")
fi
log=$out/log
work=$out/work
if [ -e "$log" ]; then
	echo "demo: $log already exists; give an empty directory" >&2
	exit 2
fi
mkdir -p "$work/signed"
cd "$here"
# A secret key must be private to its owner or armistice refuses it
# (docs/keys.md); a git checkout leaves the demo keys at 0644. The demo
# signs with private copies (mode 0600) in its work directory.
keys=$work/keys
mkdir -p "$keys"
cp keys/*.key "$keys"/
chmod 600 "$keys"/*.key

say() { printf '\n== %s\n' "$*"; }
now_opt() { if [ -n "${DEMO_NOW:-}" ]; then printf -- '--now\n%s\n' "$DEMO_NOW"; fi; }

say "1. Every party signs the agreement (agreement.yaml, $(wc -c <agreement.yaml) bytes)"
for p in rok dprk us; do
	"$ARM" sign --key "$keys/$p.key" --agreement agreement.yaml >"$work/agreement.$p.signed"
	echo "   signed by $p (keys/$p.key, a public demo key)"
done

say "2. The log starts with the agreement as entry 0"
"$ARM" init "$log" --agreement agreement.yaml --log-key "$keys/log.key" "$work"/agreement.*.signed

say "3. The 1958-2017 provocations table becomes 275 signed incidents (CSIS Beyond Parallel)"
# The table is Mac Roman text with bare-CR line ends, as published. Row types
# map to the agreement's incident kinds; events refine them.
"$ARM" import incidents "$log" data/nk-provocations-1958-2017.csv \
	--key "$keys/csis.key" --charset mac-roman --actor dprk --time occurred \
	--event "Nuclear Test=nuclear-test" \
	--event "Inter-contin=icbm-launch" \
	--event "Satellite Launch=satellite-launch" \
	--event "Rocket Engine Test=engine-test" \
	--kind "Missile Provocation=missile-launch" \
	--kind "Nuclear Provocation=other-provocation" \
	--kind "Other=other-provocation"

say "4. The 2018-2024 record: each entry signed by its author, appended through the rules"
# The agreement id is the SHA-256 of agreement.yaml's bytes; each source
# entry gets it after its kind line, then its author signs it.
id=$(sha256sum agreement.yaml | cut -c1-64)
n=0
for f in entries/*.entry; do
	author=$(sed -n 's/^author: //p' "$f")
	b=$(basename "$f" .entry)
	sed "2a\\
agreement: $id" "$f" >"$work/$b.entry"
	"$ARM" sign --key "$keys/$author.key" "$work/$b.entry" >"$work/signed/$b.note"
	n=$((n + 1))
done
"$ARM" append "$log" "$work"/signed/*.note >/dev/null
echo "   $n entries signed by rok, dprk, us, unc, dpaa, osint and press; appended in order"

if [ -n "${DEMO_QUIET:-}" ]; then
	echo "log: $log"
	exit 0
fi

say "5. Where the process stands (armistice status)"
cat <<'LEGEND'
   How to read it: each commitment is pending (waits on another one), open
   (may be claimed), claimed (waiting for its verifiers), held (verified,
   waiting for its simultaneous partner), done, kept or breached (standing
   rules such as the test moratorium), or withdrawn (reversed; the history
   keeps both). Strength 0-3 says how it was verified: 1 self or press,
   2 imagery or on-site, 3 mutual, trilateral, forensic or investigation.
   Days are counted in Korean time (UTC+9), exclusively.

LEGEND
# shellcheck disable=SC2046
"$ARM" status "$log" $(now_opt)

say "6. Tour: anyone can check the whole log (armistice log verify)"
"$ARM" log verify "$log" --key keys/log.pub

say "7. Tour: one entry and its inclusion proof, checked offline"
# The guard-post mutual verification of 12 December 2018. Entry 0 is the
# agreement and 1..275 the imported table, so the record's N-th file is
# entry 275 + N.
pick=entries/043-gp-verify-by-rok.entry
idx=$((275 + $(ls entries/*.entry | grep -n -F "$pick" | cut -d: -f1)))
"$ARM" log get "$log" "$idx" >"$work/entry-$idx"
"$ARM" log prove "$log" "$idx" >"$work/entry-$idx.tlog-proof"
sed -n '1,12p' "$work/entry-$idx"
echo "   ..."
"$ARM" proof verify --key keys/log.pub "$work/entry-$idx" "$work/entry-$idx.tlog-proof"
echo "   (the receipt is $work/entry-$idx.tlog-proof; a changed byte in the entry fails it)"

say "8. Tour: the end of the timeline (armistice timeline)"
"$ARM" timeline "$log" | tail -n 12

say "The log is in $log"
echo "   try: $ARM show $log gp-pilot"
echo "        $ARM status $log --at 2018-12-31T00:00:00+09:00"
echo "        $ARM status $log --json | jq .calm"
echo "   the dashboard (status board, dependency graph, timeline, map):"
echo "        $ARM serve $log --listen 127.0.0.1:8080   then open http://127.0.0.1:8080/"
