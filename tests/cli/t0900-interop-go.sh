#!/bin/sh
# Third-party interoperability: Go's golang.org/x/mod v0.7.0 (sumdb/note,
# sumdb/tlog) checks the notes, checkpoints, tiles and proofs armistice
# writes, and armistice checks the notes and proofs Go writes. Every check
# has a tampered twin that must be refused. See docs/interop.md.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/interop/interop.sh"

interop_build || exit 0
cd "$T" || exit 2

# --- keys: Go writes them, armistice reads them (and the reverse below) ---
expect_ok "go make-key (Ed25519, type 0x01)" "$IOP" make-key interop.example/log log.key log.pub
expect_ok "go make-key (cosigner, type 0x04) w1" "$IOP" make-key -cosig w1.example/witness w1.key w1.pub
expect_ok "go make-key (cosigner, type 0x04) w2" "$IOP" make-key -cosig w2.example/witness w2.key w2.pub
expect_ok "go make-key (Ed25519) other" "$IOP" make-key other.example/log other.key other.pub

# --- 1. notes armistice signs, Go opens ---
printf 'armistice/entry/v1\nkind: statement\ntext: the guard post at 38.3N is withdrawn\n' >text
expect_ok "armistice note sign with a Go-made key" "$ARM" note sign --key log.key text
cp "$T/out" arm.note
expect_ok "Go note.Open verifies armistice's note" "$IOP" verify-note arm.note log.pub
expect_grep "Go lists the log key as verified" '^verified interop.example/log ' "$T/out"
expect_ok "Go note.Sign of the same text" "$IOP" make-note text log.key
cp "$T/out" go.note
if cmp -s arm.note go.note; then ok "armistice and Go sign byte-identical notes"; else not_ok "armistice and Go notes differ"; fi
sed 's/withdrawn/rebuilt/' arm.note >arm-tampered.note
expect_exit 1 "tampered twin: Go refuses armistice's note with altered text" "$IOP" verify-note arm-tampered.note log.pub
expect_exit 1 "Go refuses armistice's note under a key that did not sign it" "$IOP" verify-note arm.note other.pub

# The Go sumdb/note doc vector, signed by armistice, opened by Go.
neumann_key='PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'
neumann_pub='PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'
(umask 077 && printf '%s\n' "$neumann_key" >neumann.key)
printf "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n" >neumann.txt
expect_ok "armistice signs the Neumann text" "$ARM" note sign --key neumann.key neumann.txt
cp "$T/out" neumann.note
expect_grep "armistice's signature is the x/mod doc vector" '^— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=$' neumann.note
expect_ok "Go opens it with the vector's verifier key" "$IOP" verify-note neumann.note "$neumann_pub"

# --- 2. notes Go signs, armistice verifies ---
expect_ok "Go note.Sign with two keys" "$IOP" make-note text log.key other.key
cp "$T/out" go2.note
expect_ok "armistice verifies Go's two-key note" "$ARM" note verify --key log.pub --key other.pub go2.note
expect_grep "armistice lists the first key" '^verified interop.example/log\+' "$T/out"
expect_grep "armistice lists the second key" '^verified other.example/log\+' "$T/out"
expect_ok "armistice verifies it with one key, the other unknown" "$ARM" note verify --key log.pub --json go2.note
expect_grep "json names the unknown signer" '"unknown":\[\{"name":"other.example/log"' "$T/out"
sed 's/withdrawn/rebuilt/' go2.note >go2-tampered.note
expect_exit 1 "tampered twin: armistice refuses Go's note with altered text" "$ARM" note verify --key log.pub go2-tampered.note
expect_exit 1 "armistice refuses Go's note under a key that did not sign it" "$ARM" note verify --key w1.pub go2.note

# --- 3. a log Go builds (StoredHashes, NewTiles, ReadTileData, C2SP paths) ---
expect_ok "Go make-log: 1000 records with earlier checkpoints" \
	"$IOP" make-log -old 0 -old 1 -old 256 -old 700 golog log.key 1000
expect_ok "Go verify-log of its own C2SP log" "$IOP" verify-log -old golog/checkpoint.700 golog log.pub
# Cosign the checkpoint with w1 only (tlog-cosignature/v1, Go side).
expect_ok "Go cosigns the checkpoint (w1)" "$IOP" cosign golog/checkpoint w1.key 1700000000
cp "$T/out" golog/checkpoint
expect_ok "armistice note verify sees the cosignature" "$ARM" note verify --key log.pub --key w1.pub golog/checkpoint
expect_grep "with its timestamp" '^verified w1.example/witness\+[0-9a-f]{8} cosignature time 1700000000 ' "$T/out"

