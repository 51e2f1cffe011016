#!/bin/sh
# armistice keygen and armistice log: create a log, append files, standard
# input and lines, dedupe, read, prove (checked with `armistice proof`),
# consistency, verify, JSON output and the documented exit codes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-store.sh"
cd "$T" || exit 1

expect_ok "keygen log key" "$ARM" keygen log.example.org/t1000 --dir "$T"
expect_grep "keygen prints the vkey" '^log\.example\.org/t1000\+[0-9a-f]{8}\+' "$T/out"
K="$T/log.example.org_t1000.key"
P="$T/log.example.org_t1000.pub"
[ "$(stat -c %a "$K")" = 600 ] && ok "signer key is mode 0600" || not_ok "signer key mode $(stat -c %a "$K")"
cp "$K" "$T/key.copy"
expect_exit 3 "keygen never overwrites" "$ARM" keygen log.example.org/t1000 --dir "$T"
cmp -s "$K" "$T/key.copy" && ok "key unchanged" || not_ok "key was overwritten"
expect_exit 3 "keygen refuses a name with a space" "$ARM" keygen "bad name" --dir "$T"
expect_ok "keygen cosigner key" "$ARM" keygen witness.example/w1 --type cosigner --dir "$T" --json
expect_grep "cosigner key in JSON" '"type":"cosigner"' "$T/out"
expect_exit 2 "keygen bad --type" "$ARM" keygen x --type nope

L=$(store_log L)
expect_ok "log init" "$ARM" log init "$L" --origin log.example.org/t1000 --key "$K"
expect_exit 3 "second init refused" "$ARM" log init "$L" --origin log.example.org/t1000 --key "$K"
expect_grep "second init says why" 'already holds a log' "$T/err"
expect_exit 2 "init without --origin" "$ARM" log init L2 --key "$K"
if [ "$STORE" = fs ]; then
	[ -f L/checkpoint ] && [ -d L/tile ] && ok "tlog-tiles layout" || not_ok "no checkpoint or tile/"
fi
store_cat "$L" checkpoint >ck0
expect_grep "empty log has size 0" '^0$' ck0

printf 'claim: alpha\n' >a.txt
printf 'claim: beta\n' >b.txt
expect_ok "append two files" "$ARM" log append "$L" a.txt b.txt
expect_grep "index of a.txt" '^0	a\.txt$' "$T/out"
expect_grep "index of b.txt" '^1	b\.txt$' "$T/out"
expect_ok "append the same bytes again" "$ARM" log append "$L" b.txt
expect_grep "dedupe gives the first index" '^1	b\.txt	\(already in the log\)$' "$T/out"
printf 'from stdin\n' | "$ARM" log append "$L" >"$T/out" 2>"$T/err"
expect_grep "stdin is one entry" '^2	stdin$' "$T/out"
printf 'l1\nl2\n\nl3' >lines.txt
expect_ok "append --lines" "$ARM" log append "$L" --lines lines.txt --json
expect_grep "--lines JSON" '"source":"lines.txt:4","index":5' "$T/out"
expect_grep "--lines JSON size" '"size":6\}$' "$T/out"
expect_ok "append --lines --batch 1" "$ARM" log append "$L" --lines --batch 1 lines.txt
expect_grep "--lines dedupe" '^5	lines.txt:4	\(already in the log\)$' "$T/out"
expect_exit 2 "--batch 0 refused" "$ARM" log append "$L" --lines --batch 0 lines.txt
head -c 70000 /dev/zero >big.bin
expect_exit 3 "entry over 65535 bytes refused" "$ARM" log append "$L" big.bin
expect_grep "size limit named" '65535' "$T/err"
expect_exit 5 "append to a missing log" "$ARM" log append "$(store_log nowhere)" a.txt

expect_ok "checkpoint" "$ARM" log checkpoint "$L"
expect_grep "checkpoint origin" '^log\.example\.org/t1000$' "$T/out"
expect_grep "checkpoint size" '^6$' "$T/out"
expect_grep "checkpoint signed" '^— log\.example\.org/t1000 ' "$T/out"
cp "$T/out" ck6
expect_ok "checkpoint --json" "$ARM" log checkpoint "$L" --json
expect_grep "checkpoint JSON" '"size":6,"root":"' "$T/out"

