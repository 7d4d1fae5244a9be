#!/usr/bin/perl
# t_fixtures.t: check that the test data agree with themselves, so that a
# failing golden case points at a program, not at a broken fixture.
#
# Plain Perl and JSON::PP (in Debian's perl package, which prove comes
# from): the checks must not depend on what they check.
use strict;
use warnings;
use File::Basename qw(dirname);
use JSON::PP;

my $data = dirname(__FILE__) . '/data';
my $n = 0;
my $fail = 0;

sub ok {
	my ($cond, $name) = @_;
	$n++;
	print(($cond ? 'ok' : 'not ok') . " $n - $name\n");
	$fail++ unless $cond;
	return $cond;
}

sub slurp {
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or die "t_fixtures.t: $path: $!\n";
	local $/;
	my $s = <$fh>;
	close($fh);
	return $s;
}

my $json = JSON::PP->new->allow_bignum;

# --- tests/data/sample.jsonl -------------------------------------------
my $raw = slurp("$data/sample.jsonl");
ok($raw =~ /\n\z/, 'sample.jsonl ends with LF');
ok($raw !~ /\r/, 'sample.jsonl has no CR');
my @lines = split(/\n/, $raw);
ok(@lines >= 30 && @lines <= 60, 'sample.jsonl has about 40 lines (' .
    scalar(@lines) . ')');

my (@rec, @bad, @nan);
for my $i (0 .. $#lines) {
	my $l = $lines[$i];
	my $r = eval { $json->decode($l) };
	if (!defined $r && $l =~ /\bNaN\b/) {
		# The one exception to strict JSON: a bare NaN inside "value".
		(my $m = $l) =~ s/\bNaN\b/"<NaN>"/g;
		$r = eval { $json->decode($m) };
		push(@nan, [$i + 1, $r]);
	}
	if (ref $r ne 'HASH') {
		push(@bad, $i + 1);
		next;
	}
	push(@rec, $r);
}
ok(!@bad, 'every sample line is a JSON object' .
    (@bad ? " (bad: @bad)" : ''));
