using FactDesk.Bench;

// Each benchmark is a subcommand; add new ones to this table.
var benchmarks = new Dictionary<string, (string Summary, Func<BenchArguments, Task<int>> Run)>
{
    ["append"] = ("append throughput (events/s) of FactDesk against a raw INSERT, at several writer counts", AppendBenchmark.RunAsync),
    ["rebuild"] = ("rebuild speed (events/s) of every inline projection and chosen async ones over 1,000,000 claim events", RebuildBenchmark.RunAsync),
    ["proofs"] = ("transparency log at 1,000,000 leaves: building the tree, inclusion and consistency proofs (ms each), checkpoint signing", ProofBenchmark.RunAsync),
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var benchmark))
{
    Console.Error.WriteLine("usage: FactDesk.Bench <benchmark> [--option value ...]");
    foreach (var (name, (summary, _)) in benchmarks) Console.Error.WriteLine($"  {name,-10} {summary}");
    return args.Length == 0 || args[0] is "-h" or "--help" ? 0 : 2;
}

try
{
    return await benchmark.Run(BenchArguments.Parse(args[1..]));
}
catch (BenchUsageException e)
{
    Console.Error.WriteLine($"{args[0]}: {e.Message}");
    return 2;
}
