#!/bin/sh
# t5150: `serve` follows a change of witnesses made by an amendment (issue
# 10). A log whose agreement names witnesses w-south and w-north, quorum
# 2, is served with all three witnesses running (w-nnsc is not named yet,
# so it is ignored at start). An amendment switching to w-north and w-nnsc
# is sequenced: stderr says in one line what changed; the checkpoint that
# holds it and every later one are cosigned by w-north and w-nnsc, not
# w-south, and published; verify accepts the log. Twins: a checkpoint of
# the same size cosigned by the old set (w-south and w-north, both real
# cosignatures) is refused by verify for lack of the quorum in force; a
# second server started with no URL for w-nnsc names it in that line and
# says the quorum cannot be met.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"
cd "$T" || exit 1

# The pilot agreement with two witnesses and quorum 2; the amendment names w-north and w-nnsc.
mkdir -p "$P/zones" new/zones
cp "$TOP/tests/data/agreements/zones/jsa-buffer.geojson" "$P/zones/"
cp "$TOP/tests/data/agreements/zones/jsa-buffer.geojson" new/zones/
awk '/^    - \{id: w-nnsc/ || /^  groups:/ || /^    - \{id: (parties|neutrals|both),/ { next }
	/^  quorum: both/ { print "  quorum: 2"; next } { print }' \
	"$TOP/tests/data/agreements/pilot.yaml" >"$P/agreement.yaml"
nnsc=$(grep '{id: w-nnsc' "$TOP/tests/data/agreements/pilot.yaml")
awk -v n="$nnsc" '/^    - \{id: w-south/ { next } /^  quorum: 2/ { print n } { print }' \
	"$P/agreement.yaml" >new/agreement.yaml
grep -q 'w-nnsc' new/agreement.yaml && ! grep -q 'w-south' new/agreement.yaml &&
	grep -q 'w-south' "$P/agreement.yaml" && ! grep -q 'w-nnsc' "$P/agreement.yaml" &&
	ok "the two agreements name the two witness sets" || not_ok "the agreements were not made"
pilot_entry0
pilot_sign south e01 "kind: claim" "author: south" "seq: 1" \
	"time: 2018-11-30T09:00:00+09:00" "commitment: gp-south" "text: Eleven guard posts withdrawn."

"$ARM" log init log --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1 || not_ok "log init"
pilot_witnesses || exit 1
pilot_serve srv log --batch-ms 5 || exit 1
S=$URL
http 200 "entry 0 gets its receipt" POST "$S/add" "$P/e00.signed"
http 200 "a claim gets its receipt" POST "$S/add" "$P/e01.signed"
expect_grep "at start w-nnsc is not a witness of the agreement" \
	"--witness w-nnsc=.*the agreement names no witness 'w-nnsc': not asked unless an amendment names it" "$T/srv.log"
cosigners() { # FILE: the witness names whose cosignature lines the checkpoint carries
	sed -n 's/^— \(demo-w-[a-z]*\) .*/\1/p' "$1" | sort | tr '\n' ' '
}
http 200 "GET /checkpoint" GET "$S/checkpoint"
[ "$(cosigners "$T/body")" = "demo-w-north demo-w-south " ] &&
	ok "before the amendment: cosigned by w-south and w-north" ||
	not_ok "before the amendment: cosigners '$(cosigners "$T/body")'"

# The amendment, built, signed by each party, combined, submitted.
"$ARM" amend log --zones "$P" --agreement new/agreement.yaml --time 2018-12-01T00:00:00Z \
	>am.entry 2>am.changes || not_ok "amend: $(cat am.changes)"
grep -q 'witness' am.changes && ok "amend says the witnesses change" || not_ok "amend: $(cat am.changes)"
"$ARM" sign --key "$K/demo-south.key" am.entry >am.south || not_ok "south signs"
"$ARM" sign --key "$K/demo-north.key" am.entry >am.north || not_ok "north signs"
expect_ok "the signatures combine" "$ARM" amend log --zones "$P" --agreement new/agreement.yaml \
	--time 2018-12-01T00:00:00Z --combine am.south am.north
cp "$T/out" am.signed
http 200 "the amendment gets its receipt (cosigned by the new set)" POST "$S/add" am.signed
expect_grep "stderr says what changed, in one line" \
	"^armistice serve: the amendment at entry [0-9]+ changes the witnesses from \[w-south, w-north\] quorum 2 of the 2 witnesses to \[w-north, w-nnsc\] quorum 2 of the 2 witnesses; every witness has a --witness URL; the quorum can be met$" \
	"$T/srv.log"
http 200 "GET /checkpoint" GET "$S/checkpoint"
cp "$T/body" after-amend.ckpt
N1=$(sed -n 2p after-amend.ckpt)
am=$(sed -n 's/.*the amendment at entry \([0-9]*\) changes.*/\1/p' "$T/srv.log")
[ -n "$am" ] && [ "$am" -lt "$N1" ] && ok "the checkpoint holds the amendment (entry $am, size $N1)" ||
	not_ok "amendment at '$am', checkpoint size $N1"
