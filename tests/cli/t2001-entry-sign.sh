#!/bin/sh
# armistice sign on ordinary entries: refuses non-canonical entries before
# signing (naming the line and rule), adds evidence digests in canonical
# place, and the result verifies against the author's key; a tampered
# copy does not.
. "$(dirname "$0")/lib.sh"

K=$DEMO_KEYS
id=$(sha256sum "$TOP/tests/data/agreements/pilot.yaml" | cut -c1-64)

cat >"$T/claim" <<EOF
armistice/entry/v1
kind: claim
agreement: $id
author: north
seq: 1
time: 2018-11-20T10:00:00+09:00
commitment: gp-north
text: Ten posts destroyed, one kept as a memorial.
EOF
printf 'pretend this is satellite imagery\n' >"$T/photo.jpg"
ev=$(sha256sum "$T/photo.jpg" | cut -c1-64)

expect_ok "sign a claim with evidence" "$ARM" sign --key "$K/demo-north.key" \
	--evidence "$T/photo.jpg" --uri https://example.org/gp-11.jpg "$T/claim"
cp "$T/out" "$T/claim.signed"
# evidence goes before text, as the fixed key order says
sed -n '8p' "$T/claim.signed" >"$T/line8"
expect_grep "evidence line in canonical place" "^evidence: sha256:$ev https://example.org/gp-11.jpg\$" "$T/line8"
expect_grep "signed by north" '^— demo-north ' "$T/claim.signed"
expect_ok "the signed claim verifies against north's key" "$ARM" note verify --key "$K/demo-north.vkey" "$T/claim.signed"
sed 's/^seq: 1$/seq: 2/' "$T/claim.signed" >"$T/claim.tampered"
expect_exit 1 "a tampered claim does not verify" "$ARM" note verify --key "$K/demo-north.vkey" "$T/claim.tampered"

# standard input works, and the same evidence twice is listed once
expect_ok "sign from standard input" sh -c "\"$ARM\" sign --key \"$K/demo-north.key\" --evidence \"$T/photo.jpg\" --evidence \"$T/photo.jpg\" <\"$T/claim\""
n=$(grep -c '^evidence: ' "$T/out")
[ "$n" -eq 1 ] && ok "duplicate evidence listed once" || not_ok "duplicate evidence listed $n times"

# refusals: nothing is printed on standard output
printf 'armistice/entry/v1\nkind: claim\nagreement: %s\nseq: 1\nauthor: north\n' "$id" >"$T/order"
expect_exit 3 "keys out of order refused" "$ARM" sign --key "$K/demo-north.key" "$T/order"
expect_grep "names the line and the rule" 'line 5: key-order' "$T/err"
[ ! -s "$T/out" ] && ok "nothing signed on refusal" || not_ok "output on refusal"
sed 's/^seq: 1$/seq: 01/' "$T/claim" >"$T/lead0"
expect_exit 3 "seq with a leading zero refused" "$ARM" sign --key "$K/demo-north.key" "$T/lead0"
sed 's/memorial\.$/memorial. /' "$T/claim" >"$T/trail"
expect_exit 3 "trailing space refused" "$ARM" sign --key "$K/demo-north.key" "$T/trail"
expect_grep "trailing-space rule named" 'trailing-space' "$T/err"
sed 's/^seq: 1$/colour: red/' "$T/claim" >"$T/unknown"
expect_exit 3 "unknown key refused" "$ARM" sign --key "$K/demo-north.key" "$T/unknown"
expect_exit 2 "--uri without --evidence is a usage error" "$ARM" sign --key "$K/demo-north.key" --uri x "$T/claim"
expect_exit 2 "--key is required" "$ARM" sign "$T/claim"
expect_exit 5 "missing evidence file" "$ARM" sign --key "$K/demo-north.key" --evidence "$T/nope.jpg" "$T/claim"
expect_exit 2 "evidence cannot be added to a signed entry" "$ARM" sign --key "$K/demo-south.key" --evidence "$T/photo.jpg" "$T/claim.signed"
expect_exit 2 "a cosigner key cannot sign entries" "$ARM" sign --key "$K/demo-w-south.key" "$T/claim"
