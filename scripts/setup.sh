#!/bin/sh
# scripts/setup.sh - installs the Debian 12 packages that armistice needs to
# build, test, fuzz and benchmark. Idempotent: where every package is
# present it installs nothing and touches no network.
set -eu
PKGS="build-essential pkg-config clang libclang-rt-14-dev \
libsodium-dev libsqlite3-dev libssl-dev libfyaml-dev libmicrohttpd-dev \
libgeos-dev libpq-dev postgresql sqlite3 golang-go golang-golang-x-mod-dev \
curl jq graphviz mandoc chromium wrk nginx-light libcurl4-openssl-dev softhsm2 systemd"
missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
if [ -z "$missing" ]; then
	echo "setup: all packages present"
	exit 0
fi
echo "setup: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "setup: done"
