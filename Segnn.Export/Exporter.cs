using System.Reflection;
using Google.Protobuf;
using Segnn.Export.Lowering;
using Segnn.Export.Onnx;
using Segnn.Export.Trace;
using Segnn.Graphs;
using Segnn.IO;
using Segnn.Nn;
using Segnn.O3;
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

    /// <summary>The targets to expose as outputs (null: all); a model trained on several targets can ship a subset.</summary>
    public IReadOnlyList<string>? Outputs { get; init; }
}

/// <summary>
/// Checkpoint → ONNX: the model's own forward runs on <see cref="TraceOps"/> (recording the graph, tensor products as
/// placeholders), <see cref="TensorProductLowering"/> expands them, and the file gets its inputs, named outputs and
/// <see cref="ModelMetadata"/>. The model takes raw geometry; featurisation is inside the graph.
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
        var builder = new GraphBuilder(options.Opset, irVersion: 8);
        var ops = new TraceOps(builder, model.named_parameters());

        var (raw, inputs) = DeclareInputs(ops, config);
        bool wasTraining = model.training;
        model.eval();
        SymbolicTensor prediction;
        try
        {
            prediction = TaskDefinition.For(config).Predict(ops, model, raw);
        }
        finally
        {
            if (wasTraining) model.train();
        }
        IReadOnlyList<OutputSpec> outputs = DeclareOutputs(ops, config, prediction, options.Outputs);
        TensorProductLowering.Run(ops, options.Lowering);

        var metadata = new ModelMetadata
        {
            Task = config.Task,
            Inputs = inputs,
            Outputs = outputs,
            Graph = config.Graph,
            Cutoff = config.Cutoff,
            Elements = config.Elements,
            LengthUnit = config.Task == "nbody" ? "simulation units" : "angstrom",
            InputIrreps = config.InputIrreps,
            HiddenIrreps = config.Hidden.ToString(),
            OutputIrreps = config.OutputIrreps,
            LMaxAttributes = config.LMaxAttributes,
            LMaxHidden = config.LMaxHidden,
            Lowering = options.Lowering == TensorProductLoweringKind.Dense ? "dense" : "two-stage",
            Provenance = new Dictionary<string, string>(options.Provenance) { ["producer"] = $"segnn {ProducerVersion}" },
            TrainingConfig = config.ToJson(),
        };
        foreach (var (key, value) in metadata.ToProperties()) builder.Metadata(key, value);
        return builder.Build(ProducerVersion, $"SEGNN ({config.Task}) exported by Segnn: {config.Hidden} hidden, {config.Layers} layers").ToByteArray();
    }

    /// <summary>Writes the model atomically: a temporary file in the same folder, flushed, then renamed over the target.</summary>
    public static long ExportToFile(SegnnModel model, string path, ExportOptions? options = null)
    {
        byte[] bytes = Export(model, options);
        AtomicFile.Write(path, bytes);
        return bytes.Length;
    }

    private static (RawGraph<SymbolicTensor> Raw, IReadOnlyList<TensorSpec> Specs) DeclareInputs(TraceOps ops, ModelConfig config)
    {
        GraphBuilder b = ops.Builder;
        var specs = new List<TensorSpec>();
        SymbolicTensor Declare(string name, OnnxType type, string description, params object[] dims)
        {
            b.Input(name, type, dims);
            specs.Add(new TensorSpec(name, type == OnnxType.Int64 ? "int64" : "float32", dims.Select(d => d.ToString()!).ToArray(), description));
            return ops.Wrap(name, type, dims.Select(d => d is int i ? (long?)i : null).ToArray());
        }

        SymbolicTensor positions = Declare("positions", OnnxType.Float, "node positions [nodes, 3]", "nodes", 3);
        SymbolicTensor? velocities = null, charges = null, features = null;
        if (config.Task == "nbody")
        {
            velocities = Declare("velocities", OnnxType.Float, "node velocities [nodes, 3]", "nodes", 3);
            charges = Declare("charges", OnnxType.Float, "node charges [nodes, 1]", "nodes", 1);
        }
        else
        {
            SymbolicTensor z = Declare("atomic_numbers", OnnxType.Int64, $"atomic numbers [nodes]; known elements: {string.Join(", ", config.Elements ?? [])}", "nodes");
            int[] elements = config.Elements ?? throw new InvalidOperationException("a molecular model needs its element list");
            // one-hot over the model's elements: an unknown element would be an all-zero row, which the runtime refuses first
            string eq = b.Node("Equal", [b.Node("Unsqueeze", [z.Name, b.Ints(-1)]), b.Constant(elements.Select(e => (long)e).ToArray(), [1, elements.Length], "elements")]);
            features = ops.Wrap(b.Node("Cast", [eq], ("to", (long)OnnxType.Float)), OnnxType.Float, null, elements.Length);
        }
        SymbolicTensor edges = Declare("edge_index", OnnxType.Int64, "edges [2, edges]: row 0 senders, row 1 receivers, sorted by receiver", 2, "edges");
        SymbolicTensor batch = Declare("batch", OnnxType.Int64, "graph of every node [nodes], non-decreasing, graphs numbered from 0", "nodes");

        SymbolicTensor senders = ops.Wrap(b.Node("Gather", [edges.Name, b.Constant([0L], [], "row")], ("axis", 0L)), OnnxType.Int64, (long?)null);
        SymbolicTensor receivers = ops.Wrap(b.Node("Gather", [edges.Name, b.Constant([1L], [], "row")], ("axis", 0L)), OnnxType.Int64, (long?)null);
        SymbolicTensor numNodes = ops.Wrap(b.Node("Gather", [b.Node("Shape", [positions.Name]), b.Constant([0L], [], "row")], ("axis", 0L)), OnnxType.Int64);
        string maxGraph = b.Node("ReduceMax", [batch.Name], ("keepdims", 0L));
        SymbolicTensor numGraphs = ops.Wrap(b.Node("Add", [maxGraph, b.Constant([1L], [], "one")]), OnnxType.Int64);
        return (new RawGraph<SymbolicTensor>(positions, senders, receivers, batch, numNodes, numGraphs, velocities, charges, features), specs);
    }

    private static IReadOnlyList<OutputSpec> DeclareOutputs(TraceOps ops, ModelConfig config, SymbolicTensor prediction, IReadOnlyList<string>? selected)
    {
        foreach (string name in selected ?? [])
            if (!config.Targets.Any(t => t.Name == name))
                throw new ArgumentException($"--outputs: the model has no target '{name}' (it has {string.Join(", ", config.Targets.Select(t => t.Name))})");
        GraphBuilder b = ops.Builder;
        string level = config.GraphOutput ? "graph" : "node";
        string rows = config.GraphOutput ? "graphs" : "nodes";
        if (config.Task == "nbody")
        {
            b.Output(prediction.Name, "predicted_positions", OnnxType.Float, rows, 3);
            return [new OutputSpec("predicted_positions", "1x1o", "simulation units", level, 3, "positions 1.0 time units later (input positions + network output)")];
        }
        var specs = new List<OutputSpec>();
        int offset = 0;
        foreach (TargetSpec t in config.Targets)
        {
            int width = Irreps.Parse(t.Irreps).Dim;
            if (selected is not null && !selected.Contains(t.Name))
            {
                offset += width;
                continue;
            }
            SymbolicTensor column = ops.Slice(prediction, offset, width);
            string name = Sanitize(t.Name);
            b.Output(column.Name, name, OnnxType.Float, rows, width);
            specs.Add(new OutputSpec(name, t.Irreps, t.Unit, level, width, $"{t.Name} per {level}"));
            offset += width;
        }
        return specs;
    }

    private static string Sanitize(string name) => new(name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
}
