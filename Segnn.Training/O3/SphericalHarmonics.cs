namespace Segnn.O3;

/// <summary>How each degree-l block of spherical harmonics is scaled (e3nn 0.4.1 names).</summary>
public enum ShNormalization
{
    /// <summary>‖Y^l‖² = 2l+1 on the unit sphere; Y⁰ = 1.</summary>
    Component,

    /// <summary>Orthonormal on the sphere: ∫ Y_m Y_n dΩ = δ_mn; Y⁰ = 1/√(4π).</summary>
    Integral,

    /// <summary>‖Y^l‖ = 1 on the unit sphere.</summary>
    Norm,
}

/// <summary>
/// Real spherical harmonics in e3nn 0.4.1's basis and order, for any degree, by a Cartesian recurrence.
/// e3nn's harmonics at (a, b, c) equal the textbook real harmonics (no Condon–Shortley phase in the real form, components
/// m = −l…l) at textbook axes x = c, y = a, z = b; so l = 1 is exactly (x, y, z) and D¹(R) = R.
/// </summary>
/// <remarks>
/// The recurrence: Y_lm = N_lm · P̃_l^|m|(z, r²) · (C_m or S_|m|), with C_m + i S_m = (x + i y)^m and P̃ the associated
/// Legendre function divided by sin^m θ, made homogeneous with r² (a solid harmonic). Every degree is a homogeneous polynomial,
/// so it is smooth everywhere, zero at the origin for l ≥ 1, and differentiable in the TorchSharp version, which evaluates
/// the same <see cref="Plan"/>.
/// </remarks>
public static class SphericalHarmonics
{
    /// <summary>Normalisation factor applied to the orthonormal ("integral") block of degree l.</summary>
    public static double BlockScale(int l, ShNormalization normalization) => normalization switch
    {
        ShNormalization.Integral => 1.0,
        ShNormalization.Component => Math.Sqrt(4 * Math.PI),
        ShNormalization.Norm => Math.Sqrt(4 * Math.PI / (2 * l + 1)),
        _ => throw new ArgumentOutOfRangeException(nameof(normalization)),
    };

    public static ShNormalization ParseNormalization(string text) => text.Trim().ToLowerInvariant() switch
    {
        "component" => ShNormalization.Component,
        "integral" => ShNormalization.Integral,
        "norm" => ShNormalization.Norm,
        _ => throw new FormatException($"unknown spherical-harmonics normalization '{text}' (expected component, integral or norm)"),
    };

    /// <summary>Total number of components for degrees 0..lmax: (lmax+1)².</summary>
    public static int Dim(int lmax) => (lmax + 1) * (lmax + 1);

    /// <summary>
    /// The coefficients of the recurrence, shared by the double and TorchSharp evaluations so the two cannot drift.
    /// For each (l, m ≥ 0): P̃_l^m = A·z·P̃_{l−1}^m − B·r²·P̃_{l−2}^m; and N_lm including √2 for m ≠ 0 and the block scale.
    /// </summary>
    public sealed class Plan
    {
        public Plan(int lmax, ShNormalization normalization)
        {
            if (lmax < 0) throw new ArgumentOutOfRangeException(nameof(lmax), lmax, "lmax must be >= 0");
            LMax = lmax;
            Normalization = normalization;
            Scale = new double[lmax + 1, lmax + 1];
            RecA = new double[lmax + 1, lmax + 1];
            RecB = new double[lmax + 1, lmax + 1];
            DiagonalStart = new double[lmax + 1];
            for (int m = 0; m <= lmax; m++)
            {
                DiagonalStart[m] = DoubleFactorial(2 * m - 1);
                for (int l = m; l <= lmax; l++)
                {
                    // orthonormal: sqrt((2l+1)/(4π) · (l−m)!/(l+m)!) · (√2 for m ≠ 0)
                    double ratio = 1.0;
                    for (int k = l - m + 1; k <= l + m; k++) ratio /= k;
                    double n = Math.Sqrt((2 * l + 1) / (4 * Math.PI) * ratio) * (m == 0 ? 1.0 : Math.Sqrt(2.0));
                    Scale[l, m] = n * BlockScale(l, normalization);
                    if (l >= m + 1)
                    {
                        RecA[l, m] = (2.0 * l - 1) / (l - m);
                        RecB[l, m] = l >= m + 2 ? (l + m - 1.0) / (l - m) : 0.0;
                    }
                }
            }
        }

