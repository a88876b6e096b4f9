using System.Diagnostics;
using Segnn.Export.Lowering;
using Segnn.Graphs;
using Segnn.Nn;
using Segnn.O3;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Tasks;
using Segnn.Training;
using static TorchSharp.torch;

namespace Segnn.Export.Tests;

[TestClass]
public sealed class ExportContractTests
{
    [TestInitialize]
    public void Init() => set_num_threads(1);

    private static BatchBuilder Transform(BatchBuilder batch, Rotation r, bool inversion)
    {
        double sign = inversion ? -1 : 1;
        double[] Rotate(IReadOnlyList<double> v)
        {
            var result = new double[v.Count];
            for (int i = 0; i < v.Count; i += 3)
            {
                var (x, y, z) = r.Apply(v[i], v[i + 1], v[i + 2]);
                (result[i], result[i + 1], result[i + 2]) = (sign * x, sign * y, sign * z);
            }
            return result;
        }
        var transformed = new BatchBuilder();
        double[] p = Rotate(batch.Positions), v = batch.Velocities.Count > 0 ? Rotate(batch.Velocities) : [];
        // one system at a time, with its own local edges
        int node = 0, edge = 0;
        for (int g = 0; g < batch.SystemCount; g++)
        {
            int n = batch.Batch.Count(b => b == g);
            var s = new List<int>();
            var rc = new List<int>();
            while (edge < batch.EdgeCount && batch.Receivers[edge] < node + n)
            {
                s.Add((int)batch.Senders[edge] - node);
                rc.Add((int)batch.Receivers[edge] - node);
                edge++;
            }
            transformed.Add(p.AsSpan(3 * node, 3 * n), s.ToArray(), rc.ToArray(),
                v.Length > 0 ? v.AsSpan(3 * node, 3 * n) : default,
                batch.Charges.Count > 0 ? batch.Charges.Skip(node).Take(n).ToArray() : default,
                batch.AtomicNumbers.Count > 0 ? batch.AtomicNumbers.Skip(node).Take(n).ToArray() : default);
            node += n;
        }
        return transformed;
    }

    [TestMethod]
    public void EquivarianceSurvivesExport()
    {
        manual_seed(5);
        // N-body with the equivariant centring (vector node outputs) and a molecule model with scalar + vector graph outputs
        var nbody = new SegnnModel(new NBodyTask().DefaultConfig() with { Centering = Centering.System });
        var molecule = new SegnnModel(new Qm9Task().DefaultConfig() with
        {
            Task = Qm9Mp2Task.Id,
            HiddenFeatures = 32,
            Layers = 2,
            OutputIrreps = Irreps.Parse("1x0e+1x1o"),
            Targets = [new TargetSpec { Name = "energy", Irreps = Irreps.Parse("1x0e") }, new TargetSpec { Name = "dipole", Irreps = Irreps.Parse("1x1o") }],
        });
        var rng = new Random(6);
        foreach (var (model, batch) in new[] { (nbody, TestSystems.NBody(4, 1)), (molecule, TestSystems.Molecules([7, 11], 2)) })
        {
            using SegnnSession session = SegnnSession.Load(Exporter.Export(model));
            IReadOnlyDictionary<string, double[]> reference = session.Run(batch.Build());
            foreach (var (r, inv) in new[] { (Rotation.Random(rng), false), (Rotation.Identity, true), (Rotation.Random(rng), true) })
            {
                IReadOnlyDictionary<string, double[]> actual = session.Run(Transform(batch, r, inv).Build());
                foreach (OutputSpec output in session.Metadata.Outputs)
                {
                    Irreps irreps = Irreps.Parse(output.Irreps);
                    double[] expected = WignerD.Apply(irreps, r, inv, reference[output.Name].Select(x => (double)x).ToArray());
                    double scale = expected.Max(Math.Abs), err = 0;
                    for (int i = 0; i < expected.Length; i++) err = Math.Max(err, Math.Abs(expected[i] - actual[output.Name][i]));
                    Assert.IsLessThan(1e-5, err / scale, $"{model.Config.Task} {output.Name} inversion={inv}: relative error {err / scale:E2}");
                }
            }
        }
    }

    [TestMethod]
    public void TwoThreadsOnMoreThan100kEdgesAreDeterministic()
    {
        manual_seed(7);
        var model = new SegnnModel(new NBodyTask().DefaultConfig() with { Layers = 1 });
        using SegnnSession session = SegnnSession.Load(Exporter.Export(model), new SessionSettings { IntraOpThreads = 2 });
        BatchBuilder batch = TestSystems.NBody(1100, 8, particles: 10); // 1,100 × 90 = 99,000 + … edges
        batch = TestSystems.NBody(1200, 8, particles: 10); // 108,000 edges
        Assert.IsGreaterThanOrEqualTo(100_000, batch.EdgeCount);
        GraphInputs inputs = batch.Build();
        double[] first = session.Run(inputs)["predicted_positions"];
        for (int run = 0; run < 4; run++)
        {
            double[] again = session.Run(inputs)["predicted_positions"];
            double max = 0;
            for (int i = 0; i < first.Length; i++) max = Math.Max(max, Math.Abs(first[i] - again[i]));
            Assert.IsLessThanOrEqualTo(1e-5, max, $"run {run}: max difference {max:E2}");
        }
    }

