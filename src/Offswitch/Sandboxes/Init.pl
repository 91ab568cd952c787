# PID 1 of an Offswitch sandbox (run as `perl -e`, never from a file the agent could edit).
#
# It serves the harness over the two pipes it inherits: requests on fd 0, events on fd 1. No other process holds
# them, and this process is made non-dumpable first thing, so the agent (same uid) can neither ptrace it nor open
# /proc/1/fd: the channel is reachable only through the harness.
#
# Requests:  "X ID LOGIN LEN\n" + LEN bytes of command text   run bash [--login] -c TEXT in a new session
#            "K ID\n"                                          SIGKILL the command's process group
#            "P ID\n"                                          ping
# Events:    "S\n"                                             ready
#            "O ID LEN\n" / "E ID LEN\n" + LEN bytes           a chunk of the command's stdout / stderr
#            "D ID STATUS\n"                                   the command ended (128+N for signal N)
#            "F ID\n"                                          the command could not be started (fork or pipe failed)
#            "P ID\n"                                          pong
#
# No modules beyond strict: POSIX alone would add ~10 ms to every sandbox's start. Constants are Linux's (the same on
# x86_64 and arm64); the two system-call numbers that differ come from the harness.
use strict;

my ($prctl, $setsid, $setrlimit, $cap, @limits) = @ARGV;
my ($EINTR, $EAGAIN, $F_GETFL, $F_SETFL, $O_NONBLOCK, $WNOHANG) = (4, 11, 3, 4, 0x800, 1);
# PR_SET_DUMPABLE = 4. Without it the agent, running under the same uid, could trace this process or reach its pipes.
syscall($prctl, 4, 0, 0, 0, 0) == 0 or exit 125;

# The sandbox's rlimits, as RESOURCE:SOFT:HARD; every process of the machine inherits them from here. The CPU limit
# (resource 0) is set in each command instead: PID 1's own CPU goes to relaying output the agent's processes write,
# and must not let them kill the machine by making it read.
my @cpu;
for (@limits) {
    my ($resource, $soft, $hard) = /\A(\d+):(\d+):(\d+)\z/ or next;
    if ($resource == 0) { @cpu = ($soft, $hard); next; }
    syscall($setrlimit, $resource + 0, pack('QQ', $soft, $hard)) == 0 or exit 125;
}

# A harness started with signals ignored (a background job ignores INT and QUIT, nohup ignores HUP) hands that down;
# every disposition goes back to its default first, so the machine's commands start as a fresh system's would.
$SIG{$_} = 'DEFAULT' for grep { !/\A__/ } keys %SIG;

# The machine ends on the signals docker-init forwards to `tail -f /dev/null`, as 128+N. The kernel delivers to a
# namespace's init only signals it has a handler for, so SIGSTOP and SIGKILL from inside are ignored.
my %ends = (HUP => 129, INT => 130, QUIT => 131, USR1 => 138, USR2 => 140, ALRM => 142, TERM => 143);
while (my ($name, $code) = each %ends) { $SIG{$name} = sub { exit $code }; }
$SIG{PIPE} = 'IGNORE';
$SIG{CHLD} = sub { };    # only to interrupt select()

my $in = '';
my %cmd;                  # id => { pid, fh => [out, err], sent => [n, n] }
my %id_of;                # pid => id
my @linger;               # read ends of finished commands still held by their background children
my %drained;              # fileno => bytes read and discarded since the command ended
my $max_linger = 96;
my $max_drain = 64 * 1024 * 1024;    # then the pipe is closed: the writer gets EPIPE, PID 1 stops spending CPU on it

sub emit {
    my ($data) = @_;
    my $off = 0;
    while ($off < length $data) {
        my $n = syswrite(STDOUT, $data, length($data) - $off, $off);
        if (!defined $n) {
            next if $! == $EINTR;
            exit(0);    # the harness is gone
        }
        $off += $n;
    }
}

sub nonblocking {
    my ($fh) = @_;
    my $flags = fcntl($fh, $F_GETFL, 0) or return;
    fcntl($fh, $F_SETFL, $flags | $O_NONBLOCK);
}

sub start {
    my ($id, $login, $text) = @_;
    my ($or, $ow, $er, $ew);
    unless (pipe($or, $ow)) { emit("F $id\n"); return; }
    unless (pipe($er, $ew)) { close $or; close $ow; emit("F $id\n"); return; }
    my $pid = fork;
    if (!defined $pid) {
        close $_ for $or, $ow, $er, $ew;
        emit("F $id\n");
        return;
    }
    if ($pid == 0) {
        $SIG{$_} = 'DEFAULT' for keys %ends, 'PIPE', 'CHLD';
        syscall($setsid);
        syscall($setrlimit, 0, pack('QQ', @cpu)) if @cpu;
        open(STDIN, '<', '/dev/null') or exit(126);
        open(STDOUT, '>&', $ow) or exit(126);    # dup2 onto fd 1
        open(STDERR, '>&', $ew) or exit(126);
        # Every other descriptor perl opened is close-on-exec ($^F is 2): only 0-2 reach the command.
        exec { '/bin/bash' } 'bash', ($login ? ('--login') : ()), '-c', $text;
        exit(127);
    }
    close $ow;
    close $ew;
    nonblocking($or);
    nonblocking($er);
    $cmd{$id} = { pid => $pid, fh => [$or, $er], sent => [0, 0] };
    $id_of{$pid} = $id;
}

