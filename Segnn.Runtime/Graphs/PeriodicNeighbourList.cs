using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Segnn.Runtime.Graphs;

public static partial class NeighbourList
{
    /// <summary>
    /// The most atom images (the atoms plus their periodic copies near the cell) that
    /// <see cref="Radius(ReadOnlySpan{double}, PeriodicCell, double)"/> builds, about 1 GB of working memory. A cell whose
    /// plane spacings are small next to the cutoff needs about N·Π(1 + 2·cutoff / spacing) of them.
    /// </summary>
    public const int MaxPeriodicImages = 1 << 24;

    // Shifts are one int array of 3 entries per edge.
    private static readonly int MaxPeriodicEdges = Array.MaxLength / 3;

    // Periodic positions must lie within this many cells of the origin: wrap counts, image offsets and their sums then
    // fit an int (2 · 2^28 + MaxPeriodicImages < 2^31).
    private const double MaxCellsFromOrigin = 1 << 28;

    // The unit roundoff of double arithmetic (2^-52).
    private const double Epsilon = 2.220446049250313e-16;

    /// <summary>
    /// The radius graph of a periodic structure: every directed edge j → i (sender j, receiver i) with
    /// |pos[j] − pos[i] + S·cell| ≤ <paramref name="cutoff"/> over all integer image shifts S (zero along non-periodic
    /// axes), except j = i with S = 0. An atom may meet several images of one neighbour and images of itself, so edges
    /// repeat (j, i) with different <see cref="EdgeList.Shifts"/>, which refer to the positions as given (atoms may lie
    /// anywhere, not only inside the cell). Receiver-sorted; <see cref="EdgeList.Shifts"/> is never null.
    /// </summary>
    /// <remarks>
    /// The atoms are wrapped into the cell along the periodic axes and copied to every image whose fractional coordinate
    /// lies within cutoff / plane spacing of the cell; a cell list over atoms and copies then finds each atom's
    /// neighbours in O(N) time and memory. Gives the same edges as <see cref="RadiusPeriodicBruteForce"/>.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="cell"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// A coordinate is not finite, the length is not a multiple of 3, or an atom lies more than 2^28 cells from the origin
    /// along a periodic axis.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="cutoff"/> is not a finite positive number, or it needs more than <see cref="MaxPeriodicImages"/>
    /// images or (by estimate) more edges than one array of shifts can hold.
    /// </exception>
    /// <exception cref="InvalidOperationException">The edges found do not fit one array of shifts (3 ints per edge).</exception>
    public static EdgeList Radius(ReadOnlySpan<double> positions, PeriodicCell cell, double cutoff)
    {
        ArgumentNullException.ThrowIfNull(cell);
        int n = ValidatePositions(positions);
        ValidateCutoff(cutoff);
        return PeriodicCellListCore(positions, n, new Lattice(cell), cutoff);
    }

