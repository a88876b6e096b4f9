using System.Globalization;
using Segnn.Data.Molecules;
using Segnn.Graphs;
using Segnn.Nn;
using Segnn.O3;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Training;

namespace Segnn.Tasks;

/// <summary>
/// Molecular property prediction (segnn.md §5): one-hot elements (N×0e, computed inside the model from the atomic
/// numbers), radius graph, component-normalised SH attributes, squared-distance edge scalar; graph outputs de-standardised
/// per target (scalars: ·scale + mean, plus per-element references for extensive targets; vectors: ·scale). The metric is
/// the mean standardised MAE over targets; the report gives each target's MAE in its unit (meV for eV targets).
/// </summary>
public abstract class MoleculeTask : SegnnTask
{
    /// <summary>Environment variable naming the folder of the standard QM9 split lists (train/valid/test_gdb_ids.txt).</summary>
    public const string SplitFolderVariable = "SEGNN_QM9_SPLIT";

    public override SystemKind System => SystemKind.Molecule;
    public override string LengthUnit => "angstrom";
    public override string MetricName => "standardised MAE";

    /// <summary>The targets the task's files carry.</summary>
    public abstract IReadOnlyList<MoleculeTarget> AvailableTargets { get; }

    /// <summary>Targets trained when none are named.</summary>
    public abstract IReadOnlyList<string> DefaultTargets { get; }

    /// <summary>The elements of the task's data, in one-hot column order.</summary>
    public abstract IReadOnlyList<int> DataElements { get; }

    /// <summary>The labelled molecules of a data folder or file.</summary>
    public abstract IEnumerable<LabelledMolecule> Read(string dataDir);

    public override IReadOnlyList<ModelInput> Inputs(ModelConfig config) =>
        [ModelInput.Positions, ModelInput.AtomicNumbers, ModelInput.EdgeIndex, ModelInput.Batch];

    public override IReadOnlyList<TaskOutput> Outputs(ModelConfig config)
    {
        var outputs = new List<TaskOutput>();
        int offset = 0;
        foreach (TargetSpec t in config.Targets)
        {
            outputs.Add(new TaskOutput(new OutputSpec(OutputName(t.Name), t.Irreps.ToString(), t.Unit, OutputLevel.Graph, t.Irreps.Dim, $"{t.Name} per molecule"), offset));
            offset += t.Irreps.Dim;
        }
        return outputs;
    }

    /// <summary>A target's output name in model files (ONNX names: letters, digits, '_').</summary>
    public static string OutputName(string target) => new(target.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());

    public override SegnnInputs<T> Featurize<T>(IOps<T> ops, ModelConfig config, RawGraph<T> g)
    {
        T features = ElementFeatures(ops, config, g);
        T relative = Featurizer.RelativePositions(ops, g);
        T edgeAttributes = Featurizer.EdgeAttributes(ops, relative, config.LMaxAttributes, config.ShNormalization);
        Segmentation<T> byReceiver = Featurizer.ByReceiver(ops, g, relative);
        Segmentation<T> byGraph = Featurizer.ByGraph(ops, g);
        T nodeAttributes = Featurizer.NodeAttributes(ops, edgeAttributes, byReceiver);
        T edgeScalars = Featurizer.SquaredNorm(ops, relative);
        return new SegnnInputs<T>(features, nodeAttributes, edgeAttributes, edgeScalars, g.Senders, g.Receivers, g.NumNodes, byGraph);
    }

    /// <summary>One-hot rows over the model's elements, inside the forward (training and the exported graph alike).</summary>
    protected static T ElementFeatures<T>(IOps<T> ops, ModelConfig config, RawGraph<T> g) where T : class =>
        ops.OneHot(g.AtomicNumbers ?? throw new ArgumentException("the molecule task needs atomic numbers"),
            (config.Elements ?? throw new ArgumentException("the model has no element list")).Select(z => (long)z).ToArray());

    public override T Postprocess<T>(IOps<T> ops, ModelConfig config, RawGraph<T> graph, T networkOutput) =>
        StandardisedOutputs.Apply(ops, config, graph, networkOutput, ElementFeatures(ops, config, graph));

