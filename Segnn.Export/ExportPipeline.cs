using System.Globalization;
using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Training;

namespace Segnn.Export;

/// <summary>What an export produced and whether it is accepted by the one rule (<see cref="Parity.Result.Agrees"/> at <see cref="ExportPipeline.Tolerance"/>).</summary>
/// <param name="Path">The file written, or null when the model was exported to memory.</param>
/// <param name="Model">The file's bytes.</param>
/// <param name="Parity">ONNX Runtime against TorchSharp (and float64) on the task's sample batch.</param>
/// <param name="Options">The export settings.</param>
public sealed record ExportReport(string? Path, byte[] Model, Parity.Result Parity, ExportOptions Options)
{
    public long Bytes => Model.LongLength;

    /// <summary>The export is faithful (see <see cref="Parity.Result.Agrees"/>).</summary>
    public bool Accepted => Parity.Agrees(ExportPipeline.Tolerance);

    /// <summary>Why it was refused, in one line; null when accepted.</summary>
    public string? Refusal => Accepted ? null
        : $"the exported model disagrees with TorchSharp (max abs diff {Parity.MaxAbsDiff:E2}; from float64 {Parity.MaxAbsDiffFromFloat64:E2} against TorchSharp float32's own {Parity.Float32Rounding:E2})";
}

/// <summary>
/// Export as every caller does it (<c>segnn export</c>, the quickstart, the benchmarks): trace and lower the model, write it
/// (atomically) or keep it in memory, load it in <see cref="SegnnSession"/>, compare with TorchSharp on the task's sample
/// batch, and judge by the one acceptance rule.
/// </summary>
public static class ExportPipeline
{
    /// <summary>Absolute tolerance of the acceptance rule.</summary>
    public const double Tolerance = 1e-4;

    /// <param name="model">the trained model.</param>
    /// <param name="path">where to write the file, or null to keep it in memory.</param>
    /// <param name="options">lowering, outputs, provenance.</param>
    public static ExportReport Run(SegnnModel model, string? path, ExportOptions? options = null)
    {
        options ??= new ExportOptions();
        byte[] bytes = Exporter.Export(model, options);
        if (path is not null) IO.AtomicFile.Write(path, bytes);
        using SegnnSession session = SegnnSession.Load(bytes, source: path ?? "exported model");
        Parity.Result parity = Parity.Compare(model, session, model.Config.TaskDefinition.SampleBatch(model.Config));
        return new ExportReport(path, bytes, parity, options);
    }

    /// <summary>Where a checkpoint came from, for the file's metadata: the checkpoint, commit, best epoch, data and metrics.</summary>
    public static Dictionary<string, string> Provenance(Checkpoint checkpoint)
    {
        var provenance = new Dictionary<string, string>
        {
            ["checkpoint"] = System.IO.Path.GetFullPath(checkpoint.Source),
            ["commit"] = Training.Provenance.Commit(),
            ["best_epoch"] = checkpoint.State.BestEpoch.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (k, v) in checkpoint.State.Data) provenance[$"data.{k}"] = v;
        if (double.IsFinite(checkpoint.State.BestValidation)) provenance["metrics.validation"] = checkpoint.State.BestValidation.ToString("G6", CultureInfo.InvariantCulture);
        if (double.IsFinite(checkpoint.State.TestAtBest)) provenance["metrics.test"] = checkpoint.State.TestAtBest.ToString("G6", CultureInfo.InvariantCulture);
        foreach (var (k, v) in checkpoint.State.BestDetails) provenance[$"metrics.{k}"] = v.ToString("G6", CultureInfo.InvariantCulture);
        return provenance;
    }
}
