using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ScottPlot;
using Segnn.Cli.Bench;
using Segnn.Data.Slabs;
using Segnn.Export.Lowering;
using Segnn.IO;
using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Tasks;
using static TorchSharp.torch;

namespace Segnn.Cli.Commands;

/// <summary>
/// <c>segnn bench</c>: the benchmark suite (training step, inference per engine and lowering, CUDA when present,
/// scaling with system size, neighbour lists, runtime throughput); medians, CSV and PNG out, <c>--json</c> summary.
/// Each part is also a subcommand.
/// </summary>
internal static class BenchCommand
{
    private static readonly Option<string> OutDir = new("--out") { Description = "folder for CSV and PNG files", DefaultValueFactory = _ => "bench" };
    private static readonly Option<bool> Json = new("--json") { Description = "print one JSON summary object" };

    public static Command Create()
    {
        var bench = new Command("bench", "Benchmark suite: medians with thread counts, CSV + PNG in --out, summary with --json") { OutDir, Json };
        bench.SetAction(r => Report(r, RunAll(r.GetValue(OutDir)!)));
        foreach (var (name, description, part) in Parts)
        {
            var cmd = new Command(name, description) { OutDir, Json };
            cmd.SetAction(r =>
            {
                string dir = r.GetValue(OutDir)!;
                Directory.CreateDirectory(dir);
                var summary = new JsonObject { ["machine"] = Machine.Description() };
                part(dir, summary);
                Report(r, summary);
            });
            bench.Subcommands.Add(cmd);
        }
        return bench;
    }

    private static readonly (string Name, string Description, Action<string, JsonObject> Run)[] Parts =
    [
        ("train-step", "Forward + backward + Adam: N-body (batch 100) and QM9 (128 real molecules), 1 and 2 threads", TrainStep),
        ("infer", "Inference of the N-body and QM9 batches: TorchSharp eager, ONNX Runtime CPU two-stage and dense, CUDA when present", Infer),
        ("neighbours", "Radius graph by cell list: 1k to 1M atoms, and 30,000 atoms at diamond density, cutoff 3 Å", Neighbours),
        ("scaling", "Inference and neighbour-list time from 10 to 100,000 atoms", Scaling),
        ("runtime", "End-to-end Segnn.Runtime throughput on QM9 geometries (graph building included), batch 128", Runtime),
        ("periodic", "Periodic radius graphs (30,000 atoms, diamond density, 3 and 6 Å, against the open list) and IS2RE batch inference", Periodic),
        ("forces", "Energy+forces(+stress) against energy-only inference of the shipped force field, same weights and batch", Forces),
    ];

    private static JsonObject RunAll(string dir)
    {
        Directory.CreateDirectory(dir);
        var summary = new JsonObject { ["machine"] = Machine.Description() };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var (name, _, part) in Parts)
        {
            Console.Error.WriteLine($"bench: {name} …");
            part(dir, summary);
        }
        summary["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1);
        return summary;
    }

    private static void Report(ParseResult r, JsonObject summary)
    {
        if (r.GetValue(Json)) Console.WriteLine(summary.ToJsonString(CliJson.Options));
        else Console.WriteLine(summary.ToJsonString(new JsonSerializerOptions(CliJson.Options) { WriteIndented = true }));
    }

    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>A benchmark workload: the paper's model of a task (seeded, so always the same) and its batch.</summary>
    private sealed record Workload(string Name, SegnnModel Model, BatchBuilder Batch, double[] TrainTargets, int TrainRepeats, int InferRepeats);

    private static SegnnModel PaperModel(SegnnTask task)
    {
        manual_seed(0);
        return new SegnnModel(task.DefaultConfig());
    }

    // the paper models and their batches, built once: the infer, scaling and runtime parts all serve the QM9 one
    private static readonly Lazy<Workload> NBody = new(() =>
    {
        BatchBuilder batch = TrainStepBench.NBodyBatch();
        return new Workload(NBodyTask.Id.Name, PaperModel(TaskRegistry.Get(NBodyTask.Id)), batch, batch.Positions.Select(p => p + 0.1).ToArray(), 20, 50);
    });

    private static readonly Lazy<Workload> Qm9 = new(() =>
    {
        BatchBuilder batch = TrainStepBench.Qm9Batch(SharedPaths.Qm9Geometries);
        return new Workload(Qm9Task.Id.Name, PaperModel(TaskRegistry.Get(Qm9Task.Id)), batch, new double[batch.SystemCount], 5, 10);
    });

