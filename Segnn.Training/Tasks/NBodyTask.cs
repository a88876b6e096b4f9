using System.Globalization;
using Segnn.Data.NBody;
using Segnn.Graphs;
using Segnn.Nn;
using Segnn.O3;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Training;

namespace Segnn.Tasks;

/// <summary>
/// Charged N-body (segnn.md §4): from positions, velocities and charges of five particles, their positions 1.0 time
/// units later. Node input [p − centre, v, ‖v‖] (2x1o+1x0e), edge scalars [‖r‖, q_s·q_r], node attribute = mean edge
/// SH + SH(v), fully connected; the prediction is p + output; MSE.
/// </summary>
public sealed class NBodyTask : SegnnTask
{
    /// <summary>The task's key.</summary>
    public static readonly TaskKey Id = new("nbody");

    /// <summary>The output's name in model files.</summary>
    public const string OutputName = "predicted_positions";

    public override TaskKey Key => Id;

    public override string Summary => "charged 5-body: positions 1.0 time units ahead from positions, velocities and charges";
    public override SystemKind System => SystemKind.ParticleSystem;
    public override string LengthUnit => "simulation units";
    public override string DataDescription => "a dataset folder from 'segnn nbody generate'";
    public override string MetricName => "MSE";

    public override IReadOnlyList<ModelInput> Inputs(ModelConfig config) =>
        [ModelInput.Positions, ModelInput.Velocities, ModelInput.Charges, ModelInput.EdgeIndex, ModelInput.Batch];

    public override IReadOnlyList<TaskOutput> Outputs(ModelConfig config) =>
        [new(new OutputSpec(OutputName, "1x1o", LengthUnit, OutputLevel.Node, 3, "positions 1.0 time units later (input positions + network output)"), 0)];

    public override SegnnInputs<T> Featurize<T>(IOps<T> ops, ModelConfig config, RawGraph<T> g)
    {
        T velocities = g.Velocities ?? throw new ArgumentException("the nbody task needs velocities");
        T charges = g.Charges ?? throw new ArgumentException("the nbody task needs charges");
        T relative = Featurizer.RelativePositions(ops, g);
        T edgeAttributes = Featurizer.EdgeAttributes(ops, relative, config.LMaxAttributes, config.ShNormalization);
        Segmentation<T> byReceiver = Featurizer.ByReceiver(ops, g, relative);
        Segmentation<T> byGraph = Featurizer.ByGraph(ops, g);
        T nodeAttributes = ops.Add(Featurizer.NodeAttributes(ops, edgeAttributes, byReceiver),
            SphericalHarmonicsOp.Evaluate(ops, velocities, config.LMaxAttributes, config.ShNormalization));

        T centre = config.Centering == Centering.Reference
            ? ops.Scale(ops.SumAxis(g.Positions, -1), 1.0 / 3.0) // the reference's per-particle coordinate mean, broadcast over x, y, z
            : byGraph.Broadcast(ops, byGraph.Mean(ops, g.Positions));
        T features = ops.Concat([ops.Sub(g.Positions, centre), velocities, Featurizer.Norm(ops, velocities)]);
        T edgeScalars = ops.Concat([Featurizer.Norm(ops, relative), ops.Mul(ops.Rows(charges, g.Senders), ops.Rows(charges, g.Receivers))]);
        return new SegnnInputs<T>(features, nodeAttributes, edgeAttributes, edgeScalars, g.Senders, g.Receivers, g.NumNodes, byGraph);
    }

    public override T Postprocess<T>(IOps<T> ops, ModelConfig config, RawGraph<T> graph, T networkOutput) => ops.Add(graph.Positions, networkOutput);

    public override void Validate(ModelConfig config)
    {
        if (config.InputIrreps.Dim != 7)
            throw new FormatException($"the nbody task's node input is [position, velocity, |velocity|] (2x1o+1x0e), not {config.InputIrreps}");
        if (config.OutputIrreps != Irreps.Parse("1x1o") || config.OutputLevel != OutputLevel.Node)
            throw new FormatException($"the nbody task predicts one 1x1o vector per particle, not {config.OutputIrreps} per {EnumNames.Name(config.OutputLevel)}");
        if (config.Graph != GraphConstruction.FullyConnected)
            throw new FormatException("the nbody task's systems are fully connected");
    }

    /// <summary>The paper's N-body configuration (segnn.md §4.3).</summary>
    public override ModelConfig DefaultConfig() => new() { Task = Id };

    public override TrainingOptions DefaultOptions() => new() { MaxTrainSamples = NBodySamples.PaperTrainingSamples };

    public override TaskData LoadData(TaskDataRequest request)
    {
        string dir = request.DataDir;
        TrainingOptions options = request.Options;
        NBodyManifest manifest = NBodyDataset.ReadManifest(dir);
        int maxTrain = options.MaxTrainSamples > 0 ? options.MaxTrainSamples : int.MaxValue;
        IGraphDataset train = options.TrainFrames is { } frames
            ? new NBodyFrameAugmentation(NBodyDataset.Load(dir, "train"), maxTrain, FrameRange(frames).First, FrameRange(frames).Last, options.Seed)
            : NBodyGraphDataset.Load(dir, "train", options.MaxTrainSamples > 0 ? options.MaxTrainSamples : null);
        return new TaskData(train, NBodyGraphDataset.Load(dir, "valid"), NBodyGraphDataset.Load(dir, "test"), request.Config, new Dictionary<string, string>
        {
            ["dataset"] = Path.GetFullPath(dir),
            ["seed"] = manifest.Seed.ToString(CultureInfo.InvariantCulture),
            ["counts"] = string.Join("/", manifest.Files.Select(f => $"{f.Split}:{f.Trajectories}")),
        });
    }

    public override IGraphDataset LoadSplit(string dataDir, string split, ModelConfig config) => NBodyGraphDataset.Load(dataDir, split);

    public override EvaluationResult Summarize(ModelConfig config, OutputErrors errors, int samples)
    {
        double mse = errors.MeanSquared(OutputName);
        return new EvaluationResult(MetricName, mse, samples, new Dictionary<string, double> { ["mse"] = mse });
    }

    public override IReadOnlyDictionary<string, double> Baselines(ModelConfig config, string dataDir, string split)
    {
        NBodySamples samples = NBodySamples.Load(dataDir, split);
        return new Dictionary<string, double>
        {
            ["baseline_mse_no_motion"] = NBodyBaselines.NoMotionMse(samples),
            ["baseline_mse_constant_velocity"] = NBodyBaselines.ConstantVelocityMse(samples),
        };
    }

    public override double[] ColumnScales(ModelConfig config) => [1.0, 1.0, 1.0];

    public override BatchBuilder SampleBatch(ModelConfig config, int seed = 7) => SyntheticSystems.ParticleBatch(16, seed, positionScale: 2.0, velocityScale: 0.6);

    /// <summary>"FIRST:LAST" of <c>--train-frames</c>.</summary>
    public static (int First, int Last) FrameRange(string text)
    {
        string[] parts = text.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int first) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int last))
            throw new ArgumentException($"--train-frames '{text}': expected FIRST:LAST, e.g. 20:38");
        return (first, last);
    }
}
