using Segnn.Data.Atomistic;
using Segnn.Graphs;
using Segnn.Nn;
using Segnn.O3;
using Segnn.Runtime;
using Segnn.Training;

namespace Segnn.Tasks;

/// <summary>
/// Graph-level properties of atomistic systems (molecules, periodic structures): element (and tag) features computed
/// inside the model from atomic numbers (<see cref="AtomFeatures"/>), a radius graph with periodic images where there is a
/// cell, spherical-harmonic attributes, squared distances or a smooth Bessel basis as edge scalars, and graph outputs
/// de-standardised per target (scalars ·scale + mean plus per-element references for extensive targets; vectors ·scale).
/// The metric is the mean standardised MAE over targets; the report gives each target's MAE in its unit (meV for eV).
/// Subclasses say which data they read and how it splits.
/// </summary>
public abstract class AtomisticTask : SegnnTask
{
    public override string MetricName => "standardised MAE";

    /// <summary>The targets the task's files carry.</summary>
    public abstract IReadOnlyList<LabelTarget> AvailableTargets { get; }

    /// <summary>Targets trained when none are named.</summary>
    public abstract IReadOnlyList<string> DefaultTargets { get; }

    /// <summary>The elements a model of this task knows, in one-hot column order (may include elements absent from training).</summary>
    public abstract IReadOnlyList<int> DataElements { get; }

    /// <summary>The task's labelled systems, split.</summary>
    public abstract AtomisticSplits Split(string dataDir);

    /// <summary>Whether the task's systems have a cell (the model then takes the cell and edge shifts).</summary>
    public bool Periodic => System == SystemKind.PeriodicStructure;

    public override IReadOnlyList<ModelInput> Inputs(ModelConfig config)
    {
        var inputs = new List<ModelInput> { ModelInput.Positions, ModelInput.AtomicNumbers };
        if (config.TagFeatures) inputs.Add(ModelInput.Tags);
        if (config.PeriodicAxes is not null) inputs.AddRange([ModelInput.Cell, ModelInput.EdgeShifts]);
        inputs.AddRange([ModelInput.EdgeIndex, ModelInput.Batch]);
        return inputs;
    }

    public override IReadOnlyList<TaskOutput> Outputs(ModelConfig config)
    {
        var outputs = new List<TaskOutput>();
        int offset = 0;
        foreach (TargetSpec t in config.Targets)
        {
            outputs.Add(new TaskOutput(new OutputSpec(OutputName(t.Name), t.Irreps.ToString(), t.Unit, OutputLevel.Graph, t.Irreps.Dim, $"{t.Name} per {SystemNoun}"), offset));
            offset += t.Irreps.Dim;
        }
        if (config.Derivatives != EnergyDerivatives.None)
            outputs.Add(new TaskOutput(new OutputSpec(ForcesOutput, "1x1o", "eV/angstrom", OutputLevel.Node, 3, "forces −∂E/∂positions per atom"), -1, OutputSource.Forces));
        if (config.Derivatives == EnergyDerivatives.ForcesAndStress)
            outputs.Add(new TaskOutput(new OutputSpec(StressOutput, "", "eV/angstrom^3", OutputLevel.Graph, 9,
                "stress (1/V)·∂E/∂ε per structure, 3×3 row-major (ASE's convention: negative under compression)"), -1, OutputSource.Stress));
        return outputs;
    }

    /// <summary>The output names of the energy derivatives.</summary>
    public const string ForcesOutput = "forces", StressOutput = "stress";

    /// <summary>"molecule", "structure": in output descriptions.</summary>
    protected virtual string SystemNoun => Periodic ? "structure" : "molecule";

    /// <summary>A target's output name in model files (ONNX names: letters, digits, '_').</summary>
    public static string OutputName(string target) => new(target.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());

    public override SegnnInputs<T> Featurize<T>(IOps<T> ops, ModelConfig config, RawGraph<T> g)
    {
        T features = AtomFeatures.Compute(ops, config, g);
        T relative = Featurizer.RelativePositions(ops, g);
        T edgeAttributes = Featurizer.EdgeAttributes(ops, relative, config.LMaxAttributes, config.ShNormalization);
        Segmentation<T> byReceiver = Featurizer.ByReceiver(ops, g, relative);
        Segmentation<T> byGraph = Featurizer.ByGraph(ops, g);
        if (config.Radial == RadialBasis.None)
        {
            T nodeAttributes = Featurizer.NodeAttributes(ops, edgeAttributes, byReceiver);
            return new SegnnInputs<T>(features, nodeAttributes, edgeAttributes, Featurizer.SquaredNorm(ops, relative), g.Senders, g.Receivers, g.NumNodes, byGraph);
        }
        double cutoff = config.Cutoff!.Value;
        T distance = Featurizer.Norm(ops, relative);
        T envelope = Featurizer.Envelope(ops, distance, cutoff, config.EnvelopeExponent);
        T radial = Featurizer.BesselBasis(ops, distance, envelope, cutoff, config.RadialFunctions);
        T attributes = Featurizer.WeightedNodeAttributes(ops, edgeAttributes, envelope, byReceiver);
        return new SegnnInputs<T>(features, attributes, edgeAttributes, radial, g.Senders, g.Receivers, g.NumNodes, byGraph, envelope);
    }

