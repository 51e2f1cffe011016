# csv-check.awk - reads one CSV file by RFC 4180 (quoted fields may hold
# commas, doubled quotes and line breaks; records end in CRLF), checks that
# every record has as many fields as the header and prints the number of
# records. Exit 1 with "line N: ..." on stderr otherwise. POSIX awk (mawk).
BEGIN { nrec = 0; want = -1; inq = 0; fields = 0; atstart = 1; failed = 0 }
{
	line = $0
	n = length(line)
	for (i = 1; i <= n; i++) {
		c = substr(line, i, 1)
		if (inq) {
			if (c == "\"") {
				if (substr(line, i + 1, 1) == "\"") { i++; continue }
				inq = 0
				nc = substr(line, i + 1, 1)
				if (nc != "," && nc != "\r" && nc != "") bad("text after a closing quote")
			}
			continue
		}
		if (c == "\"") {
			if (!atstart) bad("a quote inside an unquoted field")
			inq = 1
			atstart = 0
			continue
		}
		if (c == ",") { fields++; atstart = 1; continue }
		if (c == "\r" && i == n) continue
		if (c == "\r") bad("a bare CR outside quotes")
		atstart = 0
	}
	if (inq) next # a line break inside a quoted field
	if (substr(line, n, 1) != "\r") bad("record does not end in CRLF")
	fields++
	nrec++
	if (want < 0) want = fields
	else if (fields != want) bad(sprintf("%d fields, the header has %d", fields, want))
	fields = 0
	atstart = 1
}
function bad(why) {
	if (!failed) printf "line %d: %s\n", NR, why > "/dev/stderr"
	failed = 1
	exit 1
}
END {
	if (failed) exit 1
	if (inq) { print "unterminated quoted field" > "/dev/stderr"; exit 1 }
	print nrec
}
