using TorchSharp;

namespace Segnn.Training.Tests;

[TestClass]
public sealed class TorchSharpLoadsTests
{
    [TestMethod]
    public void RunsAMatrixMultiply()
    {
        torch.set_num_threads(1);
        using var a = torch.tensor(new double[] { 1, 2, 3, 4 }, [2, 2]);
        using var b = torch.tensor(new double[] { 0, 1, 1, 0 }, [2, 2]);
        using var c = torch.matmul(a, b);
        CollectionAssert.AreEqual(new double[] { 2, 1, 4, 3 }, c.data<double>().ToArray());
    }
}

[TestClass]
public sealed class NativeAllocatorTests
{
    [TestMethod]
    public void MallocTuningTakesEffectOnGlibc()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("SEGNN_NO_MALLOPT") == "1")
            Assert.Inconclusive("glibc malloc tuning applies on Linux only");
        torch.set_num_threads(1);
        using var ops = new Segnn.Nn.TorchOps(torch.ScalarType.Float64);
        // a refused mallopt value (e.g. an mmap threshold above glibc's maximum) leaves every step page-faulting
        Assert.IsTrue(Segnn.Nn.NativeAllocator.Applied);
    }
}
