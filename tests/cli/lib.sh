# tests/cli/lib.sh - sourced by every tNNNN-*.sh script.
#
#   expect_ok DESC CMD...          CMD must exit 0
#   expect_exit CODE DESC CMD...   CMD must exit with CODE
#   expect_grep DESC PATTERN FILE  FILE must match PATTERN (grep -E)
#   ok DESC / not_ok DESC          report one result directly
# Each script gets its own scratch directory $T, removed at exit, and the
# binary under test as $ARM. Output of the last command is in $T/out, $T/err.
set -u
ARM=${ARMISTICE_BIN:-$(pwd)/build/armistice}
TOP=${ARMISTICE_TOP:-$(pwd)}
SHARED=${ARMISTICE_SHARED:-$TOP/../shared}
# Outside this workplace there is no ../shared: the worked example keeps
# byte-exact copies of the data files the tests read (its data/README.md).
[ -d "$SHARED/data" ] || SHARED=$TOP/examples/korea-2018
T=$(mktemp -d "${TMPDIR:-/tmp}/armistice-test.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
script=$(basename "$0" .sh)

# A secret key must be private to its owner or every command refuses it
# (docs/keys.md), and a git checkout leaves the shipped demo keys at 0644:
# each script works on private copies (mode 0600, owned by the tester).
DEMO_KEYS=$T/demo-keys
EX_KEYS=$T/example-keys
mkdir -p "$DEMO_KEYS" "$EX_KEYS"
cp "$TOP"/tests/data/keys/* "$DEMO_KEYS"/
cp "$TOP"/examples/korea-2018/keys/*.key "$TOP"/examples/korea-2018/keys/*.pub "$EX_KEYS"/
chmod 600 "$DEMO_KEYS"/*.key "$EX_KEYS"/*.key

ok() { echo "ok - $script: $*"; }
not_ok() { echo "not ok - $script: $*"; }

# need_cmd CMD: a test that reads JSON or drives a tool stops, not ok, without it.
need_cmd() {
	command -v "$1" >/dev/null && return 0
	not_ok "$1 is needed (scripts/setup.sh installs it)"
	exit 1
}

expect_ok() {
	desc=$1
	shift
	if "$@" >"$T/out" 2>"$T/err"; then
		ok "$desc"
	else
		not_ok "$desc (exit $?): $(head -c 300 "$T/err")"
	fi
}

expect_exit() {
	code=$1
	desc=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq "$code" ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $rc, wanted $code): $(head -c 300 "$T/err")"
	fi
}

expect_grep() {
	desc=$1
	pat=$2
	file=$3
	if grep -Eq -- "$pat" "$file"; then
		ok "$desc"
	else
		not_ok "$desc: /$pat/ not in $file: $(head -c 300 "$file")"
	fi
}
