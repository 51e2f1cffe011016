#!/bin/sh
# examples/korea-2018/demo.sh - the worked example, built from its sources
# and published as the protocol publishes it.
#
#   make demo                      (or: sh examples/korea-2018/demo.sh [OUTDIR])
#
# Builds a fresh log from what this directory holds: every party signs the
# agreement, `armistice init` makes it entry 0 and the 1958-2017
# provocations table is imported as signed incidents. Then the four
# witnesses the agreement names (one per party and a neutral one) start on
# loopback, `armistice serve` serves the log with them, and each entry of
# the 2018-2024 record, signed by its author's demo key, is submitted over
# HTTP: the server publishes a checkpoint only once the agreement's quorum
# has cosigned it. Then it shows where the process stands, takes a short
# tour (log verify with the quorum, a receipt checked offline, the end of
# the timeline) and ends with the auditor's command, run from an empty
# directory against the served log: `armistice verify URL`. The servers it
# started are stopped when it ends, however it ends.
#
# The keys in keys/ are PUBLIC DEMO KEYS (keys/README.md), witnesses'
# included. Nothing here leaves the machine: every server listens on
# 127.0.0.1 on a port the kernel picks. Environment:
#   ARM        the armistice binary (default: build/armistice of this repo;
#              installed, as /usr/share/armistice/examples/korea-2018/demo.sh,
#              the armistice on PATH)
#   DEMO_NOW   the moment for "overdue" and day counts (default: the clock)
#   DEMO_QUIET if set, build only: entries appended locally, no servers,
#              no status and no tour. Such a log was never shown to a
#              witness: `log verify` reports its quorum as NOT MET unless
#              given --no-quorum.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
if [ -z "${ARM:-}" ]; then
	ARM=$top/${BUILD:-build}/armistice
	if [ ! -x "$ARM" ] && command -v armistice >/dev/null 2>&1; then
		ARM=$(command -v armistice)
	fi
fi
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

say "4. The 2018-2024 record: each entry signed by its author"
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
echo "   $n entries signed by rok, dprk, us, unc, dpaa, osint and press"

