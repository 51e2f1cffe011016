# bench/scale_svg.awk - draws bench_scale.sh's ratios as an SVG: one line
# per measure, log entries on a log10 x axis, the ratio to the same run's
# limit on a log2 y axis (1.0 is the limit). Input lines: "measure N ratio".
# No network, no library: plain SVG text on standard output.
function xpos(n) { return L + (log(n) / log(10) - xmin) / (xmax - xmin) * (Wd - L - R) }
function ypos(v) {
	if (v < ylo) v = ylo
	if (v > yhi) v = yhi
	return T + (log(yhi) - log(v)) / (log(yhi) - log(ylo)) * (Ht - T - B)
}
{
	if (!($1 in seen)) { seen[$1] = 1; order[++nm] = $1 }
	k = ++cnt[$1]; xs[$1, k] = $2; ys[$1, k] = $3
	if ($2 + 0 > nmax) nmax = $2 + 0
	if ($3 + 0 > vmax) vmax = $3 + 0
}
END {
	Wd = 720; Ht = 420; L = 70; R = 170; T = 30; B = 50
	xmin = 4; xmax = nmax >= 1e7 ? 7 : 6
	ylo = 0.5; yhi = 2; while (yhi < vmax) yhi *= 2
	split("#1f77b4 #d62728 #2ca02c #9467bd #8c564b #ff7f0e", col, " ")
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", Wd, Ht
	printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
	printf "<text x=\"%d\" y=\"18\" font-size=\"14\">Cost against the same run's limit, by log size (bench_scale.sh)</text>\n", L
	for (e = xmin; e <= xmax; e++) {
		x = xpos(10 ^ e)
		printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", x, T, x, Ht - B
		printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">10^%d</text>\n", x, Ht - B + 18, e
	}
	for (v = ylo; v <= yhi; v *= 2) {
		y = ypos(v)
		printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\"/>\n", L, y, Wd - R, y, v == 1 ? "#888" : "#ddd"
		printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", L - 6, y + 4, v
	}
	printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">entries in the log</text>\n", (L + Wd - R) / 2, Ht - 12
	printf "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">ratio to the limit (log scale)</text>\n", (T + Ht - B) / 2, (T + Ht - B) / 2
	for (m = 1; m <= nm; m++) {
		name = order[m]; pts = ""
		for (k = 1; k <= cnt[name]; k++)
			pts = pts sprintf("%.1f,%.1f ", xpos(xs[name, k]), ypos(ys[name, k]))
		printf "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>\n", col[m], pts
		for (k = 1; k <= cnt[name]; k++)
			printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", xpos(xs[name, k]), ypos(ys[name, k]), col[m]
		printf "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n", Wd - R + 12, T + 16 * m, col[m], name
	}
	print "</svg>"
}
