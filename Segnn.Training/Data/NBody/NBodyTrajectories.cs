namespace Segnn.Data.NBody;

/// <summary>
/// The trajectories of one split as flat row-major arrays: positions and velocities [T, 49, 5, 3], charges [T, 5].
/// </summary>
public sealed class NBodyTrajectories
{
    public NBodyTrajectories(NBodySplit split, long seed, double[] positions, double[] velocities, double[] charges, bool[] forceClipped)
    {
        int count = forceClipped.Length;
        if (positions.Length != count * TrajectoryValues || velocities.Length != count * TrajectoryValues || charges.Length != count * NBodySimulator.Particles)
            throw new ArgumentException($"array sizes do not describe {count} trajectories of {NBodySimulator.Frames} frames");
        Split = split;
        Seed = seed;
        Positions = positions;
        Velocities = velocities;
        Charges = charges;
        ForceClipped = forceClipped;
    }

    /// <summary>Values per trajectory in <see cref="Positions"/> and <see cref="Velocities"/> (49 · 5 · 3).</summary>
    public const int TrajectoryValues = NBodySimulator.Frames * NBodySimulator.FrameValues;

    public NBodySplit Split { get; }

    public long Seed { get; }

    public int Count => ForceClipped.Length;

    public int Frames => NBodySimulator.Frames;

    public int Particles => NBodySimulator.Particles;

    /// <summary>[T, 49, 5, 3].</summary>
    public double[] Positions { get; }

    /// <summary>[T, 49, 5, 3].</summary>
    public double[] Velocities { get; }

    /// <summary>[T, 5], each ±1.</summary>
    public double[] Charges { get; }

    /// <summary>[T]: whether any force component of the trajectory was clipped at ±100.</summary>
    public bool[] ForceClipped { get; }

    public int ClippedCount => ForceClipped.Count(c => c);

    /// <summary>Positions of one frame, [5, 3].</summary>
    public ReadOnlySpan<double> PositionsAt(int trajectory, int frame) => Positions.AsSpan(Offset(trajectory, frame), NBodySimulator.FrameValues);

    /// <summary>Velocities of one frame, [5, 3].</summary>
    public ReadOnlySpan<double> VelocitiesAt(int trajectory, int frame) => Velocities.AsSpan(Offset(trajectory, frame), NBodySimulator.FrameValues);

    /// <summary>Charges of one trajectory, [5].</summary>
    public ReadOnlySpan<double> ChargesOf(int trajectory)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trajectory);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(trajectory, Count);
        return Charges.AsSpan(trajectory * NBodySimulator.Particles, NBodySimulator.Particles);
    }

    private int Offset(int trajectory, int frame)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trajectory);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(trajectory, Count);
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(frame, Frames);
        return trajectory * TrajectoryValues + frame * NBodySimulator.FrameValues;
    }
}
