#!/bin/sh
# One writer per log: while `log append` holds the log (waiting for its
# standard input), a second writer is refused with the first one's pid and
# exit 4, readers still work, and once the first is done the second can
# write.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-store.sh"
cd "$T" || exit 1
L=$(store_log L)

"$ARM" keygen log.example.org/t1060 --out log >/dev/null 2>&1
"$ARM" log init "$L" --origin log.example.org/t1060 --key log.key >/dev/null
echo first >first.txt
"$ARM" log append "$L" first.txt >/dev/null
mkfifo fifo
"$ARM" log append "$L" <fifo >held.out 2>held.err &
holder=$!
exec 3>fifo
# Wait (bounded: 100 x 0.1 s) until the holder has the lock.
n=0
while [ $n -lt 100 ]; do
	[ "$(store_lock_holder "$L")" = "$holder" ] && break
	sleep 0.1
	n=$((n + 1))
done
[ $n -lt 100 ] && ok "first writer holds the lock" || not_ok "first writer never took the lock"
echo second >second.txt
expect_exit 4 "second writer is refused" "$ARM" log append "$L" second.txt
expect_grep "refusal names the holder" "is locked by another writer \((armistice )?pid $holder[),]" "$T/err"
expect_exit 4 "reindex is a writer too" "$ARM" log reindex "$L"
expect_ok "readers do not take the lock" "$ARM" log get "$L" 0
expect_ok "verify does not take the lock" "$ARM" log verify "$L"
printf 'held entry\n' >&3
exec 3>&-
wait $holder
rc=$?
[ $rc -eq 0 ] && ok "first writer finished" || not_ok "first writer exited $rc: $(cat held.err)"
expect_grep "first writer appended its entry" '^1	stdin$' held.out
expect_ok "second writer now succeeds" "$ARM" log append "$L" second.txt
expect_grep "second writer's index" '^2	second\.txt$' "$T/out"
