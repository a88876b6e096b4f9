using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;
using Segnn.Training;

namespace Segnn.Data.Atomistic;

/// <summary>
/// A system of atoms with labels in physical units: a molecule (no cell) or a periodic structure (cell, tags), its scalar
/// labels (energies, …) and vector labels (1o targets such as the dipole). What datasets, target statistics and baselines
/// of every atomistic task read.
/// </summary>
public interface ILabelledSystem
{
    string Name { get; }
    int[] AtomicNumbers { get; }

    /// <summary>Row-major [n, 3] positions, Å.</summary>
    double[] Positions { get; }

    /// <summary>The cell of a periodic structure; null for a molecule.</summary>
    PeriodicCell? Cell { get; }

    /// <summary>Per-atom tags, where the data has them.</summary>
    int[]? Tags { get; }

    IReadOnlyDictionary<string, double> Scalars { get; }
    IReadOnlyDictionary<string, double[]> Vectors { get; }

    /// <summary>Per-atom forces [n·3] (eV/Å), where the data has them.</summary>
    double[]? Forces => null;

    /// <summary>The stress, full 3×3 row-major (eV/Å³), where the data has it.</summary>
    double[]? Stress => null;

    /// <summary>Per atom, whether it was held fixed (its force is not a target).</summary>
    bool[]? Fixed => null;
}

/// <summary>
/// Labelled atomistic systems as graphs for the trainer: radius graphs at the model's cutoff (with periodic images for
/// structures with a cell) built once per system with the runtime's neighbour lists; targets in the model's
/// output-column order (scalars, then 3 components per vector target).
/// </summary>
public sealed class AtomisticGraphDataset : IGraphDataset
{
    private readonly EdgeList[] _edges;
    private readonly IReadOnlyList<TargetSpec> _targets;

    private readonly bool _forces;

    /// <param name="name">the split's name.</param>
    /// <param name="items">the labelled systems.</param>
    /// <param name="targets">the prediction's targets, in column order.</param>
    /// <param name="cutoff">the radius-graph cutoff, Å.</param>
    /// <param name="forces">also give forces (every system must have them) and stresses (where a system has one).</param>
    public AtomisticGraphDataset(string name, IReadOnlyList<ILabelledSystem> items, IReadOnlyList<TargetSpec> targets, double cutoff, bool forces = false)
    {
        Name = name;
        Items = items;
        _targets = targets;
        _forces = forces;
        if (forces)
            foreach (ILabelledSystem m in items)
                if (m.Forces is null || m.Forces.Length != m.Positions.Length)
                    throw new InvalidDataException($"{name}: {m.Name} has no forces (an energy-and-forces model trains on forces)");
        foreach (ILabelledSystem m in items)
            foreach (TargetSpec t in targets)
                if (!m.Scalars.ContainsKey(t.Name) && !m.Vectors.ContainsKey(t.Name))
                    throw new InvalidDataException($"{name}: {m.Name} has no label '{t.Name}'");
        _edges = new EdgeList[items.Count];
        Parallel.For(0, items.Count, i => _edges[i] = items[i].Cell is { } cell
            ? NeighbourList.Radius(items[i].Positions, cell, cutoff)
            : NeighbourList.Radius(items[i].Positions, cutoff));
    }

    public string Name { get; }
    public IReadOnlyList<ILabelledSystem> Items { get; }
    public int Count => Items.Count;
    public long EdgeCount => _edges.Sum(e => (long)e.Count);

    public (BatchBuilder Batch, GraphTargets Targets) Get(IReadOnlyList<int> indices)
    {
        var batch = new BatchBuilder();
        var targets = new List<double>();
        var forces = new List<double>();
        var forceMask = new List<bool>();
        var stress = new List<double>();
        var stressMask = new List<bool>();
        foreach (int i in indices)
        {
            ILabelledSystem m = Items[i];
            batch.Add(m.Positions, _edges[i], atomicNumbers: m.AtomicNumbers, tags: m.Tags, cell: m.Cell);
            foreach (TargetSpec t in _targets)
            {
                if (m.Scalars.TryGetValue(t.Name, out double v)) targets.Add(v);
                else targets.AddRange(m.Vectors[t.Name]);
            }
            if (!_forces) continue;
            forces.AddRange(m.Forces!);
            forceMask.AddRange(m.Fixed?.Select(f => !f) ?? Enumerable.Repeat(true, m.AtomicNumbers.Length));
            stress.AddRange(m.Stress ?? new double[9]);
            stressMask.Add(m.Stress is not null);
        }
        var result = new GraphTargets(targets.ToArray());
        return (batch, _forces ? result with { Forces = forces.ToArray(), ForceMask = forceMask.ToArray(), Stress = stress.ToArray(), StressMask = stressMask.ToArray() } : result);
    }
}

/// <summary>One target of a task: its name, unit, whether it is a 1o vector, and whether it is extensive.</summary>
/// <remarks><c>Extensive</c> targets (energies) are learned as residuals of a composition fit (per-element references).</remarks>
public sealed record LabelTarget(string Name, string Unit, bool IsVector, bool Extensive = false);

