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

    /// <summary>Values uniform in ±<paramref name="scale"/>.</summary>
    public static double[] Uniform(Random rng, int count, double scale)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var values = new double[count];
        for (int i = 0; i < count; i++) values[i] = scale * (2 * rng.NextDouble() - 1);
        return values;
    }
}
