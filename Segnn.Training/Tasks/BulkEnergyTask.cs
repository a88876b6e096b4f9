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
/// The total EMT energy of strained, rattled bulk fcc metals and alloys (shared/data/slabs-emt bulk files; fully periodic
/// cells): sum pooling with per-element references, elements by group and period, a smooth Bessel radial basis.
/// </summary>
public sealed class BulkEnergyTask : SlabsTask
{
    public static readonly TaskKey Id = new("bulk-energy");

    public override TaskKey Key => Id;
    public override string Summary => "bulk energy: the total energy of a periodic metal crystal";
    protected override string FileKind => "bulk";
    protected override IReadOnlyList<string> SplitNames => SlabsEmt.BulkSplits;

    public override IReadOnlyList<LabelTarget> AvailableTargets { get; } = [new("energy", "eV", false, Extensive: true)];

    public override IReadOnlyList<string> DefaultTargets => ["energy"];

    /// <summary>The metals of the EMT data (Pd included: bulk files have none, the slabs test one).</summary>
    public override IReadOnlyList<int> DataElements => [13, 28, 29, 46, 47, 78, 79];

    public override ModelConfig DefaultConfig() => WithData(new ModelConfig
    {
        Task = Id,
        EdgeScalarIrreps = Irreps.Parse("8x0e"),
        OutputLevel = OutputLevel.Graph,
        HiddenFeatures = 64,
        LMaxHidden = 1,
        LMaxAttributes = 2,
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
    }, [new TargetSpec { Name = "energy", Irreps = Irreps.Parse("1x0e"), Unit = "eV" }]);

    public override TrainingOptions DefaultOptions() =>
        new() { Epochs = 60, BatchSize = 16, LearningRate = 1e-3, WeightDecay = 1e-8, Schedule = LearningRateSchedule.Cosine, WarmupEpochs = 2, Loss = LossKind.L1, ValidateEvery = 2 };

    public override BatchBuilder SampleBatch(ModelConfig config, int seed = 7)
    {
        var rng = new Random(seed);
        var batch = new BatchBuilder();
        double cutoff = config.Cutoff ?? 5.0;
        foreach (var (metals, a, repeats) in new (int[], double, int)[] { ([29], 3.59, 2), ([47, 79], 4.06, 2), ([13], 3.99, 3) })
        {
            PeriodicStructure s = SyntheticSystems.FccBulk(rng, metals, a, repeats, rattle: 0.08);
            batch.Add(s.Positions, NeighbourList.Radius(s.Positions, s.Cell, cutoff), atomicNumbers: s.AtomicNumbers, cell: s.Cell);
        }
        return batch;
    }
}
