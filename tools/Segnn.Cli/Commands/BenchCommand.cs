using System.CommandLine;
using System.Globalization;
using System.Text;
using Segnn.Cli.Bench;
using static TorchSharp.torch;

namespace Segnn.Cli.Commands;

/// <summary><c>segnn bench …</c>: benchmarks that print a table and write CSV.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks (medians, CSV out)");
        bench.Subcommands.Add(TrainStep());
        return bench;
    }

    private static Command TrainStep()
    {
        var threads = new Option<string>("--threads") { Description = "comma-separated thread counts", DefaultValueFactory = _ => "1,2" };
        var steps = new Option<int>("--steps") { Description = "timed steps per configuration", DefaultValueFactory = _ => 20 };
        var output = new Option<string>("--out") { Description = "CSV file to write", DefaultValueFactory = _ => "bench-train-step.csv" };
        var qm9 = new Option<string>("--qm9-geometries") { Description = "folder of QM9 geometry parts", DefaultValueFactory = _ => SharedPaths.Qm9Geometries };
        var config = new Option<string?>("--qm9-config") { Description = "JSON model configuration for the QM9 rows (default: the paper's)" };
        var cmd = new Command("train-step", "Forward + backward + Adam for the N-body and QM9 configurations") { threads, steps, output, qm9, config };
        cmd.SetAction(r =>
        {
            int[] threadCounts = r.GetValue(threads)!.Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            var results = new List<TrainStepBench.Result>();
            foreach (int t in threadCounts)
            {
                var nbody = TrainStepBench.NBodyBatch();
                results.Add(TrainStepBench.Run("nbody", ModelConfig.NBody(), nbody, g => g.Positions + 0.1, t, 3, r.GetValue(steps)));
                Console.Error.WriteLine($"nbody threads={t}: {results[^1].MedianMs:F1} ms");
                ModelConfig qm9Config = r.GetValue(config) is { } path ? ModelConfig.FromJson(File.ReadAllText(path)) : ModelConfig.Qm9();
                var molecules = TrainStepBench.Qm9Batch(r.GetValue(qm9)!, cutoff: qm9Config.Cutoff ?? 2.0);
                results.Add(TrainStepBench.Run("qm9", qm9Config, molecules, g => zeros(molecules.SystemCount, qm9Config.Output.Dim), t, 1, Math.Max(3, r.GetValue(steps) / 4)));
                Console.Error.WriteLine($"qm9 threads={t}: {results[^1].MedianMs:F1} ms");
            }
            var csv = new StringBuilder("config,threads,nodes,edges,graphs,median_ms,min_ms,peak_rss_mib,steps,machine\n");
            foreach (var x in results)
                csv.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{x.Config},{x.Threads},{x.Nodes},{x.Edges},{x.Graphs},{x.MedianMs:F2},{x.MinMs:F2},{x.PeakMiB:F0},{x.Steps},\"{BenchHelpers.MachineDescription()}\""));
            File.WriteAllText(r.GetValue(output)!, csv.ToString());
            Console.Write(csv);
        });
        return cmd;
    }
}
