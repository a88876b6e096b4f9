using Segnn.Nn;
using Segnn.O3;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Tasks;
using static TorchSharp.torch;

namespace Segnn.Export.Tests;

/// <summary>Segnn.Runtime's domain API against TorchSharp, under concurrency, and with bad input.</summary>
[TestClass]
public sealed class RuntimeTests
{
    private static SegnnModel? _molecularModel;
    private static byte[]? _molecularFile;
    private static SegnnModel? _nbodyModel;
    private static byte[]? _nbodyFile;

    [ClassInitialize]
    public static void Export(TestContext _)
    {
        set_num_threads(1);
        manual_seed(21);
        _molecularModel = new SegnnModel(new Qm9Task().DefaultConfig() with
        {
            Task = Qm9Mp2Task.Id,
            HiddenFeatures = 32,
            Layers = 2,
            Elements = [1, 6, 7, 8],
            InputIrreps = Irreps.Parse("4x0e"),
            OutputIrreps = Irreps.Parse("1x0e+1x1o"),
            Targets = [new TargetSpec { Name = "binding_energy", Irreps = Irreps.Parse("1x0e"), Unit = "eV", Mean = -60, Scale = 8 }, new TargetSpec { Name = "dipole", Irreps = Irreps.Parse("1x1o"), Unit = "e*bohr", Scale = 0.7 }],
        });
        _molecularFile = Exporter.Export(_molecularModel);
        _nbodyModel = new SegnnModel(new NBodyTask().DefaultConfig() with { Layers = 2 });
        _nbodyFile = Exporter.Export(_nbodyModel);
    }

    private static Molecule[] Molecules(int count, int seed)
    {
        var rng = new Random(seed);
        int[] elements = [1, 6, 7, 8];
        return Enumerable.Range(0, count).Select(i =>
        {
            int n = 1 + rng.Next(20);
            var p = new double[3 * n];
            for (int a = 1; a < n; a++)
                for (int k = 0; k < 3; k++) p[3 * a + k] = p[3 * (a - 1) + k] + (rng.NextDouble() - 0.5) * 1.6;
            return new Molecule($"mol{i}", Enumerable.Range(0, n).Select(_ => elements[rng.Next(4)]).ToArray(), p);
        }).ToArray();
    }

    private static ParticleSystem[] Particles(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(i => new ParticleSystem($"sys{i}",
            TestSystems.Values(rng, 15, 2), TestSystems.Values(rng, 15, 0.5), Enumerable.Range(0, 5).Select(_ => rng.Next(2) == 0 ? -1.0 : 1.0).ToArray())).ToArray();
    }

    [TestMethod]
    public void MoleculePredictionsEqualTorchSharp()
    {
        using SegnnSession session = SegnnSession.Load(_molecularFile!);
        Molecule[] molecules = Molecules(40, 1);
        // small batches, so systems are split over several runs and mapped back
        IReadOnlyList<SystemPrediction> predictions = session.Predict(molecules, new BatchOptions { MaxNodes = 60 });
        var batch = new BatchBuilder();
        foreach (Molecule m in molecules) batch.Add(m.Positions, NeighbourList.Radius(m.Positions, 2.0), atomicNumbers: m.AtomicNumbers);
        using var predictor = new TorchPredictor(_molecularModel!);
        var torch = predictor.Predict(batch);
        double max = 0;
        for (int i = 0; i < molecules.Length; i++)
        {
            Assert.AreEqual(molecules[i].Name, predictions[i].Name);
            for (int k = 0; k < 1; k++) max = Math.Max(max, Math.Abs(predictions[i].Outputs["binding_energy"][k] - torch["binding_energy"][i]));
            for (int k = 0; k < 3; k++) max = Math.Max(max, Math.Abs(predictions[i].Outputs["dipole"][k] - torch["dipole"][3 * i + k]));
        }
        Assert.IsLessThan(1e-4, max, $"max abs diff {max:E2} (binding energies are ~60)");
    }

    [TestMethod]
    public void ParticlePredictionsEqualTorchSharpAndRollOut()
    {
        using SegnnSession session = SegnnSession.Load(_nbodyFile!);
        ParticleSystem[] systems = Particles(30, 2);
        IReadOnlyList<SystemPrediction> predictions = session.Predict(systems, new BatchOptions { MaxSystems = 7 });
        var batch = new BatchBuilder();
        foreach (ParticleSystem s in systems) batch.Add(s.Positions, NeighbourList.FullyConnected(5), s.Velocities, s.Charges);
        using var predictor = new TorchPredictor(_nbodyModel!);
        double[] torch = predictor.Predict(batch)["predicted_positions"];
        double max = 0;
        for (int i = 0; i < systems.Length; i++)
            for (int k = 0; k < 15; k++) max = Math.Max(max, Math.Abs(predictions[i].Outputs["predicted_positions"][k] - torch[15 * i + k]));
        Assert.IsLessThan(1e-5, max, $"max abs diff {max:E2}");

        IReadOnlyList<double[]> rollout = session.Rollout(systems[0], 3);
        Assert.HasCount(3, rollout);
        CollectionAssert.AreEqual(predictions[0].Outputs["predicted_positions"], rollout[0]);
        Assert.IsTrue(rollout.All(step => step.Length == 15 && step.All(double.IsFinite)));
        Assert.IsFalse(rollout[1].SequenceEqual(rollout[2]), "the rollout should move");
    }