/// <summary>Target standardisation from the training set (segnn.md §5.2): scalars by mean and mean absolute deviation.</summary>
public static class TargetStatistics
{
    /// <summary>
    /// One <see cref="TargetSpec"/> per target with Mean and Scale set: scalars (y − mean)/MAD; vectors are scaled only,
    /// by the mean absolute component (a shift would break equivariance). Extensive targets are residuals of a
    /// composition fit; with <paramref name="extensive"/> (a model that sums per-atom outputs) the fit has no intercept
    /// and the mean is 0, so that every part of the prediction scales with the system: a supercell of n copies gets n
    /// times the energy.
    /// </summary>
    public static TargetSpec[] Standardise(IReadOnlyList<ILabelledSystem> train, IReadOnlyList<LabelTarget> targets, int[]? elements = null, bool extensive = false)
    {
        if (train.Count == 0) throw new InvalidOperationException("cannot standardise targets on an empty training set");
        return targets.Select(t =>
        {
            if (t.IsVector)
            {
                double scale = train.SelectMany(m => m.Vectors[t.Name]).Average(Math.Abs);
                return new TargetSpec { Name = t.Name, Irreps = O3.Irreps.Parse("1x1o"), Unit = t.Unit, Mean = 0, Scale = scale > 0 ? scale : 1 };
            }
            double[]? references = null;
            double[] y = train.Select(m => m.Scalars[t.Name]).ToArray();
            if (t.Extensive && elements is not null)
            {
                // standardise the residual of the composition fit; its intercept ends up in the mean
                CompositionBaseline fit = CompositionBaseline.Fit(train, t.Name, elements, intercept: !extensive);
                double[] weights = fit.Weights.Take(elements.Length).ToArray();
                references = weights;
                y = train.Select(m => m.Scalars[t.Name] - m.AtomicNumbers.Sum(z => weights[Array.IndexOf(elements, z)])).ToArray();
            }
            double mean = y.Average(), mad = y.Average(v => Math.Abs(v - mean));
            return new TargetSpec
            {
                Name = t.Name,
                Irreps = O3.Irreps.Parse("1x0e"),
                Unit = t.Unit,
                Mean = extensive && references is not null ? 0 : mean,
                Scale = mad > 0 ? mad : 1,
                AtomReferences = references,
            };
        }).ToArray();
    }
}

/// <summary>
/// The composition baseline: least squares of a scalar target on the element counts plus an intercept, fitted on the
/// training set. What a model must beat to have learned anything about geometry.
/// </summary>
public sealed class CompositionBaseline
{
    private readonly int[] _elements;
    private readonly double[] _weights; // per element, then the intercept

    private CompositionBaseline(int[] elements, double[] weights)
    {
        _elements = elements;
        _weights = weights;
    }

    public IReadOnlyList<double> Weights => _weights;

    /// <param name="train">the systems fitted on.</param>
    /// <param name="target">the scalar label.</param>
    /// <param name="elements">the elements, one weight each.</param>
    /// <param name="intercept">fit a constant too (its weight is 0 without).</param>
    public static CompositionBaseline Fit(IReadOnlyList<ILabelledSystem> train, string target, int[] elements, bool intercept = true)
    {
        int p = elements.Length + 1;
        var ata = new double[p, p];
        var aty = new double[p];
        foreach (ILabelledSystem m in train)
        {
            double[] x = Features(m, elements);
            if (!intercept) x[^1] = 0;
            double y = m.Scalars[target];
            for (int i = 0; i < p; i++)
            {
                aty[i] += x[i] * y;
                for (int j = 0; j < p; j++) ata[i, j] += x[i] * x[j];
            }
        }
        // a tiny ridge keeps the system solvable when an element never occurs in the training set
        for (int i = 0; i < p; i++) ata[i, i] += 1e-9 * (1 + ata[i, i]);
        double[] weights = Solve(ata, aty);
        if (!intercept) weights[^1] = 0;
        return new CompositionBaseline(elements, weights);
    }

    public double Predict(ILabelledSystem m)
    {
        double[] x = Features(m, _elements);
        double y = 0;
        for (int i = 0; i < x.Length; i++) y += x[i] * _weights[i];
        return y;
    }

    public double MeanAbsoluteError(IReadOnlyList<ILabelledSystem> data, string target) =>
        data.Average(m => Math.Abs(Predict(m) - m.Scalars[target]));

    private static double[] Features(ILabelledSystem m, int[] elements)
    {
        var x = new double[elements.Length + 1];
        foreach (int z in m.AtomicNumbers)
        {
            int k = Array.IndexOf(elements, z);
            if (k < 0) throw new InvalidDataException($"{m.Name}: element Z = {z} is not among {string.Join(", ", elements)}");
            x[k]++;
        }
        x[^1] = 1;
        return x;
    }

    /// <summary>Gaussian elimination with partial pivoting (the system is tiny and well-posed).</summary>
    private static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone();
        var r = (double[])b.Clone();
        for (int c = 0; c < n; c++)
        {
            int pivot = c;
            for (int i = c + 1; i < n; i++) if (Math.Abs(m[i, c]) > Math.Abs(m[pivot, c])) pivot = i;
            if (pivot != c)
            {
                for (int j = 0; j < n; j++) (m[c, j], m[pivot, j]) = (m[pivot, j], m[c, j]);
                (r[c], r[pivot]) = (r[pivot], r[c]);
            }
            for (int i = c + 1; i < n; i++)
            {
                double f = m[i, c] / m[c, c];
                for (int j = c; j < n; j++) m[i, j] -= f * m[c, j];
                r[i] -= f * r[c];
            }
        }
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double s = r[i];
            for (int j = i + 1; j < n; j++) s -= m[i, j] * x[j];
            x[i] = s / m[i, i];
        }
        return x;
    }
}
