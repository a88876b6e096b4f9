using Segnn.Data;
using Segnn.Import;
using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using static TorchSharp.torch;
using Segnn.Tasks;

namespace Segnn.Export.Tests;

/// <summary>The authors' PyTorch model, imported, exported and run in ONNX Runtime (float32), reproduces their output.</summary>
[TestClass]
public sealed class ImportExportTests
{
    [TestMethod]
    public void ImportedReferenceModelRunsInOnnxRuntime()
    {
        set_num_threads(1);
        string dir = SharedPath("fixtures/reference-nbody");
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

    private static string SharedPath(string relative)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Segnn.sln")))
            {
                string path = Path.Combine(d.FullName, "..", "shared", relative);
                if (Directory.Exists(path)) return path;
            }
        string? env = Environment.GetEnvironmentVariable("SEGNN_SHARED");
        if (env is not null && Directory.Exists(Path.Combine(env, relative))) return Path.Combine(env, relative);
        Assert.Inconclusive($"skipped: the shared folder with '{relative}' is absent");
        return "";
    }
}
