using Segnn.O3;

namespace Segnn.Nn;

/// <summary>SEGNN's rules for choosing the hidden irreps from a feature budget (segnn.md §2).</summary>
public static class HiddenIrreps
{
    /// <summary>
    /// "weightbalanced": the smallest n such that n×(0e+1o+2e+…+lmax) ⊗ attributes → itself has at least as many weights
    /// as a scalar linear layer H→H (H²).
    /// </summary>
    public static Irreps WeightBalanced(int hiddenFeatures, int lmaxHidden, Irreps attributes)
    {
        if (hiddenFeatures < 1) throw new ArgumentOutOfRangeException(nameof(hiddenFeatures), hiddenFeatures, "hidden features must be >= 1");
        if (lmaxHidden < 0) throw new ArgumentOutOfRangeException(nameof(lmaxHidden), lmaxHidden, "lmax must be >= 0");
        long target = (long)hiddenFeatures * hiddenFeatures;
        for (int n = 1; ; n++)
        {
            Irreps candidate = (Irreps.SphericalHarmonics(lmaxHidden) * n).Sort().Sorted.Simplify();
            if (new TensorProductDescriptor(candidate, attributes, candidate).WeightCount >= target) return candidate;
        }
    }

    /// <summary>"balanced": degrees 0..lmax with parity (−1)^l keeping the total dimension equal to <paramref name="dimension"/>.</summary>
    public static Irreps Balanced(int lmax, int dimension)
    {
        if (lmax < 0) throw new ArgumentOutOfRangeException(nameof(lmax));
        var copies = new int[lmax + 1];
        for (int l = 0; l <= lmax; l++) copies[l] = dimension / (2 * l + 1) / (lmax + 1);
        copies[0] += dimension - Enumerable.Range(0, lmax + 1).Sum(l => copies[l] * (2 * l + 1));
        return new Irreps(Enumerable.Range(0, lmax + 1).Select(l => new MulIrrep(copies[l], Irrep.SphericalHarmonic(l)))).Simplify();
    }

    /// <summary>The rule's irreps, computed once per (rule, budget, lmax, attributes): configurations ask for them often.</summary>
    public static Irreps Choose(HiddenIrrepsRule rule, int hiddenFeatures, int lmaxHidden, Irreps attributes) =>
        Chosen.GetOrAdd((rule, hiddenFeatures, lmaxHidden, attributes), key => key.Rule switch
        {
            HiddenIrrepsRule.WeightBalanced => WeightBalanced(key.Features, key.LMax, key.Attributes),
            HiddenIrrepsRule.Balanced => Balanced(key.LMax, key.Features),
            _ => throw new FormatException($"unknown hidden irreps rule {key.Rule}"),
        });

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(HiddenIrrepsRule Rule, int Features, int LMax, Irreps Attributes), Irreps> Chosen = new();
}
