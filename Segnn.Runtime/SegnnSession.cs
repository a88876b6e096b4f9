using Microsoft.ML.OnnxRuntime;

namespace Segnn.Runtime;

/// <summary>Where a model runs.</summary>
public enum ExecutionDevice
{
    /// <summary>ONNX Runtime's CPU provider.</summary>
    Cpu,

    /// <summary>The CUDA provider when it loads, else the CPU (the session says why in <see cref="SegnnSession.ProviderNote"/>).</summary>
    Cuda,
}

/// <summary>How a <see cref="SegnnSession"/> is created.</summary>
public sealed record SessionSettings
{
    /// <summary>Requested device.</summary>
    public ExecutionDevice Device { get; init; } = ExecutionDevice.Cpu;

    /// <summary>CUDA device ordinal.</summary>
    public int CudaDeviceId { get; init; }

    /// <summary>TF32 matrix multiplies on CUDA: off by default, since they cost ~1e-3 relative accuracy and equivariance.</summary>
    public bool AllowTf32 { get; init; }

    /// <summary>Threads of one operator on the CPU (0: ONNX Runtime's default).</summary>
    public int IntraOpThreads { get; init; }
}

/// <summary>
/// One batch of graphs in the layout a Segnn model file takes: node arrays concatenated, edges as [2, E] (senders then
/// receivers, receiver-sorted), a non-decreasing graph index per node. Built by the graph builders; checked before running.
/// </summary>
public sealed record GraphInputs
{
    /// <summary>Positions [nodes·3].</summary>
    public required float[] Positions { get; init; }

    /// <summary>Edge index [2·edges]: the senders, then the receivers.</summary>
    public required long[] EdgeIndex { get; init; }

    /// <summary>Graph of every node [nodes].</summary>
    public required long[] Batch { get; init; }

    /// <summary>Velocities [nodes·3] (N-body).</summary>
    public float[]? Velocities { get; init; }

    /// <summary>Charges [nodes] (N-body).</summary>
    public float[]? Charges { get; init; }

    /// <summary>Atomic numbers [nodes] (molecules).</summary>
    public long[]? AtomicNumbers { get; init; }

    /// <summary>Number of nodes.</summary>
    public int NodeCount => Positions.Length / 3;

    /// <summary>Number of edges.</summary>
    public int EdgeCount => EdgeIndex.Length / 2;

    /// <summary>Number of graphs.</summary>
    public int GraphCount => Batch.Length == 0 ? 0 : (int)Batch[^1] + 1;
}

