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
http_cleanup() {
	# children first: a wrapper (faketime) may run the server as its child
	for p in $HTTP_PIDS; do
		pkill -9 -P "$p" 2>/dev/null
		kill -9 "$p" 2>/dev/null
	done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap http_cleanup EXIT
trap 'http_cleanup; exit 1' INT TERM HUP

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
		# the log may not exist yet: the server's shell has not opened it
		URL=$(sed -n 's|.*listening on \(http://[^ /]*\)/.*|\1|p' "$T/$name.log" 2>/dev/null | head -n 1)
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

# ---- the pilot agreement (tests/data/agreements/pilot.yaml, demo keys) ----
#
#   pilot_entry0           $P/e00.signed from $P/agreement.yaml; sets $AID
#   pilot_entries          writes $P/eNN.signed: entry 0 (the agreement,
#                          signed by both parties) and claims/attestations
#   pilot_sign KEY NAME LINE...  one signed entry $P/NAME.signed by demo KEY
#   pilot_witnesses        starts the three witnesses; sets $WARGS and
#                          $W_south, $W_north, $W_nnsc
#   pilot_serve NAME DIR [ARGS...]  starts a server on log DIR; sets $URL
#   pilot_served           all of it: entries, witnesses, server srv on log; sets $S
K="$DEMO_KEYS"
P="$T/pilot"
ORIGIN=demo.armistice.example/gp-pilot

pilot_sign() {
	key=$1
	name=$2
	shift 2
	{
		echo "armistice/entry/v1"
		echo "$1"
		echo "agreement: $AID"
		shift
		for l in "$@"; do echo "$l"; done
	} >"$P/$name.txt"
	"$ARM" note sign --key "$K/demo-$key.key" "$P/$name.txt" >"$P/$name.signed"
}

# pilot_entry0: $P/e00.signed, entry 0 for $P/agreement.yaml (zone jsa in
# $P/zones), signed by both parties; sets $AID.
pilot_entry0() {
	AID=$(sha256sum "$P/agreement.yaml" | cut -d' ' -f1)
	zid=$(sha256sum "$P/zones/jsa-buffer.geojson" | cut -d' ' -f1)
	{
		printf 'armistice/entry/v1\nkind: agreement\nagreement: %s\n' "$AID"
		printf 'zone: jsa sha256:%s\n\n' "$zid"
		cat "$P/agreement.yaml"
	} >"$P/e00.txt"
	"$ARM" note sign --key "$K/demo-south.key" --key "$K/demo-north.key" "$P/e00.txt" \
		>"$P/e00.signed"
}

pilot_entries() {
	mkdir -p "$P/zones"
	cp "$TOP/tests/data/agreements/pilot.yaml" "$P/agreement.yaml"
	cp "$TOP/tests/data/agreements/zones/jsa-buffer.geojson" "$P/zones/"
	pilot_entry0
	pilot_sign south e01 "kind: claim" "author: south" "seq: 1" \
		"time: 2018-11-30T09:00:00+09:00" "commitment: gp-south" \
		"text: Eleven guard posts withdrawn and destroyed."
	pilot_sign north e02 "kind: claim" "author: north" "seq: 1" \
		"time: 2018-11-30T10:00:00+09:00" "commitment: gp-north" \
		"text: Eleven guard posts withdrawn and destroyed."
	pilot_sign nnsc e03 "kind: attest" "author: nnsc" "seq: 1" \
		"time: 2018-12-12T15:00:00+09:00" "commitment: gp-south" "verdict: verified" \
		"method: on-site"
	pilot_sign north e04 "kind: attest" "author: north" "seq: 2" \
		"time: 2018-12-12T16:00:00+09:00" "commitment: gp-south" "verdict: verified" \
		"method: on-site"
	pilot_sign nnsc e05 "kind: attest" "author: nnsc" "seq: 2" \
		"time: 2018-12-12T17:00:00+09:00" "commitment: gp-north" "verdict: verified" \
		"method: on-site"
	pilot_sign south e06 "kind: attest" "author: south" "seq: 2" \
		"time: 2018-12-12T18:00:00+09:00" "commitment: gp-north" "verdict: verified" \
		"method: on-site"
}

pilot_witnesses() {
	WARGS=""
	for w in south north nnsc; do
		start_server "w-$w" "$ARM" witness --key "$K/demo-w-$w.key" --state "$T/w-$w" \
			--log "$ORIGIN=$K/demo-log.vkey" --listen 127.0.0.1:0 || return 1
		WARGS="$WARGS --witness w-$w=$URL"
		eval "W_$w=\$URL"
	done
}

pilot_serve() {
	name=$1
	dir=$2
	shift 2
	# shellcheck disable=SC2086
	start_server "$name" "$ARM" serve "$dir" --listen 127.0.0.1:0 --key "$K/demo-log.key" \
		--zones "$P" $WARGS "$@"
}

# pilot_served: the pilot entries, an empty log 'log', the three witnesses
# and a server on it named srv; sets $S to its URL.
pilot_served() {
	pilot_entries
	"$ARM" log init log --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
	pilot_witnesses || return 1
	pilot_serve srv log || return 1
	S=$URL
}
