#!/bin/sh
# t0960: `make install DESTDIR=...` installs libarmistice for other C
# programs: the static library, a shared library with its soname and
# links, the public headers (not the house's common.h and banned.h), each
# compiling on its own, and armistice.pc. A program of someone else's
# (tests/data/libuse/libuse.c), compiled with `pkg-config --cflags --libs
# --static armistice` pointed at the DESTDIR, checks a receipt the CLI made
# (log prove) and replays a log to the same state JSON as `status --json`,
# linked both against the shared library and the static one. Twins: a
# receipt with a changed proof hash and an entry with a changed byte are
# refused (exit 1). Also installed: the binary, man pages, the bash
# completion and the worked example.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine-lib.sh"

for t in pkg-config make cc readelf; do
	if ! command -v "$t" >/dev/null 2>&1; then
		not_ok "$t is needed (scripts/setup.sh installs it)"
		exit 1
	fi
done
BUILDDIR=$(cd "$(dirname "$ARM")" && pwd)
D=$T/dest
P=/usr/local
if make -C "$TOP" -s install DESTDIR="$D" PREFIX="$P" BUILD="$BUILDDIR" >"$T/make.out" 2>&1; then
	ok "make install DESTDIR=... PREFIX=$P"
else
	not_ok "make install: $(tail -5 "$T/make.out")"
	exit 1
fi
L=$D$P/lib
[ -x "$D$P/bin/armistice" ] && [ -f "$D$P/share/man/man1/armistice-report.1" ] &&
	ok "the binary and the man pages" || not_ok "binary or man pages missing"
[ -f "$L/libarmistice.a" ] && ok "the static library" || not_ok "no libarmistice.a"
[ "$(readlink "$L/libarmistice.so")" = libarmistice.so.0 ] && [ -f "$L/libarmistice.so.0" ] &&
	ok "libarmistice.so -> libarmistice.so.0 -> $(readlink "$L/libarmistice.so.0")" ||
	not_ok "shared library links: $(ls -l "$L" | tr '\n' ' ')"
readelf -d "$L/libarmistice.so.0" >"$T/dyn" 2>&1
expect_grep "its soname is libarmistice.so.0" 'SONAME.*\[libarmistice\.so\.0\]' "$T/dyn"
I=$D$P/include/armistice
[ -f "$I/tproof.h" ] && [ -f "$I/engine.h" ] && [ -f "$I/log.h" ] && ok "public headers in include/armistice" ||
	not_ok "headers missing: $(ls "$I" 2>&1 | tr '\n' ' ')"
[ ! -e "$I/banned.h" ] && [ ! -e "$I/common.h" ] && ok "banned.h and common.h stay in the tree" ||
	not_ok "internal headers installed"