if [ -n "${DEMO_QUIET:-}" ]; then
	"$ARM" append "$log" "$work"/signed/*.note >/dev/null
	echo "log: $log"
	exit 0
fi

# ---- the servers: four witnesses and the log server, all on loopback ----
origin=$(sed -n 's/^origin //p' "$log/.armistice/config")
pids=""
audit_dirs=""
stop_all() {
	for p in $pids; do kill "$p" 2>/dev/null || :; done
	for p in $pids; do wait "$p" 2>/dev/null || :; done
	pids=""
	# shellcheck disable=SC2086
	[ -z "$audit_dirs" ] || rm -rf $audit_dirs
	audit_dirs=""
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT TERM HUP

# start NAME CMD...: runs CMD in the background, its messages in
# $out/servers/NAME.log, and waits (at most 10 s) for its "listening on" line.
start() {
	name=$1
	shift
	: >"$out/servers/$name.log"
	"$@" 2>"$out/servers/$name.log" &
	pids="$pids $!"
	i=0
	while [ $i -lt 100 ]; do
		url=$(sed -n 's|.*listening on \(http://[^ /]*\)/.*|\1|p' "$out/servers/$name.log" | head -n 1)
		[ -n "$url" ] && return 0
		kill -0 "$!" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "demo: $name did not start: $(tail -n 3 "$out/servers/$name.log")" >&2
	exit 4
}
mkdir -p "$out/servers" "$out/witnesses"

say "5. The agreement's witnesses start, one per party and a neutral one (armistice witness)"
wargs=""
for w in rok dprk us nnsc; do
	start "w-$w" "$ARM" witness --key "$keys/witness-$w.key" --state "$out/witnesses/w-$w" \
		--log "$origin=keys/log.pub" --listen 127.0.0.1:0
	wargs="$wargs --witness w-$w=$url"
	echo "   w-$w at $url (keys/witness-$w.key, a public demo key; state in $out/witnesses/w-$w)"
done

say "6. The log is served with them (armistice serve) and the record is submitted over HTTP"
# shellcheck disable=SC2086
start serve "$ARM" serve "$log" --listen 127.0.0.1:0 --batch-ms 5 $wargs
srv=$url
echo "   serving $log at $srv/"
# One entry at a time, in the record's order: each answer is a receipt
# pinned to a checkpoint that the agreement's quorum has cosigned.
"$ARM" submit "$srv" "$work"/signed/*.note --log keys/log.pub --receipts "$work/receipts" \
	>/dev/null 2>"$out/servers/submit.log" ||
	{ echo "demo: submit failed: $(tail -n 2 "$out/servers/submit.log")" >&2; exit 1; }
echo "   $n entries accepted through the rules, each with a receipt in $work/receipts"
echo "   the published checkpoint, signed by the log and cosigned by the four witnesses:"
sed -n '1,3p;5,$p' "$log/checkpoint" | sed 's/^/     /'

say "7. Where the process stands (armistice status)"
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

say "8. Tour: anyone can check the whole log and its witness quorum (armistice log verify)"
"$ARM" log verify "$log" --key keys/log.pub

say "9. Tour: one entry and its receipt, checked offline with the log's and the witnesses' keys"
# The guard-post mutual verification of 12 December 2018. Entry 0 is the
# agreement, 1 the log's clock leaf for the import and 2..276 the imported
# table; the server puts its own clock leaf before each submission, so the
# receipt names the entry's index.
pick=043-gp-verify-by-rok
idx=$(sed -n 's/^index \([0-9]*\)$/\1/p' "$work/receipts/$pick.note.tlog-proof")
"$ARM" log get "$log" "$idx" >"$work/entry-$idx"
cmp -s "$work/entry-$idx" "$work/signed/$pick.note" ||
	{ echo "demo: entry $idx is not $pick" >&2; exit 1; }
sed -n '1,12p' "$work/entry-$idx"
echo "   ..."
"$ARM" proof verify --key keys/log.pub --witness keys/witness-rok.pub \
	--witness keys/witness-dprk.pub --witness keys/witness-us.pub \
	--witness keys/witness-nnsc.pub --quorum 4 \
	"$work/signed/$pick.note" "$work/receipts/$pick.note.tlog-proof"
echo "   (the receipt is $work/receipts/$pick.note.tlog-proof; a changed byte in the entry fails it)"

say "10. Tour: the end of the timeline (armistice timeline)"
"$ARM" timeline "$log" | tail -n 12

say "11. The auditor's command, from an empty directory: armistice verify $srv"
# Nothing local but the binary: the checkpoint, the tiles, the entries and
# the zone files all come from the server, and entry 0 pins the rest.
a_cwd=$(mktemp -d "${TMPDIR:-/tmp}/armistice-audit.XXXXXX")
a_state=$(mktemp -d "${TMPDIR:-/tmp}/armistice-audit-state.XXXXXX")
audit_dirs="$a_cwd $a_state"
echo "   \$ cd $a_cwd && $ARM verify $srv --state $a_state"
(cd "$a_cwd" && "$ARM" verify "$srv" --state "$a_state")
echo "   the remote audit passed"
stop_all

say "The log is in $log"
echo "   try: $ARM show $log gp-pilot"
echo "        $ARM status $log --at 2018-12-31T00:00:00+09:00"
echo "        $ARM status $log --json | jq .calm"
echo "   the dashboard (status board, dependency graph, timeline, map, who cosigned):"
echo "   start the witnesses again (their state is kept in $out/witnesses), then serve it:"
p=8081
sargs=""
for w in rok dprk us nnsc; do
	echo "        $ARM witness --key $keys/witness-$w.key --state $out/witnesses/w-$w \\"
	echo "            --log $origin=$here/keys/log.pub --listen 127.0.0.1:$p &"
	sargs="$sargs --witness w-$w=http://127.0.0.1:$p"
	p=$((p + 1))
done
echo "        $ARM serve $log --listen 127.0.0.1:8080$sargs"
echo "   then open http://127.0.0.1:8080/"
