using System.Text.Json.Serialization;
using Segnn.Runtime;

namespace Segnn;

/// <summary>The network: SEGNN, or the paper's SEConv ablations (segnn.md §3.4).</summary>
[JsonConverter(typeof(EnumNameJsonConverter<Architecture>))]
public enum Architecture
{
    [EnumName("segnn")]
    Segnn,

    [EnumName("seconv-linear")]
    SeconvLinear,

    [EnumName("seconv-nonlinear")]
    SeconvNonlinear,
}

/// <summary>How hidden irreps are chosen from the feature budget (segnn.md §2).</summary>
[JsonConverter(typeof(EnumNameJsonConverter<HiddenIrrepsRule>))]
public enum HiddenIrrepsRule
{
    [EnumName("weightbalanced")]
    WeightBalanced,

    [EnumName("balanced")]
    Balanced,
}

/// <summary>Graph pooling of a graph-level head.</summary>
[JsonConverter(typeof(EnumNameJsonConverter<Pooling>))]
public enum Pooling
{
    /// <summary>Mean over the graph's nodes (the paper's QM9 default).</summary>
    [EnumName("avg")]
    Avg,

    /// <summary>Sum over the graph's nodes (extensive targets such as energies).</summary>
    [EnumName("sum")]
    Sum,
}

/// <summary>N-body node-input centring.</summary>
[JsonConverter(typeof(EnumNameJsonConverter<Centering>))]
public enum Centering
{
    /// <summary>The reference's per-particle coordinate mean (a quirk that breaks rotation equivariance; kept for parity).</summary>
    [EnumName("reference")]
    Reference,

    /// <summary>The system's centroid: E(3)-equivariant.</summary>
    [EnumName("system")]
    System,
}

/// <summary>How a graph-level head turns node features into one row per graph.</summary>
[JsonConverter(typeof(EnumNameJsonConverter<Readout>))]
public enum Readout
{
    /// <summary>The paper's: a node network, pooling (avg or sum), then a network on the pooled features.</summary>
    [EnumName("pooled")]
    Pooled,

    /// <summary>
    /// Per-node outputs summed over the graph (E = Σ_i ε_i): extensive, so a supercell of n copies gets n times the
    /// energy, and forces are local. Energy models of periodic structures use it.
    /// </summary>
    [EnumName("node-sum")]
    NodeSum,
}
