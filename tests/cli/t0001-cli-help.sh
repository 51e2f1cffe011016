#!/bin/sh
# Every command listed by `armistice --help` answers --help with a usage
# line and exit 0, and has a man page that mandoc lints clean.
. "$(dirname "$0")/lib.sh"

expect_ok "armistice --help" "$ARM" --help
expect_grep "top-level usage" '^usage: armistice' "$T/out"
expect_exit 2 "no command is a usage error" "$ARM"
expect_exit 2 "unknown command is a usage error" "$ARM" no-such-command
"$ARM" --help | sed -n '/^commands:/,/^$/p' | awk 'NF && !/^commands:/ {print $1}' >"$T/cmds"
[ -s "$T/cmds" ] && ok "command list is not empty" || not_ok "command list is empty"
while read -r c; do
	expect_ok "$c --help" "$ARM" "$c" --help
	expect_grep "$c --help prints usage" '[Uu]sage:' "$T/out"
	[ "$c" = version ] && continue
	page="$TOP/man/armistice-$c.1"
	if [ -f "$page" ]; then
		ok "man page for $c"
		if command -v mandoc >/dev/null 2>&1; then
			expect_ok "mandoc lint armistice-$c.1" mandoc -T lint -W warning "$page"
		fi
	else
		not_ok "no man page man/armistice-$c.1"
	fi
done <"$T/cmds"
for page in "$TOP"/man/*.1 "$TOP"/man/*.5; do
	[ -f "$page" ] || continue
	expect_ok "mandoc lint $(basename "$page")" mandoc -T lint -W warning "$page"
done
