using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Segnn.Runtime.Graphs;

/// <summary>
/// Builds <see cref="EdgeList"/>s from raw geometry. Positions are row-major [n, 3] in Å. Radius graphs are inclusive
/// (an edge j → i exists for i ≠ j when dx² + dy² + dz² ≤ cutoff²), have no self loops and no neighbour cap; in a
/// <see cref="PeriodicCell"/> they run over the periodic images of the atoms too.
/// </summary>
public static partial class NeighbourList
{
    /// <summary>
    /// <see cref="Radius(ReadOnlySpan{double}, double)"/> uses <see cref="RadiusBruteForce"/> up to this many atoms and <see cref="RadiusCellList"/>
    /// above. Measured single-threaded at densities 0.1–0.176 atoms/Å³ and cutoffs 2–5 Å: the two take the same time
    /// (about 5 µs) near 64 atoms; at 128 atoms the cell list is about 1.6 times faster.
    /// </summary>
    public const int BruteForceMaxAtoms = 64;

    // Cells are made a hair larger than the cutoff so that rounding in (x - min) / side can never put two atoms within
    // the cutoff two cells apart (the relative slack, 1e-6, dwarfs any rounding error for up to ~1e9 cells per axis).
    private const double CellSlack = 1e-6;

    // Scan reads and writes in blocks of 4: this much slack past the end of its arrays.
    private const int ScanPadding = 4;

    /// <summary>All ordered pairs (j → i, i ≠ j) of <paramref name="atoms"/> atoms: n(n − 1) edges, senders ascending within each receiver.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="atoms"/> is negative or the edge count does not fit an array.</exception>
    public static EdgeList FullyConnected(int atoms)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(atoms);
        long count = (long)atoms * (atoms - 1);
        if (count > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(atoms), atoms, $"a fully connected graph of {atoms} atoms has {count} edges, more than one array can hold");
        if (count == 0)
            return EdgeList.Empty;

        var senders = GC.AllocateUninitializedArray<int>((int)count);
        var receivers = GC.AllocateUninitializedArray<int>((int)count);
        int e = 0;
        for (int r = 0; r < atoms; r++)
        {
            for (int s = 0; s < atoms; s++)
            {
                if (s == r)
                    continue;
                senders[e] = s;
                receivers[e] = r;
                e++;
            }
        }

