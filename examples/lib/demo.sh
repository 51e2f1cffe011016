# examples/lib/demo.sh - sourced by each worked example's demo.sh: the
# steps every demo takes, from the example's sources to the auditor's
# command. The caller sets `here` (its own directory) and prints its own
# step titles with `say`; these functions do the work.
#
#   demo_setup NAME [OUTDIR]   work directories, private copies of keys/*.key
#   demo_sign_agreement P...   each party P signs agreement.yaml
#   demo_init                  armistice init: the agreement as entry 0
#   demo_sign_entries          entries/*.entry, each signed by its author ($n)
#   demo_quiet_append          with DEMO_QUIET: append locally, print the log, exit
#   demo_start_witnesses W...  witness-W on loopback ($wargs for serve)
#   demo_serve_submit          serve the log with them, submit every entry
#   demo_status                armistice status (DEMO_NOW, if set, is now)
#   demo_receipt PICK W...     entry PICK and its receipt, checked offline
#   demo_audit                 armistice verify URL from an empty directory
#   demo_serve_hint W...       how to serve the log again with its witnesses
#
# The keys are PUBLIC DEMO KEYS (keys/README.md of each example). Nothing
# leaves the machine: every server listens on 127.0.0.1 on a port the
# kernel picks, and every server started is stopped when the demo ends,
# however it ends. Environment: ARM (the binary), BUILD, DEMO_NOW,
# DEMO_QUIET (each example's demo.sh says what they do).
# The caller sets: here. These set: top ARM out log work keys n id origin
# srv url wargs pids.
# shellcheck disable=SC2154

say() { printf '\n== %s\n' "$*"; }
now_opt() { if [ -n "${DEMO_NOW:-}" ]; then printf -- '--now\n%s\n' "$DEMO_NOW"; fi; }

