#!/usr/bin/perl
# Halvorsen Foods procurement scoring, v3 (approved by the purchasing committee).
# score = 100 * (0.5 * cheapest price / price + 0.3 * fastest delivery / delivery + 0.2 * on-time rate)
use strict;
use warnings;

my ($input, $output) = ('bids.csv', 'ranking.csv');
open(my $in, '<', $input) or die "cannot read $input: $!\n";
my $header = <$in>;
my @bids;
while (my $line = <$in>) {
    chomp $line;
    next if $line =~ /^\s*$/;
    my ($supplier, $price, $days, $on_time) = split /,/, $line;
    push @bids, { supplier => $supplier, price => $price, days => $days, on_time => $on_time };
}
close($in);
die "no bids in $input\n" unless @bids;

my ($min_price) = sort { $a <=> $b } map { $_->{price} } @bids;
my ($min_days) = sort { $a <=> $b } map { $_->{days} } @bids;
for my $bid (@bids) {
    $bid->{score} = 100 * (0.5 * $min_price / $bid->{price} + 0.3 * $min_days / $bid->{days} + 0.2 * $bid->{on_time});
}

my @ranked = sort { $b->{score} <=> $a->{score} or $a->{supplier} cmp $b->{supplier} } @bids;
open(my $out, '>', $output) or die "cannot write $output: $!\n";
print $out "rank,supplier,score\n";
my $rank = 0;
printf $out "%d,%s,%.2f\n", ++$rank, $_->{supplier}, $_->{score} for @ranked;
close($out);
print "Scored ", scalar(@bids), " bids; ranking written to $output\n";
