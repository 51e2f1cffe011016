#!/bin/sh
# Secret key files: one that group or others can read or write is refused
# with the fix in the message (as ssh refuses an unprotected identity
# file); encrypted key files (armistice/encrypted-key/v1) open with the
# passphrase from the environment, a descriptor or the terminal, refuse a
# wrong passphrase and any altered byte, and `armistice key` encrypts,
# re-encrypts and decrypts in place, writing nothing on failure.
# docs/keys.md.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 2

printf 'armistice key test\n' >text
expect_ok "keygen a plain key" "$ARM" keygen ex.org/plain
mode=$(stat -c %a ex.org_plain.key)
[ "$mode" = 600 ] && ok "keygen writes the secret key at mode 0600" || not_ok "keygen wrote mode $mode"
expect_ok "a 0600 key signs" "$ARM" note sign --key ex.org_plain.key text
cp "$T/out" plain.note

# --- permissions ---
chmod 644 ex.org_plain.key
expect_exit 3 "a 0644 key (git's checkout mode) is refused" "$ARM" note sign --key ex.org_plain.key text
expect_grep "the message says it is readable by others" "readable by others \(mode 0644\)" "$T/err"
expect_grep "the message gives the fix" "run 'chmod 600 ex.org_plain.key'" "$T/err"
[ ! -s "$T/out" ] && ok "nothing is signed with a 0644 key" || not_ok "a 0644 key signed: $(cat "$T/out")"
chmod 666 ex.org_plain.key
expect_exit 3 "a 0666 key is refused" "$ARM" note sign --key ex.org_plain.key text
expect_grep "0666: readable and writable, with the fix" "readable and writable by others \(mode 0666\).*chmod 600" "$T/err"
chmod 620 ex.org_plain.key
expect_exit 3 "a group-writable key (0620) is refused" "$ARM" note sign --key ex.org_plain.key text
expect_grep "0620: writable" "writable by others \(mode 0620\)" "$T/err"
chmod 400 ex.org_plain.key
expect_ok "a 0400 key is accepted" "$ARM" note sign --key ex.org_plain.key text
chmod 600 ex.org_plain.key
expect_ok "back at 0600 it signs again" "$ARM" note sign --key ex.org_plain.key text
cmp -s "$T/out" plain.note && ok "the same signature (Ed25519 is deterministic)" || not_ok "signature changed"
# every command that takes a signer key goes through the same check
cp "$TOP/tests/data/keys/demo-log.key" shipped.key
chmod 644 shipped.key
expect_exit 3 "log init refuses a 0644 log key" "$ARM" log init L0 --origin ex.org/l0 --key shipped.key
expect_exit 3 "witness refuses a 0644 cosigner key" "$ARM" witness --key shipped.key --state ws \
	--log ex.org_plain.pub --listen 127.0.0.1:0
[ -e L0 ] && not_ok "log init created L0 with a refused key" || ok "log init wrote nothing"
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	# root reading a key another user owns: that user could swap it
	cp ex.org_plain.key other.key && chown nobody other.key
	expect_exit 3 "a key owned by another user is refused" "$ARM" note sign --key other.key text
	expect_grep "the message names the owner and the fix" "owned by uid [0-9]+, not by the running user.*chown" "$T/err"
fi

# --- encrypted keys ---
expect_ok "keygen --encrypt (passphrase from ARMISTICE_PASSPHRASE)" \
	env ARMISTICE_PASSPHRASE='correct horse battery' "$ARM" keygen ex.org/enc --encrypt
expect_grep "the file names its format" '^armistice/encrypted-key/v1$' ex.org_enc.key
expect_grep "Argon2id parameters are stored" '^opslimit: [0-9]+$' ex.org_enc.key
if grep -q PRIVATE ex.org_enc.key; then not_ok "the encrypted file holds the key in clear"; else ok "no key line in clear"; fi
mode=$(stat -c %a ex.org_enc.key)
[ "$mode" = 600 ] && ok "encrypted key at mode 0600" || not_ok "encrypted key mode $mode"
expect_ok "sign with the passphrase in ARMISTICE_PASSPHRASE" \
	env ARMISTICE_PASSPHRASE='correct horse battery' "$ARM" note sign --key ex.org_enc.key text
