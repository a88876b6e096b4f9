using Segnn.Import;
using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Tasks;
using Segnn.Tests;
using Segnn.Training.Tests.Nn;
using TorchSharp;
using static TorchSharp.torch;

namespace Segnn.Training.Tests.Import;

/// <summary>Importing the authors' PyTorch state dict reproduces their float64 run: output and loss to 1e-7, gradients to 1e-6.</summary>
[TestClass]
public sealed class TorchImportTests
{
    [TestInitialize]
    public void Init() => set_num_threads(1);

    private static double Relative(Tensor actual, double[] expected)
    {
        double[] a = actual.detach().to_type(ScalarType.Float64).data<double>().ToArray();
        double err = 0;
        for (int i = 0; i < a.Length; i++) err = Math.Max(err, Math.Abs(a[i] - expected[i]));
        return err / expected.Max(Math.Abs);
    }

    [TestMethod]
    public void ImportedStateDictReproducesReferenceOutputLossAndGradients()
    {
        Dictionary<string, Tensor> state = TorchStateDict.Read(SharedData.Require("fixtures/reference-nbody/state_dict.pt"));
        var fixture = ReferenceFixture.Load();
        // the npz also carries the reference's non-persistent 1/√fan_in buffers: our fan-ins must agree with every one
        foreach (var (name, array) in fixture.Arrays.Where(a => a.Key.StartsWith("buffer/", StringComparison.Ordinal) && a.Key.EndsWith("sqrt_k_correction", StringComparison.Ordinal)))
            state[name["buffer/".Length..]] = tensor(array.Values, array.Shape, ScalarType.Float64);
        using var scope = NewDisposeScope();
        var model = new SegnnModel(new NBodyTask().DefaultConfig() with { DType = Precision.Float64 });
        ImportReport report = TorchStateDict.Load(model, state, "state_dict.pt");
        Assert.HasCount(37, report.Loaded);
        Assert.HasCount(19, report.CheckedBuffers); // embedding, 4 × 4 layer tensor products, pre_pool1, pre_pool2

        using var ops = new TorchOps(ScalarType.Float64);
        Tensor output = fixture.Input("pos") + model.Forward(ops, fixture.NetworkInputs(ops));
        Assert.IsLessThan(1e-7, Relative(output, fixture["output/out"].Values));
        Tensor loss = nn.functional.mse_loss(output, fixture.Input("y"));
        Assert.IsLessThan(1e-7, Math.Abs(loss.item<double>() / fixture["output/loss"].Values[0] - 1));
        loss.backward();
        foreach (var (name, p) in model.named_parameters())
            Assert.IsLessThan(1e-6, Relative(p.grad!, fixture["grad/" + name].Values), name);
    }

    [TestMethod]
    public void MissingMisShapedOrUnknownTensorsAreNamed()
    {
        Dictionary<string, Tensor> state = TorchStateDict.Read(SharedData.Require("fixtures/reference-nbody/state_dict.pt"));
        var model = new SegnnModel(new NBodyTask().DefaultConfig() with { DType = Precision.Float64 });

        var missing = new Dictionary<string, Tensor>(state);
        missing.Remove("layers.2.update_layer_1.tp.weight");
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => TorchStateDict.Load(model, missing, "a.pt"));
        StringAssert.Contains(ex.Message, "missing layers.2.update_layer_1.tp.weight");

        var misShaped = new Dictionary<string, Tensor>(state) { ["pre_pool1.biases"] = zeros(63, ScalarType.Float64) };
        ex = Assert.ThrowsExactly<InvalidDataException>(() => TorchStateDict.Load(model, misShaped, "b.pt"));
        StringAssert.Contains(ex.Message, "pre_pool1.biases has shape [63]");

        var unknown = new Dictionary<string, Tensor>(state) { ["layers.4.message_layer_1.tp.weight"] = zeros(10, ScalarType.Float64) };
        ex = Assert.ThrowsExactly<InvalidDataException>(() => TorchStateDict.Load(model, unknown, "c.pt"));
        StringAssert.Contains(ex.Message, "unknown layers.4.message_layer_1.tp.weight");

        // a configuration that does not match the state dict (the QM9 preset) is refused by name, not zero-filled
        ex = Assert.ThrowsExactly<InvalidDataException>(() => TorchStateDict.Load(new SegnnModel(new Qm9Task().DefaultConfig() with { Layers = 1, HiddenFeatures = 16 }), state, "d.pt"));
        StringAssert.Contains(ex.Message, "embedding_layer.tp.weight has shape");
    }
}
