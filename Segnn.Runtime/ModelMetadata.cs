using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Segnn.Runtime;

/// <summary>
/// What a Segnn <c>.onnx</c> file says about itself (stored in the model's <c>metadata_props</c>): format version, task,
/// input and output schema, graph construction (fully connected or radius with cutoff, periodic axes), known elements,
/// units, precision, normalisation and provenance. Written by the exporter, read and validated by the runtime; nothing
/// else is needed to serve the model.
/// </summary>
public sealed record ModelMetadata
{
    /// <summary>
    /// Version of this metadata and input/output contract. Bumped on any change an older runtime would misread: 2 added
    /// periodic inputs (cell, edge shifts), tags, precision and derived outputs; version 1 files read unchanged.
    /// </summary>
    public const int CurrentFormatVersion = 2;

    /// <summary>The oldest format version this runtime reads.</summary>
    public const int OldestFormatVersion = 1;

    /// <summary>metadata_props key of the format version (a decimal integer).</summary>
    public const string FormatVersionKey = "segnn.format_version";

    /// <summary>metadata_props key of the JSON document.</summary>
    public const string MetadataKey = "segnn.metadata";

    /// <summary>The format version this file was written with.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>What the model was trained to predict.</summary>
    public TaskKey Task { get; init; }

    /// <summary>The model's inputs, in order (names from <see cref="ModelInputs"/>).</summary>
    public IReadOnlyList<TensorSpec> Inputs { get; init; } = [];

    /// <summary>The model's named outputs.</summary>
    public IReadOnlyList<OutputSpec> Outputs { get; init; } = [];

    /// <summary>How the runtime must build edges.</summary>
    public GraphConstruction Graph { get; init; } = GraphConstruction.FullyConnected;

    /// <summary>Radius-graph cutoff in <see cref="LengthUnit"/> (inclusive).</summary>
    public double? Cutoff { get; init; }

    /// <summary>
    /// For models of periodic structures: which lattice vectors may be periodic (a structure periodic along another axis
    /// is refused). Null for models without a cell.
    /// </summary>
    public IReadOnlyList<bool>? PeriodicAxes { get; init; }

    /// <summary>Atomic numbers the model knows (atomistic tasks); any other element is refused.</summary>
    public IReadOnlyList<int>? Elements { get; init; }

    /// <summary>Unit of positions and cutoff.</summary>
    public string LengthUnit { get; init; } = "";

    /// <summary>Precision of the float inputs and outputs.</summary>
    public Precision Precision { get; init; } = Precision.Float32;

    /// <summary>Irreps of the node input features (e3nn notation).</summary>
    public string InputIrreps { get; init; } = "";

    /// <summary>Irreps of the hidden features.</summary>
    public string HiddenIrreps { get; init; } = "";

    /// <summary>Irreps of the network output (all targets concatenated).</summary>
    public string OutputIrreps { get; init; } = "";

    /// <summary>Highest degree of the spherical-harmonic attributes.</summary>
    [JsonPropertyName("lmax_attributes")]
    public int LMaxAttributes { get; init; }

    /// <summary>Highest degree of the hidden features.</summary>
    [JsonPropertyName("lmax_hidden")]
    public int LMaxHidden { get; init; }

    /// <summary>How tensor products were lowered (<c>two-stage</c> or <c>dense</c>).</summary>
    public string Lowering { get; init; } = "";

    /// <summary>Free-form provenance: training data, metrics, commit, producer version.</summary>
    public IReadOnlyDictionary<string, string> Provenance { get; init; } = new Dictionary<string, string>();

    /// <summary>The full training configuration (JSON), kept for reproduction.</summary>
    public string? TrainingConfig { get; init; }

    /// <summary>The inputs as the runtime feeds them (validated when the metadata is read).</summary>
    [JsonIgnore]
    public IReadOnlyList<ModelInput> InputKinds => Inputs.Select(i => ModelInputs.TryParse(i.Name, out ModelInput k) ? k
        : throw new InvalidOperationException($"input '{i.Name}' is not a Segnn model input")).ToArray();

    /// <summary>Whether the model takes <paramref name="input"/>.</summary>
    public bool Takes(ModelInput input) => Inputs.Any(i => i.Name == ModelInputs.Name(input));

    /// <summary>The kind of system the model takes: periodic structures (a cell input), molecules (atomic numbers) or particle systems.</summary>
    [JsonIgnore]
    public SystemKind System => Takes(ModelInput.Cell) ? SystemKind.PeriodicStructure
        : Takes(ModelInput.AtomicNumbers) ? SystemKind.Molecule : SystemKind.ParticleSystem;

    /// <summary>The output named <paramref name="name"/>, or null.</summary>
    public OutputSpec? Output(string name) => Outputs.FirstOrDefault(o => o.Name == name);

