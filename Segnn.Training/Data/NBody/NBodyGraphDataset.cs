using Segnn.Graphs;
using Segnn.Runtime.Graphs;
using Segnn.Training;

namespace Segnn.Data.NBody;

/// <summary>N-body samples as graphs for the trainer: five fully connected particles per system; targets are the positions 1.0 later.</summary>
public sealed class NBodyGraphDataset : IGraphDataset
{
    private static readonly EdgeList Edges = NeighbourList.FullyConnected(NBodySimulator.Particles);
    private readonly NBodySamples _samples;

    public NBodyGraphDataset(NBodySamples samples, string name)
    {
        _samples = samples;
        Name = name;
    }

    public string Name { get; }
    public int Count => _samples.Count;
    public NBodySamples Samples => _samples;

    public static NBodyGraphDataset Load(string dir, string split, int? maxCount = null) =>
        new(NBodySamples.Load(dir, split, maxCount), split);

    public (BatchBuilder Batch, GraphTargets Targets) Get(IReadOnlyList<int> indices)
    {
        const int p = NBodySimulator.Particles, fv = NBodySimulator.FrameValues;
        var batch = new BatchBuilder();
        var targets = new double[indices.Count * fv];
        for (int k = 0; k < indices.Count; k++)
        {
            int s = indices[k];
            if ((uint)s >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), s, $"{Name} has {Count} samples");
            batch.Add(_samples.Positions.AsSpan(s * fv, fv), Edges,
                _samples.Velocities.AsSpan(s * fv, fv), _samples.Charges.AsSpan(s * p, p));
            _samples.Targets.AsSpan(s * fv, fv).CopyTo(targets.AsSpan(k * fv));
        }
        return (batch, new GraphTargets(targets));
    }
}
