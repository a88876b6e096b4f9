using Segnn.Runtime.Graphs;
using Segnn.Training;

namespace Segnn.Data.NBody;

/// <summary>
/// Training samples drawn from other frames of the SAME training trajectories: every epoch, each trajectory contributes
/// one pair (frame k → frame k + 10) with k drawn from [<c>firstFrame</c>, <c>lastFrame</c>], deterministically from
/// (seed, epoch, trajectory). The dynamics are time-invariant, so these are genuine samples of the task; validation and
/// test stay on the paper's frame 30 → 40. A deviation from the paper's protocol (which uses frame 30 only), reported as
/// such wherever it is used.
/// </summary>
public sealed class NBodyFrameAugmentation : IGraphDataset, IEpochAware
{
    private static readonly EdgeList Edges = NeighbourList.FullyConnected(NBodySimulator.Particles);
    private readonly NBodyTrajectories _data;
    private readonly int _count;
    private readonly int _firstFrame;
    private readonly int _lastFrame;
    private readonly int _seed;
    private int _epoch;

    public NBodyFrameAugmentation(NBodyTrajectories data, int maxCount, int firstFrame, int lastFrame, int seed)
    {
        const int horizon = NBodySamples.DefaultTargetFrame - NBodySamples.DefaultInputFrame;
        if (firstFrame < 0 || lastFrame + horizon >= data.Frames || firstFrame > lastFrame)
            throw new ArgumentException($"input frames {firstFrame}..{lastFrame} must lie in 0..{data.Frames - 1 - horizon}");
        _data = data;
        _count = Math.Min(maxCount, data.Count);
        _firstFrame = firstFrame;
        _lastFrame = lastFrame;
        _seed = seed;
    }

    public string Name => $"train (frames {_firstFrame}..{_lastFrame} → +10)";
    public int Count => _count;

    public void SetEpoch(int epoch) => _epoch = epoch;

    public (BatchBuilder Batch, GraphTargets Targets) Get(IReadOnlyList<int> indices)
    {
        const int fv = NBodySimulator.FrameValues;
        var batch = new BatchBuilder();
        var targets = new double[indices.Count * fv];
        for (int k = 0; k < indices.Count; k++)
        {
            int t = indices[k];
            int frame = _firstFrame + (int)(Mix((uint)_seed, (uint)_epoch, (uint)t) % (uint)(_lastFrame - _firstFrame + 1));
            batch.Add(_data.PositionsAt(t, frame), Edges, _data.VelocitiesAt(t, frame), _data.ChargesOf(t));
            _data.PositionsAt(t, frame + 10).CopyTo(targets.AsSpan(k * fv));
        }
        return (batch, new GraphTargets(targets));
    }

    /// <summary>A fixed integer hash (not HashCode: that is salted per process, and resumed runs are other processes).</summary>
    private static uint Mix(uint a, uint b, uint c)
    {
        uint h = a * 0x9E3779B1u ^ b * 0x85EBCA77u ^ c * 0xC2B2AE3Du;
        h ^= h >> 15;
        h *= 0x2C1B3C6Du;
        h ^= h >> 12;
        h *= 0x297A2D39u;
        return h ^ (h >> 15);
    }
}
