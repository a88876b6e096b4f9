using Segnn.Export.Onnx;
using Segnn.Export.Onnx.Proto;

namespace Segnn.Export.Lowering;

/// <summary>
/// A graph pass that removes the copies a trace makes by construction: feature tensors are assembled by Concat (a tensor
/// product's output blocks, a gate's output, a message's inputs) and taken apart again by Split or Slice (the next
/// tensor product's input blocks, the gate's scalars and gates). Where the pieces line up with the parts, each consumer
/// reads the part itself and the Concat dies; a Split of gathered rows becomes a Gather of split rows (a split of the
/// node features instead of the four-times-larger edge features). Only rank-2 values along the last axis, with
/// widths recorded in <see cref="GraphBuilder.Widths"/>, are touched.
/// </summary>
/// <remarks>
/// In ONNX Runtime's profile of the N-body model these Concats and Splits were 35 % of the kernel time (every one copies).
/// </remarks>
internal static class ConcatForwarding
{
    private sealed record Part(string Name, long Start, long Width);

    public static void Run(GraphBuilder b)
    {
        // dead Concats go after each pass: a value's consumer count decides the Gather rewrite
        while (Pass(b)) RemoveDeadNodes(b.Graph);
    }

    private static bool Pass(GraphBuilder b)
    {
        GraphProto g = b.Graph;
        var producer = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        var consumers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (NodeProto n in g.Node)
        {
            foreach (string o in n.Output) producer[o] = n;
            foreach (string i in n.Input) consumers[i] = consumers.GetValueOrDefault(i) + 1;
        }
        var graphOutputs = g.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var sliceRanges = g.Node.Select(n => (n, Range: SliceRange(b, n))).Where(x => x.Range is not null)
            .ToLookup(x => x.n.Input[0], x => x.Range!.Value, StringComparer.Ordinal); // the Slices of each value
        var alias = new Dictionary<string, string>(StringComparer.Ordinal);
        var rebuilt = new List<NodeProto>(g.Node.Count);
        var splits = new Dictionary<string, string[]>(StringComparer.Ordinal); // "source|sizes" → pieces, made once
        bool changed = false;

        // a value that the rewrite makes equal to another: consumers read the other, or an Identity keeps a graph output
        void Alias(string value, string to)
        {
            if (graphOutputs.Contains(value)) rebuilt.Add(b.NewNode("Identity", [to], [value]));
            else alias[value] = to;
        }

        foreach (NodeProto node in g.Node)
        {
            for (int i = 0; i < node.Input.Count; i++)
                if (alias.TryGetValue(node.Input[i], out string? a)) node.Input[i] = a;
            bool rewritten = node.OpType switch
            {
                "Slice" => ForwardSlice(b, node, producer, rebuilt, Alias, sliceRanges[node.Input[0]]),
                "Split" => ForwardSplit(b, node, producer, rebuilt, Alias) || SplitBeforeGather(b, node, producer, consumers, rebuilt, splits),
                _ => false,
            };
            if (rewritten) changed = true;
            else rebuilt.Add(node);
        }
        foreach (NodeProto n in rebuilt)
            for (int i = 0; i < n.Input.Count; i++)
                if (alias.TryGetValue(n.Input[i], out string? a)) n.Input[i] = a;
        g.Node.Clear();
        g.Node.AddRange(rebuilt);
        return changed;
    }

    /// <summary>The parts of a last-axis Concat of rank-2 values (looking through Identity), or null.</summary>
    private static List<Part>? ConcatParts(GraphBuilder b, string value, Dictionary<string, NodeProto> producer)
    {
        while (producer.TryGetValue(value, out NodeProto? p) && p.OpType == "Identity") value = p.Input[0];
        if (!producer.TryGetValue(value, out NodeProto? concat) || concat.OpType != "Concat") return null;
        long axis = concat.Attribute.Single(a => a.Name == "axis").I;
        if (axis is not (-1 or 1)) return null;
        var parts = new List<Part>();
        long start = 0;
        foreach (string input in concat.Input)
        {
            if (!b.Widths.TryGetValue(input, out long w)) return null;
            parts.Add(new Part(input, start, w));
            start += w;
        }
        return parts;
    }

    private static bool IsLastAxis(long[]? axes) => axes is [-1] or [1];

    private static (long Start, long End)? SliceRange(GraphBuilder b, NodeProto slice)
    {
        if (slice.OpType != "Slice" || slice.Input.Count != 4) return null; // steps given: leave it
        long[]? starts = b.IntConstant(slice.Input[1]), ends = b.IntConstant(slice.Input[2]), axes = b.IntConstant(slice.Input[3]);
        if (starts is not [long start] || ends is not [long end] || !IsLastAxis(axes) || start < 0 || end <= start) return null;
        return (start, end);
    }

