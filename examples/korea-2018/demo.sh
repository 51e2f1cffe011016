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
# started are stopped when it ends, however it ends. The steps are
# examples/lib/demo.sh, shared with the other worked examples.
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
# shellcheck source=../lib/demo.sh
. "$here/../lib/demo.sh"
demo_setup korea-2018 "${1:-}"

say "1. Every party signs the agreement (agreement.yaml, $(wc -c <agreement.yaml) bytes)"
demo_sign_agreement rok dprk us

say "2. The log starts with the agreement as entry 0"
demo_init

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
demo_sign_entries
echo "   $n entries signed by rok, dprk, us, unc, dpaa, osint and press"
demo_quiet_append

say "5. The agreement's witnesses start, one per party and a neutral one (armistice witness)"
demo_start_witnesses rok dprk us nnsc

say "6. The log is served with them (armistice serve) and the record is submitted over HTTP"
demo_serve_submit four

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
demo_status

say "8. Tour: anyone can check the whole log and its witness quorum (armistice log verify)"
"$ARM" log verify "$log" --key keys/log.pub

say "9. Tour: one entry and its receipt, checked offline with the log's and the witnesses' keys"
# The guard-post mutual verification of 12 December 2018. Entry 0 is the
# agreement, 1 the log's clock leaf for the import and 2..276 the imported
# table; the server puts its own clock leaf before each submission, so the
# receipt names the entry's index.
demo_receipt 043-gp-verify-by-rok rok dprk us nnsc

say "10. Tour: the end of the timeline (armistice timeline)"
"$ARM" timeline "$log" | tail -n 12

say "11. The auditor's command, from an empty directory: armistice verify $srv"
demo_audit

say "The log is in $log"
echo "   try: $ARM show $log gp-pilot"
echo "        $ARM status $log --at 2018-12-31T00:00:00+09:00"
echo "        $ARM status $log --json | jq .calm"
demo_serve_hint rok dprk us nnsc
