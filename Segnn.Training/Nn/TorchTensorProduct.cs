using Segnn.O3;
using TorchSharp;
using static TorchSharp.torch;

namespace Segnn.Nn;

/// <summary>
/// Executes a <see cref="TensorProductDescriptor"/> on TorchSharp tensors, the two-stage way:
/// (1) per input block, contract the attribute with the stacked Clebsch–Gordan blocks of all its paths
/// (M = y·C, one small matmul) and with the input block (T[z,k,u] = Σ_i M[z,i,k]·x[z,u,i]);
/// (2) per output block, ONE matrix multiply of all its paths stacked along the contraction axis:
/// [Z·(2l+1), Σu] × [Σu, w]. No per-path loops of tiny ops.
/// </summary>
/// <remarks>
/// A path whose second operand has multiplicity > 1 is split into one term per copy v (the weights W[u,v,w] for that v);
/// SEGNN's attributes all have multiplicity 1, so terms and paths coincide there.
/// </remarks>
internal sealed class TorchTensorProduct : IDisposable
{
    private sealed record Term(TensorProductPath Path, int V, int YOffset, int KOffset);

    private readonly TensorProductDescriptor _d;
    private readonly InputBlock[] _inputs;
    private readonly OutputBlock[] _outputs;

    private sealed class InputBlock
    {
        public required int Index { get; init; }
        public required int Offset { get; init; }
        public required int Mul { get; init; }
        public required int Dim { get; init; } // 2l+1
        public required int K { get; init; } // Σ over terms of 2l_out+1
        public required List<Term> Terms { get; init; }
        public Tensor? Cg { get; set; } // [dim2, Dim*K]
    }

    private sealed class OutputBlock
    {
        public required int Mul { get; init; }
        public required int Dim { get; init; }
        public required List<Term> Terms { get; init; }
        public required int Rows { get; init; } // Σ over terms of Mul1
        public Tensor? WeightIndex { get; set; } // int64 [Rows*Mul] into the flat weight vector
        public int BiasOffset { get; init; } = -1;
    }

    public TorchTensorProduct(TensorProductDescriptor descriptor, ScalarType dtype, Device device)
    {
        _d = descriptor;
        var terms = new List<Term>();
        var kOffsets = new Dictionary<int, int>();
        foreach (TensorProductPath p in descriptor.Paths)
            for (int v = 0; v < p.Mul2; v++)
            {
                int k = kOffsets.GetValueOrDefault(p.In1);
                int yOffset = descriptor.Input2.Offset(p.In2) + v * (2 * p.L2 + 1);
                terms.Add(new Term(p, v, yOffset, k));
                kOffsets[p.In1] = k + 2 * p.LOut + 1;
            }

        _inputs = Enumerable.Range(0, descriptor.Input1.Count)
            .Where(i => kOffsets.ContainsKey(i))
            .Select(i => new InputBlock
            {
                Index = i,
                Offset = descriptor.Input1.Offset(i),
                Mul = descriptor.Input1[i].Mul,
                Dim = descriptor.Input1[i].Ir.Dim,
                K = kOffsets[i],
                Terms = terms.Where(t => t.Path.In1 == i).ToList(),
            }).ToArray();

        if (!descriptor.HasInput2)
            foreach (Term t in terms)
                if (!IsIdentity(descriptor.Coefficients(t.Path), 2 * t.Path.L1 + 1))
                    throw new InvalidOperationException($"tensor product {descriptor}: expected identity coefficients for a linear path");

        int dim2 = descriptor.Input2.Dim;
        foreach (InputBlock b in _inputs)
        {
            var c = new double[dim2 * b.Dim * b.K];
            foreach (Term t in b.Terms)
            {
                double[] cp = descriptor.Coefficients(t.Path);
                int n2 = 2 * t.Path.L2 + 1, n3 = 2 * t.Path.LOut + 1;
                for (int i = 0; i < b.Dim; i++)
                    for (int j = 0; j < n2; j++)
                        for (int k = 0; k < n3; k++)
                            c[(t.YOffset + j) * b.Dim * b.K + i * b.K + t.KOffset + k] = cp[(i * n2 + j) * n3 + k];
            }
            b.Cg = tensor(c, [dim2, b.Dim * b.K], dtype, device).DetachFromDisposeScope();
        }

        int biasOffset = 0;
        _outputs = new OutputBlock[descriptor.Output.Count];
        for (int o = 0; o < descriptor.Output.Count; o++)
        {
            List<Term> into = terms.Where(t => t.Path.Out == o).ToList();
            int mul = descriptor.Output[o].Mul;
            var block = new OutputBlock
            {
                Mul = mul,
                Dim = descriptor.Output[o].Ir.Dim,
                Terms = into,
                Rows = into.Sum(t => t.Path.Mul1),
                BiasOffset = descriptor.HasBias[o] ? biasOffset : -1,
            };
            if (descriptor.HasBias[o]) biasOffset += mul;
            if (into.Count > 0)
            {
                // W_o[(term, u), w] = weight[offset + (u·Mul2 + v)·MulOut + w]
                var index = new long[block.Rows * mul];
                int row = 0;
                foreach (Term t in into)
                    for (int u = 0; u < t.Path.Mul1; u++, row++)
                        for (int w = 0; w < mul; w++)
                            index[row * mul + w] = t.Path.WeightOffset + ((long)u * t.Path.Mul2 + t.V) * t.Path.MulOut + w;
                block.WeightIndex = tensor(index, [index.Length], ScalarType.Int64, device).DetachFromDisposeScope();
            }
            _outputs[o] = block;
        }
    }

