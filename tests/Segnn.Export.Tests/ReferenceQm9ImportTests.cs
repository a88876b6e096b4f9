using Segnn.Data;
using Segnn.Import;
using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Tasks;
using Segnn.Tests;
using static TorchSharp.torch;

namespace Segnn.Export.Tests;

/// <summary>
/// A real state dict of the authors' SEGNN in a QM9 configuration (e3nn 0.5: it carries the compiled Wigner-3j buffers):
/// it imports, every buffer agrees with our Wigner 3j, and the model reproduces the reference output from raw
/// geometry, in TorchSharp float64 and through ONNX Runtime float32.
/// </summary>
[TestClass]
public sealed class ReferenceQm9ImportTests
{
    [TestInitialize]
    public void Init() => set_num_threads(1);

    private static ModelConfig Config() => new Qm9Task().DefaultConfig() with
    {
        HiddenFeatures = 32,
        LMaxHidden = 2,
        LMaxAttributes = 2,
        Layers = 2,
        Norm = NormKind.Instance,
        Pool = Pooling.Avg,
        DType = Precision.Float64,
    };

    [TestMethod]
    public void StateDictWithWigner3jBuffersImportsAndReproducesTheReference()
    {
        Dictionary<string, Tensor> state = TorchStateDict.Read(SharedData.Require("fixtures/reference-qm9-small/state_dict.pt"));
        var arrays = NpyArchive.Read(SharedData.Require("fixtures/reference-qm9-small/tensors.npz"));
        var model = new SegnnModel(Config());
        ImportReport report = TorchStateDict.Load(model, state, "state_dict.pt");
        Assert.AreEqual(36, report.Wigner3jChecked, "every _w3j_ buffer is checked against our Wigner 3j");

        // raw geometry: positions, atomic numbers and the reference's radius graph
        double[] pos = arrays["input/pos"].Values;
        long[] z = arrays["input/z"].Integers!, batch = arrays["input/batch"].Integers!, edges = arrays["input/edge_index"].Integers!;
        int edgeCount = edges.Length / 2;
        var builder = new BatchBuilder();
        for (int g = 0, start = 0; g < 4; g++)
        {
            int n = batch.Count(b => b == g);
            var s = new List<int>();
            var r = new List<int>();
            for (int e = 0; e < edgeCount; e++)
                if (batch[edges[edgeCount + e]] == g)
                {
                    s.Add((int)edges[e] - start);
                    r.Add((int)edges[edgeCount + e] - start);
                }
            builder.Add(pos.AsSpan(3 * start, 3 * n), s.ToArray(), r.ToArray(), atomicNumbers: z.Skip(start).Take(n).Select(v => (int)v).ToArray());
            start += n;
        }
        double[] expected = arrays["output/out"].Values;
        using (var predictor = new TorchPredictor(model))
        {
            double[] ours = predictor.PredictColumns(builder);
            double err = ours.Zip(expected).Max(p => Math.Abs(p.First - p.Second)) / expected.Max(Math.Abs);
            // the reference built its 3j and its 1/√fan_in rescale in float32 before .double() (fixture README); we cancel
            // the rescale exactly, so float32's ~3e-8 relative rounding of that constant is the expected difference
            Assert.IsLessThan(1e-7, err, $"TorchSharp float64 from raw geometry: relative error {err:E2}");
        }

        // through ONNX Runtime: the float64 weights exported in float32
        using SegnnSession session = SegnnSession.Load(Exporter.Export(model));
        double[] onnx = session.Run(builder.Build())[session.Metadata.Outputs[0].Name];
        double onnxErr = onnx.Zip(expected).Max(p => Math.Abs(p.First - p.Second)) / expected.Max(Math.Abs);
        Assert.IsLessThan(1e-5, onnxErr, $"ONNX Runtime float32: relative error {onnxErr:E2}");
    }

    [TestMethod]
    public void AWigner3jOfAnotherConventionIsRefused()
    {
        Dictionary<string, Tensor> state = TorchStateDict.Read(SharedData.Require("fixtures/reference-qm9-small/state_dict.pt"));
        string name = state.Keys.First(k => k.EndsWith("._w3j_1_1_2", StringComparison.Ordinal));
        state[name] = -state[name]; // the other sign convention
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => TorchStateDict.Load(new SegnnModel(Config()), state, "flipped.pt"));
        StringAssert.Contains(ex.Message, "another e3nn convention");
        StringAssert.Contains(ex.Message, name);
    }
}
