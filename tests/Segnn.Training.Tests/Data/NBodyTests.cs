using System.Diagnostics;
using System.Security.Cryptography;
using Segnn.Data.NBody;

namespace Segnn.Training.Tests.Data;

[TestClass]
public sealed class NBodyTests
{
    private const int Fv = NBodySimulator.FrameValues;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void SameSeedGivesIdenticalBytesWhateverTheThreadCount()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        NBodyDataset.Generate(a.Path, Small(seed: 7) with { Threads = 1 });
        NBodyDataset.Generate(b.Path, Small(seed: 7) with { Threads = 2 });
        string[] names = ["train.bin", "valid.bin", "test.bin", "manifest.json"];
        foreach (string name in names)
            CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(a.Path, name)), File.ReadAllBytes(Path.Combine(b.Path, name)), name);
        // The atomic writes leave nothing else behind.
        CollectionAssert.AreEquivalent(names, Directory.GetFiles(a.Path).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void DifferentSeedGivesDifferentData()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        NBodyDataset.Generate(a.Path, Small(seed: 7));
        NBodyDataset.Generate(b.Path, Small(seed: 8));
        foreach (string name in new[] { "train.bin", "valid.bin", "test.bin" })
            CollectionAssert.AreNotEqual(File.ReadAllBytes(Path.Combine(a.Path, name)), File.ReadAllBytes(Path.Combine(b.Path, name)), name);
        NBodyTrajectories x = NBodyDataset.Load(a.Path, "train"), y = NBodyDataset.Load(b.Path, "train");
        Assert.IsFalse(x.Positions.AsSpan().SequenceEqual(y.Positions), "positions of different seeds coincide");
    }

    [TestMethod]
    public void SplitsUseDifferentStreamsAndATrajectoryDoesNotDependOnTheCount()
    {
        NBodyTrajectories few = NBodyDataset.Simulate(43, NBodySplit.Train, 4);
        NBodyTrajectories more = NBodyDataset.Simulate(43, NBodySplit.Train, 9, threads: 2);
        NBodyTrajectories test = NBodyDataset.Simulate(43, NBodySplit.Test, 4);
        Assert.IsTrue(few.Positions.AsSpan().SequenceEqual(more.Positions.AsSpan(0, few.Positions.Length)));
        Assert.IsTrue(few.Charges.AsSpan().SequenceEqual(more.Charges.AsSpan(0, few.Charges.Length)));
        Assert.IsFalse(few.Positions.AsSpan().SequenceEqual(test.Positions));
    }

    [TestMethod]
    public void InitialStateHasSpeedHalfUnitChargesAndUnitPositionVariance()
    {
        var q = new double[5];
        var x = new double[Fv];
        var v = new double[Fv];
        int positive = 0, n = 2000;
        double sumSquares = 0, sum = 0;
        for (int t = 0; t < n; t++)
        {
            NBodySimulator.SampleInitialState(43, NBodySplit.Train, t, q, x, v);
            for (int i = 0; i < 5; i++)
            {
                double speed = Math.Sqrt(v[3 * i] * v[3 * i] + v[3 * i + 1] * v[3 * i + 1] + v[3 * i + 2] * v[3 * i + 2]);
                Assert.AreEqual(0.5, speed, 1e-15, $"speed of particle {i} in trajectory {t}");
                Assert.IsTrue(q[i] is 1.0 or -1.0, $"charge {q[i]}");
                if (q[i] > 0) positive++;
            }
            foreach (double c in x)
            {
                sum += c;
                sumSquares += c * c;
            }
        }
        // 10,000 charges: a fair coin stays within ±4σ = ±200 of 5,000; 30,000 N(0,1) coordinates: mean within ±0.025, variance within ±0.035.
        Assert.IsTrue(Math.Abs(positive - 5 * n / 2) < 200, $"{positive} positive charges of {5 * n}");
        Assert.AreEqual(0.0, sum / (15 * n), 0.025);
        Assert.AreEqual(1.0, sumSquares / (15 * n), 0.035);
    }

    [TestMethod]
    public void MomentumIsConservedUnlessAForceWasClipped()
    {
        int conserved = 0, clipped = 0;
        double worstClipped = 0;
        for (int t = 0; t < 60; t++)
        {
            NBodyTrajectory traj = NBodySimulator.Simulate(43, NBodySplit.Valid, t);
            double[] p0 = TotalMomentum(traj.InitialVelocities, 0);
            double drift = 0, scale = 0;
            for (int f = 0; f < NBodySimulator.Frames; f++)
            {
                double[] p = TotalMomentum(traj.Velocities, f);
                for (int d = 0; d < 3; d++)
                    drift = Math.Max(drift, Math.Abs(p[d] - p0[d]));
                for (int i = 0; i < 5; i++)
                    scale = Math.Max(scale, Math.Sqrt(Enumerable.Range(0, 3).Sum(d => Math.Pow(traj.Velocities[f * Fv + 3 * i + d], 2))));
            }
            if (traj.ForceClipped)
            {
                clipped++;
                worstClipped = Math.Max(worstClipped, drift / scale);
            }
            else
            {
                conserved++;
                Assert.IsLessThan(1e-10, drift / scale, $"trajectory {t}: momentum drifts by {drift} (speed scale {scale}) although no force was clipped");
            }
        }
        Assert.IsGreaterThanOrEqualTo(10, conserved, "too few unclipped trajectories to test conservation");
        Assert.IsGreaterThanOrEqualTo(1, clipped, "no clipped trajectory among 60");
        // The flag means something: clipping (F > 100 for at least one step of 0.001) breaks conservation visibly.
        Assert.IsGreaterThan(1e-6, worstClipped);
    }

    [TestMethod]
    public void IntegratorMatchesAStraightforwardTranscriptionOfTheReference()
    {
        for (int t = 0; t < 6; t++)
        {
            NBodyTrajectory fast = NBodySimulator.Simulate(5, NBodySplit.Test, t);
            (double[] loc, double[] vel, bool clipped) = Reference(fast.Charges, fast.InitialPositions, fast.InitialVelocities);
            Assert.AreEqual(clipped, fast.ForceClipped, $"trajectory {t}: clip flag");
            for (int k = 0; k < loc.Length; k++)
            {
                Assert.AreEqual(loc[k], fast.Positions[k], 0.0, $"trajectory {t}: position value {k}");
                Assert.AreEqual(vel[k], fast.Velocities[k], 0.0, $"trajectory {t}: velocity value {k}");
            }
        }
    }

    [TestMethod]
    public void BaselinesOnThreeThousandTrainingTrajectoriesMatchThePaperSanityValues()
    {
        var clock = Stopwatch.StartNew();
        NBodyTrajectories train = NBodyDataset.Simulate(43, NBodySplit.Train, 3000);
        double seconds = clock.Elapsed.TotalSeconds;
        NBodySamples samples = NBodySamples.From(train, NBodySamples.PaperTrainingSamples);
        Assert.AreEqual(3000, samples.Count);
        Assert.AreEqual(1.0, samples.Horizon, 1e-15);
        double still = NBodyBaselines.NoMotionMse(samples);
        double constant = NBodyBaselines.ConstantVelocityMse(samples);
        TestContext.WriteLine($"3,000 trajectories simulated in {seconds:F2} s; no motion {still:F4}, constant velocity {constant:F4}, {train.ClippedCount} clipped");
        Assert.AreEqual(0.271, still, 0.1 * 0.271, "no-motion MSE");
        Assert.AreEqual(0.109, constant, 0.1 * 0.109, "constant-velocity MSE");
    }

    [TestMethod]
    public void SamplesTakeFrameThirtyAsInputAndFrameFortyAsTarget()
    {
        NBodyTrajectories data = NBodyDataset.Simulate(1, NBodySplit.Valid, 5);
        NBodySamples samples = NBodySamples.From(data, maxCount: 3);
        Assert.AreEqual(3, samples.Count);
        Assert.AreEqual(3 * 15, samples.Positions.Length);
        Assert.AreEqual(3 * 5, samples.Charges.Length);
        for (int s = 0; s < 3; s++)
        {
            Assert.IsTrue(samples.Positions.AsSpan(s * Fv, Fv).SequenceEqual(data.Positions.AsSpan((s * 49 + 30) * Fv, Fv)));
            Assert.IsTrue(samples.Velocities.AsSpan(s * Fv, Fv).SequenceEqual(data.Velocities.AsSpan((s * 49 + 30) * Fv, Fv)));
            Assert.IsTrue(samples.Targets.AsSpan(s * Fv, Fv).SequenceEqual(data.Positions.AsSpan((s * 49 + 40) * Fv, Fv)));
            Assert.IsTrue(samples.Charges.AsSpan(s * 5, 5).SequenceEqual(data.Charges.AsSpan(s * 5, 5)));
        }
        Assert.AreEqual(5, NBodySamples.From(data, maxCount: 3000).Count);
        double byHand = 0, byHandVelocity = 0;
        for (int k = 0; k < samples.Targets.Length; k++)
        {
            byHand += Math.Pow(samples.Targets[k] - samples.Positions[k], 2);
            byHandVelocity += Math.Pow(samples.Targets[k] - samples.Positions[k] - samples.Velocities[k], 2);
        }
        Assert.AreEqual(byHand / 45, NBodyBaselines.NoMotionMse(samples), 1e-15);
        Assert.AreEqual(byHandVelocity / 45, NBodyBaselines.ConstantVelocityMse(samples), 1e-15);
    }

    [TestMethod]
    public void LoadReturnsExactlyWhatWasSimulated()
    {
        using var dir = new TempDir();
        NBodyDataset.Generate(dir.Path, Small(seed: 11));
        foreach (NBodySplit split in NBodyDataset.Splits)
        {
            NBodyTrajectories loaded = NBodyDataset.Load(dir.Path, NBodyDataset.SplitName(split));
            NBodyTrajectories simulated = NBodyDataset.Simulate(11, split, Small(11).Count(split));
            Assert.AreEqual(split, loaded.Split);
            Assert.AreEqual(11L, loaded.Seed);
            Assert.IsTrue(simulated.Positions.AsSpan().SequenceEqual(loaded.Positions));
            Assert.IsTrue(simulated.Velocities.AsSpan().SequenceEqual(loaded.Velocities));
            Assert.IsTrue(simulated.Charges.AsSpan().SequenceEqual(loaded.Charges));
            CollectionAssert.AreEqual(simulated.ForceClipped, loaded.ForceClipped);
        }
    }

    [TestMethod]
    public void ManifestRecordsSizesAndChecksumsOfEveryFile()
    {
        using var dir = new TempDir();
        NBodyGenerationResult result = NBodyDataset.Generate(dir.Path, Small(seed: 3));
        NBodyManifest manifest = NBodyDataset.ReadManifest(dir.Path);
        Assert.AreEqual(3L, manifest.Seed);
        Assert.AreEqual(1, manifest.FormatVersion);
        Assert.AreEqual(49, manifest.Simulator.Frames);
        Assert.AreEqual(0.001, manifest.Simulator.TimeStep);
        Assert.HasCount(3, manifest.Files);
        foreach (NBodyManifestFile f in manifest.Files)
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(dir.Path, f.File));
            Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(bytes)), f.Sha256, f.File);
            Assert.AreEqual(bytes.LongLength, f.Bytes, f.File);
            Assert.AreEqual(Small(3).Count(NBodyDataset.ParseSplit(f.Split)), f.Trajectories, f.File);
            Assert.IsTrue(bytes.AsSpan(0, 8).SequenceEqual("SEGNNBDY"u8), f.File);
        }
        Assert.AreEqual(result.Manifest, manifest with { Files = result.Manifest.Files, Simulator = result.Manifest.Simulator, Generator = result.Manifest.Generator });
    }

    [TestMethod]
    public void CorruptedFileFailsWithAMessageNamingIt()
    {
        using var dir = new TempDir();
        NBodyDataset.Generate(dir.Path, Small(seed: 2));
        string valid = Path.Combine(dir.Path, "valid.bin");
        byte[] bytes = File.ReadAllBytes(valid);
        bytes[1000] ^= 0x10;
        File.WriteAllBytes(valid, bytes);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => NBodyDataset.Load(dir.Path, "valid"));
        StringAssert.Contains(ex.Message, "valid.bin");
        StringAssert.Contains(ex.Message, "SHA-256");
        // The other splits are unaffected.
        Assert.AreEqual(6, NBodyDataset.Load(dir.Path, "test").Count);
    }

    [TestMethod]
    public void TruncatedFileFailsWithAMessageNamingIt()
    {
        using var dir = new TempDir();
        NBodyDataset.Generate(dir.Path, Small(seed: 2));
        string train = Path.Combine(dir.Path, "train.bin");
        byte[] bytes = File.ReadAllBytes(train);
        File.WriteAllBytes(train, bytes[..^100]);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => NBodyDataset.Load(dir.Path, "train"));
        StringAssert.Contains(ex.Message, "train.bin");
        StringAssert.Contains(ex.Message, "truncated");
        File.WriteAllBytes(train, bytes[..40]);
        ex = Assert.ThrowsExactly<InvalidDataException>(() => NBodyDataset.Load(dir.Path, "train"));
        StringAssert.Contains(ex.Message, "train.bin");
        StringAssert.Contains(ex.Message, "truncated");
    }

    [TestMethod]
    public void WrongMagicOrVersionFailsWithAMessageNamingTheFile()
    {
        using var dir = new TempDir();
        NBodyDataset.Generate(dir.Path, Small(seed: 2));
        string test = Path.Combine(dir.Path, "test.bin");
        byte[] original = File.ReadAllBytes(test);
        byte[] bytes = (byte[])original.Clone();
        bytes[0] = (byte)'X';
        File.WriteAllBytes(test, bytes);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => NBodyDataset.Load(dir.Path, "test"));
        StringAssert.Contains(ex.Message, "test.bin");
        StringAssert.Contains(ex.Message, "magic");
        bytes = (byte[])original.Clone();
        bytes[8] = 9;
        File.WriteAllBytes(test, bytes);
        ex = Assert.ThrowsExactly<InvalidDataException>(() => NBodyDataset.Load(dir.Path, "test"));
        StringAssert.Contains(ex.Message, "test.bin");
        StringAssert.Contains(ex.Message, "version 9");
    }

    [TestMethod]
    public void MissingOrBrokenManifestFailsClearly()
    {
        using var dir = new TempDir();
        var missing = Assert.ThrowsExactly<FileNotFoundException>(() => NBodyDataset.Load(dir.Path, "train"));
        StringAssert.Contains(missing.Message, "manifest.json");
        File.WriteAllText(Path.Combine(dir.Path, "manifest.json"), "{ not json");
        var broken = Assert.ThrowsExactly<InvalidDataException>(() => NBodyDataset.Load(dir.Path, "train"));
        StringAssert.Contains(broken.Message, "manifest.json");
        Assert.ThrowsExactly<ArgumentException>(() => NBodyDataset.Load(dir.Path, "training-set"));
    }

    [TestMethod]
    public void BadCountsAreRejected()
    {
        using var dir = new TempDir();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => NBodyDataset.Generate(dir.Path, new NBodyGenerationOptions { Valid = -1 }));
        StringAssert.Contains(ex.Message, "valid");
        Assert.ThrowsExactly<ArgumentException>(() => NBodyDataset.Generate(dir.Path, new NBodyGenerationOptions { Threads = 0 }));
        Assert.IsEmpty(Directory.GetFiles(dir.Path));
    }

    private static NBodyGenerationOptions Small(long seed) => new() { Seed = seed, Train = 12, Valid = 6, Test = 6 };

    private static double[] TotalMomentum(double[] velocities, int frame)
    {
        var p = new double[3];
        for (int i = 0; i < 5; i++)
            for (int d = 0; d < 3; d++)
                p[d] += velocities[frame * Fv + 3 * i + d];
        return p;
    }

    /// <summary>
    /// The reference loop transcribed literally with [3, n] arrays (segnn.md §4.1): full n×n matrices, self terms
    /// skipped, row sums in increasing j. Same floating-point operations, so the results must agree bit for bit.
    /// </summary>
    private static (double[] Loc, double[] Vel, bool Clipped) Reference(double[] charges, double[] x0, double[] v0)
    {
        const int n = 5, T = 5000, sampleFreq = 100, tSave = T / sampleFreq - 1;
        const double dt = 0.001, maxF = 0.1 / dt;
        var loc = new double[3, n];
        var vel = new double[3, n];
        for (int i = 0; i < n; i++)
            for (int d = 0; d < 3; d++)
            {
                loc[d, i] = x0[3 * i + d];
                vel[d, i] = v0[3 * i + d];
            }
        var outLoc = new double[tSave * Fv];
        var outVel = new double[tSave * Fv];
        bool clipped = false;

        double[,] Force()
        {
            var norms = new double[n];
            for (int i = 0; i < n; i++)
                norms[i] = loc[0, i] * loc[0, i] + loc[1, i] * loc[1, i] + loc[2, i] * loc[2, i];
            var size = new double[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    if (i == j) continue;
                    double l2 = norms[i] + norms[j] - 2.0 * (loc[0, i] * loc[0, j] + loc[1, i] * loc[1, j] + loc[2, i] * loc[2, j]);
                    size[i, j] = 1.0 * (charges[i] * charges[j]) / (l2 * Math.Sqrt(l2));
                }
            var force = new double[3, n];
            for (int d = 0; d < 3; d++)
                for (int i = 0; i < n; i++)
                {
                    double sum = 0;
                    bool first = true;
                    for (int j = 0; j < n; j++)
                    {
                        if (i == j) continue;
                        double term = size[i, j] * (loc[d, i] - loc[d, j]);
                        sum = first ? term : sum + term;
                        first = false;
                    }
                    if (sum > maxF || sum < -maxF) clipped = true;
                    force[d, i] = Math.Clamp(sum, -maxF, maxF);
                }
            return force;
        }

        double[,] f = Force();
        for (int d = 0; d < 3; d++)
            for (int i = 0; i < n; i++)
                vel[d, i] += dt * f[d, i];
        int counter = 0;
        for (int step = 1; step < T; step++)
        {
            for (int d = 0; d < 3; d++)
                for (int i = 0; i < n; i++)
                    loc[d, i] += dt * vel[d, i];
            if (step % sampleFreq == 0)
            {
                for (int d = 0; d < 3; d++)
                    for (int i = 0; i < n; i++)
                    {
                        outLoc[counter * Fv + 3 * i + d] = loc[d, i];
                        outVel[counter * Fv + 3 * i + d] = vel[d, i];
                    }
                counter++;
            }
            f = Force();
            for (int d = 0; d < 3; d++)
                for (int i = 0; i < n; i++)
                    vel[d, i] += dt * f[d, i];
        }
        Assert.AreEqual(tSave, counter);
        return (outLoc, outVel, clipped);
    }

    private sealed class TempDir : IDisposable
    {
        public TempDir()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "segnn-nbody-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