    /// <summary>JSON settings of the metadata document (snake_case).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The metadata document.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The metadata_props entries a model file carries.</summary>
    public IEnumerable<KeyValuePair<string, string>> ToProperties()
    {
        yield return new(FormatVersionKey, FormatVersion.ToString(CultureInfo.InvariantCulture));
        yield return new(MetadataKey, ToJson());
        yield return new("segnn.task", Task.Name);
        yield return new("segnn.irreps", $"{InputIrreps} -> {HiddenIrreps} -> {OutputIrreps}");
    }

    /// <summary>
    /// Reads and validates the metadata of a model file; a file it does not understand is refused with a message that
    /// says why (not a Segnn model, a newer format, a malformed document, an inconsistent schema).
    /// </summary>
    public static ModelMetadata FromProperties(IReadOnlyDictionary<string, string> properties, string source)
    {
        if (!properties.TryGetValue(FormatVersionKey, out string? versionText))
            throw new SegnnModelException($"{source}: not a Segnn model (no '{FormatVersionKey}' in its metadata)");
        if (!int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out int version))
            throw new SegnnModelException($"{source}: '{FormatVersionKey}' is '{versionText}', not a version number");
        if (version > CurrentFormatVersion)
            throw new SegnnModelException($"{source}: model format version {version} is newer than this runtime understands ({CurrentFormatVersion}); update Segnn.Runtime");
        if (version < OldestFormatVersion)
            throw new SegnnModelException($"{source}: model format version {version} is not supported");
        if (!properties.TryGetValue(MetadataKey, out string? json))
            throw new SegnnModelException($"{source}: the model has no '{MetadataKey}' entry");
        ModelMetadata? metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<ModelMetadata>(json, Json);
        }
        catch (JsonException ex)
        {
            throw new SegnnModelException($"{source}: the model metadata is not valid ({ex.Message})", ex);
        }
        if (metadata is null) throw new SegnnModelException($"{source}: the model metadata is empty");
        metadata.Validate(source);
        return metadata;
    }

    private void Validate(string source)
    {
        if (!TaskKey.IsValid(Task.Name))
            throw new SegnnModelException($"{source}: the metadata names no task");
        if (Inputs.Count == 0 || Outputs.Count == 0)
            throw new SegnnModelException($"{source}: the metadata lists no inputs or no outputs");
        foreach (TensorSpec input in Inputs)
            if (!ModelInputs.TryParse(input.Name, out _))
                throw new SegnnModelException($"{source}: input '{input.Name}' is not one this runtime knows how to feed; update Segnn.Runtime");
        foreach (ModelInput required in (ModelInput[])[ModelInput.Positions, ModelInput.EdgeIndex, ModelInput.Batch])
            if (!Takes(required))
                throw new SegnnModelException($"{source}: the model does not take '{ModelInputs.Name(required)}', which every Segnn model does");
        if (Takes(ModelInput.Cell) != Takes(ModelInput.EdgeShifts))
            throw new SegnnModelException($"{source}: a periodic model takes both 'cell' and 'edge_shifts'");
        if (Takes(ModelInput.Cell) != (PeriodicAxes is not null) || PeriodicAxes is { Count: not 3 })
            throw new SegnnModelException($"{source}: 'periodic_axes' (three flags) must be given exactly for models that take a cell");
        if (Takes(ModelInput.Cell) && Graph != GraphConstruction.Radius)
            throw new SegnnModelException($"{source}: a model of periodic structures builds radius graphs");
        if (Graph == GraphConstruction.Radius && (Cutoff is not > 0 || !double.IsFinite(Cutoff.Value)))
            throw new SegnnModelException($"{source}: a radius-graph model needs a positive cutoff");
        if (System != SystemKind.ParticleSystem && Elements is not { Count: > 0 })
            throw new SegnnModelException($"{source}: an atomistic model must list the elements it knows");
        foreach (OutputSpec o in Outputs)
            if (o.Width < 1)
                throw new SegnnModelException($"{source}: output '{o.Name}' has width {o.Width}");
    }
}

/// <summary>One model input: name, element type (<c>float32</c>, <c>float64</c> or <c>int64</c>), dimensions (numbers or symbolic names), meaning.</summary>
public sealed record TensorSpec(string Name, string ElementType, IReadOnlyList<string> Dims, string Description);

/// <summary>One named model output: its irreps, unit, whether it is per node or per graph, and its width.</summary>
/// <param name="Name">The ONNX output name.</param>
/// <param name="Irreps">e3nn irreps of one row (empty for a Cartesian tensor such as the stress).</param>
/// <param name="Unit">Physical unit.</param>
/// <param name="Level">One row per node or per graph.</param>
/// <param name="Width">Values per row.</param>
/// <param name="Description">What it is.</param>
public sealed record OutputSpec(string Name, string Irreps, string Unit, OutputLevel Level, int Width, string Description);

/// <summary>A model file that cannot be used: corrupt, not a Segnn model, of another task or a newer format.</summary>
public sealed class SegnnModelException : Exception
{
    /// <summary>Creates the exception with its message.</summary>
    public SegnnModelException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its message and cause.</summary>
    public SegnnModelException(string message, Exception inner) : base(message, inner)
    {
    }
}
