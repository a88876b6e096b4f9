using System.Collections;
using Segnn.Nn;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Segnn.Import;

/// <summary>What an import did: the parameters it set and the reference buffers it checked or skipped.</summary>
public sealed record ImportReport(IReadOnlyList<string> Loaded, IReadOnlyList<string> CheckedBuffers, IReadOnlyList<string> IgnoredBuffers);

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
            if (name.EndsWith(".sqrt_k_correction", StringComparison.Ordinal))
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