[ "$(cosigners after-amend.ckpt)" = "demo-w-nnsc demo-w-north " ] &&
	ok "the checkpoint with the amendment is cosigned by w-north and w-nnsc" ||
	not_ok "after the amendment: cosigners '$(cosigners after-amend.ckpt)'"
AID=$(sha256sum new/agreement.yaml | cut -d' ' -f1) # later entries name the amended agreement
pilot_sign north e02 "kind: claim" "author: north" "seq: 1" \
	"time: 2018-12-02T10:00:00+09:00" "commitment: gp-north" "text: Eleven guard posts withdrawn."
http 200 "a later claim gets its receipt" POST "$S/add" "$P/e02.signed"
http 200 "GET /checkpoint" GET "$S/checkpoint"
cp "$T/body" later.ckpt
N2=$(sed -n 2p later.ckpt)
[ "$N2" -gt "$N1" ] && [ "$(cosigners later.ckpt)" = "demo-w-nnsc demo-w-north " ] &&
	ok "later checkpoints too: size $N2, w-north and w-nnsc" ||
	not_ok "later: size $(sed -n 2p later.ckpt), cosigners '$(cosigners later.ckpt)'"
stop_server srv
expect_ok "verify accepts the log (the quorum in force at size $N2)" \
	"$ARM" verify log --zones "$P" --state "$T/vs1"
expect_grep "... and says which quorum" "witness cosignatures meet the quorum" "$T/out" ||
	cat "$T/err" | head -3

# ---- the twin: the same size cosigned by the old set ----
cp -R log twin
grep -v '^— demo-w-' later.ckpt >twin/checkpoint.log-only
# req FILE OLD: an add-checkpoint body for twin/checkpoint.log-only, proof OLD -> N2
req() {
	printf 'old %s\n' "$2" >"$1"
	[ "$2" -gt 0 ] && "$ARM" log consistency twin "$2" "$N2" >>"$1"
	printf '\n' >>"$1"
	cat twin/checkpoint.log-only >>"$1"
}
cp twin/checkpoint.log-only twin/checkpoint.new
for w in south north; do
	eval "wurl=\$W_$w"
	req "r-$w" 0
	curl -s -o "old-$w" -w '%{http_code}' -X POST --data-binary "@r-$w" "$wurl/add-checkpoint" >/dev/null
	req "r-$w" "$(cat "old-$w")"
	code=$(curl -s -o "sig-$w" -w '%{http_code}' -X POST --data-binary "@r-$w" "$wurl/add-checkpoint")
	[ "$code" = 200 ] && ok "w-$w (old set) cosigns size $N2 when asked directly" ||
		not_ok "w-$w: status $code: $(head -c 200 "sig-$w")"
	cat "sig-$w" >>twin/checkpoint.new
done
mv twin/checkpoint.new twin/checkpoint
[ "$(cosigners twin/checkpoint)" = "demo-w-north demo-w-south " ] &&
	ok "the twin checkpoint carries real cosignatures of w-south and w-north" ||
	not_ok "twin cosigners '$(cosigners twin/checkpoint)'"
expect_exit 1 "verify refuses the size-$N2 checkpoint cosigned by the old set" \
	"$ARM" verify twin --zones "$P" --state "$T/vs2"
expect_grep "... for lack of the quorum in force" "checkpoint size $N2 lacks the witness quorum: 1 of 2 witnesses cosigned \(w-north\)" "$T/err"

# ---- the twin: no URL for the new witness ----
"$ARM" log init log2 --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
stop_server w-nnsc
WARGS="--witness w-south=$W_south --witness w-north=$W_north"
pilot_serve srv2 log2 --batch-ms 5 || exit 1
S2=$URL
# w-south and w-north already cosigned a larger tree of this origin: a new log
# of the same origin is a fork to them, so log2 is only checked for the line.
curl -s -o /dev/null -X POST --data-binary "@$P/e00.signed" "$S2/add" --max-time 20
curl -s -o /dev/null -X POST --data-binary "@$P/e01.signed" "$S2/add" --max-time 20
curl -s -o /dev/null -X POST --data-binary "@am.signed" "$S2/add" --max-time 20
i=0
while ! grep -q 'changes the witnesses' "$T/srv2.log" && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect_grep "without --witness w-nnsc the line names it and says the quorum cannot be met" \
	"changes the witnesses from .* to \[w-north, w-nnsc\] quorum 2 of the 2 witnesses; no --witness URL for w-nnsc; the quorum cannot be met$" \
	"$T/srv2.log"
n=$(grep -c 'changes the witnesses' "$T/srv2.log")
[ "$n" -eq 1 ] && ok "... said once" || not_ok "said $n times"
stop_server srv2