/// <summary>
/// A loaded Segnn model: validated metadata, an ONNX Runtime session on the chosen provider, and thread-safe prediction
/// over <see cref="GraphInputs"/>. Dispose it to release the native session.
/// </summary>
public sealed partial class SegnnSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly string _source;

    private SegnnSession(byte[] model, string source, SessionSettings settings)
    {
        _source = source;
        (ExecutionProvider, ProviderNote) = ("CPU", null);
        SessionOptions? options = null;
        try
        {
            if (settings.Device == ExecutionDevice.Cuda)
            {
                (options, ProviderNote) = TryCuda(settings);
                if (options is not null) ExecutionProvider = "CUDA";
            }
            options ??= new SessionOptions();
            options.GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL;
            if (settings.IntraOpThreads > 0) options.IntraOpNumThreads = settings.IntraOpThreads;
            try
            {
                _session = new InferenceSession(model, options);
            }
            catch (OnnxRuntimeException ex)
            {
                throw new SegnnModelException($"{source}: ONNX Runtime cannot load the model ({FirstLine(ex.Message)}); the file may be truncated or corrupt", ex);
            }
        }
        finally
        {
            options?.Dispose();
        }
        try
        {
            Metadata = ModelMetadata.FromProperties(_session.ModelMetadata.CustomMetadataMap, source);
            _inputNames = Metadata.Inputs.Select(i => i.Name).ToArray();
            _outputNames = Metadata.Outputs.Select(o => o.Name).ToArray();
            foreach (string name in _inputNames)
                if (!_session.InputMetadata.ContainsKey(name))
                    throw new SegnnModelException($"{source}: the metadata lists input '{name}' that the graph does not have");
            foreach (string name in _outputNames)
                if (!_session.OutputNames.Contains(name))
                    throw new SegnnModelException($"{source}: the metadata lists output '{name}' that the graph does not have");
        }
        catch
        {
            _session.Dispose();
            _runOptions.Dispose();
            throw;
        }
    }

    /// <summary>The model's self-description.</summary>
    public ModelMetadata Metadata { get; }

    /// <summary>The provider that runs the model: <c>CPU</c> or <c>CUDA</c>.</summary>
    public string ExecutionProvider { get; }

    /// <summary>Why CUDA was not used when it was asked for; null otherwise.</summary>
    public string? ProviderNote { get; }

    /// <summary>Loads a model file.</summary>
    public static SegnnSession Load(string path, SessionSettings? settings = null)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SegnnModelException($"{path}: no such model file", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SegnnModelException($"{path}: cannot read the model file ({ex.Message})", ex);
        }
        return new SegnnSession(bytes, path, settings ?? new SessionSettings());
    }

    /// <summary>Loads a model from its bytes.</summary>
    public static SegnnSession Load(byte[] model, SessionSettings? settings = null, string source = "model") =>
        new(model ?? throw new ArgumentNullException(nameof(model)), source, settings ?? new SessionSettings());

    /// <summary>Loads a model from a stream (read to its end).</summary>
    public static SegnnSession Load(Stream stream, SessionSettings? settings = null, string source = "stream")
    {
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return new SegnnSession(ms.ToArray(), source, settings ?? new SessionSettings());
    }

    /// <summary>Loads a model from a stream asynchronously.</summary>
    public static async Task<SegnnSession> LoadAsync(Stream stream, SessionSettings? settings = null, string source = "stream", CancellationToken cancellationToken = default)
    {
        using var ms = new MemoryStream();
        await stream.CopyToAsync(ms, cancellationToken).ConfigureAwait(false);
        return new SegnnSession(ms.ToArray(), source, settings ?? new SessionSettings());
    }

    /// <summary>
    /// Runs one batch. Returns every named output as a flat float array (rows: nodes or graphs). Thread-safe: ONNX
    /// Runtime sessions may be run concurrently, and nothing here is shared between calls.
    /// </summary>
    public IReadOnlyDictionary<string, float[]> Run(GraphInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        CheckShapes(inputs);
        int nodes = inputs.NodeCount, edges = inputs.EdgeCount;
        var values = new List<OrtValue>(_inputNames.Length);
        try
        {
            foreach (string name in _inputNames)
                values.Add(name switch
                {
                    "positions" => OrtValue.CreateTensorValueFromMemory(inputs.Positions, [nodes, 3]),
                    "velocities" => OrtValue.CreateTensorValueFromMemory(inputs.Velocities!, [nodes, 3]),
                    "charges" => OrtValue.CreateTensorValueFromMemory(inputs.Charges!, [nodes, 1]),
                    "atomic_numbers" => OrtValue.CreateTensorValueFromMemory(inputs.AtomicNumbers!, [nodes]),
                    "edge_index" => OrtValue.CreateTensorValueFromMemory(inputs.EdgeIndex, [2, edges]),
                    "batch" => OrtValue.CreateTensorValueFromMemory(inputs.Batch, [nodes]),
                    _ => throw new SegnnModelException($"{_source}: input '{name}' is not one this runtime knows how to feed"),
                });
            using IDisposableReadOnlyCollection<OrtValue> results = _session.Run(_runOptions, _inputNames, values, _outputNames);
            var outputs = new Dictionary<string, float[]>(_outputNames.Length, StringComparer.Ordinal);
            for (int i = 0; i < _outputNames.Length; i++)
                outputs[_outputNames[i]] = results[i].GetTensorDataAsSpan<float>().ToArray();
            return outputs;
        }
        finally
        {
            foreach (OrtValue v in values) v.Dispose();
        }
    }

    private void CheckShapes(GraphInputs g)
    {
        string Problem(string what) => $"{_source}: bad input batch: {what}";
        if (g.Positions.Length % 3 != 0) throw new ArgumentException(Problem("positions must be [nodes, 3]"));
        if (g.NodeCount == 0) throw new ArgumentException(Problem("the batch has no nodes"));
        if (g.EdgeIndex.Length % 2 != 0) throw new ArgumentException(Problem("edge_index must be [2, edges]"));
        if (g.Batch.Length != g.NodeCount) throw new ArgumentException(Problem($"batch has {g.Batch.Length} entries for {g.NodeCount} nodes"));
        foreach (TensorSpec spec in Metadata.Inputs)
        {
            bool missing = spec.Name switch
            {
                "velocities" => g.Velocities is null || g.Velocities.Length != 3 * g.NodeCount,
                "charges" => g.Charges is null || g.Charges.Length != g.NodeCount,
                "atomic_numbers" => g.AtomicNumbers is null || g.AtomicNumbers.Length != g.NodeCount,
                _ => false,
            };
            if (missing) throw new ArgumentException(Problem($"the model needs '{spec.Name}' ({spec.Description})"));
        }
    }

    private static (SessionOptions?, string?) TryCuda(SessionSettings settings)
    {
        OrtCUDAProviderOptions? cuda = null;
        try
        {
            cuda = new OrtCUDAProviderOptions();
            cuda.UpdateOptions(new Dictionary<string, string>
            {
                ["device_id"] = settings.CudaDeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["use_tf32"] = settings.AllowTf32 ? "1" : "0",
            });
            return (SessionOptions.MakeSessionOptionWithCudaProvider(cuda), null);
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException or TypeInitializationException)
        {
            return (null, $"CUDA was requested but is not available ({FirstLine(ex.Message)}); running on the CPU. The CUDA provider needs CUDA 13 and cuDNN 9.");
        }
        finally
        {
            cuda?.Dispose();
        }
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>Releases the native session.</summary>
    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
