#!/bin/sh
# Request framing (RFC 9112) on serve and witness: a request with both
# Content-Length and Transfer-Encoding, duplicate or conflicting
# Content-Length, obsolete line folding, bare LF line ends and oversized
# chunk extensions each get 400 and the connection is closed; a second
# request pipelined behind it on the same connection is never served.
# Body limits at their exact edges (docs/http.md), and a port in use is
# refused at start-up (bounded by timeout: a server that did start would
# otherwise run on).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

RAW="perl $TOP/tests/cli/rawhttp.pl"

# smuggle SERVER ADDR NEXT MARK NAME HEAD...: sends the request made of the
# HEAD lines (printf formats, CRLF added unless a line ends in \n) and the
# pipelined request NEXT on one connection. Exactly one answer, a 400,
# then the server closes; MARK (a string only NEXT's answer holds) absent.
smuggle() {
	who=$1 addr=$2 next=$3 mark=$4 name=$5
	shift 5
	printf '%b' "$*" >"$T/req"
	printf '%b' "$next" >>"$T/req"
	$RAW send "$addr" "$T/req" >"$T/resp" 2>&1
	n=$(grep -c '^HTTP/1\.[01] ' "$T/resp")
	if [ "$n" = 1 ] && grep -q '^HTTP/1.1 400 ' "$T/resp" && grep -q '^\[closed\]$' "$T/resp" &&
		! grep -q "$mark" "$T/resp"; then
		ok "$who: $name: 400, closed, nothing behind it served ($(tail -n 3 "$T/resp" | head -n 1 | tr -d '\r'))"
	else
		not_ok "$who: $name: $(tr '\r\n' '  ' <"$T/resp" | head -c 400)"
	fi
}

# cases SERVER ADDR PATH NEXT MARK: first a valid POST and NEXT (with
# Connection: close), both answered; then every refused framing.
cases() {
	who=$1 addr=$2 path=$3 next=$4 mark=$5
	printf 'POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello%b' "$path" \
		"$(printf '%s' "$next" | sed 's/\\r\\n\\r\\n$/\\r\\nConnection: close\\r\\n\\r\\n/')" >"$T/req"
	$RAW send "$addr" "$T/req" >"$T/resp" 2>&1
	if [ "$(grep -c '^HTTP/1\.1 ' "$T/resp")" = 2 ] && grep -q "$mark" "$T/resp"; then
		ok "$who: a valid request and one pipelined behind it are both answered"
	else
		not_ok "$who: pipelining control: $(tr '\r\n' '  ' <"$T/resp" | head -c 300)"
	fi
	p="POST $path HTTP/1.1\r\nHost: x\r\n"
	smuggle "$who" "$addr" "$next" "$mark" "Content-Length with Transfer-Encoding" \
		"${p}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
	smuggle "$who" "$addr" "$next" "$mark" "Transfer-Encoding with Content-Length" \
		"${p}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"
	smuggle "$who" "$addr" "$next" "$mark" "duplicate Content-Length" \
		"${p}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"
	smuggle "$who" "$addr" "$next" "$mark" "conflicting Content-Length" \
		"${p}Content-Length: 5\r\nContent-Length: 0\r\n\r\nhello"
	smuggle "$who" "$addr" "$next" "$mark" "Content-Length list" \
		"${p}Content-Length: 5, 5\r\n\r\nhello"
	smuggle "$who" "$addr" "$next" "$mark" "obsolete line folding" \
		"${p}X-A: 1\r\n 2\r\nContent-Length: 5\r\n\r\nhello"
	smuggle "$who" "$addr" "$next" "$mark" "bare LF after the request line" \
		"POST $path HTTP/1.1\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
	smuggle "$who" "$addr" "$next" "$mark" "bare LF in the head" \
		"${p}Content-Length: 5\n\r\nhello"
	ext=$(head -c 300 /dev/zero | tr '\0' 'e')
	smuggle "$who" "$addr" "$next" "$mark" "a 300-byte chunk extension" \
		"${p}Transfer-Encoding: chunked\r\n\r\n5;$ext\r\nhello\r\n0\r\n\r\n"
	smuggle "$who" "$addr" "$next" "$mark" "Transfer-Encoding other than chunked" \
		"${p}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
}

cd "$T" || exit 1
pilot_entries
"$ARM" log init log --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
pilot_witnesses || exit 1
pilot_serve srv log || exit 1
S=$URL
"$ARM" submit "$S" "$P/e00.signed" >/dev/null 2>&1

cases serve "${S#http://}" /add 'GET /checkpoint HTTP/1.1\r\nHost: x\r\n\r\n' "$ORIGIN"
cases witness "${W_south#http://}" /add-checkpoint 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' \
	'tlog-witness'
expect_grep "serve logs the refusal and the rule" \
	'" 400 0 .* refused: both Content-Length and Transfer-Encoding' "$T/srv.log"
http 200 "serve still serves afterwards" GET "$S/checkpoint"

# Body limits, exactly as docs/http.md states them.
head -c 65535 /dev/zero | tr '\0' 'a' >b65535
head -c 65536 /dev/zero | tr '\0' 'a' >b65536
head -c 65537 /dev/zero | tr '\0' 'a' >b65537
http 400 "serve: a 65,535-byte body (the largest entry) passes the size limit" POST "$S/add" b65535
if grep -q 'larger than' "$T/body"; then not_ok "65,535 refused for its size"; else ok "and is judged on its content"; fi
http 413 "serve: a 65,536-byte body is 413" POST "$S/add" b65536
expect_grep "from the HTTP limit" '^request body larger than 65535 bytes$' "$T/body"
got=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 20 -H 'Transfer-Encoding: chunked' \
	--data-binary @b65536 "$S/add")
[ "$got" = 413 ] && ok "serve: a chunked 65,536-byte body is 413" || not_ok "chunked 65,536: $got"
http 400 "witness: a 65,536-byte body (64 KiB) passes the size limit" POST "$W_south/add-checkpoint" b65536
if grep -q 'larger than' "$T/body"; then not_ok "65,536 refused for its size"; else ok "and is judged on its content"; fi
http 413 "witness: a 65,537-byte body is 413" POST "$W_south/add-checkpoint" b65537

# A port in use is refused: two servers never answer on one port.
port=${S##*:}
"$ARM" log init log2 --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
expect_exit 4 "a second serve on the same port exits 4" timeout 10 "$ARM" serve log2 --listen "127.0.0.1:$port" \
	--key "$K/demo-log.key" --zones "$P"
expect_grep "naming the address" "cannot listen on 127\.0\.0\.1:$port: Address already in use" "$T/err"
wport=${W_south##*:}
expect_exit 4 "a second witness on the same port exits 4" timeout 10 "$ARM" witness \
	--key "$K/demo-w-south.key" --state "$T/w2" --log "$ORIGIN=$K/demo-log.vkey" \
	--listen "127.0.0.1:$wport"
expect_grep "naming the address" "cannot listen on 127\.0\.0\.1:$wport: Address already in use" "$T/err"
[ "$(wc -l <"$T/err")" = 1 ] && ok "in one line" || not_ok "more than one line: $(cat "$T/err")"
http 200 "the first server still answers" GET "$S/checkpoint"
