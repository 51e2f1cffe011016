#!/bin/sh
# Least privilege (src/server/sandbox.c): serve and witness started as root
# with --user run as that user with no capabilities, no new privileges
# and (where the kernel has Landlock) no file access outside the
# directories they need, read from /proc/PID/status and by a probe; a
# submission still works end to end; --user on a directory the user
# cannot write is refused with the fix; root without --user is warned
# about and still loses every capability. The systemd units in contrib/
# pass systemd-analyze verify. Parts that need root or systemd say so
# with a "# skip" line and report nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

cd "$T" || exit 1

# status_field PID FIELD: the value of FIELD in /proc/PID/status, tabs squeezed.
status_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' ' ' | sed 's/ $//'
}

# check_status NAME PID UID GID [keep-bnd]: ids, capabilities and no_new_privs.
check_status() {
	n=$1
	p=$2
	v=$(status_field "$p" Uid)
	[ "$v" = "$3 $3 $3 $3" ] && ok "$n: Uid is $3 (real, effective, saved, fs)" ||
		not_ok "$n: Uid is '$v', wanted $3"
	v=$(status_field "$p" Gid)
	[ "$v" = "$4 $4 $4 $4" ] && ok "$n: Gid is $4" || not_ok "$n: Gid is '$v', wanted $4"
	# A process that is never root cannot shrink its bounding set (that
	# needs CAP_SETPCAP); no-new-privileges makes it moot. $5 = keep-bnd.
	caps="CapEff CapPrm CapInh CapAmb CapBnd"
	[ "${5:-}" = keep-bnd ] && caps="CapEff CapPrm CapInh CapAmb"
	for f in $caps; do
		v=$(status_field "$p" $f)
		[ "$v" = 0000000000000000 ] && ok "$n: $f is empty" || not_ok "$n: $f is $v"
	done
	v=$(status_field "$p" NoNewPrivs)
	[ "$v" = 1 ] && ok "$n: NoNewPrivs is 1" || not_ok "$n: NoNewPrivs is '$v'"
}

# check_probe NAME LOGFILE PID: with Landlock on, the probe of a world-readable
# file outside the allowed paths was refused; with seccomp on, a child
# could not run /bin/true and /proc says the filter is on.
check_probe() {
	if grep -q 'landlock: on' "$2"; then
		expect_grep "$1: a world-readable file outside its directories cannot be opened" \
			"sandbox probe '$T/outside/secret.txt': refused" "$2"
	elif grep -q 'landlock: not used' "$2"; then
		echo "# skip: $1: $(grep -o 'landlock: not used.*' "$2")"
	else
		not_ok "$1: no landlock line in its log: $(head -c 300 "$2")"
	fi
	if grep -q 'seccomp: on' "$2"; then
		expect_grep "$1: a child of it cannot run a program (seccomp)" \
			'sandbox probe exec: refused \(Operation not permitted\)' "$2"
		v=$(status_field "$3" Seccomp)
		[ "$v" = 2 ] && ok "$1: Seccomp is 2 (filter)" || not_ok "$1: Seccomp is '$v'"
	elif grep -q 'seccomp: not used' "$2"; then
		echo "# skip: $1: $(grep -o 'seccomp: not used.*' "$2")"
	else
		not_ok "$1: no seccomp line in its log: $(head -c 300 "$2")"
	fi
}

mkdir -p outside
echo "not for the server" >outside/secret.txt
chmod 755 outside
chmod 644 outside/secret.txt