# Receipts Go makes from its tiles, armistice checks.
expect_ok "Go make-proof index 700" "$IOP" make-proof golog 700 e700
cp "$T/out" p700.tlog-proof
expect_ok "armistice proof verify of Go's receipt" "$ARM" proof verify --key log.pub e700 p700.tlog-proof
expect_grep "names index and size" '^ok: entry 700 of interop.example/log, checkpoint size 1000 ' "$T/out"
expect_ok "armistice: quorum 1 of w1 is met" "$ARM" proof verify --key log.pub --witness w1.pub --quorum 1 e700 p700.tlog-proof
expect_ok "armistice: quorum 1 of w1, w2 is met" "$ARM" proof verify --key log.pub --witness w1.pub --witness w2.pub --quorum 1 --json e700 p700.tlog-proof
expect_grep "json reports w1 cosigned" '"name":"w1.example/witness","key_id":"[0-9a-f]{8}","cosigned":true,"time":1700000000' "$T/out"
expect_exit 1 "quorum twin: w2 did not cosign, default quorum is all" "$ARM" proof verify --key log.pub --witness w1.pub --witness w2.pub e700 p700.tlog-proof
printf 'not the entry\n' >wrong-entry
expect_exit 1 "tampered twin: another entry is not at index 700" "$ARM" proof verify --key log.pub wrong-entry p700.tlog-proof
cp e700 e700.t && flip e700.t 3
expect_exit 1 "tampered twin: entry with one bit flipped" "$ARM" proof verify --key log.pub e700.t p700.tlog-proof
alter_line p700.tlog-proof 3 >p700-hash.tlog-proof
expect_exit 1 "tampered twin: one proof hash altered" "$ARM" proof verify --key log.pub e700 p700-hash.tlog-proof
sed 's/^index 700$/index 701/' p700.tlog-proof >p700-index.tlog-proof
expect_exit 1 "tampered twin: index moved" "$ARM" proof verify --key log.pub e700 p700-index.tlog-proof
expect_exit 1 "a receipt under another log key is refused" "$ARM" proof verify --key other.pub e700 p700.tlog-proof
expect_exit 1 "wrong --origin is refused" "$ARM" proof verify --key log.pub --origin elsewhere.example e700 p700.tlog-proof
expect_ok "Go make-proof index 0" "$IOP" make-proof golog 0 e0
cp "$T/out" p0.tlog-proof
expect_ok "armistice proof verify of Go's receipt for entry 0" "$ARM" proof verify --key log.pub e0 p0.tlog-proof
expect_ok "Go make-proof index 999 (last, partial tile)" "$IOP" make-proof golog 999 e999
cp "$T/out" p999.tlog-proof
expect_ok "armistice proof verify of Go's receipt for entry 999" "$ARM" proof verify --key log.pub e999 p999.tlog-proof
expect_exit 1 "entry 0 is not at 999" "$ARM" proof verify --key log.pub e0 p999.tlog-proof

# Consistency proofs Go makes (ProveTree over the tiles), armistice checks.
for old in 1 256 700; do
	"$IOP" make-consistency golog $old >c$old.proof
	expect_ok "armistice proof consistency $old -> 1000 (Go ProveTree)" \
		"$ARM" proof consistency --key log.pub golog/checkpoint.$old golog/checkpoint c$old.proof
done
expect_ok "armistice: empty tree -> 1000 with the empty proof" \
	"$ARM" proof consistency --key log.pub golog/checkpoint.0 golog/checkpoint /dev/null
expect_exit 1 "an empty proof for 700 -> 1000 is refused" \
	"$ARM" proof consistency --key log.pub golog/checkpoint.700 golog/checkpoint /dev/null
alter_line c700.proof 1 >c700-t.proof
expect_exit 1 "tampered twin: one consistency hash altered" \
	"$ARM" proof consistency --key log.pub golog/checkpoint.700 golog/checkpoint c700-t.proof
expect_exit 1 "the proof for 256 does not prove 700" \
	"$ARM" proof consistency --key log.pub golog/checkpoint.700 golog/checkpoint c256.proof
expect_exit 1 "swapped checkpoints are refused" \
	"$ARM" proof consistency --key log.pub golog/checkpoint golog/checkpoint.700 c700.proof
expect_exit 1 "checkpoints under another key are refused" \
	"$ARM" proof consistency --key other.pub golog/checkpoint.700 golog/checkpoint c700.proof
expect_ok "armistice --json consistency" \
	"$ARM" proof consistency --key log.pub --json golog/checkpoint.256 golog/checkpoint c256.proof
expect_grep "json has both sizes" '"old":\{"size":256,.*"new":\{"size":1000,' "$T/out"

