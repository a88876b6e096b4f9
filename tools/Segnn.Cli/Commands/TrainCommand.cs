using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Segnn.Cli.Bench;
using Segnn.Data.NBody;
using Segnn.IO;
using Segnn.Training;

namespace Segnn.Cli.Commands;

/// <summary><c>segnn train</c> and <c>segnn eval</c>: the training job and the evaluation of a run on a split.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var task = new Option<string>("--task") { Description = "nbody | qm9 | qm9-mp2", Required = true };
        var data = new Option<string>("--data") { Description = "dataset folder (nbody: from 'segnn nbody generate'; qm9*: the qm9 data folder)", Required = true };
        var output = new Option<string>("--out") { Description = "run folder (checkpoints, metrics.csv, loss.png, summary.json)", Required = true };
        var resume = new Option<bool>("--resume") { Description = "continue the run in --out from its last checkpoint" };
        var epochs = new Option<int?>("--epochs") { Description = "epochs (nbody default 1000)" };
        var batch = new Option<int?>("--batch-size") { Description = "batch size (nbody 100, qm9 128)" };
        var lr = new Option<double?>("--lr") { Description = "learning rate (default 5e-4)" };
        var wd = new Option<double?>("--weight-decay") { Description = "coupled L2 weight decay (nbody 1e-12, qm9 1e-8)" };
        var schedule = new Option<string?>("--schedule") { Description = "constant | multistep | cosine" };
        var warmup = new Option<int?>("--warmup") { Description = "linear warm-up epochs" };
        var validateEvery = new Option<int?>("--validate-every") { Description = "validate every k epochs (nbody 5)" };
        var seed = new Option<int?>("--seed") { Description = "seed of initialisation and shuffling (default 42)" };
        var threads = new Option<int?>("--threads") { Description = "TorchSharp threads (default 1)" };
        var maxTrain = new Option<int?>("--max-train") { Description = "use the first n training samples (nbody default 3000)" };
        var timeLimit = new Option<double?>("--time-limit") { Description = "stop cleanly after this many seconds" };
        var config = new Option<string?>("--config") { Description = "model configuration JSON (overrides the task's default)" };
        var hidden = new Option<int?>("--hidden-features") { Description = "hidden feature budget (nbody 64)" };
        var layers = new Option<int?>("--layers") { Description = "message-passing layers (nbody 4)" };
        var centering = new Option<string?>("--centering") { Description = "nbody input centring: reference (default, the paper's quirk) | system" };
        var cmd = new Command("train", "Train a SEGNN model")
        {
            task, data, output, resume, epochs, batch, lr, wd, schedule, warmup, validateEvery, seed, threads, maxTrain, timeLimit, config, hidden, layers, centering,
        };
        cmd.SetAction((r, ct) =>
        {
            string taskName = r.GetValue(task)!;
            ModelConfig model = r.GetValue(config) is { } path ? ModelConfig.FromJson(File.ReadAllText(path)) : TaskSetup.DefaultConfig(taskName);
            if (r.GetValue(hidden) is int h) model = model with { HiddenFeatures = h, HiddenIrreps = null };
            if (r.GetValue(layers) is int l) model = model with { Layers = l };
            if (r.GetValue(centering) is string c) model = model with { Centering = c };
            TrainingOptions defaults = TaskSetup.DefaultOptions(taskName);
            var options = defaults with
            {
                Epochs = r.GetValue(epochs) ?? defaults.Epochs,
                BatchSize = r.GetValue(batch) ?? defaults.BatchSize,
                LearningRate = r.GetValue(lr) ?? defaults.LearningRate,
                WeightDecay = r.GetValue(wd) ?? defaults.WeightDecay,
                Schedule = r.GetValue(schedule) ?? defaults.Schedule,
                WarmupEpochs = r.GetValue(warmup) ?? defaults.WarmupEpochs,
                ValidateEvery = r.GetValue(validateEvery) ?? defaults.ValidateEvery,
                Seed = r.GetValue(seed) ?? defaults.Seed,
                Threads = r.GetValue(threads) ?? defaults.Threads,
                MaxTrainSamples = r.GetValue(maxTrain) ?? defaults.MaxTrainSamples,
                TimeLimitSeconds = r.GetValue(timeLimit) ?? defaults.TimeLimitSeconds,
            };
            options.Validate();
            string runDir = r.GetValue(output)!;
            bool isResume = r.GetValue(resume);
            if (isResume && File.Exists(Path.Combine(runDir, Trainer.LastCheckpoint)))
            {
                // a resumed run keeps the configuration and options it started with
                Checkpoint last = Checkpoint.Load(Path.Combine(runDir, Trainer.LastCheckpoint));
                model = last.Config;
                options = last.Options ?? options;
            }
            TaskData taskData = TaskSetup.Load(taskName, r.GetValue(data)!, options, ref model);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var progress = new ConsoleTrainingProgress();
            TrainResult result = Trainer.Run(model, options, taskData.Train, taskData.Valid, taskData.Test, runDir, isResume, progress, taskData.Description, ct);
            var summary = new JsonObject
            {
                ["task"] = taskName,
                ["run"] = Path.GetFullPath(runDir),
                ["epochs_completed"] = result.State.Epoch,
                ["stopped_early"] = result.Stopped,
                ["best_epoch"] = result.State.BestEpoch,
                ["best_validation"] = result.State.BestValidation,
                ["test_at_best"] = result.State.TestAtBest,
                ["test_details"] = JsonSerializer.SerializeToNode(result.State.BestDetails),
                ["training_seconds"] = Math.Round(result.State.TrainingSeconds, 1),
                ["wall_seconds_this_session"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
                ["threads"] = options.Threads,
                ["machine"] = BenchHelpers.MachineDescription(),
                ["commit"] = Provenance.Commit(),
                ["data"] = JsonSerializer.SerializeToNode(taskData.Description),
                ["config"] = JsonNode.Parse(model.ToJson()),
                ["options"] = JsonSerializer.SerializeToNode(options, ModelConfig.Json),
            };
            AtomicFile.WriteAllText(Path.Combine(runDir, RunFiles.SummaryFile), summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine(summary.ToJsonString(CliJson.Options));
            return Task.FromResult(result.Stopped && ct.IsCancellationRequested ? 130 : 0);
        });
        return cmd;
    }

    public static Command Eval()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "run folder (its best.ckpt) or a .ckpt file", Required = true };
        var data = new Option<string>("--data") { Description = "dataset folder", Required = true };
        var split = new Option<string>("--split") { Description = "train | valid | test", DefaultValueFactory = _ => "test" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var threads = new Option<int>("--threads") { Description = "TorchSharp threads", DefaultValueFactory = _ => 1 };
        var cmd = new Command("eval", "Evaluate a trained model on a split (nbody: MSE; molecules: MAE per target)") { checkpoint, data, split, json, threads };
        cmd.SetAction(r =>
        {
            TorchSharp.torch.set_num_threads(r.GetValue(threads));
            Checkpoint ckpt = Checkpoint.Load(TaskSetup.CheckpointPath(r.GetValue(checkpoint)!));
            using var model = ckpt.CreateModel();
            string splitName = r.GetValue(split)!;
            IGraphDataset dataset = TaskSetup.LoadSplit(ckpt.Config.Task, r.GetValue(data)!, splitName, ckpt.Config);
            var details = new Dictionary<string, double>();
            var (metric, n) = Trainer.Evaluate(model, ckpt.Config, dataset, 100, null, details);
            var o = new JsonObject { ["task"] = ckpt.Config.Task, ["split"] = splitName, ["n"] = n };
            if (ckpt.Config.Task == "nbody") o["mse"] = metric;
            else
            {
                o["standardised_mae"] = metric;
                foreach (var (k, v) in details) o[k] = v;
            }
            if (r.GetValue(json)) Console.WriteLine(o.ToJsonString(CliJson.Options));
            else foreach (var (k, v) in o) Console.WriteLine($"{k,-22} {v}");
        });
        return cmd;
    }
}

