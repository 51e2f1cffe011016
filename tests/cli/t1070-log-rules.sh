#!/bin/sh
# `armistice log append` on a log that holds an agreement goes through the
# agreement's rules: an entry they refuse is refused (exit 3, the rule's
# message) and nothing is written; a known entry gets its first index; an
# agreement-looking entry 0 must come from `armistice init`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-store.sh"
cd "$T" || exit 1

DEMO_QUIET=1 ARM="$ARM" sh "$TOP/examples/korea-2018/demo.sh" "$T/demo" >demo.out 2>&1 ||
	not_ok "the worked example did not build: $(tail -c 300 demo.out)"
L="$T/demo/log"
Z="$L/zones"
if [ "$STORE" = pg ]; then
	# The same log moved into a database (docs/postgres.md "Export and import").
	L=$(store_log demo)
	"$ARM" log import "$T/demo/log" "$L" >/dev/null 2>&1 || not_ok "log import of the worked example"
fi
size_of() { store_cat "$L" checkpoint | sed -n 2p; }
expect_ok "agreement log verifies (built locally: no witness yet)" "$ARM" log verify "$L" --zones "$Z" --no-quorum
size=$(size_of)
echo "not a signed entry" >junk.txt
expect_exit 3 "an entry the rules refuse" "$ARM" log append "$L" --zones "$Z" junk.txt
# The batch's clock leaf would have been entry $size, so the junk is $size + 1.
expect_grep "refusal names the entry and the rule" "junk.txt refused: entry $((size + 1)): signed note" "$T/err"
[ "$(size_of)" = "$size" ] && ok "nothing was written" || not_ok "the log grew"
"$ARM" log get "$L" 5 >e5
expect_ok "an entry already in the log" "$ARM" log append "$L" --zones "$Z" e5
expect_grep "it gets its first index" '^5	.*e5	\(already in the log\)$' "$T/out"
expect_exit 3 "lines that the rules refuse" "$ARM" log append "$L" --zones "$Z" --lines junk.txt
"$ARM" keygen log.example.org/t1070 --out k >/dev/null 2>&1
P=$(store_log P)
"$ARM" log init "$P" --origin log.example.org/t1070 --key k.key >/dev/null
"$ARM" log get "$L" 0 >agreement.entry
expect_exit 3 "an agreement cannot be entry 0 through log append" "$ARM" log append "$P" agreement.entry
expect_grep "points to armistice init" "armistice init" "$T/err"
expect_ok "a plain log takes any bytes" "$ARM" log append "$P" junk.txt
