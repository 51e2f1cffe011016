#!/bin/sh
# scripts/setup.sh - installs the Debian 12 packages that armistice needs to
# build, test, fuzz and benchmark. Idempotent: where every package is
# present it installs nothing and touches no network.
set -eu
PKGS="build-essential pkg-config clang clang-format libclang-rt-14-dev \
libsodium-dev libsqlite3-dev libssl-dev libfyaml-dev libmicrohttpd-dev \
libgeos-dev libpq-dev postgresql sqlite3 golang-go golang-golang-x-mod-dev \
curl jq graphviz mandoc chromium wrk nginx-light libcurl4-openssl-dev softhsm2 systemd faketime procps \
fonts-nanum"
# Node.js and npm build the dashboard (web/, esbuild) and drive its browser
# test (playwright-core); from Debian unless a Node.js is already there.
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
# The npm packages pinned by package-lock.json, into node_modules/ (from
# the npm registry, only when the lock file changed since the last run).
npm_ci() {
	top=$(cd "$(dirname "$0")/.." && pwd)
	if [ -f "$top/node_modules/.package-lock.json" ] &&
		[ "$top/node_modules/.package-lock.json" -nt "$top/package-lock.json" ]; then
		echo "setup: node_modules up to date"
		return 0
	fi
	(cd "$top" && npm ci --no-audit --no-fund --loglevel=error)
}
if [ -z "$missing" ]; then
	echo "setup: all packages present"
	npm_ci
	exit 0
fi
echo "setup: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
npm_ci
echo "setup: done"
