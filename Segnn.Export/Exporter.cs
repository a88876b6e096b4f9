using System.Reflection;
using Google.Protobuf;
using Segnn.Export.Lowering;
using Segnn.Export.Onnx;
using Segnn.Export.Trace;
using Segnn.Graphs;
using Segnn.IO;
using Segnn.Nn;
using Segnn.Nn.Autodiff;
using Segnn.Runtime;
using Segnn.Tasks;

namespace Segnn.Export;

/// <summary>Export settings: tensor-product lowering, opset, provenance written into the metadata.</summary>
public sealed record ExportOptions
{
    public TensorProductLoweringKind Lowering { get; init; } = TensorProductLoweringKind.TwoStage;

    /// <summary>17 with IR version 8, so Debian's python3-onnx checker validates the files; no later op is needed.</summary>
    public int Opset { get; init; } = 17;

    public IReadOnlyDictionary<string, string> Provenance { get; init; } = new Dictionary<string, string>();

    /// <summary>The outputs to expose (null: all); a model trained on several targets can ship a subset.</summary>
    public IReadOnlyList<string>? Outputs { get; init; }

    /// <summary>
    /// The file's real type: float32 (the default), or float64 (ONNX Runtime CPU) for molecular dynamics and
    /// finite-difference checks, where float32 forces' rounding shows as energy drift.
    /// </summary>
    public Precision Precision { get; init; } = Precision.Float32;
}