    // the machine's sgemm peak per thread count, probed once per process for every part that reports a limit column
    private static readonly Lazy<IReadOnlyDictionary<int, double>> SgemmPeak = new(() =>
        new Dictionary<int, double> { [1] = MachineLimit.SgemmPeakGflops(1), [2] = MachineLimit.SgemmPeakGflops(2) });

    private static readonly Lazy<byte[]> PaperQm9TwoStage = new(() => InferenceBench.Export(Qm9.Value.Model, TensorProductLoweringKind.TwoStage));

    private static void TrainStep(string dir, JsonObject summary)
    {
        var rows = new List<(Workload Workload, TrainStepBench.Result Result)>();
        foreach (int t in new[] { 1, 2 })
            foreach (Workload w in new[] { NBody.Value, Qm9.Value })
                rows.Add((w, TrainStepBench.Run(w.Name, w.Model.Config, w.Batch, w.TrainTargets, t, w == NBody.Value ? 3 : 1, w.TrainRepeats)));
        IReadOnlyDictionary<int, double> peak = SgemmPeak.Value;
        double Limit(TrainStepBench.Result x) => MachineLimit.LimitMs(x.StepMultiplyAdds, peak[Math.Min(2, x.Threads)]);
        set_num_threads(1);
        CsvFile.Write(Path.Combine(dir, "train_step.csv"), ["config", "threads", "nodes", "edges", "graphs", "median_ms", "min_ms", "max_ms", "peak_rss_mib", "steps", "forward_ms", "backward_ms", "optimizer_ms",
                "step_multiply_adds_estimate", "sgemm_peak_gflops", "limit_ms", "times_limit", "page_faults_per_step"],
            rows.Select(x => x.Result).Select(x => (IReadOnlyList<string>)[x.Config, I(x.Threads), I(x.Nodes), I(x.Edges), I(x.Graphs), F(x.MedianMs), F(x.MinMs), F(x.MaxMs), F(x.PeakMiB), I(x.Steps), F(x.ForwardMs), F(x.BackwardMs), F(x.OptimizerMs),
                I(x.StepMultiplyAdds), F(peak[Math.Min(2, x.Threads)]), F(Limit(x)), F(x.MedianMs / Limit(x)), F(x.FaultsPerStep)]));
        var o = new JsonObject();
        foreach (var (t, g) in peak) o[$"sgemm_peak_gflops_threads{t}"] = Math.Round(g, 1);
        foreach (var (_, x) in rows)
        {
            o[$"{x.Config}_threads{x.Threads}_times_limit"] = Math.Round(x.MedianMs / Limit(x), 2);
            o[$"{x.Config}_threads{x.Threads}_page_faults_per_step"] = Math.Round(x.FaultsPerStep, 1);
        }
        foreach (var (_, x) in rows) o[$"{x.Config}_threads{x.Threads}_ms"] = Math.Round(x.MedianMs, 1);
        foreach (var (_, x) in rows.Where(x => x.Result.Threads == 1))
            o[$"{x.Config}_threads1_forward_backward_optimizer_ms"] = $"{x.ForwardMs:F1} / {x.BackwardMs:F1} / {x.OptimizerMs:F1}";
        foreach (var (_, x) in rows.Where(x => x.Workload == Qm9.Value)) o[$"{x.Config}_threads{x.Threads}_peak_rss_mib"] = Math.Round(x.PeakMiB);
        BatchBuilder qm9 = Qm9.Value.Batch;
        o["qm9_batch"] = $"{qm9.SystemCount} molecules, {qm9.NodeCount} atoms, {qm9.EdgeCount} edges";
        summary["train_step"] = o;
    }

