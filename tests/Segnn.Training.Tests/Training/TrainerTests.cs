using Segnn.Data.NBody;
using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Tasks;
using Segnn.Training;
using static TorchSharp.torch;

namespace Segnn.Training.Tests.Training;

[TestClass]
public sealed class TrainerTests
{
    private static NBodyTrajectories? _data;
    private static NBodyTrajectories? _valid;

    [ClassInitialize]
    public static void Simulate(TestContext _)
    {
        _data = NBodyDataset.Simulate(43, NBodySplit.Train, 80, threads: 1);
        _valid = NBodyDataset.Simulate(43, NBodySplit.Valid, 20, threads: 1);
    }

    [TestInitialize]
    public void Init() => set_num_threads(1);

    private static NBodyGraphDataset Train(int count) => new(NBodySamples.From(_data!, count), "train");

    private static NBodyGraphDataset Valid() => new(NBodySamples.From(_valid!), "valid");

    private sealed class Silent : ITrainingProgress
    {
        public void RunStarted(int firstEpoch, int epochs, int stepsPerEpoch)
        {
        }

        public void Step(int epoch, int step, double loss)
        {
        }

        public void EpochFinished(EpochMetrics metrics, bool improved)
        {
        }

        public void Message(string text)
        {
        }
    }

    private static readonly ModelConfig Small = new NBodyTask().DefaultConfig() with { Layers = 2, HiddenFeatures = 16 };
    private static readonly TrainingOptions Options = new() { Epochs = 2, BatchSize = 20, LearningRate = 3e-3, ValidateEvery = 1, Seed = 5 };

    private static string TempDir() => Path.Combine(Path.GetTempPath(), "segnn-train-" + Guid.NewGuid().ToString("N"));

