using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
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
    public sealed record Result(double MaxAbsDiff, int Nodes, int Edges, int Graphs, IReadOnlyDictionary<string, double[]> Onnx, IReadOnlyDictionary<string, double[]> Torch,
        double Float32Rounding, double MaxAbsDiffFromFloat64)
    {
        /// <summary>
        /// The one acceptance rule of an export: ONNX Runtime agrees with TorchSharp to <paramref name="tolerance"/>, or,
        /// where float32 rounding alone moves the outputs further (ill-conditioned systems), ONNX Runtime is no further
        /// from the float64 result than twice what TorchSharp's own float32 run is.
        /// </summary>
        public bool Agrees(double tolerance) =>
            MaxAbsDiff <= tolerance || (double.IsFinite(MaxAbsDiffFromFloat64) && MaxAbsDiffFromFloat64 <= 2 * Float32Rounding + tolerance);
    }

    public static Result Compare(SegnnModel model, SegnnSession session, BatchBuilder batch)
    {
        IReadOnlyDictionary<string, double[]> onnx = session.Run(batch.Build());
        IReadOnlyDictionary<string, double[]> torchOut;
        using (var predictor = new TorchPredictor(model)) torchOut = predictor.Predict(batch);
        double rounding = double.NaN, fromFloat64 = double.NaN;
        if (model.Config.DType != Precision.Float64)
        {
            // a float64 twin with the same parameters and buffers (float32 values are exact in float64)
            using var twin = new SegnnModel(model.Config with { DType = Precision.Float64 });
            using (no_grad())
            {
                var source = model.state_dict();
                foreach (var (name, tensor) in twin.state_dict()) tensor.copy_(source[name]);
            }
            IReadOnlyDictionary<string, double[]> reference;
            using (var predictor = new TorchPredictor(twin)) reference = predictor.Predict(batch);
            rounding = MaxAbsDiff(torchOut, reference);
            fromFloat64 = MaxAbsDiff(onnx, reference);
        }
        return new Result(MaxAbsDiff(onnx, torchOut), batch.NodeCount, batch.EdgeCount, batch.SystemCount, onnx, torchOut, rounding, fromFloat64);
    }

    /// <summary>Largest difference over the outputs <paramref name="actualOutputs"/> has (a file may expose a subset).</summary>
    private static double MaxAbsDiff(IReadOnlyDictionary<string, double[]> actualOutputs, IReadOnlyDictionary<string, double[]> expectedOutputs)
    {
        double max = 0;
        foreach (var (name, actual) in actualOutputs)
        {
            if (!expectedOutputs.TryGetValue(name, out double[]? expected)) throw new InvalidOperationException($"TorchSharp has no output '{name}'");
            if (actual.Length != expected.Length) throw new InvalidOperationException($"output '{name}': {actual.Length} values from one side, {expected.Length} from the other");
            for (int i = 0; i < actual.Length; i++)
                max = Math.Max(max, double.IsFinite(actual[i]) && double.IsFinite(expected[i]) ? Math.Abs(actual[i] - expected[i]) : double.PositiveInfinity);
        }
        return max;
    }
}
