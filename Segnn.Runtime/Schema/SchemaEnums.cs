using System.Text.Json.Serialization;

namespace Segnn.Runtime;

/// <summary>How edges are built for a model: every ordered pair of a system, or pairs within a cutoff.</summary>
[JsonConverter(typeof(EnumNameJsonConverter<GraphConstruction>))]
public enum GraphConstruction
{
    /// <summary>All ordered pairs (i ≠ j) of a system.</summary>
    [EnumName("fully-connected")]
    FullyConnected,

    /// <summary>Pairs within the model's cutoff (inclusive), with periodic images where the structure has a cell.</summary>
    [EnumName("radius")]
    Radius,
}

/// <summary>Whether an output has one row per node or one per graph (system).</summary>
[JsonConverter(typeof(EnumNameJsonConverter<OutputLevel>))]
public enum OutputLevel
{
    /// <summary>One row per node (atom, particle).</summary>
    [EnumName("node")]
    Node,

    /// <summary>One row per graph (pooled over its nodes).</summary>
    [EnumName("graph")]
    Graph,
}

/// <summary>Floating-point precision of a model's parameters and of its file's float inputs and outputs.</summary>
[JsonConverter(typeof(EnumNameJsonConverter<Precision>))]
public enum Precision
{
    /// <summary>IEEE single precision (the default).</summary>
    [EnumName("float32")]
    Float32,

    /// <summary>IEEE double precision (ONNX Runtime CPU; for molecular dynamics and finite-difference checks).</summary>
    [EnumName("float64")]
    Float64,
}

/// <summary>The kind of system a model takes, as its inputs say.</summary>
public enum SystemKind
{
    /// <summary>Charged particles with velocities (<c>ParticleSystem</c>).</summary>
    ParticleSystem,

    /// <summary>Atoms without a cell (<c>Molecule</c>).</summary>
    Molecule,

    /// <summary>Atoms in a cell with per-axis periodicity (<c>PeriodicStructure</c>).</summary>
    PeriodicStructure,
}
