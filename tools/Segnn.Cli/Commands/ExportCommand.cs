using System.CommandLine;
using System.Text.Json.Nodes;
using Segnn.Export;
using Segnn.Export.Lowering;
using Segnn.Runtime;
using Segnn.Training;

namespace Segnn.Cli.Commands;

/// <summary><c>segnn export</c>: checkpoint → .onnx (atomic), then an ONNX Runtime vs TorchSharp check on a sample batch.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "run folder (its best.ckpt) or a .ckpt file", Required = true };
        var output = new Option<string>("--out") { Description = "the .onnx file to write", Required = true };
        var lowering = new Option<string>("--lowering") { Description = "two-stage (default) | dense", DefaultValueFactory = _ => "two-stage" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var outputs = new Option<string?>("--outputs") { Description = "targets to expose, comma-separated (default: all)" };
        var cmd = new Command("export", "Export a trained model to ONNX and check it against TorchSharp") { checkpoint, output, lowering, json, outputs };
        cmd.SetAction(r =>
        {
            TorchSharp.torch.set_num_threads(1);
            string ckptPath = TaskSetup.CheckpointPath(r.GetValue(checkpoint)!);
            Checkpoint ckpt = Checkpoint.Load(ckptPath);
            using var model = ckpt.CreateModel();
            var kind = r.GetValue(lowering) switch
            {
                "two-stage" => TensorProductLoweringKind.TwoStage,
                "dense" => TensorProductLoweringKind.Dense,
                var other => throw new ArgumentException($"--lowering must be two-stage or dense, not '{other}'"),
            };
            var provenance = new Dictionary<string, string>
            {
                ["checkpoint"] = Path.GetFullPath(ckptPath),
                ["commit"] = Provenance.Commit(),
                ["best_epoch"] = ckpt.State.BestEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            foreach (var (k, v) in ckpt.State.Data) provenance[$"data.{k}"] = v;
            if (double.IsFinite(ckpt.State.BestValidation)) provenance["metrics.validation"] = ckpt.State.BestValidation.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
            if (double.IsFinite(ckpt.State.TestAtBest)) provenance["metrics.test"] = ckpt.State.TestAtBest.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
            foreach (var (k, v) in ckpt.State.BestDetails) provenance[$"metrics.{k}"] = v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);

            string outPath = r.GetValue(output)!;
            string[]? selected = r.GetValue(outputs)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            long bytes = Exporter.ExportToFile(model, outPath, new ExportOptions { Lowering = kind, Provenance = provenance, Outputs = selected });
            using SegnnSession session = SegnnSession.Load(outPath);
            Parity.Result parity = Parity.Compare(model, session, SampleBatches.For(ckpt.Config));
            var o = new JsonObject
            {
                ["out"] = Path.GetFullPath(outPath),
                ["max_abs_diff"] = parity.MaxAbsDiff,
                ["float32_rounding"] = parity.Float32Rounding,
                ["max_abs_diff_from_float64"] = parity.MaxAbsDiffFromFloat64,
                ["nodes"] = parity.Nodes,
                ["edges"] = parity.Edges,
                ["graphs"] = parity.Graphs,
                ["opset"] = 17,
                ["lowering"] = r.GetValue(lowering),
                ["bytes"] = bytes,
            };
            if (r.GetValue(json)) Console.WriteLine(o.ToJsonString(CliJson.Options));
            else Console.WriteLine($"wrote {outPath} ({bytes:N0} bytes); ONNX Runtime vs TorchSharp on {parity.Nodes} nodes / {parity.Edges} edges: max abs diff {parity.MaxAbsDiff:E2} " +
                $"(from float64: ONNX Runtime {parity.MaxAbsDiffFromFloat64:E2}, TorchSharp float32 {parity.Float32Rounding:E2})");
            if (!parity.Agrees(1e-4))
            {
                Console.Error.WriteLine($"segnn: error: the exported model disagrees with TorchSharp (max abs diff {parity.MaxAbsDiff:E2}; from float64 " +
                    $"{parity.MaxAbsDiffFromFloat64:E2} against TorchSharp float32's own {parity.Float32Rounding:E2})");
                return 2;
            }
            return 0;
        });
        return cmd;
    }
}
