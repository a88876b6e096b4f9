using System.Collections;
using System.Globalization;
using System.Text;

namespace Segnn.O3;

/// <summary>An irreducible representation of O(3): degree <c>L</c> ≥ 0 and parity <c>P</c> = +1 ("e") or −1 ("o").</summary>
public readonly record struct Irrep
{
    public Irrep(int l, int p)
    {
        if (l < 0) throw new ArgumentOutOfRangeException(nameof(l), l, "degree must be >= 0");
        if (p != 1 && p != -1) throw new ArgumentOutOfRangeException(nameof(p), p, "parity must be +1 or -1");
        L = l;
        P = p;
    }

    public int L { get; }
    public int P { get; }
    public int Dim => 2 * L + 1;

    /// <summary>The irrep of the degree-l spherical harmonics: parity (−1)^l.</summary>
    public static Irrep SphericalHarmonic(int l) => new(l, l % 2 == 0 ? 1 : -1);

    public static Irrep Parse(string text)
    {
        if (!TryParse(text.Trim(), out Irrep ir))
            throw new FormatException($"'{text}' is not an irrep: expected a degree and a parity, e.g. '0e' or '1o'");
        return ir;
    }

    internal static bool TryParse(string s, out Irrep ir)
    {
        ir = default;
        if (s.Length < 2) return false;
        char parity = s[^1];
        if (parity != 'e' && parity != 'o') return false;
        string digits = s[..^1];
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)) return false;
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int l)) return false;
        ir = new Irrep(l, parity == 'e' ? 1 : -1);
        return true;
    }

    /// <summary>Selection rule of a path l1 ⊗ l2 → l3: triangle inequality and p3 = p1·p2.</summary>
    public static bool PathAllowed(Irrep a, Irrep b, Irrep c) =>
        c.L >= Math.Abs(a.L - b.L) && c.L <= a.L + b.L && c.P == a.P * b.P;

    /// <summary>e3nn's order: by degree, then odd before even.</summary>
    public static int Compare(Irrep a, Irrep b) => a.L != b.L ? a.L.CompareTo(b.L) : a.P.CompareTo(b.P);

    public override string ToString() => $"{L}{(P == 1 ? 'e' : 'o')}";
}

/// <summary>A block of <c>Mul</c> copies of one irrep.</summary>
public readonly record struct MulIrrep(int Mul, Irrep Ir)
{
    public int Dim => Mul * Ir.Dim;
    public override string ToString() => $"{Mul}x{Ir}";
}

/// <summary>
/// An ordered list of (multiplicity × irrep) blocks, immutable, with e3nn 0.4.1 semantics. The feature vector is the
/// concatenation of the blocks in list order; inside a block the layout is multiplicity-major ("mul_ir").
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(IrrepsJsonConverter))]
public sealed class Irreps : IReadOnlyList<MulIrrep>, IEquatable<Irreps>
{
    private readonly MulIrrep[] _blocks;

    public Irreps(IEnumerable<MulIrrep> blocks)
    {
        _blocks = blocks.ToArray();
        foreach (MulIrrep b in _blocks)
            if (b.Mul < 0) throw new ArgumentException($"negative multiplicity in {b}", nameof(blocks));
    }

    public static Irreps Empty { get; } = new([]);

    public int Count => _blocks.Length;
    public MulIrrep this[int index] => _blocks[index];

    /// <summary>Total dimension Σ mul·(2l+1).</summary>
    public int Dim => _blocks.Sum(b => b.Dim);

    /// <summary>Number of irrep copies Σ mul.</summary>
    public int NumIrreps => _blocks.Sum(b => b.Mul);

    /// <summary>The degree of every irrep copy, in order (e3nn's <c>ls</c>).</summary>
    public IReadOnlyList<int> Ls => _blocks.SelectMany(b => Enumerable.Repeat(b.Ir.L, b.Mul)).ToArray();

    public int LMax => _blocks.Length == 0 ? throw new InvalidOperationException("empty irreps have no lmax") : _blocks.Max(b => b.Ir.L);

    /// <summary>The index range of every block in the feature vector.</summary>
    public IReadOnlyList<Range> Slices()
    {
        var result = new Range[_blocks.Length];
        int start = 0;
        for (int i = 0; i < _blocks.Length; i++)
        {
            result[i] = new Range(start, start + _blocks[i].Dim);
            start += _blocks[i].Dim;
        }
        return result;
    }

