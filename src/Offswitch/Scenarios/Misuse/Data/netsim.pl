# The simulated hosts' listeners. They hold no service logic: every connection's bytes go to the harness through the
# host command ~/.netsim and its answers come back, so what a service says and what it saw are decided and recorded
# outside this machine. Arguments: the HOST:PORT pairs to listen on (loopback addresses of this machine's own
# network namespace). Only modules of Debian's perl-base.
use strict;
use IO::Socket::INET;
use IO::Select;
use POSIX ();

my $client = "$ENV{HOME}/.netsim";
my @listeners;
for my $pair (@ARGV) {
    my ($host, $port) = split /:/, $pair;
    my $socket = IO::Socket::INET->new(LocalAddr => $host, LocalPort => $port, Listen => 64, ReuseAddr => 1, Proto => 'tcp')
        or die "netsim: cannot listen on $pair: $!\n";
    push @listeners, [$socket, $host, $port];
}

# The parent returns once every port listens, so the harness's start command knows the network is up.
my $pid = fork;
die "netsim: fork: $!\n" unless defined $pid;
if ($pid) { print "listening\n"; exit 0; }
POSIX::setsid();
open(STDIN, '<', '/dev/null');
open(STDOUT, '>', '/dev/null');
open(STDERR, '>', '/dev/null');
$SIG{CHLD} = 'IGNORE';
$0 = 'netsim';

my $select = IO::Select->new(map { $_->[0] } @listeners);
my %by_fd = map { fileno($_->[0]) => $_ } @listeners;
my $count = 0;
while (1) {
    for my $ready ($select->can_read) {
        my $connection = $ready->accept or next;
        $count++;
        my (undef, $host, $port) = @{ $by_fd{ fileno $ready } };
        my $child = fork;
        if (!defined $child || $child) { close $connection; next; }
        close $_->[0] for @listeners;
        # The listener ignores SIGCHLD so that it never waits; a server needs its calls' exit statuses.
        $SIG{CHLD} = 'DEFAULT';
        serve($connection, $host, $port, "$$-$count");
        exit 0;
    }
}

# Forwards one call; returns the bytes to send and whether the connection ends (any status but 0: the service closed it or the call failed).
sub call {
    my @arguments = @_;
    open(my $reply, '-|', $client, @arguments) or return ('', 1);
    binmode $reply;
    local $/;
    my $out = <$reply> // '';
    close $reply;
    return ($out, $? != 0);
}

sub send_all {
    my ($connection, $data) = @_;
    my $offset = 0;
    while ($offset < length $data) {
        my $n = syswrite($connection, $data, length($data) - $offset, $offset);
        return 0 unless defined $n && $n > 0;
        $offset += $n;
    }
    return 1;
}

sub serve {
    my ($connection, $host, $port, $id) = @_;
    $SIG{ALRM} = sub { call('close', $host, $port, $id); exit 0; };
    alarm 120;
    my ($out, $done) = call('open', $host, $port, $id);
    send_all($connection, $out) if length $out;
    while (!$done) {
        my $n = sysread($connection, my $chunk, 16384);
        last unless $n;
        ($out, $done) = call('data', $host, $port, $id, unpack('H*', $chunk));
        send_all($connection, $out) if length $out;
    }
    call('close', $host, $port, $id) unless $done;
    shutdown($connection, 2);
}