bad=
for h in "$I"/*.h; do
	printf '#include <armistice/%s>\n' "$(basename "$h")" >"$T/one.c"
	cc -std=c11 -fsyntax-only -Wall -Werror -I"$D$P/include" "$T/one.c" 2>>"$T/hdr.err" || bad="$bad $(basename "$h")"
done
[ -z "$bad" ] && ok "every installed header compiles on its own" || not_ok "headers that do not:$bad: $(head -3 "$T/hdr.err")"
[ -f "$D$P/share/bash-completion/completions/armistice" ] && ok "the bash completion" || not_ok "no completion"
[ -x "$D$P/share/armistice/examples/korea-2018/demo.sh" ] && [ -f "$D$P/share/armistice/examples/korea-2018/agreement.yaml" ] &&
	ok "the worked example in share/armistice/examples" || not_ok "examples missing"

# ---- pkg-config, pointed at the DESTDIR ----
pc() { PKG_CONFIG_SYSROOT_DIR=$D PKG_CONFIG_PATH=$L/pkgconfig pkg-config "$@"; }
expect_ok "pkg-config finds armistice.pc" pc --modversion armistice
[ "$(cat "$T/out")" = "$("$ARM" version | awk '{print $2}')" ] && ok "its version is the binary's ($(cat "$T/out"))" ||
	not_ok "version $(cat "$T/out")"
FLAGS=$(pc --cflags --libs --static armistice) || not_ok "pkg-config --static"
echo "$FLAGS" | grep -q -- "-I$D$P/include" && echo "$FLAGS" | grep -q -- '-lsodium' &&
	echo "$FLAGS" | grep -q -- "-lgeos_c" && ok "--static gives the DESTDIR paths and the private libraries" ||
	not_ok "flags: $FLAGS"
SRC=$TOP/tests/data/libuse/libuse.c
# Under the sanitizer build (CI's clang ASan+UBSan stage) the archive holds
# instrumented code: the program is built the same way to link with it.
CCX=cc
if grep -q __asan_init "$ARM" 2>/dev/null; then
	CCX="clang -fsanitize=address,undefined"
fi
# shellcheck disable=SC2086 # FLAGS is a list of words
expect_ok "a program compiles and links against the shared library" $CCX -std=c11 -Wall -Werror "$SRC" -o "$T/libuse" $FLAGS
# shellcheck disable=SC2086
STATIC_FLAGS=$(echo " $FLAGS " | sed "s| -larmistice | $L/libarmistice.a |")
# shellcheck disable=SC2086
expect_ok "... and against the static one" $CCX -std=c11 -Wall -Werror "$SRC" -o "$T/libuse-static" $STATIC_FLAGS
readelf -d "$T/libuse" | grep -q 'NEEDED.*libarmistice\.so\.0' && ok "the first needs libarmistice.so.0" ||
	not_ok "no NEEDED libarmistice.so.0"
readelf -d "$T/libuse-static" | grep -q 'libarmistice' && not_ok "the static one needs libarmistice" ||
	ok "the static one does not"

# ---- a receipt and a log ----
new_log "$T/log"
entry c1 south 1 2018-11-30T12:00:00+09:00 claim "commitment: gp-south"
entry c2 north 1 2018-11-30T12:00:00+09:00 claim "commitment: gp-north"
entry v1 nnsc 1 2018-12-12T17:00:00+09:00 attest "commitment: gp-south" "verdict: verified" "method: on-site"
accepted "three entries" "$T/log" "$T/c1.signed" "$T/c2.signed" "$T/v1.signed"
n=$(log_size "$T/log")
"$ARM" log get "$T/log" $((n - 1)) >"$T/entry" && "$ARM" log prove "$T/log" $((n - 1)) >"$T/receipt" ||
	not_ok "log get/prove"
expect_ok "the CLI checks its own receipt" "$ARM" proof verify --key "$K/demo-log.vkey" "$T/entry" "$T/receipt"
NOW=1577836800 # 2020-01-01T00:00:00Z
"$ARM" status "$T/log" --now 2020-01-01T00:00:00Z --json >"$T/want.json"
for v in libuse libuse-static; do
	if LD_LIBRARY_PATH=$L "$T/$v" "$K/demo-log.vkey" "$T/entry" "$T/receipt" "$T/log" $NOW >"$T/got.json" 2>"$T/err"; then
		ok "$v: the receipt verifies ($(cat "$T/err"))"
	else
		not_ok "$v: exit $?: $(cat "$T/err")"
	fi
	cmp -s "$T/want.json" "$T/got.json" && ok "$v: the replay's state JSON is status --json's ($(wc -c <"$T/got.json") bytes)" ||
		not_ok "$v: state differs: $(diff "$T/want.json" "$T/got.json" | head -c 300)"
done

# Twins: one base64 character of the proof hash changed; one byte of the entry changed.
awk 'NR == 3 { c = substr($0, 1, 1); $0 = (c == "A" ? "B" : "A") substr($0, 2) } { print }' "$T/receipt" >"$T/bad-receipt"
cmp -s "$T/receipt" "$T/bad-receipt" && not_ok "the tampered receipt is unchanged"
expect_exit 1 "a receipt with a changed proof hash is refused" env LD_LIBRARY_PATH="$L" \
	"$T/libuse" "$K/demo-log.vkey" "$T/entry" "$T/bad-receipt" "$T/log" $NOW
expect_grep "... saying so" 'receipt refused' "$T/err"
sed 's/gp-south/gp-north/' "$T/entry" >"$T/bad-entry"
expect_exit 1 "an entry with a changed byte is refused" env LD_LIBRARY_PATH="$L" \
	"$T/libuse-static" "$K/demo-log.vkey" "$T/bad-entry" "$T/receipt" "$T/log" $NOW
