using Segnn.Export;
using Segnn.Export.Lowering;
using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using static TorchSharp.torch;

namespace Segnn.Cli.Bench;

/// <summary>Inference forward time of one batch: TorchSharp eager and ONNX Runtime (both lowerings), CPU or CUDA.</summary>
internal static class InferenceBench
{
    /// <summary>One timed configuration: medians, extremes, and per call the page faults and managed bytes allocated.</summary>
    public sealed record Row(string Config, string Engine, int Threads, int Nodes, int Edges, int Graphs, double MedianMs, double MinMs, int Repeats,
        double MaxMs = double.NaN, double FaultsPerCall = double.NaN, double ManagedBytesPerCall = double.NaN);

    /// <summary>Times <paramref name="action"/> and reads the process's page faults and managed allocation over the timed calls.</summary>
    private static (List<double> Times, double Faults, double Bytes) Measure(Action action, int warmup, int repeats)
    {
        for (int i = 0; i < warmup; i++) action();
        ResourceUse before = ResourceUse.Now();
        List<double> times = Timing.Time(action, 0, repeats);
        var (faults, bytes) = ResourceUse.PerCall(before, ResourceUse.Now(), repeats);
        return (times, faults, bytes);
    }

    public static Row Torch(string name, SegnnModel model, BatchBuilder batch, int threads, int repeats)
    {
        set_num_threads(threads);
        using var predictor = new TorchPredictor(model);
        using var scope = NewDisposeScope();
        var graph = predictor.Prepare(batch);
        var (times, faults, bytes) = Measure(() =>
        {
            using var step = NewDisposeScope();
            predictor.Run(graph);
        }, 2, repeats);
        return new Row(name, "torchsharp-eager", threads, batch.NodeCount, batch.EdgeCount, batch.SystemCount, Timing.Median(times), times.Min(), repeats, times.Max(), faults, bytes);
    }

    public static Row Onnx(string name, byte[] model, string lowering, BatchBuilder batch, int threads, int repeats, ExecutionDevice device = ExecutionDevice.Cpu)
    {
        using SegnnSession session = SegnnSession.Load(model, new SessionSettings { IntraOpThreads = threads, Device = device });
        if (device == ExecutionDevice.Cuda && session.ExecutionProvider != "CUDA") throw new NotSupportedException(session.ProviderNote);
        GraphInputs inputs = batch.Build();
        var (times, faults, bytes) = Measure(() => session.Run(inputs), 3, repeats);
        return new Row(name, $"onnxruntime-{(device == ExecutionDevice.Cuda ? "cuda" : "cpu")}-{lowering}", threads, batch.NodeCount, batch.EdgeCount, batch.SystemCount,
            Timing.Median(times), times.Min(), repeats, times.Max(), faults, bytes);
    }

    /// <summary>
    /// Two actions alternated in blocks (A×5, B×5, A×5, …) after <paramref name="warmup"/> rounds: a drift of the
    /// machine during the measurement (this VM's speed moves by 2× within a day) falls on both, so the ratio of their
    /// medians compares like with like; timed one after the other, the same pair of S2EF files gave 2.6× in one run and
    /// 3.3× in the next. Blocks, not single calls: ONNX Runtime's intra-op threads spin for a while after a run, and with
    /// 2 threads on 2 cores that spinning slowed the other session's next call (energy-only 90 ms with 2 threads against
    /// 73 ms with 1); only a block's first call meets it, which the median ignores.
    /// </summary>
    public static (List<double> A, List<double> B) Alternate(Action a, Action b, int warmup, int repeats)
    {
        const int block = 5;
        for (int i = 0; i < warmup; i++)
        {
            a();
            b();
        }
        var (ta, tb) = (new List<double>(repeats), new List<double>(repeats));
        while (ta.Count < repeats)
        {
            int n = Math.Min(block, repeats - ta.Count);
            ta.AddRange(Timing.Time(a, 0, n));
            tb.AddRange(Timing.Time(b, 0, n));
        }
        return (ta, tb);
    }

    /// <summary>Two ONNX files on one batch, runs alternated (<see cref="Alternate"/>).</summary>
    public static (Row A, Row B) OnnxAlternated(string nameA, byte[] fileA, string nameB, byte[] fileB, string lowering, BatchBuilder batch, int threads, int repeats)
    {
        using SegnnSession a = SegnnSession.Load(fileA, new SessionSettings { IntraOpThreads = threads });
        using SegnnSession b = SegnnSession.Load(fileB, new SessionSettings { IntraOpThreads = threads });
        GraphInputs inputs = batch.Build();
        var (ta, tb) = Alternate(() => a.Run(inputs), () => b.Run(inputs), 3, repeats);
        Row R(string name, List<double> t) => new(name, $"onnxruntime-cpu-{lowering}", threads, batch.NodeCount, batch.EdgeCount, batch.SystemCount, Timing.Median(t), t.Min(), repeats, t.Max());
        return (R(nameA, ta), R(nameB, tb));
    }

    /// <summary>Multiply-adds of one forward of the batch (the tensor-product plans and the other matrix products).</summary>
    public static long MultiplyAdds(SegnnModel model, BatchBuilder batch)
    {
        using var predictor = new TorchPredictor(model);
        using var scope = NewDisposeScope();
        return predictor.MultiplyAdds(predictor.Prepare(batch));
    }

    /// <summary>The model exported through the pipeline; a file the acceptance rule refuses is not benchmarked.</summary>
    public static byte[] Export(SegnnModel model, TensorProductLoweringKind lowering)
    {
        ExportReport report = ExportPipeline.Run(model, null, new ExportOptions { Lowering = lowering });
        return report.Refusal is { } why ? throw new InvalidOperationException($"bench: {why}") : report.Model;
    }
}

/// <summary>How cost grows with system size: neighbour lists and model inference on one box of N atoms.</summary>
internal static class ScalingBench
{
    public sealed record Row(string What, int Atoms, int Edges, double MedianMs, int Threads);

    /// <summary>Random atoms at a molecule-like density (0.1 Å⁻³: ~3.4 neighbours within 2 Å).</summary>
    public static double[] Box(int atoms, double density, int seed) =>
        NeighbourListBenchmark.RandomPositions(atoms, Math.Cbrt(atoms / density), seed);

    public static Row Neighbours(int atoms, double density, double cutoff, int repeats)
    {
        NeighbourListBenchmarkResult r = NeighbourListBenchmark.Run(atoms, density, cutoff, repeats, NeighbourListMethod.Auto);
        return new Row($"radius-graph({cutoff} Å, {density} Å⁻³)", atoms, r.Edges, r.MedianMilliseconds, 1);
    }

    public static Row Inference(SegnnSession session, int atoms, double density, double cutoff, int threads, int repeats, int seed = 3)
    {
        double[] p = Box(atoms, density, seed);
        var batch = new BatchBuilder();
        var rng = new Random(seed);
        IReadOnlyList<int> elements = session.Metadata.Elements ?? [1, 6, 7, 8];
        batch.Add(p, NeighbourList.Radius(p, cutoff), atomicNumbers: Enumerable.Range(0, atoms).Select(_ => elements[rng.Next(elements.Count)]).ToArray());
        GraphInputs inputs = batch.Build();
        List<double> times = Timing.Time(() => session.Run(inputs), 1, repeats);
        return new Row("onnxruntime-cpu inference", atoms, batch.EdgeCount, Timing.Median(times), threads);
    }
}
