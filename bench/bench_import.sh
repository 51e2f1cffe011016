#!/bin/sh
# bench/bench_import.sh - `armistice import incidents --map` of a
# 100,000-row ACLED-style CSV (BENCH_IMPORT_ROWS) into a fresh pilot log:
# every row read, mapped, signed by the monitor's key, checked in a dry
# run, then appended through the agreement's rules (each signature
# verified again by the log's rules hook) in durable batches. Prints wall
# and CPU rows per second of the whole command, and of --dry-run alone.
# Signing and checking use $ARMISTICE_THREADS threads (default: every
# core); KEEPW=1 keeps the work directory (for a profile).
set -u
ARM=${ARMISTICE_BIN:-$(pwd)/build/armistice}
TOP=$(pwd)
N=${BENCH_IMPORT_ROWS:-100000}
W=$(mktemp -d "${TMPDIR:-/tmp}/armistice-bench-import.XXXXXX")
trap '[ -n "${KEEPW:-}" ] || rm -rf "$W"' EXIT
[ -x /usr/bin/time ] || { echo "bench_import: /usr/bin/time (GNU time) not installed"; exit 0; }
cd "$W" || exit 1
mkdir keys && cp "$TOP"/tests/data/keys/* keys/ && chmod 600 keys/*.key
AG=$TOP/tests/data/agreements/pilot.yaml
"$ARM" sign --key keys/demo-south.key --agreement "$AG" >s.signed &&
	"$ARM" sign --key keys/demo-north.key --agreement "$AG" >n.signed || exit 1
printf 'format acled\nkind Battles/Armed clash => gunfire\nkind Explosions/Remote violence => mine-accident\nactor Military Forces of North Korea (2011-) => north\n' >m.map
awk -v n="$N" 'BEGIN {
	print "event_id_cnty,event_date,year,event_type,sub_event_type,actor1,actor2,admin1,latitude,longitude,notes,source,fatalities"
	for (i = 1; i <= n; i++)
		printf "KOR%d,2019-%02d-%02d,2019,%s,Military Forces of North Korea (2011-),,Gyeonggi,%.4f,%.4f,\"Event %d, a synthetic row\",Bench,0\n",
			i, 1 + int(i / 28) % 12, 1 + i % 28,
			(i % 2 ? "Battles,Armed clash" : "Explosions/Remote violence,Shelling/artillery/missile attack"),
			37.5 + (i % 1000) / 10000.0, 126.5 + (i % 777) / 10000.0, i
}' >a.csv
run() { # LABEL DIR ARGS...: one timed import
	label=$1 dir=$2
	shift 2
	rm -rf "$dir"
	"$ARM" init "$dir" --agreement "$AG" --log-key keys/demo-log.key s.signed n.signed >/dev/null || return 1
	t0=$(date +%s.%N)
	/usr/bin/time -f '%U %S' -o cpu "$ARM" import incidents "$dir" a.csv --map m.map \
		--key keys/demo-press.key --time occurred --json "$@" >out 2>err || { cat err; return 1; }
	t1=$(date +%s.%N)
	awk -v n="$N" -v t0="$t0" -v t1="$t1" -v label="$label" '{ cpu = $1 + $2 }
		END { printf "| %s | %d | %.2f | %.0f | %.2f | %.0f |\n", label, n, t1 - t0, n / (t1 - t0), cpu, n / cpu }' cpu
}
echo "## import: ACLED-style CSV, $N rows"
echo
echo "| run | rows | wall s | rows/s (wall) | CPU s | rows/s (CPU) |"
echo "|---|---|---|---|---|---|"
run "--dry-run (read, map, sign, check)" L1 --dry-run
run "import (also: append, verified again, durable)" L2
