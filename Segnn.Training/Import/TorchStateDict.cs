using System.Collections;
using Segnn.Nn;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Segnn.Import;

/// <summary>What an import did: the parameters it set and the reference buffers it checked or skipped.</summary>
public sealed record ImportReport(IReadOnlyList<string> Loaded, IReadOnlyList<string> CheckedBuffers, IReadOnlyList<string> IgnoredBuffers)
{
    /// <summary>The e3nn Clebsch–Gordan buffers (<c>…_w3j_l1_l2_l3</c>) checked against our Wigner 3j.</summary>
    public int Wigner3jChecked => CheckedBuffers.Count(b => b.Contains("._w3j_", StringComparison.Ordinal));
}

/// <summary>
/// Imports a state dict of the authors' PyTorch SEGNN (RobDHess/Steerable-E3-GNN, e3nn 0.4.x/0.5.x) into our model.
/// Our module and parameter names mirror the reference (<c>embedding_layer.tp.weight</c>, <c>layers.0.message_layer_1.biases</c>,
/// <c>layers.0.feature_norm.weight</c>, …) and e3nn's flat weight layout (per instruction, row-major [mul1, mul2, mul_out])
/// is the layout of <see cref="O3.TensorProductDescriptor"/>, so values map one to one. The reference's derived buffers
/// are not needed: <c>sqrt_k_correction</c> (1/√fan_in per output component) is checked against our fan-ins (a proof the instruction lists agree), the
/// masks and bias indices are ignored. A parameter that is missing, mis-shaped or unknown is an error naming it; nothing
/// is zero-filled.
/// </summary>
public static class TorchStateDict
{
    /// <summary>The reference's paper configurations <c>import-torch --preset</c> knows: its N-body and QM9 models.</summary>
    public static IReadOnlyList<Runtime.TaskKey> Presets { get; } = [Tasks.NBodyTask.Id, Tasks.Qm9Task.Id];

    /// <summary>The task's paper configuration of a preset name.</summary>
    /// <exception cref="ArgumentException">The name is not a preset.</exception>
    public static ModelConfig Preset(string name)
    {
        Tasks.SegnnTask? task = Runtime.TaskKey.IsValid(name) && Tasks.TaskRegistry.TryGet(new Runtime.TaskKey(name), out var t) ? t : null;
        return task is not null && Presets.Contains(task.Key) ? task.DefaultConfig()
            : throw new ArgumentException($"--preset must be {string.Join(" or ", Presets)}, not '{name}'");
    }

