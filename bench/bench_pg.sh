#!/bin/sh
# bench/bench_pg.sh - the log on PostgreSQL (docs/postgres.md), on a
# private cluster started here (tests/cli/lib-pg.sh: fsync = on,
# synchronous_commit = on, a Unix socket), against limits measured in the
# same run:
#   - durable appends/s, batches of 256 and 4096 (armistice log append
#     --lines --batch N), against a raw `BEGIN; INSERT ... VALUES (...), ...;
#     COMMIT` of the same lines with the same rows per commit into a plain
#     bytea table: what the database itself does per second with those
#     bytes and commits;
#   - submissions/s (POST /add, each answered once committed) through two
#     front ends (the sequencer and a front end that forwards) against the
#     same clients on the sequencer alone;
#   - a front end's lag behind the sequencer's receipts;
#   - failover: from SIGKILL of the sequencer to the first new entry
#     acknowledged through the surviving front end (five kills).
# Bounded: about 60 s. Prints one markdown table. Skips without the
# PostgreSQL server binaries.
set -u
ARM=${ARMISTICE_BIN:-$(pwd)/build/armistice}
TOP=$(pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/armistice-bench-pg.XXXXXX")
. "$TOP/tests/cli/lib-pg.sh"
pg_have || { echo "bench_pg: no PostgreSQL server binaries in $PG_BIN"; rm -rf "$T"; exit 0; }
pg_start || { echo "bench_pg: the private cluster did not start"; exit 1; }
PIDS=""
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	pg_stop
	rm -rf "$T"
}
trap cleanup EXIT
trap 'cleanup; exit 1' INT TERM
cd "$T" || exit 1
N=${BENCH_PG_N:-65536}
"$ARM" keygen bench.example/pg --out log >/dev/null 2>&1
now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN {printf "%.0f", n / (b - a)}'; }

# --- durable appends against raw COPY + COMMIT of the same lines ---
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "bench entry %08d %s\n", i, "0123456789abcdef0123456789abcdef0123456789abcdef" }' >lines
appends() { # BATCH -> appends/s
	u=$(pg_createdb "a$1")
	"$ARM" log init "$u" --origin bench.example/pg --key log.key >/dev/null 2>&1
	t0=$(now)
	"$ARM" log append "$u" --lines --batch "$1" lines >/dev/null 2>&1 || { echo 0; return; }
	t1=$(now)
	rate "$N" "$t0" "$t1"
}
raw() { # BATCH -> rows/s, one INSERT of BATCH rows and one COMMIT per batch
	pg_createdb "r$1" >/dev/null
	pg_psql -d "r$1" -c "CREATE TABLE raw (data bytea)" >/dev/null
	# The lines hold no quote or backslash: each is a literal as it stands.
	awk -v b="$1" '(NR - 1) % b == 0 { if (NR > 1) print ";\nCOMMIT;"; printf "BEGIN;\nINSERT INTO raw (data) VALUES " }
		(NR - 1) % b != 0 { printf "," } { printf "(convert_to(%c%s%c, %cUTF8%c))", 39, $0, 39, 39, 39 }
		END { print ";\nCOMMIT;" }' lines >"raw$1.sql"
	t0=$(now)
	pg_psql -v ON_ERROR_STOP=1 -d "r$1" -f "raw$1.sql" >/dev/null 2>&1
	t1=$(now)
	[ "$(pg_psql -d "r$1" -At -c "SELECT count(*) FROM raw")" = "$N" ] || { echo 0; return; }
	rate "$N" "$t0" "$t1"
}
a256=$(appends 256)
r256=$(raw 256)
a4096=$(appends 4096)
r4096=$(raw 4096)

# --- submissions/s: one server against two front ends ---
U=$(pg_createdb fronts)
"$ARM" log init "$U" --origin bench.example/pg --key log.key >/dev/null 2>&1
start() { # NAME PORT
	"$ARM" serve "$U" --standby --listen "127.0.0.1:$2" 2>>"$1.log" &
	PIDS="$PIDS $!"
	echo $! >"$1.pid"
}
wait_for() { # NAME PATTERN
	i=0
	while ! grep -q "$2" "$1.log" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
}
PA=$(pg_free_port)
PB=$(pg_free_port)
start a "$PA"
wait_for a "listening on"
start b "$PB"
wait_for b "front end of log"
NSUB=${BENCH_PG_SUB:-150}
mkdir subs
stream() { # URL TAG: NSUB submissions on one keep-alive connection
	args=""
	i=0
	while [ $i -lt "$NSUB" ]; do
		printf 'submission %s %d\n' "$2" $i >"subs/$2.$i"
		[ -n "$args" ] && args="$args --next"
		args="$args -s -o /dev/null -w %{http_code}\\n --data-binary @subs/$2.$i $1/add"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086
	curl $args >"codes.$2" 2>/dev/null
}
round() { # TAG URL1 URL2: four streams, two at each URL -> submissions/s
	t0=$(now)
	stream "$2" "$1-1" &
	s1=$!
	stream "$2" "$1-2" &
	s2=$!
	stream "$3" "$1-3" &
	s3=$!
	stream "$3" "$1-4" &
	s4=$!
	wait $s1 $s2 $s3 $s4
	t1=$(now)
	rate "$(cat codes."$1"-* | grep -c '^200$')" "$t0" "$t1"
}
one=$(round one "http://127.0.0.1:$PA" "http://127.0.0.1:$PA")
two=$(round two "http://127.0.0.1:$PA" "http://127.0.0.1:$PB")

