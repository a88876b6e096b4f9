using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Tests;
using Segnn.Training;
using static TorchSharp.torch;

namespace Segnn.Export.Tests;

/// <summary>
/// The shipped models survive changes to the exporter and the runtime: each shipped checkpoint, exported again by this
/// build, gives the outputs of the shipped .onnx file (exported by an earlier build) on the export's sample batches, and
/// the shipped file loads in this runtime unchanged.
/// </summary>
[TestClass]
public sealed class ShippedReexportTests
{
    [TestInitialize]
    public void Init() => set_num_threads(1);

    [TestMethod]
    [DataRow("nbody-charged")]
    [DataRow("qm9-mp2-energy")]
    [DataRow("qm9-mp2-homo-dipole")]
    [DataRow("is2re-adsorption")]
    [DataRow("s2ef-forcefield")]
    public void ReexportedCheckpointMatchesTheShippedFile(string name)
    {
        string checkpointPath = SharedData.RequireInRepository($"models/{name}.ckpt"), onnxPath = SharedData.RequireInRepository($"models/{name}.onnx");
        Checkpoint checkpoint = Checkpoint.Load(checkpointPath);
        using SegnnModel model = checkpoint.CreateModel();
        using SegnnSession shipped = SegnnSession.Load(onnxPath);
        // the shipped file may expose a subset of the checkpoint's outputs
        byte[] again = Exporter.Export(model, new ExportOptions { Outputs = shipped.Metadata.Outputs.Select(o => o.Name).ToArray() });
        using SegnnSession reexported = SegnnSession.Load(again);
        Assert.AreEqual(shipped.Metadata.Task, reexported.Metadata.Task);
        CollectionAssert.AreEqual(shipped.Metadata.Outputs.Select(o => o.Name).ToArray(), reexported.Metadata.Outputs.Select(o => o.Name).ToArray());
        GraphInputs batch = model.Config.TaskDefinition.SampleBatch(model.Config).Build();
        IReadOnlyDictionary<string, double[]> expected = shipped.Run(batch), actual = reexported.Run(batch);
        double max = 0;
        foreach (var (output, values) in expected)
            for (int i = 0; i < values.Length; i++) max = Math.Max(max, Math.Abs(values[i] - actual[output][i]));
        Console.WriteLine($"{name}: max abs difference re-exported vs shipped {max:E2} on {batch.NodeCount} nodes");
        Assert.IsLessThanOrEqualTo(1e-6, max, $"{name}: re-exported outputs differ from the shipped file's by {max:E2}");
    }
}