# ---- the systemd units ----
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir units
	for u in serve witness; do
		# verify checks that ExecStart's program exists: point it at this build.
		sed "s|/usr/local/bin/armistice|$ARM|" "$TOP/contrib/armistice-$u.service" \
			>"units/armistice-$u.service"
		systemd-analyze verify --man=no "units/armistice-$u.service" >"$T/out" 2>&1
		rc=$?
		if [ $rc -eq 0 ] && [ ! -s "$T/out" ]; then
			ok "contrib/armistice-$u.service passes systemd-analyze verify"
		else
			not_ok "contrib/armistice-$u.service: systemd-analyze verify (exit $rc): $(head -c 300 "$T/out")"
		fi
		for opt in 'User=' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ReadWritePaths=' \
			'PrivateTmp=yes' 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE$' \
			'SystemCallFilter=@system-service' 'RestrictAddressFamilies=' \
			'MemoryDenyWriteExecute=yes' 'LockPersonality=yes'; do
			expect_grep "armistice-$u.service sets $opt" "^$opt" "units/armistice-$u.service"
		done
	done
	# The twin: verify does report a broken option.
	sed 's/^ProtectSystem=strict/ProtectSystem=bogus/' units/armistice-serve.service \
		>units/broken.service
	systemd-analyze verify --man=no units/broken.service >"$T/out" 2>&1
	grep -q 'ProtectSystem\|protect system' "$T/out" &&
		ok "systemd-analyze verify reports a broken option in a unit" ||
		not_ok "systemd-analyze verify said nothing about ProtectSystem=bogus"
else
	echo "# skip: systemd-analyze is not installed; contrib/*.service not verified"
fi

K="$DEMO_KEYS"
WLOG="--log $ORIGIN=$K/demo-log.vkey"

if [ "$(id -u)" -ne 0 ]; then
	# Without root there is no user to drop to; the restrictions still apply.
	# shellcheck disable=SC2086
	expect_exit 2 "--user other than oneself needs root" "$ARM" witness --key \
		"$K/demo-w-south.key" --state "$T/wu" $WLOG --listen 127.0.0.1:0 --user root
	ARMISTICE_SANDBOX_PROBE="$T/outside/secret.txt" start_server w-self "$ARM" witness \
		--key "$K/demo-w-south.key" --state "$T/w-self" $WLOG --listen 127.0.0.1:0 || exit 1
	pid=$(cat "$T/w-self.pid")
	v=$(status_field "$pid" NoNewPrivs)
	[ "$v" = 1 ] && ok "witness as a user: NoNewPrivs is 1" || not_ok "NoNewPrivs is '$v'"
	check_probe "witness as a user" "$T/w-self.log" "$pid"
	stop_server w-self
	echo "# skip: not root; --user, setuid and capability checks not run"
	exit 0
fi

# ---- as root: an unprivileged user ----
U=armistice-test
if ! getent passwd "$U" >/dev/null 2>&1; then
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$U" \
		>/dev/null 2>&1 || U=nobody
fi
UID_=$(id -u "$U")
GID_=$(id -g "$U")
GROUP_=$(id -gn "$U")
# The scratch directory is root's 0700; the user must be able to pass through it.
chmod 711 "$T"

pilot_entries
chmod -R a+rX "$P"
"$ARM" log init log --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1

# A log the user cannot write is refused before anything is opened, with the fix.
expect_exit 4 "serve --user on a log directory owned by root is refused" \
	"$ARM" serve log --listen 127.0.0.1:0 --key "$K/demo-log.key" --zones "$P" --user "$U"
expect_grep "the refusal names the fix" "chown -R $U:$GROUP_ 'log'" "$T/err"
mkdir wro
chmod 755 wro
# shellcheck disable=SC2086
expect_exit 4 "witness --user on a state directory owned by root is refused" \
	"$ARM" witness --key "$K/demo-w-south.key" --state wro $WLOG --listen 127.0.0.1:0 --user "$U"
expect_grep "the witness's refusal names the fix" "chown -R $U:$GROUP_ 'wro'" "$T/err"
# shellcheck disable=SC2086
expect_exit 5 "--user of a user that does not exist is refused" \
	"$ARM" witness --key "$K/demo-w-south.key" --state wro $WLOG --user no-such-user-here
# shellcheck disable=SC2086
expect_exit 2 "--group without --user is a usage error" \
	"$ARM" witness --key "$K/demo-w-south.key" --state wro $WLOG --group "$GROUP_"

chown -R "$U:$GROUP_" log

# Three witnesses and the server, each dropping to the user.
WARGS=""
for w in south north nnsc; do
	# shellcheck disable=SC2086
	ARMISTICE_SANDBOX_PROBE="$T/outside/secret.txt" start_server "w-$w" "$ARM" witness \
		--key "$K/demo-w-$w.key" --state "$T/w-$w" $WLOG --listen 127.0.0.1:0 \
		--user "$U" || exit 1
	WARGS="$WARGS --witness w-$w=$URL"