    /// <summary>Offset of block <paramref name="index"/> in the feature vector.</summary>
    public int Offset(int index) => _blocks.Take(index).Sum(b => b.Dim);

    /// <summary>Parses e.g. <c>32x0e+32x1o</c>, <c>0e+1o</c>, <c>2x1e</c>. Errors quote the offending part.</summary>
    public static Irreps Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (trimmed.Length == 0) return Empty;
        var blocks = new List<MulIrrep>();
        foreach (string rawPart in trimmed.Split('+'))
        {
            string part = rawPart.Trim();
            if (part.Length == 0)
                throw new FormatException($"Cannot parse irreps '{text}': empty term (a '+' with nothing around it)");
            int mul = 1;
            string irText = part;
            int x = part.IndexOf('x', StringComparison.Ordinal);
            if (x >= 0)
            {
                string mulText = part[..x].Trim();
                if (mulText.Length == 0 || !mulText.All(char.IsAsciiDigit)
                    || !int.TryParse(mulText, NumberStyles.None, CultureInfo.InvariantCulture, out mul))
                    throw new FormatException($"Cannot parse irreps '{text}': bad multiplicity in '{part}'");
                irText = part[(x + 1)..].Trim();
            }
            if (!Irrep.TryParse(irText, out Irrep ir))
                throw new FormatException($"Cannot parse irreps '{text}': '{part}' is not of the form [mul x] <degree><e|o>, e.g. '32x1o'");
            blocks.Add(new MulIrrep(mul, ir));
        }
        return new Irreps(blocks);
    }

    /// <summary>1x0e + 1x1o + 1x2e + … up to <paramref name="lmax"/> (parity (−1)^l).</summary>
    public static Irreps SphericalHarmonics(int lmax)
    {
        if (lmax < 0) throw new ArgumentOutOfRangeException(nameof(lmax), lmax, "lmax must be >= 0");
        return new Irreps(Enumerable.Range(0, lmax + 1).Select(l => new MulIrrep(1, Irrep.SphericalHarmonic(l))));
    }

    /// <summary>Merges ADJACENT equal irreps and drops zero multiplicities; never reorders.</summary>
    public Irreps Simplify()
    {
        var result = new List<MulIrrep>();
        foreach (MulIrrep b in _blocks)
        {
            if (b.Mul == 0) continue;
            if (result.Count > 0 && result[^1].Ir == b.Ir)
                result[^1] = new MulIrrep(result[^1].Mul + b.Mul, b.Ir);
            else
                result.Add(b);
        }
        return new Irreps(result);
    }

    /// <summary>
    /// Stable sort by (l, p) with odd before even. Returns the sorted irreps and the permutation:
    /// <c>Permutation[i]</c> is the new position of block i (e3nn's <c>p</c>); <c>Inverse[j]</c> is the old index of block j.
    /// </summary>
    public (Irreps Sorted, int[] Permutation, int[] Inverse) Sort()
    {
        int[] inverse = Enumerable.Range(0, _blocks.Length)
            .OrderBy(i => _blocks[i].Ir.L).ThenBy(i => _blocks[i].Ir.P).ToArray(); // LINQ OrderBy is stable
        int[] permutation = new int[inverse.Length];
        for (int j = 0; j < inverse.Length; j++) permutation[inverse[j]] = j;
        return (new Irreps(inverse.Select(i => _blocks[i])), permutation, inverse);
    }

    public static Irreps operator +(Irreps a, Irreps b) => new(a._blocks.Concat(b._blocks));

    /// <summary>Repeats the whole list n times.</summary>
    public static Irreps operator *(Irreps a, int n)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "repetition must be >= 0");
        return new Irreps(Enumerable.Repeat(a._blocks, n).SelectMany(b => b));
    }

    public static Irreps operator *(int n, Irreps a) => a * n;

    public bool Equals(Irreps? other) => other is not null && _blocks.AsSpan().SequenceEqual(other._blocks);
    public override bool Equals(object? obj) => Equals(obj as Irreps);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (MulIrrep b in _blocks) h.Add(b);
        return h.ToHashCode();
    }

    public static bool operator ==(Irreps? a, Irreps? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(Irreps? a, Irreps? b) => !(a == b);

    public IEnumerator<MulIrrep> GetEnumerator() => ((IEnumerable<MulIrrep>)_blocks).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => _blocks.GetEnumerator();

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (MulIrrep b in _blocks)
        {
            if (sb.Length > 0) sb.Append('+');
            sb.Append(b);
        }
        return sb.ToString();
    }
}
