#!/bin/sh
# Kill -9: a writer appending in small durable batches is killed at random
# moments, 55 times. After each kill `log verify` passes (before any
# recovery), the log is consistent with every checkpoint seen before, and
# at the end every index that was acknowledged holds the same bytes.
# Bounded: 55 rounds, each writer killed within 0.05-0.45 s, and the whole
# loop stops after 240 s (then the test fails if it did not reach 50).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-store.sh"
cd "$T" || exit 1
L=$(store_log L)

ROUNDS=55
"$ARM" keygen log.example.org/t1100 --out log >/dev/null 2>&1
"$ARM" log init "$L" --origin log.example.org/t1100 --key log.key >/dev/null
"$ARM" log checkpoint "$L" >ck.0
: >acked
start=$(date +%s)
r=1
kills=0
half=0
bad=0
while [ $r -le $ROUNDS ]; do
	now=$(date +%s)
	[ $((now - start)) -gt 240 ] && break
	# 3000 fresh lines, and a few that are already in the log (dedupe path).
	awk -v r=$r 'BEGIN { for (i = 0; i < 3000; i++) { print "round " r " entry " i; if (i % 500 == 0 && r > 1) print "round " (r - 1) " entry " i } }' >in.$r
	"$ARM" log append "$L" --lines --batch 5 in.$r >ack.$r 2>err.$r &
	pid=$!
	ms=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 400 + 50 ))
	sleep "0.$(printf '%03d' $ms)"
	if kill -9 $pid 2>/dev/null; then
		kills=$((kills + 1))
	fi
	wait $pid 2>/dev/null
	# Evidence that kills land inside a batch: temporary files left behind.
	[ "$STORE" = fs ] && [ -n "$(ls L/.armistice/tmp 2>/dev/null)" ] && half=$((half + 1))
	# Acknowledged lines: "INDEX<TAB>in.R:LINE" -> "INDEX<TAB>bytes".
	awk -F '\t' -v f=in.$r 'BEGIN { while ((getline l < f) > 0) line[++n] = l }
		{ split($2, s, ":"); print $1 "\t" line[s[2]] }' ack.$r >>acked
	if ! "$ARM" log verify "$L" --since ck.$((r - 1)) >v.out 2>v.err; then
		bad=$((bad + 1))
		not_ok "round $r: verify after kill -9 failed: $(head -c 300 v.err)"
	fi
	"$ARM" log checkpoint "$L" >ck.$r
	r=$((r + 1))
done
[ $kills -ge 50 ] && ok "$kills writers killed with SIGKILL" || not_ok "only $kills kills (rounds $((r - 1)))"
[ "$STORE" = fs ] && echo "# $half of $kills kills left a half-written batch behind"
[ $bad -eq 0 ] && ok "log verify passed after every kill" || not_ok "$bad rounds failed verify"
n=$(wc -l <acked)
[ "$n" -gt 100 ] && ok "$n acknowledged entries" || not_ok "only $n entries acknowledged"

# A writer restart recovers, and its checkpoint extends every earlier one.
expect_ok "a writer opens (and recovers) after the last kill" "$ARM" log append "$L" --lines in.1
i=0
incons=0
while [ $i -lt $r ]; do
	"$ARM" log verify "$L" --since ck.$i >/dev/null 2>v.err || { incons=$((incons + 1)); echo "# ck.$i: $(cat v.err)"; }
	i=$((i + 1))
done
[ $incons -eq 0 ] && ok "final log consistent with all $r checkpoints seen" || not_ok "$incons checkpoints inconsistent"

# Every acknowledged index holds the acknowledged bytes: appending them
# again must give back exactly those indexes, all already present.
cut -f2 acked >acked.lines
"$ARM" log append "$L" --lines acked.lines >again 2>again.err
awk -F '\t' '$3 != "(already in the log)" { bad++ } END { exit bad ? 1 : 0 }' again &&
	ok "every acknowledged entry is still in the log" || not_ok "an acknowledged entry was lost"
cut -f1 acked >want.idx
cut -f1 again >got.idx
cmp -s want.idx got.idx && ok "every acknowledged index holds the same bytes" ||
	not_ok "an acknowledged index changed: $(diff want.idx got.idx | head -5)"
size=$(sed -n 2p ck.$((r - 1)))
[ "$size" -gt 0 ] && ok "log grew to $size entries across the kills" || not_ok "log did not grow"
