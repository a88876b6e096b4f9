using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Segnn.Runtime.Graphs;

public static partial class NeighbourList
{
    /// <summary>
    /// The most atom images (the atoms plus their periodic copies near the cell) that
    /// <see cref="Radius(ReadOnlySpan{double}, PeriodicCell, double)"/> builds (32 bytes each, 0.5 GB in all). A cell whose
    /// plane spacings are small next to the cutoff needs about N·Π(1 + 2·cutoff / spacing) of them.
    /// </summary>
    public const int MaxPeriodicImages = 1 << 24;

    // Shifts are one int array of 3 entries per edge (and the search keeps one spare).
    private static readonly int MaxPeriodicEdges = (Array.MaxLength - 1) / 3;

    // Periodic positions must lie within this many cells of the origin: wrap counts, image offsets and their sums then
    // fit an int (2 · 2^28 + MaxPeriodicImages < 2^31).
    private const double MaxCellsFromOrigin = 1 << 28;

    // The single-precision search needs coordinates (relative to the images' box) far from float's overflow.
    private const double MaxExtent = 1e30;

    // The single-precision search reads and writes in blocks of 8: this much slack past the end of its arrays.
    private const int BandPadding = 8;

    private static readonly int[] CompressLanes = CompressionTable();

    // The unit roundoff of double arithmetic (2^-52) and of single precision (2^-24).
    private const double Epsilon = 2.220446049250313e-16;
    private const double SingleRoundoff = 1.0 / (1 << 24);

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
    /// A coordinate is not finite, the length is not a multiple of 3, an atom lies more than 2^28 cells from the origin
    /// along a periodic axis, or the atoms span more than 1e30 Å along a non-periodic one.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="cutoff"/> is not a finite positive number, or it needs more than <see cref="MaxPeriodicImages"/>
    /// images or (by an estimate made before the search) more edges than one array of shifts can hold.
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
                throw TooMuchWork(cutoff, lattice, $"needs more than {MaxPeriodicImages} image shifts per pair of atoms");
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
        var floats = ArrayPool<float>.Shared;
        int[] wrap = ints.Rent(3 * n);
        double[] wrapped = doubles.Rent(3 * n), fraction = doubles.Rent(3 * n);
        int[] cellStart = [], receiverEnd = [], slotInfo = [], cellOfImage = [], firstEdge = [], degree = [], hits = [], senderRun = [], shiftRun = [];
        float[] xs = [], ys = [], zs = [];
        try
        {
            Span<double> fractionRange = stackalloc double[6];
            double largestCoordinate = WrapIntoCell(p, n, lattice, wrap, wrapped, fraction, fractionRange, out int largestWrap);

            // The search runs on wrapped coordinates and their copies, whose rounding differs from the expression the
            // brute force evaluates (ImageDistance2 on the positions as given) by at most `slack` Å. Pairs that far from
            // the cutoff are decided by the search alone; the rare receiver with a pair inside that band is checked again
            // with ImageDistance2, so the two methods agree exactly.
            double slack = RoundingSlack(lattice, cutoff, largestCoordinate, largestWrap);
            double reachHigh = (cutoff + slack) * (1 + 4 * Epsilon);
            // A copy is needed where its fractional coordinate is within δ_k of the cell: δ_k covers the cutoff, the band
            // and the rounding of the fractions themselves.
            Span<double> delta = stackalloc double[3];
            for (int k = 0; k < 3; k++)
                delta[k] = lattice.Pbc[k] ? (cutoff + 8 * slack) / lattice.Spacing[k] : 0;
            long images = CountImages(n, fraction, delta);
            if (images > MaxPeriodicImages)
                throw TooMuchWork(cutoff, lattice, $"needs more than {MaxPeriodicImages} periodic images of the {n} atoms");
            int total = (int)images;
            Span<double> bounds = stackalloc double[6];
            ImageBounds(lattice, delta, fractionRange, 2 * slack, bounds);
            // The search itself runs in single precision, 8 candidates a step, on coordinates relative to the box's
            // corner: each rounds by at most 2^-24 of the box's extent, so a pair vector moves by twice that plus 2^-24 of
            // itself, and its squared length by a few 2^-24 more. The band widens by as much.
            double extent = Math.Max(bounds[3] - bounds[0], Math.Max(bounds[4] - bounds[1], bounds[5] - bounds[2]));
            if (!(extent < MaxExtent))
                throw new ArgumentException($"the atoms and their images span {extent:G3} Å, more than the {MaxExtent:G1} Å a periodic search handles", "positions");
            double band = slack + 4 * SingleRoundoff * extent + 2 * SingleRoundoff * (cutoff + slack);
            float c2Low = cutoff > band ? MathF.BitDecrement((float)((cutoff - band) * (cutoff - band) * (1 - 16 * SingleRoundoff))) : -1;
            float c2High = MathF.BitIncrement((float)((cutoff + band) * (cutoff + band) * (1 + 16 * SingleRoundoff)));

            var grid = CellGrid.Create(bounds[0], bounds[1], bounds[2], bounds[3], bounds[4], bounds[5], total, reachHigh);
            int cells = grid.Count;
            cellStart = ints.Rent(cells + 1);
            receiverEnd = ints.Rent(cells);
            slotInfo = ints.Rent(4 * total);
            cellOfImage = ints.Rent(total);
            xs = floats.Rent(total + BandPadding);
            ys = floats.Rent(total + BandPadding);
            zs = floats.Rent(total + BandPadding);

            // Counting sort of the images by cell. They are generated twice, counted and then placed, rather than stored
            // (only each one's cell is kept between). The atoms themselves are placed first, so each cell's receivers lead
            // its slots.
            Array.Clear(cellStart, 0, cells + 1);
            var counter = new CountImage(grid, cellStart, cellOfImage);
            VisitImages(n, lattice, wrapped, fraction, delta, copies: false, ref counter);
            VisitImages(n, lattice, wrapped, fraction, delta, copies: true, ref counter);
            for (int c = 0; c < cells; c++)
                cellStart[c + 1] += cellStart[c];
            var placer = new PlaceImage(cellOfImage, cellStart, wrap, bounds[0], bounds[1], bounds[2], xs, ys, zs, slotInfo);
            VisitImages(n, lattice, wrapped, fraction, delta, copies: false, ref placer);
            Array.Copy(cellStart, receiverEnd, cells);
            VisitImages(n, lattice, wrapped, fraction, delta, copies: true, ref placer);
            // Placing advanced every start to the next cell's start: shift back.
            for (int c = cells; c > 0; c--)
                cellStart[c] = cellStart[c - 1];
            cellStart[0] = 0;

            // Each receiver scans a block of (up to) 3 × 3 × 3 cells, of which its cutoff sphere fills a fraction.
            double block = Math.Min(3, grid.Nx) * Math.Min(3, grid.Ny) * Math.Min(3, grid.Nz) * Math.Pow(grid.Side, 3);
            double sphere = 4 * Math.PI / 3 * Math.Pow(cutoff, 3);
            double estimate = CountReceiverCandidates(grid, cellStart, receiverEnd) * (sphere < block ? sphere / block : 1);
            if (estimate > MaxPeriodicEdges)
                throw TooMuchWork(cutoff, lattice, $"gives about {estimate:G3} edges, more than {MaxPeriodicEdges} (one array of shifts)");
            int expected = (int)Math.Min(1.25 * estimate + 1024, MaxPeriodicEdges);
            senderRun = ints.Rent(expected);
            shiftRun = ints.Rent(3 * expected + 1);
            hits = ints.Rent(1024);
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
                        // ScanBand stores every candidate (and some padding), advancing only past hits: room for all of them.
                        int room = runTotal + (runCount + 1) * BandPadding;
                        if (hits.Length < room)
                        {
                            int[] small = hits;
                            hits = ints.Rent(room);
                            ints.Return(small);
                        }

                        for (int a = aBegin; a < aEnd; a++)
                        {
                            int receiver = slotInfo[4 * a + 3];
                            float xr = xs[a], yr = ys[a], zr = zs[a];
                            uint nearCutoff = 0;
                            int count = 0;
                            for (int run = 0; run < runCount; run++)
                            {
                                int begin = runs[2 * run], end = runs[2 * run + 1];
                                if (a >= begin && a < end)
                                {
                                    // The receiver's own slot is the image with S = 0 of itself: no self loop.
                                    count = ScanBand(xs, ys, zs, begin, a, xr, yr, zr, c2Low, c2High, hits, count, ref nearCutoff);
                                    count = ScanBand(xs, ys, zs, a + 1, end, xr, yr, zr, c2Low, c2High, hits, count, ref nearCutoff);
                                }
                                else
                                {
                                    count = ScanBand(xs, ys, zs, begin, end, xr, yr, zr, c2Low, c2High, hits, count, ref nearCutoff);
                                }
                            }

                            if (nearCutoff != 0)
                                count = Recheck(p, lattice, receiver, wrap, slotInfo, cutoff * cutoff, hits, count);
                            if ((long)edges + count > MaxPeriodicEdges)
                                throw TooManyEdges();
                            if (senderRun.Length < edges + count)
                                senderRun = Grow(senderRun, edges, (long)edges + count);
                            if (shiftRun.Length < 3 * (edges + count) + 1)
                                shiftRun = Grow(shiftRun, 3 * edges, 3L * (edges + count) + 1);
                            AppendEdges(slotInfo, hits, count, wrap, receiver, senderRun, shiftRun, edges);
                            firstEdge[receiver] = edges;
                            degree[receiver] = count;
                            edges += count;
                        }
                    }
                }
            }

            if (edges == 0)
                return EdgeList.EmptyPeriodic;

            var (senders, receivers, shifts) = Gather(n, edges, senderRun, shiftRun, firstEdge, degree);
            return EdgeList.Trusted(senders, receivers, shifts);
        }
        finally
        {
            ints.Return(wrap);
            doubles.Return(wrapped);
            doubles.Return(fraction);
            foreach (int[] array in (int[][])[cellStart, receiverEnd, slotInfo, cellOfImage, firstEdge, degree, hits, senderRun, shiftRun])
            {
                if (array.Length > 0)
                    ints.Return(array);
            }

            foreach (float[] array in (float[][])[xs, ys, zs])
            {
                if (array.Length > 0)
                    floats.Return(array);
            }
        }
    }

    // Writes the receiver's `count` edges, in the order the search found them, from edge `at` on: senders to `senderRun`,
    // shifts relative to the positions as given, S = (G − w_sender) + w_receiver, to `shiftRun`. The slots of one
    // receiver's hits are near each other, so their slotInfo is mostly in cache.
    private static void AppendEdges(int[] slotInfo, int[] hits, int count, int[] wrap, int receiver, int[] senderRun, int[] shiftRun, int at)
    {
        // Every hit is a slot, and the runs have room for `count` more edges plus one int: the accesses below are in range.
        ref int info0 = ref MemoryMarshal.GetArrayDataReference(slotInfo);
        ref int hit0 = ref MemoryMarshal.GetArrayDataReference(hits);
        ref int sender0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(senderRun), at);
        ref int shift0 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(shiftRun), 3 * at);
        var wrapOfReceiver = Vector128.Create(wrap[3 * receiver], wrap[3 * receiver + 1], wrap[3 * receiver + 2], 0);
        for (int t = 0; t < count; t++)
        {
            // slotInfo holds (G − w) and the atom: one load and one add give (S, sender); the store's fourth lane lands
            // where the next edge's shift goes and is overwritten by it (hence the spare int).
            var edge = Vector128.LoadUnsafe(ref info0, 4 * (nuint)Unsafe.Add(ref hit0, t)) + wrapOfReceiver;
            edge.StoreUnsafe(ref shift0, 3 * (nuint)t);
            Unsafe.Add(ref sender0, t) = edge.GetElement(3);
        }
    }

    // Receivers were visited in cell order: copies each one's run of edges to its place in atom order.
    private static (int[] Senders, int[] Receivers, int[] Shifts) Gather(int n, int edges, int[] senderRun, int[] shiftRun, int[] firstEdge, int[] degree)
    {
        var senders = GC.AllocateUninitializedArray<int>(edges);
        var receivers = GC.AllocateUninitializedArray<int>(edges);
        var shifts = GC.AllocateUninitializedArray<int>(3 * edges);
        int e = 0;
        for (int i = 0; i < n; i++)
        {
            int first = firstEdge[i], length = degree[i];
            senderRun.AsSpan(first, length).CopyTo(senders.AsSpan(e, length));
            shiftRun.AsSpan(3 * first, 3 * length).CopyTo(shifts.AsSpan(3 * e, 3 * length));
            receivers.AsSpan(e, length).Fill(i);
            e += length;
        }

        return (senders, receivers, shifts);
    }

    // Wraps every atom into the cell along the periodic axes: w = floor(f), and f − w is exact, so the wrapped fractions
    // lie in [0, 1]; the wrapped position is p − w·cell. Returns the largest |coordinate|, in `largestWrap` the largest
    // |w|, and in `range` the smallest and largest wrapped fraction along each axis (min 0, 1, 2, max 0, 1, 2).
    private static double WrapIntoCell(
        ReadOnlySpan<double> p, int n, Lattice lattice, int[] wrap, double[] wrapped, double[] fraction, Span<double> range, out int largestWrap)
    {
        double[] h = lattice.Matrix;
        bool p0 = lattice.Pbc[0], p1 = lattice.Pbc[1], p2 = lattice.Pbc[2];
        double largest = 0;
        double low0 = double.PositiveInfinity, low1 = double.PositiveInfinity, low2 = double.PositiveInfinity;
        double high0 = double.NegativeInfinity, high1 = double.NegativeInfinity, high2 = double.NegativeInfinity;
        int most = 0;
        for (int i = 0; i < n; i++)
        {
            double f0 = lattice.Fractional(p, i, 0), f1 = lattice.Fractional(p, i, 1), f2 = lattice.Fractional(p, i, 2);
            int w0 = p0 ? (int)Math.Floor(f0) : 0, w1 = p1 ? (int)Math.Floor(f1) : 0, w2 = p2 ? (int)Math.Floor(f2) : 0;
            wrap[3 * i] = w0;
            wrap[3 * i + 1] = w1;
            wrap[3 * i + 2] = w2;
            f0 -= w0;
            f1 -= w1;
            f2 -= w2;
            fraction[3 * i] = f0;
            fraction[3 * i + 1] = f1;
            fraction[3 * i + 2] = f2;
            low0 = Math.Min(low0, f0);
            low1 = Math.Min(low1, f1);
            low2 = Math.Min(low2, f2);
            high0 = Math.Max(high0, f0);
            high1 = Math.Max(high1, f1);
            high2 = Math.Max(high2, f2);
            double x = p[3 * i], y = p[3 * i + 1], z = p[3 * i + 2];
            wrapped[3 * i] = x - (w0 * h[0] + w1 * h[3] + w2 * h[6]);
            wrapped[3 * i + 1] = y - (w0 * h[1] + w1 * h[4] + w2 * h[7]);
            wrapped[3 * i + 2] = z - (w0 * h[2] + w1 * h[5] + w2 * h[8]);
            largest = Math.Max(largest, Math.Max(Math.Abs(x), Math.Max(Math.Abs(y), Math.Abs(z))));
            most = Math.Max(most, Math.Max(Math.Abs(w0), Math.Max(Math.Abs(w1), Math.Abs(w2))));
        }

        range[0] = low0;
        range[1] = low1;
        range[2] = low2;
        range[3] = high0;
        range[4] = high1;
        range[5] = high2;
        largestWrap = most;
        return largest;
    }

    // The number of images (atoms and copies); more than MaxPeriodicImages may be reported as any larger number.
    private static long CountImages(int n, double[] fraction, ReadOnlySpan<double> delta)
    {
        Span<int> lo = stackalloc int[3], hi = stackalloc int[3];
        long total = 0;
        for (int i = 0; i < n && total <= MaxPeriodicImages; i++)
            total += ImageRange(fraction, i, delta, lo, hi);
        return total;
    }

    // A box (min x, y, z, max x, y, z) around every image, `pad` Å wider than exact: images have fractional coordinates in
    // [−δ_k, 1 + δ_k] along periodic axes and within the atoms' `range` along the others, so the box is that of the
    // parallelepiped's corners.
    private static void ImageBounds(Lattice lattice, ReadOnlySpan<double> delta, ReadOnlySpan<double> range, double pad, Span<double> bounds)
    {
        double[] h = lattice.Matrix;
        for (int c = 0; c < 3; c++)
        {
            double low = -pad, high = pad;
            for (int k = 0; k < 3; k++)
            {
                double from = lattice.Pbc[k] ? -delta[k] : range[k], to = lattice.Pbc[k] ? 1 + delta[k] : range[3 + k];
                double a = from * h[3 * k + c], b = to * h[3 * k + c];
                low += Math.Min(a, b);
                high += Math.Max(a, b);
            }

            bounds[c] = low;
            bounds[3 + c] = high;
        }
    }

    // The image offsets G of atom i whose wrapped fraction f + G lies in [−δ_k, 1 + δ_k] on every axis (G_k = 0 on
    // non-periodic axes, where δ_k = 0): lo..hi per axis; returns how many (more than MaxPeriodicImages: some such count).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long ImageRange(double[] fraction, int i, ReadOnlySpan<double> delta, Span<int> lo, Span<int> hi)
    {
        long count = 1;
        for (int k = 0; k < 3; k++)
        {
            double d = delta[k];
            if (d == 0)
            {
                lo[k] = hi[k] = 0;
                continue;
            }

            double f = fraction[3 * i + k];
            double low = Math.Ceiling(-d - f), high = Math.Floor(1 + d - f);
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

    // Calls sink.Add for every image, atom by atom: the wrapped atoms themselves, or (copies) their other images, always
    // in the same order, so that the two passes of the counting sort see the same sequence.
    private static void VisitImages<TSink>(int n, Lattice lattice, double[] wrapped, double[] fraction, ReadOnlySpan<double> delta, bool copies, ref TSink sink)
        where TSink : struct, IImageSink
    {
        double[] h = lattice.Matrix;
        Span<int> lo = stackalloc int[3], hi = stackalloc int[3];
        for (int i = 0; i < n; i++)
        {
            double x = wrapped[3 * i], y = wrapped[3 * i + 1], z = wrapped[3 * i + 2];
            if (!copies)
            {
                sink.Add(i, 0, 0, 0, x, y, z);
                continue;
            }

            ImageRange(fraction, i, delta, lo, hi);
            for (int g0 = lo[0]; g0 <= hi[0]; g0++)
            {
                for (int g1 = lo[1]; g1 <= hi[1]; g1++)
                {
                    double x1 = g0 * h[0] + g1 * h[3], y1 = g0 * h[1] + g1 * h[4], z1 = g0 * h[2] + g1 * h[5];
                    for (int g2 = lo[2]; g2 <= hi[2]; g2++)
                    {
                        if (g0 == 0 && g1 == 0 && g2 == 0)
                            continue;
                        sink.Add(i, g0, g1, g2, x + (x1 + g2 * h[6]), y + (y1 + g2 * h[7]), z + (z1 + g2 * h[8]));
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

    // Appends the slots in [begin, end) with squared distance ≤ c2High to `hits` at `count` and returns the new count;
    // ORs into `nearCutoff` a non-zero mask when any of them lies in (c2Low, c2High], where rounding could decide the
    // pair. Reads up to 7 slots past `end` (masked off) and, storing 8 entries a step with the hits moved to the front,
    // writes up to 7 past the last hit: callers pad the coordinate arrays by BandPadding and keep end − begin + BandPadding
    // entries free in `hits`, which is what makes the unchecked accesses safe.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ScanBand(
        float[] xs, float[] ys, float[] zs, int begin, int end,
        float xr, float yr, float zr, float c2Low, float c2High, int[] hits, int count, ref uint nearCutoff)
    {
        ref float x0 = ref MemoryMarshal.GetArrayDataReference(xs);
        ref float y0 = ref MemoryMarshal.GetArrayDataReference(ys);
        ref float z0 = ref MemoryMarshal.GetArrayDataReference(zs);
        ref int out0 = ref MemoryMarshal.GetArrayDataReference(hits);
        uint near = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref int lanes0 = ref MemoryMarshal.GetArrayDataReference(CompressLanes);
            var vxr = Vector256.Create(xr);
            var vyr = Vector256.Create(yr);
            var vzr = Vector256.Create(zr);
            var vLow = Vector256.Create(c2Low);
            var vHigh = Vector256.Create(c2High);
            var slots = Vector256.Create(begin) + Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
            for (int b = begin; b < end; b += 8, slots += Vector256.Create(8))
            {
                var dx = Vector256.LoadUnsafe(ref x0, (nuint)b) - vxr;
                var dy = Vector256.LoadUnsafe(ref y0, (nuint)b) - vyr;
                var dz = Vector256.LoadUnsafe(ref z0, (nuint)b) - vzr;
                var d2 = dx * dx + dy * dy + dz * dz;
                uint hit = Vector256.LessThanOrEqual(d2, vHigh).ExtractMostSignificantBits() & (0xFFu >> Math.Max(0, 8 - (end - b)));
                near |= hit & ~Vector256.LessThanOrEqual(d2, vLow).ExtractMostSignificantBits();
                Vector256.Shuffle(slots, Vector256.LoadUnsafe(ref lanes0, 8 * hit)).StoreUnsafe(ref out0, (nuint)count);
                count += BitOperations.PopCount(hit);
            }
        }
        else
        {
            for (int b = begin; b < end; b++)
            {
                float dx = Unsafe.Add(ref x0, b) - xr, dy = Unsafe.Add(ref y0, b) - yr, dz = Unsafe.Add(ref z0, b) - zr;
                float d2 = dx * dx + dy * dy + dz * dz;
                Unsafe.Add(ref out0, count) = b;
                count += d2 <= c2High ? 1 : 0;
                near |= d2 <= c2High && d2 > c2Low ? 1u : 0u;
            }
        }

        nearCutoff |= near;
        return count;
    }

    // For each 8-bit hit mask, the lanes of its hits in order (the entries after them are never counted).
    private static int[] CompressionTable()
    {
        var table = new int[256 * 8];
        for (int mask = 0; mask < 256; mask++)
        {
            int k = 0;
            for (int lane = 0; lane < 8; lane++)
            {
                if ((mask >> lane & 1) != 0)
                    table[8 * mask + k++] = lane;
            }
        }

        return table;
    }

    // Keeps the first `count` hits of one receiver that ImageDistance2 puts within the cutoff; returns how many.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Recheck(ReadOnlySpan<double> p, Lattice lattice, int receiver, int[] wrap, int[] slotInfo, double c2, int[] hits, int count)
    {
        int kept = 0;
        for (int t = 0; t < count; t++)
        {
            int slot = hits[t];
            int s0 = slotInfo[4 * slot] + wrap[3 * receiver];
            int s1 = slotInfo[4 * slot + 1] + wrap[3 * receiver + 1];
            int s2 = slotInfo[4 * slot + 2] + wrap[3 * receiver + 2];
            if (ImageDistance2(p, slotInfo[4 * slot + 3], receiver, s0, s1, s2, lattice) <= c2)
                hits[kept++] = slot;
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

    // An image handed over by VisitImages: its atom, its offset G from the wrapped atom, its position.
    private interface IImageSink
    {
        void Add(int atom, int g0, int g1, int g2, double x, double y, double z);
    }

    // Counts the images per cell and remembers each one's cell, in the order they come, for PlaceImage.
    private struct CountImage(CellGrid grid, int[] cellStart, int[] cellOfImage) : IImageSink
    {
        private int _image;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(int atom, int g0, int g1, int g2, double x, double y, double z)
        {
            int cell = grid.CellOf(x, y, z);
            cellOfImage[_image++] = cell;
            cellStart[cell + 1]++;
        }
    }

    // Puts each image (visited in CountImage's order) in the next free slot of its cell, with its shift relative to the
    // atom as given, G − w, and its atom.
    private struct PlaceImage(
        int[] cellOfImage, int[] next, int[] wrap, double originX, double originY, double originZ, float[] xs, float[] ys, float[] zs, int[] slotInfo)
        : IImageSink
    {
        private int _image;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(int atom, int g0, int g1, int g2, double x, double y, double z)
        {
            int slot = next[cellOfImage[_image++]]++;
            xs[slot] = (float)(x - originX);
            ys[slot] = (float)(y - originY);
            zs[slot] = (float)(z - originZ);
            slotInfo[4 * slot] = g0 - wrap[3 * atom];
            slotInfo[4 * slot + 1] = g1 - wrap[3 * atom + 1];
            slotInfo[4 * slot + 2] = g2 - wrap[3 * atom + 2];
            slotInfo[4 * slot + 3] = atom;
        }
    }

    private static ArgumentOutOfRangeException TooMuchWork(double cutoff, Lattice lattice, string problem) =>
        new(nameof(cutoff), cutoff,
            $"a cutoff of {cutoff} Å in a cell with plane spacings {lattice.Spacing[0]:G4}, {lattice.Spacing[1]:G4}, {lattice.Spacing[2]:G4} Å (pbc {lattice.PbcText}) {problem}");

    private static InvalidOperationException TooManyEdges() =>
        new($"the periodic neighbour list has more than {MaxPeriodicEdges} edges, more than one array of shifts (3 ints per edge) can hold");

    // The cell in the form the loops use: the matrix, its inverse (fractional coordinates f = p · H⁻¹), plane spacings.
    private sealed class Lattice
    {

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
                    Inverse[3 * row + col] = (m[3 * r1 + c1] * m[3 * r2 + c2] - m[3 * r1 + c2] * m[3 * r2 + c1]) / det;
                }
            }
        }

        public double[] Matrix { get; }

        // Row-major [3, 3]: the fractional coordinates of p are p · Inverse.
        public double[] Inverse { get; } = new double[9];

        public bool[] Pbc { get; }

        public string PbcText { get; }

        public double[] Spacing { get; }

        // Fractional coordinate of atom i along lattice vector k; refuses atoms too far along a periodic axis.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public double Fractional(ReadOnlySpan<double> p, int i, int k)
        {
            double f = p[3 * i] * Inverse[k] + p[3 * i + 1] * Inverse[3 + k] + p[3 * i + 2] * Inverse[6 + k];
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