/// <summary>
/// Checkpoint → ONNX: the model's own forward runs on <see cref="TraceOps"/> (recording the graph, tensor products as
/// placeholders), <see cref="TensorProductLowering"/> expands them, and the file gets the task's inputs and named outputs
/// (<see cref="SegnnTask.Inputs"/>, <see cref="SegnnTask.Outputs"/>) and <see cref="ModelMetadata"/>. The model takes
/// raw geometry; featurisation is inside the graph.
/// </summary>
public static class Exporter
{
    public static string ProducerVersion { get; } =
        typeof(Exporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

    /// <summary>The serialized model.</summary>
    public static byte[] Export(SegnnModel model, ExportOptions? options = null)
    {
        options ??= new ExportOptions();
        ModelConfig config = model.Config;
        SegnnTask task = config.TaskDefinition;
        var builder = new GraphBuilder(options.Opset, irVersion: 8, options.Precision == Precision.Float64 ? OnnxType.Double : OnnxType.Float);
        var ops = new TraceOps(builder);

        var (raw, inputs) = DeclareInputs(ops, config, task.Inputs(config));
        bool wasTraining = model.training;
        model.eval();
        SymbolicTensor prediction;
        SymbolicTensor? forces = null, stress = null;
        try
        {
            if (task.Differentiates(config)) (prediction, forces, stress) = PredictWithDerivatives(ops, task, model, raw);
            else prediction = task.Predict(ops, model, raw);
        }
        finally
        {
            if (wasTraining) model.train();
        }
        IReadOnlyList<OutputSpec> outputs = DeclareOutputs(ops, task.Outputs(config), prediction, forces, stress, options.Outputs);
        TensorProductLowering.Run(ops, options.Lowering);

        var metadata = new ModelMetadata
        {
            Task = config.Task,
            Inputs = inputs,
            Outputs = outputs,
            Graph = config.Graph,
            Cutoff = config.Cutoff,
            PeriodicAxes = config.PeriodicAxes,
            Elements = config.Elements,
            LengthUnit = task.LengthUnit,
            Precision = options.Precision,
            InputIrreps = config.InputIrreps.ToString(),
            HiddenIrreps = config.Hidden.ToString(),
            OutputIrreps = config.OutputIrreps.ToString(),
            LMaxAttributes = config.LMaxAttributes,
            LMaxHidden = config.LMaxHidden,
            Lowering = options.Lowering == TensorProductLoweringKind.Dense ? "dense" : "two-stage",
            Provenance = new Dictionary<string, string>(options.Provenance) { ["producer"] = $"segnn {ProducerVersion}" },
            TrainingConfig = config.ToJson(),
        };
        foreach (var (key, value) in metadata.ToProperties()) builder.Metadata(key, value);
        return builder.Build(ProducerVersion, $"SEGNN ({config.Task}) exported by Segnn: {config.Hidden} hidden, {config.Layers} layers").ToByteArray();
    }

    /// <summary>
    /// The energy with its forces and stress in one graph: the forward runs on a <see cref="GradientTape{T}"/> over the
    /// trace, and the tape's backward, written with the same traced operations, gives ∂E/∂positions and ∂E/∂cell; forces
    /// and stress follow from them as in training (<see cref="EnergyGradients"/>). Plain ONNX operators throughout.
    /// </summary>
    private static (SymbolicTensor Energy, SymbolicTensor Forces, SymbolicTensor? Stress) PredictWithDerivatives(TraceOps ops, SegnnTask task, SegnnModel model, RawGraph<SymbolicTensor> raw)
    {
        var tape = new GradientTape<SymbolicTensor>(ops);
        bool stressed = model.Config.Derivatives == EnergyDerivatives.ForcesAndStress;
        TapeValue<SymbolicTensor> positions = tape.Watch(raw.Positions);
        TapeValue<SymbolicTensor>? cell = raw.Cell is null ? null : stressed ? tape.Watch(raw.Cell) : tape.Constant(raw.Cell);
        TapeValue<SymbolicTensor>? C(SymbolicTensor? t) => t is null ? null : tape.Constant(t);
        var taped = new RawGraph<TapeValue<SymbolicTensor>>(positions, C(raw.Senders)!, C(raw.Receivers)!, C(raw.Batch)!, C(raw.NumNodes)!, C(raw.NumGraphs)!)
        {
            Velocities = C(raw.Velocities),
            Charges = C(raw.Charges),
            AtomicNumbers = C(raw.AtomicNumbers),
            Tags = C(raw.Tags),
            Cell = cell,
            EdgeShifts = C(raw.EdgeShifts),
        };
        TapeValue<SymbolicTensor> energy = task.Predict(tape, model, taped);
        SymbolicTensor?[] grads = tape.Gradient(energy, ops.OnesColumn(energy.Value), cell is not null && stressed ? [positions, cell] : [positions]);
        SymbolicTensor gradPositions = grads[0] ?? throw new InvalidOperationException("the energy does not depend on the positions");
        SymbolicTensor forces = EnergyGradients.Forces(ops, gradPositions);
        SymbolicTensor? stress = stressed ? EnergyGradients.Stress(ops, raw, gradPositions, grads[1] ?? throw new InvalidOperationException("the energy does not depend on the cell")) : null;
        return (energy.Value, forces, stress);
    }

    /// <summary>Writes the model atomically: a temporary file in the same folder, flushed, then renamed over the target.</summary>
    public static long ExportToFile(SegnnModel model, string path, ExportOptions? options = null)
    {
        byte[] bytes = Export(model, options);
        AtomicFile.Write(path, bytes);
        return bytes.Length;
    }

    /// <summary>The task's inputs as graph inputs (names, types and shapes from <see cref="ModelInputs"/>) and as the raw graph the forward reads.</summary>
    private static (RawGraph<SymbolicTensor> Raw, IReadOnlyList<TensorSpec> Specs) DeclareInputs(TraceOps ops, ModelConfig config, IReadOnlyList<ModelInput> inputs)
    {
        GraphBuilder b = ops.Builder;
        var specs = new List<TensorSpec>();
        var declared = new Dictionary<ModelInput, SymbolicTensor>();
        foreach (ModelInput input in inputs)
        {
            ModelInputInfo info = ModelInputs.Info(input);
            OnnxType type = info.IsInteger ? OnnxType.Int64 : b.FloatType;
            object[] dims = info.Dims.Select(d => int.TryParse(d, out int n) ? (object)n : d).ToArray();
            b.Input(info.Name, type, dims);
            string description = input == ModelInput.AtomicNumbers ? $"{info.Description}; known elements: {string.Join(", ", config.Elements ?? [])}" : info.Description;
            specs.Add(new TensorSpec(info.Name, info.IsInteger ? "int64" : b.FloatType == OnnxType.Double ? "float64" : "float32", info.Dims, description));
            declared[input] = ops.Wrap(info.Name, type, dims.Select(d => d is int n ? (long?)n : null).ToArray());
        }
        SymbolicTensor Required(ModelInput input) => declared.TryGetValue(input, out SymbolicTensor? t) ? t
            : throw new InvalidOperationException($"task {config.Task} declares no '{ModelInputs.Name(input)}' input, which every model takes");
        SymbolicTensor? Optional(ModelInput input) => declared.GetValueOrDefault(input);

        // the input contract: receivers sorted, graph indices non-decreasing (the segment sums' lanes rely on it)
        SymbolicTensor positions = Required(ModelInput.Positions), edges = Required(ModelInput.EdgeIndex);
        SymbolicTensor batch = TraceOps.Mark(Required(ModelInput.Batch));
        SymbolicTensor senders = ops.Wrap(b.Node("Gather", [edges.Name, b.Constant([0L], [], "row")], ("axis", 0L)), OnnxType.Int64, (long?)null);
        SymbolicTensor receivers = TraceOps.Mark(ops.Wrap(b.Node("Gather", [edges.Name, b.Constant([1L], [], "row")], ("axis", 0L)), OnnxType.Int64, (long?)null));
        SymbolicTensor numNodes = ops.Wrap(b.Node("Gather", [b.Node("Shape", [positions.Name]), b.Constant([0L], [], "row")], ("axis", 0L)), OnnxType.Int64);
        string maxGraph = b.Node("ReduceMax", [batch.Name], ("keepdims", 0L));
        SymbolicTensor numGraphs = ops.Wrap(b.Node("Add", [maxGraph, b.Constant([1L], [], "one")]), OnnxType.Int64);
        // the forward reads each graph's cell as one row of 9
        SymbolicTensor? cell = Optional(ModelInput.Cell) is { } c ? ops.Wrap(b.Node("Reshape", [c.Name, b.Ints(-1, 9)]), b.FloatType, null, 9) : null;
        var raw = new RawGraph<SymbolicTensor>(positions, senders, receivers, batch, numNodes, numGraphs)
        {
            Velocities = Optional(ModelInput.Velocities),
            Charges = Optional(ModelInput.Charges),
            AtomicNumbers = Optional(ModelInput.AtomicNumbers),
            Tags = Optional(ModelInput.Tags),
            Cell = cell,
            EdgeShifts = Optional(ModelInput.EdgeShifts),
        };
        return (raw, specs);
    }

    private static IReadOnlyList<OutputSpec> DeclareOutputs(TraceOps ops, IReadOnlyList<TaskOutput> outputs, SymbolicTensor prediction, SymbolicTensor? forces, SymbolicTensor? stress,
        IReadOnlyList<string>? selected)
    {
        foreach (string name in selected ?? [])
            if (!outputs.Any(o => o.Spec.Name == name))
                throw new ArgumentException($"--outputs: the model has no output '{name}' (it has {string.Join(", ", outputs.Select(o => o.Spec.Name))})");
        GraphBuilder b = ops.Builder;
        var specs = new List<OutputSpec>();
        foreach (TaskOutput o in outputs)
        {
            if (selected is not null && !selected.Contains(o.Spec.Name)) continue;
            SymbolicTensor column = o.Source switch
            {
                OutputSource.Forces => forces ?? throw new InvalidOperationException("no forces were traced"),
                OutputSource.Stress => stress ?? throw new InvalidOperationException("no stress was traced"),
                _ => ops.Slice(prediction, o.Offset, o.Spec.Width),
            };
            b.Output(column.Name, o.Spec.Name, b.FloatType, o.Spec.Level == OutputLevel.Graph ? "graphs" : "nodes", o.Spec.Width);
            specs.Add(o.Spec);
        }
        return specs;
    }
}