    /// <summary>Reads a <c>torch.save(model.state_dict())</c> file (PyTorch zip format).</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new InvalidDataException($"{path}: not a PyTorch state dict that can be read ({ex.Message})", ex);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in table)
            if (e.Key is string name && e.Value is Tensor t) result[name] = t;
        return result;
    }

    /// <summary>Copies the reference tensors into <paramref name="model"/>, validating names, shapes and derived buffers.</summary>
    public static ImportReport Load(SegnnModel model, IReadOnlyDictionary<string, Tensor> stateDict, string source)
    {
        var ours = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(model.named_buffers().Select(b => (b.name, b.buffer)))
            .ToDictionary(t => t.Item1, t => t.Item2, StringComparer.Ordinal);
        var problems = new List<string>();
        var checkedBuffers = new List<string>();
        var ignored = new List<string>();
        foreach (var (name, target) in ours)
        {
            if (!stateDict.TryGetValue(name, out Tensor? value)) problems.Add($"missing {name} (expected shape [{string.Join(", ", target.shape)}])");
            else if (!value.shape.SequenceEqual(target.shape))
                problems.Add($"{name} has shape [{string.Join(", ", value.shape)}] but the configuration expects [{string.Join(", ", target.shape)}]");
        }
        foreach (var (name, value) in stateDict)
        {
            if (ours.ContainsKey(name)) continue;
            if (name.Contains("._w3j_", StringComparison.Ordinal))
            {
                string problem = CheckWigner3j(model, name, value);
                if (problem.Length > 0) problems.Add(problem);
                else checkedBuffers.Add(name);
            }
            else if (name.EndsWith(".sqrt_k_correction", StringComparison.Ordinal))
            {
                string problem = CheckFanIn(model, name[..^".sqrt_k_correction".Length], value);
                if (problem.Length > 0) problems.Add(problem);
                else checkedBuffers.Add(name);
            }
            else if (value.numel() == 0 || name.EndsWith(".output_mask", StringComparison.Ordinal) || name.EndsWith(".bias_idx", StringComparison.Ordinal)
                     || name.EndsWith("_mask", StringComparison.Ordinal) || name.EndsWith(".num_batches_tracked", StringComparison.Ordinal))
            {
                ignored.Add(name);
            }
            else
            {
                problems.Add($"unknown {name} (shape [{string.Join(", ", value.shape)}]): no parameter of this model has that name");
            }
        }
        if (problems.Count > 0)
            throw new InvalidDataException($"{source}: cannot import: {string.Join("; ", problems.Take(12))}{(problems.Count > 12 ? $"; … {problems.Count - 12} more" : "")}");
        using (no_grad())
            foreach (var (name, target) in ours)
                target.copy_(stateDict[name].to_type(target.dtype));
        return new ImportReport(ours.Keys.ToList(), checkedBuffers, ignored);
    }

    /// <summary>
    /// e3nn ≥ 0.5 keeps the Clebsch–Gordan constants of its compiled tensor products as buffers,
    /// <c>{layer}.tp._compiled_main_left_right._w3j_{l1}_{l2}_{l3}</c> = o3.wigner_3j(l1, l2, l3). They must be our
    /// Wigner 3j to float32 rounding (their own precision): a free, independent check of our algebra on every import.
    /// A difference means another e3nn convention, and the weights would not mean what they meant.
    /// </summary>
    private static string CheckWigner3j(SegnnModel model, string name, Tensor stored)
    {
        const double Tolerance = 1e-6; // the reference built them in float32 (max error there 6.2e-9)
        int at = name.IndexOf("._w3j_", StringComparison.Ordinal);
        string[] ls = name[(at + "._w3j_".Length)..].Split('_');
        if (ls.Length != 3 || !ls.All(l => int.TryParse(l, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)))
            return $"{name}: not an e3nn Wigner-3j buffer name (expected _w3j_<l1>_<l2>_<l3>)";
        int l1 = int.Parse(ls[0], System.Globalization.CultureInfo.InvariantCulture), l2 = int.Parse(ls[1], System.Globalization.CultureInfo.InvariantCulture), l3 = int.Parse(ls[2], System.Globalization.CultureInfo.InvariantCulture);
        int tp = name.IndexOf(".tp.", StringComparison.Ordinal);
        string layerName = tp >= 0 ? name[..tp] : name[..at];
        if (model.named_modules().FirstOrDefault(m => m.name == layerName).module is not TensorProductLayer layer)
            return $"unknown {name}: no tensor product of this model is named {layerName}";
        if (!layer.Descriptor.Paths.Any(p => p.L1 == l1 && p.L2 == l2 && p.LOut == l3))
            return $"{name}: the reference's {layerName} uses the path {l1} ⊗ {l2} → {l3}, which this configuration's {layer.Descriptor} does not have; the configurations disagree";
        long[] shape = [2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1];
        if (!stored.shape.SequenceEqual(shape))
            return $"{name} has shape [{string.Join(", ", stored.shape)}], but wigner_3j({l1}, {l2}, {l3}) is [{string.Join(", ", shape)}]";
        double[] theirs = stored.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        double[] ours = O3.Wigner3j.Get(l1, l2, l3);
        double worst = theirs.Zip(ours).Max(p => Math.Abs(p.First - p.Second));
        return worst <= Tolerance ? ""
            : $"{name}: the reference's Wigner 3j ({l1}, {l2}, {l3}) differs from ours by {worst:E2} (more than float32 rounding): it was made with another e3nn convention, so its weights cannot be imported as they are";
    }

    /// <summary>The reference stores 1/√fan_in per output component of every tensor product (and divides by it); ours must agree.</summary>
    private static string CheckFanIn(SegnnModel model, string layerName, Tensor stored)
    {
        TensorProductLayer? layer = model.named_modules().FirstOrDefault(m => m.name == layerName).module as TensorProductLayer;
        if (layer is null) return $"unknown {layerName}.sqrt_k_correction: no tensor product of this model has that name";
        var expected = new List<double>();
        var d = layer.Descriptor;
        for (int o = 0; o < d.Output.Count; o++)
            expected.AddRange(Enumerable.Repeat(1 / Math.Sqrt(d.FanIn[o]), d.Output[o].Dim));
        double[] actual = stored.to_type(ScalarType.Float64).data<double>().ToArray();
        if (actual.Length != expected.Count)
            return $"{layerName}.sqrt_k_correction has {actual.Length} entries, our tensor product {d} has {expected.Count} output components";
        for (int i = 0; i < actual.Length; i++)
            if (Math.Abs(actual[i] - expected[i]) > 1e-6 * expected[i])
                return $"{layerName}: the reference's fan-in correction {actual[i]:G6} at output component {i} differs from ours ({expected[i]:G6}); the configurations disagree";
        return "";
    }
}
