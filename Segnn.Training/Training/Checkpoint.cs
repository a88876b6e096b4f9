using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Segnn.IO;
using Segnn.Nn;
using Segnn.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Segnn.Training;

/// <summary>Where a training run stands: enough to resume it exactly and to report it.</summary>
public sealed record TrainingState
{
    /// <summary>Epochs completed.</summary>
    public int Epoch { get; init; }

    public long Steps { get; init; }
    public int BestEpoch { get; init; } = -1;
    public double BestValidation { get; init; } = double.PositiveInfinity;
    public double TestAtBest { get; init; } = double.NaN;

    /// <summary>Seconds of training so far (all sessions of a resumed run).</summary>
    public double TrainingSeconds { get; init; }

    public List<EpochMetrics> History { get; init; } = new();

    /// <summary>Task-specific details of the metrics (e.g. per-target MAE in physical units) at the best epoch.</summary>
    public Dictionary<string, double> BestDetails { get; init; } = new();

    /// <summary>Where the data came from (folder, seed, split, counts).</summary>
    public Dictionary<string, string> Data { get; init; } = new();
}

/// <summary>One row of metrics.csv.</summary>
public sealed record EpochMetrics
{
    public int Epoch { get; init; }
    public double LearningRate { get; init; }
    public double TrainLoss { get; init; }
    public double? Validation { get; init; }
    public double? Test { get; init; }
    public double Seconds { get; init; }
}

/// <summary>
/// A training checkpoint in ONE file, written atomically: magic <c>SEGNNCKP</c>, format version, a JSON header (model
/// configuration, training options and state, the list of tensors with names, dtypes and shapes), the tensors' raw
/// little-endian bytes, the optimizer state, and a SHA-256 of everything before it. One file means a crash can never
/// leave a model from one epoch beside an optimizer from another; the checksum catches a damaged copy.
/// </summary>
public sealed class Checkpoint
{
    public const int FormatVersion = 1;
    private static readonly byte[] Magic = "SEGNNCKP"u8.ToArray();

    private sealed record TensorEntry(string Name, string DType, long[] Shape, long Offset, long Bytes);

    private sealed record Header
    {
        public ModelConfig Config { get; init; } = new();
        public TrainingOptions? Options { get; init; }
        public TrainingState State { get; init; } = new();
        public List<TensorEntry> Tensors { get; init; } = new();
        public long OptimizerBytes { get; init; }
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private Checkpoint(ModelConfig config, TrainingOptions? options, TrainingState state, Dictionary<string, (TensorEntry Entry, byte[] Data)> tensors, byte[] optimizer, string source)
    {
        Config = config;
        Options = options;
        State = state;
        _tensors = tensors;
        OptimizerState = optimizer;
        Source = source;
    }

    private readonly Dictionary<string, (TensorEntry Entry, byte[] Data)> _tensors;

    public ModelConfig Config { get; }
    public TrainingOptions? Options { get; }
    public TrainingState State { get; }
    public byte[] OptimizerState { get; }
    public string Source { get; }

    /// <summary>Writes model parameters and buffers, optimizer state and training state to <paramref name="path"/>, atomically.</summary>
    public static void Save(string path, SegnnModel model, TrainingOptions? options, TrainingState state, optim.Optimizer? optimizer)
    {
        var entries = new List<TensorEntry>();
        var payload = new MemoryStream();
        using (no_grad())
        {
            foreach (var (name, tensor) in Tensors(model))
            {
                Tensor t = tensor.detach().cpu().contiguous();
                byte[] bytes = t.dtype switch
                {
                    ScalarType.Float32 => MemoryMarshalBytes(t.data<float>().ToArray()),
                    ScalarType.Float64 => MemoryMarshalBytes(t.data<double>().ToArray()),
                    ScalarType.Int64 => MemoryMarshalBytes(t.data<long>().ToArray()),
                    _ => throw new NotSupportedException($"cannot checkpoint tensor {name} of type {t.dtype}"),
                };
                entries.Add(new TensorEntry(name, t.dtype.ToString(), t.shape, payload.Length, bytes.Length));
                payload.Write(bytes);
            }
        }
        byte[] optimizerBytes = [];
        if (optimizer is OptimizerHelper helper)
        {
            using var ms = new MemoryStream();
            using (var writer = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true)) helper.save_state_dict(writer);
            optimizerBytes = ms.ToArray();
        }
        var header = new Header { Config = model.Config, Options = options, State = state, Tensors = entries, OptimizerBytes = optimizerBytes.Length };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header, Json);