demo_setup() { # NAME [OUTDIR]
	top=$(cd "$here/../.." && pwd)
	if [ -z "${ARM:-}" ]; then
		ARM=$top/${BUILD:-build}/armistice
		# installed (/usr/share/armistice/examples): the armistice on PATH
		if [ ! -x "$ARM" ] && command -v armistice >/dev/null 2>&1; then
			ARM=$(command -v armistice)
		fi
	fi
	out=${2:-}
	if [ -z "$out" ]; then
		out=$(mktemp -d "${TMPDIR:-/tmp}/armistice-$1.XXXXXX")
	fi
	log=$out/log
	work=$out/work
	if [ -e "$log" ]; then
		echo "demo: $log already exists; give an empty directory" >&2
		exit 2
	fi
	mkdir -p "$work/signed"
	cd "$here" || exit 4
	# A secret key must be private to its owner or armistice refuses it
	# (docs/keys.md); a git checkout leaves the demo keys at 0644. The demo
	# signs with private copies (mode 0600) in its work directory.
	keys=$work/keys
	mkdir -p "$keys"
	cp keys/*.key "$keys"/
	chmod 600 "$keys"/*.key
}

demo_sign_agreement() { # PARTY...
	for p in "$@"; do
		"$ARM" sign --key "$keys/$p.key" --agreement agreement.yaml >"$work/agreement.$p.signed"
		echo "   signed by $p (keys/$p.key, a public demo key)"
	done
}

demo_init() {
	"$ARM" init "$log" --agreement agreement.yaml --log-key "$keys/log.key" "$work"/agreement.*.signed
}

demo_sign_entries() {
	# The agreement id is the SHA-256 of agreement.yaml's bytes; each source
	# entry gets it after its kind line, then its author signs it.
	id=$(sha256sum agreement.yaml | cut -c1-64)
	n=0
	for f in entries/*.entry; do
		author=$(sed -n 's/^author: //p' "$f")
		b=$(basename "$f" .entry)
		sed "2a\\
agreement: $id" "$f" >"$work/$b.entry"
		"$ARM" sign --key "$keys/$author.key" "$work/$b.entry" >"$work/signed/$b.note"
		n=$((n + 1))
	done
}

demo_quiet_append() {
	if [ -n "${DEMO_QUIET:-}" ]; then
		"$ARM" append "$log" "$work"/signed/*.note >/dev/null
		echo "log: $log"
		exit 0
	fi
}

# ---- the servers: the witnesses and the log server, all on loopback ----
pids=""
audit_dirs=""
stop_all() {
	for p in $pids; do kill "$p" 2>/dev/null || :; done
	for p in $pids; do wait "$p" 2>/dev/null || :; done
	pids=""
	# shellcheck disable=SC2086
	[ -z "$audit_dirs" ] || rm -rf $audit_dirs
	audit_dirs=""
}

# start NAME CMD...: runs CMD in the background, its messages in
# $out/servers/NAME.log, and waits (at most 10 s) for its "listening on" line.
start() {
	name=$1
	shift
	: >"$out/servers/$name.log"
	"$@" 2>"$out/servers/$name.log" &
	pids="$pids $!"
	i=0
	while [ $i -lt 100 ]; do
		url=$(sed -n 's|.*listening on \(http://[^ /]*\)/.*|\1|p' "$out/servers/$name.log" | head -n 1)
		[ -n "$url" ] && return 0
		kill -0 "$!" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "demo: $name did not start: $(tail -n 3 "$out/servers/$name.log")" >&2
	exit 4
}

demo_start_witnesses() { # W...: keys/witness-W.key, witness id w-W
	trap stop_all EXIT
	trap 'stop_all; exit 130' INT TERM HUP
	origin=$(sed -n 's/^origin //p' "$log/.armistice/config")
	mkdir -p "$out/servers" "$out/witnesses"
	wargs=""
	for w in "$@"; do
		start "w-$w" "$ARM" witness --key "$keys/witness-$w.key" --state "$out/witnesses/w-$w" \
			--log "$origin=keys/log.pub" --listen 127.0.0.1:0
		wargs="$wargs --witness w-$w=$url"
		echo "   w-$w at $url (keys/witness-$w.key, a public demo key; state in $out/witnesses/w-$w)"
	done
}

demo_serve_submit() { # WHO: the authors, in words
	# shellcheck disable=SC2086
	start serve "$ARM" serve "$log" --listen 127.0.0.1:0 --batch-ms 5 $wargs
	srv=$url
	echo "   serving $log at $srv/"
	# One entry at a time, in the record's order: each answer is a receipt
	# pinned to a checkpoint that the agreement's quorum has cosigned.
	"$ARM" submit "$srv" "$work"/signed/*.note --log keys/log.pub --receipts "$work/receipts" \
		>/dev/null 2>"$out/servers/submit.log" ||
		{ echo "demo: submit failed: $(tail -n 2 "$out/servers/submit.log")" >&2; exit 1; }
	echo "   $n entries accepted through the rules, each with a receipt in $work/receipts"
	echo "   the published checkpoint, signed by the log and cosigned by the $1 witnesses:"
	sed -n '1,3p;5,$p' "$log/checkpoint" | sed 's/^/     /'
}

demo_status() {
	# shellcheck disable=SC2046
	"$ARM" status "$log" $(now_opt)
}

demo_receipt() { # PICK W...: the entry entries/PICK.entry, its receipt, the witnesses
	pick=$1
	shift
	idx=$(sed -n 's/^index \([0-9]*\)$/\1/p' "$work/receipts/$pick.note.tlog-proof")
	"$ARM" log get "$log" "$idx" >"$work/entry-$idx"
	cmp -s "$work/entry-$idx" "$work/signed/$pick.note" ||
		{ echo "demo: entry $idx is not $pick" >&2; exit 1; }
	sed -n '1,12p' "$work/entry-$idx"
	echo "   ..."
	wk=""
	for w in "$@"; do wk="$wk --witness keys/witness-$w.pub"; done
	# shellcheck disable=SC2086
	"$ARM" proof verify --key keys/log.pub $wk --quorum $# \
		"$work/signed/$pick.note" "$work/receipts/$pick.note.tlog-proof"
	echo "   (the receipt is $work/receipts/$pick.note.tlog-proof; a changed byte in the entry fails it)"
}

demo_audit() {
	# Nothing local but the binary: the checkpoint, the tiles, the entries and
	# the zone files all come from the server, and entry 0 pins the rest.
	a_cwd=$(mktemp -d "${TMPDIR:-/tmp}/armistice-audit.XXXXXX")
	a_state=$(mktemp -d "${TMPDIR:-/tmp}/armistice-audit-state.XXXXXX")
	audit_dirs="$a_cwd $a_state"
	echo "   \$ cd $a_cwd && $ARM verify $srv --state $a_state"
	(cd "$a_cwd" && "$ARM" verify "$srv" --state "$a_state")
	echo "   the remote audit passed"
	stop_all
}

demo_serve_hint() { # W...
	echo "   the dashboard (status board, dependency graph, timeline, map, who cosigned):"
	echo "   start the witnesses again (their state is kept in $out/witnesses), then serve it:"
	p=8081
	sargs=""
	for w in "$@"; do
		echo "        $ARM witness --key $keys/witness-$w.key --state $out/witnesses/w-$w \\"
		echo "            --log $origin=$here/keys/log.pub --listen 127.0.0.1:$p &"
		sargs="$sargs --witness w-$w=http://127.0.0.1:$p"
		p=$((p + 1))
	done
	echo "        $ARM serve $log --listen 127.0.0.1:8080$sargs"
	echo "   then open http://127.0.0.1:8080/"
}
