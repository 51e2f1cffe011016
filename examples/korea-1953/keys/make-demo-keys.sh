#!/bin/sh
# make-demo-keys.sh - regenerates the PUBLIC DEMO KEYS of the 1953 example.
#
# Each key's 32-byte Ed25519 seed is SHA-256 of the text
# "armistice public demo key, never for real use: <key name>", so anyone
# can recompute every "secret" here: these keys prove nothing and must
# never sign anything real. The keys are checked in; this script only
# shows how they were made (../../lib/demo-keys.sh: needs openssl, od,
# awk; no network).
set -eu
cd "$(dirname "$0")"
. ../../lib/demo-keys.sh

for a in unc kpa cpv mac-unc mac-kpa-cpv sweden switzerland poland czechoslovakia; do
	make_key "$a" "demo.$a.armistice-example-1953" 01
done
make_key log "demo.log.armistice-example/korea-1953" 01
for w in unc kpa-cpv nnsc; do
	make_key "witness-$w" "demo.witness-$w.armistice-example-1953" 04
done