        return EdgeList.Trusted(senders, receivers);
    }

    /// <summary>
    /// The radius graph: brute force for small systems (≤ <see cref="BruteForceMaxAtoms"/> atoms), where it is faster,
    /// and the O(N) cell list above. Both give the same set of edges.
    /// </summary>
    /// <exception cref="ArgumentException">A coordinate is not finite, or the length is not a multiple of 3.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cutoff"/> is not a finite positive number.</exception>
    public static EdgeList Radius(ReadOnlySpan<double> positions, double cutoff)
    {
        int n = ValidatePositions(positions);
        ValidateCutoff(cutoff);
        return n <= BruteForceMaxAtoms ? BruteForceCore(positions, n, cutoff) : CellListCore(positions, n, cutoff);
    }

    /// <summary>The radius graph by testing every pair: O(N²), senders ascending within each receiver.</summary>
    /// <inheritdoc cref="Radius(ReadOnlySpan{double}, double)" path="/exception"/>
    public static EdgeList RadiusBruteForce(ReadOnlySpan<double> positions, double cutoff)
    {
        int n = ValidatePositions(positions);
        ValidateCutoff(cutoff);
        return BruteForceCore(positions, n, cutoff);
    }

    /// <summary>
    /// The radius graph by a cell list: atoms are counting-sorted into cubic cells of side ≥ cutoff and each atom scans
    /// the 27 cells around its own. O(N) time and memory; the number of cells is capped at about 2N (cells grow when the
    /// bounding box is large and sparse), so far-apart atoms cost no memory.
    /// </summary>
    /// <inheritdoc cref="Radius(ReadOnlySpan{double}, double)" path="/exception"/>
    public static EdgeList RadiusCellList(ReadOnlySpan<double> positions, double cutoff)
    {
        int n = ValidatePositions(positions);
        ValidateCutoff(cutoff);
        return CellListCore(positions, n, cutoff);
    }

    /// <summary>
    /// Each receiver gets its <paramref name="k"/> nearest other atoms as senders (all n − 1 when there are fewer),
    /// nearest first; equal distances are broken by the lower atom index. O(N² + N·k) time.
    /// </summary>
    /// <exception cref="ArgumentException">A coordinate is not finite, or the length is not a multiple of 3.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is less than 1.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static EdgeList KNearest(ReadOnlySpan<double> positions, int k)
    {
        int n = ValidatePositions(positions);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (n < 2)
            return EdgeList.Empty;
        int per = Math.Min(k, n - 1);
        long total = (long)n * per;
        if (total > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"{n} atoms with {per} neighbours each is {total} edges, more than one array can hold");

        var senders = GC.AllocateUninitializedArray<int>((int)total);
        var receivers = GC.AllocateUninitializedArray<int>((int)total);
        var bestD2 = new double[per];
        var bestIndex = new int[per];
        for (int r = 0; r < n; r++)
        {
            double xr = positions[3 * r], yr = positions[3 * r + 1], zr = positions[3 * r + 2];
            int count = 0;
            for (int s = 0; s < n; s++)
            {
                if (s == r)
                    continue;
                double d2 = Distance2(positions[3 * s], positions[3 * s + 1], positions[3 * s + 2], xr, yr, zr);
                // Senders arrive in ascending index, so a tie never displaces an earlier (lower-index) neighbour.
                if (count == per && !(d2 < bestD2[per - 1]))
                    continue;
                int at = count < per ? count : per - 1;
                while (at > 0 && bestD2[at - 1] > d2)
                {
                    bestD2[at] = bestD2[at - 1];
                    bestIndex[at] = bestIndex[at - 1];
                    at--;
                }

                bestD2[at] = d2;
                bestIndex[at] = s;
                if (count < per)
                    count++;
            }

            bestIndex.AsSpan().CopyTo(senders.AsSpan(r * per, per));
            receivers.AsSpan(r * per, per).Fill(r);
        }

        return EdgeList.Trusted(senders, receivers);
    }

    // The one expression for squared distances, shared by every method so that atoms exactly at the cutoff agree.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Distance2(double xs, double ys, double zs, double xr, double yr, double zr)
    {
        double dx = xs - xr;
        double dy = ys - yr;
        double dz = zs - zr;
        return dx * dx + dy * dy + dz * dz;
    }

    internal static int ValidatePositions(ReadOnlySpan<double> positions)
    {
        if (positions.Length % 3 != 0)
            throw new ArgumentException($"positions must be row-major [n, 3], but its length {positions.Length} is not a multiple of 3", nameof(positions));
        for (int i = 0; i < positions.Length; i++)
        {
            if (!double.IsFinite(positions[i]))
            {
                int atom = i / 3;
                throw new ArgumentException(
                    $"atom {atom} has a non-finite coordinate ({positions[3 * atom]}, {positions[3 * atom + 1]}, {positions[3 * atom + 2]})",
                    nameof(positions));
            }
        }

        return positions.Length / 3;
    }

    internal static void ValidateCutoff(double cutoff)
    {
        if (!double.IsFinite(cutoff) || cutoff <= 0)
            throw new ArgumentOutOfRangeException(nameof(cutoff), cutoff, "the cutoff must be a finite positive distance in Å");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static EdgeList BruteForceCore(ReadOnlySpan<double> p, int n, double cutoff)
    {
        if (n < 2)
            return EdgeList.Empty;
        double c2 = cutoff * cutoff;
        int[] buffer = ArrayPool<int>.Shared.Rent((int)Math.Max(64, Math.Min((long)n * (n - 1), 16L * n)));
        int[] degree = ArrayPool<int>.Shared.Rent(n);
        try
        {
            int count = 0;
            for (int r = 0; r < n; r++)
            {
                if (buffer.Length - count < n)
                    buffer = Grow(buffer, count, (long)count + n);
                int first = count;
                double xr = p[3 * r], yr = p[3 * r + 1], zr = p[3 * r + 2];
                for (int s = 0; s < n; s++)
                {
                    if (s != r && Distance2(p[3 * s], p[3 * s + 1], p[3 * s + 2], xr, yr, zr) <= c2)
                        buffer[count++] = s;
                }

                degree[r] = count - first;
            }

            if (count == 0)
                return EdgeList.Empty;
            var senders = buffer.AsSpan(0, count).ToArray();
            var receivers = GC.AllocateUninitializedArray<int>(count);
            for (int r = 0, e = 0; r < n; e += degree[r], r++)
                receivers.AsSpan(e, degree[r]).Fill(r);
            return EdgeList.Trusted(senders, receivers);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(buffer);
            ArrayPool<int>.Shared.Return(degree);
        }
    }

    // Hot loops are compiled fully optimised at once: a caller that builds a few graphs would otherwise stay in tier 0.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static EdgeList CellListCore(ReadOnlySpan<double> p, int n, double cutoff)
    {
        if (n < 2)
            return EdgeList.Empty;
        var grid = CellGrid.Create(p, n, cutoff);
        int cells = grid.Count;
        var ints = ArrayPool<int>.Shared;
        var doubles = ArrayPool<double>.Shared;
        int[] slotOf = ints.Rent(n);                    // first the cell of each atom, then its slot in cell order
        int[] cellStart = ints.Rent(cells + 1);
        int[] atomAt = ints.Rent(n + ScanPadding);      // slot -> atom
        int[] edgeStart = ints.Rent(n + 1);             // slot -> first sender of that receiver in `buffer`
        double[] xs = doubles.Rent(n + ScanPadding), ys = doubles.Rent(n + ScanPadding), zs = doubles.Rent(n + ScanPadding);
        int[] buffer = [];
        try
        {
            // Counting sort of atoms by cell; coordinates are copied into cell order (one array per axis, for SIMD) so that
            // each scan reads contiguous memory.
            Array.Clear(cellStart, 0, cells + 1);
            for (int i = 0; i < n; i++)
            {
                int c = grid.CellOf(p[3 * i], p[3 * i + 1], p[3 * i + 2]);
                slotOf[i] = c;
                cellStart[c + 1]++;
            }

            for (int c = 0; c < cells; c++)
                cellStart[c + 1] += cellStart[c];
            for (int i = 0; i < n; i++)
            {
                int slot = cellStart[slotOf[i]]++;
                slotOf[i] = slot;
                atomAt[slot] = i;
                xs[slot] = p[3 * i];
                ys[slot] = p[3 * i + 1];
                zs[slot] = p[3 * i + 2];
            }

            // The scatter advanced every start to the next cell's start: shift back.
            for (int c = cells; c > 0; c--)
                cellStart[c] = cellStart[c - 1];
            cellStart[0] = 0;

            long candidates = CountCandidates(grid, cellStart);
            // A sphere fills 4π/81 ≈ 0.155 of the 27 scanned cells when cells are cutoff-sized; start a little above that.
            buffer = ints.Rent((int)Math.Clamp(candidates / 4, 1024, Array.MaxLength));

            double c2 = cutoff * cutoff;
            int count = 0;
            Span<int> runs = stackalloc int[18];
            int nx = grid.Nx, ny = grid.Ny, nz = grid.Nz;
            for (int cz = 0; cz < nz; cz++)
            {
                for (int cy = 0; cy < ny; cy++)
                {
                    for (int cx = 0; cx < nx; cx++)
                    {
                        int cell = (cz * ny + cy) * nx + cx;
                        int aBegin = cellStart[cell], aEnd = cellStart[cell + 1];
                        if (aBegin == aEnd)
                            continue;
                        int runCount = NeighbourRuns(grid, cellStart, cx, cy, cz, runs, out int runTotal);
                        for (int a = aBegin; a < aEnd; a++)
                        {
                            edgeStart[a] = count;
                            // Scan stores every candidate (and some padding), advancing only past hits: room for all of them.
                            int room = runTotal + (runCount + 1) * ScanPadding;
                            if (buffer.Length - count < room)
                                buffer = Grow(buffer, count, (long)count + room);
                            double xr = xs[a], yr = ys[a], zr = zs[a];
                            for (int run = 0; run < runCount; run++)
                            {
                                int begin = runs[2 * run], end = runs[2 * run + 1];
                                if (a >= begin && a < end)
                                {
                                    // Split the run around the receiver itself: no self loops, and no per-candidate test for them.
                                    count = Scan(xs, ys, zs, atomAt, begin, a, xr, yr, zr, c2, buffer, count);
                                    count = Scan(xs, ys, zs, atomAt, a + 1, end, xr, yr, zr, c2, buffer, count);
                                }
                                else
                                {
                                    count = Scan(xs, ys, zs, atomAt, begin, end, xr, yr, zr, c2, buffer, count);
                                }
                            }
                        }
                    }
                }
            }

            edgeStart[n] = count;
            if (count == 0)
                return EdgeList.Empty;

            // Receivers were visited in cell order: move each receiver's run of senders to its place in atom order.
            var senders = GC.AllocateUninitializedArray<int>(count);
            var receivers = GC.AllocateUninitializedArray<int>(count);
            int e = 0;
            for (int i = 0; i < n; i++)
            {
                int slot = slotOf[i];
                int start = edgeStart[slot], length = edgeStart[slot + 1] - start;
                Array.Copy(buffer, start, senders, e, length);
                receivers.AsSpan(e, length).Fill(i);
                e += length;
            }

            return EdgeList.Trusted(senders, receivers);
        }
        finally
        {
            ints.Return(slotOf);
            ints.Return(cellStart);
            ints.Return(atomAt);
            ints.Return(edgeStart);
            doubles.Return(xs);
            doubles.Return(ys);
            doubles.Return(zs);
            if (buffer.Length > 0)
                ints.Return(buffer);
        }
    }

    // Appends the atoms of slots [begin, end) within the cutoff of (xr, yr, zr) to `buffer` at `count` and returns the
    // new count. Every candidate is stored and the count advances only on a hit, so there is no data-dependent branch.
    // The SIMD path reads up to 3 slots past `end` (masked off) and stores up to 3 entries past the last hit: callers
    // size the slot arrays n + ScanPadding and keep end - begin + ScanPadding free entries in `buffer` per call, which
    // is what makes the unchecked accesses safe.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Scan(
        double[] xs, double[] ys, double[] zs, int[] atomAt, int begin, int end,
        double xr, double yr, double zr, double c2, int[] buffer, int count)
    {
        ref double x0 = ref MemoryMarshal.GetArrayDataReference(xs);
        ref double y0 = ref MemoryMarshal.GetArrayDataReference(ys);
        ref double z0 = ref MemoryMarshal.GetArrayDataReference(zs);
        ref int atom0 = ref MemoryMarshal.GetArrayDataReference(atomAt);
        ref int out0 = ref MemoryMarshal.GetArrayDataReference(buffer);
        if (Vector256.IsHardwareAccelerated)
        {
            var vxr = Vector256.Create(xr);
            var vyr = Vector256.Create(yr);
            var vzr = Vector256.Create(zr);
            var vc2 = Vector256.Create(c2);
            for (int b = begin; b < end; b += 4)
            {
                // Lane-wise the same operations, in the same order, as Distance2: the cutoff test agrees bit for bit.
                var dx = Vector256.LoadUnsafe(ref x0, (nuint)b) - vxr;
                var dy = Vector256.LoadUnsafe(ref y0, (nuint)b) - vyr;
                var dz = Vector256.LoadUnsafe(ref z0, (nuint)b) - vzr;
                var d2 = dx * dx + dy * dy + dz * dz;
                uint hits = Vector256.LessThanOrEqual(d2, vc2).ExtractMostSignificantBits() & (0xFu >> Math.Max(0, 4 - (end - b)));
                Unsafe.Add(ref out0, count) = Unsafe.Add(ref atom0, b);
                count += (int)(hits & 1);
                Unsafe.Add(ref out0, count) = Unsafe.Add(ref atom0, b + 1);
                count += (int)((hits >> 1) & 1);
                Unsafe.Add(ref out0, count) = Unsafe.Add(ref atom0, b + 2);
                count += (int)((hits >> 2) & 1);
                Unsafe.Add(ref out0, count) = Unsafe.Add(ref atom0, b + 3);
                count += (int)(hits >> 3);
            }

            return count;
        }

        for (int b = begin; b < end; b++)
        {
            double d2 = Distance2(Unsafe.Add(ref x0, b), Unsafe.Add(ref y0, b), Unsafe.Add(ref z0, b), xr, yr, zr);
            Unsafe.Add(ref out0, count) = Unsafe.Add(ref atom0, b);
            count += d2 <= c2 ? 1 : 0;
        }

        return count;
    }

    // The slot ranges of the (up to 27) cells around (cx, cy, cz): cells adjacent in x are adjacent in slot order, so 9 runs.
    private static int NeighbourRuns(in CellGrid grid, int[] cellStart, int cx, int cy, int cz, Span<int> runs, out int total)
    {
        int x0 = Math.Max(cx - 1, 0), x1 = Math.Min(cx + 1, grid.Nx - 1);
        int y0 = Math.Max(cy - 1, 0), y1 = Math.Min(cy + 1, grid.Ny - 1);
        int z0 = Math.Max(cz - 1, 0), z1 = Math.Min(cz + 1, grid.Nz - 1);
        int count = 0;
        total = 0;
        for (int z = z0; z <= z1; z++)
        {
            for (int y = y0; y <= y1; y++)
            {
                int row = (z * grid.Ny + y) * grid.Nx;
                int begin = cellStart[row + x0], end = cellStart[row + x1 + 1];
                if (begin == end)
                    continue;
                runs[2 * count] = begin;
                runs[2 * count + 1] = end;
                total += end - begin;
                count++;
            }
        }

        return count;
    }

    private static long CountCandidates(in CellGrid grid, int[] cellStart)
    {
        Span<int> runs = stackalloc int[18];
        long candidates = 0;
        for (int cz = 0; cz < grid.Nz; cz++)
        {
            for (int cy = 0; cy < grid.Ny; cy++)
            {
                for (int cx = 0; cx < grid.Nx; cx++)
                {
                    int cell = (cz * grid.Ny + cy) * grid.Nx + cx;
                    int atoms = cellStart[cell + 1] - cellStart[cell];
                    if (atoms == 0)
                        continue;
                    NeighbourRuns(grid, cellStart, cx, cy, cz, runs, out int total);
                    candidates += (long)atoms * total;
                }
            }
        }

        return candidates;
    }

    private static int[] Grow(int[] buffer, int used, long needed)
    {
        if (needed > Array.MaxLength)
            throw new InvalidOperationException($"the neighbour list has more than {Array.MaxLength} edges, more than one array can hold");
        int size = (int)Math.Min(Math.Max(needed, 2L * buffer.Length), Array.MaxLength);
        int[] bigger = ArrayPool<int>.Shared.Rent(size);
        Array.Copy(buffer, bigger, used);
        ArrayPool<int>.Shared.Return(buffer);
        return bigger;
    }

    private readonly struct CellGrid
    {
        private readonly double _minX, _minY, _minZ, _inverseSide;

        private CellGrid(double minX, double minY, double minZ, double side, int nx, int ny, int nz)
        {
            _minX = minX;
            _minY = minY;
            _minZ = minZ;
            _inverseSide = 1.0 / side;
            Nx = nx;
            Ny = ny;
            Nz = nz;
        }

        public int Nx { get; }

        public int Ny { get; }

        public int Nz { get; }

        public int Count => Nx * Ny * Nz;

        public double Side => 1.0 / _inverseSide;

        public static CellGrid Create(ReadOnlySpan<double> p, int n, double cutoff)
        {
            double minX = double.PositiveInfinity, minY = double.PositiveInfinity, minZ = double.PositiveInfinity;
            double maxX = double.NegativeInfinity, maxY = double.NegativeInfinity, maxZ = double.NegativeInfinity;
            for (int i = 0; i < n; i++)
            {
                double x = p[3 * i], y = p[3 * i + 1], z = p[3 * i + 2];
                minX = Math.Min(minX, x);
                maxX = Math.Max(maxX, x);
                minY = Math.Min(minY, y);
                maxY = Math.Max(maxY, y);
                minZ = Math.Min(minZ, z);
                maxZ = Math.Max(maxZ, z);
            }

            return Create(minX, minY, minZ, maxX, maxY, maxZ, n, cutoff);
        }

        // A grid over the box [min, max] of n points, cells at least `cutoff` wide.
        public static CellGrid Create(double minX, double minY, double minZ, double maxX, double maxY, double maxZ, int n, double cutoff)
        {
            // Extents can overflow to infinity for coordinates near ±1.8e308: such an axis gets a single cell.
            double ex = maxX - minX, ey = maxY - minY, ez = maxZ - minZ;
            double largestFinite = Math.Max(double.IsFinite(ex) ? ex : 0, Math.Max(double.IsFinite(ey) ? ey : 0, double.IsFinite(ez) ? ez : 0));
            // Capping the cells at a small multiple of N keeps memory O(N) in huge sparse boxes; larger cells stay correct.
            double maxCells = Math.Min(2.0 * n + 64, Array.MaxLength - 1.0);
            double side = cutoff * (1 + CellSlack);
            double fx, fy, fz;
            while (true)
            {
                fx = Cells(ex, side);
                fy = Cells(ey, side);
                fz = Cells(ez, side);
                double total = fx * fy * fz;
                if (total <= maxCells)
                    break;
                side = double.IsFinite(total)
                    ? side * Math.Max(Math.Cbrt(total / maxCells), 1.001)
                    : Math.Max(side * 2, largestFinite / Math.Cbrt(maxCells));
            }

            return new CellGrid(minX, minY, minZ, side, (int)fx, (int)fy, (int)fz);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int CellOf(double x, double y, double z)
        {
            int cx = (int)Math.Min((x - _minX) * _inverseSide, Nx - 1);
            int cy = (int)Math.Min((y - _minY) * _inverseSide, Ny - 1);
            int cz = (int)Math.Min((z - _minZ) * _inverseSide, Nz - 1);
            return (cz * Ny + cy) * Nx + cx;
        }

        private static double Cells(double extent, double side) =>
            double.IsFinite(extent) ? Math.Floor(extent / side) + 1 : 1;
    }
}
