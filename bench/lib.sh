# bench/lib.sh - what the benchmark scripts share (sourced; not run by
# bench/run.sh).

# pilot_entry0 NAME: in the current directory, the pilot agreement with its
# zone (agreement.yaml, zones/) and entry 0 signed by both parties with the
# demo keys in $K (e0.signed); sets AID. NAME prefixes the error message.
pilot_entry0() {
	cp "$TOP/tests/data/agreements/pilot.yaml" agreement.yaml
	mkdir zones && cp "$TOP/tests/data/agreements/zones/jsa-buffer.geojson" zones/
	AID=$(sha256sum agreement.yaml | cut -d' ' -f1)
	ZID=$(sha256sum zones/jsa-buffer.geojson | cut -d' ' -f1)
	{ printf 'armistice/entry/v1\nkind: agreement\nagreement: %s\nzone: jsa sha256:%s\n\n' "$AID" "$ZID"
	  cat agreement.yaml; } >e0.txt
	"$ARM" note sign --key "$K/demo-south.key" --key "$K/demo-north.key" e0.txt >e0.signed ||
		{ echo "$1: cannot sign with $ARM"; exit 1; }
}

# bench_start NAME LABEL CMD...: CMD in the background (stderr in
# $W/NAME.log, pid added to PIDS and in PID_NAME), waits for its
# "listening on" line and sets URL; LABEL prefixes the error.
bench_start() {
	name=$1
	label=$2
	shift 2
	"$@" 2>"$W/$name.log" &
	PIDS="$PIDS $!"
	eval "PID_$name=$!"
	i=0
	URL=""
	while [ $i -lt 100 ] && [ -z "$URL" ]; do
		URL=$(sed -n 's|.*listening on \(http://[^ /]*\)/.*|\1|p' "$W/$name.log" | head -n 1)
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$URL" ] || { echo "$label: $name did not start: $(head -c 200 "$W/$name.log")"; exit 1; }
}
