#!/bin/sh
# scripts/install-examples.sh - installs the worked examples
# (examples/korea-2018 and korea-1953, with the demo steps they share in
# examples/lib: the agreement, its zone files and data, the
# entries, the PUBLIC demo keys and demo.sh) under $DESTROOT, for
# `make install` ($(DATADIR)/examples) and the Debian package
# (/usr/share/armistice/examples), so that the demo runs from an installed
# armistice: sh $DESTROOT/korea-2018/demo.sh OUTDIR. demo.sh makes private
# copies of the keys it signs with, so the installed files stay read-only.
set -eu
: "${DESTROOT:?DESTROOT is where examples/ goes}"
cd "$(dirname "$0")/.."
find examples/korea-2018 examples/korea-1953 examples/lib -type f ! -name '*.tmp' | sort | while read -r f; do
	rel=${f#examples/}
	mode=0644
	[ "${f##*.}" = sh ] && mode=0755
	install -D -m "$mode" "$f" "$DESTROOT/$rel"
done
