using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Segnn.Cli.Bench;
using Segnn.Data.Molecules;
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
        var targets = new Option<string?>("--targets") { Description = "molecular targets, comma-separated (qm9-mp2: binding_energy,homo,dipole; qm9: one of mu alpha homo lumo gap r2 zpve U0 U H G Cv)" };
        var lmaxHidden = new Option<int?>("--lmax-hidden") { Description = "highest degree of hidden features" };
        var lmaxAttr = new Option<int?>("--lmax-attr") { Description = "highest degree of the attributes" };
        var norm = new Option<string?>("--norm") { Description = "none | instance | batch" };
        var pool = new Option<string?>("--pool") { Description = "graph pooling: avg | sum (sum suits extensive targets such as energies)" };
        var trainFrames = new Option<string?>("--train-frames") { Description = "nbody: draw each epoch's input frame from FIRST:LAST of the same training trajectories (default: the paper's frame 30)" };
        var cmd = new Command("train", "Train a SEGNN model")
        {
            task, data, output, resume, epochs, batch, lr, wd, schedule, warmup, validateEvery, seed, threads, maxTrain, timeLimit, config, hidden, layers, centering,
            targets, lmaxHidden, lmaxAttr, norm, trainFrames, pool,
        };
        cmd.SetAction((r, ct) =>
        {
            string taskName = r.GetValue(task)!;
            ModelConfig model = r.GetValue(config) is { } path ? ModelConfig.FromJson(File.ReadAllText(path)) : TaskSetup.DefaultConfig(taskName);
            if (r.GetValue(hidden) is int h) model = model with { HiddenFeatures = h, HiddenIrreps = null };
            if (r.GetValue(layers) is int l) model = model with { Layers = l };
            if (r.GetValue(centering) is string c) model = model with { Centering = c };
            if (r.GetValue(lmaxHidden) is int lh) model = model with { LMaxHidden = lh, HiddenIrreps = null };
            if (r.GetValue(lmaxAttr) is int la) model = model with { LMaxAttributes = la, HiddenIrreps = null };
            if (r.GetValue(norm) is string nm) model = model with { Norm = nm };
            if (r.GetValue(pool) is string pl) model = model with { Pool = pl };
            string[]? targetNames = r.GetValue(targets)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
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
                TrainFrames = r.GetValue(trainFrames) ?? defaults.TrainFrames,
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
            TaskData taskData = TaskSetup.Load(taskName, r.GetValue(data)!, options, targetNames, isResume, ref model);
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
                foreach (TargetSpec t in ckpt.Config.Targets)
                {
                    double mae = details[$"mae_{t.Name}"];
                    if (t.Unit == "eV") o[$"mae_{t.Name}_meV"] = mae * 1000;
                    else o[$"mae_{t.Name}_{t.Unit.Replace('*', '.').Replace('/', '_')}"] = mae;
                }
                foreach (var (k, v) in TaskSetup.BaselineMae(ckpt.Config, r.GetValue(data)!, splitName)) o[k] = v;
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
        "qm9" or "qm9-mp2" => ModelConfig.Qm9() with { Task = task },
        _ => throw new ArgumentException($"unknown task '{task}' (expected nbody, qm9 or qm9-mp2)"),
    };

    public static TrainingOptions DefaultOptions(string task) => task switch
    {
        "nbody" => new TrainingOptions { MaxTrainSamples = NBodySamples.PaperTrainingSamples },
        "qm9" or "qm9-mp2" => new TrainingOptions { BatchSize = 128, WeightDecay = 1e-8, Schedule = "multistep", Loss = "l1", ValidateEvery = 1 },
        _ => throw new ArgumentException($"unknown task '{task}' (expected nbody, qm9 or qm9-mp2)"),
    };

    public static TaskData Load(string task, string dataDir, TrainingOptions options, string[]? targetNames, bool resume, ref ModelConfig config)
    {
        switch (task)
        {
            case "nbody":
                NBodyManifest manifest = NBodyDataset.ReadManifest(dataDir);
                int maxTrain = options.MaxTrainSamples > 0 ? options.MaxTrainSamples : int.MaxValue;
                IGraphDataset trainSet = options.TrainFrames is { } frames
                    ? new NBodyFrameAugmentation(NBodyDataset.Load(dataDir, "train"), maxTrain, ParseRange(frames).First, ParseRange(frames).Last, options.Seed)
                    : NBodyGraphDataset.Load(dataDir, "train", options.MaxTrainSamples > 0 ? options.MaxTrainSamples : null);
                return new TaskData(
                    trainSet,
                    NBodyGraphDataset.Load(dataDir, "valid"),
                    NBodyGraphDataset.Load(dataDir, "test"),
                    new Dictionary<string, string>
                    {
                        ["dataset"] = Path.GetFullPath(dataDir),
                        ["seed"] = manifest.Seed.ToString(CultureInfo.InvariantCulture),
                        ["counts"] = string.Join("/", manifest.Files.Select(f => $"{f.Split}:{f.Trajectories}")),
                    });
            case "qm9" or "qm9-mp2":
                var (train, valid, test, description) = MoleculeSplits(task, dataDir);
                if (!resume)
                {
                    IReadOnlyList<MoleculeTarget> all = task == "qm9-mp2" ? Qm9.Mp2Targets : Qm9.StandardTargets;
                    string[] names = targetNames ?? (task == "qm9-mp2" ? ["binding_energy", "homo"] : ["alpha"]);
                    var chosen = names.Select(n => all.FirstOrDefault(t => t.Name == n)
                        ?? throw new ArgumentException($"unknown target '{n}' for {task} (expected {string.Join(", ", all.Select(t => t.Name))})")).ToList();
                    if (options.MaxTrainSamples > 0) train = train.Take(options.MaxTrainSamples).ToList();
                    int[] elements = task == "qm9-mp2" ? [1, 6, 7, 8] : [1, 6, 7, 8, 9];
                    TargetSpec[] specs = TargetStatistics.Standardise(train, chosen, elements);
                    config = config with
                    {
                        Task = task,
                        Elements = elements,
                        InputIrreps = $"{elements.Length}x0e",
                        Targets = specs,
                        OutputIrreps = string.Join("+", specs.Select(t => t.Irreps)),
                    };
                }
                double cutoff = config.Cutoff ?? 2.0;
                return new TaskData(
                    new MoleculeGraphDataset("train", train, config.Targets, cutoff),
                    new MoleculeGraphDataset("valid", valid, config.Targets, cutoff),
                    new MoleculeGraphDataset("test", test, config.Targets, cutoff),
                    description);
            default:
                throw new ArgumentException($"unknown task '{task}' (expected nbody, qm9 or qm9-mp2)");
        }
    }

    private static (int First, int Last) ParseRange(string text)
    {
        string[] parts = text.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int first) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int last))
            throw new ArgumentException($"--train-frames '{text}': expected FIRST:LAST, e.g. 20:38");
        return (first, last);
    }

    /// <summary>
    /// Labelled molecules split by the standard QM9 split (the <c>split</c> folder beside the data, or $SEGNN_QM9_SPLIT;
    /// restricted to the molecules present); files without QM9 ids (e.g. standard-100) are split 80/10/10 in file order.
    /// </summary>
    private static (List<LabelledMolecule> Train, List<LabelledMolecule> Valid, List<LabelledMolecule> Test, Dictionary<string, string> Description) MoleculeSplits(string task, string dataDir)
    {
        List<LabelledMolecule> all = (task == "qm9-mp2" ? Qm9.ReadMp2(dataDir) : Qm9.ReadStandard(dataDir)).ToList();
        if (all.Count == 0) throw new InvalidDataException($"{dataDir}: no molecules found");
        string splitDir = Environment.GetEnvironmentVariable("SEGNN_QM9_SPLIT") is { Length: > 0 } custom ? custom
            : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataDir.TrimEnd('/')))!, "split");
        var description = new Dictionary<string, string> { ["dataset"] = Path.GetFullPath(dataDir), ["molecules"] = all.Count.ToString(CultureInfo.InvariantCulture) };
        if (all.All(m => m.GdbId > 0) && Directory.Exists(splitDir))
        {
            Qm9Split split = Qm9Split.Load(splitDir);
            description["split"] = $"standard QM9 split ({splitDir}) restricted to the molecules present";
            var parts = all.GroupBy(m => split.SplitOf(m.GdbId) ?? "none").ToDictionary(g => g.Key, g => g.ToList());
            List<LabelledMolecule> Part(string name) => parts.TryGetValue(name, out var list) ? list : [];
            description["counts"] = $"train:{Part("train").Count}/valid:{Part("valid").Count}/test:{Part("test").Count}";
            return (Part("train"), Part("valid"), Part("test"), description);
        }
        int nTrain = all.Count * 8 / 10, nValid = all.Count / 10;
        description["split"] = "80/10/10 in file order (no QM9 ids or split folder)";
        return (all.Take(nTrain).ToList(), all.Skip(nTrain).Take(nValid).ToList(), all.Skip(nTrain + nValid).ToList(), description);
    }

    public static IGraphDataset LoadSplit(string task, string dataDir, string split, ModelConfig config)
    {
        if (task == "nbody") return NBodyGraphDataset.Load(dataDir, split);
        var (train, valid, test, _) = MoleculeSplits(task, dataDir);
        var items = split switch { "train" => train, "valid" => valid, "test" => test, _ => throw new ArgumentException($"--split must be train, valid or test, not '{split}'") };
        return new MoleculeGraphDataset(split, items, config.Targets, config.Cutoff ?? 2.0);
    }

    /// <summary>The composition baseline's MAE on a split for every scalar target (fitted on the training split), energies in meV.</summary>
    public static Dictionary<string, double> BaselineMae(ModelConfig config, string dataDir, string split)
    {
        var (train, valid, test, _) = MoleculeSplits(config.Task, dataDir);
        var items = split switch { "train" => train, "valid" => valid, _ => test };
        var result = new Dictionary<string, double>();
        foreach (TargetSpec t in config.Targets.Where(t => t.Irreps == "1x0e"))
        {
            double mae = CompositionBaseline.Fit(train, t.Name, config.Elements!).MeanAbsoluteError(items, t.Name);
            result[t.Unit == "eV" ? $"baseline_mae_{t.Name}_meV" : $"baseline_mae_{t.Name}"] = t.Unit == "eV" ? mae * 1000 : mae;
        }
        return result;
    }

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
