#!/usr/bin/perl
# @NAME@: its logic runs outside this machine; this program forwards the call.
#
# One connection to the harness's socket per call. Frames are a type byte, a 4-byte big-endian length and the payload.
#   to the harness:   'c' NAME \0 CWD (\0 ARG)*       the call
#                     'o' / 'e' / 's'                  after 'r': the program's stdout, stderr, exit status
#   from the harness: 'r' PROGRAM                      run PROGRAM here (execve, this caller's directory and environment)
#                     'o' / 'e' / 'x'                  the reply: stdout, stderr, exit status; then exit
#
# No modules beyond strict (Socket and POSIX would cost ~20 ms per call); Linux's constants are written out.
use strict;

my $name = '@NAME@';
my $cap = 1024 * 1024;
my ($AF_UNIX, $SOCK_STREAM, $EINTR, $ENOENT, $ENOTDIR, $WNOHANG) = (1, 1, 4, 2, 20, 1);
socket(my $s, $AF_UNIX, $SOCK_STREAM, 0) or exit 125;
connect($s, pack('S Z108', $AF_UNIX, '/run/offswitch/host.sock')) or exit 125;

sub put {
    my ($type, $payload) = @_;
    my $data = pack('a1 N', $type, length $payload) . $payload;
    my $off = 0;
    while ($off < length $data) {
        my $n = syswrite($s, $data, length($data) - $off, $off);
        if (!defined $n) { next if $! == $EINTR; exit 125; }
        $off += $n;
    }
}

sub take {
    my ($len) = @_;
    my $buf = '';
    while (length $buf < $len) {
        my $n = sysread($s, $buf, $len - length $buf, length $buf);
        if (!defined $n) { next if $! == $EINTR; return undef; }
        return undef if $n == 0;
    }
    return $buf;
}

# The logical working directory, as bash's $PWD gives it: $PWD when it names the current directory, else the real path.
my $cwd = readlink('/proc/self/cwd') // '/';
if (defined $ENV{PWD} && $ENV{PWD} =~ m{\A/}) {
    my @a = stat($ENV{PWD});
    my @b = stat('.');
    $cwd = $ENV{PWD} if @a && @b && $a[0] == $b[0] && $a[1] == $b[1];
}
put('c', join("\0", $name, $cwd, @ARGV));

my ($out, $err, $code) = ('', '', 125);
while (defined(my $head = take(5))) {
    my ($type, $len) = unpack('a1 N', $head);
    my $payload = $len ? take($len) : '';
    last unless defined $payload;
    if ($type eq 'r') { run($payload); }
    elsif ($type eq 'o') { $out = $payload; }
    elsif ($type eq 'e') { $err = $payload; }
    elsif ($type eq 'x') {
        print STDOUT $out;
        print STDERR $err;
        exit($payload =~ /\A\d+\z/ ? $payload : 125);
    }
}
exit 125;

sub run {
    my ($program) = @_;
    pipe(my $or, my $ow) or return report('', "pipe: $!\n", 126);
    pipe(my $er, my $ew) or return report('', "pipe: $!\n", 126);
    my $pid = fork;
    return report('', "fork: $!\n", 126) unless defined $pid;
    if ($pid == 0) {
        close $s;
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>&', $ow);
        open(STDERR, '>&', $ew);
        # execve(2) refuses a file that is neither a #! script nor a binary (ENOEXEC, as the original binary saw it);
        # perl's exec would hand such a file to /bin/sh instead.
        if (-f $program && -r _ && -x _ && open(my $fh, '<', $program)) {
            my $magic = '';
            sysread($fh, $magic, 4);
            if ($magic !~ /\A(?:#!|\x7fELF)/) {
                print STDERR "$program: exec format error\n";
                exit 126;
            }
        }
        exec { $program } $program;
        my $missing = $! == $ENOENT || $! == $ENOTDIR;
        print STDERR "$program: $!\n";
        exit($missing ? 127 : 126);
    }
    close $ow;
    close $ew;
    my %buf = (o => '', e => '');
    my %fh = (o => $or, e => $er);
    my $status;
    # Read until the program has ended; what its background children write afterwards is not waited for.
    while (1) {
        my $rin = '';
        vec($rin, fileno($fh{$_}), 1) = 1 for keys %fh;
        select(my $rout = $rin, undef, undef, defined $status ? 0 : 0.05);
        for my $k (keys %fh) {
            next unless vec($rout, fileno($fh{$k}), 1);
            my $n = sysread($fh{$k}, my $chunk, 65536);
            if (!defined $n) { delete $fh{$k} unless $! == $EINTR; next; }
            if ($n == 0) { delete $fh{$k}; next; }
            $buf{$k} .= $chunk if length $buf{$k} <= $cap;
        }
        last if defined $status && (!%fh || !grep { vec($rout, fileno($fh{$_}), 1) } keys %fh);
        if (!defined $status && waitpid($pid, $WNOHANG) == $pid) {
            $status = ($? & 127) ? 128 + ($? & 127) : $? >> 8;
        }
    }
    report($buf{o}, $buf{e}, $status);
}

sub report {
    my ($o, $e, $status) = @_;
    put('o', substr($o, 0, $cap));
    put('e', substr($e, 0, $cap));
    put('s', $status);
}