    private static bool ForwardSlice(GraphBuilder b, NodeProto slice, Dictionary<string, NodeProto> producer, List<NodeProto> rebuilt,
        Action<string, string> alias, IEnumerable<(long Start, long End)> siblings)
    {
        if (SliceRange(b, slice) is not var (start, end)) return false;
        List<Part>? parts = ConcatParts(b, slice.Input[0], producer);
        if (parts is null) return false;
        Part? part = parts.FirstOrDefault(p => p.Start <= start && end <= p.Start + p.Width);
        if (part is null)
        {
            // a Slice that spans several whole parts (a gate's scalars and gates, each a tensor-product block) is the
            // Concat of those parts: one copy of its columns instead of the whole Concat's plus the Slice's
            var run = parts.Where(p => start <= p.Start && p.Start + p.Width <= end).ToList();
            if (run.Count < 2 || run[0].Start != start || run[^1].Start + run[^1].Width != end) return false;
            rebuilt.Add(b.NewNode("Concat", run.Select(p => p.Name).ToArray(), [slice.Output[0]], ("axis", -1L)));
            b.Widths[slice.Output[0]] = end - start;
            return true;
        }
        if (start == part.Start && end == part.Start + part.Width)
        {
            alias(slice.Output[0], part.Name);
            return true;
        }
        // a narrower Slice of the part only where the Slices of this part tile it: ONNX Runtime fuses sibling Slices into
        // a Split, which goes wrong when they leave columns out (see the README)
        var ranges = siblings.Where(r => part.Start <= r.Start && r.End <= part.Start + part.Width).Distinct().OrderBy(r => r.Start).ToList();
        long at = part.Start;
        foreach (var r in ranges)
        {
            if (r.Start != at) return false;
            at = r.End;
        }
        if (at != part.Start + part.Width) return false;
        rebuilt.Add(b.NewNode("Slice", [part.Name, b.Ints(start - part.Start), b.Ints(end - part.Start), b.Ints(-1)], [slice.Output[0]]));
        return true;
    }

    private static bool ForwardSplit(GraphBuilder b, NodeProto split, Dictionary<string, NodeProto> producer, List<NodeProto> rebuilt, Action<string, string> alias)
    {
        long[]? sizes = SplitSizes(b, split);
        List<Part>? parts = sizes is null ? null : ConcatParts(b, split.Input[0], producer);
        if (sizes is null || parts is null || sizes.Sum() != parts.Sum(p => p.Width)) return false;
        // cut at every piece and every part boundary: each part is then tiled by sub-pieces (its own Split, or the part
        // itself), and a piece is one sub-piece (read directly) or, where it spans parts, the Concat of its sub-pieces (a
        // column selection's Split of a tensor product's output does that)
        var ends = new long[sizes.Length];
        long at = 0;
        for (int i = 0; i < sizes.Length; i++) ends[i] = at += sizes[i];
        var cuts = new SortedSet<long>(ends);
        foreach (Part p in parts) cuts.Add(p.Start + p.Width);
        var subPieces = new List<(long Start, long End, string Name)>();
        foreach (Part part in parts)
        {
            var inPart = new List<(long Start, long End, string Name)>();
            long from = part.Start;
            foreach (long cut in cuts.Where(c => c > part.Start && c <= part.Start + part.Width))
            {
                int piece = Array.IndexOf(ends, cut);
                bool whole = piece >= 0 && (piece == 0 ? 0 : ends[piece - 1]) == from;
                string name = whole ? split.Output[piece] : b.Fresh("columns");
                b.Widths[name] = cut - from;
                inPart.Add((from, cut, name));
                from = cut;
            }
            if (inPart.Count == 1) alias(inPart[0].Name, part.Name);
            else rebuilt.Add(b.NewNode("Split", [part.Name, b.Ints(inPart.Select(q => q.End - q.Start).ToArray())], inPart.Select(q => q.Name).ToArray(), ("axis", -1L)));
            subPieces.AddRange(inPart);
        }
        for (int i = 0; i < sizes.Length; i++)
        {
            long start = ends[i] - sizes[i];
            var run = subPieces.Where(q => start <= q.Start && q.End <= ends[i]).ToList();
            if (run.Count > 1) rebuilt.Add(b.NewNode("Concat", run.Select(q => q.Name).ToArray(), [split.Output[i]], ("axis", -1L)));
        }
        return true;
    }

    /// <summary>Split(Gather(x, rows)) → Gather(Split(x), rows) per piece, when the gather feeds only the split.</summary>
    private static bool SplitBeforeGather(GraphBuilder b, NodeProto split, Dictionary<string, NodeProto> producer, Dictionary<string, int> consumers,
        List<NodeProto> rebuilt, Dictionary<string, string[]> splits)
    {
        long[]? sizes = SplitSizes(b, split);
        if (sizes is null || !producer.TryGetValue(split.Input[0], out NodeProto? gather) || gather.OpType != "Gather") return false;
        if (gather.Attribute.SingleOrDefault(a => a.Name == "axis")?.I is not 0 || consumers.GetValueOrDefault(gather.Output[0]) != 1) return false;
        string source = gather.Input[0];
        if (!b.Widths.TryGetValue(source, out long width) || width != sizes.Sum()) return false;
        string key = source + "|" + string.Join(",", sizes);
        if (!splits.TryGetValue(key, out string[]? pieces))
        {
            pieces = sizes.Select(_ => b.Fresh("columns")).ToArray();
            for (int i = 0; i < pieces.Length; i++) b.Widths[pieces[i]] = sizes[i];
            rebuilt.Add(b.NewNode("Split", [source, b.Ints(sizes)], pieces, ("axis", -1L)));
            splits[key] = pieces;
        }
        for (int i = 0; i < pieces.Length; i++)
            rebuilt.Add(b.NewNode("Gather", [pieces[i], gather.Input[1]], [split.Output[i]], ("axis", 0L)));
        return true;
    }

    private static long[]? SplitSizes(GraphBuilder b, NodeProto split) =>
        split.Input.Count == 2 && split.Attribute.SingleOrDefault(a => a.Name == "axis")?.I is -1 or 1 ? b.IntConstant(split.Input[1]) : null;

    /// <summary>Drops nodes none of whose outputs is read (by a node or as a graph output).</summary>
    private static void RemoveDeadNodes(GraphProto g)
    {
        while (true)
        {
            var used = new HashSet<string>(g.Node.SelectMany(n => n.Input), StringComparer.Ordinal);
            foreach (ValueInfoProto o in g.Output) used.Add(o.Name);
            var live = g.Node.Where(n => n.Output.Any(used.Contains)).ToList();
            if (live.Count == g.Node.Count) return;
            g.Node.Clear();
            g.Node.AddRange(live);
        }
    }
}