        public int LMax { get; }
        public ShNormalization Normalization { get; }
        internal double[,] Scale { get; }
        internal double[,] RecA { get; }
        internal double[,] RecB { get; }
        internal double[] DiagonalStart { get; }

        private static double DoubleFactorial(int n)
        {
            double r = 1;
            for (int k = n; k > 1; k -= 2) r *= k;
            return r;
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int, ShNormalization), Plan> Plans = new();

    public static Plan GetPlan(int lmax, ShNormalization normalization) =>
        Plans.GetOrAdd((lmax, normalization), k => new Plan(k.Item1, k.Item2));

    /// <summary>
    /// Evaluates Y^0..Y^lmax of one vector (concatenated, (lmax+1)² values). With <paramref name="normalize"/> the vector is
    /// first scaled to unit length; a zero vector gives 0 for every l ≥ 1 and the constant for l = 0.
    /// </summary>
    public static double[] Evaluate(int lmax, double x, double y, double z, ShNormalization normalization = ShNormalization.Component, bool normalize = true)
    {
        var result = new double[Dim(lmax)];
        Evaluate(GetPlan(lmax, normalization), x, y, z, result, normalize);
        return result;
    }

    public static void Evaluate(Plan plan, double x, double y, double z, Span<double> output, bool normalize = true)
    {
        int lmax = plan.LMax;
        if (output.Length < Dim(lmax)) throw new ArgumentException("output span too short", nameof(output));
        if (normalize)
        {
            double r = Math.Sqrt(x * x + y * y + z * z);
            if (r > 0)
            {
                x /= r;
                y /= r;
                z /= r;
            }
        }
        // textbook axes
        double tx = z, ty = x, tz = y;
        double r2 = x * x + y * y + z * z; // keeps every degree homogeneous: exact zeros at the origin, e3nn's unnormalised form otherwise
        Span<double> c = stackalloc double[lmax + 1];
        Span<double> s = stackalloc double[lmax + 1];
        c[0] = 1;
        s[0] = 0;
        for (int m = 1; m <= lmax; m++)
        {
            c[m] = tx * c[m - 1] - ty * s[m - 1];
            s[m] = tx * s[m - 1] + ty * c[m - 1];
        }
        Span<double> p = stackalloc double[lmax + 1]; // P̃_l^m for the current m, indexed by l
        for (int m = 0; m <= lmax; m++)
        {
            p[m] = plan.DiagonalStart[m];
            for (int l = m + 1; l <= lmax; l++)
                p[l] = plan.RecA[l, m] * tz * p[l - 1] - (l >= m + 2 ? plan.RecB[l, m] * r2 * p[l - 2] : 0.0);
            for (int l = m; l <= lmax; l++)
            {
                int center = l * l + l;
                double v = plan.Scale[l, m] * p[l];
                output[center + m] = v * c[m];
                if (m > 0) output[center - m] = v * s[m];
            }
        }
    }

    /// <summary>Batched: vectors [n,3] row-major → [n, (lmax+1)²] row-major.</summary>
    public static double[] Evaluate(int lmax, ReadOnlySpan<double> vectors, ShNormalization normalization = ShNormalization.Component, bool normalize = true)
    {
        if (vectors.Length % 3 != 0) throw new ArgumentException("vectors must be [n,3]", nameof(vectors));
        Plan plan = GetPlan(lmax, normalization);
        int n = vectors.Length / 3, d = Dim(lmax);
        var result = new double[n * d];
        for (int i = 0; i < n; i++)
            Evaluate(plan, vectors[3 * i], vectors[3 * i + 1], vectors[3 * i + 2], result.AsSpan(i * d, d), normalize);
        return result;
    }
}