    public override T Postprocess<T>(IOps<T> ops, ModelConfig config, RawGraph<T> graph, T networkOutput) =>
        StandardisedOutputs.Apply(ops, config, graph, networkOutput, ops.OneHot(graph.AtomicNumbers!, config.Elements!.Select(z => (long)z).ToArray()));

    public override void Validate(ModelConfig config)
    {
        if (config.Elements is not { Count: > 0 })
            throw new FormatException($"task {Key} needs the list of elements (atomic numbers) of its node features");
        int width = AtomFeatures.Width(config);
        if (config.InputIrreps != Irreps.Parse($"{width}x0e"))
            throw new FormatException($"input_irreps {config.InputIrreps} must be {width}x0e: the {EnumNames.Name(config.ElementEncoding)} features of {string.Join(", ", config.Elements)}{(config.TagFeatures ? " and the tags" : "")}");
        if (config.OutputLevel != OutputLevel.Graph)
            throw new FormatException($"task {Key} predicts one row per {SystemNoun} (output_level graph)");
        if (config.Graph != GraphConstruction.Radius)
            throw new FormatException($"task {Key} builds radius graphs (graph radius with a cutoff)");
        if (Periodic != (config.PeriodicAxes is not null))
            throw new FormatException(Periodic ? $"task {Key} is for periodic structures: give periodic_axes" : $"task {Key} has no cell: periodic_axes must be absent");
        if (Periodic && !config.PeriodicAxes!.Any(p => p))
            throw new FormatException($"task {Key}: at least one axis must be periodic");
        if (config.Radial == RadialBasis.None && config.EdgeScalarIrreps != Irreps.Parse("1x0e"))
            throw new FormatException($"task {Key}'s edge scalar is the squared distance (1x0e), not {config.EdgeScalarIrreps}");
    }

    /// <summary>The configuration with the task's data settings: its elements, their input irreps, the standardised targets.</summary>
    protected ModelConfig WithData(ModelConfig config, TargetSpec[] targets) => config with
    {
        Task = Key,
        Elements = DataElements.ToArray(),
        InputIrreps = Irreps.Parse($"{AtomFeatures.Width(config with { Elements = DataElements.ToArray() })}x0e"),
        Targets = targets,
        OutputIrreps = targets.Select(t => t.Irreps).Aggregate((a, b) => a + b),
    };

    public override TaskData LoadData(TaskDataRequest request)
    {
        AtomisticSplits splits = Split(request.DataDir);
        IReadOnlyList<ILabelledSystem> train = splits.Train;
        ModelConfig config = request.Config;
        if (!request.Resume)
        {
            var chosen = (request.Targets ?? DefaultTargets).Select(n => AvailableTargets.FirstOrDefault(t => t.Name == n)
                ?? throw new ArgumentException($"unknown target '{n}' for {Key} (expected {string.Join(", ", AvailableTargets.Select(t => t.Name))})")).ToList();
            if (request.Options.MaxTrainSamples > 0) train = train.Take(request.Options.MaxTrainSamples).ToList();
            config = WithData(config, TargetStatistics.Standardise(train, chosen, DataElements.ToArray(), extensive: config.Readout == Readout.NodeSum));
            if (config.Derivatives != EnergyDerivatives.None)
            {
                // loss scales: the mean |component| of the training labels (the zero-force and zero-stress baselines)
                double forceScale = train.SelectMany(m => m.Forces ?? []).DefaultIfEmpty(1).Average(Math.Abs);
                double stressScale = train.SelectMany(m => m.Stress ?? []).DefaultIfEmpty(1).Average(Math.Abs);
                config = config with { ForceScale = forceScale > 0 ? forceScale : 1, StressScale = stressScale > 0 ? stressScale : 1 };
            }
        }
        double cutoff = config.Cutoff ?? throw new FormatException($"task {Key} needs a cutoff");
        bool forces = config.Derivatives != EnergyDerivatives.None;
        return new TaskData(
            new AtomisticGraphDataset("train", [.. train, .. splits.Augmentation(train)], config.Targets, cutoff, forces),
            new AtomisticGraphDataset("valid", splits.Valid, config.Targets, cutoff, forces),
            new AtomisticGraphDataset(splits.DefaultTest, splits.Part(splits.DefaultTest), config.Targets, cutoff, forces),
            config,
            splits.Description);
    }

    public override IGraphDataset LoadSplit(string dataDir, string split, ModelConfig config) =>
        new AtomisticGraphDataset(split, Split(dataDir).Part(split), config.Targets, config.Cutoff ?? throw new FormatException($"task {Key} needs a cutoff"),
            config.Derivatives != EnergyDerivatives.None);