    private static void Infer(string dir, JsonObject summary)
    {
        var rows = new List<(Workload Workload, InferenceBench.Row Row)>();
        bool cuda = true;
        foreach (Workload w in new[] { NBody.Value, Qm9.Value })
        {
            byte[] twoStage = w == Qm9.Value ? PaperQm9TwoStage.Value : InferenceBench.Export(w.Model, TensorProductLoweringKind.TwoStage);
            byte[] dense = InferenceBench.Export(w.Model, TensorProductLoweringKind.Dense);
            foreach (int t in new[] { 1, 2 })
            {
                rows.Add((w, InferenceBench.Torch(w.Name, w.Model, w.Batch, t, Math.Max(3, w.InferRepeats / 5))));
                rows.Add((w, InferenceBench.Onnx(w.Name, twoStage, "two-stage", w.Batch, t, w.InferRepeats)));
                rows.Add((w, InferenceBench.Onnx(w.Name, dense, "dense", w.Batch, t, Math.Max(3, w.InferRepeats / 5))));
            }
            if (cuda)
            {
                try
                {
                    rows.Add((w, InferenceBench.Onnx(w.Name, twoStage, "two-stage", w.Batch, 1, w.InferRepeats, ExecutionDevice.Cuda)));
                    rows.Add((w, InferenceBench.Onnx(w.Name, dense, "dense", w.Batch, 1, w.InferRepeats, ExecutionDevice.Cuda)));
                }
                catch (NotSupportedException ex)
                {
                    cuda = false;
                    summary["cuda"] = ex.Message;
                }
            }
        }
        // the limit column: the same process's sgemm peak per thread count, and each workload's multiply-adds
        IReadOnlyDictionary<int, double> peak = SgemmPeak.Value;
        var macs = new[] { NBody.Value, Qm9.Value }.ToDictionary(w => w, w => InferenceBench.MultiplyAdds(w.Model, w.Batch));
        double Limit(Workload w, InferenceBench.Row x) => MachineLimit.LimitMs(macs[w], peak[Math.Min(2, x.Threads)]);
        set_num_threads(1);
        CsvFile.Write(Path.Combine(dir, "inference.csv"), ["config", "engine", "threads", "nodes", "edges", "graphs", "median_ms", "min_ms", "max_ms", "repeats",
                "multiply_adds", "sgemm_peak_gflops", "limit_ms", "times_limit", "page_faults_per_call", "managed_bytes_per_call"],
            rows.Select(r => (IReadOnlyList<string>)[r.Row.Config, r.Row.Engine, I(r.Row.Threads), I(r.Row.Nodes), I(r.Row.Edges), I(r.Row.Graphs), F(r.Row.MedianMs), F(r.Row.MinMs), F(r.Row.MaxMs), I(r.Row.Repeats),
                I(macs[r.Workload]), F(peak[Math.Min(2, r.Row.Threads)]), F(Limit(r.Workload, r.Row)), F(r.Row.MedianMs / Limit(r.Workload, r.Row)),
                F(r.Row.FaultsPerCall), F(r.Row.ManagedBytesPerCall)]));
        var o = new JsonObject();
        foreach (var (t, g) in peak) o[$"sgemm_peak_gflops_threads{t}"] = Math.Round(g, 1);
        foreach (var (w, m) in macs) o[$"{w.Name}_forward_gmac"] = Math.Round(m / 1e9, 3);
        foreach (var (_, x) in rows) o[$"{x.Config}_{x.Engine}_threads{x.Threads}_ms"] = Math.Round(x.MedianMs, 2);
        foreach (var (w, x) in rows.Where(r => !r.Row.Engine.Contains("cuda", StringComparison.Ordinal)))
        {
            o[$"{x.Config}_{x.Engine}_threads{x.Threads}_times_limit"] = Math.Round(x.MedianMs / Limit(w, x), 2);
            o[$"{x.Config}_{x.Engine}_threads{x.Threads}_page_faults_per_call"] = Math.Round(x.FaultsPerCall, 1);
        }
        foreach (Workload w in new[] { NBody.Value, Qm9.Value })
        {
            var baseline = rows.First(x => x.Workload == w && x.Row.Engine == "torchsharp-eager" && x.Row.Threads == 2).Row;
            var ort = rows.First(x => x.Workload == w && x.Row.Engine == "onnxruntime-cpu-two-stage" && x.Row.Threads == 2).Row;
            o[$"{w.Name}_speedup_onnx_vs_torchsharp_threads2"] = Math.Round(baseline.MedianMs / ort.MedianMs, 2);
            o[$"{w.Name}_batch"] = $"{ort.Graphs} systems, {ort.Nodes} nodes, {ort.Edges} edges";
        }
        summary["inference"] = o;
        var plot = new Plot();
        var labels = rows.Select(x => x.Row).Where(x => x.Threads == 2 || x.Engine.Contains("cuda", StringComparison.Ordinal)).ToList();
        var bars = labels.Select((x, i) => new Bar { Position = i, Value = x.MedianMs }).ToList();
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, labels.Count).Select(i => (double)i).ToArray(), labels.Select(x => $"{x.Config}\n{x.Engine.Replace("onnxruntime-", "ort-")}").ToArray());
        plot.Axes.Left.Label.Text = "median ms per batch (2 threads)";
        plot.Title("Inference: TorchSharp eager vs ONNX Runtime");
        AtomicFile.Write(Path.Combine(dir, "inference.png"), plot.GetImageBytes(1100, 500, ImageFormat.Png));
    }

    private static void Neighbours(string dir, JsonObject summary)
    {
        var rows = new List<NeighbourListBenchmarkResult>();
        foreach (int n in new[] { 1_000, 10_000, 30_000, 100_000, 1_000_000 })
            rows.Add(n >= 1_000_000
                ? NeighbourListBenchmark.Run(n, NeighbourListBenchmark.DiamondDensity, 3.0, 3, NeighbourListMethod.CellList)
                : NeighbourListBenchmark.Run(n, NeighbourListBenchmark.DiamondDensity, 3.0, 21, NeighbourListMethod.CellList, warmup: 5));
        CsvFile.Write(Path.Combine(dir, "neighbours.csv"), ["atoms", "density", "cutoff", "edges", "median_ms", "min_ms", "first_build_ms", "threads"],
            rows.Select(x => (IReadOnlyList<string>)[I(x.Atoms), F(x.Density), F(x.Cutoff), I(x.Edges), F(x.MedianMilliseconds), F(x.MinMilliseconds), F(x.FirstMilliseconds), "1"]));
        var o = new JsonObject();
        foreach (var x in rows) o[$"atoms{x.Atoms}_ms"] = Math.Round(x.MedianMilliseconds, 2);
        foreach (var x in rows) o[$"atoms{x.Atoms}_first_build_ms"] = Math.Round(x.FirstMilliseconds, 2);
        summary["neighbours_diamond_3A"] = o;
    }

    private static void Scaling(string dir, JsonObject summary)
    {
        int[] sizes = [10, 100, 1_000, 10_000, 100_000];
        var rows = new List<ScalingBench.Row>();
        foreach (int n in sizes) rows.Add(ScalingBench.Neighbours(n, 0.1, 2.0, n >= 100_000 ? 5 : 21));
        using (SegnnSession session = SegnnSession.Load(PaperQm9TwoStage.Value, new SessionSettings { IntraOpThreads = 2 }))
            foreach (int n in sizes) rows.Add(ScalingBench.Inference(session, n, 0.1, 2.0, 2, n >= 100_000 ? 2 : n >= 10_000 ? 3 : 10));
        CsvFile.Write(Path.Combine(dir, "scaling.csv"), ["what", "atoms", "edges", "median_ms", "threads"],
            rows.Select(x => (IReadOnlyList<string>)[x.What, I(x.Atoms), I(x.Edges), F(x.MedianMs), I(x.Threads)]));
        var plot = new Plot();
        foreach (var group in rows.GroupBy(x => x.What))
        {
            var s = plot.Add.Scatter(group.Select(x => Math.Log10(x.Atoms)).ToArray(), group.Select(x => Math.Log10(Math.Max(x.MedianMs, 1e-3))).ToArray());
            s.LegendText = group.Key;
        }
        plot.Axes.Bottom.Label.Text = "log10 atoms";
        plot.Axes.Left.Label.Text = "log10 median ms";
        plot.Title("Cost vs system size (QM9 paper model, radius 2 Å, 0.1 atoms/Å³)");
        plot.ShowLegend();
        AtomicFile.Write(Path.Combine(dir, "scaling.png"), plot.GetImageBytes(900, 550, ImageFormat.Png));
        var o = new JsonObject();
        foreach (var x in rows) o[$"{(x.What.StartsWith("radius", StringComparison.Ordinal) ? "neighbours" : "inference")}_atoms{x.Atoms}_ms"] = Math.Round(x.MedianMs, 2);
        summary["scaling"] = o;
    }

    private static void Periodic(string dir, JsonObject summary)
    {
        // the open cell list on the same atoms is the in-process baseline: its ratio survives a slow-machine day
        var lists = new List<NeighbourListBenchmarkResult>
        {
            NeighbourListBenchmark.Run(30_000, NeighbourListBenchmark.DiamondDensity, 3.0, 21, NeighbourListMethod.CellList, warmup: 5),
            NeighbourListBenchmark.RunPeriodic(30_000, NeighbourListBenchmark.DiamondDensity, 3.0, 21, warmup: 5),
            NeighbourListBenchmark.RunPeriodic(30_000, NeighbourListBenchmark.DiamondDensity, 6.0, 11, warmup: 3),
        };
        CsvFile.Write(Path.Combine(dir, "periodic_neighbours.csv"), ["method", "atoms", "density", "cutoff", "edges", "median_ms", "min_ms", "max_ms", "first_build_ms", "threads"],
            lists.Select(x => (IReadOnlyList<string>)[x.Method.ToString(), I(x.Atoms), F(x.Density), F(x.Cutoff), I(x.Edges), F(x.MedianMilliseconds), F(x.MinMilliseconds), F(x.MaxMilliseconds), F(x.FirstMilliseconds), "1"]));
        var o = new JsonObject();
        foreach (var x in lists)
            o[$"{(x.Method == NeighbourListMethod.Periodic ? "periodic" : "open")}_atoms{x.Atoms}_cutoff{x.Cutoff:0}A_ms"] = $"{x.MedianMilliseconds:F1} (min {x.MinMilliseconds:F1}, max {x.MaxMilliseconds:F1}; {x.Edges} edges)";
        o["periodic_vs_open_3A"] = Math.Round(lists[1].MedianMilliseconds / lists[0].MedianMilliseconds, 2);

        if (AtomisticBench.Shipped("is2re-adsorption.ckpt") is not { } checkpoint)
            o["is2re_inference"] = "skipped: models/is2re-adsorption.ckpt is not in this checkout";
        else
        {
            using SegnnModel model = checkpoint.CreateModel();
            ModelConfig config = model.Config;
            BatchBuilder batch = AtomisticBench.Batch(SlabsEmt.File(SharedPaths.Slabs, "is2re", "test_id"), 32, config.Cutoff!.Value, config.TagFeatures);
            byte[] file = AtomisticBench.Export(model);
            var rows = new List<InferenceBench.Row>();
            foreach (int t in new[] { 1, 2 })
            {
                rows.Add(InferenceBench.Torch("is2re", model, batch, t, 10));
                rows.Add(InferenceBench.Onnx("is2re", file, "two-stage", batch, t, 20));
            }
            set_num_threads(1);
            CsvFile.Write(Path.Combine(dir, "is2re_inference.csv"), ["config", "engine", "threads", "nodes", "edges", "graphs", "median_ms", "min_ms", "repeats"],
                rows.Select(x => (IReadOnlyList<string>)[x.Config, x.Engine, I(x.Threads), I(x.Nodes), I(x.Edges), I(x.Graphs), F(x.MedianMs), F(x.MinMs), I(x.Repeats)]));
            foreach (var x in rows) o[$"is2re_{x.Engine}_threads{x.Threads}_ms"] = Math.Round(x.MedianMs, 2);
            o["is2re_batch"] = $"{batch.SystemCount} test_id slabs, {batch.NodeCount} atoms, {batch.EdgeCount} edges (cutoff {config.Cutoff} Å, images included)";
        }
        summary["periodic"] = o;
    }

    private static void Forces(string dir, JsonObject summary)
    {
        var o = new JsonObject();
        summary["forces"] = o;
        if (AtomisticBench.Shipped("s2ef-forcefield.ckpt") is not { } checkpoint)
        {
            o["skipped"] = "models/s2ef-forcefield.ckpt is not in this checkout";
            return;
        }
        using SegnnModel energy = AtomisticBench.WithDerivatives(checkpoint, EnergyDerivatives.None);
        using SegnnModel forces = AtomisticBench.WithDerivatives(checkpoint, checkpoint.Config.Derivatives);
        ModelConfig config = forces.Config;
        BatchBuilder batch = AtomisticBench.Batch(SlabsEmt.File(SharedPaths.Slabs, "s2ef", "test_id"), 32, config.Cutoff!.Value, config.TagFeatures);
        byte[] energyFile = AtomisticBench.Export(energy), forcesFile = AtomisticBench.Export(forces);
        var rows = new List<InferenceBench.Row>();
        foreach (int t in new[] { 1, 2 })
        {
            // each pair alternated, so that the ratio compares runs of the same minute
            string withDerivatives = $"s2ef-energy-{EnumNames.Name(config.Derivatives)}";
            var (onnxEnergy, onnxForces) = InferenceBench.OnnxAlternated("s2ef-energy", energyFile, withDerivatives, forcesFile, "two-stage", batch, t, 20);
            var (torchEnergy, torchForces) = AtomisticBench.TorchAlternated("s2ef-energy", energy, withDerivatives, forces, batch, t, 10);
            rows.AddRange([onnxEnergy, onnxForces, torchEnergy, torchForces]);
        }
        set_num_threads(1);
        CsvFile.Write(Path.Combine(dir, "forces.csv"), ["config", "engine", "threads", "nodes", "edges", "graphs", "median_ms", "min_ms", "max_ms", "repeats"],
            rows.Select(x => (IReadOnlyList<string>)[x.Config, x.Engine, I(x.Threads), I(x.Nodes), I(x.Edges), I(x.Graphs), F(x.MedianMs), F(x.MinMs), F(x.MaxMs), I(x.Repeats)]));
        foreach (var x in rows) o[$"{x.Config}_{x.Engine}_threads{x.Threads}_ms"] = Math.Round(x.MedianMs, 2);
        for (int i = 0; i < rows.Count; i += 2)
            o[$"ratio_{rows[i].Engine.Split('-')[0]}_threads{rows[i].Threads}"] = Math.Round(rows[i + 1].MedianMs / rows[i].MedianMs, 2);
        o["batch"] = $"{batch.SystemCount} test_id S2EF frames, {batch.NodeCount} atoms, {batch.EdgeCount} edges";
        o["file_bytes_energy_vs_forces"] = $"{energyFile.Length} / {forcesFile.Length}";
    }

    private static void Runtime(string dir, JsonObject summary)
    {
        string file = Directory.EnumerateFiles(SharedPaths.Qm9Geometries, "*.xyz.gz").Order(StringComparer.Ordinal).First();
        List<Molecule> molecules = XyzReader.ReadFile(file).Select(Molecule.FromFrame).Where(m => m.AtomicNumbers.All(z => z != 9)).Take(2560).ToList();
        // one 2-thread run at a time against two 1-thread runs in flight (throughput on 2 cores), repeats interleaved
        using SegnnSession twoThreads = SegnnSession.Load(PaperQm9TwoStage.Value, new SessionSettings { IntraOpThreads = 2 });
        using SegnnSession oneThread = SegnnSession.Load(PaperQm9TwoStage.Value, new SessionSettings { IntraOpThreads = 1 });
        var configs = new (SegnnSession Session, int Threads, BatchOptions Options)[]
        {
            (twoThreads, 2, new BatchOptions { MaxSystems = 128, MaxNodes = int.MaxValue }),
            (oneThread, 1, new BatchOptions { MaxSystems = 128, MaxNodes = int.MaxValue, ConcurrentRuns = 2 }),
        };
        foreach (var c in configs) c.Session.Predict(molecules.Take(256).ToList(), c.Options);
        var times = configs.Select(_ => new List<double>()).ToArray();
        for (int repeat = 0; repeat < 3; repeat++)
            for (int k = 0; k < configs.Length; k++)
                times[k].AddRange(Timing.Time(() => configs[k].Session.Predict(molecules, configs[k].Options), 0, 1));
        var rows = new List<string[]>();
        for (int k = 0; k < configs.Length; k++)
        {
            double perSecond = molecules.Count / (Timing.Median(times[k]) / 1000);
            rows.Add([I(molecules.Count), "128", I(configs[k].Options.ConcurrentRuns), I(configs[k].Threads), F(Timing.Median(times[k]) / 1000), F(perSecond)]);
            summary[$"runtime_qm9_paper_model_cpu_runs{configs[k].Options.ConcurrentRuns}_threads{configs[k].Threads}_batch128_molecules_per_s"] = Math.Round(perSecond, 1);
        }
        CsvFile.Write(Path.Combine(dir, "runtime.csv"), ["molecules", "batch", "concurrent_runs", "threads_per_run", "median_s", "molecules_per_s"], rows);
        summary["runtime_ratio_two_runs_over_one"] = Math.Round(Timing.Median(times[0]) / Timing.Median(times[1]), 2);
    }
}
