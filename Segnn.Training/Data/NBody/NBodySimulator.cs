using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Segnn.Data.NBody;

/// <summary>The three dataset splits; the numeric value is part of the random-stream key and of the file header.</summary>
public enum NBodySplit
{
    Train = 0,
    Valid = 1,
    Test = 2,
}

/// <summary>One simulated trajectory with its initial state (arrays are [particle, xyz] and [frame, particle, xyz]).</summary>
public sealed class NBodyTrajectory
{
    /// <summary>Charges q_i ∈ {−1, +1}, [5].</summary>
    public required double[] Charges { get; init; }

    /// <summary>State at t = 0 before the first kick, [5, 3] (after the one-off initial box clamp).</summary>
    public required double[] InitialPositions { get; init; }

    /// <summary>Velocities at t = 0 (speed 0.5 each), [5, 3].</summary>
    public required double[] InitialVelocities { get; init; }

    /// <summary>Stored frames, [49, 5, 3]; frame k is the state after step 100·(k+1).</summary>
    public required double[] Positions { get; init; }

    /// <summary>Velocities used for the last position update of each stored frame, [49, 5, 3].</summary>
    public required double[] Velocities { get; init; }

    /// <summary>Whether any force component hit the ±100 clip at any step (then momentum is not conserved).</summary>
    public required bool ForceClipped { get; init; }
}

/// <summary>
/// The charged 5-body system of EGNN/NRI as SEGNN uses it (segnn.md §4.1): unit masses, Coulomb-like pair forces with
/// every Cartesian component clipped to ±100, symplectic Euler with Δt = 0.001 for 5,000 steps, every 100th state stored.
/// </summary>
public static class NBodySimulator
{
    public const int Particles = 5;
    public const int Dimensions = 3;
    public const int Steps = 5000;
    public const int SampleInterval = 100;

    /// <summary>49: the reference allocates T/sample_freq − 1 frames and overwrites its initial frame 0.</summary>
    public const int Frames = Steps / SampleInterval - 1;

    public const double TimeStep = 0.001;
    public const double MaxForce = 0.1 / TimeStep;
    public const double InteractionStrength = 1.0;
    public const double LocationStd = 1.0;
    public const double Speed = 0.5;
    public const double BoxSize = 5.0;
    public const double NoiseStd = 0.0;

    /// <summary>Values in one frame of positions or velocities (5 particles × 3 coordinates).</summary>
    public const int FrameValues = Particles * Dimensions;

    /// <summary>Simulation time between stored frames.</summary>
    public const double FrameInterval = SampleInterval * TimeStep;

    private const int Pairs = Particles * (Particles - 1) / 2;

    /// <summary>Draws the initial state and integrates one trajectory of the stream (seed, split, index).</summary>
    public static NBodyTrajectory Simulate(long seed, NBodySplit split, int index)
    {
        var charges = new double[Particles];
        var x0 = new double[FrameValues];
        var v0 = new double[FrameValues];
        var positions = new double[Frames * FrameValues];
        var velocities = new double[Frames * FrameValues];
        SampleInitialState(seed, split, index, charges, x0, v0);
        bool clipped = Integrate(charges, x0, v0, positions, velocities);
        return new NBodyTrajectory
        {
            Charges = charges,
            InitialPositions = x0,
            InitialVelocities = v0,
            Positions = positions,
            Velocities = velocities,
            ForceClipped = clipped,
        };
    }

