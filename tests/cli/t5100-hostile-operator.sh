#!/bin/sh
# The hostile operator (docs/audit.md): a real server and three real
# witnesses on loopback, and an nginx that serves whatever copy of a log
# directory the operator chooses at one fixed URL. Each attack must fail
# with a message that names it, and each has a sound twin that passes:
#   - a substituted log (another agreement, other keys, no witnesses), on
#     a first visit pinned by --trust/--agreement and after a first visit
#   - a changed witness key: in the agreement, and as a cosignature
#   - a rollback to an older cosigned checkpoint
#   - a fork shown to one auditor only
#   - a checkpoint whose size was edited
#   - a zone file served with another digest
# plus the audit from an empty directory with nothing local.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-http.sh"

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
cd "$T" || exit 1
chmod a+rx "$T"
pilot_entries
"$ARM" log init log --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
pilot_witnesses || exit 1
pilot_serve honest log || exit 1
S=$URL
expect_ok "the honest log takes entries 0 to 2" \
	"$ARM" submit "$S" "$P/e00.signed" "$P/e01.signed" "$P/e02.signed"
snap() { # snap NAME: a static copy of the published log as it stands
	rm -rf "$1"
	mkdir -p "$1/zone"
	cp -r log/tile "$1/"
	curl -sf -o "$1/checkpoint" "$S/checkpoint"
	cp "$P/zones/jsa-buffer.geojson" "$1/zone/jsa"
}
snap snap3
expect_ok "and entries 3 to 6" "$ARM" submit "$S" "$P/e03.signed" "$P/e04.signed" \
	"$P/e05.signed" "$P/e06.signed"
snap snap7

# ---- nginx: the operator's static server, one URL, any directory ----
serve_static() { # serve_static DIR: what the URL $NG shows from now on
	rm -rf www
	cp -r "$1" www
	chmod -R a+rX www
}
NG=""
if [ -x "$NGINX" ]; then
	mkdir -p ngx/logs
	serve_static snap7
	for try in 1 2 3 4 5; do
		port=$((20000 + ($$ * 7 + try * 131) % 30000))
		cat >ngx/nginx.conf <<NGX
worker_processes 1;
daemon on;
pid $T/ngx/nginx.pid;
error_log $T/ngx/logs/error.log;
events { worker_connections 64; }
http {
	access_log off;
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$port;
		root $T/www;
		location ~ /\. { deny all; }
	}
}
NGX
		if "$NGINX" -p "$T/ngx" -c "$T/ngx/nginx.conf" 2>ngx/start.err; then
			NG=http://127.0.0.1:$port
			break
		fi
	done
fi
ngx_stop() { [ -f "$T/ngx/nginx.pid" ] && kill "$(cat "$T/ngx/nginx.pid")" 2>/dev/null; }
trap 'ngx_stop; http_cleanup' EXIT
if [ -z "$NG" ]; then
	not_ok "nginx did not start: $(cat ngx/start.err 2>/dev/null)"
	exit 1
fi
curl -sf -o /dev/null "$NG/checkpoint" && ok "nginx serves the copy" || not_ok "nginx serves nothing"

# ---- a sound log passes, from an empty directory, nothing local ----
mkdir empty
(cd empty && "$ARM" verify "$S" --state "$T/st-a") >out 2>err
[ $? -eq 0 ] && ok "an audit from an empty directory passes (zones from /zone/<id>)" ||
	not_ok "audit from an empty directory: $(head -c 300 err)"
expect_grep "it says loudly what it pinned" 'FIRST VISIT to http://.*pinned \(trust on first use' err
expect_grep "the pinned log key is shown" '^  log key    demo-log\+' err
expect_grep "and each witness" '^  witness    w-nnsc ' err
expect_grep "and the quorum" '^  quorum     group both' err
expect_grep "and how to check it out of band" 'out of band' err
expect_ok "a second audit passes, quietly" "$ARM" verify "$S" --state st-a --json
grep -q 'FIRST VISIT' "$T/err" && not_ok "the second audit still says first visit" ||
	ok "the second audit is not a first visit"
