# tests/cli/lib-pg.sh - a private PostgreSQL cluster for one test script.
#
#   pg_have                 true if the PostgreSQL 15 server binaries exist
#   pg_start                initdb + start a cluster in $T/pg, listening on a
#                           Unix socket in $T/pgsock and 127.0.0.1:$PG_PORT;
#                           sets PG_URL (a postgresql:// URI of database
#                           "postgres") and registers the stop at exit
#   pg_createdb NAME        a fresh database; prints its URI
#   pg_stop                 fast shutdown (also done at exit)
#   pg_require              skips the script (claiming nothing) without the
#                           server binaries, else pg_start (not ok if it fails)
#   pg_append_bg URI BATCH IN ACK N   a writer appending IN's lines in the
#                           background (pid in PG_WRITER, acknowledgements
#                           appended to ACK, errors in ACK.err), returned
#                           once it acknowledged N entries (10 s at most)
#   pg_acked_ok URI ACK IN DESC   every "INDEX<TAB>IN:LINE" line of ACK (what
#                           `log append --lines IN` acknowledged) is in the
#                           log at that index: one ok or not ok line
# Nothing uses a system-wide server. As root the server runs as the
# unprivileged user "postgres" (initdb and postgres refuse root), so $T
# is made traversable for it.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

pg_have() { [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && [ -x "$PG_BIN/postgres" ]; }

pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + $$ % 20000))
}

pg_start() {
	PG_DATA=$T/pg/data
	PG_SOCK=$T/pgsock
	mkdir -p "$T/pg" "$PG_SOCK"
	chmod 755 "$T"
	[ "$(id -u)" -eq 0 ] && chown postgres "$T/pg" "$PG_SOCK"
	PG_PORT=$(pg_free_port)
	pg_as "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres --no-sync >"$T/pg/initdb.log" 2>&1 || {
		echo "# initdb failed: $(tail -3 "$T/pg/initdb.log")"
		return 1
	}
	cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
fsync = on
synchronous_commit = on
max_connections = 40
shared_buffers = 32MB
CONF
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$T/pg/server.log" -w -t 30 start >/dev/null 2>&1 || {
		echo "# pg_ctl start failed: $(tail -3 "$T/pg/server.log")"
		return 1
	}
	PG_URL="postgresql://postgres@/postgres?host=$PG_SOCK&port=$PG_PORT"
	trap 'pg_stop; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
}

pg_stop() {
	[ -n "${PG_DATA:-}" ] && [ -f "$PG_DATA/postmaster.pid" ] &&
		pg_as "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1
	return 0
}

pg_createdb() {
	"$PG_BIN/createdb" -h "$PG_SOCK" -p "$PG_PORT" -U postgres "$1" >/dev/null 2>&1 || return 1
	echo "postgresql://postgres@/$1?host=$PG_SOCK&port=$PG_PORT"
}

pg_psql() {
	/usr/bin/psql -X -q -h "$PG_SOCK" -p "$PG_PORT" -U postgres "$@"
}

pg_require() {
	if ! pg_have; then
		echo "# skip $script: no PostgreSQL server binaries in $PG_BIN (scripts/setup.sh installs them)"
		exit 0
	fi
	pg_start || { not_ok "a private PostgreSQL cluster starts"; exit 1; }
}

pg_acked_ok() {
	awk -F '\t' -v f="$3" 'BEGIN { while ((getline l < f) > 0) line[++n] = l }
		{ split($2, s, ":"); print line[s[2]] }' "$2" >"$2.lines"
	"$ARM" log append "$1" --lines "$2.lines" >"$2.again" 2>"$2.again.err"
	cut -f1 "$2" >"$2.want"
	cut -f1 "$2.again" >"$2.got"
	if awk -F '\t' '$3 != "(already in the log)" { bad++ } END { exit bad ? 1 : 0 }' "$2.again" &&
		cmp -s "$2.want" "$2.got"; then
		ok "$4: all $(wc -l <"$2") acknowledged entries are in the log at their indexes"
	else
		not_ok "$4: acknowledged entries lost or moved: $(head -c 200 "$2.again.err")"
	fi
}

pg_append_bg() {
	: >"$4"
	"$ARM" log append "$1" --lines --batch "$2" "$3" >>"$4" 2>"$4.err" &
	PG_WRITER=$!
	_i=0
	while [ $_i -lt 100 ] && [ "$(wc -l <"$4")" -lt "$5" ] && kill -0 $PG_WRITER 2>/dev/null; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ "$(wc -l <"$4")" -ge "$5" ] ||
		echo "# the writer acknowledged $(wc -l <"$4") entries in $_i polls: $(head -c 300 "$4.err")"
}
