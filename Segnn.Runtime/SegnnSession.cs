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

    /// <summary>
    /// When set, ONNX Runtime writes its per-operator profile (a Chrome-trace JSON, <c>{prefix}_{date}.json</c>) when the
    /// session is disposed: for performance work, not production.
    /// </summary>
    public string? ProfilePrefix { get; init; }
}

/// <summary>
/// A loaded Segnn model: validated metadata, an ONNX Runtime session on the chosen provider, and thread-safe prediction
/// over <see cref="GraphInputs"/>. Dispose it to release the native session: <see cref="Dispose"/> waits for calls in
/// progress, and calls after it throw <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed partial class SegnnSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new() { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
    private readonly ModelInput[] _inputs;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly string _source;
    private readonly object _lifetime = new(); // Monitor.Wait needs a monitor, not a System.Threading.Lock
    private int _running;
    private bool _disposed;
    private readonly bool _profiling;

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
            // every ONNX Runtime error reaches the caller as an exception with the same message, which the CLI prints as
            // one line; ONNX Runtime's own log would print it a second time, as a coloured multi-line block on stderr
            options.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
            if (settings.IntraOpThreads > 0) options.IntraOpNumThreads = settings.IntraOpThreads;
            if (settings.ProfilePrefix is { } prefix)
            {
                options.ProfileOutputPathPrefix = prefix; // before EnableProfiling, which reads it
                options.EnableProfiling = true;
                _profiling = true;
            }
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
            _inputs = Metadata.InputKinds.ToArray();
            _inputNames = _inputs.Select(ModelInputs.Name).ToArray();
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

    /// <summary>Where the model came from (its path, or the name given to <see cref="Load(byte[], SessionSettings?, string)"/>).</summary>
    public string Source => _source;

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
    /// Runs one batch. Returns every named output as a flat array (rows: nodes or graphs). Thread-safe: ONNX Runtime
    /// sessions may be run concurrently, and nothing here is shared between calls.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    public IReadOnlyDictionary<string, double[]> Run(GraphInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        CheckShapes(inputs);
        Enter();
        try
        {
            return RunCore(inputs);
        }
        finally
        {
            Exit();
        }
    }

    private Dictionary<string, double[]> RunCore(GraphInputs inputs)
    {
        int nodes = inputs.NodeCount, edges = inputs.EdgeCount, graphs = inputs.GraphCount;
        bool float64 = Metadata.Precision == Precision.Float64;
        var values = new List<OrtValue>(_inputs.Length);
        try
        {
            OrtValue Floats(double[] data, params long[] shape) => float64
                ? OrtValue.CreateTensorValueFromMemory(data, shape)
                : OrtValue.CreateTensorValueFromMemory(Array.ConvertAll(data, v => (float)v), shape);
            foreach (ModelInput input in _inputs)
                values.Add(input switch
                {
                    ModelInput.Positions => Floats(inputs.Positions, nodes, 3),
                    ModelInput.Velocities => Floats(inputs.Velocities!, nodes, 3),
                    ModelInput.Charges => Floats(inputs.Charges!, nodes, 1),
                    ModelInput.AtomicNumbers => OrtValue.CreateTensorValueFromMemory(inputs.AtomicNumbers!, [nodes]),
                    ModelInput.Tags => OrtValue.CreateTensorValueFromMemory(inputs.Tags!, [nodes]),
                    ModelInput.Cell => Floats(inputs.Cell!, graphs, 3, 3),
                    ModelInput.EdgeShifts => Floats(inputs.EdgeShifts!, edges, 3),
                    ModelInput.EdgeIndex => OrtValue.CreateTensorValueFromMemory(inputs.EdgeIndex, [2, edges]),
                    ModelInput.Batch => OrtValue.CreateTensorValueFromMemory(inputs.Batch, [nodes]),
                    _ => throw new SegnnModelException($"{_source}: input '{input}' is not one this runtime knows how to feed"),
                });
            IDisposableReadOnlyCollection<OrtValue> results;
            try
            {
                results = _session.Run(_runOptions, _inputNames, values, _outputNames);
            }
            catch (OnnxRuntimeException ex) when (ex.Message.Contains("alloc", StringComparison.OrdinalIgnoreCase))
            {
                throw new SegnnWorkTooLargeException($"{_source}: ONNX Runtime could not allocate the memory for a run of {nodes:N0} nodes and {edges:N0} edges ({FirstLine(ex.Message)}); use smaller batches", ex);
            }
            using var owned = results;
            var outputs = new Dictionary<string, double[]>(_outputNames.Length, StringComparer.Ordinal);
            for (int i = 0; i < _outputNames.Length; i++)
            {
                outputs[_outputNames[i]] = float64
                    ? results[i].GetTensorDataAsSpan<double>().ToArray()
                    : ToDoubles(results[i].GetTensorDataAsSpan<float>());
            }
            return outputs;
        }
        finally
        {
            foreach (OrtValue v in values) v.Dispose();
        }
    }

    private static double[] ToDoubles(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = values[i];
        return result;
    }

    private void CheckShapes(GraphInputs g)
    {
        string Problem(string what) => $"{_source}: bad input batch: {what}";
        if (g.Positions.Length % 3 != 0) throw new ArgumentException(Problem("positions must be [nodes, 3]"));
        if (g.NodeCount == 0) throw new ArgumentException(Problem("the batch has no nodes"));
        if (g.EdgeIndex.Length % 2 != 0) throw new ArgumentException(Problem("edge_index must be [2, edges]"));
        if (g.Batch.Length != g.NodeCount) throw new ArgumentException(Problem($"batch has {g.Batch.Length} entries for {g.NodeCount} nodes"));
        foreach (ModelInput input in _inputs)
        {
            bool missing = input switch
            {
                ModelInput.Velocities => g.Velocities is null || g.Velocities.Length != 3 * g.NodeCount,
                ModelInput.Charges => g.Charges is null || g.Charges.Length != g.NodeCount,
                ModelInput.AtomicNumbers => g.AtomicNumbers is null || g.AtomicNumbers.Length != g.NodeCount,
                ModelInput.Tags => g.Tags is null || g.Tags.Length != g.NodeCount,
                ModelInput.Cell => g.Cell is null || g.Cell.Length != 9 * g.GraphCount,
                ModelInput.EdgeShifts => g.EdgeShifts is null || g.EdgeShifts.Length != 3 * g.EdgeCount,
                _ => false,
            };
            if (missing)
            {
                ModelInputInfo info = ModelInputs.Info(input);
                throw new ArgumentException(Problem($"the model needs '{info.Name}' ({info.Description})"));
            }
        }
    }

    // Calls in progress are counted so that Dispose can wait for them: releasing the native session under a running
    // call crashes the process (SIGSEGV or an ONNX Runtime assertion), which no exception handler can catch.
    private void Enter()
    {
        lock (_lifetime)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _running++;
        }
    }

    private void Exit()
    {
        lock (_lifetime)
        {
            if (--_running == 0 && _disposed) Monitor.PulseAll(_lifetime);
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
            return (null, CudaUnavailable(ex));
        }
        finally
        {
            cuda?.Dispose();
        }
    }

    /// <summary>What is missing when the CUDA provider cannot start, in words (not ONNX Runtime's logger text).</summary>
    private static string CudaUnavailable(Exception ex)
    {
        string message = ex.Message;
        string? library = System.Text.RegularExpressions.Regex.Match(message, @"lib[\w.+-]+\.so[\w.]*").Value is { Length: > 0 } m ? m : null;
        string what = ex is EntryPointNotFoundException or DllNotFoundException
            ? "this build of ONNX Runtime has no CUDA provider (the app references the CPU package Microsoft.ML.OnnxRuntime; use Microsoft.ML.OnnxRuntime.Gpu)"
            : library is not null
                ? $"the CUDA provider needs {library}, which is not installed or not on the library path"
                : "the CUDA provider could not start (no NVIDIA driver or GPU found)";
        return $"CUDA was requested but {what}; running on the CPU. The CUDA provider of ONNX Runtime 1.31 needs an NVIDIA driver, CUDA 13 and cuDNN 9.";
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    /// <summary>Waits for calls in progress, then releases the native session. Safe to call more than once and from any thread.</summary>
    public void Dispose()
    {
        lock (_lifetime)
        {
            if (_disposed) return;
            _disposed = true;
            while (_running > 0) Monitor.Wait(_lifetime);
        }
        if (_profiling) _session.EndProfiling(); // writes the profile file
        _session.Dispose();
        _runOptions.Dispose();
    }
}
