using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Segnn.Runtime;

/// <summary>
/// What a Segnn <c>.onnx</c> file says about itself (stored in the model's <c>metadata_props</c>): format version, task,
/// input and output schema, graph construction (fully connected or radius with cutoff), known elements, units,
/// normalisation and provenance. Written by the exporter, read and validated by the runtime; nothing else is needed to
/// serve the model.
/// </summary>
public sealed record ModelMetadata
{
    /// <summary>Version of this metadata and input/output contract. Bumped on any incompatible change.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>metadata_props key of the format version (a decimal integer).</summary>
    public const string FormatVersionKey = "segnn.format_version";

    /// <summary>metadata_props key of the JSON document.</summary>
    public const string MetadataKey = "segnn.metadata";

    /// <summary>The format version this file was written with.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary><c>nbody</c>, <c>qm9</c> or <c>qm9-mp2</c>.</summary>
    public string Task { get; init; } = "";

    /// <summary>The model's inputs, in order.</summary>
    public IReadOnlyList<TensorSpec> Inputs { get; init; } = [];
    /// <summary>The model's named outputs.</summary>
    public IReadOnlyList<OutputSpec> Outputs { get; init; } = [];

    /// <summary><c>fully-connected</c> or <c>radius</c>: how the runtime must build edges.</summary>
    public string Graph { get; init; } = "fully-connected";

    /// <summary>Radius-graph cutoff in <see cref="LengthUnit"/> (inclusive).</summary>
    public double? Cutoff { get; init; }

    /// <summary>Atomic numbers the model knows (molecular tasks); any other element is refused.</summary>
    public IReadOnlyList<int>? Elements { get; init; }

    /// <summary>Unit of positions and cutoff.</summary>
    public string LengthUnit { get; init; } = "";
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
        yield return new("segnn.task", Task);
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
        if (version < 1)
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
            throw new SegnnModelException($"{source}: the model metadata is not valid JSON ({ex.Message})", ex);
        }
        if (metadata is null) throw new SegnnModelException($"{source}: the model metadata is empty");
        metadata.Validate(source);
        return metadata;
    }

    private void Validate(string source)
    {
        if (Task is not ("nbody" or "qm9" or "qm9-mp2"))
            throw new SegnnModelException($"{source}: unknown task '{Task}'");
        if (Inputs.Count == 0 || Outputs.Count == 0)
            throw new SegnnModelException($"{source}: the metadata lists no inputs or no outputs");
        if (Graph is not ("fully-connected" or "radius"))
            throw new SegnnModelException($"{source}: unknown graph construction '{Graph}'");
        if (Graph == "radius" && (Cutoff is not > 0 || !double.IsFinite(Cutoff.Value)))
            throw new SegnnModelException($"{source}: a radius-graph model needs a positive cutoff");
        foreach (OutputSpec o in Outputs)
            if (o.Level is not ("node" or "graph"))
                throw new SegnnModelException($"{source}: output '{o.Name}' has unknown level '{o.Level}'");
    }
}

/// <summary>One model input: name, element type (<c>float32</c> or <c>int64</c>), dimensions (numbers or symbolic names), meaning.</summary>
public sealed record TensorSpec(string Name, string ElementType, IReadOnlyList<string> Dims, string Description);

/// <summary>One named model output: its irreps, unit, whether it is per node or per graph, and its width.</summary>
public sealed record OutputSpec(string Name, string Irreps, string Unit, string Level, int Width, string Description);

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
