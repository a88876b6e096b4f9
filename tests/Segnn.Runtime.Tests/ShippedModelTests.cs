using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Tests;

namespace Segnn.Runtime.Tests;

/// <summary>The models shipped in models/: they load through the runtime alone, and their vector outputs rotate with the input.</summary>
[TestClass]
public sealed class ShippedModelTests
{
    private static string Model(string name)
    {
        string path = Path.Combine(SharedData.RepositoryRoot ?? ".", "models", name);
        if (!File.Exists(path)) Assert.Inconclusive($"skipped: {path} is not shipped in this checkout");
        return path;
    }

    /// <summary>A random proper or improper orthogonal matrix (Gram–Schmidt of Gaussian columns, optional inversion).</summary>
    private static double[] RandomOrthogonal(Random rng, bool inversion)
    {
        double[] Gaussian() => Enumerable.Range(0, 3).Select(_ => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble())).ToArray();
        double[] a = Gaussian(), b = Gaussian();
        double na = Math.Sqrt(a.Sum(v => v * v));
        a = a.Select(v => v / na).ToArray();
        double dot = a.Zip(b).Sum(p => p.First * p.Second);
        b = b.Select((v, i) => v - dot * a[i]).ToArray();
        double nb = Math.Sqrt(b.Sum(v => v * v));
        b = b.Select(v => v / nb).ToArray();
        double[] c = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
        double s = inversion ? -1 : 1;
        return [s * a[0], s * b[0], s * c[0], s * a[1], s * b[1], s * c[1], s * a[2], s * b[2], s * c[2]];
    }

    private static double[] Apply(double[] m, double[] v)
    {
        var r = new double[v.Length];
        for (int i = 0; i < v.Length; i += 3)
            for (int k = 0; k < 3; k++) r[i + k] = m[3 * k] * v[i] + m[3 * k + 1] * v[i + 1] + m[3 * k + 2] * v[i + 2];
        return r;
    }

    [TestMethod]
    public void DipoleModelRotatesTheDipoleWithTheMolecule()
    {
        using SegnnSession model = SegnnSession.Load(Model("qm9-mp2-homo-dipole.onnx"));
        Assert.AreEqual(new TaskKey("qm9-mp2"), model.Metadata.Task);
        // glycine-like geometry (Å): the dipole is far from zero
        var molecule = new Molecule("glycine", [7, 6, 6, 8, 8, 1, 1, 1, 1, 1],
        [
            0.0, 0.0, 0.0, 1.45, 0.0, 0.0, 2.0, 1.42, 0.0, 1.3, 2.42, 0.0, 3.34, 1.52, 0.0,
            -0.35, -0.95, 0.0, -0.35, 0.47, 0.83, 1.8, -0.52, 0.9, 1.8, -0.52, -0.9, 3.6, 2.45, 0.0,
        ]);
        SystemPrediction reference = model.Predict(molecule);
        double[] dipole = reference.Outputs["dipole"];
        Assert.IsGreaterThan(0.1, Math.Sqrt(dipole.Sum(v => v * v)), "a polar molecule has a dipole");
        var rng = new Random(4);
        foreach (bool inversion in new[] { false, true, false, true })
        {
            double[] m = RandomOrthogonal(rng, inversion);
            SystemPrediction turned = model.Predict(molecule with { Positions = Apply(m, molecule.Positions) });
            double[] expected = Apply(m, dipole); // a 1o vector: rotates and flips under inversion
            double err = expected.Zip(turned.Outputs["dipole"]).Max(p => Math.Abs(p.First - p.Second));
            Assert.IsLessThan(1e-5 * Math.Max(1, expected.Max(Math.Abs)), err, $"inversion={inversion}: dipole error {err:E2}");
            Assert.AreEqual(reference.Outputs["homo"][0], turned.Outputs["homo"][0], 1e-5 * Math.Abs(reference.Outputs["homo"][0]), "HOMO is invariant");
        }
    }

    [TestMethod]
    [DataRow("nbody-charged.onnx")]
    [DataRow("qm9-mp2-energy.onnx")]
    [DataRow("qm9-mp2-homo-dipole.onnx")]
    [DataRow("is2re-adsorption.onnx")]
    [DataRow("s2ef-forcefield.onnx")]
    [DataRow("s2ef-forcefield-float64.onnx")]
    public void ShippedModelPredictsASystemWithoutEdgesAloneAndBesideOthers(string file)
    {
        using SegnnSession model = SegnnSession.Load(Model(file), new SessionSettings { IntraOpThreads = 2 });
        int z = model.Metadata.Elements is { Count: > 0 } known ? known.Contains(29) ? 29 : known.Min() : 1;
        double cutoff = model.Metadata.Cutoff ?? 1.0;
        IReadOnlyList<SystemPrediction> alone, both;
        switch (model.Metadata.System)
        {
            case SystemKind.ParticleSystem:
                {
                    // one particle: the fully connected graph has no edge
                    var lone = new ParticleSystem("lone", [0.3, -0.2, 0.5], [0.1, 0.0, -0.2], [1.0]);
                    var five = new ParticleSystem("five", [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1], [0.1, 0, 0, 0, 0.1, 0, 0, 0, 0.1, 0, 0, 0, 0.1, 0.1, 0.1], [1, -1, 1, -1, 1]);
                    alone = model.Predict([lone]);
                    both = model.Predict([lone, five]);
                    break;
                }
            case SystemKind.Molecule:
                {
                    // two atoms further apart than the cutoff
                    var apart = new Molecule("apart", [z, z], [0, 0, 0, 3 * cutoff, 0, 0]);
                    var water = new Molecule("water", [8, 1, 1], [0, 0, 0, 0.9572, 0, 0, -0.24, 0.9266, 0]);
                    alone = model.Predict([apart]);
                    both = model.Predict([apart, water]);
                    break;
                }
            default:
                {
                    // one atom in a cell wider than the cutoff along every axis the model allows to be periodic
                    bool[] pbc = model.Metadata.PeriodicAxes!.ToArray();
                    double wide = 3 * cutoff;
                    bool tags = model.Metadata.Takes(ModelInput.Tags);
                    var lone = new PeriodicStructure("lone", [z], [0.3, -0.2, 0.1], new PeriodicCell([wide, 0, 0, 0, wide, 0, 0, 0, wide], pbc), tags ? [1] : null);
                    PeriodicStructure bulk = SyntheticSystems.FccBulk(new Random(5), [z], 3.6, 2, rattle: 0.1);
                    bulk = bulk with { Cell = new PeriodicCell(bulk.Cell.Matrix, pbc), Tags = tags ? Enumerable.Repeat(1, bulk.AtomCount).ToArray() : null };
                    Assert.AreEqual(0, NeighbourList.Radius(lone.Positions, lone.Cell, cutoff).Count, "the lone atom has no edge");
                    Assert.IsGreaterThan(0, NeighbourList.Radius(bulk.Positions, bulk.Cell, cutoff).Count, "the bulk has edges");
                    alone = model.Predict([lone]);
                    both = model.Predict([lone, bulk]);
                    if (alone[0].Outputs.TryGetValue("forces", out double[]? forces)) CollectionAssert.AreEqual(new double[3], forces, "a lone atom feels no force");
                    if (alone[0].Outputs.TryGetValue("stress", out double[]? stress)) CollectionAssert.AreEqual(new double[9], stress, "nor any stress");
                    if (both[1].Outputs.TryGetValue("forces", out double[]? bulkForces)) Assert.IsGreaterThan(0, bulkForces.Max(Math.Abs), "the bulk beside it has forces");
                    break;
                }
        }
        foreach (var (name, values) in alone[0].Outputs)
        {
            Assert.IsTrue(values.Length > 0 && values.All(double.IsFinite), $"{file}: {name} of the edge-less system is [{string.Join(", ", values)}]");
            double scale = Math.Max(1, values.Max(Math.Abs));
            for (int k = 0; k < values.Length; k++)
                Assert.AreEqual(values[k], both[0].Outputs[name][k], 1e-5 * scale, $"{file}: {name}[{k}] alone and batched with an edged system");
        }
        Assert.IsTrue(both[1].Outputs.Values.All(v => v.All(double.IsFinite)), $"{file}: the edged system's outputs are finite");
    }

    [TestMethod]
    public void NBodyModelLoadsAndPredictsThroughTheRuntimeAlone()
    {
        using SegnnSession model = SegnnSession.Load(Model("nbody-charged.onnx"));
        Assert.AreEqual(new TaskKey("nbody"), model.Metadata.Task);
        Assert.AreEqual("predicted_positions", model.Metadata.Outputs.Single().Name);
        var system = new ParticleSystem("s", [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1], [0.5, 0, 0, 0, 0.5, 0, 0, 0, 0.5, -0.5, 0, 0, 0, -0.5, 0], [1, -1, 1, -1, 1]);
        double[] p = model.Predict(system).Outputs["predicted_positions"];
        Assert.HasCount(15, p);
        Assert.IsTrue(p.All(double.IsFinite));
        // the particles move roughly with their velocities over one time unit
        Assert.AreEqual(0.5, p[0], 0.5);
    }

    /// <summary>The first frames of a shared slabs-emt file as periodic structures.</summary>
    private static List<PeriodicStructure> Slabs(string file, int count) =>
        XyzReader.ReadFile(SharedData.Require(Path.Combine("data", "slabs-emt", file))).Take(count).Select(PeriodicStructure.FromFrame).ToList();

    private static OutputSpec NodeVectorOutput(SegnnSession model) =>
        model.Metadata.Outputs.Single(o => o.Level == OutputLevel.Node && o.Width == 3);

    private static OutputSpec EnergyOutput(SegnnSession model) =>
        model.Metadata.Outputs.Single(o => o.Level == OutputLevel.Graph && o.Width == 1);

    [TestMethod]
    [DataRow("s2ef-forcefield.onnx", "s2ef_test_id.extxyz.gz")]
    [DataRow("is2re-adsorption.onnx", "is2re_test_id.extxyz.gz")]
    public void RepeatedRunsWithTwoThreadsAreBitwiseIdentical(string file, string data)
    {
        // a kernel that races between intra-op threads shows as outputs that change from run to run of the same batch; the
        // ScatterND race of the former aggregation showed across processes, which the central-difference test below caught
        using SegnnSession model = SegnnSession.Load(Model(file), new SessionSettings { IntraOpThreads = 2 });
        List<PeriodicStructure> slabs = Slabs(data, 4);
        IReadOnlyList<SystemPrediction> first = model.Predict(slabs);
        for (int run = 1; run < 24; run++)
        {
            IReadOnlyList<SystemPrediction> again = model.Predict(slabs);
            for (int s = 0; s < slabs.Count; s++)
                foreach (var (name, values) in first[s].Outputs)
                    CollectionAssert.AreEqual(values, again[s].Outputs[name], $"{file}, {slabs[s].Name}: output '{name}' of run {run} differs from run 0");
        }
    }

    [TestMethod]
    public void ForceFieldForcesAreCentralDifferencesOfItsOwnEnergy()
    {
        using SegnnSession model = SegnnSession.Load(Model("s2ef-forcefield.onnx"));
        string energy = EnergyOutput(model).Name, forces = NodeVectorOutput(model).Name;
        const double h = 5e-3; // Å: float32 energies of ~10 eV round at ~1e-6 eV, well under h²-curvature terms here
        foreach (PeriodicStructure slab in Slabs("s2ef_test_id.extxyz.gz", 4).Where((_, i) => i % 3 == 0))
        {
            double[] f = model.Predict(slab).Outputs[forces];
            // the components with the largest forces on free atoms, where a relative comparison means something
            int[] picked = Enumerable.Range(0, f.Length).Where(i => slab.Fixed is null || !slab.Fixed[i / 3])
                .OrderByDescending(i => Math.Abs(f[i])).Take(6).ToArray();
            var displaced = new List<PeriodicStructure>();
            foreach (int i in picked)
                foreach (double sign in new[] { 1.0, -1.0 })
                {
                    double[] x = (double[])slab.Positions.Clone();
                    x[i] += sign * h;
                    displaced.Add(slab with { Positions = x });
                }
            IReadOnlyList<SystemPrediction> e = model.Predict(displaced);
            double err2 = 0, norm2 = 0;
            for (int k = 0; k < picked.Length; k++)
            {
                double fd = -(e[2 * k].Outputs[energy][0] - e[2 * k + 1].Outputs[energy][0]) / (2 * h);
                double analytic = f[picked[k]];
                err2 += (fd - analytic) * (fd - analytic);
                norm2 += analytic * analytic;
            }
            double relative = Math.Sqrt(err2 / norm2);
            Console.WriteLine($"{slab.Name} ({slab.AtomCount} atoms): {picked.Length} force components (rms {Math.Sqrt(norm2 / picked.Length):F3} eV/Å) vs central differences of the energy (h = {h} Å): relative error {relative:E2}");
            Assert.IsLessThan(0.03, relative, $"{slab.Name}: float32 forces differ from central differences by {relative:P1}");
        }
    }

    [TestMethod]
    [DataRow("s2ef-forcefield.onnx", "s2ef_test_id.extxyz.gz")]
    [DataRow("is2re-adsorption.onnx", "is2re_test_id.extxyz.gz")]
    public void PeriodicModelIsInvariantUnderRotationInversionAndWrapping(string file, string data)
    {
        using SegnnSession model = SegnnSession.Load(Model(file));
        string energy = EnergyOutput(model).Name;
        OutputSpec? forceSpec = model.Metadata.Outputs.FirstOrDefault(o => o.Level == OutputLevel.Node && o.Width == 3);
        PeriodicStructure slab = Slabs(data, 1)[0];
        SystemPrediction reference = model.Predict(slab);
        double e0 = reference.Outputs[energy][0];
        var rng = new Random(11);
        foreach (bool inversion in new[] { false, true })
        {
            double[] m = RandomOrthogonal(rng, inversion);
            // the cell's rows are lattice vectors: they rotate as positions do
            var cell = new PeriodicCell(Apply(m, slab.Cell.Matrix.ToArray()), slab.Cell.Pbc);
            SystemPrediction turned = model.Predict(slab with { Positions = Apply(m, slab.Positions), Cell = cell });
            Assert.AreEqual(e0, turned.Outputs[energy][0], 1e-5 * Math.Max(1, Math.Abs(e0)), $"inversion={inversion}: energy changed");
            if (forceSpec is not null)
            {
                double[] expected = Apply(m, reference.Outputs[forceSpec.Name]);
                double err = expected.Zip(turned.Outputs[forceSpec.Name]).Max(p => Math.Abs(p.First - p.Second));
                Assert.IsLessThan(1e-5 * Math.Max(1, expected.Max(Math.Abs)), err, $"inversion={inversion}: forces do not rotate with the slab ({err:E2})");
            }
        }
        // an atom moved by a lattice vector along a periodic axis is the same structure
        double[] shifted = (double[])slab.Positions.Clone();
        for (int k = 0; k < 3; k++) shifted[k] += slab.Cell[0, k];
        Assert.AreEqual(e0, model.Predict(slab with { Positions = shifted }).Outputs[energy][0], 1e-5 * Math.Max(1, Math.Abs(e0)), "wrapping changed the energy");
    }
}
