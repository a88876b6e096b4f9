using System.Diagnostics;
using System.Globalization;
using Segnn.Runtime;
using Segnn.Runtime.Inputs;

// Segnn GPU check: every model in --models runs on CUDA (TF32 off) and on the CPU; outputs must agree; timings printed.
// Exit codes: 0 all agree on CUDA; 1 a mismatch; 2 CUDA unavailable (unless --allow-cpu, used to test this program on a CPU machine).
string models = ArgOrDefault("--models", Path.Combine(AppContext.BaseDirectory, "models"))!;
string? xyz = ArgOrDefault("--qm9-xyz", null);
bool allowCpu = args.Contains("--allow-cpu");
double tolerance = double.Parse(ArgOrDefault("--tolerance", "1e-4")!, CultureInfo.InvariantCulture);
int failures = 0;

var files = Directory.Exists(models) ? Directory.GetFiles(models, "*.onnx").Order().ToArray() : [];
if (files.Length == 0)
{
    Console.Error.WriteLine($"gpu-check: no .onnx models in {models}");
    return 1;
}
foreach (string file in files)
{
    using SegnnSession cpu = SegnnSession.Load(file, new SessionSettings { Device = ExecutionDevice.Cpu });
    using SegnnSession gpu = SegnnSession.Load(file, new SessionSettings { Device = ExecutionDevice.Cuda, AllowTf32 = false });
    if (gpu.ExecutionProvider != "CUDA")
    {
        Console.Error.WriteLine($"gpu-check: {gpu.ProviderNote}");
        if (!allowCpu) return 2;
    }
    Func<IReadOnlyList<SystemPrediction>> runCpu, runGpu;
    string batch;
    if (cpu.Metadata.Precision == Precision.Float64)
    {
        // ONNX Runtime's CUDA provider lacks double kernels for some of our ops; float64 exports are for CPU molecular dynamics
        Console.WriteLine($"{Path.GetFileName(file)} ({cpu.Metadata.Task}): skipped, a float64 model (served on the CPU)");
        continue;
    }
    if (cpu.Metadata.System == SystemKind.ParticleSystem)
    {
        ParticleSystem[] systems = SyntheticSystems.ParticleSystems(100, seed: 1);
        (runCpu, runGpu, batch) = (() => cpu.Predict(systems), () => gpu.Predict(systems), "100 five-particle systems");
    }
    else if (cpu.Metadata.System == SystemKind.PeriodicStructure)
    {
        // rattled fcc(111) slabs with a small adsorbate, from the model's own elements (energies, and forces and stress where
        // the model has them, are compared)
        IReadOnlyList<int> elements = cpu.Metadata.Elements ?? [29];
        int[] metals = elements.Where(z => z > 20).DefaultIfEmpty(elements[^1]).ToArray();
        int[] light = elements.Where(z => z <= 10).ToArray();
        var rng = new Random(3);
        PeriodicStructure[] slabs = Enumerable.Range(0, 32)
            .Select(i => SyntheticSystems.FccSlab(rng, metals, 3.6, 3, 3, 4, adsorbate: light.Length > 0 ? [light[i % light.Length]] : null)).ToArray();
        var options = new BatchOptions { MaxSystems = 32, MaxNodes = int.MaxValue };
        (runCpu, runGpu, batch) = (() => cpu.Predict(slabs, options), () => gpu.Predict(slabs, options), $"{slabs.Length} slabs, {slabs.Sum(s => s.AtomCount)} atoms");
    }
    else
    {
        // molecule-like chains when no QM9 file is given: the check needs no data files
        Molecule[] molecules = xyz is null ? SyntheticSystems.Chains(128, 18, cpu.Metadata.Elements ?? [1, 6, 7, 8], seed: 2) : XyzReader.ReadFile(xyz).Take(128).Select(Molecule.FromFrame).ToArray();
        var options = new BatchOptions { MaxSystems = 128, MaxNodes = int.MaxValue };
        (runCpu, runGpu, batch) = (() => cpu.Predict(molecules, options), () => gpu.Predict(molecules, options), $"{molecules.Length} molecules, {molecules.Sum(m => m.AtomCount)} atoms");
    }
    var a = runCpu();
    var b = runGpu();
    double worst = 0;
    for (int i = 0; i < a.Count; i++)
        foreach (var (name, values) in a[i].Outputs)
            for (int k = 0; k < values.Length; k++)
                worst = Math.Max(worst, Math.Abs(values[k] - b[i].Outputs[name][k]) / Math.Max(1, Math.Abs(values[k])));
    double cpuMs = Median(runCpu), gpuMs = Median(runGpu);
    bool ok = worst <= tolerance;
    failures += ok ? 0 : 1;
    Console.WriteLine($"{Path.GetFileName(file)} ({cpu.Metadata.Task}, {batch}): {gpu.ExecutionProvider} vs CPU max rel diff {worst:E2} {(ok ? "OK" : "MISMATCH")}; " +
                      $"median {gpu.ExecutionProvider} {gpuMs:F2} ms, CPU {cpuMs:F2} ms per batch");
}
return failures == 0 ? 0 : 1;

string? ArgOrDefault(string name, string? fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

static double Median(Func<IReadOnlyList<SystemPrediction>> run) => Timing.Median(Timing.Time(() => run(), 1, 20));
