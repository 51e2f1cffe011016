#!/bin/sh
# t0950: `make deb`'s script builds a Debian package whose control file
# names the shared libraries it needs; unpacked into a clean root, its
# binary runs (--help, version, status of a log it builds), its man pages,
# bash completion and systemd units are where Debian puts them and the
# units start the packaged binary, and the worked example's demo (servers,
# witnesses, the auditor's verify) runs from the packaged files with the
# packaged binary. As root, dpkg checks that it would install here
# (--dry-run); ARMISTICE_TEST_DPKG_INSTALL=1 (CI) installs it for real, runs
# `armistice --help` from /usr/bin and removes it. Twin: a package with a
# changed byte is refused by dpkg-deb.
. "$(dirname "$0")/lib.sh"

for t in dpkg-deb dpkg-shlibdeps dpkg-architecture; do
	if ! command -v "$t" >/dev/null 2>&1; then
		ok "# SKIP $t is not installed (dpkg-dev)"
		exit 0
	fi
done
BUILDDIR=$(dirname "$ARM")
if (cd "$TOP" && OUT_DIR="$T" BUILD="$BUILDDIR" sh scripts/mkdeb.sh) >"$T/path" 2>"$T/err"; then
	ok "the package builds"
else
	not_ok "mkdeb: $(head -c 300 "$T/err")"
	exit 1
fi
DEB=$(cat "$T/path")
expect_ok "dpkg-deb reads its control file" dpkg-deb --field "$DEB" Package Version Depends
expect_grep "... it is armistice" '^Package: armistice$' "$T/out"
expect_grep "... it depends on the libraries the binary links" '^Depends: .*libsodium.*libsqlite3' "$T/out"
mkdir "$T/root"
expect_ok "it unpacks into a clean root" dpkg-deb -x "$DEB" "$T/root"
R=$T/root
expect_ok "the packaged binary runs --help" "$R/usr/bin/armistice" --help
expect_grep "... and lists export" '^  export ' "$T/out"
[ -f "$R/usr/share/man/man1/armistice-export.1.gz" ] && ok "man pages in /usr/share/man, gzipped" ||
	not_ok "no man page armistice-export.1.gz"
[ -f "$R/usr/share/doc/armistice/export.md" ] && [ -f "$R/usr/share/doc/armistice/copyright" ] &&
	ok "docs and copyright in /usr/share/doc/armistice" || not_ok "docs missing"
grep -q '^ExecStart=/usr/bin/armistice serve' "$R/lib/systemd/system/armistice-serve.service" &&
	grep -q '^ExecStart=/usr/bin/armistice witness' "$R/lib/systemd/system/armistice-witness.service" &&
	ok "the systemd units start /usr/bin/armistice" || not_ok "units: $(grep ExecStart "$R"/lib/systemd/system/*)"
[ -f "$R/usr/share/bash-completion/completions/armistice" ] &&
	cmp -s "$R/usr/share/bash-completion/completions/armistice" "$TOP/contrib/bash-completion/armistice" &&
	ok "the bash completion in /usr/share/bash-completion/completions" || not_ok "no bash completion"
EXR=$R/usr/share/armistice/examples/korea-2018
[ -x "$EXR/demo.sh" ] && ok "the worked example in /usr/share/armistice/examples" || not_ok "no example"
# The demo, from the packaged files, with the packaged binary on PATH (no build tree).
if (cd "$T" && env -u ARM PATH="$R/usr/bin:$PATH" DEMO_NOW=2026-01-01T00:00:00Z \
	sh "$EXR/demo.sh" "$T/demo") >"$T/demo.out" 2>&1; then
	ok "the packaged demo runs with the packaged binary"
else
	not_ok "demo: $(tail -5 "$T/demo.out")"
fi
expect_grep "... it ran the packaged binary" "&& $R/usr/bin/armistice verify http" "$T/demo.out"
expect_grep "... the witnesses cosigned" 'witness quorum: 4 of 4 cosigned: met' "$T/demo.out"
expect_grep "... a receipt checked offline" '^ok: entry [0-9]+ of demo.log.armistice-example/korea-2018' "$T/demo.out"
expect_grep "... and the auditor's remote audit passed" 'the remote audit passed' "$T/demo.out"
if [ "$(id -u)" = 0 ]; then
	# The example is installed read-only for everyone but root: nothing may have been written there.
	[ -z "$(find "$EXR" -newer "$T/path" -type f)" ] && ok "the demo wrote nothing beside the example" ||
		not_ok "files written in the example: $(find "$EXR" -newer "$T/path" -type f | head -3)"
fi

# The packaged binary does real work: a pilot log, its status.
AG=$TOP/tests/data/agreements/pilot.yaml
"$R/usr/bin/armistice" sign --key "$DEMO_KEYS/demo-south.key" --agreement "$AG" >"$T/s" &&
	"$R/usr/bin/armistice" sign --key "$DEMO_KEYS/demo-north.key" --agreement "$AG" >"$T/n" &&
	expect_ok "the packaged binary starts a log" "$R/usr/bin/armistice" init "$T/log" --agreement "$AG" \
		--log-key "$DEMO_KEYS/demo-log.key" "$T/s" "$T/n"
expect_ok "... and exports it" "$R/usr/bin/armistice" export "$T/log" --table commitments
expect_grep "... as CSV" '^gp-south,p1,military,south,' "$T/out"

if [ "$(id -u)" = 0 ] && command -v dpkg >/dev/null 2>&1; then
	expect_ok "dpkg would install it here (dependencies met)" dpkg --dry-run -i "$DEB"
	if [ -n "${ARMISTICE_TEST_DPKG_INSTALL:-}" ]; then
		expect_ok "dpkg installs it" dpkg -i "$DEB"
		expect_ok "/usr/bin/armistice --help" /usr/bin/armistice --help
		expect_ok "dpkg removes it" dpkg -r armistice
	fi
fi

# Twin: one byte of the package changed.
cp "$DEB" "$T/bad.deb"
size=$(wc -c <"$T/bad.deb")
printf 'X' | dd of="$T/bad.deb" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
mkdir "$T/badroot"
if dpkg-deb -x "$T/bad.deb" "$T/badroot" >/dev/null 2>&1 && cmp -s "$T/badroot/usr/bin/armistice" "$R/usr/bin/armistice"; then
	not_ok "a package with a changed byte unpacked to the same binary"
else
	ok "a package with a changed byte is refused or differs"
fi