# --- a front end's lag: from the sequencer's receipt to the front end serving that size ---
: >lag.ms
k=0
while [ $k -lt 20 ]; do
	printf 'lag %d\n' $k >l.sub
	t0=$(now)
	idx=$(curl -s --max-time 10 --data-binary @l.sub "http://127.0.0.1:$PA/add" | sed -n 's/^index //p')
	t1=$(now)
	i=0
	while [ "$(curl -s "http://127.0.0.1:$PB/checkpoint" | sed -n 2p)" -le "${idx:-0}" ] && [ $i -lt 1000 ]; do
		i=$((i + 1))
	done
	t2=$(now)
	awk -v a="$t1" -v b="$t2" 'BEGIN {printf "%.0f\n", (b - a) * 1000}' >>lag.ms
	k=$((k + 1))
done
lmed=$(sort -n lag.ms | sed -n 10p)
lmax=$(sort -n lag.ms | tail -n 1)

# --- failover: SIGKILL of the sequencer to the first new acknowledged entry ---
holder() {
	pg_psql -d fronts -At -c "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a \
		ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted \
		AND l.classid = 1095912777 AND l.objid = 1" 2>/dev/null | sed -n 's/^armistice pid //p'
}
: >fail.ms
k=0
while [ $k -lt 5 ]; do
	pid=$(holder)
	if [ "$pid" = "$(cat a.pid)" ]; then dead=a; port=$PA; live=$PB; else dead=b; port=$PB; live=$PA; fi
	t0=$(now)
	kill -9 "$pid"
	j=0
	while :; do
		printf 'failover %d %d\n' $k $j >f.sub
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --data-binary @f.sub "http://127.0.0.1:$live/add")
		[ "$code" = 200 ] && break
		j=$((j + 1))
		[ $j -gt 500 ] && break
		sleep 0.01
	done
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f\n", (b - a) * 1000}' >>fail.ms
	n=$(grep -c "front end of log" $dead.log)
	start $dead "$port"
	i=0
	while [ "$(grep -c "front end of log" $dead.log)" -le "$n" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	k=$((k + 1))
done
fmed=$(sort -n fail.ms | sed -n 3p)
fmax=$(sort -n fail.ms | tail -n 1)

echo "## PostgreSQL: durable appends, front ends, failover (bench_pg.sh)"
echo
echo "private cluster on the same disk: fsync = on, synchronous_commit = on, Unix socket"
echo
echo "| measure | armistice | limit (same run) | ratio |"
echo "|---|---:|---:|---:|"
awk -v a="$a256" -v r="$r256" -v n="$N" 'BEGIN {printf "| durable appends/s, batches of 256 (%d entries) | %d | %d (raw INSERT + COMMIT per 256 rows) | %.2f |\n", n, a, r, (r > 0 ? a / r : 0)}'
awk -v a="$a4096" -v r="$r4096" -v n="$N" 'BEGIN {printf "| durable appends/s, batches of 4096 (%d entries) | %d | %d (raw INSERT + COMMIT per 4096 rows) | %.2f |\n", n, a, r, (r > 0 ? a / r : 0)}'
awk -v t="$two" -v o="$one" -v n="$NSUB" 'BEGIN {printf "| submissions/s, 4 keep-alive clients x %d, through 2 front ends (sequencer + forwarding front end) | %d | %d (the same clients on the sequencer alone) | %.2f |\n", n, t, o, (o > 0 ? t / o : 0)}'
echo "| a front end's lag: from the sequencer's receipt to the front end serving that checkpoint (20 entries) | median $lmed ms, worst $lmax ms | | |"
echo "| failover: SIGKILL of the sequencer to the first new acknowledged entry (5 kills) | median $fmed ms, worst $fmax ms | | |"
