using Segnn.Data;
using Segnn.Import;
using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Tasks;
using Segnn.Tests;
using static TorchSharp.torch;

namespace Segnn.Export.Tests;

/// <summary>The authors' PyTorch model, imported, exported and run in ONNX Runtime (float32), reproduces their output.</summary>
[TestClass]
public sealed class ImportExportTests
{
    [TestMethod]
    public void ImportedReferenceModelRunsInOnnxRuntime()
    {
        set_num_threads(1);
        string dir = SharedData.Require("fixtures/reference-nbody");
        var arrays = NpyArchive.Read(Path.Combine(dir, "tensors.npz"));
        var model = new SegnnModel(new NBodyTask().DefaultConfig());
        TorchStateDict.Load(model, TorchStateDict.Read(Path.Combine(dir, "state_dict.pt")), "state_dict.pt");
        using SegnnSession session = SegnnSession.Load(Exporter.Export(model));

        // the fixture's two fully connected systems, from raw geometry
        double[] pos = arrays["input/pos"].Values, vel = arrays["input/vel"].Values, q = arrays["input/charges"].Values;
        var batch = new BatchBuilder();
        for (int g = 0; g < 2; g++)
            batch.Add(pos.AsSpan(15 * g, 15), NeighbourList.FullyConnected(5), vel.AsSpan(15 * g, 15), q.AsSpan(5 * g, 5));
        double[] actual = session.Run(batch.Build())["predicted_positions"];
        double[] expected = arrays["output/out"].Values;
        double err = 0;
        for (int i = 0; i < expected.Length; i++) err = Math.Max(err, Math.Abs(actual[i] - expected[i]));
        Assert.IsLessThan(1e-5, err / expected.Max(Math.Abs), $"relative error {err / expected.Max(Math.Abs):E2}");
    }
}
