#!/bin/sh
# t4110: armistice export on the worked example (examples/korea-2018, the
# log `make demo` builds) agrees with `status --json` of the same log and
# moment: one row per commitment with the same status, one per incident,
# one per history event, one per entry; every CSV parses back (awk RFC 4180
# reader, and Python's csv module when python3 is there); GeoJSON has one
# feature per positioned incident; the implementation scores cover every
# commitment and year from 2018 and match the statuses they come from. Twin:
# --at gives the statuses of `status --at`.
. "$(dirname "$0")/lib.sh"
EX=$TOP/examples/korea-2018
NOW=2026-01-01T00:00:00Z
export ARM

if ! command -v jq >/dev/null; then
	not_ok "jq is needed (scripts/setup.sh installs it)"
	exit 1
fi

expect_ok "demo.sh builds the example log" env DEMO_QUIET=1 sh "$EX/demo.sh" "$T/a"
L=$T/a/log
"$ARM" status "$L" --now "$NOW" --json >"$T/state.json" || not_ok "status --json"
expect_ok "export --output writes every table" "$ARM" export "$L" --output "$T/x" --now "$NOW"
expect_ok "... and NDJSON" "$ARM" export "$L" --output "$T/j" --format ndjson --now "$NOW"
expect_ok "... and GeoJSON" "$ARM" export "$L" --output "$T/g" --format geojson --now "$NOW"

rows() { # FILE: CSV records after the header, by the RFC 4180 reader
	echo $(($(awk -f "$TOP/tests/cli/csv-check.awk" "$1") - 1))
}
same() { # DESC GOT WANT
	[ "$2" = "$3" ] && ok "$1 ($2)" || not_ok "$1: got '$2', want '$3'"
}

for f in "$T"/x/*.csv; do
	if awk -f "$TOP/tests/cli/csv-check.awk" "$f" >/dev/null 2>"$T/awkerr"; then
		ok "$(basename "$f") parses back (RFC 4180)"
	else
		not_ok "$(basename "$f"): $(cat "$T/awkerr")"
	fi
done

same "a row per commitment" "$(rows "$T/x/commitments.csv")" "$(jq '.commitments | length' "$T/state.json")"
same "a row per incident" "$(rows "$T/x/incidents.csv")" "$(jq '.incidents | length' "$T/state.json")"
same "a row per status change" "$(rows "$T/x/changes.csv")" "$(jq '[.commitments[].history | length] | add' "$T/state.json")"
same "a row per actor" "$(rows "$T/x/actors.csv")" "$(jq '.actors | length' "$T/state.json")"
same "a row per entry" "$(rows "$T/x/entries.csv")" "$(sed -n 2p "$L/checkpoint")"
same "an NDJSON line per entry" "$(wc -l <"$T/j/entries.ndjson")" "$(sed -n 2p "$L/checkpoint")"
same "a feature per positioned incident" "$(jq '.features | length' "$T/g/incidents.geojson")" \
	"$(jq '[.incidents[] | select(.lat != null)] | length' "$T/state.json" 2>/dev/null ||
		jq '[.incidents[] | select(.position != null)] | length' "$T/state.json")"

# Statuses, commitment by commitment, from the NDJSON (a JSON reader) and status --json.
jq -r '.commitments[] | "\(.id) \(.status)"' "$T/state.json" >"$T/want"
jq -r '"\(.id) \(.status)"' "$T/j/commitments.ndjson" >"$T/got"
cmp -s "$T/want" "$T/got" && ok "every commitment's status equals status --json" ||
	not_ok "statuses differ: $(diff "$T/want" "$T/got" | head -4)"
jq -r '.incidents[] | "\(.index) \(.logged) \(.backdated)"' "$T/state.json" >"$T/want"
jq -r '"\(.index) \(.logged) \(.backdated)"' "$T/j/incidents.ndjson" >"$T/got"
cmp -s "$T/want" "$T/got" && ok "every incident's log time and backdated flag equal status --json" ||
	not_ok "incidents differ: $(diff "$T/want" "$T/got" | head -4)"

# ---- scores ----
ncom=$(jq '.commitments | length' "$T/state.json")
same "scores: every commitment for every year 2018-2026" "$(rows "$T/x/scores.csv")" $((ncom * 9))
same "yearly: 2018 to 2026" "$(jq -r '.year' "$T/j/yearly.ndjson" | tr '\n' ' ')" \
	"2018 2019 2020 2021 2022 2023 2024 2025 2026 "
score() { jq -r --arg p "$1" --argjson y "$2" 'select(.provision == $p and .year == $y) | "\(.score) \(.status)"' "$T/j/scores.ndjson"; }
same "remains-repatriation is full from 2018 (forensic review)" "$(score remains-repatriation 2018)" "3 done"
same "liaison-office was full in 2019" "$(score liaison-office 2019)" "3 done"
same "liaison-office is 0 in 2020 (withdrawn, blown up in June)" "$(score liaison-office 2020)" "0 withdrawn"
same "test-moratorium is 1 in 2022 (breached)" "$(score test-moratorium 2022)" "1 breached"
same "the 2025 scores use the end-of-2025 status" "$(score punggye-ri 2025)" "1 claimed"
full=$(jq -r 'select(.year == 2025 and .score == 3) | .provision' "$T/j/scores.ndjson" | wc -l)
same "yearly full count equals the 3s of the year" "$(jq -r 'select(.year == 2025) | .full' "$T/j/yearly.ndjson")" "$full"
# Scores only from statuses: a 3 is done, kept, verified or held.
bad=$(jq -r 'select(.score == 3 and (.status | IN("done","kept","verified","held") | not)) | .provision' "$T/j/scores.ndjson")
same "no 3 without a done, kept, verified or held status" "$bad" ""

# ---- --at agrees with status --at ----
AT=2019-12-31T23:59:59+09:00
"$ARM" status "$L" --at "$AT" --json | jq -r '.commitments[] | "\(.id) \(.status)"' >"$T/want"
"$ARM" export "$L" --at "$AT" --table commitments --format ndjson | jq -r '"\(.id) \(.status)"' >"$T/got"
cmp -s "$T/want" "$T/got" && ok "--at gives the statuses of status --at" || not_ok "--at differs"
jq -r 'select(.year == 2019) | "\(.provision) \(.status)"' "$T/j/scores.ndjson" >"$T/got"
cmp -s "$T/want" "$T/got" && ok "the 2019 scores come from the status at the end of 2019 (+09:00)" ||
	not_ok "2019 scores: $(diff "$T/want" "$T/got" | head -4)"

# ---- Python's csv module, if there is a python3 ----
if command -v python3 >/dev/null 2>&1; then
	if python3 - "$T/x" >"$T/py" 2>&1 <<'PY'
import csv, os, sys
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    with open(os.path.join(d, name), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, strict=True))
    head = rows[0]
    assert all(len(r) == len(head) for r in rows), name
    print(name, len(rows) - 1)
PY
	then
		ok "python3's csv module reads every table ($(tr '\n' ' ' <"$T/py"))"
	else
		not_ok "python3 csv: $(tail -3 "$T/py")"
	fi
else
	ok "# SKIP python3 is not installed: the awk and C readers above suffice"
fi
