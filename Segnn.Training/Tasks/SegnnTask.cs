using Segnn.Graphs;
using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Training;

namespace Segnn.Tasks;

/// <summary>
/// Everything a task is, in one object: the inputs a model file takes and the named outputs it gives (with irreps,
/// units and level), the featurisation and post-processing around the network (written against <see cref="IOps{T}"/>,
/// so the exported graph embeds them), the metric, the default model and training options, the data it reads and its
/// splits, and sample batches for export parity. Tasks are found through <see cref="TaskRegistry"/> by their
/// <see cref="TaskKey"/>; nothing else compares task names. Stateless: per-model settings come from the
/// <see cref="ModelConfig"/> passed in.
/// </summary>
public abstract class SegnnTask
{
    /// <summary>The typed name (<c>nbody</c>, <c>qm9-mp2</c>, …).</summary>
    public abstract TaskKey Key { get; }

    /// <summary>One line: what the task predicts from what.</summary>
    public abstract string Summary { get; }

    /// <summary>The kind of system a model of this task takes.</summary>
    public abstract SystemKind System { get; }

    /// <summary>The unit of positions and cutoff.</summary>
    public abstract string LengthUnit { get; }

    /// <summary>What <c>--data</c> is for this task, for help texts and errors.</summary>
    public abstract string DataDescription { get; }

    /// <summary>The inputs the model file takes, in order.</summary>
    public abstract IReadOnlyList<ModelInput> Inputs(ModelConfig config);

    /// <summary>The named outputs and where each sits in the prediction's columns.</summary>
    public abstract IReadOnlyList<TaskOutput> Outputs(ModelConfig config);

    /// <summary>Raw graph → what the network consumes.</summary>
    public abstract SegnnInputs<T> Featurize<T>(IOps<T> ops, ModelConfig config, RawGraph<T> graph) where T : class;

    /// <summary>Raw network output → the prediction, in output-column order.</summary>
    public abstract T Postprocess<T>(IOps<T> ops, ModelConfig config, RawGraph<T> graph, T networkOutput) where T : class;

    /// <summary>Checks the task's rules on a configuration; throws <see cref="FormatException"/> naming the field.</summary>
    public abstract void Validate(ModelConfig config);

    /// <summary>The task's default (usually the paper's) model configuration.</summary>
    public abstract ModelConfig DefaultConfig();

    /// <summary>The task's default training options.</summary>
    public abstract TrainingOptions DefaultOptions();

    /// <summary>
    /// The task's data for a training run: splits as datasets, the configuration completed with what the data
    /// determines (targets and their standardisation, elements), and a description for provenance.
    /// </summary>
    public abstract TaskData LoadData(TaskDataRequest request);

    /// <summary>
    /// <paramref name="path"/> when it names an existing file or folder; otherwise a one-line input error (a task's own
    /// reader would report the first file it fails to open, which says less).
    /// </summary>
    /// <exception cref="SegnnInputException">Nothing is at <paramref name="path"/>.</exception>
    public static string RequireDataPath(string path) =>
        File.Exists(path) || Directory.Exists(path) ? path : throw new SegnnInputException($"{path}: no such data file or folder");

    /// <summary>One split of the task's data for a model of <paramref name="config"/> (evaluation).</summary>
    public abstract IGraphDataset LoadSplit(string dataDir, string split, ModelConfig config);

    /// <summary>The name of the metric <see cref="Summarize"/> returns (plots, logs).</summary>
    public abstract string MetricName { get; }

    /// <summary>
    /// The metric (lower is better: validation selects by it) and the report <c>segnn eval</c> prints, from the errors of
    /// every output over a split.
    /// </summary>
    public abstract EvaluationResult Summarize(ModelConfig config, OutputErrors errors, int samples);

    /// <summary>Baselines on a split in the units of <see cref="Summarize"/>'s report (e.g. the composition fit); none by default.</summary>
    public virtual IReadOnlyDictionary<string, double> Baselines(ModelConfig config, string dataDir, string split) => new Dictionary<string, double>();

    /// <summary>Per prediction column, the scale that standardises it for the loss.</summary>
    public virtual double[] ColumnScales(ModelConfig config) =>
        config.Targets.SelectMany(t => Enumerable.Repeat(t.Scale, t.Irreps.Dim)).ToArray();

    /// <summary>Small deterministic batches of the task's kind of system, for the export parity check.</summary>
    public abstract BatchBuilder SampleBatch(ModelConfig config, int seed = 7);

    /// <summary>The full prediction: featurise, run the network, post-process.</summary>
    public T Predict<T>(IOps<T> ops, SegnnModel model, RawGraph<T> graph) where T : class =>
        Postprocess(ops, model.Config, graph, model.Forward(ops, Featurize(ops, model.Config, graph)));

    /// <summary>Whether the model's outputs include derivatives of its energy (forces, stress).</summary>
    public bool Differentiates(ModelConfig config) => Outputs(config).Any(o => o.Source != OutputSource.Prediction);

    /// <summary>
    /// Adds one batch's errors: every predicted output (TorchSharp's or a model file's, by name) against its target. The
    /// default compares the prediction's columns; tasks with forces or stress add those with their masks.
    /// </summary>
    public virtual void AddErrors(ModelConfig config, OutputErrors errors, IReadOnlyDictionary<string, double[]> predicted, GraphTargets targets)
    {
        IReadOnlyDictionary<string, double[]> expected = SplitOutputs(config, targets.Columns);
        foreach (var (name, values) in predicted)
            if (expected.TryGetValue(name, out double[]? target)) errors.Add(name, values, target);
    }