# A longer log with the same first 1000 records: 700 -> 1001 needs its own
# proof; the 700 -> 1000 proof must not pass for it.
expect_ok "Go make-log: 1001 records" "$IOP" make-log golog2 log.key 1001
"$IOP" make-consistency golog2 700 >c700-2.proof
expect_ok "armistice: 700 -> 1001 with its own proof" \
	"$ARM" proof consistency --key log.pub golog/checkpoint.700 golog2/checkpoint c700-2.proof
expect_exit 1 "the 700 -> 1000 proof does not prove 700 -> 1001" \
	"$ARM" proof consistency --key log.pub golog/checkpoint.700 golog2/checkpoint c700.proof

# The v0.7.0 tileHashReader does not authenticate every tile (see
# docs/interop.md): alter a record and its leaf in tile 0 together, and
# the Go checker must still refuse, because it rebuilds the tree from the
# entries.
cp -r golog golog-t
# Record 1 of bundle 000 starts at byte 2 + len(record 0) + 2.
len0=$(od -An -tu1 -j0 -N2 golog-t/tile/entries/000 | awk '{print $1 * 256 + $2}')
flip golog-t/tile/entries/000 $((2 + len0 + 2))
leaf=$( (printf '\000'; dd if=golog-t/tile/entries/000 bs=1 skip=$((2 + len0 + 2)) count=$(od -An -tu1 -j$((2 + len0)) -N2 golog-t/tile/entries/000 | awk '{print $1 * 256 + $2}') 2>/dev/null) | sha256sum | cut -c1-64)
put_hex golog-t/tile/0/000 32 "$leaf"
expect_exit 1 "tampered twin: a record and its leaf hash altered together" "$IOP" verify-log golog-t log.pub
expect_grep "Go names the rebuilt root" 'entries in the bundles give root' "$T/err"

# --- 4. a log armistice writes, Go checks from its files alone ---
expect_ok "armistice keygen (log key)" "$ARM" keygen interop.example/armlog --out arm
expect_ok "armistice keygen (cosigner key)" "$ARM" keygen w3.example/witness --type cosigner --out w3
expect_ok "armistice log init" "$ARM" log init alog --origin interop.example/armlog --key arm.key
awk 'BEGIN { for (i = 0; i < 300; i++) printf "armistice/entry/v1 interop %d %s\n", i, substr("abcdefghijklmnopqrstuvwxyz", 1, i % 27) }' >batch1
awk 'BEGIN { for (i = 300; i < 1000; i++) printf "armistice/entry/v1 interop %d %s\n", i, substr("abcdefghijklmnopqrstuvwxyz", 1, i % 27) }' >batch2
expect_ok "armistice log append 300 entries" "$ARM" log append alog --lines batch1
expect_ok "armistice log checkpoint at 300" "$ARM" log checkpoint alog
cp "$T/out" ckpt300
expect_ok "armistice log append 700 more" "$ARM" log append alog --lines batch2
expect_ok "armistice log checkpoint at 1000" "$ARM" log checkpoint alog
cp "$T/out" ckpt1000
expect_ok "Go verify-checkpoint of armistice's checkpoint" "$IOP" verify-checkpoint ckpt1000 arm.pub
expect_grep "Go reads size 1000" '^size 1000$' "$T/out"
expect_ok "Go verify-log of armistice's log (tiles, bundles, proofs, -old 300)" \
	"$IOP" verify-log -old ckpt300 alog arm.pub
expect_grep "Go checked every entry and tile" 'size 1000 .*1000 entries in 4 bundles, 5 tiles' "$T/out"

# Tampered twins: each flip is undone after its check (flip is an involution).
flip alog/tile/entries/001 100
expect_exit 1 "tampered twin: Go refuses a flipped bit in bundle 001" "$IOP" verify-log alog arm.pub
flip alog/tile/entries/001 100
flip alog/tile/0/002 4000
expect_exit 1 "tampered twin: Go refuses a flipped bit in tile 0/002" "$IOP" verify-log alog arm.pub
flip alog/tile/0/002 4000
flip alog/tile/0/003.p/232 64
expect_exit 1 "tampered twin: Go refuses a flipped bit in the partial tile 0/003.p/232" "$IOP" verify-log alog arm.pub
flip alog/tile/0/003.p/232 64
flip alog/tile/1/000.p/3 0
expect_exit 1 "tampered twin: Go refuses a flipped bit in the level-1 tile" "$IOP" verify-log alog arm.pub
flip alog/tile/1/000.p/3 0
cp alog/checkpoint ckpt.keep
sed '2s/^1000$/999/' ckpt.keep >alog/checkpoint
expect_exit 1 "tampered twin: Go refuses a checkpoint with another size" "$IOP" verify-log alog arm.pub
cp ckpt.keep alog/checkpoint
expect_exit 1 "Go refuses the log under another key" "$IOP" verify-log alog log.pub
expect_exit 1 "Go refuses an -old checkpoint of another log" "$IOP" verify-log -old golog/checkpoint.700 alog arm.pub
expect_ok "the log is whole again" "$IOP" verify-log alog arm.pub

