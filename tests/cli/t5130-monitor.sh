#!/bin/sh
# armistice monitor: a party's liaison office follows a real server with
# three witnesses on loopback. Normal growth gives the party's concerns
# (claims to verify, deadlines, incidents alleged against it) and a
# restart resumes from the state; then the server is replaced mid-run by
# one that forks the history (same key, same URL), and the monitor raises
# the split-view alarm: non-zero exit, one line on stderr, --exec with the
# event as JSON.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

cd "$T" || exit 1
pilot_entries
pilot_sign nnsc e07 "kind: incident" "author: nnsc" "seq: 2" \
	"time: 2018-12-13T09:00:00+09:00" "type: gunfire" "occurred: 2018-12-13T08:00:00+09:00" \
	"actor: north" "text: Shots across the line near GP 4."
"$ARM" log init log --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
pilot_witnesses || exit 1
pilot_serve honest log || exit 1
S=$URL
PORT=${S##*:}
expect_ok "the log takes entries 0 to 2" \
	"$ARM" submit "$S" "$P/e00.signed" "$P/e01.signed" "$P/e02.signed"

NOW=2018-12-14T00:00:00Z
expect_ok "monitor --once for nnsc" "$ARM" monitor "$S" --party nnsc --state m0 --once --now "$NOW"
expect_grep "nnsc is to verify gp-south" "^verify: 'gp-south' was claimed \(entry 2\); nnsc is to verify it" "$T/out"
expect_grep "and gp-north" "^verify: 'gp-north' was claimed \(entry 4\)" "$T/out"
expect_grep "the first run pins what it found" 'FIRST VISIT to http' "$T/err"
expect_ok "again: nothing new, nothing reported" "$ARM" monitor "$S" --party nnsc --state m0 --once \
	--now "$NOW"
[ -s "$T/out" ] && not_ok "a second run reported again: $(head -c 200 "$T/out")" ||
	ok "a second run reports nothing already reported"
expect_ok "north, --json, deadlines within 30 days" "$ARM" monitor "$S" --party north --state m1 \
	--once --json --days 30 --now "$NOW"
expect_grep "north owes gp-north by 2018-12-31" \
	'^\{"event":"deadline","url":"http://[^"]*","size":5,"party":"north","commitment":"gp-north","due":"2018-12-31T15:00:00Z","overdue":false' \
	"$T/out"
expect_grep "and is to verify gp-south" '"event":"verify".*"commitment":"gp-south"' "$T/out"
expect_ok "with --days 3 no deadline is near" "$ARM" monitor "$S" --party north --state m2 --once \
	--days 3 --now "$NOW"
grep -q '^deadline' "$T/out" && not_ok "a deadline 17 days away was reported" ||
	ok "no deadline 17 days away"
expect_exit 2 "an unknown party is a usage error" "$ARM" monitor "$S" --party nobody --state m3 --once
expect_exit 2 "--party is required" "$ARM" monitor "$S" --once

# Normal growth, followed: the monitor runs while entries arrive.
"$ARM" monitor "$S" --party north --state mf --interval 0.2 --json --now "$NOW" \
	--exec "cat >>$T/exec.jsonl" >follow.out 2>follow.err &
MON=$!
HTTP_PIDS="$HTTP_PIDS $MON"
wait_for() { # wait_for PATTERN FILE: up to 20 s
	i=0
	while [ $i -lt 200 ]; do
		grep -Eq -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
wait_for '"event":"verify".*"gp-south"' follow.out && ok "the follower reports the claim to verify" ||
	not_ok "no verify event: $(head -c 300 follow.err)"
expect_ok "the log grows by an attestation and an incident" \
	"$ARM" submit "$S" "$P/e03.signed" "$P/e07.signed"
wait_for '"event":"incident".*"type":"gunfire".*"index":8' follow.out &&
	ok "the incident alleged against north is reported" ||
	not_ok "no incident event: $(head -c 300 follow.out) $(head -c 300 follow.err)"
wait_for '"event":"incident"' exec.jsonl && ok "and --exec got it as JSON on stdin" ||
	not_ok "--exec saw nothing"
kill -TERM "$MON" 2>/dev/null
wait "$MON"
rc=$?
[ "$rc" -eq 0 ] && ok "SIGTERM stops the monitor with status 0" || not_ok "monitor exit $rc on SIGTERM"

# A restart resumes: only what is new since the state is reported.
expect_ok "the log grows while the monitor is down" "$ARM" submit "$S" "$P/e04.signed"
expect_ok "the restarted monitor resumes" "$ARM" monitor "$S" --party north --state mf --once \
	--now "$NOW"
expect_grep "from the state" 'resuming from the state' "$T/err"
grep -q 'incident' "$T/out" && not_ok "the restart reported the old incident again" ||
	ok "the restart does not report the old incident again"
expect_grep "and it verified the new size" 'size 11 verified \(2 new entries' "$T/err"

# The fork, mid-run: the honest server stops; on the same port the operator
# serves another history signed by the same key.
"$ARM" monitor "$S" --party north --state mf --interval 0.2 \
	--exec "cat >$T/alarm.json" >fork.out 2>fork.err &
MON=$!
HTTP_PIDS="$HTTP_PIDS $MON"
sleep 1
kill -0 "$MON" 2>/dev/null && ok "the monitor follows the honest log" ||
	not_ok "the monitor stopped: $(head -c 300 fork.err)"
"$ARM" init fork --agreement "$P/agreement.yaml" --log-key "$K/demo-log.key" \
	"$P/e00.signed" >/dev/null 2>&1
# One append each (a clock leaf and the entry), so that the fork grows
# past the 11 leaves the monitor verified.
for f in e02 e01 e03 e07 e04 e06; do
	"$ARM" log append fork "$P/$f.signed" >/dev/null 2>&1
done
[ "$(sed -n 2p fork/checkpoint)" = 13 ] && ok "the fork has grown to 13" || not_ok "fork size"
stop_server honest TERM
start_server forked "$ARM" serve fork --listen "127.0.0.1:$PORT" --key "$K/demo-log.key" \
	--zones "$P" --wait-ms 500 || exit 1
[ "$URL" = "$S" ] && ok "the fork is served at the same URL" || not_ok "fork at $URL, not $S"
i=0
while kill -0 "$MON" 2>/dev/null && [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
wait "$MON"
rc=$?
[ "$rc" -eq 3 ] && ok "the monitor exits 3 on the split view" || not_ok "monitor exit $rc"
expect_grep "one line on stderr names it" \
	'^armistice monitor: ALARM split-view: http://.*: split view: ' fork.err
[ "$(grep -c 'ALARM' fork.err)" -eq 1 ] && ok "exactly one alarm line" || not_ok "alarm lines"
expect_grep "--exec got the alarm as JSON" '^\{"event":"split-view","url":"http://[^"]*","party":"north","alarm":true,"message":"split view' alarm.json
expect_exit 3 "verify of the forked server names the split view too" "$ARM" verify "$S" --state mf
expect_grep "in the same words" 'split view' "$T/err"
expect_exit 1 "a fresh monitor refuses the fork: no witness cosigned it" \
	"$ARM" monitor "$S" --party north --state mfresh --once
expect_grep "as a missing quorum" 'ALARM no-quorum' "$T/err"

# A substituted log: the operator replaces the log the monitor pinned by
# another agreement's log (here a directory, with no witness quorum).
mkdir -p sub/zones
cp "$P/zones/jsa-buffer.geojson" sub/zones/
sed 's/^  quorum: both$/  quorum: none/' "$P/agreement.yaml" >sub/agreement.yaml
"$ARM" sign --agreement sub/agreement.yaml --key "$K/demo-south.key" >sub/p1 2>/dev/null
"$ARM" sign --agreement sub/agreement.yaml --key "$K/demo-north.key" >sub/p2 2>/dev/null
"$ARM" init sublog --agreement sub/agreement.yaml --log-key "$K/demo-log.key" sub/p1 sub/p2 \
	>/dev/null 2>&1
expect_ok "the monitor pins a directory log" "$ARM" monitor sublog --party north --state ms --once
cp sub/agreement.yaml sub/first.yaml
sed -i 's/^title: .*/title: Another agreement/' sub/agreement.yaml
"$ARM" sign --agreement sub/agreement.yaml --key "$K/demo-south.key" >sub/p1 2>/dev/null
"$ARM" sign --agreement sub/agreement.yaml --key "$K/demo-north.key" >sub/p2 2>/dev/null
"$ARM" init sublog2 --agreement sub/agreement.yaml --log-key "$K/demo-log.key" sub/p1 sub/p2 \
	>/dev/null 2>&1
expect_ok "the twin: the same log again is fine" "$ARM" monitor sublog --party north --state ms --once
rm -rf sublog/tile sublog/checkpoint
cp -r sublog2/tile sublog2/checkpoint sublog/
expect_exit 1 "the substituted log is an alarm" "$ARM" monitor sublog --party north --state ms --once
expect_grep "named as such" '^armistice monitor: ALARM substituted-log: sublog: trust: the log at sublog is not the log pinned on ' "$T/err"
expect_exit 1 "a first run pinned by --trust agreement.yaml refuses it too" \
	"$ARM" monitor sublog --party north --state ms2 --once --trust sub/first.yaml
expect_grep "naming the pin" 'ALARM substituted-log: .*not the log pinned by --trust sub/first.yaml' "$T/err"
expect_ok "the twin: --trust with the agreement now in the log" \
	"$ARM" monitor sublog --party north --state ms3 --once --trust sub/agreement.yaml

# A rule break: the operator, who holds the log key, builds a tree the
# rules refuse (the same statement twice: seq 1 used again) and signs its
# checkpoint. Bundles, hash tile and root are made here by hand
# (tlog-tiles v0.1.0, RFC 9162 §2.1.1); the twin built the same way
# without the duplicate passes, which shows the construction is right.
hex2bin() {
	s=$1
	while [ -n "$s" ]; do
		p=${s%"${s#??}"}
		s=${s#??}
		# shellcheck disable=SC2059
		printf "\\$(printf '%03o' "0x$p")"
	done
}
sha() { sha256sum | cut -d' ' -f1; }
leaf() { { printf '\000'; cat "$1"; } | sha; }
node() { { printf '\001'; hex2bin "$1"; hex2bin "$2"; } | sha; }
u16() {
	u16n=$(wc -c <"$1")
	# shellcheck disable=SC2059
	printf "\\$(printf '%03o' $((u16n / 256)))\\$(printf '%03o' $((u16n % 256)))"
}
handmade() { # handmade DIR ENTRY...: a static log of these entries, signed by the log key
	d=$1
	shift
	n=$#
	mkdir -p "$d/tile/entries/000.p" "$d/tile/0/000.p" "$d/zones/zones"
	cp "$P/zones/jsa-buffer.geojson" "$d/zones/zones/"
	: >"$d/tile/entries/000.p/$n"
	: >"$d/tile/0/000.p/$n"
	hs=""
	for f in "$@"; do
		{ u16 "$f"; cat "$f"; } >>"$d/tile/entries/000.p/$n"
		l=$(leaf "$f")
		hex2bin "$l" >>"$d/tile/0/000.p/$n"
		hs="$hs $l"
	done
	set -- $hs
	if [ $# -eq 2 ]; then
		root=$(node "$1" "$2")
	else
		root=$(node "$(node "$1" "$2")" "$3")
	fi
	printf '%s\n%s\n%s\n' "$ORIGIN" "$n" "$(hex2bin "$root" | base64)" >"$d/ckpt.txt"
	"$ARM" note sign --key "$K/demo-log.key" "$d/ckpt.txt" >"$d/checkpoint"
	rm -f "$d/ckpt.txt"
}
"$ARM" log get sublog2 0 >rb-e0
SID=$(sha256sum sub/agreement.yaml | cut -d' ' -f1)
printf 'armistice/entry/v1\nkind: statement\nagreement: %s\nauthor: north\nseq: 1\ntime: 2018-12-20T09:00:00+09:00\ntext: Once.\n' \
	"$SID" >rb-s.txt
"$ARM" note sign --key "$K/demo-north.key" rb-s.txt >rb-s1
handmade rbok rb-e0 rb-s1
expect_ok "the twin: a handmade sound log passes verify" "$ARM" verify rbok --state mr0
expect_ok "and the monitor" "$ARM" monitor rbok --party north --state mr1 --once
handmade rbbad rb-e0 rb-s1 rb-s1
expect_exit 1 "the handmade log with a rule break fails verify" "$ARM" verify rbbad --state mr2
expect_grep "naming the rule" 'rule break: replay of entry 2: rule seq-order' "$T/err"
expect_exit 1 "and is a monitor alarm" "$ARM" monitor rbbad --party north --state mr3 --once
expect_grep "named rule-break" '^armistice monitor: ALARM rule-break: rbbad: .*seq-order' "$T/err"
