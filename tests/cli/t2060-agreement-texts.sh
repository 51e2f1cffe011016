#!/bin/sh
# t2060: names and texts in several languages (docs/agreement.md "Texts in
# several languages"): an agreement whose title, actor, phase, kind, zone
# names and commitment texts are maps of language tags inits, and its
# state carries them beside the default-language strings; the plain pilot
# keeps its bytes and its state has no language maps (the twin); every
# broken map is refused at its line and column, naming the rule, with
# nothing written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engine-lib.sh"

need_cmd jq
mkdir -p "$T/ag"
cp -r "$AG/zones" "$T/ag/"
# Line numbers below are those of pilot.yaml after these edits.
sed -e 's/^title: .*/title: {en: Guard-post pilot withdrawal (demo), ko: "감시초소 시범 철수 (시연)"}/' \
	-e 's/    name: Southern party (demo key)/    name: {en: Southern party (demo key), ko: 남측 (시연용 키)}/' \
	-e 's/{id: p1, name: Confidence building}/{id: p1, name: {ko: 신뢰 구축, en: Confidence building}}/' \
	-e 's/{id: gunfire, name: Gunfire across the line,/{id: gunfire, name: {en: Gunfire across the line, ko: 군사분계선 너머 총격},/' \
	-e 's/name: Joint Security Area buffer,/name: {en: Joint Security Area buffer, ko: 판문점 공동경비구역 완충지대},/' \
	-e 's/^    text: Cease all hostile acts in and around the Joint Security Area\./    text:\n      en: Cease all hostile acts in and around the Joint Security Area.\n      ko: 판문점 공동경비구역 일대에서 모든 적대 행위를 중지한다./' \
	"$AG/pilot.yaml" >"$T/ag/texts.yaml"

new_log "$T/log" "$T/ag/texts.yaml"
ok "an agreement with texts in English and Korean signs and inits"
expect_ok "status --json" "$ARM" status "$T/log" --json --now 2018-12-01T00:00:00Z
cp "$T/out" "$T/state.json"
[ "$(jq -r '.agreement.title' "$T/state.json")" = "Guard-post pilot withdrawal (demo)" ] &&
	[ "$(jq -r '.agreement.titles.ko' "$T/state.json")" = "감시초소 시범 철수 (시연)" ] &&
	[ "$(jq -r '.agreement.language' "$T/state.json")" = en ] &&
	ok "... the title is the English string, titles has the Korean, language en" ||
	not_ok "agreement: $(jq -c '.agreement | {title, titles, language}' "$T/state.json")"
[ "$(jq -r '.actors[] | select(.id=="south") | "\(.name)|\(.names.ko)"' "$T/state.json")" = "Southern party (demo key)|남측 (시연용 키)" ] &&
	ok "... an actor's name and names" || not_ok "actor: $(jq -c '.actors[0]' "$T/state.json")"
[ "$(jq -r '.progress.phases[] | select(.id=="p1") | .names | keys_unsorted | join(",")' "$T/state.json")" = "ko,en" ] &&
	ok "... a phase's languages in the agreement's order" || not_ok "phase: $(jq -c '.progress.phases[0]' "$T/state.json")"
[ "$(jq -r '.incident_kinds[] | select(.id=="gunfire") | .names.ko' "$T/state.json")" = "군사분계선 너머 총격" ] &&
	[ "$(jq -r '.incident_kinds[] | select(.id=="mine-accident") | has("names")' "$T/state.json")" = false ] &&
	ok "... incident kinds: names where given, none where the name is a string" ||
	not_ok "kinds: $(jq -c '.incident_kinds' "$T/state.json")"
[ "$(jq -r '.zones[] | select(.id=="jsa") | .names.ko' "$T/state.json")" = "판문점 공동경비구역 완충지대" ] &&
	ok "... a zone's Korean name" || not_ok "zones: $(jq -c '.zones' "$T/state.json")"
[ "$(jq -r '.commitments[] | select(.id=="no-fire") | "\(.text)|\(.texts.ko)"' "$T/state.json")" = "Cease all hostile acts in and around the Joint Security Area.|판문점 공동경비구역 일대에서 모든 적대 행위를 중지한다." ] &&
	ok "... a commitment's text and texts" || not_ok "commitment: $(jq -c '.commitments[2]' "$T/state.json")"
expect_ok "status (text) prints the default language" "$ARM" status "$T/log" --now 2018-12-01T00:00:00Z
grep -q '감시초소\|남측' "$T/out" && not_ok "status printed Korean text" || ok "... and no Korean"
expect_ok "status --lang ko" "$ARM" status "$T/log" --lang ko --now 2018-12-01T00:00:00Z
expect_grep "... prints the Korean title" '^감시초소 시범 철수 \(시연\)$' "$T/out"
expect_grep "... and the Korean phase name" '^  신뢰 구축 +[0-9]+ of [0-9]+$' "$T/out"
expect_grep "... and the English name of a phase that has no Korean one" '^  Demilitarization +[0-9]+ of [0-9]+$' "$T/out"
expect_ok "show no-fire --lang ko" "$ARM" show "$T/log" no-fire --lang ko --now 2018-12-01T00:00:00Z
expect_grep "... prints the commitment's Korean text" '^no-fire: 판문점 공동경비구역 일대에서 모든 적대 행위를 중지한다\.$' "$T/out"
expect_exit 2 "status --lang KO (not a tag) is a usage error" "$ARM" status "$T/log" --lang KO

