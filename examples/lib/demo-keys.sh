# examples/lib/demo-keys.sh - sourced by each example's keys/make-demo-keys.sh:
# make_key writes one PUBLIC DEMO KEY pair.
#
# A key's 32-byte Ed25519 seed is SHA-256 of the text
# "armistice public demo key, never for real use: <key name>", so anyone
# can recompute every "secret": these keys prove nothing and must never
# sign anything real (needs openssl, od, awk; no network).
#
#   make_key STEM NAME TYPE   writes STEM.key (signer key,
#       golang.org/x/mod/sumdb/note format "PRIVATE+KEY+name+id+base64(type||seed)")
#       and STEM.pub (verifier key "name+id+base64(type||pk)"), as C2SP
#       signed-note v1.0.0 describes; TYPE is 01 (Ed25519) or 04 (a witness
#       cosigner key, C2SP tlog-cosignature v1.0.1).

b64() { openssl base64 -A; }
sha256hex() { openssl dgst -sha256 -r | cut -c1-64; }

# Hex on stdin to bytes on stdout, through printf's octal escapes (POSIX).
hex2bin() {
	tr -d ' \n' | awk 'BEGIN { for (i = 0; i < 256; i++) h[sprintf("%02x", i)] = i }
		{ for (i = 1; i <= length($0); i += 2) printf "\\%03o", h[substr($0, i, 2)]; print "" }' |
		{ read -r oct; printf "$oct"; }
}

make_key() { # file-stem key-name type-hex
	stem=$1 name=$2 type=$3
	seed=$(printf 'armistice public demo key, never for real use: %s' "$name" | sha256hex)
	pk=$(printf '302e020100300506032b657004220420%s' "$seed" | hex2bin |
		openssl pkey -inform DER -pubout -outform DER | od -An -v -tx1 | tr -d ' \n' | tail -c 64)
	id=$({ printf '%s\n' "$name"; printf '%s%s' "$type" "$pk" | hex2bin; } | sha256hex | cut -c1-8)
	printf 'PRIVATE+KEY+%s+%s+%s\n' "$name" "$id" "$(printf '%s%s' "$type" "$seed" | hex2bin | b64)" >"$stem.key"
	printf '%s+%s+%s\n' "$name" "$id" "$(printf '%s%s' "$type" "$pk" | hex2bin | b64)" >"$stem.pub"
}
