#!/bin/sh
# armistice witness over HTTP: every C2SP tlog-witness v1.0.0 status
# (200, 400, 403, 404, 409 with the size body, 422), state kept across a
# restart (a rollback is refused), a fork kept as evidence, bad requests
# answered while the server keeps serving, one access-log line per request.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

cd "$T" || exit 1
"$ARM" keygen example.org/t5000 --dir . >/dev/null 2>&1
"$ARM" keygen witness.example/w1 --type cosigner --dir . >/dev/null 2>&1
mkdir other && "$ARM" keygen example.org/t5000 --dir other >/dev/null 2>&1  # same name, other key
"$ARM" keygen example.org/unknown --dir . >/dev/null 2>&1
LOGKEY=example.org_t5000.key
"$ARM" log init log --origin example.org/t5000 --key $LOGKEY >/dev/null
"$ARM" log init fork --origin example.org/t5000 --key $LOGKEY >/dev/null
"$ARM" log init unk --origin example.org/unknown --key example.org_unknown.key >/dev/null
for i in 1 2 3 4 5 6 7; do echo "entry $i" >e$i; echo "forked $i" >f$i; done

# req FILE OLD LOGDIR [NEW]: an add-checkpoint body with the proof OLD -> size.
req() {
	out=$1 old=$2 dir=$3
	size=$(sed -n 2p "$dir/checkpoint")
	printf 'old %s\n' "$old" >"$out"
	if [ "$old" -gt 0 ] && [ "$old" -lt "$size" ]; then
		"$ARM" log consistency "$dir" "$old" "$size" >>"$out"
	fi
	printf '\n' >>"$out"
	cat "$dir/checkpoint" >>"$out"
}

start_server w1 "$ARM" witness --key witness.example_w1.key --state wstate \
	--log example.org_t5000.pub --log example.org_unknown.pub --listen 127.0.0.1:0 || exit 1
W=$URL

"$ARM" log append log e1 e2 e3 >/dev/null
req r1 0 log
http 200 "first checkpoint (old 0) is cosigned" POST "$W/add-checkpoint" r1
expect_grep "reply is a cosignature line by the witness key" '^— witness.example/w1 ' "$T/body"
cat log/checkpoint body >cosigned
expect_ok "the cosignature verifies with the witness's vkey" \
	"$ARM" note verify --key witness.example_w1.pub cosigned

"$ARM" log append log e4 e5 >/dev/null
req r2 0 log
http 409 "stale old size gets 409" POST "$W/add-checkpoint" r2
expect_grep "409 body is the witness's size" '^3$' "$T/body"
expect_grep "409 content type is text/x.tlog.size" 'Content-Type: text/x.tlog.size' "$T/headers"

req r3 3 log
http 200 "consistent checkpoint 3 -> 5 is cosigned" POST "$W/add-checkpoint" r3

# A wrong proof (a hash of it flipped): 422, and the request kept as evidence.
"$ARM" log append log e6 e7 >/dev/null
req r4 5 log
awk 'NR==2 { $0 = (substr($0,1,1) == "A" ? "B" : "A") substr($0,2) } { print }' r4 >r4bad
http 422 "a bad consistency proof gets 422" POST "$W/add-checkpoint" r4bad
n=$(ls wstate/evidence | wc -l)
[ "$n" -ge 1 ] && ok "the inconsistent checkpoint is kept as evidence" || not_ok "no evidence file"
http 200 "the right proof 5 -> 7 is still accepted" POST "$W/add-checkpoint" r4

# Unknown origin: 404. A key the witness does not trust for the origin: 403.
"$ARM" log append unk e1 >/dev/null
"$ARM" log init nob --origin example.org/nobody --key example.org_unknown.key >/dev/null 2>&1
"$ARM" log append nob e1 >/dev/null 2>&1
req r5 0 nob
http 404 "a checkpoint of an unknown origin gets 404" POST "$W/add-checkpoint" r5
"$ARM" log init oth --origin example.org/t5000 --key other/example.org_t5000.key >/dev/null
"$ARM" log append oth e1 e2 e3 e4 e5 e6 e7 >/dev/null
req r6 7 oth
http 403 "a checkpoint signed by an untrusted key gets 403" POST "$W/add-checkpoint" r6
# A known key's signature that does not verify: 403.
# Q and U keep the base64 canonical (the last character carries only 4 bits).
sed '$ s/[A-Za-z0-9+/]\(=*\)$/Q\1/' log/checkpoint >badsig
cmp -s badsig log/checkpoint && sed -i '$ s/[A-Za-z0-9+/]\(=*\)$/U\1/' badsig
{ printf 'old 7\n\n'; cat badsig; } >r7
cmp -s badsig log/checkpoint && not_ok "tamper did not change the signature" || true
http 403 "a bad signature by the log key gets 403" POST "$W/add-checkpoint" r7

# Malformed requests: 400; oversized: 413; wrong method and path.
printf 'old 07\n\n' >r8; cat log/checkpoint >>r8
http 400 "old size with a leading zero gets 400" POST "$W/add-checkpoint" r8
: >empty
http 400 "an empty body gets 400" POST "$W/add-checkpoint" empty
{ printf 'old 9\n\n'; cat log/checkpoint; } >r9
http 400 "old larger than the checkpoint gets 400" POST "$W/add-checkpoint" r9
printf 'old 0\n\nnot a checkpoint\n' >r10
http 400 "a body that is not a signed note gets 400" POST "$W/add-checkpoint" r10
head -c 70000 /dev/zero | tr '\0' 'a' >big
http 413 "a body over the limit gets 413" POST "$W/add-checkpoint" big
got=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 20 -H 'Transfer-Encoding: chunked' \
	--data-binary @big "$W/add-checkpoint")
[ "$got" = 413 ] && ok "a chunked body over the limit gets 413" || not_ok "chunked big: $got"
http 200 "the witness still answers after the bad requests" GET "$W/"
http 405 "GET /add-checkpoint gets 405" GET "$W/add-checkpoint"
http 404 "an unknown path gets 404" GET "$W/../../etc/passwd"

# A fork of the same size (7) with a different root: 409 and evidence.
"$ARM" log append fork f1 f2 f3 f4 f5 f6 f7 >/dev/null
req r11 7 fork
before=$(ls wstate/evidence | wc -l)
http 409 "same size, different root gets 409" POST "$W/add-checkpoint" r11
after=$(ls wstate/evidence | wc -l)
[ "$after" -gt "$before" ] && ok "the fork is kept as evidence" || not_ok "fork not kept"

# Restart: the state survived; an older checkpoint is refused (rollback).
stop_server w1 TERM
[ "$SERVER_RC" -eq 0 ] && ok "witness stops cleanly on SIGTERM" || not_ok "witness exit $SERVER_RC"
expect_grep "access log has Combined Log Format lines" \
	'^127\.0\.0\.1 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9:]{8} \+0000\] "POST /add-checkpoint HTTP/1\.1" 200 [0-9]+ "-" "curl/' "$T/w1.log"
start_server w1b "$ARM" witness --key witness.example_w1.key --state wstate \
	--log example.org_t5000.pub --listen 127.0.0.1:0 || exit 1
W=$URL
http 409 "after a restart, a rollback to size 3 is refused" POST "$W/add-checkpoint" r1
expect_grep "the witness still has size 7" '^7$' "$T/body"
expect_exit 4 "a second witness on the same state is refused" \
	"$ARM" witness --key witness.example_w1.key --state wstate --log example.org_t5000.pub \
	--listen 127.0.0.1:0
stop_server w1b TERM