# Receipts armistice writes, Go checks (and armistice itself).
expect_ok "armistice log prove 777" "$ARM" log prove alog 777
cp "$T/out" a777.tlog-proof
expect_ok "armistice log get 777" "$ARM" log get alog 777
cp "$T/out" a777
expect_ok "Go tlog.CheckRecord accepts armistice's receipt" "$IOP" verify-proof arm.pub a777 a777.tlog-proof
expect_ok "armistice proof verify accepts it too" "$ARM" proof verify --key arm.pub a777 a777.tlog-proof
expect_exit 1 "tampered twin: Go refuses the receipt for another entry" "$IOP" verify-proof arm.pub e700 a777.tlog-proof
alter_line a777.tlog-proof 4 >a777-t.tlog-proof
expect_exit 1 "tampered twin: Go refuses a receipt with one hash altered" "$IOP" verify-proof arm.pub a777 a777-t.tlog-proof
expect_exit 1 "tampered twin: armistice refuses it too" "$ARM" proof verify --key arm.pub a777 a777-t.tlog-proof
expect_ok "armistice log prove 5 pinned to size 300" "$ARM" log prove alog 5 --size 300
cp "$T/out" a5.tlog-proof
"$ARM" log get alog 5 >a5
expect_ok "Go checks a receipt pinned to an earlier checkpoint" "$IOP" verify-proof arm.pub a5 a5.tlog-proof
expect_grep "of size 300" 'size 300$' "$T/out"
# Receipts Go computes from armistice's tiles, armistice checks.
expect_ok "Go make-proof from armistice's tiles" "$IOP" make-proof alog 999 g999
cp "$T/out" g999.tlog-proof
expect_ok "armistice proof verify of Go's receipt over its own log" "$ARM" proof verify --key arm.pub g999 g999.tlog-proof
"$ARM" log get alog 999 >a999
if cmp -s g999 a999; then ok "Go read entry 999 from the bundle as armistice stores it"; else not_ok "Go's entry 999 differs from armistice log get"; fi

# Consistency proofs armistice writes, Go checks.
expect_ok "armistice log consistency 300 1000" "$ARM" log consistency alog 300 1000
cp "$T/out" ac300.proof
expect_ok "Go tlog.CheckTree accepts armistice's consistency proof" "$IOP" verify-consistency arm.pub ckpt300 ckpt1000 ac300.proof
alter_line ac300.proof 2 >ac300-t.proof
expect_exit 1 "tampered twin: Go refuses it with one hash altered" "$IOP" verify-consistency arm.pub ckpt300 ckpt1000 ac300-t.proof
expect_exit 1 "Go refuses the proof for swapped checkpoints" "$IOP" verify-consistency arm.pub ckpt1000 ckpt300 ac300.proof
"$IOP" make-consistency alog 300 >gc300.proof
if cmp -s gc300.proof ac300.proof; then ok "Go's ProveTree over our tiles gives armistice's proof byte for byte"; else not_ok "Go and armistice consistency proofs differ"; fi

# Cosignatures: Go cosigns with armistice's cosigner key; both check it.
expect_ok "Go cosigns armistice's checkpoint with an armistice-made cosigner key" "$IOP" cosign ckpt1000 w3.key 1700000001
cp "$T/out" ckpt1000.cosigned
expect_ok "Go verify-checkpoint with witness quorum 1" "$IOP" verify-checkpoint -witness w3.pub -quorum 1 ckpt1000.cosigned arm.pub
expect_ok "armistice note verify lists the cosignature" "$ARM" note verify --key arm.pub --key w3.pub ckpt1000.cosigned
expect_grep "with its time" 'cosignature time 1700000001 ' "$T/out"
# Alter the Ed25519 part of the cosignature (base64 column 60 of the line
# body), keeping its key ID: a known key whose signature fails.
n=$(wc -l <ckpt1000.cosigned)
alter_char ckpt1000.cosigned "$n" $((60 + $(printf '— w3.example/witness ' | wc -c))) >ckpt1000.badcosig
expect_exit 1 "tampered twin: Go refuses a bad cosignature by a known witness" \
	"$IOP" verify-checkpoint -witness w3.pub ckpt1000.badcosig arm.pub
expect_exit 1 "tampered twin: armistice refuses it too" \
	"$ARM" note verify --key arm.pub --key w3.pub ckpt1000.badcosig
expect_exit 1 "a missing witness fails Go's quorum" \
	"$IOP" verify-checkpoint -witness w1.pub -quorum 1 ckpt1000.cosigned arm.pub