        AtomicFile.Write(path, stream =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            void Put(ReadOnlySpan<byte> data)
            {
                stream.Write(data);
                hash.AppendData(data);
            }
            Span<byte> fixedPart = stackalloc byte[24];
            Magic.CopyTo(fixedPart);
            BinaryPrimitives.WriteUInt32LittleEndian(fixedPart[8..], FormatVersion);
            BinaryPrimitives.WriteUInt32LittleEndian(fixedPart[12..], 0);
            BinaryPrimitives.WriteInt64LittleEndian(fixedPart[16..], json.Length);
            Put(fixedPart);
            Put(json);
            Put(payload.GetBuffer().AsSpan(0, (int)payload.Length));
            Put(optimizerBytes);
            stream.Write(hash.GetHashAndReset());
        });
    }

    /// <summary>Reads and verifies a checkpoint; every problem is a <see cref="SegnnModelException"/> naming the file (as for an .onnx model).</summary>
    public static Checkpoint Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SegnnModelException($"{path}: no such checkpoint", ex);
        }
        if (bytes.Length < 24 + 32 || !bytes.AsSpan(0, 8).SequenceEqual(Magic))
            throw new SegnnModelException($"{path}: not a Segnn checkpoint (bad magic or too short)");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (version != FormatVersion)
            throw new SegnnModelException($"{path}: checkpoint format version {version} is not supported (this build reads {FormatVersion})");
        byte[] expected = SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32));
        if (!expected.AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
            throw new SegnnModelException($"{path}: checksum mismatch — the checkpoint is damaged or truncated");
        long jsonLength = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16));
        Header header;
        try
        {
            header = JsonSerializer.Deserialize<Header>(bytes.AsSpan(24, (int)jsonLength), Json) ?? throw new SegnnModelException($"{path}: empty header");
        }
        catch (JsonException ex)
        {
            throw new SegnnModelException($"{path}: malformed header ({ex.Message})", ex);
        }
        long payloadStart = 24 + jsonLength;
        var tensors = new Dictionary<string, (TensorEntry, byte[])>(StringComparer.Ordinal);
        foreach (TensorEntry e in header.Tensors)
        {
            if (e.Offset < 0 || payloadStart + e.Offset + e.Bytes > bytes.Length - 32 - header.OptimizerBytes)
                throw new SegnnModelException($"{path}: tensor {e.Name} lies outside the file");
            tensors[e.Name] = (e, bytes.AsSpan((int)(payloadStart + e.Offset), (int)e.Bytes).ToArray());
        }
        byte[] optimizer = bytes.AsSpan(bytes.Length - 32 - (int)header.OptimizerBytes, (int)header.OptimizerBytes).ToArray();
        ModelConfig config;
        try
        {
            config = header.Config.Validate();
        }
        catch (FormatException ex)
        {
            throw new SegnnModelException($"{path}: its model configuration is invalid: {ex.Message}", ex);
        }
        return new Checkpoint(config, header.Options, header.State, tensors, optimizer, path);
    }

    /// <summary>A model of the checkpoint's configuration with the checkpoint's parameters and buffers.</summary>
    public SegnnModel CreateModel()
    {
        var model = new SegnnModel(Config);
        LoadInto(model);
        return model;
    }

    /// <summary>
    /// Copies the stored tensors into <paramref name="model"/>. A missing, unexpected or mis-shaped tensor is an error
    /// naming it: the checkpoint and the configuration must describe the same model.
    /// </summary>
    public void LoadInto(SegnnModel model)
    {
        var expected = Tensors(model).ToDictionary(t => t.Name, t => t.Tensor, StringComparer.Ordinal);
        var shapes = new List<string>();
        foreach (var (name, target) in expected)
        {
            if (!_tensors.TryGetValue(name, out var stored)) continue;
            if (!stored.Entry.Shape.SequenceEqual(target.shape))
                shapes.Add($"{name} has shape [{string.Join(", ", stored.Entry.Shape)}] but the model expects [{string.Join(", ", target.shape)}]");
        }
        var missing = expected.Keys.Where(k => !_tensors.ContainsKey(k)).ToList();
        var unexpected = _tensors.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        static string List(string what, List<string> items) =>
            items.Count == 0 ? "" : $"{items.Count} {what}: {string.Join("; ", items.Take(4))}{(items.Count > 4 ? "; …" : "")}. ";
        if (shapes.Count + missing.Count + unexpected.Count > 0)
            throw new SegnnModelException($"{Source}: the checkpoint does not match its configuration. " +
                (List("mis-shaped", shapes) + List("missing", missing) + List("unexpected", unexpected)).TrimEnd());
        using var _ = no_grad();
        foreach (var (name, target) in expected)
        {
            var (entry, data) = _tensors[name];
            ScalarType dtype = Enum.Parse<ScalarType>(entry.DType);
            using Tensor source = dtype switch
            {
                ScalarType.Float32 => tensor(FromBytes<float>(data), entry.Shape),
                ScalarType.Float64 => tensor(FromBytes<double>(data), entry.Shape),
                ScalarType.Int64 => tensor(FromBytes<long>(data), entry.Shape),
                _ => throw new SegnnModelException($"{Source}: tensor {name} has unsupported type {entry.DType}"),
            };
            target.copy_(source);
        }
    }

    /// <summary>Restores the optimizer's state (Adam moments and step counts) saved with the checkpoint.</summary>
    public void LoadOptimizer(optim.Optimizer optimizer)
    {
        if (OptimizerState.Length == 0 || optimizer is not OptimizerHelper helper) return;
        using var reader = new BinaryReader(new MemoryStream(OptimizerState));
        helper.load_state_dict(reader);
    }

    /// <summary>
    /// Parameters and buffers by their registered names. Not state_dict(): TorchSharp's also lists modules held in
    /// private fields under the field names, which would store every tensor twice.
    /// </summary>
    private static IEnumerable<(string Name, Tensor Tensor)> Tensors(SegnnModel model) =>
        model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(model.named_buffers().Select(b => (b.name, b.buffer)));

    private static byte[] MemoryMarshalBytes<T>(T[] values) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static T[] FromBytes<T>(byte[] data) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(data).ToArray();
}
