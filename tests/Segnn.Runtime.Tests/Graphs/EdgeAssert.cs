using Segnn.Runtime.Graphs;

namespace Segnn.Runtime.Tests.Graphs;

internal static class EdgeAssert
{
    public static HashSet<(int Sender, int Receiver)> Pairs(EdgeList edges)
    {
        var pairs = new HashSet<(int, int)>(edges.Count);
        for (int e = 0; e < edges.Count; e++)
            pairs.Add((edges.Senders[e], edges.Receivers[e]));
        return pairs;
    }

    /// <summary>Receiver-sorted, in range, no self loops, no duplicate edges, arrays exactly Count long.</summary>
    public static void WellFormed(EdgeList edges, int atoms, string context)
    {
        Assert.AreEqual(edges.Count, edges.Senders.Length, $"{context}: senders length");
        Assert.AreEqual(edges.Count, edges.Receivers.Length, $"{context}: receivers length");
        var seen = new HashSet<(int, int)>(edges.Count);
        for (int e = 0; e < edges.Count; e++)
        {
            int s = edges.Senders[e], r = edges.Receivers[e];
            Assert.IsTrue(s >= 0 && s < atoms && r >= 0 && r < atoms, $"{context}: edge {e} ({s} -> {r}) is out of range for {atoms} atoms");
            Assert.AreNotEqual(s, r, $"{context}: edge {e} is a self loop on atom {s}");
            if (e > 0)
                Assert.IsLessThanOrEqualTo(r, edges.Receivers[e - 1], $"{context}: receivers not ascending at edge {e}");
            Assert.IsTrue(seen.Add((s, r)), $"{context}: edge {s} -> {r} appears twice");
        }
    }

    public static void SameEdges(EdgeList expected, EdgeList actual, string context)
    {
        var want = Pairs(expected);
        var got = Pairs(actual);
        if (want.SetEquals(got) && expected.Count == actual.Count)
            return;
        var missing = want.Except(got).Take(5).Select(p => $"{p.Sender}->{p.Receiver}");
        var extra = got.Except(want).Take(5).Select(p => $"{p.Sender}->{p.Receiver}");
        Assert.Fail($"{context}: {expected.Count} expected edges, {actual.Count} found; missing [{string.Join(", ", missing)}], extra [{string.Join(", ", extra)}]");
    }

    /// <summary>The edges of a periodic list as (sender, receiver, shift) triples, counted (several images of one pair are distinct edges).</summary>
    public static Dictionary<(int Sender, int Receiver, int S0, int S1, int S2), int> ImageEdges(EdgeList edges)
    {
        Assert.IsNotNull(edges.Shifts, "a periodic edge list has shifts");
        var counted = new Dictionary<(int, int, int, int, int), int>(edges.Count);
        for (int e = 0; e < edges.Count; e++)
        {
            var key = (edges.Senders[e], edges.Receivers[e], edges.Shifts[3 * e], edges.Shifts[3 * e + 1], edges.Shifts[3 * e + 2]);
            counted[key] = counted.GetValueOrDefault(key) + 1;
        }

        return counted;
    }

    /// <summary>
    /// Receiver-sorted, shifts 3 per edge, zero on non-periodic axes, no (i, i, 0) edge, no repeated (sender, receiver, shift),
    /// and every edge vector pos[s] − pos[r] + S·cell no longer than the cutoff.
    /// </summary>
    public static void WellFormedPeriodic(EdgeList edges, ReadOnlySpan<double> positions, PeriodicCell cell, double cutoff, string context)
    {
        int atoms = positions.Length / 3;
        Assert.IsNotNull(edges.Shifts, $"{context}: shifts must not be null");
        Assert.AreEqual(3 * edges.Count, edges.Shifts.Length, $"{context}: shifts length");
        Assert.AreEqual(edges.Count, edges.Senders.Length, $"{context}: senders length");
        Assert.AreEqual(edges.Count, edges.Receivers.Length, $"{context}: receivers length");
        foreach (var (key, count) in ImageEdges(edges))
            Assert.AreEqual(1, count, $"{context}: edge {key} appears {count} times");
        for (int e = 0; e < edges.Count; e++)
        {
            int s = edges.Senders[e], r = edges.Receivers[e];
            Assert.IsTrue(s >= 0 && s < atoms && r >= 0 && r < atoms, $"{context}: edge {e} ({s} -> {r}) is out of range for {atoms} atoms");
            if (e > 0)
                Assert.IsLessThanOrEqualTo(r, edges.Receivers[e - 1], $"{context}: receivers not ascending at edge {e}");
            bool zero = true;
            for (int k = 0; k < 3; k++)
            {
                int shift = edges.Shifts[3 * e + k];
                zero &= shift == 0;
                if (!cell.Pbc[k])
                    Assert.AreEqual(0, shift, $"{context}: edge {e} shifts along non-periodic axis {k}");
            }

            Assert.IsFalse(s == r && zero, $"{context}: edge {e} is a self loop on atom {s} without a shift");
            double length = Math.Sqrt(Length2(edges, e, positions, cell));
            Assert.IsLessThanOrEqualTo(cutoff * (1 + 1e-12), length, $"{context}: edge {e} ({s} -> {r}) is {length} Å long, beyond the cutoff {cutoff}");
        }
    }

    public static void SameImageEdges(EdgeList expected, EdgeList actual, string context)
    {
        var want = ImageEdges(expected);
        var got = ImageEdges(actual);
        if (expected.Count == actual.Count && want.Count == got.Count && want.All(p => got.GetValueOrDefault(p.Key) == p.Value))
            return;
        var missing = want.Keys.Where(k => !got.ContainsKey(k)).Take(5);
        var extra = got.Keys.Where(k => !want.ContainsKey(k)).Take(5);
        Assert.Fail($"{context}: {expected.Count} expected edges, {actual.Count} found; missing [{string.Join(", ", missing)}], extra [{string.Join(", ", extra)}]");
    }

    /// <summary>|pos[s] − pos[r] + S·cell|² of edge e.</summary>
    public static double Length2(EdgeList edges, int e, ReadOnlySpan<double> positions, PeriodicCell cell)
    {
        int s = edges.Senders[e], r = edges.Receivers[e];
        double sum = 0;
        for (int c = 0; c < 3; c++)
        {
            double d = positions[3 * s + c] - positions[3 * r + c];
            for (int k = 0; k < 3; k++)
                d += edges.Shifts![3 * e + k] * cell[k, c];
            sum += d * d;
        }

        return sum;
    }

    /// <summary>Each receiver's edge lengths, sorted.</summary>
    public static double[][] DistancesPerAtom(EdgeList edges, ReadOnlySpan<double> positions, PeriodicCell cell)
    {
        var lists = new List<double>[positions.Length / 3];
        for (int i = 0; i < lists.Length; i++)
            lists[i] = [];
        for (int e = 0; e < edges.Count; e++)
            lists[edges.Receivers[e]].Add(Math.Sqrt(Length2(edges, e, positions, cell)));
        return lists.Select(l => l.Order().ToArray()).ToArray();
    }
}