expect_grep "and says so in JSON" '"first_visit":false' "$T/out"
expect_ok "a static copy of the log passes too" "$ARM" verify "$NG" --state st-n
expect_ok "and again" "$ARM" verify "$NG" --state st-n
expect_ok "a directory audit finds DIR/zones by itself" "$ARM" verify snap7 --state st-d

# ---- the zone file served with another digest ----
serve_static snap7
printf '{"type":"Point","coordinates":[126.6,37.9]}\n' >www/zone/jsa
expect_exit 1 "a zone file served with another digest is refused" "$ARM" verify "$NG" --state st-z
expect_grep "naming the zone" 'zone (file )?"[^"]*jsa[^"]*"[: ].*not the digest the parties signed' "$T/err"
rm -f www/zone/jsa
expect_exit 1 "a zone file not served at all is named" "$ARM" verify "$NG" --state st-z2
expect_grep "by its id" "zone 'jsa'" "$T/err"
serve_static snap7
expect_ok "the twin: the right zone file passes" "$ARM" verify "$NG" --state st-z

# ---- the substituted log: another agreement, other keys, no witnesses ----
mkdir -p fake
for k in log south north; do
	"$ARM" keygen "fake-$k" --dir fake >/dev/null 2>&1
done
mkdir -p fk/zones
cp "$P/zones/jsa-buffer.geojson" fk/zones/
sed -e "s|^  key: .*|  key: $ORIGIN+$(cut -d+ -f2- fake/fake-log.pub)|" \
	-e '/^  witnesses:/,/^  quorum:/d' "$P/agreement.yaml" |
	awk -v s="$(cat fake/fake-south.pub)" -v n="$(cat fake/fake-north.pub)" '
		/^  - id: south/ {who="s"} /^  - id: north/ {who="n"} /^  - id: nnsc/ {who=""}
		/^    keys:/ && who=="s" {print "    keys: [" s "]"; next}
		/^    keys:/ && who=="n" {print "    keys: [" n "]"; next}
		/^  origin:/ {print; next}
		{print}' >fk/agreement.yaml
sed -i "s|^  origin: .*|&\n  quorum: none|" fk/agreement.yaml
# The log key's name must be the origin: make the fake key under that name.
"$ARM" keygen "$ORIGIN" --dir fake --out fake-log2 >/dev/null 2>&1
sed -i "s|^  key: .*|  key: $(cat fake/fake-log2.pub)|" fk/agreement.yaml
"$ARM" sign --agreement fk/agreement.yaml --key fake/fake-south.key >fk/s1 2>fk/sign.err
"$ARM" sign --agreement fk/agreement.yaml --key fake/fake-north.key >fk/s2 2>>fk/sign.err
"$ARM" init fake-log --agreement fk/agreement.yaml --log-key fake/fake-log2.key fk/s1 fk/s2 \
	>/dev/null 2>fk/init.err
[ -f fake-log/checkpoint ] && ok "the operator made up a log" ||
	not_ok "no made-up log: $(head -c 300 fk/sign.err fk/init.err)"
"$ARM" verify fake-log --state st-fake >/dev/null 2>&1 &&
	ok "the made-up log is sound on its own (a first visit would pin it)" ||
	not_ok "the made-up log does not verify on its own"
rm -rf fsnap && mkdir -p fsnap/zone && cp -r fake-log/tile fake-log/checkpoint fsnap/ &&
	cp fk/zones/jsa-buffer.geojson fsnap/zone/jsa