ok(@nan == 1, 'exactly one sample line holds NaN');
if (@nan == 1) {
	my %r = %{$nan[0][1] // {}};
	my $v = $json->canonical->encode(delete $r{value} // '');
	my $r = \%r;
	ok($r->{type} eq 'memory' && $v =~ /<NaN>/ &&
	    $json->encode($r) !~ /<NaN>/, 'the NaN sits inside a memory value');
}

my @types = map { $_->{type} // '' } @rec;
ok($types[0] eq 'metadata' && $rec[0]{format_version} eq '1.0' &&
    $rec[0]{generator} eq 'kag-dump 0.1.0', 'sample starts with the header');
ok($types[-1] eq 'end', 'sample ends with the trailer');
my %rank = (memory => 1, node => 2, edge => 3, hyperedge => 4);
my ($last, $order) = (0, 1);
my %count;
for my $t (@types[1 .. $#types - 1]) {
	$order = 0 unless $rank{$t} && $rank{$t} >= $last;
	$last = $rank{$t} // 9;
	$count{$t}++;
}
ok($order, 'memories, then nodes, then edges, then hyperedges');
my $stats = $rec[-1]{stats} // {};
ok(join(',', map { $stats->{$_} // 'none' }
    qw(memories graph_nodes graph_edges hyperedges)) eq
    join(',', map { $count{$_} // 0 } qw(memory node edge hyperedge)),
    'trailer counts match the records (' .
    join(',', map { $count{$_} // 0 } qw(memory node edge hyperedge)) . ')');

my (%users, %scopes, %agents, %ident, $dup, $badmem);
my (%node, $badedge, $hyperspell);
for my $r (@rec) {
	if ($r->{type} eq 'memory') {
		$badmem++ unless defined $r->{key} && !ref $r->{key} &&
		    exists $r->{value} && defined $r->{scope} &&
		    $r->{scope} =~ /\A(working|persistent)\z/;
		my $u = $r->{user_id} // 'default_user';
		$users{$u}++;
		$scopes{$r->{scope}}++;
		$agents{$r->{agent_name} // '<null>'}++;
		my $id = join("\0", $r->{scope}, $u,
		    $r->{agent_name} // "\1null", $r->{key});
		$dup++ if $ident{$id}++;
	} elsif ($r->{type} eq 'node') {
		$node{$r->{id}} = 1;
	} elsif ($r->{type} eq 'edge') {
		my $src = $r->{src} // $r->{source};
		my $dst = $r->{dst} // $r->{target};
		$hyperspell++ if exists $r->{source};
		$badedge++ unless defined $src && defined $dst &&
		    $node{$src} && $node{$dst};
		$badedge++ if defined $r->{weight} &&
		    ($r->{weight} < 0 || $r->{weight} > 1);
	} elsif ($r->{type} eq 'hyperedge') {
		my @m = @{$r->{nodes} // []};
		$badedge++ if @m < 2 || grep { !$node{$_} } @m;
	}
}
ok(!$badmem, 'every memory has scope, key and value');
ok(join(',', sort keys %users) eq 'alice,bob,default_user',
    'memories of alice, bob and default_user');
ok($scopes{working} && $scopes{persistent}, 'both scopes');
ok($agents{global} && $agents{'<null>'} && keys %agents >= 3,
    'agents global, another, and null');
ok(!$dup, 'no memory identity twice');
ok((grep { !exists $_->{user_id} } grep { $_->{type} eq 'memory' } @rec)
    == 1, 'one memory without user_id');
ok(!$badedge, 'edges and hyperedges name nodes of the stream');
ok($hyperspell, 'one edge in HyperMemory spelling');
ok($raw =~ /"value":123456789012345678901234567890,/,
    'a big integer value, written as is');
ok($raw =~ /\\u[0-9a-f]{4}/ && $raw =~ /[^\x00-\x7f]/,
    'both \\u escapes and raw UTF-8');
my %ts;
for (@rec) {
	for my $k (qw(created_at updated_at)) {
		my $t = $_->{$k} or next;
		$ts{space}++ if $t =~ /\A\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\z/;
		$ts{micro}++ if $t =~ /\.\d{6}\z/;
		$ts{zulu}++ if $t =~ /T.*Z\z/;
	}
}
ok($ts{space} && $ts{micro} && $ts{zulu},
    'Kagura timestamps: plain, with microseconds, with T and Z');

my $gz = `gzip -dc '$data/sample.jsonl.gz'`;
ok($? == 0 && $gz eq $raw, 'sample.jsonl.gz holds sample.jsonl');

# --- tests/data/kagura -------------------------------------------------
for my $v ('4.0', '4.4', '3to4') {
	my $dir = "$data/kagura/$v";
	my $m = eval { $json->decode(slurp("$dir/manifest.json")) } // {};
	ok(($m->{schema} // '') eq $v && ($m->{rows} // 0) == 31,
	    "kagura/$v manifest: schema $v, 31 rows");
	my $db = slurp("$dir/memory.db");
	ok(substr($db, 0, 16) eq "SQLite format 3\0" &&
	    length($db) % 4096 == 0, "kagura/$v/memory.db is a SQLite file");
}

my $graph = $json->decode(slurp("$data/kagura/4.0/graph.json"));
my $man = $json->decode(slurp("$data/kagura/4.0/manifest.json"));
ok(@{$graph->{nodes}} == $man->{graph}{nodes} &&
    @{$graph->{links}} == $man->{graph}{links},
    'graph.json has the nodes and links the manifest says');

my @exports = glob("$data/kagura/4.0/expected_export/*");
ok(@exports == 4, 'four expected exports');
for my $d (@exports) {
	my $name = $d;
	$name =~ s{.*/}{};
	my $meta = $json->decode(slurp("$d/metadata.json"));
	my $user = slurp("$d/USER_ID");
	my @m = split(/\n/, slurp("$d/memories.jsonl"));
	my @g = split(/\n/, slurp("$d/graph.jsonl"));
	my $nodes = grep { /\A\{"type": "node"/ } @g;
	my $edges = grep { /\A\{"type": "edge"/ } @g;
	my $mine = grep { /"user_id": \Q${\$json->encode($user)}\E/ } @m;
	ok($meta->{user_id} eq $user && $meta->{format_version} eq '1.0' &&
	    $meta->{stats}{memories} == @m && $mine == @m &&
	    $meta->{stats}{graph_nodes} == $nodes &&
	    $meta->{stats}{graph_edges} == $edges &&
	    $nodes + $edges == @g && $nodes == $man->{graph}{nodes},
	    "expected_export/$name: metadata.json agrees with its files");
}

print "1..$n\n";
exit($fail ? 1 : 0);
