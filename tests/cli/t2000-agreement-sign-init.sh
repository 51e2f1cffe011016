#!/bin/sh
# armistice sign --agreement and armistice init: each party signs the same
# agreement entry; init merges the signatures, refuses a missing party, a
# signature of other bytes, the wrong log key, and a zone file changed after
# signing; entry 0 in the new log is the agreement with both signatures.
. "$(dirname "$0")/lib.sh"

D=$TOP/tests/data
K=$DEMO_KEYS
cp -r "$D/agreements" "$T/ag"
A=$T/ag/pilot.yaml

expect_ok "south signs the agreement entry" "$ARM" sign --key "$K/demo-south.key" --agreement "$A"
cp "$T/out" "$T/south.signed"
expect_grep "the entry names the agreement" '^kind: agreement$' "$T/south.signed"
expect_grep "the zone file digest is in the signed header" '^zone: jsa sha256:[0-9a-f]{64}$' "$T/south.signed"
expect_grep "signed by south" "^— demo-south " "$T/south.signed"
expect_ok "north signs the agreement entry" "$ARM" sign --key "$K/demo-north.key" --agreement "$A"
cp "$T/out" "$T/north.signed"

# the agreement id is the SHA-256 of the file's bytes
id=$(sha256sum "$A" | cut -c1-64)
expect_grep "agreement id is sha256 of the bytes" "^agreement: $id\$" "$T/south.signed"

# a party may also add its signature to a copy another party signed
expect_ok "north countersigns south's copy" "$ARM" sign --key "$K/demo-north.key" "$T/south.signed"
cp "$T/out" "$T/both.signed"
n=$(grep -c '^— ' "$T/both.signed")
[ "$n" -eq 2 ] && ok "countersigned copy has two signatures" || not_ok "countersigned copy has $n signatures"
expect_exit 3 "the same key cannot sign twice" "$ARM" sign --key "$K/demo-north.key" "$T/both.signed"

# refusals first: nothing may be written
expect_exit 1 "init refuses when north has not signed" \
	"$ARM" init "$T/log0" --agreement "$A" --log-key "$K/demo-log.key" "$T/south.signed"
expect_grep "the missing party is named" 'party "north" has not signed' "$T/err"
[ ! -e "$T/log0/checkpoint" ] && ok "nothing written on refusal" || not_ok "a log was written"

expect_exit 1 "init refuses a log key the agreement does not name" \
	"$ARM" init "$T/log1" --agreement "$A" --log-key "$K/demo-south.key" "$T/south.signed" "$T/north.signed"
expect_grep "log-key rule named" 'log-key' "$T/err"

# a signature of different bytes (the agreement edited after north signed)
sed 's/Guard-post pilot withdrawal (demo)/Guard-post pilot withdrawal (demo, edited)/' "$A" >"$T/ag/edited.yaml"
expect_exit 1 "init refuses a signature over other bytes" \
	"$ARM" init "$T/log2" --agreement "$T/ag/edited.yaml" --log-key "$K/demo-log.key" "$T/south.signed" "$T/north.signed"

# a zone file changed after the parties signed
cp -r "$T/ag" "$T/ag2"
printf '{"type": "Polygon", "coordinates": [[[126.0, 38.0], [126.1, 38.0], [126.1, 38.1], [126.0, 38.0]]]}\n' >"$T/ag2/zones/jsa-buffer.geojson"
expect_exit 1 "init refuses a zone file changed after signing" \
	"$ARM" init "$T/log3" --agreement "$T/ag2/pilot.yaml" --log-key "$K/demo-log.key" "$T/south.signed" "$T/north.signed"

# a tampered signed copy (one byte of the signed text changed)
sed 's/^title: Guard-post/title: Guard-p0st/' "$T/north.signed" >"$T/north.tampered"
expect_exit 1 "init refuses a tampered signed copy" \
	"$ARM" init "$T/log4" --agreement "$A" --log-key "$K/demo-log.key" "$T/south.signed" "$T/north.tampered"

expect_exit 3 "init refuses an invalid agreement, listing every problem" \
	"$ARM" init "$T/log5" --agreement "$T/ag/bad-many.yaml" --log-key "$K/demo-log.key" "$T/south.signed"
n=$(grep -c 'bad-many.yaml:[0-9]*:[0-9]*: ' "$T/err")
[ "$n" -ge 7 ] && ok "all $n problems listed with line and column" || not_ok "only $n problems listed"

expect_exit 2 "init without --log-key is a usage error" "$ARM" init "$T/log6" --agreement "$A" "$T/south.signed"

# the good case
expect_ok "init with both parties' signatures" \
	"$ARM" init "$T/log" --agreement "$A" --log-key "$K/demo-log.key" --json "$T/south.signed" "$T/north.signed"
expect_grep "init reports the agreement id" "\"agreement\":\"$id\"" "$T/out"
[ -f "$T/log/zones/zones/jsa-buffer.geojson" ] && cmp -s "$T/log/zones/zones/jsa-buffer.geojson" "$T/ag/zones/jsa-buffer.geojson" &&
	ok "zone file copied beside the log" || not_ok "zone file not copied to DIR/zones"
expect_ok "entry 0 can be read back" "$ARM" log get "$T/log" 0
cp "$T/out" "$T/entry0"
expect_grep "entry 0 is the agreement" '^kind: agreement$' "$T/entry0"
n=$(grep -c '^— demo-\(south\|north\) ' "$T/entry0")
[ "$n" -eq 2 ] && ok "entry 0 carries both parties' signatures" || not_ok "entry 0 has $n party signatures"
# entry 0 verifies as a signed note against both party keys
expect_ok "entry 0 verifies against south's key" "$ARM" note verify --key "$K/demo-south.vkey" "$T/entry0"
expect_exit 1 "entry 0 does not verify against a stranger's key" "$ARM" note verify --key "$K/demo-stranger.vkey" "$T/entry0"
expect_exit 3 "init refuses a directory that already holds a log" \
	"$ARM" init "$T/log" --agreement "$A" --log-key "$K/demo-log.key" "$T/south.signed" "$T/north.signed"
