using System.Text.Json;
using System.Text.Json.Serialization;
using Segnn.Graphs;
using Segnn.Nn;
using Segnn.O3;
using Segnn.Runtime;
using Segnn.Tasks;

namespace Segnn;

/// <summary>
/// The one serialisable description of a model that training, export and the runtime all read: architecture (irreps,
/// layers, lmax values, norm, pooling), task and its output targets. Parsed once into typed, immutable values (enums,
/// <see cref="Irreps"/>); JSON, snake_case, versioned. Task-specific rules are checked by the task
/// (<see cref="SegnnTask.Validate"/>).
/// </summary>
public sealed record ModelConfig
{
    /// <summary>1: the original fields. 2: periodic structures, element encodings, tags and smooth radial cutoffs.</summary>
    public const int CurrentFormatVersion = 2;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public TaskKey Task { get; init; } = NBodyTask.Id;

    public Architecture Architecture { get; init; } = Architecture.Segnn;

    public Irreps InputIrreps { get; init; } = Irreps.Parse("2x1o+1x0e");
    public Irreps EdgeScalarIrreps { get; init; } = Irreps.Parse("2x0e");
    public Irreps OutputIrreps { get; init; } = Irreps.Parse("1x1o");

    public OutputLevel OutputLevel { get; init; } = OutputLevel.Node;

    public int HiddenFeatures { get; init; } = 64;
    public HiddenIrrepsRule HiddenIrrepsRule { get; init; } = HiddenIrrepsRule.WeightBalanced;

    [JsonPropertyName("lmax_hidden")]
    public int LMaxHidden { get; init; } = 1;

    [JsonPropertyName("lmax_attributes")]
    public int LMaxAttributes { get; init; } = 1;

    public int Layers { get; init; } = 4;

    public NormKind Norm { get; init; } = NormKind.None;

    /// <summary>Graph pooling of a graph-level head.</summary>
    public Pooling Pool { get; init; } = Pooling.Avg;

    /// <summary>How a graph-level head reads out (the paper's pooled network, or a sum of per-node outputs).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public Readout Readout { get; init; } = Readout.Pooled;

    /// <summary>Spherical-harmonics normalisation of the attributes: integral (N-body) or component (QM9).</summary>
    [JsonConverter(typeof(EnumNameJsonConverter<ShNormalization>))]
    public ShNormalization ShNormalization { get; init; } = ShNormalization.Integral;

    /// <summary>N-body node-input centring.</summary>
    public Centering Centering { get; init; } = Centering.Reference;

    public GraphConstruction Graph { get; init; } = GraphConstruction.FullyConnected;

    /// <summary>Radius-graph cutoff (Å) where <see cref="Graph"/> is radius.</summary>
    public double? Cutoff { get; init; }

    /// <summary>Atomic numbers the model knows (atomistic tasks), in the order of their one-hot columns.</summary>
    public IReadOnlyList<int>? Elements { get; init; }

    /// <summary>Named outputs with their irreps and standardisation, in output-column order.</summary>
    public IReadOnlyList<TargetSpec> Targets { get; init; } = [new TargetSpec { Name = "positions", Irreps = Irreps.Parse("1x1o"), Unit = "length" }];

    /// <summary>The hidden irreps; chosen by <see cref="HiddenIrrepsRule"/> when not given.</summary>
    [JsonPropertyName("hidden_irreps")]
    public Irreps? ExplicitHiddenIrreps { get; init; }

    /// <summary>How elements become node features (atomistic tasks).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public ElementEncoding ElementEncoding { get; init; } = ElementEncoding.OneHot;

    /// <summary>Whether atom tags (adsorbate, surface layer) are node features too (catalysis tasks).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool TagFeatures { get; init; }

    /// <summary>
    /// For models of periodic structures, which lattice vectors may be periodic (the file takes a cell and edge shifts);
    /// null for models without a cell.
    /// </summary>
    public IReadOnlyList<bool>? PeriodicAxes { get; init; }

    /// <summary>The radial features of edges: the task's own scalars with a hard cutoff, or a smooth Bessel basis.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public RadialBasis Radial { get; init; } = RadialBasis.None;

    /// <summary>Number of Bessel functions (<see cref="RadialBasis.Bessel"/>).</summary>
    public int RadialFunctions { get; init; } = 8;

    /// <summary>Exponent of the smooth cutoff envelope (<see cref="RadialBasis.Bessel"/>).</summary>
    public int EnvelopeExponent { get; init; } = 5;

    /// <summary>Whether the model also gives −∂E/∂positions (forces) and the stress of its (scalar, energy) output.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public EnergyDerivatives Derivatives { get; init; } = EnergyDerivatives.None;

    /// <summary>The force scale of the training loss (mean |force component| of the training set, eV/Å).</summary>
    public double? ForceScale { get; init; }

    /// <summary>The stress scale of the training loss (mean |stress component| of the training set, eV/Å³).</summary>
    public double? StressScale { get; init; }

    /// <summary>Parameter precision of training.</summary>
    [JsonPropertyName("dtype")]
    public Precision DType { get; init; } = Precision.Float32;

    /// <summary>The spherical harmonics of the attributes, l ≤ <see cref="LMaxAttributes"/>.</summary>
    [JsonIgnore]
    public Irreps Attributes => Irreps.SphericalHarmonics(LMaxAttributes);

    /// <summary>The hidden irreps: given, or chosen by the rule (memoised: the weight-balanced search runs once per setting).</summary>
    [JsonIgnore]
    public Irreps Hidden => ExplicitHiddenIrreps ?? HiddenIrreps.Choose(HiddenIrrepsRule, HiddenFeatures, LMaxHidden, Attributes);

