#!/bin/sh
# Tampering: one flipped byte in a bundle, a hash tile (level 0 and 1) or
# the checkpoint, a truncated tile, a missing file, a rolled-back or forked
# history. Each time `log verify` fails with exit 1 and names what is bad;
# the untampered twin verifies.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-store.sh"
cd "$T" || exit 1
L=$(store_log L)
F=$(store_log F)
S=$(store_log S)

"$ARM" keygen log.example.org/t1050 --out log >/dev/null 2>&1
"$ARM" log init "$L" --origin log.example.org/t1050 --key log.key >/dev/null
awk 'BEGIN { for (i = 0; i < 700; i++) print "entry number " i }' >e1.txt
expect_ok "append 700 lines" "$ARM" log append "$L" --lines --batch 100 e1.txt
"$ARM" log checkpoint "$L" >ck700
awk 'BEGIN { for (i = 0; i < 2000; i++) print "bulk " i }' >e2.txt
expect_ok "append 2000 lines" "$ARM" log append "$L" --lines e2.txt
expect_ok "untampered log verifies" "$ARM" log verify "$L" --since ck700
store_save "$L"

# flip PATH OFFSET: xor one byte of the log's file PATH with 0x01
flip() {
	store_cat "$L" "$1" >x.bin
	b=$(od -An -tu1 -j "$2" -N1 x.bin | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of=x.bin bs=1 seek="$2" conv=notrunc 2>/dev/null
	store_put "$L" "$1" x.bin
}
# cut PATH SIZE: truncate the log's file PATH
cut_to() {
	store_cat "$L" "$1" >x.bin
	truncate -s "$2" x.bin
	store_put "$L" "$1" x.bin
}
restore() { store_restore "$L"; }

check_fails() { # DESC PATTERN
	expect_exit 1 "$1: verify fails" "$ARM" log verify "$L"
	expect_grep "$1: named" "$2" "$T/err"
	restore
	expect_ok "$1: untampered twin verifies" "$ARM" log verify "$L"
}

flip tile/entries/001 100
check_fails "flipped byte in a bundle" "entry 26[0-9] in bundle 'tile/entries/001'"
flip tile/entries/002 1
check_fails "flipped length in a bundle" "entry bundle 'tile/entries/002'"
flip tile/0/001 64
check_fails "flipped byte in a level-0 tile" "tile 'tile/0/001' is corrupt: hash 2"
flip tile/1/000.p/10 32
check_fails "flipped byte in a level-1 tile" "tile 'tile/1/000.p/10' is corrupt: hash 1"
# 2,700 entries: the right edge of level 0 is tile 10, 140 wide.
flip tile/0/010.p/140 0
check_fails "flipped byte in a partial tile" "tile 'tile/0/010.p/140' is corrupt: hash 0"
flip checkpoint 30
check_fails "flipped byte in the checkpoint" "checkpoint"
flip .armistice/commit 30
check_fails "flipped byte in the commit record" "commit record"
cut_to tile/0/005 8000
check_fails "truncated tile" "tile 'tile/0/005' is truncated: 8000 bytes, want 8192"
cut_to tile/entries/004 100
check_fails "truncated bundle" "entry bundle 'tile/entries/004'"
store_rm "$L" tile/0/007
check_fails "missing tile" "tile 'tile/0/007' is missing"
store_rm "$L" tile/entries/009
check_fails "missing bundle" "entry bundle 'tile/entries/009' is missing"
store_rm "$L" checkpoint
check_fails "missing checkpoint" "/checkpoint' is missing"

# A history rewritten after ck700 was seen: same size, other entries.
"$ARM" log init "$F" --origin log.example.org/t1050 --key log.key >/dev/null
sed 's/entry number 5$/entry number five/' e1.txt >e1f.txt
"$ARM" log append "$F" --lines --batch 100 e1f.txt >/dev/null 2>&1
expect_ok "the fork verifies on its own" "$ARM" log verify "$F"
expect_exit 1 "the fork is not consistent with ck700" "$ARM" log verify "$F" --since ck700
expect_grep "inconsistency named" 'not consistent with the older checkpoint' "$T/err"
# A rollback: the log is smaller than a checkpoint seen before.
"$ARM" log checkpoint "$L" >ckbig
"$ARM" log init "$S" --origin log.example.org/t1050 --key log.key >/dev/null
"$ARM" log append "$S" --lines e1.txt >/dev/null 2>&1
expect_exit 1 "rolled-back log fails --since" "$ARM" log verify "$S" --since ckbig
expect_grep "rollback named" 'smaller than the older checkpoint' "$T/err"
expect_ok "but it is consistent with ck700" "$ARM" log verify "$S" --since ck700