done
[ "$(stat -c %U "$T/w-south")" = "$U" ] &&
	ok "a state directory the witness creates belongs to the user" ||
	not_ok "w-south belongs to $(stat -c %U "$T/w-south")"
check_status witness "$(cat "$T/w-south.pid")" "$UID_" "$GID_"
check_probe witness "$T/w-south.log" "$(cat "$T/w-south.pid")"
expect_grep "the witness says which user it runs as" "running as user $U" "$T/w-south.log"

ARMISTICE_SANDBOX_PROBE="$T/outside/secret.txt" pilot_serve srv log --user "$U" || exit 1
S=$URL
SPID=$(cat "$T/srv.pid")
check_status serve "$SPID" "$UID_" "$GID_"
check_probe serve "$T/srv.log" "$SPID"
if ! grep -q 'WARNING' "$T/srv.log"; then ok "serve with --user prints no warning"; else
	not_ok "serve with --user warns: $(grep WARNING "$T/srv.log")"; fi

# End to end: submissions with receipts, through witnesses that are sandboxed too.
for n in 00 01 02 03; do
	expect_ok "entry $n is submitted and cosigned under --user" \
		"$ARM" submit "$S" "$P/e$n.signed" --log "$K/demo-log.vkey"
done
expect_grep "the last entry gets index 6 (each submission a clock leaf and the entry)" 'index 6,' "$T/out"
http 200 "GET /state works in the sandbox (reads the zones)" GET "$S/state"
stop_server srv
[ "$SERVER_RC" -eq 0 ] && ok "serve stops cleanly after SIGTERM" ||
	not_ok "serve exited $SERVER_RC: $(tail -c 300 "$T/srv.log")"
bad=$(find log ! -user "$U" | head -n 3)
[ -z "$bad" ] && ok "every file in the log belongs to the user (nothing made as root)" ||
	not_ok "files not owned by $U: $bad"
expect_ok "the log verifies after the sandboxed run" "$ARM" verify log --state vd --zones "$P"

# The twin of the probe: the same probe on a file inside the log is opened,
# so a refusal above is Landlock's and not a broken probe.
if grep -q 'landlock: on' "$T/w-south.log"; then
	ARMISTICE_SANDBOX_PROBE="$T/log/checkpoint" pilot_serve srv2 log --user "$U" || exit 1
	expect_grep "the probe of a file inside the log is opened" \
		"sandbox probe '$T/log/checkpoint': opened" "$T/srv2.log"
	stop_server srv2
fi

# Root without --user: a loud warning, and still no capability.
# shellcheck disable=SC2086
ARMISTICE_SANDBOX_PROBE="$T/outside/secret.txt" start_server w-root "$ARM" witness \
	--key "$K/demo-w-south.key" --state "$T/w-root" $WLOG --listen 127.0.0.1:0 || exit 1
expect_grep "root without --user prints a one-line warning" \
	'armistice witness: WARNING: running as root without --user' "$T/w-root.log"
check_status "witness as root without --user" "$(cat "$T/w-root.pid")" 0 0
check_probe "witness as root without --user" "$T/w-root.log" "$(cat "$T/w-root.pid")"
stop_server w-root

# As the systemd units start it: already the user, with CAP_NET_BIND_SERVICE
# in its ambient set; the capability is gone once the port is bound.
if command -v setpriv >/dev/null 2>&1; then
	mkdir wamb
	chown "$U:$GROUP_" wamb
	cp "$K/demo-w-nnsc.key" wamb.key
	chown "$U" wamb.key
	chmod 600 wamb.key
	# shellcheck disable=SC2086
	start_server w-amb setpriv --reuid="$UID_" --regid="$GID_" --clear-groups \
		--inh-caps=+net_bind_service --ambient-caps=+net_bind_service \
		"$ARM" witness --key "$T/wamb.key" --state "$T/wamb" $WLOG --listen 127.0.0.1:0 || exit 1
	check_status "witness started as the user with CAP_NET_BIND_SERVICE" \
		"$(cat "$T/w-amb.pid")" "$UID_" "$GID_" keep-bnd
	stop_server w-amb
else
	echo "# skip: setpriv is not installed; the systemd-style start is not checked"
fi

for w in south north nnsc; do stop_server "w-$w"; done
