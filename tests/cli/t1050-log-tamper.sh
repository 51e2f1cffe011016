#!/bin/sh
# Tampering: one flipped byte in a bundle, a hash tile (level 0 and 1) or
# the checkpoint, a truncated tile, a missing file, a rolled-back or forked
# history. Each time `log verify` fails with exit 1 and names what is bad;
# the untampered twin verifies.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1

"$ARM" keygen log.example.org/t1050 --out log >/dev/null 2>&1
"$ARM" log init L --origin log.example.org/t1050 --key log.key >/dev/null
awk 'BEGIN { for (i = 0; i < 700; i++) print "entry number " i }' >e1.txt
expect_ok "append 700 lines" "$ARM" log append L --lines --batch 100 e1.txt
"$ARM" log checkpoint L >ck700
awk 'BEGIN { for (i = 0; i < 2000; i++) print "bulk " i }' >e2.txt
expect_ok "append 2000 lines" "$ARM" log append L --lines e2.txt
expect_ok "untampered log verifies" "$ARM" log verify L --since ck700
cp -r L pristine

# flip FILE OFFSET: xor one byte with 0x01
flip() {
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
restore() { rm -rf L && cp -r pristine L; }

check_fails() { # DESC PATTERN
	expect_exit 1 "$1: verify fails" "$ARM" log verify L
	expect_grep "$1: named" "$2" "$T/err"
	restore
	expect_ok "$1: untampered twin verifies" "$ARM" log verify L
}

flip L/tile/entries/001 100
check_fails "flipped byte in a bundle" "entry 26[0-9] in bundle 'tile/entries/001'"
flip L/tile/entries/002 1
check_fails "flipped length in a bundle" "entry bundle 'tile/entries/002'"
flip L/tile/0/001 64
check_fails "flipped byte in a level-0 tile" "tile 'tile/0/001' is corrupt: hash 2"
flip L/tile/1/000.p/10 32
check_fails "flipped byte in a level-1 tile" "tile 'tile/1/000.p/10' is corrupt: hash 1"
# 2,700 entries: the right edge of level 0 is tile 10, 140 wide.
flip L/tile/0/010.p/140 0
check_fails "flipped byte in a partial tile" "tile 'tile/0/010.p/140' is corrupt: hash 0"
flip L/checkpoint 30
check_fails "flipped byte in the checkpoint" "checkpoint"
flip L/.armistice/commit 30
check_fails "flipped byte in the commit record" "commit record"
truncate -s 8000 L/tile/0/005
check_fails "truncated tile" "tile 'tile/0/005' is truncated: 8000 bytes, want 8192"
truncate -s 100 L/tile/entries/004
check_fails "truncated bundle" "entry bundle 'tile/entries/004'"
rm L/tile/0/007
check_fails "missing tile" "tile 'tile/0/007' is missing"
rm L/tile/entries/009
check_fails "missing bundle" "entry bundle 'tile/entries/009' is missing"
rm L/checkpoint
check_fails "missing checkpoint" "'L/checkpoint' is missing"

# A history rewritten after ck700 was seen: same size, other entries.
"$ARM" log init F --origin log.example.org/t1050 --key log.key >/dev/null
sed 's/entry number 5$/entry number five/' e1.txt >e1f.txt
"$ARM" log append F --lines --batch 100 e1f.txt >/dev/null 2>&1
expect_ok "the fork verifies on its own" "$ARM" log verify F
expect_exit 1 "the fork is not consistent with ck700" "$ARM" log verify F --since ck700
expect_grep "inconsistency named" 'not consistent with the older checkpoint' "$T/err"
# A rollback: the log is smaller than a checkpoint seen before.
"$ARM" log checkpoint L >ckbig
"$ARM" log init S --origin log.example.org/t1050 --key log.key >/dev/null
"$ARM" log append S --lines e1.txt >/dev/null 2>&1
expect_exit 1 "rolled-back log fails --since" "$ARM" log verify S --since ckbig
expect_grep "rollback named" 'smaller than the older checkpoint' "$T/err"
expect_ok "but it is consistent with ck700" "$ARM" log verify S --since ck700
