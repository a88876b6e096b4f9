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

    /// <summary>
    /// The memory one run may use, by the session's estimate (<see cref="SegnnSession.EstimateRunBytes"/>); null means half
    /// the memory available to the process. Runs are split to stay under it; one system above it is refused with
    /// <see cref="SegnnWorkTooLargeException"/> before anything is allocated.
    /// </summary>
    public long? MaxMemoryBytes { get; init; }

    /// <summary>
    /// Runs in flight at once, each on its own thread, sharing <see cref="MemoryLimit"/>. For throughput on a machine
    /// with as many cores as runs, give the session <see cref="SessionSettings.IntraOpThreads"/> = 1: on 2 cores two
    /// 1-thread runs served 1.40× the QM9 molecules per second of one 2-thread run (`segnn bench runtime`;
    /// Segnn.Runtime/README.md). Results and their order do not depend on it.
    /// </summary>
    public int ConcurrentRuns { get; init; } = 1;

    /// <summary>Intra-op threads per run that fill the machine's cores with <see cref="ConcurrentRuns"/> runs: cores / runs, at least 1.</summary>
    public int ThreadsPerRun => Math.Max(1, Environment.ProcessorCount / ConcurrentRuns);

    /// <summary>The limit in effect: <see cref="MaxMemoryBytes"/>, or half the memory available to the process.</summary>
    public long MemoryLimit => MaxMemoryBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;
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
        return RunBatched(molecules.Count, i => molecules[i].Name, i => molecules[i].AtomCount, i => Edges(molecules[i].Positions), options, progress,
            (builder, i, edges) => builder.Add(molecules[i].Positions, edges, atomicNumbers: molecules[i].AtomicNumbers));
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
        return RunBatched(structures.Count, i => structures[i].Name, i => structures[i].AtomCount,
            i => NeighbourList.Radius(structures[i].Positions, structures[i].Cell, Metadata.Cutoff!.Value), options, progress,
            (builder, i, edges) => builder.Add(structures[i].Positions, edges, atomicNumbers: structures[i].AtomicNumbers, tags: tags ? structures[i].Tags : default, cell: structures[i].Cell));
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
        return RunBatched(systems.Count, i => systems[i].Name, i => systems[i].ParticleCount, i => Edges(systems[i].Positions), options, progress,
            (builder, i, edges) => builder.Add(systems[i].Positions, edges, systems[i].Velocities, systems[i].Charges));
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

    /// <summary>
    /// The memory a run of <paramref name="nodes"/> nodes and <paramref name="edges"/> edges needs, estimated from the
    /// model's hidden width: about 150 bytes per hidden feature per edge and per node (ONNX Runtime CPU's peak for the
    /// paper's QM9 model: 47 KB per edge at 324 hidden features).
    /// </summary>
    public long EstimateRunBytes(long nodes, long edges) => (nodes + edges) * BytesPerRow;

    private long BytesPerRow => 150L * Math.Max(1, IrrepsDim(Metadata.HiddenIrreps));

    private static int IrrepsDim(string irreps)
    {
        int dim = 0;
        foreach (string term in irreps.Split('+', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int x = term.IndexOf('x', StringComparison.Ordinal);
            int mul = x < 0 ? 1 : int.Parse(term[..x], System.Globalization.CultureInfo.InvariantCulture);
            int l = int.Parse(term[(x + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
            dim += mul * (2 * l + 1);
        }
        return dim;
    }

    private List<SystemPrediction> RunBatched(int count, Func<int, string> name, Func<int, int> nodes, Func<int, EdgeList> edgesOf, BatchOptions? options,
        IProgress<int>? progress, Action<BatchBuilder, int, EdgeList> add)
    {
        options ??= new BatchOptions();
        if (options.MaxNodes < 1 || options.MaxSystems < 1) throw new ArgumentException("BatchOptions: MaxNodes and MaxSystems must be at least 1");
        if (options.ConcurrentRuns < 1) throw new ArgumentException("BatchOptions: ConcurrentRuns must be at least 1");
        long limit = options.MemoryLimit;
        // runs in flight together share the limit: each batch is formed against its share, and a wave holds batches
        // while their estimates sum to the limit at most (a system larger than its share runs alone)
        long share = limit / options.ConcurrentRuns;
        var results = new List<SystemPrediction>(count);
        int next = 0;
        EdgeList? pending = null;

        Batch NextBatch()
        {
            var builder = new BatchBuilder();
            int first = next;
            while (next < count)
            {
                EdgeList edges = pending ?? edgesOf(next);
                pending = null;
                long need = EstimateRunBytes(nodes(next), edges.Count);
                if (need > limit)
                {
                    throw new SegnnWorkTooLargeException(
                        $"{name(next)}: {nodes(next):N0} atoms with {edges.Count:N0} edges within the cutoff need about {need / 1e9:F1} GB to run (an estimate for this model: " +
                        $"{BytesPerRow / 1024.0:F0} KB per node and per edge); the limit is {limit / 1e9:F1} GB — raise it with BatchOptions.MaxMemoryBytes (segnn: --max-memory GB) if the machine has the memory");
                }
                bool fits = next == first || (builder.NodeCount + nodes(next) <= options.MaxNodes && next - first < options.MaxSystems
                    && EstimateRunBytes(builder.NodeCount + nodes(next), builder.EdgeCount + edges.Count) <= share);
                if (!fits)
                {
                    pending = edges;
                    break;
                }
                add(builder, next, edges);
                next++;
            }
            return new Batch(builder, first, next, EstimateRunBytes(builder.NodeCount, builder.EdgeCount));
        }

        Batch? carried = null;
        while (carried is not null || next < count)
        {
            var wave = new List<Batch> { carried ?? NextBatch() };
            carried = null;
            long inFlight = wave[0].Bytes;
            while (wave.Count < options.ConcurrentRuns && next < count)
            {
                Batch b = NextBatch();
                if (inFlight + b.Bytes > limit)
                {
                    carried = b;
                    break;
                }
                wave.Add(b);
                inFlight += b.Bytes;
            }
            IReadOnlyDictionary<string, double[]>[] outputs = RunWave(wave);
            for (int w = 0; w < wave.Count; w++)
                for (int i = wave[w].First; i < wave[w].End; i++) results.Add(new SystemPrediction(name(i), SystemOutputs(wave[w], outputs[w], i - wave[w].First)));
            progress?.Report(wave[^1].End);
        }
        return results;
    }

    private sealed record Batch(BatchBuilder Builder, int First, int End, long Bytes);

    /// <summary>The rows of one system (<paramref name="local"/>-th in its batch) of every output of the batch's run.</summary>
    private Dictionary<string, double[]> SystemOutputs(Batch batch, IReadOnlyDictionary<string, double[]> outputs, int local)
    {
        var perSystem = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (OutputSpec o in Metadata.Outputs)
        {
            (int first, int rows) = o.Level == OutputLevel.Graph ? (local, 1) : (batch.Builder.NodeOffset(local), batch.Builder.Nodes(local));
            perSystem[o.Name] = outputs[o.Name].AsSpan(first * o.Width, rows * o.Width).ToArray();
        }
        return perSystem;
    }

    /// <summary>The wave's runs at once (the first on the calling thread); the first failure is rethrown as it was thrown.</summary>
    private IReadOnlyDictionary<string, double[]>[] RunWave(List<Batch> wave)
    {
        var outputs = new IReadOnlyDictionary<string, double[]>[wave.Count];
        if (wave.Count == 1)
        {
            outputs[0] = Run(wave[0].Builder.Build());
            return outputs;
        }
        Task[] others = Enumerable.Range(1, wave.Count - 1).Select(w => Task.Run(() => outputs[w] = Run(wave[w].Builder.Build()))).ToArray();
        Exception? failure = null;
        try
        {
            outputs[0] = Run(wave[0].Builder.Build());
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        try
        {
            Task.WaitAll(others);
        }
        catch (AggregateException ex)
        {
            failure ??= ex.InnerExceptions[0];
        }
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        return outputs;
    }
}
