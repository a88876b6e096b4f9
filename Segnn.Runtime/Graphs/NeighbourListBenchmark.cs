using System.Diagnostics;

namespace Segnn.Runtime.Graphs;

/// <summary>Which radius-graph algorithm <see cref="NeighbourListBenchmark"/> times.</summary>
public enum NeighbourListMethod
{
    /// <summary><see cref="NeighbourList.Radius(ReadOnlySpan{double}, double)"/>: brute force for small systems, cell list above.</summary>
    Auto,

    /// <summary><see cref="NeighbourList.RadiusBruteForce"/>.</summary>
    BruteForce,

    /// <summary><see cref="NeighbourList.RadiusCellList"/>.</summary>
    CellList,

    /// <summary>
    /// <see cref="NeighbourList.Radius(ReadOnlySpan{double}, PeriodicCell, double)"/> with the box as a fully periodic
    /// cubic cell: every atom has a full sphere of neighbours, some of them images across the faces.
    /// </summary>
    Periodic,
}

/// <summary>The timings of one <see cref="NeighbourListBenchmark.Run"/>.</summary>
/// <param name="Atoms">Atoms in the box.</param>
/// <param name="Density">Atoms per Å³.</param>
/// <param name="Cutoff">Radius cutoff, Å.</param>
/// <param name="BoxLength">Edge of the cubic box, Å.</param>
/// <param name="Method">The algorithm timed.</param>
/// <param name="Repeats">Timed runs (after the warm-up builds).</param>
/// <param name="Edges">Directed edges found.</param>
/// <param name="MedianMilliseconds">Median wall time of one neighbour-list build.</param>
/// <param name="MinMilliseconds">Fastest build.</param>
/// <param name="MaxMilliseconds">Slowest build.</param>
/// <param name="FirstMilliseconds">The first build at this size (cold: fresh memory, untuned caches), not in the median.</param>
public sealed record NeighbourListBenchmarkResult(
    int Atoms,
    double Density,
    double Cutoff,
    double BoxLength,
    NeighbourListMethod Method,
    int Repeats,
    int Edges,
    double MedianMilliseconds,
    double MinMilliseconds,
    double MaxMilliseconds,
    double FirstMilliseconds)
{
    /// <summary>Mean number of neighbours (senders) per atom.</summary>
    public double MeanNeighbours => Atoms == 0 ? 0 : (double)Edges / Atoms;
}

/// <summary>
/// Times radius graphs of atoms placed uniformly at random in a cube, open or periodic, on the calling thread (the
/// builders are single-threaded). Diamond has 0.176 atoms/Å³.
/// </summary>
/// <remarks>
/// Each build returns two new arrays of 4 bytes per edge (4.5 MB for 30,000 atoms at diamond density), which land on
/// the large-object heap; a periodic build adds one of 12 bytes per edge (7.2 MB at a 3 Å cutoff). Where the first
/// touch of fresh memory is slow (some virtual machines take ~10 µs per 4 KiB page), that can cost more than the search
/// itself; a host process that builds many graphs can keep such arrays in recycled memory by raising
/// <c>System.GC.LOHThreshold</c> in its runtime configuration. Under the default (regions) GC an array larger than a
/// region (4 MB) goes to the large-object heap whatever the threshold, so large periodic lists also want a larger
/// <c>System.GC.RegionSize</c>.
/// </remarks>
public static class NeighbourListBenchmark
{
    /// <summary>The number density of diamond, atoms per Å³.</summary>
    public const double DiamondDensity = 0.176;

    /// <summary>
    /// Builds the radius graph of <paramref name="atoms"/> random atoms <paramref name="warmup"/> times (the first timed
    /// as <see cref="NeighbourListBenchmarkResult.FirstMilliseconds"/>), then <paramref name="repeats"/> times for the
    /// steady-state median.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is not positive or the density or cutoff is not a finite positive number.</exception>
    public static NeighbourListBenchmarkResult Run(
        int atoms,
        double density,
        double cutoff,
        int repeats,
        NeighbourListMethod method = NeighbourListMethod.CellList,
        int seed = 1,
        int warmup = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(atoms, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(warmup, 1);
        if (!double.IsFinite(density) || density <= 0)
            throw new ArgumentOutOfRangeException(nameof(density), density, "the density must be a finite positive number of atoms per Å³");
        NeighbourList.ValidateCutoff(cutoff);

        double box = Math.Cbrt(atoms / density);
        double[] positions = RandomPositions(atoms, box, seed);
        var cell = new PeriodicCell([box, 0, 0, 0, box, 0, 0, 0, box], [true, true, true]);
        long first = Stopwatch.GetTimestamp();
        int edges = Build(positions, cell, cutoff, method).Count;
        double firstMilliseconds = Stopwatch.GetElapsedTime(first).TotalMilliseconds;
        for (int i = 1; i < warmup; i++) Build(positions, cell, cutoff, method);
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            Build(positions, cell, cutoff, method);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        double median = repeats % 2 == 1 ? times[repeats / 2] : 0.5 * (times[repeats / 2 - 1] + times[repeats / 2]);
        return new NeighbourListBenchmarkResult(atoms, density, cutoff, box, method, repeats, edges, median, times[0], times[^1], firstMilliseconds);
    }

    /// <summary>
    /// <see cref="Run"/> with <see cref="NeighbourListMethod.Periodic"/>: the random atoms fill a fully periodic cubic
    /// cell of side (atoms / density)^⅓, so the graph has no surface and about density · 4π/3 · cutoff³ neighbours per atom.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is not positive or the density or cutoff is not a finite positive number.</exception>
    public static NeighbourListBenchmarkResult RunPeriodic(int atoms, double density, double cutoff, int repeats, int seed = 1, int warmup = 1) =>
        Run(atoms, density, cutoff, repeats, NeighbourListMethod.Periodic, seed, warmup);

    /// <summary>Row-major [n, 3] positions uniform in the cube [0, <paramref name="boxLength"/>)³, reproducible from <paramref name="seed"/>.</summary>
    public static double[] RandomPositions(int atoms, double boxLength, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(atoms);
        var random = new Random(seed);
        var positions = new double[3 * atoms];
        for (int i = 0; i < positions.Length; i++)
            positions[i] = random.NextDouble() * boxLength;
        return positions;
    }

    private static EdgeList Build(double[] positions, PeriodicCell cell, double cutoff, NeighbourListMethod method) => method switch
    {
        NeighbourListMethod.Auto => NeighbourList.Radius(positions, cutoff),
        NeighbourListMethod.Periodic => NeighbourList.Radius(positions, cell, cutoff),
        NeighbourListMethod.BruteForce => NeighbourList.RadiusBruteForce(positions, cutoff),
        NeighbourListMethod.CellList => NeighbourList.RadiusCellList(positions, cutoff),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "unknown neighbour-list method"),
    };
}