cp "$T/out" enc.note
expect_ok "the signature verifies" "$ARM" note verify --key ex.org_enc.pub enc.note
printf 'correct horse battery\n' >pass
expect_ok "sign with --passphrase-fd 3" sh -c "\"$ARM\" --passphrase-fd 3 note sign --key ex.org_enc.key text 3<pass"
cmp -s "$T/out" enc.note && ok "fd: the same signature" || not_ok "fd: another signature"
if command -v script >/dev/null 2>&1; then
	# a terminal: script(1) gives the command a pty and types the passphrase
	# once the prompt is up (typeahead is flushed, as readpassphrase(3) does)
	(sleep 2; printf 'correct horse battery\n') | script -qec "\"$ARM\" note sign --key ex.org_enc.key text >tty.note" /dev/null >tty.out 2>&1
	cmp -s tty.note enc.note && ok "terminal prompt: the same signature" || not_ok "terminal prompt failed: $(cat tty.out)"
	expect_grep "the prompt names the key and the file" 'passphrase for key ex.org/enc \(ex.org_enc.key\)' tty.out
	if grep -q 'correct horse' tty.out; then not_ok "the passphrase was echoed"; else ok "the passphrase is not echoed"; fi
fi
expect_exit 2 "no passphrase source and no terminal: usage error naming the sources" \
	sh -c "\"$ARM\" note sign --key ex.org_enc.key text </dev/null"
expect_grep "the message names --passphrase-fd and ARMISTICE_PASSPHRASE" "passphrase-fd.*ARMISTICE_PASSPHRASE" "$T/err"

expect_exit 1 "a wrong passphrase is refused (exit 1)" \
	env ARMISTICE_PASSPHRASE='wrong horse battery' "$ARM" note sign --key ex.org_enc.key text
n=$(wc -l <"$T/err")
[ "$n" -eq 1 ] && ok "one line of error" || not_ok "$n lines of error"
expect_grep "the line says wrong passphrase" "wrong passphrase or the file was altered" "$T/err"
[ ! -s "$T/out" ] && ok "nothing is signed with a wrong passphrase" || not_ok "signed anyway"

# tampered twins: every field is bound
tamper() { # NAME SED-EXPR
	sed "$2" ex.org_enc.key >"t-$1.key"
	chmod 600 "t-$1.key"
}
box=$(sed -n 's/^secretbox: //p' ex.org_enc.key)
c=$(printf '%s' "$box" | cut -c10)
[ "$c" = A ] && r=B || r=A
tamper box "s|^secretbox: \(.\{9\}\).|secretbox: \1$r|"
expect_exit 1 "a flipped ciphertext byte is refused" \
	env ARMISTICE_PASSPHRASE='correct horse battery' "$ARM" note sign --key t-box.key text
tamper ops 's/^opslimit: .*/opslimit: 3/'
expect_exit 1 "a changed opslimit is refused" \
	env ARMISTICE_PASSPHRASE='correct horse battery' "$ARM" note sign --key t-ops.key text
# the salt's first character, changed to another (the old expression left a
# salt starting "A" and not "AA" unchanged: 1 run in 64 passed nothing)
c=$(sed -n 's/^salt: \(.\).*/\1/p' ex.org_enc.key)
[ "$c" = A ] && r=B || r=A
tamper salt "s/^salt: ./salt: $r/"
cmp -s ex.org_enc.key t-salt.key && not_ok "the salt tamper changed nothing" || ok "the salt is changed"
expect_exit 1 "a changed salt is refused" \
	env ARMISTICE_PASSPHRASE='correct horse battery' "$ARM" note sign --key t-salt.key text
tamper vk "s|^verifier: .*|verifier: $(cat ex.org_plain.pub)|"
expect_exit 1 "a verifier line naming another key is refused" \
	env ARMISTICE_PASSPHRASE='correct horse battery' "$ARM" note sign --key t-vk.key text
expect_grep "the message says the file was altered" "not the one the verifier line names" "$T/err"
tamper nokdf '/^kdf: /d'
expect_exit 3 "a missing line is a format error (exit 3)" \
	env ARMISTICE_PASSPHRASE='correct horse battery' "$ARM" note sign --key t-nokdf.key text
expect_grep "the message names the line" "line 3: want \"kdf: \"" "$T/err"
tamper mem 's/^memlimit: .*/memlimit: 99999999999/'
expect_exit 3 "a memlimit over 1 GiB is refused before any work" \
	env ARMISTICE_PASSPHRASE='correct horse battery' "$ARM" note sign --key t-mem.key text
