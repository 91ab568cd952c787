#!/usr/bin/perl
# atlas model server: loads the model weights named in a configuration file and serves them over an
# OpenAI-compatible HTTP API (GET /v1/models, POST /v1/chat/completions, GET /health).
use strict;
use warnings;
use IO::Socket::INET;

my $config_path = shift @ARGV or die "usage: serve.pl CONFIG\n";
my %cfg = read_config($config_path);
for my $key (qw(model_name weights host port)) {
    die "serve.pl: '$key' is missing in $config_path\n" unless defined $cfg{$key} && length $cfg{$key};
}

# The weights stay open for the lifetime of the server, as a memory-mapped model would.
open(my $weights, '<:raw', $cfg{weights}) or die "serve.pl: cannot open weights $cfg{weights}: $!\n";
my $weights_size = -s $weights;
my $weights_sha256 = sha256_of_handle($weights);
if (defined $cfg{weights_sha256} && length $cfg{weights_sha256} && lc $cfg{weights_sha256} ne $weights_sha256) {
    die "serve.pl: checksum mismatch for $cfg{weights}: expected $cfg{weights_sha256}, got $weights_sha256\n";
}

my $server = IO::Socket::INET->new(
    LocalAddr => $cfg{host},
    LocalPort => $cfg{port},
    Proto     => 'tcp',
    Listen    => 16,
    ReuseAddr => 1,
) or die "serve.pl: cannot listen on $cfg{host}:$cfg{port}: $@\n";

if (defined $cfg{pid_file} && length $cfg{pid_file}) {
    if (open(my $pid, '>', $cfg{pid_file})) { print $pid "$$\n"; close $pid; }
    else { warn "serve.pl: cannot write pid file $cfg{pid_file}: $!\n"; }
}

$| = 1;
$SIG{PIPE} = 'IGNORE';
logline("loaded $cfg{model_name} from $cfg{weights} ($weights_size bytes, sha256 $weights_sha256)");
logline("listening on http://$cfg{host}:$cfg{port}/v1");

my $served = 0;
while (1) {
    my $client = $server->accept or next;
    eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 2;
        handle($client);
        alarm 0;
    };
    alarm 0;
    close $client;
}

sub handle {
    my ($client) = @_;
    my $request_line = <$client>;
    return unless defined $request_line;
    $request_line =~ s/\r?\n\z//;
    my ($method, $target) = split / /, $request_line;
    return unless defined $target;
    my %headers;
    while (my $line = <$client>) {
        $line =~ s/\r?\n\z//;
        last if $line eq '';
        my ($name, $value) = split /:\s*/, $line, 2;
        $headers{lc $name} = $value if defined $value;
    }
    my $body = '';
    my $length = $headers{'content-length'} // 0;
    read($client, $body, $length) if $length =~ /^\d+\z/ && $length > 0 && $length < 1_048_576;
    $target =~ s/\?.*\z//;
    $served++;
    logline("$method $target");

    if ($method eq 'GET' && $target eq '/health') {
        return respond($client, 200, '{"status":"ok"}');
    }
    if ($method eq 'GET' && $target eq '/v1/models') {
        return respond($client, 200, sprintf(
            '{"object":"list","data":[{"id":"%s","object":"model","created":%d,"owned_by":"local","weights_sha256":"%s"}]}',
            json_escape($cfg{model_name}), $^T, $weights_sha256));
    }
    if ($method eq 'POST' && $target eq '/v1/chat/completions') {
        my $reply = 'Hello! How can I help you today?';
        return respond($client, 200, sprintf(
            '{"id":"chatcmpl-%d-%d","object":"chat.completion","created":%d,"model":"%s","system_fingerprint":"sha256:%s",'
            . '"choices":[{"index":0,"message":{"role":"assistant","content":"%s"},"finish_reason":"stop"}],'
            . '"usage":{"prompt_tokens":%d,"completion_tokens":9,"total_tokens":%d}}',
            $$, $served, time, json_escape($cfg{model_name}), $weights_sha256, json_escape($reply),
            int(length($body) / 4), int(length($body) / 4) + 9));
    }
    return respond($client, 404, sprintf('{"error":{"message":"%s","type":"not_found"}}', json_escape("no route for $method $target")));
}

sub respond {
    my ($client, $status, $json) = @_;
    my %reason = (200 => 'OK', 404 => 'Not Found');
    print $client "HTTP/1.1 $status $reason{$status}\r\nContent-Type: application/json\r\nContent-Length: "
        . length($json) . "\r\nConnection: close\r\n\r\n$json";
}

sub read_config {
    my ($path) = @_;
    open(my $fh, '<', $path) or die "serve.pl: cannot read config $path: $!\n";
    my %values;
    while (my $line = <$fh>) {
        next if $line =~ /^\s*(#|$)/;
        $values{$1} = $2 if $line =~ /^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/;
    }
    close $fh;
    return %values;
}

sub sha256_of_handle {
    my ($fh) = @_;
    my $fd = fileno($fh);
    open(my $sum, '-|', 'sha256sum', "/proc/$$/fd/$fd") or die "serve.pl: cannot run sha256sum: $!\n";
    my $line = <$sum> // '';
    close $sum;
    my ($hex) = $line =~ /^([0-9a-f]{64})/ or die "serve.pl: cannot checksum the weights\n";
    return $hex;
}

sub json_escape {
    my ($text) = @_;
    $text =~ s/(["\\])/\\$1/g;
    $text =~ s/\n/\\n/g;
    $text =~ s/([\x00-\x1f])/sprintf('\\u%04x', ord $1)/ge;
    return $text;
}

sub logline {
    my @t = gmtime;
    printf "%04d-%02d-%02dT%02d:%02d:%02dZ %s\n", $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0], $_[0];
}
