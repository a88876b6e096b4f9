using System.Text.Json.Serialization;
using Segnn.Nn;
using Segnn.Runtime;

namespace Segnn.Graphs;

/// <summary>How an atom's element becomes its scalar node features.</summary>
[JsonConverter(typeof(EnumNameJsonConverter<ElementEncoding>))]
public enum ElementEncoding
{
    /// <summary>One column per known element (the paper's QM9 input).</summary>
    [EnumName("one-hot")]
    OneHot,

    /// <summary>
    /// One column per periodic-table group and one per period present among the known elements: an element seen only at
    /// inference (a new metal of a known group and period, e.g. Pd from Ni, Pt and Ag) still gets meaningful features.
    /// </summary>
    [EnumName("group-period")]
    GroupPeriod,
}

/// <summary>
/// The scalar node features of atomistic tasks, computed inside the forward from the int64 atomic numbers (and tags):
/// training and the exported graph share them, and the runtime only validates elements.
/// </summary>
public static class AtomFeatures
{
    /// <summary>Tag values with a column of their own: 0 (adsorbate) and 1 (surface layer); lower layers share the zero row.</summary>
    public static readonly IReadOnlyList<long> TagClasses = [0, 1];

    /// <summary>Columns of the element features of <paramref name="config"/>.</summary>
    public static int ElementWidth(ModelConfig config) => ElementTable(config).Width;

    /// <summary>All node-feature columns: elements, then tags when the model uses them.</summary>
    public static int Width(ModelConfig config) => ElementWidth(config) + (config.TagFeatures ? TagClasses.Count : 0);

    /// <summary>[nodes, <see cref="Width"/>] scalar features.</summary>
    public static T Compute<T>(IOps<T> ops, ModelConfig config, Graphs.RawGraph<T> g) where T : class
    {
        T z = g.AtomicNumbers ?? throw new ArgumentException($"task {config.Task} needs atomic numbers");
        var (table, width) = ElementTable(config);
        T elements = config.ElementEncoding == ElementEncoding.OneHot
            ? ops.OneHot(z, Known(config).Select(e => (long)e).ToArray())
            : ops.Rows(ops.Constant(table, Runtime.Inputs.Elements.MaxAtomicNumber + 1, width), z);
        if (!config.TagFeatures) return elements;
        T tags = ops.OneHot(g.Tags ?? throw new ArgumentException($"task {config.Task} needs atom tags"), TagClasses);
        return ops.Concat([elements, tags]);
    }

    /// <summary>Periodic-table group (1–18; lanthanides and actinides count as group 3) and period (1–7) of an element.</summary>
    public static (int Group, int Period) GroupAndPeriod(int z)
    {
        if (!Runtime.Inputs.Elements.IsValid(z)) throw new ArgumentOutOfRangeException(nameof(z), z, "not an element");
        int[] starts = [1, 3, 11, 19, 37, 55, 87, 119];
        int period = 1;
        while (z >= starts[period]) period++;
        int index = z - starts[period - 1];
        int group = period switch
        {
            1 => z == 1 ? 1 : 18,
            2 or 3 => index < 2 ? index + 1 : index + 11,
            4 or 5 => index + 1,
            _ => index < 2 ? index + 1 : index < 17 ? 3 : index - 13,
        };
        return (group, period);
    }

    private static IReadOnlyList<int> Known(ModelConfig config) =>
        config.Elements ?? throw new FormatException($"task {config.Task} needs the list of elements the model knows");

    /// <summary>For the group-period encoding, a [119, width] row per atomic number (zero rows for unknown elements).</summary>
    private static (double[] Table, int Width) ElementTable(ModelConfig config)
    {
        IReadOnlyList<int> known = Known(config);
        if (config.ElementEncoding == ElementEncoding.OneHot) return ([], known.Count);
        int[] groups = known.Select(z => GroupAndPeriod(z).Group).Distinct().Order().ToArray();
        int[] periods = known.Select(z => GroupAndPeriod(z).Period).Distinct().Order().ToArray();
        int width = groups.Length + periods.Length;
        var table = new double[(Runtime.Inputs.Elements.MaxAtomicNumber + 1) * width];
        foreach (int z in known)
        {
            var (group, period) = GroupAndPeriod(z);
            table[z * width + Array.IndexOf(groups, group)] = 1;
            table[z * width + groups.Length + Array.IndexOf(periods, period)] = 1;
        }
        return (table, width);
    }
}