# After a first visit: st-n pinned the real log at this URL.
serve_static fsnap
expect_exit 1 "after a first visit, the substituted log is refused" "$ARM" verify "$NG" --state st-n
expect_grep "naming what changed: the agreement" 'not the log pinned on .*agreement \(entry 0\) is' "$T/err"
expect_grep "the log key" 'log key is demo.armistice.example/gp-pilot\+[0-9a-f]*, pinned' "$T/err"
expect_grep "and the witnesses" "witness 'w-south' is gone" "$T/err"
expect_grep "and the quorum" "witness quorum is 'none', pinned 'group both'" "$T/err"
# Without a first visit: pinned by what the parties exchanged.
AID=$(sha256sum "$P/agreement.yaml" | cut -d' ' -f1)
expect_exit 1 "--trust agreement.yaml refuses the substituted log on the first visit" \
	"$ARM" verify "$NG" --state st-t1 --trust "$P/agreement.yaml"
expect_grep "and names it" 'not the log pinned by --trust' "$T/err"
expect_exit 1 "--agreement ID refuses it too" "$ARM" verify "$NG" --state st-t2 --agreement "$AID"
expect_grep "and names the agreement" "trust: entry 0 is agreement [0-9a-f]{64}, not the pinned $AID" "$T/err"
cp st-n/logs/*/trust trust-record
expect_exit 1 "a trust record handed over refuses it too" \
	"$ARM" verify "$NG" --state st-t3 --trust trust-record
expect_exit 1 "and a pinned state with another --agreement is refused" \
	"$ARM" verify "$NG" --state st-n --agreement "$(sha256sum fk/agreement.yaml | cut -d' ' -f1)"
serve_static snap7
expect_ok "the twin: the real log passes with --trust agreement.yaml" \
	"$ARM" verify "$NG" --state st-t1 --trust "$P/agreement.yaml"
expect_ok "with --agreement" "$ARM" verify "$NG" --state st-t2 --agreement "$AID"
expect_ok "with the trust record" "$ARM" verify "$NG" --state st-t3 --trust trust-record
expect_ok "and after the first visit" "$ARM" verify "$NG" --state st-n

# ---- a changed witness key ----
# (a) in a cosignature: the operator drops w-north's cosignature and adds
# one by a witness it runs under the same name, with another key.
"$ARM" keygen demo-w-north --type cosigner --dir fake --out evil-w >/dev/null 2>&1
start_server w-evil "$ARM" witness --key fake/evil-w.key --state "$T/w-evil" \
	--log "$ORIGIN=$K/demo-log.vkey" --listen 127.0.0.1:0 || exit 1
{ printf 'old 0\n\n'; grep -v '^— demo-w-' snap7/checkpoint; } >evil.req
curl -s -o evil.sig -X POST --data-binary @evil.req "$URL/add-checkpoint"
rm -rf esnap && cp -r snap7 esnap
{ grep -v '^— demo-w-north ' snap7/checkpoint; cat evil.sig; } >esnap/checkpoint
grep -q '^— demo-w-north ' evil.sig && ok "the operator's witness cosigned as demo-w-north" ||
	not_ok "no cosignature from the operator's witness"
serve_static esnap
expect_exit 1 "a cosignature by another key under a witness's name is refused" \
	"$ARM" verify "$NG" --state st-n
expect_grep "naming the quorum and the unknown key" \
	'lacks the witness quorum: 2 of 3 witnesses cosigned \(w-south, w-nnsc\); signatures by keys the agreement does not name: demo-w-north\+' \
	"$T/err"
expect_exit 1 "on a first visit too" "$ARM" verify "$NG" --state st-e1
# (b) in the agreement: the same parties sign an agreement whose w-north is
# the operator's key; the log key stays the same.
mkdir -p wk/zones
cp "$P/zones/jsa-buffer.geojson" wk/zones/
sed "s|key: demo-w-north+[^}]*|key: $(cat fake/evil-w.pub)|" "$P/agreement.yaml" >wk/agreement.yaml
"$ARM" sign --agreement wk/agreement.yaml --key "$K/demo-south.key" >wk/p1 2>/dev/null
"$ARM" sign --agreement wk/agreement.yaml --key "$K/demo-north.key" >wk/p2 2>/dev/null
"$ARM" init wk-log --agreement wk/agreement.yaml --log-key "$K/demo-log.key" wk/p1 wk/p2 \
	>/dev/null 2>&1
rm -rf wsnap && mkdir -p wsnap/zone && cp -r wk-log/tile wk-log/checkpoint wsnap/ &&
	cp "$P/zones/jsa-buffer.geojson" wsnap/zone/jsa
serve_static wsnap
expect_exit 1 "an agreement with another witness key is refused after a first visit" \
	"$ARM" verify "$NG" --state st-n
expect_grep "naming the witness and both keys" \
	"witness 'w-north' key is demo-w-north\+[0-9a-f]{8}, pinned demo-w-north\+36bdbc5e" "$T/err"
serve_static snap7
expect_ok "the twin: the real checkpoint passes" "$ARM" verify "$NG" --state st-n

# ---- rollback: an older checkpoint, properly cosigned ----
serve_static snap3
expect_ok "a fresh auditor accepts the old checkpoint (nothing to compare with)" \
	"$ARM" verify "$NG" --state st-r0
s3=$(sed -n 2p snap3/checkpoint)
s7=$(sed -n 2p snap7/checkpoint)
expect_exit 3 "an auditor that saw size $s7 refuses the rollback to $s3" "$ARM" verify "$NG" --state st-n
expect_grep "naming it" "rollback: the log shows size $s3, smaller than the $s7 verified before" "$T/err"
serve_static snap7
expect_ok "the twin: the current checkpoint passes" "$ARM" verify "$NG" --state st-n

# ---- a fork shown to one auditor only ----
# The operator keeps showing the honest log at $S (auditor A) and shows
# auditor B, who audited it before at $NG, another history with its key.
"$ARM" init fork --agreement "$P/agreement.yaml" --log-key "$K/demo-log.key" \
	"$P/e00.signed" >/dev/null 2>&1
"$ARM" log append fork "$P/e01.signed" "$P/e02.signed" "$P/e03.signed" "$P/e05.signed" \
	"$P/e04.signed" "$P/e06.signed" >/dev/null 2>&1
pilot_sign north e07 "kind: statement" "author: north" "seq: 3" \
	"time: 2018-12-20T09:00:00+09:00" "text: Only the fork carries this."
"$ARM" log append fork "$P/e07.signed" >/dev/null 2>&1
# Longer than the honest tree (each append adds its own clock leaf), so
# that the fork is not taken for a rollback.
for k in 4 5; do
	pilot_sign north "f0$k" "kind: statement" "author: north" "seq: $k" \
		"time: 2018-12-2${k}T09:00:00+09:00" "text: The fork goes on ($k)."
	"$ARM" log append fork "$P/f0$k.signed" >/dev/null 2>&1
done
[ "$(sed -n 2p fork/checkpoint)" -gt "$s7" ] && ok "the fork is longer than the honest tree" ||
	not_ok "fork size $(sed -n 2p fork/checkpoint), honest $s7"
rm -rf fsn && mkdir -p fsn/zone && cp -r fork/tile fork/checkpoint fsn/ &&
	cp "$P/zones/jsa-buffer.geojson" fsn/zone/jsa
serve_static fsn
expect_exit 3 "auditor B, who saw the honest log, sees the split view" "$ARM" verify "$NG" --state st-n
expect_grep "and names it" "split view: the log.s first $s7 entries have root" "$T/err"
expect_exit 1 "a fresh auditor refuses the fork: no witness cosigned it" \
	"$ARM" verify "$NG" --state st-f0
expect_grep "naming the quorum" 'lacks the witness quorum: 0 of 3' "$T/err"
expect_ok "auditor A, shown the honest log, passes" "$ARM" verify "$S" --state st-a
serve_static snap7
expect_ok "the twin: B passes once shown the honest log again" "$ARM" verify "$NG" --state st-n

# ---- an edited checkpoint size ----
rm -rf zsnap && cp -r snap7 zsnap
sed -i "2s/^$s7\$/$((s7 + 1))/" zsnap/checkpoint
serve_static zsnap
expect_exit 1 "an edited size is refused after a first visit" "$ARM" verify "$NG" --state st-n
expect_grep "as an invalid signature" '^armistice: checkpoint: signature invalid' "$T/err"
expect_exit 1 "on a first visit pinned by --trust agreement.yaml" \
	"$ARM" verify "$NG" --state st-s1 --trust "$P/agreement.yaml"
expect_grep "as an invalid signature" '^armistice: checkpoint: signature invalid' "$T/err"
expect_exit 1 "on a first visit with nothing pinned" "$ARM" verify "$NG" --state st-s2
expect_grep "naming the signature" 'checkpoint: signature cannot be checked' "$T/err"
for n in 0 6 70000 18446744073709551615; do
	sed -i "2s/^.*$/$n/" zsnap/checkpoint
	serve_static zsnap
	expect_exit 1 "size $n: signature invalid, not a fetch error" "$ARM" verify "$NG" --state st-n
	expect_grep "size $n reads as the signature" 'checkpoint: (signature invalid|[^ ]* *checkpoint)' \
		"$T/err"
done
serve_static snap7
expect_ok "the twin: the unedited checkpoint passes" "$ARM" verify "$NG" --state st-n
# Every other reader of checkpoints checks the signature before the size.
sed -i '2s/^.*$/8/' zsnap/checkpoint
{ printf 'old 0\n\n'; cat zsnap/checkpoint; } >edited.req
http 403 "a witness answers an edited size with 403 (signature), not 400 or 409" \
	POST "$W_nnsc/add-checkpoint" edited.req
expect_grep "and names the log signature" 'log signature' "$T/body"
R=$(ls "$P"/e03*.tlog-proof 2>/dev/null | head -n 1)
if [ -n "$R" ]; then
	expect_ok "the twin: a receipt checks out" "$ARM" proof verify --key "$K/demo-log.vkey" \
		"$P/e03.signed" "$R"
	awk 'p == 1 { n++; if (n == 2) { print "9"; next } } /^$/ { p = 1 } { print }' "$R" >edited.proof
	expect_exit 1 "a receipt whose checkpoint size was edited is refused" \
		"$ARM" proof verify --key "$K/demo-log.vkey" "$P/e03.signed" edited.proof
	expect_grep "as a signature that does not verify" 'does not verify' "$T/err"
else
	not_ok "submit kept no receipt for e03"
fi

# ---- the log clock (far-future and backdated entries) ----
# The log records when it sequenced each batch (a clock leaf signed by
# the log key, docs/formats.md "The log clock"). A party that dates its
# report at the end of time is refused; one that dates it back is accepted
# and flagged; the receipt shows when the log really sequenced it.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
before=$(curl -s "$S/checkpoint" | sed -n 2p)
pilot_sign press c1 "kind: incident" "author: press" "seq: 1" "time: 9999-12-31T00:00:00Z" \
	"type: gunfire" "occurred: 9999-12-30T00:00:00Z" "lat: 37.956" "lon: 126.677" \
	"text: Dated at the end of time, so that no finding could ever come after it."
http 422 "an entry dated 9999-12-31 is refused" POST "$S/add" "$P/c1.signed"
expect_grep "naming the rule and the log's time" "rule clock-future: .*later than the log.s time" "$T/body"
[ "$(curl -s "$S/checkpoint" | sed -n 2p)" = "$before" ] && ok "and nothing was added to the log" ||
	not_ok "the log grew"
pilot_sign press c2 "kind: incident" "author: press" "seq: 1" "time: $now" \
	"type: gunfire" "occurred: $now" "lat: 37.956" "lon: 126.677" \
	"text: Reported as it happened."
http 200 "the twin: the same report dated now is accepted" POST "$S/add" "$P/c2.signed"
pilot_sign press c3 "kind: incident" "author: press" "seq: 2" "time: 2019-01-01T00:00:00Z" \
	"type: gunfire" "occurred: 2018-12-31T23:00:00Z" "lat: 37.956" "lon: 126.677" \
	"text: Dated back by years."
http 200 "an entry dated years back is accepted (reports come late)" POST "$S/add" "$P/c3.signed"
cp "$T/body" c3.proof
curl -s "$S/state" >clock.state
[ "$(jq -r '[.incidents[] | select(.author == "press") | .backdated] | join(",")' clock.state)" = "false,true" ] &&
	ok "... and flagged backdated in /state, while the one dated now is not" ||
	not_ok "flags: $(jq -c '[.incidents[] | {author, seq, backdated, logged}]' clock.state)"
expect_ok "its receipt checks out offline" "$ARM" proof verify --key "$K/demo-log.vkey" \
	--witness "$K/demo-w-south.vkey" --witness "$K/demo-w-north.vkey" \
	--witness "$K/demo-w-nnsc.vkey" --quorum 3 "$P/c3.signed" c3.proof
expect_grep "and shows when the log sequenced it, not the date it claims" \
	"^sequenced at or after ${now%%T*}T.* \(the log.s clock, entry [0-9]+\) and before " "$T/out"

# An operator whose clock runs ahead (here by two days, with faketime):
# witnesses cosign with their own clocks, and an auditor finds the log's
# clock later than every cosignature. The sound twin is the log above.
if grep -q __asan_init "$ARM" 2>/dev/null; then
	# libfaketime and AddressSanitizer both wrap the clock at start-up and
	# deadlock; the gcc build of the same suite runs this case.
	echo "# skip: the fast-clock operator under AddressSanitizer (libfaketime deadlocks with it)"
elif command -v faketime >/dev/null 2>&1; then
	"$ARM" log init fastlog --origin "$ORIGIN" --key "$K/demo-log.key" >/dev/null 2>&1
	FW=""
	for w in south north nnsc; do
		start_server "fw-$w" "$ARM" witness --key "$K/demo-w-$w.key" --state "$T/fw-$w" \
			--log "$ORIGIN=$K/demo-log.vkey" --listen 127.0.0.1:0 || exit 1
		FW="$FW --witness w-$w=$URL"
	done
	# shellcheck disable=SC2086
	start_server fast faketime '+2 days' "$ARM" serve fastlog --listen 127.0.0.1:0 \
		--key "$K/demo-log.key" --zones "$P" --batch-ms 5 $FW || exit 1
	F=$URL
	expect_ok "the fast-clock log takes entries 0 to 2" \
		"$ARM" submit "$F" "$P/e00.signed" "$P/e01.signed" "$P/e02.signed"
	expect_exit 1 "an auditor refuses a log whose clock runs ahead of its witnesses" \
		"$ARM" verify "$F" --state st-fast
	expect_grep "naming the clock and the cosignatures" \
		'log clock: entry [0-9]+ says the log sequenced at .*later than every witness cosignature' \
		"$T/err"
	expect_ok "the twin: the honest log's clock is within its witnesses' times" \
		"$ARM" verify "$S" --state st-honest-clock
else
	not_ok "faketime is not installed (scripts/setup.sh installs it)"
fi

# ---- nothing was written by a failed audit ----
cmp -s st-n/logs/*/checkpoint snap7/checkpoint && ok "the state holds the last sound checkpoint" ||
	not_ok "the state's checkpoint is not the sound one"