    [TestMethod]
    public void AFewStepsReduceTheLoss()
    {
        string dir = TempDir();
        try
        {
            var options = Options with { Epochs = 6 };
            TrainResult r = Trainer.Run(Small, options, Train(80), Valid(), null, dir, false, new Silent());
            Assert.IsLessThan(r.State.History[0].TrainLoss * 0.7, r.State.History[^1].TrainLoss, "training loss should fall");
            Assert.IsTrue(File.Exists(Path.Combine(dir, Trainer.BestCheckpoint)));
            Assert.IsTrue(File.Exists(Path.Combine(dir, RunFiles.MetricsFile)));
            Assert.IsTrue(File.Exists(Path.Combine(dir, RunFiles.PlotFile)));
            Assert.HasCount(7, File.ReadAllLines(Path.Combine(dir, RunFiles.MetricsFile)));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void TwoEpochsEqualOneEpochAndAResumedOne()
    {
        string straight = TempDir(), resumed = TempDir();
        try
        {
            TrainResult a = Trainer.Run(Small, Options, Train(80), Valid(), null, straight, false, new Silent());
            Trainer.Run(Small, Options with { Epochs = 1 }, Train(80), Valid(), null, resumed, false, new Silent());
            TrainResult b = Trainer.Run(Small, Options, Train(80), Valid(), null, resumed, true, new Silent());
            Assert.AreEqual(2, b.State.Epoch);
            Assert.AreEqual(a.State.History[1].TrainLoss, b.State.History[1].TrainLoss, 1e-6);
            using var ma = Checkpoint.Load(Path.Combine(straight, Trainer.LastCheckpoint)).CreateModel();
            using var mb = Checkpoint.Load(Path.Combine(resumed, Trainer.LastCheckpoint)).CreateModel();
            foreach (var ((name, pa), (_, pb)) in ma.named_parameters().Zip(mb.named_parameters()))
                Assert.IsLessThan(1e-6, (pa - pb).abs().max().item<float>(), name);
        }
        finally
        {
            Directory.Delete(straight, true);
            Directory.Delete(resumed, true);
        }
    }

    [TestMethod]
    public void ACrashMidWriteNeverLeavesACorruptCheckpoint()
    {
        string dir = TempDir();
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "model.ckpt");
            var model = new SegnnModel(Small);
            Checkpoint.Save(path, model, Options, new TrainingState { Epoch = 1 }, null);
            byte[] before = File.ReadAllBytes(path);
            // fault injection: the writer dies half-way through the new checkpoint
            var state = new TrainingState { Epoch = 2 };
            Assert.Throws<IOException>(() => Segnn.IO.AtomicFile.Write(path, stream =>
            {
                stream.Write(before.AsSpan(0, before.Length / 2));
                throw new IOException("simulated crash");
            }));
            CollectionAssert.AreEqual(before, File.ReadAllBytes(path), "the old checkpoint must survive intact");
            Assert.AreEqual(1, Checkpoint.Load(path).State.Epoch);
            Assert.IsEmpty(Directory.GetFiles(dir, "*.tmp"), "no temporary file may be left behind");
            // a torn file (as after a crash without atomic writes) is detected, not loaded
            File.WriteAllBytes(path, before[..(before.Length * 2 / 3)]);
            var ex = Assert.ThrowsExactly<SegnnModelException>(() => Checkpoint.Load(path));
            StringAssert.Contains(ex.Message, path);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void ResumingAFinishedOrForeignRunIsRefusedClearly()
    {
        string dir = TempDir();
        try
        {
            Trainer.Run(Small, Options with { Epochs = 1 }, Train(40), Valid(), null, dir, false, new Silent());
            var fresh = Assert.ThrowsExactly<InvalidOperationException>(() => Trainer.Run(Small, Options, Train(40), Valid(), null, dir, false, new Silent()));
            StringAssert.Contains(fresh.Message, "--resume");
            var other = Assert.ThrowsExactly<InvalidOperationException>(() => Trainer.Run(Small with { Layers = 3 }, Options, Train(40), Valid(), null, dir, true, new Silent()));
            StringAssert.Contains(other.Message, "another model configuration");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void LoaderShapesEdgesAndAttributesOnAHandComputedSystem()
    {
        NBodyGraphDataset data = Train(10);
        var (batch, targets) = data.Get([3, 7]);
        Assert.AreEqual(10, batch.NodeCount);
        Assert.AreEqual(40, batch.EdgeCount); // 20 directed edges per 5-particle system
        Assert.AreEqual(2, batch.SystemCount);
        Assert.HasCount(30, targets.Columns);
        CollectionAssert.AreEqual(_data!.PositionsAt(7, 40).ToArray(), targets.Columns[15..]);
        CollectionAssert.AreEqual(_data.PositionsAt(3, 30).ToArray(), batch.Positions.Take(15).ToArray());

        // a hand-computed system: particle 0 at the origin, particle 1 at (3, 4, 0), velocities along x
        var builder = new Segnn.Runtime.Graphs.BatchBuilder();
        builder.Add([0, 0, 0, 3, 4, 0], Segnn.Runtime.Graphs.NeighbourList.FullyConnected(2), [1, 0, 0, 0, 2, 0], [1, -1]);
        using var ops = new TorchOps(ScalarType.Float64);
        var task = new NBodyTask();
        SegnnInputs<Tensor> g = task.Featurize(ops, task.DefaultConfig() with { DType = Precision.Float64 }, Segnn.Graphs.BatchTensors.ToTensors(builder, ops));
        double[] scalars = g.EdgeScalars!.data<double>().ToArray();
        CollectionAssert.AreEqual(new double[] { 5, -1, 5, -1 }, scalars); // [distance, q_s·q_r] per edge
        double c = 0.48860251190291992; // √3/√(4π): integral-normalised l = 1
        double[] edge = g.EdgeAttributes.data<double>().ToArray(); // edge 0: sender 1 → receiver 0, r = (3, 4, 0)
        Assert.AreEqual(0.28209479177387814, edge[0], 1e-12);
        Assert.AreEqual(c * 0.6, edge[1], 1e-12);
        Assert.AreEqual(c * 0.8, edge[2], 1e-12);
        double[] node = g.NodeAttributes.data<double>().ToArray(); // node 0: mean of its one incoming edge + SH(v = x̂)
        Assert.AreEqual(c * 0.6 + c, node[1], 1e-12);
        Assert.AreEqual(c * 0.8, node[2], 1e-12);
        double[] x = g.NodeFeatures.data<double>().ToArray(); // reference centring: p − mean(p_x, p_y, p_z)
        CollectionAssert.AreEqual(new double[] { 0, 0, 0, 1, 0, 0, 1 }, x[..7]);
        Assert.AreEqual(3 - 7.0 / 3, x[7], 1e-12);
        Assert.AreEqual(2.0, x[13], 1e-12); // |v| of particle 1
    }
}
