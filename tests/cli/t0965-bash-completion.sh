#!/bin/sh
# t0965: contrib/bash-completion/armistice is what scripts/gen-completion.sh
# makes from the binary's --help today (so a new command or option cannot
# be forgotten: `make completion` rewrites it), and it completes in bash:
# commands, a command's verbs, a command's options, nothing unknown.
. "$(dirname "$0")/lib.sh"

F=$TOP/contrib/bash-completion/armistice
sh "$TOP/scripts/gen-completion.sh" "$ARM" >"$T/gen" 2>"$T/err" || not_ok "gen-completion: $(cat "$T/err")"
if cmp -s "$F" "$T/gen"; then
	ok "the completion file follows every --help"
else
	not_ok "contrib/bash-completion/armistice is stale (make completion): $(diff "$F" "$T/gen" | head -5)"
fi
"$ARM" --help | sed -n '/^commands:/,/^$/p' | awk 'NF && !/^commands:/ {print $1}' >"$T/cmds"
for c in $(cat "$T/cmds"); do
	grep -q "^	$c) " "$F" || not_ok "command $c has no case"
done
ok "every command of --help has a case ($(wc -l <"$T/cmds"))"

if ! command -v bash >/dev/null 2>&1; then
	ok "# SKIP bash is not installed: the completion is not run"
	exit 0
fi
comp() { # WORDS...: what _armistice offers for the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _armistice; [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' \
		comp "$F" "$@" | sort | tr '\n' ' '
}
same() { [ "$2" = "$3" ] && ok "$1 ($2)" || not_ok "$1: got '$2', want '$3'"; }
same "commands by prefix" "$(comp armistice re)" "report "
same "a command's verbs" "$(comp armistice log pr)" "prove "
same "report's options" "$(comp armistice report --)" "--by --from --help --output --pdf --to --zones "
same "after --passphrase-fd N, the command" "$(comp armistice --passphrase-fd 3 exp)" "export "
same "nothing for an unknown option" "$(comp armistice status --nope)" ""
