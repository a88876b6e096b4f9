using System.CommandLine;
using System.Text.Json.Nodes;
using Segnn.Export;
using Segnn.Export.Lowering;
using Segnn.Nn;
using Segnn.Runtime;
using Segnn.Training;

namespace Segnn.Cli.Commands;

/// <summary><c>segnn export</c>: checkpoint → .onnx through <see cref="ExportPipeline"/> (atomic write, ONNX Runtime vs TorchSharp, the one acceptance rule).</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "run folder (its best.ckpt) or a .ckpt file", Required = true };
        var output = new Option<string>("--out") { Description = "the .onnx file to write", Required = true };
        var lowering = new Option<string>("--lowering") { Description = "two-stage (default) | dense", DefaultValueFactory = _ => "two-stage" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var outputs = new Option<string?>("--outputs") { Description = "outputs to expose, comma-separated (default: all)" };
        var precision = new Option<string>("--precision") { Description = "float32 (default) | float64 (ONNX Runtime CPU; for molecular dynamics)", DefaultValueFactory = _ => "float32" };
        var cmd = new Command("export", "Export a trained model to ONNX and check it against TorchSharp") { checkpoint, output, lowering, json, outputs, precision };
        cmd.SetAction(r =>
        {
            TorchSharp.torch.set_num_threads(1);
            Checkpoint ckpt = Checkpoint.Load(TrainCommand.CheckpointPath(r.GetValue(checkpoint)!));
            using SegnnModel model = ckpt.CreateModel();
            var kind = r.GetValue(lowering) switch
            {
                "two-stage" => TensorProductLoweringKind.TwoStage,
                "dense" => TensorProductLoweringKind.Dense,
                var other => throw new ArgumentException($"--lowering must be two-stage or dense, not '{other}'"),
            };
            string outPath = r.GetValue(output)!;
            string[]? selected = r.GetValue(outputs)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            ExportReport report = ExportPipeline.Run(model, outPath, new ExportOptions
            {
                Lowering = kind,
                Provenance = ExportPipeline.Provenance(ckpt),
                Outputs = selected,
                Precision = EnumNames.Parse<Precision>(r.GetValue(precision), "--precision"),
            });
            Parity.Result parity = report.Parity;
            var o = new JsonObject
            {
                ["out"] = Path.GetFullPath(outPath),
                ["max_abs_diff"] = parity.MaxAbsDiff,
                ["float32_rounding"] = parity.Float32Rounding,
                ["max_abs_diff_from_float64"] = parity.MaxAbsDiffFromFloat64,
                ["accepted"] = report.Accepted,
                ["nodes"] = parity.Nodes,
                ["edges"] = parity.Edges,
                ["graphs"] = parity.Graphs,
                ["opset"] = report.Options.Opset,
                ["lowering"] = r.GetValue(lowering),
                ["bytes"] = report.Bytes,
                ["precision"] = r.GetValue(precision),
            };
            if (r.GetValue(json)) Console.WriteLine(o.ToJsonString(CliJson.Options));
            else Console.WriteLine($"wrote {outPath} ({report.Bytes:N0} bytes); ONNX Runtime vs TorchSharp on {parity.Nodes} nodes / {parity.Edges} edges: max abs diff {parity.MaxAbsDiff:E2} " +
                $"(from float64: ONNX Runtime {parity.MaxAbsDiffFromFloat64:E2}, TorchSharp float32 {parity.Float32Rounding:E2})");
            if (report.Refusal is { } why)
            {
                Console.Error.WriteLine($"segnn: error: {why}");
                return ExitCodes.ExportRefused;
            }
            return 0;
        });
        return cmd;
    }
}
