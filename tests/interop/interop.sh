# tests/interop/interop.sh - sourced by tests/cli/t09xx-interop-*.sh after
# tests/cli/lib.sh: builds the Go third-party checker and gives the tests
# byte-level tampering helpers that need only POSIX sh, od and dd.
#
#   interop_build        builds $IOP (build/interop/armistice_interop) with
#                        Debian's golang-go and golang-golang-x-mod-dev in
#                        GOPATH mode, no network; reports ok / not_ok
#   flip FILE OFFSET     flips the lowest bit of the byte at OFFSET
#   put_hex FILE OFFSET HEX   overwrites bytes at OFFSET with HEX
GO_X_MOD=/usr/share/gocode/src/golang.org/x/mod
IOP="$TOP/${BUILD:-build}/interop/armistice_interop"

interop_build() {
	if ! command -v go >/dev/null 2>&1 || [ ! -d "$GO_X_MOD/sumdb/note" ]; then
		not_ok "go and golang.org/x/mod are missing: scripts/setup.sh installs golang-go and golang-golang-x-mod-dev"
		return 1
	fi
	mkdir -p "$(dirname "$IOP")" "$T/gocache" "$T/gotmp"
	# GOPATH mode: x/mod comes from /usr/share/gocode, nothing from the
	# network (GOPROXY=off), and no go.mod is consulted.
	if env GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= \
		GOCACHE="$T/gocache" GOTMPDIR="$T/gotmp" \
		go build -o "$IOP" "$TOP/tests/interop/armistice_interop.go" >"$T/gobuild" 2>&1; then
		ok "go build of tests/interop/armistice_interop.go against $(dpkg-query -W -f='golang-golang-x-mod-dev ${Version}' golang-golang-x-mod-dev 2>/dev/null || echo x/mod)"
	else
		not_ok "go build failed: $(head -c 400 "$T/gobuild")"
		return 1
	fi
}

flip() {
	_b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059
	printf "$(printf '\\%03o' $((_b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

put_hex() {
	_o=$(echo "$3" | sed 's/../& /g' | awk '{for (i = 1; i <= NF; i++) {
		v = 0; for (j = 1; j <= 2; j++) v = v * 16 + index("0123456789abcdef", substr($i, j, 1)) - 1
		printf "\\%03o", v }}')
	# shellcheck disable=SC2059
	printf "$_o" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# alter_line FILE N: prints FILE with the first character of line N
# changed ('A', or 'B' if it was 'A'), e.g. to alter one base64 hash.
alter_line() {
	awk -v n="$2" 'NR == n { c = substr($0, 1, 1) == "A" ? "B" : "A"; $0 = c substr($0, 2) } { print }' "$1"
}

# alter_char FILE N COL: prints FILE with byte COL (1-based) of line N
# changed ('A', or 'B' if it was 'A'). Byte-wise, so LC_ALL=C.
alter_char() {
	LC_ALL=C awk -v n="$2" -v col="$3" 'NR == n { c = substr($0, col, 1) == "A" ? "B" : "A"
		$0 = substr($0, 1, col - 1) c substr($0, col + 1) } { print }' "$1"
}
