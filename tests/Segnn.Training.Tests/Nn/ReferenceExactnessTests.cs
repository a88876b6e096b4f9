using Segnn.Graphs;
using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Segnn.Training.Tests.Nn;

/// <summary>
/// The proof that our layers are the paper's layers: with the parameters and inputs of the authors' float64 run, our
/// model reproduces their output and loss to 1e-7 and every parameter gradient to 1e-6 (relative to the largest value).
/// </summary>
[TestClass]
public sealed class ReferenceExactnessTests
{
    [TestInitialize]
    public void Init() => set_num_threads(1);

    private static double RelativeError(Tensor actual, double[] expected)
    {
        double[] a = actual.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray();
        Assert.HasCount(expected.Length, a);
        double scale = expected.Max(Math.Abs), err = 0;
        for (int i = 0; i < a.Length; i++) err = Math.Max(err, Math.Abs(a[i] - expected[i]));
        return err / Math.Max(scale, 1e-300);
    }

    private static SegnnModel ReferenceModel(ReferenceFixture fixture)
    {
        var model = new SegnnModel(new NBodyTask().DefaultConfig() with { DType = Precision.Float64 });
        Assert.AreEqual(147_424, model.ParameterCount);
        fixture.LoadParameters(model);
        return model;
    }

    [TestMethod]
    public void OutputLossAndGradientsMatchTheReference()
    {
        var fixture = ReferenceFixture.Load();
        using var scope = NewDisposeScope();
        using var ops = new TorchOps(ScalarType.Float64);
        SegnnModel model = ReferenceModel(fixture);
        Tensor output = fixture.Input("pos") + model.Forward(ops, fixture.NetworkInputs(ops));
        double outErr = RelativeError(output, fixture["output/out"].Values);
        Assert.IsLessThan(1e-7, outErr, $"output relative error {outErr:E2}");

        Tensor loss = nn.functional.mse_loss(output, fixture.Input("y"));
        double lossErr = Math.Abs(loss.item<double>() - fixture["output/loss"].Values[0]) / fixture["output/loss"].Values[0];
        Assert.IsLessThan(1e-7, lossErr, $"loss relative error {lossErr:E2}");

        loss.backward();
        foreach (var (name, p) in model.named_parameters())
        {
            Assert.IsNotNull(p.grad, $"{name} received no gradient");
            double gErr = RelativeError(p.grad, fixture["grad/" + name].Values);
            Assert.IsLessThan(1e-6, gErr, $"gradient of {name}: relative error {gErr:E2}");
        }
    }

    [TestMethod]
    public void FeaturisationFromRawGeometryMatchesTheReferenceTransform()
    {
        var fixture = ReferenceFixture.Load();
        using var scope = NewDisposeScope();
        using var ops = new TorchOps(ScalarType.Float64);
        Tensor edges = fixture.Input("edge_index", ScalarType.Int64);
        var raw = new RawGraph<Tensor>(fixture.Input("pos"), edges[0], edges[1], fixture.Input("batch", ScalarType.Int64),
            ops.Count(10), ops.Count(2))
        { Velocities = fixture.Input("vel"), Charges = fixture.Input("charges") };
        var task = new NBodyTask();
        SegnnInputs<Tensor> g = task.Featurize(ops, new NBodyTask().DefaultConfig() with { DType = Precision.Float64 }, raw);
        Assert.IsLessThan(1e-12, RelativeError(g.NodeFeatures, fixture["input/x"].Values), "node features");
        Assert.IsLessThan(1e-12, RelativeError(g.EdgeAttributes, fixture["input/edge_attr"].Values), "edge attributes");
        Assert.IsLessThan(1e-12, RelativeError(g.EdgeScalars!, fixture["input/additional_message_features"].Values), "edge scalars");
        // the reference stores node attributes with l = 0 already forced to 1; compare the l = 1 part
        double[] expected = fixture["input/node_attr"].Values;
        double[] ours = g.NodeAttributes.data<double>().ToArray();
        for (int i = 0; i < ours.Length; i++)
            if (i % 4 != 0) Assert.AreEqual(expected[i], ours[i], 1e-12, $"node attribute {i}");

        SegnnModel model = ReferenceModel(fixture);
        Tensor prediction = task.Predict(ops, model, raw);
        Assert.IsLessThan(1e-7, RelativeError(prediction, fixture["output/out"].Values), "prediction from raw geometry");
    }
}