    /// <summary>The prediction columns split into the named outputs (rows × width each).</summary>
    public IReadOnlyDictionary<string, double[]> SplitOutputs(ModelConfig config, ReadOnlySpan<double> prediction)
    {
        IReadOnlyList<TaskOutput> outputs = Outputs(config).Where(o => o.Source == OutputSource.Prediction).ToList();
        int width = outputs.Sum(o => o.Spec.Width);
        if (width == 0 || prediction.Length % width != 0)
            throw new ArgumentException($"a prediction of {prediction.Length} values is not rows of {width} columns", nameof(prediction));
        int rows = prediction.Length / width;
        var result = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (TaskOutput o in outputs)
        {
            var values = new double[rows * o.Spec.Width];
            for (int r = 0; r < rows; r++)
                prediction.Slice(r * width + o.Offset, o.Spec.Width).CopyTo(values.AsSpan(r * o.Spec.Width));
            result[o.Spec.Name] = values;
        }
        return result;
    }

    public override string ToString() => Key.Name;
}

/// <summary>Where an output comes from: the prediction's columns, or the derivatives of the predicted energy.</summary>
public enum OutputSource
{
    Prediction,
    Forces,
    Stress,
}

/// <summary>One named output of a task: its schema entry and, for <see cref="OutputSource.Prediction"/>, its first column in the prediction.</summary>
public sealed record TaskOutput(OutputSpec Spec, int Offset, OutputSource Source = OutputSource.Prediction);

/// <summary>What a training run asks of a task's data.</summary>
/// <param name="DataDir">The <c>--data</c> folder or file.</param>
/// <param name="Options">The run's training options.</param>
/// <param name="Config">The model configuration so far (defaults and overrides).</param>
/// <param name="Targets">Target names (tasks with several), or null for the task's default.</param>
/// <param name="Resume">True when the configuration comes from a checkpoint and must not change.</param>
public sealed record TaskDataRequest(string DataDir, TrainingOptions Options, ModelConfig Config, IReadOnlyList<string>? Targets, bool Resume)
{
    /// <summary>The <c>--data</c> folder or file; a path that does not exist is refused here, once for every task.</summary>
    public string DataDir { get; init; } = SegnnTask.RequireDataPath(DataDir);
}

/// <summary>A task's data as the trainer takes it, the completed configuration and a description for provenance.</summary>
public sealed record TaskData(IGraphDataset Train, IGraphDataset Valid, IGraphDataset? Test, ModelConfig Config, IReadOnlyDictionary<string, string> Description);

/// <summary>A split's metric and the report of its errors in physical units (what <c>segnn eval</c> prints).</summary>
public sealed record EvaluationResult(string MetricName, double Metric, int Samples, IReadOnlyDictionary<string, double> Report);

/// <summary>
/// The errors of every named output over a split, fed by any engine (TorchSharp or ONNX Runtime), so both evaluate with
/// the task's one metric.
/// </summary>
public sealed class OutputErrors
{
    private readonly Dictionary<string, List<double>> _errors = new(StringComparer.Ordinal);

    /// <summary>Adds the errors of one batch of one output (flat arrays of the same layout).</summary>
    /// <param name="output">the output's name.</param>
    /// <param name="predicted">predicted values.</param>
    /// <param name="target">targets, same layout.</param>
    /// <param name="rowMask">null, or per row (of <paramref name="width"/> values) whether it counts.</param>
    /// <param name="width">values per row of <paramref name="rowMask"/>.</param>
    public void Add(string output, ReadOnlySpan<double> predicted, ReadOnlySpan<double> target, bool[]? rowMask = null, int width = 1)
    {
        if (predicted.Length != target.Length)
            throw new ArgumentException($"output '{output}': {predicted.Length} predicted values for {target.Length} targets");
        if (rowMask is not null && rowMask.Length * width != predicted.Length)
            throw new ArgumentException($"output '{output}': a mask of {rowMask.Length} rows for {predicted.Length} values of width {width}");
        if (!_errors.TryGetValue(output, out List<double>? list)) _errors[output] = list = new List<double>();
        for (int i = 0; i < predicted.Length; i++)
            if (rowMask is null || rowMask[i / width]) list.Add(predicted[i] - target[i]);
    }

    public bool Has(string output) => _errors.ContainsKey(output);

    /// <summary>Mean absolute error per value of an output.</summary>
    public double MeanAbsolute(string output) => Of(output).Average(Math.Abs);

    /// <summary>Mean squared error per value of an output.</summary>
    public double MeanSquared(string output) => Of(output).Average(d => d * d);

    /// <summary>The fraction of an output's values within <paramref name="threshold"/> of the target (OC20's EwT at 0.02 eV).</summary>
    public double FractionWithin(string output, double threshold) => Of(output).Count(d => Math.Abs(d) < threshold) / (double)Of(output).Count;

    private List<double> Of(string output) => _errors.TryGetValue(output, out List<double>? list) && list.Count > 0 ? list
        : throw new InvalidOperationException($"no errors recorded for output '{output}'");
}