    [TestMethod]
    public void FeatureConcatsAreNotTakenApartAgain()
    {
        manual_seed(4);
        var model = Segnn.Export.Onnx.Proto.ModelProto.Parser.ParseFrom(Exporter.Export(new SegnnModel(new NBodyTask().DefaultConfig())));
        var nodes = model.Graph.Node;
        var producer = nodes.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(x => x.o, x => x.n);
        Segnn.Export.Onnx.Proto.NodeProto Source(string value)
        {
            var p = producer[value];
            return p.OpType == "Identity" && producer.ContainsKey(p.Input[0]) ? Source(p.Input[0]) : p;
        }
        var takenApart = nodes.Where(n => n.OpType is "Split" or "Slice" && producer.ContainsKey(n.Input[0]))
            .Where(n => Source(n.Input[0]) is { OpType: "Concat" } c && c.Attribute.Single(a => a.Name == "axis").I == -1)
            .Select(n => n.Name).ToList();
        Assert.IsEmpty(takenApart, $"Split/Slice of a feature Concat left in the graph: {string.Join(", ", takenApart)}");
        // the pass must have had work to do: the message input is still assembled, then split per irrep by rows
        Assert.IsTrue(nodes.Any(n => n.OpType == "Gather" && producer.TryGetValue(n.Input[0], out var p) && p.OpType == "Split"));
    }

    [TestMethod]
    [DataRow(TensorProductLoweringKind.TwoStage)]
    [DataRow(TensorProductLoweringKind.Dense)]
    public void OnnxCheckerAcceptsExportedFiles(TensorProductLoweringKind lowering)
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python) || Run(python, "-c \"import onnx\"").ExitCode != 0)
            Assert.Inconclusive("skipped: Debian's python3-onnx is not installed (apt-get install python3-onnx); .ci/run installs it");
        manual_seed(9);
        string dir = Path.Combine(Path.GetTempPath(), "segnn-checker-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            foreach (var (name, config) in new[] { ("nbody", new NBodyTask().DefaultConfig()), ("qm9", new Qm9Task().DefaultConfig() with { HiddenFeatures = 24, Layers = 2 }) })
            {
                string path = Path.Combine(dir, name + ".onnx");
                Exporter.ExportToFile(new SegnnModel(config), path, new ExportOptions { Lowering = lowering });
                var result = Run(python, $"-c \"import onnx; m = onnx.load('{path}'); onnx.checker.check_model(m, full_check=True); print(m.ir_version, m.opset_import[0].version)\"");
                Assert.AreEqual(0, result.ExitCode, $"{name}: onnx.checker rejected the file: {result.Output}");
                StringAssert.StartsWith(result.Output.Trim(), "8 17");
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static (int ExitCode, string Output) Run(string file, string args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }

    [TestMethod]
    public void TruncatedOrCorruptModelFilesGiveAClearError()
    {
        manual_seed(10);
        byte[] model = Exporter.Export(new SegnnModel(new NBodyTask().DefaultConfig() with { Layers = 1 }));
        var truncated = Assert.ThrowsExactly<SegnnModelException>(() => SegnnSession.Load(model[..(model.Length / 2)], source: "half.onnx"));
        StringAssert.Contains(truncated.Message, "half.onnx");
        byte[] garbage = new byte[4096];
        new Random(1).NextBytes(garbage);
        var corrupt = Assert.ThrowsExactly<SegnnModelException>(() => SegnnSession.Load(garbage, source: "garbage.onnx"));
        StringAssert.Contains(corrupt.Message, "garbage.onnx");
        var missing = Assert.ThrowsExactly<SegnnModelException>(() => SegnnSession.Load("/nonexistent/model.onnx"));
        StringAssert.Contains(missing.Message, "no such model file");
    }

    [TestMethod]
    public void ACheckpointThatDoesNotMatchItsConfigurationIsRefusedByName()
    {
        manual_seed(11);
        string dir = Path.Combine(Path.GetTempPath(), "segnn-ckpt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "model.ckpt");
            Checkpoint.Save(path, new SegnnModel(new NBodyTask().DefaultConfig() with { Layers = 2 }), null, new TrainingState(), null);
            Checkpoint ckpt = Checkpoint.Load(path);
            // the same tensors loaded into a model of another configuration
            var other = new SegnnModel(new NBodyTask().DefaultConfig() with { Layers = 3, HiddenFeatures = 32 });
            var ex = Assert.ThrowsExactly<SegnnModelException>(() => ckpt.LoadInto(other));
            StringAssert.Contains(ex.Message, "does not match");
            StringAssert.Contains(ex.Message, "layers.0.message_layer_1.tp.weight");
            StringAssert.Contains(ex.Message, "missing: layers.2.");

            byte[] bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 2] ^= 0xFF;
            File.WriteAllBytes(path, bytes);
            var damaged = Assert.ThrowsExactly<SegnnModelException>(() => Checkpoint.Load(path));
            StringAssert.Contains(damaged.Message, "checksum");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
