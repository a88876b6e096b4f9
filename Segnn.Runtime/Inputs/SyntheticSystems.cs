using Segnn.Runtime.Graphs;

namespace Segnn.Runtime.Inputs;

/// <summary>
/// Deterministic synthetic systems of every kind a model takes, for benchmarks, export parity checks, the GPU check and
/// tests: one home, so a benchmark and a test that say "100 particle systems of seed 1" mean the same systems.
/// </summary>
public static class SyntheticSystems
{
    /// <summary>
    /// Charged particle systems: coordinates uniform in ±<paramref name="positionScale"/>, velocity components uniform in
    /// ±<paramref name="velocityScale"/>, charges ±1 with equal probability, drawn in that order per system.
    /// </summary>
    public static ParticleSystem[] ParticleSystems(int count, int seed, int particles = 5, double positionScale = 1.0, double velocityScale = 0.5)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(particles, 1);
        var rng = new Random(seed);
        var systems = new ParticleSystem[count];
        for (int i = 0; i < count; i++)
        {
            double[] p = Uniform(rng, 3 * particles, positionScale);
            double[] v = Uniform(rng, 3 * particles, velocityScale);
            double[] q = Enumerable.Range(0, particles).Select(_ => rng.Next(2) == 0 ? -1.0 : 1.0).ToArray();
            systems[i] = new ParticleSystem($"synthetic {i}", p, v, q);
        }

