using Segnn.Graphs;
using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Segnn.Export;

/// <summary>Runs the same batch through TorchSharp and through an exported model in ONNX Runtime and compares them.</summary>
public static class Parity
{
    public sealed record Result(double MaxAbsDiff, int Nodes, int Edges, int Graphs, IReadOnlyDictionary<string, float[]> Onnx, IReadOnlyDictionary<string, float[]> Torch);

    /// <summary>The TorchSharp prediction split into the model file's named outputs.</summary>
    public static Dictionary<string, float[]> TorchOutputs(SegnnModel model, BatchBuilder batch)
    {
        ModelConfig config = model.Config;
        ScalarType dtype = config.DType == "float64" ? ScalarType.Float64 : ScalarType.Float32;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var ops = new TorchOps(dtype);
        bool wasTraining = model.training;
        model.eval();
        Tensor prediction;
        try
        {
            prediction = TaskDefinition.For(config).Predict(ops, model, batch.ToTensors(ops, config.Elements)).to_type(ScalarType.Float32);
        }
        finally
        {
            if (wasTraining) model.train();
        }
        if (config.Task == "nbody") return new() { ["predicted_positions"] = prediction.data<float>().ToArray() };
        var outputs = new Dictionary<string, float[]>();
        int offset = 0;
        foreach (TargetSpec t in config.Targets)
        {
            int width = O3.Irreps.Parse(t.Irreps).Dim;
            outputs[new string(t.Name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray())] = prediction.narrow(1, offset, width).contiguous().data<float>().ToArray();
            offset += width;
        }
        return outputs;
    }

    public static Result Compare(SegnnModel model, SegnnSession session, BatchBuilder batch)
    {
        IReadOnlyDictionary<string, float[]> onnx = session.Run(batch.Build());
        Dictionary<string, float[]> torchOut = TorchOutputs(model, batch);
        double max = 0;
        foreach (var (name, actual) in onnx)
        {
            if (!torchOut.TryGetValue(name, out float[]? expected)) throw new InvalidOperationException($"TorchSharp has no output '{name}'");
            if (actual.Length != expected.Length) throw new InvalidOperationException($"output '{name}': {actual.Length} values from ONNX Runtime, {expected.Length} from TorchSharp");
            for (int i = 0; i < actual.Length; i++)
                max = Math.Max(max, double.IsFinite(actual[i]) && double.IsFinite(expected[i]) ? Math.Abs(actual[i] - expected[i]) : double.PositiveInfinity);
        }
        return new Result(max, batch.NodeCount, batch.EdgeCount, batch.SystemCount, onnx, torchOut);
    }
}