# An amendment that changes only a Korean text is a change of the signed
# text, and the semantic diff says so.
sed 's/ko: 판문점 공동경비구역 일대에서 모든 적대 행위를 중지한다\./ko: 공동경비구역 일대의 모든 적대 행위를 중지한다./' \
	"$T/ag/texts.yaml" >"$T/ag/texts-2.yaml"
expect_ok "amend --dry-run with only a Korean text changed" "$ARM" amend "$T/log" \
	--agreement "$T/ag/texts-2.yaml" --time 2019-01-01T00:00:00Z --dry-run
expect_grep "... says the commitment's text changed" '^commitment no-fire: text changed$' "$T/out"
expect_grep "... and nothing else" '^amendment of gp-pilot, dated 2019-01-01T00:00:00Z: 1 change$' "$T/out"

# The twin: the plain pilot keeps its id, and its state has no language maps.
new_log "$T/plain"
"$ARM" status "$T/plain" --json --now 2018-12-01T00:00:00Z >"$T/plain.json"
[ "$(jq -r '.agreement.id' "$T/plain.json")" = "$(sha256sum "$AG/pilot.yaml" | cut -c1-64)" ] &&
	ok "the plain pilot's agreement id is still the SHA-256 of its bytes" ||
	not_ok "the plain pilot's id is $(jq -r '.agreement.id' "$T/plain.json")"
[ "$(jq '[.. | objects | select(has("names") or has("titles") or has("texts"))] | length' "$T/plain.json")" = 0 ] &&
	ok "... and its state has no names, titles or texts" || not_ok "plain state has language maps"

# A Korean-first agreement: language: ko, no English at all.
sed -e 's/^timezone:/language: ko\ntimezone:/' \
	-e 's/    name: Southern party (demo key)/    name: {ko: 남측}/' \
	-e 's/^title: .*/title: {ko: 감시초소 시범 철수}/' \
	-e 's/{id: p1, name: Confidence building}/{id: p1, name: {ko: 신뢰 구축}}/' \
	"$AG/pilot.yaml" >"$T/ag/ko.yaml"
expect_ok "language: ko with Korean-only texts signs" "$ARM" sign --key "$K/demo-south.key" --agreement "$T/ag/ko.yaml"

# bad NAME LINE:COL RULE SED: the edited pilot is refused at LINE:COL with RULE, nothing signed.
bad() {
	b_name=$1 b_at=$2 b_rule=$3
	shift 3
	sed "$@" "$T/ag/texts.yaml" >"$T/ag/$b_name.yaml"
	"$ARM" sign --key "$K/demo-south.key" --agreement "$T/ag/$b_name.yaml" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 3 ] && [ ! -s "$T/out" ] && grep -q "^$T/ag/$b_name.yaml:$b_at: $b_rule: " "$T/err"; then
		ok "$b_name: refused at $b_at ($b_rule), nothing signed"
	else
		not_ok "$b_name: exit $rc, wanted 3 with $b_name.yaml:$b_at: $b_rule: $(head -c 300 "$T/err")"
	fi
}
bad upper-tag 22:43 text-lang -e 's/ko: 남측 (시연용 키)}/KO: 남측}/'
bad bad-subtag 22:43 text-lang -e 's/ko: 남측 (시연용 키)}/ko-toolongsubtag: 남측}/'
bad duplicate 22:54 text-duplicate-lang -e 's/ko: 남측 (시연용 키)}/ko-kr: 남측, ko-KR: 남측}/'
bad no-default 22:12 text-default-missing -e 's/{en: Southern party (demo key), ko: 남측 (시연용 키)}/{ko: 남측}/'
bad not-string 22:48 wrong-type -e 's/ko: 남측 (시연용 키)}/ko: [남측]}/'
bad empty-map 22:5 bad-value -e 's/name: {en: Southern party (demo key), ko: 남측 (시연용 키)}/name: {}/'
bad control 22:48 text-control -e 's/ko: 남측 (시연용 키)}/ko: "남\\u0007측"}/'
bad bad-language 6:11 text-lang -e 's/^timezone:/language: EN\ntimezone:/'
long=$(head -c 8193 /dev/zero | tr '\0' x)
bad too-long 22:47 limit -e "s/ko: 남측 (시연용 키)}/ko: $long}/"
# Invalid UTF-8 (a lone continuation byte) in a map: the agreement's bytes
# must be signed-note text, so it is refused before any text map is read.
printf 's/ko: 남측 (시연용 키)}/ko: "a\200b"}/\n' >"$T/utf8.sed"
bad bad-utf8 1:1 agreement-bytes -f "$T/utf8.sed"