expect_ok "get" "$ARM" log get "$L" 1
cmp -s "$T/out" b.txt && ok "get returns the bytes" || not_ok "get returned other bytes"
expect_ok "get --json" "$ARM" log get "$L" 4 --json
expect_grep "get JSON" '"index":4,.*"entry_base64":"bDI="' "$T/out"
expect_exit 5 "get past the end" "$ARM" log get "$L" 6
expect_exit 2 "get with a bad index" "$ARM" log get "$L" 01

expect_ok "prove" "$ARM" log prove "$L" 1
cp "$T/out" p1.tlog-proof
expect_grep "tlog-proof header" '^c2sp\.org/tlog-proof@v1$' p1.tlog-proof
expect_grep "tlog-proof index" '^index 1$' p1.tlog-proof
expect_ok "proof verifies with armistice proof" "$ARM" proof verify --key "$P" b.txt p1.tlog-proof
expect_exit 1 "proof of other bytes fails" "$ARM" proof verify --key "$P" a.txt p1.tlog-proof
expect_ok "prove --size pinned to an earlier checkpoint" "$ARM" log prove "$L" 0 --size 2
expect_grep "pinned checkpoint size" '^2$' "$T/out"
cp "$T/out" p0.tlog-proof
expect_ok "pinned proof verifies" "$ARM" proof verify --key "$P" a.txt p0.tlog-proof
expect_exit 5 "no checkpoint of that size was published" "$ARM" log prove "$L" 0 --size 4
expect_grep "unpublished size named" 'no checkpoint of size 4' "$T/err"
expect_ok "prove --json" "$ARM" log prove "$L" 5 --json
expect_grep "prove JSON" '"index":5,"size":6,"path":\[' "$T/out"

"$ARM" log checkpoint "$L" >ck6b
expect_ok "consistency 2 6" "$ARM" log consistency "$L" 2 6
cp "$T/out" c26
"$ARM" log prove "$L" 0 --size 2 | sed -n '/^$/,$p' | sed 1d >ck2
expect_ok "consistency proof checks with armistice proof" "$ARM" proof consistency --key "$P" ck2 ck6b c26
expect_ok "consistency --json" "$ARM" log consistency "$L" 3 6 --json
expect_grep "consistency JSON" '"old":3,"new":6,"proof":\["' "$T/out"
expect_exit 2 "consistency old > new" "$ARM" log consistency "$L" 6 3
expect_exit 5 "consistency past the size" "$ARM" log consistency "$L" 3 9

expect_ok "verify" "$ARM" log verify "$L"
expect_grep "verify says verified" "verified: 6 entries" "$T/out"
expect_ok "verify --since an older checkpoint" "$ARM" log verify "$L" --since ck2
expect_grep "verify names the older size" 'consistent with the checkpoint of size 2' "$T/out"
expect_ok "verify --json" "$ARM" log verify "$L" --json --key "$P"
expect_grep "verify JSON" '"ok":true,"size":6' "$T/out"
expect_ok "reindex" "$ARM" log reindex "$L"
expect_ok "dedupe after reindex" "$ARM" log append "$L" a.txt
expect_grep "first index after reindex" '^0	a\.txt	\(already in the log\)$' "$T/out"

# A copy published by a web server has no .armistice/: readers still work.
store_publish "$L" mirror
expect_exit 2 "verify of a mirror without --key is a usage error" "$ARM" log verify mirror
expect_ok "verify a mirror with --key" "$ARM" log verify mirror --key "$P"
expect_ok "get from a mirror" "$ARM" log get mirror 2
"$ARM" keygen log.example.org/t1000 --out other --dir "$T" >/dev/null 2>&1
expect_exit 1 "a mirror verified with another log key fails" "$ARM" log verify mirror --key "$T/other.pub"
expect_grep "the failed signature is named" 'checkpoint' "$T/err"
