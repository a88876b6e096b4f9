using Segnn.O3;

namespace Segnn.Nn;

/// <summary>
/// Spherical harmonics of a batch of vectors written against <see cref="IOps{T}"/>: differentiable in training, a handful
/// of elementwise ONNX ops in an exported model. It evaluates the same <see cref="SphericalHarmonics.Plan"/> (coefficients
/// of the homogeneous Cartesian recurrence) as the double-precision <see cref="SphericalHarmonics"/>.
/// </summary>
public static class SphericalHarmonicsOp
{
    /// <summary>[rows, 3] → [rows, (lmax+1)²] in e3nn order; zero vectors give the constant only.</summary>
    public static T Evaluate<T>(IOps<T> ops, T vectors, int lmax, ShNormalization normalization, bool normalize = true) where T : class
    {
        SphericalHarmonics.Plan plan = SphericalHarmonics.GetPlan(lmax, normalization);
        T x = ops.Slice(vectors, 0, 1), y = ops.Slice(vectors, 1, 1), z = ops.Slice(vectors, 2, 1);
        T r2 = ops.Add(ops.Add(ops.Mul(x, x), ops.Mul(y, y)), ops.Mul(z, z));
        if (normalize)
        {
            // a zero vector stays zero (then r² = 0 below and every l ≥ 1 vanishes); the clamp keeps gradients finite
            T inverse = ops.Div(ops.OnesColumn(vectors), ops.ClampMin(ops.Sqrt(r2), 1e-30));
            x = ops.Mul(x, inverse);
            y = ops.Mul(y, inverse);
            z = ops.Mul(z, inverse);
            r2 = ops.Add(ops.Add(ops.Mul(x, x), ops.Mul(y, y)), ops.Mul(z, z));
        }
        if (lmax == 0) return ops.Scale(ops.OnesColumn(vectors), plan.Scale[0, 0]);

        // textbook axes: x_tb = z, y_tb = x, z_tb = y; C_m + i S_m = (x_tb + i y_tb)^m
        T tx = z, ty = x, tz = y;
        var c = new T?[lmax + 1];
        var s = new T?[lmax + 1];
        c[1] = tx;
        s[1] = ty;
        for (int m = 2; m <= lmax; m++)
        {
            c[m] = ops.Sub(ops.Mul(tx, c[m - 1]!), ops.Mul(ty, s[m - 1]!));
            s[m] = ops.Add(ops.Mul(tx, s[m - 1]!), ops.Mul(ty, c[m - 1]!));
        }

        var columns = new T[SphericalHarmonics.Dim(lmax)];
        T one = ops.OnesColumn(vectors);
        for (int m = 0; m <= lmax; m++)
        {
            // P̃ for l = m .. lmax, as tensors; p[m] is a constant (2m−1)!!
            var p = new T?[lmax + 1];
            for (int l = m; l <= lmax; l++)
            {
                if (l == m) p[l] = null; // constant, folded into the scale below
                else if (l == m + 1) p[l] = ops.Scale(tz, plan.RecA[l, m] * plan.DiagonalStart[m]);
                else
                {
                    T first = ops.Scale(ops.Mul(tz, Materialize(ops, p[l - 1], one, plan.DiagonalStart[m])), plan.RecA[l, m]);
                    T second = ops.Scale(ops.Mul(r2, Materialize(ops, p[l - 2], one, plan.DiagonalStart[m])), plan.RecB[l, m]);
                    p[l] = ops.Sub(first, second);
                }
                int center = l * l + l;
                double scale = plan.Scale[l, m] * (p[l] is null ? plan.DiagonalStart[m] : 1.0);
                T radial = p[l] ?? one;
                if (m == 0)
                {
                    columns[center] = ops.Scale(radial, scale);
                }
                else
                {
                    columns[center + m] = p[l] is null ? ops.Scale(c[m]!, scale) : ops.Scale(ops.Mul(radial, c[m]!), scale);
                    columns[center - m] = p[l] is null ? ops.Scale(s[m]!, scale) : ops.Scale(ops.Mul(radial, s[m]!), scale);
                }
            }
        }
        return ops.Concat(columns);
    }

    private static T Materialize<T>(IOps<T> ops, T? p, T one, double constant) where T : class =>
        p ?? ops.Scale(one, constant);
}