    /// <summary>
    /// The periodic radius graph by testing every pair of atoms at every image shift that can be in range: O(N²·images).
    /// Receivers ascending, then senders ascending, then shifts in lexicographic order. The oracle for
    /// <see cref="Radius(ReadOnlySpan{double}, PeriodicCell, double)"/>, which gives the same edges.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="cell"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// A coordinate is not finite, the length is not a multiple of 3, or an atom lies more than 2^28 cells from the origin
    /// along a periodic axis.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="cutoff"/> is not a finite positive number, or it needs more than <see cref="MaxPeriodicImages"/>
    /// image shifts per pair.
    /// </exception>
    /// <exception cref="InvalidOperationException">The edges found do not fit one array of shifts (3 ints per edge).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static EdgeList RadiusPeriodicBruteForce(ReadOnlySpan<double> positions, PeriodicCell cell, double cutoff)
    {
        ArgumentNullException.ThrowIfNull(cell);
        int n = ValidatePositions(positions);
        ValidateCutoff(cutoff);
        var lattice = new Lattice(cell);
        var fraction = new double[3 * n];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < 3; k++)
                fraction[3 * i + k] = lattice.Fractional(positions, i, k);
        }

        // A vector of length ≤ cutoff changes fractional coordinate k by at most δ = cutoff / spacing_k. With
        // m = round(f_j − f_i) (|f_j − f_i − m| ≤ 1/2), an image within range has |S_k + m| ≤ δ + 1/2 < ceil(δ) + 1.
        Span<int> reach = stackalloc int[3];
        double perPair = 1;
        for (int k = 0; k < 3; k++)
        {
            double r = lattice.Pbc[k] ? Math.Ceiling(cutoff / lattice.Spacing[k]) + 1 : 0;
            perPair *= 2 * r + 1;
            if (perPair > MaxPeriodicImages)
                throw TooManyImages(cutoff, lattice, $"needs more than {MaxPeriodicImages} image shifts per pair of atoms");
            reach[k] = (int)r;
        }

        double c2 = cutoff * cutoff;
        var senders = new List<int>();
        var receivers = new List<int>();
        var shifts = new List<int>();
        Span<int> lo = stackalloc int[3];
        for (int r = 0; r < n; r++)
        {
            for (int s = 0; s < n; s++)
            {
                for (int k = 0; k < 3; k++)
                    lo[k] = lattice.Pbc[k] ? -(int)Math.Round(fraction[3 * s + k] - fraction[3 * r + k]) - reach[k] : 0;
                for (int s0 = lo[0]; s0 <= lo[0] + 2 * reach[0]; s0++)
                {
                    for (int s1 = lo[1]; s1 <= lo[1] + 2 * reach[1]; s1++)
                    {
                        for (int s2 = lo[2]; s2 <= lo[2] + 2 * reach[2]; s2++)
                        {
                            if ((s == r && s0 == 0 && s1 == 0 && s2 == 0) || ImageDistance2(positions, s, r, s0, s1, s2, lattice) > c2)
                                continue;
                            if (senders.Count == MaxPeriodicEdges)
                                throw TooManyEdges();
                            senders.Add(s);
                            receivers.Add(r);
                            shifts.Add(s0);
                            shifts.Add(s1);
                            shifts.Add(s2);
                        }
                    }
                }
            }
        }

        return EdgeList.Trusted([.. senders], [.. receivers], [.. shifts]);
    }

    // The one expression for the squared length of a periodic edge, shared by the brute force and the cell list's check
    // of near-cutoff pairs, so that both agree on pairs exactly at the cutoff.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ImageDistance2(ReadOnlySpan<double> p, int sender, int receiver, int s0, int s1, int s2, Lattice lattice)
    {
        double[] h = lattice.Matrix;
        double x = p[3 * sender] + (s0 * h[0] + s1 * h[3] + s2 * h[6]);
        double y = p[3 * sender + 1] + (s0 * h[1] + s1 * h[4] + s2 * h[7]);
        double z = p[3 * sender + 2] + (s0 * h[2] + s1 * h[5] + s2 * h[8]);
        return Distance2(x, y, z, p[3 * receiver], p[3 * receiver + 1], p[3 * receiver + 2]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static EdgeList PeriodicCellListCore(ReadOnlySpan<double> p, int n, Lattice lattice, double cutoff)
    {
        if (n == 0)
            return EdgeList.EmptyPeriodic;
        var ints = ArrayPool<int>.Shared;
        var doubles = ArrayPool<double>.Shared;
        int[] wrap = ints.Rent(3 * n);
        double[] fraction = doubles.Rent(3 * n);
        int[] imageInfo = [], slotOf = [], cellStart = [], receiverEnd = [], slotInfo = [], firstEdge = [], degree = [], buffer = [];
        double[] imagePosition = [], xs = [], ys = [], zs = [];
        try
        {
            // Wrap along the periodic axes: w = floor(f) and f − w is exact, so wrapped fractions lie in [0, 1].
            int largestWrap = 0;
            double largestCoordinate = 0;
            for (int i = 0; i < n; i++)
            {
                for (int k = 0; k < 3; k++)
                {
                    largestCoordinate = Math.Max(largestCoordinate, Math.Abs(p[3 * i + k]));
                    double f = lattice.Fractional(p, i, k);
                    double w = lattice.Pbc[k] ? Math.Floor(f) : 0;
                    wrap[3 * i + k] = (int)w;
                    fraction[3 * i + k] = f - w;
                    largestWrap = Math.Max(largestWrap, (int)Math.Abs(w));
                }
            }

            // The search runs on wrapped coordinates and their copies, whose rounding differs from the expression the
            // brute force evaluates (ImageDistance2 on the positions as given) by at most `slack` Å. Pairs that far from
            // the cutoff are decided by the search alone; the rare receiver with a pair inside that band is checked again
            // with ImageDistance2, so the two methods agree exactly.
            double slack = RoundingSlack(lattice, cutoff, largestCoordinate, largestWrap);
            double c2Low = cutoff > slack ? (cutoff - slack) * (cutoff - slack) * (1 - 8 * Epsilon) : -1;
            double c2High = (cutoff + slack) * (cutoff + slack) * (1 + 8 * Epsilon);
            // A copy is needed where its fractional coordinate is within δ_k of the cell: δ_k covers the cutoff, the band
            // and the rounding of the fractions themselves.
            Span<double> delta = stackalloc double[3];
            for (int k = 0; k < 3; k++)
                delta[k] = lattice.Pbc[k] ? (cutoff + 8 * slack) / lattice.Spacing[k] : 0;

            long images = 0;
            Span<int> lo = stackalloc int[3], hi = stackalloc int[3];
            for (int i = 0; i < n; i++)
            {
                long count = ImageRange(fraction, i, delta, lo, hi);
                images += count;
                if (count > MaxPeriodicImages || images > MaxPeriodicImages)
                    throw TooManyImages(cutoff, lattice, $"needs more than {MaxPeriodicImages} periodic images of the {n} atoms");
            }

            int total = (int)images;
            imagePosition = doubles.Rent(3 * total);
            imageInfo = ints.Rent(4 * total);
            BuildImages(p, n, lattice, wrap, fraction, delta, imagePosition, imageInfo);

            var grid = CellGrid.Create(imagePosition, total, Math.Sqrt(c2High));
            int cells = grid.Count;
            slotOf = ints.Rent(total);
            cellStart = ints.Rent(cells + 1);
            receiverEnd = ints.Rent(cells);
            slotInfo = ints.Rent(4 * total);
            xs = doubles.Rent(total + ScanPadding);
            ys = doubles.Rent(total + ScanPadding);
            zs = doubles.Rent(total + ScanPadding);

            // Counting sort of images by cell, the atoms themselves (ids below n) first: a stable scatter then puts each
            // cell's receivers at the front of its slots.
            Array.Clear(cellStart, 0, cells + 1);
            for (int id = 0; id < total; id++)
            {
                int c = grid.CellOf(imagePosition[3 * id], imagePosition[3 * id + 1], imagePosition[3 * id + 2]);
                slotOf[id] = c;
                cellStart[c + 1]++;
            }

            for (int c = 0; c < cells; c++)
                cellStart[c + 1] += cellStart[c];
            for (int id = 0; id < total; id++)
            {
                int slot = cellStart[slotOf[id]]++;
                slotOf[id] = slot;
                imageInfo.AsSpan(4 * id, 4).CopyTo(slotInfo.AsSpan(4 * slot, 4));
                xs[slot] = imagePosition[3 * id];
                ys[slot] = imagePosition[3 * id + 1];
                zs[slot] = imagePosition[3 * id + 2];
                if (id == n - 1)
                    Array.Copy(cellStart, receiverEnd, cells);
            }

            for (int c = cells; c > 0; c--)
                cellStart[c] = cellStart[c - 1];
            cellStart[0] = 0;

            // Each receiver scans a block of (up to) 3 × 3 × 3 cells, of which its cutoff sphere fills a fraction.
            double block = Math.Min(3, grid.Nx) * Math.Min(3, grid.Ny) * Math.Min(3, grid.Nz) * Math.Pow(grid.Side, 3);
            double sphere = 4 * Math.PI / 3 * Math.Pow(cutoff, 3);
            double estimate = CountReceiverCandidates(grid, cellStart, receiverEnd) * (sphere < block ? sphere / block : 1);
            if (estimate > MaxPeriodicEdges)
                throw TooManyImages(cutoff, lattice, $"gives about {estimate:G3} edges, more than {MaxPeriodicEdges} (one array of shifts)");
            buffer = ints.Rent((int)Math.Clamp(1.25 * estimate + 4096, 1024, Array.MaxLength));
            firstEdge = ints.Rent(n);
            degree = ints.Rent(n);

            int edges = 0;
            Span<int> runs = stackalloc int[18];
            for (int cz = 0; cz < grid.Nz; cz++)
            {
                for (int cy = 0; cy < grid.Ny; cy++)
                {
                    for (int cx = 0; cx < grid.Nx; cx++)
                    {
                        int cell = (cz * grid.Ny + cy) * grid.Nx + cx;
                        int aBegin = cellStart[cell], aEnd = receiverEnd[cell];
                        if (aBegin == aEnd)
                            continue;
                        int runCount = NeighbourRuns(grid, cellStart, cx, cy, cz, runs, out int runTotal);
                        for (int a = aBegin; a < aEnd; a++)
                        {
                            int receiver = slotInfo[4 * a];
                            int first = edges;
                            int room = runTotal + (runCount + 1) * ScanPadding;
                            if (buffer.Length - edges < room)
                                buffer = Grow(buffer, edges, (long)edges + room);
                            double xr = xs[a], yr = ys[a], zr = zs[a];
                            uint nearCutoff = 0;
                            for (int run = 0; run < runCount; run++)
                            {
                                int begin = runs[2 * run], end = runs[2 * run + 1];
                                if (a >= begin && a < end)
                                {
                                    // The receiver's own slot is the image with S = 0 of itself: no self loop.
                                    edges = ScanBand(xs, ys, zs, begin, a, xr, yr, zr, c2Low, c2High, buffer, edges, ref nearCutoff);
                                    edges = ScanBand(xs, ys, zs, a + 1, end, xr, yr, zr, c2Low, c2High, buffer, edges, ref nearCutoff);
                                }
                                else
                                {
                                    edges = ScanBand(xs, ys, zs, begin, end, xr, yr, zr, c2Low, c2High, buffer, edges, ref nearCutoff);
                                }
                            }

                            if (nearCutoff != 0)
                                edges = Recheck(p, lattice, receiver, wrap, slotInfo, cutoff * cutoff, buffer, first, edges);
                            if (edges > MaxPeriodicEdges)
                                throw TooManyEdges();
                            firstEdge[receiver] = first;
                            degree[receiver] = edges - first;
                        }
                    }
                }
            }

            if (edges == 0)
                return EdgeList.EmptyPeriodic;

            // Receivers were visited in cell order: move each one's senders to its place in atom order, mapping every
            // image to its atom and its shift relative to the positions as given, S = (G − w_sender) + w_receiver.
            var senders = GC.AllocateUninitializedArray<int>(edges);
            var receivers = GC.AllocateUninitializedArray<int>(edges);
            var shifts = GC.AllocateUninitializedArray<int>(3 * edges);
            // Every hit in `buffer` is a slot (< total) and the degrees sum to `edges`: the accesses below are in range.
            ref int info0 = ref MemoryMarshal.GetArrayDataReference(slotInfo);
            ref int hit0 = ref MemoryMarshal.GetArrayDataReference(buffer);
            ref int sender0 = ref MemoryMarshal.GetArrayDataReference(senders);
            ref int shift0 = ref MemoryMarshal.GetArrayDataReference(shifts);
            int e = 0;
            for (int i = 0; i < n; i++)
            {
                int w0 = wrap[3 * i], w1 = wrap[3 * i + 1], w2 = wrap[3 * i + 2];
                int start = firstEdge[i], length = degree[i];
                for (int t = start; t < start + length; t++, e++)
                {
                    ref int info = ref Unsafe.Add(ref info0, 4 * Unsafe.Add(ref hit0, t));
                    ref int shift = ref Unsafe.Add(ref shift0, 3 * e);
                    Unsafe.Add(ref sender0, e) = info;
                    shift = Unsafe.Add(ref info, 1) + w0;
                    Unsafe.Add(ref shift, 1) = Unsafe.Add(ref info, 2) + w1;
                    Unsafe.Add(ref shift, 2) = Unsafe.Add(ref info, 3) + w2;
                }

                receivers.AsSpan(e - length, length).Fill(i);
            }

            return EdgeList.Trusted(senders, receivers, shifts);
        }
        finally
        {
            ints.Return(wrap);
            doubles.Return(fraction);
            foreach (int[] array in (int[][])[imageInfo, slotOf, cellStart, receiverEnd, slotInfo, firstEdge, degree, buffer])
            {
                if (array.Length > 0)
                    ints.Return(array);
            }

            foreach (double[] array in (double[][])[imagePosition, xs, ys, zs])
            {
                if (array.Length > 0)
                    doubles.Return(array);
            }
        }
    }

    // The image offsets G of atom i whose wrapped fraction f + G lies in [−δ_k, 1 + δ_k] on every axis (G_k = 0 on
    // non-periodic axes, where δ_k = 0): lo..hi per axis; returns how many.
    private static long ImageRange(double[] fraction, int i, ReadOnlySpan<double> delta, Span<int> lo, Span<int> hi)
    {
        long count = 1;
        for (int k = 0; k < 3; k++)
        {
            if (delta[k] == 0)
            {
                lo[k] = hi[k] = 0;
                continue;
            }

            double f = fraction[3 * i + k];
            double low = Math.Ceiling(-delta[k] - f), high = Math.Floor(1 + delta[k] - f);
            if (!(high - low < MaxPeriodicImages))
                return long.MaxValue;
            lo[k] = (int)low;
            hi[k] = (int)high;
            count *= hi[k] - lo[k] + 1;
            if (count > MaxPeriodicImages)
                return count;
        }

        return count;
    }

    // Image ids 0..n−1 are the wrapped atoms (G = 0), the copies follow atom by atom. Each image stores 4 ints: its atom
    // and its shift relative to the atom as given, G − w (one cache line holds everything the output needs of it).
    private static void BuildImages(
        ReadOnlySpan<double> p, int n, Lattice lattice, int[] wrap, double[] fraction, ReadOnlySpan<double> delta,
        double[] imagePosition, int[] imageInfo)
    {
        double[] h = lattice.Matrix;
        for (int i = 0; i < n; i++)
        {
            int w0 = wrap[3 * i], w1 = wrap[3 * i + 1], w2 = wrap[3 * i + 2];
            imagePosition[3 * i] = p[3 * i] - (w0 * h[0] + w1 * h[3] + w2 * h[6]);
            imagePosition[3 * i + 1] = p[3 * i + 1] - (w0 * h[1] + w1 * h[4] + w2 * h[7]);
            imagePosition[3 * i + 2] = p[3 * i + 2] - (w0 * h[2] + w1 * h[5] + w2 * h[8]);
            imageInfo[4 * i] = i;
            imageInfo[4 * i + 1] = -w0;
            imageInfo[4 * i + 2] = -w1;
            imageInfo[4 * i + 3] = -w2;
        }

        Span<int> lo = stackalloc int[3], hi = stackalloc int[3];
        int id = n;
        for (int i = 0; i < n; i++)
        {
            ImageRange(fraction, i, delta, lo, hi);
            double x = imagePosition[3 * i], y = imagePosition[3 * i + 1], z = imagePosition[3 * i + 2];
            for (int g0 = lo[0]; g0 <= hi[0]; g0++)
            {
                for (int g1 = lo[1]; g1 <= hi[1]; g1++)
                {
                    for (int g2 = lo[2]; g2 <= hi[2]; g2++)
                    {
                        if (g0 == 0 && g1 == 0 && g2 == 0)
                            continue;
                        imagePosition[3 * id] = x + (g0 * h[0] + g1 * h[3] + g2 * h[6]);
                        imagePosition[3 * id + 1] = y + (g0 * h[1] + g1 * h[4] + g2 * h[7]);
                        imagePosition[3 * id + 2] = z + (g0 * h[2] + g1 * h[5] + g2 * h[8]);
                        imageInfo[4 * id] = i;
                        imageInfo[4 * id + 1] = g0 - wrap[3 * i];
                        imageInfo[4 * id + 2] = g1 - wrap[3 * i + 1];
                        imageInfo[4 * id + 3] = g2 - wrap[3 * i + 2];
                        id++;
                    }
                }
            }
        }
    }

    // A bound on how far (in Å, per component) a pair vector computed from wrapped coordinates and copies can differ
    // from ImageDistance2's: each of the ~20 roundings on the way errs by at most ε/2 of a magnitude M = the largest
    // coordinate plus |w|, |G| and |S| lattice vectors (S = G − w_j + w_i). With |G| ≤ 2·(cutoff + slack)/spacing + 2,
    // solving slack = 64·ε·M for slack gives the expression below; 64 leaves a wide margin over the ~20 needed.
    private static double RoundingSlack(Lattice lattice, double cutoff, double largestCoordinate, int largestWrap)
    {
        double rowSum = 0, minSpacing = double.PositiveInfinity;
        for (int c = 0; c < 3; c++)
        {
            double sum = 0;
            for (int k = 0; k < 3; k++)
            {
                if (lattice.Pbc[k])
                    sum += Math.Abs(lattice.Matrix[3 * k + c]);
            }

            rowSum = Math.Max(rowSum, sum);
        }

        for (int k = 0; k < 3; k++)
        {
            if (lattice.Pbc[k])
                minSpacing = Math.Min(minSpacing, lattice.Spacing[k]);
        }

        double ratio = rowSum / minSpacing;      // 0 without periodic axes
        double magnitude = largestCoordinate + rowSum * (3.0 * largestWrap + 6) + 4 * cutoff * ratio;
        return 64 * Epsilon * magnitude / (1 - 256 * Epsilon * ratio);
    }

    // Appends the images of slots [begin, end) with squared distance ≤ c2High to `buffer`, as Scan does (same padding
    // contract), and ORs into `nearCutoff` a non-zero mask when any of them lies in (c2Low, c2High], where rounding
    // could decide the pair.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ScanBand(
        double[] xs, double[] ys, double[] zs, int begin, int end,
        double xr, double yr, double zr, double c2Low, double c2High, int[] buffer, int count, ref uint nearCutoff)
    {
        ref double x0 = ref MemoryMarshal.GetArrayDataReference(xs);
        ref double y0 = ref MemoryMarshal.GetArrayDataReference(ys);
        ref double z0 = ref MemoryMarshal.GetArrayDataReference(zs);
        ref int out0 = ref MemoryMarshal.GetArrayDataReference(buffer);
        uint near = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vxr = Vector256.Create(xr);
            var vyr = Vector256.Create(yr);
            var vzr = Vector256.Create(zr);
            var vLow = Vector256.Create(c2Low);
            var vHigh = Vector256.Create(c2High);
            for (int b = begin; b < end; b += 4)
            {
                var dx = Vector256.LoadUnsafe(ref x0, (nuint)b) - vxr;
                var dy = Vector256.LoadUnsafe(ref y0, (nuint)b) - vyr;
                var dz = Vector256.LoadUnsafe(ref z0, (nuint)b) - vzr;
                var d2 = dx * dx + dy * dy + dz * dz;
                uint hits = Vector256.LessThanOrEqual(d2, vHigh).ExtractMostSignificantBits() & (0xFu >> Math.Max(0, 4 - (end - b)));
                near |= hits & ~Vector256.LessThanOrEqual(d2, vLow).ExtractMostSignificantBits();
                Unsafe.Add(ref out0, count) = b;
                count += (int)(hits & 1);
                Unsafe.Add(ref out0, count) = b + 1;
                count += (int)((hits >> 1) & 1);
                Unsafe.Add(ref out0, count) = b + 2;
                count += (int)((hits >> 2) & 1);
                Unsafe.Add(ref out0, count) = b + 3;
                count += (int)(hits >> 3);
            }
        }
        else
        {
            for (int b = begin; b < end; b++)
            {
                double d2 = Distance2(Unsafe.Add(ref x0, b), Unsafe.Add(ref y0, b), Unsafe.Add(ref z0, b), xr, yr, zr);
                Unsafe.Add(ref out0, count) = b;
                count += d2 <= c2High ? 1 : 0;
                near |= d2 <= c2High && d2 > c2Low ? 1u : 0u;
            }
        }

        nearCutoff |= near;
        return count;
    }

    // Keeps the hits [start, end) of one receiver that ImageDistance2 puts within the cutoff; returns the new end.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Recheck(
        ReadOnlySpan<double> p, Lattice lattice, int receiver, int[] wrap, int[] slotInfo, double c2,
        int[] buffer, int start, int end)
    {
        int kept = start;
        for (int t = start; t < end; t++)
        {
            int slot = buffer[t];
            int s0 = slotInfo[4 * slot + 1] + wrap[3 * receiver];
            int s1 = slotInfo[4 * slot + 2] + wrap[3 * receiver + 1];
            int s2 = slotInfo[4 * slot + 3] + wrap[3 * receiver + 2];
            if (ImageDistance2(p, slotInfo[4 * slot], receiver, s0, s1, s2, lattice) <= c2)
                buffer[kept++] = slot;
        }

        return kept;
    }

    private static long CountReceiverCandidates(in CellGrid grid, int[] cellStart, int[] receiverEnd)
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
                    int receivers = receiverEnd[cell] - cellStart[cell];
                    if (receivers == 0)
                        continue;
                    NeighbourRuns(grid, cellStart, cx, cy, cz, runs, out int total);
                    candidates += (long)receivers * total;
                }
            }
        }

        return candidates;
    }

    private static ArgumentOutOfRangeException TooManyImages(double cutoff, Lattice lattice, string problem) =>
        new(nameof(cutoff), cutoff,
            $"a cutoff of {cutoff} Å in a cell with plane spacings {lattice.Spacing[0]:G4}, {lattice.Spacing[1]:G4}, {lattice.Spacing[2]:G4} Å (pbc {lattice.PbcText}) {problem}");

    private static InvalidOperationException TooManyEdges() =>
        new($"the periodic neighbour list has more than {MaxPeriodicEdges} edges, more than one array of shifts (3 ints per edge) can hold");

    // The cell in the form the loops use: the matrix, its inverse (fractional coordinates f = p · H⁻¹), plane spacings.
    private sealed class Lattice
    {
        private readonly double[] _inverse = new double[9];

        public Lattice(PeriodicCell cell)
        {
            Matrix = cell.Matrix.ToArray();
            Pbc = cell.Pbc.ToArray();
            PbcText = cell.PbcText;
            Spacing = [cell.PlaneSpacing(0), cell.PlaneSpacing(1), cell.PlaneSpacing(2)];
            double[] m = Matrix;
            double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
            for (int row = 0; row < 3; row++)
            {
                for (int col = 0; col < 3; col++)
                {
                    // Inverse = adjugate / det: entry (row, col) is the cofactor of (col, row).
                    int r1 = (col + 1) % 3, r2 = (col + 2) % 3, c1 = (row + 1) % 3, c2 = (row + 2) % 3;
                    _inverse[3 * row + col] = (m[3 * r1 + c1] * m[3 * r2 + c2] - m[3 * r1 + c2] * m[3 * r2 + c1]) / det;
                }
            }
        }

        public double[] Matrix { get; }

        public bool[] Pbc { get; }

        public string PbcText { get; }

        public double[] Spacing { get; }

        // Fractional coordinate of atom i along lattice vector k; refuses atoms too far along a periodic axis.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public double Fractional(ReadOnlySpan<double> p, int i, int k)
        {
            double f = p[3 * i] * _inverse[k] + p[3 * i + 1] * _inverse[3 + k] + p[3 * i + 2] * _inverse[6 + k];
            if (Pbc[k] && !(Math.Abs(f) < MaxCellsFromOrigin))
                ThrowTooFar(p, i, k, f);
            return f;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowTooFar(ReadOnlySpan<double> p, int i, int k, double f) =>
            throw new ArgumentException(
                $"atom {i} at ({p[3 * i]}, {p[3 * i + 1]}, {p[3 * i + 2]}) lies {f:G3} cells from the origin along lattice vector {k + 1}, more than the 2^28 a periodic position may",
                "positions");
    }
}