    /// <summary>
    /// Charges ±1 (p = ½ each, one uniform per particle), positions N(0, 1) per coordinate, velocities a Gaussian
    /// direction scaled to speed 0.5; then the reference's one-off reflection at the box walls ±5.
    /// </summary>
    /// <remarks>
    /// Draw order follows the reference (charges, then positions, then velocities, each filled as [xyz, particle]) so the
    /// streams are consumed the same way; the reference's zero-variance noise draws come after and are omitted.
    /// </remarks>
    public static void SampleInitialState(long seed, NBodySplit split, int index, Span<double> charges, Span<double> positions, Span<double> velocities)
    {
        CheckLength(charges, Particles, nameof(charges));
        CheckLength(positions, FrameValues, nameof(positions));
        CheckLength(velocities, FrameValues, nameof(velocities));
        var rng = NBodyRandom.ForTrajectory(seed, (int)split, index);
        for (int i = 0; i < Particles; i++)
            charges[i] = rng.NextDouble() < 0.5 ? -1.0 : 1.0;
        for (int d = 0; d < Dimensions; d++)
            for (int i = 0; i < Particles; i++)
                positions[i * Dimensions + d] = rng.NextGaussian() * LocationStd;
        for (int d = 0; d < Dimensions; d++)
            for (int i = 0; i < Particles; i++)
                velocities[i * Dimensions + d] = rng.NextGaussian();
        for (int i = 0; i < Particles; i++)
        {
            int o = i * Dimensions;
            double norm = Math.Sqrt(velocities[o] * velocities[o] + velocities[o + 1] * velocities[o + 1] + velocities[o + 2] * velocities[o + 2]);
            for (int d = 0; d < Dimensions; d++)
                velocities[o + d] = velocities[o + d] * Speed / norm;
        }

        // The reference clamps the initial state in place (it is not re-applied during the simulation); with unit
        // variance a coordinate beyond ±5 is a ~6e-7 event, kept only for fidelity.
        for (int k = 0; k < FrameValues; k++)
        {
            if (positions[k] > BoxSize)
            {
                positions[k] = 2 * BoxSize - positions[k];
                velocities[k] = -Math.Abs(velocities[k]);
            }
            if (positions[k] < -BoxSize)
            {
                positions[k] = -2 * BoxSize - positions[k];
                velocities[k] = Math.Abs(velocities[k]);
            }
        }
    }

