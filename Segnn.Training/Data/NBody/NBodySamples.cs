namespace Segnn.Data.NBody;

/// <summary>
/// Model samples (segnn.md §4.2): input = positions, velocities and charges at frame 30 (t = 3.1), target = positions
/// at frame 40 (t = 4.1), i.e. 1000 integration steps later. Flat row-major arrays, ready to batch.
/// </summary>
public sealed class NBodySamples
{
    public const int DefaultInputFrame = 30;
    public const int DefaultTargetFrame = 40;

    /// <summary>The paper trains on the first 3,000 training trajectories only (max_samples = 3000).</summary>
    public const int PaperTrainingSamples = 3000;

    private NBodySamples(NBodySplit split, int inputFrame, int targetFrame, double[] positions, double[] velocities, double[] charges, double[] targets)
    {
        Split = split;
        InputFrame = inputFrame;
        TargetFrame = targetFrame;
        Positions = positions;
        Velocities = velocities;
        Charges = charges;
        Targets = targets;
    }

    public NBodySplit Split { get; }

    public int InputFrame { get; }

    public int TargetFrame { get; }

    public int Count => Charges.Length / NBodySimulator.Particles;

    /// <summary>Simulation time from input to target (1.0 for frames 30 → 40).</summary>
    public double Horizon => (TargetFrame - InputFrame) * NBodySimulator.FrameInterval;

    /// <summary>Positions at the input frame, [S, 5, 3].</summary>
    public double[] Positions { get; }

    /// <summary>Velocities at the input frame, [S, 5, 3].</summary>
    public double[] Velocities { get; }

    /// <summary>Charges, [S, 5].</summary>
    public double[] Charges { get; }

    /// <summary>Positions at the target frame, [S, 5, 3].</summary>
    public double[] Targets { get; }

    /// <summary>Samples from the first <paramref name="maxCount"/> trajectories (all when null).</summary>
    public static NBodySamples From(NBodyTrajectories data, int? maxCount = null, int inputFrame = DefaultInputFrame, int targetFrame = DefaultTargetFrame)
    {
        if (maxCount is < 0)
            throw new ArgumentException($"the sample count must not be negative, got {maxCount}", nameof(maxCount));
        if (inputFrame < 0 || targetFrame >= data.Frames || inputFrame >= targetFrame)
            throw new ArgumentException($"frames {inputFrame} → {targetFrame} must satisfy 0 <= input < target < {data.Frames}");
        int count = Math.Min(maxCount ?? data.Count, data.Count);
        const int fv = NBodySimulator.FrameValues;
        var positions = new double[count * fv];
        var velocities = new double[count * fv];
        var targets = new double[count * fv];
        var charges = new double[count * NBodySimulator.Particles];
        for (int s = 0; s < count; s++)
        {
            data.PositionsAt(s, inputFrame).CopyTo(positions.AsSpan(s * fv, fv));
            data.VelocitiesAt(s, inputFrame).CopyTo(velocities.AsSpan(s * fv, fv));
            data.PositionsAt(s, targetFrame).CopyTo(targets.AsSpan(s * fv, fv));
            data.ChargesOf(s).CopyTo(charges.AsSpan(s * NBodySimulator.Particles, NBodySimulator.Particles));
        }
        return new NBodySamples(data.Split, inputFrame, targetFrame, positions, velocities, charges, targets);
    }

    /// <summary>Loads (and verifies) a split and takes its samples.</summary>
    public static NBodySamples Load(string dir, string split, int? maxCount = null) => From(NBodyDataset.Load(dir, split), maxCount);
}

/// <summary>Trivial predictors, the floor any model must beat (segnn.md §4.4: 0.271 and 0.109 on this task).</summary>
public static class NBodyBaselines
{
    /// <summary>MSE over samples, particles and coordinates of predicting no motion: p̂ = p(input frame).</summary>
    public static double NoMotionMse(NBodySamples samples) => Mse(samples, 0.0);

    /// <summary>MSE of constant-velocity extrapolation: p̂ = p + v·horizon (horizon 1.0 for frames 30 → 40).</summary>
    public static double ConstantVelocityMse(NBodySamples samples) => Mse(samples, samples.Horizon);

    private static double Mse(NBodySamples samples, double horizon)
    {
        if (samples.Count == 0)
            throw new ArgumentException("no samples: the MSE of an empty set is undefined", nameof(samples));
        double sum = 0;
        for (int k = 0; k < samples.Targets.Length; k++)
        {
            double error = samples.Positions[k] + samples.Velocities[k] * horizon - samples.Targets[k];
            sum += error * error;
        }
        return sum / samples.Targets.Length;
    }
}
