using Segnn.Runtime.Graphs;
using Segnn.Runtime.Inputs;

namespace Segnn.Runtime;

/// <summary>How systems are grouped into runs.</summary>
public sealed record BatchOptions
{
    /// <summary>Most nodes in one run (systems are never split; a larger system runs alone).</summary>
    public int MaxNodes { get; init; } = 32_768;

    /// <summary>Most systems in one run.</summary>
    public int MaxSystems { get; init; } = 128;
}

/// <summary>The named outputs of one system: per-graph outputs have one row, per-node outputs one row per node.</summary>
/// <param name="Name">The system's name.</param>
/// <param name="Outputs">Output name → row-major values.</param>
public sealed record SystemPrediction(string Name, IReadOnlyDictionary<string, double[]> Outputs);

/// <summary>
/// Predictions for domain objects: the session builds each system's graph as its metadata says (fully connected, or
/// radius graph with the model's cutoff by cell list), validates every system first (typed errors naming it), batches
/// systems into runs and maps the outputs back.
/// </summary>
public sealed partial class SegnnSession
{
    /// <summary>Predicts every molecule (batched). Molecular models only.</summary>
    public IReadOnlyList<SystemPrediction> Predict(IReadOnlyList<Molecule> molecules, BatchOptions? options = null, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(molecules);
        RequireSystem(SystemKind.Molecule);
        foreach (Molecule m in molecules)
        {
            m.Validate();
            CheckElements(m.Name, m.AtomicNumbers);
        }
        return RunBatched(molecules.Count, i => molecules[i].Name, i => molecules[i].AtomCount, options, progress, (builder, i) =>
        {
            Molecule m = molecules[i];
            builder.Add(m.Positions, Edges(m.Positions), atomicNumbers: m.AtomicNumbers);
        });
    }

    /// <summary>Predicts one molecule.</summary>
    public SystemPrediction Predict(Molecule molecule) => Predict([molecule])[0];

    /// <summary>
    /// Predicts every periodic structure (batched): each one's radius graph includes the periodic images within the
    /// cutoff, and the model sees its cell. Models of periodic structures only; a structure periodic along an axis the
    /// model does not allow (<see cref="ModelMetadata.PeriodicAxes"/>) is refused, as is one without the tags the model takes.
    /// </summary>
    public IReadOnlyList<SystemPrediction> Predict(IReadOnlyList<PeriodicStructure> structures, BatchOptions? options = null, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(structures);
        RequireSystem(SystemKind.PeriodicStructure);
        bool tags = Metadata.Takes(ModelInput.Tags);
        foreach (PeriodicStructure s in structures)
        {
            s.Validate();
            CheckElements(s.Name, s.AtomicNumbers);
            for (int k = 0; k < 3; k++)
                if (s.Cell.Pbc[k] && !Metadata.PeriodicAxes![k])
                    throw new SegnnInputException(s.Name, $"is periodic along lattice vector {k + 1} (pbc \"{s.Cell.PbcText}\"), which this model does not allow (it was trained with pbc \"{string.Join(' ', Metadata.PeriodicAxes.Select(p => p ? 'T' : 'F'))}\" at most)");
            if (tags && s.Tags is null)
                throw new SegnnInputException(s.Name, "has no atom tags, which this model takes (0 = adsorbate, 1 = surface layer, 2, 3, … = layers below; extended XYZ: a tags:I:1 column)");
        }
        return RunBatched(structures.Count, i => structures[i].Name, i => structures[i].AtomCount, options, progress, (builder, i) =>
        {
            PeriodicStructure s = structures[i];
            builder.Add(s.Positions, NeighbourList.Radius(s.Positions, s.Cell, Metadata.Cutoff!.Value), atomicNumbers: s.AtomicNumbers,
                tags: tags ? s.Tags : default, cell: s.Cell);
        });
    }

    /// <summary>Predicts one periodic structure.</summary>
    public SystemPrediction Predict(PeriodicStructure structure) => Predict([structure])[0];

