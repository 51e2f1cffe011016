#!/bin/sh
# scripts/mkdeb.sh - builds a Debian binary package of armistice with
# dpkg-deb (`make deb`): the binary in /usr/bin, the man pages (gzipped,
# Debian policy §12.1), the docs and the worked example's README in
# /usr/share/doc/armistice, the hardened systemd units of contrib/ in
# /lib/systemd/system (their ExecStart pointed at /usr/bin), the bash
# completion in /usr/share/bash-completion/completions and the worked
# example in /usr/share/armistice/examples/korea-2018 (its demo.sh runs
# with the installed binary: docs/deploy.md "Packages"). Depends is
# computed from the binary's shared libraries with dpkg-shlibdeps, so the
# package names the libraries of the distribution it was built on.
# Writes $OUT_DIR/armistice_<version>_<arch>.deb (OUT_DIR default $BUILD)
# and prints its path.
set -eu
BUILD=${BUILD:-build}
BIN=$BUILD/armistice
[ -x "$BIN" ] || { echo "mkdeb: $BIN not built (make)" >&2; exit 1; }
for t in dpkg-deb dpkg-shlibdeps dpkg-architecture; do
	command -v "$t" >/dev/null || { echo "mkdeb: $t not installed (dpkg-dev)" >&2; exit 1; }
done
VERSION=$("$BIN" version | awk '{print $2}')
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
OUT_DIR=${OUT_DIR:-$BUILD}
W=$OUT_DIR/deb
R=$W/root
rm -rf "$W"
mkdir -p "$R/DEBIAN" "$R/usr/bin" "$R/usr/share/man/man1" "$R/usr/share/man/man5" \
	"$R/usr/share/doc/armistice" "$R/lib/systemd/system" "$R/usr/share/bash-completion/completions"
install -m 0755 "$BIN" "$R/usr/bin/armistice"
for m in man/*.1; do gzip -9n <"$m" >"$R/usr/share/man/man1/$(basename "$m").gz"; done
for m in man/*.5; do gzip -9n <"$m" >"$R/usr/share/man/man5/$(basename "$m").gz"; done
install -m 0644 README.md docs/*.md "$R/usr/share/doc/armistice/"
install -m 0644 contrib/bash-completion/armistice "$R/usr/share/bash-completion/completions/armistice"
DESTROOT=$R/usr/share/armistice/examples sh scripts/install-examples.sh
for u in contrib/*.service; do
	sed 's|/usr/local/bin/armistice|/usr/bin/armistice|g' "$u" >"$R/lib/systemd/system/$(basename "$u")"
	chmod 0644 "$R/lib/systemd/system/$(basename "$u")"
done
cat >"$R/usr/share/doc/armistice/copyright" <<'C'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: armistice
Comment: The source tree states no license yet; this package is built for
 testing and deployment by the people who build it. The worked example's
 keys are public demo keys (examples/korea-2018/keys/README.md).
C
# dpkg-shlibdeps reads debian/control from the current directory.
mkdir -p "$W/src/debian"
printf 'Source: armistice\n\nPackage: armistice\nArchitecture: any\n' >"$W/src/debian/control"
RA=$(cd "$R" && pwd)
DEPS=$(cd "$W/src" && dpkg-shlibdeps -O "$RA/usr/bin/armistice" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$DEPS" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
SIZE=$(du -sk "$R" | cut -f1)
cat >"$R/DEBIAN/control" <<C
Package: armistice
Version: $VERSION
Architecture: $ARCH
Maintainer: armistice builders <armistice@localhost>
Installed-Size: $SIZE
Depends: $DEPS
Section: utils
Priority: optional
Description: verifiable ledger for phased peace agreements
 A transparency log (C2SP signed notes, checkpoints, tlog-tiles) whose
 entries are the signed claims, attestations and incidents of a phased
 agreement, with a deterministic state engine, a server, a witness, an
 auditor, exports for researchers and imports from conflict datasets.
C
OUT=$OUT_DIR/armistice_${VERSION}_${ARCH}.deb
dpkg-deb --root-owner-group --build "$R" "$OUT" >/dev/null
echo "$OUT"
