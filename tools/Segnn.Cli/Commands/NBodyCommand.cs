using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Segnn.Data.NBody;

namespace Segnn.Cli.Commands;

/// <summary><c>segnn nbody …</c>: the charged 5-body dataset (segnn.md §4).</summary>
internal static class NBodyCommand
{
    public static Command Create()
    {
        var nbody = new Command("nbody", "The charged 5-body dataset: simulate and write it to disk");
        nbody.Subcommands.Add(Generate());
        return nbody;
    }

    private static Command Generate()
    {
        var defaults = new NBodyGenerationOptions();
        var output = new Option<string>("--out") { Description = "folder to write train.bin, valid.bin, test.bin and manifest.json into", Required = true };
        var seed = new Option<long>("--seed") { Description = "random seed", DefaultValueFactory = _ => defaults.Seed };
        var train = new Option<int>("--train") { Description = "training trajectories (the paper uses the first 3,000)", DefaultValueFactory = _ => defaults.Train };
        var valid = new Option<int>("--valid") { Description = "validation trajectories", DefaultValueFactory = _ => defaults.Valid };
        var test = new Option<int>("--test") { Description = "test trajectories", DefaultValueFactory = _ => defaults.Test };
        var threads = new Option<int?>("--threads") { Description = "worker threads (default: all cores; the output does not depend on it)" };
        var cmd = new Command("generate", "Simulates the train/valid/test trajectories and writes them with a checksummed manifest; prints a JSON summary")
        {
            output, seed, train, valid, test, threads,
        };
        cmd.SetAction((r, cancellationToken) =>
        {
            var options = new NBodyGenerationOptions
            {
                Seed = r.GetValue(seed),
                Train = r.GetValue(train),
                Valid = r.GetValue(valid),
                Test = r.GetValue(test),
                Threads = r.GetValue(threads),
            }.Validate();
            string dir = r.GetValue(output)!;
            NBodyGenerationResult result = NBodyDataset.Generate(dir, options, new StderrProgress(), cancellationToken);

            var baselineClock = Stopwatch.StartNew();
            JsonNode? baselines = null;
            if (options.Test > 0)
            {
                NBodySamples samples = NBodySamples.Load(result.Directory, "test");
                baselines = new JsonObject
                {
                    ["split"] = "test",
                    ["samples"] = samples.Count,
                    ["frames"] = new JsonArray(samples.InputFrame, samples.TargetFrame),
                    ["no_motion_mse"] = NBodyBaselines.NoMotionMse(samples),
                    ["constant_velocity_mse"] = NBodyBaselines.ConstantVelocityMse(samples),
                };
            }
            var clipped = new JsonObject();
            foreach (NBodyManifestFile f in result.Manifest.Files)
                clipped[f.Split] = f.ClippedTrajectories;
            Console.WriteLine(new JsonObject
            {
                ["out"] = result.Directory,
                ["seed"] = options.Seed,
                ["train"] = options.Train,
                ["valid"] = options.Valid,
                ["test"] = options.Test,
                ["threads"] = options.Threads ?? Environment.ProcessorCount,
                ["seconds"] = Math.Round(result.Elapsed.TotalSeconds, 3),
                ["verify_seconds"] = Math.Round(baselineClock.Elapsed.TotalSeconds, 3),
                ["bytes"] = result.Bytes,
                ["clipped_trajectories"] = clipped,
                ["baselines"] = baselines,
            }.ToJsonString(CliJson.Options));
            return Task.CompletedTask;
        });
        return cmd;
    }

    /// <summary>Writes progress lines synchronously (Progress&lt;T&gt; would post them to the thread pool, out of order).</summary>
    private sealed class StderrProgress : IProgress<NBodyProgress>
    {
        private readonly Lock _lock = new();

        public void Report(NBodyProgress value)
        {
            lock (_lock)
                Console.Error.WriteLine($"nbody: {NBodyDataset.SplitName(value.Split)} {value.Completed}/{value.Total}");
        }
    }
}
