using Segnn.Graphs;
using Segnn.Nn;
using Segnn.O3;
using Segnn.Runtime;
using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Tasks;
using static TorchSharp.torch;

namespace Segnn.Training.Tests.Tasks;

/// <summary>
/// The force field's derivatives in TorchSharp (the reference the exported graph is checked against): forces are minus
/// the gradient of the energy (central differences), sum to zero, rotate with the structure; the stress is the strain
/// derivative; energy and forces are continuous as a neighbour crosses the cutoff.
/// </summary>
[TestClass]
public sealed class ForceFieldTests
{
    [TestInitialize]
    public void Init() => set_num_threads(1);

    private static SegnnModel Model()
    {
        manual_seed(17);
        return new SegnnModel(new S2efTask().DefaultConfig() with { DType = Precision.Float64, Layers = 2, HiddenFeatures = 16 });
    }

    private static (double Energy, double[] Forces, double[] Stress) Evaluate(SegnnModel model, PeriodicStructure s)
    {
        var batch = new BatchBuilder();
        batch.Add(s.Positions, NeighbourList.Radius(s.Positions, s.Cell, model.Config.Cutoff!.Value), atomicNumbers: s.AtomicNumbers, cell: s.Cell);
        using var predictor = new TorchPredictor(model);
        IReadOnlyDictionary<string, double[]> p = predictor.Predict(batch);
        return (p["energy"][0], p["forces"], p["stress"]);
    }

    private static PeriodicStructure Slab() => SyntheticSystems.FccSlab(new Random(2), [29, 79], 3.7, 2, 2, 3, adsorbate: [6, 8], rattle: 0.15);

    private static PeriodicStructure Bulk() => SyntheticSystems.FccBulk(new Random(3), [13, 28], 3.7, 2, rattle: 0.15);

    [TestMethod]
    public void ForcesAreMinusTheGradientOfTheEnergyAndSumToZero()
    {
        SegnnModel model = Model();
        foreach (PeriodicStructure s in new[] { Slab(), Bulk() })
        {
            var (_, forces, _) = Evaluate(model, s);
            const double h = 1e-5;
            double worst = 0, scale = forces.Max(Math.Abs);
            foreach (int k in new[] { 0, 4, 8, 3 * (s.AtomCount - 1) + 2, 3 * (s.AtomCount / 2) + 1 })
            {
                double[] plus = (double[])s.Positions.Clone(), minus = (double[])s.Positions.Clone();
                plus[k] += h;
                minus[k] -= h;
                double numeric = -(Evaluate(model, s with { Positions = plus }).Energy - Evaluate(model, s with { Positions = minus }).Energy) / (2 * h);
                worst = Math.Max(worst, Math.Abs(numeric - forces[k]));
            }
            Assert.IsLessThan(1e-6, worst / scale, $"{s.Name}: forces against central differences, relative {worst / scale:E2}");
            for (int c = 0; c < 3; c++)
            {
                double sum = Enumerable.Range(0, s.AtomCount).Sum(i => forces[3 * i + c]);
                Assert.IsLessThan(1e-10 * scale * s.AtomCount, Math.Abs(sum), $"{s.Name}: forces sum to {sum:E2} along axis {c}");
            }
        }
    }

