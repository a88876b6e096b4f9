using System.Diagnostics;
using Segnn.Graphs;
using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Segnn.Cli.Bench;

/// <summary>Forward + backward + Adam on one batch of a model configuration: median step time and peak memory.</summary>
internal static class TrainStepBench
{
    /// <summary>Medians of the whole step and of its phases (forward with the loss, backward, optimizer step with zero_grad).</summary>
    public sealed record Result(string Config, int Threads, int Nodes, int Edges, int Graphs, double MedianMs, double MinMs, double PeakMiB, int Steps,
        double ForwardMs, double BackwardMs, double OptimizerMs, long ForwardMultiplyAdds = 0, double FaultsPerStep = double.NaN, double MaxMs = double.NaN)
    {
        /// <summary>
        /// Multiply-adds of a step, estimated as 3× the forward's (each matrix product's backward is two products of its
        /// size, for the input and for the weights); the optimizer's elementwise work is not counted.
        /// </summary>
        public long StepMultiplyAdds => 3 * ForwardMultiplyAdds;
    }

    /// <param name="name">the row's name.</param>
    /// <param name="config">the model.</param>
    /// <param name="batch">the batch trained on.</param>
    /// <param name="targets">targets in the prediction's layout.</param>
    /// <param name="threads">TorchSharp threads.</param>
    /// <param name="warmup">untimed steps.</param>
    /// <param name="steps">timed steps.</param>
    public static Result Run(string name, ModelConfig config, BatchBuilder batch, double[] targets, int threads, int warmup, int steps)
    {
        set_num_threads(threads);
        manual_seed(0);
        Machine.ResetPeakMemory();
        using var model = new SegnnModel(config);
        model.train();
        using var ops = new TorchOps(config.DType, training: true);
        using var optimizer = optim.Adam(model.parameters(), lr: 5e-4, weight_decay: 1e-12);
        using var scope = NewDisposeScope();
        var graph = batch.ToTensors(ops, config.Elements);
        double[] columnScale = config.TaskDefinition.ColumnScales(config);
        var options = new TrainingOptions { Loss = config.GraphOutput ? LossKind.L1 : LossKind.Mse };
        var batchTargets = new GraphTargets(targets);
        var phases = new List<double[]>();
        ResourceUse before = default;
        long forwardMultiplyAdds = 0;
        int calls = 0;
        List<double> times = Timing.Time(() =>
        {
            using var step = NewDisposeScope();
            if (calls++ == warmup) before = ResourceUse.Now();
            ops.ResetMultiplyAdds();
            long t0 = Stopwatch.GetTimestamp();
            Tensor value = Trainer.BatchLoss(model, ops, options, graph, batchTargets, columnScale);
            long t1 = Stopwatch.GetTimestamp();
            forwardMultiplyAdds = ops.MultiplyAdds;
            value.backward();
            long t2 = Stopwatch.GetTimestamp();
            optimizer.step();
            optimizer.zero_grad();
            long t3 = Stopwatch.GetTimestamp();
            phases.Add([Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds, Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds, Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds]);
        }, warmup, steps);
        double faults = ResourceUse.PerCall(before, ResourceUse.Now(), steps).Faults;
        double Phase(int i) => Timing.Median(phases.Skip(warmup).Select(p => p[i]));
        return new Result(name, threads, batch.NodeCount, batch.EdgeCount, batch.SystemCount, Timing.Median(times), times.Min(), Machine.PeakMemoryMiB(), steps,
            Phase(0), Phase(1), Phase(2), forwardMultiplyAdds, faults, times.Max());
    }

    /// <summary>
    /// 128 real QM9 molecules (a seeded sample of the first geometry part in shared/data), radius graph at the cutoff.
    /// </summary>
    public static BatchBuilder Qm9Batch(string geometriesDir, int molecules = 128, double cutoff = 2.0, int seed = 1)
    {
        string file = Directory.EnumerateFiles(geometriesDir, "*.xyz.gz").Order(StringComparer.Ordinal).FirstOrDefault()
            ?? throw new FileNotFoundException($"{geometriesDir}: no QM9 geometry parts (*.xyz.gz)");
        List<Molecule> all = XyzReader.ReadFile(file).Select(Molecule.FromFrame).ToList();
        var rng = new Random(seed);
        var batch = new BatchBuilder();
        foreach (Molecule m in all.OrderBy(_ => rng.Next()).Take(molecules))
            batch.Add(m.Positions, NeighbourList.Radius(m.Positions, cutoff), atomicNumbers: m.AtomicNumbers);
        return batch;
    }

    /// <summary>100 random five-particle systems, fully connected (the paper's N-body batch).</summary>
    public static BatchBuilder NBodyBatch(int systems = 100, int seed = 1) => SyntheticSystems.ParticleBatch(systems, seed);
}
