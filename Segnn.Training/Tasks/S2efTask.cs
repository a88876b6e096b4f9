using Segnn.Data.Atomistic;
using Segnn.Data.Slabs;
using Segnn.Graphs;
using Segnn.Nn;
using Segnn.O3;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Training;

namespace Segnn.Tasks;

/// <summary>
/// An EMT force field in OC20's S2EF shape: from a structure (a slab with an adsorbate, pbc T T F, or a bulk crystal,
/// pbc T T T), its total energy, the forces −∂E/∂r and, for cells, the stress (1/V)·∂E/∂ε — all three outputs of one
/// exported graph, the derivatives taken of the traced forward. Trains on the S2EF frames plus the bulk cells (whose
/// stress labels train the stress); reports test_id, test_ood_ads, test_ood_cat and the bulk test. Extensive node-sum
/// readout, smooth Bessel radial basis with an envelope (energies and forces continuous at the cutoff), elements by group
/// and period (Pd of test_ood_cat is unseen in training).
/// </summary>
public sealed class S2efTask : SlabsTask
{
    public static readonly TaskKey Id = new("s2ef");

    /// <summary>The bulk test split's name.</summary>
    public const string BulkTest = "bulk_test";

    public override TaskKey Key => Id;
    public override string Summary => "EMT force field: energy, forces and stress of periodic slabs and bulk cells";
    protected override string FileKind => "s2ef";
    protected override IReadOnlyList<string> SplitNames => [.. SlabsEmt.Splits, BulkTest];

    public override IReadOnlyList<LabelTarget> AvailableTargets { get; } = [new("energy", "eV", false, Extensive: true)];

    public override IReadOnlyList<string> DefaultTargets => ["energy"];

    public override IReadOnlyList<int> DataElements => [1, 6, 7, 8, 13, 28, 29, 46, 47, 78, 79];

    public override ModelConfig DefaultConfig() => WithData(new ModelConfig
    {
        Task = Id,
        EdgeScalarIrreps = Irreps.Parse("8x0e"),
        OutputLevel = OutputLevel.Graph,
        HiddenFeatures = 32,
        LMaxHidden = 1,
        LMaxAttributes = 1,
        Layers = 3,
        Norm = NormKind.None,
        Pool = Pooling.Sum,
        Readout = Readout.NodeSum,
        ShNormalization = ShNormalization.Component,
        Graph = GraphConstruction.Radius,
        Cutoff = 4.0,
        ElementEncoding = ElementEncoding.GroupPeriod,
        PeriodicAxes = [true, true, true],
        Radial = RadialBasis.Bessel,
        RadialFunctions = 8,
        Derivatives = EnergyDerivatives.ForcesAndStress,
    }, [new TargetSpec { Name = "energy", Irreps = Irreps.Parse("1x0e"), Unit = "eV" }]);

    public override TrainingOptions DefaultOptions() =>
        new() { Epochs = 10, BatchSize = 16, LearningRate = 2e-3, WeightDecay = 1e-8, Schedule = LearningRateSchedule.Cosine, WarmupEpochs = 1, Loss = LossKind.L1, ValidateEvery = 1, ForceWeight = 1, StressWeight = 0.3 };

    /// <summary>S2EF frames of the split, plus the bulk cells for training and validation; the bulk test on its own.</summary>
    protected override List<LabelledStructure> ReadSplit(string dir, string split) => split switch
    {
        BulkTest => SlabsEmt.Read(SlabsEmt.File(dir, "bulk", "test")).ToList(),
        "train" or "valid" => [.. base.ReadSplit(dir, split), .. SlabsEmt.Read(SlabsEmt.File(dir, "bulk", split))],
        _ => base.ReadSplit(dir, split),
    };

    public override BatchBuilder SampleBatch(ModelConfig config, int seed = 7)
    {
        var rng = new Random(seed);
        var batch = new BatchBuilder();
        double cutoff = config.Cutoff ?? 4.5;
        PeriodicStructure[] structures =
        [
            SyntheticSystems.FccSlab(rng, [29, 79], 3.7, 2, 2, 3, adsorbate: [6, 8]),
            SyntheticSystems.FccBulk(rng, [13, 28], 3.7, 2, rattle: 0.1),
            SyntheticSystems.FccSlab(rng, [46], 3.88, 3, 2, 3, adsorbate: [1]),
        ];
        foreach (PeriodicStructure s in structures)
            batch.Add(s.Positions, NeighbourList.Radius(s.Positions, s.Cell, cutoff), atomicNumbers: s.AtomicNumbers, cell: s.Cell);
        return batch;
    }
}
