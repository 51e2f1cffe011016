#!/bin/sh
# Bad requests to the log server, each with the right status, and the
# server still serving afterwards: oversized and empty bodies, malformed
# notes, unknown keys, wrong signatures, path traversal in tile paths
# (.., encoded forms, long paths), and slow clients holding connections.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

cd "$T" || exit 1
pilot_entries
"$ARM" log init log --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
pilot_witnesses || exit 1
pilot_serve srv log --max-conns 64 || exit 1
S=$URL
"$ARM" submit "$S" "$P/e00.signed" "$P/e01.signed" >/dev/null 2>&1

head -c 70000 /dev/zero | tr '\0' 'a' >big
http 413 "an oversized body is 413" POST "$S/add" big
: >empty
http 400 "an empty body is 400" POST "$S/add" empty
printf 'not a signed note\n' >junk
http 400 "a body that is not a signed note is 400" POST "$S/add" junk
printf 'armistice/entry/v1\nkind: claim\n\n\xff\xfe\n' >binary
http 400 "a note with invalid UTF-8 is 400" POST "$S/add" binary
pilot_sign stranger x1 "kind: claim" "author: south" "seq: 2" \
	"time: 2018-12-01T09:00:00+09:00" "commitment: gp-south"
http 403 "an entry signed by an unknown key is 403" POST "$S/add" "$P/x1.signed"
sed '$ s/^\(— demo-north .\{10\}\)./\1A/' "$P/e02.signed" >badsig
cmp -s badsig "$P/e02.signed" && sed -i '$ s/^\(— demo-north .\{10\}\)./\1B/' badsig
http 403 "an entry with a wrong signature is 403" POST "$S/add" badsig
pilot_sign north x2 "kind: claim" "author: north" "seq: 1" \
	"time: 2018-11-30T10:00:00+09:00" "commitment: gp-south"
http 422 "an entry the rules refuse is 422 with the rule's name" POST "$S/add" "$P/x2.signed"
expect_grep "the 422 names the rule" '^rule ' "$T/body"
http 405 "GET /add is 405" GET "$S/add"

# Tile paths: only the strict tlog-tiles grammar reaches the filesystem.
for p in "tile/../checkpoint" "tile/0/../../.armistice/commit" "tile/%2e%2e/%2e%2e/etc/passwd" \
	"tile/0/%2e%2e/000" "tile/0/x000/000" "tile/00/000" "tile/0/00" "tile/0/000.p/0" \
	"tile/0/000.p/256" "tile/0/000.p/07" "tile/0/000/" "tile//0/000" "tile/0/000?x=1" \
	"tile/entries/../../etc/passwd" "tile/0/000%00" "tile/64/000"; do
	got=$(curl -s --path-as-is -o "$T/body" -w '%{http_code}' --max-time 10 "$S/$p")
	case "$got" in
	400 | 404) ok "GET /$p is refused ($got)" ;;
	*) not_ok "GET /$p answered $got: $(head -c 100 "$T/body")" ;;
	esac
done
long=$(head -c 5000 /dev/zero | tr '\0' '0')
got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$S/tile/0/x$long/000")
case "$got" in 400 | 404 | 414 | 431) ok "a 5000-byte tile path is refused ($got)" ;;
*) not_ok "long path answered $got" ;; esac
http 200 "a proper tile is still served" GET "$S/tile/0/000.p/3"

# Slow clients: connections that trickle a body hold a thread each, but
# the server keeps answering others.
head -c 2000 /dev/zero | tr '\0' 'a' >slow
i=0
slow_pids=""
while [ $i -lt 20 ]; do
	curl -s -o /dev/null --max-time 4 --limit-rate 100 --data-binary @slow "$S/add" &
	slow_pids="$slow_pids $!"
	i=$((i + 1))
done
sleep 1
http 200 "with 20 slow clients connected, GET /checkpoint is answered" GET "$S/checkpoint"
expect_ok "and a submission goes through" "$ARM" submit "$S" "$P/e02.signed"
for p in $slow_pids; do wait "$p"; done
http 200 "the server is still serving after all the bad requests" GET "$S/checkpoint"
expect_grep "and it is at size 5 (a clock leaf and the entry)" '^5$' "$T/body"
