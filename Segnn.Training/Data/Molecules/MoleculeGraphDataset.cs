using Segnn.Runtime.Graphs;
using Segnn.Training;

namespace Segnn.Data.Molecules;

/// <summary>
/// Labelled molecules as graphs for the trainer: radius graphs (the model's cutoff) built once per molecule with the
/// runtime's neighbour lists; targets in the model's output-column order (scalars, then 3 components per vector target).
/// </summary>
public sealed class MoleculeGraphDataset : IGraphDataset
{
    private readonly EdgeList[] _edges;
    private readonly IReadOnlyList<TargetSpec> _targets;

    public MoleculeGraphDataset(string name, IReadOnlyList<LabelledMolecule> items, IReadOnlyList<TargetSpec> targets, double cutoff)
    {
        Name = name;
        Items = items;
        _targets = targets;
        _edges = new EdgeList[items.Count];
        Parallel.For(0, items.Count, i => _edges[i] = NeighbourList.Radius(items[i].Molecule.Positions, cutoff));
        foreach (LabelledMolecule m in items)
            foreach (TargetSpec t in targets)
                if (!m.Scalars.ContainsKey(t.Name) && !m.Vectors.ContainsKey(t.Name))
                    throw new InvalidDataException($"{name}: molecule {m.Molecule.Name} has no label '{t.Name}'");
    }

    public string Name { get; }
    public IReadOnlyList<LabelledMolecule> Items { get; }
    public int Count => Items.Count;
    public int EdgeCount => _edges.Sum(e => e.Count);

    public (BatchBuilder Batch, double[] Targets) Get(IReadOnlyList<int> indices)
    {
        var batch = new BatchBuilder();
        var targets = new List<double>();
        foreach (int i in indices)
        {
            LabelledMolecule m = Items[i];
            batch.Add(m.Molecule.Positions, _edges[i], atomicNumbers: m.Molecule.AtomicNumbers);
            foreach (TargetSpec t in _targets)
            {
                if (m.Scalars.TryGetValue(t.Name, out double v)) targets.Add(v);
                else targets.AddRange(m.Vectors[t.Name]);
            }
        }
        return (batch, targets.ToArray());
    }
}

/// <summary>Target standardisation from the training set (segnn.md §5.2): scalars by mean and mean absolute deviation.</summary>
public static class TargetStatistics
{
    /// <summary>
    /// One <see cref="TargetSpec"/> per target with Mean and Scale set: scalars (y − mean)/MAD; vectors are scaled only,
    /// by the mean absolute component (a shift would break equivariance).
    /// </summary>
    public static TargetSpec[] Standardise(IReadOnlyList<LabelledMolecule> train, IReadOnlyList<MoleculeTarget> targets, int[]? elements = null)
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
                CompositionBaseline fit = CompositionBaseline.Fit(train, t.Name, elements);
                double[] weights = fit.Weights.Take(elements.Length).ToArray();
                references = weights;
                y = train.Select(m => m.Scalars[t.Name] - m.Molecule.AtomicNumbers.Sum(z => weights[Array.IndexOf(elements, z)])).ToArray();
            }
            double mean = y.Average(), mad = y.Average(v => Math.Abs(v - mean));
            return new TargetSpec { Name = t.Name, Irreps = O3.Irreps.Parse("1x0e"), Unit = t.Unit, Mean = mean, Scale = mad > 0 ? mad : 1, AtomReferences = references };
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

    public static CompositionBaseline Fit(IReadOnlyList<LabelledMolecule> train, string target, int[] elements)
    {
        int p = elements.Length + 1;
        var ata = new double[p, p];
        var aty = new double[p];
        foreach (LabelledMolecule m in train)
        {
            double[] x = Features(m, elements);
            double y = m.Scalars[target];
            for (int i = 0; i < p; i++)
            {
                aty[i] += x[i] * y;
                for (int j = 0; j < p; j++) ata[i, j] += x[i] * x[j];
            }
        }
        // a tiny ridge keeps the system solvable when an element never occurs in the training set
        for (int i = 0; i < p; i++) ata[i, i] += 1e-9 * (1 + ata[i, i]);
        return new CompositionBaseline(elements, Solve(ata, aty));
    }

    public double Predict(LabelledMolecule m)
    {
        double[] x = Features(m, _elements);
        double y = 0;
        for (int i = 0; i < x.Length; i++) y += x[i] * _weights[i];
        return y;
    }

    public double MeanAbsoluteError(IReadOnlyList<LabelledMolecule> data, string target) =>
        data.Average(m => Math.Abs(Predict(m) - m.Scalars[target]));

    private static double[] Features(LabelledMolecule m, int[] elements)
    {
        var x = new double[elements.Length + 1];
        foreach (int z in m.Molecule.AtomicNumbers)
        {
            int k = Array.IndexOf(elements, z);
            if (k < 0) throw new InvalidDataException($"molecule {m.Molecule.Name}: element Z = {z} is not among {string.Join(", ", elements)}");
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
