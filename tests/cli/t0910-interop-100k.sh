#!/bin/sh
# A 100,000-entry log written by `armistice log append --lines` (its bulk
# mode), verified as a whole by the Go third-party checker from the log's
# files alone: checkpoint signature, every entry bundle, every hash tile,
# the root, inclusion proofs and consistency with an earlier checkpoint.
# Timings are printed as information (# lines); nothing here is timed.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/interop/interop.sh"

interop_build || exit 0
cd "$T" || exit 2

now() { date +%s.%N | cut -c1-14; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# 100,000 entries of 40 to about 1,100 bytes; every 9,973rd is 20,000
# bytes, so that the u16 length prefixes take large values too.
awk 'BEGIN {
	pad = "0123456789abcdefghijklmnopqrstuvwxyz"
	for (i = 0; i < 100000; i++) {
		n = (i * 7919) % 1000; if (i % 9973 == 0) n = 20000
		s = ""; while (length(s) < n) s = s pad
		printf "armistice/entry/v1 bulk %06d %s\n", i, substr(s, 1, n)
	}
}' >entries
head -n 40000 entries >part1
tail -n +40001 entries >part2
[ "$(wc -l <part1)" -eq 40000 ] && [ "$(wc -l <part2)" -eq 60000 ] &&
	ok "100,000 test entries written" || not_ok "test entries: wrong line counts"

expect_ok "armistice keygen" "$ARM" keygen interop.example/bulk --out bulk
expect_ok "armistice log init" "$ARM" log init big --origin interop.example/bulk --key bulk.key
t0=$(now)
expect_ok "armistice log append --lines: entries 0..39999" "$ARM" log append big --lines part1
expect_ok "checkpoint at 40,000" "$ARM" log checkpoint big
cp "$T/out" ckpt40000
expect_ok "armistice log append --lines: entries 40000..99999" "$ARM" log append big --lines part2
echo "# armistice log append of 100,000 entries (two bulk appends): $(took "$t0") s"
expect_ok "checkpoint at 100,000" "$ARM" log checkpoint big
expect_grep "the log has 100,000 entries" '^100000$' "$T/out"

t0=$(now)
expect_ok "Go verifies the whole 100,000-entry log from its files (with -old 40,000)" \
	"$IOP" verify-log -sample 200 -old ckpt40000 big bulk.pub
echo "# Go verify-log of 100,000 entries: $(took "$t0") s"
cat "$T/out" | sed 's/^/# /'
expect_grep "Go checked 100,000 entries, 391 bundles and 394 tiles" \
	'size 100000 .*100000 entries in 391 bundles, 394 tiles' "$T/out"

# A receipt armistice writes for the last entry, checked by Go, and one Go
# computes from armistice's tiles, checked by armistice.
expect_ok "armistice log prove 99999" "$ARM" log prove big 99999
cp "$T/out" last.tlog-proof
sed -n '100000p' entries | tr -d '\n' >last.entry
expect_ok "Go checks armistice's receipt for entry 99999" "$IOP" verify-proof bulk.pub last.entry last.tlog-proof
expect_ok "Go make-proof for entry 59838 (a 20,000-byte entry)" "$IOP" make-proof big 59838 g.entry
cp "$T/out" g.tlog-proof
[ "$(wc -c <g.entry)" -gt 20000 ] && ok "entry 59838 is over 20,000 bytes" || not_ok "entry 59838 is $(wc -c <g.entry) bytes"
expect_ok "armistice checks Go's receipt" "$ARM" proof verify --key bulk.pub g.entry g.tlog-proof
expect_ok "armistice log consistency 40000 100000" "$ARM" log consistency big 40000 100000
cp "$T/out" c.proof
expect_ok "Go checks armistice's consistency proof" \
	"$IOP" verify-consistency bulk.pub ckpt40000 big/checkpoint c.proof

# Tampered twins on the big log: one bit in the middle of the log, then
# restored (flip is its own inverse).
flip big/tile/entries/195 5000
expect_exit 1 "tampered twin: Go refuses one flipped bit in bundle 195" "$IOP" verify-log big bulk.pub
expect_grep "and names the entry" 'entries in the bundles give root|bundle tile/entries/195' "$T/err"
flip big/tile/entries/195 5000
flip big/tile/1/000 1000
expect_exit 1 "tampered twin: Go refuses one flipped bit in tile 1/000" "$IOP" verify-log big bulk.pub
flip big/tile/1/000 1000
expect_ok "restored, the log verifies again" "$IOP" verify-log -sample 0 big bulk.pub