    public Tensor Forward(Tensor x, Tensor? y, Tensor weight, Tensor? bias)
    {
        long rows = x.shape[0];
        if (x.shape.Length != 2 || x.shape[1] != _d.Input1.Dim)
            throw new ArgumentException($"tensor product {_d}: input 1 has shape [{string.Join(", ", x.shape)}], expected [rows, {_d.Input1.Dim}]");
        if (_d.HasInput2 && (y is null || y.shape.Length != 2 || y.shape[0] != rows || y.shape[1] != _d.Input2.Dim))
            throw new ArgumentException($"tensor product {_d}: input 2 must be [{rows}, {_d.Input2.Dim}]");
        if (weight.shape.Length != 1 || weight.shape[0] != _d.WeightCount)
            throw new ArgumentException($"tensor product {_d}: expected {_d.WeightCount} weights, got [{string.Join(", ", weight.shape)}]");

        // stage 1: T_b[z, k, u] per input block b
        var t = new Tensor[_d.Input1.Count];
        foreach (InputBlock b in _inputs)
        {
            Tensor xb = x.narrow(1, b.Offset, b.Mul * b.Dim).view(rows, b.Mul, b.Dim);
            if (!_d.HasInput2)
            {
                // y = 1x0e: every coefficient block is √(2l+1)·w3j(l,0,l) = I, so T is x itself, once per output block
                Tensor xt = xb.transpose(1, 2);
                t[b.Index] = b.Terms.Count == 1 ? xt : cat(Enumerable.Repeat(xt, b.Terms.Count).ToArray(), 1);
                continue;
            }
            Tensor m = y!.matmul(b.Cg!).view(rows, b.Dim, b.K);
            // Σ_i M[z,i,k]·x[z,u,i]: a few broadcast multiply-adds beat rows-many tiny GEMMs on CPU
            Tensor acc = m.narrow(1, 0, 1).transpose(1, 2) * xb.narrow(2, 0, 1).transpose(1, 2);
            for (int i = 1; i < b.Dim; i++)
                acc = acc + m.narrow(1, i, 1).transpose(1, 2) * xb.narrow(2, i, 1).transpose(1, 2);
            t[b.Index] = acc; // [rows, K, Mul]
        }

        // stage 2: one GEMM per output block
        var outs = new Tensor[_outputs.Length];
        for (int o = 0; o < _outputs.Length; o++)
        {
            OutputBlock ob = _outputs[o];
            Tensor result;
            if (ob.Terms.Count == 0)
            {
                result = zeros([rows, ob.Mul * ob.Dim], x.dtype, x.device);
            }
            else
            {
                Tensor a = ob.Terms.Count == 1
                    ? t[ob.Terms[0].Path.In1].narrow(1, ob.Terms[0].KOffset, ob.Dim)
                    : cat(ob.Terms.Select(term => t[term.Path.In1].narrow(1, term.KOffset, ob.Dim)).ToArray(), 2);
                Tensor w = weight.index_select(0, ob.WeightIndex!).view(ob.Rows, ob.Mul);
                Tensor r = a.reshape(rows * ob.Dim, ob.Rows).mm(w); // [rows·(2l+1), w]
                result = ob.Dim == 1 ? r : r.view(rows, ob.Dim, ob.Mul).transpose(1, 2).reshape(rows, ob.Mul * ob.Dim);
            }
            if (ob.BiasOffset >= 0 && bias is not null)
                result = result + bias.narrow(0, ob.BiasOffset, ob.Mul);
            outs[o] = result;
        }
        return outs.Length == 1 ? outs[0] : cat(outs, 1);
    }

    private static bool IsIdentity(double[] c, int n)
    {
        for (int i = 0; i < n; i++)
            for (int k = 0; k < n; k++)
                if (Math.Abs(c[i * n + k] - (i == k ? 1 : 0)) > 1e-12) return false;
        return true;
    }

    public void Dispose()
    {
        foreach (InputBlock b in _inputs) b.Cg?.Dispose();
        foreach (OutputBlock o in _outputs) o.WeightIndex?.Dispose();
    }
}