    public override void Validate(ModelConfig config)
    {
        if (config.Elements is not { Count: > 0 })
            throw new FormatException($"task {Key} needs the list of elements (atomic numbers) of its one-hot node features");
        if (config.InputIrreps != Irreps.Parse($"{config.Elements.Count}x0e"))
            throw new FormatException($"input_irreps {config.InputIrreps} must be {config.Elements.Count}x0e: one scalar per element of {string.Join(", ", config.Elements)}");
        if (config.OutputLevel != OutputLevel.Graph)
            throw new FormatException($"task {Key} predicts one row per molecule (output_level graph)");
        if (config.Graph != GraphConstruction.Radius)
            throw new FormatException($"task {Key} builds radius graphs (graph radius with a cutoff)");
    }

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

    public override TaskData LoadData(TaskDataRequest request)
    {
        MoleculeSplits splits = Split(request.DataDir);
        List<LabelledMolecule> train = splits.Train;
        ModelConfig config = request.Config;
        if (!request.Resume)
        {
            var chosen = (request.Targets ?? DefaultTargets).Select(n => AvailableTargets.FirstOrDefault(t => t.Name == n)
                ?? throw new ArgumentException($"unknown target '{n}' for {Key} (expected {string.Join(", ", AvailableTargets.Select(t => t.Name))})")).ToList();
            if (request.Options.MaxTrainSamples > 0) train = train.Take(request.Options.MaxTrainSamples).ToList();
            int[] elements = DataElements.ToArray();
            TargetSpec[] specs = TargetStatistics.Standardise(train, chosen, elements);
            config = config with
            {
                Task = Key,
                Elements = elements,
                InputIrreps = Irreps.Parse($"{elements.Length}x0e"),
                Targets = specs,
                OutputIrreps = specs.Select(t => t.Irreps).Aggregate((a, b) => a + b),
            };
        }
        double cutoff = config.Cutoff ?? 2.0;
        return new TaskData(
            new MoleculeGraphDataset("train", train, config.Targets, cutoff),
            new MoleculeGraphDataset("valid", splits.Valid, config.Targets, cutoff),
            new MoleculeGraphDataset("test", splits.Test, config.Targets, cutoff),
            config,
            splits.Description);
    }

    public override IGraphDataset LoadSplit(string dataDir, string split, ModelConfig config) =>
        new MoleculeGraphDataset(split, Split(dataDir).Part(split), config.Targets, config.Cutoff ?? 2.0);

    public override EvaluationResult Summarize(ModelConfig config, OutputErrors errors, int samples)
    {
        var report = new Dictionary<string, double>();
        double standardised = 0;
        int targets = 0;
        foreach (TargetSpec t in config.Targets)
        {
            string name = OutputName(t.Name);
            if (!errors.Has(name)) continue; // a model file may expose a subset of its targets
            double mae = errors.MeanAbsolute(name);
            standardised += mae / t.Scale;
            targets++;
            report[ReportKey("mae", t)] = ReportValue(t, mae);
        }
        if (targets == 0) throw new InvalidOperationException("no target of the model was evaluated");
        report["standardised_mae"] = standardised / targets;
        return new EvaluationResult(MetricName, standardised / targets, samples, report);
    }

    /// <summary>The composition baseline's MAE on a split for every scalar target (fitted on the training split); the zero baseline for vectors.</summary>
    public override IReadOnlyDictionary<string, double> Baselines(ModelConfig config, string dataDir, string split)
    {
        MoleculeSplits splits = Split(dataDir);
        List<LabelledMolecule> items = splits.Part(split);
        var result = new Dictionary<string, double>();
        foreach (TargetSpec t in config.Targets)
        {
            if (t.Irreps.Dim == 1)
            {
                double mae = CompositionBaseline.Fit(splits.Train, t.Name, config.Elements!.ToArray()).MeanAbsoluteError(items, t.Name);
                result[ReportKey("baseline_mae", t)] = ReportValue(t, mae);
            }
            else if (items.Count > 0 && items[0].Vectors.ContainsKey(t.Name))
            {
                result[ReportKey("zero_mae", t)] = ReportValue(t, items.SelectMany(m => m.Vectors[t.Name]).Average(Math.Abs));
            }
        }
        return result;
    }