    [JsonIgnore]
    public bool GraphOutput => OutputLevel == OutputLevel.Graph;

    /// <summary>The task this configuration is for.</summary>
    [JsonIgnore]
    public SegnnTask TaskDefinition => TaskRegistry.Get(Task);

    /// <summary>Checks every field and the consistency between them; throws <see cref="FormatException"/> naming the field.</summary>
    public ModelConfig Validate()
    {
        if (FormatVersion is < 1 or > CurrentFormatVersion)
            throw new FormatException($"model config format_version {FormatVersion} is not supported (this build reads 1 to {CurrentFormatVersion})");
        if (Layers < 0) throw new FormatException("layers must be >= 0");
        if (HiddenFeatures < 1 && ExplicitHiddenIrreps is null) throw new FormatException("hidden_features must be >= 1");
        if (LMaxAttributes < 0 || LMaxHidden < 0) throw new FormatException("lmax values must be >= 0");
        if (Graph == GraphConstruction.Radius && (Cutoff is not > 0 || !double.IsFinite(Cutoff.Value))) throw new FormatException("a radius graph needs a positive cutoff");
        if (Derivatives != EnergyDerivatives.None && (OutputLevel != OutputLevel.Graph || OutputIrreps != Irreps.Parse("1x0e")))
            throw new FormatException("forces are the derivatives of one energy per graph: output_irreps 1x0e, output_level graph");
        if (Derivatives == EnergyDerivatives.ForcesAndStress && PeriodicAxes is null)
            throw new FormatException("a stress needs a cell: forces-and-stress is for models of periodic structures");
        if (Readout == Readout.NodeSum && OutputLevel != OutputLevel.Graph) throw new FormatException("readout node-sum is for graph-level outputs");
        if (PeriodicAxes is { Count: not 3 }) throw new FormatException("periodic_axes needs three flags, one per lattice vector");
        if (Radial == RadialBasis.Bessel)
        {
            if (Graph != GraphConstruction.Radius) throw new FormatException("a smooth radial basis needs a radius graph (its envelope ends at the cutoff)");
            if (RadialFunctions < 1) throw new FormatException("radial_functions must be >= 1");
            if (EnvelopeExponent < 2) throw new FormatException("envelope_exponent must be >= 2");
            if (EdgeScalarIrreps != Irreps.Parse($"{RadialFunctions}x0e"))
                throw new FormatException($"edge_scalar_irreps must be {RadialFunctions}x0e: one scalar per radial function");
        }
        Irreps hidden = Hidden;
        if (hidden.Count == 0 || hidden[0].Ir != new Irrep(0, 1)) throw new FormatException($"hidden irreps {hidden} must start with a 0e block");
        if (Targets.Count == 0) throw new FormatException("a model needs at least one target");
        int targetDim = Targets.Sum(t => t.Irreps.Dim);
        if (targetDim != OutputIrreps.Dim)
            throw new FormatException($"targets ({string.Join(", ", Targets.Select(t => $"{t.Name}:{t.Irreps}"))}) do not add up to output irreps {OutputIrreps}");
        if (!TaskRegistry.TryGet(Task, out SegnnTask? task))
            throw new FormatException($"unknown task '{Task}' (expected {TaskRegistry.Choices})");
        task.Validate(this);
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
            throw new FormatException($"model config is not valid: {ex.Message}", ex);
        }
        return (config ?? throw new FormatException("model config is empty")).Validate();
    }
}

/// <summary>Which derivatives of its energy a model outputs besides the energy.</summary>
[JsonConverter(typeof(EnumNameJsonConverter<EnergyDerivatives>))]
public enum EnergyDerivatives
{
    [EnumName("none")]
    None,

    /// <summary>Forces, −∂E/∂positions.</summary>
    [EnumName("forces")]
    Forces,

    /// <summary>Forces and the stress (1/V)·∂E/∂ε of a symmetric strain of positions and cell (ASE's convention).</summary>
    [EnumName("forces-and-stress")]
    ForcesAndStress,
}

/// <summary>The radial features of edges.</summary>
[JsonConverter(typeof(EnumNameJsonConverter<RadialBasis>))]
public enum RadialBasis
{
    /// <summary>The task's own edge scalars (SEGNN: distance or squared distance) and a hard cutoff.</summary>
    [EnumName("none")]
    None,

    /// <summary>
    /// Bessel functions of the distance times a smooth envelope; messages and node attributes are weighted by the
    /// envelope too, so energies and forces are continuous as neighbours cross the cutoff.
    /// </summary>
    [EnumName("bessel")]
    Bessel,
}

/// <summary>One named model output: its irreps, its unit, and the standardisation the model's raw output is undone with.</summary>
public sealed record TargetSpec
{
    public string Name { get; init; } = "";
    public Irreps Irreps { get; init; } = Irreps.Parse("1x0e");
    public string Unit { get; init; } = "";

    /// <summary>Prediction = raw·Scale + Mean (+ Σ atom references) for scalars; vectors are scaled, never shifted.</summary>
    public double Mean { get; init; }

    public double Scale { get; init; } = 1.0;

    /// <summary>
    /// Per-element contributions (aligned with <see cref="ModelConfig.Elements"/>) summed over a system's atoms and added
    /// to an extensive scalar target, so the network learns only the residual of the composition fit.
    /// </summary>
    public IReadOnlyList<double>? AtomReferences { get; init; }
}
