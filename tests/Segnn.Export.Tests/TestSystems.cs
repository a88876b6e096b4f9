using Segnn.Graphs;
using Segnn.Runtime.Graphs;

namespace Segnn.Export.Tests;

/// <summary>Random N-body and molecular batches for parity tests.</summary>
internal static class TestSystems
{
    public static BatchBuilder NBody(int systems, int seed, int particles = 5)
    {
        var rng = new Random(seed);
        var batch = new BatchBuilder();
        EdgeList edges = NeighbourList.FullyConnected(particles);
        for (int i = 0; i < systems; i++)
            batch.Add(Values(rng, 3 * particles, 2), edges, Values(rng, 3 * particles, 0.5), Enumerable.Range(0, particles).Select(_ => rng.Next(2) == 0 ? -1.0 : 1.0).ToArray());
        return batch;
    }

    /// <summary>Random "molecules": atoms in a box, connected within the cutoff.</summary>
    public static BatchBuilder Molecules(int[] sizes, int seed, double box = 3.0, double cutoff = 2.0, int[]? elements = null)
    {
        elements ??= [1, 6, 7, 8, 9];
        var rng = new Random(seed);
        var batch = new BatchBuilder();
        foreach (int n in sizes)
        {
            double[] p = Values(rng, 3 * n, box);
            batch.Add(p, NeighbourList.Radius(p, cutoff), atomicNumbers: Enumerable.Range(0, n).Select(_ => elements[rng.Next(elements.Length)]).ToArray());
        }
        return batch;
    }

    public static double[] Values(Random rng, int n, double scale) => Enumerable.Range(0, n).Select(_ => scale * (2 * rng.NextDouble() - 1)).ToArray();
}
