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
}
