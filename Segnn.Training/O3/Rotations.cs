namespace Segnn.O3;

/// <summary>A 3×3 rotation matrix, row-major, acting on column vectors (x, y, z).</summary>
public readonly record struct Rotation(double[] M)
{
    public static Rotation Identity => new([1, 0, 0, 0, 1, 0, 0, 0, 1]);

    public double this[int i, int j] => M[3 * i + j];

    /// <summary>A uniformly random rotation (Haar measure), from a normalised Gaussian quaternion.</summary>
    public static Rotation Random(Random rng)
    {
        double w, x, y, z, n;
        do
        {
            w = Gaussian(rng);
            x = Gaussian(rng);
            y = Gaussian(rng);
            z = Gaussian(rng);
            n = Math.Sqrt(w * w + x * x + y * y + z * z);
        } while (n < 1e-8);
        return FromQuaternion(w / n, x / n, y / n, z / n);
    }

    /// <summary>Rotation by <paramref name="angle"/> radians about the axis (<paramref name="ax"/>, <paramref name="ay"/>, <paramref name="az"/>), right-handed.</summary>
    public static Rotation FromAxisAngle(double ax, double ay, double az, double angle)
    {
        double n = Math.Sqrt(ax * ax + ay * ay + az * az);
        if (n == 0) throw new ArgumentException("rotation axis must be non-zero");
        double h = angle / 2, s = Math.Sin(h) / n;
        return FromQuaternion(Math.Cos(h), ax * s, ay * s, az * s);
    }

    public static Rotation FromQuaternion(double w, double x, double y, double z) => new(
    [
        1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
        2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
        2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
    ]);

    public (double X, double Y, double Z) Apply(double x, double y, double z) =>
        (M[0] * x + M[1] * y + M[2] * z, M[3] * x + M[4] * y + M[5] * z, M[6] * x + M[7] * y + M[8] * z);

    public static Rotation operator *(Rotation a, Rotation b)
    {
        var r = new double[9];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 3; k++)
                    r[3 * i + j] += a.M[3 * i + k] * b.M[3 * k + j];
        return new Rotation(r);
    }

    internal static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

/// <summary>
/// Wigner D matrices of O(3) in e3nn's real basis: D^l(R) with Y^l(R·x) = D^l(R)·Y^l(x), and the parity factor for
/// improper elements (inversion multiplies an irrep (l, p) by p).
/// </summary>
/// <remarks>
/// Computed by projection: D_mn = ∫ Y_m(R x) Y_n(x) dΩ with orthonormal harmonics, evaluated by a product quadrature
/// (Gauss–Legendre in cos θ × uniform in φ) that is exact for the degree-2l polynomials involved. No Euler angles, no
/// axis conventions to get wrong: D is defined by the same harmonics everything else uses.
/// </remarks>
public static class WignerD
{
    /// <summary>D^l(R), (2l+1)×(2l+1) row-major.</summary>
    public static double[] Matrix(int l, Rotation r)
    {
        if (l < 0) throw new ArgumentOutOfRangeException(nameof(l));
        int d = 2 * l + 1;
        var result = new double[d * d];
        var plan = SphericalHarmonics.GetPlan(l, ShNormalization.Integral);
        int offset = l * l;
        var full = new double[SphericalHarmonics.Dim(l)];
        var rotated = new double[SphericalHarmonics.Dim(l)];
        foreach (var (x, y, z, w) in Quadrature(l))
        {
            SphericalHarmonics.Evaluate(plan, x, y, z, full, normalize: false);
            var (rx, ry, rz) = r.Apply(x, y, z);
            SphericalHarmonics.Evaluate(plan, rx, ry, rz, rotated, normalize: false);
            for (int m = 0; m < d; m++)
                for (int n = 0; n < d; n++)
                    result[m * d + n] += w * rotated[offset + m] * full[offset + n];
        }
        return result;
    }

    /// <summary>Block-diagonal representation of <paramref name="irreps"/> for R, times p^inversion per block.</summary>
    public static double[] Matrix(Irreps irreps, Rotation r, bool inversion = false)
    {
        int dim = irreps.Dim;
        var result = new double[dim * dim];
        var perL = new Dictionary<int, double[]>();
        int offset = 0;
        foreach (MulIrrep b in irreps)
        {
            if (!perL.TryGetValue(b.Ir.L, out double[]? d)) perL[b.Ir.L] = d = Matrix(b.Ir.L, r);
            double sign = inversion && b.Ir.P == -1 ? -1 : 1;
            int n = b.Ir.Dim;
            for (int u = 0; u < b.Mul; u++)
            {
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++)
                        result[(offset + i) * dim + offset + j] = sign * d[i * n + j];
                offset += n;
            }
        }
        return result;
    }

    /// <summary>Applies the representation of (R, inversion) to every row of <paramref name="features"/> [rows, irreps.Dim].</summary>
    public static double[] Apply(Irreps irreps, Rotation r, bool inversion, ReadOnlySpan<double> features)
    {
        int dim = irreps.Dim;
        if (dim == 0 || features.Length % dim != 0) throw new ArgumentException("features must be [rows, irreps.Dim]");
        double[] d = Matrix(irreps, r, inversion);
        var result = new double[features.Length];
        for (int row = 0; row < features.Length / dim; row++)
            for (int i = 0; i < dim; i++)
            {
                double s = 0;
                for (int j = 0; j < dim; j++) s += d[i * dim + j] * features[row * dim + j];
                result[row * dim + i] = s;
            }
        return result;
    }

    private static IEnumerable<(double X, double Y, double Z, double W)> Quadrature(int l)
    {
        int nTheta = l + 1, nPhi = 2 * l + 1;
        var (nodes, weights) = GaussLegendre(nTheta);
        for (int a = 0; a < nTheta; a++)
        {
            double ct = nodes[a], st = Math.Sqrt(Math.Max(0, 1 - ct * ct));
            for (int b = 0; b < nPhi; b++)
            {
                double phi = 2 * Math.PI * b / nPhi;
                yield return (st * Math.Cos(phi), st * Math.Sin(phi), ct, weights[a] * 2 * Math.PI / nPhi);
            }
        }
    }

    /// <summary>Gauss–Legendre nodes and weights on [−1, 1] by Newton iteration on the Legendre recurrence.</summary>
    internal static (double[] Nodes, double[] Weights) GaussLegendre(int n)
    {
        var x = new double[n];
        var w = new double[n];
        for (int i = 0; i < n; i++)
        {
            double z = Math.Cos(Math.PI * (i + 0.75) / (n + 0.5)), dp = 0;
            for (int iter = 0; iter < 100; iter++)
            {
                double p0 = 1, p1 = 0;
                for (int k = 1; k <= n; k++)
                {
                    double p2 = p1;
                    p1 = p0;
                    p0 = ((2 * k - 1) * z * p1 - (k - 1) * p2) / k;
                }
                dp = n * (z * p0 - p1) / (z * z - 1);
                double step = p0 / dp;
                z -= step;
                if (Math.Abs(step) < 1e-16) break;
            }
            x[i] = z;
            w[i] = 2 / ((1 - z * z) * dp * dp);
        }
        return (x, w);
    }
}
