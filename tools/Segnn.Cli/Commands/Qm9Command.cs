using System.CommandLine;
using System.Text.Json.Nodes;
using Segnn.Tasks;
using Segnn.Training;

namespace Segnn.Cli.Commands;

/// <summary><c>segnn qm9 baseline</c>: the composition baseline (least squares on element counts) of every target on a split.</summary>
internal static class Qm9Command
{
    public static Command Create()
    {
        var qm9 = new Command("qm9", "QM9 data utilities");
        var task = new Option<string>("--task") { Description = "qm9-mp2 | qm9", DefaultValueFactory = _ => Qm9Mp2Task.Id.Name };
        var data = new Option<string>("--data") { Description = "data folder or file", DefaultValueFactory = _ => SharedPaths.Qm9Mp2 };
        var split = new Option<string>("--split") { Description = "split to evaluate on", DefaultValueFactory = _ => "test" };
        var baseline = new Command("baseline", "Composition baseline MAE per scalar target (fitted on the training split), zero baseline per vector target; energies in meV") { task, data, split };
        baseline.SetAction(r =>
        {
            var molecules = TaskRegistry.Parse(r.GetValue(task)!) as MoleculeTask
                ?? throw new ArgumentException($"--task must be a molecular task, not '{r.GetValue(task)}'");
            var request = new TaskDataRequest(r.GetValue(data)!, molecules.DefaultOptions(), molecules.DefaultConfig(), molecules.AvailableTargets.Select(t => t.Name).ToArray(), false);
            TaskData loaded = molecules.LoadData(request);
            var o = new JsonObject { ["task"] = molecules.Key.Name, ["split"] = r.GetValue(split), ["train"] = loaded.Train.Count, ["valid"] = loaded.Valid.Count, ["test"] = loaded.Test?.Count };
            foreach (var (k, v) in molecules.Baselines(loaded.Config, r.GetValue(data)!, r.GetValue(split)!)) o[k] = v;
            Console.WriteLine(o.ToJsonString(CliJson.Options));
        });
        qm9.Subcommands.Add(baseline);
        return qm9;
    }
}