    /// <summary>"mae_homo_meV" for eV targets (reported in meV), else "mae_dipole_e.bohr".</summary>
    private static string ReportKey(string what, TargetSpec t) =>
        t.Unit == "eV" ? $"{what}_{t.Name}_meV" : $"{what}_{t.Name}_{t.Unit.Replace('*', '.').Replace('/', '_')}";

    private static double ReportValue(TargetSpec t, double value) => t.Unit == "eV" ? value * 1000 : value;

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
    public MoleculeSplits Split(string dataDir)
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
            return new MoleculeSplits(Part("train"), Part("valid"), Part("test"), description);
        }
        int nTrain = all.Count * 8 / 10, nValid = all.Count / 10;
        description["split"] = "80/10/10 in file order (no QM9 ids or split folder)";
        return new MoleculeSplits(all.Take(nTrain).ToList(), all.Skip(nTrain).Take(nValid).ToList(), all.Skip(nTrain + nValid).ToList(), description);
    }
}

/// <summary>A molecular dataset split three ways, with how it was split.</summary>
public sealed record MoleculeSplits(List<LabelledMolecule> Train, List<LabelledMolecule> Valid, List<LabelledMolecule> Test, IReadOnlyDictionary<string, string> Description)
{
    /// <exception cref="ArgumentException">The name is not train, valid or test.</exception>
    public List<LabelledMolecule> Part(string split) => split switch
    {
        "train" => Train,
        "valid" => Valid,
        "test" => Test,
        _ => throw new ArgumentException($"--split must be train, valid or test, not '{split}'"),
    };
}

/// <summary>
/// Undoing the target standardisation inside the forward: scalars ·scale + mean, vectors ·scale, and for extensive targets
/// the sum of per-element references over each graph's atoms (one-hot rows times the references). Shared by every task
/// with graph-level targets.
/// </summary>
public static class StandardisedOutputs
{
    /// <param name="ops">the backend.</param>
    /// <param name="config">targets, their statistics and references.</param>
    /// <param name="graph">the batch (for the per-graph sums).</param>
    /// <param name="networkOutput">[graphs, output dim], standardised.</param>
    /// <param name="elementRows">[nodes, elements] one-hot rows aligned with the references; only read when a target has references.</param>
    public static T Apply<T>(IOps<T> ops, ModelConfig config, RawGraph<T> graph, T networkOutput, T elementRows) where T : class
    {
        var scale = new List<double>();
        var shift = new List<double>();
        foreach (TargetSpec t in config.Targets)
            foreach (MulIrrep b in t.Irreps)
                for (int i = 0; i < b.Dim; i++)
                {
                    scale.Add(t.Scale);
                    shift.Add(b.Ir.L == 0 ? t.Mean : 0.0);
                }
        T result = networkOutput;
        if (!scale.All(s => s == 1)) result = ops.Mul(result, ops.Constant(scale.ToArray(), 1, scale.Count));
        if (!shift.All(s => s == 0)) result = ops.Add(result, ops.Constant(shift.ToArray(), 1, shift.Count));
        if (config.Targets.All(t => t.AtomReferences is null)) return result;

        Segmentation<T> byGraph = Featurizer.ByGraph(ops, graph);
        var columns = new List<T>();
        foreach (TargetSpec t in config.Targets)
        {
            int width = t.Irreps.Dim;
            if (t.AtomReferences is { } refs && width == 1)
                columns.Add(byGraph.Sum(ops, ops.SumAxis(ops.Mul(elementRows, ops.Constant(refs.ToArray(), 1, refs.Count)), -1)));
            else
                for (int k = 0; k < width; k++) columns.Add(ops.Scale(ops.OnesColumn(result), 0));
        }
        return ops.Add(result, ops.Concat(columns));
    }
}