    private void CheckElements(string name, int[] atomicNumbers)
    {
        var known = Metadata.Elements ?? [];
        for (int i = 0; i < atomicNumbers.Length; i++)
            if (!known.Contains(atomicNumbers[i]))
                throw new SegnnInputException(name, $"atom {i} is {Elements.Symbol(atomicNumbers[i])} (Z = {atomicNumbers[i]}), which this model does not know (it knows {string.Join(", ", known.Order().Select(Elements.Symbol))})");
    }

    /// <summary>Predicts where every particle system is one model horizon later (batched). N-body models only.</summary>
    public IReadOnlyList<SystemPrediction> Predict(IReadOnlyList<ParticleSystem> systems, BatchOptions? options = null, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(systems);
        RequireSystem(SystemKind.ParticleSystem);
        foreach (ParticleSystem s in systems) s.Validate();
        return RunBatched(systems.Count, i => systems[i].Name, i => systems[i].ParticleCount, options, progress, (builder, i) =>
        {
            ParticleSystem s = systems[i];
            builder.Add(s.Positions, Edges(s.Positions), s.Velocities, s.Charges);
        });
    }

    /// <summary>Predicts one particle system.</summary>
    public SystemPrediction Predict(ParticleSystem system) => Predict([system])[0];

    /// <summary>
    /// Rolls a particle system forward <paramref name="steps"/> model horizons by feeding predictions back. The model
    /// predicts positions only; the velocity fed to the next step is the finite difference over the horizon
    /// (p_{t+1} − p_t)/Δt, an approximation that the model's own accuracy bounds. Returns the positions after each step.
    /// </summary>
    public IReadOnlyList<double[]> Rollout(ParticleSystem system, int steps, double horizon = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (!(horizon > 0)) throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "the horizon must be positive");
        var result = new List<double[]>(steps);
        ParticleSystem current = system;
        for (int k = 0; k < steps; k++)
        {
            double[] next = Predict(current).Outputs[Metadata.Outputs[0].Name];
            var velocities = new double[next.Length];
            for (int i = 0; i < next.Length; i++) velocities[i] = (next[i] - current.Positions[i]) / horizon;
            result.Add(next);
            current = current with { Positions = next, Velocities = velocities };
        }
        return result;
    }

    private void RequireSystem(SystemKind given)
    {
        if (Metadata.System != given)
            throw new SegnnModelException($"{_source}: this is a '{Metadata.Task}' model; it predicts {Describe(Metadata.System)}, not {Describe(given)}");
    }

    /// <summary>What a kind of system is, for messages.</summary>
    internal static string Describe(SystemKind kind) => kind switch
    {
        SystemKind.ParticleSystem => "particle systems (charged particles with positions and velocities)",
        SystemKind.Molecule => "molecules (atomic numbers and positions, no cell)",
        _ => "periodic structures (atoms in a cell with pbc)",
    };

    private EdgeList Edges(double[] positions) => Metadata.Graph == GraphConstruction.Radius
        ? NeighbourList.Radius(positions, Metadata.Cutoff!.Value)
        : NeighbourList.FullyConnected(positions.Length / 3);

    private List<SystemPrediction> RunBatched(int count, Func<int, string> name, Func<int, int> nodes, BatchOptions? options, IProgress<int>? progress,
        Action<BatchBuilder, int> add)
    {
        options ??= new BatchOptions();
        var results = new List<SystemPrediction>(count);
        int start = 0;
        while (start < count)
        {
            var builder = new BatchBuilder();
            int end = start;
            while (end < count && (end == start || (builder.NodeCount + nodes(end) <= options.MaxNodes && end - start < options.MaxSystems)))
            {
                add(builder, end);
                end++;
            }
            IReadOnlyDictionary<string, double[]> outputs = Run(builder.Build());
            for (int i = start; i < end; i++)
            {
                int local = i - start;
                var perSystem = new Dictionary<string, double[]>(StringComparer.Ordinal);
                foreach (OutputSpec o in Metadata.Outputs)
                {
                    double[] values = outputs[o.Name];
                    (int first, int rows) = o.Level == OutputLevel.Graph ? (local, 1) : (builder.NodeOffset(local), builder.Nodes(local));
                    perSystem[o.Name] = values.AsSpan(first * o.Width, rows * o.Width).ToArray();
                }
                results.Add(new SystemPrediction(name(i), perSystem));
            }
            progress?.Report(end);
            start = end;
        }
        return results;
    }
}