# Reads what is there; forwards up to $cap + 1 bytes per stream (the harness marks the rest as truncated).
# Returns false at end of file.
sub pump {
    my ($id, $k) = @_;
    my $c = $cmd{$id};
    while (1) {
        my $n = sysread($c->{fh}[$k], my $buf, 65536);
        if (!defined $n) { return 1 if $! == $EAGAIN || $! == $EINTR; return 0; }
        return 0 if $n == 0;
        my $room = $cap + 1 - $c->{sent}[$k];
        if ($room > 0) {
            $buf = substr($buf, 0, $room) if $n > $room;
            emit(($k ? 'E' : 'O') . " $id " . length($buf) . "\n" . $buf);
            $c->{sent}[$k] += length $buf;
        }
    }
}

sub finish {
    my ($id, $status) = @_;
    my $c = $cmd{$id};
    for my $k (0, 1) {
        next unless defined $c->{fh}[$k];
        if (pump($id, $k)) { push @linger, $c->{fh}[$k]; delete $drained{fileno($c->{fh}[$k])}; } else { close $c->{fh}[$k]; }
    }
    delete $cmd{$id};
    emit("D $id $status\n");
    while (@linger > $max_linger) { my $old = shift @linger; delete $drained{fileno($old)}; close $old; }
}

sub reap {
    while ((my $pid = waitpid(-1, $WNOHANG)) > 0) {
        my $st = $?;
        my $id = delete $id_of{$pid};
        next unless defined $id;    # an orphan that was reparented to init
        finish($id, ($st & 127) ? 128 + ($st & 127) : $st >> 8);
    }
}

sub requests {
    while (1) {
        if ($in =~ /\AX (\w+) ([01]) (\d+)\n/) {
            my ($id, $login, $len) = ($1, $2, $3);
            my $head = length $&;
            return if length($in) < $head + $len;
            my $text = substr($in, $head, $len);
            substr($in, 0, $head + $len) = '';
            start($id, $login, $text);
        } elsif ($in =~ /\AK (\w+)\n/) {
            substr($in, 0, length $&) = '';
            kill('KILL', -$cmd{$1}{pid}) if $cmd{$1};
        } elsif ($in =~ /\AP (\w+)\n/) {
            substr($in, 0, length $&) = '';
            emit("P $1\n");
        } elsif ($in =~ /\A[^\n]*\n/) {
            substr($in, 0, length $&) = '';    # unknown request: skip the line
        } else {
            return;
        }
    }
}

chdir '/home/user' or exit(1);
emit("S\n");
while (1) {
    my $rin = '';
    vec($rin, 0, 1) = 1;
    for my $c (values %cmd) { vec($rin, fileno($_), 1) = 1 for grep { defined } @{ $c->{fh} }; }
    vec($rin, fileno($_), 1) = 1 for @linger;
    # The timeout only covers a SIGCHLD that lands between the last check and select() itself.
    my $n = select(my $rout = $rin, undef, undef, %id_of ? 0.25 : undef);
    reap();
    next if $n <= 0;
    if (vec($rout, 0, 1)) {
        my $got = sysread(STDIN, $in, 65536, length $in);
        # End of file: the harness died without disposing of this machine; the machine ends itself.
        exit(0) if defined $got && $got == 0;
        requests();
    }
    for my $id (keys %cmd) {
        my $c = $cmd{$id} or next;
        for my $k (0, 1) {
            my $fh = $c->{fh}[$k];
            next unless defined $fh && vec($rout, fileno($fh), 1);
            # End of file before the exit status: the stream is complete, the status still comes from reap().
            unless (pump($id, $k)) { close $fh; $c->{fh}[$k] = undef; }
        }
    }
    @linger = grep {
        my $keep = 1;
        my $fd = fileno($_);
        if (vec($rout, $fd, 1)) {
            my $r = sysread($_, my $junk, 65536);
            if ((defined $r ? $r == 0 : !($! == $EAGAIN || $! == $EINTR)) || ($drained{$fd} += $r // 0) > $max_drain) {
                delete $drained{$fd};
                close $_;
                $keep = 0;
            }
        }
        $keep;
    } @linger;
}
