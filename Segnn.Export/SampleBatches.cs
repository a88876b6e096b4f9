using Segnn.Graphs;
using Segnn.Runtime.Graphs;

namespace Segnn.Export;

/// <summary>Small deterministic batches of each task's kind of system, for the export parity check.</summary>
public static class SampleBatches
{
    public static BatchBuilder For(ModelConfig config, int seed = 7)
    {
        var rng = new Random(seed);
        var batch = new BatchBuilder();
        if (config.Task == "nbody")
        {
            EdgeList edges = NeighbourList.FullyConnected(5);
            for (int i = 0; i < 16; i++)
                batch.Add(Values(rng, 15, 2.0), edges, Values(rng, 15, 0.6), Enumerable.Range(0, 5).Select(_ => rng.Next(2) == 0 ? -1.0 : 1.0).ToArray());
            return batch;
        }
        int[] elements = config.Elements ?? [1, 6, 7, 8];
        double cutoff = config.Cutoff ?? 2.0;
        foreach (int n in new[] { 1, 5, 12, 18 })
        {
            // a random chain with ~1.4 Å bonds, so radius graphs are molecule-like
            var p = new double[3 * n];
            for (int a = 1; a < n; a++)
            {
                double[] step = Values(rng, 3, 1.0);
                double len = Math.Sqrt(step.Sum(v => v * v)) + 1e-9;
                for (int k = 0; k < 3; k++) p[3 * a + k] = p[3 * (a - 1) + k] + 1.4 * step[k] / len;
            }
            batch.Add(p, NeighbourList.Radius(p, cutoff), atomicNumbers: Enumerable.Range(0, n).Select(_ => elements[rng.Next(elements.Length)]).ToArray());
        }
        return batch;
    }

    private static double[] Values(Random rng, int n, double scale) => Enumerable.Range(0, n).Select(_ => scale * (2 * rng.NextDouble() - 1)).ToArray();
}
