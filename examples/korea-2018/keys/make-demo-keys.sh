#!/bin/sh
# make-demo-keys.sh - regenerates the PUBLIC DEMO KEYS of the worked example.
#
# Each key's 32-byte Ed25519 seed is SHA-256 of the text
# "armistice public demo key, never for real use: <key name>", so anyone
# can recompute every "secret" here: these keys prove nothing and must
# never sign anything real. The keys are checked in; this script only
# shows how they were made (../../lib/demo-keys.sh: needs openssl, od,
# awk; no network).
#
# Output per actor ID: ID.key (signer key) and ID.pub (verifier key).
# Witness keys use type 0x04 (C2SP tlog-cosignature v1.0.1).
set -eu
cd "$(dirname "$0")"
. ../../lib/demo-keys.sh

for a in rok dprk us unc nnsc iaea dpaa experts osint csis press; do
	make_key "$a" "demo.$a.armistice-example" 01
done
make_key log "demo.log.armistice-example/korea-2018" 01
for w in rok dprk us nnsc; do
	make_key "witness-$w" "demo.witness-$w.armistice-example" 04
done
