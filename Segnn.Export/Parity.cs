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
    /// <param name="MaxAbsDiff">ONNX Runtime against TorchSharp in the model's precision.</param>
    /// <param name="Nodes">nodes of the batch.</param>
    /// <param name="Edges">edges of the batch.</param>
    /// <param name="Graphs">systems in the batch.</param>
    /// <param name="Onnx">ONNX Runtime's outputs by name.</param>
    /// <param name="Torch">TorchSharp's outputs by name, in the model's precision.</param>
    /// <param name="Float32Rounding">TorchSharp float32 against TorchSharp float64: how far float32 rounding alone moves
    /// the outputs on this batch (NaN for a float64 model).</param>
    /// <param name="MaxAbsDiffFromFloat64">ONNX Runtime against TorchSharp float64.</param>
    public sealed record Result(double MaxAbsDiff, int Nodes, int Edges, int Graphs, IReadOnlyDictionary<string, float[]> Onnx, IReadOnlyDictionary<string, float[]> Torch,
        double Float32Rounding, double MaxAbsDiffFromFloat64)
    {
        /// <summary>
        /// The export is faithful: ONNX Runtime agrees with TorchSharp to <paramref name="tolerance"/>, or, where float32
        /// rounding alone moves the outputs further (ill-conditioned systems), ONNX Runtime is no further from the float64
        /// result than twice what TorchSharp's own float32 run is.
        /// </summary>
        public bool Agrees(double tolerance) =>
            MaxAbsDiff <= tolerance || (double.IsFinite(MaxAbsDiffFromFloat64) && MaxAbsDiffFromFloat64 <= 2 * Float32Rounding + tolerance);
    }

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
        double rounding = double.NaN, fromFloat64 = double.NaN;
        if (model.Config.DType != "float64")
        {
            // a float64 twin with the same parameters and buffers (float32 values are exact in float64)
            using var twin = new SegnnModel(model.Config with { DType = "float64" });
            using (no_grad())
            {
                var source = model.state_dict();
                foreach (var (name, tensor) in twin.state_dict()) tensor.copy_(source[name]);
            }
            Dictionary<string, float[]> reference = TorchOutputs(twin, batch);
            rounding = MaxAbsDiff(torchOut, reference);
            fromFloat64 = MaxAbsDiff(onnx, reference);
        }
        return new Result(MaxAbsDiff(onnx, torchOut), batch.NodeCount, batch.EdgeCount, batch.SystemCount, onnx, torchOut, rounding, fromFloat64);
    }

    private static double MaxAbsDiff(IReadOnlyDictionary<string, float[]> actualOutputs, IReadOnlyDictionary<string, float[]> expectedOutputs)
    {
        double max = 0;
        foreach (var (name, actual) in actualOutputs)
        {
            if (!expectedOutputs.TryGetValue(name, out float[]? expected)) throw new InvalidOperationException($"TorchSharp has no output '{name}'");
            if (actual.Length != expected.Length) throw new InvalidOperationException($"output '{name}': {actual.Length} values from ONNX Runtime, {expected.Length} from TorchSharp");
            for (int i = 0; i < actual.Length; i++)
                max = Math.Max(max, double.IsFinite(actual[i]) && double.IsFinite(expected[i]) ? Math.Abs(actual[i] - expected[i]) : double.PositiveInfinity);
        }
        return max;
    }
}
