using System.Globalization;
using Segnn.Data.Atomistic;
using Segnn.Data.Molecules;
using Segnn.Nn;
using Segnn.O3;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Training;

namespace Segnn.Tasks;

/// <summary>
/// Molecular property prediction (segnn.md §5) on QM9 files: the atomistic task without a cell, split by the standard
/// QM9 split; the paper's QM9 configuration and protocol are the defaults.
/// </summary>
public abstract class MoleculeTask : AtomisticTask
{
    /// <summary>Environment variable naming the folder of the standard QM9 split lists (train/valid/test_gdb_ids.txt).</summary>
    public const string SplitFolderVariable = "SEGNN_QM9_SPLIT";

    public override SystemKind System => SystemKind.Molecule;
    public override string LengthUnit => "angstrom";

    /// <summary>The labelled molecules of a data folder or file.</summary>
    public abstract IEnumerable<LabelledMolecule> Read(string dataDir);

    /// <summary>The paper's QM9 configuration (segnn.md §5.2) for one scalar target.</summary>
    public override ModelConfig DefaultConfig() => new()
    {
        Task = Key,
        InputIrreps = Irreps.Parse($"{DataElements.Count}x0e"),
        EdgeScalarIrreps = Irreps.Parse("1x0e"),
        OutputIrreps = Irreps.Parse("1x0e"),
        OutputLevel = OutputLevel.Graph,
        HiddenFeatures = 128,
        LMaxHidden = 2,
        LMaxAttributes = 3,
        Layers = 7,
        Norm = NormKind.Instance,
        Pool = Pooling.Avg,
        ShNormalization = ShNormalization.Component,
        Graph = GraphConstruction.Radius,
        Cutoff = 2.0,
        Elements = DataElements.ToArray(),
        Targets = [new TargetSpec { Name = DefaultTargets[0], Irreps = Irreps.Parse("1x0e"), Unit = AvailableTargets.First(t => t.Name == DefaultTargets[0]).Unit }],
    };

    /// <summary>The paper's QM9 protocol: batch 128, weight decay 1e-8, ×0.1 at 80 % and 90 %, L1 on standardised targets, validate every epoch.</summary>
    public override TrainingOptions DefaultOptions() =>
        new() { BatchSize = 128, WeightDecay = 1e-8, Schedule = LearningRateSchedule.Multistep, Loss = LossKind.L1, ValidateEvery = 1 };

    public override BatchBuilder SampleBatch(ModelConfig config, int seed = 7)
    {
        var rng = new Random(seed);
        var batch = new BatchBuilder();
        IReadOnlyList<int> elements = config.Elements ?? DataElements;
        double cutoff = config.Cutoff ?? 2.0;
        foreach (int n in new[] { 1, 5, 12, 18 })
        {
            Molecule m = SyntheticSystems.Chain(rng, n, elements);
            batch.Add(m.Positions, NeighbourList.Radius(m.Positions, cutoff), atomicNumbers: m.AtomicNumbers);
        }
        // symmetric molecules (QM9's methane and ammonia geometries): their l > 0 features nearly cancel, which is where
        // float32 rounding shows first (instance norm divides by a near-zero vector norm)
        if (new[] { 1, 6, 7 }.All(elements.Contains))
        {
            double[] methane = [-0.0127, 1.0858, 0.0080, 0.0022, -0.0060, 0.0020, 1.0117, 1.4638, 0.0003, -0.5408, 1.4475, -0.8766, -0.5238, 1.4379, 0.9064];
            double[] ammonia = [-0.0404, 1.0241, 0.0626, 0.0173, 0.0125, -0.0274, 0.9158, 1.3587, -0.0288, -0.5203, 1.3435, -0.7755];
            batch.Add(methane, NeighbourList.Radius(methane, cutoff), atomicNumbers: [6, 1, 1, 1, 1]);
            batch.Add(ammonia, NeighbourList.Radius(ammonia, cutoff), atomicNumbers: [7, 1, 1, 1]);
        }
        return batch;
    }

    /// <summary>
    /// The task's labelled molecules split by the standard QM9 split (the <c>split</c> folder beside the data, or
    /// $<see cref="SplitFolderVariable"/>; restricted to the molecules present). Files without QM9 ids, or without a split
    /// folder, are split 80/10/10 in file order.
    /// </summary>
    public override AtomisticSplits Split(string dataDir)
    {
        List<LabelledMolecule> all = Read(dataDir).ToList();
        if (all.Count == 0) throw new InvalidDataException($"{dataDir}: no molecules found");
        string splitDir = Environment.GetEnvironmentVariable(SplitFolderVariable) is { Length: > 0 } custom ? custom
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataDir.TrimEnd('/')))!, "split");
        var description = new Dictionary<string, string> { ["dataset"] = Path.GetFullPath(dataDir), ["molecules"] = all.Count.ToString(CultureInfo.InvariantCulture) };
        if (all.All(m => m.GdbId > 0) && Directory.Exists(splitDir))
        {
            Qm9Split split = Qm9Split.Load(splitDir);
            description["split"] = $"standard QM9 split ({splitDir}) restricted to the molecules present";
            var parts = all.GroupBy(m => split.SplitOf(m.GdbId) ?? "none").ToDictionary(g => g.Key, g => g.ToList());
            List<LabelledMolecule> Part(string name) => parts.TryGetValue(name, out var list) ? list : [];
            description["counts"] = $"train:{Part("train").Count}/valid:{Part("valid").Count}/test:{Part("test").Count}";
            return new AtomisticSplits(Part("train"), Part("valid"), [("test", Part("test"))], description);
        }
        int nTrain = all.Count * 8 / 10, nValid = all.Count / 10;
        description["split"] = "80/10/10 in file order (no QM9 ids or split folder)";
        return new AtomisticSplits(all.Take(nTrain).ToList(), all.Skip(nTrain).Take(nValid).ToList(), [("test", all.Skip(nTrain + nValid).ToList())], description);
    }
}
