using Segnn.Data.Slabs;
using Segnn.Export;
using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Training;
using static TorchSharp.torch;

namespace Segnn.Cli.Bench;

/// <summary>
/// Periodic workloads: batches of real slabs-emt structures through a shipped model (IS2RE inference), and the cost of
/// forces and stress against energy alone for the same weights and batch.
/// </summary>
internal static class AtomisticBench
{
    /// <summary>The first <paramref name="count"/> structures of a slabs-emt file as one batch, graphs built as the runtime builds them.</summary>
    public static BatchBuilder Batch(string file, int count, double cutoff, bool tags)
    {
        var batch = new BatchBuilder();
        foreach (LabelledStructure s in SlabsEmt.Read(file).Take(count))
        {
            PeriodicStructure p = s.Structure;
            batch.Add(p.Positions, NeighbourList.Radius(p.Positions, p.Cell, cutoff), atomicNumbers: p.AtomicNumbers, tags: tags ? p.Tags : default, cell: p.Cell);
        }
        return batch;
    }

    /// <summary>A shipped checkpoint by name, or null (the row is then skipped, saying so).</summary>
    public static Checkpoint? Shipped(string name)
    {
        string? models = SharedPaths.Models;
        string? path = models is null ? null : Path.Combine(models, name);
        return path is not null && File.Exists(path) ? Checkpoint.Load(path) : null;
    }

    /// <summary>The model with other energy derivatives (the same weights): energy only, or energy and forces (and stress).</summary>
    public static SegnnModel WithDerivatives(Checkpoint checkpoint, EnergyDerivatives derivatives)
    {
        var model = new SegnnModel(checkpoint.Config with { Derivatives = derivatives });
        checkpoint.LoadInto(model);
        return model;
    }

    /// <summary>
    /// TorchSharp, two models on one batch with their calls alternated (<see cref="InferenceBench.Alternate"/>): energy by
    /// a no-grad forward, or energy with forces (and stress) by autograd, as training and eval run them.
    /// </summary>
    public static (InferenceBench.Row A, InferenceBench.Row B) TorchAlternated(string nameA, SegnnModel a, string nameB, SegnnModel b, BatchBuilder batch, int threads, int repeats)
    {
        set_num_threads(threads);
        using var pa = new TorchPredictor(a);
        using var pb = new TorchPredictor(b);
        var (ta, tb) = InferenceBench.Alternate(() => pa.Predict(batch), () => pb.Predict(batch), 1, repeats);
        InferenceBench.Row R(string name, SegnnModel m, List<double> t) =>
            new(name, m.Config.Derivatives == EnergyDerivatives.None ? "torchsharp-energy" : "torchsharp-energy-forces", threads, batch.NodeCount, batch.EdgeCount, batch.SystemCount,
                Timing.Median(t), t.Min(), repeats, t.Max());
        return (R(nameA, a, ta), R(nameB, b, tb));
    }

    /// <summary>The exported file of <paramref name="model"/> (the pipeline's parity check included).</summary>
    public static byte[] Export(SegnnModel model)
    {
        ExportReport report = ExportPipeline.Run(model, null, new ExportOptions());
        return report.Refusal is { } why ? throw new InvalidOperationException($"bench: {why}") : report.Model;
    }
}
