using Segnn.Data;
using Segnn.Nn;
using Segnn.Tests;
using TorchSharp;
using static TorchSharp.torch;

namespace Segnn.Training.Tests.Nn;

/// <summary>The authors' reference N-body run (shared/fixtures/reference-nbody) loaded into our model, in float64.</summary>
internal sealed class ReferenceFixture
{
    public required Dictionary<string, NpyArray> Arrays { get; init; }

    public static ReferenceFixture Load() =>
        new() { Arrays = NpyArchive.Read(SharedData.Require("fixtures/reference-nbody/tensors.npz")) };

    public Tensor Input(string name, ScalarType dtype = ScalarType.Float64)
    {
        NpyArray a = Arrays["input/" + name];
        return a.Integers is not null && dtype == ScalarType.Int64
            ? tensor(a.Integers, a.Shape, ScalarType.Int64)
            : tensor(a.Values, a.Shape, dtype);
    }

    public NpyArray this[string name] => Arrays[name];

    /// <summary>Copies every <c>param/*</c> array into the parameter of the same name; fails on any mismatch.</summary>
    public void LoadParameters(SegnnModel model)
    {
        var used = new HashSet<string>();
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            Assert.IsTrue(Arrays.TryGetValue("param/" + name, out NpyArray? a), $"reference has no parameter {name}");
            Assert.AreEqual(p.numel(), a!.Count, $"size of {name}");
            p.copy_(tensor(a.Values, p.shape, p.dtype));
            used.Add("param/" + name);
        }
        var unused = Arrays.Keys.Where(k => k.StartsWith("param/", StringComparison.Ordinal) && !used.Contains(k)).ToList();
        Assert.IsEmpty(unused, $"reference parameters not in our model: {string.Join(", ", unused)}");
    }

    public SegnnInputs<Tensor> NetworkInputs(TorchOps ops)
    {
        Tensor edges = Input("edge_index", ScalarType.Int64);
        Tensor batch = Input("batch", ScalarType.Int64);
        Tensor x = Input("x");
        return new SegnnInputs<Tensor>(x, Input("node_attr"), Input("edge_attr"), Input("additional_message_features"),
            edges[0], edges[1], ops.Count(x.shape[0]), Segmentation<Tensor>.Create(ops, batch, ops.Count(2), x));
    }
}