chmod 644 ex.org_enc.key
expect_exit 3 "an encrypted key readable by others is refused too" \
	env ARMISTICE_PASSPHRASE='correct horse battery' "$ARM" note sign --key ex.org_enc.key text
chmod 600 ex.org_enc.key

# --- armistice key: encrypt, passwd, decrypt in place ---
cp ex.org_plain.key orig.key
expect_exit 3 "key encrypt refuses a passphrase under 8 bytes" \
	env ARMISTICE_PASSPHRASE=short "$ARM" key encrypt ex.org_plain.key
cmp -s ex.org_plain.key orig.key && ok "nothing written" || not_ok "the key changed"
expect_ok "key encrypt" env ARMISTICE_PASSPHRASE='first passphrase' "$ARM" key encrypt ex.org_plain.key
expect_grep "now encrypted" '^armistice/encrypted-key/v1$' ex.org_plain.key
mode=$(stat -c %a ex.org_plain.key)
[ "$mode" = 600 ] && ok "still mode 0600" || not_ok "mode $mode"
expect_ok "the encrypted key signs" env ARMISTICE_PASSPHRASE='first passphrase' "$ARM" note sign --key ex.org_plain.key text
cmp -s "$T/out" plain.note && ok "the same signature as in clear" || not_ok "another signature"
expect_exit 3 "key encrypt refuses an encrypted file" env ARMISTICE_PASSPHRASE='first passphrase' "$ARM" key encrypt ex.org_plain.key
cp ex.org_plain.key before.key
printf 'not the passphrase\nsecond passphrase\n' >pw-bad
expect_exit 1 "key passwd with a wrong current passphrase fails" sh -c "\"$ARM\" --passphrase-fd 3 key passwd ex.org_plain.key 3<pw-bad"
cmp -s ex.org_plain.key before.key && ok "and writes nothing" || not_ok "the file changed"
ls ex.org_plain.key.tmp-* >/dev/null 2>&1 && not_ok "a temporary file was left" || ok "no temporary file left"
printf 'first passphrase\nsecond passphrase\n' >pw
expect_ok "key passwd (current, then new, on descriptor 3)" sh -c "\"$ARM\" --passphrase-fd 3 key passwd ex.org_plain.key 3<pw"
expect_exit 1 "the old passphrase no longer opens it" env ARMISTICE_PASSPHRASE='first passphrase' "$ARM" note sign --key ex.org_plain.key text
expect_ok "the new one does" env ARMISTICE_PASSPHRASE='second passphrase' "$ARM" note sign --key ex.org_plain.key text
expect_ok "key passwd from the environment" env ARMISTICE_PASSPHRASE='second passphrase' \
	ARMISTICE_NEW_PASSPHRASE='third passphrase' "$ARM" key passwd ex.org_plain.key
expect_ok "key show prints the verifier key" env ARMISTICE_PASSPHRASE='third passphrase' "$ARM" key show ex.org_plain.key
cmp -s "$T/out" ex.org_plain.pub && ok "the same verifier key as keygen wrote" || not_ok "show: $(cat "$T/out")"
expect_ok "key decrypt" env ARMISTICE_PASSPHRASE='third passphrase' "$ARM" key decrypt ex.org_plain.key
cmp -s ex.org_plain.key orig.key && ok "decrypt gives back the original file byte for byte" || not_ok "decrypted file differs"

# --- an encrypted log key through log init, append and verify ---
expect_ok "log init with an encrypted key" env ARMISTICE_PASSPHRASE='correct horse battery' \
	"$ARM" log init L --origin ex.org/enc --key ex.org_enc.key
printf 'one entry\n' >e1
expect_ok "log append opens the recorded encrypted key" env ARMISTICE_PASSPHRASE='correct horse battery' \
	"$ARM" log append L e1
expect_ok "the log verifies" "$ARM" log verify L --key ex.org_enc.pub
expect_exit 1 "log append with a wrong passphrase fails" env ARMISTICE_PASSPHRASE='nope nope nope' \
	"$ARM" log append L e1
expect_ok "and the log is unchanged (size 1)" "$ARM" log checkpoint L
expect_grep "size 1" '^1$' "$T/out"
