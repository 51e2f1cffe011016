#!/usr/bin/perl
# tests/cli/rawhttp.pl - raw-socket HTTP clients for the t50xx tests
# (perl-base only: Socket, IO::Socket::INET, IO::Select).
#
#   rawhttp.pl send HOST:PORT FILE
#       sends FILE's bytes on one connection, then prints everything the
#       server sends and "[closed]" when it closes, or "[still open]"
#       after 10 s
#   rawhttp.pl hold HOST:PORT N SRC[,SRC...] SECONDS READY
#       opens N connections, taking source addresses from the list in
#       turn; each sends a request line and then one byte of a header line
#       every second, never finishing its head. Touches READY once all are
#       connected; after SECONDS prints "connected=C open=O" (O: those the
#       server has not closed)
#   rawhttp.pl trickle HOST:PORT WHAT INTERVAL_MS MAX_S
#       one connection that sends a request head (WHAT=head) or a head with
#       Content-Length 60000 and then its body (WHAT=body), one byte every
#       INTERVAL_MS, until the server closes it; prints "cut after S s,
#       B bytes sent" or "not cut in MAX_S s"
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;

$SIG{PIPE} = 'IGNORE';
my $mode = shift @ARGV or die "usage: rawhttp.pl send|hold|trickle ...\n";

sub nap { select(undef, undef, undef, $_[0]); }

# Has the server closed s (readable with nothing to read, or an error)?
sub closed {
	my ($s) = @_;
	my $sel = IO::Select->new($s);
	return 0 unless $sel->can_read(0);
	my $n = sysread($s, my $buf, 4096);
	return !defined($n) || $n == 0;
}

if ($mode eq 'send') {
	my ($addr, $file) = @ARGV;
	my $s = IO::Socket::INET->new(PeerAddr => $addr, Timeout => 5) or die "connect $addr: $!\n";
	open(my $f, '<', $file) or die "$file: $!\n";
	binmode $f;
	local $/;
	my $req = <$f>;
	syswrite($s, $req);
	my $sel = IO::Select->new($s);
	my $end = time + 10;
	binmode STDOUT;
	my $closed = 0;
	while (time < $end) {
		next unless $sel->can_read(1);
		my $n = sysread($s, my $buf, 65536);
		if (!$n) {
			$closed = 1;
			last;
		}
		print $buf;
	}
	print $closed ? "\n[closed]\n" : "\n[still open]\n";
	exit 0;
}

if ($mode eq 'hold') {
	my ($addr, $n, $srcs, $secs, $ready) = @ARGV;
	my @src = split(/,/, $srcs);
	my @socks;
	for my $i (0 .. $n - 1) {
		my $s = IO::Socket::INET->new(PeerAddr => $addr, LocalAddr => $src[$i % @src],
			Timeout => 5);
		next unless $s;
		syswrite($s, "POST /add HTTP/1.1\r\nHost: x\r\nX-Slow: ");
		push @socks, $s;
	}
	open(my $rf, '>', $ready) or die "$ready: $!\n";
	close($rf);
	my $end = time + $secs;
	while (time < $end) {
		nap(1);
		for my $s (@socks) {
			syswrite($s, "a") if $s->connected;
		}
	}
	my $open = grep { !closed($_) } @socks;
	print "connected=" . scalar(@socks) . " open=$open\n";
	exit 0;
}

if ($mode eq 'trickle') {
	my ($addr, $what, $ms, $max) = @ARGV;
	my $s = IO::Socket::INET->new(PeerAddr => $addr, Timeout => 5) or die "connect $addr: $!\n";
	my $data = "POST /add HTTP/1.1\r\nHost: x\r\nX-Slow: " . ("a" x 100000);
	if ($what eq 'body') {
		syswrite($s, "POST /add HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n");
		$data = "b" x 60000;
	}
	my $t0 = time;
	my $sent = 0;
	while (time - $t0 <= $max) {
		if (closed($s) || !defined(syswrite($s, substr($data, $sent, 1)))) {
			printf "cut after %d s, %d bytes sent\n", time - $t0, $sent;
			exit 0;
		}
		$sent++;
		nap($ms / 1000);
	}
	print "not cut in $max s\n";
	exit 0;
}
die "rawhttp.pl: unknown mode '$mode'\n";
