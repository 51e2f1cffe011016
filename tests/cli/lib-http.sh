# tests/cli/lib-http.sh - sourced after lib.sh by the t5xxx HTTP tests.
#
#   start_server NAME CMD...   runs CMD in the background (stderr in
#                              $T/NAME.log), waits (bounded) for its
#                              "listening on http://..." line and sets
#                              $URL to that base URL
#   stop_server NAME [SIG]     sends SIG (default TERM), waits (bounded)
#   http CODE DESC METHOD URL [FILE]
#                              one request with curl; the body is in
#                              $T/body; reports ok if the status is CODE
# Servers bind to 127.0.0.1 with port 0 (the kernel picks a free port);
# every server still running at exit is killed.
HTTP_PIDS=""
trap 'for p in $HTTP_PIDS; do kill -9 "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

start_server() {
	name=$1
	shift
	"$@" 2>"$T/$name.log" &
	pid=$!
	echo "$pid" >"$T/$name.pid"
	HTTP_PIDS="$HTTP_PIDS $pid"
	URL=""
	i=0
	while [ $i -lt 100 ]; do
		URL=$(sed -n 's|.*listening on \(http://[^ /]*\)/.*|\1|p' "$T/$name.log" | head -n 1)
		[ -n "$URL" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	not_ok "$name did not start: $(head -c 300 "$T/$name.log")"
	return 1
}

stop_server() {
	pid=$(cat "$T/$1.pid" 2>/dev/null) || return 0
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	wait "$pid" 2>/dev/null
	SERVER_RC=$?
}

http() {
	code=$1
	desc=$2
	method=$3
	url=$4
	if [ $# -ge 5 ]; then
		got=$(curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' --max-time 20 \
			-X "$method" -H 'Content-Type: text/plain' --data-binary "@$5" "$url")
	else
		got=$(curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' --max-time 20 \
			-X "$method" "$url")
	fi
	if [ "$got" = "$code" ]; then
		ok "$desc"
	else
		not_ok "$desc (status $got, wanted $code): $(head -c 300 "$T/body")"
	fi
}
