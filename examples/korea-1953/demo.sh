#!/bin/sh
# examples/korea-1953/demo.sh - the second worked example: the Korean
# Armistice Agreement of 27 July 1953, built from its sources and
# published as the protocol publishes it.
#
#   make demo EXAMPLE=korea-1953   (or: sh examples/korea-1953/demo.sh [OUTDIR])
#
# Every signatory (UNC, KPA, CPV) signs the agreement, `armistice init`
# makes it entry 0, and each entry of the record from the cease-fire to
# the Panmunjom killings of 1976, signed by its author's demo key, is
# submitted over HTTP to `armistice serve` with the three witnesses the
# agreement names (one per side and a neutral one) on loopback. Then it
# shows where the armistice stands, the day-10 deadline as of that day,
# the prisoners counted on both sides, and what the unsigned draft of the
# security-partnership proposal would change (`armistice amend
# --dry-run`), and ends with the auditor's command. The steps are
# examples/lib/demo.sh, shared with the 2018 example.
#
# The keys in keys/ are PUBLIC DEMO KEYS (keys/README.md). Environment:
#   ARM        the armistice binary (default: build/armistice of this repo)
#   DEMO_NOW   the moment for "overdue" and day counts (default: the clock)
#   DEMO_QUIET if set, build only: entries appended locally, no servers,
#              no status and no tour (`log verify` then reports the
#              witness quorum as NOT MET unless given --no-quorum).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/demo.sh
. "$here/../lib/demo.sh"
demo_setup korea-1953 "${1:-}"
# The draft is dated when the demo asks what it would change; no one signs it.
draft_time=2026-01-01T00:00:00+09:00

say "1. Every signatory signs the agreement (agreement.yaml, $(wc -c <agreement.yaml) bytes)"
demo_sign_agreement unc kpa cpv

say "2. The log starts with the agreement as entry 0"
demo_init

say "3. The record, 1953-1976: each entry signed by its author"
demo_sign_entries
echo "   $n entries signed by unc, kpa, cpv, both sides of the MAC and the four NNSC nations"
demo_quiet_append

say "4. The agreement's witnesses start, one per side and a neutral one (armistice witness)"
demo_start_witnesses unc kpa-cpv nnsc

say "5. The log is served with them (armistice serve) and the record is submitted over HTTP"
demo_serve_submit three

say "6. Where the armistice stands (armistice status)"
cat <<'LEGEND'
   D-day is the effective moment, 22:00 on 27 July 1953, twelve hours after
   the signing (para. 63). "D+72h" is to the second; "D+10" is met by the
   end of day 10 (6 August). Standing obligations (the cease-fire) are kept
   or breached, and count their violations. Days are counted in Korean time
   (UTC+9), exclusively.

LEGEND
demo_status

say "7. As of the end of day 10, 6 August 1953 (armistice status --at 1953-08-06)"
"$ARM" status "$log" --at 1953-08-06 | sed -n '/^Commitments:/,$p'

say "8. Operation Big Switch, counted on both sides (armistice show)"
for c in pow-unc pow-kpa-cpv; do
	"$ARM" show "$log" "$c" | grep -E '^(pow-|  (status|due|quantity) )'
done

say "9. The security-partnership proposal, a DRAFT no one has signed (armistice amend --dry-run)"
echo "   \$ armistice amend LOG --agreement draft-unc-role.yaml --time $draft_time --dry-run"
"$ARM" amend "$log" --agreement draft-unc-role.yaml --time "$draft_time" --dry-run | sed 's/^/   /'
echo "   (nothing is written: it would take effect only once unc, kpa and cpv all signed it)"

say "10. The auditor's command, from an empty directory: armistice verify $srv"
demo_audit

say "The log is in $log"
echo "   try: $ARM show $log ceasefire"
echo "        $ARM status $log --at 1953-07-30T22:00:00+09:00"
echo "        $ARM timeline $log --at 1953-09-30"
demo_serve_hint unc kpa-cpv nnsc