# ---- an amendment signed by the parties may change the roots ----
# A directory log whose agreement needs no witness quorum; the parties then
# amend it to replace w-north's key. The pinned auditor accepts the change
# (and says what changed); the same change without the amendment, as a
# new entry 0, is a substituted log.
mkdir -p am/zones
cp "$P/zones/jsa-buffer.geojson" am/zones/
sed 's/^  quorum: both$/  quorum: none/' "$P/agreement.yaml" >am/agreement.yaml
"$ARM" sign --agreement am/agreement.yaml --key "$K/demo-south.key" >am/p1 2>/dev/null
"$ARM" sign --agreement am/agreement.yaml --key "$K/demo-north.key" >am/p2 2>/dev/null
"$ARM" init amlog --agreement am/agreement.yaml --log-key "$K/demo-log.key" am/p1 am/p2 \
	>/dev/null 2>&1
expect_ok "a log without a witness quorum: first audit" "$ARM" verify amlog --state st-am
A1=$(sha256sum am/agreement.yaml | cut -d' ' -f1)
sed "s|key: demo-w-north+[^}]*|key: $(cat fake/evil-w.pub)|" am/agreement.yaml >am/new.yaml
{
	printf 'armistice/entry/v1\nkind: amend\nagreement: %s\ntime: 2018-10-01T00:00:00Z\n' "$A1"
	printf 'zone: jsa sha256:%s\n\n' "$(sha256sum am/zones/jsa-buffer.geojson | cut -d' ' -f1)"
	cat am/new.yaml
} >am/amend.txt
"$ARM" note sign --key "$K/demo-south.key" --key "$K/demo-north.key" am/amend.txt >am/amend.signed
expect_ok "the parties' amendment enters the log" "$ARM" append amlog am/amend.signed
expect_ok "the pinned auditor accepts a witness key changed by amendment" \
	"$ARM" verify amlog --state st-am