    /// <summary>The columns' errors, and for energy models the forces of free atoms and the stress of structures that have one.</summary>
    public override void AddErrors(ModelConfig config, OutputErrors errors, IReadOnlyDictionary<string, double[]> predicted, GraphTargets targets)
    {
        base.AddErrors(config, errors, predicted, targets);
        if (predicted.TryGetValue(ForcesOutput, out double[]? f) && targets.Forces is { } tf) errors.Add(ForcesOutput, f, tf, targets.ForceMask, 3);
        if (predicted.TryGetValue(StressOutput, out double[]? st) && targets.Stress is { } ts && targets.StressMask is { } mask && mask.Any(m => m))
            errors.Add(StressOutput, st, ts, mask, 9);
    }

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
        double metric = standardised / targets;
        if (errors.Has(ForcesOutput))
        {
            double mae = errors.MeanAbsolute(ForcesOutput);
            report["mae_forces_eV_per_A"] = mae;
            // energy models are selected by energy and forces alike, each against its own scale
            metric += mae / (config.ForceScale ?? 1);
            int terms = 2;
            if (errors.Has(StressOutput))
            {
                double stress = errors.MeanAbsolute(StressOutput);
                report["mae_stress_eV_per_A3"] = stress;
                metric += stress / (config.StressScale ?? 1);
                terms++;
            }
            metric /= terms;
        }
        return new EvaluationResult(MetricName, metric, samples, report);
    }

    /// <summary>The composition baseline's MAE on a split for every scalar target (fitted on the training split); the zero baseline for vectors.</summary>
    public override IReadOnlyDictionary<string, double> Baselines(ModelConfig config, string dataDir, string split)
    {
        AtomisticSplits splits = Split(dataDir);
        IReadOnlyList<ILabelledSystem> items = splits.Part(split);
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
        if (config.Derivatives != EnergyDerivatives.None)
        {
            // predicting zero force on every free atom, and the training set's mean stress
            var free = items.SelectMany(m => m.Forces!.Where((_, k) => m.Fixed is null || !m.Fixed[k / 3])).ToList();
            if (free.Count > 0) result["zero_force_mae_eV_per_A"] = free.Average(Math.Abs);
            var stressed = items.Where(m => m.Stress is not null).ToList();
            var trainStress = splits.Train.Where(m => m.Stress is not null).ToList();
            if (stressed.Count > 0 && trainStress.Count > 0)
            {
                double[] mean = Enumerable.Range(0, 9).Select(k => trainStress.Average(m => m.Stress![k])).ToArray();
                result["mean_stress_mae_eV_per_A3"] = stressed.SelectMany(m => m.Stress!.Select((v, k) => Math.Abs(v - mean[k]))).Average();
            }
        }
        return result;
    }

    /// <summary>"mae_homo_meV" for eV targets (reported in meV), else "mae_dipole_e.bohr".</summary>
    protected static string ReportKey(string what, TargetSpec t) =>
        t.Unit == "eV" ? $"{what}_{t.Name}_meV" : $"{what}_{t.Name}_{t.Unit.Replace('*', '.').Replace('/', '_')}";

    protected static double ReportValue(TargetSpec t, double value) => t.Unit == "eV" ? value * 1000 : value;
}

/// <summary>An atomistic dataset split for training, validation and one or more test sets, with how it was split.</summary>
/// <param name="Train">The training split.</param>
/// <param name="Valid">The validation split (model selection).</param>
/// <param name="Tests">Test splits by name (the first is <see cref="DefaultTest"/>).</param>
/// <param name="Description">Provenance: files, counts, how the split was made.</param>
/// <param name="TrainExtra">More training samples derived from the training split (e.g. relaxed structures with the same labels), keyed by the name of the system they come from.</param>
public sealed record AtomisticSplits(IReadOnlyList<ILabelledSystem> Train, IReadOnlyList<ILabelledSystem> Valid, IReadOnlyList<(string Name, IReadOnlyList<ILabelledSystem> Items)> Tests,
    IReadOnlyDictionary<string, string> Description, IReadOnlyList<ILabelledSystem>? TrainExtra = null)
{
    /// <summary>The extra training samples of the systems in <paramref name="train"/> (a subset of the training split when it was truncated).</summary>
    public IEnumerable<ILabelledSystem> Augmentation(IReadOnlyList<ILabelledSystem> train)
    {
        if (TrainExtra is null) return [];
        var names = train.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        return TrainExtra.Where(s => names.Contains(s.Name));
    }

    /// <summary>The test split the trainer reports.</summary>
    public string DefaultTest => Tests[0].Name;

    /// <summary>A split by name: train, valid, or a test split's name (<c>test</c> means the default test split).</summary>
    /// <exception cref="ArgumentException">No split has the name.</exception>
    public IReadOnlyList<ILabelledSystem> Part(string split)
    {
        if (split == "train") return Train;
        if (split == "valid") return Valid;
        if (split == "test") return Tests[0].Items;
        foreach (var (name, items) in Tests)
            if (name == split) return items;
        throw new ArgumentException($"--split must be train, valid, {string.Join(", ", Tests.Select(t => t.Name).Prepend("test").Distinct())}, not '{split}'");
    }
}