/// <summary>A task's data as the trainer takes it, plus a description for provenance.</summary>
internal sealed record TaskData(IGraphDataset Train, IGraphDataset Valid, IGraphDataset? Test, Dictionary<string, string> Description);

/// <summary>Per-task defaults and data loading.</summary>
internal static class TaskSetup
{
    public static ModelConfig DefaultConfig(string task) => task switch
    {
        "nbody" => ModelConfig.NBody(),
        _ => throw new ArgumentException($"unknown task '{task}' (expected nbody, qm9 or qm9-mp2)"),
    };

    public static TrainingOptions DefaultOptions(string task) => task switch
    {
        "nbody" => new TrainingOptions { MaxTrainSamples = NBodySamples.PaperTrainingSamples },
        _ => new TrainingOptions(),
    };

    public static TaskData Load(string task, string dataDir, TrainingOptions options, ref ModelConfig config)
    {
        switch (task)
        {
            case "nbody":
                NBodyManifest manifest = NBodyDataset.ReadManifest(dataDir);
                return new TaskData(
                    NBodyGraphDataset.Load(dataDir, "train", options.MaxTrainSamples > 0 ? options.MaxTrainSamples : null),
                    NBodyGraphDataset.Load(dataDir, "valid"),
                    NBodyGraphDataset.Load(dataDir, "test"),
                    new Dictionary<string, string>
                    {
                        ["dataset"] = Path.GetFullPath(dataDir),
                        ["seed"] = manifest.Seed.ToString(CultureInfo.InvariantCulture),
                        ["counts"] = string.Join("/", manifest.Files.Select(f => $"{f.Split}:{f.Trajectories}")),
                    });
            default:
                throw new ArgumentException($"unknown task '{task}' (expected nbody, qm9 or qm9-mp2)");
        }
    }

    public static IGraphDataset LoadSplit(string task, string dataDir, string split, ModelConfig config) => task switch
    {
        "nbody" => NBodyGraphDataset.Load(dataDir, split),
        _ => throw new ArgumentException($"unknown task '{task}'"),
    };

    /// <summary>A run folder means its best checkpoint.</summary>
    public static string CheckpointPath(string path) =>
        Directory.Exists(path) ? Path.Combine(path, Trainer.BestCheckpoint) : path;
}

/// <summary>Where the code came from, for summaries and model cards.</summary>
internal static class Provenance
{
    public static string Commit()
    {
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo("git", "rev-parse --short HEAD")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = AppContext.BaseDirectory, // the build output lies inside the repository
            };
            using var p = System.Diagnostics.Process.Start(psi);
            string output = p!.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(2000);
            return p.ExitCode == 0 && output.Length > 0 ? output : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
