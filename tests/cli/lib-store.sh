# tests/cli/lib-store.sh - one log suite for both stores. The log tests
# (t1000, t1050, t1070) name their logs and reach their files only through
# these helpers, so the same script runs on a directory (STORE=fs, the
# default) and on PostgreSQL (STORE=pg: t1250 starts a private cluster
# and runs them with PG_SOCK and PG_PORT exported).
#
#   store_log NAME           the log to use for NAME: NAME itself (fs), or
#                            the URI of a fresh database named after it (pg)
#   store_cat LOG PATH       a public file ("checkpoint", "tile/...") or the
#                            commit record (".armistice/commit") to stdout
#   store_put LOG PATH FILE  replaces it with FILE's bytes (tampering)
#   store_rm LOG PATH        removes it
#   store_save LOG / store_restore LOG   a pristine copy of the log, and back
#   store_publish LOG DIR    the public files only (checkpoint, tile/), as a
#                            web server would hold them
#   store_lock_holder LOG    the pid of the process holding LOG's writer lock
STORE=${STORE:-fs}

if [ "$STORE" = pg ]; then
	. "$TOP/tests/cli/lib-pg.sh"
	[ -n "${PG_SOCK:-}" ] && [ -n "${PG_PORT:-}" ] ||
		{ echo "not ok - $script: STORE=pg needs PG_SOCK and PG_PORT (run it through t1250)"; exit 1; }
fi

# The database of a pg log URI.
store_db() { echo "$1" | sed 's|^postgresql://[^/]*/\([^?]*\).*|\1|'; }

store_log() {
	if [ "$STORE" = fs ]; then
		echo "$1"
		return
	fi
	sl_db=$(echo "${script}_$1" | tr 'A-Z-' 'a-z_' | tr -cd 'a-z0-9_')
	"$PG_BIN/dropdb" -h "$PG_SOCK" -p "$PG_PORT" -U postgres --if-exists "$sl_db" >/dev/null 2>&1
	pg_createdb "$sl_db"
}

# The SQL that reads or writes PATH: a file row, or the commit record.
store_sql_target() {
	if [ "$1" = .armistice/commit ]; then
		echo "armistice_commit rec one"
	else
		echo "armistice_files data path = '$1'"
	fi
}

store_cat() {
	if [ "$STORE" = fs ]; then
		cat "$1/$2"
		return
	fi
	set -- "$(store_db "$1")" $(store_sql_target "$2")
	sc_db=$1 sc_tab=$2 sc_col=$3
	shift 3
	pg_psql -d "$sc_db" -At -c "SELECT encode($sc_col, 'hex') FROM $sc_tab WHERE $*" |
		perl -ne 'chomp; print pack("H*", $_)'
}

store_put() {
	if [ "$STORE" = fs ]; then
		cp "$3" "$1/$2"
		return
	fi
	sp_hex=$(od -An -tx1 -v "$3" | tr -d ' \n')
	sp_file=$3
	set -- "$(store_db "$1")" $(store_sql_target "$2")
	sp_db=$1 sp_tab=$2 sp_col=$3
	shift 3
	pg_psql -d "$sp_db" -c "UPDATE $sp_tab SET $sp_col = decode('$sp_hex', 'hex') WHERE $*" >/dev/null ||
		echo "# store_put $sp_file failed"
}

store_rm() {
	if [ "$STORE" = fs ]; then
		rm "$1/$2"
		return
	fi
	set -- "$(store_db "$1")" $(store_sql_target "$2")
	sr_db=$1 sr_tab=$2
	shift 3
	pg_psql -d "$sr_db" -c "DELETE FROM $sr_tab WHERE $*" >/dev/null
}

store_save() {
	if [ "$STORE" = fs ]; then
		rm -rf "$1.pristine" && cp -r "$1" "$1.pristine"
		return
	fi
	pg_psql -d "$(store_db "$1")" -c "DROP TABLE IF EXISTS pristine_files, pristine_commit;
		CREATE TABLE pristine_files AS SELECT * FROM armistice_files;
		CREATE TABLE pristine_commit AS SELECT * FROM armistice_commit" >/dev/null
}

store_restore() {
	if [ "$STORE" = fs ]; then
		rm -rf "$1" && cp -r "$1.pristine" "$1"
		return
	fi
	pg_psql -d "$(store_db "$1")" -c "BEGIN; DELETE FROM armistice_files;
		INSERT INTO armistice_files SELECT * FROM pristine_files; DELETE FROM armistice_commit;
		INSERT INTO armistice_commit SELECT * FROM pristine_commit; COMMIT" >/dev/null
}

store_publish() {
	mkdir -p "$2"
	if [ "$STORE" = fs ]; then
		cp -r "$1/checkpoint" "$1/tile" "$2/"
		return
	fi
	"$ARM" log export "$1" "$2.export" >/dev/null 2>&1 && cp -r "$2.export/checkpoint" "$2.export/tile" "$2/"
}

store_lock_holder() {
	if [ "$STORE" = fs ]; then
		cat "$1/.armistice/lock" 2>/dev/null
		return
	fi
	pg_psql -d "$(store_db "$1")" -At -c "SELECT a.application_name FROM pg_locks l
		JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted
		AND l.classid = 1095912777 AND l.objid = 1" 2>/dev/null | sed -n 's/^armistice pid //p'
}
