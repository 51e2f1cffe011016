# tests/cli/engine-lib.sh - sourced by the t30xx engine tests after lib.sh:
# a log of the pilot agreement (tests/data/agreements/pilot.yaml, demo
# keys) and helpers to write, sign and append entries.
#
#   new_log DIR [YAML]          init DIR with the agreement signed by both parties
#   entry NAME AUTHOR SEQ TIME KIND [LINE...]
#                               writes $T/NAME.signed: the entry with the given
#                               header lines after `time:`, signed by AUTHOR
K=$DEMO_KEYS
AG=$TOP/tests/data/agreements

new_log() {
	nl_dir=$1
	nl_yaml=${2:-$AG/pilot.yaml}
	"$ARM" sign --key "$K/demo-south.key" --agreement "$nl_yaml" >"$T/nl-s.signed" &&
		"$ARM" sign --key "$K/demo-north.key" --agreement "$nl_yaml" >"$T/nl-n.signed" &&
		"$ARM" init "$nl_dir" --agreement "$nl_yaml" --log-key "$K/demo-log.key" \
			"$T/nl-s.signed" "$T/nl-n.signed" >/dev/null 2>"$T/nl-err" ||
		{ not_ok "new_log $nl_dir: $(cat "$T/nl-err")"; exit 1; }
	AGID=$(sha256sum "$nl_yaml" | cut -c1-64)
}

entry() {
	en_name=$1 en_author=$2 en_seq=$3 en_time=$4 en_kind=$5
	shift 5
	{
		printf 'armistice/entry/v1\nkind: %s\nagreement: %s\nauthor: %s\nseq: %s\ntime: %s\n' \
			"$en_kind" "$AGID" "$en_author" "$en_seq" "$en_time"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$T/$en_name.entry"
	"$ARM" sign --key "$K/demo-$en_author.key" "$T/$en_name.entry" >"$T/$en_name.signed" 2>"$T/sign-err" ||
		{ not_ok "signing $en_name: $(cat "$T/sign-err")"; exit 1; }
}

# log_size DIR: the number of entries
log_size() {
	sed -n 2p "$1/checkpoint"
}

# refused DESC RULE DIR SIGNED...: append exits 3 naming RULE, log unchanged
refused() {
	rf_desc=$1 rf_rule=$2 rf_dir=$3
	shift 3
	rf_before=$(log_size "$rf_dir")
	expect_exit 3 "$rf_desc: refused" "$ARM" append "$rf_dir" "$@"
	expect_grep "$rf_desc: names rule $rf_rule and the entry" "rule $rf_rule: entry [0-9]+ \(" "$T/err"
	[ "$(log_size "$rf_dir")" = "$rf_before" ] && ok "$rf_desc: nothing written" ||
		not_ok "$rf_desc: the log grew"
}

# accepted DESC DIR SIGNED...: append exits 0
accepted() {
	ac_desc=$1
	shift
	expect_ok "$ac_desc: accepted" "$ARM" append "$@"
}