        return systems;
    }

    /// <summary><see cref="ParticleSystems"/> batched, fully connected (the paper's N-body batch has 100 systems of 5).</summary>
    public static BatchBuilder ParticleBatch(int count, int seed, int particles = 5, double positionScale = 1.0, double velocityScale = 0.5)
    {
        var batch = new BatchBuilder();
        EdgeList edges = NeighbourList.FullyConnected(particles);
        foreach (ParticleSystem s in ParticleSystems(count, seed, particles, positionScale, velocityScale))
            batch.Add(s.Positions, edges, s.Velocities, s.Charges);
        return batch;
    }

    /// <summary>
    /// A molecule-like random chain: each atom <paramref name="bond"/> Å from the previous one in a random direction, then
    /// an element drawn from <paramref name="elements"/> per atom; radius graphs of it look like a molecule's.
    /// </summary>
    public static Molecule Chain(Random rng, int atoms, IReadOnlyList<int> elements, double bond = 1.4, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(atoms, 1);
        var p = new double[3 * atoms];
        for (int a = 1; a < atoms; a++)
        {
            double[] step = Uniform(rng, 3, 1.0);
            double length = Math.Sqrt(step.Sum(v => v * v)) + 1e-9;
            for (int k = 0; k < 3; k++) p[3 * a + k] = p[3 * (a - 1) + k] + bond * step[k] / length;
        }

        int[] z = Enumerable.Range(0, atoms).Select(_ => elements[rng.Next(elements.Count)]).ToArray();
        return new Molecule(name ?? $"chain of {atoms}", z, p);
    }

    /// <summary><paramref name="count"/> chains of <paramref name="atoms"/> atoms.</summary>
    public static Molecule[] Chains(int count, int atoms, IReadOnlyList<int> elements, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(i => Chain(rng, atoms, elements, name: $"chain {i}")).ToArray();
    }

    /// <summary>
    /// An fcc(111) slab, periodic in x and y (a triclinic, 60° cell), with optional adsorbate atoms above a hollow site:
    /// <paramref name="layers"/> close-packed layers (ABC stacking) of <paramref name="nx"/> × <paramref name="ny"/> atoms
    /// at lattice constant <paramref name="a"/> Å, <paramref name="vacuum"/> Å of vacuum on each side, every position
    /// rattled by a Gaussian of <paramref name="rattle"/> Å. Tags as in OC20-style data: 0 adsorbate, 1 top layer, 2, 3, …
    /// the layers below; the bottom two layers are fixed. Metal atoms are drawn from <paramref name="metals"/>.
    /// </summary>
    public static PeriodicStructure FccSlab(Random rng, IReadOnlyList<int> metals, double a, int nx, int ny, int layers, double vacuum = 7.5,
        IReadOnlyList<int>? adsorbate = null, double rattle = 0.05, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        double d = a / Math.Sqrt(2), spacing = a / Math.Sqrt(3);
        double[] a1 = [nx * d, 0, 0], a2 = [ny * d / 2, ny * d * Math.Sqrt(3) / 2, 0];
        double height = (layers - 1) * spacing + 2 * vacuum;
        var positions = new List<double>();
        var z = new List<int>();
        var tags = new List<int>();
        var fixedAtoms = new List<bool>();
        for (int layer = 0; layer < layers; layer++)
        {
            double shift = (layer % 3) / 3.0; // ABC stacking: each layer moves by (a1 + a2)/3 of the primitive cell
            for (int j = 0; j < ny; j++)
                for (int i = 0; i < nx; i++)
                {
                    double u = (i + shift) / nx, v = (j + shift) / ny;
                    positions.AddRange([u * a1[0] + v * a2[0], u * a1[1] + v * a2[1], vacuum + layer * spacing]);
                    z.Add(metals[rng.Next(metals.Count)]);
                    tags.Add(layers - layer);
                    fixedAtoms.Add(layer < 2);
                }
        }
        if (adsorbate is { Count: > 0 })
        {
            // above the hollow of the top layer's first triangle, a chain going up
            double top = vacuum + (layers - 1) * spacing;
            double s = ((layers - 1) % 3 + 1) / 3.0;
            double u = s / nx, v = s / ny; // where the next layer would put an atom: the fcc hollow
            for (int k = 0; k < adsorbate.Count; k++)
            {
                positions.AddRange([u * a1[0] + v * a2[0], u * a1[1] + v * a2[1], top + 1.4 + 1.1 * k]);
                z.Add(adsorbate[k]);
                tags.Add(0);
                fixedAtoms.Add(false);
            }
        }
        double[] p = positions.ToArray();
        for (int k = 0; k < p.Length; k++) p[k] += rattle * Gaussian(rng);
        var cell = new PeriodicCell([a1[0], a1[1], a1[2], a2[0], a2[1], a2[2], 0, 0, height], [true, true, false]);
        return new PeriodicStructure(name ?? $"fcc111 {nx}x{ny}x{layers}", z.ToArray(), p, cell, tags.ToArray(), fixedAtoms.ToArray());
    }

    /// <summary>
    /// An fcc crystal, fully periodic, as <paramref name="repeats"/>³ primitive cells (a triclinic cell: the primitive
    /// vectors (0, a/2, a/2), (a/2, 0, a/2), (a/2, a/2, 0) times the repeats), atoms drawn from <paramref name="metals"/>
    /// and rattled by <paramref name="rattle"/> Å.
    /// </summary>
    public static PeriodicStructure FccBulk(Random rng, IReadOnlyList<int> metals, double a, int repeats, double rattle = 0.05, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        double h = a / 2;
        double[][] v = [[0, h, h], [h, 0, h], [h, h, 0]];
        var positions = new List<double>();
        var z = new List<int>();
        for (int i = 0; i < repeats; i++)
            for (int j = 0; j < repeats; j++)
                for (int k = 0; k < repeats; k++)
                {
                    for (int c = 0; c < 3; c++) positions.Add(i * v[0][c] + j * v[1][c] + k * v[2][c] + rattle * Gaussian(rng));
                    z.Add(metals[rng.Next(metals.Count)]);
                }
        var cell = new PeriodicCell(v.SelectMany(row => row.Select(x => x * repeats)).ToArray(), [true, true, true]);
        return new PeriodicStructure(name ?? $"fcc bulk {repeats}^3", z.ToArray(), positions.ToArray(), cell);
    }

    /// <summary>A standard normal deviate (Box–Muller).</summary>
    public static double Gaussian(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        return Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
    }

    /// <summary>Values uniform in ±<paramref name="scale"/>.</summary>
    public static double[] Uniform(Random rng, int count, double scale)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var values = new double[count];
        for (int i = 0; i < count; i++) values[i] = scale * (2 * rng.NextDouble() - 1);
        return values;
    }
}
