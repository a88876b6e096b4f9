namespace Segnn.O3;

/// <summary>
/// Feature layouts of a block of m copies of a (2l+1)-dimensional irrep. e3nn's public layout is multiplicity-major
/// ("mul_ir": index u·(2l+1) + i); inside the network Segnn keeps blocks component-major ("ir_mul": index i·m + u), so a
/// block is a [rows, 2l+1, m] tensor and every tensor-product matrix multiply, gate and norm works on it without a
/// transpose. The two coincide for scalars and for single copies (all attributes, all model inputs and outputs but
/// <c>2x1o</c>-like feature blocks), so the conversion happens once at the model's input and output.
/// </summary>
public static class Layout
{
    /// <summary>Index in the ir_mul vector of element (copy u, component i) of block <paramref name="block"/>.</summary>
    public static int IrMulIndex(Irreps irreps, int block, int u, int i) => irreps.Offset(block) + i * irreps[block].Mul + u;

    /// <summary>Columns c such that irMul[j] = mulIr[c[j]].</summary>
    public static int[] MulIrToIrMul(Irreps irreps)
    {
        var columns = new int[irreps.Dim];
        for (int b = 0; b < irreps.Count; b++)
        {
            int offset = irreps.Offset(b), m = irreps[b].Mul, d = irreps[b].Ir.Dim;
            for (int u = 0; u < m; u++)
                for (int i = 0; i < d; i++)
                    columns[offset + i * m + u] = offset + u * d + i;
        }
        return columns;
    }

    /// <summary>Columns c such that mulIr[j] = irMul[c[j]].</summary>
    public static int[] IrMulToMulIr(Irreps irreps)
    {
        int[] forward = MulIrToIrMul(irreps);
        var inverse = new int[forward.Length];
        for (int j = 0; j < forward.Length; j++) inverse[forward[j]] = j;
        return inverse;
    }

    /// <summary>
    /// True when concatenating ir_mul blocks gives the ir_mul vector of <paramref name="simplified"/>: simplification
    /// may only have merged scalar blocks (merging two blocks of l > 0 interleaves their components in ir_mul).
    /// </summary>
    public static bool ConcatenationMatches(Irreps concatenated, Irreps simplified) =>
        concatenated.Where(b => b.Ir.L > 0 && b.Mul > 0).SequenceEqual(simplified.Where(b => b.Ir.L > 0));

    /// <summary>True when the two layouts are the same vector (every block is scalar or a single copy).</summary>
    public static bool IsTrivial(Irreps irreps) => irreps.All(b => b.Mul <= 1 || b.Ir.L == 0);
}
