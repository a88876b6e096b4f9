using System.CommandLine;
using System.Text.Json.Nodes;
using Segnn.Data.Molecules;

namespace Segnn.Cli.Commands;

/// <summary><c>segnn qm9 baseline</c>: the composition baseline (least squares on element counts) on the standard split.</summary>
internal static class Qm9Command
{
    public static Command Create()
    {
        var qm9 = new Command("qm9", "QM9 data utilities");
        var task = new Option<string>("--task") { Description = "qm9-mp2 | qm9", DefaultValueFactory = _ => "qm9-mp2" };
        var data = new Option<string>("--data") { Description = "data folder or file", DefaultValueFactory = _ => SharedPaths.Qm9Mp2 };
        var split = new Option<string>("--split") { Description = "split to evaluate on", DefaultValueFactory = _ => "test" };
        var baseline = new Command("baseline", "Composition baseline MAE per scalar target (fitted on the training split); energies in meV") { task, data, split };
        baseline.SetAction(r =>
        {
            string taskName = r.GetValue(task)!;
            IReadOnlyList<MoleculeTarget> targets = taskName == "qm9-mp2" ? Qm9.Mp2Targets : Qm9.StandardTargets;
            var config = TaskSetup.DefaultConfig(taskName);
            ModelConfig withTargets = config;
            var loaded = TaskSetup.Load(taskName, r.GetValue(data)!, TaskSetup.DefaultOptions(taskName), targets.Select(t => t.Name).ToArray(), false, ref withTargets);
            var o = new JsonObject { ["task"] = taskName, ["split"] = r.GetValue(split), ["train"] = loaded.Train.Count, ["valid"] = loaded.Valid.Count, ["test"] = loaded.Test?.Count };
            foreach (var (k, v) in TaskSetup.BaselineMae(withTargets, r.GetValue(data)!, r.GetValue(split)!)) o[k] = v;
            foreach (TargetSpec t in withTargets.Targets.Where(t => t.Irreps != "1x0e"))
            {
                // a vector target has no composition baseline; predicting zero is the trivial one
                var items = ((MoleculeGraphDataset)(r.GetValue(split) == "valid" ? loaded.Valid : loaded.Test!)).Items;
                o[$"zero_mae_{t.Name}"] = items.SelectMany(m => m.Vectors[t.Name]).Average(Math.Abs);
            }
            Console.WriteLine(o.ToJsonString(CliJson.Options));
        });
        qm9.Subcommands.Add(baseline);
        return qm9;
    }
}
