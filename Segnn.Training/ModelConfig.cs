using System.Text.Json;
using System.Text.Json.Serialization;
using Segnn.Nn;
using Segnn.O3;

namespace Segnn;

/// <summary>
/// The one serialisable description of a model that training, export and the runtime all read: architecture (irreps,
/// layers, lmax values, norm, pooling), task and its input/output schema. JSON, snake_case, versioned.
/// </summary>
public sealed record ModelConfig
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary><c>nbody</c>, <c>qm9</c> or <c>qm9-mp2</c>.</summary>
    public string Task { get; init; } = "nbody";

    /// <summary><c>segnn</c>, or the ablations <c>seconv-linear</c> / <c>seconv-nonlinear</c>.</summary>
    public string Architecture { get; init; } = "segnn";

    public string InputIrreps { get; init; } = "2x1o+1x0e";
    public string EdgeScalarIrreps { get; init; } = "2x0e";
    public string OutputIrreps { get; init; } = "1x1o";

    /// <summary><c>node</c> (one output per node) or <c>graph</c> (pooled).</summary>
    public string OutputLevel { get; init; } = "node";

    public int HiddenFeatures { get; init; } = 64;
    public string HiddenIrrepsRule { get; init; } = "weightbalanced";
    [JsonPropertyName("lmax_hidden")]
    public int LMaxHidden { get; init; } = 1;
    [JsonPropertyName("lmax_attributes")]
    public int LMaxAttributes { get; init; } = 1;
    public int Layers { get; init; } = 4;

    /// <summary><c>none</c>, <c>instance</c> or <c>batch</c>.</summary>
    public string Norm { get; init; } = "none";

    /// <summary>Graph pooling: <c>avg</c> or <c>sum</c>.</summary>
    public string Pool { get; init; } = "avg";

    /// <summary>Spherical-harmonics normalisation of the attributes: <c>integral</c> (N-body) or <c>component</c> (QM9).</summary>
    public string ShNormalization { get; init; } = "integral";

    /// <summary>N-body node-input centring: <c>reference</c> (the per-particle coordinate-mean quirk) or <c>system</c>.</summary>
    public string Centering { get; init; } = "reference";

    /// <summary><c>fully-connected</c> or <c>radius</c>.</summary>
    public string Graph { get; init; } = "fully-connected";

    /// <summary>Radius-graph cutoff (Å) where <see cref="Graph"/> is <c>radius</c>.</summary>
    public double? Cutoff { get; init; }

    /// <summary>Atomic numbers of the one-hot node features, in column order (molecular tasks).</summary>
    public int[]? Elements { get; init; }

    /// <summary>Named outputs with their irreps and standardisation, in output-column order.</summary>
    public TargetSpec[] Targets { get; init; } = [new TargetSpec { Name = "positions", Irreps = "1x1o", Unit = "length" }];

    /// <summary>The hidden irreps; computed from the rule when not given.</summary>
    public string? HiddenIrreps { get; init; }

    /// <summary>Parameter precision of training: <c>float32</c> or <c>float64</c>.</summary>
    [JsonPropertyName("dtype")]
    public string DType { get; init; } = "float32";

    [JsonIgnore] public Irreps Input => Irreps.Parse(InputIrreps);
    [JsonIgnore] public Irreps EdgeScalars => Irreps.Parse(EdgeScalarIrreps);
    [JsonIgnore] public Irreps Output => Irreps.Parse(OutputIrreps);
    [JsonIgnore] public Irreps Attributes => Irreps.SphericalHarmonics(LMaxAttributes);
    [JsonIgnore] public Irreps Hidden => HiddenIrreps is not null ? Irreps.Parse(HiddenIrreps) : Nn.HiddenIrreps.Choose(HiddenIrrepsRule, HiddenFeatures, LMaxHidden, Attributes);
    [JsonIgnore] public bool GraphOutput => OutputLevel == "graph";
    [JsonIgnore] public ShNormalization ShNorm => O3.SphericalHarmonics.ParseNormalization(ShNormalization);

    [JsonIgnore]
    public NormKind NormKind => Norm switch
    {
        "none" => Nn.NormKind.None,
        "instance" => Nn.NormKind.Instance,
        "batch" => Nn.NormKind.Batch,
        _ => throw new FormatException($"unknown norm '{Norm}' (expected none, instance or batch)"),
    };

    /// <summary>Checks every field and the consistency between them; throws <see cref="FormatException"/> naming the field.</summary>
    public ModelConfig Validate()
    {
        if (FormatVersion != CurrentFormatVersion)
            throw new FormatException($"model config format_version {FormatVersion} is not supported (this build reads {CurrentFormatVersion})");
        if (Task is not ("nbody" or "qm9" or "qm9-mp2")) throw new FormatException($"unknown task '{Task}' (expected nbody, qm9 or qm9-mp2)");
        if (Architecture is not ("segnn" or "seconv-linear" or "seconv-nonlinear"))
            throw new FormatException($"unknown architecture '{Architecture}' (expected segnn, seconv-linear or seconv-nonlinear)");
        if (OutputLevel is not ("node" or "graph")) throw new FormatException($"output_level must be node or graph, not '{OutputLevel}'");
        if (Pool is not ("avg" or "sum")) throw new FormatException($"pool must be avg or sum, not '{Pool}'");
        if (Centering is not ("reference" or "system")) throw new FormatException($"centering must be reference or system, not '{Centering}'");
        if (Graph is not ("fully-connected" or "radius")) throw new FormatException($"graph must be fully-connected or radius, not '{Graph}'");
        if (Graph == "radius" && (Cutoff is not > 0 || !double.IsFinite(Cutoff.Value))) throw new FormatException("a radius graph needs a positive cutoff");
        if (DType is not ("float32" or "float64")) throw new FormatException($"dtype must be float32 or float64, not '{DType}'");
        if (Layers < 0) throw new FormatException("layers must be >= 0");
        if (LMaxAttributes < 0 || LMaxHidden < 0) throw new FormatException("lmax values must be >= 0");
        _ = Input;
        _ = EdgeScalars;
        _ = NormKind;
        _ = ShNorm;
        Irreps output = Output;
        Irreps hidden = Hidden;
        if (hidden.Count == 0 || hidden[0].Ir != new Irrep(0, 1)) throw new FormatException($"hidden irreps {hidden} must start with a 0e block");
        if (Task != "nbody")
        {
            if (Elements is not { Length: > 0 }) throw new FormatException($"task {Task} needs the list of elements (atomic numbers) of its one-hot node features");
            if (Input != Irreps.Parse($"{Elements.Length}x0e"))
                throw new FormatException($"input_irreps {InputIrreps} must be {Elements.Length}x0e: one scalar per element of {string.Join(", ", Elements)}");
        }
        else if (Input.Dim != 7)
        {
            throw new FormatException($"the nbody task's node input is [position, velocity, |velocity|] (2x1o+1x0e), not {InputIrreps}");
        }
        int targetDim = Targets.Sum(t => Irreps.Parse(t.Irreps).Dim);
        if (targetDim != output.Dim)
            throw new FormatException($"targets ({string.Join(", ", Targets.Select(t => $"{t.Name}:{t.Irreps}"))}) do not add up to output irreps {output}");
        return this;
    }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ModelConfig FromJson(string json)
    {
        ModelConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<ModelConfig>(json, Json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"model config is not valid JSON: {ex.Message}", ex);
        }
        return (config ?? throw new FormatException("model config is empty")).Validate();
    }

    /// <summary>The paper's N-body configuration (segnn.md §4.3).</summary>
    public static ModelConfig NBody() => new();

    /// <summary>The paper's QM9 configuration (segnn.md §5.2) for one scalar target.</summary>
    public static ModelConfig Qm9(string target = "alpha", string unit = "bohr^3") => new()
    {
        Task = "qm9",
        InputIrreps = "5x0e",
        EdgeScalarIrreps = "1x0e",
        OutputIrreps = "1x0e",
        OutputLevel = "graph",
        HiddenFeatures = 128,
        LMaxHidden = 2,
        LMaxAttributes = 3,
        Layers = 7,
        Norm = "instance",
        Pool = "avg",
        ShNormalization = "component",
        Graph = "radius",
        Cutoff = 2.0,
        Elements = [1, 6, 7, 8, 9],
        Targets = [new TargetSpec { Name = target, Irreps = "1x0e", Unit = unit }],
    };
}

/// <summary>One named model output: its irreps, its unit, and the standardisation the model's raw output is undone with.</summary>
public sealed record TargetSpec
{
    public string Name { get; init; } = "";
    public string Irreps { get; init; } = "1x0e";
    public string Unit { get; init; } = "";

    /// <summary>Prediction = raw·Scale + Mean (+ Σ atom references) for scalars; vectors are scaled, never shifted.</summary>
    public double Mean { get; init; }

    public double Scale { get; init; } = 1.0;

    /// <summary>
    /// Per-element contributions (aligned with <see cref="ModelConfig.Elements"/>) summed over a molecule's atoms and added
    /// to an extensive scalar target, so the network learns only the residual of the composition fit.
    /// </summary>
    public double[]? AtomReferences { get; init; }
}
