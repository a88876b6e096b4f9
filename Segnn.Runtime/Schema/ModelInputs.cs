namespace Segnn.Runtime;

/// <summary>The tensors a Segnn model file can take. Which ones a model takes is in its metadata; nothing else names them.</summary>
public enum ModelInput
{
    /// <summary>Node positions [nodes, 3].</summary>
    Positions,

    /// <summary>Node velocities [nodes, 3] (particle systems).</summary>
    Velocities,

    /// <summary>Node charges [nodes, 1] (particle systems).</summary>
    Charges,

    /// <summary>Atomic numbers [nodes], int64.</summary>
    AtomicNumbers,

    /// <summary>Per-atom tags [nodes], int64 (slabs: 0 adsorbate, 1 surface layer, 2… lower layers).</summary>
    Tags,

    /// <summary>The cell of every graph [graphs, 3, 3]: row k is lattice vector k.</summary>
    Cell,

    /// <summary>The integer image shift of every edge [edges, 3], in lattice vectors (as floats).</summary>
    EdgeShifts,

    /// <summary>Edges [2, edges], int64: row 0 senders, row 1 receivers, sorted by receiver.</summary>
    EdgeIndex,

    /// <summary>The graph of every node [nodes], int64, non-decreasing from 0.</summary>
    Batch,
}

/// <summary>One input tensor's name in the file, element type, dimensions (numbers or symbolic names) and meaning.</summary>
/// <param name="Input">Which input.</param>
/// <param name="Name">The ONNX tensor name.</param>
/// <param name="IsInteger">int64 (indices, atomic numbers) rather than the model's float precision.</param>
/// <param name="Dims">Dimensions: numbers, or the symbolic names <c>nodes</c>, <c>edges</c>, <c>graphs</c>.</param>
/// <param name="Description">What it holds.</param>
public sealed record ModelInputInfo(ModelInput Input, string Name, bool IsInteger, IReadOnlyList<string> Dims, string Description);

/// <summary>The one table of model input tensors: names, types and shapes, used by the exporter, parity checks and the runtime.</summary>
public static class ModelInputs
{
    /// <summary>Every input, in the order a file declares them.</summary>
    public static IReadOnlyList<ModelInputInfo> All { get; } =
    [
        new(ModelInput.Positions, "positions", false, ["nodes", "3"], "node positions [nodes, 3]"),
        new(ModelInput.Velocities, "velocities", false, ["nodes", "3"], "node velocities [nodes, 3]"),
        new(ModelInput.Charges, "charges", false, ["nodes", "1"], "node charges [nodes, 1]"),
        new(ModelInput.AtomicNumbers, "atomic_numbers", true, ["nodes"], "atomic numbers [nodes]"),
        new(ModelInput.Tags, "tags", true, ["nodes"], "atom tags [nodes]: 0 adsorbate, 1 surface layer, 2 and more lower layers"),
        new(ModelInput.Cell, "cell", false, ["graphs", "3", "3"], "cell of every graph [graphs, 3, 3]: row k is lattice vector k"),
        new(ModelInput.EdgeShifts, "edge_shifts", false, ["edges", "3"], "image shift of every edge [edges, 3] in lattice vectors: vector = pos[s] - pos[r] + shift · cell"),
        new(ModelInput.EdgeIndex, "edge_index", true, ["2", "edges"], "edges [2, edges]: row 0 senders, row 1 receivers, sorted by receiver"),
        new(ModelInput.Batch, "batch", true, ["nodes"], "graph of every node [nodes], non-decreasing, graphs numbered from 0"),
    ];

    /// <summary>The entry of <paramref name="input"/>.</summary>
    public static ModelInputInfo Info(ModelInput input) => All[(int)input];

    /// <summary>The ONNX tensor name of <paramref name="input"/>.</summary>
    public static string Name(ModelInput input) => Info(input).Name;

    /// <summary>Finds the input of an ONNX tensor name.</summary>
    public static bool TryParse(string name, out ModelInput input)
    {
        foreach (ModelInputInfo info in All)
        {
            if (info.Name == name)
            {
                input = info.Input;
                return true;
            }
        }

        input = default;
        return false;
    }
}