    [TestMethod]
    public void ConcurrentRunsGiveTheSamePredictionsInOrder()
    {
        using SegnnSession session = SegnnSession.Load(_molecularFile!, new SessionSettings { IntraOpThreads = 1 });
        Molecule[] molecules = Molecules(45, 4);
        var runs = new List<int>();
        IReadOnlyList<SystemPrediction> one = session.Predict(molecules, new BatchOptions { MaxNodes = 60 }, new SynchronousProgress(runs));
        var reports = new List<int>();
        IReadOnlyList<SystemPrediction> three = session.Predict(molecules, new BatchOptions { MaxNodes = 60, ConcurrentRuns = 3 }, new SynchronousProgress(reports));
        Assert.HasCount(molecules.Length, three);
        for (int i = 0; i < molecules.Length; i++)
        {
            Assert.AreEqual(molecules[i].Name, three[i].Name);
            CollectionAssert.AreEqual(one[i].Outputs["dipole"], three[i].Outputs["dipole"], $"{molecules[i].Name}: the same batch, run beside others");
            CollectionAssert.AreEqual(one[i].Outputs["binding_energy"], three[i].Outputs["binding_energy"]);
        }
        Assert.IsGreaterThan(1, reports.Count, "several waves");
        Assert.AreEqual((runs.Count + 2) / 3, reports.Count, $"{runs.Count} runs, three at a time");
        CollectionAssert.AreEqual(reports.Order().ToList(), reports, "progress only grows");
        Assert.AreEqual(molecules.Length, reports[^1]);

        // a memory limit the runs in flight share: smaller batches, the same predictions
        long twoMolecules = session.EstimateRunBytes(40, 400);
        IReadOnlyList<SystemPrediction> shared = session.Predict(molecules, new BatchOptions { MaxMemoryBytes = twoMolecules, ConcurrentRuns = 2 });
        for (int i = 0; i < molecules.Length; i++)
            for (int k = 0; k < 3; k++) Assert.AreEqual(one[i].Outputs["dipole"][k], shared[i].Outputs["dipole"][k], 1e-5, molecules[i].Name);
        Assert.ThrowsExactly<ArgumentException>(() => session.Predict(molecules, new BatchOptions { ConcurrentRuns = 0 }));
    }

    private sealed class SynchronousProgress(List<int> reports) : IProgress<int>
    {
        public void Report(int value) => reports.Add(value);
    }

    [TestMethod]
    public void EightThreadsTimesTwoHundredPredictionsOnOneSession()
    {
        using SegnnSession session = SegnnSession.Load(_molecularFile!, new SessionSettings { IntraOpThreads = 1 });
        Molecule[] molecules = Molecules(50, 3);
        double[][] expected = molecules.Select(m => session.Predict(m).Outputs["dipole"]).ToArray();
        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
        {
            for (int k = 0; k < 200; k++)
            {
                int i = (thread * 37 + k) % molecules.Length;
                double[] actual = session.Predict(molecules[i]).Outputs["dipole"];
                if (!actual.SequenceEqual(expected[i])) errors.Add($"thread {thread} call {k} molecule {i}");
            }
        });
        Assert.IsEmpty(errors, string.Join("; ", errors.Take(5)));
    }

    [TestMethod]
    public void BadInputsGiveTypedErrorsNamingTheSystem()
    {
        using SegnnSession molecules = SegnnSession.Load(_molecularFile!);
        using SegnnSession particles = SegnnSession.Load(_nbodyFile!);
        var water = new Molecule("water", [8, 1, 1], [0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0]);
        Assert.AreEqual(1, molecules.Predict(water).Outputs["binding_energy"].Length);

        void Fails(Action a, params string[] fragments)
        {
            var ex = Assert.Throws<Exception>(a);
            Assert.IsTrue(ex is SegnnInputException or SegnnModelException, $"{ex.GetType().Name}: {ex.Message}");
            foreach (string f in fragments) StringAssert.Contains(ex.Message, f);
        }
        Fails(() => molecules.Predict(water with { Name = "nan-water", Positions = [0, 0, double.NaN, 0.96, 0, 0, -0.24, 0.93, 0] }), "nan-water", "non-finite");
        Fails(() => molecules.Predict(water with { Name = "inf-water", Positions = [0, 0, 0, double.PositiveInfinity, 0, 0, -0.24, 0.93, 0] }), "inf-water", "non-finite");
        Fails(() => molecules.Predict(new Molecule("hcl", [17, 1], [0, 0, 0, 1.27, 0, 0])), "hcl", "Cl", "does not know");
        Fails(() => molecules.Predict(new Molecule("nothing", [], [])), "nothing", "no atoms");
        Fails(() => molecules.Predict(new Molecule("short", [8, 1], [0, 0, 0])), "short", "coordinates");
        Fails(() => particles.Predict(new ParticleSystem("short-velocities", new double[15], new double[12], new double[5])), "short-velocities", "velocity");
        Fails(() => particles.Predict(water), "nbody", "not molecules");
        Fails(() => molecules.Predict(new ParticleSystem("p", new double[15], new double[15], new double[5])), "qm9-mp2", "not particle systems");
        Fails(() => SegnnSession.Load(_molecularFile![..1000], source: "cut.onnx"), "cut.onnx");
    }
}
