using System.CommandLine;
using System.Text.Json.Nodes;
using Segnn.Import;
using Segnn.Nn;
using Segnn.Training;

namespace Segnn.Cli.Commands;

/// <summary><c>segnn import-torch</c>: a state dict of the authors' PyTorch SEGNN → a Segnn checkpoint that eval and export accept.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var stateDict = new Option<string>("--state-dict") { Description = "torch.save(model.state_dict()) file of the reference implementation", Required = true };
        var config = new Option<string?>("--config") { Description = "model configuration JSON (or use --preset)" };
        var preset = new Option<string?>("--preset") { Description = $"{string.Join(" | ", TorchStateDict.Presets)}: the reference's paper configurations" };
        var output = new Option<string>("--out") { Description = "run folder to write best.ckpt into", Required = true };
        var cmd = new Command("import-torch", "Import a model trained with the authors' PyTorch SEGNN") { stateDict, config, preset, output };
        cmd.SetAction(r =>
        {
            ModelConfig model = (r.GetValue(config), r.GetValue(preset)) switch
            {
                ({ } file, null) => ModelConfig.FromJson(File.ReadAllText(file)),
                (null, { } name) => TorchStateDict.Preset(name),
                (null, null) => throw new ArgumentException("give --config FILE or --preset nbody|qm9"),
                _ => throw new ArgumentException("give either --config or --preset, not both"),
            };
            string path = r.GetValue(stateDict)!;
            TorchSharp.torch.manual_seed(0);
            using var segnn = new SegnnModel(model);
            ImportReport report = TorchStateDict.Load(segnn, TorchStateDict.Read(path), path);
            string runDir = r.GetValue(output)!;
            Directory.CreateDirectory(runDir);
            var state = new TrainingState { Data = new Dictionary<string, string> { ["imported_from"] = Path.GetFullPath(path) } };
            Checkpoint.Save(Path.Combine(runDir, Trainer.BestCheckpoint), segnn, null, state, null);
            Console.WriteLine(new JsonObject
            {
                ["out"] = Path.Combine(Path.GetFullPath(runDir), Trainer.BestCheckpoint),
                ["parameters"] = segnn.ParameterCount,
                ["tensors_loaded"] = report.Loaded.Count,
                ["fan_in_checks"] = report.CheckedBuffers.Count - report.Wigner3jChecked,
                ["wigner3j_checks"] = report.Wigner3jChecked,
                ["ignored_buffers"] = report.IgnoredBuffers.Count,
            }.ToJsonString(CliJson.Options));
        });
        return cmd;
    }
}