    [TestMethod]
    public void StressIsTheStrainDerivativeOverTheVolume()
    {
        SegnnModel model = Model();
        PeriodicStructure s = Bulk();
        var (_, _, stress) = Evaluate(model, s);
        const double h = 1e-5;
        double worst = 0, scale = stress.Max(Math.Abs);
        for (int a = 0; a < 3; a++)
            for (int b = a; b < 3; b++)
            {
                // symmetric strain: ε_ab = ε_ba = ±h/2 (or ε_aa = ±h) applied to positions and cell
                PeriodicStructure Strained(double sign)
                {
                    var eps = new double[9];
                    eps[3 * a + b] += sign * h / (a == b ? 1 : 2);
                    eps[3 * b + a] += a == b ? 0 : sign * h / 2;
                    double[] Apply(double[] rows)
                    {
                        var r = new double[rows.Length];
                        for (int i = 0; i < rows.Length; i += 3)
                            for (int c = 0; c < 3; c++)
                                r[i + c] = rows[i + c] + rows[i] * eps[c] + rows[i + 1] * eps[3 + c] + rows[i + 2] * eps[6 + c];
                        return r;
                    }
                    return s with { Positions = Apply(s.Positions), Cell = new PeriodicCell(Apply(s.Cell.Matrix.ToArray()), s.Cell.Pbc) };
                }
                double numeric = (Evaluate(model, Strained(1)).Energy - Evaluate(model, Strained(-1)).Energy) / (2 * h) / s.Cell.Volume;
                worst = Math.Max(worst, Math.Abs(numeric - stress[3 * a + b]));
                Assert.AreEqual(stress[3 * a + b], stress[3 * b + a], 1e-14 * scale, "the stress is symmetric");
            }
        Assert.IsLessThan(1e-6, worst / scale, $"stress against strain differences, relative {worst / scale:E2}");
    }

    [TestMethod]
    public void ForcesRotateWithTheStructure()
    {
        SegnnModel model = Model();
        PeriodicStructure s = Slab();
        var (energy, forces, _) = Evaluate(model, s);
        var r = Rotation.Random(new Random(4));
        double[] Rotate(ReadOnlySpan<double> v)
        {
            var o = new double[v.Length];
            for (int i = 0; i < v.Length; i += 3) (o[i], o[i + 1], o[i + 2]) = r.Apply(v[i], v[i + 1], v[i + 2]);
            return o;
        }
        var rotated = Evaluate(model, s with { Positions = Rotate(s.Positions), Cell = new PeriodicCell(Rotate(s.Cell.Matrix), s.Cell.Pbc) });
        Assert.AreEqual(energy, rotated.Energy, 1e-10 * Math.Abs(energy));
        double[] expected = Rotate(forces);
        double scale = forces.Max(Math.Abs);
        for (int i = 0; i < forces.Length; i++) Assert.AreEqual(expected[i], rotated.Forces[i], 1e-10 * scale, $"force component {i}");
    }

    [TestMethod]
    public void EnergyAndForcesAreContinuousAtTheCutoff()
    {
        SegnnModel model = Model();
        double cutoff = model.Config.Cutoff!.Value;
        // two atoms in a large cell: the pair enters the cutoff as the distance crosses it
        var cell = new PeriodicCell([20, 0, 0, 0, 20, 0, 0, 0, 20], [true, true, true]);
        PeriodicStructure Pair(double d) => new("pair", [29, 8], [5, 5, 5, 5 + d, 5, 5], cell);
        double[] d = [cutoff - 1e-3, cutoff + 1e-3];
        var inside = Evaluate(model, Pair(d[0]));
        var outside = Evaluate(model, Pair(d[1]));
        var far = Evaluate(model, Pair(cutoff + 0.5));
        Assert.AreEqual(far.Energy, outside.Energy, 1e-12, "beyond the cutoff the pair does not interact");
        Assert.IsLessThan(1e-7, Math.Abs(inside.Energy - outside.Energy), $"energy jumps by {Math.Abs(inside.Energy - outside.Energy):E2} at the cutoff");
        Assert.IsLessThan(1e-5, Math.Abs(inside.Forces[3] - outside.Forces[3]), $"force jumps by {Math.Abs(inside.Forces[3] - outside.Forces[3]):E2} at the cutoff");
        // and the pair does interact well inside the cutoff (the test would pass trivially otherwise)
        Assert.IsGreaterThan(1e-6, Math.Abs(Evaluate(model, Pair(cutoff - 1.0)).Forces[3]));
    }
}
