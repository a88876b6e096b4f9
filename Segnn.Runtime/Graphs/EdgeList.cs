namespace Segnn.Runtime.Graphs;

/// <summary>
/// Directed edges sender → receiver, sorted by receiver ascending (within one receiver the order is deterministic
/// but unspecified). <see cref="Senders"/> and <see cref="Receivers"/> both have exactly <see cref="Count"/> entries.
/// Edges of a periodic structure also carry the integer image <see cref="Shifts"/>: the edge vector is
/// pos[sender] − pos[receiver] + Σ_k shift_k · lattice vector k.
/// </summary>
/// <remarks>Receiver-sorted edges let a model aggregate messages with contiguous segments instead of scatters.</remarks>
public sealed class EdgeList
{
    /// <summary>Wraps the given arrays (not copied) after checking that they pair up and are receiver-sorted.</summary>
    /// <exception cref="ArgumentException">The arrays differ in length, an index is negative, or the receivers are not ascending.</exception>
    /// <param name="senders">the sending atom of each edge.</param>
    /// <param name="receivers">the receiving atom of each edge, ascending.</param>
    /// <param name="shifts">null (no cell), or the integer image shift of each edge, row-major [edges, 3].</param>
    public EdgeList(int[] senders, int[] receivers, int[]? shifts = null)
    {
        ArgumentNullException.ThrowIfNull(senders);
        ArgumentNullException.ThrowIfNull(receivers);
        if (senders.Length != receivers.Length)
            throw new ArgumentException($"senders has {senders.Length} entries but receivers has {receivers.Length}", nameof(receivers));
        if (shifts is not null && shifts.Length != 3 * senders.Length)
            throw new ArgumentException($"shifts has {shifts.Length} entries for {senders.Length} edges (expected 3 per edge)", nameof(shifts));
        for (int e = 0; e < receivers.Length; e++)
        {
            if (senders[e] < 0 || receivers[e] < 0)
                throw new ArgumentException($"edge {e} has a negative atom index ({senders[e]} -> {receivers[e]})", nameof(senders));
            if (e > 0 && receivers[e] < receivers[e - 1])
                throw new ArgumentException($"receivers must be ascending, but edge {e} has receiver {receivers[e]} after {receivers[e - 1]}", nameof(receivers));
        }

        Senders = senders;
        Receivers = receivers;
        Shifts = shifts;
    }

    // The builders in this assembly produce sorted, paired arrays by construction: skip the O(E) check.
    private EdgeList((int[] Senders, int[] Receivers, int[]? Shifts) valid)
    {
        Senders = valid.Senders;
        Receivers = valid.Receivers;
        Shifts = valid.Shifts;
    }

    /// <summary>An edge list with no edges.</summary>
    public static EdgeList Empty { get; } = new(([], [], null));

    /// <summary>A periodic edge list with no edges (its <see cref="Shifts"/> is empty, not null).</summary>
    public static EdgeList EmptyPeriodic { get; } = new(([], [], []));

    /// <summary>The number of edges.</summary>
    public int Count => Senders.Length;

    /// <summary>The sending atom of each edge.</summary>
    public int[] Senders { get; }

    /// <summary>The receiving atom of each edge, ascending.</summary>
    public int[] Receivers { get; }

    /// <summary>Null for a non-periodic graph; else the image shift of each edge in lattice vectors, row-major [edges, 3].</summary>
    public int[]? Shifts { get; }

    internal static EdgeList Trusted(int[] senders, int[] receivers) =>
        senders.Length == 0 ? Empty : new EdgeList((senders, receivers, null));

    internal static EdgeList Trusted(int[] senders, int[] receivers, int[] shifts) =>
        senders.Length == 0 ? EmptyPeriodic : new EdgeList((senders, receivers, shifts));
}