    /// <summary>
    /// Integrates from an initial state ([5, 3] each) and fills the 49 stored frames ([49, 5, 3] each).
    /// Returns whether any force component was clipped.
    /// </summary>
    /// <remarks>
    /// v ← v + Δt·F(x₀); then for i = 1..4999: x ← x + Δt·v; store (x, v) when i mod 100 = 0; v ← v + Δt·F(x).
    /// </remarks>
    public static bool Integrate(ReadOnlySpan<double> charges, ReadOnlySpan<double> initialPositions, ReadOnlySpan<double> initialVelocities,
        Span<double> positions, Span<double> velocities)
    {
        CheckLength(charges, Particles, nameof(charges));
        CheckLength(initialPositions, FrameValues, nameof(initialPositions));
        CheckLength(initialVelocities, FrameValues, nameof(initialVelocities));
        CheckLength(positions, Frames * FrameValues, nameof(positions));
        CheckLength(velocities, Frames * FrameValues, nameof(velocities));

        Span<double> qq = stackalloc double[Pairs];
        int p = 0;
        for (int i = 0; i < Particles; i++)
            for (int j = i + 1; j < Particles; j++)
                qq[p++] = InteractionStrength * (charges[i] * charges[j]);

        Span<double> x = stackalloc double[FrameValues];
        Span<double> v = stackalloc double[FrameValues];
        Span<double> f = stackalloc double[FrameValues];
        initialPositions.CopyTo(x);
        initialVelocities.CopyTo(v);

        bool clipped = Forces(x, qq, f);
        Kick(v, f);
        int frame = 0;
        for (int step = 1; step < Steps; step++)
        {
            Drift(x, v);
            if (step % SampleInterval == 0)
            {
                x.CopyTo(positions.Slice(frame * FrameValues, FrameValues));
                v.CopyTo(velocities.Slice(frame * FrameValues, FrameValues));
                frame++;
            }
            clipped |= Forces(x, qq, f);
            Kick(v, f);
        }
        return clipped;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Drift(Span<double> x, ReadOnlySpan<double> v)
    {
        _ = x[FrameValues - 1];
        _ = v[FrameValues - 1];
        for (int k = 0; k < FrameValues; k++)
            x[k] += TimeStep * v[k];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kick(Span<double> v, ReadOnlySpan<double> f)
    {
        _ = v[FrameValues - 1];
        _ = f[FrameValues - 1];
        for (int k = 0; k < FrameValues; k++)
            v[k] += TimeStep * f[k];
    }

    /// <summary>
    /// F_i = Σ_{j≠i} q_i q_j (x_i − x_j)/r_ij³ with r² = ‖x_i‖² + ‖x_j‖² − 2 x_i·x_j as the reference computes it, each
    /// component clipped to ±100. Each pair is evaluated once (f_ji = −f_ij exactly) and the terms of F_i are added in
    /// increasing j as the reference's row sum does, so momentum is conserved to rounding when nothing is clipped.
    /// </summary>
    private static bool Forces(ReadOnlySpan<double> x, ReadOnlySpan<double> qq, Span<double> f)
    {
        _ = x[FrameValues - 1];
        _ = qq[Pairs - 1];
        _ = f[FrameValues - 1];
        double x0 = x[0], y0 = x[1], z0 = x[2];
        double x1 = x[3], y1 = x[4], z1 = x[5];
        double x2 = x[6], y2 = x[7], z2 = x[8];
        double x3 = x[9], y3 = x[10], z3 = x[11];
        double x4 = x[12], y4 = x[13], z4 = x[14];
        double n0 = x0 * x0 + y0 * y0 + z0 * z0;
        double n1 = x1 * x1 + y1 * y1 + z1 * z1;
        double n2 = x2 * x2 + y2 * y2 + z2 * z2;
        double n3 = x3 * x3 + y3 * y3 + z3 * z3;
        double n4 = x4 * x4 + y4 * y4 + z4 * z4;

        // The ten r² go through sqrt and division four lanes at a time: those two are the long-latency part of a step,
        // and lane-wise IEEE sqrt/div round exactly as the scalar operations do, so the result does not depend on the ISA.
        Vector256<double> ra = Vector256.Create(
            R2(n0, n1, x0 * x1 + y0 * y1 + z0 * z1), R2(n0, n2, x0 * x2 + y0 * y2 + z0 * z2),
            R2(n0, n3, x0 * x3 + y0 * y3 + z0 * z3), R2(n0, n4, x0 * x4 + y0 * y4 + z0 * z4));
        Vector256<double> rb = Vector256.Create(
            R2(n1, n2, x1 * x2 + y1 * y2 + z1 * z2), R2(n1, n3, x1 * x3 + y1 * y3 + z1 * z3),
            R2(n1, n4, x1 * x4 + y1 * y4 + z1 * z4), R2(n2, n3, x2 * x3 + y2 * y3 + z2 * z3));
        Vector128<double> rc = Vector128.Create(R2(n2, n4, x2 * x4 + y2 * y4 + z2 * z4), R2(n3, n4, x3 * x4 + y3 * y4 + z3 * z4));
        Vector256<double> sa = Vector256.Create(qq[0], qq[1], qq[2], qq[3]) / (ra * Vector256.Sqrt(ra));
        Vector256<double> sb = Vector256.Create(qq[4], qq[5], qq[6], qq[7]) / (rb * Vector256.Sqrt(rb));
        Vector128<double> sc = Vector128.Create(qq[8], qq[9]) / (rc * Vector128.Sqrt(rc));
        double s01 = sa.GetElement(0), s02 = sa.GetElement(1), s03 = sa.GetElement(2), s04 = sa.GetElement(3);
        double s12 = sb.GetElement(0), s13 = sb.GetElement(1), s14 = sb.GetElement(2), s23 = sb.GetElement(3);
        double s24 = sc.GetElement(0), s34 = sc.GetElement(1);

        bool clipped = false;
        // One coordinate at a time keeps the live pair terms to ten.
        for (int d = 0; d < Dimensions; d++)
        {
            double c0 = x[d], c1 = x[3 + d], c2 = x[6 + d], c3 = x[9 + d], c4 = x[12 + d];
            double f01 = s01 * (c0 - c1), f02 = s02 * (c0 - c2), f03 = s03 * (c0 - c3), f04 = s04 * (c0 - c4);
            double f12 = s12 * (c1 - c2), f13 = s13 * (c1 - c3), f14 = s14 * (c1 - c4);
            double f23 = s23 * (c2 - c3), f24 = s24 * (c2 - c4);
            double f34 = s34 * (c3 - c4);
            f[d] = Clip(f01 + f02 + f03 + f04, ref clipped);
            f[3 + d] = Clip(-f01 + f12 + f13 + f14, ref clipped);
            f[6 + d] = Clip(-f02 - f12 + f23 + f24, ref clipped);
            f[9 + d] = Clip(-f03 - f13 - f23 + f34, ref clipped);
            f[12 + d] = Clip(-f04 - f14 - f24 - f34, ref clipped);
        }
        return clipped;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double R2(double ni, double nj, double dot) => ni + nj - 2.0 * dot;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Clip(double value, ref bool clipped)
    {
        if (value > MaxForce)
        {
            clipped = true;
            return MaxForce;
        }
        if (value < -MaxForce)
        {
            clipped = true;
            return -MaxForce;
        }
        return value;
    }

    private static void CheckLength(ReadOnlySpan<double> span, int expected, string name)
    {
        if (span.Length != expected)
            throw new ArgumentException($"{name} must have {expected} values, got {span.Length}", name);
    }
}