expect_grep "and says what the amendment changed" \
	"changed by amendment .*witness 'w-north' key is demo-w-north\+" "$T/err"
grep -q "^in-force $(sha256sum am/new.yaml | cut -d' ' -f1)\$" st-am/logs/*/trust &&
	ok "the record now pins the agreement in force" || not_ok "the record was not updated"
expect_ok "and the next audit is quiet" "$ARM" verify amlog --state st-am
grep -q 'amendment' "$T/err" && not_ok "the amendment is reported again" || ok "reported once"
rm -f am/p1 am/p2
"$ARM" sign --agreement am/new.yaml --key "$K/demo-south.key" >am/p1 2>/dev/null
"$ARM" sign --agreement am/new.yaml --key "$K/demo-north.key" >am/p2 2>/dev/null
rm -rf amlog2
"$ARM" init amlog2 --agreement am/new.yaml --log-key "$K/demo-log.key" am/p1 am/p2 >/dev/null 2>&1
rm -rf amlog/tile amlog/checkpoint
cp -r amlog2/tile amlog2/checkpoint amlog/
expect_exit 1 "the same change without an amendment is a substituted log" \
	"$ARM" verify amlog --state st-am
expect_grep "naming entry 0" 'not the log pinned on .*: agreement \(entry 0\) is' "$T/err"
expect_exit 1 "and so is it for an auditor pinned before the amendment" \
	"$ARM" verify amlog --state st-am0 --trust am/agreement.yaml
expect_grep "naming the witness key too" "witness 'w-north' key is demo-w-north\+[0-9a-f]{8}, pinned demo-w-north\+36bdbc5e" "$T/err"

# ---- a checkpoint by another key claiming a huge size ----
printf '%s\n9223372036854775807\n%s\n' "$ORIGIN" "$(sed -n 3p snap7/checkpoint)" >huge.txt
"$ARM" note sign --key fake/fake-log2.key huge.txt >huge.ckpt 2>/dev/null
rm -rf hsnap && cp -r snap7 hsnap && cp huge.ckpt hsnap/checkpoint
serve_static hsnap
expect_exit 1 "a checkpoint by another key claiming 2^63-1 entries is refused" \
	"$ARM" verify "$NG" --state st-n
expect_grep "as a signature, not as memory" 'checkpoint: no signature by the log key demo-log' "$T/err"
serve_static snap7
expect_ok "the twin: the real checkpoint passes" "$ARM" verify "$NG" --state st-n
