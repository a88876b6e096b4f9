using Segnn.Data.Atomistic;
using Segnn.Data.Molecules;
using Segnn.Nn;
using Segnn.Tasks;
using Segnn.Tests;
using Segnn.Training;
using static TorchSharp.torch;

namespace Segnn.Training.Tests.Training;

/// <summary>The paper's QM9 configuration (lmax_h 2, lmax_attr 3, 128 features, 7 layers, instance norm) trains on real standard-format molecules.</summary>
[TestClass]
public sealed class Qm9PaperConfigTests
{
    [TestMethod]
    public void PaperConfigurationTrainsAFewStepsOnStandardHundred()
    {
        set_num_threads(1);
        List<LabelledMolecule> molecules = Qm9.ReadStandard(SharedData.Require("data/qm9/standard-100/qm9_reduced_100.xyz")).ToList();
        TargetSpec[] targets = TargetStatistics.Standardise(molecules.Take(80).ToList(), [Qm9.StandardTargets.Single(t => t.Name == "alpha")]);
        ModelConfig config = new Qm9Task().DefaultConfig() with { Targets = targets };
        Assert.AreEqual("36x0e+36x1o+36x2e", config.Hidden.ToString());
        var train = new AtomisticGraphDataset("train", molecules.Take(16).ToList(), targets, 2.0);
        var valid = new AtomisticGraphDataset("valid", molecules.Skip(80).Take(8).ToList(), targets, 2.0);
        string dir = Path.Combine(Path.GetTempPath(), "segnn-qm9-paper-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new TrainingOptions { Epochs = 3, BatchSize = 8, LearningRate = 5e-4, WeightDecay = 1e-8, Loss = LossKind.L1, Schedule = LearningRateSchedule.Multistep, ValidateEvery = 3 };
            TrainResult result = Trainer.Run(config, options, train, valid, null, dir, false, new NoProgress());
            Assert.AreEqual(3, result.State.Epoch);
            Assert.IsTrue(result.State.History.All(h => double.IsFinite(h.TrainLoss)));
            Assert.IsLessThan(result.State.History[0].TrainLoss, result.State.History[^1].TrainLoss, "the L1 loss on standardised alpha should fall");
            using SegnnModel model = Checkpoint.Load(result.BestCheckpoint).CreateModel();
            Assert.AreEqual(1_033_525L, model.ParameterCount);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private sealed class NoProgress : ITrainingProgress
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
}
